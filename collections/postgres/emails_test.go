package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
	"github.com/owedhq/owed/mail"
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

// clockedEmails is an email service under the default send window
// (Mon-Fri 09:00-17:00, UTC for customers without a time zone) whose
// clock reads *now.
func clockedEmails(t *testing.T, db *postgres.DB, policy collections.ReminderPolicy, window collections.SendWindow, now *time.Time) *postgres.EmailService {
	t.Helper()
	tmpls, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	cs := postgres.NewCaseService(db, postgres.CaseConfig{Stages: []int{1, 7, 30}, Channel: "C0COLLECT", GraceDays: 3,
		Today: func() time.Time { return collections.DateIn(*now, time.UTC) }})
	return postgres.NewEmailService(db, cs, postgres.EmailConfig{Composer: &mail.Composer{Templates: tmpls, From: "Acme Accounts <ar@acme.example>"},
		Policy: policy, RemindBefore: 3, GapDays: 5, Window: window, Location: time.UTC, Now: func() time.Time { return *now }})
}

func officeHours(t *testing.T) collections.SendWindow {
	t.Helper()
	w, err := collections.ParseSendWindow(collections.DefaultSendWindow)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// The week of the send window's tests: Friday 5 June 2026 18:00 UTC,
// after the window shut, and Monday 8 June 09:30, once it opened again.
var (
	fridayEvening = time.Date(2026, 6, 5, 18, 0, 0, 0, time.UTC)
	mondayMorning = time.Date(2026, 6, 8, 9, 30, 0, 0, time.UTC)
)

// TestClaimEmail_AReminderForInvoicesSettledSinceItWasQueuedIsWithdrawn:
// a reminder queued on Friday evening and held by the send window until
// Monday is looked at again as it is about to leave: with every invoice
// it covers paid (or paid and put in dispute) meanwhile it is withdrawn,
// recorded and told in the case's thread, and the claim goes on to the
// next email due; with a balance left on one of them it is sent.
func TestClaimEmail_AReminderForInvoicesSettledSinceItWasQueuedIsWithdrawn(t *testing.T) {
	for _, tc := range []struct {
		name     string
		payments string // A-1 is USD 100.00, A-2 EUR 50.00
		dispute  string // an invoice put in dispute, if any
		want     collections.Withdrawal
	}{
		{"PaidInFull", "A-1,100.00,2026-06-01\nA-2,50.00,2026-06-01\n", "", collections.WithdrawnPaid},
		{"PaidAndDisputed", "A-1,100.00,2026-06-01\n", "A-2", collections.WithdrawnPaidOrDisputed},
		{"PartlyPaid", "A-1,100.00,2026-06-01\nA-2,20.00,2026-06-01\n", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, cs, c := acmeCaseWith(t, "")
			now := fridayEvening
			emails := clockedEmails(t, db, collections.RemindersApprove, officeHours(t), &now)
			dana := collections.Actor{UserID: "U0DANA", Name: "Dana"}
			acme, err := emails.QueueReminder(ctx, dana, c.ID, collections.ReminderRequest{To: "ap@acme.example",
				Template: collections.TemplateReminder, Subject: "Invoices A-1 and A-2 are past due", Text: "Please pay."})
			if err != nil {
				t.Fatal(err)
			}
			var bluebirdCase int64
			if err := db.GetContext(ctx, &bluebirdCase, `SELECT c.id FROM cases c JOIN customers u ON u.id = c.customer_id WHERE u.name = 'Bluebird'`); err != nil {
				t.Fatal(err)
			}
			bluebird, err := emails.QueueReminder(ctx, dana, bluebirdCase, collections.ReminderRequest{To: "ap@bluebird.example",
				Template: collections.TemplateReminder, Subject: "Invoice B-1 is past due", Text: "Please pay."})
			if err != nil {
				t.Fatal(err)
			}
			if !acme.NotBefore.Equal(time.Date(2026, 6, 8, 9, 0, 0, 0, time.UTC)) {
				t.Fatalf("queued on Friday evening to leave at %s, want Monday 09:00", acme.NotBefore.UTC())
			}

			importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on\n"+tc.payments)
			if tc.dispute != "" {
				var id int64
				if err := db.GetContext(ctx, &id, `SELECT id FROM invoices WHERE number = $1`, tc.dispute); err != nil {
					t.Fatal(err)
				}
				if _, err := cs.Dispute(ctx, dana, c.ID, collections.DisputeInput{InvoiceIDs: []int64{id}, Reason: collections.DisputePricing}); err != nil {
					t.Fatal(err)
				}
			}

			now = mondayMorning
			claimed, err := emails.ClaimEmail(ctx, time.Minute)
			if err != nil || claimed == nil {
				t.Fatalf("claim on Monday: %+v, %v", claimed, err)
			}
			got, err := emails.FindEmail(ctx, acme.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if claimed.ID != acme.ID || got.Status != collections.EmailQueued {
					t.Errorf("a reminder with a balance left was not handed out to be sent: claimed %d (%s), ACME's is %s", claimed.ID, claimed.To, got.Status)
				}
				if n := count(t, db, `SELECT count(*) FROM audit_log WHERE action = $1`, collections.AuditEmailWithdrawn); n != 0 {
					t.Errorf("%d withdrawals recorded", n)
				}
				return
			}
			if claimed.ID != bluebird.ID {
				t.Errorf("claimed email %d (%s), want Bluebird's %d, the next one due", claimed.ID, claimed.To, bluebird.ID)
			}
			if got.Status != collections.EmailWithdrawn || got.Withdrawal != tc.want || got.WithdrawnAt == nil || got.Attempts != 0 {
				t.Errorf("ACME's reminder: %s (%s) at %v after %d attempts, want withdrawn (%s) before any attempt", got.Status, got.Withdrawal, got.WithdrawnAt, got.Attempts, tc.want)
			}
			var entry struct {
				ID      int64  `db:"id"`
				CaseID  int64  `db:"case_id"`
				Actor   string `db:"actor"`
				Details []byte `db:"details"`
			}
			if err := db.GetContext(ctx, &entry, `SELECT id, case_id, actor, details FROM audit_log WHERE action = $1`, collections.AuditEmailWithdrawn); err != nil {
				t.Fatalf("the withdrawal in the history: %v", err)
			}
			d, err := collections.DecodeAuditDetails(entry.Details)
			if err != nil {
				t.Fatal(err)
			}
			if entry.CaseID != c.ID || entry.Actor != collections.SystemActor || d.EmailID != acme.ID || d.To != "ap@acme.example" ||
				d.Template != collections.TemplateReminder || d.Reason != string(tc.want) {
				t.Errorf("the history records %+v %+v", entry, d)
			}
			if n := count(t, db, `SELECT count(*) FROM outbox WHERE kind = $1 AND case_id = $2 AND audit_id = $3`, collections.OutboxThread, c.ID, entry.ID); n != 1 {
				t.Errorf("%d lines queued for the case's thread, want 1", n)
			}
			// Withdrawn, it is never handed out, and does not count for
			// the contact gap: the customer never got it.
			if err := emails.EmailSent(ctx, bluebird.ID, "250 OK"); err != nil {
				t.Fatal(err)
			}
			if again, err := emails.ClaimEmail(ctx, time.Minute); err != nil || again != nil {
				t.Errorf("claimed again: %+v %v", again, err)
			}
			f, err := emails.ReminderFacts(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if f.LastEmail != nil {
				t.Errorf("the withdrawn reminder counts as the last email (%s)", f.LastEmail)
			}
		})
	}
}

// TestClaimEmail_ACourtesyNoteHeldPastTheDueDateIsWithdrawn: a courtesy
// note made on Friday evening for an invoice due on Sunday, held by the
// send window until Monday, would arrive after the due date: it is
// withdrawn and told in the batch's thread. One for an invoice due on
// Monday still leaves.
func TestClaimEmail_ACourtesyNoteHeldPastTheDueDateIsWithdrawn(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportCustomers, "name,ref,email\nCurrent Co,C-003,pay@current.example\nDawn Dairy,C-004,accounts@dawn.example\n")
	importCSV(t, db, collections.ImportInvoices, `number,customer,currency,amount,issued_on,due_on
C-1,Current Co,USD,10.00,2026-05-20,2026-06-07
D-1,Dawn Dairy,USD,20.00,2026-05-20,2026-06-08
`)
	now := fridayEvening
	emails := clockedEmails(t, db, collections.RemindersAuto, officeHours(t), &now)
	res, err := emails.SweepReminders(ctx, date("2026-06-05"))
	if err != nil || res.Emails != 2 {
		t.Fatalf("the sweep: %+v %v; want two courtesy emails", res, err)
	}

	now = mondayMorning
	claimed, err := emails.ClaimEmail(ctx, time.Minute)
	if err != nil || claimed == nil || claimed.To != "accounts@dawn.example" {
		t.Fatalf("claimed %+v, %v; want Dawn's, its invoice due today", claimed, err)
	}
	list, err := emails.CustomerEmails(ctx, customerID(t, db, "Current Co"))
	if err != nil || len(list) != 1 {
		t.Fatalf("Current Co's emails: %+v %v", list, err)
	}
	if e := list[0]; e.Status != collections.EmailWithdrawn || e.Withdrawal != collections.WithdrawnFellDue {
		t.Errorf("Current Co's courtesy note: %s (%s), want withdrawn: fell due", e.Status, e.Withdrawal)
	}
	var auditID int64
	if err := db.GetContext(ctx, &auditID, `SELECT id FROM audit_log WHERE action = $1 AND case_id IS NULL`, collections.AuditEmailWithdrawn); err != nil {
		t.Fatalf("the withdrawal in the history: %v", err)
	}
	if n := count(t, db, `SELECT count(*) FROM outbox WHERE kind = $1 AND batch_id = $2 AND audit_id = $3`, collections.OutboxReminders, res.BatchID, auditID); n != 1 {
		t.Errorf("%d lines queued for the batch's thread, want 1", n)
	}
	b, err := emails.FindBatch(ctx, res.BatchID)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range b.Items {
		if want := map[string]collections.EmailStatus{"C-1": collections.EmailWithdrawn, "D-1": collections.EmailQueued}[it.Invoice]; it.EmailState != want {
			t.Errorf("%s: its email is %s, want %s", it.Invoice, it.EmailState, want)
		}
	}
}

// TestClaimEmail_ACourtesyNoteGoesByTheCustomersDate: whether a courtesy
// note's invoice has fallen due is told by the customer's own date. At
// 22:00 UTC on Sunday 7 June it is Monday in Auckland: the note for an
// invoice due on Sunday is withdrawn there, and leaves for a customer on
// UTC.
func TestClaimEmail_ACourtesyNoteGoesByTheCustomersDate(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportCustomers, "name,ref,email,timezone\nCurrent Co,C-003,pay@current.example,Pacific/Auckland\nDawn Dairy,C-004,accounts@dawn.example,\n")
	importCSV(t, db, collections.ImportInvoices, `number,customer,currency,amount,issued_on,due_on
C-1,Current Co,USD,10.00,2026-05-20,2026-06-07
D-1,Dawn Dairy,USD,20.00,2026-05-20,2026-06-07
`)
	now := fridayEvening
	emails := clockedEmails(t, db, collections.RemindersAuto, collections.SendWindow{Always: true}, &now)
	if res, err := emails.SweepReminders(ctx, date("2026-06-05")); err != nil || res.Emails != 2 {
		t.Fatalf("the sweep: %+v %v; want two courtesy emails", res, err)
	}
	now = time.Date(2026, 6, 7, 22, 0, 0, 0, time.UTC)
	claimed, err := emails.ClaimEmail(ctx, time.Minute)
	if err != nil || claimed == nil || claimed.To != "accounts@dawn.example" {
		t.Fatalf("claimed %+v, %v; want Dawn's (still Sunday on UTC)", claimed, err)
	}
	if n := count(t, db, `SELECT count(*) FROM emails WHERE to_addr = 'pay@current.example' AND status = 'withdrawn' AND withdrawn_reason = 'fell_due'`); n != 1 {
		t.Errorf("Current Co's courtesy note, on Monday in Auckland, was not withdrawn")
	}
}

// TestMigrations_AWithdrawnEmailIsKeptAsNotDeliveredWhenRolledBack: the
// schema before withdrawn emails keeps one as an email that failed, with
// why, and comes back up.
func TestMigrations_AWithdrawnEmailIsKeptAsNotDeliveredWhenRolledBack(t *testing.T) {
	ctx := context.Background()
	db, _, c := acmeCaseWith(t, "")
	now := fridayEvening
	emails := clockedEmails(t, db, collections.RemindersApprove, officeHours(t), &now)
	if _, err := emails.QueueReminder(ctx, collections.Actor{UserID: "U0DANA"}, c.ID, collections.ReminderRequest{To: "ap@acme.example",
		Template: collections.TemplateReminder, Subject: "Past due", Text: "Please pay."}); err != nil {
		t.Fatal(err)
	}
	importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on\nA-1,100.00,2026-06-01\nA-2,50.00,2026-06-01\n")
	now = mondayMorning
	if e, err := emails.ClaimEmail(ctx, time.Minute); err != nil || e != nil {
		t.Fatalf("claimed %+v %v", e, err)
	}
	if err := db.MigrateDownTo(ctx, 13); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM emails WHERE status = 'failed' AND failed_at IS NOT NULL AND answer = 'withdrawn before it left: paid'`); n != 1 {
		t.Errorf("the withdrawn email is not kept as not delivered")
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestClaimEmail_AnEmailFromItsTemplateIsWrittenAgainAsItLeaves: a
// reminder queued on Friday evening as its template wrote it, and held by
// the send window until Monday, leaves written as of Monday: the invoice
// paid in full meanwhile is no longer asked for, the one partly paid asks
// for what is left, and the days overdue are Monday's. One whose subject
// a person changed goes as they wrote it.
func TestClaimEmail_AnEmailFromItsTemplateIsWrittenAgainAsItLeaves(t *testing.T) {
	for _, tc := range []struct {
		name    string
		subject func(template string) string
		again   bool
	}{
		{"Untouched", func(s string) string { return s }, true},
		{"SubjectChanged", func(s string) string { return "Your account with us" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, cs, c := acmeCaseWith(t, "A-3,Acme,USD,70.00,2026-04-01,2026-05-08\n")
			now := fridayEvening
			emails := clockedEmails(t, db, collections.RemindersApprove, officeHours(t), &now)
			tmpls, err := mail.LoadTemplates("")
			if err != nil {
				t.Fatal(err)
			}
			v, err := cs.FindCaseView(ctx, c.ID, date("2026-06-05"))
			if err != nil {
				t.Fatal(err)
			}
			invoices := collections.TemplateInvoices(collections.TemplateReminder, v.Invoices)
			draft, err := (&mail.Composer{Templates: tmpls, From: "Acme Accounts <ar@acme.example>"}).Compose(
				collections.TemplateReminder, v.Customer, invoices, date("2026-06-05"), "Dana")
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"A-1", "A-2", "A-3", "35 days ago", "28 days ago", "USD 170.00"} {
				if !strings.Contains(draft.Text, want) {
					t.Fatalf("Friday's reminder lacks %q:\n%s", want, draft.Text)
				}
			}
			queued, err := emails.QueueReminder(ctx, collections.Actor{UserID: "U0DANA", Name: "Dana"}, c.ID, collections.ReminderRequest{
				To: "ap@acme.example", Template: collections.TemplateReminder, Subject: tc.subject(draft.Subject), Text: draft.Text})
			if err != nil {
				t.Fatal(err)
			}
			importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on\nA-1,40.00,2026-06-06\nA-2,50.00,2026-06-06\n")

			now = mondayMorning
			claimed, err := emails.ClaimEmail(ctx, time.Minute)
			if err != nil || claimed == nil || claimed.ID != queued.ID {
				t.Fatalf("claim on Monday: %+v, %v; want ACME's reminder", claimed, err)
			}
			if !tc.again {
				if claimed.Subject != "Your account with us" || claimed.Text != queued.Text || !sameIDs(claimed.InvoiceIDs, queued.InvoiceIDs) {
					t.Errorf("the reminder a person changed was written again:\n%s\n%s", claimed.Subject, claimed.Text)
				}
				return
			}
			for _, want := range []string{"A-1", "A-3", "38 days ago", "31 days ago", "USD 60.00", "USD 130.00", "Dana"} {
				if !strings.Contains(claimed.Text, want) {
					t.Errorf("Monday's reminder lacks %q:\n%s", want, claimed.Text)
				}
			}
			for _, gone := range []string{"A-2", "EUR", "35 days ago", "28 days ago", "USD 170.00"} {
				if strings.Contains(claimed.Text, gone) || strings.Contains(claimed.HTML, gone) {
					t.Errorf("Monday's reminder still says %q:\n%s", gone, claimed.Text)
				}
			}
			if !strings.Contains(claimed.HTML, "USD 60.00") {
				t.Errorf("Monday's HTML lacks the balance left:\n%s", claimed.HTML)
			}
			if claimed.Subject != "Reminder: 2 invoices are past due — Acme Accounts" {
				t.Errorf("Monday's subject: %q", claimed.Subject)
			}
			if len(claimed.InvoiceIDs) != 2 || claimed.MessageID != queued.MessageID {
				t.Errorf("covers %v under %s, want A-1 and A-3 under the same Message-ID %s", claimed.InvoiceIDs, claimed.MessageID, queued.MessageID)
			}
			// What left is what the history keeps.
			kept, err := emails.FindEmail(ctx, queued.ID)
			if err != nil || kept.Text != claimed.Text || kept.Subject != claimed.Subject {
				t.Errorf("kept %q, sent %q (%v)", kept.Text, claimed.Text, err)
			}
		})
	}
}

func sameIDs(a, b []int64) bool {
	return slices.Equal(a, b)
}

// TestClaimEmail_OwedsOwnEmailToACaseGoneQuietIsWithdrawn: in auto, the
// stage email owed queued on Friday evening for Monday's send window is
// withdrawn if the case went quiet meanwhile (here snoozed): owed sends
// nothing of its own to a quiet case. A reminder a person sent anyway
// to the snoozed case still leaves.
func TestClaimEmail_OwedsOwnEmailToACaseGoneQuietIsWithdrawn(t *testing.T) {
	ctx := context.Background()
	db, cs, c := acmeCaseWith(t, "")
	if _, err := db.ExecContext(ctx, `UPDATE customers SET email = 'ap@acme.example' WHERE name = 'Acme'`); err != nil {
		t.Fatal(err)
	}
	now := fridayEvening
	emails := clockedEmails(t, db, collections.RemindersAuto, officeHours(t), &now)
	res, err := emails.SweepReminders(ctx, date("2026-06-05"))
	if err != nil || res.StageMail == 0 {
		t.Fatalf("the sweep: %+v, %v; want Acme's stage email", res, err)
	}
	dana := collections.Actor{UserID: "U0DANA", Name: "Dana"}
	if _, err := cs.Snooze(ctx, dana, c.ID, date("2026-06-20"), "waiting for their PO"); err != nil {
		t.Fatal(err)
	}
	byHand, err := emails.QueueReminder(ctx, dana, c.ID, collections.ReminderRequest{To: "ap@acme.example",
		Template: collections.TemplateReminder, Subject: "Your invoices", Text: "Please pay.", SendAnyway: true})
	if err != nil {
		t.Fatal(err)
	}

	now = mondayMorning
	claimed, err := emails.ClaimEmail(ctx, time.Minute)
	if err != nil || claimed == nil || claimed.ID != byHand.ID {
		t.Fatalf("claimed %+v, %v; want Dana's reminder, sent anyway", claimed, err)
	}
	list, err := emails.CustomerEmails(ctx, c.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	withdrawn := 0
	for _, e := range list {
		if e.SentBy == collections.SystemActor {
			if e.Status != collections.EmailWithdrawn || e.Withdrawal != collections.WithdrawnQuiet {
				t.Errorf("owed's %s email: %s (%s), want withdrawn: quiet", e.Template, e.Status, e.Withdrawal)
			}
			withdrawn++
		}
	}
	if withdrawn == 0 {
		t.Errorf("no email of owed's own among %+v", list)
	}
}
