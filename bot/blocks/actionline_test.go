package blocks

import (
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
)

func TestActionLine(t *testing.T) {
	type D = collections.AuditDetails
	usd := func(minor int64) []collections.Money { return []collections.Money{{Minor: minor, Currency: "USD"}} }
	day := func(s string) *collections.Date {
		d, _ := collections.ParseDate(s)
		return collections.DateOf(d)
	}
	first, _ := collections.ParseDate("2026-07-07")
	tests := []struct {
		action  string
		actor   string
		details D
		want    string
	}{
		{collections.AuditAlerted, collections.SystemActor, D{Stage: 30, OldestDays: 30}, "Now 30 days overdue (stage 30)"},
		{collections.AuditAlerted, collections.SystemActor, D{Stage: 60, OldestDays: 61, Overdue: usd(1234_50)},
			"Now 61 days overdue (stage 60): USD 1,234.50 overdue"},
		{collections.AuditSnoozed, "U1", D{Until: day("2026-12-01"), Reason: "waiting for PO"}, "<@U1> snoozed this until 2026-12-01: waiting for PO"},
		{collections.AuditSnoozed, "U1", D{Until: day("2026-12-01")}, "<@U1> snoozed this until 2026-12-01"},
		{collections.AuditSnoozeEnded, collections.SystemActor, D{Until: day("2026-12-01")}, "The snooze until 2026-12-01 ended"},
		{collections.AuditSnoozeEnded, collections.SystemActor, D{Until: day("2026-12-01"), Owner: "U9"}, "The snooze until 2026-12-01 ended — <@U9>"},
		{collections.AuditPlanProposed, "U1", D{Plan: &collections.PlanProposal{Currency: "USD", Total: 1200_00, Instalments: 3,
			Frequency: collections.Biweekly, FirstDueOn: first, DownPayment: 200_00}},
			"<@U1> proposed a payment plan: USD 1,200.00 in 3 instalments (every 2 weeks), USD 200.00 down, first instalment due 2026-07-07"},
		{collections.AuditPlanProposed, "U1", D{Plan: &collections.PlanProposal{Currency: "USD", Total: 1200_00, Instalments: 3,
			Frequency: collections.Monthly, FirstDueOn: first}},
			"<@U1> proposed a payment plan: USD 1,200.00 in 3 instalments (monthly), first instalment due 2026-07-07"},
		{collections.AuditPlanAgreed, "U2", D{}, "<@U2> recorded that the customer agreed to the payment plan"},
		{collections.AuditPlanCancelled, "U2", D{}, "<@U2> cancelled the payment plan"},
		{collections.AuditPlanBroken, collections.SystemActor, D{MissedDue: day("2026-08-07"), Missed: &collections.Money{Minor: 333_33, Currency: "USD"}},
			"The payment plan is broken: the USD 333.33 instalment due 2026-08-07 was not paid"},
		{collections.AuditPlanBroken, collections.SystemActor, D{MissedDue: day("2026-08-07"), Owner: "U9"},
			"The payment plan is broken: the instalment due 2026-08-07 was not paid — <@U9>"},
		{collections.AuditPlanCompleted, collections.SystemActor, D{}, "The payment plan is paid off"},
		{collections.AuditEscalationRequested, "U1", D{EscalationID: 7, Target: collections.TargetLegal, Reason: "ignored 3 reminders"},
			"<@U1> asked to escalate this to legal: ignored 3 reminders"},
		{collections.AuditEscalationApproved, "U2", D{EscalationID: 7, Target: collections.TargetAgency, RequestedBy: "U1"},
			"<@U2> approved the escalation to collections agency"},
		{collections.AuditEscalationRejected, "U2", D{EscalationID: 7, Target: collections.TargetInternalManager, RequestedBy: "U1"},
			"<@U2> rejected the escalation to internal manager"},
		{collections.AuditEscalationRejected, "U2", D{EscalationID: 7, Target: collections.TargetLegal, RequestedBy: "U1", Reason: "call them first"},
			"<@U2> rejected the escalation to legal: call them first"},
		{collections.AuditEscalationWithdrawn, "U1", D{EscalationID: 7, Target: collections.TargetLegal},
			"<@U1> withdrew the escalation to legal"},
		{collections.AuditEscalationCancelled, collections.SystemActor, D{EscalationID: 7, Target: collections.TargetLegal},
			"The pending escalation to legal was cancelled: nothing is overdue any more"},
		{collections.AuditPaymentReceived, collections.SystemActor, D{Paid: usd(100_00), Overdue: usd(400_00)}, "Payment received: USD 100.00 — USD 400.00 still overdue"},
		{collections.AuditPaymentReceived, collections.SystemActor, D{Overdue: usd(400_00)}, "The overdue amount changed — USD 400.00 still overdue"},
		{collections.AuditSettled, collections.SystemActor, D{}, "Settled — paid in full"},
		{collections.AuditSettled, collections.SystemActor, D{Paid: usd(30_00)}, "Settled — paid in full (USD 30.00 received)"},
		{collections.AuditClosed, collections.SystemActor, D{Outstanding: usd(30_00)},
			"Closed — nothing is overdue any more, but not all of it was paid; USD 30.00 still owed, not yet due"},
		{collections.AuditEmailWithdrawn, collections.SystemActor, D{EmailID: 3, To: "ap@acme.example", Template: collections.TemplateReminder,
			Reason: string(collections.WithdrawnPaid)},
			"The reminder to ap@acme.example was not sent: every invoice it covers was paid before it could leave."},
		{collections.AuditEmailWithdrawn, collections.SystemActor, D{EmailID: 3, To: "ap@acme.example", Template: collections.TemplateFirm,
			Reason: string(collections.WithdrawnPaidOrDisputed)},
			"The reminder to ap@acme.example was not sent: every invoice it covers was paid or put in dispute before it could leave."},
		{collections.AuditEmailWithdrawn, collections.SystemActor, D{EmailID: 4, To: "Pay <pay@current.example>", Template: collections.TemplateCourtesy,
			Reason: string(collections.WithdrawnFellDue)},
			"The courtesy reminder to pay@current.example was not sent: every invoice it covers fell due before it could leave, so a courtesy reminder no longer fit."},
		{"note_added", "U1", D{}, "<@U1> recorded “note added”"},
		{"", "", D{}, "owed recorded “an action”"},
		{collections.AuditSnoozed, "<!channel>", D{Until: day("2026-12-01"), Reason: "<!everyone> & co"},
			"&lt;!channel&gt; snoozed this until 2026-12-01: &lt;!everyone&gt; &amp; co"},
		{collections.AuditSnoozed, "U1", D{Reason: "*urgent* _now_ ~maybe~ `x` but ACME_Corp and 2*3 stay"},
			"<@U1> snoozed this: ∗urgent∗ ˍnowˍ ∼maybe∼ ˋxˋ but ACME_Corp and 2*3 stay"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			got := ActionLine(collections.AuditEntry{Actor: tt.actor, Action: tt.action, Details: tt.details, At: asOf})
			if got != tt.want {
				t.Errorf("ActionLine = %q\n                     want %q", got, tt.want)
			}
		})
	}
}

func TestActionLine_EveryAuditActionHasASentence(t *testing.T) {
	actions := []string{collections.AuditAlerted, collections.AuditSnoozed, collections.AuditSnoozeEnded, collections.AuditPlanProposed,
		collections.AuditPlanAgreed, collections.AuditPlanCancelled, collections.AuditPlanBroken, collections.AuditPlanCompleted,
		collections.AuditEscalationRequested, collections.AuditEscalationApproved, collections.AuditEscalationRejected,
		collections.AuditEscalationWithdrawn, collections.AuditEscalationCancelled,
		collections.AuditPaymentReceived, collections.AuditSettled, collections.AuditClosed,
		collections.AuditReminderEmailed, collections.AuditEmailDelivered, collections.AuditEmailFailed, collections.AuditEmailWithdrawn}
	for _, a := range actions {
		// Even without details, a known action never falls back to the
		// generic "recorded" sentence.
		if got := ActionLine(collections.AuditEntry{Actor: "U1", Action: a}); strings.Contains(got, "recorded “") || got == "" {
			t.Errorf("%s has no sentence of its own: %q", a, got)
		}
	}
}
