package blocks

import (
	"strings"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// Input elements of the snooze and escalation modals use their block ID as
// action ID; the plan modal's inputs all use ActionPlanPreview (see
// PlanModal). Parse functions read state by block ID and accept any action
// ID within the block.

// modal builds a modal view carrying the case's ref in private_metadata.
func modal(callbackID, title, submit string, v collections.CaseView, blocks ...slack.Block) slack.ModalViewRequest {
	if len(blocks) > MaxModalBlocks {
		blocks = blocks[:MaxModalBlocks]
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callbackID,
		Title:           plain(truncate(title, MaxModalTitle)),
		Submit:          plain(truncate(submit, MaxModalTitle)),
		Close:           plain("Cancel"),
		PrivateMetadata: CaseRef{CaseID: v.Case.ID, Version: v.Case.Version}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// input is an input block.
func input(blockID, label, hint string, optional bool, el slack.BlockElement) *slack.InputBlock {
	var h *slack.TextBlockObject
	if hint != "" {
		h = plain(hint)
	}
	b := slack.NewInputBlock(blockID, plain(label), h, el)
	b.Optional = optional
	return b
}

// option is a select or radio option.
func option(value, label string) *slack.OptionBlockObject {
	return &slack.OptionBlockObject{Text: plain(truncate(label, MaxOptionText)), Value: value}
}

// findOption returns the option with the given value, or nil.
func findOption(opts []*slack.OptionBlockObject, value string) *slack.OptionBlockObject {
	for _, o := range opts {
		if o.Value == value {
			return o
		}
	}
	return nil
}

// modalIntro is the line at the top of a case's modal: the customer and
// what is overdue.
func modalIntro(v collections.CaseView) string {
	s := customerLabel(v.Customer)
	if o := v.Overdue(); len(o) > 0 {
		s += " owes *" + clipMrkdwn(moneyList(o), 1500) + "* overdue, the oldest invoice " + days(v.OldestDays) + " overdue."
	} else {
		s += " has nothing overdue."
	}
	return s
}

// stateValue returns the state of the element in an input block: the
// action with actionID, or the block's only action whatever its ID.
func stateValue(state *slack.ViewState, blockID, actionID string) (slack.BlockAction, bool) {
	if state == nil {
		return slack.BlockAction{}, false
	}
	actions, ok := state.Values[blockID]
	if !ok || len(actions) == 0 {
		return slack.BlockAction{}, false
	}
	if a, ok := actions[actionID]; ok {
		return a, true
	}
	for _, a := range actions {
		return a, true
	}
	return slack.BlockAction{}, false
}

// selected returns the value of the option picked in a select or radio
// group, or typed into a text or number input.
// hasInput reports whether a submitted form had the input block: Slack
// sends every input block of the form in its state, filled in or not.
func hasInput(state *slack.ViewState, blockID string) bool {
	if state == nil {
		return false
	}
	_, ok := state.Values[blockID]
	return ok
}

// overdueChanged refuses a form drawn for one currency when more are
// overdue now: what it would record could be in the wrong one.
const overdueChanged = "What is overdue has changed since this form was opened (it is now in several currencies): close it and open it again."

func selected(state *slack.ViewState, blockID, actionID string) string {
	a, ok := stateValue(state, blockID, actionID)
	if !ok {
		return ""
	}
	if a.SelectedOption.Value != "" {
		return a.SelectedOption.Value
	}
	return strings.TrimSpace(a.Value)
}

// typed returns the text typed into an input, trimmed.
func typed(state *slack.ViewState, blockID, actionID string) string {
	a, _ := stateValue(state, blockID, actionID)
	return strings.TrimSpace(a.Value)
}

// pickedDate returns the date picked in a datepicker, as midnight UTC;
// ok is false when none was picked (or Slack sent something else).
func pickedDate(state *slack.ViewState, blockID, actionID string) (time.Time, bool) {
	a, found := stateValue(state, blockID, actionID)
	if !found || strings.TrimSpace(a.SelectedDate) == "" {
		return time.Time{}, false
	}
	t, err := collections.ParseDate(a.SelectedDate)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// calendarDay returns t's calendar date as midnight UTC, the way owed
// represents dates.
func calendarDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
