package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/owedhq/owed/bot"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// The workspace of the journeys.
const (
	teamID     = "T0OWED"
	botToken   = "xoxb-test-token"
	appToken   = "xapp-test-token"
	secret     = "test-signing-secret"
	channel    = "C0COLLECT"
	member     = "U0MEMBER"    // an ordinary member
	approver   = "U0APPROVER"  // approver by user ID
	approver2  = "U0APPROVER2" // approver through the user group
	approverSG = "S0APPROVERS"
)

// harness runs the real bot against real Postgres and the Slack sandbox,
// with a clock pinned to a business date that moves with real time.
type harness struct {
	t      testing.TB
	ctx    context.Context
	db     *postgres.DB
	sb     *sandbox.Server
	bot    *bot.Bot
	cases  *postgres.CaseService
	botURL string

	mu    sync.Mutex
	today time.Time
	start time.Time
}

type harnessOptions struct {
	socketMode bool
	noSender   bool
	// wrap, when set, wraps the bot's HTTP handler (to time it).
	wrap func(http.Handler) http.Handler
	// configure, when set, adds to the bot's options (email, for one).
	configure func(h *harness, o *bot.Options)
}

func newHarness(t testing.TB, opts harnessOptions) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h := &harness{t: t, ctx: ctx, db: dbtest.New(t), today: day("2026-06-01"), start: time.Now()}

	var botHandler http.Handler
	botSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { botHandler.ServeHTTP(w, r) }))
	t.Cleanup(botSrv.Close)
	h.botURL = botSrv.URL
	cfg := sandbox.Config{
		TeamID: teamID, TeamDomain: "owed-test", TeamName: "Owed Test",
		BotToken: botToken, AppToken: appToken, BotUserID: "U0OWEDBOT", BotID: "B0OWED", BotName: "owed", AppID: "A0OWED",
		SigningSecret: secret,
		Members: []sandbox.Member{
			{ID: member, Name: "dana", RealName: "Dana Member"},
			{ID: approver, Name: "cfo", RealName: "Casey CFO"},
			{ID: approver2, Name: "controller", RealName: "Robin Controller"},
		},
		Channels:     []sandbox.Channel{{ID: channel, Name: "collections"}},
		UserGroups:   []sandbox.UserGroup{{ID: approverSG, Handle: "approvers", Users: []string{approver2}}},
		PostInterval: 5 * time.Millisecond, PostBurst: 50,
		Now: h.now,
	}
	if !opts.socketMode {
		cfg.CommandURL, cfg.InteractionURL = botSrv.URL+"/slack/commands", botSrv.URL+"/slack/interactions"
	}
	h.sb = sandbox.New(cfg)
	sbSrv := httptest.NewServer(h.sb.Handler())
	t.Cleanup(sbSrv.Close)
	t.Cleanup(h.sb.Close) // runs first: ends the sandbox's long polls
	h.sb.SetBaseURL(sbSrv.URL)

	client := slack.New(botToken, slack.OptionAPIURL(sbSrv.URL+"/api/"), slack.OptionAppLevelToken(appToken))
	h.cases = postgres.NewCaseService(h.db, postgres.CaseConfig{Stages: []int{1, 7, 14, 30, 60, 90}, Channel: channel, GraceDays: 3,
		PromiseGraceDays: collections.DefaultPromiseGraceDays, Today: h.date})
	botOpts := bot.Options{
		Slack: client, Ledger: postgres.NewLedgerService(h.db), Cases: h.cases, Outbox: postgres.NewOutboxService(h.db),
		SigningSecret: secret, Channel: channel, Approvers: []string{approver, approverSG},
		Now: h.now, ChannelInterval: 5 * time.Millisecond, RetryBase: 50 * time.Millisecond,
	}
	if opts.configure != nil {
		opts.configure(h, &botOpts)
	}
	h.bot = bot.New(botOpts)
	if err := h.bot.Start(ctx); err != nil {
		t.Fatal(err)
	}
	botHandler = h.bot.Handler()
	if opts.wrap != nil {
		botHandler = opts.wrap(botHandler)
	}
	t.Cleanup(h.bot.Wait) // runs before Slack goes away
	if !opts.noSender {
		go h.bot.RunSender(ctx, nil)
	}
	if opts.socketMode {
		sm := socketmode.New(client)
		go h.bot.RunSocketMode(ctx, sm)
		h.await("Socket Mode connection", h.sb.SocketModeConnected)
	}
	return h
}

func day(s string) time.Time {
	d, err := collections.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// now is the shared clock of Slack and the bot: the business day plus the
// time elapsed since the test started (so trigger_id expiry is real).
func (h *harness) now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.today.Add(10*time.Hour + time.Since(h.start))
}

func (h *harness) date() time.Time { return collections.DateIn(h.now(), time.UTC) }

// setToday moves the business date.
func (h *harness) setToday(s string) {
	h.mu.Lock()
	h.today = day(s)
	h.mu.Unlock()
}

func (h *harness) importCSV(kind collections.ImportKind, body string) {
	h.t.Helper()
	rows, err := collections.NewRowReader(strings.NewReader(body), string(kind)+".csv", kind)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := postgres.NewImportService(h.db).Import(h.ctx, kind, rows, collections.ImportOptions{File: string(kind) + ".csv", Today: h.date()}); err != nil {
		h.t.Fatalf("import %s: %v", kind, err)
	}
}

// sweep runs the sweep as of the business date and waits until Slack has
// everything it queued.
func (h *harness) sweep() collections.SweepResult {
	h.t.Helper()
	res, err := h.cases.Sweep(h.ctx, h.date(), false)
	if err != nil {
		h.t.Fatal(err)
	}
	h.settle()
	return res
}

// settle waits until the clicks are handled and the outbox is empty.
func (h *harness) settle() {
	h.t.Helper()
	h.bot.Wait()
	out := postgres.NewOutboxService(h.db)
	h.await("outbox to drain", func() bool {
		n, err := out.PendingOutboxItems(h.ctx)
		return err == nil && n == 0
	})
}

// await waits for cond. Its bound only ends a test that would never
// pass: the benchmarks post 100 alerts at 10 a second before they measure.
func (h *harness) await(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// alerts returns the top-level messages of the collections channel.
func (h *harness) alerts() []sandbox.Message { return h.sb.Messages(channel) }

// alert returns the alert that names customer.
func (h *harness) alert(customer string) sandbox.Message {
	h.t.Helper()
	var found []sandbox.Message
	for _, m := range h.alerts() {
		if strings.Contains(m.Text, customer) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		h.t.Fatalf("%d alerts name %q; channel has %d messages", len(found), customer, len(h.alerts()))
	}
	return found[0]
}

// refresh returns the current state of a message.
func (h *harness) refresh(m sandbox.Message) sandbox.Message {
	h.t.Helper()
	cur, ok := h.sb.Message(sandbox.MessageRef{Channel: m.Channel, TS: m.TS})
	if !ok {
		h.t.Fatalf("message %s vanished", m.TS)
	}
	return cur
}

func ref(m sandbox.Message) sandbox.MessageRef {
	return sandbox.MessageRef{Channel: m.Channel, TS: m.TS}
}

// buttons lists the action IDs of a message's buttons.
func buttons(m sandbox.Message) []string {
	type element struct {
		Type     string `json:"type"`
		ActionID string `json:"action_id"`
	}
	var blocks []struct {
		Type      string    `json:"type"`
		Elements  []element `json:"elements"`
		Accessory *element  `json:"accessory"`
	}
	json.Unmarshal(m.Blocks, &blocks)
	var out []string
	for _, b := range blocks {
		for _, e := range b.Elements {
			if e.ActionID != "" && e.Type == "button" {
				out = append(out, e.ActionID)
			}
		}
		if b.Accessory != nil && b.Accessory.Type == "button" {
			out = append(out, b.Accessory.ActionID)
		}
	}
	return out
}

func hasButton(m sandbox.Message, actionID string) bool {
	for _, b := range buttons(m) {
		if b == actionID {
			return true
		}
	}
	return false
}

// shows reports whether the message's text or blocks contain s.
func shows(m sandbox.Message, s string) bool {
	return strings.Contains(m.Text, s) || bytes.Contains(m.Blocks, []byte(s))
}

func (h *harness) click(user string, m sandbox.Message, actionID string) {
	h.t.Helper()
	if err := h.sb.Click(h.ctx, user, ref(m), actionID); err != nil {
		h.t.Fatalf("%s clicks %s: %v", user, actionID, err)
	}
}

// modal waits for the modal on the user's screen.
func (h *harness) modal(user, callbackID string) sandbox.View {
	h.t.Helper()
	var v sandbox.View
	h.await(callbackID+" modal for "+user, func() bool {
		var ok bool
		v, ok = h.sb.TopView(user)
		return ok && v.CallbackID == callbackID
	})
	return v
}

func (h *harness) submit(user string, v sandbox.View, values sandbox.Values) sandbox.SubmitResult {
	h.t.Helper()
	res, err := h.sb.SubmitView(h.ctx, user, v.ID, values)
	if err != nil {
		h.t.Fatalf("%s submits %s: %v", user, v.CallbackID, err)
	}
	return res
}

// ephemeral waits (briefly) for the newest ephemeral message the user
// sees containing s.
func (h *harness) ephemeral(user, s string) (sandbox.Message, bool) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		msgs := h.sb.Ephemerals(user)
		for i := len(msgs) - 1; i >= 0; i-- {
			if shows(msgs[i], s) {
				return msgs[i], true
			}
		}
		if time.Now().After(deadline) {
			return sandbox.Message{}, false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) count(query string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.db.GetContext(h.ctx, &n, query, args...); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// The ledger of the journeys: Acme 31 days overdue (two currencies),
// Bluebird 7 days, Current Co not yet due.
const journeyInvoices = `number,customer,currency,amount,issued_on,due_on
A-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01
A-2,ACME Corp.,EUR,50.00,2026-04-01,2026-05-20
B-1,Bluebird Bakery,USD,30.00,2026-05-01,2026-05-25
C-1,Current Co,USD,10.00,2026-05-20,2026-07-01
`

// owed runs /owed text as user and returns the answer only they see.
func (h *harness) owed(user, text string) sandbox.Message {
	h.t.Helper()
	reply, err := h.sb.SlashCommand(h.ctx, user, channel, "/owed", text)
	if err != nil || reply.Message == nil {
		h.t.Fatalf("/owed %s as %s: %+v, %v", text, user, reply, err)
	}
	return *reply.Message
}

// clickAtOnce has user click actionID on m n times at once, as a double
// click or a Slack retry would.
func (h *harness) clickAtOnce(user string, m sandbox.Message, actionID string, n int) {
	h.t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.sb.Click(h.ctx, user, ref(m), actionID); err != nil {
				h.t.Error(err)
			}
		}()
	}
	wg.Wait()
}
