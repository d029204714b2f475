package postgres_test

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/owedhq/owed/collections"
)

// TestCaseViews_ReadTogetherAsEachAlone: cases read together (as the
// Slack sender reads a burst of alerts) are each what it is read alone:
// its own customer, its own invoices (open, disputed, in each currency),
// its plan and its history; a case that does not exist is left out.
func TestCaseViews_ReadTogetherAsEachAlone(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	acme := openCase(t, cs, db)
	alice := collections.Actor{UserID: "U0ALICE"}
	if _, err := cs.Dispute(ctx, alice, acme.ID, collections.DisputeInput{InvoiceIDs: []int64{invoiceID(t, db, "A-2")}, Reason: collections.DisputeQuality}); err != nil {
		t.Fatal(err)
	}
	var bluebird int64
	if err := db.GetContext(ctx, &bluebird, `SELECT c.id FROM cases c JOIN customers u ON u.id = c.customer_id WHERE u.name = 'Bluebird'`); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.ProposePlan(ctx, alice, bluebird, collections.PlanProposal{Currency: "USD", Total: 30_00,
		Instalments: 2, Frequency: collections.Monthly, FirstDueOn: date("2026-06-15")}); err != nil {
		t.Fatal(err)
	}
	asOf := date("2026-06-01")
	views, err := cs.FindCaseViews(ctx, []int64{bluebird, acme.ID, 999_999}, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(views) != 2 {
		t.Fatalf("%d views, want Acme's and Bluebird's (the missing case left out)", len(views))
	}
	a, b := views[acme.ID], views[bluebird]
	if a.Customer.Name != "Acme" || len(a.Invoices) != 1 || a.Invoices[0].Number != "A-1" || len(a.Disputed) != 1 || a.Disputed[0].Number != "A-2" {
		t.Errorf("Acme's view: %s, open %+v, disputed %+v", a.Customer.Name, a.Invoices, a.Disputed)
	}
	if got := collections.OverdueText(a.Overdue()); got != "USD 100.00" {
		t.Errorf("Acme's overdue = %q, want USD 100.00", got)
	}
	if b.Customer.Name != "Bluebird" || len(b.Invoices) != 1 || b.Invoices[0].Number != "B-1" || b.Plan == nil || b.Plan.Proposal.Total != 30_00 {
		t.Errorf("Bluebird's view: %s, open %+v, plan %+v", b.Customer.Name, b.Invoices, b.Plan)
	}
	for id, together := range views {
		alone, err := cs.FindCaseView(ctx, id, asOf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(together, alone) {
			t.Errorf("case %d read with another:\n%+v\nread alone:\n%+v", id, together, alone)
		}
	}
	if _, err := cs.FindCaseView(ctx, 999_999, asOf); collections.ErrorCode(err) != collections.ENOTFOUND {
		t.Errorf("a missing case read alone: %v, want not found", err)
	}
}

// TestOutbox_ItemsSentAtOnceAreEachMarkedSent: the sender's workers mark
// their items sent at the same moment (they are marked together); each
// one is marked, and no other.
func TestOutbox_ItemsSentAtOnceAreEachMarkedSent(t *testing.T) {
	t.Parallel()
	ctx, db, out := newOutbox(t)
	untouched := newOutboxItem(t, ctx, db)
	var ids []int64
	if err := db.SelectContext(ctx, &ids, `INSERT INTO outbox (kind, case_id)
		SELECT 'alert', case_id FROM outbox, generate_series(1, 12) WHERE id = $1 RETURNING id`, untouched); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := out.OutboxDone(ctx, id); err != nil {
				t.Errorf("item %d: %v", id, err)
			}
		}()
	}
	wg.Wait()
	if n := count(t, db, `SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL`); n != len(ids) {
		t.Errorf("%d items marked sent, want %d", n, len(ids))
	}
	if n := count(t, db, `SELECT count(*) FROM outbox WHERE id = $1 AND sent_at IS NULL`, untouched); n != 1 {
		t.Error("an item nobody sent was marked sent")
	}
}
