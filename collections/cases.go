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
// over (settled or closed). What each allows is the Lifecycle table.
const (
	CaseOpen              CaseStatus = "open"               // overdue, being chased
	CaseSnoozed           CaseStatus = "snoozed"            // quiet until SnoozedUntil
	CasePlanProposed      CaseStatus = "plan_proposed"      // a plan waits for the customer's agreement
	CasePlanActive        CaseStatus = "plan_active"        // the customer pays by instalments
	CaseEscalationPending CaseStatus = "escalation_pending" // an approver must decide
	CaseEscalated         CaseStatus = "escalated"          // escalation approved
	CaseSettled           CaseStatus = "settled"            // the overdue invoices were paid in full
	CaseClosed            CaseStatus = "closed"             // nothing overdue any more, though not all of it was paid
	CasePromised          CaseStatus = "promised"           // the customer promised to pay by a date: quiet until then plus grace
	CaseFollowUp          CaseStatus = "follow_up"          // a contact's follow-up date: quiet until then
)

// Case is one customer's collection case and the Slack message showing it.
type Case struct {
	ID           int64
	CustomerID   int64
	Status       CaseStatus
	Stage        int        // the alert stage (days overdue) last alerted
	SnoozedUntil *time.Time // quiet until: the snooze's end, the follow-up date
	ChannelID    string
	MessageTS    string
	Version      int        // bumped by every change
	LastAction   CaseAction // the last action that changed the status
	LastActor    string     // who took it
	OpenedAt     time.Time
	UpdatedAt    time.Time
}

// Describe says where the case stands, in a few words for people:
// "snoozed until 2026-12-01", "on an active payment plan".
func (c Case) Describe() string {
	if c.SnoozedUntil != nil {
		switch c.Status {
		case CaseSnoozed:
			return "snoozed until " + c.SnoozedUntil.Format(DateLayout)
		case CaseFollowUp:
			return "waiting for a follow-up on " + c.SnoozedUntil.Format(DateLayout)
		}
	}
	if info, ok := statuses[c.Status]; ok {
		return info.words
	}
	return string(c.Status)
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

// MaxSnoozeDays is the longest a case may be snoozed until a date: a
// year. A later date is most often a typo (2062 for 2026), which would
// keep the case quiet for good.
const MaxSnoozeDays = 366

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
	EscalationPending   EscalationStatus = "pending"
	EscalationApproved  EscalationStatus = "approved"
	EscalationRejected  EscalationStatus = "rejected"
	EscalationWithdrawn EscalationStatus = "withdrawn" // by the requester
	EscalationCancelled EscalationStatus = "cancelled" // the case ended before a decision
)

// Escalation asks an approver to send a case further.
type Escalation struct {
	ID          int64
	CaseID      int64
	Target      EscalationTarget
	Reason      string
	Status      EscalationStatus
	RequestedBy string // Slack user ID
	DecidedBy   string // who approved, rejected or withdrew it
	Note        string // the reason given with a rejection
	RequestedAt time.Time
	DecidedAt   *time.Time
}

// Outcome says how a decided escalation ended, for "This escalation was
// already …": "approved by <@U1>".
func (e Escalation) Outcome() string {
	switch e.Status {
	case EscalationApproved, EscalationRejected:
		return string(e.Status) + " by <@" + e.DecidedBy + ">"
	case EscalationWithdrawn:
		return "withdrawn by <@" + e.DecidedBy + ">"
	case EscalationCancelled:
		return "cancelled: the case ended before a decision"
	}
	return string(e.Status)
}

// AuditEntry is one recorded action on a case: who, when, what, details.
type AuditEntry struct {
	ID         int64
	CaseID     int64
	CustomerID int64
	Actor      string // Slack user ID, or "owed" for the bot itself
	Action     string
	Details    AuditDetails
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
	Invoices    []OpenInvoice // overdue invoices not in dispute, oldest first
	Disputed    []OpenInvoice // invoices in dispute, oldest first
	OldestDays  int           // of the overdue invoices not in dispute
	Plan        *Plan
	Promise     *Promise // the open promise, else the latest
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

// Actor is who does something: a Slack user, or owed itself
// (SystemActor). Approver is set by the caller that checked the user
// against the configured approvers.
type Actor struct {
	UserID   string
	Name     string
	Approver bool
	// Form names the form the action was submitted with (a Slack view
	// id) when the action is to be taken once per form: a contact, a
	// promise, an email. A second submission of the same form takes no
	// effect and is no error. It is recorded with the action's own
	// effect, so that a form whose action did not take effect may be
	// sent again.
	Form string
}

// OwedActor is owed acting by itself.
var OwedActor = Actor{UserID: SystemActor}

// SweepAlert is one alert the sweep posted or would post.
type SweepAlert struct {
	Customer   Customer
	Stage      int
	OldestDays int
	Overdue    []Money
	New        bool              // a new case, rather than a later stage of an open one
	Why        SweepDecisionKind // what raised it: a new case, a stage, a snooze or follow-up that ended
}

// SweepResult says what a sweep did.
type SweepResult struct {
	AsOf      time.Time
	Alerts    []SweepAlert
	Reopened  int // snoozes that ended
	Settled   int // cases paid in full
	Closed    int // cases with nothing overdue any more, not paid in full
	Broken    int // plans broken by a missed instalment
	Completed int // plans paid off
	Payments  int // cases whose overdue amount went down

	PromisesKept   int
	PromisesBroken int
	FollowUps      int // follow-up dates that came
}

// CaseService runs collection cases: the sweep and the actions people take
// from Slack. Every change is decided by the Lifecycle, recorded in the
// audit log and queued for Slack in the same transaction. An action the
// lifecycle refuses returns an *Error saying why; a repeat of one's own
// action (a double click) changes nothing and is no error.
type CaseService interface {
	// Sweep finds customers whose oldest unpaid invoice has crossed a stage
	// as of asOf and alerts them once per stage; it also ends snoozes,
	// checks plans and ends the cases with nothing overdue today. A sweep
	// as of a past date never ends a case that is overdue today. dryRun
	// changes nothing.
	Sweep(ctx context.Context, asOf time.Time, dryRun bool) (SweepResult, error)
	// Review ends snoozes, checks plans, tells payments and ends the cases
	// with nothing overdue, without raising new stages.
	Review(ctx context.Context, asOf time.Time) (SweepResult, error)
	// FindCaseView returns a case as shown in Slack.
	FindCaseView(ctx context.Context, caseID int64, asOf time.Time) (CaseView, error)
	// FindCaseViews returns cases as shown in Slack, by id, read together;
	// a case that does not exist is left out.
	FindCaseViews(ctx context.Context, caseIDs []int64, asOf time.Time) (map[int64]CaseView, error)
	// FindOpenCaseByCustomer returns the customer's live case, or ENOTFOUND.
	FindOpenCaseByCustomer(ctx context.Context, customerID int64) (Case, error)
	// OpenCase returns the customer's live case, creating one (without an
	// alert stage) when there is none, so that actions can be taken from
	// /owed before the sweep alerts.
	OpenCase(ctx context.Context, customerID int64, channelID string) (Case, error)
	// Snooze quiets a case until a date.
	Snooze(ctx context.Context, a Actor, caseID int64, until time.Time, reason string) (Case, error)
	// ProposePlan records a proposed payment plan.
	ProposePlan(ctx context.Context, a Actor, caseID int64, p PlanProposal) (Case, error)
	// AgreePlan activates the proposed plan: planID, or (0) whichever
	// is proposed. A planID no longer proposed is refused.
	AgreePlan(ctx context.Context, a Actor, caseID, planID int64) (Case, error)
	// CancelPlan cancels the proposed or active plan.
	CancelPlan(ctx context.Context, a Actor, caseID int64) (Case, error)
	// Escalate creates a pending escalation.
	Escalate(ctx context.Context, a Actor, caseID int64, target EscalationTarget, reason string) (Escalation, error)
	// DecideEscalation approves, rejects (with an optional note) or
	// withdraws a pending escalation: ActApprove, ActReject, ActWithdraw.
	// A refused decision returns the escalation as it is, when it exists,
	// with the error.
	DecideEscalation(ctx context.Context, a Actor, escalationID int64, action CaseAction, note string) (Escalation, error)
	// FindEscalation returns one escalation.
	FindEscalation(ctx context.Context, id int64) (Escalation, error)
	// LogContact records a contact with the customer. With a follow-up
	// date the case is quiet until then; with the outcome "promised to
	// pay" and a promise, the promise is recorded too (see Promise).
	LogContact(ctx context.Context, a Actor, caseID int64, c Contact, promise *PromiseInput) (Case, error)
	// Promise records a promise to pay: the case is quiet until its date
	// plus the grace days, then kept or broken by the payments.
	Promise(ctx context.Context, a Actor, caseID int64, p PromiseInput) (Case, error)
	// Dispute puts overdue invoices of the case's customer in dispute.
	Dispute(ctx context.Context, a Actor, caseID int64, d DisputeInput) (Case, error)
	// ResolveDispute ends the disputes of invoices of the case's customer.
	ResolveDispute(ctx context.Context, a Actor, caseID int64, invoiceIDs []int64, how DisputeResolution) (Case, error)
	// History returns a customer's audit trail, newest first.
	History(ctx context.Context, customerID int64, limit int) ([]AuditEntry, error)
	// CountHistory returns how many entries a customer's audit trail has.
	CountHistory(ctx context.Context, customerID int64) (int, error)
}
