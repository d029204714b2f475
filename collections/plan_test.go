package collections_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
)

func TestPlanProposalValidate(t *testing.T) {
	today := day(2027, time.March, 10)
	valid := collections.PlanProposal{
		Currency:    "USD",
		Total:       100_00,
		Instalments: 3,
		Frequency:   collections.Monthly,
		FirstDueOn:  day(2027, time.April, 1),
	}
	tests := []struct {
		name     string
		change   func(p *collections.PlanProposal)
		problems []string // the fields with a problem
	}{
		{"ValidProposalHasNoProblems", func(p *collections.PlanProposal) {}, nil},
		{"OneInstalmentIsTooFew", func(p *collections.PlanProposal) { p.Instalments = 1 }, []string{"instalments"}},
		{"ZeroInstalmentsIsTooFew", func(p *collections.PlanProposal) { p.Instalments = 0 }, []string{"instalments"}},
		{"TwoInstalmentsIsTheMinimum", func(p *collections.PlanProposal) { p.Instalments = 2 }, nil},
		{"TwentyFourInstalmentsIsTheMaximum", func(p *collections.PlanProposal) { p.Instalments = 24 }, nil},
		{"TwentyFiveInstalmentsIsTooMany", func(p *collections.PlanProposal) { p.Instalments = 25 }, []string{"instalments"}},
		{"WeeklyIsAFrequency", func(p *collections.PlanProposal) { p.Frequency = collections.Weekly }, nil},
		{"BiweeklyIsAFrequency", func(p *collections.PlanProposal) { p.Frequency = collections.Biweekly }, nil},
		{"UnknownFrequency", func(p *collections.PlanProposal) { p.Frequency = "daily" }, []string{"frequency"}},
		{"MissingFrequency", func(p *collections.PlanProposal) { p.Frequency = "" }, []string{"frequency"}},
		{"FirstDueTodayIsAllowed", func(p *collections.PlanProposal) { p.FirstDueOn = today }, nil},
		{"FirstDueYesterdayIsInThePast", func(p *collections.PlanProposal) { p.FirstDueOn = today.AddDate(0, 0, -1) }, []string{"first_due"}},
		{"FirstDueMissing", func(p *collections.PlanProposal) { p.FirstDueOn = time.Time{} }, []string{"first_due"}},
		{"DownPaymentLeavingOneCentPerInstalment", func(p *collections.PlanProposal) { p.DownPayment = 99_97 }, nil},
		{"DownPaymentLeavingZeroInstalmentsIsTheDownPaymentsFault", func(p *collections.PlanProposal) { p.DownPayment = 99_99 }, []string{"down_payment"}},
		{"DownPaymentLeavingZeroAtTwoInstalmentsIsTheDownPaymentsFault", func(p *collections.PlanProposal) { p.DownPayment, p.Instalments = 99_99, 2 }, []string{"down_payment"}},
		{"TotalTooSmallForTwoInstalments", func(p *collections.PlanProposal) { p.Total, p.Instalments = 1, 2 }, []string{"instalments"}},
		{"MoreInstalmentsThanMinorUnits", func(p *collections.PlanProposal) { p.Total, p.Instalments = 5, 24 }, []string{"instalments"}},
		{"DownPaymentEqualToTotal", func(p *collections.PlanProposal) { p.DownPayment = 100_00 }, []string{"down_payment"}},
		{"DownPaymentAboveTotal", func(p *collections.PlanProposal) { p.DownPayment = 150_00 }, []string{"down_payment"}},
		{"NegativeDownPayment", func(p *collections.PlanProposal) { p.DownPayment = -1 }, []string{"down_payment"}},
		{"ZeroTotal", func(p *collections.PlanProposal) { p.Total = 0 }, []string{"instalments"}},
		{"NegativeTotal", func(p *collections.PlanProposal) { p.Total = -5_00 }, []string{"instalments"}},
		{"SeveralProblemsAtOnce", func(p *collections.PlanProposal) {
			p.Instalments = 30
			p.Frequency = "yearly"
			p.FirstDueOn = day(2026, time.December, 31)
			p.DownPayment = 200_00
		}, []string{"down_payment", "first_due", "frequency", "instalments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid
			tt.change(&p)
			got := p.Validate(today)
			var fields []string
			for f, msg := range got {
				fields = append(fields, f)
				if msg == "" {
					t.Errorf("problem %q has no message", f)
				}
			}
			slices.Sort(fields)
			if !slices.Equal(fields, tt.problems) {
				t.Fatalf("Validate(%+v) problems = %v, want problems with %v", p, got, tt.problems)
			}
		})
	}
}

func TestPlanProposalValidate_Messages(t *testing.T) {
	today := day(2027, time.March, 10)
	t.Run("DownPaymentTooLargeNamesTheAmountOwed", func(t *testing.T) {
		p := collections.PlanProposal{Currency: "USD", Total: 1234_50, Instalments: 3, Frequency: collections.Weekly, FirstDueOn: today, DownPayment: 1234_50}
		msg := p.Validate(today)["down_payment"]
		if !strings.Contains(msg, "USD 1,234.50") {
			t.Fatalf("down_payment problem = %q, want it to name USD 1,234.50", msg)
		}
	})
	t.Run("ZeroTotalSaysThereIsNothingToPlan", func(t *testing.T) {
		// A valid instalment count must not hide that there is nothing owed.
		p := collections.PlanProposal{Currency: "USD", Total: 0, Instalments: 3, Frequency: collections.Weekly, FirstDueOn: today}
		msg := p.Validate(today)["instalments"]
		if !strings.Contains(msg, "nothing overdue") {
			t.Fatalf("instalments problem = %q, want it to say there is nothing overdue", msg)
		}
	})
}

func TestPlanProposalSchedule(t *testing.T) {
	today := day(2027, time.March, 10)
	tests := []struct {
		name string
		p    collections.PlanProposal
		want []collections.Instalment
	}{
		{
			name: "ThirdsOfOneHundredDollarsPutTheCentOnTheLast",
			p:    collections.PlanProposal{Currency: "USD", Total: 100_00, Instalments: 3, Frequency: collections.Monthly, FirstDueOn: day(2027, time.April, 1)},
			want: []collections.Instalment{
				{Seq: 1, DueOn: day(2027, time.April, 1), Amount: 33_33},
				{Seq: 2, DueOn: day(2027, time.May, 1), Amount: 33_33},
				{Seq: 3, DueOn: day(2027, time.June, 1), Amount: 33_34},
			},
		},
		{
			name: "SeventhsOfOneThousandYenWeekly",
			p:    collections.PlanProposal{Currency: "JPY", Total: 1000, Instalments: 7, Frequency: collections.Weekly, FirstDueOn: day(2027, time.March, 15)},
			want: []collections.Instalment{
				{Seq: 1, DueOn: day(2027, time.March, 15), Amount: 142},
				{Seq: 2, DueOn: day(2027, time.March, 22), Amount: 142},
				{Seq: 3, DueOn: day(2027, time.March, 29), Amount: 142},
				{Seq: 4, DueOn: day(2027, time.April, 5), Amount: 142},
				{Seq: 5, DueOn: day(2027, time.April, 12), Amount: 142},
				{Seq: 6, DueOn: day(2027, time.April, 19), Amount: 142},
				{Seq: 7, DueOn: day(2027, time.April, 26), Amount: 148},
			},
		},
		{
			name: "DownPaymentIsDueTodayAsSeqZero",
			p:    collections.PlanProposal{Currency: "USD", Total: 1000_00, Instalments: 3, Frequency: collections.Biweekly, FirstDueOn: day(2027, time.March, 24), DownPayment: 250_00},
			want: []collections.Instalment{
				{Seq: 0, DueOn: today, Amount: 250_00},
				{Seq: 1, DueOn: day(2027, time.March, 24), Amount: 250_00},
				{Seq: 2, DueOn: day(2027, time.April, 7), Amount: 250_00},
				{Seq: 3, DueOn: day(2027, time.April, 21), Amount: 250_00},
			},
		},
		{
			name: "DownPaymentLeavesAnAwkwardRest",
			p:    collections.PlanProposal{Currency: "USD", Total: 100_00, Instalments: 7, Frequency: collections.Weekly, FirstDueOn: day(2027, time.March, 17), DownPayment: 10_00},
			want: []collections.Instalment{
				{Seq: 0, DueOn: today, Amount: 10_00},
				{Seq: 1, DueOn: day(2027, time.March, 17), Amount: 12_85},
				{Seq: 2, DueOn: day(2027, time.March, 24), Amount: 12_85},
				{Seq: 3, DueOn: day(2027, time.March, 31), Amount: 12_85},
				{Seq: 4, DueOn: day(2027, time.April, 7), Amount: 12_85},
				{Seq: 5, DueOn: day(2027, time.April, 14), Amount: 12_85},
				{Seq: 6, DueOn: day(2027, time.April, 21), Amount: 12_85},
				{Seq: 7, DueOn: day(2027, time.April, 28), Amount: 12_90},
			},
		},
		{
			name: "MonthlyFromJanuaryThirtyFirstClampsToFebruaryAndComesBack",
			p:    collections.PlanProposal{Currency: "EUR", Total: 400_00, Instalments: 4, Frequency: collections.Monthly, FirstDueOn: day(2027, time.January, 31)},
			want: []collections.Instalment{
				{Seq: 1, DueOn: day(2027, time.January, 31), Amount: 100_00},
				{Seq: 2, DueOn: day(2027, time.February, 28), Amount: 100_00},
				{Seq: 3, DueOn: day(2027, time.March, 31), Amount: 100_00},
				{Seq: 4, DueOn: day(2027, time.April, 30), Amount: 100_00},
			},
		},
		{
			name: "MonthlyInALeapYearFallsOnFebruaryTwentyNinth",
			p:    collections.PlanProposal{Currency: "EUR", Total: 300_00, Instalments: 3, Frequency: collections.Monthly, FirstDueOn: day(2028, time.January, 31)},
			want: []collections.Instalment{
				{Seq: 1, DueOn: day(2028, time.January, 31), Amount: 100_00},
				{Seq: 2, DueOn: day(2028, time.February, 29), Amount: 100_00},
				{Seq: 3, DueOn: day(2028, time.March, 31), Amount: 100_00},
			},
		},
		{
			name: "MonthlyFromFebruaryTwentyNinthKeepsTheTwentyNinth",
			p:    collections.PlanProposal{Currency: "EUR", Total: 300_00, Instalments: 3, Frequency: collections.Monthly, FirstDueOn: day(2028, time.February, 29)},
			want: []collections.Instalment{
				{Seq: 1, DueOn: day(2028, time.February, 29), Amount: 100_00},
				{Seq: 2, DueOn: day(2028, time.March, 29), Amount: 100_00},
				{Seq: 3, DueOn: day(2028, time.April, 29), Amount: 100_00},
			},
		},
		{
			name: "MonthlyCrossesTheYearEnd",
			p:    collections.PlanProposal{Currency: "EUR", Total: 400_00, Instalments: 4, Frequency: collections.Monthly, FirstDueOn: day(2027, time.November, 30)},
			want: []collections.Instalment{
				{Seq: 1, DueOn: day(2027, time.November, 30), Amount: 100_00},
				{Seq: 2, DueOn: day(2027, time.December, 30), Amount: 100_00},
				{Seq: 3, DueOn: day(2028, time.January, 30), Amount: 100_00},
				{Seq: 4, DueOn: day(2028, time.February, 29), Amount: 100_00},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Schedule(today)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Schedule:\n got  %s\n want %s", formatSchedule(got), formatSchedule(tt.want))
			}
		})
	}
}

func TestPlanProposalSchedule_SumsExactlyToTheTotal(t *testing.T) {
	today := day(2027, time.March, 10)
	for _, total := range []int64{1_00, 99_99, 100_00, 1000, 1234_57, 999_999_99} {
		for _, down := range []int64{0, 1, 33_33} {
			if down >= total {
				continue
			}
			for n := collections.MinInstalments; n <= collections.MaxInstalments; n++ {
				p := collections.PlanProposal{Currency: "USD", Total: total, Instalments: n, Frequency: collections.Monthly, FirstDueOn: day(2027, time.March, 31), DownPayment: down}
				s := p.Schedule(today)
				var sum int64
				for _, in := range s {
					sum += in.Amount
				}
				if sum != total {
					t.Fatalf("total %d, down payment %d, %d instalments: schedule sums to %d", total, down, n, sum)
				}
				regular := s
				if down > 0 {
					regular = s[1:]
				}
				if len(regular) != n {
					t.Fatalf("total %d, down payment %d: %d instalments scheduled, want %d", total, down, len(regular), n)
				}
				// Equal instalments; only the last carries the remainder,
				// which is less than one minor unit per instalment.
				each := regular[0].Amount
				for _, in := range regular[:n-1] {
					if in.Amount != each {
						t.Fatalf("total %d, down payment %d, %d instalments: unequal instalments %s", total, down, n, formatSchedule(s))
					}
				}
				if extra := regular[n-1].Amount - each; extra < 0 || extra >= int64(n) {
					t.Fatalf("total %d, down payment %d, %d instalments: last instalment %d is not the equal share %d plus a remainder below %d",
						total, down, n, regular[n-1].Amount, each, n)
				}
			}
		}
	}
}

func TestPlanProposalSchedule_MonthlyNeverDriftsFromTheDayOfMonth(t *testing.T) {
	// 24 monthly instalments from the 31st: every month ends on its last day.
	p := collections.PlanProposal{Currency: "USD", Total: 2400_00, Instalments: 24, Frequency: collections.Monthly, FirstDueOn: day(2027, time.January, 31)}
	s := p.Schedule(day(2027, time.January, 20))
	if len(s) != 24 {
		t.Fatalf("got %d instalments, want 24", len(s))
	}
	for i, in := range s {
		first := time.Date(2027, time.January+time.Month(i), 1, 0, 0, 0, 0, time.UTC)
		want := first.AddDate(0, 1, -1) // last day of that month
		if !in.DueOn.Equal(want) {
			t.Errorf("instalment %d due %s, want %s", in.Seq, in.DueOn.Format(collections.DateLayout), want.Format(collections.DateLayout))
		}
	}
}

func TestPlanFrequencyLabel(t *testing.T) {
	// The frequencies offered: weekly, every 2 weeks, monthly.
	for f, want := range map[collections.PlanFrequency]string{
		collections.Weekly:   "weekly",
		collections.Biweekly: "every 2 weeks",
		collections.Monthly:  "monthly",
	} {
		if got := f.Label(); got != want {
			t.Errorf("PlanFrequency(%q).Label() = %q, want %q", f, got, want)
		}
	}
}

func TestCheckPlan(t *testing.T) {
	// Three monthly instalments of USD 100.00; USD 300.00 in all.
	schedule := []collections.Instalment{
		{Seq: 1, DueOn: day(2027, time.March, 1), Amount: 100_00},
		{Seq: 2, DueOn: day(2027, time.April, 1), Amount: 100_00},
		{Seq: 3, DueOn: day(2027, time.May, 1), Amount: 100_00},
	}
	const grace = 3
	tests := []struct {
		name          string
		today         time.Time
		paid          int64
		wantMissed    int // Seq of the missed instalment, -1 for none
		wantCompleted bool
		wantDueSoFar  int64
	}{
		{"BeforeTheFirstDueDateNothingIsDue", day(2027, time.February, 20), 0, -1, false, 0},
		{"OnTheDueDateNothingIsMissed", day(2027, time.March, 1), 0, -1, false, 100_00},
		{"OnTheLastDayOfGraceNothingIsMissed", day(2027, time.March, 4), 0, -1, false, 100_00},
		{"TheDayAfterGraceTheInstalmentIsMissed", day(2027, time.March, 5), 0, 1, false, 100_00},
		{"APartialPaymentDoesNotMeetTheInstalment", day(2027, time.March, 5), 99_99, 1, false, 100_00},
		{"PaidInstalmentIsNotMissed", day(2027, time.March, 5), 100_00, -1, false, 100_00},
		{"SecondWithinGrace", day(2027, time.April, 4), 100_00, -1, false, 200_00},
		{"SecondMissedTheDayAfterGrace", day(2027, time.April, 5), 100_00, 2, false, 200_00},
		{"PartialPaymentCoversTheFirstButNotTheSecond", day(2027, time.April, 5), 150_00, 2, false, 200_00},
		{"EarlyLumpSumCoversLaterInstalments", day(2027, time.April, 20), 200_00, -1, false, 200_00},
		{"ReportsTheFirstMissedInstalment", day(2027, time.June, 1), 0, 1, false, 300_00},
		{"OneCentShortMissesTheLast", day(2027, time.May, 5), 299_99, 3, false, 300_00},
		{"PaidInFullEarlyIsCompleted", day(2027, time.March, 1), 300_00, -1, true, 100_00},
		{"PaidInFullAfterTheLastDueDateIsCompleted", day(2027, time.June, 1), 300_00, -1, true, 300_00},
		{"OverpaidIsCompleted", day(2027, time.April, 10), 350_00, -1, true, 200_00},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := collections.CheckPlan(schedule, tt.paid, tt.today, grace)
			missed := -1
			if got.Missed != nil {
				missed = got.Missed.Seq
			}
			if missed != tt.wantMissed {
				t.Errorf("Missed = Seq %d, want Seq %d (-1 is none)", missed, tt.wantMissed)
			}
			if got.Completed != tt.wantCompleted {
				t.Errorf("Completed = %v, want %v", got.Completed, tt.wantCompleted)
			}
			if got.DueSoFar != tt.wantDueSoFar {
				t.Errorf("DueSoFar = %d, want %d", got.DueSoFar, tt.wantDueSoFar)
			}
		})
	}
}

func TestCheckPlan_MissedIsTheScheduledInstalment(t *testing.T) {
	schedule := []collections.Instalment{
		{Seq: 1, DueOn: day(2027, time.March, 1), Amount: 100_00},
		{Seq: 2, DueOn: day(2027, time.April, 1), Amount: 120_00},
	}
	got := collections.CheckPlan(schedule, 100_00, day(2027, time.April, 30), 3)
	if got.Missed == nil {
		t.Fatal("no instalment missed, want the second")
	}
	if *got.Missed != schedule[1] {
		t.Fatalf("Missed = %+v, want %+v", *got.Missed, schedule[1])
	}
}

func TestCheckPlan_WithZeroGraceMissesTheDayAfterDue(t *testing.T) {
	schedule := []collections.Instalment{{Seq: 1, DueOn: day(2027, time.March, 1), Amount: 50_00}, {Seq: 2, DueOn: day(2027, time.April, 1), Amount: 50_00}}
	if got := collections.CheckPlan(schedule, 0, day(2027, time.March, 1), 0); got.Missed != nil {
		t.Fatalf("on the due date with no grace: missed Seq %d, want none", got.Missed.Seq)
	}
	if got := collections.CheckPlan(schedule, 0, day(2027, time.March, 2), 0); got.Missed == nil || got.Missed.Seq != 1 {
		t.Fatalf("the day after the due date with no grace: missed %+v, want Seq 1", got.Missed)
	}
}

func TestCheckPlan_DownPaymentFromSchedule(t *testing.T) {
	// A plan proposed on March 10: USD 60.00 down, then 3 monthly
	// instalments of USD 80.00 from April 1.
	proposed := day(2027, time.March, 10)
	p := collections.PlanProposal{Currency: "USD", Total: 300_00, Instalments: 3, Frequency: collections.Monthly, FirstDueOn: day(2027, time.April, 1), DownPayment: 60_00}
	schedule := p.Schedule(proposed)
	const grace = 3

	t.Run("DownPaymentWithinGrace", func(t *testing.T) {
		if got := collections.CheckPlan(schedule, 0, day(2027, time.March, 13), grace); got.Missed != nil {
			t.Fatalf("missed Seq %d on the last day of grace, want none", got.Missed.Seq)
		}
	})
	t.Run("DownPaymentMissedTheDayAfterGrace", func(t *testing.T) {
		got := collections.CheckPlan(schedule, 0, day(2027, time.March, 14), grace)
		if got.Missed == nil || got.Missed.Seq != 0 {
			t.Fatalf("missed %+v, want the down payment (Seq 0)", got.Missed)
		}
		if got.DueSoFar != 60_00 {
			t.Fatalf("DueSoFar = %d, want 6000", got.DueSoFar)
		}
	})
	t.Run("DownPaymentPaidFirstInstalmentMissed", func(t *testing.T) {
		got := collections.CheckPlan(schedule, 60_00, day(2027, time.April, 5), grace)
		if got.Missed == nil || got.Missed.Seq != 1 {
			t.Fatalf("missed %+v, want Seq 1", got.Missed)
		}
		if got.DueSoFar != 140_00 {
			t.Fatalf("DueSoFar = %d, want 14000", got.DueSoFar)
		}
	})
	t.Run("AllPaidIsCompleted", func(t *testing.T) {
		got := collections.CheckPlan(schedule, 300_00, day(2027, time.April, 5), grace)
		if !got.Completed || got.Missed != nil {
			t.Fatalf("CheckPlan = %+v, want completed with nothing missed", got)
		}
	})
}

func TestCheckPlan_EmptyScheduleIsNeitherCompletedNorMissed(t *testing.T) {
	got := collections.CheckPlan(nil, 100_00, day(2027, time.March, 10), 3)
	if got.Completed || got.Missed != nil || got.DueSoFar != 0 {
		t.Fatalf("CheckPlan(nil) = %+v, want the zero PlanCheck", got)
	}
}

func formatSchedule(s []collections.Instalment) string {
	parts := make([]string, len(s))
	for i, in := range s {
		parts[i] = fmt.Sprintf("#%d %s %d", in.Seq, in.DueOn.Format(collections.DateLayout), in.Amount)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
