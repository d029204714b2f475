package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

// childEnv, when set, makes the test binary run `owed` with the arguments
// in it instead of the tests: the crash test runs `owed serve` as a
// process it can kill.
const childEnv = "OWED_TEST_CHILD_ARGS"

func init() {
	if args := os.Getenv(childEnv); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
		code := Main(ctx, env, strings.Fields(args))
		stop()
		os.Exit(code)
	}
}

// rig is owed's database, the Slack sandbox, and the settings of an owed
// server working against them.
type rig struct {
	t   *testing.T
	ctx context.Context
	url string // the database
	db  *postgres.DB
	sb  *sandbox.Server
	cli *cli
	env map[string]string // the server's environment
}

const rigChannel = "C0COLLECT"

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	r := &rig{t: t, ctx: ctx, url: dbtest.URL(t)}
	db, err := postgres.Open(ctx, r.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r.db = db
	r.sb = sandbox.New(sandbox.Config{TeamID: "T0OWED", BotToken: "xoxb-crash", BotUserID: "U0OWEDBOT",
		Members:  []sandbox.Member{{ID: "U0APPROVER", Name: "cfo"}},
		Channels: []sandbox.Channel{{ID: rigChannel, Name: "collections"}}, PostInterval: time.Millisecond, PostBurst: 50})
	srv := httptest.NewServer(r.sb.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(r.sb.Close)
	r.sb.SetBaseURL(srv.URL)
	r.env = map[string]string{
		"DATABASE_URL": r.url, "SLACK_BOT_TOKEN": "xoxb-crash", "SLACK_SIGNING_SECRET": "crash-secret",
		"SLACK_API_URL": srv.URL + "/api/", "OWED_CHANNEL": rigChannel, "OWED_APPROVERS": "U0APPROVER",
		"OWED_ADDR": "127.0.0.1:0", "OWED_TIMEZONE": "UTC", "OWED_SWEEP_CRON": "0 0 1 1 *",
		// A short call timeout keeps the test fast: items are leased for 4×.
		"OWED_SLACK_TIMEOUT": "500ms",
	}
	r.cli = newCLI(t)
	r.cli.env["DATABASE_URL"] = r.url
	r.cli.env["OWED_CHANNEL"] = rigChannel
	return r
}

// Three customers overdue today.
func (r *rig) importLedger() {
	today := collections.DateIn(time.Now(), time.UTC)
	d := func(days int) string { return today.AddDate(0, 0, days).Format(collections.DateLayout) }
	r.cli.must("import", "invoices", r.cli.file("invoices.csv", fmt.Sprintf(`number,customer,currency,amount,issued_on,due_on
A-1,ACME Corp.,USD,100.00,%s,%s
B-1,Bluebird Bakery,USD,30.00,%s,%s
C-1,Cobalt Co,USD,50.00,%s,%s
`, d(-70), d(-40), d(-30), d(-10), d(-50), d(-20))))
}

var rigCustomers = []string{"ACME Corp.", "Bluebird Bakery", "Cobalt Co"}

// await polls cond until it holds, failing the test after 15 s.
func (r *rig) await(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// led reports whether an owed server holds the lead.
func (r *rig) led() bool {
	ok, err := postgres.Led(r.ctx, r.db)
	if err != nil {
		r.t.Fatal(err)
	}
	return ok
}

func (r *rig) pending() int {
	n, err := postgres.NewOutboxService(r.db).PendingOutboxItems(r.ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

// caseTS returns the message the database holds for a customer's case.
func (r *rig) caseTS(customer string) string {
	r.t.Helper()
	var ts string
	if err := r.db.GetContext(r.ctx, &ts, `SELECT coalesce(k.message_ts, '') FROM cases k JOIN customers c ON c.id = k.customer_id WHERE c.name = $1`, customer); err != nil {
		r.t.Fatal(err)
	}
	return ts
}

// alerts returns each customer's top-level messages.
func (r *rig) alerts() map[string][]sandbox.Message {
	out := map[string][]sandbox.Message{}
	for _, m := range r.sb.Messages(rigChannel) {
		for _, c := range rigCustomers {
			if strings.Contains(m.Text, c) {
				out[c] = append(out[c], m)
			}
		}
	}
	return out
}

// checkExactlyOnce checks that every customer has one alert, that the
// database holds it, and that the first message posted is the one kept.
func (r *rig) checkExactlyOnce(first sandbox.Message) {
	r.t.Helper()
	alerts := r.alerts()
	for _, c := range rigCustomers {
		if len(alerts[c]) != 1 {
			r.t.Errorf("%s has %d alerts, want 1", c, len(alerts[c]))
			continue
		}
		if got := r.caseTS(c); got != alerts[c][0].TS {
			r.t.Errorf("%s: the case holds message %q, Slack has %q", c, got, alerts[c][0].TS)
		}
	}
	if cur, ok := r.sb.Message(first.Ref()); !ok || !cur.Edited {
		r.t.Errorf("the first alert (%s) was not adopted and brought up to date (found %v, edited %v)", first.TS, ok, cur.Edited)
	}
}

// firstPost returns the first message posted to the channel.
func (r *rig) firstPost() sandbox.Message {
	r.t.Helper()
	msgs := r.sb.Messages(rigChannel)
	if len(msgs) == 0 {
		r.t.Fatal("nothing was posted")
	}
	return msgs[0]
}

// startApp runs owed serve in this process until the returned stop is
// called (or the test ends).
func (r *rig) startApp(env map[string]string) (stop func()) {
	r.t.Helper()
	cfg, err := loadConfig(func(k string) string { return env[k] }, configNeeds{database: true, slack: true, approve: true})
	if err != nil {
		r.t.Fatal(err)
	}
	var logs syncBuffer
	app, err := NewApp(r.ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)), AppOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				r.t.Errorf("owed serve: %v", err)
			}
			if r.t.Failed() {
				r.t.Logf("owed serve logs:\n%s", logs.String())
			}
		})
	}
	r.t.Cleanup(stop)
	return stop
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (logs).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startProcess runs `owed serve` as a process of its own.
func (r *rig) startProcess() *exec.Cmd {
	r.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=serve")
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if r.t.Failed() {
			r.t.Logf("owed serve (pid %d):\n%s", cmd.Process.Pid, out.String())
		}
	})
	return cmd
}

func TestDelivery_ExactlyOnceAfterAKill(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.importLedger()
	first := r.startProcess()
	r.await("owed serve to lead", r.led)
	// Slack records the first alert; owed dies before it hears the ts.
	killed := make(chan struct{})
	r.sb.FailNext("chat.postMessage", sandbox.AfterEffect(func() {
		first.Process.Kill()
		close(killed)
	}))
	out := r.cli.must("sweep")
	if !strings.Contains(out, "queued 3 alerts") || !strings.Contains(out, "the running owed server is posting them") {
		t.Errorf("owed sweep said:\n%s", out)
	}
	<-killed
	first.Wait()
	posted := r.firstPost()
	if n := len(r.sb.Messages(rigChannel)); n != 1 {
		t.Fatalf("%d messages before the restart, want the one whose answer was lost", n)
	}

	second := r.startProcess()
	r.await("the outbox to drain after the restart", func() bool { return r.pending() == 0 })
	r.checkExactlyOnce(posted)

	// The alert kept is the one kept up to date: a payment imported from
	// the command line while owed runs edits it and adds a thread line.
	acme := r.alerts()["ACME Corp."]
	if len(acme) != 1 {
		t.FailNow()
	}
	replies := len(acme[0].Replies)
	start := time.Now()
	r.cli.must("import", "payments", r.cli.file("payments.csv", "invoice,amount,paid_on\nA-1,40.00,"+
		collections.DateIn(time.Now(), time.UTC).Format(collections.DateLayout)+"\n"))
	r.await("the payment to reach Slack", func() bool {
		m, _ := r.sb.Message(acme[0].Ref())
		return m.Contains("60.00") && len(m.Replies) > replies
	})
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the payment took %v to reach Slack, want ≤ 10 s", took)
	}
	if n := len(r.alerts()["ACME Corp."]); n != 1 {
		t.Errorf("ACME has %d alerts after the payment", n)
	}

	// SIGTERM: owed stops at once, cleanly.
	second.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- second.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("owed serve after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Errorf("owed serve did not stop after SIGTERM")
	}
}

func TestDelivery_ExactlyOnceAfterADatabaseOutage(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.importLedger()
	proxy := dbtest.NewProxy(t, r.url)
	env := map[string]string{}
	for k, v := range r.env {
		env[k] = v
	}
	env["DATABASE_URL"] = proxy.URL()
	r.startApp(env)
	r.await("owed to connect to Slack", func() bool { return len(r.sb.CallsTo("auth.test")) == 1 })
	// Slack records the first alert; then Postgres goes away, as in a
	// restart, before owed can record the ts, and comes back.
	r.sb.FailNext("chat.postMessage", sandbox.AfterEffect(func() {
		proxy.Cut()
		time.AfterFunc(time.Second, proxy.Restore)
	}))
	r.cli.must("sweep")
	r.await("the outbox to drain after the outage", func() bool { return proxy.Cuts() == 1 && r.pending() == 0 })
	r.checkExactlyOnce(r.firstPost())
}

func TestDelivery_ExactlyOnceAfterASlowAnswer(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.importLedger()
	r.startApp(r.env)
	r.await("owed to connect to Slack", func() bool { return len(r.sb.CallsTo("auth.test")) == 1 })
	// Slack records the first alert and answers after 45 s; owed's calls
	// end after 500 ms.
	r.sb.FailNext("chat.postMessage", sandbox.AnswerLate(45*time.Second))
	start := time.Now()
	r.cli.must("sweep")
	r.await("the outbox to drain", func() bool { return r.pending() == 0 })
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the alerts took %v: a slow answer held the sender", took)
	}
	r.checkExactlyOnce(r.firstPost())
}
