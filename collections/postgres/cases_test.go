package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

func date(s string) time.Time {
	d, err := collections.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// importCSV loads a CSV file through the importer, as a user would.
func importCSV(t *testing.T, db *postgres.DB, kind collections.ImportKind, body string) {
	t.Helper()
	rows, err := collections.NewRowReader(bytes.NewReader([]byte(body)), string(kind)+".csv", kind)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewImportService(db).Import(context.Background(), kind, rows,
		collections.ImportOptions{File: string(kind) + ".csv", Today: date("2026-06-01")}); err != nil {
		t.Fatalf("import %s: %v", kind, err)
	}
}

func newCases(t *testing.T) (*postgres.DB, *postgres.CaseService) {
	t.Helper()
	db := dbtest.New(t)
	importCSV(t, db, collections.ImportInvoices, `number,customer,currency,amount,issued_on,due_on
A-1,Acme,USD,100.00,2026-04-01,2026-05-01
A-2,Acme,EUR,50.00,2026-04-01,2026-05-20
B-1,Bluebird,USD,30.00,2026-05-01,2026-05-25
C-1,Current Co,USD,10.00,2026-05-20,2026-07-01
`)
	cs := postgres.NewCaseService(db, postgres.CaseConfig{Stages: []int{1, 7, 30}, Channel: "C0COLLECT", GraceDays: 3,
		Today: func() time.Time { return date("2026-06-01") }})
	return db, cs
}

// waitUntil waits for cond, checking every millisecond, for at most 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func count(t *testing.T, db *postgres.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.GetContext(context.Background(), &n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSweep_OneAlertPerCustomerAndStage(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)

	res, err := cs.Sweep(ctx, date("2026-06-01"), false)
	if err != nil {
		t.Fatal(err)
	}
	// Acme: oldest 31 days → stage 30; Bluebird: 7 days → stage 7; Current Co: not due.
	if len(res.Alerts) != 2 || res.Alerts[0].Customer.Name != "Acme" || res.Alerts[0].Stage != 30 ||
		res.Alerts[1].Customer.Name != "Bluebird" || res.Alerts[1].Stage != 7 {
		t.Fatalf("alerts = %+v", res.Alerts)
	}
	if got := collections.OverdueText(res.Alerts[0].Overdue); got != "EUR 50.00 · USD 100.00" {
		t.Errorf("Acme overdue = %q", got)
	}
	if n := count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'alert'`); n != 2 {
		t.Errorf("queued alerts = %d, want 2", n)
	}

	t.Run("SecondSweepPostsNothingNew", func(t *testing.T) {
		res, err := cs.Sweep(ctx, date("2026-06-01"), false)
		if err != nil || len(res.Alerts) != 0 {
			t.Fatalf("alerts = %+v, err %v", res.Alerts, err)
		}
		if n := count(t, db, `SELECT count(*) FROM outbox`); n != 2 {
			t.Errorf("outbox = %d items, want still 2", n)
		}
	})
	t.Run("ConcurrentSweepsAlertOnce", func(t *testing.T) {
		var wg sync.WaitGroup
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := cs.Sweep(ctx, date("2026-06-08"), false); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		// As of 2026-06-08 Bluebird is 14 days overdue and Acme 38: no new stage.
		if n := count(t, db, `SELECT count(*) FROM case_alerts`); n != 2 {
			t.Errorf("case_alerts = %d, want 2", n)
		}
	})
	t.Run("StageCrossingQueuesUpdateAndThreadLine", func(t *testing.T) {
		res, err := cs.Sweep(ctx, date("2026-06-25"), false) // Bluebird 31 days
		if err != nil || len(res.Alerts) != 1 || res.Alerts[0].Customer.Name != "Bluebird" || res.Alerts[0].Stage != 30 || res.Alerts[0].New {
			t.Fatalf("alerts = %+v, err %v", res.Alerts, err)
		}
		if n := count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'thread'`); n != 1 {
			t.Errorf("thread lines = %d, want 1", n)
		}
	})
	t.Run("PaidInFullSettles", func(t *testing.T) {
		importCSV(t, db, collections.ImportPayments, "invoice,amount,paid_on\nB-1,30.00,2026-06-26\n")
		res, err := cs.Sweep(ctx, date("2026-06-27"), false)
		if err != nil || res.Settled != 1 {
			t.Fatalf("settled = %d, err %v", res.Settled, err)
		}
		if n := count(t, db, `SELECT count(*) FROM cases WHERE status = 'settled'`); n != 1 {
			t.Errorf("settled cases = %d", n)
		}
	})
	t.Run("DryRunChangesNothing", func(t *testing.T) {
		before := count(t, db, `SELECT count(*) FROM outbox`)
		importCSV(t, db, collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nD-1,Dodo,USD,5.00,2026-06-01,2026-06-10\n")
		res, err := cs.Sweep(ctx, date("2026-06-27"), true)
		if err != nil || len(res.Alerts) != 1 || res.Alerts[0].Customer.Name != "Dodo" {
			t.Fatalf("dry run alerts = %+v, err %v", res.Alerts, err)
		}
		if after := count(t, db, `SELECT count(*) FROM outbox`); after != before {
			t.Errorf("dry run queued %d messages", after-before)
		}
	})
}

// acmeCaseWith is newCases with more invoices (rows of an invoices file,
// after its header) and Acme's case opened.
func acmeCaseWith(t *testing.T, invoices string) (*postgres.DB, *postgres.CaseService, collections.Case) {
	t.Helper()
	db, cs := newCases(t)
	importCSV(t, db, collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\n"+invoices)
	return db, cs, openCase(t, cs, db)
}

func openCase(t *testing.T, cs *postgres.CaseService, db *postgres.DB) collections.Case {
	t.Helper()
	if _, err := cs.Sweep(context.Background(), date("2026-06-01"), false); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.GetContext(context.Background(), &id, `SELECT c.id FROM cases c JOIN customers u ON u.id = c.customer_id WHERE u.name = 'Acme'`); err != nil {
		t.Fatal(err)
	}
	v, err := cs.FindCaseView(context.Background(), id, date("2026-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	return v.Case
}

func TestActions_ConcurrentIdenticalClicksChangeStateOnce(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	alice := collections.Actor{UserID: "U0ALICE"}
	c, err := cs.ProposePlan(ctx, alice, c.ID, collections.PlanProposal{Currency: "USD", Total: 10000,
		Instalments: 2, Frequency: collections.Monthly, FirstDueOn: date("2026-06-15")})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The same person's repeated clicks: one change, and each
			// click is answered as done.
			if _, err := cs.AgreePlan(ctx, alice, c.ID, 0); err != nil {
				t.Errorf("a repeat of one's own click was refused: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := count(t, db, `SELECT count(*) FROM audit_log WHERE action = 'plan_agreed'`); n != 1 {
		t.Errorf("audit rows = %d, want 1", n)
	}
	v, _ := cs.FindCaseView(ctx, c.ID, date("2026-06-01"))
	if v.Case.Status != collections.CasePlanActive || v.Plan == nil || v.Plan.Status != collections.PlanActive || len(v.Plan.Schedule) != 2 {
		t.Errorf("case = %+v, plan = %+v", v.Case, v.Plan)
	}
	// Someone else's late click on the same button is refused with the
	// case as it is now.
	_, err = cs.AgreePlan(ctx, collections.Actor{UserID: "U0BOB"}, c.ID, 0)
	if collections.ErrorCode(err) != collections.ECONFLICT || !strings.Contains(collections.ErrorMessage(err), "Acme is now on an active payment plan") {
		t.Errorf("another person's late click: %v", err)
	}
}

// TestSnooze_TheSameFormSentTwiceSnoozesOnce: a snooze form sent again
// (twice at once, or later), to the date the case is already snoozed
// until, changes nothing: one audit entry, one thread line. A new date
// is a new snooze.
func TestSnooze_TheSameFormSentTwiceSnoozesOnce(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	alice := collections.Actor{UserID: "U0ALICE"}
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := cs.Snooze(ctx, alice, c.ID, date("2026-06-08"), "on holiday"); err != nil {
				t.Errorf("snooze: %v", err)
			}
		}()
	}
	wg.Wait()
	if _, err := cs.Snooze(ctx, alice, c.ID, date("2026-06-08"), "on holiday"); err != nil {
		t.Fatal(err)
	}
	snoozes := func() int {
		return count(t, db, `SELECT count(*) FROM audit_log WHERE action = 'snoozed' AND case_id = $1`, c.ID)
	}
	lines := func() int {
		return count(t, db, `SELECT count(*) FROM outbox o JOIN audit_log a ON a.id = o.audit_id WHERE o.kind = 'thread' AND a.action = 'snoozed' AND a.case_id = $1`, c.ID)
	}
	if n, l := snoozes(), lines(); n != 1 || l != 1 {
		t.Errorf("the same snooze sent 6 times: %d audit entries and %d thread lines, want 1 and 1", n, l)
	}
	after, err := cs.Snooze(ctx, alice, c.ID, date("2026-06-12"), "")
	if err != nil || after.SnoozedUntil == nil || after.SnoozedUntil.Format(collections.DateLayout) != "2026-06-12" {
		t.Fatalf("snooze to a new date: %+v, %v", after, err)
	}
	if n := snoozes(); n != 2 {
		t.Errorf("a snooze to a new date: %d audit entries, want 2", n)
	}
}

func TestActions_AStaleClickIsAppliedWhenTheStatusStillAllowsIt(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	shown := c.Version
	if _, err := cs.Snooze(ctx, collections.Actor{UserID: "U0ALICE"}, c.ID, date("2026-06-10"), ""); err != nil {
		t.Fatal(err)
	}
	// A Payment plan from the message shown before the snooze: the
	// lifecycle allows a plan on a snoozed case, so it is applied.
	after, err := cs.ProposePlan(ctx, collections.Actor{UserID: "U0BOB"}, c.ID, collections.PlanProposal{Currency: "USD", Total: 10000,
		Instalments: 2, Frequency: collections.Monthly, FirstDueOn: date("2026-06-15")})
	if err != nil {
		t.Fatalf("a plan on a case snoozed since the message was shown: %v", err)
	}
	if after.Status != collections.CasePlanProposed || after.SnoozedUntil != nil || after.Version != shown+2 {
		t.Errorf("case after the stale click: %+v", after)
	}
	// A conflicting stale click is refused: a plan is proposed now.
	if _, err := cs.Snooze(ctx, collections.Actor{UserID: "U0ALICE"}, c.ID, date("2026-06-20"), ""); collections.ErrorCode(err) != collections.ECONFLICT {
		t.Errorf("snooze of a case with a proposed plan: %v, want ECONFLICT", err)
	}
}

func TestEscalation_FourEyes(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	alice, bob := collections.Actor{UserID: "U0ALICE", Approver: true}, collections.Actor{UserID: "U0BOB", Approver: true}
	e, err := cs.Escalate(ctx, alice, c.ID, collections.TargetAgency, "  ")
	if collections.ErrorCode(err) != collections.EINVALID {
		t.Fatalf("blank reason: err = %v", err)
	}
	e, err = cs.Escalate(ctx, alice, c.ID, collections.TargetAgency, "ignored three reminders")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.DecideEscalation(ctx, alice, e.ID, collections.ActApprove, ""); collections.ErrorCode(err) != collections.EUNAUTHORIZED {
		t.Errorf("requester approving: err = %v, want EUNAUTHORIZED", err)
	}
	if _, err := cs.DecideEscalation(ctx, collections.Actor{UserID: "U0CAROL"}, e.ID, collections.ActApprove, ""); !errors.Is(err, collections.ErrNotApprover) {
		t.Errorf("a member approving: err = %v, want ErrNotApprover", err)
	}
	e, err = cs.DecideEscalation(ctx, bob, e.ID, collections.ActApprove, "")
	if err != nil || e.Status != collections.EscalationApproved || e.DecidedBy != "U0BOB" {
		t.Fatalf("approve: %+v, %v", e, err)
	}
	if _, err := cs.DecideEscalation(ctx, collections.Actor{UserID: "U0DAVE", Approver: true}, e.ID, collections.ActReject, ""); collections.ErrorCode(err) != collections.ECONFLICT {
		t.Errorf("second decision: err = %v, want ECONFLICT", err)
	}
	v, _ := cs.FindCaseView(ctx, c.ID, date("2026-06-01"))
	if v.Case.Status != collections.CaseEscalated {
		t.Errorf("case status = %s", v.Case.Status)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM audit_log`); err == nil {
		t.Error("the audit log accepted a DELETE")
	}
}

func TestEscalation_WithdrawnByTheRequesterOnly(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	alice := collections.Actor{UserID: "U0ALICE"}
	e, err := cs.Escalate(ctx, alice, c.ID, collections.TargetLegal, "no answer")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.DecideEscalation(ctx, collections.Actor{UserID: "U0BOB", Approver: true}, e.ID, collections.ActWithdraw, ""); collections.ErrorCode(err) != collections.EUNAUTHORIZED {
		t.Errorf("an approver withdrawing someone else's request: %v", err)
	}
	e, err = cs.DecideEscalation(ctx, alice, e.ID, collections.ActWithdraw, "")
	if err != nil || e.Status != collections.EscalationWithdrawn {
		t.Fatalf("withdraw: %+v, %v", e, err)
	}
	v, _ := cs.FindCaseView(ctx, c.ID, date("2026-06-01"))
	if v.Case.Status != collections.CaseOpen {
		t.Errorf("case after withdrawal = %s, want open", v.Case.Status)
	}
	if n := count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'approval_update' AND escalation_id = $1`, e.ID); n != 1 {
		t.Errorf("approval request redraws queued = %d, want 1", n)
	}
}

func TestSnooze_QuietUntilDateThenAlertsAgain(t *testing.T) {
	ctx := context.Background()
	db, _ := newCases(t)
	// Stages up to 45 days, so that a later stage falls inside the snooze.
	cs := postgres.NewCaseService(db, postgres.CaseConfig{Stages: []int{1, 7, 30, 45}, Channel: "C0COLLECT", GraceDays: 3,
		Today: func() time.Time { return date("2026-06-01") }})
	c := openCase(t, cs, db)
	if c.Stage != 30 {
		t.Fatalf("Acme opened at stage %d, want 30", c.Stage)
	}
	if _, err := cs.Snooze(ctx, collections.Actor{UserID: "U0ALICE"}, c.ID, date("2026-06-20"), "waiting for PO"); err != nil {
		t.Fatal(err)
	}
	// Quiet: on 2026-06-16 Acme is 46 days overdue, past stage 45, and
	// nothing is alerted while snoozed.
	res, err := cs.Sweep(ctx, date("2026-06-16"), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Alerts {
		if a.Customer.Name == "Acme" {
			t.Fatalf("snoozed case alerted: %+v", a)
		}
	}
	res, err = cs.Sweep(ctx, date("2026-06-20"), false)
	if err != nil || res.Reopened != 1 {
		t.Fatalf("reopened = %d, err %v", res.Reopened, err)
	}
	if len(res.Alerts) != 1 || res.Alerts[0].Customer.Name != "Acme" {
		t.Errorf("alerts when the snooze ended = %+v", res.Alerts)
	}
	if n := count(t, db, `SELECT count(*) FROM case_alerts WHERE case_id = $1 AND stage = 45`, c.ID); n != 1 {
		t.Errorf("stage 45 recorded %d times once the snooze ended, want 1", n)
	}
	v, _ := cs.FindCaseView(ctx, c.ID, date("2026-06-20"))
	if v.Case.Status != collections.CaseOpen {
		t.Errorf("status after snooze = %s", v.Case.Status)
	}
}

// TestFindCaseView_ShowsTheLastFiveActionsNewestFirst: the alert's recent
// actions are the case's last five audit entries, newest first, read as
// the customer's history reads them.
func TestFindCaseView_ShowsTheLastFiveActionsNewestFirst(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	for i, user := range []string{"U0ALICE", "U0BOB", "U0ALICE", "U0BOB", "U0ALICE", "U0BOB"} {
		if _, err := cs.Snooze(ctx, collections.Actor{UserID: user}, c.ID, date("2026-06-01").AddDate(0, 0, 10+i), fmt.Sprintf("call %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	v, err := cs.FindCaseView(ctx, c.ID, date("2026-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	all, err := cs.History(ctx, c.CustomerID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 7 || len(v.LastActions) != 5 {
		t.Fatalf("%d recent actions of %d, want the last 5", len(v.LastActions), len(all))
	}
	for i, got := range v.LastActions {
		want := all[i]
		if got.ID != want.ID || got.Action != want.Action || got.Actor != want.Actor || got.CaseID != want.CaseID ||
			!reflect.DeepEqual(got.Details, want.Details) || !got.At.Equal(want.At) {
			t.Errorf("recent action %d = %+v, want %+v", i, got, want)
		}
	}
	if d := v.LastActions[0].Details; d.Reason != "call 5" || d.Until == nil || d.Until.String() != "2026-06-16" {
		t.Errorf("newest action's details = %+v, want the last snooze's", d)
	}
}
