package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

// TestCancelPlan_AnActivePlanIsCancelledNotLeftRunning: cancelling an
// agreed plan reopens the case and ends the plan, so the review no longer
// checks instalments of a plan nobody follows.
func TestCancelPlan_AnActivePlanIsCancelledNotLeftRunning(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	alice := collections.Actor{UserID: "U0ALICE"}
	agreePlan(t, cs, alice, c.ID, monthlyUSDPlan(100_00, 2))
	after, err := cs.CancelPlan(ctx, alice, c.ID)
	if err != nil || after.Status != collections.CaseOpen {
		t.Fatalf("cancel an active plan: %+v, %v", after, err)
	}
	if n := count(t, db, `SELECT count(*) FROM plans WHERE case_id = $1 AND status IN ('proposed', 'active')`, c.ID); n != 0 {
		t.Errorf("%d plans still live after the plan was cancelled", n)
	}
	if n := count(t, db, `SELECT count(*) FROM plans WHERE case_id = $1 AND status = 'cancelled'`, c.ID); n != 1 {
		t.Errorf("cancelled plans = %d, want 1", n)
	}
}

// TestAgreePlan_AStaleClickNeverAgreesToANewerPlan: Customer agreed on
// the message of a plan since cancelled and proposed anew is refused; the
// new plan stays proposed until its own button is clicked.
func TestAgreePlan_AStaleClickNeverAgreesToANewerPlan(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	alice := collections.Actor{UserID: "U0ALICE"}
	propose := func(n int) int64 {
		if _, err := cs.ProposePlan(ctx, alice, c.ID, collections.PlanProposal{Currency: "USD", Total: 100_00,
			Instalments: n, Frequency: collections.Monthly, FirstDueOn: date("2026-06-15")}); err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := db.GetContext(ctx, &id, `SELECT id FROM plans WHERE case_id = $1 AND status = 'proposed'`, c.ID); err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := propose(2)
	if _, err := cs.CancelPlan(ctx, alice, c.ID); err != nil {
		t.Fatal(err)
	}
	second := propose(4)
	_, err := cs.AgreePlan(ctx, collections.Actor{UserID: "U0BOB"}, c.ID, first)
	if collections.ErrorCode(err) != collections.ECONFLICT || !strings.Contains(collections.ErrorMessage(err), "replaced by a newer one") {
		t.Fatalf("agreeing to the cancelled plan: %v, want a refusal", err)
	}
	v, _ := cs.FindCaseView(ctx, c.ID, date("2026-06-01"))
	if v.Case.Status != collections.CasePlanProposed || v.Plan == nil || v.Plan.ID != second || v.Plan.Status != collections.PlanProposed {
		t.Errorf("after the stale click: case %s, plan %+v; want the 4-instalment plan still proposed", v.Case.Status, v.Plan)
	}
	if after, err := cs.AgreePlan(ctx, collections.Actor{UserID: "U0BOB"}, c.ID, second); err != nil || after.Status != collections.CasePlanActive {
		t.Errorf("agreeing to the plan shown: %+v, %v", after, err)
	}
}

// TestEndCase_AnActivePlanIsCompletedAndAProposedOneCancelled: when
// everything overdue is paid, an agreed plan ends completed (the customer
// kept it) and a plan never agreed ends cancelled.
func TestEndCase_AnActivePlanIsCompletedAndAProposedOneCancelled(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	if _, err := cs.Sweep(ctx, date("2026-06-01"), false); err != nil {
		t.Fatal(err)
	}
	caseOf := func(name string) int64 {
		var id int64
		if err := db.GetContext(ctx, &id, `SELECT c.id FROM cases c JOIN customers u ON u.id = c.customer_id WHERE u.name = $1`, name); err != nil {
			t.Fatal(err)
		}
		return id
	}
	acme, bluebird := caseOf("Acme"), caseOf("Bluebird")
	alice := collections.Actor{UserID: "U0ALICE"}
	if _, err := cs.ProposePlan(ctx, alice, acme, monthlyUSDPlan(100_00, 2)); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AgreePlan(ctx, alice, acme, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.ProposePlan(ctx, alice, bluebird, collections.PlanProposal{Currency: "USD", Total: 30_00,
		Instalments: 2, Frequency: collections.Weekly, FirstDueOn: date("2026-06-08")}); err != nil {
		t.Fatal(err)
	}
	importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on\nA-1,100.00,2026-06-01\nA-2,50.00,2026-06-01\nB-1,30.00,2026-06-01\n")
	res, err := cs.Review(ctx, date("2026-06-01"))
	if err != nil || res.Settled != 2 {
		t.Fatalf("settled = %d, err %v; want both cases settled", res.Settled, err)
	}
	for _, tc := range []struct {
		caseID int64
		want   string
	}{{acme, "completed"}, {bluebird, "cancelled"}} {
		var got string
		if err := db.GetContext(ctx, &got, `SELECT status FROM plans WHERE case_id = $1`, tc.caseID); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("plan of case %d ended %s, want %s", tc.caseID, got, tc.want)
		}
	}
}

// TestPromise_ANewPromiseReplacesTheOpenOne: a case has one open promise;
// a second promise replaces the first, which the review then leaves alone.
func TestPromise_ANewPromiseReplacesTheOpenOne(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	alice := collections.Actor{UserID: "U0ALICE"}
	for _, due := range []string{"2026-06-05", "2026-06-20"} {
		if _, err := cs.Promise(ctx, alice, c.ID, collections.PromiseInput{Amount: collections.Money{Minor: 40_00, Currency: "USD"}, DueOn: date(due)}); err != nil {
			t.Fatalf("promise by %s: %v", due, err)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM promises WHERE case_id = $1 AND status = 'open'`, c.ID); n != 1 {
		t.Fatalf("open promises = %d, want 1", n)
	}
	if n := count(t, db, `SELECT count(*) FROM promises WHERE case_id = $1 AND status = 'open' AND due_on = '2026-06-20'`, c.ID); n != 1 {
		t.Errorf("the open promise is not the newer one")
	}
	// The first promise's date plus grace passes with nothing paid: the
	// replaced promise breaks nothing.
	res, err := cs.Review(ctx, date("2026-06-10"))
	if err != nil || res.PromisesBroken != 0 {
		t.Errorf("promises broken on 2026-06-10 = %d, err %v; want 0 (the open one is due 2026-06-20)", res.PromisesBroken, err)
	}
}

// TestPromise_KeptByAPaymentDatedTheDayItWasMade: payments count towards
// a promise from the day it was made, that day included.
func TestPromise_KeptByAPaymentDatedTheDayItWasMade(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	if _, err := cs.Promise(ctx, collections.Actor{UserID: "U0ALICE"}, c.ID,
		collections.PromiseInput{Amount: collections.Money{Minor: 40_00, Currency: "USD"}, DueOn: date("2026-06-10")}); err != nil {
		t.Fatal(err)
	}
	importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on\nA-1,40.00,2026-06-01\n")
	res, err := cs.Review(ctx, date("2026-06-02"))
	if err != nil || res.PromisesKept != 1 {
		t.Fatalf("promises kept = %d, err %v; want the payment of the promise's own day to keep it", res.PromisesKept, err)
	}
}

// TestPromise_APaymentAfterTheDeadlineDoesNotKeepIt: only payments dated
// by the promised date plus grace count; one dated later, imported before
// the review that breaks the promise, leaves it broken.
func TestPromise_APaymentAfterTheDeadlineDoesNotKeepIt(t *testing.T) {
	ctx := context.Background()
	db, _ := newCases(t)
	cs := postgres.NewCaseService(db, postgres.CaseConfig{Stages: []int{1, 7, 30}, Channel: "C0COLLECT", GraceDays: 3,
		PromiseGraceDays: 2, Today: func() time.Time { return date("2026-06-01") }})
	c := openCase(t, cs, db)
	if _, err := cs.Promise(ctx, collections.Actor{UserID: "U0ALICE"}, c.ID,
		collections.PromiseInput{Amount: collections.Money{Minor: 40_00, Currency: "USD"}, DueOn: date("2026-06-05")}); err != nil {
		t.Fatal(err)
	}
	// 06-05 plus two days of grace: a payment of 06-07 is in time, one of
	// 06-08 is not.
	importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on\nA-1,39.00,2026-06-07\nA-1,1.00,2026-06-08\n")
	res, err := cs.Review(ctx, date("2026-06-10"))
	if err != nil {
		t.Fatal(err)
	}
	if res.PromisesKept != 0 || res.PromisesBroken != 1 {
		t.Errorf("promises kept %d, broken %d; want the promise broken: USD 39.00 came by the deadline, the last USD 1.00 after it",
			res.PromisesKept, res.PromisesBroken)
	}
}

// TestPromise_APaymentOfAnInvoiceNotYetDueKeepsNoPromise: a promise is
// about what was overdue when it was made; paying an invoice not yet due
// keeps no promise.
func TestPromise_APaymentOfAnInvoiceNotYetDueKeepsNoPromise(t *testing.T) {
	ctx := context.Background()
	db, cs, c := acmeCaseWith(t, "A-3,Acme,USD,60.00,2026-05-25,2026-07-01\n")
	alice := collections.Actor{UserID: "U0ALICE"}
	if _, err := cs.Promise(ctx, alice, c.ID, collections.PromiseInput{Amount: collections.Money{Minor: 50_00, Currency: "USD"}, DueOn: date("2026-06-10")}); err != nil {
		t.Fatal(err)
	}
	importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on\nA-3,60.00,2026-06-01\n")
	if res, err := cs.Review(ctx, date("2026-06-01")); err != nil || res.PromisesKept != 0 {
		t.Fatalf("promises kept %d (%v) by paying A-3, not yet due; want 0", res.PromisesKept, err)
	}
	v, _ := cs.FindCaseView(ctx, c.ID, date("2026-06-01"))
	if v.Promise == nil || v.Promise.Paid != 0 {
		t.Errorf("the promise counts %+v as paid towards it", v.Promise)
	}
	importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on\nA-1,50.00,2026-06-01\n")
	if res, err := cs.Review(ctx, date("2026-06-01")); err != nil || res.PromisesKept != 1 {
		t.Fatalf("promises kept %d (%v) by paying the overdue A-1; want 1", res.PromisesKept, err)
	}
}

// TestPlan_APaymentOfAnInvoiceNotYetDuePaysNoInstalment: a plan covers
// what was overdue when it was proposed; paying an invoice not yet due
// pays none of its instalments.
func TestPlan_APaymentOfAnInvoiceNotYetDuePaysNoInstalment(t *testing.T) {
	ctx := context.Background()
	db, cs, c := acmeCaseWith(t, "A-3,Acme,USD,60.00,2026-05-25,2026-07-01\n")
	alice := collections.Actor{UserID: "U0ALICE"}
	agreePlan(t, cs, alice, c.ID, monthlyUSDPlan(100_00, 2))
	importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on\nA-3,60.00,2026-06-01\n")
	if res, err := cs.Review(ctx, date("2026-06-01")); err != nil || res.Completed != 0 {
		t.Fatalf("plans completed %d (%v) by paying A-3, not yet due; want 0", res.Completed, err)
	}
	if v, _ := cs.FindCaseView(ctx, c.ID, date("2026-06-01")); v.Plan == nil || v.Plan.Paid != 0 {
		t.Errorf("the plan counts %+v as paid towards it", v.Plan)
	}
	importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on\nA-1,100.00,2026-06-01\n")
	if v, _ := cs.FindCaseView(ctx, c.ID, date("2026-06-01")); v.Plan == nil || v.Plan.Paid != 100_00 {
		t.Errorf("paying the overdue A-1: the plan counts %+v", v.Plan)
	}
}

// TestEscalationAndPlan_NeedSomethingOverdue: once every overdue invoice
// is in dispute, a pending escalation cannot be approved (it can still be
// rejected or withdrawn), and no plan can be proposed.
func TestEscalationAndPlan_NeedSomethingOverdue(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	dana := collections.Actor{UserID: "U0DANA"}
	e, err := cs.Escalate(ctx, dana, c.ID, collections.TargetLegal, "no answer")
	if err != nil {
		t.Fatal(err)
	}
	var overdue []int64
	if err := db.SelectContext(ctx, &overdue, `SELECT id FROM invoices WHERE number IN ('A-1', 'A-2')`); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Dispute(ctx, dana, c.ID, collections.DisputeInput{InvoiceIDs: overdue, Reason: collections.DisputePricing}); err != nil {
		t.Fatal(err)
	}
	cfo := collections.Actor{UserID: "U0CFO", Approver: true}
	_, err = cs.DecideEscalation(ctx, cfo, e.ID, collections.ActApprove, "")
	if collections.ErrorCode(err) != collections.ECONFLICT || !strings.Contains(collections.ErrorMessage(err), "nothing overdue") {
		t.Errorf("approving with nothing overdue: %v, want a refusal", err)
	}
	if _, err := cs.DecideEscalation(ctx, cfo, e.ID, collections.ActReject, "all disputed"); err != nil {
		t.Errorf("rejecting with nothing overdue: %v", err)
	}
	_, err = cs.ProposePlan(ctx, dana, c.ID, monthlyUSDPlan(100_00, 2))
	if collections.ErrorCode(err) != collections.ECONFLICT || !strings.Contains(collections.ErrorMessage(err), "nothing overdue") {
		t.Errorf("a plan with nothing overdue: %v, want a refusal", err)
	}
}

// TestPromise_TheWholeOverdueAmountMayBePromised: a promise of exactly
// what is overdue is accepted; a cent more is refused.
func TestPromise_TheWholeOverdueAmountMayBePromised(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	alice := collections.Actor{UserID: "U0ALICE"}
	_, err := cs.Promise(ctx, alice, c.ID, collections.PromiseInput{Amount: collections.Money{Minor: 100_01, Currency: "USD"}, DueOn: date("2026-06-10")})
	if collections.ErrorCode(err) != collections.EINVALID || !strings.Contains(collections.ErrorMessage(err), "more than the USD 100.00 overdue") {
		t.Errorf("a promise of USD 100.01: %v, want a refusal", err)
	}
	after, err := cs.Promise(ctx, alice, c.ID, collections.PromiseInput{Amount: collections.Money{Minor: 100_00, Currency: "USD"}, DueOn: date("2026-06-10")})
	if err != nil || after.Status != collections.CasePromised {
		t.Errorf("a promise of the whole USD 100.00: %+v, %v", after, err)
	}
}

// TestEscalate_AnInvoiceDueTodayIsNotOverdue: a customer whose only
// unpaid invoice falls due today owes nothing overdue yet, so its case
// cannot be escalated.
func TestEscalate_AnInvoiceDueTodayIsNotOverdue(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	importCSV(t, db, collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nD-1,Duetoday Ltd,USD,75.00,2026-05-01,2026-06-01\n")
	var customerID int64
	if err := db.GetContext(ctx, &customerID, `SELECT id FROM customers WHERE name = 'Duetoday Ltd'`); err != nil {
		t.Fatal(err)
	}
	c, err := cs.OpenCase(ctx, customerID, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = cs.Escalate(ctx, collections.Actor{UserID: "U0ALICE"}, c.ID, collections.TargetAgency, "due today")
	if collections.ErrorCode(err) != collections.ECONFLICT || !strings.Contains(collections.ErrorMessage(err), "Duetoday Ltd has nothing overdue") {
		t.Errorf("escalating a customer whose invoice is due today: %v, want a refusal", err)
	}
}

// TestEndCase_OneInvoiceStillUnpaidClosesNotSettles: a case whose only
// overdue invoice is no longer overdue (its due date moved) but is still
// unpaid ends closed, never "Settled — paid in full".
func TestEndCase_OneInvoiceStillUnpaidClosesNotSettles(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	if _, err := cs.Sweep(ctx, date("2026-06-01"), false); err != nil {
		t.Fatal(err)
	}
	// Bluebird's one overdue invoice gets a later due date.
	importCSV(t, db, collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nB-1,Bluebird,USD,30.00,2026-05-01,2026-07-15\n")
	res, err := cs.Review(ctx, date("2026-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Closed != 1 || res.Settled != 0 {
		t.Errorf("closed %d, settled %d; want Bluebird's case closed, not settled", res.Closed, res.Settled)
	}
	if n := count(t, db, `SELECT count(*) FROM cases c JOIN customers u ON u.id = c.customer_id WHERE u.name = 'Bluebird' AND c.status = 'closed'`); n != 1 {
		t.Errorf("Bluebird's closed cases = %d, want 1", n)
	}
}

// TestSnooze_RacingAPlanNeverOverwritesIt: a snooze is decided on the
// case as read and written only if the case is still as read. A plan
// proposed in between wins: in either order the case ends with the plan
// proposed (a snooze after the plan is refused), never snoozed over it.
func TestSnooze_RacingAPlanNeverOverwritesIt(t *testing.T) {
	ctx := context.Background()
	const n = 60
	db, cs, ids := sweptCases(t, n)
	before := count(t, db, `SELECT coalesce(max(id), 0) FROM outbox`)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := cs.Snooze(ctx, collections.Actor{UserID: "U0ALICE"}, id, date("2026-06-20"), ""); err != nil && collections.ErrorCode(err) != collections.ECONFLICT {
				t.Errorf("snooze case %d: %v", id, err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := cs.ProposePlan(ctx, collections.Actor{UserID: "U0BOB"}, id, monthlyUSDPlan(100_00, 2)); err != nil {
				t.Errorf("propose a plan on case %d: %v", id, err)
			}
		}()
	}
	wg.Wait()
	var wrong []string
	if err := db.SelectContext(ctx, &wrong, `SELECT id || ': ' || status FROM cases WHERE status <> 'plan_proposed' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(wrong) > 0 {
		t.Errorf("%d of %d cases were not left with their plan proposed: %v", len(wrong), n, wrong)
	}
	// Every change a case went through has its audit entry, its alert
	// refresh and its thread line queued.
	actions := count(t, db, `SELECT count(*) FROM audit_log WHERE action IN ('snoozed', 'plan_proposed')`)
	for _, kind := range []string{"alert", "thread"} {
		if got := count(t, db, `SELECT count(*) FROM outbox WHERE kind = $1 AND id > $2`, kind, before); got != actions {
			t.Errorf("%d %s items queued for the %d actions recorded", got, kind, actions)
		}
	}
}

// sweptCases opens n cases, one per overdue customer.
func sweptCases(t *testing.T, n int) (*postgres.DB, *postgres.CaseService, []int64) {
	t.Helper()
	ctx := context.Background()
	db := dbtest.New(t)
	var csv strings.Builder
	csv.WriteString("number,customer,currency,amount,issued_on,due_on\n")
	for i := range n {
		fmt.Fprintf(&csv, "R-%03d,Racer %03d,USD,100.00,2026-04-01,2026-05-01\n", i, i)
	}
	importCSV(t, db, collections.ImportInvoices, csv.String())
	cs := postgres.NewCaseService(db, postgres.CaseConfig{Stages: []int{1, 7, 30}, Channel: "C0COLLECT", GraceDays: 3,
		Today: func() time.Time { return date("2026-06-01") }})
	if _, err := cs.Sweep(ctx, date("2026-06-01"), false); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := db.SelectContext(ctx, &ids, `SELECT id FROM cases ORDER BY id`); err != nil || len(ids) != n {
		t.Fatalf("%d cases, want %d: %v", len(ids), n, err)
	}
	return db, cs, ids
}

// TestSnooze_ABurstIsWrittenInOneStatement: the snoozes that arrive while
// one is being written wait, and are then written together, in one
// statement, each with its audit entry and its two messages, the alert's
// refresh first. A second snooze of the same case in the group is written
// after it, as if alone.
func TestSnooze_ABurstIsWrittenInOneStatement(t *testing.T) {
	ctx := context.Background()
	const n = 30
	db, cs, ids := sweptCases(t, n)
	before := count(t, db, `SELECT coalesce(max(id), 0) FROM outbox`)

	// The first snooze leads; its write waits for a row lock held here,
	// while the others queue behind it.
	hold, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.ExecContext(ctx, `SELECT 1 FROM cases WHERE id = $1 FOR UPDATE`, ids[0]); err != nil {
		t.Fatal(err)
	}
	until := date("2026-06-20")
	var wg sync.WaitGroup
	snooze := func(user string, id int64) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := cs.Snooze(ctx, collections.Actor{UserID: user}, id, until, ""); err != nil {
				t.Errorf("%s snoozes case %d: %v", user, id, err)
			}
		}()
	}
	snooze("U0ALICE", ids[0])
	waitUntil(t, "the first snooze to wait for the lock", func() bool {
		return count(t, db, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%unnest%'`) == 1
	})
	for _, id := range ids[1:] {
		snooze("U0ALICE", id)
	}
	snooze("U0BOB", ids[1])
	waitUntil(t, "the others to queue", func() bool { return cs.QueuedWrites() == n })
	if err := hold.Commit(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	if got := count(t, db, `SELECT count(*) FROM cases WHERE status = 'snoozed' AND snoozed_until = '2026-06-20'`); got != n {
		t.Errorf("%d of %d cases snoozed until 2026-06-20", got, n)
	}
	// Rows written by one statement share its transaction id.
	if got := count(t, db, `SELECT count(DISTINCT xmin::text) FROM cases WHERE id > $1`, ids[1]); got != 1 {
		t.Errorf("the %d queued snoozes were written by %d statements, want 1", n-2, got)
	}
	if got := count(t, db, `SELECT count(*) FROM audit_log WHERE case_id = $1 AND action = 'snoozed'`, ids[1]); got != 2 {
		t.Errorf("case %d snoozed twice has %d audit entries", ids[1], got)
	}
	if got := count(t, db, `SELECT count(*) FROM audit_log WHERE action = 'snoozed'`); got != n+1 {
		t.Errorf("%d audit entries for %d snoozes", got, n+1)
	}
	// Each snooze queued its alert's refresh, then its thread line.
	for _, kind := range []string{"alert", "thread"} {
		if got := count(t, db, `SELECT count(*) FROM outbox WHERE kind = $1 AND id > $2`, kind, before); got != n+1 {
			t.Errorf("%d %s items queued for %d snoozes", got, kind, n+1)
		}
	}
	if got := count(t, db, `SELECT count(*) FROM outbox th WHERE th.kind = 'thread' AND th.id > $1
		AND NOT EXISTS (SELECT 1 FROM outbox al WHERE al.kind = 'alert' AND al.case_id = th.case_id AND al.id > $1 AND al.id < th.id)`, before); got != 0 {
		t.Errorf("%d thread lines queued before their alert's refresh", got)
	}
	if got := count(t, db, `SELECT count(*) FROM outbox WHERE id > $1`, before); got != 2*(n+1) {
		t.Errorf("%d messages queued for %d snoozes, want %d", got, n+1, 2*(n+1))
	}
}

// TestSnooze_ACaseChangedSinceReadIsDecidedAgain: a snooze reads the case
// open, and before its write the case settles. The write must not take
// effect on the settled case: the snooze is decided again, and refused.
func TestSnooze_ACaseChangedSinceReadIsDecidedAgain(t *testing.T) {
	ctx := context.Background()
	db, cs, ids := sweptCases(t, 1)
	settle, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer settle.Rollback()
	if _, err := settle.ExecContext(ctx, `UPDATE cases SET status = 'settled', ended_at = now(), version = version + 1 WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := cs.Snooze(ctx, collections.Actor{UserID: "U0ALICE"}, ids[0], date("2026-06-20"), "")
		done <- err
	}()
	waitUntil(t, "the snooze to wait to write", func() bool {
		return count(t, db, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%unnest%'`) == 1
	})
	if err := settle.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; collections.ErrorCode(err) != collections.ECONFLICT {
		t.Errorf("snoozing a case that settled meanwhile: %v, want a conflict", err)
	}
	if got := count(t, db, `SELECT count(*) FROM cases WHERE status = 'settled' AND ended_at IS NOT NULL`); got != 1 {
		t.Error("the snooze overwrote the settled case")
	}
	if got := count(t, db, `SELECT count(*) FROM audit_log WHERE action = 'snoozed'`); got != 0 {
		t.Errorf("%d snoozes recorded on a settled case", got)
	}
}

// monthlyUSDPlan is a plan of total USD minor units in n monthly
// instalments, the first due on 2026-06-15.
// agreePlan proposes p on case caseID as a, and records that the customer
// agreed to it.
func agreePlan(t *testing.T, cs *postgres.CaseService, a collections.Actor, caseID int64, p collections.PlanProposal) {
	t.Helper()
	ctx := context.Background()
	if _, err := cs.ProposePlan(ctx, a, caseID, p); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AgreePlan(ctx, a, caseID, 0); err != nil {
		t.Fatal(err)
	}
}

func monthlyUSDPlan(total int64, n int) collections.PlanProposal {
	return collections.PlanProposal{Currency: "USD", Total: total, Instalments: n, Frequency: collections.Monthly, FirstDueOn: date("2026-06-15")}
}
