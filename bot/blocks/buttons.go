package blocks

import (
	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// caseButton is how one of the lifecycle's actions appears as a button.
type caseButton struct {
	actionID string
	label    string
	style    slack.Style
	// value is what the button carries; nil: the case and the version shown.
	value func(v collections.CaseView) string
	// confirm asks before the click is sent; nil: no confirmation.
	confirm func(v collections.CaseView, who string) *slack.ConfirmationBlockObject
}

// caseButtons are the buttons of the lifecycle's actions people take
// from Slack. An alert shows those of collections.AlertButtons its case
// offers; Approve and Reject are on the approval request.
var caseButtons = map[collections.CaseAction]caseButton{
	collections.ActSnooze:      {actionID: ActionSnooze, label: "Snooze"},
	collections.ActProposePlan: {actionID: ActionPlan, label: "Payment plan"},
	collections.ActEscalate:    {actionID: ActionEscalate, label: "Escalate"},
	collections.ActAgreePlan:   {actionID: ActionPlanAgreed, label: "Customer agreed", style: slack.StylePrimary, value: proposedPlanRef},
	collections.ActCancelPlan: {actionID: ActionPlanCancel, label: "Cancel plan", style: slack.StyleDanger,
		confirm: func(v collections.CaseView, who string) *slack.ConfirmationBlockObject {
			return confirm("Cancel the payment plan?",
				"The payment plan for "+Escape(who)+" will be cancelled and the case reopened. This is recorded with your name.",
				"Cancel plan", "Keep plan")
		}},
	collections.ActWithdraw: {actionID: ActionWithdraw, label: "Withdraw escalation",
		value: pendingEscalationRef,
		confirm: func(v collections.CaseView, who string) *slack.ConfirmationBlockObject {
			return confirm("Withdraw the escalation?",
				"The request to escalate "+Escape(who)+" to "+v.Escalation.Target.Label()+
					" will be withdrawn and the case reopened. Only the person who asked can withdraw it.",
				"Withdraw", "Keep it")
		}},
	collections.ActLogContact:     {actionID: ActionLogContact, label: "Log contact"},
	collections.ActPromise:        {actionID: ActionPromise, label: "Promise to pay"},
	collections.ActDispute:        {actionID: ActionDispute, label: "Dispute"},
	collections.ActResolveDispute: {actionID: ActionResolveDispute, label: "Resolve dispute"},
	collections.ActSendReminder:   {actionID: ActionSendReminder, label: "Send reminder"},
	collections.ActApprove:        {actionID: ActionApprove, label: "Approve"},
	collections.ActReject:         {actionID: ActionReject, label: "Reject"},
}

// pendingEscalationRef is what a button on the pending escalation
// carries; "" when there is none.
// proposedPlanRef is the value of Customer agreed: the plan shown.
func proposedPlanRef(v collections.CaseView) string {
	if v.Plan == nil || v.Plan.Status != collections.PlanProposed {
		return ""
	}
	return PlanRef{CaseID: v.Case.ID, PlanID: v.Plan.ID}.String()
}

func pendingEscalationRef(v collections.CaseView) string {
	if v.Escalation == nil || v.Escalation.Status != collections.EscalationPending {
		return ""
	}
	return EscalationRef{EscalationID: v.Escalation.ID}.String()
}

// CaseActionOf returns the lifecycle action a button stands for.
func CaseActionOf(actionID string) (collections.CaseAction, bool) {
	for a, b := range caseButtons {
		if b.actionID == actionID {
			return a, true
		}
	}
	return "", false
}

// alertButtons is the row of buttons of a case: the lifecycle's
// collections.AlertButtons that the case, as shown, offers, always in
// that order. nil when the case offers none.
func alertButtons(v collections.CaseView) *slack.ActionBlock {
	ref := CaseRef{CaseID: v.Case.ID, Version: v.Case.Version}.String()
	who := plainLabel(v.Customer, maxNameRunes)
	var els []slack.BlockElement
	for _, a := range collections.AlertButtons {
		spec, ok := caseButtons[a]
		if !ok || !v.Offers(a) {
			continue
		}
		value := ref
		if spec.value != nil {
			if value = spec.value(v); value == "" {
				continue
			}
		}
		b := button(spec.actionID, spec.label, value)
		b.Style = spec.style
		if spec.confirm != nil {
			b.Confirm = spec.confirm(v, who)
		}
		els = append(els, b)
	}
	if len(els) == 0 {
		return nil
	}
	return slack.NewActionBlock(BlockCaseActions, els...)
}
