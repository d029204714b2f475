package blocks

import (
	"strconv"
	"unicode/utf8"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// maxEscalateReason is the longest escalation reason accepted.
const maxEscalateReason = maxLongReasonRunes

// EscalateModal renders the Escalate modal for a case: where to send the
// debt (final notice, collections agency, legal, internal manager) and a
// required reason. Submitting it asks an approver to decide.
func EscalateModal(v collections.CaseView) slack.ModalViewRequest {
	opts := make([]*slack.OptionBlockObject, 0, len(collections.EscalationTargets))
	for _, t := range collections.EscalationTargets {
		opts = append(opts, option(string(t), capitalize(t.Label())))
	}
	target := slack.NewRadioButtonsBlockElement(BlockEscalateTarget, opts...)
	reason := slack.NewPlainTextInputBlockElement(plain("What has been tried, and why this should go further"), BlockEscalateReason)
	reason.Multiline = true
	reason.MaxLength = maxEscalateReason
	return modal(CallbackEscalate, "Escalate", "Request approval", v,
		section(modalIntro(v)+"\nAn approver other than you must approve before anything happens."),
		input(BlockEscalateTarget, "Escalate to", "", false, target),
		input(BlockEscalateReason, "Reason", "Approvers see it, and it is kept in the history.", false, reason),
	)
}

// ParseEscalate reads a submitted Escalate modal: the target and the
// reason. Problems are keyed by block ID for a response_action "errors";
// nil when there are none.
func ParseEscalate(state *slack.ViewState) (collections.EscalationTarget, string, map[string]string) {
	errs := map[string]string{}
	target := collections.EscalationTarget(selected(state, BlockEscalateTarget, BlockEscalateTarget))
	if !target.Valid() {
		errs[BlockEscalateTarget] = "Choose where to escalate this."
	}
	reason := typed(state, BlockEscalateReason, BlockEscalateReason)
	switch {
	case reason == "":
		errs[BlockEscalateReason] = "Say why this should be escalated."
	case utf8.RuneCountInString(reason) > maxEscalateReason:
		errs[BlockEscalateReason] = "Keep the reason under " + strconv.Itoa(maxEscalateReason) + " characters."
	}
	if len(errs) > 0 {
		return target, reason, errs
	}
	return target, reason, nil
}
