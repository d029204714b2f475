package blocks

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// snoozeUntilDate is the snooze select's value for "Until a date…".
const snoozeUntilDate = "date"

// SnoozeModal renders the Snooze modal for a case: how long (1, 3, 7 or
// 14 days, or until a date picked below, which wins) and an optional
// reason. A case already snoozed says until when, and starts with its
// reason.
func SnoozeModal(v collections.CaseView) slack.ModalViewRequest {
	opts := make([]*slack.OptionBlockObject, 0, len(collections.SnoozeChoices)+1)
	for _, n := range collections.SnoozeChoices {
		opts = append(opts, option(strconv.Itoa(n), days(n)))
	}
	opts = append(opts, option(snoozeUntilDate, "Until a date…"))

	length := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("How long"), BlockSnoozeFor, opts...)
	length.InitialOption = findOption(opts, "7")
	until := slack.NewDatePickerBlockElement(BlockSnoozeUntil)
	until.Placeholder = plain("Pick a date")
	reason := slack.NewPlainTextInputBlockElement(plain("e.g. waiting for the customer's purchase order"), BlockSnoozeReason)
	reason.Multiline = true
	reason.MaxLength = maxReasonRunes

	intro := modalIntro(v) + "\nThe case stays quiet until then, then alerts again."
	if v.Case.Status == collections.CaseSnoozed && v.Case.SnoozedUntil != nil {
		intro += "\n" + stateLine(v) + "."
		if s := lastAction(v.LastActions, collections.AuditSnoozed); s != nil {
			reason.InitialValue = truncate(strings.TrimSpace(s.Details.Reason), maxReasonRunes)
		}
	}
	return modal(CallbackSnooze, "Snooze", "Snooze", v,
		section(intro),
		input(BlockSnoozeFor, "Snooze for", "", false, length),
		input(BlockSnoozeUntil, "Until", "A date picked here wins over the length above.", true, until),
		input(BlockSnoozeReason, "Reason", "Optional. Shown on the alert and in the history.", true, reason),
	)
}

// ParseSnooze reads a submitted Snooze modal: the date the snooze ends
// (midnight UTC, after today) and the reason. Problems are keyed by block
// ID, ready for a response_action "errors"; errs is nil when there are none.
func ParseSnooze(state *slack.ViewState, today time.Time) (until time.Time, reason string, errs map[string]string) {
	errs = map[string]string{}
	today = calendarDay(today)
	picked, hasDate := pickedDate(state, BlockSnoozeUntil, BlockSnoozeUntil)
	choice := selected(state, BlockSnoozeFor, BlockSnoozeFor)
	if hasDate {
		choice = snoozeUntilDate // a date picked wins over the length
	}
	switch choice {
	case "":
		errs[BlockSnoozeFor] = "Choose how long to snooze."
	case snoozeUntilDate:
		switch {
		case !hasDate:
			errs[BlockSnoozeUntil] = "Pick the date to snooze until."
		case !picked.After(today):
			errs[BlockSnoozeUntil] = "Pick a date after today."
		case collections.DaysBetween(today, picked) > collections.MaxSnoozeDays:
			errs[BlockSnoozeUntil] = "Pick a date within a year, by " + date(today.AddDate(0, 0, collections.MaxSnoozeDays)) + "."
		default:
			until = picked
		}
	default:
		n, err := strconv.Atoi(choice)
		if err != nil || n < 1 || !validSnoozeLength(n) {
			errs[BlockSnoozeFor] = "Choose one of the lengths offered."
			break
		}
		until = today.AddDate(0, 0, n)
	}
	reason = typed(state, BlockSnoozeReason, BlockSnoozeReason)
	if utf8.RuneCountInString(reason) > maxReasonRunes {
		errs[BlockSnoozeReason] = "Keep the reason under " + strconv.Itoa(maxReasonRunes) + " characters."
	}
	if len(errs) > 0 {
		return time.Time{}, reason, errs
	}
	return until, reason, nil
}

// validSnoozeLength reports whether n days is one of the offered lengths.
func validSnoozeLength(n int) bool {
	for _, c := range collections.SnoozeChoices {
		if c == n {
			return true
		}
	}
	return false
}
