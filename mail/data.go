package mail

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/owedhq/owed/collections"
)

// Data is what a template sees: {{.Customer.Name}}, {{range .Invoices}}
// {{.Number}} {{.Balance}} {{end}} and so on. Amounts are formatted for
// people ("USD 1,234.50"), dates as "2 January 2026". The README lists
// every field.
type Data struct {
	Customer   Customer
	Invoices   []Invoice // the invoices the email is about, oldest due first
	Totals     []Total   // per currency, of those invoices
	OldestDays int       // days overdue of the oldest invoice; 0 when none is overdue
	AsOf       string    // the day the email is written
	PayBy      string    // 14 days after AsOf: the date firm and final notices ask for
	Sender     Sender
}

// Customer is the customer an email goes to.
type Customer struct {
	Name  string
	Ref   string // the customer's reference in the accounting system; may be empty
	Email string
}

// Invoice is one invoice an email is about.
type Invoice struct {
	Number       string
	IssuedOn     string
	DueOn        string
	DaysOverdue  int    // 0 when not yet due
	DaysUntilDue int    // 0 when due or overdue
	Currency     string // ISO 4217 code
	Amount       string // the invoice's amount
	Balance      string // what is still owed on it
	PaymentURL   string // the pay-now link; empty when none is set up
	Interest     string // claimable interest; empty until interest terms are set
	Compensation string // claimable compensation; empty until interest terms are set
}

// Total sums the invoices of an email in one currency.
type Total struct {
	Currency     string
	Balance      string // everything owed on the invoices
	Overdue      string // the part of it that is overdue
	Interest     string // empty until interest terms are set
	Compensation string // empty until interest terms are set
}

// Sender is who the email is from.
type Sender struct {
	Name   string // the display name of OWED_MAIL_FROM, e.g. "Acme Accounts"
	Email  string // its address
	Person string // the person who pressed Send; empty when owed sent it
}

// customerDate formats a date for customers: "2 January 2026".
func customerDate(t time.Time) string { return t.Format("2 January 2006") }

// NewData gathers what a template sees about a customer and invoices as
// of a date. paymentURL is OWED_PAYMENT_URL (an invoice's own link wins).
func NewData(c collections.Customer, invoices []collections.OpenInvoice, asOf time.Time, sender Sender, paymentURL string) Data {
	d := Data{
		Customer: Customer{Name: c.Name, Ref: c.Ref, Email: c.Email},
		AsOf:     customerDate(asOf),
		PayBy:    customerDate(asOf.AddDate(0, 0, 14)),
		Sender:   sender,
	}
	type sums struct{ balance, overdue int64 }
	totals := map[string]*sums{}
	var order []string
	for _, inv := range invoices {
		days := collections.DaysBetween(inv.DueOn, asOf)
		i := Invoice{Number: inv.Number, IssuedOn: customerDate(inv.IssuedOn), DueOn: customerDate(inv.DueOn),
			Currency:   inv.Currency,
			Amount:     collections.Money{Minor: inv.Amount, Currency: inv.Currency}.String(),
			Balance:    collections.Money{Minor: inv.Balance, Currency: inv.Currency}.String(),
			PaymentURL: PaymentLink(inv.PaymentURL, paymentURL, inv, c.Ref)}
		s := totals[inv.Currency]
		if s == nil {
			s = &sums{}
			totals[inv.Currency] = s
			order = append(order, inv.Currency)
		}
		s.balance += inv.Balance
		if days > 0 {
			i.DaysOverdue = days
			s.overdue += inv.Balance
			d.OldestDays = max(d.OldestDays, days)
		} else {
			i.DaysUntilDue = -days
		}
		d.Invoices = append(d.Invoices, i)
	}
	for _, cur := range order {
		s := totals[cur]
		d.Totals = append(d.Totals, Total{Currency: cur,
			Balance: collections.Money{Minor: s.balance, Currency: cur}.String(),
			Overdue: collections.Money{Minor: s.overdue, Currency: cur}.String()})
	}
	return d
}

// PaymentLink is an invoice's pay-now link: its own, else the link
// template (OWED_PAYMENT_URL) with {invoice}, {customer_ref}, {amount}
// (the balance, as a plain decimal) and {currency} filled in, each
// escaped for where it stands (a path segment before the "?", a query
// value after it); "" when there is neither. A placeholder with no value
// (the ref of a customer who has none) leaves a query value empty, but
// in the path it would make a link to another page
// (https://pay.example//A-1): there is then no link.
func PaymentLink(own, tmpl string, inv collections.OpenInvoice, customerRef string) string {
	if own != "" {
		return own
	}
	if tmpl == "" {
		return ""
	}
	values := []string{
		"{invoice}", inv.Number,
		"{customer_ref}", customerRef,
		"{amount}", collections.FormatAmount(inv.Balance, inv.Currency),
		"{currency}", inv.Currency,
	}
	path, query := tmpl, ""
	if i := strings.IndexAny(tmpl, "?#"); i >= 0 {
		path, query = tmpl[:i], tmpl[i:]
	}
	for i := 0; i < len(values); i += 2 {
		if values[i+1] == "" && strings.Contains(path, values[i]) {
			return ""
		}
	}
	fill := func(part string, escape func(string) string) string {
		pairs := make([]string, len(values))
		for i := 0; i < len(values); i += 2 {
			pairs[i], pairs[i+1] = values[i], escape(values[i+1])
		}
		return strings.NewReplacer(pairs...).Replace(part)
	}
	return fill(path, url.PathEscape) + fill(query, url.QueryEscape)
}

// placeholder is a {name} in a link template.
var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// CheckPaymentURL checks an OWED_PAYMENT_URL link template: an http(s)
// link whose placeholders are all known.
func CheckPaymentURL(tmpl string) error {
	probe := PaymentLink("", tmpl, collections.OpenInvoice{Number: "INV-1", Currency: "USD", Balance: 100}, "C-1")
	if unknown := placeholder.FindString(probe); unknown != "" {
		return collections.Errorf(collections.EINVALID, "%q: %s is not a placeholder; use {invoice}, {customer_ref}, {amount} or {currency}", tmpl, unknown)
	}
	u, err := url.Parse(probe)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return collections.Errorf(collections.EINVALID, "%q is not an http(s) link template (like https://pay.example.com/{invoice}?amount={amount})", tmpl)
	}
	return nil
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// TextToHTML is the HTML body of a message someone wrote or edited as
// plain text: escaped paragraphs, with links made clickable.
func TextToHTML(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		esc := html.EscapeString(para)
		esc = linkPattern.ReplaceAllStringFunc(esc, func(u string) string {
			return `<a href="` + u + `">` + u + `</a>`
		})
		b.WriteString("<p>" + strings.ReplaceAll(esc, "\n", "<br>\n") + "</p>\n")
	}
	return b.String()
}

// sampleData are the data templates are checked with at start-up: one
// email about several invoices in two currencies with every field set,
// and one about a single invoice with the optional fields empty.
func sampleData() []Data {
	asOf := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	full := NewData(collections.Customer{Name: "ACME Corp.", Ref: "C-001", Email: "ap@acme.example"},
		[]collections.OpenInvoice{
			{Number: "INV-1001", Currency: "USD", Amount: 100000, Balance: 75050, IssuedOn: asOf.AddDate(0, -3, 0), DueOn: asOf.AddDate(0, -2, 0)},
			{Number: "INV-1002", Currency: "EUR", Amount: 20000, Balance: 20000, IssuedOn: asOf.AddDate(0, -1, 0), DueOn: asOf.AddDate(0, 0, 3), PaymentURL: "https://pay.example/INV-1002"},
		}, asOf, Sender{Name: "Example Accounts", Email: "ar@example.com", Person: "Dana"}, "https://pay.example/{invoice}?amount={amount}")
	for i := range full.Invoices {
		full.Invoices[i].Interest, full.Invoices[i].Compensation = "USD 1.00", "USD 40.00"
	}
	for i := range full.Totals {
		full.Totals[i].Interest, full.Totals[i].Compensation = "USD 1.00", "USD 40.00"
	}
	sparse := NewData(collections.Customer{Name: "Bolt Ltd"},
		[]collections.OpenInvoice{{Number: "7", Currency: "JPY", Amount: 1200, Balance: 1200, IssuedOn: asOf, DueOn: asOf.AddDate(0, 0, 30)}},
		asOf, Sender{Name: "Example Accounts", Email: "ar@example.com"}, "")
	return []Data{full, sparse}
}
