package blocks

import (
	"fmt"
	"strings"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// maxInvoices is how many invoices a message lists before "+N more".
const maxInvoices = 10

// Alert renders the one message a customer's case has in the collections
// channel: the customer, what is overdue, the stage, the owner, the oldest
// invoices, the case's state and the buttons that state allows. The sweep
// posts it and every later change edits it in place.
func Alert(v collections.CaseView) Message {
	blocks := []slack.Block{header(plainLabel(v.Customer, MaxHeaderText))}
	blocks = append(blocks, section(overview(v)))
	if len(v.Invoices) > 0 {
		blocks = append(blocks, section(invoiceList(v.Invoices, true)))
	}
	if len(v.Disputed) > 0 {
		blocks = append(blocks, section(disputedList(v.Disputed)))
	}
	if p := planSection(v); p != nil {
		blocks = append(blocks, p)
	}
	blocks = append(blocks, contextBlock(stateLine(v), "As of "+date(v.AsOf)))
	if b := alertButtons(v); b != nil {
		blocks = append(blocks, b)
	}
	return message(alertText(v), blocks...)
}

// alertText is the alert's plain-text fallback.
func alertText(v collections.CaseView) string {
	who := customerText(v.Customer)
	switch v.Case.Status {
	case collections.CaseSettled:
		return who + " is settled — paid in full"
	case collections.CaseClosed:
		return who + " is closed — nothing is overdue any more"
	}
	overdue := v.Overdue()
	if len(overdue) == 0 {
		return who + " has nothing overdue — " + plainState(v)
	}
	return fmt.Sprintf("%s owes %s overdue (%s) — %s", who, truncate(moneyList(overdue), 1000), days(v.OldestDays), plainState(v))
}

// overview is the alert's main lines: overdue per currency, the oldest
// invoice, the stage and the owner.
func overview(v collections.CaseView) string {
	var lines []string
	overdue := v.Overdue()
	if len(overdue) == 0 {
		lines = append(lines, "Nothing overdue.")
	} else {
		amounts := make([]string, len(overdue))
		for i, m := range overdue {
			amounts[i] = "*" + m.String() + "*"
		}
		lines = append(lines, clipMrkdwn(strings.Join(amounts, " · ")+" overdue", 2000))
		facts := []string{"Oldest invoice " + days(v.OldestDays) + " overdue"}
		if StageShown(v) {
			facts = append(facts, "Stage: "+stageLabel(v.Case.Stage))
		}
		lines = append(lines, strings.Join(facts, " · "))
	}
	if v.Customer.OwnerSlackID != "" {
		lines = append(lines, "Owner: "+Mention(v.Customer.OwnerSlackID))
	}
	if c := strings.TrimPrefix(contactLine(v.Customer), "\n"); c != "" {
		lines = append(lines, c)
	}
	return strings.Join(lines, "\n")
}

// disputedList lists the invoices in dispute: "*In dispute*" and one line
// each, with the reason.
func disputedList(invs []collections.OpenInvoice) string {
	lines := []string{"*In dispute*"}
	for i, in := range invs {
		if i == maxInvoices {
			lines = append(lines, more(len(invs)-maxInvoices))
			break
		}
		line := fmt.Sprintf("%s due %s · %s", codeSpan(truncate(in.Number, maxInvoiceRunes)), date(in.DueOn),
			collections.Money{Minor: in.Balance, Currency: in.Currency})
		if in.DisputeReason != "" {
			line += " · " + in.DisputeReason.Label()
		}
		lines = append(lines, line)
	}
	return joinLimited(lines, MaxSectionText, more)
}

// invoiceList lists up to ten invoices (number, due date, days overdue,
// balance), then "+N more". overdueOnly names them overdue invoices.
func invoiceList(invs []collections.OpenInvoice, overdueOnly bool) string {
	title := "*Invoices*"
	if overdueOnly {
		title = "*Overdue invoices*"
	}
	lines := []string{title}
	for i, in := range invs {
		if i == maxInvoices {
			lines = append(lines, more(len(invs)-maxInvoices))
			break
		}
		lines = append(lines, invoiceLine(in))
	}
	return joinLimited(lines, MaxSectionText, more)
}

// invoiceLine is one invoice: "`INV-1001` due 2026-05-01 · 60 days overdue · USD 75.50".
func invoiceLine(in collections.OpenInvoice) string {
	return fmt.Sprintf("%s due %s · %s · %s", codeSpan(truncate(in.Number, maxInvoiceRunes)), date(in.DueOn),
		overdueLabel(in.DaysOverdue), collections.Money{Minor: in.Balance, Currency: in.Currency})
}

// stateLine says where the case stands, in mrkdwn, for the context line.
// StateText says where a case stands, as its alert's context line does,
// in plain text: "Snoozed until 8 Jun 2026 by @U0DANA: on holiday".
func StateText(v collections.CaseView) string { return PlainText(stateLine(v)) }

func stateLine(v collections.CaseView) string {
	e := v.Escalation
	switch v.Case.Status {
	case collections.CaseSnoozed:
		line := "Snoozed"
		if v.Case.SnoozedUntil != nil {
			line += " until " + date(*v.Case.SnoozedUntil)
		}
		if s := lastAction(v.LastActions, collections.AuditSnoozed); s != nil {
			line += " by " + Mention(s.Actor)
			if r := strings.TrimSpace(s.Details.Reason); r != "" {
				line += ": " + reasonText(r, maxReasonRunes)
			}
		}
		return line + notes(v)
	case collections.CasePlanProposed:
		line := "Payment plan proposed"
		if v.Plan != nil && v.Plan.ProposedBy != "" {
			line += " by " + Mention(v.Plan.ProposedBy)
		}
		return line + " — waiting for the customer to agree"
	case collections.CasePlanActive:
		line := "Payment plan active"
		if v.Plan != nil {
			if v.Plan.AgreedOn != nil {
				line += " since " + date(*v.Plan.AgreedOn)
			}
			if v.Plan.AgreedBy != "" {
				line += " (agreed by " + Mention(v.Plan.AgreedBy) + ")"
			}
			line += " — " + collections.Money{Minor: v.Plan.Paid, Currency: v.Plan.Proposal.Currency}.String() +
				" of " + collections.Money{Minor: planTotal(v.Plan), Currency: v.Plan.Proposal.Currency}.String() + " paid"
		}
		return line
	case collections.CaseEscalationPending:
		if e == nil {
			return "Escalation pending approval"
		}
		return "Escalation to " + e.Target.Label() + " pending approval — requested by " + Mention(e.RequestedBy)
	case collections.CaseEscalated:
		if e == nil {
			return "Escalated"
		}
		line := "Escalated to " + e.Target.Label()
		if e.DecidedBy != "" {
			line += " — approved by " + Mention(e.DecidedBy)
		}
		return line
	case collections.CasePromised:
		line := "Promised to pay"
		if p := v.Promise; p != nil && p.Status == collections.PromiseOpen {
			line += " " + p.Amount.String() + " by " + date(p.DueOn)
			if p.MadeBy != "" {
				line += " (recorded by " + Mention(p.MadeBy) + ")"
			}
			if p.Paid > 0 {
				line += " — " + collections.Money{Minor: p.Paid, Currency: p.Amount.Currency}.String() + " received"
			}
		}
		return line
	case collections.CaseFollowUp:
		line := "Follow-up"
		if v.Case.SnoozedUntil != nil {
			line += " on " + date(*v.Case.SnoozedUntil)
		}
		if c := lastAction(v.LastActions, collections.AuditContactLogged); c != nil {
			line += " — logged by " + Mention(c.Actor)
		}
		return line
	case collections.CaseSettled:
		return "Settled — paid in full"
	case collections.CaseClosed:
		return "Closed — nothing is overdue any more, though not all of it was paid"
	}
	line := "Open"
	if !v.Case.OpenedAt.IsZero() {
		line += " since " + date(v.Case.OpenedAt)
	}
	return line + notes(v)
}

// notes adds what an open or snoozed case's history says about it: a
// rejected escalation, a broken plan.
func notes(v collections.CaseView) string {
	var out string
	if e := v.Escalation; e != nil {
		switch e.Status {
		case collections.EscalationRejected:
			out += " · Escalation to " + e.Target.Label() + " rejected"
			if e.DecidedBy != "" {
				out += " by " + Mention(e.DecidedBy)
			}
			if n := strings.TrimSpace(e.Note); n != "" {
				out += ": " + reasonText(n, maxReasonRunes)
			}
		case collections.EscalationWithdrawn:
			out += " · Escalation to " + e.Target.Label() + " withdrawn by " + Mention(e.DecidedBy)
		}
	}
	if p := v.Plan; p != nil && p.Status == collections.PlanBroken {
		out += " · Payment plan broken by a missed instalment"
	}
	return out
}

// StageShown reports whether a case's stage goes on its message: the
// stage reached, unless what is overdue now is younger (its oldest
// invoice was paid, or put in dispute), when "stage 30+ days" beside
// "25 days overdue" would not be true.
func StageShown(v collections.CaseView) bool {
	return v.Case.Stage > 0 && v.Case.Stage <= v.OldestDays
}

// plainState is stateLine for the plain-text fallback.
func plainState(v collections.CaseView) string {
	switch v.Case.Status {
	case collections.CaseOpen:
		if StageShown(v) {
			return "stage " + stageLabel(v.Case.Stage)
		}
		return "open"
	}
	return truncate(stateLine(v), 2000)
}

// lastAction returns the newest entry with the given action, or nil.
func lastAction(entries []collections.AuditEntry, action string) *collections.AuditEntry {
	for i := range entries {
		if entries[i].Action == action {
			return &entries[i]
		}
	}
	return nil
}

// planTotal is the sum of a plan's schedule (its proposal's total when the
// schedule is missing).
func planTotal(p *collections.Plan) int64 {
	var t int64
	for _, in := range p.Schedule {
		t += in.Amount
	}
	if t == 0 {
		t = p.Proposal.Total
	}
	return t
}

// planSection shows a proposed or active plan and its schedule; nil when
// the case has no such plan.
func planSection(v collections.CaseView) *slack.SectionBlock {
	p := v.Plan
	if p == nil || (v.Case.Status != collections.CasePlanProposed && v.Case.Status != collections.CasePlanActive) {
		return nil
	}
	schedule := p.Schedule
	if len(schedule) == 0 {
		schedule = p.Proposal.Schedule(v.AsOf)
	}
	title := "*Payment plan (proposed)*"
	paid := int64(-1)
	if v.Case.Status == collections.CasePlanActive {
		title = "*Payment plan (active)*"
		paid = p.Paid
	}
	lines := []string{title + ": " + planTerms(p.Proposal)}
	lines = append(lines, scheduleLines(schedule, p.Proposal.Currency, paid, v.AsOf)...)
	if paid >= 0 {
		lines = append(lines, "Paid so far: *"+collections.Money{Minor: paid, Currency: p.Proposal.Currency}.String()+
			"* of "+collections.Money{Minor: planTotal(p), Currency: p.Proposal.Currency}.String())
	}
	return section(strings.Join(lines, "\n"))
}

// planTerms sums a proposal up: "USD 1,200.00 in 3 instalments (monthly),
// USD 200.00 down".
func planTerms(p collections.PlanProposal) string {
	s := fmt.Sprintf("%s in %s (%s)", collections.Money{Minor: p.Total, Currency: p.Currency},
		plural(p.Instalments, "instalment", "instalments"), p.Frequency.Label())
	if p.DownPayment > 0 {
		s += ", " + collections.Money{Minor: p.DownPayment, Currency: p.Currency}.String() + " down"
	}
	return s
}

// scheduleLines lists instalments: "• 2026-07-07 · USD 400.00". With
// paid ≥ 0 (an active plan) each instalment covered by the payments so far
// is marked paid, and one past due and not covered is marked overdue.
func scheduleLines(schedule []collections.Instalment, currency string, paid int64, asOf time.Time) []string {
	var lines []string
	var cumulative int64
	for _, in := range schedule {
		cumulative += in.Amount
		line := fmt.Sprintf("• %s · %s", date(in.DueOn), collections.Money{Minor: in.Amount, Currency: currency})
		if in.Seq == 0 {
			line += " (down payment)"
		}
		if paid >= 0 {
			if paid >= cumulative {
				line += " — paid"
			} else if asOf.After(in.DueOn) {
				line += " — overdue"
			}
		}
		lines = append(lines, line)
	}
	return lines
}
