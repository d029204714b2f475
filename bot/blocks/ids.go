// Package blocks renders owed's Slack messages and modals as Block Kit, and
// reads back what people typed into those modals. It is pure: no I/O.
package blocks

import (
	"fmt"
	"strconv"
	"strings"
)

// Action IDs of the buttons owed puts on messages.
const (
	ActionSnooze      = "snooze"       // opens the snooze modal
	ActionPlan        = "plan"         // opens the payment plan modal
	ActionEscalate    = "escalate"     // opens the escalation modal
	ActionPlanAgreed  = "plan_agreed"  // the customer agreed to the proposed plan
	ActionPlanCancel  = "plan_cancel"  // cancel the proposed or active plan
	ActionWithdraw    = "withdraw"     // the requester withdraws the pending escalation
	ActionApprove     = "approve"      // approve an escalation
	ActionReject      = "reject"       // reject an escalation: opens the reject modal
	ActionPlanPreview = "plan_preview" // an input of the plan modal changed: redraw the schedule

	ActionLogContact     = "log_contact"     // opens the log contact modal
	ActionPromise        = "promise"         // opens the promise to pay modal
	ActionDispute        = "dispute"         // opens the dispute modal
	ActionResolveDispute = "resolve_dispute" // opens the resolve dispute modal
)

// Callback IDs of owed's modals.
const (
	CallbackSnooze   = "snooze_modal"
	CallbackPlan     = "plan_modal"
	CallbackEscalate = "escalate_modal"
	CallbackReject   = "reject_modal"
	CallbackContact  = "contact_modal"
	CallbackPromise  = "promise_modal"
	CallbackDispute  = "dispute_modal"
	CallbackResolve  = "resolve_modal"
)

// Block IDs of modal inputs; response_action errors are keyed by them.
const (
	BlockSnoozeFor       = "snooze_for"    // static_select: 1, 3, 7, 14 days or "date"
	BlockSnoozeUntil     = "snooze_until"  // datepicker
	BlockSnoozeReason    = "snooze_reason" // plain_text_input, optional
	BlockPlanCurrency    = "plan_currency" // static_select, shown when several currencies are overdue
	BlockPlanInstalments = "plan_instalments"
	BlockPlanFrequency   = "plan_frequency"
	BlockPlanFirstDue    = "plan_first_due"
	BlockPlanDownPayment = "plan_down_payment"
	BlockEscalateTarget  = "escalate_target"
	BlockEscalateReason  = "escalate_reason"
	BlockRejectReason    = "reject_reason"     // plain_text_input, optional
	BlockContactChannel  = "contact_channel"   // radio: call, email, meeting, letter, other
	BlockContactOutcome  = "contact_outcome"   // static_select
	BlockContactNotes    = "contact_notes"     // plain_text_input, optional
	BlockContactFollowUp = "contact_follow_up" // datepicker, optional
	BlockPromiseCurrency = "promise_currency"  // static_select, shown when several currencies are overdue
	BlockPromiseAmount   = "promise_amount"    // plain_text_input
	BlockPromiseDate     = "promise_date"      // datepicker
	BlockDisputeInvoices = "dispute_invoices"  // multi_static_select of overdue invoices
	BlockDisputeReason   = "dispute_reason"    // static_select
	BlockDisputeNote     = "dispute_note"      // plain_text_input, optional
	BlockResolveInvoices = "resolve_invoices"  // multi_static_select of disputed invoices
	BlockResolveHow      = "resolve_how"       // radio: pay, credit
	BlockPlanSchedule    = "plan_schedule"     // the schedule preview section
)

// Block IDs of the button rows on messages.
const (
	BlockCaseActions     = "case_actions"     // the lifecycle's alert buttons, in their one order
	BlockApprovalActions = "approval_actions" // Approve, Reject
)

// CaseRef is what a case button carries: the case and the version of it
// the message showed, so that a click on a stale message is recognised.
type CaseRef struct {
	CaseID  int64
	Version int
}

// String encodes the ref as a button value: "case:ID:VERSION".
func (r CaseRef) String() string { return fmt.Sprintf("case:%d:%d", r.CaseID, r.Version) }

// ParseCaseRef decodes a button value or private_metadata written by
// CaseRef.String.
func ParseCaseRef(s string) (CaseRef, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 || parts[0] != "case" {
		return CaseRef{}, fmt.Errorf("not a case reference: %q", s)
	}
	id, err1 := strconv.ParseInt(parts[1], 10, 64)
	v, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || id <= 0 || v < 0 {
		return CaseRef{}, fmt.Errorf("not a case reference: %q", s)
	}
	return CaseRef{CaseID: id, Version: v}, nil
}

// PlanRef is what Customer agreed carries: the case, and the plan its
// message showed, so that a click on an older message never agrees to a
// plan proposed since.
type PlanRef struct {
	CaseID int64
	PlanID int64
}

// String encodes the ref as a button value: "plan:CASE:PLAN".
func (r PlanRef) String() string { return fmt.Sprintf("plan:%d:%d", r.CaseID, r.PlanID) }

// ParsePlanRef decodes a value written by PlanRef.String, or by
// CaseRef.String (a message from before plans were named: any plan).
func ParsePlanRef(s string) (PlanRef, error) {
	if c, err := ParseCaseRef(s); err == nil {
		return PlanRef{CaseID: c.CaseID}, nil
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 || parts[0] != "plan" {
		return PlanRef{}, fmt.Errorf("not a plan reference: %q", s)
	}
	c, err1 := strconv.ParseInt(parts[1], 10, 64)
	p, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || c <= 0 || p <= 0 {
		return PlanRef{}, fmt.Errorf("not a plan reference: %q", s)
	}
	return PlanRef{CaseID: c, PlanID: p}, nil
}

// EscalationRef is what Approve and Reject carry.
type EscalationRef struct {
	EscalationID int64
}

// String encodes the ref as a button value: "escalation:ID".
func (r EscalationRef) String() string { return fmt.Sprintf("escalation:%d", r.EscalationID) }

// ParseEscalationRef decodes a value written by EscalationRef.String.
func ParseEscalationRef(s string) (EscalationRef, error) {
	id, ok := strings.CutPrefix(s, "escalation:")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 {
		return EscalationRef{}, fmt.Errorf("not an escalation reference: %q", s)
	}
	return EscalationRef{EscalationID: n}, nil
}
