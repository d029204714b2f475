package main

import (
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
)

// nextRuns lists the first n runs of crontab after from, read in zone.
func nextRuns(t *testing.T, crontab, zone, from string, n int) []string {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	start, err := time.ParseInLocation("2006-01-02 15:04", from, loc)
	if err != nil {
		t.Fatal(err)
	}
	c := &wallClockCron{}
	if err := c.IsValid(crontab, loc, start); err != nil {
		t.Fatal(err)
	}
	var out []string
	for at := start; len(out) < n; {
		at = c.Next(at)
		if at.IsZero() {
			t.Fatalf("%q: no run after %s", crontab, out)
		}
		out = append(out, at.In(loc).Format("Mon 2006-01-02 15:04 MST"))
	}
	return out
}

func TestWallClockCron_DaylightSaving(t *testing.T) {
	for _, tc := range []struct {
		name, crontab, zone, from string
		want                      []string
	}{
		{"spring forward over the time: it runs on the new clock", "30 2 * * *", "America/New_York", "2026-03-07 12:00",
			[]string{"Sun 2026-03-08 03:30 EDT", "Mon 2026-03-09 02:30 EDT", "Tue 2026-03-10 02:30 EDT"}},
		{"spring forward, clocks ahead of UTC", "30 1 * * *", "Europe/London", "2026-03-28 12:00",
			[]string{"Sun 2026-03-29 02:30 BST", "Mon 2026-03-30 01:30 BST"}},
		{"spring forward on a day the schedule skips: no run that day", "30 2 * * 1-5", "America/New_York", "2026-03-06 12:00",
			[]string{"Mon 2026-03-09 02:30 EDT", "Tue 2026-03-10 02:30 EDT"}},
		{"fall back through the time: it runs once", "30 1 * * *", "America/New_York", "2026-10-31 12:00",
			[]string{"Sun 2026-11-01 01:30 EDT", "Mon 2026-11-02 01:30 EST"}},
		{"fall back, clocks ahead of UTC", "30 1 * * *", "Europe/London", "2026-10-24 12:00",
			[]string{"Sun 2026-10-25 01:30 BST", "Mon 2026-10-26 01:30 GMT"}},
		{"from inside the repeated hour, after the run", "30 1 * * *", "America/New_York", "2026-11-01 01:45",
			[]string{"Mon 2026-11-02 01:30 EST"}},
		{"the default schedule", "0 9 * * 1-5", "America/New_York", "2026-03-06 12:00",
			[]string{"Mon 2026-03-09 09:00 EDT", "Tue 2026-03-10 09:00 EDT"}},
		{"a zone of the schedule's own", "CRON_TZ=Asia/Tokyo 0 9 * * *", "America/New_York", "2026-03-07 12:00",
			[]string{"Sat 2026-03-07 19:00 EST", "Sun 2026-03-08 20:00 EDT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := nextRuns(t, tc.crontab, tc.zone, tc.from, len(tc.want))
			for i := range tc.want {
				if got[i] != tc.want[i] {
					t.Fatalf("runs = %q, want %q", got, tc.want)
				}
			}
		})
	}
}

func TestWallClockCron_Every(t *testing.T) {
	got := nextRuns(t, "@every 90m", "America/New_York", "2026-03-08 01:00", 2)
	if want := []string{"Sun 2026-03-08 03:30 EDT", "Sun 2026-03-08 05:00 EDT"}; got[0] != want[0] || got[1] != want[1] {
		t.Errorf("runs = %q, want %q", got, want)
	}
}

func TestWallClockCron_Invalid(t *testing.T) {
	for _, crontab := range []string{"0 9 * *", "61 9 * * *", "0 9 31 2 *"} {
		if err := (&wallClockCron{}).IsValid(crontab, time.UTC, time.Now()); err == nil {
			t.Errorf("%q: accepted", crontab)
		}
	}
}

// The scheduler owed runs gives the sweep its runs by the business's
// wall clock: on the day New York springs forward, a 02:30 sweep runs.
func TestScheduler_SweepOnTheDayTheClocksSpringForward(t *testing.T) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	s, err := gocron.NewScheduler(gocron.WithLocation(loc), gocron.WithClock(clockwork.NewFakeClockAt(time.Date(2026, 3, 7, 12, 0, 0, 0, loc))))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	def, wallClock := sweepSchedule("30 2 * * *")
	j, err := s.NewJob(def, gocron.NewTask(func() {}), wallClock)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	runs, err := j.NextRuns(2)
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{time.Date(2026, 3, 8, 3, 30, 0, 0, loc), time.Date(2026, 3, 9, 2, 30, 0, 0, loc)}
	if len(runs) != 2 || !runs[0].Equal(want[0]) || !runs[1].Equal(want[1]) {
		t.Errorf("next runs = %v, want %v", runs, want)
	}
}
