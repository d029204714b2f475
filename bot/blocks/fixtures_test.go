package blocks

import (
	"fmt"
	"time"

	"github.com/owedhq/owed/collections"
)

// The pinned dates of every test.
var (
	asOf     = day(2026, 6, 30)
	openedAt = time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC)
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func ptr[T any](v T) *T { return &v }

var acme = collections.Customer{ID: 1, Name: "ACME Corp.", Ref: "C-001", OwnerSlackID: "UOWNER1"}

// invoicesTwoCurrencies are 12 overdue invoices: 10 in USD, 2 in EUR,
// oldest first.
func invoicesTwoCurrencies() []collections.OpenInvoice {
	var out []collections.OpenInvoice
	for i := range 12 {
		cur := "USD"
		if i%6 == 5 {
			cur = "EUR"
		}
		due := day(2026, 4, 16).AddDate(0, 0, 3*i)
		out = append(out, collections.OpenInvoice{
			ID: int64(100 + i), Number: fmt.Sprintf("INV-%04d", 1001+i), CustomerID: 1, Currency: cur,
			Amount: 50000, Balance: 12550 + int64(i)*1000, IssuedOn: due.AddDate(0, 0, -30), DueOn: due,
			DaysOverdue: collections.DaysBetween(due, asOf),
		})
	}
	return out
}

// agingOf sums invoices into per-currency aging, sorted by code.
func agingOf(invs []collections.OpenInvoice) []collections.Aging {
	var r collections.AgingReport
	for _, in := range invs {
		r.Add(in.Currency, in.DaysOverdue, in.Balance)
	}
	return r.Currencies
}

// openCase is a case at stage 30 with 12 overdue invoices in two currencies.
func openCase() collections.CaseView {
	invs := invoicesTwoCurrencies()
	return collections.CaseView{
		Case: collections.Case{ID: 42, CustomerID: 1, Status: collections.CaseOpen, Stage: 30, Version: 3,
			ChannelID: "CCOLLECT", MessageTS: "1700000000.000100", OpenedAt: openedAt, UpdatedAt: openedAt},
		Customer:    acme,
		AsOf:        asOf,
		Outstanding: agingOf(invs),
		Invoices:    invs,
		OldestDays:  invs[0].DaysOverdue,
	}
}

func snoozedCase() collections.CaseView {
	v := openCase()
	v.Case.Status = collections.CaseSnoozed
	v.Case.SnoozedUntil = ptr(day(2026, 12, 1))
	v.Case.Version = 4
	v.LastActions = []collections.AuditEntry{
		{ID: 7, CaseID: 42, Actor: "UALICE", Action: collections.AuditSnoozed,
			Details: collections.AuditDetails{Until: collections.DateOf(day(2026, 12, 1)), Reason: "waiting for PO"}, At: time.Date(2026, 6, 29, 14, 3, 0, 0, time.UTC)},
		{ID: 6, CaseID: 42, Actor: collections.SystemActor, Action: collections.AuditAlerted,
			Details: collections.AuditDetails{Stage: 30, OldestDays: 75, Overdue: []collections.Money{{Minor: 1535_50, Currency: "USD"}}}, At: time.Date(2026, 6, 29, 9, 0, 0, 0, time.UTC)},
	}
	return v
}

func planProposal() collections.PlanProposal {
	return collections.PlanProposal{Currency: "USD", Total: 120000, Instalments: 3, Frequency: collections.Monthly,
		FirstDueOn: day(2026, 7, 7), DownPayment: 20000}
}

func planProposedCase() collections.CaseView {
	v := openCase()
	v.Case.Status = collections.CasePlanProposed
	v.Case.Version = 5
	p := planProposal()
	v.Plan = &collections.Plan{ID: 9, CaseID: 42, Status: collections.PlanProposed, Proposal: p,
		Schedule: p.Schedule(asOf), ProposedBy: "UALICE"}
	return v
}

func planActiveCase() collections.CaseView {
	v := planProposedCase()
	v.Case.Status = collections.CasePlanActive
	v.Case.Version = 6
	v.AsOf = day(2026, 8, 10)
	v.Plan.Status = collections.PlanActive
	v.Plan.AgreedBy = "UBOB"
	v.Plan.AgreedOn = ptr(day(2026, 6, 30))
	v.Plan.Paid = 53333 // the down payment and part of the first instalment
	return v
}

func pendingEscalation() collections.Escalation {
	return collections.Escalation{ID: 77, CaseID: 42, Target: collections.TargetLegal,
		Reason: "Three reminders ignored; the CFO stopped answering.", Status: collections.EscalationPending,
		RequestedBy: "UALICE", RequestedAt: time.Date(2026, 6, 30, 10, 0, 0, 0, time.UTC)}
}

func escalationPendingCase() collections.CaseView {
	v := openCase()
	v.Case.Status = collections.CaseEscalationPending
	v.Case.Version = 7
	v.Escalation = ptr(pendingEscalation())
	return v
}

func approvedEscalation() collections.Escalation {
	e := pendingEscalation()
	e.Target = collections.TargetAgency
	e.Status = collections.EscalationApproved
	e.DecidedBy = "UCFO"
	e.DecidedAt = ptr(time.Date(2026, 7, 1, 8, 30, 0, 0, time.UTC))
	return e
}

func escalatedCase() collections.CaseView {
	v := openCase()
	v.Case.Status = collections.CaseEscalated
	v.Case.Version = 8
	v.Escalation = ptr(approvedEscalation())
	return v
}

func settledCase() collections.CaseView {
	v := openCase()
	v.Case.Status = collections.CaseSettled
	v.Case.Version = 9
	v.Outstanding = nil
	v.Invoices = nil
	v.OldestDays = 0
	return v
}

// caseViews are the representative cases rendered to golden files.
var caseViews = []struct {
	name string
	view func() collections.CaseView
}{
	{"open", openCase},
	{"snoozed", snoozedCase},
	{"plan_proposed", planProposedCase},
	{"plan_active", planActiveCase},
	{"escalation_pending", escalationPendingCase},
	{"escalated", escalatedCase},
	{"settled", settledCase},
}
