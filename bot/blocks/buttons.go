package blocks

import (
	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// caseButtons is the row of buttons a case's state allows, each carrying
// the case and the version shown; nil when the state allows none.
//
//	open               Snooze, Payment plan, Escalate
//	snoozed            Payment plan, Escalate, Snooze (to change it)
//	plan_proposed      Customer agreed, Cancel plan
//	plan_active        Cancel plan
//	escalation_pending none (the approval request has Approve / Reject)
//	escalated          none
//	settled            none
func caseButtons(v collections.CaseView) *slack.ActionBlock {
	ref := CaseRef{CaseID: v.Case.ID, Version: v.Case.Version}.String()
	who := plainLabel(v.Customer, maxNameRunes)
	snooze := button(ActionSnooze, "Snooze", ref)
	plan := button(ActionPlan, "Payment plan", ref)
	escalate := button(ActionEscalate, "Escalate", ref)
	cancel := button(ActionPlanCancel, "Cancel plan", ref)
	cancel.Style = slack.StyleDanger
	cancel.Confirm = confirm("Cancel the payment plan?",
		"The payment plan for "+Escape(who)+" will be cancelled and the case reopened. This is recorded with your name.",
		"Cancel plan", "Keep plan")

	var els []slack.BlockElement
	switch v.Case.Status {
	case collections.CaseOpen:
		els = []slack.BlockElement{snooze, plan, escalate}
	case collections.CaseSnoozed:
		els = []slack.BlockElement{plan, escalate, snooze}
	case collections.CasePlanProposed:
		agreed := button(ActionPlanAgreed, "Customer agreed", ref)
		agreed.Style = slack.StylePrimary
		els = []slack.BlockElement{agreed, cancel}
	case collections.CasePlanActive:
		els = []slack.BlockElement{cancel}
	default:
		return nil
	}
	return slack.NewActionBlock(BlockCaseActions, els...)
}
