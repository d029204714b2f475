package mail_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/mail"
)

var asOf = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)

func acmeInvoices() []collections.OpenInvoice {
	return []collections.OpenInvoice{
		{ID: 1, Number: "INV 1001/A", Currency: "USD", Amount: 100000, Balance: 75050, IssuedOn: asOf.AddDate(0, -3, 0), DueOn: asOf.AddDate(0, 0, -45)},
		{ID: 2, Number: "INV-1002", Currency: "JPY", Amount: 1200, Balance: 1200, IssuedOn: asOf.AddDate(0, -1, 0), DueOn: asOf.AddDate(0, 0, -5),
			PaymentURL: "https://pay.example/own/INV-1002"},
	}
}

var acme = collections.Customer{Name: "ACME <Corp> & Co", Ref: "C/001", Email: "ap@acme.example"}

func TestTemplates_BuiltInOnesRenderTheFacts(t *testing.T) {
	tm, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	c := &mail.Composer{Templates: tm, From: "Acme Accounts <ar@acme.example>", PaymentURL: "https://pay.example/{customer_ref}/{invoice}?amount={amount}&currency={currency}"}
	for _, name := range collections.ReminderTemplates {
		t.Run(name, func(t *testing.T) {
			d, err := c.Compose(name, acme, acmeInvoices(), asOf, "Dana Whitfield")
			if err != nil {
				t.Fatal(err)
			}
			if d.Subject == "" || strings.Contains(d.Subject, "\n") || !strings.Contains(d.Subject, "Acme Accounts") {
				t.Errorf("subject %q", d.Subject)
			}
			for _, want := range []string{"ACME <Corp> & Co", "INV 1001/A", "USD 750.50", "JPY 1,200",
				"https://pay.example/C%2F001/INV%201001%2FA?amount=750.50&currency=USD", "https://pay.example/own/INV-1002", "Dana Whitfield"} {
				if !strings.Contains(d.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, d.Text)
				}
			}
			if !strings.Contains(d.HTML, "ACME &lt;Corp&gt; &amp; Co") || strings.Contains(d.HTML, "<Corp>") {
				t.Errorf("HTML does not escape the customer's name:\n%s", d.HTML)
			}
			threat := strings.Contains(strings.ToLower(d.Text), "collections agency") || strings.Contains(strings.ToLower(d.Text), "legal")
			if threat != (name == collections.TemplateFinalNotice) {
				t.Errorf("%s mentions agency or legal action: %v", name, threat)
			}
			if name != collections.TemplateFinalNotice && !strings.Contains(d.Text, "instalments") && !strings.Contains(d.Text, "payment plan") {
				t.Errorf("%s offers no payment plan", name)
			}
		})
	}
}

func TestTemplates_OneDayOverdueIsOneDay(t *testing.T) {
	tm, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	c := &mail.Composer{Templates: tm, From: "Acme Accounts <ar@acme.example>"}
	invs := []collections.OpenInvoice{{ID: 1, Number: "A-1", Currency: "USD", Amount: 100, Balance: 100, IssuedOn: asOf.AddDate(0, -1, 0), DueOn: asOf.AddDate(0, 0, -1)},
		{ID: 2, Number: "A-2", Currency: "USD", Amount: 100, Balance: 100, IssuedOn: asOf.AddDate(0, -1, 0), DueOn: asOf.AddDate(0, 0, -2)}}
	d, err := c.Compose(collections.TemplateReminder, acme, invs, asOf, "Dana")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Text, "(1 day ago)") || !strings.Contains(d.Text, "(2 days ago)") || strings.Contains(d.Text, "1 days") {
		t.Errorf("days overdue not worded by number:\n%s", d.Text)
	}
}

func TestTemplates_OverridesAreCheckedAtStart(t *testing.T) {
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	t.Run("OverrideIsUsed", func(t *testing.T) {
		dir := write(t, map[string]string{"reminder.subject.tmpl": "Pay {{.Customer.Name}}, please"})
		tm, err := mail.LoadTemplates(dir)
		if err != nil {
			t.Fatal(err)
		}
		d, err := tm.Render("reminder", mail.NewData(acme, acmeInvoices(), asOf, mail.Sender{Name: "A"}, ""))
		if err != nil || d.Subject != "Pay ACME <Corp> & Co, please" {
			t.Errorf("subject %q, %v", d.Subject, err)
		}
		var files map[string]string
		for _, info := range tm.List() {
			if info.Name == "reminder" {
				files = info.Files
			}
		}
		if files["subject"] != filepath.Join(dir, "reminder.subject.tmpl") || files["txt"] != "built-in" {
			t.Errorf("sources %v", files)
		}
	})
	t.Run("UnknownFieldNamesFileAndLine", func(t *testing.T) {
		dir := write(t, map[string]string{"firm.txt.tmpl": "Hello\n{{range .Invoices}}{{.Numbr}}{{end}}\n"})
		_, err := mail.LoadTemplates(dir)
		want := filepath.Join(dir, "firm.txt.tmpl") + ":2:"
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "Numbr") {
			t.Errorf("error %v, want it to name %s and the field", err, want)
		}
	})
	t.Run("ParseErrorNamesFileAndLine", func(t *testing.T) {
		dir := write(t, map[string]string{"courtesy.html.tmpl": "<p>\n\n{{if .Customer}}unclosed</p>\n"})
		_, err := mail.LoadTemplates(dir)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "courtesy.html.tmpl")+":") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("MisspeltFileIsRefused", func(t *testing.T) {
		dir := write(t, map[string]string{"reminde.txt.tmpl": "x"})
		if _, err := mail.LoadTemplates(dir); err == nil || !strings.Contains(err.Error(), "reminde.txt.tmpl") {
			t.Errorf("error %v", err)
		}
	})
}

func TestTextToHTML_EscapesAndLinks(t *testing.T) {
	got := mail.TextToHTML("Hi <b>you</b>,\n\nPay at https://pay.example/x?a=1&b=2 please.\nThanks")
	for _, want := range []string{"<p>Hi &lt;b&gt;you&lt;/b&gt;,</p>", `<a href="https://pay.example/x?a=1&amp;b=2">`, "please.<br>\nThanks</p>"} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
}

func TestCheckPaymentURL(t *testing.T) {
	if err := mail.CheckPaymentURL("https://pay.example/{invoice}"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"pay.example/{invoice}", "ftp://x/{invoice}", "https:///{invoice}", "https://pay.example/{invoce}"} {
		if err := mail.CheckPaymentURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := mail.CheckPaymentURL("https://pay.example/{invoce}"); err == nil || !strings.Contains(err.Error(), "{invoce} is not a placeholder") {
		t.Errorf("a misspelt placeholder: %v", err)
	}
}

// Each placeholder is escaped for where it stands, so that an invoice
// number with "&", "+" or "/" reaches the pay page whole.
func TestPaymentLink_EscapesForThePathAndTheQuery(t *testing.T) {
	inv := collections.OpenInvoice{Number: "A&B+1/2", Currency: "USD", Balance: 123450}
	got := mail.PaymentLink("", "https://pay.example/{customer_ref}/{invoice}?inv={invoice}&ref={customer_ref}&amount={amount}&cur={currency}", inv, "C 001&x")
	want := "https://pay.example/C%20001&x/A&B+1%2F2?inv=A%26B%2B1%2F2&ref=C+001%26x&amount=1234.50&cur=USD"
	if got != want {
		t.Errorf("link\n got %s\nwant %s", got, want)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("inv") != inv.Number || q.Get("ref") != "C 001&x" || q.Get("amount") != "1234.50" {
		t.Errorf("the pay page reads %v", q)
	}
	if own := mail.PaymentLink("https://own.example/x", "https://pay.example/{invoice}", inv, "C-1"); own != "https://own.example/x" {
		t.Errorf("the invoice's own link: %s", own)
	}
}

// A customer with no ref gets no broken pay link: a link that needs the
// ref in its path is left out (the invoice is still listed, without a
// pay link), and one that has it in the query gets it empty.
func TestPaymentLink_ACustomerWithNoRef(t *testing.T) {
	inv := collections.OpenInvoice{Number: "A-1", Currency: "USD", Balance: 10000}
	if got := mail.PaymentLink("", "https://pay.example/{customer_ref}/{invoice}", inv, ""); got != "" {
		t.Errorf("the ref in the path: %q, want no link", got)
	}
	if got := mail.PaymentLink("", "https://{customer_ref}.pay.example/{invoice}", inv, ""); got != "" {
		t.Errorf("the ref in the host: %q, want no link", got)
	}
	want := "https://pay.example/A-1?ref=&amount=100.00"
	if got := mail.PaymentLink("", "https://pay.example/{invoice}?ref={customer_ref}&amount={amount}", inv, ""); got != want {
		t.Errorf("the ref in the query: %q, want %q", got, want)
	}
	if got := mail.PaymentLink("https://own.example/a1", "https://pay.example/{customer_ref}/{invoice}", inv, ""); got != "https://own.example/a1" {
		t.Errorf("the invoice's own link: %q", got)
	}

	tm, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	c := &mail.Composer{Templates: tm, From: "Acme Accounts <ar@acme.example>", PaymentURL: "https://pay.example/{customer_ref}/{invoice}"}
	d, err := c.Compose(collections.TemplateReminder, collections.Customer{Name: "Bolt Ltd", Email: "ap@bolt.example"}, acmeInvoices(), asOf, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{d.Text, d.HTML} {
		if strings.Contains(body, "pay.example//") || strings.Contains(body, "pay.example/INV") {
			t.Errorf("a pay link without the customer's ref:\n%s", body)
		}
		if !strings.Contains(body, "INV 1001/A") || !strings.Contains(body, "https://pay.example/own/INV-1002") {
			t.Errorf("the invoices, or the invoice's own link, are missing:\n%s", body)
		}
	}
	if n := strings.Count(d.Text, "Pay online:"); n != 1 {
		t.Errorf("%d pay links in the text, want the invoice's own only:\n%s", n, d.Text)
	}
}

// TestTemplates_FinalNoticeClaimsNoEarlierReminders: the final notice may
// be the first email a customer gets, so it states the facts of the
// balance and does not say that earlier reminders went unanswered.
func TestTemplates_FinalNoticeClaimsNoEarlierReminders(t *testing.T) {
	tm, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	c := &mail.Composer{Templates: tm, From: "Acme Accounts <ar@acme.example>"}
	d, err := c.Compose(collections.TemplateFinalNotice, acme, acmeInvoices(), asOf, "Dana")
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{d.Text, d.HTML} {
		lower := strings.ToLower(body)
		for _, claim := range []string{"earlier reminder", "not been answered", "previous reminder", "ignored"} {
			if strings.Contains(lower, claim) {
				t.Errorf("the final notice says %q, true only if earlier emails went out:\n%s", claim, body)
			}
		}
		if !strings.Contains(body, "45 days past due and still unpaid") {
			t.Errorf("the final notice does not state the balance is unpaid:\n%s", body)
		}
	}
}
