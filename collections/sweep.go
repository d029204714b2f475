package collections

import (
	"cmp"
	"iter"
	"slices"
	"sort"
	"strings"
	"time"
)

// OverdueCustomer is a customer's overdue position as of a date.
type OverdueCustomer struct {
	CustomerID int64
	Name, Ref  string  // the customer's, for the alerts the sweep reports
	OldestDays int     // days overdue of the oldest unpaid invoice
	Overdue    []Money // per currency, sorted by code
}

// OverdueText formats overdue amounts for people and for change detection:
// "EUR 10.00 · USD 1,234.50".
func OverdueText(overdue []Money) string {
	parts := make([]string, len(overdue))
	for i, m := range overdue {
		parts[i] = m.String()
	}
	sort.Strings(parts)
	return strings.Join(parts, " · ")
}

// Shown is what a case's message shows of the money: the overdue amount
// (OverdueText) and what is in dispute. The sweep tells a change of
// either (a payment, a credit note, a payment on an invoice in dispute)
// and redraws the message.
type Shown struct {
	Overdue  string
	Disputed *string // OverdueText of the balances in dispute; nil: not kept (a message drawn before it was)
}

// Changed reports whether a message showing s no longer tells what is
// overdue and in dispute. A message whose money was never kept is left
// as it is.
func (s Shown) Changed(overdue, disputed []Money) bool {
	if s.Overdue == "" && s.Disputed == nil {
		return false
	}
	return s.Overdue != OverdueText(overdue) || s.Disputed != nil && *s.Disputed != OverdueText(disputed)
}

// SweepDecisionKind is what the sweep does to one customer's case.
type SweepDecisionKind int

// The sweep's decisions.
const (
	DecideNewCase     SweepDecisionKind = iota // first alert: open a case
	DecideStage                                // an open case crossed a further stage
	DecideSnoozeEnded                          // the snooze is over: alert again
	DecideEnd                                  // nothing overdue today: settle or close the case
	DecidePayment                              // the overdue amount changed: tell it
	DecideFollowUpDue                          // the follow-up date came: alert the owner
)

// SweepDecision is one change the sweep makes.
type SweepDecision struct {
	Kind       SweepDecisionKind
	CustomerID int64
	CaseID     int64 // 0 for DecideNewCase
	Stage      int   // the stage to alert (DecideNewCase, DecideStage, DecideSnoozeEnded)
	Overdue    OverdueCustomer
	Live       OverdueCustomer // what is overdue today (DecidePayment, DecideEnd)
}

// RaisesAlert reports whether the decision brings the case to the
// channel's attention: a new alert, a further stage, a snooze ended.
func (d SweepDecision) RaisesAlert() bool {
	return d.Kind == DecideNewCase || d.Kind == DecideStage || d.Kind == DecideSnoozeEnded || d.Kind == DecideFollowUpDue
}

// SweepInput is what the sweep decides from: the overdue customers as of
// the sweep's date and as of today (the same when the sweep is for
// today), the live cases and what each case's message shows as overdue.
type SweepInput struct {
	AsOf      time.Time
	Overdue   []OverdueCustomer // as of AsOf
	Live      []OverdueCustomer // as of today
	Cases     []Case
	Shown     map[int64]Shown   // case ID → what the message shows
	Disputed  map[int64][]Money // customer ID → its balances in dispute, per currency (none: absent)
	Stages    []int
	NewStages bool // false for the review: no new alerts or stages
}

// SweepDecisions compares the overdue customers with the live cases and
// yields what to do, one decision at a time, ordered by customer, without
// gathering them: the store hands over the overdue customers in customer
// order, and the decisions follow it. Stages are raised as of the sweep's
// date; whether a case has ended, and what it shows, go by today, so that
// a sweep as of a past date never ends a case overdue today.
func SweepDecisions(in SweepInput) iter.Seq[SweepDecision] {
	return func(yield func(SweepDecision) bool) {
		asOf := newOverdueIndex(in.Overdue)
		live := asOf
		same := sameList(in.Live, in.Overdue)
		if !same { // a sweep as of a past date
			live = newOverdueIndex(in.Live)
		}
		var byCase []SweepDecision
		hasCase := make(map[int64]bool, len(in.Cases))
		for _, c := range in.Cases {
			hasCase[c.CustomerID] = true
			if d, ok := DecideCase(in, c, asOf.at(c.CustomerID), live.at(c.CustomerID), in.Shown[c.ID]); ok {
				byCase = append(byCase, d)
			}
		}
		sortByCustomer(byCase)
		if !in.NewStages {
			yieldAll(byCase, yield)
			return
		}
		fresh := func(yield func(SweepDecision) bool) {
			for i := range in.Overdue {
				o := &in.Overdue[i]
				if hasCase[o.CustomerID] {
					continue
				}
				owesToday := o
				if !same {
					j, ok := live.find(o.CustomerID)
					if !ok {
						continue // paid since: nothing to alert
					}
					owesToday = &in.Live[j]
				}
				if stage := StageFor(o.OldestDays, in.Stages); stage > 0 {
					if !yield(SweepDecision{Kind: DecideNewCase, CustomerID: o.CustomerID, Stage: stage, Overdue: *o, Live: *owesToday}) {
						return
					}
				}
			}
		}
		if !asOf.sorted {
			// Decisions in another order are gathered and sorted first.
			all := slices.Collect(iter.Seq[SweepDecision](fresh))
			sortByCustomer(all)
			fresh = func(yield func(SweepDecision) bool) { yieldAll(all, yield) }
		}
		// Merge the two, each in customer order; a case's decision first.
		for d := range fresh {
			for len(byCase) > 0 && byCase[0].CustomerID <= d.CustomerID {
				if !yield(byCase[0]) {
					return
				}
				byCase = byCase[1:]
			}
			if !yield(d) {
				return
			}
		}
		yieldAll(byCase, yield)
	}
}

func yieldAll(ds []SweepDecision, yield func(SweepDecision) bool) {
	for _, d := range ds {
		if !yield(d) {
			return
		}
	}
}

// sortByCustomer orders decisions by customer, keeping the order of each
// customer's.
func sortByCustomer(ds []SweepDecision) {
	byCustomer := func(x, y SweepDecision) int { return cmp.Compare(x.CustomerID, y.CustomerID) }
	if !slices.IsSortedFunc(ds, byCustomer) {
		slices.SortStableFunc(ds, byCustomer)
	}
}

// overdueIndex finds customers in a list of overdue customers: by binary
// search when the list is in strict customer order, as the store hands it
// over, else by a map.
type overdueIndex struct {
	list   []OverdueCustomer
	sorted bool
	pos    map[int64]int // when not sorted
}

func newOverdueIndex(list []OverdueCustomer) overdueIndex {
	x := overdueIndex{list: list, sorted: true}
	for i := 1; i < len(list); i++ {
		if list[i-1].CustomerID >= list[i].CustomerID {
			x.sorted = false
			break
		}
	}
	if !x.sorted {
		x.pos = make(map[int64]int, len(list))
		for i, o := range list {
			x.pos[o.CustomerID] = i
		}
	}
	return x
}

// find returns the position of a customer in the list.
func (x overdueIndex) find(customerID int64) (int, bool) {
	if !x.sorted {
		i, ok := x.pos[customerID]
		return i, ok
	}
	return slices.BinarySearchFunc(x.list, customerID, func(o OverdueCustomer, id int64) int { return cmp.Compare(o.CustomerID, id) })
}

// at returns what a customer owes, the zero value when nothing.
func (x overdueIndex) at(customerID int64) OverdueCustomer {
	if i, ok := x.find(customerID); ok {
		return x.list[i]
	}
	return OverdueCustomer{}
}

// sameList reports whether a and b are the same list, not merely equal.
func sameList(a, b []OverdueCustomer) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// DecideCase decides what the sweep does to one live case, given what
// its customer owes as of the sweep's date and today (zero values when
// nothing is overdue). The store calls it again with the case locked, so
// that a case changed meanwhile is decided on its current state.
func DecideCase(in SweepInput, c Case, asOf, live OverdueCustomer, shown Shown) (SweepDecision, bool) {
	d := SweepDecision{CustomerID: c.CustomerID, CaseID: c.ID, Overdue: asOf, Live: live}
	if c.Status.Terminal() {
		return d, false
	}
	disputed := in.Disputed[c.CustomerID]
	if len(live.Overdue) == 0 && len(disputed) == 0 {
		d.Kind = DecideEnd
		return d, true
	}
	stage := 0
	if len(asOf.Overdue) > 0 {
		stage = StageFor(asOf.OldestDays, in.Stages)
	}
	quietOver := c.SnoozedUntil != nil && !c.SnoozedUntil.After(in.AsOf)
	switch {
	case quietOver && c.Status == CaseSnoozed:
		d.Kind, d.Stage = DecideSnoozeEnded, max(stage, c.Stage)
	case quietOver && c.Status == CaseFollowUp:
		d.Kind, d.Stage = DecideFollowUpDue, max(stage, c.Stage)
	case in.NewStages && !c.Status.Quiet() && stage > c.Stage:
		d.Kind, d.Stage = DecideStage, stage
	case shown.Changed(live.Overdue, disputed):
		d.Kind = DecidePayment
	default:
		return d, false
	}
	return d, true
}
