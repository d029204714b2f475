package postgres_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
)

// invoiceID returns the id of the invoice with a number.
func invoiceID(t *testing.T, db *postgres.DB, number string) int64 {
	t.Helper()
	var id int64
	if err := db.GetContext(context.Background(), &id, `SELECT id FROM invoices WHERE number = $1`, number); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestDispute_AnInvoiceDueTodayIsNotOverdueSoNotDisputed: only overdue
// invoices can be put in dispute; one due today is not overdue yet.
func TestDispute_AnInvoiceDueTodayIsNotOverdueSoNotDisputed(t *testing.T) {
	ctx := context.Background()
	db, cs, c := acmeCaseWith(t, "A-3,Acme,USD,20.00,2026-05-01,2026-06-01\n")
	alice := collections.Actor{UserID: "U0ALICE"}
	_, err := cs.Dispute(ctx, alice, c.ID, collections.DisputeInput{InvoiceIDs: []int64{invoiceID(t, db, "A-3")}, Reason: collections.DisputePricing})
	if collections.ErrorCode(err) != collections.ECONFLICT {
		t.Errorf("dispute of an invoice due today: %v, want ECONFLICT", err)
	}
	if n := count(t, db, `SELECT count(*) FROM disputes`); n != 0 {
		t.Errorf("disputes = %d, want 0", n)
	}
	if _, err := cs.Dispute(ctx, alice, c.ID, collections.DisputeInput{InvoiceIDs: []int64{invoiceID(t, db, "A-1")}, Reason: collections.DisputePricing}); err != nil {
		t.Errorf("dispute of an overdue invoice: %v", err)
	}
}

// TestDispute_ACreditedInvoiceIsChasedAgainOnceAPaymentChangesIt: "we will
// credit it" keeps an invoice out of the chase only while the ledger has
// it as it was; a payment on it brings what is left back.
func TestDispute_ACreditedInvoiceIsChasedAgainOnceAPaymentChangesIt(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	alice := collections.Actor{UserID: "U0ALICE"}
	a1 := invoiceID(t, db, "A-1")
	if _, err := cs.Dispute(ctx, alice, c.ID, collections.DisputeInput{InvoiceIDs: []int64{a1}, Reason: collections.DisputeQuality}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.ResolveDispute(ctx, alice, c.ID, []int64{a1}, collections.ResolveCredit); err != nil {
		t.Fatal(err)
	}
	v, err := cs.FindCaseView(ctx, c.ID, date("2026-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	if got := collections.OverdueText(v.Overdue()); got != "EUR 50.00" {
		t.Fatalf("overdue while credited = %q, want only EUR 50.00", got)
	}
	// It is shown as a credit agreed, no longer as the quality dispute.
	if len(v.Disputed) != 1 || v.Disputed[0].DisputeReason != collections.DisputeCreditAgreed {
		t.Errorf("the credited invoice is shown as %+v, want credit agreed", v.Disputed)
	}
	importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on\nA-1,10.00,2026-06-01\n")
	v, err = cs.FindCaseView(ctx, c.ID, date("2026-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	if got := collections.OverdueText(v.Overdue()); got != "EUR 50.00 · USD 90.00" {
		t.Errorf("overdue after a payment on the credited invoice = %q, want EUR 50.00 · USD 90.00", got)
	}
	if len(v.Disputed) != 0 {
		t.Errorf("still in dispute: %+v", v.Disputed)
	}
}

// TestDispute_AsOfADateBeforeItWasPaid: an invoice in dispute and paid in
// full since is out of the dispute today, but as of a date before the
// payment it was still in dispute: an aging report as of then says so.
func TestDispute_AsOfADateBeforeItWasPaid(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	alice := collections.Actor{UserID: "U0ALICE"}
	if _, err := cs.Dispute(ctx, alice, c.ID, collections.DisputeInput{InvoiceIDs: []int64{invoiceID(t, db, "A-1")}, Reason: collections.DisputeQuality}); err != nil {
		t.Fatal(err)
	}
	aging := func() collections.AgingReport {
		t.Helper()
		report, err := postgres.NewLedgerService(db).Aging(ctx, date("2026-05-31"))
		if err != nil {
			t.Fatal(err)
		}
		return report
	}
	before := aging()
	importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on\nA-1,100.00,2026-06-02\n")
	if after := aging(); !reflect.DeepEqual(after, before) {
		t.Errorf("aging as of 2026-05-31 after A-1 was paid on 2026-06-02:\n%+v\nwant as before:\n%+v", after, before)
	}
	if usd := before.Currencies[slices.IndexFunc(before.Currencies, func(a collections.Aging) bool { return a.Currency == "USD" })]; usd.Disputed != 10000 {
		t.Errorf("USD in dispute as of 2026-05-31 = %d, want A-1's 100.00", usd.Disputed)
	}
}
