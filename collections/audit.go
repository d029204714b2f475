package collections

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Audit actions: AuditEntry.Action values. Each sets the AuditDetails
// fields listed beside it.
const (
	AuditAlerted             = "alerted"              // Stage, OldestDays, Overdue
	AuditSnoozed             = "snoozed"              // Until, Reason
	AuditSnoozeEnded         = "snooze_ended"         // Until
	AuditPlanProposed        = "plan_proposed"        // Plan
	AuditPlanAgreed          = "plan_agreed"          //
	AuditPlanCancelled       = "plan_cancelled"       //
	AuditPlanBroken          = "plan_broken"          // Missed
	AuditPlanCompleted       = "plan_completed"       //
	AuditEscalationRequested = "escalation_requested" // EscalationID, Target, Reason
	AuditEscalationApproved  = "escalation_approved"  // EscalationID, Target, RequestedBy
	AuditEscalationRejected  = "escalation_rejected"  // EscalationID, Target, RequestedBy, Reason (optional)
	AuditEscalationWithdrawn = "escalation_withdrawn" // EscalationID, Target
	AuditEscalationCancelled = "escalation_cancelled" // EscalationID, Target (the case ended first)
	AuditPaymentReceived     = "payment_received"     // Paid, Overdue (what is overdue now)
	AuditSettled             = "settled"              //
	AuditClosed              = "closed"               // Overdue is empty; Outstanding is what is still owed, not yet due
	AuditContactLogged       = "contact_logged"       // Contact
	AuditFollowUpDue         = "follow_up_due"        // Until (the follow-up date)
	AuditPromised            = "promised"             // Promised, PromisedBy
	AuditPromiseKept         = "promise_kept"         // Promised, PromisedBy, Paid
	AuditPromiseBroken       = "promise_broken"       // Promised, PromisedBy, Paid
	AuditDisputed            = "disputed"             // Invoices, DisputeReason, Reason (the note)
	AuditDisputeResolved     = "dispute_resolved"     // Invoices, Resolution
	AuditReminderEmailed     = "reminder_emailed"     // EmailID, To, Template, Invoices, SendAnyway and Holds (when sent despite them)
	AuditEmailDelivered      = "email_delivered"      // EmailID, To, Answer
	AuditEmailFailed         = "email_failed"         // EmailID, To, Answer
	AuditEmailWithdrawn      = "email_withdrawn"      // EmailID, To, Template, Reason (a Withdrawal)
)

// AuditDetails are the facts an audit entry records, as typed values:
// amounts in minor units, dates as dates. Words for people are made from
// them only when shown.
type AuditDetails struct {
	Stage        int              `json:"stage,omitempty"`
	OldestDays   int              `json:"oldest_days,omitempty"`
	Overdue      []Money          `json:"overdue,omitempty"`
	Paid         []Money          `json:"paid,omitempty"`
	Outstanding  []Money          `json:"outstanding,omitempty"`
	Until        *Date            `json:"until,omitempty"`
	Reason       string           `json:"reason,omitempty"`
	Plan         *PlanProposal    `json:"plan,omitempty"`
	Missed       *Money           `json:"missed,omitempty"`
	MissedDue    *Date            `json:"missed_due,omitempty"`
	EscalationID int64            `json:"escalation_id,omitempty"`
	Target       EscalationTarget `json:"target,omitempty"`
	RequestedBy  string           `json:"requested_by,omitempty"`

	Contact       *Contact          `json:"contact,omitempty"`
	Promised      *Money            `json:"promised,omitempty"`
	PromisedBy    *Date             `json:"promised_by,omitempty"`
	Invoices      []string          `json:"invoices,omitempty"` // invoice numbers
	DisputeReason DisputeReason     `json:"dispute_reason,omitempty"`
	Resolution    DisputeResolution `json:"resolution,omitempty"`
	Customer      string            `json:"customer,omitempty"` // the customer's name, for "Follow up with … today"
	Owner         string            `json:"owner,omitempty"`    // the account owner to mention
	EmailID       int64             `json:"email_id,omitempty"`
	To            string            `json:"to,omitempty"`
	Template      string            `json:"template,omitempty"`
	SendAnyway    bool              `json:"send_anyway,omitempty"`
	Holds         []HoldKind        `json:"holds,omitempty"`
	Answer        string            `json:"answer,omitempty"`
}

// DecodeAuditDetails reads the details stored with an audit entry. Any
// field it does not know, or a value of the wrong type, is an error: a
// record that cannot be read is never shown as if it were empty.
func DecodeAuditDetails(b []byte) (AuditDetails, error) {
	var d AuditDetails
	if len(bytes.TrimSpace(b)) == 0 {
		return d, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return AuditDetails{}, fmt.Errorf("audit details %s: %w", truncateBytes(b, 200), err)
	}
	return d, nil
}

func truncateBytes(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// Date is a calendar date (midnight UTC), written "YYYY-MM-DD" in JSON.
type Date struct{ time.Time }

// DateOf returns t's calendar date as a *Date.
func DateOf(t time.Time) *Date {
	return &Date{time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}

// String is the date as YYYY-MM-DD.
func (d Date) String() string { return d.Format(DateLayout) }

// MarshalJSON writes "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.Format(DateLayout)) }

// UnmarshalJSON reads "YYYY-MM-DD".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return fmt.Errorf("%q is not a YYYY-MM-DD date", s)
	}
	d.Time = t
	return nil
}
