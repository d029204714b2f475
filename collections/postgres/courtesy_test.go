package postgres_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
	"github.com/owedhq/owed/mail"
)

// emailsOn returns an email service on db whose business day is today,
// with the built-in templates and no send window.
func emailsOn(t *testing.T, db *postgres.DB, policy collections.ReminderPolicy, today time.Time) *postgres.EmailService {
	t.Helper()
	return emailsWithGap(t, db, policy, today, 5)
}

// emailsWithGap is emailsOn with a contact gap of gapDays.
func emailsWithGap(t *testing.T, db *postgres.DB, policy collections.ReminderPolicy, today time.Time, gapDays int) *postgres.EmailService {
	t.Helper()
	tmpls, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	cs := postgres.NewCaseService(db, postgres.CaseConfig{Stages: []int{1, 7, 30}, Channel: "C0COLLECT", GraceDays: 3,
		Today: func() time.Time { return today }})
	composer := &mail.Composer{Templates: tmpls, From: "Acme Accounts <ar@acme.example>"}
	return postgres.NewEmailService(db, cs, postgres.EmailConfig{Composer: composer, Policy: policy, RemindBefore: 3, GapDays: gapDays,
		Window: collections.SendWindow{Always: true}, Now: func() time.Time { return today.Add(10 * time.Hour) }})
}

// TestSendAll_LeavesOutInvoicesThatFellDue: courtesy reminders made on
// 1 June and sent on 3 June email only the invoices still not due; a
// customer whose invoices all fell due gets no courtesy email, and the
// batch says which fell due.
func TestSendAll_LeavesOutInvoicesThatFellDue(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportCustomers, "name,ref,email\nCurrent Co,C-003,pay@current.example\nDawn Dairy,C-004,accounts@dawn.example\n")
	importCSV(t, db, collections.ImportInvoices, `number,customer,currency,amount,issued_on,due_on
C-1,Current Co,USD,10.00,2026-05-20,2026-06-02
D-1,Dawn Dairy,USD,20.00,2026-05-20,2026-06-02
D-2,Dawn Dairy,USD,30.00,2026-05-20,2026-06-04
`)
	res, err := emailsOn(t, db, collections.RemindersApprove, date("2026-06-01")).SweepReminders(ctx, date("2026-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Courtesy != 3 {
		t.Fatalf("ready: %+v", res)
	}

	late := emailsOn(t, db, collections.RemindersApprove, date("2026-06-03"))
	b, err := late.SendBatch(ctx, collections.Actor{UserID: "U0DANA", Name: "Dana"}, res.BatchID)
	if err != nil {
		t.Fatal(err)
	}
	emails, err := late.CustomerEmails(ctx, customerID(t, db, "Dawn Dairy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(emails) != 1 {
		t.Fatalf("Dawn got %d courtesy emails, want 1", len(emails))
	}
	if text := emails[0].Text; !strings.Contains(text, "D-2") || strings.Contains(text, "D-1") {
		t.Errorf("Dawn's courtesy email covers what fell due:\n%s", text)
	}
	if n := count(t, db, `SELECT count(*) FROM emails e JOIN customers c ON c.id = e.customer_id WHERE c.name = 'Current Co'`); n != 0 {
		t.Errorf("Current Co, whose only invoice fell due, got %d courtesy emails", n)
	}
	fellDue := map[string]bool{}
	for _, it := range b.Items {
		fellDue[it.Invoice] = it.FellDue
	}
	if want := map[string]bool{"C-1": true, "D-1": true, "D-2": false}; !maps.Equal(fellDue, want) {
		t.Errorf("fell due: %v, want %v", fellDue, want)
	}
}

// TestSendAll_APaidInvoiceDidNotFallDue: an invoice paid before Send
// all is left out too, and not told as fallen due, even when its due
// date has passed by then.
func TestSendAll_APaidInvoiceDidNotFallDue(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportCustomers, "name,ref,email\nDawn Dairy,C-004,accounts@dawn.example\n")
	importCSV(t, db, collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\n"+
		"D-0,Dawn Dairy,USD,10.00,2026-05-20,2026-06-02\nD-1,Dawn Dairy,USD,20.00,2026-05-20,2026-06-04\n")
	res, err := emailsOn(t, db, collections.RemindersApprove, date("2026-06-01")).SweepReminders(ctx, date("2026-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE invoices SET paid_minor = amount_minor`); err != nil {
		t.Fatal(err)
	}
	b, err := emailsOn(t, db, collections.RemindersApprove, date("2026-06-03")).SendBatch(ctx, collections.Actor{UserID: "U0DANA"}, res.BatchID)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Items) != 2 || b.Items[0].Status != collections.CourtesySkipped || b.Items[0].FellDue ||
		b.Items[1].Status != collections.CourtesySkipped || b.Items[1].FellDue {
		t.Errorf("paid invoices: %+v", b.Items)
	}
	if n := count(t, db, `SELECT count(*) FROM emails`); n != 0 {
		t.Errorf("%d emails for a paid invoice", n)
	}
}

func customerID(t *testing.T, db *postgres.DB, name string) int64 {
	t.Helper()
	var id int64
	if err := db.GetContext(context.Background(), &id, `SELECT id FROM customers WHERE name = $1`, name); err != nil {
		t.Fatal(err)
	}
	return id
}

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

// TestSweepReminders_TheStageEmailGoesBeforeTheCourtesyNote: in auto, a
// customer 31 days overdue (stage 30) with another invoice due in two
// days gets the firm email of its stage; the courtesy note, coming after
// it, is held back by the contact gap (and tried again at the next
// sweep), rather than the friendly note going and the stage's email
// being held.
func TestSweepReminders_TheStageEmailGoesBeforeTheCourtesyNote(t *testing.T) {
	ctx := context.Background()
	db, _ := acmeWithInvoiceComingDue(t)
	emails := emailsOn(t, db, collections.RemindersAuto, date("2026-06-01"))
	res, err := emails.SweepReminders(ctx, date("2026-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	if res.StageMail != 1 || res.Emails != 0 || res.Courtesy != 0 || res.Held != 1 {
		t.Errorf("the sweep: %+v; want the stage email, and the courtesy note held back", res)
	}
	list, err := emails.CustomerEmails(ctx, customerID(t, db, "Acme"))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Template != collections.TemplateFirm || list[0].Stage != 30 {
		t.Fatalf("Acme's emails: %+v; want the firm email of stage 30 alone", list)
	}
	if n := count(t, db, `SELECT count(*) FROM courtesy_reminders`); n != 0 {
		t.Errorf("%d courtesy reminders recorded; A-3 should be left for the next sweep", n)
	}
}

// TestSweepReminders_ManyReadyComeInBatchesAReviewLists: in approve, a
// sweep with more courtesy reminders ready than one Review lists makes
// several batches of at most MaxBatchReminders, each with its message;
// a customer's invoices stay in one batch, for one email. In auto, one
// batch sums them all up.
func TestSweepReminders_ManyReadyComeInBatchesAReviewLists(t *testing.T) {
	for _, policy := range []collections.ReminderPolicy{collections.RemindersApprove, collections.RemindersAuto} {
		t.Run(string(policy), func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.New(t)
			var customers, invoices strings.Builder
			customers.WriteString("name,ref,email\n")
			invoices.WriteString("number,customer,currency,amount,issued_on,due_on\n")
			total := 0
			for i := 1; i <= 70; i++ {
				n := 2
				if i == 45 {
					n = 3 // would take the first batch to 91
				}
				fmt.Fprintf(&customers, "Customer %03d,R-%03d,ap%03d@customer.example\n", i, i, i)
				for j := 1; j <= n; j++ {
					fmt.Fprintf(&invoices, "N-%03d-%d,Customer %03d,USD,10.00,2026-05-20,2026-06-0%d\n", i, j, i, 1+j)
					total++
				}
			}
			importCSV(t, db, collections.ImportCustomers, customers.String())
			importCSV(t, db, collections.ImportInvoices, invoices.String())
			res, err := emailsWithGap(t, db, policy, date("2026-06-01"), 0).SweepReminders(ctx, date("2026-06-01"))
			if err != nil || res.Courtesy != total {
				t.Fatalf("the sweep: %+v %v; want %d courtesy reminders", res, err, total)
			}
			var sizes []int
			if err := db.SelectContext(ctx, &sizes, `SELECT count(*) FROM courtesy_reminders GROUP BY batch_id ORDER BY batch_id`); err != nil {
				t.Fatal(err)
			}
			want := []int{88, total - 88}
			if policy == collections.RemindersAuto {
				want = []int{total}
			}
			if !slices.Equal(sizes, want) || res.Batches != len(want) {
				t.Errorf("batches of %v (%d told), want %v", sizes, res.Batches, want)
			}
			if n := count(t, db, `SELECT count(DISTINCT batch_id) FROM courtesy_reminders GROUP BY customer_id ORDER BY 1 DESC LIMIT 1`); n != 1 {
				t.Errorf("a customer's invoices are in %d batches", n)
			}
			if n := count(t, db, `SELECT count(*) FROM outbox WHERE kind = $1 AND audit_id IS NULL`, collections.OutboxReminders); n != len(want) {
				t.Errorf("%d batch messages queued, want %d", n, len(want))
			}
		})
	}
}
