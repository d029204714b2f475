package collections_test

import (
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
)

// TestCheckPromise: a promise is kept when the payments reach exactly its
// amount, stays open through its date plus grace, and is broken the day
// after.
func TestCheckPromise(t *testing.T) {
	promise := func(paid int64) collections.Promise {
		return collections.Promise{Amount: collections.Money{Minor: 40_00, Currency: "USD"}, DueOn: day(2026, time.June, 10), Paid: paid}
	}
	const grace = 2
	for _, tc := range []struct {
		name  string
		paid  int64
		today time.Time
		want  collections.PromiseStatus
	}{
		{"ExactlyTheAmountKeepsIt", 40_00, day(2026, time.June, 5), collections.PromiseKept},
		{"MoreThanTheAmountKeepsIt", 50_00, day(2026, time.June, 5), collections.PromiseKept},
		{"OneCentShortBeforeTheDateIsOpen", 39_99, day(2026, time.June, 10), collections.PromiseOpen},
		{"OnTheLastDayOfGraceIsOpen", 0, day(2026, time.June, 12), collections.PromiseOpen},
		{"TheDayAfterGraceIsBroken", 39_99, day(2026, time.June, 13), collections.PromiseBroken},
		{"KeptLateIsStillKept", 40_00, day(2026, time.June, 30), collections.PromiseKept},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := collections.CheckPromise(promise(tc.paid), tc.today, grace); got != tc.want {
				t.Errorf("CheckPromise = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestValidatePromise: the amount is positive and at most what is overdue
// in its currency; the date is today or later.
func TestValidatePromise(t *testing.T) {
	today := day(2026, time.June, 1)
	overdue := []collections.Money{{Minor: 50_00, Currency: "EUR"}, {Minor: 100_00, Currency: "USD"}}
	for _, tc := range []struct {
		name   string
		amount collections.Money
		due    time.Time
		want   []string // the fields with a problem
	}{
		{"TheWholeOverdueAmountByToday", collections.Money{Minor: 100_00, Currency: "USD"}, today, nil},
		{"ACentMoreThanOverdue", collections.Money{Minor: 100_01, Currency: "USD"}, today, []string{"amount"}},
		{"ACurrencyWithNothingOverdue", collections.Money{Minor: 1_00, Currency: "GBP"}, today, []string{"amount"}},
		{"Zero", collections.Money{Currency: "EUR"}, today, []string{"amount"}},
		{"Yesterday", collections.Money{Minor: 10_00, Currency: "EUR"}, day(2026, time.May, 31), []string{"date"}},
		{"NoDate", collections.Money{Minor: 10_00, Currency: "EUR"}, time.Time{}, []string{"date"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problems := collections.ValidatePromise(tc.amount, tc.due, today, overdue)
			if len(problems) != len(tc.want) {
				t.Fatalf("problems = %v, want on %v", problems, tc.want)
			}
			for _, f := range tc.want {
				if problems[f] == "" {
					t.Errorf("no problem on %s: %v", f, problems)
				}
			}
		})
	}
}
