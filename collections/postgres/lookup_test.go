package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

// lookupLedger is a ledger of customers whose names are alike in the ways
// /owed CUSTOMER has to tell apart.
func lookupLedger(t *testing.T) (*postgres.DB, *postgres.LedgerService) {
	t.Helper()
	db := dbtest.New(t)
	var b strings.Builder
	b.WriteString("name,ref,email,phone,timezone,owner,credit_limit,currency,tier\n")
	b.WriteString("ACME Corp.,C-001,ap@acme.test,+1 555 0100,America/New_York,U0ALICE,5000.00,USD,gold\n")
	b.WriteString("Acme Labs,,,,,,,,\nBluebird Bakery,,,,,,,,\nNorthwind Traders,,,,,,,,\nNorthwind Logistics,,,,,,,,\nSolo Ltd,S-9,,,,,,,\n")
	for i := 101; i <= 130; i++ {
		fmt.Fprintf(&b, "Customer %06d,R-%d,,,,,,,\n", i, i)
	}
	importCSV(t, db, collections.ImportCustomers, b.String())
	return db, postgres.NewLedgerService(db)
}

func TestFindCustomer_ForgivingLookup(t *testing.T) {
	ctx := context.Background()
	_, ledger := lookupLedger(t)
	for _, tc := range []struct {
		name, query string
		want        string   // the customer found
		ambiguous   []string // or the candidates offered, best first (at least these)
		code        string   // or the error code
	}{
		{name: "WholeNameWhateverTheCaseAndPunctuation", query: "acme CORP", want: "ACME Corp."},
		{name: "RefWhateverTheCase", query: "c-001", want: "ACME Corp."},
		{name: "RefBeforeAPrefixOfAnotherName", query: "S-9", want: "Solo Ltd"},
		{name: "RefWithoutItsPunctuation", query: "C001", want: "ACME Corp."},
		{name: "RefOtherPunctuation", query: "c 001", want: "ACME Corp."},
		{name: "ShortRefWithoutItsPunctuation", query: "s9", want: "Solo Ltd"},
		{name: "Prefix", query: "blue", want: "Bluebird Bakery"},
		{name: "WordPrefix", query: "bakery", want: "Bluebird Bakery"},
		{name: "PunctuationFolded", query: "CUSTOMER-000123", want: "Customer 000123"},
		{name: "PrefixOfSeveral", query: "northwind", ambiguous: []string{"Northwind Logistics", "Northwind Traders"}},
		{name: "MisspeltWithAClearLead", query: "custmer 000123", want: "Customer 000123"},
		{name: "MisspeltCloseToTwo", query: "acme crop", ambiguous: []string{"ACME Corp.", "Acme Labs"}},
		{name: "MisspeltCloseToMany", query: "custmer 0001", ambiguous: []string{"Customer 000101", "Customer 000102", "Customer 000103", "Customer 000110"}},
		{name: "StartOfARefWithoutADigit", query: "r-", code: collections.ENOTFOUND}, // not ref-like: R-101… are not listed
		{name: "StartOfOneRef", query: "C-0", want: "ACME Corp."},
		{name: "StartOfSeveralRefs", query: "r1", ambiguous: []string{"Customer 000101", "Customer 000102", "Customer 000110", "Customer 000125"}},
		{name: "TwoLettersSwapped", query: "bleubird", want: "Bluebird Bakery"},
		{name: "TwoLettersSwappedInALaterWord", query: "bakrey", want: "Bluebird Bakery"},
		{name: "TwoLettersSwappedInAPrefixOfTwo", query: "amce", ambiguous: []string{"ACME Corp.", "Acme Labs"}},
		{name: "TwoLettersSwappedInAWholeName", query: "amce labs", want: "Acme Labs"},
		{name: "Unknown", query: "zebra", code: collections.ENOTFOUND},
		{name: "Empty", query: " - ", code: collections.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ledger.FindCustomer(ctx, tc.query)
			var amb *collections.AmbiguousError
			switch {
			case tc.want != "":
				if err != nil || c.Name != tc.want {
					t.Errorf("FindCustomer(%q) = %q, %v; want %q", tc.query, c.Name, err, tc.want)
				}
			case tc.ambiguous != nil:
				if !errors.As(err, &amb) {
					t.Fatalf("FindCustomer(%q) = %q, %v; want candidates %q", tc.query, c.Name, err, tc.ambiguous)
				}
				var names []string
				for _, c := range amb.Candidates {
					names = append(names, c.Name)
				}
				for _, w := range tc.ambiguous {
					if !strings.Contains(strings.Join(names, "|")+"|", w+"|") {
						t.Errorf("candidates of %q = %q, lack %q", tc.query, names, w)
					}
				}
				if len(tc.ambiguous) > 2 && len(names) < 25 {
					t.Errorf("candidates of %q = %d, want the 25 nearest", tc.query, len(names))
				}
				if collections.ErrorCode(err) != collections.EINVALID {
					t.Errorf("ambiguous lookup code = %s", collections.ErrorCode(err))
				}
			default:
				if collections.ErrorCode(err) != tc.code {
					t.Errorf("FindCustomer(%q) = %q, %v; want %s", tc.query, c.Name, err, tc.code)
				}
			}
		})
	}

	t.Run("EveryColumn", func(t *testing.T) {
		c, err := ledger.FindCustomer(ctx, "ACME Corp.")
		if err != nil {
			t.Fatal(err)
		}
		if c.Ref != "C-001" || c.Email != "ap@acme.test" || c.Phone != "+1 555 0100" || c.Timezone != "America/New_York" ||
			c.OwnerSlackID != "U0ALICE" || c.Tier != "gold" || c.CreditLimit == nil || *c.CreditLimit != (collections.Money{Minor: 500000, Currency: "USD"}) {
			t.Errorf("ACME Corp. = %+v", c)
		}
		if c, err := ledger.FindCustomer(ctx, "acme labs"); err != nil || c.CreditLimit != nil || c.Ref != "" {
			t.Errorf("Acme Labs = %+v, %v", c, err)
		}
	})
}

// Names are matched without their accents: what a user types, and what
// another system exported, often has none.
func TestFindCustomer_AccentsDoNotMatter(t *testing.T) {
	ctx := context.Background()
	db, ledger := lookupLedger(t)
	importCSV(t, db, collections.ImportCustomers, "name,ref\nKōbō Design,C-003\nMüller & Söhne GmbH,\nCafé Zürich AG,\n")
	for query, want := range map[string]string{
		"kobo": "Kōbō Design", "Kobo Design": "Kōbō Design", "KŌBŌ": "Kōbō Design", "muller": "Müller & Söhne GmbH",
		"mueller sohne": "Müller & Söhne GmbH", "cafe zurich": "Café Zürich AG", "zurich": "Café Zürich AG",
	} {
		if c, err := ledger.FindCustomer(ctx, query); err != nil || c.Name != want {
			t.Errorf("FindCustomer(%q) = %q, %v; want %q", query, c.Name, err, want)
		}
	}
	// An invoice for the name spelt without its accents is the customer's.
	importCSV(t, db, collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nK-1,Kobo Design,JPY,1000,2026-04-01,2026-05-01\n")
	if n := count(t, db, `SELECT count(*) FROM customers WHERE name IN ('Kōbō Design', 'Kobo Design')`); n != 1 {
		t.Errorf("customers named Kōbō / Kobo Design = %d, want 1", n)
	}
	if n := count(t, db, `SELECT count(*) FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.number = 'K-1' AND c.ref = 'C-003'`); n != 1 {
		t.Error("invoice K-1 is not Kōbō Design's")
	}
}

func TestCustomerSummary_OneCustomerWithWhatItOwes(t *testing.T) {
	ctx := context.Background()
	db, ledger := lookupLedger(t)
	importCSV(t, db, collections.ImportInvoices, `number,customer,currency,amount,issued_on,due_on,payment_url
A-2,ACME Corp.,EUR,50.00,2026-04-01,2026-05-20,
A-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01,https://pay.test/a1
A-3,ACME Corp.,USD,40.00,2026-04-01,2026-05-01,
A-4,ACME Corp.,USD,10.00,2026-04-01,2026-05-02,
A-5,ACME Corp.,USD,7.00,2026-06-20,2026-07-20,
`)
	importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on\nA-3,15.00,2026-05-10\nA-4,10.00,2026-05-11\nA-1,1.00,2026-06-15\n")
	if err := ledger.SaveSlackUser(ctx, "U0ALICE", "Alice"); err != nil {
		t.Fatal(err)
	}
	cs := postgres.NewCaseService(db, postgres.CaseConfig{Stages: []int{1, 7, 30}, Channel: "C0COLLECT"})
	acme, err := ledger.FindCustomer(ctx, "acme corp")
	if err != nil {
		t.Fatal(err)
	}
	c, err := cs.OpenCase(ctx, acme.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Dispute(ctx, collections.Actor{UserID: "U0ALICE"}, c.ID,
		collections.DisputeInput{InvoiceIDs: []int64{invoiceID(t, db, "A-2")}, Reason: collections.DisputePricing}); err != nil {
		t.Fatal(err)
	}

	sum, err := ledger.CustomerSummary(ctx, acme.ID, date("2026-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Customer.Name != "ACME Corp." || sum.Customer.OwnerName != "Alice" || sum.Customer.Ref != "C-001" || sum.Customer.CreditLimit == nil {
		t.Errorf("customer = %+v", sum.Customer)
	}
	// As of 2026-06-01: A-1's payment comes later, A-4 is paid, A-5 not
	// issued yet; by due date, then number.
	var got []string
	for _, inv := range sum.Invoices {
		got = append(got, fmt.Sprintf("%s %s %d/%d due %s %dd disputed=%v %s %s", inv.Number, inv.Currency, inv.Balance, inv.Amount,
			inv.DueOn.Format(collections.DateLayout), inv.DaysOverdue, inv.Disputed, inv.DisputeReason, inv.PaymentURL))
		if inv.CustomerID != acme.ID || inv.ID == 0 || inv.IssuedOn.Format(collections.DateLayout) != "2026-04-01" {
			t.Errorf("invoice %s: %+v", inv.Number, inv)
		}
	}
	want := []string{
		"A-1 USD 10000/10000 due 2026-05-01 31d disputed=false  https://pay.test/a1",
		"A-3 USD 2500/4000 due 2026-05-01 31d disputed=false  ",
		"A-2 EUR 5000/5000 due 2026-05-20 12d disputed=true pricing ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("invoices:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var outstanding []string
	for _, a := range sum.Outstanding {
		outstanding = append(outstanding, fmt.Sprintf("%s %+v", a.Currency, a))
	}
	if len(sum.Outstanding) != 2 || sum.Outstanding[0].Currency != "EUR" || sum.Outstanding[1].Currency != "USD" {
		t.Errorf("outstanding = %q", outstanding)
	}

	t.Run("NothingOwed", func(t *testing.T) {
		labs, err := ledger.FindCustomer(ctx, "acme labs")
		if err != nil {
			t.Fatal(err)
		}
		sum, err := ledger.CustomerSummary(ctx, labs.ID, date("2026-06-01"))
		if err != nil || sum.Customer.Name != "Acme Labs" || sum.Invoices == nil || len(sum.Invoices) != 0 || sum.Outstanding == nil || len(sum.Outstanding) != 0 {
			t.Errorf("summary = %+v, %v", sum, err)
		}
	})
	t.Run("UnknownCustomer", func(t *testing.T) {
		if _, err := ledger.CustomerSummary(ctx, 1<<40, date("2026-06-01")); collections.ErrorCode(err) != collections.ENOTFOUND {
			t.Errorf("summary of no customer: %v", err)
		}
	})
}
