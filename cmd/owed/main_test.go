package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// cli runs owed commands against one fresh database, as a user would.
type cli struct {
	t   *testing.T
	env map[string]string
	dir string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	return &cli{t: t, env: map[string]string{"DATABASE_URL": dbtest.URL(t), "OWED_TIMEZONE": "UTC"}, dir: t.TempDir()}
}

// result is what one command printed and its exit code.
type result struct {
	code           int
	stdout, stderr string
}

func (c *cli) run(stdin string, args ...string) result {
	c.t.Helper()
	var out, errOut bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return c.env[k] }}
	code := Main(context.Background(), env, args)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// must runs a command that has to succeed.
func (c *cli) must(args ...string) string {
	c.t.Helper()
	r := c.run("", args...)
	if r.code != 0 {
		c.t.Fatalf("owed %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// db opens the cli's database, closed when the test ends.
func (c *cli) db() *postgres.DB {
	c.t.Helper()
	db, err := postgres.Open(context.Background(), c.env["DATABASE_URL"])
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { db.Close() })
	return db
}

// file writes a CSV file into the test's directory and returns its path.
func (c *cli) file(name, content string) string {
	c.t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return p
}

func (c *cli) json(v any, args ...string) {
	c.t.Helper()
	out := c.must(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("owed %s: not one JSON document: %v\n%s", strings.Join(args, " "), err, out)
	}
}

type agingDoc struct {
	AsOf       string              `json:"as_of"`
	Currencies []map[string]string `json:"currencies"`
}

type showDoc struct {
	AsOf        string              `json:"as_of"`
	Customer    map[string]string   `json:"customer"`
	Outstanding []map[string]string `json:"outstanding"`
	Invoices    []struct {
		Number      string `json:"number"`
		Currency    string `json:"currency"`
		Amount      string `json:"amount"`
		Balance     string `json:"balance"`
		IssuedOn    string `json:"issued_on"`
		DueOn       string `json:"due_on"`
		DaysOverdue int    `json:"days_overdue"`
	} `json:"invoices"`
}

const ledgerCustomers = `name,ref,email,owner
ACME Corp.,C-001,ap@acme.example,U024BE7LH
Bluebird Bakery,C-002,,
`

// Three currencies with 2, 0 and 3 minor digits.
const ledgerInvoices = `Invoice Number,Customer,Currency,Total,Invoice Date,Due Date
INV-1001,C-001,USD,100.00,2026-04-01,2026-05-01
INV-1002,ACME Corp.,USD,120.00,2026-06-01,2026-07-15
INV-1003,acme corp,JPY,1200,2026-03-01,2026-03-15
INV-2001,Bluebird Bakery,BHD,10.500,2026-01-10,2026-02-01
INV-2002,Bluebird Bakery,USD,10.00,2026-07-01,2026-07-20
`

const ledgerPayments = `invoice,amount,paid_on,reference
INV-1001,24.50,2026-06-10,TRX-1
INV-1003,200,2026-07-05,TRX-2
INV-2001,10.500,2026-03-01,
`

func loadLedger(t *testing.T, c *cli) {
	t.Helper()
	c.must("import", "customers", c.file("customers.csv", ledgerCustomers))
	c.must("import", "invoices", c.file("invoices.csv", ledgerInvoices))
	c.must("import", "payments", c.file("payments.csv", ledgerPayments))
}

func TestAging_AsOfDates(t *testing.T) {
	c := newCLI(t)
	loadLedger(t, c)

	t.Run("PartialPaymentsAndCurrencies", func(t *testing.T) {
		var doc agingDoc
		c.json(&doc, "aging", "--as-of", "2026-06-30")
		// As of 2026-06-30: INV-1001 75.50 USD 60 days overdue (31-60);
		// INV-1002 120.00 USD not yet due; INV-1003 1200 JPY 107 days (90+),
		// its payment comes later; INV-2001 paid; INV-2002 not yet issued.
		want := []map[string]string{
			{"currency": "JPY", "current": "0", "1-30": "0", "31-60": "0", "61-90": "0", "90+": "1200", "total": "1200"},
			{"currency": "USD", "current": "120.00", "1-30": "0.00", "31-60": "75.50", "61-90": "0.00", "90+": "0.00", "total": "195.50"},
		}
		if doc.AsOf != "2026-06-30" {
			t.Errorf("as_of = %q", doc.AsOf)
		}
		assertRows(t, doc.Currencies, want)
	})
	t.Run("BeforeAPaymentTheInvoiceIsOpen", func(t *testing.T) {
		var doc agingDoc
		c.json(&doc, "aging", "--as-of", "2026-02-15")
		// Only INV-2001 is issued: due 2026-02-01, paid in full on 2026-03-01.
		want := []map[string]string{
			{"currency": "BHD", "current": "0.000", "1-30": "10.500", "31-60": "0.000", "61-90": "0.000", "90+": "0.000", "total": "10.500"},
		}
		assertRows(t, doc.Currencies, want)
	})
	t.Run("AfterEveryPayment", func(t *testing.T) {
		var doc agingDoc
		c.json(&doc, "aging", "--as-of", "2026-08-01")
		want := []map[string]string{
			{"currency": "JPY", "current": "0", "1-30": "0", "31-60": "0", "61-90": "0", "90+": "1000", "total": "1000"},
			// INV-1001 is 92 days overdue; INV-1002 17 and INV-2002 12 days.
			{"currency": "USD", "current": "0.00", "1-30": "130.00", "31-60": "0.00", "61-90": "0.00", "90+": "75.50", "total": "205.50"},
		}
		assertRows(t, doc.Currencies, want)
	})
	t.Run("BeforeEveryInvoiceNothingIsOwed", func(t *testing.T) {
		var doc agingDoc
		c.json(&doc, "aging", "--as-of", "2025-12-31")
		if len(doc.Currencies) != 0 {
			t.Errorf("currencies = %v, want none", doc.Currencies)
		}
	})
}

func assertRows(t *testing.T, got, want []map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d currencies %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		for k, v := range want[i] {
			if got[i][k] != v {
				t.Errorf("%s %s = %q, want %q", want[i]["currency"], k, got[i][k], v)
			}
		}
	}
}

func TestShow(t *testing.T) {
	c := newCLI(t)
	loadLedger(t, c)

	t.Run("FiguresAsOfADate", func(t *testing.T) {
		var doc showDoc
		c.json(&doc, "show", "acme", "--as-of", "2026-06-30")
		if doc.Customer["name"] != "ACME Corp." || doc.Customer["ref"] != "C-001" {
			t.Fatalf("customer = %v", doc.Customer)
		}
		if len(doc.Invoices) != 3 {
			t.Fatalf("invoices = %+v, want INV-1003, INV-1001, INV-1002", doc.Invoices)
		}
		first := doc.Invoices[1]
		if first.Number != "INV-1001" || first.Amount != "100.00" || first.Balance != "75.50" ||
			first.DaysOverdue != 60 || first.DueOn != "2026-05-01" || first.IssuedOn != "2026-04-01" {
			t.Errorf("INV-1001 = %+v", first)
		}
		if doc.Invoices[0].Number != "INV-1003" || doc.Invoices[0].Balance != "1200" {
			t.Errorf("oldest invoice = %+v, want INV-1003 with 1200 JPY", doc.Invoices[0])
		}
		if doc.Invoices[2].DaysOverdue != 0 {
			t.Errorf("not-yet-due invoice days_overdue = %d, want 0", doc.Invoices[2].DaysOverdue)
		}
		assertRows(t, doc.Outstanding, []map[string]string{
			{"currency": "JPY", "90+": "1200", "total": "1200"},
			{"currency": "USD", "current": "120.00", "31-60": "75.50", "total": "195.50"},
		})
	})
	t.Run("ForgivingNames", func(t *testing.T) {
		for _, q := range []string{"ACME", "acme corp", "Acme Corp.", "C-001", "acmee", "blue", "bakery", "bluebird bakry"} {
			var doc showDoc
			c.json(&doc, "show", q, "--as-of", "2026-06-30")
			if doc.Customer["name"] == "" {
				t.Errorf("show %q found nobody", q)
			}
		}
	})
	t.Run("NoMatchExits1", func(t *testing.T) {
		r := c.run("", "show", "zebra")
		if r.code != 1 || !strings.Contains(r.stderr, "no customer matches") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("AmbiguousListsCandidates", func(t *testing.T) {
		c.must("import", "customers", c.file("more.csv", "name\nAcme Supplies\n"))
		r := c.run("", "show", "acme")
		if r.code != 1 || !strings.Contains(r.stderr, "ACME Corp. (C-001)") || !strings.Contains(r.stderr, "Acme Supplies") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("BadUsageExits2", func(t *testing.T) {
		if r := c.run("", "show"); r.code != 2 {
			t.Errorf("show without customer: exit %d", r.code)
		}
		if r := c.run("", "aging", "--as-of", "30/06/2026"); r.code != 2 {
			t.Errorf("bad --as-of: exit %d", r.code)
		}
		if r := c.run("", "frobnicate"); r.code != 2 {
			t.Errorf("unknown command: exit %d", r.code)
		}
		// A command that takes no arguments refuses them, before it
		// starts anything or reads its settings.
		for _, cmd := range []string{"migrate", "version", "serve", "dev", "sweep", "aging"} {
			if r := c.run("", cmd, "extra"); r.code != 2 || !strings.Contains(r.stderr, cmd+` takes no arguments, got "extra"`) {
				t.Errorf("%s extra: exit %d, stderr %q", cmd, r.code, r.stderr)
			}
		}
		if r := c.run("", "sweep", "--as-of", "bad"); r.code != 2 {
			t.Errorf("sweep --as-of bad: exit %d, stderr %q", r.code, r.stderr)
		}
		// A bad flag is said once, on stderr, with where to look.
		r := c.run("", "show", "acme", "--bogus")
		if r.code != 2 || r.stdout != "" || strings.Count(r.stderr, "-bogus") != 1 || !strings.Contains(r.stderr, "owed -h") {
			t.Errorf("a bad flag: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		if r := c.run("", "show", "-h"); r.code != 0 || !strings.Contains(r.stdout, "Usage: owed show") || r.stderr != "" {
			t.Errorf("show -h: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
	})
}

// snapshot dumps the ledger so tests can prove that nothing changed.
func snapshot(t *testing.T, c *cli) string {
	t.Helper()
	return c.must("aging", "--as-of", "2030-01-01", "--json") + c.must("show", "acme", "--as-of", "2030-01-01", "--json")
}

func TestImport_BadFileChangesNothing(t *testing.T) {
	c := newCLI(t)
	loadLedger(t, c)
	before := snapshot(t, c)
	bad := c.file("bad.csv", "number,customer,currency,amount,issued_on,due_on\n"+
		"INV-3001,ACME Corp.,USD,50.00,2026-06-01,2026-07-01\n"+
		"INV-3002,ACME Corp.,USD,12.345,2026-06-01,2026-07-01\n"+
		"INV-3003,ACME Corp.,XYZ,10.00,2026-06-01,2026-07-01\n"+
		"INV-3004,ACME Corp.,USD,10.00,2026-13-01,2026-07-01\n"+
		"INV-3005,New Customer Ltd,JPY,10.5,2026-06-01,2026-07-01\n"+
		"INV-3006,Bad \"quote\" Co,USD,1.00,2026-06-01,2026-07-01\n"+ // not CSV: a stray quote
		"INV-3007,ACME Corp.,USD,1,250.00,2026-06-01,2026-07-01\n"+ // an unquoted thousands separator
		"INV-3008,ACME Corp.,USD,10.00,0001-01-01,2026-07-01\n")
	r := c.run("", "import", "invoices", bad)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	for _, want := range []string{bad + ":3: amount:", bad + ":4: currency:", bad + ":5: issued_on:", bad + ":6: amount:",
		bad + ":7: csv: malformed CSV", bad + ":8: row: has 7 cells, the header 6", bad + ":9: issued_on: 0001-01-01 is not a plausible date", "owed: 7 problems;"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, ":2:") {
		t.Errorf("good line 2 reported:\n%s", r.stderr)
	}
	if after := snapshot(t, c); after != before {
		t.Errorf("a rejected file changed the ledger")
	}
	if r := c.run("", "show", "new customer"); r.code != 1 {
		t.Errorf("the rejected file created a customer")
	}
}

func TestImport_SameFileTwiceChangesNothing(t *testing.T) {
	c := newCLI(t)
	loadLedger(t, c)
	before := snapshot(t, c)
	for _, f := range []struct{ kind, name, body string }{
		{"customers", "customers.csv", ledgerCustomers},
		{"invoices", "invoices.csv", ledgerInvoices},
		{"payments", "payments.csv", ledgerPayments},
	} {
		out := c.must("import", f.kind, c.file(f.name, f.body))
		if !strings.Contains(out, "0 created, 0 updated") {
			t.Errorf("second %s import: %s", f.kind, out)
		}
	}
	if after := snapshot(t, c); after != before {
		t.Errorf("a repeated import changed the ledger:\n%s\n---\n%s", before, after)
	}
}

func TestImport_OverpaymentIsRefused(t *testing.T) {
	c := newCLI(t)
	loadLedger(t, c)
	before := snapshot(t, c)
	over := c.file("over.csv", "invoice,amount,paid_on,reference\nINV-1001,50.00,2026-07-01,TRX-9\nINV-1001,30.00,2026-07-02,TRX-10\n")
	r := c.run("", "import", "payments", over)
	if r.code != 1 || !strings.Contains(r.stderr, over+":3: amount: payment of 30.00 USD exceeds the balance 25.50 USD of invoice INV-1001") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if after := snapshot(t, c); after != before {
		t.Errorf("a refused payment changed the ledger")
	}
}

func TestImport_DryRunAndStdin(t *testing.T) {
	c := newCLI(t)
	out := c.run("Name,Ref\nACME Corp.,C-001\n", "import", "customers", "-", "--dry-run")
	if out.code != 0 || !strings.Contains(out.stdout, "1 created") {
		t.Fatalf("dry run: exit %d: %s %s", out.code, out.stdout, out.stderr)
	}
	if r := c.run("", "show", "acme"); r.code != 1 {
		t.Errorf("a dry run created the customer")
	}
	if r := c.run("\ufeffName,Ref\nACME Corp.,C-001\n", "import", "customers", "-"); r.code != 0 {
		t.Fatalf("stdin with BOM: exit %d: %s", r.code, r.stderr)
	}
	if r := c.run("", "show", "acme"); r.code != 0 {
		t.Errorf("the imported customer is not found: %s", r.stderr)
	}
}

func TestImport_ExampleFilesFromTheREADME(t *testing.T) {
	c := newCLI(t)
	for _, kind := range []string{"customers", "invoices", "payments"} {
		out := c.must("import", kind, filepath.Join("..", "..", "examples", kind+".csv"))
		if !strings.Contains(out, "imported") {
			t.Errorf("%s: %s", kind, out)
		}
	}
	var doc showDoc
	// The paid part of INV-1002 is recorded as a payment dated the import
	// day, so look from a date after it: INV-1001 1,250.00 less 250.00, and
	// INV-1002's 480.50 still due.
	c.json(&doc, "show", "acme", "--as-of", "2099-01-01")
	assertRows(t, doc.Outstanding, []map[string]string{{"currency": "USD", "total": "1480.50"}})
	var aging agingDoc
	c.json(&aging, "aging", "--as-of", "2099-01-01")
	assertRows(t, aging.Currencies, []map[string]string{
		{"currency": "BHD", "total": "1200.500"},
		{"currency": "JPY", "total": "100000"},
		{"currency": "USD", "total": "1480.50"},
	})

	// The README's example of show --json is what owed prints for them.
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "$ bin/owed show acme --as-of 2026-06-30 --json\n"
	_, example, ok := strings.Cut(string(readme), cmd)
	example, _, _ = strings.Cut(example, "```")
	var want, got any
	if !ok || json.Unmarshal([]byte(example), &want) != nil {
		t.Fatalf("the README has no JSON after %q", cmd)
	}
	if err := json.Unmarshal([]byte(c.must("show", "acme", "--as-of", "2026-06-30", "--json")), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("owed show acme --as-of 2026-06-30 --json prints\n%v\nthe README shows\n%v", got, want)
	}
}

func TestImport_ChangedInvoicesAndOpeningBalances(t *testing.T) {
	c := newCLI(t)
	header := "number,customer,currency,amount,issued_on,due_on,balance\n"
	c.must("import", "invoices", c.file("v1.csv", header+"INV-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01,60.00\n"))
	var doc showDoc
	c.json(&doc, "show", "acme", "--as-of", "2099-01-01")
	if len(doc.Invoices) != 1 || doc.Invoices[0].Balance != "60.00" {
		t.Fatalf("after the first import: %+v", doc.Invoices)
	}
	// The accounting system's next export: a corrected amount and a later balance.
	out := c.must("import", "invoices", c.file("v2.csv", header+"INV-1,ACME Corp.,USD,120.00,2026-04-01,2026-05-15,50.00\n"))
	if !strings.Contains(out, "0 created, 1 updated") {
		t.Errorf("second import: %s", out)
	}
	c.json(&doc, "show", "acme", "--as-of", "2099-01-01")
	if inv := doc.Invoices[0]; inv.Amount != "120.00" || inv.Balance != "50.00" || inv.DueOn != "2026-05-15" {
		t.Errorf("after the update: %+v", inv)
	}
	// A payment recorded in owed counts: the same export again changes nothing,
	// and a balance the payments contradict is refused.
	c.must("import", "payments", c.file("p.csv", "invoice,amount,paid_on,reference\nINV-1,10.00,2026-06-01,TRX-1\n"))
	c.json(&doc, "show", "acme", "--as-of", "2099-01-01")
	if doc.Invoices[0].Balance != "40.00" {
		t.Errorf("after a payment: %+v", doc.Invoices[0])
	}
	out = c.must("import", "invoices", c.file("v3.csv", header+"INV-1,ACME Corp.,USD,120.00,2026-04-01,2026-05-15,40.00\n"))
	if !strings.Contains(out, "0 created, 0 updated, 1 unchanged") {
		t.Errorf("consistent export: %s", out)
	}
	r := c.run("", "import", "invoices", c.file("v4.csv", header+"INV-1,ACME Corp.,USD,120.00,2026-04-01,2026-05-15,115.00\n"))
	if r.code != 1 || !strings.Contains(r.stderr, "v4.csv:2: balance:") {
		t.Errorf("contradicting balance: exit %d, %s", r.code, r.stderr)
	}
	r = c.run("", "import", "invoices", c.file("v5.csv", header+"INV-1,ACME Corp.,EUR,120.00,2026-04-01,2026-05-15,\n"))
	if r.code != 1 || !strings.Contains(r.stderr, "v5.csv:2: currency:") {
		t.Errorf("currency change under payments: exit %d, %s", r.code, r.stderr)
	}
}
