package bot_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/bot/slacksig"
	"github.com/owedhq/owed/collections"
)

// post sends a raw request to the bot as an attacker or a confused proxy
// might, with the given signature headers.
func (h *harness) post(path, contentType, body string, sign func(http.Header, []byte)) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.botURL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if sign != nil {
		sign(req.Header, []byte(body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func commandBody(team, text string) string {
	return url.Values{"token": {"x"}, "team_id": {team}, "channel_id": {channel}, "user_id": {member},
		"command": {"/owed"}, "text": {text}, "response_url": {"http://127.0.0.1:1/none"}, "trigger_id": {"1.2.3"}}.Encode()
}

func TestTrust_UnverifiedRequestsGet401AndChangeNothing(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	// A real Approve-like click on the escalate flow, replayed without a valid signature.
	value := strings.Split(string(acme.Blocks), `"value":"`)[1]
	value = value[:strings.Index(value, `"`)]
	click := `{"type":"block_actions","team":{"id":"` + teamID + `"},"user":{"id":"` + member + `"},` +
		`"actions":[{"action_id":"plan","block_id":"case_actions","value":"` + value + `","type":"button"}],"trigger_id":"1.2.3"}`
	interaction := url.Values{"payload": {click}}.Encode()
	form := "application/x-www-form-urlencoded"
	audit := h.count(`SELECT count(*) FROM audit_log`)
	calls := h.sb.CallCount()

	now := h.now()
	for _, tc := range []struct {
		name string
		path string
		body string
		sign func(http.Header, []byte)
	}{
		{"Unsigned", "/slack/commands", commandBody(teamID, "acme"), nil},
		{"Expired", "/slack/commands", commandBody(teamID, "acme"), func(hd http.Header, b []byte) {
			slacksig.SetHeaders(hd, secret, now.Add(-6*time.Minute), b)
		}},
		{"FromTheFuture", "/slack/interactions", interaction, func(hd http.Header, b []byte) {
			slacksig.SetHeaders(hd, secret, now.Add(6*time.Minute), b)
		}},
		{"WrongSecret", "/slack/interactions", interaction, func(hd http.Header, b []byte) {
			slacksig.SetHeaders(hd, "not-the-secret", now, b)
		}},
		{"TamperedBody", "/slack/interactions", interaction, func(hd http.Header, b []byte) {
			slacksig.SetHeaders(hd, secret, now, []byte(commandBody(teamID, "acme")))
		}},
		{"GarbageTimestamp", "/slack/events", `{"type":"url_verification","challenge":"x"}`, func(hd http.Header, b []byte) {
			hd.Set(slacksig.HeaderTimestamp, "yesterday")
			hd.Set(slacksig.HeaderSignature, slacksig.Sign(secret, now.Unix(), b))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if resp := h.post(tc.path, form, tc.body, tc.sign); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", resp.StatusCode)
			}
		})
	}
	if n := h.count(`SELECT count(*) FROM audit_log`); n != audit {
		t.Errorf("unverified requests wrote %d audit rows", n-audit)
	}
	if n := h.sb.CallCount(); n != calls {
		t.Errorf("unverified requests made %d Slack calls: %+v", n-calls, h.sb.CallsSince(calls))
	}

	t.Run("OtherWorkspaceIsRefused", func(t *testing.T) {
		sign := func(hd http.Header, b []byte) { slacksig.SetHeaders(hd, secret, h.now(), b) }
		if resp := h.post("/slack/commands", form, commandBody("T0INTRUDER", "acme"), sign); resp.StatusCode != http.StatusForbidden {
			t.Errorf("status = %d, want 403", resp.StatusCode)
		}
	})
	t.Run("URLVerificationAnswersTheChallenge", func(t *testing.T) {
		body := `{"type":"url_verification","challenge":"c-123","token":"x"}`
		req, _ := http.NewRequest(http.MethodPost, h.botURL+"/slack/events", strings.NewReader(body))
		slacksig.SetHeaders(req.Header, secret, h.now(), []byte(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(got) != "c-123" {
			t.Errorf("challenge answer: %d %q", resp.StatusCode, got)
		}
	})
}

func TestEvents_RetriesAreRecognised(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	body := `{"type":"event_callback","team_id":"` + teamID + `","event_id":"Ev0123","event":{"type":"app_mention"}}`
	for attempt := range 3 {
		req, _ := http.NewRequest(http.MethodPost, h.botURL+"/slack/events", strings.NewReader(body))
		slacksig.SetHeaders(req.Header, secret, h.now(), []byte(body))
		if attempt > 0 {
			req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(attempt))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("attempt %d: status %d", attempt, resp.StatusCode)
		}
	}
	if n := h.count(`SELECT count(*) FROM slack_deliveries WHERE key = 'event:Ev0123'`); n != 1 {
		t.Errorf("deliveries recorded = %d, want 1", n)
	}
	resp, err := http.Get(h.botURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `owed_slack_requests_total{kind="event",outcome="duplicate"} 2`) {
		t.Errorf("the two retries were not counted as duplicates")
	}
}

func TestHealth_ReadyAndMetrics(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	if _, err := h.sb.SlashCommand(h.ctx, member, channel, "/owed", "help"); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get(h.botURL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s = %d", path, resp.StatusCode)
		}
		if path == "/metrics" && !strings.Contains(string(body), `owed_slack_requests_total{kind="command",outcome="help"} 1`) {
			t.Errorf("/metrics lacks owed's counters")
		}
	}
}

func TestDelivery_RateLimitedThenServerErrorThenDelivered(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, "number,customer,currency,amount,issued_on,due_on\nA-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01\n")
	h.sb.FailNext("chat.postMessage", sandbox.RateLimited(time.Second), sandbox.ServerError())
	start := time.Now()
	if _, err := h.cases.Sweep(h.ctx, h.date(), false); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if len(h.alerts()) != 1 {
		t.Fatalf("alerts = %d, want exactly 1", len(h.alerts()))
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("delivered after %v: Retry-After (1 s) was not honoured", waited)
	}
	posts := h.sb.CallsTo("chat.postMessage")
	if len(posts) != 3 || posts[0].Status != 429 || posts[1].Status != 500 {
		var got []string
		for _, p := range posts {
			got = append(got, strconv.Itoa(p.Status)+" "+p.Error)
		}
		t.Errorf("chat.postMessage calls = %v, want 429, 500, ok", got)
	}
}

func TestDelivery_QueuedBeforeACrashIsPostedAfterRestart(t *testing.T) {
	// No sender: the process "dies" after the sweep committed its change.
	h := newHarness(t, harnessOptions{noSender: true})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	if _, err := h.cases.Sweep(h.ctx, h.date(), false); err != nil {
		t.Fatal(err)
	}
	if len(h.alerts()) != 0 {
		t.Fatalf("posted without a sender")
	}
	// The restarted process sends what was queued.
	go h.bot.RunSender(h.ctx, nil)
	h.settle()
	if len(h.alerts()) != 2 {
		t.Errorf("alerts after restart = %d, want 2", len(h.alerts()))
	}
}

// TestTrust_NothingIsAnsweredBeforeTheWorkspaceIsKnown: a signed request
// that comes while owed starts waits (briefly) for Slack to say which
// workspace owed is installed in: answered once it is, turned away (503,
// try again) when it does not come in time, never answered unchecked.
func TestTrust_NothingIsAnsweredBeforeTheWorkspaceIsKnown(t *testing.T) {
	sb := sandbox.New(sandbox.Config{TeamID: teamID, BotToken: botToken, BotUserID: "U0OWEDBOT"})
	sbSrv := httptest.NewServer(sb.Handler())
	defer sbSrv.Close()
	defer sb.Close()
	sb.SetBaseURL(sbSrv.URL)
	b := bot.New(bot.Options{Slack: slack.New(botToken, slack.OptionAPIURL(sbSrv.URL+"/api/")), SigningSecret: secret, Channel: channel})
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	command := func(team string) int {
		body := commandBody(team, "help")
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/slack/commands", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		slacksig.SetHeaders(req.Header, secret, time.Now(), []byte(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := command("T0INTRUDER"); code != http.StatusServiceUnavailable {
		t.Errorf("a command while the workspace is unknown: HTTP %d, want 503", code)
	}
	// Start answers while a request waits: the request is then checked
	// and answered.
	answered := make(chan int, 2)
	go func() { answered <- command(teamID) }()
	go func() { answered <- command("T0INTRUDER") }()
	time.Sleep(300 * time.Millisecond) // the requests wait on Start
	if err := b.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := []int{<-answered, <-answered}
	slices.Sort(got)
	if got[0] != http.StatusOK || got[1] != http.StatusForbidden {
		t.Errorf("requests that waited on Start: HTTP %v, want 200 (this workspace) and 403 (another)", got)
	}
}
