package collections

import (
	"cmp"
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
	Shown     map[int64]string // case ID → OverdueText the message shows
	Disputed  map[int64]bool   // customers with an invoice in dispute
	Stages    []int
	NewStages bool // false for the review: no new alerts or stages
}

// DecideSweep compares the overdue customers with the live cases and
// returns what to do, ordered by customer. Stages are raised as of the
// sweep's date; whether a case has ended, and what it shows, go by today,
// so that a sweep as of a past date never ends a case overdue today.
func DecideSweep(in SweepInput) []SweepDecision {
	asOf := index(in.Overdue)
	live := index(in.Live)
	at := func(list []OverdueCustomer, idx map[int64]int, customerID int64) OverdueCustomer {
		if i, ok := idx[customerID]; ok {
			return list[i]
		}
		return OverdueCustomer{}
	}
	var byCase []SweepDecision
	hasCase := make(map[int64]bool, len(in.Cases))
	for _, c := range in.Cases {
		hasCase[c.CustomerID] = true
		if d, ok := DecideCase(in, c, at(in.Overdue, asOf, c.CustomerID), at(in.Live, live, c.CustomerID), in.Shown[c.ID]); ok {
			byCase = append(byCase, d)
		}
	}
	var fresh []SweepDecision
	if in.NewStages {
		fresh = make([]SweepDecision, 0, len(in.Overdue))
		for i := range in.Overdue {
			o := &in.Overdue[i]
			if hasCase[o.CustomerID] {
				continue
			}
			j, owesToday := live[o.CustomerID]
			if !owesToday {
				continue // paid since: nothing to alert
			}
			if stage := StageFor(o.OldestDays, in.Stages); stage > 0 {
				fresh = append(fresh, SweepDecision{Kind: DecideNewCase, CustomerID: o.CustomerID, Stage: stage, Overdue: *o, Live: in.Live[j]})
			}
		}
	}
	return mergeByCustomer(byCase, fresh)
}

// index maps each customer to its position in list.
func index(list []OverdueCustomer) map[int64]int {
	m := make(map[int64]int, len(list))
	for i, o := range list {
		m[o.CustomerID] = i
	}
	return m
}

// mergeByCustomer merges two lists of decisions into one ordered by
// customer. The store hands both over in customer order, so this is a
// merge; lists in another order are sorted first.
func mergeByCustomer(a, b []SweepDecision) []SweepDecision {
	byCustomer := func(x, y SweepDecision) int { return cmp.Compare(x.CustomerID, y.CustomerID) }
	for _, l := range [][]SweepDecision{a, b} {
		if !slices.IsSortedFunc(l, byCustomer) {
			slices.SortStableFunc(l, byCustomer)
		}
	}
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := make([]SweepDecision, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if b[0].CustomerID < a[0].CustomerID {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// DecideCase decides what the sweep does to one live case, given what
// its customer owes as of the sweep's date and today (zero values when
// nothing is overdue). The store calls it again with the case locked, so
// that a case changed meanwhile is decided on its current state.
func DecideCase(in SweepInput, c Case, asOf, live OverdueCustomer, shown string) (SweepDecision, bool) {
	d := SweepDecision{CustomerID: c.CustomerID, CaseID: c.ID, Overdue: asOf, Live: live}
	if c.Status.Terminal() {
		return d, false
	}
	if len(live.Overdue) == 0 && !in.Disputed[c.CustomerID] {
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
	case shown != "" && shown != OverdueText(live.Overdue):
		d.Kind = DecidePayment
	default:
		return d, false
	}
	return d, true
}
