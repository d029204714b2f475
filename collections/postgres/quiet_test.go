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

// TestFollowUp_ADisputeMeanwhileKeepsTheFollowUpDate: an action that
// leaves a case waiting for its follow-up (a dispute) keeps the date it
// waits for, so that the case still alerts again on that day.
func TestFollowUp_ADisputeMeanwhileKeepsTheFollowUpDate(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	dana := collections.Actor{UserID: "U0DANA"}
	if _, err := cs.LogContact(ctx, dana, c.ID, collections.Contact{Channel: collections.ContactCall, Outcome: collections.OutcomeNoAnswer,
		FollowUp: collections.DateOf(date("2026-06-05"))}, nil); err != nil {
		t.Fatal(err)
	}
	var a2 int64
	if err := db.GetContext(ctx, &a2, `SELECT id FROM invoices WHERE number = 'A-2'`); err != nil {
		t.Fatal(err)
	}
	after, err := cs.Dispute(ctx, dana, c.ID, collections.DisputeInput{InvoiceIDs: []int64{a2}, Reason: collections.DisputePricing})
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != collections.CaseFollowUp || after.SnoozedUntil == nil || after.SnoozedUntil.Format(collections.DateLayout) != "2026-06-05" {
		t.Errorf("after the dispute: status %s, quiet until %v; want follow_up until 2026-06-05", after.Status, after.SnoozedUntil)
	}
}

// TestRecords_AFormIsActedOnOnce: a contact logged with a form is logged
// once, however often and however concurrently the form is sent; a
// submission that failed leaves the form free to be sent again.
func TestRecords_AFormIsActedOnOnce(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	contact := collections.Contact{Channel: collections.ContactCall, Outcome: collections.OutcomeReached}
	dana := collections.Actor{UserID: "U0DANA", Form: "V0CONTACT1"}

	// The contacts table is away: the action fails, and with it the
	// record of the form.
	db.MustExec(`ALTER TABLE contacts RENAME TO contacts_away`)
	if _, err := cs.LogContact(ctx, dana, c.ID, contact, nil); err == nil {
		t.Fatal("logged a contact without its table")
	}
	db.MustExec(`ALTER TABLE contacts_away RENAME TO contacts`)

	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := cs.LogContact(ctx, dana, c.ID, contact, nil)
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("a submission of the form: %v; a repeat is no error", err)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM contacts WHERE case_id = $1`, c.ID); n != 1 {
		t.Errorf("%d contacts from one form sent 5 times, want 1", n)
	}
	// Another form, the same person: another contact.
	if _, err := cs.LogContact(ctx, collections.Actor{UserID: "U0DANA", Form: "V0CONTACT2"}, c.ID, contact, nil); err != nil {
		t.Fatal(err)
	}
	// A promise on the first form's id is a repeat too (one view, one action).
	if _, err := cs.Promise(ctx, dana, c.ID, collections.PromiseInput{Amount: collections.Money{Minor: 100_00, Currency: "USD"}, DueOn: date("2026-06-25")}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM contacts WHERE case_id = $1`, c.ID); n != 2 {
		t.Errorf("%d contacts after a second form, want 2", n)
	}
	if n := count(t, db, `SELECT count(*) FROM promises WHERE case_id = $1`, c.ID); n != 0 {
		t.Errorf("a promise was recorded on a form already acted on")
	}
}
