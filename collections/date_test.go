package collections_test

import (
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseDate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want time.Time
	}{
		{"ISODate", "2026-06-30", day(2026, time.June, 30)},
		{"SurroundingSpaceIsTrimmed", " 2026-01-02 ", day(2026, time.January, 2)},
		{"LeapDay", "2028-02-29", day(2028, time.February, 29)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collections.ParseDate(tt.in)
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Fatalf("ParseDate(%q) = %v, want %v (midnight UTC)", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDate_RefusesAnythingButYYYYMMDD(t *testing.T) {
	tests := []struct{ name, in string }{
		{"Empty", ""},
		{"USOrder", "06/30/2026"},
		{"EuropeanOrder", "30.06.2026"},
		{"SingleDigitMonthAndDay", "2026-6-5"},
		{"WithTime", "2026-06-30T09:00:00Z"},
		{"MonthThirteen", "2026-13-01"},
		{"FebruaryThirtieth", "2026-02-30"},
		{"LeapDayInCommonYear", "2026-02-29"},
		{"Words", "yesterday"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collections.ParseDate(tt.in)
			if err == nil {
				t.Fatalf("ParseDate(%q) = %v, want an error", tt.in, got)
			}
			if code := collections.ErrorCode(err); code != collections.EINVALID {
				t.Fatalf("ErrorCode = %q, want %q", code, collections.EINVALID)
			}
			if msg := collections.ErrorMessage(err); !strings.Contains(msg, "YYYY-MM-DD") {
				t.Fatalf("message %q does not say which format is wanted", msg)
			}
		})
	}
}

func TestDateIn(t *testing.T) {
	lateEveningUTC := time.Date(2026, time.June, 30, 23, 30, 0, 0, time.UTC)
	earlyMorningUTC := time.Date(2026, time.July, 1, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		t    time.Time
		loc  *time.Location
		want time.Time
	}{
		{"SameDayInUTC", lateEveningUTC, time.UTC, day(2026, time.June, 30)},
		{"AlreadyTomorrowEastOfUTC", lateEveningUTC, time.FixedZone("UTC+9", 9*3600), day(2026, time.July, 1)},
		{"StillTodayWestOfUTC", lateEveningUTC, time.FixedZone("UTC-5", -5*3600), day(2026, time.June, 30)},
		{"StillYesterdayWestOfUTC", earlyMorningUTC, time.FixedZone("UTC-7", -7*3600), day(2026, time.June, 30)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := collections.DateIn(tt.t, tt.loc)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Fatalf("DateIn(%v, %v) = %v, want %v (midnight UTC)", tt.t, tt.loc, got, tt.want)
			}
		})
	}
}

func TestDaysBetween(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	tests := []struct {
		name string
		a, b time.Time
		want int
	}{
		{"SameDay", day(2026, time.June, 30), day(2026, time.June, 30), 0},
		{"NextDay", day(2026, time.June, 30), day(2026, time.July, 1), 1},
		{"EarlierIsNegative", day(2026, time.July, 1), day(2026, time.June, 30), -1},
		// Due 2026-05-01, as of 2026-06-30 → days_overdue 60.
		{"SpecExample", day(2026, time.May, 1), day(2026, time.June, 30), 60},
		{"AcrossLeapDay", day(2028, time.February, 28), day(2028, time.March, 1), 2},
		{"AcrossNewYear", day(2025, time.December, 31), day(2026, time.January, 1), 1},
		{"WholeYear", day(2026, time.January, 1), day(2027, time.January, 1), 365},
		{"IgnoresTimeOfDay", time.Date(2026, time.June, 1, 23, 59, 0, 0, time.UTC), time.Date(2026, time.June, 2, 0, 1, 0, 0, time.UTC), 1},
		{"CalendarDaysAcrossDSTStart", time.Date(2026, time.March, 7, 12, 0, 0, 0, ny), time.Date(2026, time.March, 9, 0, 30, 0, 0, ny), 2},
		{"CalendarDaysAcrossDSTEnd", time.Date(2026, time.October, 31, 23, 0, 0, 0, ny), time.Date(2026, time.November, 2, 0, 30, 0, 0, ny), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collections.DaysBetween(tt.a, tt.b); got != tt.want {
				t.Fatalf("DaysBetween(%v, %v) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}
