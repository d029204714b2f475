package bot_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/bot"
	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
)

func TestJourney_AlertsEditedInPlaceUntilSettled(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)

	h.sweep()
	if n := len(h.alerts()); n != 2 {
		t.Fatalf("first sweep posted %d alerts, want 2 (Acme, Bluebird)", n)
	}
	acme := h.alert("ACME Corp.")
	for _, b := range []string{blocks.ActionSnooze, blocks.ActionPlan, blocks.ActionEscalate} {
		if !hasButton(acme, b) {
			t.Errorf("the alert lacks the %s button: %v", b, buttons(acme))
		}
	}
	if acme.Text == "" || !shows(acme, "USD 100.00") || !shows(acme, "EUR 50.00") || !shows(acme, "A-1") {
		t.Errorf("the alert does not show the overdue amounts and invoices: %s", acme.Text)
	}

	t.Run("SecondSweepPostsNothingNew", func(t *testing.T) {
		before := len(h.sb.CallsTo("chat.postMessage"))
		h.sweep()
		if n := len(h.alerts()); n != 2 {
			t.Errorf("%d alerts after the second sweep", n)
		}
		if after := len(h.sb.CallsTo("chat.postMessage")); after != before {
			t.Errorf("the second sweep posted %d messages", after-before)
		}
	})
	t.Run("StageCrossingEditsTheMessageAndAddsAThreadLine", func(t *testing.T) {
		h.setToday("2026-06-10") // Bluebird 16 days overdue: stage 14
		h.sweep()
		if n := len(h.alerts()); n != 2 {
			t.Fatalf("%d alerts; a stage must edit, not post", n)
		}
		bluebird := h.alert("Bluebird")
		if !bluebird.Edited || len(bluebird.Replies) != 1 || !shows(bluebird.Replies[0], "14") {
			t.Errorf("edited %v, replies %+v", bluebird.Edited, bluebird.Replies)
		}
	})
	t.Run("PaidInFullShowsSettledWithoutButtons", func(t *testing.T) {
		h.importCSV(collections.ImportPayments, "invoice,amount,paid_on\nB-1,30.00,2026-06-10\n")
		h.sweep()
		bluebird := h.alert("Bluebird")
		if len(buttons(bluebird)) != 0 || !shows(bluebird, "Settled") {
			t.Errorf("settled alert: buttons %v, text %q", buttons(bluebird), bluebird.Text)
		}
		if len(bluebird.Replies) != 2 {
			t.Errorf("thread = %d lines, want 2 (stage, settled)", len(bluebird.Replies))
		}
	})
}

func TestJourney_SnoozeIsQuietUntilItEnds(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h) // Acme's account owner is member
	h.sweep()
	acme := h.alert("ACME Corp.")

	h.click(member, acme, blocks.ActionSnooze)
	modal := h.modal(member, blocks.CallbackSnooze)
	res := h.submit(member, modal, sandbox.Values{
		blocks.BlockSnoozeUntil:  {blocks.BlockSnoozeUntil: sandbox.Date("2026-07-05")},
		blocks.BlockSnoozeReason: {blocks.BlockSnoozeReason: sandbox.Text("waiting for their PO")},
	})
	if !res.Closed || len(res.Errors) > 0 {
		t.Fatalf("snooze submission: %+v", res)
	}
	h.settle()
	acme = h.refresh(acme)
	if !shows(acme, "Snoozed until 2026-07-05") || len(acme.Replies) != 1 {
		t.Fatalf("snoozed alert: %q, %d replies", acme.Text, len(acme.Replies))
	}

	// On 2026-07-01 Acme's oldest invoice is 61 days overdue, past stage
	// 60: a later stage exists, and the snooze keeps it quiet.
	h.setToday("2026-07-01")
	h.sweep()
	if n := len(h.refresh(acme).Replies); n != 1 {
		t.Errorf("a snoozed case made %d new thread lines", n-1)
	}
	if n := h.count(`SELECT count(*) FROM case_alerts WHERE stage = 60`); n != 0 {
		t.Errorf("stage 60 was raised while snoozed")
	}
	h.setToday("2026-07-05")
	res2 := h.sweep()
	acme = h.refresh(acme)
	if res2.Reopened != 1 || !hasButton(acme, blocks.ActionSnooze) || shows(acme, "Snoozed until") || len(acme.Replies) < 3 {
		t.Errorf("after the snooze: reopened %d, text %q, replies %d", res2.Reopened, acme.Text, len(acme.Replies))
	}
	if !shows(acme.Replies[len(acme.Replies)-1], "stage 60") {
		t.Errorf("the stage reached during the snooze was not alerted when it ended: %q", acme.Replies[len(acme.Replies)-1].Text)
	}
	// The case comes back to its owner, as a broken promise or a due
	// follow-up does.
	if ended := acme.Replies[len(acme.Replies)-2]; !strings.Contains(ended.Content(), "The snooze until 2026-07-05 ended — <@"+member+">") {
		t.Errorf("snooze-ended line = %q", ended.Content())
	}
}

func proposePlan(t testing.TB, h *harness, alert sandbox.Message, firstDue string) {
	t.Helper()
	h.click(member, alert, blocks.ActionPlan)
	if res := fillPlan(t, h, planFields("USD", "2", "monthly", firstDue, "")); !res.Closed || len(res.Errors) > 0 {
		t.Fatalf("plan submission: %+v", res)
	}
	h.settle()
}

// planField is one field of the payment plan modal and what is put in it.
type planField struct {
	block string
	value sandbox.Value
}

// planFields are the plan modal's fields in their order, filled as given
// (a down payment of "" is left empty).
func planFields(currency, instalments, frequency, firstDue, down string) []planField {
	f := []planField{
		{blocks.BlockPlanCurrency, sandbox.Pick(currency)},
		{blocks.BlockPlanInstalments, sandbox.Pick(instalments)},
		{blocks.BlockPlanFrequency, sandbox.Pick(frequency)},
		{blocks.BlockPlanFirstDue, sandbox.Date(firstDue)},
	}
	if down != "" {
		f = append(f, planField{blocks.BlockPlanDownPayment, sandbox.Text(down)})
	}
	return f
}

// fillPlan fills the payment plan modal open on member's screen as a
// person does (choosePlan), and submits it.
func fillPlan(t testing.TB, h *harness, fields []planField) sandbox.SubmitResult {
	t.Helper()
	values := choosePlan(t, h, fields)
	return h.submit(member, h.modal(member, blocks.CallbackPlan), values)
}

// choosePlan fills fields of the payment plan modal open on member's
// screen, each in turn (Slack sends each choice, and Enter in the down
// payment, to owed, which redraws the schedule), and returns them as a
// submission's values.
func choosePlan(t testing.TB, h *harness, fields []planField) sandbox.Values {
	t.Helper()
	modal := h.modal(member, blocks.CallbackPlan)
	values := sandbox.Values{}
	for _, f := range fields {
		if err := h.sb.ChooseInViewBlock(h.ctx, member, modal.ID, f.block, blocks.ActionPlanPreview, f.value); err != nil {
			t.Fatalf("%s: %v", f.block, err)
		}
		h.bot.Wait() // the schedule is redrawn
		values[f.block] = map[string]sandbox.Value{blocks.ActionPlanPreview: f.value}
	}
	return values
}

func TestJourney_PaymentPlanAgreedBrokenThenCompleted(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h) // Acme's account owner is member
	h.sweep()
	acme := h.alert("ACME Corp.")

	proposePlan(t, h, acme, "2026-06-15")
	acme = h.refresh(acme)
	if !hasButton(acme, blocks.ActionPlanAgreed) || !hasButton(acme, blocks.ActionPlanCancel) || hasButton(acme, blocks.ActionSnooze) {
		t.Fatalf("proposed plan buttons: %v", buttons(acme))
	}
	if !shows(acme, "2026-06-15") || !shows(acme, "2026-07-15") || !shows(acme, "USD 50.00") {
		t.Errorf("the alert does not show the schedule: %s", acme.Blocks)
	}
	h.click(member, acme, blocks.ActionPlanAgreed)
	h.settle()
	acme = h.refresh(acme)
	if hasButton(acme, blocks.ActionPlanAgreed) || !hasButton(acme, blocks.ActionPlanCancel) {
		t.Fatalf("active plan buttons: %v", buttons(acme))
	}

	// The first instalment (2026-06-15) is missed; grace is 3 days.
	h.setToday("2026-06-18")
	if res := h.sweep(); res.Broken != 0 {
		t.Fatalf("plan broken within the grace days")
	}
	h.setToday("2026-06-19")
	if res := h.sweep(); res.Broken != 1 {
		t.Fatalf("broken = %d, want 1", res.Broken)
	}
	acme = h.refresh(acme)
	if last := acme.Replies[len(acme.Replies)-1].Content(); !hasButton(acme, blocks.ActionSnooze) ||
		!strings.Contains(last, "The payment plan is broken: the USD 50.00 instalment due 2026-06-15 was not paid — <@"+member+">") {
		t.Errorf("broken plan: buttons %v, last line %q", buttons(acme), last)
	}

	// A new plan, paid off: completed.
	proposePlan(t, h, h.refresh(acme), "2026-06-25")
	h.click(member, h.refresh(acme), blocks.ActionPlanAgreed)
	h.settle()
	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-1,100.00,2026-06-20,WIRE-1\n")
	h.setToday("2026-06-21")
	if res := h.sweep(); res.Completed != 1 {
		t.Fatalf("completed = %d, want 1", res.Completed)
	}
	if n := h.count(`SELECT count(*) FROM plans WHERE status = 'completed'`); n != 1 {
		t.Errorf("completed plans = %d", n)
	}
	// The thread tells the payment, then what it brought about.
	h.settle()
	replies := h.refresh(acme).Replies
	paid, paidOff := lineIndex(replies, "Payment received: USD 100.00"), lineIndex(replies, "The payment plan is paid off")
	if paid < 0 || paidOff < paid {
		t.Errorf("payment line at %d, plan paid off at %d; want the payment first", paid, paidOff)
	}
}

// The plan proposed is the schedule the modal showed: a down payment typed
// without Enter, or one whose redraw Slack refused (two fields changed at
// once, the later redraw refused for the view's hash), is not proposed
// unseen; the modal shows the plan its fields make, and a second submit
// proposes it.
func TestJourney_APlanIsProposedOnlyAsItsScheduleWasShown(t *testing.T) {
	for _, entered := range []bool{false, true} {
		t.Run(map[bool]string{false: "ADownPaymentTypedWithoutEnter", true: "ARedrawRefusedForTheHash"}[entered], func(t *testing.T) {
			h := newHarness(t, harnessOptions{})
			withOwner(h)
			h.sweep()
			h.click(member, h.alert("ACME Corp."), blocks.ActionPlan)
			fields := planFields("USD", "2", "monthly", "2026-06-15", "20.00")
			choosePlan(t, h, fields[:4]) // the schedule is drawn without a down payment
			if entered {
				h.sb.FailNext("views.update", sandbox.SlackError("hash_conflict"))
				choosePlan(t, h, fields[4:])
			}
			values := sandbox.Values{}
			for _, f := range fields {
				values[f.block] = map[string]sandbox.Value{blocks.ActionPlanPreview: f.value}
			}

			res := h.submit(member, h.modal(member, blocks.CallbackPlan), values)
			if res.Closed || res.ResponseAction != "update" || res.View == nil ||
				!strings.Contains(res.View.Content(), "Check the schedule") || !strings.Contains(res.View.Content(), "USD 20.00 down") {
				t.Fatalf("a plan whose schedule was not shown: %+v", res)
			}
			if n := h.count(`SELECT count(*) FROM plans`); n != 0 {
				t.Fatalf("%d plans proposed unseen", n)
			}
			if res := h.submit(member, h.modal(member, blocks.CallbackPlan), values); !res.Closed {
				t.Fatalf("the second submit: %+v", res)
			}
			if n := h.count(`SELECT count(*) FROM plans WHERE down_payment_minor = 2000`); n != 1 {
				t.Errorf("plans with the USD 20.00 down payment: %d, want 1", n)
			}
		})
	}
}

// A plan counts the payments made from its proposal on: a down payment
// paid the day the plan was proposed (when it is due), before anyone
// clicked Customer agreed, is the down payment.
func TestJourney_ADownPaymentPaidBeforeTheAgreementCounts(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	acme := h.alert("ACME Corp.")
	h.click(member, acme, blocks.ActionPlan)
	if res := fillPlan(t, h, planFields("USD", "2", "monthly", "2026-06-15", "20.00")); !res.Closed || len(res.Errors) > 0 {
		t.Fatalf("plan submission: %+v", res)
	}
	h.settle()
	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-1,20.00,2026-06-01,DP-1\n")
	h.review()
	h.setToday("2026-06-03")
	h.click(member, h.refresh(acme), blocks.ActionPlanAgreed)
	h.settle()
	h.setToday("2026-06-05")
	if res := h.review(); res.Broken != 0 {
		t.Errorf("the plan broke though its down payment was paid the day it was due")
	}
	if got := h.refresh(acme); !strings.Contains(got.Content(), "USD 20.00 of USD 100.00 paid") {
		t.Errorf("the plan does not count its down payment: %s", got.Content())
	}
}

// Customer agreed, clicked after an instalment fell due unpaid (past its
// grace days), is refused with why: the plan would break at once.
func TestJourney_AnAgreementToAScheduleAlreadyMissedIsRefused(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	acme := h.alert("ACME Corp.")
	proposePlan(t, h, acme, "2026-06-08")
	h.setToday("2026-06-15") // 7 days past the first instalment; grace is 3
	h.click(member, h.refresh(acme), blocks.ActionPlanAgreed)
	h.settle()
	if n := h.count(`SELECT count(*) FROM plans WHERE status = 'proposed'`); n != 1 {
		t.Errorf("proposed plans = %d, want the plan still proposed", n)
	}
	if eph, ok := h.sb.FindEphemeral(member, "would break at once"); !ok ||
		!strings.Contains(eph.Text, "USD 50.00 instalment was due 2026-06-08") {
		t.Errorf("no answer saying why: %+v", h.sb.Ephemerals(member))
	}
	if res := h.review(); res.Broken != 0 {
		t.Errorf("a plan broke right after Customer agreed")
	}
}

// A payment recorded before the plan was proposed is already off the
// balance the plan spreads: it pays no instalment, even dated that day.
func TestJourney_APaymentBeforeTheProposalPaysNoInstalment(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	acme := h.alert("ACME Corp.")
	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-1,40.00,2026-06-01,W-1\n")
	h.review()
	proposePlan(t, h, h.refresh(acme), "2026-06-15")
	h.click(member, h.refresh(acme), blocks.ActionPlanAgreed)
	h.settle()
	if got := h.refresh(acme); !strings.Contains(got.Content(), "USD 0.00 of USD 60.00 paid") {
		t.Errorf("the plan for the USD 60.00 left counts the payment made before it: %s", got.Content())
	}
}

// lineIndex is the position of the first thread line that shows text, or -1.
func lineIndex(replies []sandbox.Message, text string) int {
	return slices.IndexFunc(replies, func(m sandbox.Message) bool { return shows(m, text) })
}

func TestJourney_EscalationNeedsAnotherApprover(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme, bluebird := h.alert("ACME Corp."), h.alert("Bluebird")

	// An approver asks to escalate Acme.
	h.click(approver, acme, blocks.ActionEscalate)
	modal := h.modal(approver, blocks.CallbackEscalate)
	target := map[string]sandbox.Value{blocks.BlockEscalateTarget: {Option: string(collections.TargetAgency)}}
	res := h.submit(approver, modal, sandbox.Values{blocks.BlockEscalateTarget: target})
	if res.Closed || res.Errors[blocks.BlockEscalateReason] == "" {
		t.Fatalf("no reason: want an inline error, got %+v", res)
	}
	res = h.submit(approver, modal, sandbox.Values{blocks.BlockEscalateTarget: target,
		blocks.BlockEscalateReason: {blocks.BlockEscalateReason: sandbox.Text("three reminders ignored")}})
	if !res.Closed {
		t.Fatalf("escalation submission: %+v", res)
	}
	h.settle()
	acme = h.refresh(acme)
	var request sandbox.Message
	for _, r := range acme.Replies {
		if hasButton(r, blocks.ActionApprove) {
			request = r
		}
	}
	if request.TS == "" {
		t.Fatalf("no approval request in the thread: %+v", acme.Replies)
	}
	if dms := h.sb.DMs(approver2); len(dms) != 1 || !hasButton(dms[0], blocks.ActionApprove) {
		t.Errorf("the second approver got %d DMs", len(dms))
	}
	if dms := h.sb.DMs(approver); len(dms) != 0 {
		t.Errorf("the requester was asked to approve their own escalation")
	}

	t.Run("OrdinaryMemberIsRefused", func(t *testing.T) {
		h.click(member, request, blocks.ActionApprove)
		if _, ok := h.ephemeral(member, "approver"); !ok {
			t.Errorf("no refusal for the member: %+v", h.sb.Ephemerals(member))
		}
	})
	t.Run("RequesterIsRefused", func(t *testing.T) {
		h.click(approver, request, blocks.ActionApprove)
		if _, ok := h.ephemeral(approver, "four-eyes"); !ok {
			t.Errorf("no four-eyes refusal: %+v", h.sb.Ephemerals(approver))
		}
		if n := h.count(`SELECT count(*) FROM escalations WHERE status = 'pending'`); n != 1 {
			t.Errorf("a refused click decided the escalation")
		}
	})
	t.Run("ApproverApproves", func(t *testing.T) {
		dm := h.sb.DMs(approver2)[0]
		h.click(approver2, dm, blocks.ActionApprove)
		h.settle()
		acme = h.refresh(acme)
		if !shows(acme, "Escalated to collections agency — approved by <@"+approver2+">") {
			t.Errorf("alert after approval: %s", acme.Blocks)
		}
		if hasButton(h.refresh(dm), blocks.ActionApprove) || hasButton(h.refresh(request), blocks.ActionApprove) {
			t.Errorf("the approval requests still have buttons after the decision")
		}
	})
	t.Run("RejectWorksTheSameWay", func(t *testing.T) {
		h.click(member, bluebird, blocks.ActionEscalate)
		modal := h.modal(member, blocks.CallbackEscalate)
		h.submit(member, modal, sandbox.Values{
			blocks.BlockEscalateTarget: {blocks.BlockEscalateTarget: {Option: string(collections.TargetLegal)}},
			blocks.BlockEscalateReason: {blocks.BlockEscalateReason: sandbox.Text("disputes everything")}})
		h.settle()
		var req sandbox.Message
		for _, r := range h.refresh(bluebird).Replies {
			if hasButton(r, blocks.ActionReject) {
				req = r
			}
		}
		h.click(approver, req, blocks.ActionReject)
		reject := h.modal(approver, blocks.CallbackReject)
		if res := h.submit(approver, reject, sandbox.Values{}); !res.Closed {
			t.Fatalf("a rejection without a reason: %+v", res)
		}
		h.settle()
		bluebird = h.refresh(bluebird)
		if !hasButton(bluebird, blocks.ActionEscalate) || !shows(bluebird, "reject") {
			t.Errorf("after rejection: buttons %v, %s", buttons(bluebird), bluebird.Blocks)
		}
	})
}

func TestClicks_TwentyConcurrentIdenticalClicksChangeStateOnce(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	proposePlan(t, h, acme, "2026-06-15")
	acme = h.refresh(acme)

	h.clickAtOnce(member, acme, blocks.ActionPlanAgreed, 20)
	h.settle()
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'plan_agreed'`); n != 1 {
		t.Errorf("plan_agreed audit rows = %d, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM plans WHERE status = 'active'`); n != 1 {
		t.Errorf("active plans = %d, want 1", n)
	}
	// The 19 repeats of the member's own click are answered as done:
	// nobody is told the case changed under them.
	for _, m := range h.sb.Ephemerals(member) {
		if shows(m, "changed") {
			t.Errorf("a repeat of one's own click was refused: %q", m.Text)
		}
	}
}

func TestClicks_StaleButtonAnswersWithCurrentState(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	// An /owed summary taken now keeps its buttons while the case changes.
	stale := h.owed(member, "acme")
	proposePlan(t, h, h.alert("ACME Corp."), "2026-06-15")

	h.click(member, stale, blocks.ActionSnooze)
	msg, ok := h.ephemeral(member, "changed")
	if !ok || !hasButton(msg, blocks.ActionPlanAgreed) {
		t.Errorf("stale click answer: %+v", msg)
	}
	if _, open := h.sb.TopView(member); open {
		t.Errorf("a stale click opened a modal")
	}
}

func TestCommand_OwedAnswersHelpfully(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices+"N-1,Northwind Traders,USD,5.00,2026-05-01,2026-05-10\nN-2,Northwind Logistics,USD,5.00,2026-05-01,2026-05-10\n")
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"FuzzyName", "acme crop", []string{"ACME Corp.", "USD 100.00"}},
		{"Prefix", "blue", []string{"Bluebird Bakery"}},
		{"Ambiguous", "northwind", []string{"Northwind Traders", "Northwind Logistics"}},
		{"Unknown", "zebra", []string{"/owed top"}},
		{"OtherInputGetsUsage", "stats", []string{"/owed help", "/owed CUSTOMER history"}},
		{"Empty", "", []string{"/owed"}},
		{"Help", "help", []string{"history"}},
		{"Top", "top", []string{"ACME Corp.", "Bluebird Bakery"}},
		{"History", "acme history", []string{"ACME Corp."}},
		{"SQL", "'; DROP TABLE customers; --", []string{"/owed"}},
		{"FiveKilobytesOfUnicode", strings.Repeat("日本語🙂", 400), []string{"Try /owed acme, or /owed help."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reply, err := h.sb.SlashCommand(h.ctx, member, channel, "/owed", tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if reply.Status != 200 || reply.Message == nil || !reply.Message.Ephemeral || reply.Elapsed > 3e9 {
				t.Fatalf("reply: %+v", reply)
			}
			for _, w := range tc.want {
				if !shows(*reply.Message, w) {
					t.Errorf("answer lacks %q: %s", w, reply.Message.Text)
				}
			}
			for _, leak := range []string{"pq:", "SQLSTATE", "panic", "runtime error", "ˋ"} { // ˋ: a backtick of owed's own, escaped as user text
				if shows(*reply.Message, leak) {
					t.Errorf("answer leaks %q", leak)
				}
			}
		})
	}
	if n := h.count(`SELECT count(*) FROM customers`); n != 5 {
		t.Errorf("customers = %d after the hostile input", n)
	}
}

// Slack sends what was typed with &, < and > escaped ("AT&amp;T"): /owed
// reads the name typed, and says it back once escaped, not twice.
func TestCommand_AnAmpersandIsReadAsTyped(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nT-1,AT&T Inc,USD,5.00,2026-05-01,2026-05-10\n")
	for text, want := range map[string]string{"AT&T": "AT&amp;T Inc", "Zed & <Co>": "Zed &amp; &lt;Co&gt;"} {
		reply, err := h.sb.SlashCommand(h.ctx, member, channel, "/owed", text)
		if err != nil || reply.Message == nil {
			t.Fatalf("/owed %s: %+v, %v", text, reply, err)
		}
		if got := reply.Message.Text; !strings.Contains(got, want) || strings.Contains(got, "&amp;amp;") || strings.Contains(got, "&amp;lt;") {
			t.Errorf("/owed %s answered %q, want it to show %q", text, got, want)
		}
	}
}

// TestCommand_HistoryCountsEveryAction: a trail longer than the answer
// shows is counted whole, and what is left out is said.
func TestCommand_HistoryCountsEveryAction(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	h.db.MustExec(`INSERT INTO audit_log (customer_id, actor, action, details)
		SELECT id, 'U0MEMBER', 'contact_logged', '{"contact": {"channel": "call", "outcome": "no_answer"}}'
		  FROM customers, generate_series(1, 250) WHERE name = 'ACME Corp.'`)
	total := h.count(`SELECT count(*) FROM audit_log a JOIN customers c ON c.id = a.customer_id WHERE c.name = 'ACME Corp.'`)
	reply, err := h.sb.SlashCommand(h.ctx, member, channel, "/owed", "acme history")
	if err != nil || reply.Message == nil {
		t.Fatalf("reply %+v, %v", reply, err)
	}
	if want := fmt.Sprintf("%d actions", total); !strings.Contains(reply.Message.Text, want) {
		t.Errorf("answer %q does not count the %d actions", reply.Message.Text, total)
	}
	if !shows(*reply.Message, "earlier actions not shown") {
		t.Errorf("the answer does not say that older actions are left out")
	}
}

// TestCommand_ASlowAnswerFollowsOnTheResponseURL: when the database is
// slow, /owed still answers inside Slack's 3 seconds, saying the answer
// follows, and the answer comes on the command's response_url.
func TestCommand_ASlowAnswerFollowsOnTheResponseURL(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	hold, err := h.db.BeginTxx(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.ExecContext(h.ctx, `LOCK TABLE customers IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	reply, err := h.sb.SlashCommand(h.ctx, member, channel, "/owed", "acme")
	if err != nil || reply.Status != 200 || reply.Message == nil || !shows(*reply.Message, "the answer follows") || reply.Elapsed > 3*time.Second {
		t.Fatalf("/owed acme with the database held: %+v, %v", reply, err)
	}
	hold.Rollback()
	if _, ok := h.ephemeral(member, "USD 100.00"); !ok {
		t.Errorf("the answer never followed: %+v", h.sb.Ephemerals(member))
	}
}

func TestCommand_SummaryButtonsWorkBeforeAnyAlert(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	reply, err := h.sb.SlashCommand(h.ctx, member, channel, "/owed", "acme")
	if err != nil || reply.Message == nil {
		t.Fatalf("reply %+v, %v", reply, err)
	}
	if !hasButton(*reply.Message, blocks.ActionSnooze) {
		t.Fatalf("the summary has no buttons: %v", buttons(*reply.Message))
	}
	h.click(member, *reply.Message, blocks.ActionSnooze)
	h.modal(member, blocks.CallbackSnooze)
}

// TestSocketMode_ASlowSubmissionHoldsUpNoOtherAnswer: over Socket Mode,
// as over HTTP, events are handled at once: while a snooze waits on its
// case (held by another transaction), /owed help is answered.
func TestSocketMode_ASlowSubmissionHoldsUpNoOtherAnswer(t *testing.T) {
	h := newHarness(t, harnessOptions{socketMode: true})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	h.click(member, acme, blocks.ActionSnooze)
	modal := h.modal(member, blocks.CallbackSnooze)

	hold, err := h.db.BeginTxx(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.ExecContext(h.ctx, `SELECT 1 FROM cases WHERE id = $1 FOR UPDATE`, caseOf(t, h, "ACME Corp.")); err != nil {
		t.Fatal(err)
	}
	submitted := make(chan sandbox.SubmitResult, 1)
	go func() {
		res, _ := h.sb.SubmitView(h.ctx, member, modal.ID, sandbox.Values{blocks.BlockSnoozeFor: {blocks.BlockSnoozeFor: sandbox.Value{Option: "7"}}})
		submitted <- res
	}()
	h.await("the snooze to wait on its case", func() bool {
		return h.count(`SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`) > 0
	})
	reply, err := h.sb.SlashCommand(h.ctx, member, channel, "/owed", "help")
	if err != nil || reply.Message == nil || !shows(*reply.Message, "history") || reply.Elapsed > 2*time.Second {
		t.Errorf("/owed help while a snooze waits: %+v, %v", reply, err)
	}
	select {
	case res := <-submitted:
		t.Fatalf("the snooze was answered while its case was held: %+v", res)
	default:
	}
	hold.Rollback()
	if res := <-submitted; !res.Closed {
		t.Errorf("the snooze, once its case was free: %+v", res)
	}
}

// TestClick_AModalWaitsOutARateLimit: views.open answered 429 with a
// Retry-After the trigger outlives is made again after it, and the modal
// opens.
func TestClick_AModalWaitsOutARateLimit(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	h.sb.FailNext("views.open", sandbox.RateLimited(time.Second))
	h.click(member, h.alert("ACME Corp."), blocks.ActionSnooze)
	h.modal(member, blocks.CallbackSnooze)
	// The modal shows as Slack opens it, a moment before the call that
	// opened it is recorded.
	h.await("the second views.open recorded", func() bool { return len(h.sb.CallsTo("views.open")) >= 2 })
	calls := h.sb.CallsTo("views.open")
	if len(calls) != 2 || calls[1].At.Sub(calls[0].At) < time.Second {
		t.Errorf("views.open calls: %d, the second %v after the first; want 2, at least 1s apart", len(calls), calls[len(calls)-1].At.Sub(calls[0].At))
	}
}

func TestSocketMode_SameJourneys(t *testing.T) {
	h := newHarness(t, harnessOptions{socketMode: true})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	reply, err := h.sb.SlashCommand(h.ctx, member, channel, "/owed", "acme")
	if err != nil || reply.Message == nil || !shows(*reply.Message, "ACME Corp.") {
		t.Fatalf("/owed over Socket Mode: %+v, %v", reply, err)
	}
	h.sweep()
	acme := h.alert("ACME Corp.")
	h.click(member, acme, blocks.ActionEscalate)
	modal := h.modal(member, blocks.CallbackEscalate)
	res := h.submit(member, modal, sandbox.Values{blocks.BlockEscalateTarget: {blocks.BlockEscalateTarget: {Option: string(collections.TargetLegal)}}})
	if res.Errors[blocks.BlockEscalateReason] == "" {
		t.Fatalf("inline errors over Socket Mode: %+v", res)
	}
	res = h.submit(member, modal, sandbox.Values{
		blocks.BlockEscalateTarget: {blocks.BlockEscalateTarget: {Option: string(collections.TargetLegal)}},
		blocks.BlockEscalateReason: {blocks.BlockEscalateReason: sandbox.Text("no answer for 60 days")}})
	if !res.Closed {
		t.Fatalf("submission over Socket Mode: %+v", res)
	}
	h.settle()
	dm := h.sb.DMs(approver)
	if len(dm) != 1 {
		t.Fatalf("approver DMs = %d", len(dm))
	}
	h.click(approver, dm[0], blocks.ActionApprove)
	h.settle()
	if !shows(h.refresh(acme), "Escalated to legal — approved by <@"+approver+">") {
		t.Errorf("alert after approval over Socket Mode: %s", h.refresh(acme).Text)
	}
}

// TestAlert_DatesAreTheBusinesss: "Open since" is the date the case was
// opened in the business time zone, not the database's.
func TestAlert_DatesAreTheBusinesss(t *testing.T) {
	// A zone whose date differs from UTC's now: twelve hours behind
	// before noon UTC, fourteen ahead after.
	zone := "Etc/GMT+12"
	if time.Now().UTC().Hour() >= 12 {
		zone = "Etc/GMT-14"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessOptions{configure: func(_ *harness, o *bot.Options) { o.Location = loc }})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	var opened time.Time
	if err := h.db.GetContext(h.ctx, &opened, `SELECT opened_at FROM cases c JOIN customers u ON u.id = c.customer_id WHERE u.name = 'ACME Corp.'`); err != nil {
		t.Fatal(err)
	}
	local, utc := opened.In(loc).Format(collections.DateLayout), opened.UTC().Format(collections.DateLayout)
	if local == utc {
		t.Fatalf("the case was opened at %s, the same date in %s and UTC: the zone was chosen wrong", opened, zone)
	}
	if acme := h.alert("ACME Corp."); !shows(acme, "Open since "+local) {
		t.Errorf("the alert does not say Open since %s (the business's date; UTC's is %s): %s", local, utc, acme.Content())
	}
}

// An escalation that no one could decide is refused on the form: the only
// approver may not approve their own, and nothing would ever decide it.
func TestJourney_SoleApproverCannotEscalate(t *testing.T) {
	h := newHarness(t, harnessOptions{configure: func(h *harness, o *bot.Options) { o.Approvers = []string{approver} }})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	values := sandbox.Values{
		blocks.BlockEscalateTarget: {blocks.BlockEscalateTarget: {Option: string(collections.TargetLegal)}},
		blocks.BlockEscalateReason: {blocks.BlockEscalateReason: sandbox.Text("three reminders ignored")},
	}

	h.click(approver, acme, blocks.ActionEscalate)
	res := h.submit(approver, h.modal(approver, blocks.CallbackEscalate), values)
	if res.Closed || !strings.Contains(res.Errors[blocks.BlockEscalateReason], "No approver other than you") {
		t.Fatalf("the sole approver's escalation: want it refused on the form, got %+v", res)
	}
	if n := h.count(`SELECT count(*) FROM escalations`); n != 0 {
		t.Errorf("%d escalations recorded", n)
	}

	// Anyone else may ask: the approver decides.
	h.click(member, acme, blocks.ActionEscalate)
	if res := h.submit(member, h.modal(member, blocks.CallbackEscalate), values); !res.Closed {
		t.Fatalf("a member's escalation: %+v", res)
	}
	h.settle()
	if dms := h.sb.DMs(approver); len(dms) != 1 || !hasButton(dms[0], blocks.ActionApprove) {
		t.Errorf("the approver got %d approval requests, want 1", len(dms))
	}
}

// A plan whose missed instalment was partly paid says how much of it was;
// a plan whose unpaid rest is all in dispute breaks only once the dispute
// ends in "the customer will pay".
func TestJourney_APlanMissedInPartOrWithTheRestInDispute(t *testing.T) {
	agreed := func(t *testing.T) (*harness, sandbox.Message) {
		h := newHarness(t, harnessOptions{})
		withOwner(h)
		h.sweep()
		acme := h.alert("ACME Corp.")
		proposePlan(t, h, acme, "2026-06-15") // USD 100.00: 50.00 on 2026-06-15 and 2026-07-15
		h.click(member, h.refresh(acme), blocks.ActionPlanAgreed)
		h.settle()
		return h, acme
	}
	t.Run("PartlyPaid", func(t *testing.T) {
		h, acme := agreed(t)
		h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-1,30.00,2026-06-10,WIRE-1\n")
		h.setToday("2026-06-19")
		if res := h.sweep(); res.Broken != 1 {
			t.Fatalf("broken = %d, want 1", res.Broken)
		}
		if i := lineIndex(h.refresh(acme).Replies, "The payment plan is broken: the USD 50.00 instalment due 2026-06-15 was not paid in full (USD 30.00 of it paid)"); i < 0 {
			t.Errorf("thread: %q", lastLine(t, h, acme).Text)
		}
	})
	t.Run("TheRestInDispute", func(t *testing.T) {
		h, acme := agreed(t)
		dispute(t, h, h.refresh(acme), "A-1", "quality")
		h.setToday("2026-06-19")
		if res := h.sweep(); res.Broken != 0 {
			t.Fatalf("a plan whose rest is in dispute broke")
		}
		resolve(t, h, acme, "pay")
		if res := h.sweep(); res.Broken != 1 {
			t.Errorf("broken = %d once A-1 is chased again, want 1", res.Broken)
		}
	})
}
