package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

// importReader imports a file read from r, returning what the importer says.
func importReader(db *postgres.DB, kind collections.ImportKind, file string, r io.Reader) (collections.ImportResult, error) {
	rows, err := collections.NewRowReader(r, file, kind)
	if err != nil {
		return collections.ImportResult{}, err
	}
	return postgres.NewImportService(db).Import(context.Background(), kind, rows,
		collections.ImportOptions{File: file, Today: date("2026-06-01")})
}

func importBody(db *postgres.DB, kind collections.ImportKind, file, body string) (collections.ImportResult, error) {
	return importReader(db, kind, file, strings.NewReader(body))
}

// problemsOf returns the problems of an import as people see them; any
// other error fails the test.
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	var ie *collections.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v (%T), want an *ImportError listing FILE:LINE: column: problem", err, err)
	}
	var out []string
	for _, p := range ie.Problems {
		out = append(out, p.String())
	}
	return out
}

// expectProblems checks that the problems are exactly those given, each as
// a prefix "FILE:LINE: column: " and words the message contains.
func expectProblems(t *testing.T, got []string, want ...[2]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w[0]) || !strings.Contains(got[i], w[1]) {
			t.Errorf("problem %d = %q, want %q … %q", i, got[i], w[0], w[1])
		}
	}
}

const invoiceHeader = "number,customer,currency,amount,issued_on,due_on\n"

// repeatReader gives n bytes of b without holding them in memory.
type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	p = p[:min(len(p), r.n)]
	for i := range p {
		p[i] = r.b
	}
	r.n -= len(p)
	return len(p), nil
}

func TestImport_UnreadableCellsAreProblemsNotDriverErrors(t *testing.T) {
	db := dbtest.New(t)
	file := io.MultiReader(strings.NewReader(invoiceHeader+
		"INV-1,Acme,USD,10.00,2026-01-01,2026-02-01\n"+
		"INV-2,Caf\xe9 Latin-1,USD,10.00,2026-01-01,2026-02-01\n"+
		"INV-\x003,Acme,USD,10.00,2026-01-01,2026-02-01\n"+
		"INV-4,\""), &repeatReader{b: 'x', n: 10 << 20}, strings.NewReader("\",USD,10.00,2026-01-01,2026-02-01\n"+
		"INV-5,"+strings.Repeat("y", 600)+",USD,10.00,2026-01-01,2026-02-01\n"+
		"INV-6,Acme,USD,10.00,2026-01-01,2026-02-01\n"))
	_, err := importReader(db, collections.ImportInvoices, "inv.csv", file)
	expectProblems(t, problemsOf(t, err),
		[2]string{"inv.csv:3: customer: ", "not valid UTF-8"},
		[2]string{"inv.csv:4: number: ", "NUL byte"},
		[2]string{"inv.csv:5: customer: ", "longer than 65536 bytes"},
		[2]string{"inv.csv:6: customer: ", "is 600 characters long; at most 500"},
	)
	if n := count(t, db, `SELECT count(*) FROM invoices`); n != 0 {
		t.Errorf("%d invoices stored from a rejected file", n)
	}
}

func TestImport_CROnlyLineEndings(t *testing.T) {
	db := dbtest.New(t)
	body := strings.ReplaceAll(invoiceHeader+
		"INV-1,Acme,USD,10.00,2026-01-01,2026-02-01\n"+
		"INV-2,\"Bluebird\rBakery\",USD,12.00,2026-01-01,2026-02-01\n", "\n", "\r")
	res, err := importBody(db, collections.ImportInvoices, "mac.csv", body)
	if err != nil {
		t.Fatalf("a file with CR line endings: %v", err)
	}
	if res.Created != 2 {
		t.Errorf("created %d invoices, want 2", res.Created)
	}
	if n := count(t, db, `SELECT count(*) FROM invoices WHERE issued_on = '2026-01-01' AND due_on = '2026-02-01'`); n != 2 {
		t.Errorf("%d invoices with the file's dates, want 2", n)
	}
	// And CRLF, with the problem on the right line.
	_, err = importBody(db, collections.ImportInvoices, "dos.csv", strings.ReplaceAll(invoiceHeader+
		"INV-3,Acme,USD,10.00,2026-01-01,2026-02-01\n"+
		"INV-4,Acme,USD,10.00,2026-01-01,\n", "\n", "\r\n"))
	expectProblems(t, problemsOf(t, err), [2]string{"dos.csv:3: due_on: ", "is required"})
}

func TestImport_HeaderOnlyFileImportsNothing(t *testing.T) {
	db := dbtest.New(t)
	res, err := importBody(db, collections.ImportInvoices, "empty.csv", invoiceHeader)
	if err != nil || res.Rows != 0 || res.Created != 0 {
		t.Fatalf("header-only file: %+v, %v", res, err)
	}
}

func TestImport_ReportsEveryProblemInOnePass(t *testing.T) {
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportInvoices, invoiceHeader+"INV-0,Acme,USD,10.00,2026-01-01,2026-02-01\n")
	t.Run("Invoices", func(t *testing.T) {
		_, err := importBody(db, collections.ImportInvoices, "inv.csv", invoiceHeader+
			"INV-1,Acme,USD,10.00,2026-01-01,2026-02-01\n"+
			"INV-2,Acme,XYZ,10.00,2026-01-01,2026-02-01\n"+
			"INV-3,Acme,USD,10.00,2026-01-01,2026-02-01\n"+
			"INV-4,Acme,USD,10.00,2026-01-01,2026-02-01\n"+
			"INV-5,Acme,USD,10.00,2026-01-01,2026-02-01\n"+
			"INV-6,Acme,USD,10.00,2026-01-01,2026-02-01\n"+
			"INV-1,Acme,USD,10.00,2026-01-01,2026-02-01\n")
		expectProblems(t, problemsOf(t, err),
			[2]string{"inv.csv:3: currency: ", "not an ISO 4217 currency code"},
			[2]string{"inv.csv:8: number: ", "invoice INV-1 is also on line 2"},
		)
	})
	t.Run("Customers", func(t *testing.T) {
		_, err := importBody(db, collections.ImportCustomers, "cust.csv", "name,ref,email\n"+
			"Acme,C-1,not-an-email\n"+
			"Bluebird,C-2,\n"+
			"ACME,C-3,\n")
		expectProblems(t, problemsOf(t, err),
			[2]string{"cust.csv:2: email: ", "not an email address"},
			[2]string{"cust.csv:4: name: ", "same customer as line 2"},
		)
	})
	t.Run("Payments", func(t *testing.T) {
		_, err := importBody(db, collections.ImportPayments, "pay.csv", "invoice,amount,paid_on,reference\n"+
			"INV-0,1.00,2026-13-01,T-1\n"+
			"INV-404,1.00,2026-03-01,T-2\n"+
			"INV-0,20.00,2026-03-01,T-3\n")
		expectProblems(t, problemsOf(t, err),
			[2]string{"pay.csv:2: paid_on: ", ""},
			[2]string{"pay.csv:3: invoice: ", "no invoice numbered INV-404"},
			[2]string{"pay.csv:4: amount: ", "exceeds the balance 10.00 USD"},
		)
	})
	var ie *collections.ImportError
	_, err := importBody(db, collections.ImportInvoices, "one.csv", invoiceHeader+"INV-9,Acme,USD,,2026-01-01,2026-02-01\n")
	if !errors.As(err, &ie) || ie.Summary() != "1 problem; nothing was imported" {
		t.Errorf("summary of one problem = %q", ie.Summary())
	}
}

// overlapping writes invoices from..to-1, for customers shared by both files.
func overlapping(from, to int) string {
	var b strings.Builder
	b.WriteString(invoiceHeader)
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "INV-%05d,Customer %03d,USD,100.00,2026-01-01,2026-02-01\n", i, i%300)
	}
	return b.String()
}

func TestImport_ConcurrentOverlappingFilesAreSerialised(t *testing.T) {
	db := dbtest.New(t)
	files := []string{overlapping(0, 3000), overlapping(1500, 4500)}
	for round := range 3 {
		var wg sync.WaitGroup
		errs := make([]error, len(files))
		start := make(chan struct{})
		for i, body := range files {
			wg.Go(func() {
				<-start
				_, errs[i] = importBody(db, collections.ImportInvoices, fmt.Sprintf("f%d.csv", i), body)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, file %d: %v", round, i, err)
			}
		}
	}
	if n := count(t, db, `SELECT count(*) FROM invoices`); n != 4500 {
		t.Errorf("%d invoices, want 4500", n)
	}
	if n := count(t, db, `SELECT count(*) FROM customers`); n != 300 {
		t.Errorf("%d customers, want 300", n)
	}

	// Two payment files that together overpay INV-00000: one goes in, the
	// other is refused in words, whichever comes first.
	pay := func(ref string) string {
		return "invoice,amount,paid_on,reference\nINV-00000,60.00,2026-03-01," + ref + "\n"
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	start := make(chan struct{})
	for i, body := range []string{pay("A"), pay("B")} {
		wg.Go(func() {
			<-start
			_, errs[i] = importBody(db, collections.ImportPayments, fmt.Sprintf("p%d.csv", i), body)
		})
	}
	close(start)
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			expectProblems(t, problemsOf(t, err), [2]string{"", "exceeds the balance 40.00 USD of invoice INV-00000"})
		}
	}
	if failed != 1 {
		t.Errorf("%d of the two overpaying files failed, want exactly one: %v", failed, errs)
	}
}

// A payment too large for its invoice is reported, and the payments after
// it on the same invoice are judged as if it were not there: a payment
// that fits is not reported, and none is told of a negative balance.
func TestImport_OverpaymentDoesNotCountAgainstTheRowsAfterIt(t *testing.T) {
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportInvoices, invoiceHeader+
		"P-1,Acme,USD,100.00,2026-01-01,2026-02-01\n"+
		"P-2,Acme,USD,100.00,2026-01-01,2026-02-01\n")
	_, err := importBody(db, collections.ImportPayments, "pay.csv", "invoice,amount,paid_on,reference\n"+
		"P-1,150.00,2026-02-01,A\n"+ // too large: the balance is 100.00
		"P-1,10.00,2026-02-02,B\n"+ // fits
		"P-2,60.00,2026-02-01,C\n"+ // fits
		"P-2,50.00,2026-02-02,D\n"+ // 40.00 left after C
		"P-2,40.00,2026-02-03,E\n") // fits: D is not counted
	expectProblems(t, problemsOf(t, err),
		[2]string{"pay.csv:2: amount: ", "payment of 150.00 USD exceeds the balance 100.00 USD of invoice P-1"},
		[2]string{"pay.csv:5: amount: ", "payment of 50.00 USD exceeds the balance 40.00 USD of invoice P-2"},
	)
	if n := count(t, db, `SELECT count(*) FROM payments`); n != 0 {
		t.Errorf("%d payments recorded from a refused file", n)
	}
}

// A payment with more decimals than its invoice's currency is told with
// the amount as written.
func TestImport_PaymentDecimalsBeyondTheCurrency(t *testing.T) {
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportInvoices, invoiceHeader+
		"J-1,Acme,JPY,1000,2026-01-01,2026-02-01\n"+
		"U-1,Acme,USD,10.00,2026-01-01,2026-02-01\n")
	_, err := importBody(db, collections.ImportPayments, "pay.csv", "invoice,amount,paid_on,reference\n"+
		"J-1,100.5,2026-02-01,A\n"+
		"U-1,1.005,2026-02-01,B\n")
	expectProblems(t, problemsOf(t, err),
		[2]string{"pay.csv:2: amount: ", "100.5 has decimals; JPY has none"},
		[2]string{"pay.csv:3: amount: ", "1.005 has 3 decimals; USD has 2"},
	)
}

// A payment larger than owed takes for one amount is a problem on its line,
// told with the file's other problems, whatever its size, even without a
// reference (no two such rows are "the same payment").
func TestImport_PaymentTooLargeIsAProblemOnItsLine(t *testing.T) {
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportInvoices, invoiceHeader+
		"INV-1001,Acme,USD,10.00,2026-01-01,2026-02-01\n"+
		"J-1,Acme,JPY,1000,2026-01-01,2026-02-01\n")
	_, err := importBody(db, collections.ImportPayments, "pay.csv", "invoice,amount,paid_on,reference\n"+
		"INV-1001,99999999999999999,2026-06-01,\n"+
		"INV-1001,10000000000.01,2026-06-01,\n"+
		"NOPE,1.00,2026-06-01,\n"+
		"J-1,999999999999999999,2026-06-01,A\n"+
		"INV-1001,1.00,,\n")
	expectProblems(t, problemsOf(t, err),
		[2]string{"pay.csv:2: amount: ", "99999999999999999 is more than owed takes for one amount (at most 10000000000.00 USD)"},
		[2]string{"pay.csv:3: amount: ", "10000000000.01 is more than owed takes for one amount"},
		[2]string{"pay.csv:4: invoice: ", "no invoice numbered NOPE"},
		[2]string{"pay.csv:5: amount: ", "999999999999999999 is more than owed takes for one amount (at most 1000000000000 JPY)"},
		[2]string{"pay.csv:6: paid_on: ", "required"},
	)
}

// An invoice whose currency a file changes under its payments is refused,
// and what is paid is told in the currency it was paid in.
func TestImport_CurrencyChangeUnderPaymentsNamesWhatWasPaid(t *testing.T) {
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportInvoices, invoiceHeader+"O-1,Acme,USD,100.00,2026-01-01,2026-02-01\n")
	importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on,reference\nO-1,70.00,2026-02-01,A\n")
	_, err := importBody(db, collections.ImportInvoices, "cur.csv", invoiceHeader+"O-1,Acme,JPY,50,2026-01-01,2026-02-01\n")
	expectProblems(t, problemsOf(t, err),
		[2]string{"cur.csv:2: currency: ", "invoice O-1 already has payments in USD; its currency cannot change"},
		[2]string{"cur.csv:2: amount: ", "invoice O-1 already has 70.00 USD paid, more than the new amount"},
	)
}

func TestImport_UnreferencedPaymentsOnDifferentDatesAreTwoPayments(t *testing.T) {
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportInvoices, invoiceHeader+"INV-1,Acme,USD,100.00,2026-01-01,2026-02-01\n")
	for _, paidOn := range []string{"2026-03-01", "2026-04-01", "2026-03-01"} {
		if _, err := importBody(db, collections.ImportPayments, "p-"+paidOn+".csv",
			"invoice,amount,paid_on\nINV-1,10.00,"+paidOn+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM payments`); n != 2 {
		t.Errorf("%d payments, want 2: the same amount on two dates, the first file imported twice", n)
	}
	if n := count(t, db, `SELECT paid_minor FROM invoices WHERE number = 'INV-1'`); n != 2000 {
		t.Errorf("paid %d, want 2000", n)
	}
}

// TestImport_AnUnreferencedPaymentIsTheOneOfTheSameAmountAndDay: the
// bank's export gives references, the accounting system's may not. A
// payment without one is the payment of the same amount on the same day
// on that invoice, whatever its reference: the second file adds nothing.
// One on another day, or of another amount, is another payment.
func TestImport_AnUnreferencedPaymentIsTheOneOfTheSameAmountAndDay(t *testing.T) {
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportInvoices, invoiceHeader+"INV-1,Acme,USD,100.00,2026-01-01,2026-02-01\n")
	for i, body := range []string{
		"invoice,amount,paid_on,reference\nINV-1,30.00,2026-03-10,WIRE-1\nINV-1,5.00,2026-03-12,WIRE-2\n",
		"invoice,amount,paid_on\nINV-1,30.00,2026-03-10\nINV-1,5.00,2026-03-12\nINV-1,30.00,2026-03-11\nINV-1,7.00,2026-03-12\n",
	} {
		if _, err := importBody(db, collections.ImportPayments, fmt.Sprintf("p%d.csv", i), body); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, db, `SELECT paid_minor FROM invoices WHERE number = 'INV-1'`); n != 7200 {
		t.Errorf("paid %d, want 7200: 30.00 and 5.00 once each, and the 30.00 of another day and the 7.00", n)
	}
	if n := count(t, db, `SELECT count(*) FROM payments`); n != 4 {
		t.Errorf("%d payments, want 4", n)
	}
}

func TestImport_TextReachesTheLedgerAsWritten(t *testing.T) {
	db := dbtest.New(t)
	name := "Back\\slash \\N\tTab\r\nNew line"
	if _, err := importBody(db, collections.ImportInvoices, "inv.csv", invoiceHeader+
		"INV-1,\""+name+"\",USD,10.00,2024-02-29,2024-03-31\n"); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Name   string `db:"name"`
		Issued string `db:"issued_on"`
		Due    string `db:"due_on"`
	}
	if err := db.Get(&got, `SELECT c.name, i.issued_on::text, i.due_on::text FROM invoices i JOIN customers c ON c.id = i.customer_id`); err != nil {
		t.Fatal(err)
	}
	// CSV reading turns the CRLF inside the quoted cell into LF.
	if want := "Back\\slash \\N\tTab\nNew line"; got.Name != want || got.Issued != "2024-02-29" || got.Due != "2024-03-31" {
		t.Errorf("stored %q %s %s, want %q 2024-02-29 2024-03-31", got.Name, got.Issued, got.Due, want)
	}
	_, err := importBody(db, collections.ImportInvoices, "bad.csv", invoiceHeader+
		"INV-2,Acme,USD,10.00,2026-02-29,2026-03-31\nINV-3,Acme,USD,10.00,2026-1-01,2026-03-31\n")
	expectProblems(t, problemsOf(t, err),
		[2]string{"bad.csv:2: issued_on: ", `"2026-02-29" is not a date`},
		[2]string{"bad.csv:3: issued_on: ", `"2026-1-01" is not a date`})
}

// cancelAfter reads r and cancels the import's context after n bytes.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n -= n; c.n <= 0 {
		c.cancel()
	}
	return n, err
}

func TestImport_CancelledMidFileStopsAndChangesNothing(t *testing.T) {
	db := dbtest.New(t)
	body := overlapping(0, 20000)
	// First into an empty ledger (copied straight into invoices), then
	// into a ledger with one invoice, whose files are staged as read.
	for _, ledger := range []int{0, 1} {
		ctx, cancel := context.WithCancel(context.Background())
		rows, err := collections.NewRowReader(&cancelAfter{r: strings.NewReader(body), n: len(body) / 2, cancel: cancel}, "big.csv", collections.ImportInvoices)
		if err != nil {
			t.Fatal(err)
		}
		_, err = postgres.NewImportService(db).Import(ctx, collections.ImportInvoices, rows,
			collections.ImportOptions{File: "big.csv", Today: date("2026-06-01")})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("ledger of %d: err = %v, want context.Canceled", ledger, err)
		}
		if n := count(t, db, `SELECT count(*) FROM invoices`); n != ledger {
			t.Errorf("%d invoices after a cancelled import into a ledger of %d", n, ledger)
		}
		if ledger == 0 { // the database is still usable at once
			importCSV(t, db, collections.ImportInvoices, invoiceHeader+"INV-1,Acme,USD,10.00,2026-01-01,2026-02-01\n")
		}
	}
}

// customerOf returns the name of the customer of an invoice.
func customerOf(t *testing.T, db *postgres.DB, number string) string {
	t.Helper()
	var name string
	if err := db.GetContext(context.Background(), &name,
		`SELECT c.name FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.number = $1`, number); err != nil {
		t.Fatalf("customer of %s: %v", number, err)
	}
	return name
}

// A first invoices file goes straight into the ledger; its customers are
// still found by ref or name among those already known, or created once
// per normalised name however many batches apart the spellings are.
func TestImport_FirstInvoicesFileFindsAndCreatesCustomers(t *testing.T) {
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportCustomers, "name,ref\nAcme Corp,C-1\nBluebird Ltd,\n")
	var b strings.Builder
	b.WriteString("number,customer,currency,amount,issued_on,due_on,balance\n")
	b.WriteString("INV-1,c-1,USD,100.00,2026-01-01,2026-02-01,40.00\n")     // Acme Corp by ref
	b.WriteString("INV-2,BLUEBIRD LTD.,USD,50.00,2026-01-01,2026-02-01,\n") // by name
	b.WriteString("INV-3,New Co,EUR,20.00,2026-01-01,2026-02-01,20.00\n")   // created; nothing paid
	b.WriteString("Z-1,Zeta GmbH,EUR,20.00,2026-01-01,2026-02-01,\n")       // created, named as first written
	b.WriteString("Z-2,ZETA GMBH,EUR,20.00,2026-01-01,2026-02-01,\n")
	const fillers = 11000 // customers enough for several batches
	for i := range fillers {
		fmt.Fprintf(&b, "F-%d,Filler %05d,JPY,1000,2026-01-01,2026-02-01,%d\n", i, i, 1000-i%2)
	}
	b.WriteString("INV-4,NEW CO.,EUR,30.00,2026-01-01,2026-02-01,0\n") // New Co, created batches ago
	b.WriteString("INV-5,new-co,EUR,30.00,2026-01-01,2026-02-01,\n")
	// Read from a pipe: the file can be read only once.
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(func() error { _, err := io.WriteString(pw, b.String()); return err }()) }()
	res, err := importReader(db, collections.ImportInvoices, "first.csv", pr)
	if err != nil {
		t.Fatal(err)
	}
	rows := fillers + 7
	if res.Rows != rows || res.Created != rows || res.Unchanged != 0 || res.Customers != fillers+2 {
		t.Errorf("result %+v, want %d rows created and %d new customers", res, rows, fillers+2)
	}
	for number, want := range map[string]string{"INV-1": "Acme Corp", "INV-2": "Bluebird Ltd", "INV-3": "New Co",
		"INV-4": "New Co", "INV-5": "New Co", "Z-1": "Zeta GmbH", "Z-2": "Zeta GmbH", "F-0": "Filler 00000", "F-10999": "Filler 10999"} {
		if got := customerOf(t, db, number); got != want {
			t.Errorf("customer of %s = %q, want %q", number, got, want)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM customers`); n != fillers+4 {
		t.Errorf("%d customers, want %d", n, fillers+4)
	}
	// Opening balances: the paid part of each invoice with a balance below
	// its amount, as a payment; none for a balance equal to the amount.
	if n := count(t, db, `SELECT count(*) FROM payments WHERE reference = $1`, postgres.OpeningBalanceReference); n != 1+fillers/2+1 {
		t.Errorf("%d opening balances, want %d", n, 1+fillers/2+1)
	}
	for number, want := range map[string]int{"INV-1": 6000, "INV-2": 0, "INV-3": 0, "INV-4": 3000, "INV-5": 0, "F-0": 0, "F-1": 1} {
		if got := count(t, db, `SELECT paid_minor FROM invoices WHERE number = $1`, number); got != want {
			t.Errorf("%s paid %d, want %d", number, got, want)
		}
	}
	// The same file again changes nothing.
	res, err = importBody(db, collections.ImportInvoices, "first.csv", b.String())
	if err != nil || res.Created != 0 || res.Updated != 0 || res.Unchanged != rows || res.Customers != 0 {
		t.Errorf("second import: %+v, %v", res, err)
	}
}

// An invoice's customer written as a ref without its punctuation ("c001")
// is the customer of that ref, as the lookup finds it, in a first file and
// in a later one; a ref as written wins over one without punctuation.
func TestImport_InvoiceCustomerByRefWithoutPunctuation(t *testing.T) {
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportCustomers, "name,ref\nACME Corp.,C-001\nTwin A,T-1\nTwin B,T1\n")
	res, err := importBody(db, collections.ImportInvoices, "first.csv", invoiceHeader+
		"Z-1,c001,USD,10.00,2026-01-01,2026-02-01\n"+
		"Z-2,t1,USD,10.00,2026-01-01,2026-02-01\n")
	if err != nil || res.Customers != 0 {
		t.Fatalf("first file: %+v, %v; want no new customer", res, err)
	}
	res, err = importBody(db, collections.ImportInvoices, "later.csv", invoiceHeader+
		"Z-3,C 001,USD,10.00,2026-01-01,2026-02-01\n"+
		"Z-4,T1,USD,10.00,2026-01-01,2026-02-01\n"+
		"Z-1,c001,USD,10.00,2026-01-01,2026-02-01\n")
	if err != nil || res.Customers != 0 {
		t.Fatalf("later file: %+v, %v; want no new customer", res, err)
	}
	for number, want := range map[string]string{"Z-1": "ACME Corp.", "Z-2": "Twin B", "Z-3": "ACME Corp.", "Z-4": "Twin B"} {
		if got := customerOf(t, db, number); got != want {
			t.Errorf("customer of %s = %q, want %q", number, got, want)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM customers`); n != 3 {
		t.Errorf("%d customers, want 3", n)
	}
}

// Invoices new to a ledger that has others are inserted at once too, with
// their opening balances.
func TestImport_NewInvoicesIntoAKnownLedger(t *testing.T) {
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportInvoices, invoiceHeader+"INV-0,Acme,USD,10.00,2026-01-01,2026-02-01\n")
	res, err := importBody(db, collections.ImportInvoices, "more.csv", "number,customer,currency,amount,issued_on,due_on,balance\n"+
		"INV-1,ACME,USD,100.00,2026-01-01,2026-02-01,75.00\n"+
		"INV-2,Bluebird,USD,100.00,2026-01-01,2026-02-01,\n")
	if err != nil || res.Created != 2 || res.Customers != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	if n := count(t, db, `SELECT paid_minor FROM invoices WHERE number = 'INV-1'`); n != 2500 {
		t.Errorf("INV-1 paid %d, want 2500", n)
	}
	if got := customerOf(t, db, "INV-1"); got != "Acme" {
		t.Errorf("INV-1 belongs to %q", got)
	}
}

// A number repeated in a first file is reported with the file's other
// problems, and nothing is kept of the attempt to insert the file at once.
func TestImport_RepeatedNumberInAFirstFile(t *testing.T) {
	db := dbtest.New(t)
	_, err := importBody(db, collections.ImportInvoices, "rep.csv", "number,customer,currency,amount,issued_on,due_on,balance\n"+
		"INV-1,Acme,USD,10.00,2026-01-01,2026-02-01,5.00\n"+
		"INV-2,Bluebird,USD,10.00,2026-01-01,2026-02-01,\n"+
		"INV-1,Current Co,USD,10.00,2026-01-01,2026-02-01,\n")
	expectProblems(t, problemsOf(t, err), [2]string{"rep.csv:4: number: ", "invoice INV-1 is also on line 2"})
	for _, table := range []string{"invoices", "customers", "payments"} {
		if n := count(t, db, `SELECT count(*) FROM `+table); n != 0 {
			t.Errorf("%d %s after a refused file", n, table)
		}
	}
	// The same with a bad row too: both in one pass.
	_, err = importBody(db, collections.ImportInvoices, "rep.csv", invoiceHeader+
		"INV-1,Acme,USD,10.00,2026-01-01,2026-02-01\n"+
		"INV-2,Acme,USD,-3,2026-01-01,2026-02-01\n"+
		"INV-1,Acme,USD,10.00,2026-01-01,2026-02-01\n")
	expectProblems(t, problemsOf(t, err),
		[2]string{"rep.csv:3: amount: ", ""},
		[2]string{"rep.csv:4: number: ", "invoice INV-1 is also on line 2"})
}

func TestImport_DryRunOfAFirstFileChangesNothing(t *testing.T) {
	db := dbtest.New(t)
	rows, err := collections.NewRowReader(strings.NewReader(invoiceHeader+
		"INV-1,Acme,USD,10.00,2026-01-01,2026-02-01\nINV-2,Bluebird,USD,10.00,2026-01-01,2026-02-01\n"), "dry.csv", collections.ImportInvoices)
	if err != nil {
		t.Fatal(err)
	}
	res, err := postgres.NewImportService(db).Import(context.Background(), collections.ImportInvoices, rows,
		collections.ImportOptions{File: "dry.csv", Today: date("2026-06-01"), DryRun: true})
	if err != nil || res.Created != 2 || res.Customers != 2 {
		t.Fatalf("dry run: %+v, %v", res, err)
	}
	if n := count(t, db, `SELECT count(*) FROM invoices`) + count(t, db, `SELECT count(*) FROM customers`); n != 0 {
		t.Errorf("a dry run stored %d rows", n)
	}
}

// The rows of an invoices file wait in a temporary file, removed when the
// import ends; without a usable temporary directory they wait in memory.
func TestImport_InvoiceRowsWaitInATemporaryFile(t *testing.T) {
	db := dbtest.New(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	importCSV(t, db, collections.ImportInvoices, overlapping(0, 100))
	if _, err := importBody(db, collections.ImportInvoices, "bad.csv", invoiceHeader+"INV-X,Acme,USD,,2026-01-01,2026-02-01\n"); err == nil {
		t.Fatal("a bad file was imported")
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}
	t.Setenv("TMPDIR", filepath.Join(tmp, "missing"))
	importCSV(t, db, collections.ImportInvoices, overlapping(50, 200))
	if n := count(t, db, `SELECT count(*) FROM invoices`); n != 200 {
		t.Errorf("%d invoices, want 200", n)
	}
}

// Into a ledger without customers, each normalised name of a file is one
// new customer, named as on the first line that names it.
func TestImport_FirstFileIntoAnEmptyLedgerMakesOneCustomerPerName(t *testing.T) {
	db := dbtest.New(t)
	var b strings.Builder
	b.WriteString(invoiceHeader)
	b.WriteString("Z-1,Zeta GmbH,EUR,20.00,2026-01-01,2026-02-01\n")
	b.WriteString("Z-2,ZETA GMBH,EUR,20.00,2026-01-01,2026-02-01\n")
	const fillers = 11000 // customers enough for several batches
	for i := range fillers {
		fmt.Fprintf(&b, "F-%d,Filler %05d,JPY,1000,2026-01-01,2026-02-01\n", i, i)
	}
	b.WriteString("Z-3,zeta-gmbh,EUR,20.00,2026-01-01,2026-02-01\n")
	b.WriteString("F-X,FILLER 00007,JPY,1000,2026-01-01,2026-02-01\n")
	res, err := importBody(db, collections.ImportInvoices, "first.csv", b.String())
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != fillers+4 || res.Customers != fillers+1 {
		t.Errorf("result %+v, want %d created and %d new customers", res, fillers+4, fillers+1)
	}
	for number, want := range map[string]string{"Z-1": "Zeta GmbH", "Z-2": "Zeta GmbH", "Z-3": "Zeta GmbH",
		"F-7": "Filler 00007", "F-X": "Filler 00007", "F-10999": "Filler 10999"} {
		if got := customerOf(t, db, number); got != want {
			t.Errorf("customer of %s = %q, want %q", number, got, want)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM customers`); n != fillers+1 {
		t.Errorf("%d customers, want %d", n, fillers+1)
	}
}

// TestImport_ACustomersFileWithABareCreditLimit: the customers file as
// written in the docs (credit_limit without a currency) is taken whole;
// the limit is kept as written, and a later file's limit replaces it.
func TestImport_ACustomersFileWithABareCreditLimit(t *testing.T) {
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportCustomers, "name,ref,email,phone,timezone,owner,credit_limit,tier\n"+
		"ACME Corp.,C-001,ap@acme.example,+1 555 0100,America/New_York,U024BE7LH,25000.00,gold\n"+
		"Bluebird Bakery,C-002,,,,,,\n")
	type limit struct {
		Minor    *int64   `db:"credit_limit_minor"`
		Currency *string  `db:"credit_currency"`
		Amount   *float64 `db:"credit_limit_amount"`
	}
	get := func(name string) limit {
		var l limit
		if err := db.GetContext(context.Background(), &l, `SELECT credit_limit_minor, credit_currency, credit_limit_amount FROM customers WHERE name = $1`, name); err != nil {
			t.Fatal(err)
		}
		return l
	}
	if l := get("ACME Corp."); l.Amount == nil || *l.Amount != 25000 || l.Minor != nil || l.Currency != nil {
		t.Errorf("ACME's limit: %+v, want 25000.00 without a currency", l)
	}
	if l := get("Bluebird Bakery"); l.Amount != nil || l.Minor != nil {
		t.Errorf("Bluebird has a limit: %+v", l)
	}
	importCSV(t, db, collections.ImportCustomers, "name,credit_limit\nACME Corp.,5000 USD\n")
	if l := get("ACME Corp."); l.Minor == nil || *l.Minor != 500000 || l.Currency == nil || *l.Currency != "USD" || l.Amount != nil {
		t.Errorf("ACME's limit after USD 5000: %+v", l)
	}
	importCSV(t, db, collections.ImportCustomers, "name,email\nACME Corp.,ar@acme.example\n")
	if l := get("ACME Corp."); l.Minor == nil || *l.Minor != 500000 {
		t.Errorf("a file without a limit changed ACME's: %+v", l)
	}
}

// TestImport_EveryBadRowIsReported: a file of 1,500 bad rows is reported
// row by row, each as FILE:LINE: column: problem.
func TestImport_EveryBadRowIsReported(t *testing.T) {
	db := dbtest.New(t)
	var b strings.Builder
	b.WriteString("number,customer,currency,amount,issued_on,due_on\n")
	for i := range 1500 {
		fmt.Fprintf(&b, "X-%d,Acme,USD,lots,2026-01-01,2026-02-01\n", i)
	}
	rows, err := collections.NewRowReader(strings.NewReader(b.String()), "bad.csv", collections.ImportInvoices)
	if err != nil {
		t.Fatal(err)
	}
	_, err = postgres.NewImportService(db).Import(context.Background(), collections.ImportInvoices, rows,
		collections.ImportOptions{File: "bad.csv", Today: date("2026-06-01")})
	var ie *collections.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("import: %v, want the file rejected", err)
	}
	if len(ie.Problems) != 1500 || ie.More != 0 {
		t.Fatalf("import error %T, %d problems listed, %d more; want all 1500 listed", err, len(ie.Problems), ie.More)
	}
	if s := ie.Problems[1499].String(); !strings.HasPrefix(s, "bad.csv:1501: amount: ") {
		t.Errorf("the last problem reads %q", s)
	}
}

// TestImport_ABalanceLoweredLaterIsPaidOnTheDayOfItsImport: an invoice
// re-exported with a lower balance was paid that much more on the day of
// the import, not on the day it was first imported: a promise or a plan
// running then counts it, and as of the day before it is still owed. A
// balance raised again takes back the newest part first.
func TestImport_ABalanceLoweredLaterIsPaidOnTheDayOfItsImport(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	export := func(day, balance string) {
		t.Helper()
		body := "number,customer,currency,amount,issued_on,due_on,balance\nOB-1,Acme,USD,100.00,2026-03-01,2026-04-01," + balance + "\n"
		rows, err := collections.NewRowReader(strings.NewReader(body), "export.csv", collections.ImportInvoices)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := postgres.NewImportService(db).Import(ctx, collections.ImportInvoices, rows,
			collections.ImportOptions{File: "export.csv", Today: date(day)}); err != nil {
			t.Fatalf("import of %s: %v", day, err)
		}
	}
	payments := func() string {
		t.Helper()
		var got []string
		if err := db.SelectContext(ctx, &got, `SELECT to_char(paid_on, 'YYYY-MM-DD') || ' ' || amount_minor || ' ' || reference
			FROM payments ORDER BY paid_on, id`); err != nil {
			t.Fatal(err)
		}
		return strings.Join(got, "; ")
	}
	steps := []struct{ day, balance, want string }{
		{"2026-06-01", "60.00", "2026-06-01 4000 opening balance"},
		{"2026-06-05", "30.00", "2026-06-01 4000 opening balance; 2026-06-05 3000 opening balance 2026-06-05"},
		{"2026-06-05", "25.00", "2026-06-01 4000 opening balance; 2026-06-05 3500 opening balance 2026-06-05"},
		{"2026-06-05", "25.00", "2026-06-01 4000 opening balance; 2026-06-05 3500 opening balance 2026-06-05"}, // the same export again
		{"2026-06-10", "80.00", "2026-06-01 2000 opening balance"},                                             // a payment reversed: the newest part goes first
		{"2026-06-11", "", "2026-06-01 2000 opening balance"},                                                  // no balance column: what is recorded stays
		{"2026-06-12", "100.00", ""},
		{"2026-06-12", "90.00", "2026-06-12 1000 opening balance"},
	}
	for _, s := range steps {
		export(s.day, s.balance)
		if got := payments(); got != s.want {
			t.Errorf("after the export of %s with balance %q the payments are\n%s\nwant\n%s", s.day, s.balance, got, s.want)
		}
	}
	var paid int64
	if err := db.GetContext(ctx, &paid, `SELECT paid_minor FROM invoices WHERE number = 'OB-1'`); err != nil || paid != 1000 {
		t.Errorf("the invoice records %d paid (%v), want 1000", paid, err)
	}
}

// TestImport_ACustomerCellThatIsOneRefAndAnotherNameIsAProblem: "Blue" is
// the ref of Bluebird and the name of Blue. Read as the ref, Blue's
// invoices would go to Bluebird without a word: the line is a problem,
// into a ledger with invoices or without. A ref that is its own
// customer's name is no problem.
func TestImport_ACustomerCellThatIsOneRefAndAnotherNameIsAProblem(t *testing.T) {
	for _, withInvoices := range []bool{false, true} {
		t.Run(map[bool]string{false: "FirstInvoices", true: "IntoALedgerWithInvoices"}[withInvoices], func(t *testing.T) {
			db := dbtest.New(t)
			importCSV(t, db, collections.ImportCustomers, "name,ref\nBlue,B-1\nBluebird,BLUE\nACME,acme\n")
			if withInvoices {
				importCSV(t, db, collections.ImportInvoices, invoiceHeader+"X-1,Bluebird,USD,1.00,2026-03-01,2026-04-01\n")
			}
			_, err := importBody(db, collections.ImportInvoices, "inv.csv", invoiceHeader+
				"BB-1,Blue,USD,1.00,2026-03-01,2026-04-01\n"+
				"BB-2,B-1,USD,1.00,2026-03-01,2026-04-01\n"+
				"A-1,ACME,USD,1.00,2026-03-01,2026-04-01\n")
			expectProblems(t, problemsOf(t, err), [2]string{"inv.csv:2: customer:",
				`"Blue" is the ref of Bluebird and the name of Blue (ref B-1); write the ref of the one you mean`})
		})
	}
}
