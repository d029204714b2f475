package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
)

// Three customers overdue on 2026-06-01, and a part payment from each.
const (
	threeOverdue = `number,customer,currency,amount,issued_on,due_on
A-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01
B-1,Bluebird Bakery,USD,30.00,2026-05-01,2026-05-25
C-1,Cobalt Co,USD,50.00,2026-04-01,2026-05-10
`
	threePartPayments = `invoice,amount,paid_on,reference
A-1,10.00,2026-06-01,P-A
B-1,5.00,2026-06-01,P-B
C-1,5.00,2026-06-01,P-C
`
)

// callsAfter returns the calls to method made at or after t (Slack's clock).
func (h *harness) callsAfter(method string, t time.Time) []sandbox.Call {
	var out []sandbox.Call
	for _, c := range h.sb.CallsTo(method) {
		if !c.At.Before(t) {
			out = append(out, c)
		}
	}
	return out
}

// caseMessage returns the ts the database holds for a customer's case.
func (h *harness) caseMessage(customer string) string {
	h.t.Helper()
	var ts string
	if err := h.db.GetContext(h.ctx, &ts, `SELECT coalesce(k.message_ts, '') FROM cases k JOIN customers c ON c.id = k.customer_id WHERE c.name = $1`, customer); err != nil {
		h.t.Fatal(err)
	}
	return ts
}

func TestDelivery_EditsGoOutAtOnceAndBeforeTheirThreadLines(t *testing.T) {
	t.Parallel()
	// Slack's pace: one new message per second per channel.
	h := newDeliveryHarness(t, deliveryOptions{channelInterval: time.Second, postInterval: time.Second, postBurst: 1, callTimeout: 2 * time.Second})
	h.importCSV(collections.ImportInvoices, threeOverdue)
	h.sweep()
	if n := len(h.alerts()); n != 3 {
		t.Fatalf("%d alerts, want 3", n)
	}
	h.importCSV(collections.ImportPayments, threePartPayments)
	start := h.now()
	if _, err := h.cases.Review(h.ctx, h.date()); err != nil {
		t.Fatal(err)
	}
	h.settle()
	updates, posts := h.callsAfter("chat.update", start), h.callsAfter("chat.postMessage", start)
	for _, a := range h.alerts() {
		var edit, line *sandbox.Call
		for i := range updates {
			if updates[i].Params["ts"] == a.TS && edit == nil {
				edit = &updates[i]
			}
		}
		for i := range posts {
			if posts[i].Params["thread_ts"] == a.TS && posts[i].OK() && line == nil {
				line = &posts[i]
			}
		}
		if edit == nil || line == nil {
			t.Errorf("%s: edit %v, thread line %v", a.Text, edit != nil, line != nil)
			continue
		}
		if took := edit.At.Sub(start); took > 700*time.Millisecond {
			t.Errorf("%.30s: edited %v after the payments were reviewed; edits must not wait for the pace of new posts", a.Text, took)
		}
		if !edit.At.Before(line.At) {
			t.Errorf("%.30s: the thread line went out before the edit", a.Text)
		}
	}
}

// TestDelivery_ABurstOfEditsShowsEachCaseItsOwnState: the alerts edited
// in one burst (their cases read together) each show their own customer,
// amount and snooze.
func TestDelivery_ABurstOfEditsShowsEachCaseItsOwnState(t *testing.T) {
	t.Parallel()
	const n = 12
	h := newDeliveryHarness(t, deliveryOptions{channelInterval: time.Millisecond, postInterval: time.Millisecond, postBurst: 50, callTimeout: 2 * time.Second})
	h.importCSV(collections.ImportInvoices, overdueCustomers(n))
	h.sweep()
	var ids []int64
	if err := h.db.SelectContext(h.ctx, &ids, `SELECT k.id FROM cases k JOIN customers c ON c.id = k.customer_id ORDER BY c.name`); err != nil || len(ids) != n {
		t.Fatalf("%d cases, want %d: %v", len(ids), n, err)
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			until := h.date().AddDate(0, 0, i+1)
			if _, err := h.cases.Snooze(h.ctx, collections.Actor{UserID: member}, id, until, fmt.Sprintf("reason %d", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	h.settle()
	for i := range n {
		a := h.alert(fmt.Sprintf("Customer %03d", i))
		want := []string{fmt.Sprintf("USD %d.00", 100+i), "Snoozed until " + h.date().AddDate(0, 0, i+1).Format(collections.DateLayout), fmt.Sprintf("reason %d", i)}
		for _, w := range want {
			if !shows(a, w) {
				t.Errorf("Customer %03d's alert does not show %q: %s", i, w, a.Text)
			}
		}
	}
}

// TestDelivery_AnEditIsNotHeldBehindItsCasesEarlierThreadLines: a case's
// thread lines wait for the channel's pace, one a second; an edit of its
// alert made meanwhile goes out at once, and its own thread line after
// the earlier ones.
func TestDelivery_AnEditIsNotHeldBehindItsCasesEarlierThreadLines(t *testing.T) {
	t.Parallel()
	h := newDeliveryHarness(t, deliveryOptions{channelInterval: time.Second, postInterval: time.Second, postBurst: 1, callTimeout: 2 * time.Second})
	h.importCSV(collections.ImportInvoices, threeOverdue)
	h.sweep()
	alerts := h.alerts()
	if len(alerts) != 3 {
		t.Fatalf("%d alerts, want 3", len(alerts))
	}
	h.importCSV(collections.ImportPayments, threePartPayments)
	reviewed := h.now()
	if _, err := h.cases.Review(h.ctx, h.date()); err != nil {
		t.Fatal(err)
	}
	h.await("the payments' edits", func() bool { return len(h.callsAfter("chat.update", reviewed)) >= 3 })
	// Two of the three payment lines are still waiting for the pace.
	snoozed := h.now()
	for _, a := range alerts {
		var id int64
		if err := h.db.GetContext(h.ctx, &id, `SELECT id FROM cases WHERE message_ts = $1`, a.TS); err != nil {
			t.Fatal(err)
		}
		if _, err := h.cases.Snooze(h.ctx, collections.Actor{UserID: "U0ALICE"}, id, day("2026-06-10"), ""); err != nil {
			t.Fatal(err)
		}
	}
	h.settle()
	updates, posts := h.callsAfter("chat.update", snoozed), h.callsAfter("chat.postMessage", reviewed)
	for _, a := range alerts {
		var edit *sandbox.Call
		for i := range updates {
			if updates[i].Params["ts"] == a.TS && edit == nil {
				edit = &updates[i]
			}
		}
		if edit == nil {
			t.Errorf("%.30s: no edit after the snooze", a.Text)
			continue
		}
		if took := edit.At.Sub(snoozed); took > 700*time.Millisecond {
			t.Errorf("%.30s: edited %v after the snooze; the edit waited for the case's earlier thread line", a.Text, took)
		}
		var lines []string
		for _, p := range posts {
			if p.Params["thread_ts"] == a.TS && p.OK() {
				lines = append(lines, p.Params["text"])
			}
		}
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "Payment received") || !strings.Contains(lines[1], "snoozed") {
			t.Errorf("%.30s: thread lines %q, want the payment's then the snooze's", a.Text, lines)
		}
	}
	// Paced at the channel's rate, however long each post took to make,
	// no post was refused.
	for _, p := range h.sb.CallsTo("chat.postMessage") {
		if p.Status == http.StatusTooManyRequests {
			t.Errorf("a post at %v was refused with 429: the sender posted faster than the channel's pace", p.At.Sub(reviewed))
		}
	}
}

// TestDelivery_APostSlowToReachSlackIsPacedFromItsArrival: Slack counts
// a post when it receives it. A post that took long to get there is
// followed by the next a whole interval after it arrived, not after it
// left: no post is refused with 429.
func TestDelivery_APostSlowToReachSlackIsPacedFromItsArrival(t *testing.T) {
	t.Parallel()
	h := newDeliveryHarness(t, deliveryOptions{channelInterval: 500 * time.Millisecond, postInterval: 500 * time.Millisecond, postBurst: 1,
		callTimeout: 2 * time.Second, slowPost: 300 * time.Millisecond})
	h.importCSV(collections.ImportInvoices, threeOverdue)
	h.sweep()
	h.settle()
	if got := len(h.alerts()); got != 3 {
		t.Errorf("%d alerts, want 3", got)
	}
	posts := h.sb.CallsTo("chat.postMessage")
	for i, p := range posts {
		if p.Status == http.StatusTooManyRequests {
			t.Errorf("post %d, %v after the one before, was refused with 429", i+1, p.At.Sub(posts[i-1].At))
		}
	}
}

func TestDelivery_AfterA429TheChannelWaitsRetryAfter(t *testing.T) {
	t.Parallel()
	h := newDeliveryHarness(t, deliveryOptions{channelInterval: 5 * time.Millisecond, postInterval: 5 * time.Millisecond, postBurst: 50, callTimeout: 2 * time.Second})
	h.importCSV(collections.ImportInvoices, threeOverdue)
	h.sb.FailNext("chat.postMessage", sandbox.RateLimited(time.Second))
	h.sweep()
	posts := h.sb.CallsTo("chat.postMessage")
	if len(posts) == 0 || posts[0].Status != 429 {
		t.Fatalf("the first post was not refused: %+v", posts)
	}
	limited := posts[0].At
	for _, p := range posts[1:] {
		// The refused item and every other case posting to the channel wait.
		if gap := p.At.Sub(limited); gap < time.Second {
			t.Errorf("a post to %s went out %v after a 429 with Retry-After 1 s", p.Params["channel"], gap)
		}
	}
	if n := len(h.alerts()); n != 3 {
		t.Errorf("%d alerts, want 3", n)
	}
}

func TestDelivery_LostAnswersAreFoundNotPostedTwice(t *testing.T) {
	t.Parallel()
	h := newDeliveryHarness(t, deliveryOptions{channelInterval: 5 * time.Millisecond, postInterval: 5 * time.Millisecond, postBurst: 50, callTimeout: 2 * time.Second})
	h.importCSV(collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nA-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01\n")

	// The alert reaches Slack, the answer is lost.
	h.sb.FailNext("chat.postMessage", sandbox.LoseAnswer())
	h.sweep()
	acme := h.alert("ACME Corp.")
	if got := h.caseMessage("ACME Corp."); got != acme.TS {
		t.Errorf("the case's message is %q, want the one in Slack %q", got, acme.TS)
	}
	if len(h.sb.CallsTo("conversations.history")) == 0 {
		t.Errorf("the sender did not look for its earlier post")
	}
	var md struct {
		EventType    string            `json:"event_type"`
		EventPayload map[string]string `json:"event_payload"`
	}
	if err := json.Unmarshal(acme.Metadata, &md); err != nil || md.EventType != "owed_message" || md.EventPayload["key"] == "" {
		t.Errorf("the alert's metadata = %s", acme.Metadata)
	}

	// A thread line reaches Slack, the answer is lost.
	h.importCSV(collections.ImportPayments, "invoice,amount,paid_on\nA-1,10.00,2026-06-01\n")
	lines := len(acme.Replies)
	h.sb.FailNext("chat.postMessage", sandbox.LoseAnswer())
	if _, err := h.cases.Review(h.ctx, h.date()); err != nil {
		t.Fatal(err)
	}
	h.settle()
	acme = h.alert("ACME Corp.")
	if n := len(acme.Replies) - lines; n != 1 {
		t.Errorf("the payment got %d thread lines, want 1", n)
	}
	if len(h.sb.CallsTo("conversations.replies")) == 0 {
		t.Errorf("the sender did not look in the thread for its earlier post")
	}
	if !acme.Contains("90.00") {
		t.Errorf("the alert was not brought up to date: %s", acme.Text)
	}
}

func TestDelivery_ShutdownFinishesTheSendInFlight(t *testing.T) {
	t.Parallel()
	h := newDeliveryHarness(t, deliveryOptions{channelInterval: 5 * time.Millisecond, postInterval: 5 * time.Millisecond, postBurst: 50, callTimeout: 2 * time.Second, noSender: true})
	h.importCSV(collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nA-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01\n")
	ctx, stop := context.WithCancel(h.ctx)
	// SIGTERM arrives while Slack is taking the alert.
	h.sb.FailNext("chat.postMessage", sandbox.AfterEffect(stop))
	done := h.runSender(ctx)
	if _, err := h.cases.Sweep(h.ctx, h.date(), false); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the sender did not stop")
	}
	acme := h.alert("ACME Corp.")
	if got := h.caseMessage("ACME Corp."); got != acme.TS {
		t.Errorf("the send in flight was cut off: the case's message is %q, Slack has %q", got, acme.TS)
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE kind = 'alert' AND sent_at IS NULL`); n != 0 {
		t.Errorf("the alert in flight is still queued")
	}
}

// TestDelivery_ShutdownHandsBackWhatWasClaimedButNotSent: items claimed
// for workers that were all busy when owed stopped go back to the queue as
// they were: not counted as an attempt, not in doubt, due at once for the
// next sender, not a lease later.
func TestDelivery_ShutdownHandsBackWhatWasClaimedButNotSent(t *testing.T) {
	t.Parallel()
	h := newDeliveryHarness(t, deliveryOptions{channelInterval: time.Millisecond, postInterval: time.Millisecond, postBurst: 50, callTimeout: 2 * time.Second, noSender: true})
	h.importCSV(collections.ImportInvoices, overdueCustomers(20))
	ctx, stop := context.WithCancel(h.ctx)
	h.sb.FailNext("chat.postMessage", sandbox.AfterEffect(stop))
	if _, err := h.cases.Sweep(h.ctx, h.date(), false); err != nil {
		t.Fatal(err)
	}
	done := h.runSender(ctx)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the sender did not stop")
	}
	left := h.count(`SELECT count(*) FROM outbox WHERE sent_at IS NULL`)
	if left == 0 {
		t.Fatal("every alert was sent before the stop: nothing was left claimed")
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE sent_at IS NULL AND (claimed OR attempts > 0 OR in_doubt OR not_before > now())`); n != 0 {
		t.Errorf("%d of the %d items left unsent are still held as claimed", n, left)
	}
}

func TestDelivery_AHungCallDoesNotStopTheSender(t *testing.T) {
	t.Parallel()
	h := newDeliveryHarness(t, deliveryOptions{channelInterval: 5 * time.Millisecond, postInterval: 5 * time.Millisecond, postBurst: 50, callTimeout: 300 * time.Millisecond})
	h.importCSV(collections.ImportInvoices, threeOverdue)
	// Slack takes the first alert and answers after 45 s.
	h.sb.FailNext("chat.postMessage", sandbox.AnswerLate(45*time.Second))
	start := time.Now()
	h.sweep()
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("the alerts took %v", took)
	}
	for _, c := range []string{"ACME Corp.", "Bluebird Bakery", "Cobalt Co"} {
		if m := h.alert(c); h.caseMessage(c) != m.TS {
			t.Errorf("%s: the case does not hold its message", c)
		}
	}
}

func TestDelivery_ThreadLinesAreVerbatim(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, threeOverdue)
	h.sweep()
	h.importCSV(collections.ImportPayments, threePartPayments)
	if _, err := h.cases.Review(h.ctx, h.date()); err != nil {
		t.Fatal(err)
	}
	h.settle()
	lines := 0
	for _, a := range h.alerts() {
		for _, r := range a.Replies {
			var blocks []struct {
				Text *struct {
					Type     string `json:"type"`
					Verbatim bool   `json:"verbatim"`
				} `json:"text"`
			}
			if err := json.Unmarshal(r.Blocks, &blocks); err != nil {
				t.Fatal(err)
			}
			for _, b := range blocks {
				if b.Text != nil && b.Text.Type == "mrkdwn" {
					lines++
					if !b.Text.Verbatim {
						t.Errorf("thread line %q is not verbatim: URLs and #channels people typed would be linked", r.Text)
					}
				}
			}
		}
	}
	if lines < 3 {
		t.Errorf("%d thread lines checked, want one payment line per case", lines)
	}
}

func TestDelivery_ApprovalRequestsArePostedOnceWhenAnswersAreLost(t *testing.T) {
	t.Parallel()
	h := newDeliveryHarness(t, deliveryOptions{channelInterval: 5 * time.Millisecond, postInterval: 5 * time.Millisecond, postBurst: 50, callTimeout: 2 * time.Second})
	h.importCSV(collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nA-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01\n")
	h.sweep()
	acme := h.alert("ACME Corp.")
	// The escalation's thread line goes through; then the request in the
	// thread and the first DM reach Slack, and their answers are lost.
	h.sb.FailNext("chat.postMessage", sandbox.AfterEffect(func() {
		h.sb.FailNext("chat.postMessage", sandbox.LoseAnswer(), sandbox.LoseAnswer())
	}))
	escalate(t, h, member, acme, collections.TargetAgency, "Three reminders ignored")
	requests := 0
	for _, r := range h.refresh(acme).Replies {
		if shows(r, "asks to escalate") {
			requests++
		}
	}
	if requests != 1 {
		t.Errorf("%d approval requests in the thread, want 1", requests)
	}
	for _, u := range []string{approver, approver2} {
		if n := len(h.sb.DMs(u)); n != 1 {
			t.Errorf("%s got %d DMs, want 1", u, n)
		}
	}
	if n := h.count(`SELECT count(*) FROM escalation_messages`); n != 3 {
		t.Errorf("%d approval requests recorded, want 3 (thread and two DMs)", n)
	}
	dmLooked := false
	for _, c := range h.sb.CallsTo("conversations.history") {
		dmLooked = dmLooked || strings.HasPrefix(c.Params["channel"], "D")
	}
	if !dmLooked {
		t.Errorf("the sender did not look in the DM for its earlier request")
	}
}

// An alert someone deleted in Slack is posted again when its case next
// changes, and the case's thread lines follow it there.
func TestDelivery_ADeletedAlertIsPostedAgain(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	slackAPI := httptest.NewServer(h.sb.Handler())
	defer slackAPI.Close()
	api := slack.New(botToken, slack.OptionAPIURL(slackAPI.URL+"/api/"))
	if _, _, err := api.DeleteMessageContext(h.ctx, channel, acme.TS); err != nil {
		t.Fatal(err)
	}
	summary := h.owed(member, "acme")
	h.click(member, summary, blocks.ActionSnooze)
	res := h.submit(member, h.modal(member, blocks.CallbackSnooze), sandbox.Values{blocks.BlockSnoozeFor: {blocks.BlockSnoozeFor: sandbox.Pick("3")}})
	if !res.Closed {
		t.Fatalf("snooze submission: %+v", res)
	}
	h.settle()
	again := h.alert("ACME Corp.")
	if again.TS == acme.TS || !shows(again, "Snoozed until") {
		t.Fatalf("ACME's alert after it was deleted: ts %s (deleted %s), %q", again.TS, acme.TS, again.Text)
	}
	if line := lastLine(t, h, again); !shows(line, "snoozed") {
		t.Errorf("the new alert's last thread line = %q, want the snooze", line.Text)
	}
}
