package collections

// This file is the one home of a case's rules: the statuses a case can
// be in, the actions that move it, who may take each, and what each
// status offers. The Slack buttons, the server's checks and the store all
// read these tables; a new action is a row here, a modal and a service
// method.

import "time"

// CaseAction is something done to a case, by a person from Slack or by
// owed itself.
type CaseAction string

// The actions on a case. People take them from Slack; the ones marked
// "owed" are taken by the sweep and the review.
const (
	ActSnooze       CaseAction = "snooze"              // quiet until a date
	ActProposePlan  CaseAction = "propose_plan"        // propose a payment plan
	ActAgreePlan    CaseAction = "agree_plan"          // the customer agreed to the plan
	ActCancelPlan   CaseAction = "cancel_plan"         // cancel the proposed or active plan
	ActEscalate     CaseAction = "escalate"            // ask an approver to escalate
	ActWithdraw     CaseAction = "withdraw_escalation" // the requester takes the request back
	ActApprove      CaseAction = "approve_escalation"  // an approver approves
	ActReject       CaseAction = "reject_escalation"   // an approver rejects
	ActEndSnooze    CaseAction = "end_snooze"          // owed: the snooze date came
	ActBreakPlan    CaseAction = "break_plan"          // owed: an instalment was missed
	ActCompletePlan CaseAction = "complete_plan"       // owed: the plan is paid off
	ActSettle       CaseAction = "settle"              // owed: the overdue invoices are paid in full
	ActClose        CaseAction = "close"               // owed: nothing is overdue any more, though not all was paid

	ActLogContact     CaseAction = "log_contact"     // record a call, email, meeting or letter
	ActFollowUp       CaseAction = "follow_up"       // record a contact with a follow-up date: quiet until then
	ActPromise        CaseAction = "promise"         // the customer promised to pay an amount by a date
	ActDispute        CaseAction = "dispute"         // put overdue invoices in dispute
	ActResolveDispute CaseAction = "resolve_dispute" // end a dispute: the customer will pay, or we credit it
	ActEndFollowUp    CaseAction = "end_follow_up"   // owed: the follow-up date came
	ActKeepPromise    CaseAction = "keep_promise"    // owed: the payments reached the promised amount
	ActBreakPromise   CaseAction = "break_promise"   // owed: the promised date plus grace passed short
	ActSendReminder   CaseAction = "send_reminder"   // email the customer a reminder
)

// Who says who may take an action.
type Who int

// Who may take an action.
const (
	Anyone    Who = iota // any member of the workspace
	Approvers            // an approver who is not the requester (four-eyes)
	Requester            // only the person who asked for the pending escalation
	System               // owed itself, never a click
)

// Guard is a condition an action needs beyond the case's status.
type Guard int

// The guards.
const (
	NoGuard      Guard = iota
	NeedsOverdue       // something must be overdue
	NeedsDispute       // an invoice must be in dispute
)

// Transition is one row of the lifecycle: from a status, an action leads
// to a status, taken by whom, under what condition.
type Transition struct {
	From   CaseStatus
	Action CaseAction
	To     CaseStatus
	Who    Who
	Guard  Guard
}

// statusInfo is what a status means for the sweep and for people.
type statusInfo struct {
	quiet    bool   // the sweep raises no stages
	dated    bool   // quiet until a date (the case's SnoozedUntil)
	terminal bool   // the case is over; the customer's next overdue invoice opens a new one
	words    string // "snoozed", for "it is now …"
}

// statuses is every case status and what it means.
var statuses = map[CaseStatus]statusInfo{
	CaseOpen:              {words: "open"},
	CaseSnoozed:           {quiet: true, dated: true, words: "snoozed"},
	CasePlanProposed:      {words: "waiting for the customer to agree to a payment plan"},
	CasePlanActive:        {quiet: true, words: "on an active payment plan"},
	CaseEscalationPending: {quiet: true, words: "waiting for an approver to decide on an escalation"},
	CaseEscalated:         {quiet: true, words: "escalated"},
	CasePromised:          {quiet: true, words: "waiting for a promised payment"},
	CaseFollowUp:          {quiet: true, dated: true, words: "waiting for a follow-up"},
	CaseSettled:           {terminal: true, words: "settled — paid in full"},
	CaseClosed:            {terminal: true, words: "closed — nothing is overdue any more"},
}

// Lifecycle is every allowed transition. An action not listed for a
// status is refused in that status.
var Lifecycle = []Transition{
	{From: CaseOpen, Action: ActSnooze, To: CaseSnoozed},
	{From: CaseOpen, Action: ActProposePlan, To: CasePlanProposed, Guard: NeedsOverdue},
	{From: CaseOpen, Action: ActEscalate, To: CaseEscalationPending, Guard: NeedsOverdue},

	{From: CaseSnoozed, Action: ActSnooze, To: CaseSnoozed},
	{From: CaseSnoozed, Action: ActProposePlan, To: CasePlanProposed, Guard: NeedsOverdue},
	{From: CaseSnoozed, Action: ActEscalate, To: CaseEscalationPending, Guard: NeedsOverdue},
	{From: CaseSnoozed, Action: ActEndSnooze, To: CaseOpen, Who: System},

	{From: CasePlanProposed, Action: ActAgreePlan, To: CasePlanActive},
	{From: CasePlanProposed, Action: ActCancelPlan, To: CaseOpen},

	{From: CasePlanActive, Action: ActCancelPlan, To: CaseOpen},
	{From: CasePlanActive, Action: ActBreakPlan, To: CaseOpen, Who: System},
	{From: CasePlanActive, Action: ActCompletePlan, To: CaseOpen, Who: System},

	{From: CaseEscalationPending, Action: ActApprove, To: CaseEscalated, Who: Approvers, Guard: NeedsOverdue},
	{From: CaseEscalationPending, Action: ActReject, To: CaseOpen, Who: Approvers},
	{From: CaseEscalationPending, Action: ActWithdraw, To: CaseOpen, Who: Requester},

	{From: CaseOpen, Action: ActPromise, To: CasePromised, Guard: NeedsOverdue},
	{From: CaseSnoozed, Action: ActPromise, To: CasePromised, Guard: NeedsOverdue},
	{From: CaseFollowUp, Action: ActPromise, To: CasePromised, Guard: NeedsOverdue},
	{From: CasePromised, Action: ActPromise, To: CasePromised, Guard: NeedsOverdue},
	{From: CasePromised, Action: ActKeepPromise, To: CaseOpen, Who: System},
	{From: CasePromised, Action: ActBreakPromise, To: CaseOpen, Who: System},

	{From: CaseOpen, Action: ActFollowUp, To: CaseFollowUp},
	{From: CaseSnoozed, Action: ActFollowUp, To: CaseFollowUp},
	{From: CaseFollowUp, Action: ActFollowUp, To: CaseFollowUp},
	{From: CaseFollowUp, Action: ActEndFollowUp, To: CaseOpen, Who: System},
}

// Records are actions that keep a case where it is: a contact logged, an
// invoice disputed or its dispute resolved. Every live status allows them.
var records = []Transition{
	{Action: ActLogContact},
	{Action: ActDispute, Guard: NeedsOverdue},
	{Action: ActResolveDispute, Guard: NeedsDispute},
	// A reminder email: the reminder rules (ReminderHolds) say when it
	// needs a ticked "Send anyway".
	{Action: ActSendReminder},
}

// endings are the transitions every live status has: a case whose
// customer has nothing overdue any more ends, settled or closed.
var endings = []CaseAction{ActSettle, ActClose}

// AlertButtons are the actions an alert offers as buttons, in the one
// order they always keep; each is shown when the case's status allows it.
var AlertButtons = []CaseAction{ActSnooze, ActProposePlan, ActEscalate, ActAgreePlan, ActCancelPlan, ActWithdraw,
	ActLogContact, ActPromise, ActDispute, ActResolveDispute, ActSendReminder}

// Quiet reports whether the sweep leaves a case in this status alone: no
// stage alerts while snoozed, on an active plan, or escalated.
func (s CaseStatus) Quiet() bool { return statuses[s].quiet }

// Dated reports whether a case in this status is quiet until a date.
func (s CaseStatus) Dated() bool { return statuses[s].dated }

// Terminal reports whether a case in this status is over.
func (s CaseStatus) Terminal() bool { return statuses[s].terminal }

// Known reports whether s is a status of the lifecycle.
func (s CaseStatus) Known() bool { _, ok := statuses[s]; return ok }

// TransitionFor returns the transition an action takes from a status.
func TransitionFor(from CaseStatus, a CaseAction) (Transition, bool) {
	if !from.Terminal() {
		for _, e := range endings {
			if a == e {
				to := CaseSettled
				if a == ActClose {
					to = CaseClosed
				}
				return Transition{From: from, Action: a, To: to, Who: System}, true
			}
		}
	}
	for _, t := range Lifecycle {
		if t.From == from && t.Action == a {
			return t, true
		}
	}
	if from.Known() && !from.Terminal() {
		for _, t := range records {
			if t.Action == a {
				t.From, t.To = from, from
				return t, true
			}
		}
	}
	return Transition{}, false
}

// Offers reports whether a case in this status offers an action to
// people (as a button or a command).
func (s CaseStatus) Offers(a CaseAction) bool {
	t, ok := TransitionFor(s, a)
	return ok && t.Who != System
}

// CaseFacts is what the lifecycle looks at besides the status: what is
// overdue now (disputed invoices aside), whether an invoice is in
// dispute, and the case's pending escalation.
type CaseFacts struct {
	Case       Case
	Customer   string  // the customer's name, for the words of a refusal
	Overdue    []Money // overdue now, per currency
	Disputed   bool    // an invoice of the customer is in dispute
	Escalation *Escalation
}

// Facts are the lifecycle's facts of a case as shown: its pending
// escalation, what is overdue.
func (v CaseView) Facts() CaseFacts {
	f := CaseFacts{Case: v.Case, Customer: v.Customer.Name, Overdue: v.Overdue(), Disputed: len(v.Disputed) > 0}
	if e := v.Escalation; e != nil && e.Status == EscalationPending {
		f.Escalation = e
	}
	return f
}

// Offers reports whether a case, as shown, offers an action to people:
// its status allows it and its guard holds (Escalate needs something
// overdue). Who may take it is checked when it is taken.
func (v CaseView) Offers(a CaseAction) bool {
	t, ok := TransitionFor(v.Case.Status, a)
	f := v.Facts()
	return ok && t.Who != System && (t.Guard != NeedsOverdue || len(f.Overdue) > 0) && (t.Guard != NeedsDispute || f.Disputed)
}

// Decision is the lifecycle's answer to an action: the transition to
// make, or Repeat when the action was already done by the same person
// (a double click): nothing to change, and nothing to refuse.
type Decision struct {
	Transition
	Repeat bool
}

// DecideDated is Decide for an action that carries a date (until): a
// snooze to the very date the case is already snoozed until, by the same
// person (a form sent twice), changes nothing, so it is a repeat.
func DecideDated(f CaseFacts, a CaseAction, actor Actor, until *time.Time) (Decision, error) {
	d, err := Decide(f, a, actor)
	c := f.Case
	if err == nil && !d.Repeat && a == ActSnooze && c.Status == CaseSnoozed && c.LastAction == ActSnooze &&
		actor.UserID != "" && c.LastActor == actor.UserID && until != nil && c.SnoozedUntil != nil && DaysBetween(*c.SnoozedUntil, *until) == 0 {
		d.Repeat = true
	}
	return d, err
}

// Decide applies the lifecycle to an action on a case: whether the
// status allows it (whatever version of the message the click came
// from), whether the actor may take it and whether its guard holds. For
// the decisions on an escalation, f.Escalation is the one clicked. A
// refusal is an *Error whose message says why, in words for the actor.
func Decide(f CaseFacts, a CaseAction, actor Actor) (Decision, error) {
	c := f.Case
	if e := f.Escalation; e != nil && onEscalation(a) && e.Status != EscalationPending {
		if e.DecidedBy == actor.UserID && e.Status == escalationOutcome[a] {
			return Decision{Transition: Transition{From: c.Status, Action: a, To: c.Status}, Repeat: true}, nil
		}
		return Decision{}, Errorf(ECONFLICT, "This escalation was already %s.", e.Outcome())
	}
	t, ok := TransitionFor(c.Status, a)
	if !ok {
		if c.LastAction == a && c.LastActor == actor.UserID && actor.UserID != "" && !c.Status.Terminal() {
			return Decision{Transition: Transition{From: c.Status, Action: a, To: c.Status}, Repeat: true}, nil
		}
		return Decision{}, Changed(f.Customer, c)
	}
	if onEscalation(a) && f.Escalation == nil {
		return Decision{}, Changed(f.Customer, c)
	}
	switch t.Who {
	case System:
		if actor.UserID != SystemActor {
			return Decision{}, Changed(f.Customer, c)
		}
	case Approvers:
		if !actor.Approver {
			return Decision{}, ErrNotApprover
		}
		if f.Escalation.RequestedBy == actor.UserID {
			return Decision{}, Errorf(EUNAUTHORIZED, "You asked for this escalation, so someone else must decide (four-eyes rule).")
		}
	case Requester:
		if f.Escalation.RequestedBy != actor.UserID {
			return Decision{}, Errorf(EUNAUTHORIZED, "Only <@%s>, who asked for this escalation, can withdraw it.", f.Escalation.RequestedBy)
		}
	}
	switch {
	case t.Guard == NeedsOverdue && len(f.Overdue) == 0:
		return Decision{}, Errorf(ECONFLICT, "%s has nothing overdue, so there is nothing to %s.", nameOr(f.Customer), guardWords[a])
	case t.Guard == NeedsDispute && !f.Disputed:
		return Decision{}, Errorf(ECONFLICT, "%s has no invoice in dispute.", nameOr(f.Customer))
	}
	return Decision{Transition: t}, nil
}

// guardWords name what an action would do, for a refusal.
var guardWords = map[CaseAction]string{
	ActEscalate:    "escalate",
	ActApprove:     "escalate",
	ActProposePlan: "put on a plan",
	ActPromise:     "promise",
	ActDispute:     "dispute",
}

// ErrNotApprover refuses an escalation decision to someone who is not an
// approver; the Slack layer answers it by naming the approvers.
var ErrNotApprover = Errorf(EUNAUTHORIZED, "Only an approver can decide on an escalation.")

// escalationOutcome is the escalation status each decision leads to.
var escalationOutcome = map[CaseAction]EscalationStatus{
	ActApprove:  EscalationApproved,
	ActReject:   EscalationRejected,
	ActWithdraw: EscalationWithdrawn,
}

// onEscalation reports whether an action decides the pending escalation.
func onEscalation(a CaseAction) bool {
	_, ok := escalationOutcome[a]
	return ok
}

// EscalationOutcome is the escalation status a decision leads to.
func EscalationOutcome(a CaseAction) EscalationStatus { return escalationOutcome[a] }

// Changed is the one refusal for an action the case's current status no
// longer allows: it says what the case is now.
func Changed(customer string, c Case) *Error {
	return Errorf(ECONFLICT, "This case has changed since that message was shown: %s is now %s.", nameOr(customer), c.Describe())
}

func nameOr(customer string) string {
	if customer == "" {
		return "the customer"
	}
	return customer
}
