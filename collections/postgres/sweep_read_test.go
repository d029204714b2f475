package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

// TestSweep_OverdueTotalsPerCurrencyLeaveDisputesOut: the sweep reads, per
// customer, the overdue sum in each currency (in code order) and the
// oldest overdue days, invoices in dispute and invoices not yet due aside.
func TestSweep_OverdueTotalsPerCurrencyLeaveDisputesOut(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportInvoices, `number,customer,currency,amount,issued_on,due_on
M-1,Multi,USD,100.00,2026-04-01,2026-05-01
M-2,Multi,EUR,50.00,2026-04-01,2026-05-10
M-3,Multi,JPY,900000000000,2026-04-01,2026-05-15
M-4,Multi,USD,20.00,2026-03-01,2026-04-01
M-5,Multi,USD,0.05,2026-05-01,2026-06-01
M-6,Multi,EUR,0.01,2026-04-01,2026-05-31
S-1,Solo,GBP,12.34,2026-04-01,2026-05-01
P-1,Plain,USD,1.00,2026-04-01,2026-05-30
`)
	cs := postgres.NewCaseService(db, postgres.CaseConfig{Stages: []int{1, 7, 30}, Channel: "C0COLLECT",
		Today: func() time.Time { return date("2026-06-01") }})
	alice := collections.Actor{UserID: "U0ALICE"}
	for customer, number := range map[string]string{"Multi": "M-4", "Solo": "S-1"} {
		var id int64
		if err := db.GetContext(ctx, &id, `SELECT id FROM customers WHERE name = $1`, customer); err != nil {
			t.Fatal(err)
		}
		c, err := cs.OpenCase(ctx, id, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Dispute(ctx, alice, c.ID, collections.DisputeInput{InvoiceIDs: []int64{invoiceID(t, db, number)}, Reason: collections.DisputeQuality}); err != nil {
			t.Fatalf("dispute %s: %v", number, err)
		}
	}
	got, err := cs.OverdueCustomers(ctx, date("2026-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, o := range got {
		lines = append(lines, fmt.Sprintf("%s %d days: %s", o.Name, o.OldestDays, collections.OverdueText(o.Overdue)))
		for i := 1; i < len(o.Overdue); i++ {
			if o.Overdue[i-1].Currency >= o.Overdue[i].Currency {
				t.Errorf("%s: amounts not in currency order: %+v", o.Name, o.Overdue)
			}
		}
	}
	// Multi: M-4 (61 days) is in dispute and M-5 is due today; Solo owes
	// only what it disputes.
	want := []string{
		"Multi 31 days: EUR 50.01 · JPY 900,000,000,000 · USD 100.00",
		"Plain 2 days: USD 1.00",
	}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("overdue customers:\n got  %q\n want %q", lines, want)
	}
	if len(got) == 2 && (got[0].Overdue[1] != collections.Money{Minor: 900_000_000_000, Currency: "JPY"}) {
		t.Errorf("Multi's JPY = %+v", got[0].Overdue[1])
	}

	// A dry run alerts Multi's case at the stage of what is not in
	// dispute, and Plain's first; Solo's case waits on its dispute.
	res, err := cs.Sweep(ctx, date("2026-06-01"), true)
	if err != nil {
		t.Fatal(err)
	}
	var alerts []string
	for _, a := range res.Alerts {
		alerts = append(alerts, fmt.Sprintf("%s stage %d: %s", a.Customer.Name, a.Stage, collections.OverdueText(a.Overdue)))
	}
	if want := []string{"Multi stage 30: EUR 50.01 · JPY 900,000,000,000 · USD 100.00", "Plain stage 1: USD 1.00"}; fmt.Sprint(alerts) != fmt.Sprint(want) {
		t.Errorf("dry run alerts:\n got  %q\n want %q", alerts, want)
	}
}
