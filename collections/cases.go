package collections

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CaseStatus is where a collection case stands.
type CaseStatus string

// The statuses of a case. A customer has at most one case that is not
// settled.
const (
	CaseOpen              CaseStatus = "open"               // overdue, being chased
	CaseSnoozed           CaseStatus = "snoozed"            // quiet until SnoozedUntil
	CasePlanProposed      CaseStatus = "plan_proposed"      // a plan waits for the customer's agreement
	CasePlanActive        CaseStatus = "plan_active"        // the customer pays by instalments
	CaseEscalationPending CaseStatus = "escalation_pending" // an approver must decide
	CaseEscalated         CaseStatus = "escalated"          // escalation approved
	CaseSettled           CaseStatus = "settled"            // nothing overdue any more
)

// Quiet reports whether the sweep leaves a case alone: snoozed (until the
// date), on an active plan, or escalated.
func (s CaseStatus) Quiet() bool {
	switch s {
	case CaseSnoozed, CasePlanActive, CaseEscalationPending, CaseEscalated:
		return true
	}
	return false
}

// Case is one customer's collection case and the Slack message showing it.
type Case struct {
	ID           int64
	CustomerID   int64
	Status       CaseStatus
	Stage        int // the alert stage (days overdue) last alerted
	SnoozedUntil *time.Time
	ChannelID    string
	MessageTS    string
	Version      int // bumped by every change; buttons carry it
	OpenedAt     time.Time
	UpdatedAt    time.Time
}

// Describe says where the case stands, in a few words for people:
// "snoozed until 2026-12-01", "on an active payment plan".
func (c Case) Describe() string {
	switch c.Status {
	case CaseSnoozed:
		if c.SnoozedUntil != nil {
			return "snoozed until " + c.SnoozedUntil.Format(DateLayout)
		}
		return "snoozed"
	case CasePlanProposed:
		return "waiting for the customer to agree to a payment plan"
	case CasePlanActive:
		return "on an active payment plan"
	case CaseEscalationPending:
		return "waiting for an approver to decide on an escalation"
	case CaseEscalated:
		return "escalated"
	case CaseSettled:
		return "settled"
	}
	return "open"
}

// DefaultStages are the days overdue that raise an alert stage.
var DefaultStages = []int{1, 7, 14, 30, 60, 90}

// ParseStages parses OWED_STAGES ("1,7,14"): distinct positive days,
// returned in ascending order.
func ParseStages(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, Errorf(EINVALID, "stage %q is not a whole number of days ≥ 1", f)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out, nil
}

// StageFor returns the highest stage that daysOverdue has reached, or 0
// when it has reached none.
func StageFor(daysOverdue int, stages []int) int {
	stage := 0
	for _, s := range stages {
		if daysOverdue >= s {
			stage = s
		}
	}
	return stage
}

// SnoozeChoices are the snooze lengths offered, in days.
var SnoozeChoices = []int{1, 3, 7, 14}

// EscalationTarget is where an escalation sends the debt.
type EscalationTarget string

// The escalation targets.
const (
	TargetFinalNotice     EscalationTarget = "final_notice"
	TargetAgency          EscalationTarget = "collections_agency"
	TargetLegal           EscalationTarget = "legal"
	TargetInternalManager EscalationTarget = "internal_manager"
)

// EscalationTargets lists the targets in the order offered.
var EscalationTargets = []EscalationTarget{TargetFinalNotice, TargetAgency, TargetLegal, TargetInternalManager}

// Label is the target in words: "collections agency".
func (t EscalationTarget) Label() string {
	switch t {
	case TargetFinalNotice:
		return "final notice"
	case TargetAgency:
		return "collections agency"
	case TargetLegal:
		return "legal"
	case TargetInternalManager:
		return "internal manager"
	}
	return string(t)
}

// Valid reports whether t is a known target.
func (t EscalationTarget) Valid() bool {
	for _, x := range EscalationTargets {
		if x == t {
			return true
		}
	}
	return false
}

// EscalationStatus is where an escalation stands.
type EscalationStatus string

// The statuses of an escalation.
const (
	EscalationPending  EscalationStatus = "pending"
	EscalationApproved EscalationStatus = "approved"
	EscalationRejected EscalationStatus = "rejected"
)

// Escalation asks an approver to send a case further.
type Escalation struct {
	ID          int64
	CaseID      int64
	Target      EscalationTarget
	Reason      string
	Status      EscalationStatus
	RequestedBy string // Slack user ID
	DecidedBy   string
	RequestedAt time.Time
	DecidedAt   *time.Time
}

// AuditEntry is one recorded action on a case: who, when, what, details.
type AuditEntry struct {
	ID         int64
	CaseID     int64
	CustomerID int64
	Actor      string // Slack user ID, or "owed" for the bot itself
	Action     string
	Details    map[string]string
	At         time.Time
}

// SystemActor is the audit actor for what owed does by itself.
const SystemActor = "owed"

// CaseView is everything shown about a case: the case, the customer, what
// is overdue, the plan, the escalation and the latest actions.
type CaseView struct {
	Case        Case
	Customer    Customer
	AsOf        time.Time
	Outstanding []Aging       // per currency
	Invoices    []OpenInvoice // overdue invoices, oldest first
	OldestDays  int
	Plan        *Plan
	Escalation  *Escalation
	LastActions []AuditEntry // newest first
}

// Overdue returns the overdue total per currency.
func (v CaseView) Overdue() []Money {
	var out []Money
	for _, a := range v.Outstanding {
		if o := a.Overdue(); o > 0 {
			out = append(out, Money{Minor: o, Currency: a.Currency})
		}
	}
	return out
}

// Actor is who does something: a Slack user.
type Actor struct {
	UserID string
	Name   string
}

// SweepAlert is one alert the sweep posted or would post.
type SweepAlert struct {
	Customer   Customer
	Stage      int
	OldestDays int
	Overdue    []Money
	New        bool // a new case, rather than a later stage of an open one
}

// SweepResult says what a sweep did.
type SweepResult struct {
	AsOf      time.Time
	Alerts    []SweepAlert
	Reopened  int // snoozes that ended
	Settled   int // cases paid in full
	Broken    int // plans broken by a missed instalment
	Completed int // plans paid off
}

// CaseService runs collection cases: the sweep and the actions people take
// from Slack. Every change is recorded in the audit log and queued for
// Slack in the same transaction.
type CaseService interface {
	// Sweep finds customers whose oldest unpaid invoice has crossed a stage
	// and alerts them once per stage; it also ends snoozes, checks plans and
	// settles paid cases. dryRun changes nothing.
	Sweep(ctx context.Context, asOf time.Time, dryRun bool) (SweepResult, error)
	// Review ends snoozes, checks plans and settles paid cases, without
	// raising new stages.
	Review(ctx context.Context, asOf time.Time) (SweepResult, error)
	// FindCaseView returns a case as shown in Slack.
	FindCaseView(ctx context.Context, caseID int64, asOf time.Time) (CaseView, error)
	// FindOpenCaseByCustomer returns the customer's unsettled case, or ENOTFOUND.
	FindOpenCaseByCustomer(ctx context.Context, customerID int64) (Case, error)
	// OpenCase returns the customer's unsettled case, creating one (without
	// an alert stage) when there is none, so that actions can be taken from
	// /owed before the sweep alerts.
	OpenCase(ctx context.Context, customerID int64, channelID string) (Case, error)
	// Snooze quiets a case until a date. version must be the case's current
	// version, else ECONFLICT.
	Snooze(ctx context.Context, a Actor, caseID int64, version int, until time.Time, reason string) (Case, error)
	// ProposePlan records a proposed payment plan.
	ProposePlan(ctx context.Context, a Actor, caseID int64, version int, p PlanProposal) (Case, error)
	// AgreePlan activates the proposed plan.
	AgreePlan(ctx context.Context, a Actor, caseID int64, version int) (Case, error)
	// CancelPlan cancels the proposed or active plan.
	CancelPlan(ctx context.Context, a Actor, caseID int64, version int) (Case, error)
	// Escalate creates a pending escalation.
	Escalate(ctx context.Context, a Actor, caseID int64, version int, target EscalationTarget, reason string) (Escalation, error)
	// DecideEscalation approves or rejects a pending escalation. The caller
	// must have checked that the actor is an approver; the service refuses
	// the requester (four-eyes) and decisions already taken.
	DecideEscalation(ctx context.Context, a Actor, escalationID int64, approve bool) (Escalation, error)
	// FindEscalation returns one escalation.
	FindEscalation(ctx context.Context, id int64) (Escalation, error)
	// History returns a customer's audit trail, newest first.
	History(ctx context.Context, customerID int64, limit int) ([]AuditEntry, error)
}

// Audit actions: AuditEntry.Action values, with the Details keys each sets.
// Amounts in details are formatted for people ("USD 1,234.50") and dates
// are YYYY-MM-DD.
const (
	AuditAlerted             = "alerted"              // stage, oldest_days, overdue
	AuditSnoozed             = "snoozed"              // until, reason
	AuditSnoozeEnded         = "snooze_ended"         // until
	AuditPlanProposed        = "plan_proposed"        // total, instalments, frequency, first_due, down_payment
	AuditPlanAgreed          = "plan_agreed"          //
	AuditPlanCancelled       = "plan_cancelled"       //
	AuditPlanBroken          = "plan_broken"          // missed_due, missed_amount
	AuditPlanCompleted       = "plan_completed"       //
	AuditEscalationRequested = "escalation_requested" // escalation_id, target, reason
	AuditEscalationApproved  = "escalation_approved"  // escalation_id, target, requested_by
	AuditEscalationRejected  = "escalation_rejected"  // escalation_id, target, requested_by
	AuditPaymentReceived     = "payment_received"     // overdue (what is overdue now)
	AuditSettled             = "settled"              //
)
