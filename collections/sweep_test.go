package collections_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
)

func TestOverdueText(t *testing.T) {
	tests := []struct {
		name    string
		overdue []collections.Money
		want    string
	}{
		{"NothingIsEmpty", nil, ""},
		{"OneCurrency", []collections.Money{{Minor: 1234_50, Currency: "USD"}}, "USD 1,234.50"},
		{"YenHasNoDecimals", []collections.Money{{Minor: 120000, Currency: "JPY"}}, "JPY 120,000"},
		{"CurrenciesInCodeOrder", []collections.Money{{Minor: 1234_50, Currency: "USD"}, {Minor: 10_00, Currency: "EUR"}}, "EUR 10.00 · USD 1,234.50"},
		{"ThreeCurrenciesInCodeOrder", []collections.Money{
			{Minor: 5_00, Currency: "USD"},
			{Minor: 1_250, Currency: "BHD"},
			{Minor: 7_000, Currency: "JPY"},
		}, "BHD 1.250 · JPY 7,000 · USD 5.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collections.OverdueText(tt.overdue); got != tt.want {
				t.Fatalf("OverdueText(%v) = %q, want %q", tt.overdue, got, tt.want)
			}
		})
	}
}

func TestOverdueText_SameAmountsSameTextWhateverTheOrder(t *testing.T) {
	// The text is used to detect changes: order must not count as one.
	a := []collections.Money{{Minor: 10_00, Currency: "EUR"}, {Minor: 20_00, Currency: "USD"}}
	b := []collections.Money{{Minor: 20_00, Currency: "USD"}, {Minor: 10_00, Currency: "EUR"}}
	if ta, tb := collections.OverdueText(a), collections.OverdueText(b); ta != tb {
		t.Fatalf("OverdueText differs by order: %q vs %q", ta, tb)
	}
	if collections.OverdueText(a) == collections.OverdueText([]collections.Money{{Minor: 10_00, Currency: "EUR"}, {Minor: 19_99, Currency: "USD"}}) {
		t.Fatal("OverdueText is the same for different amounts")
	}
}

func usd(minor int64) []collections.Money {
	return []collections.Money{{Minor: minor, Currency: "USD"}}
}

func owing(customerID int64, oldestDays int, minor int64) collections.OverdueCustomer {
	return collections.OverdueCustomer{CustomerID: customerID, OldestDays: oldestDays, Overdue: usd(minor)}
}

func TestSweepDecisions(t *testing.T) {
	asOf := day(2027, time.March, 10)
	later := day(2027, time.March, 20)
	yesterday := day(2027, time.March, 9)
	stages := collections.DefaultStages

	const (
		newCase     = collections.DecideNewCase
		stage       = collections.DecideStage
		snoozeEnded = collections.DecideSnoozeEnded
		settled     = collections.DecideEnd
		payment     = collections.DecidePayment
	)
	tests := []struct {
		name      string
		overdue   []collections.OverdueCustomer
		live      []collections.OverdueCustomer // as of today; nil: the same as overdue
		cases     []collections.Case
		shown     map[int64]string // what each message shows overdue; nothing in dispute
		shownBoth map[int64]collections.Shown
		disputed  map[int64][]collections.Money
		newStages bool
		want      []collections.SweepDecision
	}{
		{
			name:      "NewOverdueCustomerPastTheFirstStageOpensACaseAtItsStage",
			overdue:   []collections.OverdueCustomer{owing(1, 20, 500_00)},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: newCase, CustomerID: 1, Stage: 14, Overdue: owing(1, 20, 500_00)}},
		},
		{
			name:      "NewCustomerOneDayOverdueIsAtTheFirstStage",
			overdue:   []collections.OverdueCustomer{owing(1, 1, 500_00)},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: newCase, CustomerID: 1, Stage: 1, Overdue: owing(1, 1, 500_00)}},
		},
		{
			name:      "NewCustomerYearsOverdueIsAtTheLastStage",
			overdue:   []collections.OverdueCustomer{owing(1, 400, 500_00)},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: newCase, CustomerID: 1, Stage: 90, Overdue: owing(1, 400, 500_00)}},
		},
		{
			name:      "NewCustomerBelowTheFirstStageGetsNothing",
			overdue:   []collections.OverdueCustomer{owing(1, 0, 500_00)},
			newStages: true,
		},
		{
			name:      "OpenCaseCrossingAHigherStageAlertsThatStage",
			overdue:   []collections.OverdueCustomer{owing(1, 14, 500_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 7}},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: stage, CustomerID: 1, CaseID: 10, Stage: 14, Overdue: owing(1, 14, 500_00)}},
		},
		{
			name:      "OpenCaseSkippingStagesAlertsTheHighestReached",
			overdue:   []collections.OverdueCustomer{owing(1, 65, 500_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 1}},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: stage, CustomerID: 1, CaseID: 10, Stage: 60, Overdue: owing(1, 65, 500_00)}},
		},
		{
			name:      "CaseOpenedWithoutAStageGetsItsFirstStage",
			overdue:   []collections.OverdueCustomer{owing(1, 8, 500_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 0}},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: stage, CustomerID: 1, CaseID: 10, Stage: 7, Overdue: owing(1, 8, 500_00)}},
		},
		{
			name:      "OpenCaseAtTheSameStageGetsNothing",
			overdue:   []collections.OverdueCustomer{owing(1, 29, 500_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 14}},
			shown:     map[int64]string{10: "USD 500.00"},
			newStages: true,
		},
		{
			name:      "OpenCaseBelowItsStageAfterAPaymentIsNotAlertedLower",
			overdue:   []collections.OverdueCustomer{owing(1, 3, 200_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 30}},
			shown:     map[int64]string{10: "USD 200.00"},
			newStages: true,
		},
		{
			name:      "ProposedPlanIsNotQuiet",
			overdue:   []collections.OverdueCustomer{owing(1, 30, 500_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CasePlanProposed, Stage: 14}},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: stage, CustomerID: 1, CaseID: 10, Stage: 30, Overdue: owing(1, 30, 500_00)}},
		},
		{
			name:      "SnoozedUntilLaterGetsNoStage",
			overdue:   []collections.OverdueCustomer{owing(1, 40, 500_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseSnoozed, Stage: 7, SnoozedUntil: &later}},
			newStages: true,
		},
		{
			name:      "ActivePlanGetsNoStage",
			overdue:   []collections.OverdueCustomer{owing(1, 40, 500_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CasePlanActive, Stage: 7}},
			newStages: true,
		},
		{
			name:      "PendingEscalationGetsNoStage",
			overdue:   []collections.OverdueCustomer{owing(1, 40, 500_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseEscalationPending, Stage: 7}},
			newStages: true,
		},
		{
			name:      "EscalatedGetsNoStage",
			overdue:   []collections.OverdueCustomer{owing(1, 40, 500_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseEscalated, Stage: 7}},
			newStages: true,
		},
		{
			name:      "SnoozeEndingTodayAlertsAgainAtTheStageReached",
			overdue:   []collections.OverdueCustomer{owing(1, 40, 500_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseSnoozed, Stage: 7, SnoozedUntil: &asOf}},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: snoozeEnded, CustomerID: 1, CaseID: 10, Stage: 30, Overdue: owing(1, 40, 500_00)}},
		},
		{
			name:      "SnoozeThatEndedYesterdayKeepsTheCaseStageWhenHigher",
			overdue:   []collections.OverdueCustomer{owing(1, 10, 200_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseSnoozed, Stage: 30, SnoozedUntil: &yesterday}},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: snoozeEnded, CustomerID: 1, CaseID: 10, Stage: 30, Overdue: owing(1, 10, 200_00)}},
		},
		{
			name:      "SnoozeEndingWinsOverAPaymentChange",
			overdue:   []collections.OverdueCustomer{owing(1, 40, 300_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseSnoozed, Stage: 7, SnoozedUntil: &asOf}},
			shown:     map[int64]string{10: "USD 500.00"},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: snoozeEnded, CustomerID: 1, CaseID: 10, Stage: 30, Overdue: owing(1, 40, 300_00)}},
		},
		{
			name:      "CaseOfACustomerWhoOwesNothingOverdueIsSettled",
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 30}},
			shown:     map[int64]string{10: "USD 500.00"},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: settled, CustomerID: 1, CaseID: 10}},
		},
		{
			name: "QuietCasesAreSettledToo",
			cases: []collections.Case{
				{ID: 10, CustomerID: 1, Status: collections.CaseSnoozed, Stage: 7, SnoozedUntil: &later},
				{ID: 20, CustomerID: 2, Status: collections.CasePlanActive, Stage: 7},
				{ID: 30, CustomerID: 3, Status: collections.CaseEscalationPending, Stage: 7},
				{ID: 40, CustomerID: 4, Status: collections.CaseEscalated, Stage: 7},
			},
			newStages: true,
			want: []collections.SweepDecision{
				{Kind: settled, CustomerID: 1, CaseID: 10},
				{Kind: settled, CustomerID: 2, CaseID: 20},
				{Kind: settled, CustomerID: 3, CaseID: 30},
				{Kind: settled, CustomerID: 4, CaseID: 40},
			},
		},
		{
			name:      "ChangedOverdueAmountRefreshesTheCase",
			overdue:   []collections.OverdueCustomer{owing(1, 20, 300_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 14}},
			shown:     map[int64]string{10: "USD 500.00"},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: payment, CustomerID: 1, CaseID: 10, Overdue: owing(1, 20, 300_00)}},
		},
		{
			name:      "ChangedOverdueAmountRefreshesAQuietCase",
			overdue:   []collections.OverdueCustomer{owing(1, 40, 300_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CasePlanActive, Stage: 14}},
			shown:     map[int64]string{10: "USD 500.00"},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: payment, CustomerID: 1, CaseID: 10, Overdue: owing(1, 40, 300_00)}},
		},
		{
			name:      "UnchangedOverdueAmountIsNotAPayment",
			overdue:   []collections.OverdueCustomer{owing(1, 20, 500_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 14}},
			shown:     map[int64]string{10: "USD 500.00"},
			newStages: true,
		},
		{
			name:      "NothingShownYetIsNotAPayment",
			overdue:   []collections.OverdueCustomer{owing(1, 20, 300_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 14}},
			shown:     map[int64]string{10: ""},
			newStages: true,
		},
		{
			// A payment on an invoice in dispute: the overdue amount is as
			// it was, what is in dispute is less.
			name:      "APaymentOnAnInvoiceInDisputeIsTold",
			overdue:   []collections.OverdueCustomer{owing(1, 20, 300_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 14}},
			shownBoth: map[int64]collections.Shown{10: {Overdue: "USD 300.00", Disputed: ptr("USD 500.00")}},
			disputed:  map[int64][]collections.Money{1: usd(200_00)},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: payment, CustomerID: 1, CaseID: 10, Overdue: owing(1, 20, 300_00)}},
		},
		{
			// Everything was in dispute, a credit agreed; the credit note
			// came for less, and the rest is owed again.
			name:      "SomethingOverdueAgainAfterEverythingWasInDisputeIsTold",
			overdue:   []collections.OverdueCustomer{owing(1, 20, 1000_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 14}},
			shownBoth: map[int64]collections.Shown{10: {Overdue: "", Disputed: ptr("USD 6,732.00")}},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: payment, CustomerID: 1, CaseID: 10, Overdue: owing(1, 20, 1000_00)}},
		},
		{
			name:      "WhatIsInDisputeUnchangedIsNothingToTell",
			overdue:   []collections.OverdueCustomer{owing(1, 20, 300_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 14}},
			shownBoth: map[int64]collections.Shown{10: {Overdue: "USD 300.00", Disputed: ptr("USD 200.00")}},
			disputed:  map[int64][]collections.Money{1: usd(200_00)},
			newStages: true,
		},
		{
			// Drawn before owed kept what a message shows in dispute.
			name:      "ADisputedPartNotKeptIsNotCompared",
			overdue:   []collections.OverdueCustomer{owing(1, 20, 300_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 14}},
			shownBoth: map[int64]collections.Shown{10: {Overdue: "USD 300.00"}},
			disputed:  map[int64][]collections.Money{1: usd(200_00)},
			newStages: true,
		},
		{
			name:      "ShownAmountOfAnotherCaseIsNotAPayment",
			overdue:   []collections.OverdueCustomer{owing(1, 20, 300_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 14}},
			shown:     map[int64]string{11: "USD 500.00"},
			newStages: true,
		},
		{
			name:      "NewStageWinsOverAPaymentChange",
			overdue:   []collections.OverdueCustomer{owing(1, 30, 300_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 14}},
			shown:     map[int64]string{10: "USD 500.00"},
			newStages: true,
			want:      []collections.SweepDecision{{Kind: stage, CustomerID: 1, CaseID: 10, Stage: 30, Overdue: owing(1, 30, 300_00)}},
		},
		{
			name: "ReviewRaisesNoNewCasesNorStagesButSettlesRefreshesAndEndsSnoozes",
			overdue: []collections.OverdueCustomer{
				owing(1, 20, 500_00), // new customer: no case in a review
				owing(2, 40, 500_00), // open case at 14 crossed 30: no stage in a review
				owing(3, 40, 300_00), // open case at 30, paid down
				owing(5, 40, 500_00), // snooze over
			},
			cases: []collections.Case{
				{ID: 20, CustomerID: 2, Status: collections.CaseOpen, Stage: 14},
				{ID: 30, CustomerID: 3, Status: collections.CaseOpen, Stage: 30},
				{ID: 40, CustomerID: 4, Status: collections.CaseOpen, Stage: 30},
				{ID: 50, CustomerID: 5, Status: collections.CaseSnoozed, Stage: 7, SnoozedUntil: &yesterday},
			},
			shown: map[int64]string{20: "USD 500.00", 30: "USD 500.00", 40: "USD 500.00", 50: "USD 500.00"},
			want: []collections.SweepDecision{
				{Kind: payment, CustomerID: 3, CaseID: 30, Overdue: owing(3, 40, 300_00)},
				{Kind: settled, CustomerID: 4, CaseID: 40},
				{Kind: snoozeEnded, CustomerID: 5, CaseID: 50, Stage: 30, Overdue: owing(5, 40, 500_00)},
			},
		},
		{
			name:      "BackdatedSweepNeverEndsACaseOverdueToday",
			overdue:   nil, // nothing overdue as of the sweep's date
			live:      []collections.OverdueCustomer{owing(1, 40, 500_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 30}},
			shown:     map[int64]string{10: "USD 500.00"},
			newStages: true,
		},
		{
			name:      "BackdatedSweepRaisesTheStageDueThenAndEndsWhatIsPaidToday",
			overdue:   []collections.OverdueCustomer{owing(1, 8, 500_00), owing(2, 20, 100_00)},
			live:      []collections.OverdueCustomer{owing(1, 40, 500_00)},
			cases:     []collections.Case{{ID: 10, CustomerID: 1, Status: collections.CaseOpen, Stage: 1}, {ID: 20, CustomerID: 2, Status: collections.CaseOpen, Stage: 14}},
			shown:     map[int64]string{10: "USD 500.00", 20: "USD 100.00"},
			newStages: true,
			want: []collections.SweepDecision{
				{Kind: stage, CustomerID: 1, CaseID: 10, Stage: 7, Overdue: owing(1, 8, 500_00)},
				{Kind: settled, CustomerID: 2, CaseID: 20, Overdue: owing(2, 20, 100_00)},
			},
		},
		{
			name:      "BackdatedSweepOpensNoCaseForACustomerWhoHasPaidSince",
			overdue:   []collections.OverdueCustomer{owing(1, 20, 500_00)},
			live:      []collections.OverdueCustomer{},
			newStages: true,
		},
		{
			name: "DecisionsAreOrderedByCustomer",
			overdue: []collections.OverdueCustomer{
				owing(9, 7, 100_00),
				owing(2, 30, 100_00),
				owing(5, 1, 100_00),
			},
			cases: []collections.Case{
				{ID: 70, CustomerID: 7, Status: collections.CaseOpen, Stage: 1},
				{ID: 20, CustomerID: 2, Status: collections.CaseOpen, Stage: 14},
				{ID: 30, CustomerID: 3, Status: collections.CaseEscalated, Stage: 90},
			},
			newStages: true,
			want: []collections.SweepDecision{
				{Kind: stage, CustomerID: 2, CaseID: 20, Stage: 30, Overdue: owing(2, 30, 100_00)},
				{Kind: settled, CustomerID: 3, CaseID: 30},
				{Kind: newCase, CustomerID: 5, Stage: 1, Overdue: owing(5, 1, 100_00)},
				{Kind: settled, CustomerID: 7, CaseID: 70},
				{Kind: newCase, CustomerID: 9, Stage: 7, Overdue: owing(9, 7, 100_00)},
			},
		},
	}
	// The same decisions whether the lists come in customer order or not,
	// and whether today's list is the sweep's own or an equal copy.
	reversed := func(l []collections.OverdueCustomer) []collections.OverdueCustomer {
		if l == nil {
			return nil
		}
		out := slices.Clone(l)
		slices.Reverse(out)
		return out
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range []struct {
				name          string
				overdue, live func() []collections.OverdueCustomer
			}{
				{"AsHandedOver", func() []collections.OverdueCustomer { return tt.overdue }, func() []collections.OverdueCustomer { return tt.live }},
				{"LiveCopied", func() []collections.OverdueCustomer { return tt.overdue }, func() []collections.OverdueCustomer {
					if tt.live == nil {
						return slices.Clone(tt.overdue)
					}
					return slices.Clone(tt.live)
				}},
				{"OutOfOrder", func() []collections.OverdueCustomer { return reversed(tt.overdue) }, func() []collections.OverdueCustomer { return reversed(tt.live) }},
			} {
				overdue, live := v.overdue(), v.live()
				if live == nil {
					live = overdue
				}
				shown := maps.Clone(tt.shownBoth)
				if shown == nil {
					shown = map[int64]collections.Shown{}
				}
				for id, text := range tt.shown {
					shown[id] = collections.Shown{Overdue: text}
					if text != "" {
						shown[id] = collections.Shown{Overdue: text, Disputed: new(string)}
					}
				}
				in := collections.SweepInput{AsOf: asOf, Overdue: overdue, Live: live, Cases: tt.cases,
					Shown: shown, Disputed: tt.disputed, Stages: stages, NewStages: tt.newStages}
				got := slices.Collect(collections.SweepDecisions(in))
				if a, b := formatDecisions(got), formatDecisions(tt.want); a != b {
					t.Fatalf("%s: SweepDecisions:\n got  %s\n want %s", v.name, a, b)
				}
				var first []collections.SweepDecision
				for d := range collections.SweepDecisions(in) {
					first = append(first, d)
					break
				}
				if len(got) > 0 && (len(first) != 1 || formatDecisions(first) != formatDecisions(got[:1])) {
					t.Errorf("%s: SweepDecisions stopped after one: %s", v.name, formatDecisions(first))
				}
			}
		})
	}
}

func TestSweepDecisions_UsesTheConfiguredStages(t *testing.T) {
	asOf := day(2027, time.March, 10)
	stages, err := collections.ParseStages("10,45")
	if err != nil {
		t.Fatal(err)
	}
	overdue := []collections.OverdueCustomer{owing(1, 9, 100_00), owing(2, 10, 100_00), owing(3, 50, 100_00)}
	cases := []collections.Case{{ID: 30, CustomerID: 3, Status: collections.CaseOpen, Stage: 10}}
	got := slices.Collect(collections.SweepDecisions(collections.SweepInput{AsOf: asOf, Overdue: overdue, Live: overdue, Cases: cases, Stages: stages, NewStages: true}))
	want := []collections.SweepDecision{
		{Kind: collections.DecideNewCase, CustomerID: 2, Stage: 10, Overdue: owing(2, 10, 100_00)},
		{Kind: collections.DecideStage, CustomerID: 3, CaseID: 30, Stage: 45, Overdue: owing(3, 50, 100_00)},
	}
	if a, b := formatDecisions(got), formatDecisions(want); a != b {
		t.Fatalf("SweepDecisions:\n got  %s\n want %s", a, b)
	}
}

// formatDecisions shows decisions in full, one per line, so that a
// mismatch is easy to read and nil equals empty.
func formatDecisions(ds []collections.SweepDecision) string {
	kinds := map[collections.SweepDecisionKind]string{
		collections.DecideNewCase:     "new-case",
		collections.DecideStage:       "stage",
		collections.DecideSnoozeEnded: "snooze-ended",
		collections.DecideEnd:         "end",
		collections.DecidePayment:     "payment",
	}
	if len(ds) == 0 {
		return "(none)"
	}
	lines := make([]string, len(ds))
	for i, d := range ds {
		kind, ok := kinds[d.Kind]
		if !ok {
			kind = fmt.Sprintf("kind(%d)", d.Kind)
		}
		lines[i] = fmt.Sprintf("%s customer=%d case=%d stage=%d overdue={customer=%d oldest=%d %s}",
			kind, d.CustomerID, d.CaseID, d.Stage, d.Overdue.CustomerID, d.Overdue.OldestDays, collections.OverdueText(d.Overdue.Overdue))
	}
	return "\n   " + strings.Join(lines, "\n   ")
}
