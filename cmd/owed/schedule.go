package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/robfig/cron/v3"
)

// sweepSchedule is the sweep's job: crontab (OWED_SWEEP_CRON), and the
// option that reads it on the business's wall clock.
func sweepSchedule(crontab string) (gocron.JobDefinition, gocron.JobOption) {
	return gocron.CronJob(crontab, false), gocron.WithCronImplementation(&wallClockCron{})
}

// wallClockCron reads a cron schedule on the business's wall clock, so
// that a daily sweep runs once on each day it names, whatever the clocks
// do: on the day they spring forward, a time that does not exist (02:30
// when 02:00 jumps to 03:00) runs at the same time on the new clock
// (03:30), instead of being skipped until the next day; on the day they
// fall back, a time that comes twice (01:30) runs the first time only.
// (gocron's own cron skips the first; its run-after-transition policy would
// also run a Monday-to-Friday schedule on the Sunday the clocks change.)
// The schedule is worked out on a clock without daylight saving, then
// placed in the business's time zone.
type wallClockCron struct {
	sched cron.Schedule
	loc   *time.Location
}

var _ gocron.Cron = (*wallClockCron)(nil)

// IsValid parses crontab (five fields, or a descriptor like @daily; a
// CRON_TZ= prefix names another zone than location).
func (c *wallClockCron) IsValid(crontab string, location *time.Location, now time.Time) error {
	sched, err := cron.ParseStandard(crontab)
	if err != nil {
		return errors.Join(gocron.ErrCronJobParse, err)
	}
	c.sched, c.loc = sched, location
	if spec, ok := sched.(*cron.SpecSchedule); ok {
		if spec.Location != time.Local { // a CRON_TZ= prefix
			c.loc = spec.Location
		}
		spec.Location = time.UTC
	}
	if c.Next(now).IsZero() {
		return fmt.Errorf("%w: %q never runs", gocron.ErrCronJobInvalid, crontab)
	}
	return nil
}

// Next is the first run after last (zero: never).
func (c *wallClockCron) Next(last time.Time) time.Time {
	if _, ok := c.sched.(*cron.SpecSchedule); !ok { // @every: a duration, not a clock time
		return c.sched.Next(last)
	}
	l := last.In(c.loc)
	wall := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
	// The first match is after last unless last is in the hour the clocks
	// fell back, after its first pass: then the next match is.
	for range 3 {
		if wall = c.sched.Next(wall); wall.IsZero() {
			return wall
		}
		if at := c.instant(wall); at.After(last) {
			return at
		}
	}
	return time.Time{}
}

// instant is when the business's clock shows wall (given as UTC): the
// first time, when the clocks fall back and show it twice; and when they
// spring forward over it, as long after the change as wall is after the
// time the clocks skipped from, so 02:30 is 03:30 on the new clock.
func (c *wallClockCron) instant(wall time.Time) time.Time {
	var first time.Time
	for i, around := range []time.Time{wall.AddDate(0, 0, -1), wall.AddDate(0, 0, 1)} {
		_, offset := around.In(c.loc).Zone()
		at := wall.Add(-time.Duration(offset) * time.Second).In(c.loc)
		if i == 0 {
			first = at
		}
		if at.Hour() == wall.Hour() && at.Minute() == wall.Minute() && at.Second() == wall.Second() {
			return at
		}
	}
	return first // the clocks skipped wall: read it on the clock before the change
}
