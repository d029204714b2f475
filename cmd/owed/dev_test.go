package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
)

// devLedger is a small ledger with seven overdue customers: more alerts
// than Slack lets out at once, so the page shows them being posted.
const devLedger = `number,customer,currency,amount,issued_on,due_on
A-1,ACME Corp.,USD,1200.00,2026-01-05,2026-02-04
A-2,ACME Corp.,USD,300.00,2026-02-01,2026-03-03
B-1,Bluebird Bakery,EUR,450.00,2026-02-10,2026-03-12
C-1,Copper Kettle,USD,80.00,2026-02-10,2026-03-12
D-1,Dovetail Joinery,USD,90.00,2026-02-10,2026-03-12
E-1,Elm Street Dental,USD,100.00,2026-02-10,2026-03-12
F-1,Fennel & Co,USD,110.00,2026-02-10,2026-03-12
G-1,Granite Works,USD,120.00,2026-02-10,2026-03-12
`

// devCLI returns a cli whose database holds devLedger, and the file `owed
// dev` is to keep its sandbox workspace in.
func devCLI(t *testing.T) (*cli, string) {
	t.Helper()
	c := newCLI(t)
	c.must("import", "invoices", c.file("ledger.csv", devLedger))
	return c, filepath.Join(t.TempDir(), ".owed", "sandbox.json")
}

// devRun is one run of `owed dev`.
type devRun struct {
	t         *testing.T
	url       string
	sb        *sandbox.Server
	log       *syncBuffer          // what owed said on stderr
	interrupt func()               // Ctrl-C, without waiting
	stop      func() time.Duration // Ctrl-C: returns how long owed took to exit
}

// startDevRun runs `owed dev` as a user would, on a random port, against the
// cli's database, keeping the sandbox workspace in sandboxFile.
func startDevRun(t *testing.T, c *cli, sandboxFile string) *devRun {
	t.Helper()
	c.env["OWED_ADDR"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	started := make(chan *sandbox.Server, 1)
	r := &devRun{t: t, log: &syncBuffer{}, interrupt: cancel}
	go func() {
		env := &Env{Stdin: strings.NewReader(""), Stdout: pw, Stderr: r.log, Getenv: func(k string) string { return c.env[k] }}
		done <- dev(ctx, env, devOptions{sandboxFile: sandboxFile, started: func(sb *sandbox.Server) { started <- sb }})
		pw.Close()
	}()
	stopped := false
	r.stop = func() time.Duration {
		t.Helper()
		if stopped {
			return 0
		}
		stopped = true
		begin := time.Now()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("owed dev failed after Ctrl+C: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("owed dev did not stop")
		}
		return time.Since(begin)
	}
	t.Cleanup(func() { r.stop() })
	url := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`Open (http://\S+)`)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				url <- m[1]
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case r.url = <-url:
	case err := <-done:
		t.Fatalf("owed dev exited before serving: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("owed dev did not print its URL")
	}
	r.sb = <-started
	return r
}

// pageState is the part of the page's state the tests read.
type pageState struct {
	Version       uint64 `json:"version"`
	Conversations []struct {
		ID       string    `json:"id"`
		Kind     string    `json:"kind"`
		Messages []pageMsg `json:"messages"`
	} `json:"conversations"`
	Views []struct {
		ID string `json:"id"`
	} `json:"views"`
	Posting *struct {
		Current int `json:"current"`
		Total   int `json:"total"`
	} `json:"posting"`
}

type pageMsg struct {
	TS      string          `json:"ts"`
	Text    string          `json:"text"`
	Blocks  json.RawMessage `json:"blocks"`
	Replies []pageMsg       `json:"replies"`
}

func (st pageState) conversation(kind string) []pageMsg {
	for _, c := range st.Conversations {
		if c.Kind == kind {
			return c.Messages
		}
	}
	return nil
}

// state long-polls the page as member: it returns the first state, newer
// than since, for which cond holds.
func (r *devRun) state(member string, cond func(pageState) bool) pageState {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var since uint64
	for {
		resp, err := http.Get(fmt.Sprintf("%s/sandbox/state?user=%s&since=%d", r.url, member, since))
		if err != nil {
			r.t.Fatal(err)
		}
		var st pageState
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil {
			r.t.Fatal(err)
		}
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("the page never showed what was expected; last state: %+v", st)
		}
		since = st.Version
	}
}

// act posts what a page's button or form sends.
func (r *devRun) act(path string, body map[string]any) {
	r.t.Helper()
	raw, _ := json.Marshal(body)
	resp, err := http.Post(r.url+path, "application/json", bytes.NewReader(raw))
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out["ok"] != true {
		r.t.Fatalf("%s %v: %v %v", path, body, out, err)
	}
}

func hasAction(m pageMsg, actionID string) bool {
	return bytes.Contains(m.Blocks, []byte(`"action_id":"`+actionID+`"`))
}

// The sandbox workspace outlives `owed dev`: after a restart the page shows
// the same messages, and an approval requested before it is decided after
// it. Ctrl-C with the page open stops owed at once.
func TestDev_ARestartKeepsTheWorkspaceAndItsPendingApproval(t *testing.T) {
	t.Parallel()
	c, file := devCLI(t)

	first := startDevRun(t, c, file)
	// A second owed dev on the same workspace is refused: it would show a
	// workspace of its own, and overwrite the first's when it stopped.
	var stderr bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr, Getenv: func(k string) string { return c.env[k] }}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := dev(ctx, env, devOptions{sandboxFile: file}); err == nil ||
		!strings.Contains(err.Error(), "already running") || !strings.Contains(err.Error(), first.url) {
		t.Errorf("a second owed dev on the workspace: %v, want it refused, naming %s", err, first.url)
	}
	// The page says how far the posting has come, then that it is done.
	posting := first.state(sandbox.DemoApprover, func(st pageState) bool { return st.Posting != nil })
	if p := posting.Posting; p.Total < 2 || p.Total > 7 || p.Current < 1 || p.Current > p.Total {
		t.Errorf("the page shows posting %d of %d, for 7 alerts", p.Current, p.Total)
	}
	alerts := func(st pageState) bool {
		return len(st.conversation("channel")) == 7 && st.Posting == nil
	}
	st := first.state(sandbox.DemoApprover, alerts)
	acme := st.conversation("channel")[slices.IndexFunc(st.conversation("channel"), func(m pageMsg) bool { return strings.Contains(m.Text, "ACME") })]

	// cfo asks to escalate ACME; controller gets the approval request.
	first.act("/sandbox/action", map[string]any{"user": sandbox.DemoApprover, "channel": sandbox.DemoChannel, "ts": acme.TS, "action_id": blocks.ActionEscalate})
	st = first.state(sandbox.DemoApprover, func(st pageState) bool { return len(st.Views) == 1 })
	first.act("/sandbox/view/submit", map[string]any{"user": sandbox.DemoApprover, "view_id": st.Views[0].ID, "values": sandbox.Values{
		blocks.BlockEscalateTarget: {blocks.BlockEscalateTarget: sandbox.Pick(string(collections.TargetAgency))},
		blocks.BlockEscalateReason: {blocks.BlockEscalateReason: sandbox.Text("three reminders ignored")},
	}})
	pending := func(st pageState) bool {
		dm := st.conversation("im")
		return len(dm) == 1 && hasAction(dm[0], blocks.ActionApprove) && st.Posting == nil
	}
	before := first.state(sandbox.DemoApprover2, pending)

	// Ctrl-C while the page waits for news.
	poll := make(chan error, 1)
	go func() {
		resp, err := http.Get(fmt.Sprintf("%s/sandbox/state?user=%s&since=%d", first.url, sandbox.DemoApprover2, before.Version))
		if err == nil {
			resp.Body.Close()
		}
		poll <- err
	}()
	if err := first.sb.Await(context.Background(), func() bool { return first.sb.Polls() == 1 }); err != nil {
		t.Fatal(err)
	}
	if took := first.stop(); took > 3*time.Second {
		t.Errorf("Ctrl-C with the page open took %v to stop owed", took)
	}
	if err := <-poll; err != nil {
		t.Errorf("the page's pending poll failed instead of ending: %v", err)
	}

	second := startDevRun(t, c, file)
	after := second.state(sandbox.DemoApprover2, pending)
	summary := func(msgs []pageMsg) []string {
		var out []string
		for _, m := range msgs {
			out = append(out, m.TS+" "+m.Text)
			for _, r := range m.Replies {
				out = append(out, "  "+r.TS+" "+r.Text)
			}
		}
		return out
	}
	for _, kind := range []string{"channel", "im"} {
		if got, want := summary(after.conversation(kind)), summary(before.conversation(kind)); !slices.Equal(got, want) {
			t.Errorf("%s after the restart:\n%s\nwant\n%s", kind, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	// The approval requested before the restart is decided after it.
	request := after.conversation("im")[0]
	second.act("/sandbox/action", map[string]any{"user": sandbox.DemoApprover2, "channel": second.sb.DMChannel(sandbox.DemoApprover2), "ts": request.TS, "action_id": blocks.ActionApprove})
	second.state(sandbox.DemoApprover2, func(st pageState) bool {
		for _, m := range st.conversation("channel") {
			if m.TS == acme.TS && strings.Contains(string(m.Blocks), "Escalated to collections agency — approved by") {
				return true
			}
		}
		return false
	})
	db := c.db()
	var approved int
	if err := db.GetContext(context.Background(), &approved, `SELECT count(*) FROM escalations WHERE status = 'approved'`); err != nil || approved != 1 {
		t.Errorf("approved escalations = %d (%v), want 1", approved, err)
	}
}

// Ctrl-C while an alert is on its way to Slack: owed stops taking
// requests at once, but Slack (the sandbox) keeps answering until owed has
// stopped, so the alert is recorded as posted; nothing is left in doubt,
// nothing is posted twice by the next run, and owed has nothing to warn of.
func TestDev_CtrlCWhileAnAlertIsPostedLosesNothing(t *testing.T) {
	t.Parallel()
	c, file := devCLI(t)

	first := startDevRun(t, c, file)
	first.state(sandbox.DemoApprover, func(st pageState) bool { return len(st.conversation("channel")) >= 1 })
	inFlight := make(chan struct{})
	first.sb.FailNext("chat.postMessage", sandbox.Failure{Delay: time.Second, Hook: func() { close(inFlight) }})
	select {
	case <-inFlight:
	case <-time.After(15 * time.Second):
		t.Fatal("no alert posted after the first")
	}
	if took := first.stop(); took < 500*time.Millisecond {
		t.Errorf("owed stopped in %v, before Slack answered the post in flight", took)
	}
	for _, line := range strings.Split(first.log.String(), "\n") {
		if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
			t.Errorf("owed said, stopping: %s", line)
		}
	}
	db := c.db()
	var doubts int
	if err := db.GetContext(context.Background(), &doubts, `SELECT count(*) FROM outbox WHERE in_doubt OR last_error IS NOT NULL`); err != nil || doubts != 0 {
		t.Errorf("%d outbox items in doubt or failed after Ctrl-C (%v), want 0", doubts, err)
	}

	second := startDevRun(t, c, file)
	st := second.state(sandbox.DemoApprover, func(st pageState) bool {
		return len(st.conversation("channel")) >= 7 && st.Posting == nil
	})
	seen := map[string]bool{}
	for _, m := range st.conversation("channel") {
		name := strings.SplitN(m.Text, " owes", 2)[0]
		if seen[name] {
			t.Errorf("posted twice: %s", m.Text)
		}
		seen[name] = true
	}
	if len(seen) != 7 {
		t.Errorf("%d alerts after the restart, want 7", len(seen))
	}
}

// devProcessEnv makes the test binary run `owed dev` (or the command its
// value names, e.g. "aging") in its working directory, as `make run`
// does, until interrupted.
const devProcessEnv = "OWED_TEST_DEV_PROCESS"

// TestDev_Process is `owed dev` in a process of its own, for
// TestDev_AsRootFromADirectoryThePostgresUserCannotEnter.
func TestDev_Process(t *testing.T) {
	command := os.Getenv(devProcessEnv)
	if command == "" {
		t.Skip("run by TestDev_AsRootFromADirectoryThePostgresUserCannotEnter")
	}
	if command == "1" {
		command = "dev"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	if code := Main(ctx, env, strings.Fields(command)); code != 0 {
		t.Fatalf("owed %s exited %d", command, code)
	}
}

// `make run` as root from a checkout the postgres user cannot enter
// (/root/owed, a mktemp -d): the local Postgres starts, the directories keep
// their mode, and a restart finds the data and the workspace again.
func TestDev_AsRootFromADirectoryThePostgresUserCannotEnter(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: as another user Postgres runs as that user")
	}
	private := t.TempDir()
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	checkout := filepath.Join(private, "owed")
	if err := os.Mkdir(checkout, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if target, err := os.Readlink(filepath.Join(checkout, ".owed", "pgdata")); err == nil {
			os.RemoveAll(filepath.Dir(target))
		}
	})

	// run runs owed dev until the page shows more than after alerts, and
	// returns how many it showed at first and at the end.
	run := func(wantData string, after int) (first, last int) {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestDev_Process$", "-test.count=1", "-test.timeout=2m")
		cmd.Dir = checkout
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "DATABASE_URL=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		// The process needs no test database: a URL keeps TestMain from starting one.
		cmd.Env = append(cmd.Env, devProcessEnv+"=1", "TEST_DATABASE_URL=unused", "OWED_ADDR=127.0.0.1:0")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := false
		defer func() {
			if !exited {
				cmd.Process.Kill()
				cmd.Wait()
			}
		}()
		sc := bufio.NewScanner(stdout)
		var said []string
		var url string
		for sc.Scan() {
			said = append(said, sc.Text())
			if m := regexp.MustCompile(`Open (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				url = m[1]
				break
			}
		}
		if url == "" {
			t.Fatalf("owed dev did not start:\n%s\n%s", strings.Join(said, "\n"), stderr.String())
		}
		go io.Copy(io.Discard, stdout)
		if !strings.Contains(strings.Join(said, "\n"), wantData) {
			t.Errorf("owed dev said %q, want %q", said, wantData)
		}
		resp, err := http.Get(url + "/sandbox/state?user=" + sandbox.DemoMember)
		if err != nil {
			t.Fatal(err)
		}
		var st pageState
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		first = len(st.conversation("channel"))
		// Stay until the bot has posted.
		deadline := time.Now().Add(time.Minute)
		for since := st.Version; len(st.conversation("channel")) <= after; since = st.Version {
			if time.Now().After(deadline) {
				t.Fatalf("the bot posted nothing after %d alerts", after)
			}
			resp, err := http.Get(fmt.Sprintf("%s/sandbox/state?user=%s&since=%d", url, sandbox.DemoMember, since))
			if err != nil {
				t.Fatal(err)
			}
			json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
		}
		cmd.Process.Signal(os.Interrupt)
		exited = true
		if err := cmd.Wait(); err != nil {
			t.Fatalf("owed dev after Ctrl-C: %v\n%s", err, stderr.String())
		}
		return first, len(st.conversation("channel"))
	}

	_, posted := run("the demo data set (just loaded)", 0)
	if restored, _ := run("the existing data in the database", posted); restored < posted {
		t.Errorf("after a restart the page showed %d alerts, want the %d posted before", restored, posted)
	}
	// A command of the command line starts the local server it needs, and
	// stops it when it is done, unless another user of the server (owed
	// dev, here the test's own share) still has it: nothing is left
	// running behind the last one, and none stops it under another.
	aging := func() {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestDev_Process$", "-test.count=1", "-test.timeout=2m")
		cmd.Dir = checkout
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "DATABASE_URL=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, devProcessEnv+"=aging", "TEST_DATABASE_URL=unused")
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "USD") {
			t.Fatalf("owed aging: %v\n%s", err, out)
		}
	}
	running := func() bool {
		t.Helper()
		target, err := os.Readlink(filepath.Join(checkout, ".owed", "pgdata"))
		if err != nil {
			t.Fatalf("the local data: %v", err)
		}
		_, err = os.Stat(filepath.Join(target, "postmaster.pid"))
		return !errors.Is(err, os.ErrNotExist)
	}
	users, err := os.OpenFile(filepath.Join(checkout, ".owed", "pgdata.users"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer users.Close()
	if err := syscall.Flock(int(users.Fd()), syscall.LOCK_SH); err != nil {
		t.Fatal(err)
	}
	aging()
	if !running() {
		t.Errorf("owed aging stopped the local Postgres another user still had")
	}
	users.Close()
	aging()
	if running() {
		t.Errorf("the last user of the local Postgres left it running")
	}
	for dir, mode := range map[string]os.FileMode{private: 0o700, checkout: 0o700} {
		if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != mode {
			t.Errorf("%s: mode %v (%v), want %v", dir, st.Mode().Perm(), err, mode)
		}
	}
}
