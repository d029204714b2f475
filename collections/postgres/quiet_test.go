package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
)

// TestPromise_APromisedCaseIsQuietUntilItsDate: while a promise is open,
// the sweep raises no stage on the case, even one that falls due in the
// meantime.
func TestPromise_APromisedCaseIsQuietUntilItsDate(t *testing.T) {
	ctx := context.Background()
	db, _ := newCases(t)
	// Stages up to 45 days, so that a later stage falls before the promised date.
	cs := postgres.NewCaseService(db, postgres.CaseConfig{Stages: []int{1, 7, 30, 45}, Channel: "C0COLLECT", GraceDays: 3,
		PromiseGraceDays: collections.DefaultPromiseGraceDays, Today: func() time.Time { return date("2026-06-01") }})
	c := openCase(t, cs, db)
	if c.Stage != 30 {
		t.Fatalf("Acme opened at stage %d, want 30", c.Stage)
	}
	if _, err := cs.Promise(ctx, collections.Actor{UserID: "U0ALICE"}, c.ID,
		collections.PromiseInput{Amount: collections.Money{Minor: 100_00, Currency: "USD"}, DueOn: date("2026-06-25")}); err != nil {
		t.Fatal(err)
	}
	// On 2026-06-16 Acme is 46 days overdue, past stage 45.
	res, err := cs.Sweep(ctx, date("2026-06-16"), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Alerts {
		if a.Customer.Name == "Acme" {
			t.Errorf("a promised case was alerted at stage %d", a.Stage)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM case_alerts WHERE case_id = $1 AND stage = 45`, c.ID); n != 0 {
		t.Errorf("stage 45 recorded while promised")
	}
}
