package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
)

// TestQueueReminder_ATemplateCoversOnlyTheInvoicesItSpeaksOf: a reminder
// queued by hand covers the overdue invoices, disputed ones aside, and a
// courtesy reminder those not yet due; a template with none is refused
// rather than sent with false facts.
func TestQueueReminder_ATemplateCoversOnlyTheInvoicesItSpeaksOf(t *testing.T) {
	ctx := context.Background()
	db, cs, c := acmeCaseWith(t, "A-3,Acme,USD,70.00,2026-05-20,2026-06-03\n")
	if _, err := db.ExecContext(ctx, `UPDATE customers SET email = 'ap@acme.example' WHERE name = 'Acme'`); err != nil {
		t.Fatal(err)
	}
	emails := emailsOn(t, db, collections.RemindersApprove, date("2026-06-01"))
	dana := collections.Actor{UserID: "U0DANA", Name: "Dana"}
	send := func(tmpl string) (collections.Email, error) {
		return emails.QueueReminder(ctx, dana, c.ID, collections.ReminderRequest{To: "ap@acme.example", Template: tmpl,
			Subject: "About your invoices", Text: "Hello", SendAnyway: true})
	}
	numbersOf := func(e collections.Email) string {
		var out []string
		for _, id := range e.InvoiceIDs {
			var n string
			if err := db.GetContext(ctx, &n, `SELECT number FROM invoices WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			out = append(out, n)
		}
		return strings.Join(out, ",")
	}
	e, err := send(collections.TemplateCourtesy)
	if err != nil {
		t.Fatal(err)
	}
	if got := numbersOf(e); got != "A-3" {
		t.Errorf("the courtesy reminder covers %s, want A-3 (not yet due)", got)
	}
	e, err = send(collections.TemplateReminder)
	if err != nil {
		t.Fatal(err)
	}
	if got := numbersOf(e); got != "A-1,A-2" {
		t.Errorf("the reminder covers %s, want A-1,A-2 (overdue)", got)
	}

	var ids []int64
	if err := db.SelectContext(ctx, &ids, `SELECT id FROM invoices WHERE number IN ('A-1', 'A-2')`); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Dispute(ctx, dana, c.ID, collections.DisputeInput{InvoiceIDs: ids, Reason: collections.DisputePricing}); err != nil {
		t.Fatal(err)
	}
	for _, tmpl := range []string{collections.TemplateReminder, collections.TemplateFirm, collections.TemplateFinalNotice} {
		_, err := send(tmpl)
		if collections.ErrorCode(err) != collections.EINVALID || !strings.Contains(collections.ErrorMessage(err), "Acme has nothing overdue to remind about") {
			t.Errorf("%s with every overdue invoice disputed: %v", tmpl, err)
		}
	}
}

// TestReminderFacts_TheGapCountsFromWhenTheEmailLeft: the contact gap is
// the fewest days between two emails the customer gets, so it counts from
// when an email left (not when it was queued), and an email still held
// for the send window counts from when it may leave.
func TestReminderFacts_TheGapCountsFromWhenTheEmailLeft(t *testing.T) {
	ctx := context.Background()
	db, _, c := acmeCaseWith(t, "")
	if _, err := db.ExecContext(ctx, `UPDATE customers SET email = 'ap@acme.example' WHERE name = 'Acme'`); err != nil {
		t.Fatal(err)
	}
	emails := emailsOn(t, db, collections.RemindersApprove, date("2026-06-01"))
	dana := collections.Actor{UserID: "U0DANA", Name: "Dana"}
	e, err := emails.QueueReminder(ctx, dana, c.ID, collections.ReminderRequest{To: "ap@acme.example", Template: collections.TemplateReminder,
		Subject: "About your invoices", Text: "Hello", SendAnyway: true})
	if err != nil {
		t.Fatal(err)
	}
	gap := func() string {
		t.Helper()
		f, err := emails.ReminderFacts(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range collections.ReminderHolds(f) {
			if h.Kind == collections.HoldContactGap {
				return h.Words("Acme", date("2026-06-01"))
			}
		}
		return ""
	}
	for _, tc := range []struct {
		name, set, want string
	}{
		{"QueuedLongAgoSentTwoDaysAgo", `status = 'sent', queued_at = '2026-05-22 17:00Z', sent_at = '2026-05-30 09:00Z'`,
			"Acme was last emailed 2 days ago (2026-05-30); the contact gap is 5 days."},
		{"QueuedLongAgoHeldUntilTheWindowOpens", `status = 'queued', queued_at = '2026-05-22 17:00Z', sent_at = NULL, not_before = '2026-06-02 09:00Z'`,
			"Acme has an email waiting to leave on 2026-06-02; the contact gap is 5 days."},
		{"SentLongAgo", `status = 'sent', queued_at = '2026-05-22 17:00Z', sent_at = '2026-05-22 17:01Z'`, ""},
		{"RefusedForGood", `status = 'failed', queued_at = '2026-05-31 17:00Z', sent_at = NULL, failed_at = '2026-05-31 17:01Z'`, ""},
	} {
		if _, err := db.ExecContext(ctx, `UPDATE emails SET `+tc.set+` WHERE id = $1`, e.ID); err != nil {
			t.Fatal(err)
		}
		if got := gap(); got != tc.want {
			t.Errorf("%s: the contact gap says %q, want %q", tc.name, got, tc.want)
		}
	}
}
