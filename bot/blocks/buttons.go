package blocks

import (
	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// caseButtons is the row of buttons of a case: the lifecycle's
// collections.AlertButtons that the case, as shown, offers, always in
// that order. Each carries the case and the version shown (Withdraw
// carries the pending escalation). nil when the case offers none.
func caseButtons(v collections.CaseView) *slack.ActionBlock {
	var els []slack.BlockElement
	for _, a := range collections.AlertButtons {
		if !v.Offers(a) {
			continue
		}
		if b := caseButton(v, a); b != nil {
			els = append(els, b)
		}
	}
	if len(els) == 0 {
		return nil
	}
	return slack.NewActionBlock(BlockCaseActions, els...)
}

// caseButton renders the button of one lifecycle action on a case.
func caseButton(v collections.CaseView, a collections.CaseAction) *slack.ButtonBlockElement {
	ref := CaseRef{CaseID: v.Case.ID, Version: v.Case.Version}.String()
	who := plainLabel(v.Customer, maxNameRunes)
	switch a {
	case collections.ActSnooze:
		return button(ActionSnooze, "Snooze", ref)
	case collections.ActProposePlan:
		return button(ActionPlan, "Payment plan", ref)
	case collections.ActEscalate:
		return button(ActionEscalate, "Escalate", ref)
	case collections.ActAgreePlan:
		b := button(ActionPlanAgreed, "Customer agreed", ref)
		b.Style = slack.StylePrimary
		return b
	case collections.ActCancelPlan:
		b := button(ActionPlanCancel, "Cancel plan", ref)
		b.Style = slack.StyleDanger
		b.Confirm = confirm("Cancel the payment plan?",
			"The payment plan for "+Escape(who)+" will be cancelled and the case reopened. This is recorded with your name.",
			"Cancel plan", "Keep plan")
		return b
	case collections.ActWithdraw:
		if v.Escalation == nil || v.Escalation.Status != collections.EscalationPending {
			return nil
		}
		b := button(ActionWithdraw, "Withdraw escalation", EscalationRef{EscalationID: v.Escalation.ID}.String())
		b.Confirm = confirm("Withdraw the escalation?",
			"The request to escalate "+Escape(who)+" to "+v.Escalation.Target.Label()+" will be withdrawn and the case reopened. Only the person who asked can withdraw it.",
			"Withdraw", "Keep it")
		return b
	}
	return nil
}
