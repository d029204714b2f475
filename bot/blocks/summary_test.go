package blocks

import (
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// summaryOf is the customer summary matching a case view, with one invoice
// not yet due.
func summaryOf(v collections.CaseView) collections.CustomerSummary {
	invs := append([]collections.OpenInvoice(nil), v.Invoices...)
	invs = append(invs, collections.OpenInvoice{ID: 900, Number: "INV-2000", Currency: "USD", Amount: 12000, Balance: 12000,
		IssuedOn: day(2026, 6, 15), DueOn: day(2026, 7, 15), DaysOverdue: -15})
	return collections.CustomerSummary{AsOf: v.AsOf, Customer: v.Customer, Outstanding: agingOf(invs), Invoices: invs}
}

func TestSummary_Golden(t *testing.T) {
	t.Run("WithoutCase", func(t *testing.T) {
		m := Summary(summaryOf(openCase()), nil, nil)
		checkMessage(t, "Summary", m)
		golden(t, "summary_no_case", m)
	})
	for _, c := range caseViews {
		t.Run(c.name, func(t *testing.T) {
			v := c.view()
			sum := summaryOf(v)
			if v.Case.Status == collections.CaseSettled {
				sum = collections.CustomerSummary{AsOf: asOf, Customer: v.Customer}
			}
			m := Summary(sum, &v, snoozedCase().LastActions)
			checkMessage(t, "Summary", m)
			golden(t, "summary_"+c.name, m)
		})
	}
}

func TestSummary_ShowsAgingBuckets(t *testing.T) {
	m := Summary(summaryOf(openCase()), nil, nil)
	var aging *slack.SectionBlock
	for _, b := range m.Blocks {
		if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil && s.Text.Text == "*Aging, USD*" {
			aging = s
		}
	}
	if aging == nil {
		t.Fatalf("no USD aging section:\n%s", allText(t, m))
	}
	var got []string
	for _, f := range aging.Fields {
		got = append(got, f.Text)
	}
	want := []string{"*current*\nUSD 120.00", "*1-30*\nUSD 0.00", "*31-60*\nUSD 1,027.50", "*61-90*\nUSD 727.50", "*90+*\nUSD 0.00", "*total*\nUSD 1,875.00"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("fields = %q, want %q", got, want)
	}
	s := allText(t, m)
	for _, w := range []string{"owes *EUR 411.00 and USD 1,875.00*, of which *EUR 411.00 and USD 1,755.00* overdue", "*Invoices*", "+3 more",
		"Owner: <@UOWNER1>"} {
		if !strings.Contains(s, w) {
			t.Errorf("summary lacks %q:\n%s", w, s)
		}
	}
	if len(buttons(t, m)) != 0 {
		t.Errorf("summary without a case has buttons %q", buttons(t, m))
	}
}

func TestSummary_HasTheAlertsButtons(t *testing.T) {
	for _, c := range caseViews {
		t.Run(c.name, func(t *testing.T) {
			v := c.view()
			sum := summaryOf(v)
			if v.Case.Status == collections.CaseSettled {
				sum = collections.CustomerSummary{AsOf: asOf, Customer: v.Customer}
			}
			got, want := buttons(t, Summary(sum, &v, nil)), buttons(t, Alert(v))
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("summary buttons %q, alert buttons %q", got, want)
			}
		})
	}
}

func TestSummary_ShowsCaseStateAndLastActions(t *testing.T) {
	v := escalationPendingCase()
	history := []collections.AuditEntry{
		{Actor: "UALICE", Action: collections.AuditEscalationRequested, At: time.Date(2026, 6, 30, 10, 0, 0, 0, time.UTC),
			Details: collections.AuditDetails{EscalationID: 77, Target: collections.TargetLegal, Reason: "ignored"}},
		{Actor: collections.SystemActor, Action: collections.AuditAlerted, At: time.Date(2026, 6, 29, 9, 0, 0, 0, time.UTC),
			Details: collections.AuditDetails{Stage: 30, OldestDays: 75}},
	}
	s := allText(t, Summary(summaryOf(v), &v, history))
	for _, w := range []string{
		"Escalation to legal pending approval — requested by <@UALICE>",
		"*Reason for the escalation to legal* (<@UALICE>): Three reminders ignored; the CFO stopped answering.",
		"*Last actions*\n• 2026-06-30 — <@UALICE> asked to escalate this to legal: ignored\n• 2026-06-29 — Now 75 days overdue (stage 30)",
		"Full history: `/owed C-001 history`",
	} {
		if !strings.Contains(s, w) {
			t.Errorf("summary lacks %q:\n%s", w, s)
		}
	}
}

func TestSummary_UsesCaseActionsWithoutHistory(t *testing.T) {
	v := snoozedCase()
	s := allText(t, Summary(summaryOf(v), &v, nil))
	if !strings.Contains(s, "<@UALICE> snoozed this until 2026-12-01: waiting for PO") {
		t.Errorf("summary lacks the case's last actions:\n%s", s)
	}
}

func TestSummary_NothingOwed(t *testing.T) {
	m := Summary(collections.CustomerSummary{AsOf: asOf, Customer: acme}, nil, nil)
	checkMessage(t, "Summary", m)
	if m.Text != "ACME Corp. (C-001) owes nothing as of 2026-06-30" {
		t.Errorf("Text = %q", m.Text)
	}
	if s := allText(t, m); !strings.Contains(s, "*ACME Corp.* (C-001) owes nothing: no open invoices as of 2026-06-30.") {
		t.Errorf("blocks:\n%s", s)
	}
}
