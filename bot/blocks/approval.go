package blocks

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// ApprovalRequest renders the request for an approver's decision on an
// escalation, posted in the alert's thread and sent to each approver: who
// asked, the target, the reason and what is overdue, with Approve (confirm
// first) and Reject buttons carrying the escalation's ref.
//
// With nothing overdue any more (what is left is in dispute), there is
// nothing to escalate: the request says so and offers Reject alone,
// until something falls overdue again.
func ApprovalRequest(v collections.CaseView, e collections.Escalation) Message {
	blocks := approvalBlocks(v, e)
	ref := EscalationRef{EscalationID: e.ID}.String()
	reject := button(ActionReject, "Reject", ref)
	reject.Style = slack.StyleDanger
	if len(v.Overdue()) == 0 {
		blocks = append(blocks, contextBlock("Nothing is overdue now, so it cannot be approved unless something falls overdue again."),
			slack.NewActionBlock(BlockApprovalActions, reject))
		return message(approvalText(v, e)+" — nothing overdue now", blocks...)
	}
	blocks = append(blocks, contextBlock("Only an approver other than "+Mention(e.RequestedBy)+" can decide."))
	approve := button(ActionApprove, "Approve", ref)
	approve.Style = slack.StylePrimary
	approve.Confirm = confirm("Approve the escalation?",
		"Escalate "+customerLabel(v.Customer)+" to "+e.Target.Label()+". This is recorded with your name.",
		"Approve", "Not yet")
	blocks = append(blocks, slack.NewActionBlock(BlockApprovalActions, approve, reject))
	return message(approvalText(v, e), blocks...)
}

// ApprovalMessage renders an approval request as escalation e stands: with
// its buttons while it waits for a decision (ApprovalRequest), else
// saying how it ended (ApprovalDecided).
func ApprovalMessage(v collections.CaseView, e collections.Escalation) Message {
	if e.Status == collections.EscalationPending {
		return ApprovalRequest(v, e)
	}
	return ApprovalDecided(v, e)
}

// ApprovalDecided renders an approval request once it needs no decision
// any more: the same request without buttons, saying who approved,
// rejected or withdrew it and when, or that the case ended first.
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
		if n := strings.TrimSpace(e.Note); n != "" {
			outcome += "\n" + quoteBlock(truncate(n, maxLongReasonRunes))
		}
		plainOutcome = "rejected by " + Mention(e.DecidedBy)
	case collections.EscalationWithdrawn:
		outcome = "*Withdrawn* by " + Mention(e.DecidedBy) + when + ": nothing to decide."
		plainOutcome = "withdrawn by " + Mention(e.DecidedBy)
	case collections.EscalationCancelled:
		outcome = "*No decision needed*: the case ended" + when + " — " + endedWords(v) + "."
		plainOutcome = "no decision needed, the case ended"
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
	fields := []string{"*Overdue*\n" + overdue}
	if len(v.Overdue()) > 0 {
		fields = append(fields, "*Oldest invoice*\n"+days(v.OldestDays)+" overdue")
	}
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

// endedWords says how a case ended, for a request that needs no decision.
func endedWords(v collections.CaseView) string {
	switch v.Case.Status {
	case collections.CaseSettled:
		return "settled, paid in full"
	case collections.CaseClosed:
		return "nothing is overdue any more"
	}
	return "nothing is overdue any more"
}

// RejectModal asks an approver for an optional reason before rejecting an
// escalation; the reason is shown in the alert's thread.
func RejectModal(v collections.CaseView, e collections.Escalation) slack.ModalViewRequest {
	reason := slack.NewPlainTextInputBlockElement(plain("e.g. call them once more first"), BlockRejectReason)
	reason.Multiline = true
	reason.MaxLength = maxReasonRunes
	intro := fmt.Sprintf("Reject %s's request to escalate %s to *%s*?", Mention(e.RequestedBy), customerLabel(v.Customer), e.Target.Label())
	m := slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackReject,
		Title:           plain("Reject escalation"),
		Submit:          plain("Reject"),
		Close:           plain("Cancel"),
		PrivateMetadata: EscalationRef{EscalationID: e.ID}.String(),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			section(intro),
			input(BlockRejectReason, "Reason", "Optional. Shown in the alert's thread.", true, reason),
		}},
	}
	return m
}

// ParseReject reads the reason of a submitted reject modal.
func ParseReject(state *slack.ViewState) (string, map[string]string) {
	reason := strings.TrimSpace(typed(state, BlockRejectReason, BlockRejectReason))
	if utf8.RuneCountInString(reason) > maxReasonRunes {
		return "", map[string]string{BlockRejectReason: "Keep the reason under " + strconv.Itoa(maxReasonRunes) + " characters."}
	}
	return reason, nil
}
