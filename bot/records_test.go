package bot_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
)

// Journeys of the records on a case: contacts, promises, disputes.

// withOwner loads the journey ledger with Acme owned by the member.
func withOwner(h *harness) {
	h.importCSV(collections.ImportCustomers, "name,email,phone,owner,tier\nACME Corp.,ap@acme.example,+1 555 0100,"+member+",A\n")
	h.importCSV(collections.ImportInvoices, journeyInvoices)
}

func lastLine(t testing.TB, h *harness, alert sandbox.Message) sandbox.Message {
	t.Helper()
	m := h.refresh(alert)
	if len(m.Replies) == 0 {
		t.Fatalf("no thread under %q", m.Text)
	}
	return m.Replies[len(m.Replies)-1]
}

func TestRecords_ACallWithAFollowUpIsQuietUntilThenAlertsTheOwner(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	acme := h.alert("ACME Corp.")
	if !strings.Contains(acme.Content(), "ap@acme.example") || !strings.Contains(acme.Content(), "+1 555 0100") {
		t.Errorf("the alert lacks the customer's contact details: %s", acme.Content())
	}

	h.click(member, acme, blocks.ActionLogContact)
	modal := h.modal(member, blocks.CallbackContact)
	res := h.submit(member, modal, sandbox.Values{
		blocks.BlockContactChannel:  {blocks.BlockContactChannel: sandbox.Pick("call")},
		blocks.BlockContactOutcome:  {blocks.BlockContactOutcome: sandbox.Pick("left_message")},
		blocks.BlockContactNotes:    {blocks.BlockContactNotes: sandbox.Text("voicemail of Sam in AP")},
		blocks.BlockContactFollowUp: {blocks.BlockContactFollowUp: sandbox.Date("2026-06-05")},
	})
	if !res.Closed {
		t.Fatalf("log contact: %+v", res)
	}
	h.settle()
	if line := lastLine(t, h, acme); !shows(line, "logged a call: left a message; follow up on 2026-06-05 — voicemail of Sam in AP") {
		t.Errorf("thread line = %q", line.Text)
	}
	if acme = h.refresh(acme); !strings.Contains(acme.Content(), "Follow-up on 2026-06-05") {
		t.Errorf("alert while waiting: %s", acme.Content())
	}

	// Quiet until the follow-up date: the sweep of 2026-06-04 tells
	// nothing in Acme's thread.
	h.setToday("2026-06-04")
	before := len(h.refresh(acme).Replies)
	h.sweep()
	if n := len(h.refresh(acme).Replies); n != before {
		t.Errorf("a case waiting for its follow-up got %d new thread lines", n-before)
	}
	h.setToday("2026-06-05")
	res2 := h.sweep()
	if res2.FollowUps != 1 {
		t.Errorf("follow-ups due = %d, want 1", res2.FollowUps)
	}
	line := lastLine(t, h, acme)
	if !strings.Contains(line.Content(), "Follow up with *ACME Corp.* today — <@"+member+">") {
		t.Errorf("follow-up line = %q", line.Content())
	}
	if acme = h.refresh(acme); !hasButton(acme, blocks.ActionSnooze) || strings.Contains(acme.Content(), "Follow-up on") {
		t.Errorf("after the follow-up date: buttons %v, %s", buttons(acme), acme.Content())
	}
}

// promise records a promise to pay amount USD by date on the alert.
func promise(t testing.TB, h *harness, alert sandbox.Message, amount, by string) {
	t.Helper()
	h.click(member, alert, blocks.ActionPromise)
	modal := h.modal(member, blocks.CallbackPromise)
	res := h.submit(member, modal, sandbox.Values{
		blocks.BlockPromiseCurrency: {blocks.BlockPromiseCurrency: sandbox.Pick("USD")},
		blocks.BlockPromiseAmount:   {blocks.BlockPromiseAmount: sandbox.Text(amount)},
		blocks.BlockPromiseDate:     {blocks.BlockPromiseDate: sandbox.Date(by)},
	})
	if !res.Closed {
		t.Fatalf("promise: %+v", res)
	}
	h.settle()
}

func TestRecords_APromiseKeptByTwoPartialPayments(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	acme := h.alert("ACME Corp.")
	promise(t, h, acme, "100.00", "2026-06-10")
	if acme = h.refresh(acme); !strings.Contains(acme.Content(), "Promised to pay USD 100.00 by 2026-06-10") || hasButton(acme, blocks.ActionSnooze) {
		t.Fatalf("promised alert: buttons %v, %s", buttons(acme), acme.Content())
	}
	if line := lastLine(t, h, acme); !shows(line, "recorded a promise to pay of USD 100.00 by 2026-06-10") {
		t.Errorf("thread line = %q", line.Text)
	}

	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-1,40.00,2026-06-03,P-1\n")
	h.setToday("2026-06-04")
	if res := h.review(); res.PromisesKept != 0 {
		t.Fatalf("kept after USD 40.00 of 100.00")
	}
	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-1,60.00,2026-06-08,P-2\n")
	h.setToday("2026-06-08")
	if res := h.review(); res.PromisesKept != 1 {
		t.Fatalf("promises kept = %d, want 1", res.PromisesKept)
	}
	h.settle()
	replies := h.refresh(acme).Replies
	kept, paid := lineIndex(replies, "Promise kept of USD 100.00 by 2026-06-10: USD 100.00 received"), lineIndex(replies, "Payment received: USD 60.00")
	if paid < 0 || kept < paid {
		t.Errorf("'Promise kept' line at %d, the payment that kept it at %d; want both, the payment first", kept, paid)
	}
	if n := h.count(`SELECT count(*) FROM promises WHERE status = 'kept'`); n != 1 {
		t.Errorf("kept promises = %d", n)
	}
}

func TestRecords_ABrokenPromiseBringsTheAlertBackToTheOwner(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	acme := h.alert("ACME Corp.")
	promise(t, h, acme, "100.00", "2026-06-05")
	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-1,30.00,2026-06-04,P-1\n")

	// Grace is 2 days: still open on 2026-06-07, broken on 2026-06-08.
	h.setToday("2026-06-07")
	if res := h.review(); res.PromisesBroken != 0 {
		t.Fatalf("broken within the grace days")
	}
	h.setToday("2026-06-08")
	if res := h.review(); res.PromisesBroken != 1 {
		t.Fatalf("promises broken = %d, want 1", res.PromisesBroken)
	}
	line := lastLine(t, h, acme)
	for _, r := range h.refresh(acme).Replies {
		if shows(r, "Promise broken") {
			line = r
		}
	}
	if !strings.Contains(line.Content(), "Promise broken of USD 100.00 by 2026-06-05: USD 30.00 received — <@"+member+">") {
		t.Errorf("broken line = %q", line.Content())
	}
	if acme = h.refresh(acme); !hasButton(acme, blocks.ActionSnooze) || !hasButton(acme, blocks.ActionPromise) {
		t.Errorf("the alert did not come back: buttons %v", buttons(acme))
	}
}

// A case that ends while a promise is open (paid in full by a payment
// dated before the promise) takes the promise with it: neither kept nor
// broken, and the sweeps after its date go on for every other customer.
func TestRecords_APromiseTheCaseEndedWithoutStopsNoSweep(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	bluebird := h.alert("Bluebird")
	h.click(member, bluebird, blocks.ActionPromise)
	if res := h.submit(member, h.modal(member, blocks.CallbackPromise), sandbox.Values{ // one currency: no currency to pick
		blocks.BlockPromiseAmount: {blocks.BlockPromiseAmount: sandbox.Text("30.00")},
		blocks.BlockPromiseDate:   {blocks.BlockPromiseDate: sandbox.Date("2026-06-05")},
	}); !res.Closed {
		t.Fatalf("promise: %+v", res)
	}
	h.settle()
	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nB-1,30.00,2026-05-31,P-1\n")
	h.review()
	if got := h.refresh(bluebird); !strings.Contains(got.Content(), "Settled — paid in full") {
		t.Fatalf("Bluebird's alert: %s", got.Content())
	}
	if n := h.count(`SELECT count(*) FROM promises WHERE status = 'replaced'`); n != 1 {
		t.Errorf("promises the case ended without = %d, want 1", n)
	}

	h.importCSV(collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nD-1,Delta Co,USD,10.00,2026-05-01,2026-06-05\n")
	h.setToday("2026-06-09") // past the promise's date and its grace days
	if res := h.sweep(); res.PromisesBroken != 0 || res.PromisesKept != 0 {
		t.Errorf("the sweep decided the ended case's promise: %+v", res)
	}
	if _, ok := h.sb.Find(channel, "Delta Co"); !ok {
		t.Error("no alert for Delta Co, overdue since the promise")
	}

	// A promise left open on an ended case by an earlier version of owed
	// is let go by the next sweep, not kept, broken or failed on.
	if _, err := h.db.ExecContext(h.ctx, `UPDATE promises SET status = 'open', decided_at = NULL`); err != nil {
		t.Fatal(err)
	}
	h.setToday("2026-06-10")
	h.sweep()
	if n := h.count(`SELECT count(*) FROM promises WHERE status = 'replaced'`); n != 1 {
		t.Errorf("a promise left open on the ended case: replaced = %d, want 1", n)
	}
	for _, r := range h.refresh(bluebird).Replies {
		if shows(r, "Promise kept") || shows(r, "Promise broken") {
			t.Errorf("thread line on the ended case: %q", r.Text)
		}
	}
}

// dispute puts one invoice of the alert's case in dispute, as the member.
func dispute(t *testing.T, h *harness, alert sandbox.Message, number, reason string) {
	t.Helper()
	var id int64
	if err := h.db.GetContext(h.ctx, &id, `SELECT id FROM invoices WHERE number = $1`, number); err != nil {
		t.Fatal(err)
	}
	h.click(member, alert, blocks.ActionDispute)
	if res := h.submit(member, h.modal(member, blocks.CallbackDispute), sandbox.Values{
		blocks.BlockDisputeInvoices: {blocks.BlockDisputeInvoices: {Options: []string{strconv.FormatInt(id, 10)}}},
		blocks.BlockDisputeReason:   {blocks.BlockDisputeReason: sandbox.Pick(reason)},
	}); !res.Closed {
		t.Fatalf("dispute of %s: %+v", number, res)
	}
	h.settle()
}

// resolve resolves the disputes of an alert's case: "pay" or "credit".
func resolve(t *testing.T, h *harness, alert sandbox.Message, how string) {
	t.Helper()
	h.click(member, h.refresh(alert), blocks.ActionResolveDispute)
	if res := h.submit(member, h.modal(member, blocks.CallbackResolve), sandbox.Values{
		blocks.BlockResolveHow: {blocks.BlockResolveHow: sandbox.Pick(how)},
	}); !res.Closed {
		t.Fatalf("resolve: %+v", res)
	}
	h.settle()
}

// An invoice in dispute that the customer then pays in full is out of
// the dispute too: nothing is left to chase or to resolve, and a case
// paid in full settles.
func TestRecords_ADisputedInvoicePaidInFullSettlesTheCase(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	bluebird := h.alert("Bluebird")
	dispute(t, h, bluebird, "B-1", "quality")
	if got := h.refresh(bluebird); !hasButton(got, blocks.ActionResolveDispute) {
		t.Fatalf("Bluebird in dispute: buttons %v", buttons(got))
	}

	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nB-1,30.00,2026-06-01,P-1\n")
	h.review()
	got := h.refresh(bluebird)
	if !strings.Contains(got.Content(), "Settled — paid in full") || len(buttons(got)) != 0 {
		t.Errorf("Bluebird paid in full while in dispute: buttons %v, %s", buttons(got), got.Content())
	}
	if n := h.count(`SELECT count(*) FROM cases c JOIN customers u ON u.id = c.customer_id WHERE u.name = 'Bluebird Bakery' AND c.status = 'settled'`); n != 1 {
		t.Errorf("Bluebird's case is not settled")
	}
}

// A payment on an invoice in dispute changes what the alert shows in
// dispute: it is redrawn within the review, and its thread says what was
// paid, as for any payment.
func TestRecords_APaymentOnAnInvoiceInDisputeIsTold(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	acme := h.alert("ACME Corp.")
	dispute(t, h, acme, "A-1", "quality")
	if got := h.refresh(acme); !shows(got, "USD 100.00") {
		t.Fatalf("ACME with A-1 in dispute: %s", got.Content())
	}

	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-1,40.00,2026-06-01,P-1\n")
	h.review()
	got := h.refresh(acme)
	if !shows(got, "USD 60.00") || shows(got, "USD 100.00") {
		t.Errorf("ACME's alert after 40.00 paid on A-1 (in dispute, USD 100.00): %s", got.Content())
	}
	if line := lastLine(t, h, acme); !strings.Contains(line.Text, "Payment received: USD 40.00") || !strings.Contains(line.Text, "EUR 50.00 still overdue") {
		t.Errorf("thread line: %q", line.Text)
	}
	// Told once: the next review has nothing to add.
	n := len(h.refresh(acme).Replies)
	h.review()
	if again := len(h.refresh(acme).Replies); again != n {
		t.Errorf("the next review added %d thread lines", again-n)
	}
}

func TestRecords_AContactWithThePromisedOutcomeRecordsThePromise(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	acme := h.alert("ACME Corp.")
	h.click(member, acme, blocks.ActionLogContact)
	modal := h.modal(member, blocks.CallbackContact)
	values := sandbox.Values{
		blocks.BlockContactChannel: {blocks.BlockContactChannel: sandbox.Pick("call")},
		blocks.BlockContactOutcome: {blocks.BlockContactOutcome: sandbox.Pick("promised")},
		blocks.BlockPromiseAmount:  {blocks.BlockPromiseAmount: sandbox.Text("")},
	}
	res := h.submit(member, modal, values)
	if res.Closed || res.Errors[blocks.BlockPromiseAmount] == "" || res.Errors[blocks.BlockPromiseDate] == "" {
		t.Fatalf("promised outcome without a promise: %+v", res)
	}
	values[blocks.BlockPromiseCurrency] = map[string]sandbox.Value{blocks.BlockPromiseCurrency: sandbox.Pick("EUR")}
	values[blocks.BlockPromiseAmount] = map[string]sandbox.Value{blocks.BlockPromiseAmount: sandbox.Text("50.00")}
	values[blocks.BlockPromiseDate] = map[string]sandbox.Value{blocks.BlockPromiseDate: sandbox.Date("2026-06-12")}
	if res = h.submit(member, modal, values); !res.Closed {
		t.Fatalf("contact with a promise: %+v", res)
	}
	h.settle()
	if acme = h.refresh(acme); !strings.Contains(acme.Content(), "Promised to pay EUR 50.00 by 2026-06-12") {
		t.Errorf("alert: %s", acme.Content())
	}
	if n := h.count(`SELECT count(*) FROM contacts WHERE outcome = 'promised'`); n != 1 {
		t.Errorf("contacts = %d", n)
	}
}

func TestRecords_ADisputedInvoiceLeavesTheChaseUntilResolved(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	acme := h.alert("ACME Corp.")
	var a1 int64
	if err := h.db.GetContext(h.ctx, &a1, `SELECT id FROM invoices WHERE number = 'A-1'`); err != nil {
		t.Fatal(err)
	}

	h.click(member, acme, blocks.ActionDispute)
	modal := h.modal(member, blocks.CallbackDispute)
	res := h.submit(member, modal, sandbox.Values{
		blocks.BlockDisputeInvoices: {blocks.BlockDisputeInvoices: {Options: []string{strconv.FormatInt(a1, 10)}}},
		blocks.BlockDisputeReason:   {blocks.BlockDisputeReason: sandbox.Pick("pricing")},
		blocks.BlockDisputeNote:     {blocks.BlockDisputeNote: sandbox.Text("charged the old price list")},
	})
	if !res.Closed {
		t.Fatalf("dispute: %+v", res)
	}
	h.settle()
	acme = h.refresh(acme)
	content := acme.Content()
	if strings.Contains(content, "USD 100.00 overdue") || !strings.Contains(content, "*EUR 50.00* overdue") ||
		!strings.Contains(content, "*In dispute*") || !strings.Contains(content, "`A-1` due 2026-05-01 · USD 100.00 · pricing") {
		t.Errorf("alert with A-1 in dispute: %s", content)
	}
	if line := lastLine(t, h, acme); !shows(line, "put `A-1` in dispute (pricing): charged the old price list") {
		t.Errorf("thread line = %q", line.Text)
	}

	// On 2026-06-20 A-1 would be 50 days overdue; without it Acme's oldest
	// is A-2 at 31 days: stage 30, already alerted, so nothing new.
	h.setToday("2026-06-20")
	h.sweep()
	if n := h.count(`SELECT count(*) FROM case_alerts WHERE stage > 30`); n != 0 {
		t.Errorf("a disputed invoice raised a stage")
	}
	// Nor can it be escalated alone: pay A-2, and the case has nothing
	// overdue but stays open for the dispute.
	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on,reference\nA-2,50.00,2026-06-20,P-2\n")
	h.review()
	if acme = h.refresh(acme); hasButton(acme, blocks.ActionEscalate) || !hasButton(acme, blocks.ActionResolveDispute) {
		t.Errorf("only a dispute left: buttons %v", buttons(acme))
	}

	h.click(member, acme, blocks.ActionResolveDispute)
	resolve := h.modal(member, blocks.CallbackResolve)
	res = h.submit(member, resolve, sandbox.Values{
		blocks.BlockResolveHow: {blocks.BlockResolveHow: sandbox.Pick("pay")},
	})
	if !res.Closed {
		t.Fatalf("resolve: %+v", res)
	}
	h.settle()
	h.sweep()
	acme = h.refresh(acme)
	if !strings.Contains(acme.Content(), "*USD 100.00* overdue") || strings.Contains(acme.Content(), "*In dispute*") {
		t.Errorf("after 'customer will pay': %s", acme.Content())
	}
	// Back in the chase, with days overdue counted from its original due
	// date (2026-05-01): 50 days on 2026-06-20.
	if !strings.Contains(acme.Content(), "Oldest invoice 50 days overdue") {
		t.Errorf("days overdue not from the original due date: %s", acme.Content())
	}
	found := false
	for _, r := range acme.Replies {
		found = found || shows(r, "resolved the dispute of `A-1`: the customer will pay")
	}
	if !found {
		t.Errorf("no thread line for the resolution")
	}
}

// A dispute, and its resolution, change what is overdue; the alert and the
// thread line say so at once, and the next sweep does not tell it again as
// if a payment had come.
func TestRecords_ADisputeIsNotToldAgainAsAPayment(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	acme := h.alert("ACME Corp.")
	dispute(t, h, acme, "A-1", "pricing")
	h.sweep()
	resolve(t, h, acme, "pay")
	h.sweep()
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'payment_received'`); n != 0 {
		t.Errorf("the sweeps told %d payments, and none came", n)
	}
	for _, r := range h.refresh(acme).Replies {
		if shows(r, "overdue amount changed") || shows(r, "Payment received") {
			t.Errorf("thread line after the dispute: %q", r.Text)
		}
	}
}

// An invoice whose dispute ended in "we will credit it" is out of the
// chase until the ledger changes: the credit note, for less than the
// invoice, brings the rest back, and the alert says so at the next
// review, with its buttons.
func TestRecords_ACreditNoteForLessBringsTheRestBack(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	bluebird := h.alert("Bluebird")
	dispute(t, h, bluebird, "B-1", "pricing")
	resolve(t, h, bluebird, "credit")
	if got := h.refresh(bluebird); hasButton(got, blocks.ActionEscalate) {
		t.Fatalf("Bluebird with a credit agreed on its one invoice: buttons %v", buttons(got))
	}

	h.importCSV(collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nB-1,Bluebird Bakery,USD,20.00,2026-05-01,2026-05-25\n")
	h.review()
	got := h.refresh(bluebird)
	if !shows(got, "USD 20.00") || !hasButton(got, blocks.ActionEscalate) {
		t.Errorf("Bluebird after a credit note of 10.00 on its 30.00: buttons %v, %s", buttons(got), got.Content())
	}
	if line := lastLine(t, h, bluebird); !strings.Contains(line.Text, "USD 20.00 still overdue") {
		t.Errorf("thread line: %q", line.Text)
	}
}

// A customers file that changes what an alert shows of the customer (its
// email, owner, tier) has the alert drawn again.
func TestRecords_ACustomersImportRedrawsTheAlert(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	acme := h.alert("ACME Corp.")
	if !strings.Contains(acme.Content(), "ap@acme.example") {
		t.Fatalf("the alert does not show Acme's email: %s", acme.Content())
	}
	h.importCSV(collections.ImportCustomers, "name,email,tier\nACME Corp.,accounts@acme.example,B\n")
	h.settle()
	if got := h.refresh(acme).Content(); !strings.Contains(got, "accounts@acme.example") || strings.Contains(got, "ap@acme.example") || !strings.Contains(got, "Tier B") {
		t.Errorf("the alert after the customers import: %s", got)
	}
}

func TestRecords_TheOwnersNameIsLearntFromSlack(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	var customerID int64
	if err := h.db.GetContext(h.ctx, &customerID, `SELECT id FROM customers WHERE name = 'ACME Corp.'`); err != nil {
		t.Fatal(err)
	}
	c, err := postgres.NewLedgerService(h.db).FindCustomerByID(h.ctx, customerID)
	if err != nil || c.OwnerName != "Dana Member" {
		t.Errorf("owner of Acme: %q (%v), want Slack's name Dana Member", c.OwnerName, err)
	}
}

// TestRecords_AFormDeliveredTwiceRecordsOnce: a Log contact or Promise to
// pay submission made again (a replay, a retrying proxy) is answered as
// done and records nothing more.
func TestRecords_AFormDeliveredTwiceRecordsOnce(t *testing.T) {
	h, acme, modal := acmeContactForm(t)
	if res := h.submit(member, modal, reachedByCall); !res.Closed {
		t.Fatalf("log contact: %+v", res)
	}
	if again, err := h.sb.Redeliver(h.ctx); err != nil || again.Status != 200 || strings.Contains(again.Body, "errors") {
		t.Fatalf("the same submission again: %+v, %v; want a plain 200", again, err)
	}
	promise(t, h, h.refresh(acme), "50.00", "2026-06-10")
	if again, err := h.sb.Redeliver(h.ctx); err != nil || again.Status != 200 || strings.Contains(again.Body, "errors") {
		t.Fatalf("the same promise again: %+v, %v; want a plain 200", again, err)
	}
	h.settle()
	for _, q := range []string{`SELECT count(*) FROM contacts`, `SELECT count(*) FROM promises`,
		`SELECT count(*) FROM audit_log WHERE action = 'contact_logged'`, `SELECT count(*) FROM audit_log WHERE action = 'promised'`} {
		if n := h.count(q); n != 1 {
			t.Errorf("%s = %d after each form was delivered twice, want 1", q, n)
		}
	}
}

// A form owed cannot record (the database refuses) stays open and says
// so; sent again once the database is back, it is recorded, once: the
// failed attempt left no mark that would take the second for a repeat.
func TestRecords_AFormThatCannotBeRecordedStaysOpenAndSaysWhy(t *testing.T) {
	h, _, modal := acmeContactForm(t)
	h.db.MustExec(`ALTER TABLE slack_deliveries RENAME TO slack_deliveries_away`)
	res := h.submit(member, modal, reachedByCall)
	if res.Closed || res.Errors[blocks.BlockContactOutcome] != collections.ErrorMessage(errors.New("refused")) {
		t.Fatalf("a submission the database refused: %+v; want the form open, saying to try again", res)
	}
	h.db.MustExec(`ALTER TABLE slack_deliveries_away RENAME TO slack_deliveries`)
	if res := h.submit(member, modal, reachedByCall); !res.Closed {
		t.Fatalf("the same form once the database is back: %+v", res)
	}
	h.settle()
	if n := h.count(`SELECT count(*) FROM contacts`); n != 1 {
		t.Errorf("%d contacts recorded, want 1", n)
	}
}

// acmeContactForm sweeps the journey's ledger and has member open Log
// contact on ACME's alert: the harness, the alert and the form.
func acmeContactForm(t *testing.T) (*harness, sandbox.Message, sandbox.View) {
	return acmeForm(t, harnessOptions{}, blocks.ActionLogContact, blocks.CallbackContact)
}

// acmeForm sweeps the journey's ledger and has member click actionID on
// ACME's alert: the harness, the alert and the form it opens.
func acmeForm(t *testing.T, opts harnessOptions, actionID, callbackID string) (*harness, sandbox.Message, sandbox.View) {
	t.Helper()
	h := newHarness(t, opts)
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	h.click(member, acme, actionID)
	return h, acme, h.modal(member, callbackID)
}

// reachedByCall fills in a Log contact form: a call that reached them.
var reachedByCall = sandbox.Values{
	blocks.BlockContactChannel: {blocks.BlockContactChannel: sandbox.Pick("call")},
	blocks.BlockContactOutcome: {blocks.BlockContactOutcome: sandbox.Pick("reached")},
	blocks.BlockContactNotes:   {blocks.BlockContactNotes: sandbox.Text("spoke to AP")},
}

// A pending escalation whose case has nothing overdue left (the rest is
// in dispute) cannot be approved: its requests say so and offer Reject
// alone, without an "oldest invoice 0 days overdue"; once the dispute is
// resolved "the customer will pay", Approve comes back.
func TestRecords_ARequestWithNothingOverdueLeftOffersNoApprove(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	withOwner(h)
	h.sweep()
	bluebird := h.alert("Bluebird")
	escalate(t, h, member, bluebird, collections.TargetLegal, "no answer")
	dispute(t, h, h.refresh(bluebird), "B-1", "quality")
	requests := []sandbox.Message{approvalRequest(t, h, bluebird)}
	requests = append(requests, h.sb.DMs(approver)...)
	for _, r := range requests {
		r = h.refresh(r)
		if hasButton(r, blocks.ActionApprove) || !hasButton(r, blocks.ActionReject) || shows(r, "0 days overdue") || !shows(r, "Nothing is overdue now") {
			t.Errorf("request with B-1 in dispute: buttons %v, %s", buttons(r), r.Content())
		}
	}

	resolve(t, h, bluebird, "pay")
	if r := h.refresh(requests[0]); !hasButton(r, blocks.ActionApprove) || !shows(r, "days overdue") {
		t.Errorf("request once B-1 is chased again: buttons %v, %s", buttons(r), r.Content())
	}
}
