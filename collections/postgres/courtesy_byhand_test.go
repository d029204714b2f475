package postgres_test

import (
	"context"
	"testing"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
)

// acmeWithInvoiceComingDue is Acme's case with A-3 due on 3 June, and an
// address to email.
func acmeWithInvoiceComingDue(t *testing.T) (*postgres.DB, collections.Case) {
	t.Helper()
	db, _, c := acmeCaseWith(t, "A-3,Acme,USD,70.00,2026-05-20,2026-06-03\n")
	if _, err := db.ExecContext(context.Background(), `UPDATE customers SET email = 'ap@acme.example' WHERE name = 'Acme'`); err != nil {
		t.Fatal(err)
	}
	return db, c
}

func sendCourtesyByHand(t *testing.T, emails *postgres.EmailService, caseID int64) {
	t.Helper()
	if _, err := emails.QueueReminder(context.Background(), collections.Actor{UserID: "U0DANA", Name: "Dana"}, caseID, collections.ReminderRequest{
		To: "ap@acme.example", Template: collections.TemplateCourtesy, Subject: "Coming due", Text: "Hello", SendAnyway: true}); err != nil {
		t.Fatal(err)
	}
}

// TestCourtesyByHand_TheSweepDoesNotRemindTheInvoiceAgain: an invoice a
// person sent a courtesy email about gets none from the sweep.
func TestCourtesyByHand_TheSweepDoesNotRemindTheInvoiceAgain(t *testing.T) {
	ctx := context.Background()
	db, c := acmeWithInvoiceComingDue(t)
	emails := emailsWithGap(t, db, collections.RemindersAuto, date("2026-06-01"), 0)
	sendCourtesyByHand(t, emails, c.ID)
	res, err := emails.SweepReminders(ctx, date("2026-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Courtesy != 0 || res.Emails != 0 {
		t.Errorf("the sweep reminded again: %+v", res)
	}
	if n := count(t, db, `SELECT count(*) FROM emails WHERE template = 'courtesy'`); n != 1 {
		t.Errorf("%d courtesy emails, want 1", n)
	}
	if n := count(t, db, `SELECT count(*) FROM courtesy_reminders r JOIN invoices i ON i.id = r.invoice_id WHERE i.number = 'A-3' AND r.status = 'queued'`); n != 1 {
		t.Errorf("A-3 is not recorded as reminded")
	}
}

// TestCourtesyByHand_SendAllDoesNotRemindTheInvoiceAgain: an invoice
// waiting in a batch for Send all that a person sent a courtesy email
// about is sent with that email; Send all sends no second.
func TestCourtesyByHand_SendAllDoesNotRemindTheInvoiceAgain(t *testing.T) {
	ctx := context.Background()
	db, c := acmeWithInvoiceComingDue(t)
	emails := emailsWithGap(t, db, collections.RemindersApprove, date("2026-06-01"), 0)
	res, err := emails.SweepReminders(ctx, date("2026-06-01"))
	if err != nil || res.Courtesy != 1 {
		t.Fatalf("ready: %+v %v", res, err)
	}
	sendCourtesyByHand(t, emails, c.ID)
	b, err := emails.SendBatch(ctx, collections.Actor{UserID: "U0ALICE", Name: "Alice"}, res.BatchID)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM emails WHERE template = 'courtesy'`); n != 1 {
		t.Errorf("%d courtesy emails, want 1", n)
	}
	if len(b.Items) != 1 || b.Items[0].Status != collections.CourtesyQueued || b.Items[0].DecidedBy != "U0DANA" {
		t.Errorf("the batch: %+v", b.Items)
	}
}
