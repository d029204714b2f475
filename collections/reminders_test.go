package collections

import (
	"strings"
	"testing"
	"time"
)

func TestParseSendWindow(t *testing.T) {
	w, err := ParseSendWindow("Mon-Fri 09:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	if !w.Days[time.Monday] || !w.Days[time.Friday] || w.Days[time.Saturday] || w.Days[time.Sunday] || w.From != 9*60 || w.To != 17*60 {
		t.Errorf("%+v", w)
	}
	if w, err := ParseSendWindow("Fri-Mon 10:00-12:30"); err != nil || !w.Days[time.Saturday] || !w.Days[time.Monday] || w.Days[time.Tuesday] {
		t.Errorf("wrapping range: %+v %v", w, err)
	}
	if w, err := ParseSendWindow("always"); err != nil || !w.Always {
		t.Errorf("always: %+v %v", w, err)
	}
	for _, bad := range []string{"", "Mon-Fri", "Mon-Fri 17:00-09:00", "Funday 09:00-10:00", "Mon-Fri 9-5"} {
		if _, err := ParseSendWindow(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSendWindow_NextWaitsForTheWindowInTheCustomersZone(t *testing.T) {
	w, _ := ParseSendWindow(DefaultSendWindow)
	ny, _ := time.LoadLocation("America/New_York")
	cases := []struct {
		name string
		at   string // UTC
		want string // UTC
	}{
		{"InsideIsNow", "2026-06-03T15:00:00Z", "2026-06-03T15:00:00Z"},                  // Wed 11:00 in New York
		{"BeforeOpeningWaitsForNine", "2026-06-03T11:00:00Z", "2026-06-03T13:00:00Z"},    // Wed 07:00 → 09:00 EDT
		{"AfterClosingWaitsForTomorrow", "2026-06-03T22:00:00Z", "2026-06-04T13:00:00Z"}, // Wed 18:00 → Thu 09:00
		{"FridayEveningWaitsForMonday", "2026-06-05T22:30:00Z", "2026-06-08T13:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at, _ := time.Parse(time.RFC3339, c.at)
			want, _ := time.Parse(time.RFC3339, c.want)
			if got := w.Next(at, ny); !got.Equal(want) {
				t.Errorf("Next(%s) = %s, want %s", c.at, got.UTC(), want)
			}
		})
	}
	at := time.Date(2026, 6, 6, 3, 0, 0, 0, time.UTC)
	if got := (SendWindow{Always: true}).Next(at, ny); !got.Equal(at) {
		t.Errorf("always held back to %s", got)
	}
}

// On the days the clocks change the window still opens and shuts at the
// times on the wall: 09:00 and 17:00 are 09:00 and 17:00 in New York,
// not nine and seventeen hours after midnight.
func TestSendWindow_NextOnTheDaysTheClocksChange(t *testing.T) {
	w, err := ParseSendWindow("Mon-Sun 09:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	at := func(month time.Month, day, hour, min int) time.Time {
		return time.Date(2026, month, day, hour, min, 0, 0, ny)
	}
	cases := []struct {
		name     string
		at, want time.Time
	}{
		// 1 November 2026: 02:00 EDT falls back to 01:00 EST.
		{"FallBack0815IsBeforeOpening", at(11, 1, 8, 15), at(11, 1, 9, 0)},
		{"FallBack0900Opens", at(11, 1, 9, 0), at(11, 1, 9, 0)},
		{"FallBack1630IsOpen", at(11, 1, 16, 30), at(11, 1, 16, 30)},
		{"FallBack1700IsShut", at(11, 1, 17, 0), at(11, 2, 9, 0)},
		{"TheEveningBeforeFallBackWaitsForNine", at(10, 31, 20, 0), at(11, 1, 9, 0)},
		// 8 March 2026: 02:00 EST springs forward to 03:00 EDT.
		{"SpringForward0700WaitsForNine", at(3, 8, 7, 0), at(3, 8, 9, 0)},
		{"SpringForward0930IsOpen", at(3, 8, 9, 30), at(3, 8, 9, 30)},
		{"SpringForward1630IsOpen", at(3, 8, 16, 30), at(3, 8, 16, 30)},
		{"SpringForward1700IsShut", at(3, 8, 17, 0), at(3, 9, 9, 0)},
		{"TheEveningBeforeSpringForwardWaitsForNine", at(3, 7, 20, 0), at(3, 8, 9, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := w.Next(c.at, ny); !got.Equal(c.want) {
				t.Errorf("Next(%s) = %s, want %s", c.at, got.In(ny), c.want)
			}
		})
	}
}

func TestReminderHolds(t *testing.T) {
	now := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	recent := now.Add(-2 * 24 * time.Hour)
	old := now.Add(-6 * 24 * time.Hour)
	until := now.AddDate(0, 0, 4)
	approved := func(target EscalationTarget) *Escalation {
		return &Escalation{Status: EscalationApproved, Target: target}
	}
	cases := []struct {
		name string
		f    ReminderFacts
		want []HoldKind
	}{
		{"NothingHolds", ReminderFacts{Case: &Case{Status: CaseOpen}, LastEmail: &old}, nil},
		{"InsideTheGap", ReminderFacts{Case: &Case{Status: CaseOpen}, LastEmail: &recent}, []HoldKind{HoldContactGap}},
		{"NoGapConfigured", ReminderFacts{Case: &Case{Status: CaseOpen}, LastEmail: &recent, GapDays: -1}, nil},
		{"Snoozed", ReminderFacts{Case: &Case{Status: CaseSnoozed, SnoozedUntil: &until}}, []HoldKind{HoldSnoozed}},
		{"OnAPlan", ReminderFacts{Case: &Case{Status: CasePlanActive}}, []HoldKind{HoldPlan}},
		{"ProposedPlanIsNoHold", ReminderFacts{Case: &Case{Status: CasePlanProposed}}, nil},
		{"Promised", ReminderFacts{Case: &Case{Status: CasePromised}}, []HoldKind{HoldPromised}},
		{"EscalatedToAgency", ReminderFacts{Case: &Case{Status: CaseEscalated}, Escalation: approved(TargetAgency)}, []HoldKind{HoldEscalated}},
		{"EscalatedToLegal", ReminderFacts{Case: &Case{Status: CaseEscalated}, Escalation: approved(TargetLegal)}, []HoldKind{HoldEscalated}},
		{"FinalNoticeIsNoHold", ReminderFacts{Case: &Case{Status: CaseEscalated}, Escalation: approved(TargetFinalNotice)}, nil},
		{"NoCaseOnlyTheGap", ReminderFacts{LastEmail: &recent}, []HoldKind{HoldContactGap}},
		// The gap counts days, not hours: 5 days after a Friday 23:00
		// email, Wednesday 01:00 is free; Tuesday 23:59 is not.
		{"GapEndsAtMidnight", ReminderFacts{LastEmail: ptrTime(now.AddDate(0, 0, -5).Add(11 * time.Hour)), Now: now.Add(-11 * time.Hour)}, nil},
		{"GapHoldsUntilMidnight", ReminderFacts{LastEmail: ptrTime(now.AddDate(0, 0, -5).Add(11 * time.Hour)), Now: now.AddDate(0, 0, -1).Add(11*time.Hour + 59*time.Minute)}, []HoldKind{HoldContactGap}},
		// Days are the business's: 5 days in New York (4 June 22:00 to
		// 9 June 19:00), though 4 in UTC.
		{"GapInTheBusinessTimeZone", ReminderFacts{LastEmail: ptrTime(time.Date(2026, 6, 5, 2, 0, 0, 0, time.UTC)), Now: time.Date(2026, 6, 9, 23, 0, 0, 0, time.UTC),
			Location: newYork}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.f.Now.IsZero() {
				c.f.Now = now
			}
			if c.f.GapDays == 0 {
				c.f.GapDays = 5
			}
			var got []HoldKind
			for _, h := range ReminderHolds(c.f) {
				got = append(got, h.Kind)
			}
			if strings.Join(kinds(got), ",") != strings.Join(kinds(c.want), ",") {
				t.Errorf("holds %v, want %v", got, c.want)
			}
		})
	}
}

func kinds(ks []HoldKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

func TestDecideReminder(t *testing.T) {
	now := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	recent := now.Add(-24 * time.Hour)
	f := CaseFacts{Case: Case{Status: CaseOpen}, Customer: "ACME Corp."}
	rf := ReminderFacts{Customer: "ACME Corp.", Case: &f.Case, LastEmail: &recent, GapDays: 5, Now: now}
	_, err := DecideReminder(f, rf, Actor{UserID: "U1"}, false)
	if ErrorCode(err) != ECONFLICT || !strings.Contains(ErrorMessage(err), "ACME Corp. was last emailed yesterday") || !strings.Contains(ErrorMessage(err), "Send anyway") {
		t.Errorf("inside the gap: %v", err)
	}
	d, err := DecideReminder(f, rf, Actor{UserID: "U1"}, true)
	if err != nil || !d.SendAnyway || len(d.Holds) != 1 {
		t.Errorf("send anyway: %+v %v", d, err)
	}
	rf.LastEmail = nil
	if d, err := DecideReminder(f, rf, Actor{UserID: "U1"}, true); err != nil || d.SendAnyway {
		t.Errorf("nothing held, yet recorded as sent anyway: %+v %v", d, err)
	}
	ended := CaseFacts{Case: Case{Status: CaseSettled}, Customer: "ACME Corp."}
	if _, err := DecideReminder(ended, rf, Actor{UserID: "U1"}, true); ErrorCode(err) != ECONFLICT {
		t.Errorf("a settled case was emailed: %v", err)
	}
}

func TestTemplateFor(t *testing.T) {
	cases := []struct {
		v    CaseView
		want string
	}{
		{CaseView{Case: Case{Status: CaseOpen}}, TemplateCourtesy},
		{CaseView{Case: Case{Status: CaseOpen}, OldestDays: 1}, TemplateReminder},
		{CaseView{Case: Case{Status: CaseOpen}, OldestDays: 29}, TemplateReminder},
		{CaseView{Case: Case{Status: CaseOpen}, OldestDays: 30}, TemplateFirm},
		{CaseView{Case: Case{Status: CaseEscalated}, OldestDays: 45, Escalation: &Escalation{Status: EscalationApproved, Target: TargetFinalNotice}}, TemplateFinalNotice},
		{CaseView{Case: Case{Status: CaseEscalationPending}, OldestDays: 45, Escalation: &Escalation{Status: EscalationPending, Target: TargetFinalNotice}}, TemplateFirm},
	}
	for _, c := range cases {
		if got := TemplateFor(c.v); got != c.want {
			t.Errorf("%s %d days: %s, want %s", c.v.Case.Status, c.v.OldestDays, got, c.want)
		}
	}
}

func TestSendReminderIsARecordOfEveryLiveStatus(t *testing.T) {
	for s := range statuses {
		if s.Offers(ActSendReminder) == s.Terminal() {
			t.Errorf("%s offers Send reminder: %v", s, s.Offers(ActSendReminder))
		}
		if t2, ok := TransitionFor(s, ActSendReminder); ok && t2.To != s {
			t.Errorf("Send reminder moves %s to %s", s, t2.To)
		}
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

var newYork = func() *time.Location {
	l, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return l
}()

func TestTemplateInvoices_OverdueTemplatesCoverOverdueAndCourtesyTheRest(t *testing.T) {
	invs := []OpenInvoice{
		{Number: "OLD", DaysOverdue: 60},
		{Number: "DISPUTED", DaysOverdue: 10, Disputed: true},
		{Number: "TODAY", DaysOverdue: 0},
		{Number: "SOON", DaysOverdue: -3},
		{Number: "SOON-DISPUTED", DaysOverdue: -2, Disputed: true},
	}
	numbers := func(invs []OpenInvoice) string {
		var out []string
		for _, inv := range invs {
			out = append(out, inv.Number)
		}
		return strings.Join(out, ",")
	}
	for tmpl, want := range map[string]string{
		TemplateCourtesy: "TODAY,SOON", TemplateReminder: "OLD", TemplateFirm: "OLD", TemplateFinalNotice: "OLD",
	} {
		if got := numbers(TemplateInvoices(tmpl, invs)); got != want {
			t.Errorf("%s covers %s, want %s", tmpl, got, want)
		}
	}
	notDue := []OpenInvoice{{Number: "SOON", DaysOverdue: -3}}
	for _, tmpl := range []string{TemplateReminder, TemplateFirm, TemplateFinalNotice} {
		if got := TemplateInvoices(tmpl, notDue); len(got) != 0 {
			t.Errorf("%s covers an invoice not yet due: %v", tmpl, got)
		}
	}
	if got := TemplateInvoices(TemplateCourtesy, []OpenInvoice{{Number: "OLD", DaysOverdue: 60}}); len(got) != 0 {
		t.Errorf("courtesy covers an overdue invoice: %v", got)
	}
	if w := NothingToRemind(TemplateReminder, "ACME Corp."); !strings.HasPrefix(w, "ACME Corp. has nothing overdue to remind about") {
		t.Errorf("nothing to remind: %q", w)
	}
}

// Days written with spaces after the commas, or around the dash of a
// range, are the days written without; a missing comma, an empty day or
// hours that are not times are still refused, and the message says why.
func TestParseSendWindow_SpacesBetweenTheDays(t *testing.T) {
	want, err := ParseSendWindow("Mon,Wed,Fri 10:00-16:00")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Mon, Wed, Fri 10:00-16:00", "Mon ,Wed , Fri 10:00-16:00", "  Mon,  Wed,\tFri   10:00 - 16:00 "} {
		if got, err := ParseSendWindow(s); err != nil || got != want {
			t.Errorf("%q = %+v, %v; want %+v", s, got, err, want)
		}
	}
	want, _ = ParseSendWindow("Mon-Fri 09:00-17:00")
	for _, s := range []string{"Mon - Fri 09:00-17:00", "Mon -Fri 09:00 -17:00", "Mon- Fri 09:00- 17:00"} {
		if got, err := ParseSendWindow(s); err != nil || got != want {
			t.Errorf("%q = %+v, %v; want %+v", s, got, err, want)
		}
	}
	for bad, says := range map[string]string{
		"Mon Wed 10:00-16:00":      `"Mon Wed" is not a day`,
		"Mon, Wed Fri 10:00-16:00": `"Wed Fri" is not a day`,
		"Mon,,Fri 10:00-16:00":     "is not a send window (like",
		"Mon, 10:00-16:00":         "is not a send window (like",
		"Mon, Fri 9-5":             "is not a send window (like",
		"Mon, Fri":                 "is not a send window (like",
		"10:00-16:00":              "is not a send window (like",
		"Mon, Fri 10:00-16:00 x":   "is not a send window (like",
	} {
		_, err := ParseSendWindow(bad)
		if err == nil || !strings.Contains(ErrorMessage(err), says) {
			t.Errorf("%q: %v; want it refused saying %s", bad, err, says)
		}
	}
}

func TestParseSendWindow_DaysAreRealDayNames(t *testing.T) {
	for _, ok := range []string{"Mon-Fri 09:00-17:00", "monday-FRIDAY 09:00-17:00", "Tues,Thurs 10:00-12:00", "Sunday 08:00-09:00", "sat-sun 10:00-11:00"} {
		if _, err := ParseSendWindow(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"Monkey-Fri 09:00-17:00", "Mon-Frisbee 09:00-17:00", "Satellite 09:00-17:00", "Wedding,Fri 09:00-17:00", "Mo-Fr 09:00-17:00"} {
		_, err := ParseSendWindow(bad)
		if err == nil || !strings.Contains(ErrorMessage(err), "is not a day (like Mon or Monday)") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	_, err := ParseSendWindow("Mon-Fri 17:00-09:00")
	if err == nil || !strings.Contains(ErrorMessage(err), "overnight windows") || !strings.Contains(ErrorMessage(err), "not supported") {
		t.Errorf("an overnight window: %v", err)
	}
}

// An email still waiting for the send window is said to be waiting, even
// when it leaves later the same day.
func TestReminderHolds_AnEmailWaitingToLeaveLaterToday(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 2, 7, 0, 0, 0, la).UTC() // a server clock in UTC
	for _, tc := range []struct {
		last    time.Time
		waiting bool
		want    string
	}{
		{time.Date(2026, 6, 2, 9, 0, 0, 0, la), true, "Acme has an email waiting to leave on 2026-06-02; the contact gap is 5 days."},
		{time.Date(2026, 6, 1, 16, 0, 0, 0, la), false, "Acme was last emailed yesterday (2026-06-01); the contact gap is 5 days."},
	} {
		last := tc.last
		holds := ReminderHolds(ReminderFacts{Customer: "Acme", LastEmail: &last, LastEmailWaiting: tc.waiting, GapDays: 5, Now: now, Location: la})
		if len(holds) != 1 {
			t.Fatalf("holds = %+v", holds)
		}
		if got := holds[0].Words("Acme", DateIn(now, la)); got != tc.want {
			t.Errorf("last email %v: %q, want %q", tc.last, got, tc.want)
		}
	}
}
