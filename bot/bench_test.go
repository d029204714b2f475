package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot"
	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/bot/slacksig"
	"github.com/owedhq/owed/collections"
)

// BenchmarkClickAck has 100 people click Customer agreed on the same alert
// at once, and measures how long owed takes to acknowledge each click (the
// bot's HTTP handler, from request to response) and how long the fake
// Slack waited in all. Target: ack p99 ≤ 100 ms.
func BenchmarkClickAck(b *testing.B) {
	var mu sync.Mutex
	var acks []time.Duration
	timed := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			next.ServeHTTP(w, r)
			if r.URL.Path == "/slack/interactions" {
				mu.Lock()
				acks = append(acks, time.Since(start))
				mu.Unlock()
			}
		})
	}
	h := newHarness(b, harnessOptions{wrap: timed})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	proposePlan(b, h, acme, "2026-06-15")
	acme = h.refresh(acme)

	const clicks = 100
	times := make([]time.Duration, clicks)
	var wg sync.WaitGroup
	b.ResetTimer()
	for i := range clicks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			if err := h.sb.Click(h.ctx, member, ref(acme), blocks.ActionPlanAgreed); err != nil {
				b.Error(err)
			}
			times[i] = time.Since(start)
		}()
	}
	wg.Wait()
	b.StopTimer()
	h.settle()
	mu.Lock()
	if len(acks) < clicks {
		b.Fatalf("owed answered %d of the %d clicks", len(acks), clicks)
	}
	clickAcks := acks[len(acks)-clicks:]
	mu.Unlock()
	// Baseline: the bare HTTP round trip to the same server (GET /healthz),
	// 100 at once.
	base := make([]time.Duration, clicks)
	for i := range clicks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			resp, err := http.Get(h.botURL + "/healthz")
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			base[i] = time.Since(start)
		}()
	}
	wg.Wait()
	report(b, "ack", clickAcks, base)
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'plan_agreed'`); n != 1 {
		b.Errorf("plan_agreed audit rows = %d, want 1", n)
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[clicks*99/100].Microseconds())/1000, "ms-slack-p99")
}

// BenchmarkClickToUpdate has 5, then 100 people snooze as many alerts at once (each
// submits the Snooze modal) and measures, for each, how long from the
// submission until Slack has received the alert's chat.update, and how
// long owed took to acknowledge the submission. New posts are paced (here
// 10 per second per channel, so the 100 thread lines queue for 10 s);
// edits must not wait behind them. Targets: p50 ≤ 50 ms, p99 ≤ 300 ms;
// ack p99 ≤ 100 ms. Two baselines, in the same run: the bare chat.update
// call under the same concurrency, and the same burst answered by a bare
// app (bareApp) instead of owed.
func BenchmarkClickToUpdate(b *testing.B) {
	for _, n := range []int{5, 100} {
		b.Run(fmt.Sprintf("%d-at-once", n), func(b *testing.B) { clickToUpdate(b, n) })
	}
}

func clickToUpdate(b *testing.B, n int) {
	var bare atomic.Pointer[bareApp] // when set, it answers the submissions instead of owed
	h := newDeliveryHarness(b, deliveryOptions{channelInterval: 100 * time.Millisecond, postInterval: 50 * time.Millisecond, postBurst: 5,
		callTimeout: 10 * time.Second, extraMembers: n, wrap: func(owed http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if app := bare.Load(); app != nil && r.URL.Path == "/slack/interactions" {
					app.ServeHTTP(w, r)
					return
				}
				owed.ServeHTTP(w, r)
			})
		}})
	h.importCSV(collections.ImportInvoices, overdueCustomers(n))
	h.sweep()
	alerts := map[string]sandbox.Message{}
	for _, a := range h.alerts() {
		alerts[a.Text[:len("Customer 000")]] = a
	}
	if len(alerts) != n {
		b.Fatalf("%d alerts, want %d", len(alerts), n)
	}
	targets := make([]sandbox.Message, n)
	for i := range n {
		targets[i] = alerts[fmt.Sprintf("Customer %03d", i)]
	}

	// The floor: the burst answered by the bare app, untimed.
	app := newBareApp(b, h, targets)
	floor, _, _ := snoozeBurst(b, h, targets, func() { bare.Store(app) }, func() {})
	bare.Store(nil)
	app.wg.Wait()

	lat, acks, first := snoozeBurst(b, h, targets, b.ResetTimer, b.StopTimer)

	// Baseline: the same number of bare chat.update calls at once.
	api := slack.New(botToken, slack.OptionAPIURL(h.sbURL()+"/api/"))
	base := make([]time.Duration, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			if _, _, _, err := api.UpdateMessageContext(h.ctx, channel, targets[i].TS, slack.MsgOptionText(targets[i].Text, false)); err != nil {
				b.Error(err)
			}
			base[i] = time.Since(start)
		}()
	}
	wg.Wait()
	{ // where the time goes: handling the submission (until queued), then sending
		offset := h.now().Sub(time.Now())
		type row struct {
			ID      int64
			Kind    string
			Created time.Time `db:"created_at"`
			Sent    time.Time `db:"sent_at"`
		}
		var rows []row
		if err := h.db.SelectContext(h.ctx, &rows, `SELECT id, kind, created_at, coalesce(sent_at, now()) AS sent_at FROM outbox
			WHERE kind = 'alert' AND created_at >= $1`, first.Add(-offset)); err != nil || len(rows) != n {
			b.Fatalf("%d alert items queued by the submissions, want %d: %v", len(rows), n, err)
		}
		var q, s []time.Duration
		for _, r := range rows {
			q = append(q, r.Created.Add(offset).Sub(first))
			s = append(s, r.Sent.Sub(r.Created))
		}
		report(b, "queued-after-first-submit", q, nil)
		report(b, "queued-to-sent", s, nil)
	}
	report(b, "update", lat, base)
	report(b, "update-bare-app", floor, nil)
	report(b, "ack", acks, nil)
	if got := h.count(`SELECT count(*) FROM audit_log WHERE action = 'snoozed'`); got != n {
		b.Errorf("snoozed audit rows = %d, want %d", got, n)
	}
}

// snoozeBurst has each target's member open the Snooze modal from the
// alert, then all of them submit it at once (between start and stop). It
// returns, for each, how long from the submission until Slack received
// the alert's chat.update, how long the submission took to be
// acknowledged, and when the first submission went.
func snoozeBurst(b *testing.B, h *harness, targets []sandbox.Message, start, stop func()) (lat, acks []time.Duration, first time.Time) {
	n := len(targets)
	modals := make([]sandbox.View, n)
	for i := range n {
		h.click(benchMember(i), targets[i], blocks.ActionSnooze)
		modals[i] = h.modal(benchMember(i), blocks.CallbackSnooze)
	}
	seen := h.sb.CallCount()
	starts := make([]time.Time, n)
	acks = make([]time.Duration, n)
	var wg sync.WaitGroup
	start()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			starts[i] = h.now()
			res, err := h.sb.SubmitView(h.ctx, benchMember(i), modals[i].ID, sandbox.Values{
				blocks.BlockSnoozeFor: {blocks.BlockSnoozeFor: sandbox.Value{Option: "7"}},
			})
			if err != nil || !res.Closed {
				b.Errorf("submission %d: %+v, %v", i, res, err)
			}
			acks[i] = res.Elapsed
		}()
	}
	wg.Wait()
	// Slack's chat.update calls are read as they come, each once: the
	// check runs after every change in the sandbox, and must not take the
	// CPU being measured.
	target := map[string]int{}
	for i, t := range targets {
		target[t.TS] = i
	}
	lat = make([]time.Duration, n)
	left := n
	updated := func() bool {
		calls := h.sb.CallsSince(seen)
		for _, c := range calls {
			if c.Method != "chat.update" {
				continue
			}
			if i, ok := target[c.Params["ts"]]; ok && lat[i] == 0 && !c.At.Before(starts[i]) {
				lat[i] = max(c.At.Sub(starts[i]), time.Nanosecond)
				left--
			}
		}
		seen += len(calls)
		return left == 0
	}
	ctx, cancel := context.WithTimeout(h.ctx, time.Minute)
	defer cancel()
	if err := h.sb.Await(ctx, updated); err != nil {
		b.Fatalf("not every alert was updated: %v", err)
	}
	stop()
	first = starts[0]
	for _, st := range starts {
		if st.Before(first) {
			first = st
		}
	}
	return lat, acks, first
}

// bareApp answers the Snooze submissions of a burst with the least any
// app must do: it checks Slack's signature, reads who submitted, closes
// the modal, and sends that member's alert as it is (the same text and
// blocks) with chat.update, through an HTTP client like owed's. No
// database, nothing decided or rendered: in the same harness, its
// latency is what the machine, the HTTP stack and the sandbox take before
// owed does any work of its own.
type bareApp struct {
	b      *testing.B
	now    func() time.Time
	api    *slack.Client
	alerts map[string]bareAlert // by member
	wg     sync.WaitGroup       // the edits in flight
}

type bareAlert struct {
	ts, text string
	blocks   slack.Blocks
}

func newBareApp(b *testing.B, h *harness, targets []sandbox.Message) *bareApp {
	a := &bareApp{b: b, now: h.now, alerts: map[string]bareAlert{},
		api: slack.New(botToken, slack.OptionAPIURL(h.sbURL()+"/api/"), slack.OptionHTTPClient(bot.HTTPClient(10*time.Second, nil)))}
	for i, t := range targets {
		var bl slack.Blocks
		if err := json.Unmarshal(t.Blocks, &bl); err != nil {
			b.Fatalf("blocks of %s: %v", t.TS, err)
		}
		a.alerts[benchMember(i)] = bareAlert{ts: t.TS, text: t.Text, blocks: bl}
	}
	return a
}

func (a *bareApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err == nil {
		err = slacksig.Verify(r.Header, body, secret, a.now())
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var p struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	form, err := url.ParseQuery(string(body))
	if err == nil {
		err = json.Unmarshal([]byte(form.Get("payload")), &p)
	}
	alert, ok := a.alerts[p.User.ID]
	if err != nil || !ok {
		http.Error(w, fmt.Sprintf("no alert for %q: %v", p.User.ID, err), http.StatusBadRequest)
		return
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, _, _, err := a.api.UpdateMessageContext(ctx, channel, alert.ts,
			slack.MsgOptionText(alert.text, false), slack.MsgOptionBlocks(alert.blocks.BlockSet...)); err != nil {
			a.b.Error(err)
		}
	}()
	// An empty answer closes the modal. The connection is closed too: the
	// burst owed answers next opens its connections afresh, as this one did.
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusOK)
}

// report prints a latency's p50 and p99 in ms, and its baseline's.
func report(b *testing.B, name string, d, baseline []time.Duration) {
	pct := func(d []time.Duration, p int) float64 {
		s := slices.Clone(d)
		slices.Sort(s)
		return float64(s[(len(s)-1)*p/100].Microseconds()) / 1000
	}
	b.ReportMetric(pct(d, 50), "ms-"+name+"-p50")
	b.ReportMetric(pct(d, 99), "ms-"+name+"-p99")
	if baseline != nil {
		b.ReportMetric(pct(baseline, 50), "ms-"+name+"-baseline-p50")
		b.ReportMetric(pct(baseline, 99), "ms-"+name+"-baseline-p99")
	}
}

// BenchmarkSweepPosting sweeps a ledger of 20 overdue customers and
// measures how long the 20 new alerts take to be posted, at Slack's own
// pace: the sandbox allows 1 message per second per channel after a
// burst, as Slack does, and answers 429 beyond it. The baseline is the
// ceiling itself, N s. Target: ≤ N s + 5 s, and no 429.
func BenchmarkSweepPosting(b *testing.B) {
	const n = 20
	h := newDeliveryHarness(b, deliveryOptions{callTimeout: 10 * time.Second})
	h.importCSV(collections.ImportInvoices, overdueCustomers(n))
	b.ResetTimer()
	start := time.Now()
	if _, err := h.cases.Sweep(h.ctx, h.date(), false); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(h.ctx, 2*time.Minute)
	defer cancel()
	if err := h.sb.Await(ctx, func() bool { return len(h.alerts()) == n }); err != nil {
		b.Fatalf("%d of %d alerts posted: %v", len(h.alerts()), n, err)
	}
	took := time.Since(start)
	b.StopTimer()
	limited := 0
	for _, c := range h.sb.CallsTo("chat.postMessage") {
		if c.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	b.ReportMetric(took.Seconds(), "s/all-posted")
	b.ReportMetric(n, "s-ceiling")
	b.ReportMetric(float64(limited), "answers-429")
}

// overdueCustomers is an invoices file of n customers ("Customer 000", …),
// each with one invoice a month overdue on 2026-06-01.
func overdueCustomers(n int) string {
	var csv strings.Builder
	csv.WriteString("number,customer,currency,amount,issued_on,due_on\n")
	for i := range n {
		fmt.Fprintf(&csv, "INV-%03d,Customer %03d,USD,%d.00,2026-04-01,2026-05-01\n", i, i, 100+i)
	}
	return csv.String()
}
