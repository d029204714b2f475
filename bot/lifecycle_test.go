package bot_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/owedhq/owed/bot"
	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
)

// Journeys of the case lifecycle: every message tells the truth.

// payAcme pays both of Acme's invoices in full.
func payAcme(h *harness) {
	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-1,100.00,2026-06-01,W-1\nA-2,50.00,2026-06-01,W-2\n")
}

// review runs the review as owed serve does when the ledger changes, and
// waits until Slack has what it queued.
func (h *harness) review() collections.SweepResult {
	h.t.Helper()
	res, err := h.cases.Review(h.ctx, h.date())
	if err != nil {
		h.t.Fatal(err)
	}
	h.settle()
	return res
}

// escalate asks, as user, to escalate the alert's case to target.
func escalate(t testing.TB, h *harness, user string, alert sandbox.Message, target collections.EscalationTarget, reason string) {
	t.Helper()
	h.click(user, alert, blocks.ActionEscalate)
	modal := h.modal(user, blocks.CallbackEscalate)
	res := h.submit(user, modal, sandbox.Values{
		blocks.BlockEscalateTarget: {blocks.BlockEscalateTarget: {Option: string(target)}},
		blocks.BlockEscalateReason: {blocks.BlockEscalateReason: sandbox.Text(reason)}})
	if !res.Closed {
		t.Fatalf("escalation submission: %+v", res)
	}
	h.settle()
}

// approvalRequest returns the approval request in the alert's thread.
func approvalRequest(t testing.TB, h *harness, alert sandbox.Message) sandbox.Message {
	t.Helper()
	for _, r := range h.refresh(alert).Replies {
		if shows(r, "asks to escalate") {
			return r
		}
	}
	t.Fatalf("no approval request in the thread of %s", alert.Text)
	return sandbox.Message{}
}

func TestLifecycle_EscalatingACaseWithNothingOverdueIsRefused(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")

	// The modal was opened while Acme owed; it pays before the submission.
	h.click(member, acme, blocks.ActionEscalate)
	modal := h.modal(member, blocks.CallbackEscalate)
	payAcme(h)
	res := h.submit(member, modal, sandbox.Values{
		blocks.BlockEscalateTarget: {blocks.BlockEscalateTarget: {Option: string(collections.TargetLegal)}},
		blocks.BlockEscalateReason: {blocks.BlockEscalateReason: sandbox.Text("no answer")}})
	if res.Closed || !strings.Contains(res.Errors[blocks.BlockEscalateReason], "nothing overdue") {
		t.Fatalf("submission for a customer who owes nothing overdue: %+v", res)
	}
	// A click on the alert, still showing the old total, is refused too.
	h.click(member, acme, blocks.ActionEscalate)
	if _, ok := h.ephemeral(member, "nothing overdue, so there is nothing to escalate"); !ok {
		t.Errorf("Escalate on a paid case got no refusal: %+v", h.sb.Ephemerals(member))
	}
	if n := h.count(`SELECT count(*) FROM escalations`); n != 0 {
		t.Errorf("%d escalations of a customer who owes nothing", n)
	}
	if len(h.sb.DMs(approver)) != 0 {
		t.Errorf("an approver was asked to escalate a customer who owes nothing")
	}
}

// escalatedAcme sweeps the journey's ledger and has by escalate ACME
// Corp.'s alert; it returns the alert.
// pendingRequestDM is the newest approval request in a member's DMs that
// still waits for a decision.
func pendingRequestDM(h *harness, user string) sandbox.Message {
	var dm sandbox.Message
	for _, m := range h.sb.DMs(user) {
		if hasButton(m, blocks.ActionReject) {
			dm = m
		}
	}
	return dm
}

func escalatedAcme(t *testing.T, h *harness, by string, target collections.EscalationTarget, reason string) sandbox.Message {
	t.Helper()
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	escalate(t, h, by, acme, target, reason)
	return acme
}

func TestLifecycle_SettlingEndsThePendingApprovalRequests(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	acme := escalatedAcme(t, h, member, collections.TargetAgency, "three reminders ignored")
	request := approvalRequest(t, h, acme)
	dms := h.sb.DMs(approver2)
	if len(dms) != 1 || !hasButton(request, blocks.ActionApprove) || !hasButton(dms[0], blocks.ActionApprove) {
		t.Fatalf("approval requests before payment: thread %v, DMs %d", buttons(request), len(dms))
	}

	payAcme(h)
	res := h.review()
	if res.Settled != 1 {
		t.Fatalf("settled = %d, want 1", res.Settled)
	}
	acme = h.refresh(acme)
	if !shows(acme, "Settled — paid in full") || len(buttons(acme)) != 0 {
		t.Errorf("settled alert: %q, buttons %v", acme.Text, buttons(acme))
	}
	for _, m := range []sandbox.Message{h.refresh(request), h.refresh(dms[0]), h.refresh(h.sb.DMs(approver)[0])} {
		if len(buttons(m)) != 0 || !shows(m, "No decision needed") {
			t.Errorf("approval request in %s after the case settled: buttons %v, %s", m.Channel, buttons(m), m.Blocks)
		}
	}
	if n := h.count(`SELECT count(*) FROM escalations WHERE status = 'cancelled'`); n != 1 {
		t.Errorf("cancelled escalations = %d, want 1", n)
	}
}

// While an escalation waits for a decision, its requests (in the thread
// and in the approvers' DMs) show what is overdue now: an approver does
// not decide on figures a payment made untrue.
func TestLifecycle_APendingRequestShowsWhatIsOverdueNow(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	acme := escalatedAcme(t, h, member, collections.TargetAgency, "three reminders ignored")
	request := approvalRequest(t, h, acme)
	if !shows(request, "USD 100.00") {
		t.Fatalf("the request before the payment: %s", request.Content())
	}
	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-1,90.00,2026-06-01,W-1\n")
	h.review()
	dms := h.sb.DMs(approver2)
	if len(dms) != 1 {
		t.Fatalf("approver2 has %d DMs, want the request", len(dms))
	}
	for _, m := range []sandbox.Message{h.refresh(request), h.refresh(dms[0])} {
		if !shows(m, "EUR 50.00 and USD 10.00") || shows(m, "USD 100.00") || !hasButton(m, blocks.ActionApprove) {
			t.Errorf("the request in %s after USD 90.00 was paid: buttons %v, %s", m.Channel, buttons(m), m.Content())
		}
	}
}

// A member who clicks Approve is told who can decide: the approvers, but
// not the one who asked, whom four-eyes bars.
func TestLifecycle_AMemberIsToldWhichApproversCanDecide(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	acme := escalatedAcme(t, h, approver, collections.TargetAgency, "three reminders ignored")
	h.click(member, approvalRequest(t, h, acme), blocks.ActionApprove)
	h.settle()
	eph, ok := h.sb.FindEphemeral(member, "Only approvers can approve or reject escalations")
	if !ok {
		t.Fatalf("no refusal for the member: %+v", h.sb.Ephemerals(member))
	}
	if strings.Contains(eph.Text, "<@"+approver+">") || !strings.Contains(eph.Text, "<!subteam^"+approverSG+">") {
		t.Errorf("refusal = %q, want it to name the approvers group and not %s, who asked", eph.Text, approver)
	}
	if n := h.count(`SELECT count(*) FROM escalations WHERE status = 'pending'`); n != 1 {
		t.Errorf("pending escalations = %d, want 1", n)
	}
}

// A person who clicks, on an older /owed answer, an action they have
// taken already (Payment plan, after proposing one) is shown the case as
// it is now; before, nothing happened.
func TestLifecycle_AnActionDoneAlreadyShowsTheCaseNow(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	stale := h.owed(member, "acme")
	acme := h.alert("ACME Corp.")
	proposePlan(t, h, acme, "2026-06-15")
	h.click(member, stale, blocks.ActionPlan)
	h.settle()
	if v, ok := h.sb.TopView(member); ok {
		t.Errorf("a second plan form opened: %s", v.CallbackID)
	}
	answer, ok := h.sb.FindEphemeral(member, "ACME Corp.")
	if !ok || !hasButton(answer, blocks.ActionPlanAgreed) {
		t.Errorf("the /owed answer does not show the proposed plan: %+v", answer)
	}

	// Escalated, then Escalate again on the alert, which Slack would not
	// let owed edit (so it still offers Escalate).
	h.click(member, h.refresh(acme), blocks.ActionPlanCancel)
	h.settle()
	h.sb.FailNext("chat.update", sandbox.SlackError("cant_update_message"))
	escalate(t, h, member, h.refresh(acme), collections.TargetAgency, "three reminders ignored")
	h.click(member, h.refresh(acme), blocks.ActionEscalate)
	h.settle()
	if v, ok := h.sb.TopView(member); ok {
		t.Errorf("a second escalation form opened: %s", v.CallbackID)
	}
	if _, ok := h.sb.FindEphemeral(member, "You have done that already: the case is"); !ok {
		t.Errorf("no answer to Escalate clicked again: %+v", h.sb.Ephemerals(member))
	}
}

// Log contact with the outcome "Promised to pay" on a case that cannot
// take a promise (escalated) says so in the form, not as a change.
func TestRecords_AContactPromiseOnAnEscalatedCaseSaysWhy(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	acme := escalatedAcme(t, h, member, collections.TargetAgency, "three reminders ignored")
	h.click(approver, approvalRequest(t, h, acme), blocks.ActionApprove)
	h.settle()
	h.click(member, h.refresh(acme), blocks.ActionLogContact)
	res := h.submit(member, h.modal(member, blocks.CallbackContact), sandbox.Values{
		blocks.BlockContactChannel:  {blocks.BlockContactChannel: sandbox.Pick("call")},
		blocks.BlockContactOutcome:  {blocks.BlockContactOutcome: sandbox.Pick("promised")},
		blocks.BlockPromiseCurrency: {blocks.BlockPromiseCurrency: sandbox.Pick("USD")},
		blocks.BlockPromiseAmount:   {blocks.BlockPromiseAmount: sandbox.Text("100.00")},
		blocks.BlockPromiseDate:     {blocks.BlockPromiseDate: sandbox.Date("2026-06-10")},
	})
	if res.Closed || !strings.Contains(res.Errors[blocks.BlockContactOutcome], "so a promise to pay cannot be recorded on it") {
		t.Errorf("the contact form with a promise on an escalated case: %+v", res)
	}
}

// An approval request Slack could not edit when the case settled still
// shows Approve: a click on it is refused with why, and the case as it is.
func TestLifecycle_ALateApproveIsAnsweredWithTheSettledCase(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	escalatedAcme(t, h, member, collections.TargetAgency, "three reminders ignored")
	dm := h.sb.DMs(approver2)
	if len(dm) != 1 {
		t.Fatalf("approver2 has %d DMs, want the request", len(dm))
	}
	var refused []sandbox.Failure
	for range 4 { // the alert and the three requests
		refused = append(refused, sandbox.SlackError("cant_update_message"))
	}
	h.sb.FailNext("chat.update", refused...)
	payAcme(h)
	if res := h.review(); res.Settled != 1 {
		t.Fatalf("settled = %d, want 1", res.Settled)
	}
	h.settle()
	if !hasButton(h.refresh(dm[0]), blocks.ActionApprove) {
		t.Fatal("the request lost its buttons: the late click cannot be tried")
	}
	h.click(approver2, dm[0], blocks.ActionApprove)
	if m, ok := h.ephemeral(approver2, "Settled — paid in full"); !ok {
		t.Errorf("a late Approve was answered %+v; want the refusal with the settled case", h.sb.Ephemerals(approver2))
	} else if len(buttons(m)) != 0 {
		t.Errorf("the settled case is shown with buttons %v", buttons(m))
	}
	if n := h.count(`SELECT count(*) FROM escalations WHERE status = 'approved'`); n != 0 {
		t.Errorf("approved escalations = %d, want 0", n)
	}
}

func TestLifecycle_TheRequesterWithdrawsAndRejectionsGiveAReason(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	acme := escalatedAcme(t, h, member, collections.TargetLegal, "no answer for 60 days")
	acme = h.refresh(acme)
	if !hasButton(acme, blocks.ActionWithdraw) {
		t.Fatalf("a pending escalation offers no Withdraw: %v", buttons(acme))
	}

	t.Run("OnlyTheRequesterMayWithdraw", func(t *testing.T) {
		h.click(approver, acme, blocks.ActionWithdraw)
		if _, ok := h.ephemeral(approver, "who asked for this escalation, can withdraw it"); !ok {
			t.Errorf("an approver withdrew someone else's request: %+v", h.sb.Ephemerals(approver))
		}
		if n := h.count(`SELECT count(*) FROM escalations WHERE status = 'pending'`); n != 1 {
			t.Errorf("pending escalations = %d, want 1", n)
		}
	})
	t.Run("WithdrawReopensTheCaseAndEndsTheRequests", func(t *testing.T) {
		request := approvalRequest(t, h, acme)
		h.click(member, acme, blocks.ActionWithdraw)
		h.settle()
		acme = h.refresh(acme)
		if !hasButton(acme, blocks.ActionEscalate) || hasButton(acme, blocks.ActionWithdraw) || !strings.Contains(acme.Content(), "withdrawn by <@"+member+">") {
			t.Errorf("after withdrawal: buttons %v, %s", buttons(acme), acme.Blocks)
		}
		if r := h.refresh(request); hasButton(r, blocks.ActionApprove) || !shows(r, "Withdrawn") {
			t.Errorf("the request after withdrawal: %s", r.Blocks)
		}
		if !shows(acme.Replies[len(acme.Replies)-1], "withdrew the escalation to legal") {
			t.Errorf("no thread line for the withdrawal: %q", acme.Replies[len(acme.Replies)-1].Text)
		}
	})
	t.Run("RejectAsksForAReasonShownInTheThread", func(t *testing.T) {
		escalate(t, h, member, acme, collections.TargetAgency, "still no answer")
		dm := pendingRequestDM(h, approver)
		h.click(approver, dm, blocks.ActionReject)
		modal := h.modal(approver, blocks.CallbackReject)
		res := h.submit(approver, modal, sandbox.Values{blocks.BlockRejectReason: {blocks.BlockRejectReason: sandbox.Text("call them once more first")}})
		if !res.Closed {
			t.Fatalf("reject submission: %+v", res)
		}
		h.settle()
		acme = h.refresh(acme)
		last := acme.Replies[len(acme.Replies)-1]
		if !shows(last, "rejected the escalation to collections agency: call them once more first") {
			t.Errorf("thread line of the rejection: %q", last.Text)
		}
		if !hasButton(acme, blocks.ActionEscalate) || !shows(h.refresh(dm), "call them once more first") {
			t.Errorf("after rejection: alert buttons %v, DM %s", buttons(acme), h.refresh(dm).Blocks)
		}
	})
	t.Run("ARejectionAfterTheWithdrawalSaysWhoWithdrewByName", func(t *testing.T) {
		escalate(t, h, member, acme, collections.TargetAgency, "one more try")
		dm := pendingRequestDM(h, approver)
		h.click(approver, dm, blocks.ActionReject)
		modal := h.modal(approver, blocks.CallbackReject)
		h.click(member, h.refresh(acme), blocks.ActionWithdraw)
		h.settle() // the withdrawal is applied after Slack has its answer
		res := h.submit(approver, modal, sandbox.Values{blocks.BlockRejectReason: {blocks.BlockRejectReason: sandbox.Text("too late")}})
		// A form's error is plain text in Slack: no <@U…> shows as written.
		if res.Closed || !slices.Contains(slices.Collect(maps.Values(res.Errors)), "This escalation was already withdrawn by @Dana Member.") {
			t.Errorf("reject after the withdrawal: %+v", res)
		}
	})
}

func TestLifecycle_PaymentsReachTheAlertWithWhatWasPaidAndWhatIsStillOverdue(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")

	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-1,100.00,2026-06-01,W-1\n")
	h.review()
	acme = h.refresh(acme)
	if shows(acme, "USD 100.00") || !shows(acme, "EUR 50.00") {
		t.Errorf("the alert still shows the paid amount: %s", acme.Text)
	}
	last := acme.Replies[len(acme.Replies)-1]
	if !shows(last, "Payment received: USD 100.00 — EUR 50.00 still overdue") {
		t.Errorf("thread line = %q", last.Text)
	}

	// Paid in full, before the review ran: /owed says nothing overdue and
	// no stage beside it.
	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-2,50.00,2026-06-01,W-2\n")
	reply, err := h.sb.SlashCommand(h.ctx, member, channel, "/owed", "acme")
	if err != nil || reply.Message == nil {
		t.Fatalf("/owed acme: %+v, %v", reply, err)
	}
	if shows(*reply.Message, "Stage:") {
		t.Errorf("/owed shows a stage for a customer with nothing overdue: %s", reply.Message.Blocks)
	}
	h.review()
	acme = h.refresh(acme)
	if !shows(acme, "Settled — paid in full") || len(buttons(acme)) != 0 {
		t.Errorf("after paying in full: %q, buttons %v", acme.Text, buttons(acme))
	}
}

func TestLifecycle_ACaseNoLongerOverdueButUnpaidIsClosedNotSettled(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	// The due dates moved into the future: nothing is overdue, nothing paid.
	h.importCSV(collections.ImportInvoices, `number,customer,currency,amount,issued_on,due_on
A-1,ACME Corp.,USD,100.00,2026-04-01,2026-07-01
A-2,ACME Corp.,EUR,50.00,2026-04-01,2026-07-01
`)
	res := h.review()
	if res.Closed != 1 || res.Settled != 0 {
		t.Fatalf("closed %d, settled %d; want 1 and 0", res.Closed, res.Settled)
	}
	acme := h.alert("ACME Corp.")
	if shows(acme, "paid in full") || !shows(acme, "Closed — nothing is overdue any more") || len(buttons(acme)) != 0 {
		t.Errorf("alert of a case no longer overdue: %q, buttons %v", acme.Text, buttons(acme))
	}
	if last := acme.Replies[len(acme.Replies)-1]; !shows(last, "USD 100.00") || !shows(last, "still owed, not yet due") {
		t.Errorf("thread line = %q", last.Text)
	}
}

func TestLifecycle_ABackdatedSweepNeverEndsACaseOverdueToday(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	// As of 2026-05-10 nothing of Acme's or Bluebird's was overdue yet.
	res, err := h.cases.Sweep(h.ctx, day("2026-05-10"), false)
	if err != nil {
		t.Fatal(err)
	}
	h.settle()
	if res.Settled+res.Closed != 0 {
		t.Errorf("a backdated sweep ended %d cases overdue today", res.Settled+res.Closed)
	}
	if n := h.count(`SELECT count(*) FROM cases WHERE ended_at IS NULL`); n != 2 {
		t.Errorf("live cases = %d, want 2", n)
	}
	h.sweep()
	if n := len(h.alerts()); n != 2 {
		t.Errorf("%d alerts after the live sweep, want still 2", n)
	}
}

func TestLifecycle_APickedSnoozeDateWinsOverTheLength(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	h.click(member, acme, blocks.ActionSnooze)
	modal := h.modal(member, blocks.CallbackSnooze)
	res := h.submit(member, modal, sandbox.Values{
		blocks.BlockSnoozeFor:   {blocks.BlockSnoozeFor: sandbox.Pick("7")},
		blocks.BlockSnoozeUntil: {blocks.BlockSnoozeUntil: sandbox.Date("2027-01-15")},
	})
	if !res.Closed {
		t.Fatalf("snooze submission: %+v", res)
	}
	h.settle()
	if acme = h.refresh(acme); !shows(acme, "Snoozed until 2027-01-15") {
		t.Errorf("snoozed alert: %q", acme.Text)
	}
}

func TestLifecycle_PlanProblemsAreOnTheFieldThatIsWrong(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	h.click(member, acme, blocks.ActionPlan)
	modal := h.modal(member, blocks.CallbackPlan)

	t.Run("PreviewWarnsOfADownPaymentItCannotRead", func(t *testing.T) {
		for _, typed := range []string{"1.001", "€100", ".5"} {
			if err := h.sb.ChooseInViewBlock(h.ctx, member, modal.ID, blocks.BlockPlanDownPayment, blocks.ActionPlanPreview, sandbox.Text(typed)); err != nil {
				t.Fatal(err)
			}
			h.await("the preview of "+typed, func() bool {
				v, ok := h.sb.TopView(member)
				return ok && strings.Contains(v.Content(), ":warning: *Down payment*")
			})
			if v, _ := h.sb.TopView(member); strings.Contains(v.Content(), "*Total") {
				t.Errorf("the preview shows a schedule for the down payment %q", typed)
			}
			modal, _ = h.sb.TopView(member)
		}
	})
	t.Run("ADownPaymentLeavingZeroInstalmentsIsBlamedOnTheDownPayment", func(t *testing.T) {
		res := h.submit(member, modal, sandbox.Values{
			blocks.BlockPlanCurrency:    {blocks.ActionPlanPreview: sandbox.Pick("USD")},
			blocks.BlockPlanInstalments: {blocks.ActionPlanPreview: sandbox.Pick("2")},
			blocks.BlockPlanFrequency:   {blocks.ActionPlanPreview: sandbox.Pick("monthly")},
			blocks.BlockPlanFirstDue:    {blocks.ActionPlanPreview: sandbox.Date("2026-06-15")},
			blocks.BlockPlanDownPayment: {blocks.ActionPlanPreview: sandbox.Text("99.99")},
		})
		if res.Closed || res.Errors[blocks.BlockPlanDownPayment] == "" || res.Errors[blocks.BlockPlanInstalments] != "" {
			t.Errorf("errors = %+v; want one on the down payment only", res.Errors)
		}
	})
}

func TestLifecycle_AStaleClickIsAppliedWhenStillAllowedAndARepeatIsDone(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	stale := h.owed(member, "acme")

	// Someone snoozes the case from the alert; the summary is now stale.
	h.click(approver, h.alert("ACME Corp."), blocks.ActionSnooze)
	snooze := h.modal(approver, blocks.CallbackSnooze)
	h.submit(approver, snooze, sandbox.Values{blocks.BlockSnoozeFor: {blocks.BlockSnoozeFor: sandbox.Pick("7")}})
	h.settle()

	// Payment plan on the stale summary: allowed on a snoozed case, so the
	// modal opens and the plan ends the snooze.
	proposePlan(t, h, stale, "2026-06-15")
	acme := h.alert("ACME Corp.")
	if !hasButton(acme, blocks.ActionPlanAgreed) || shows(acme, "Snoozed until") {
		t.Fatalf("after a plan from a stale message: buttons %v, %q", buttons(acme), acme.Text)
	}
	if _, ok := h.ephemeral(member, "changed"); ok {
		t.Errorf("the stale but allowed click was refused")
	}

	// The same person clicks Customer agreed twice before the alert
	// changes: done, not "changed".
	h.clickAtOnce(member, acme, blocks.ActionPlanAgreed, 2)
	h.settle()
	for _, m := range h.sb.Ephemerals(member) {
		if shows(m, "changed") {
			t.Errorf("a repeat of one's own click was answered %q", m.Text)
		}
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'plan_agreed'`); n != 1 {
		t.Errorf("plan_agreed rows = %d, want 1", n)
	}
	// A conflicting stale click is refused, in the one wording: the
	// approver's /owed answer still offers Cancel plan after the member
	// cancelled the plan from the alert.
	answer := h.owed(approver, "acme")
	if !hasButton(answer, blocks.ActionPlanCancel) {
		t.Fatalf("/owed acme offers no Cancel plan: %v", buttons(answer))
	}
	h.click(member, h.alert("ACME Corp."), blocks.ActionPlanCancel)
	h.settle()
	h.click(approver, answer, blocks.ActionPlanCancel)
	if _, ok := h.ephemeral(approver, "This case has changed since that message was shown: ACME Corp. is now open."); !ok {
		t.Errorf("a conflicting stale click: %+v", h.sb.Ephemerals(approver))
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'plan_cancelled'`); n != 1 {
		t.Errorf("plan_cancelled rows = %d, want 1", n)
	}
}

func TestLifecycle_ARefusalLandsInTheThreadOfTheButton(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	acme := escalatedAcme(t, h, approver, collections.TargetAgency, "three reminders ignored")
	request := approvalRequest(t, h, acme)

	h.click(member, request, blocks.ActionApprove)
	refusal, ok := h.ephemeral(member, "approver")
	if !ok {
		t.Fatalf("no refusal: %+v", h.sb.Ephemerals(member))
	}
	if refusal.ThreadTS != acme.TS {
		t.Errorf("the refusal is in thread %q, want the alert's thread %q", refusal.ThreadTS, acme.TS)
	}
}

func TestLifecycle_AnAlertsButtonsKeepOneOrder(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	open := strings.Join(buttons(acme), ",")
	h.click(member, acme, blocks.ActionSnooze)
	h.submit(member, h.modal(member, blocks.CallbackSnooze), sandbox.Values{blocks.BlockSnoozeFor: {blocks.BlockSnoozeFor: sandbox.Pick("3")}})
	h.settle()
	if snoozed := strings.Join(buttons(h.refresh(acme)), ","); snoozed != open {
		t.Errorf("buttons open %q, snoozed %q: the order changed", open, snoozed)
	}
}

func TestEdge_NULAndBrokenUTF8AreText(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	for _, text := range []string{"acme\x00", "ac\xffme", "\x00"} {
		reply, err := h.sb.SlashCommand(h.ctx, member, channel, "/owed", text)
		if err != nil || reply.Message == nil {
			t.Fatalf("/owed %q: %+v, %v", text, reply, err)
		}
		if shows(*reply.Message, "Something went wrong") || shows(*reply.Message, "too long") {
			t.Errorf("/owed %q answered %q", text, reply.Message.Text)
		}
	}
	acme := h.alert("ACME Corp.")
	h.click(member, acme, blocks.ActionSnooze)
	res := h.submit(member, h.modal(member, blocks.CallbackSnooze), sandbox.Values{
		blocks.BlockSnoozeFor:    {blocks.BlockSnoozeFor: sandbox.Pick("3")},
		blocks.BlockSnoozeReason: {blocks.BlockSnoozeReason: sandbox.Text("waiting\x00 for *their* PO \xff")},
	})
	if !res.Closed {
		t.Fatalf("a reason with a NUL byte: %+v", res)
	}
	h.settle()
	last := h.refresh(acme).Replies[len(h.refresh(acme).Replies)-1]
	if !shows(last, "waiting for ∗their∗ PO \uFFFD") {
		t.Errorf("thread line = %q", last.Text)
	}
}

// An approver Slack cannot reach (gone from the workspace) is left out:
// the others get their requests, and the decision reaches every request.
func TestLifecycle_AnApproverSlackCannotReachDoesNotHoldUpTheOthers(t *testing.T) {
	h := newHarness(t, harnessOptions{configure: func(_ *harness, o *bot.Options) {
		o.Approvers = []string{"U0AAGONE", approver, approverSG} // the gone user first
	}})
	acme := escalatedAcme(t, h, member, collections.TargetLegal, "three reminders ignored")
	request := approvalRequest(t, h, acme)
	for _, u := range []string{approver, approver2} {
		if dms := h.sb.DMs(u); len(dms) != 1 || !hasButton(dms[0], blocks.ActionApprove) {
			t.Fatalf("%s's approval requests: %d DMs", u, len(dms))
		}
	}
	h.click(approver, request, blocks.ActionApprove)
	h.settle()
	for _, m := range []sandbox.Message{h.refresh(request), h.refresh(h.sb.DMs(approver2)[0])} {
		if len(buttons(m)) != 0 {
			t.Errorf("approval request in %s after the decision: buttons %v", m.Channel, buttons(m))
		}
	}
	if line := lastLine(t, h, acme); !shows(line, "approved") {
		t.Errorf("last thread line = %q, want the approval", line.Text)
	}
}

// The people a thread line tells of (here an approver who is no account
// owner) are named in the command line's history: owed learns their
// names from Slack.
func TestLifecycle_ThePeopleWhoActAreNamedForTheCommandLine(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	acme := escalatedAcme(t, h, member, collections.TargetAgency, "three reminders ignored")
	h.click(approver, approvalRequest(t, h, acme), blocks.ActionApprove)
	h.settle()
	for id, name := range map[string]string{member: "Dana Member", approver: "Casey CFO"} {
		if n := h.count(`SELECT count(*) FROM slack_users WHERE id = $1 AND name = $2`, id, name); n != 1 {
			t.Errorf("owed has not learnt that %s is %s", id, name)
		}
	}
}
