package collections

import (
	"context"
	"time"
)

// EmailStatus is where an email stands.
type EmailStatus string

// The statuses of an email.
const (
	EmailQueued EmailStatus = "queued" // waiting for its send window, its turn or a retry
	EmailSent   EmailStatus = "sent"   // the server accepted it
	EmailFailed EmailStatus = "failed" // the server refused it for good
	// EmailWithdrawn: not sent, because nothing it spoke of was still
	// true when it was about to leave (WithdrawalOf).
	EmailWithdrawn EmailStatus = "withdrawn"
)

// Withdrawal is why a queued email was withdrawn instead of sent.
type Withdrawal string

// The reasons to withdraw an email.
const (
	WithdrawnPaid           Withdrawal = "paid"             // every invoice it covers was paid
	WithdrawnDisputed       Withdrawal = "disputed"         // every invoice it covers was put in dispute
	WithdrawnPaidOrDisputed Withdrawal = "paid_or_disputed" // each invoice it covers was paid or put in dispute
	WithdrawnFellDue        Withdrawal = "fell_due"         // courtesy: every invoice it covers fell due
	WithdrawnPaidOrFellDue  Withdrawal = "paid_or_fell_due" // courtesy: each invoice it covers was paid or fell due
	// WithdrawnQuiet: owed wrote it itself (auto), and its case went quiet
	// (snoozed, promised, on a plan, escalated…) before it could leave.
	WithdrawnQuiet Withdrawal = "quiet"
)

// CoveredInvoice is where an invoice an email covers stands when the
// email is about to leave.
type CoveredInvoice struct {
	Paid     bool // nothing is left to pay
	Disputed bool // in dispute: out of the chase
	FellDue  bool // its due date has passed (in the customer's time zone)
}

// WithdrawalOf says why an email of a template, covering invoices, is
// no longer true and must not leave, or "" when it may. A courtesy note
// speaks of invoices still to pay and not yet due; the other templates
// of invoices still to pay and not in dispute. It may leave while one of
// its invoices is still so, partly paid or not; an email that covers no
// invoice is left as it is.
func WithdrawalOf(template string, invoices []CoveredInvoice) Withdrawal {
	if len(invoices) == 0 {
		return ""
	}
	courtesy := template == TemplateCourtesy
	paid, other := 0, 0
	for _, inv := range invoices {
		switch {
		case inv.Paid:
			paid++
		case courtesy && !inv.FellDue, !courtesy && !inv.Disputed:
			return "" // still true
		default:
			other++
		}
	}
	switch {
	case other == 0:
		return WithdrawnPaid
	case courtesy && paid == 0:
		return WithdrawnFellDue
	case courtesy:
		return WithdrawnPaidOrFellDue
	case paid == 0:
		return WithdrawnDisputed
	}
	return WithdrawnPaidOrDisputed
}

// Email is one email to a customer, kept for the customer's history.
type Email struct {
	ID         int64
	CustomerID int64
	CaseID     int64 // 0 when the customer had no live case (a courtesy reminder)
	BatchID    int64 // the courtesy reminders it belongs to; 0 for none
	Stage      int   // the alert stage an automatic email went with; 0 for none
	Template   string
	MessageID  string // "<…@…>", the same on every attempt
	From       string
	To         string
	Bcc        string
	Subject    string
	Text       string
	HTML       string
	InvoiceIDs []int64
	SentBy     string // a Slack user ID, or SystemActor
	SendAnyway bool   // sent despite a hold
	// FromTemplate: its subject and message are its template's, untouched
	// by a person. Such an email is written again as it leaves, so that it
	// tells the balances and days overdue of the day it reaches the
	// customer; a message a person wrote goes as they wrote it.
	FromTemplate bool
	SignedBy     string // the person the template signs it with; "" for owed
	Status       EmailStatus
	Attempts     int
	NotBefore    time.Time
	QueuedAt     time.Time
	SentAt       *time.Time
	FailedAt     *time.Time
	Answer       string // the server's last answer
	// WithdrawnAt and Withdrawal: when and why it was withdrawn instead
	// of sent (EmailWithdrawn).
	WithdrawnAt *time.Time
	Withdrawal  Withdrawal
}

// EmailComposer writes emails from the reminder templates.
type EmailComposer interface {
	// Compose renders a template for a customer's invoices as of a date;
	// person is who sends it (empty: owed).
	Compose(template string, c Customer, invoices []OpenInvoice, asOf time.Time, person string) (EmailDraft, error)
	// Envelope returns the From and Bcc of every email and a new Message-ID.
	Envelope() (from, bcc, messageID string)
	// HTMLFromText is the HTML body of a message written as plain text.
	HTMLFromText(text string) string
}

// ReminderRequest is a reminder a person sends from a case's modal.
type ReminderRequest struct {
	To         string
	Template   string
	Subject    string
	Text       string
	InvoiceIDs []int64
	SendAnyway bool
	// AsPrefilled: the subject and message are those the form was
	// prefilled with; the email is the template's, written as of now.
	AsPrefilled bool
}

// ReminderBatch is one sweep's courtesy reminders and the channel message
// that sums them up.
type ReminderBatch struct {
	ID        int64
	Policy    ReminderPolicy
	AsOf      time.Time
	ChannelID string
	MessageTS string
	SentBy    string // who pressed Send all
	SentAt    *time.Time
	Items     []CourtesyItem
}

// MaxBatchReminders is the most courtesy reminders a sweep puts in one
// batch in approve; with more ready at once it makes several, each with
// its own message, Send all and Review. The Review modal lists every one
// of a batch, within Slack's 100 blocks, so that what it sends is what
// the reviewer saw.
const MaxBatchReminders = 90

// CourtesyStatus is where one courtesy reminder stands.
type CourtesyStatus string

// The statuses of a courtesy reminder.
const (
	CourtesyReady   CourtesyStatus = "ready"   // waiting for Send all (approve)
	CourtesyQueued  CourtesyStatus = "queued"  // its email is queued or sent
	CourtesySkipped CourtesyStatus = "skipped" // someone chose Skip
	CourtesyHeld    CourtesyStatus = "held"    // a hold kept it back at Send all
)

// CourtesyItem is one invoice of a batch of courtesy reminders.
type CourtesyItem struct {
	InvoiceID  int64
	Invoice    string // its number
	Customer   Customer
	Balance    Money
	DueOn      time.Time
	Status     CourtesyStatus
	DecidedBy  string
	EmailID    int64
	EmailState EmailStatus // of its email, when queued
	FellDue    bool        // left out at Send all: it had fallen due, so a courtesy email no longer fit
}

// RemindersResult says what a reminders sweep did.
type RemindersResult struct {
	BatchID   int64 // the first batch made; 0 when there were no courtesy reminders to make
	Batches   int   // batches made: more than one when more than MaxBatchReminders are ready (approve)
	Courtesy  int   // invoices reminded (auto) or ready (approve)
	Emails    int   // emails queued
	Held      int   // customers held back by a hold (auto)
	StageMail int   // emails queued with stage alerts (auto)
}

// PlannedReminder is what the reminders step of a sweep would do for one
// customer, as a dry run tells it: queue an email (in approve, make its
// courtesy reminders ready for Send all), or hold it back.
type PlannedReminder struct {
	Customer Customer
	Template string
	To       string
	Invoices []string // the numbers of the invoices it covers
	Stage    int      // the stage whose alert it goes with; 0 for a courtesy reminder
	Ready    bool     // approve: made ready for Send all, not emailed yet
	HeldBack string   // why it would be held back, in words; "" when it would be queued
}

// EmailService keeps and queues the emails to customers. Every email is
// queued in the transaction that decides it, with its audit entry and the
// Slack line that tells it.
type EmailService interface {
	// ReminderFacts returns what the reminder rules look at for a case.
	ReminderFacts(ctx context.Context, caseID int64) (ReminderFacts, error)
	// QueueReminder queues a reminder a person sends from a case, as the
	// reminder rules decide.
	QueueReminder(ctx context.Context, a Actor, caseID int64, r ReminderRequest) (Email, error)
	// SweepReminders makes the courtesy reminders due as of asOf and, in
	// auto, the emails of stage alerts, under the policy.
	SweepReminders(ctx context.Context, asOf time.Time) (RemindersResult, error)
	// FindBatch returns a batch of courtesy reminders.
	FindBatch(ctx context.Context, id int64) (ReminderBatch, error)
	// SendBatch queues the ready courtesy reminders of a batch (Send all).
	SendBatch(ctx context.Context, a Actor, batchID int64) (ReminderBatch, error)
	// SkipCourtesy skips one ready courtesy reminder of a batch.
	SkipCourtesy(ctx context.Context, a Actor, batchID, invoiceID int64) (ReminderBatch, error)
	// SetBatchMessage records the channel message of a batch.
	SetBatchMessage(ctx context.Context, batchID int64, m MessageRef) error
	// CustomerEmails lists a customer's emails, newest first.
	CustomerEmails(ctx context.Context, customerID int64) ([]Email, error)
	// FindEmail returns one email.
	FindEmail(ctx context.Context, id int64) (Email, error)

	// ClaimEmail leases the next email due for sending, or returns nil.
	// An email no longer true (WithdrawalOf) is withdrawn on the way,
	// told in Slack, and the next one looked at.
	ClaimEmail(ctx context.Context, lease time.Duration) (*Email, error)
	// NextEmailDue says how long until the next queued email is due; ok
	// is false when none is queued.
	NextEmailDue(ctx context.Context) (wait time.Duration, ok bool, err error)
	// EmailSent records the server's acceptance.
	EmailSent(ctx context.Context, id int64, answer string) error
	// EmailRetry hands an email out again after a delay.
	EmailRetry(ctx context.Context, id int64, after time.Duration, answer string) error
	// EmailFailed records a refusal for good, and tells it in Slack.
	EmailFailed(ctx context.Context, id int64, answer string) error
}
