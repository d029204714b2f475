package collections

import (
	"strings"
	"time"
)

// DateLayout is how owed reads and writes dates.
const DateLayout = "2006-01-02"

// ParseDate parses a YYYY-MM-DD date as midnight UTC, the representation of
// calendar dates throughout owed.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, Errorf(EINVALID, "%q is not a date (want YYYY-MM-DD)", s)
	}
	return t, nil
}

// DateIn returns the calendar date of instant t in loc, as midnight UTC.
func DateIn(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DaysBetween returns the whole days from calendar date a to b (b − a).
func DaysBetween(a, b time.Time) int {
	a = time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	b = time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}
