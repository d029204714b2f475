package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/owedhq/owed/bot"
	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/bot/sandbox"
)

// slowSubmissionHarness has a bot that waits 20 ms for a modal
// submission, the ACME alert, and member's Snooze form on it open, and
// a transaction that holds ACME's case: the submission's write waits
// for it.
func slowSubmissionHarness(t *testing.T) (*harness, sandbox.View, *sqlx.Tx, int64) {
	h, _, modal := acmeForm(t, harnessOptions{configure: func(h *harness, o *bot.Options) { o.SubmissionBudget = 20 * time.Millisecond }},
		blocks.ActionSnooze, blocks.CallbackSnooze)
	var caseID int64
	if err := h.db.Get(&caseID, `SELECT c.id FROM cases c JOIN customers u ON u.id = c.customer_id WHERE u.name = 'ACME Corp.'`); err != nil {
		t.Fatal(err)
	}
	tx := h.db.MustBegin()
	t.Cleanup(func() { tx.Rollback() })
	tx.MustExec(`SELECT 1 FROM cases WHERE id = $1 FOR UPDATE`, caseID)
	return h, modal, tx, caseID
}

var sevenDays = sandbox.Values{blocks.BlockSnoozeFor: {blocks.BlockSnoozeFor: sandbox.Pick("7")}}

// A submission the database is slow to take closes its form within the
// budget, and is applied once the database takes it, without a word to
// the person.
func TestSubmission_ASlowOneClosesTheFormAndIsAppliedAfter(t *testing.T) {
	h, modal, tx, _ := slowSubmissionHarness(t)
	res := h.submit(member, modal, sevenDays)
	if !res.Closed || res.Elapsed > 2*time.Second {
		t.Fatalf("a submission waiting on the database: %+v; want the form closed within the budget", res)
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'snoozed'`); n != 0 {
		t.Fatalf("snoozed before the database took it: the answer waited for the write")
	}
	tx.Rollback()
	h.settle()
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'snoozed'`); n != 1 {
		t.Errorf("%d snoozes recorded once the database took it, want 1", n)
	}
	if !shows(h.alert("ACME Corp."), "Snoozed") {
		t.Errorf("the alert does not show the snooze: %s", h.alert("ACME Corp.").Text)
	}
	if dms := h.sb.DMs(member); len(dms) != 0 {
		t.Errorf("the person was told something about a snooze that went through: %v", dms)
	}
}

// A submission refused after its form closed is not lost in silence: the
// person gets a direct message saying what did not go through, and why.
func TestSubmission_ARefusalAfterTheFormClosedIsToldInADirectMessage(t *testing.T) {
	h, modal, tx, caseID := slowSubmissionHarness(t)
	if res := h.submit(member, modal, sevenDays); !res.Closed {
		t.Fatalf("a submission waiting on the database: %+v; want the form closed", res)
	}
	// Meanwhile the case ends (another replica settled it).
	tx.MustExec(`UPDATE cases SET status = 'settled', ended_at = now(), version = version + 1 WHERE id = $1`, caseID)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'snoozed'`); n != 0 {
		t.Errorf("a settled case was snoozed")
	}
	dms := h.sb.DMs(member)
	if len(dms) != 1 {
		t.Fatalf("%d direct messages to the person, want 1 saying the snooze did not go through", len(dms))
	}
	text := dms[0].Text
	if !strings.HasPrefix(text, "Your Snooze for ACME Corp. did not go through: ") || len(text) <= len("Your Snooze for ACME Corp. did not go through: ") {
		t.Errorf("the direct message says %q; want what did not go through, and why", text)
	}
}
