package collections

import (
	"sort"
	"strings"
	"time"
)

// OverdueCustomer is a customer's overdue position as of a date.
type OverdueCustomer struct {
	CustomerID int64
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
	DecideSettled                              // nothing overdue any more
	DecidePayment                              // the overdue amount went down
)

// SweepDecision is one change the sweep makes.
type SweepDecision struct {
	Kind       SweepDecisionKind
	CustomerID int64
	CaseID     int64 // 0 for DecideNewCase
	Stage      int   // the stage to alert (DecideNewCase, DecideStage, DecideSnoozeEnded)
	Overdue    OverdueCustomer
}

// DecideSweep compares the overdue customers with the unsettled cases and
// returns what to do, ordered by customer. Cases that are quiet (snoozed
// until later, on an active plan, escalated) get no stage alerts; every
// case whose customer owes nothing overdue is settled; a case whose overdue
// amount changed is refreshed.
func DecideSweep(overdue []OverdueCustomer, cases []Case, overdueShown map[int64]string, stages []int, asOf time.Time, newStages bool) []SweepDecision {
	byCustomer := make(map[int64]OverdueCustomer, len(overdue))
	for _, o := range overdue {
		byCustomer[o.CustomerID] = o
	}
	var out []SweepDecision
	hasCase := make(map[int64]bool, len(cases))
	for _, c := range cases {
		hasCase[c.CustomerID] = true
		o, owes := byCustomer[c.CustomerID]
		if !owes {
			out = append(out, SweepDecision{Kind: DecideSettled, CustomerID: c.CustomerID, CaseID: c.ID})
			continue
		}
		stage := StageFor(o.OldestDays, stages)
		snoozeOver := c.Status == CaseSnoozed && c.SnoozedUntil != nil && !c.SnoozedUntil.After(asOf)
		switch {
		case snoozeOver:
			out = append(out, SweepDecision{Kind: DecideSnoozeEnded, CustomerID: c.CustomerID, CaseID: c.ID, Stage: max(stage, c.Stage), Overdue: o})
		case newStages && !c.Status.Quiet() && stage > c.Stage:
			out = append(out, SweepDecision{Kind: DecideStage, CustomerID: c.CustomerID, CaseID: c.ID, Stage: stage, Overdue: o})
		case overdueShown[c.ID] != "" && overdueShown[c.ID] != OverdueText(o.Overdue):
			out = append(out, SweepDecision{Kind: DecidePayment, CustomerID: c.CustomerID, CaseID: c.ID, Overdue: o})
		}
	}
	if newStages {
		for _, o := range overdue {
			if hasCase[o.CustomerID] {
				continue
			}
			if stage := StageFor(o.OldestDays, stages); stage > 0 {
				out = append(out, SweepDecision{Kind: DecideNewCase, CustomerID: o.CustomerID, Stage: stage, Overdue: o})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CustomerID < out[j].CustomerID })
	return out
}
