package bot_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
)

// clock is a time the test sets, read by the email service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// TestJourney_AReminderPaidBeforeItCouldLeaveIsNotSent: a reminder sent
// on Friday evening is held by the send window until Monday 09:00; on
// Saturday a payment import pays the invoice in full. On Monday the
// customer gets no "past due" email: the thread says it was not sent and
// why, and so does the customer's history.
func TestJourney_AReminderPaidBeforeItCouldLeaveIsNotSent(t *testing.T) {
	window, err := collections.ParseSendWindow(collections.DefaultSendWindow)
	if err != nil {
		t.Fatal(err)
	}
	mail := &clock{t: time.Date(2026, 6, 5, 18, 0, 0, 0, time.UTC)} // Friday, the window shut
	h := newMailHarnessWith(t, mailOptions{policy: collections.RemindersApprove, window: &window, now: mail.now})
	h.setToday("2026-06-05")
	h.importCSV(collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nA-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01\n")
	h.sweep()
	acme := h.alert("ACME Corp.")

	h.click(member, acme, blocks.ActionSendReminder)
	if res := h.submit(member, h.modal(member, blocks.CallbackReminder), sandbox.Values{}); !res.Closed {
		t.Fatalf("send: %+v", res)
	}
	h.reply(acme, "emailed to ap@acme.example by <@"+member+">")
	if n := h.count(`SELECT count(*) FROM emails WHERE status = 'queued' AND not_before = '2026-06-08 09:00Z'`); n != 1 {
		t.Fatalf("the reminder is not held until Monday 09:00")
	}
	time.Sleep(200 * time.Millisecond) // the dispatcher looks at it, and keeps it for the window
	if got := h.sb.Mailbox(); len(got) != 0 {
		t.Fatalf("emailed outside the send window: %+v", got)
	}

	// Saturday: the customer pays A-1 in full.
	h.setToday("2026-06-06")
	mail.set(time.Date(2026, 6, 6, 11, 0, 0, 0, time.UTC))
	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-1,100.00,2026-06-06,W-1\n")
	h.settle()

	// Monday: the window opens.
	h.setToday("2026-06-08")
	mail.set(time.Date(2026, 6, 8, 9, 30, 0, 0, time.UTC))
	const said = "The reminder to ap@acme.example was not sent: every invoice it covers was paid before it could leave."
	h.reply(acme, said)
	h.await("the reminder withdrawn", func() bool { return h.count(`SELECT count(*) FROM emails WHERE status = 'withdrawn'`) == 1 })
	time.Sleep(200 * time.Millisecond)
	if got := h.sb.Mailbox(); len(got) != 0 {
		t.Errorf("the customer got %d emails for an invoice paid in full: %q", len(got), got[0].Subject)
	}
	if n := h.sb.MailAttempts(); n != 0 {
		t.Errorf("%d delivery attempts", n)
	}
	if history := h.owed(member, "acme history"); !shows(history, said) {
		t.Errorf("/owed acme history does not say the reminder was not sent: %s", history.Blocks)
	}
}

// TestJourney_APartlyPaidReminderStillLeaves: paid in part meanwhile, the
// invoice is still owed: the reminder held by the window leaves on Monday.
func TestJourney_APartlyPaidReminderStillLeaves(t *testing.T) {
	window, err := collections.ParseSendWindow(collections.DefaultSendWindow)
	if err != nil {
		t.Fatal(err)
	}
	mail := &clock{t: time.Date(2026, 6, 5, 18, 0, 0, 0, time.UTC)}
	h := newMailHarnessWith(t, mailOptions{policy: collections.RemindersApprove, window: &window, now: mail.now})
	h.setToday("2026-06-05")
	h.importCSV(collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nA-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01\n")
	h.sweep()
	h.click(member, h.alert("ACME Corp."), blocks.ActionSendReminder)
	h.submit(member, h.modal(member, blocks.CallbackReminder), sandbox.Values{})
	h.settle()
	h.setToday("2026-06-06")
	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-1,40.00,2026-06-06,W-1\n")
	h.setToday("2026-06-08")
	mail.set(time.Date(2026, 6, 8, 9, 30, 0, 0, time.UTC))
	if got := h.mailbox(1); !strings.Contains(got[0].Text, "A-1") {
		t.Errorf("the reminder: %q", got[0].Text)
	}
	if n := h.count(`SELECT count(*) FROM emails WHERE status = 'withdrawn'`); n != 0 {
		t.Errorf("a reminder with a balance left was withdrawn")
	}
}

// TestCourtesy_ANoteHeldPastTheDueDateIsNotSent: a courtesy note made on
// Friday evening for an invoice due on Sunday would reach the customer
// on Monday, after the due date: it is not sent, and the batch's thread
// says so.
func TestCourtesy_ANoteHeldPastTheDueDateIsNotSent(t *testing.T) {
	window, err := collections.ParseSendWindow(collections.DefaultSendWindow)
	if err != nil {
		t.Fatal(err)
	}
	mail := &clock{t: time.Date(2026, 6, 5, 18, 0, 0, 0, time.UTC)}
	h := newMailHarnessWith(t, mailOptions{policy: collections.RemindersAuto, window: &window, now: mail.now})
	h.setToday("2026-06-05")
	h.importCSV(collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nC-1,Current Co,USD,10.00,2026-05-20,2026-06-07\n")
	batch := h.courtesyBatch(t)
	h.setToday("2026-06-08")
	mail.set(time.Date(2026, 6, 8, 9, 30, 0, 0, time.UTC))
	h.reply(batch, "The courtesy reminder to pay@current.example was not sent: every invoice it covers fell due before it could leave")
	if got := h.sb.Mailbox(); len(got) != 0 {
		t.Errorf("the customer got a courtesy note after the due date: %q", got[0].Subject)
	}
}
