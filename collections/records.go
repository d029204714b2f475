package collections

import (
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds the records a collector keeps on a case: contacts with
// the customer, promises to pay and disputed invoices.

// ContactChannel is how the customer was contacted.
type ContactChannel string

// The contact channels, in the order offered.
const (
	ContactCall    ContactChannel = "call"
	ContactEmail   ContactChannel = "email"
	ContactMeeting ContactChannel = "meeting"
	ContactLetter  ContactChannel = "letter"
	ContactOther   ContactChannel = "other"
)

// ContactChannels lists the channels in the order offered.
var ContactChannels = []ContactChannel{ContactCall, ContactEmail, ContactMeeting, ContactLetter, ContactOther}

// Label is the channel in words.
func (c ContactChannel) Label() string { return string(c) }

// ContactOutcome is what came of a contact.
type ContactOutcome string

// The contact outcomes, in the order offered.
const (
	OutcomeReached      ContactOutcome = "reached"
	OutcomeLeftMessage  ContactOutcome = "left_message"
	OutcomeNoAnswer     ContactOutcome = "no_answer"
	OutcomePromised     ContactOutcome = "promised"
	OutcomeDisputes     ContactOutcome = "disputes"
	OutcomeWrongContact ContactOutcome = "wrong_contact"
)

// ContactOutcomes lists the outcomes in the order offered.
var ContactOutcomes = []ContactOutcome{OutcomeReached, OutcomeLeftMessage, OutcomeNoAnswer, OutcomePromised, OutcomeDisputes, OutcomeWrongContact}

// Label is the outcome in words: "left a message".
func (o ContactOutcome) Label() string {
	switch o {
	case OutcomeReached:
		return "reached"
	case OutcomeLeftMessage:
		return "left a message"
	case OutcomeNoAnswer:
		return "no answer"
	case OutcomePromised:
		return "promised to pay"
	case OutcomeDisputes:
		return "disputes"
	case OutcomeWrongContact:
		return "wrong contact"
	}
	return string(o)
}

// MaxNoteRunes bounds a note or reason typed by a person.
const MaxNoteRunes = 2000

// Contact is one contact with the customer, as logged.
type Contact struct {
	Channel  ContactChannel `json:"channel"`
	Outcome  ContactOutcome `json:"outcome"`
	Notes    string         `json:"notes,omitempty"`
	FollowUp *Date          `json:"follow_up,omitempty"`
}

// Validate checks a contact against today: problems keyed by field
// ("channel", "outcome", "notes", "follow_up").
func (c Contact) Validate(today time.Time) map[string]string {
	problems := map[string]string{}
	if !oneOf(c.Channel, ContactChannels) {
		problems["channel"] = "Choose how you contacted the customer."
	}
	if !oneOf(c.Outcome, ContactOutcomes) {
		problems["outcome"] = "Choose what came of it."
	}
	if utf8.RuneCountInString(c.Notes) > MaxNoteRunes {
		problems["notes"] = "Keep the notes under 2000 characters."
	}
	if c.FollowUp != nil && !c.FollowUp.After(today) {
		problems["follow_up"] = "Pick a follow-up date after today."
	}
	return problems
}

func oneOf[T comparable](v T, list []T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// PromiseStatus is where a promise to pay stands.
type PromiseStatus string

// The statuses of a promise.
const (
	PromiseOpen     PromiseStatus = "open"
	PromiseKept     PromiseStatus = "kept"
	PromiseBroken   PromiseStatus = "broken"
	PromiseReplaced PromiseStatus = "replaced" // a newer promise, or the case ended
)

// Promise is a customer's promise to pay an amount by a date.
type Promise struct {
	ID     int64
	CaseID int64
	Amount Money
	DueOn  time.Time // the promised date
	MadeBy string    // Slack user ID of who recorded it
	MadeOn time.Time // the business date it was recorded: payments dated from then count
	Status PromiseStatus
	Paid   int64 // paid towards it so far, in Amount's currency
}

// DefaultPromiseGraceDays is how many days after the promised date a
// promise is still kept by a payment.
const DefaultPromiseGraceDays = 2

// ValidatePromise checks a promise's amount and date against today and
// what is overdue: problems keyed by "amount" and "date".
func ValidatePromise(amount Money, due, today time.Time, overdue []Money) map[string]string {
	problems := map[string]string{}
	owed := int64(-1)
	for _, m := range overdue {
		if m.Currency == amount.Currency {
			owed = m.Minor
		}
	}
	switch {
	case amount.Minor <= 0:
		problems["amount"] = "Enter the amount promised."
	case owed < 0:
		problems["amount"] = "Nothing is overdue in " + amount.Currency + "."
	case amount.Minor > owed:
		problems["amount"] = "That is more than the " + Money{owed, amount.Currency}.String() + " overdue."
	}
	if due.IsZero() {
		problems["date"] = "Pick the date the customer promised to pay by."
	} else if due.Before(today) {
		problems["date"] = "The promised date cannot be in the past."
	}
	return problems
}

// CheckPromise tells how a promise stands as of today: kept once the
// payments dated from the day it was made reach the amount, broken once
// graceDays have passed after its date without that.
func CheckPromise(p Promise, today time.Time, graceDays int) PromiseStatus {
	switch {
	case p.Paid >= p.Amount.Minor:
		return PromiseKept
	case DaysBetween(p.DueOn, today) > graceDays:
		return PromiseBroken
	}
	return PromiseOpen
}

// DisputeReason is why an invoice is disputed.
type DisputeReason string

// The dispute reasons, in the order offered.
const (
	DisputePricing     DisputeReason = "pricing"
	DisputeNotReceived DisputeReason = "not_received"
	DisputeQuality     DisputeReason = "quality"
	DisputeDuplicate   DisputeReason = "duplicate"
	DisputeOther       DisputeReason = "other"
)

// DisputeReasons lists the reasons in the order offered.
var DisputeReasons = []DisputeReason{DisputePricing, DisputeNotReceived, DisputeQuality, DisputeDuplicate, DisputeOther}

// DisputeCreditAgreed is why an invoice whose dispute was resolved "we
// will credit it" stays out of the chase, until the ledger changes. It is
// shown in place of the dispute's reason, never picked.
const DisputeCreditAgreed DisputeReason = "credit_agreed"

// Label is the reason in words: "not received".
func (r DisputeReason) Label() string { return strings.ReplaceAll(string(r), "_", " ") }

// Valid reports whether r is a known reason.
func (r DisputeReason) Valid() bool { return oneOf(r, DisputeReasons) }

// DisputeResolution is how a dispute ends.
type DisputeResolution string

// The resolutions.
const (
	// ResolvePay: the customer will pay; the invoice is chased again, days
	// overdue counted from its original due date.
	ResolvePay DisputeResolution = "pay"
	// ResolveCredit: we will credit it; the invoice stays out of the chase
	// until the ledger changes (a credit note lowers it, a payment arrives).
	ResolveCredit DisputeResolution = "credit"
)

// Label is the resolution in words.
func (r DisputeResolution) Label() string {
	if r == ResolveCredit {
		return "we will credit it"
	}
	return "the customer will pay"
}

// Dispute is an invoice a customer disputes.
type Dispute struct {
	ID         int64
	InvoiceID  int64
	Number     string
	Reason     DisputeReason
	Note       string
	OpenedBy   string
	OpenedAt   time.Time
	Resolution DisputeResolution // "" while open
	ResolvedBy string
}

// PromiseInput is what the Promise to pay modal asks for.
type PromiseInput struct {
	Amount Money
	DueOn  time.Time
}

// DisputeInput is what the Dispute modal asks for.
type DisputeInput struct {
	InvoiceIDs []int64
	Reason     DisputeReason
	Note       string
}
