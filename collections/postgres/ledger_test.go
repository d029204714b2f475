package postgres_test

import (
	"context"
	"testing"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

func TestTopDebtors_RanksWithinEachCurrency(t *testing.T) {
	db := dbtest.New(t)
	// JPY 3,880,200 is about USD 26k; as raw minor units it outranks USD
	// 36,477.75 (3,647,775 cents) and USD 100.00 (10,000 cents).
	importCSV(t, db, collections.ImportInvoices, `number,customer,currency,amount,issued_on,due_on
J-1,Tanaka KK,JPY,3880200,2026-01-01,2026-02-01
J-2,Yamada KK,JPY,1000,2026-01-01,2026-02-01
U-1,Big US Inc,USD,36477.75,2026-01-01,2026-02-01
U-2,Small US LLC,USD,100.00,2026-01-01,2026-02-01
U-3,Small US LLC,USD,50.00,2026-01-01,2026-05-15
E-1,Euro GmbH,EUR,10.00,2026-01-01,2026-12-01
`)
	top, err := postgres.NewLedgerService(db).TopDebtors(context.Background(), date("2026-06-01"), 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range top {
		got = append(got, d.Customer.Name+" "+d.Overdue.String())
	}
	want := []string{"Tanaka KK JPY 3,880,200", "Big US Inc USD 36,477.75"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("top 1 per currency = %q, want %q (EUR is not overdue)", got, want)
	}
	top, err = postgres.NewLedgerService(db).TopDebtors(context.Background(), date("2026-06-01"), 10)
	if err != nil || len(top) != 4 {
		t.Fatalf("top 10 per currency: %d rows, %v", len(top), err)
	}
	if d := top[3]; d.Customer.Name != "Small US LLC" || d.Overdue.Minor != 15000 || d.InvoiceOpen != 2 || d.OldestDays != 120 {
		t.Errorf("Small US LLC: %+v", d)
	}
}

func TestTopDebtors_LeaveInvoicesInDisputeOut(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	var a1 int64
	if err := db.GetContext(ctx, &a1, `SELECT id FROM invoices WHERE number = 'A-1'`); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Dispute(ctx, collections.Actor{UserID: "U0ALICE"}, c.ID, collections.DisputeInput{InvoiceIDs: []int64{a1}, Reason: collections.DisputeQuality}); err != nil {
		t.Fatal(err)
	}
	top, err := postgres.NewLedgerService(db).TopDebtors(ctx, date("2026-06-01"), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range top {
		if d.Customer.Name == "Acme" && d.Overdue.Currency == "USD" {
			t.Errorf("Acme's disputed USD 100.00 is ranked: %+v", d)
		}
	}
	if len(top) != 2 { // Acme EUR 50.00, Bluebird USD 30.00
		t.Errorf("top = %+v", top)
	}
}
