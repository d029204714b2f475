package blocks

import (
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
)

func TestActionLine(t *testing.T) {
	tests := []struct {
		action  string
		actor   string
		details map[string]string
		want    string
	}{
		{collections.AuditAlerted, collections.SystemActor, map[string]string{"stage": "30", "oldest_days": "30"}, "Now 30 days overdue (stage 30)"},
		{collections.AuditAlerted, collections.SystemActor, map[string]string{"stage": "60", "oldest_days": "61", "overdue": "USD 1,234.50"},
			"Now 61 days overdue (stage 60): USD 1,234.50 overdue"},
		{collections.AuditSnoozed, "U1", map[string]string{"until": "2026-12-01", "reason": "waiting for PO"}, "<@U1> snoozed this until 2026-12-01: waiting for PO"},
		{collections.AuditSnoozed, "U1", map[string]string{"until": "2026-12-01"}, "<@U1> snoozed this until 2026-12-01"},
		{collections.AuditSnoozeEnded, collections.SystemActor, map[string]string{"until": "2026-12-01"}, "The snooze until 2026-12-01 ended"},
		{collections.AuditPlanProposed, "U1", map[string]string{"total": "USD 1,200.00", "instalments": "3", "frequency": "biweekly",
			"first_due": "2026-07-07", "down_payment": "USD 200.00"},
			"<@U1> proposed a payment plan: USD 1,200.00 in 3 instalments (every 2 weeks) from 2026-07-07, USD 200.00 down"},
		{collections.AuditPlanProposed, "U1", map[string]string{"total": "USD 1,200.00", "instalments": "3", "frequency": "monthly",
			"first_due": "2026-07-07", "down_payment": "USD 0.00"},
			"<@U1> proposed a payment plan: USD 1,200.00 in 3 instalments (monthly) from 2026-07-07"},
		{collections.AuditPlanAgreed, "U2", nil, "<@U2> recorded that the customer agreed to the payment plan"},
		{collections.AuditPlanCancelled, "U2", nil, "<@U2> cancelled the payment plan"},
		{collections.AuditPlanBroken, collections.SystemActor, map[string]string{"missed_due": "2026-08-07", "missed_amount": "USD 333.33"},
			"The payment plan is broken: the USD 333.33 instalment due 2026-08-07 was not paid"},
		{collections.AuditPlanCompleted, collections.SystemActor, nil, "The payment plan is paid off"},
		{collections.AuditEscalationRequested, "U1", map[string]string{"escalation_id": "7", "target": "legal", "reason": "ignored 3 reminders"},
			"<@U1> asked to escalate this to legal: ignored 3 reminders"},
		{collections.AuditEscalationApproved, "U2", map[string]string{"escalation_id": "7", "target": "collections_agency", "requested_by": "U1"},
			"<@U2> approved the escalation to collections agency"},
		{collections.AuditEscalationRejected, "U2", map[string]string{"escalation_id": "7", "target": "internal_manager", "requested_by": "U1"},
			"<@U2> rejected the escalation to internal manager"},
		{collections.AuditPaymentReceived, collections.SystemActor, map[string]string{"overdue": "USD 400.00"}, "Payment received — USD 400.00 still overdue"},
		{collections.AuditPaymentReceived, collections.SystemActor, map[string]string{"overdue": "USD 0.00"}, "Payment received — nothing overdue now"},
		{collections.AuditSettled, collections.SystemActor, nil, "Settled — paid in full"},
		{"note_added", "U1", map[string]string{"text": "called <!here>", "by": "phone"}, "<@U1> recorded “note added” (by: phone, text: called &lt;!here&gt;)"},
		{"", "", nil, "owed recorded “an action”"},
		{collections.AuditSnoozed, "<!channel>", map[string]string{"until": "2026-12-01", "reason": "<!everyone> & co"},
			"&lt;!channel&gt; snoozed this until 2026-12-01: &lt;!everyone&gt; &amp; co"},
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
		collections.AuditPaymentReceived, collections.AuditSettled}
	for _, a := range actions {
		// Even without details, a known action never falls back to the
		// generic "recorded" sentence.
		if got := ActionLine(collections.AuditEntry{Actor: "U1", Action: a}); strings.Contains(got, "recorded “") || got == "" {
			t.Errorf("%s has no sentence of its own: %q", a, got)
		}
	}
}
