package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/bot"
	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/mail"
)

// mailHarness is the journeys' harness with email: the sandbox's SMTP
// server over TCP, the email store and the dispatcher that sends.
type mailHarness struct {
	*harness
	emails *postgres.EmailService
}

const journeyCustomers = `name,ref,email
ACME Corp.,C-001,ap@acme.example
Bluebird Bakery,C-002,
Current Co,C-003,pay@current.example
Dawn Dairy,C-004,accounts@dawn.example
Early Eggs,C-005,ar@early.example
`

func newMailHarness(t *testing.T, policy collections.ReminderPolicy) *mailHarness {
	t.Helper()
	return newMailHarnessWith(t, mailOptions{policy: policy})
}

// mailOptions set up a mailHarness.
type mailOptions struct {
	policy collections.ReminderPolicy
	// window is the send window (default: always).
	window *collections.SendWindow
	// now, when set, is the email service's clock (default the harness's).
	now func() time.Time
	// channelInterval, when set, is the bot's pace per channel.
	channelInterval time.Duration
}

// newMailHarnessWith is newMailHarness with a send window and a clock of
// its own for the emails.
func newMailHarnessWith(t *testing.T, opts mailOptions) *mailHarness {
	t.Helper()
	policy := opts.policy
	mh := &mailHarness{}
	var mailer *mail.Mailer
	h := newHarness(t, harnessOptions{configure: func(h *harness, o *bot.Options) {
		addr, err := h.sb.StartSMTP("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		tmpls, err := mail.LoadTemplates("")
		if err != nil {
			t.Fatal(err)
		}
		composer := &mail.Composer{Templates: tmpls, From: "Owed Test Accounts <ar@owed-test.example>",
			PaymentURL: "https://pay.example/{invoice}?amount={amount}&currency={currency}"}
		window := collections.SendWindow{Always: true}
		if opts.window != nil {
			window = *opts.window
		}
		now := h.now
		if opts.now != nil {
			now = opts.now
		}
		mh.emails = postgres.NewEmailService(h.db, h.cases, postgres.EmailConfig{Composer: composer, Policy: policy,
			RemindBefore: 3, GapDays: 5, Window: window, Channel: channel, Now: now})
		o.Emails, o.Composer, o.SendWindow = mh.emails, composer, window
		if opts.channelInterval > 0 {
			o.ChannelInterval = opts.channelInterval
		}
		srv, err := mail.ParseServerURL("smtp://" + addr)
		if err != nil {
			t.Fatal(err)
		}
		mailer = mail.NewMailer(srv, 5*time.Second)
	}})
	mh.harness = h
	d := &mail.Dispatcher{Emails: mh.emails, Mailer: mailer, RetryBase: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(h.ctx)
	// Woken by the queueing transaction, as in owed serve.
	l, err := h.db.Listen(ctx, postgres.EmailsChannel)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx, nil, l.Wake(postgres.EmailsChannel))
	}()
	t.Cleanup(func() { l.Close() })
	t.Cleanup(func() { cancel(); <-done })
	h.importCSV(collections.ImportCustomers, journeyCustomers)
	return mh
}

// mailbox waits until the sandbox's mailbox holds n emails.
func (h *mailHarness) mailbox(n int) []sandbox.Email {
	h.t.Helper()
	h.await("mailbox to hold "+string(rune('0'+n))+" emails", func() bool { return len(h.sb.Mailbox()) >= n })
	return h.sb.Mailbox()
}

// reply waits for a line in the alert's thread containing s.
func (h *mailHarness) reply(m sandbox.Message, s string) sandbox.Message {
	h.t.Helper()
	var found sandbox.Message
	defer func() {
		if h.t.Failed() {
			for _, r := range h.refresh(m).Replies {
				h.t.Logf("reply: %s", r.Text)
			}
		}
	}()
	h.await("thread line "+s, func() bool {
		for _, r := range h.refresh(m).Replies {
			if shows(r, s) {
				found = r
				return true
			}
		}
		return false
	})
	return found
}

func TestJourney_SendReminderEmailsTheCustomerAndRespectsTheContactGap(t *testing.T) {
	h := newMailHarness(t, collections.RemindersApprove)
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	if !hasButton(acme, blocks.ActionSendReminder) {
		t.Fatalf("the alert has no Send reminder: %v", buttons(acme))
	}

	h.click(member, acme, blocks.ActionSendReminder)
	modal := h.modal(member, blocks.CallbackReminder)
	for _, want := range []string{"ap@acme.example", `"firm"`, "A-1", "A-2"} {
		if !strings.Contains(string(modal.Blocks), want) {
			t.Errorf("the modal lacks %s: %s", want, modal.Blocks)
		}
	}
	if strings.Contains(string(modal.Blocks), blocks.BlockReminderAnyway) {
		t.Errorf("a first email asks for Send anyway")
	}
	if res := h.submit(member, modal, sandbox.Values{}); !res.Closed {
		t.Fatalf("send: %+v", res)
	}

	got := h.mailbox(1)[0]
	if got.To != "<ap@acme.example>" && got.To != "ap@acme.example" {
		t.Errorf("To = %q", got.To)
	}
	if !strings.Contains(got.From, "ar@owed-test.example") || got.MessageID == "" {
		t.Errorf("From %q, Message-ID %q", got.From, got.MessageID)
	}
	for _, want := range []string{"A-1", "USD 100.00", "A-2", "EUR 50.00", "https://pay.example/A-1?amount=100.00&currency=USD", "payment plan", "Dana Member"} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("the text lacks %q:\n%s", want, got.Text)
		}
	}
	if !strings.Contains(got.HTML, `href="https://pay.example/A-1?amount=100.00&amp;currency=USD"`) || !strings.Contains(got.HTML, "<table") {
		t.Errorf("the HTML lacks the pay link or the invoice table:\n%s", got.HTML)
	}
	h.reply(acme, "Reminder emailed to ap@acme.example by <@"+member+">")
	h.await("the delivery in the history", func() bool {
		return h.count(`SELECT count(*) FROM audit_log WHERE action = 'email_delivered' AND details->>'answer' LIKE '250%'`) == 1
	})
	if n := h.count(`SELECT count(*) FROM emails WHERE status = 'sent' AND sent_by = $1 AND template = 'firm' AND answer LIKE '250%'`, member); n != 1 {
		t.Errorf("%d sent emails recorded", n)
	}

	t.Run("SecondSendInsideTheGapNeedsSendAnyway", func(t *testing.T) {
		h.click(approver, h.refresh(acme), blocks.ActionSendReminder)
		modal := h.modal(approver, blocks.CallbackReminder)
		if !strings.Contains(string(modal.Blocks), "contact gap is 5 days") || !strings.Contains(string(modal.Blocks), blocks.BlockReminderAnyway) {
			t.Fatalf("the modal does not warn of the contact gap: %s", modal.Blocks)
		}
		res := h.submit(approver, modal, sandbox.Values{})
		if res.Closed || !strings.Contains(res.Errors[blocks.BlockReminderAnyway], "Send anyway") {
			t.Fatalf("sent inside the gap without Send anyway: %+v", res)
		}
		res = h.submit(approver, modal, sandbox.Values{blocks.BlockReminderAnyway: {blocks.BlockReminderAnyway: {Options: []string{blocks.ValueSendAnyway}}}})
		if !res.Closed {
			t.Fatalf("Send anyway: %+v", res)
		}
		h.mailbox(2)
		h.reply(acme, "sent anyway (within the contact gap)")
		if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'reminder_emailed' AND (details->>'send_anyway')::bool AND details->'holds' ? 'contact_gap'`); n != 1 {
			t.Errorf("the history does not record the Send anyway: %d", n)
		}
	})
	t.Run("NoEmailOnFileSaysHowToAddOne", func(t *testing.T) {
		bluebird := h.alert("Bluebird")
		h.click(member, bluebird, blocks.ActionSendReminder)
		modal := h.modal(member, blocks.CallbackReminder)
		if !strings.Contains(string(modal.Blocks), "No email on file") || !strings.Contains(string(modal.Blocks), "owed import customers") {
			t.Errorf("no guidance without an address: %s", modal.Blocks)
		}
		res := h.submit(member, modal, sandbox.Values{})
		if res.Closed || res.Errors[blocks.BlockReminderTo] == "" {
			t.Errorf("sent without an address: %+v", res)
		}
	})
	t.Run("AnotherTemplateRewritesSubjectAndMessage", func(t *testing.T) {
		modal, _ := h.sb.TopView(member)
		if !strings.Contains(string(modal.Blocks), "Reminder: invoice B-1 was due") {
			t.Fatalf("Bluebird (7 days) does not start with the reminder template: %s", modal.Blocks)
		}
		if err := h.sb.ChooseInView(h.ctx, member, modal.ID, blocks.ActionReminderTemplate, sandbox.Value{Option: collections.TemplateFirm}); err != nil {
			t.Fatal(err)
		}
		h.await("the firm template's subject", func() bool {
			v, ok := h.sb.TopView(member)
			return ok && strings.Contains(string(v.Blocks), "Your account is 7 days past due")
		})
		// Sent as it now reads: Slack keeps what a field held across a
		// views.update unless the field is a new one, so the firm
		// template's subject and message must be what goes.
		modal, _ = h.sb.TopView(member)
		if res := h.submit(member, modal, sandbox.Values{blocks.BlockReminderTo: {blocks.BlockReminderTo: sandbox.Text("ap@bluebird.example")}}); !res.Closed {
			t.Fatalf("send: %+v", res)
		}
		got := h.mailbox(3)[2]
		if !strings.Contains(got.Subject, "Your account is 7 days past due") || strings.Contains(got.Subject, "Reminder: invoice B-1") {
			t.Errorf("the firm reminder went out with the subject %q", got.Subject)
		}
		if n := h.count(`SELECT count(*) FROM emails WHERE template = 'firm' AND to_addr LIKE '%bluebird%' AND subject LIKE 'Your account is 7 days past due%'`); n != 1 {
			t.Errorf("the firm email to Bluebird is not recorded with the firm subject")
		}
	})
}

// TestSendReminder_ALongMessageGoesWhole: a template message longer than
// a Slack form holds is shown cut, and said to be; sent as it was shown,
// the customer gets the whole message and its HTML, not the cut.
func TestSendReminder_ALongMessageGoesWhole(t *testing.T) {
	h := newMailHarness(t, collections.RemindersApprove)
	var b strings.Builder
	b.WriteString("number,customer,currency,amount,issued_on,due_on\n")
	for i := range 60 {
		fmt.Fprintf(&b, "LONG-INVOICE-%03d,ACME Corp.,USD,%d.00,2026-04-01,2026-05-%02d\n", i, 100+i, 1+i%20)
	}
	h.importCSV(collections.ImportInvoices, b.String())
	h.sweep()
	h.click(member, h.alert("ACME Corp."), blocks.ActionSendReminder)
	modal := h.modal(member, blocks.CallbackReminder)
	if !strings.Contains(string(modal.Blocks), "shown cut") {
		t.Fatalf("the modal does not say the message is cut: %s", modal.Blocks)
	}
	if res := h.submit(member, modal, sandbox.Values{}); !res.Closed {
		t.Fatalf("send: %+v", res)
	}
	got := h.mailbox(1)[0]
	for _, want := range []string{"LONG-INVOICE-000", "LONG-INVOICE-059", "payment plan", "Dana Member"} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("the email's text lacks %q (%d characters):\n%s", want, len(got.Text), got.Text)
		}
	}
	if strings.Contains(got.Text, "…") || !strings.Contains(got.HTML, "<table") || !strings.Contains(got.HTML, "LONG-INVOICE-059") {
		t.Errorf("the email is the form's cut, not the template's whole message and HTML:\n%s", got.HTML)
	}
}

// TestSendReminder_AHoldThatCameUpMeanwhileShowsSendAnyway: another
// email went out while the form was open: the form is drawn again, with
// what was typed, the contact gap and "Send anyway", which then sends.
func TestSendReminder_AHoldThatCameUpMeanwhileShowsSendAnyway(t *testing.T) {
	h := newMailHarness(t, collections.RemindersApprove)
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	h.click(member, acme, blocks.ActionSendReminder)
	modal := h.modal(member, blocks.CallbackReminder)
	if strings.Contains(string(modal.Blocks), blocks.BlockReminderAnyway) {
		t.Fatalf("a first email asks for Send anyway")
	}
	if _, err := h.emails.QueueReminder(h.ctx, collections.Actor{UserID: approver, Name: "Cfo"}, caseOf(t, h.harness, "ACME Corp."),
		collections.ReminderRequest{To: "ap@acme.example", Template: collections.TemplateReminder, Subject: "First", Text: "Please pay."}); err != nil {
		t.Fatal(err)
	}
	res := h.submit(member, modal, sandbox.Values{blocks.BlockReminderSubject: {
		blocks.ReminderFieldAction(blocks.BlockReminderSubject, collections.TemplateFirm): sandbox.Text("Typed subject")}})
	if res.Closed || res.ResponseAction != "update" || res.View == nil {
		t.Fatalf("sent inside the gap, or the form not drawn again: %+v", res)
	}
	if s := string(res.View.Blocks); !strings.Contains(s, blocks.BlockReminderAnyway) || !strings.Contains(s, "contact gap") || !strings.Contains(s, "Typed subject") {
		t.Fatalf("the form drawn again lacks Send anyway, the gap or what was typed: %s", s)
	}
	res = h.submit(member, *res.View, sandbox.Values{blocks.BlockReminderAnyway: {blocks.BlockReminderAnyway: {Options: []string{blocks.ValueSendAnyway}}}})
	if !res.Closed {
		t.Fatalf("Send anyway: %+v", res)
	}
	if got := h.mailbox(2); got[1].Subject != "Typed subject" {
		t.Errorf("the second email's subject: %q", got[1].Subject)
	}
	// The same submission delivered again emails nobody twice.
	if again, err := h.sb.Redeliver(h.ctx); err != nil || again.Status != 200 {
		t.Fatalf("the same submission again: %+v, %v", again, err)
	}
	if n := h.count(`SELECT count(*) FROM emails`); n != 2 {
		t.Errorf("%d emails queued after the submission came twice, want 2", n)
	}
}

func TestSendReminder_QuietCaseNeedsSendAnyway(t *testing.T) {
	h := newMailHarness(t, collections.RemindersApprove)
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	if _, err := h.cases.Snooze(h.ctx, collections.Actor{UserID: member}, caseOf(t, h.harness, "ACME Corp."), h.date().AddDate(0, 0, 7), "waiting for PO"); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.click(member, h.refresh(acme), blocks.ActionSendReminder)
	modal := h.modal(member, blocks.CallbackReminder)
	if !strings.Contains(string(modal.Blocks), "snoozed until") {
		t.Fatalf("the modal does not say the case is snoozed: %s", modal.Blocks)
	}
	if res := h.submit(member, modal, sandbox.Values{}); res.Closed {
		t.Fatalf("a snoozed case was emailed without Send anyway")
	}
	if n := h.count(`SELECT count(*) FROM emails`); n != 0 {
		t.Errorf("%d emails queued", n)
	}

	// A promise is a hold too, and the form says by when.
	if err := h.sb.CloseView(h.ctx, member, modal.ID); err != nil {
		t.Fatal(err)
	}
	due := h.date().AddDate(0, 0, 10)
	if _, err := h.cases.Promise(h.ctx, collections.Actor{UserID: member}, caseOf(t, h.harness, "ACME Corp."),
		collections.PromiseInput{Amount: collections.Money{Minor: 50_00, Currency: "USD"}, DueOn: due}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.click(member, h.refresh(acme), blocks.ActionSendReminder)
	modal = h.modal(member, blocks.CallbackReminder)
	if want := "promised to pay by " + due.Format(collections.DateLayout); !strings.Contains(string(modal.Blocks), want) {
		t.Errorf("the modal does not say %q: %s", want, modal.Blocks)
	}
}

func caseOf(t *testing.T, h *harness, customer string) int64 {
	t.Helper()
	var id int64
	if err := h.db.GetContext(h.ctx, &id, `SELECT c.id FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE cu.name = $1 AND c.ended_at IS NULL`, customer); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSendReminder_WithoutSMTPSaysHowToTurnEmailOn(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	h.click(member, h.alert("ACME Corp."), blocks.ActionSendReminder)
	if _, ok := h.ephemeral(member, "OWED_SMTP_URL"); !ok {
		t.Errorf("no word on turning email on: %+v", h.sb.Ephemerals(member))
	}
}

func TestEmail_TemporaryFailureIsRetriedAndDeliveredOnce(t *testing.T) {
	h := newMailHarness(t, collections.RemindersApprove)
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	h.sb.FailMail(sandbox.MailFailure{Code: 451, Message: "try again later"})
	h.click(member, h.alert("ACME Corp."), blocks.ActionSendReminder)
	h.submit(member, h.modal(member, blocks.CallbackReminder), sandbox.Values{})
	h.mailbox(1)
	h.await("the email recorded sent", func() bool { return h.count(`SELECT count(*) FROM emails WHERE status = 'sent'`) == 1 })
	if n := h.sb.MailAttempts(); n != 2 {
		t.Errorf("%d attempts, want 451 then 250", n)
	}
	if n := h.count(`SELECT attempts FROM emails`); n != 2 {
		t.Errorf("the email records %d attempts", n)
	}
	time.Sleep(100 * time.Millisecond) // a third delivery would show within the retry base
	if got := h.sb.Mailbox(); len(got) != 1 {
		t.Errorf("delivered %d times", len(got))
	}
}

func TestEmail_PermanentFailureTellsTheThread(t *testing.T) {
	h := newMailHarness(t, collections.RemindersApprove)
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	h.sb.FailMail(sandbox.MailFailure{Code: 550, Message: "no such mailbox"})
	h.click(member, acme, blocks.ActionSendReminder)
	h.submit(member, h.modal(member, blocks.CallbackReminder), sandbox.Values{})
	line := h.reply(acme, "could not be delivered")
	if !shows(line, "could not be delivered: 550 no such mailbox") {
		t.Errorf("failure line: %s", line.Text)
	}
	if n := h.count(`SELECT count(*) FROM emails WHERE status = 'failed' AND answer LIKE '%550%'`); n != 1 {
		t.Errorf("%d failed emails recorded", n)
	}
	if n := h.sb.MailAttempts(); n != 1 {
		t.Errorf("a 550 was retried: %d attempts", n)
	}
}

// The courtesy ledger: as of 2026-06-01, Current Co's and Dawn Dairy's
// invoices fall due within 3 days; Early Eggs' in 10 days.
const courtesyInvoices = `number,customer,currency,amount,issued_on,due_on,payment_url
C-1,Current Co,USD,10.00,2026-05-20,2026-06-03,
D-1,Dawn Dairy,USD,250.00,2026-05-01,2026-06-04,https://dawn.pay.example/D-1
D-2,Dawn Dairy,EUR,80.00,2026-05-01,2026-06-02,
E-1,Early Eggs,USD,99.00,2026-05-20,2026-06-11,
`

func TestCourtesy_AutoEmailsExactlyTheCustomersDueOnce(t *testing.T) {
	h := newMailHarness(t, collections.RemindersAuto)
	h.importCSV(collections.ImportInvoices, courtesyInvoices)
	res, err := h.emails.SweepReminders(h.ctx, h.date())
	if err != nil {
		t.Fatal(err)
	}
	if res.Emails != 2 || res.Courtesy != 3 {
		t.Fatalf("sweep: %+v, want 2 emails for 3 invoices", res)
	}
	got := h.mailbox(2)
	h.settle()
	to := map[string]sandbox.Email{}
	for _, e := range got {
		to[strings.Trim(e.To, "<>")] = e
	}
	dawn, ok := to["accounts@dawn.example"]
	if _, cur := to["pay@current.example"]; !ok || !cur || len(got) != 2 {
		t.Fatalf("emailed %v", to)
	}
	for _, want := range []string{"D-1", "D-2", "USD 250.00", "EUR 80.00", "https://dawn.pay.example/D-1"} {
		if !strings.Contains(dawn.Text, want) {
			t.Errorf("Dawn's courtesy email lacks %q:\n%s", want, dawn.Text)
		}
	}
	courtesySummaryWithItsList(t, h)

	again, err := h.emails.SweepReminders(h.ctx, h.date())
	if err != nil {
		t.Fatal(err)
	}
	h.settle()
	if again.Courtesy != 0 || len(h.alerts()) != 1 {
		t.Errorf("a second sweep reminded again: %+v", again)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(h.sb.Mailbox()); n != 2 {
		t.Errorf("%d emails after the second sweep", n)
	}
}

func TestCourtesy_ApproveWaitsForSendAll(t *testing.T) {
	h := newMailHarness(t, collections.RemindersApprove)
	h.importCSV(collections.ImportInvoices, courtesyInvoices)
	msgs := []sandbox.Message{h.courtesyBatch(t)}
	if !shows(msgs[0], "3 courtesy reminders ready") || !hasButton(msgs[0], blocks.ActionCourtesySendAll) || !hasButton(msgs[0], blocks.ActionCourtesyReview) {
		t.Fatalf("channel: %+v", msgs)
	}
	if n := h.count(`SELECT count(*) FROM emails`); n != 0 {
		t.Fatalf("approve queued %d emails before Send all", n)
	}

	t.Run("ReviewSkipsOne", func(t *testing.T) {
		h.click(member, msgs[0], blocks.ActionCourtesyReview)
		review := h.modal(member, blocks.CallbackCourtesyReview)
		for _, b := range []string{"C-1"} {
			if !strings.Contains(string(review.Blocks), b) {
				t.Fatalf("review lacks %s", b)
			}
		}
		var id int64
		if err := h.db.GetContext(h.ctx, &id, `SELECT id FROM invoices WHERE number = 'C-1'`); err != nil {
			t.Fatal(err)
		}
		if err := h.sb.ClickInViewBlock(h.ctx, member, review.ID, blocks.CourtesyItemBlock(id), blocks.ActionCourtesySkip); err != nil {
			t.Fatal(err)
		}
		h.await("C-1 skipped", func() bool {
			return h.count(`SELECT count(*) FROM courtesy_reminders WHERE status = 'skipped' AND decided_by = $1`, member) == 1
		})
		h.await("the review redrawn", func() bool {
			v, ok := h.sb.TopView(member)
			return ok && strings.Contains(string(v.Blocks), "skipped by")
		})
		h.sb.CloseView(h.ctx, member, review.ID)
	})

	h.click(member, h.refresh(msgs[0]), blocks.ActionCourtesySendAll)
	got := h.mailbox(1)
	h.settle()
	if len(got) != 1 || !strings.Contains(got[0].To, "accounts@dawn.example") || !strings.Contains(got[0].Text, "Dana Member") {
		t.Fatalf("Send all emailed %+v", got)
	}
	if m := h.refresh(msgs[0]); !shows(m, "sent by <@"+member+">") || hasButton(m, blocks.ActionCourtesySendAll) {
		t.Errorf("the summary after Send all: %s", m.Blocks)
	}
	if _, err := h.emails.SweepReminders(h.ctx, h.date()); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if len(h.alerts()) != 1 || h.count(`SELECT count(*) FROM emails`) != 1 {
		t.Errorf("a second sweep reminded again")
	}
}

func TestAuto_StageAlertEmailsTheStageTemplate(t *testing.T) {
	h := newMailHarness(t, collections.RemindersAuto)
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	res, err := h.emails.SweepReminders(h.ctx, h.date())
	if err != nil {
		t.Fatal(err)
	}
	// ACME has an address (31 days: firm); Bluebird has none.
	if res.StageMail != 1 {
		t.Fatalf("stage emails: %+v", res)
	}
	got := h.mailbox(1)
	if !strings.Contains(got[0].Subject, "31 days past due") {
		t.Errorf("ACME got %q, want the firm template", got[0].Subject)
	}
	h.reply(h.alert("ACME Corp."), "Reminder emailed to ap@acme.example by owed (firm)")
	again, err := h.emails.SweepReminders(h.ctx, h.date())
	if err != nil || again.StageMail != 0 {
		t.Errorf("the stage was emailed twice: %+v %v", again, err)
	}
}

// TestAuto_AnOverdueCustomerGetsTheStageEmailNotTheCourtesyNote: ACME,
// 31 days overdue, also has A-3 due in two days. The sweep emails it the
// firm email of its stage; the friendly courtesy note is held back by the
// contact gap, and nothing is said of it in the channel.
func TestAuto_AnOverdueCustomerGetsTheStageEmailNotTheCourtesyNote(t *testing.T) {
	h := newMailHarness(t, collections.RemindersAuto)
	h.importCSV(collections.ImportInvoices, journeyInvoices+"A-3,ACME Corp.,USD,70.00,2026-05-20,2026-06-03\n")
	h.sweep()
	res, err := h.emails.SweepReminders(h.ctx, h.date())
	if err != nil {
		t.Fatal(err)
	}
	if res.StageMail != 1 || res.Emails != 0 || res.Held != 1 {
		t.Errorf("the reminders: %+v; want ACME's stage email and its courtesy note held back", res)
	}
	got := h.mailbox(1)
	h.settle()
	if !strings.Contains(got[0].Subject, "31 days past due") {
		t.Errorf("ACME got %q, want the firm template", got[0].Subject)
	}
	h.reply(h.alert("ACME Corp."), "Reminder emailed to ap@acme.example by owed (firm)")
	time.Sleep(100 * time.Millisecond)
	if n := len(h.sb.Mailbox()); n != 1 {
		t.Errorf("ACME got %d emails, want the firm one alone", n)
	}
	if n := len(h.alerts()); n != 2 {
		t.Errorf("the channel has %d messages, want the two alerts (no courtesy batch)", n)
	}
}

func TestCourtesy_FailureIsToldInTheBatchThread(t *testing.T) {
	h := newMailHarness(t, collections.RemindersAuto)
	h.importCSV(collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nC-1,Current Co,USD,10.00,2026-05-20,2026-06-03\n")
	h.sb.FailMail(sandbox.MailFailure{Code: 550, Message: "mailbox unavailable"})
	if _, err := h.emails.SweepReminders(h.ctx, h.date()); err != nil {
		t.Fatal(err)
	}
	h.await("the email failed", func() bool { return h.count(`SELECT count(*) FROM emails WHERE status = 'failed'`) == 1 })
	h.settle()
	msgs := h.alerts()
	if len(msgs) != 1 {
		t.Fatalf("channel: %+v", msgs)
	}
	h.reply(msgs[0], "The email to pay@current.example could not be delivered: 550 mailbox unavailable")
}

// A Review form owed could not send is not closed in silence: the person
// is told in a direct message, and nothing is emailed.
func TestCourtesy_AReviewThatCannotBeSentSaysSo(t *testing.T) {
	h := newMailHarness(t, collections.RemindersApprove)
	h.importCSV(collections.ImportInvoices, courtesyInvoices)
	batch := h.courtesyBatch(t)
	h.click(member, batch, blocks.ActionCourtesyReview)
	review := h.modal(member, blocks.CallbackCourtesyReview)
	h.db.MustExec(`ALTER TABLE reminder_batches RENAME TO reminder_batches_away`)
	res := h.submit(member, review, nil)
	h.db.MustExec(`ALTER TABLE reminder_batches_away RENAME TO reminder_batches`)
	if !res.Closed {
		t.Fatalf("the review: %+v", res)
	}
	h.settle()
	if dms := h.sb.DMs(member); len(dms) != 1 || !strings.Contains(dms[0].Text, "Something went wrong on our side") {
		t.Fatalf("direct messages to the person: %+v; want one saying the reminders were not sent", dms)
	}
	if n := h.count(`SELECT count(*) FROM emails`); n != 0 {
		t.Errorf("%d emails queued by a review that failed", n)
	}
}

// courtesyBatch runs the reminders' sweep and returns the one channel
// message it posts: the batch of courtesy reminders.
func (h *mailHarness) courtesyBatch(t *testing.T) sandbox.Message {
	t.Helper()
	if _, err := h.emails.SweepReminders(h.ctx, h.date()); err != nil {
		t.Fatal(err)
	}
	h.settle()
	msgs := h.alerts()
	if len(msgs) != 1 {
		t.Fatalf("channel after the reminders' sweep: %+v; want the batch's one message", msgs)
	}
	return msgs[0]
}

// TestSendReminder_ATemplateWithNothingToCoverOffersNoEmail: with every
// overdue invoice in dispute, the reminder template has nothing true to
// say; the modal says so instead of a draft, and nothing can be sent
// with it.
func TestSendReminder_ATemplateWithNothingToCoverOffersNoEmail(t *testing.T) {
	h := newMailHarness(t, collections.RemindersApprove)
	h.importCSV(collections.ImportInvoices, journeyInvoices+"A-3,ACME Corp.,USD,70.00,2026-05-20,2026-07-01\n")
	h.sweep()
	acme := h.alert("ACME Corp.")
	var caseID int64
	if err := h.db.GetContext(h.ctx, &caseID, `SELECT c.id FROM cases c JOIN customers u ON u.id = c.customer_id WHERE u.name = 'ACME Corp.'`); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := h.db.SelectContext(h.ctx, &ids, `SELECT id FROM invoices WHERE number IN ('A-1', 'A-2')`); err != nil {
		t.Fatal(err)
	}
	if _, err := h.cases.Dispute(h.ctx, collections.Actor{UserID: member}, caseID,
		collections.DisputeInput{InvoiceIDs: ids, Reason: collections.DisputePricing}); err != nil {
		t.Fatal(err)
	}
	h.settle()

	h.click(member, h.refresh(acme), blocks.ActionSendReminder)
	modal := h.modal(member, blocks.CallbackReminder)
	if err := h.sb.ChooseInView(h.ctx, member, modal.ID, blocks.ActionReminderTemplate, sandbox.Value{Option: collections.TemplateReminder}); err != nil {
		t.Fatal(err)
	}
	h.await("the modal to say there is nothing overdue", func() bool {
		v, ok := h.sb.TopView(member)
		return ok && strings.Contains(string(v.Blocks), "has nothing overdue to remind about")
	})
	modal, _ = h.sb.TopView(member)
	for _, bad := range []string{"past due", "0 days", blocks.BlockReminderSubject} {
		if strings.Contains(string(modal.Blocks), bad) {
			t.Errorf("the modal offers an email (%q): %s", bad, modal.Blocks)
		}
	}
	res := h.submit(member, modal, sandbox.Values{})
	if res.Closed || res.Errors[blocks.BlockReminderTemplate] == "" {
		t.Errorf("sent with nothing to cover: %+v", res)
	}
	if n := h.count(`SELECT count(*) FROM emails`); n != 0 {
		t.Errorf("%d emails queued", n)
	}
}

// A Send reminder form left as prefilled sends the template's email as
// the ledger stands when it is sent: what was paid while the form was
// open is not asked for again.
func TestSendReminder_PaidWhileTheFormWasOpen(t *testing.T) {
	h := newMailHarness(t, collections.RemindersApprove)
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	h.click(member, h.alert("ACME Corp."), blocks.ActionSendReminder)
	modal := h.modal(member, blocks.CallbackReminder)
	if !strings.Contains(string(modal.Blocks), "EUR 50.00") {
		t.Fatalf("the form does not show A-2: %s", modal.Blocks)
	}
	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-1,40.00,2026-06-01,P-1\nA-2,50.00,2026-06-01,P-2\n")
	if res := h.submit(member, modal, sandbox.Values{}); !res.Closed {
		t.Fatalf("send: %+v", res)
	}
	got := h.mailbox(1)[0]
	if !strings.Contains(got.Text, "USD 60.00") || strings.Contains(got.Text, "A-2") || strings.Contains(got.Text, "EUR") || strings.Contains(got.Text, "USD 100.00") {
		t.Errorf("the email asks for what was paid while the form was open:\n%s", got.Text)
	}
	if !strings.Contains(got.HTML, "USD 60.00") {
		t.Errorf("the HTML is not the template's, as of now:\n%s", got.HTML)
	}
}

// In auto, the courtesy batch's list goes in its message's thread even
// when the channel's pace holds it back a while after the message.
func TestCourtesy_TheAutoListIsPostedWhenThePaceHeldItBack(t *testing.T) {
	h := newMailHarnessWith(t, mailOptions{policy: collections.RemindersAuto, channelInterval: 300 * time.Millisecond})
	h.importCSV(collections.ImportInvoices, courtesyInvoices)
	if _, err := h.emails.SweepReminders(h.ctx, h.date()); err != nil {
		t.Fatal(err)
	}
	h.settle()
	courtesySummaryWithItsList(t, h)
}

// courtesySummaryWithItsList checks that the channel holds the one auto
// summary of courtesyInvoices' three reminders, and waits for its list
// in the thread.
func courtesySummaryWithItsList(t *testing.T, h *mailHarness) {
	t.Helper()
	msgs := h.alerts()
	if len(msgs) != 1 || !shows(msgs[0], "Courtesy reminders: 3 invoices emailed") {
		t.Fatalf("channel: %+v", msgs)
	}
	h.await("the list in the thread", func() bool {
		r := h.refresh(msgs[0]).Replies
		return len(r) == 1 && shows(r[0], "Dawn Dairy") && shows(r[0], "Current Co")
	})
}
