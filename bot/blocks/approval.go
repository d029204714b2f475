package blocks

import (
	"fmt"
	"strings"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// ApprovalRequest renders the request for an approver's decision on an
// escalation, posted in the alert's thread and sent to each approver: who
// asked, the target, the reason and what is overdue, with Approve (confirm
// first) and Reject buttons carrying the escalation's ref.
func ApprovalRequest(v collections.CaseView, e collections.Escalation) Message {
	blocks := approvalBlocks(v, e)
	blocks = append(blocks, contextBlock("Only an approver other than "+Mention(e.RequestedBy)+" can decide."))
	ref := EscalationRef{EscalationID: e.ID}.String()
	approve := button(ActionApprove, "Approve", ref)
	approve.Style = slack.StylePrimary
	approve.Confirm = confirm("Approve the escalation?",
		"Escalate "+customerLabel(v.Customer)+" to "+e.Target.Label()+". This is recorded with your name.",
		"Approve", "Not yet")
	reject := button(ActionReject, "Reject", ref)
	reject.Style = slack.StyleDanger
	blocks = append(blocks, slack.NewActionBlock(BlockApprovalActions, approve, reject))
	return message(approvalText(v, e), blocks...)
}

// ApprovalDecided renders an approval request once decided: the same
// request without buttons, saying who approved or rejected it and when.
func ApprovalDecided(v collections.CaseView, e collections.Escalation) Message {
	blocks := approvalBlocks(v, e)
	var outcome, plainOutcome string
	when := ""
	if e.DecidedAt != nil {
		when = " on " + date(*e.DecidedAt)
	}
	switch e.Status {
	case collections.EscalationApproved:
		outcome = "*Approved* by " + Mention(e.DecidedBy) + when + " — escalated to " + e.Target.Label() + "."
		plainOutcome = "approved by " + Mention(e.DecidedBy)
	case collections.EscalationRejected:
		outcome = "*Rejected* by " + Mention(e.DecidedBy) + when + "."
		plainOutcome = "rejected by " + Mention(e.DecidedBy)
	default:
		outcome = "Waiting for an approver."
		plainOutcome = "waiting for an approver"
	}
	blocks = append(blocks, section(outcome))
	return message(approvalText(v, e)+" — "+plainOutcome, blocks...)
}

// approvalBlocks are what a request and its decision share.
func approvalBlocks(v collections.CaseView, e collections.Escalation) []slack.Block {
	ask := fmt.Sprintf("%s asks to escalate %s to *%s*.", Mention(e.RequestedBy), customerLabel(v.Customer), e.Target.Label())
	overdue := "Nothing overdue"
	if o := v.Overdue(); len(o) > 0 {
		overdue = moneyList(o)
	}
	fields := []string{"*Overdue*\n" + overdue, "*Oldest invoice*\n" + days(v.OldestDays) + " overdue"}
	if !e.RequestedAt.IsZero() {
		fields = append(fields, "*Requested*\n"+date(e.RequestedAt))
	}
	reason := strings.TrimSpace(e.Reason)
	if reason == "" {
		reason = "(no reason given)"
	}
	return []slack.Block{
		header("Escalation to " + e.Target.Label()),
		section(ask),
		fieldsSection("", fields...),
		section("*Reason*\n" + quoteBlock(truncate(reason, maxLongReasonRunes))),
	}
}

// approvalText is the plain-text fallback of a request.
func approvalText(v collections.CaseView, e collections.Escalation) string {
	s := fmt.Sprintf("%s asks to escalate %s to %s", Mention(e.RequestedBy), customerText(v.Customer), e.Target.Label())
	if o := v.Overdue(); len(o) > 0 {
		s += " (" + truncate(moneyList(o), 1000) + " overdue)"
	}
	return s
}

// quoteBlock renders user text as a mrkdwn block quote, escaped, one ">"
// per line.
func quoteBlock(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = ">" + Escape(l)
	}
	return strings.Join(lines, "\n")
}
