package blocks

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/collections"
)

// disputedCase is openCase with its oldest invoice in dispute.
func disputedCase() collections.CaseView {
	v := openCase()
	in := v.Invoices[0]
	in.Disputed, in.DisputeReason = true, collections.DisputeNotReceived
	v.Disputed = []collections.OpenInvoice{in}
	v.Invoices = v.Invoices[1:]
	var r collections.AgingReport
	for _, x := range v.Invoices {
		r.Add(x.Currency, x.DaysOverdue, x.Balance)
	}
	r.AddDisputed(in.Currency, in.DaysOverdue, in.Balance)
	v.Outstanding = r.Currencies
	v.Customer.Email, v.Customer.Phone, v.Customer.Tier = "ap@acme.example", "+1 555 0100", "A"
	return v
}

func TestAlert_DisputedInvoicesAreApartAndOutOfTheOverdueTotal(t *testing.T) {
	v := disputedCase()
	m := Alert(v)
	checkMessage(t, "Alert", m)
	s := allText(t, m)
	if !strings.Contains(s, "*In dispute*\n`INV-1001` due 2026-04-16 · USD 125.50 · not received") {
		t.Errorf("no In dispute section:\n%s", s)
	}
	// Ten USD invoices of 125.50 + 10 a step, the first disputed: the
	// overdue USD total leaves it out.
	var usd int64
	for _, in := range v.Invoices {
		if in.Currency == "USD" && in.DaysOverdue > 0 {
			usd += in.Balance
		}
	}
	want := "*" + collections.Money{Minor: usd, Currency: "USD"}.String() + "*"
	if !strings.Contains(s, want) {
		t.Errorf("overdue total %s not shown:\n%s", want, s)
	}
	if !strings.Contains(s, "Email ap@acme.example · Phone +1 555 0100 · Tier A") {
		t.Errorf("no contact details:\n%s", s)
	}
	if !strings.Contains(strings.Join(buttons(t, m), ","), "resolve_dispute=Resolve dispute") {
		t.Errorf("no Resolve dispute button: %q", buttons(t, m))
	}
}

func TestSummary_MarksDisputedInvoices(t *testing.T) {
	v := disputedCase()
	sum := collections.CustomerSummary{AsOf: asOf, Customer: v.Customer, Outstanding: v.Outstanding,
		Invoices: append(append([]collections.OpenInvoice{}, v.Disputed...), v.Invoices...)}
	s := allText(t, Summary(sum, &v, nil))
	if !strings.Contains(s, "*In dispute*") || strings.Count(s, "INV-1001") != 1 {
		t.Errorf("summary:\n%s", s)
	}
}

func TestParseContact_PromisedOutcomeNeedsAPromise(t *testing.T) {
	v := openCase()
	modal := ContactModal(v, asOf)
	_, p, errs := ParseContact(viewState(t, modal, map[string]entry{
		BlockContactChannel: {option: "call"}, BlockContactOutcome: {option: "promised"},
		BlockPromiseAmount: {text: "1.001"},
	}), v, asOf)
	if p == nil || errs[BlockPromiseAmount] == "" || errs[BlockPromiseDate] == "" {
		t.Errorf("promise %v, errs %q", p, errs)
	}
	c, p, errs := ParseContact(viewState(t, modal, map[string]entry{
		BlockContactChannel: {option: "email"}, BlockContactOutcome: {option: "no_answer"},
		BlockContactFollowUp: {date: "2026-07-03"},
	}), v, asOf)
	if errs != nil || p != nil || c.FollowUp == nil || c.FollowUp.String() != "2026-07-03" || c.Channel != collections.ContactEmail {
		t.Errorf("contact %+v, promise %v, errs %q", c, p, errs)
	}
}

func TestParseContact_AFollowUpOnlyWhereTheCaseCanWaitForOne(t *testing.T) {
	v := planActiveCase()
	_, _, errs := ParseContact(viewState(t, ContactModal(v, asOf), map[string]entry{
		BlockContactChannel: {option: "call"}, BlockContactOutcome: {option: "reached"},
		BlockContactFollowUp: {date: "2026-07-03"},
	}), v, asOf)
	if !strings.Contains(errs[BlockContactFollowUp], "on an active payment plan") {
		t.Errorf("errs = %q", errs)
	}
}

// Slack lists at most 100 options: a Dispute or Resolve list of more says
// it shows the first 100 and when the others come; one of 100 says
// nothing.
func TestDisputeModal_AListCutTo100SaysSo(t *testing.T) {
	v := hugeCase(collections.CaseOpen) // 500 overdue invoices
	in := inputs(DisputeModal(v))[BlockDisputeInvoices]
	if in.Hint == nil || in.Hint.Text != "Lists the first 100 of 500 invoices (Slack shows at most 100); the others are listed once these are put in dispute." {
		t.Errorf("hint = %+v", in.Hint)
	}
	if n := len(in.Element.(*slack.MultiSelectBlockElement).Options); n != 100 {
		t.Errorf("%d options, want 100", n)
	}
	v.Disputed = v.Invoices[:101]
	if in := inputs(ResolveModal(v))[BlockResolveInvoices]; in.Hint == nil || !strings.Contains(in.Hint.Text, "first 100 of 101 invoices") {
		t.Errorf("resolve hint = %+v", in.Hint)
	}
	v.Invoices = v.Invoices[:100]
	if in := inputs(DisputeModal(v))[BlockDisputeInvoices]; in.Hint != nil && in.Hint.Text != "" {
		t.Errorf("a list of 100 has the hint %q", in.Hint.Text)
	}
}
