package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot/slacksig"
)

const (
	testSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	dana       = "U0MEMBER"
	cfo        = "U0APPROVER"
	controller = "U0APPROVER2"
	collect    = "C0COLLECT"
	private    = "C0PRIVATE"
	approvers  = "S0APPROVERS"
)

// fakeClock is Slack's clock, pinned and moved by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testApp is a small app that receives what the sandbox sends. Every
// request must carry a valid signature; commands are parsed with
// slack.SlashCommandParse and interactions with slack.InteractionCallbackParse.
type testApp struct {
	t     *testing.T
	srv   *httptest.Server
	clock *fakeClock

	mu            sync.Mutex
	commands      []slack.SlashCommand
	interactions  []slack.InteractionCallback
	payloads      []map[string]any
	onCommand     func(w http.ResponseWriter, r *http.Request, cmd slack.SlashCommand)
	onInteraction func(w http.ResponseWriter, r *http.Request, ic slack.InteractionCallback)
}

func newTestApp(t *testing.T, clock *fakeClock) *testApp {
	a := &testApp{t: t, clock: clock}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slack/commands", func(w http.ResponseWriter, r *http.Request) {
		if !a.verify(w, r) {
			return
		}
		cmd, err := slack.SlashCommandParse(r)
		if err != nil {
			t.Errorf("SlashCommandParse: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		a.commands = append(a.commands, cmd)
		h := a.onCommand
		a.mu.Unlock()
		if h != nil {
			h(w, r, cmd)
		}
	})
	mux.HandleFunc("POST /slack/interactions", func(w http.ResponseWriter, r *http.Request) {
		if !a.verify(w, r) {
			return
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("ParseForm: %v", err)
			return
		}
		var ic slack.InteractionCallback
		if err := json.Unmarshal([]byte(r.PostForm.Get("payload")), &ic); err != nil {
			t.Errorf("unmarshal InteractionCallback: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var raw map[string]any
		_ = json.Unmarshal([]byte(r.PostForm.Get("payload")), &raw)
		a.mu.Lock()
		a.interactions = append(a.interactions, ic)
		a.payloads = append(a.payloads, raw)
		h := a.onInteraction
		a.mu.Unlock()
		if h != nil {
			h(w, r, ic)
		}
	})
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

// verify checks the request's signature with owed's own verifier.
func (a *testApp) verify(w http.ResponseWriter, r *http.Request) bool {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := slacksig.Verify(r.Header, body, testSecret, a.clock.Now()); err != nil {
		a.t.Errorf("request to %s: signature: %v", r.URL.Path, err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return false
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		a.t.Errorf("Content-Type = %q", ct)
	}
	return true
}

func (a *testApp) handleCommands(h func(w http.ResponseWriter, r *http.Request, cmd slack.SlashCommand)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onCommand = h
}

func (a *testApp) handleInteractions(h func(w http.ResponseWriter, r *http.Request, ic slack.InteractionCallback)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onInteraction = h
}

func (a *testApp) lastInteraction(t *testing.T) (slack.InteractionCallback, map[string]any) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.interactions) == 0 {
		t.Fatal("the app received no interaction")
	}
	return a.interactions[len(a.interactions)-1], a.payloads[len(a.payloads)-1]
}

func (a *testApp) interactionCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.interactions)
}

func (a *testApp) lastCommand(t *testing.T) slack.SlashCommand {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.commands) == 0 {
		t.Fatal("the app received no command")
	}
	return a.commands[len(a.commands)-1]
}

// env is a sandbox served over HTTP, a slack-go client pointed at it, and
// a test app receiving its requests.
type env struct {
	sb    *Server
	srv   *httptest.Server
	api   *slack.Client
	app   *testApp
	clock *fakeClock
	ctx   context.Context
}

func testConfig() Config {
	return Config{
		TeamID:        "T0OWED",
		TeamDomain:    "acme-finance",
		BotToken:      "xoxb-test",
		AppToken:      "xapp-test",
		SigningSecret: testSecret,
		Members: []Member{
			{ID: dana, Name: "dana", RealName: "Dana Whitfield"},
			{ID: cfo, Name: "cfo", RealName: "Chris Fo"},
			{ID: controller, Name: "controller", RealName: "Cam Troller"},
		},
		Channels: []Channel{
			{ID: collect, Name: "collections"},
			{ID: private, Name: "board", Members: []string{cfo}},
		},
		UserGroups: []UserGroup{{ID: approvers, Handle: "approvers", Users: []string{cfo, controller}}},
	}
}

func newEnv(t *testing.T, mods ...func(*Config)) *env {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 6, 30, 9, 0, 0, 0, time.UTC)}
	app := newTestApp(t, clock)
	cfg := testConfig()
	cfg.Now = clock.Now
	cfg.CommandURL = app.srv.URL + "/slack/commands"
	cfg.InteractionURL = app.srv.URL + "/slack/interactions"
	for _, m := range mods {
		m(&cfg)
	}
	sb := New(cfg)
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(sb.Close)
	sb.SetBaseURL(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return &env{
		sb:    sb,
		srv:   srv,
		api:   slack.New(cfg.BotToken, slack.OptionAPIURL(srv.URL+"/api/")),
		app:   app,
		clock: clock,
		ctx:   ctx,
	}
}

// slackErrorCode returns the Slack error code of a slack-go error.
func slackErrorCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

// alertBlocks is a message like owed's alerts: a section, fields and buttons.
func alertBlocks() []slack.Block {
	return []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "ACME Corp. owes $75.50", false, false)),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Oldest* invoice is 60 days overdue", false, false),
			[]*slack.TextBlockObject{slack.NewTextBlockObject(slack.MarkdownType, "*INV-1001*", false, false)}, nil,
			slack.SectionBlockOptionBlockID("summary")),
		slack.NewActionBlock("case",
			slack.NewButtonBlockElement("snooze", "case-1", slack.NewTextBlockObject(slack.PlainTextType, "Snooze", false, false)),
			slack.NewButtonBlockElement("escalate", "case-1", slack.NewTextBlockObject(slack.PlainTextType, "Escalate", false, false)).WithStyle(slack.StyleDanger),
		),
	}
}
