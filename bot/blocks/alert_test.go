package blocks

import (
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

func TestAlert_Golden(t *testing.T) {
	for _, c := range caseViews {
		t.Run(c.name, func(t *testing.T) {
			m := Alert(c.view())
			checkMessage(t, "Alert", m)
			golden(t, "alert_"+c.name, m)
		})
	}
}

// buttons lists a message's buttons as "action_id=label".
func buttons(t *testing.T, m Message) []string {
	t.Helper()
	var out []string
	for _, b := range m.Blocks {
		a, ok := b.(*slack.ActionBlock)
		if !ok {
			continue
		}
		for _, el := range a.Elements.ElementSet {
			if btn, ok := el.(*slack.ButtonBlockElement); ok {
				out = append(out, btn.ActionID+"="+btn.Text.Text)
			}
		}
	}
	return out
}

// buttonByAction returns a message's button with the given action ID.
func buttonByAction(m Message, actionID string) *slack.ButtonBlockElement {
	for _, b := range m.Blocks {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, el := range a.Elements.ElementSet {
				if btn, ok := el.(*slack.ButtonBlockElement); ok && btn.ActionID == actionID {
					return btn
				}
			}
		}
	}
	return nil
}

// allText is every text of a message, joined.
func allText(t *testing.T, m Message) string {
	return strings.Join(append(texts(toAny(t, m.Blocks)), m.Text), "\n")
}

func TestAlert_ButtonsDependOnState(t *testing.T) {
	tests := []struct {
		name string
		view collections.CaseView
		want []string
	}{
		{"open", openCase(), []string{"snooze=Snooze", "plan=Payment plan", "escalate=Escalate", "log_contact=Log contact", "promise=Promise to pay", "dispute=Dispute", "send_reminder=Send reminder"}},
		{"snoozed", snoozedCase(), []string{"snooze=Snooze", "plan=Payment plan", "escalate=Escalate", "log_contact=Log contact", "promise=Promise to pay", "dispute=Dispute", "send_reminder=Send reminder"}},
		{"plan_proposed", planProposedCase(), []string{"plan_agreed=Customer agreed", "plan_cancel=Cancel plan", "log_contact=Log contact", "dispute=Dispute", "send_reminder=Send reminder"}},
		{"plan_active", planActiveCase(), []string{"plan_cancel=Cancel plan", "log_contact=Log contact", "dispute=Dispute", "send_reminder=Send reminder"}},
		{"escalation_pending", escalationPendingCase(), []string{"withdraw=Withdraw escalation", "log_contact=Log contact", "dispute=Dispute", "send_reminder=Send reminder"}},
		{"escalated", escalatedCase(), []string{"log_contact=Log contact", "dispute=Dispute", "send_reminder=Send reminder"}},
		{"settled", settledCase(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Alert(tt.view)
			got := buttons(t, m)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("buttons = %q, want %q", got, tt.want)
			}
			want := CaseRef{CaseID: tt.view.Case.ID, Version: tt.view.Case.Version}.String()
			for _, b := range m.Blocks {
				if a, ok := b.(*slack.ActionBlock); ok {
					if a.BlockID != BlockCaseActions {
						t.Errorf("actions block_id = %q", a.BlockID)
					}
					for _, el := range a.Elements.ElementSet {
						btn := el.(*slack.ButtonBlockElement)
						if btn.ActionID == ActionPlanAgreed {
							// The plan shown, so that a stale click never agrees to a newer one.
							if wantPlan := (PlanRef{CaseID: tt.view.Case.ID, PlanID: tt.view.Plan.ID}).String(); btn.Value != wantPlan {
								t.Errorf("plan_agreed carries %q, want %q", btn.Value, wantPlan)
							}
							continue
						}
						if btn.ActionID == ActionWithdraw {
							if wantEsc := (EscalationRef{EscalationID: tt.view.Escalation.ID}).String(); btn.Value != wantEsc {
								t.Errorf("withdraw carries %q, want %q", btn.Value, wantEsc)
							}
							continue
						}
						if btn.Value != want {
							t.Errorf("%s carries %q, want %q", btn.ActionID, btn.Value, want)
						}
					}
				}
			}
		})
	}
}

func TestAlert_PlanButtonsStyledAndConfirmed(t *testing.T) {
	m := Alert(planProposedCase())
	agreed, cancel := buttonByAction(m, ActionPlanAgreed), buttonByAction(m, ActionPlanCancel)
	if agreed.Style != slack.StylePrimary || agreed.Confirm != nil {
		t.Errorf("Customer agreed: style %q, confirm %v; want primary without confirm", agreed.Style, agreed.Confirm)
	}
	if cancel.Style != slack.StyleDanger || cancel.Confirm == nil {
		t.Errorf("Cancel plan: style %q, confirm %v; want danger with a confirm dialog", cancel.Style, cancel.Confirm)
	}
}

func TestAlert_ListsTenInvoicesThenMore(t *testing.T) {
	m := Alert(openCase())
	s := allText(t, m)
	if !strings.Contains(s, "+2 more") {
		t.Errorf("no \"+2 more\" in:\n%s", s)
	}
	if !strings.Contains(s, "`INV-1010`") || strings.Contains(s, "INV-1011") {
		t.Errorf("want invoices INV-1001..INV-1010 only:\n%s", s)
	}
	if !strings.Contains(s, "`INV-1001` due 2026-04-16 · 75 days overdue · USD 125.50") {
		t.Errorf("oldest invoice line missing:\n%s", s)
	}
}

func TestAlert_ShowsCustomerOverdueStageOwner(t *testing.T) {
	m := Alert(openCase())
	s := allText(t, m)
	for _, want := range []string{"ACME Corp. (C-001)", "*EUR 411.00* · *USD 1,755.00* overdue", "Oldest invoice 75 days overdue",
		"Stage: 30+ days", "Owner: <@UOWNER1>", "Open since 2026-05-02"} {
		if !strings.Contains(s, want) {
			t.Errorf("alert lacks %q:\n%s", want, s)
		}
	}
	if m.Text != "ACME Corp. (C-001) owes EUR 411.00 and USD 1,755.00 overdue (75 days) — stage 30+ days" {
		t.Errorf("Text = %q", m.Text)
	}
	if _, ok := m.Blocks[0].(*slack.HeaderBlock); !ok {
		t.Errorf("first block is %T, want a header", m.Blocks[0])
	}
}

func TestAlert_StateLine(t *testing.T) {
	rejected := openCase()
	e := pendingEscalation()
	e.Status, e.DecidedBy = collections.EscalationRejected, "UCFO"
	rejected.Escalation = &e
	broken := openCase()
	broken.Plan = &collections.Plan{Status: collections.PlanBroken, Proposal: planProposal()}
	tests := []struct {
		name string
		view collections.CaseView
		want string
	}{
		{"snoozed", snoozedCase(), "Snoozed until 2026-12-01 by <@UALICE>: waiting for PO"},
		{"plan_proposed", planProposedCase(), "Payment plan proposed by <@UALICE> — waiting for the customer to agree"},
		{"plan_active", planActiveCase(), "Payment plan active since 2026-06-30 (agreed by <@UBOB>) — USD 533.33 of USD 1,200.00 paid"},
		{"escalation_pending", escalationPendingCase(), "Escalation to legal pending approval — requested by <@UALICE>"},
		{"escalated", escalatedCase(), "Escalated to collections agency — approved by <@UCFO>"},
		{"settled", settledCase(), "Settled — paid in full"},
		{"rejected_escalation", rejected, "Open since 2026-05-02 · Escalation to legal rejected by <@UCFO>"},
		{"broken_plan", broken, "Payment plan broken by a missed instalment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := contextTexts(Alert(tt.view))
			if !strings.Contains(ctx, tt.want) {
				t.Errorf("context = %q, want it to contain %q", ctx, tt.want)
			}
		})
	}
}

// contextTexts joins the texts of a message's context blocks.
func contextTexts(m Message) string {
	var out []string
	for _, b := range m.Blocks {
		if c, ok := b.(*slack.ContextBlock); ok {
			for _, el := range c.ContextElements.Elements {
				if tx, ok := el.(*slack.TextBlockObject); ok {
					out = append(out, tx.Text)
				}
			}
		}
	}
	return strings.Join(out, " | ")
}

func TestAlert_EscalatedWordingIsExact(t *testing.T) {
	m := Alert(escalatedCase())
	if !strings.Contains(contextTexts(m), "Escalated to collections agency — approved by <@UCFO>") {
		t.Errorf("context = %q", contextTexts(m))
	}
	// Escalated, the case keeps only its records: contacts, disputes, reminders.
	if got := strings.Join(buttons(t, m), ","); got != "log_contact=Log contact,dispute=Dispute,send_reminder=Send reminder" {
		t.Errorf("escalated alert has buttons %q", got)
	}
}

func TestAlert_PlanShowsSchedule(t *testing.T) {
	t.Run("Proposed", func(t *testing.T) {
		s := allText(t, Alert(planProposedCase()))
		for _, want := range []string{"*Payment plan (proposed)*: USD 1,200.00 in 3 instalments (monthly), USD 200.00 down",
			"• 2026-06-30 · USD 200.00 (down payment)", "• 2026-07-07 · USD 333.33", "• 2026-08-07 · USD 333.33", "• 2026-09-07 · USD 333.34"} {
			if !strings.Contains(s, want) {
				t.Errorf("lacks %q:\n%s", want, s)
			}
		}
	})
	t.Run("ActiveWithPartialPayment", func(t *testing.T) {
		s := allText(t, Alert(planActiveCase()))
		for _, want := range []string{"*Payment plan (active)*", "• 2026-06-30 · USD 200.00 (down payment) — paid",
			"• 2026-07-07 · USD 333.33 — paid", "• 2026-08-07 · USD 333.33 — overdue", "• 2026-09-07 · USD 333.34\n",
			"Paid so far: *USD 533.33* of USD 1,200.00"} {
			if !strings.Contains(s, want) {
				t.Errorf("lacks %q:\n%s", want, s)
			}
		}
	})
}

func TestAlert_SettledSaysSoWithoutButtons(t *testing.T) {
	m := Alert(settledCase())
	if m.Text != "ACME Corp. (C-001) is settled — paid in full" {
		t.Errorf("Text = %q", m.Text)
	}
	for _, b := range m.Blocks {
		if b.BlockType() == slack.MBTAction {
			t.Errorf("settled alert has an actions block")
		}
	}
}

func TestAlert_EscapesCustomerText(t *testing.T) {
	v := openCase()
	v.Customer.Name = "<!channel> & Co"
	v.Customer.Ref = "<https://evil.example|click>"
	v.Invoices[0].Number = "<!here>"
	m := Alert(v)
	checkMessage(t, "Alert", m)
	for _, bad := range []string{"<!channel>", "<!here>", "<https://"} {
		// The header is plain_text, which Slack does not parse; every
		// mrkdwn text and the fallback must be escaped.
		for _, s := range append(mrkdwnTexts(toAny(t, m.Blocks)), m.Text) {
			if strings.Contains(s, bad) {
				t.Errorf("%q survives in %q", bad, s)
			}
		}
	}
	if !strings.Contains(m.Text, "&lt;!channel&gt; &amp; Co (&lt;https://evil.example|click&gt;)") {
		t.Errorf("escaped name missing from the fallback: %q", m.Text)
	}
	if !strings.Contains(allText(t, m), "`&lt;!here&gt;` due") {
		t.Errorf("escaped invoice number missing:\n%s", allText(t, m))
	}
}

// TestAlert_NoStageOlderThanWhatIsOverdue: once the oldest invoice is
// paid, the stage reached is not shown beside younger debts.
func TestAlert_NoStageOlderThanWhatIsOverdue(t *testing.T) {
	v := openCase()
	v.Case.Stage = v.OldestDays
	if s := allText(t, Alert(v)); !strings.Contains(s, "Stage: "+stageLabel(v.Case.Stage)) {
		t.Fatalf("the stage reached is not shown:\n%s", s)
	}
	v.Case.Stage = v.OldestDays + 5
	m := Alert(v)
	if s := allText(t, m); strings.Contains(s, "Stage:") || strings.Contains(m.Text, "stage ") {
		t.Errorf("stage %d shown beside %d days overdue:\n%s", v.Case.Stage, v.OldestDays, s)
	}
}
