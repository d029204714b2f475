package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

// deliveryOptions set the pace and the time limits of a delivery harness.
type deliveryOptions struct {
	channelInterval time.Duration // the bot's pace per channel
	postInterval    time.Duration // the sandbox's rate limit per channel
	postBurst       int
	callTimeout     time.Duration
	noSender        bool
	extraMembers    int // more ordinary members: benchMember(0), benchMember(1), …
	// wrap, when set, wraps the bot's HTTP handler.
	wrap func(http.Handler) http.Handler
	// slowPost, when set, is how long every other chat.postMessage (the
	// first, the third…) takes to reach Slack, as over a congested link.
	slowPost time.Duration
}

// slowPosts delays every other chat.postMessage on its way to Slack.
type slowPosts struct {
	base  http.RoundTripper
	delay time.Duration
	mu    sync.Mutex
	n     int
}

func (s *slowPosts) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/chat.postMessage") {
		s.mu.Lock()
		s.n++
		slow := s.n%2 == 1
		s.mu.Unlock()
		if slow {
			select {
			case <-time.After(s.delay):
			case <-r.Context().Done():
				return nil, r.Context().Err()
			}
		}
	}
	return s.base.RoundTrip(r)
}

// benchMember is the ID of the i-th extra member.
func benchMember(i int) string { return fmt.Sprintf("U0BENCH%03d", i) }

// newDeliveryHarness is newHarness (HTTP mode) with the pace and time
// limits of the delivery tests. The sender, unless noSender, runs until
// the test ends.
func newDeliveryHarness(t testing.TB, o deliveryOptions) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h := &harness{t: t, ctx: ctx, db: dbtest.New(t), today: day("2026-06-01"), start: time.Now()}

	var botHandler http.Handler
	botSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { botHandler.ServeHTTP(w, r) }))
	t.Cleanup(botSrv.Close)
	h.botURL = botSrv.URL
	members := []sandbox.Member{
		{ID: member, Name: "dana", RealName: "Dana Member"},
		{ID: approver, Name: "cfo", RealName: "Casey CFO"},
		{ID: approver2, Name: "controller", RealName: "Robin Controller"},
	}
	for i := range o.extraMembers {
		members = append(members, sandbox.Member{ID: benchMember(i), Name: fmt.Sprintf("member%d", i)})
	}
	h.sb = sandbox.New(sandbox.Config{
		TeamID: teamID, BotToken: botToken, AppToken: appToken, BotUserID: "U0OWEDBOT", BotID: "B0OWED", BotName: "owed", AppID: "A0OWED",
		SigningSecret: secret,
		Members:       members,
		Channels:      []sandbox.Channel{{ID: channel, Name: "collections"}},
		UserGroups:    []sandbox.UserGroup{{ID: approverSG, Handle: "approvers", Users: []string{approver2}}},
		PostInterval:  o.postInterval, PostBurst: o.postBurst,
		CommandURL: botSrv.URL + "/slack/commands", InteractionURL: botSrv.URL + "/slack/interactions",
		Now: h.now,
	})
	sbSrv := httptest.NewServer(h.sb.Handler())
	t.Cleanup(sbSrv.Close)
	t.Cleanup(h.sb.Close)
	h.sb.SetBaseURL(sbSrv.URL)
	sandboxURLs.Store(h, sbSrv.URL)
	t.Cleanup(func() { sandboxURLs.Delete(h) })

	httpClient := bot.HTTPClient(o.callTimeout, nil)
	if o.slowPost > 0 {
		httpClient.Transport = &slowPosts{base: httpClient.Transport, delay: o.slowPost}
	}
	client := slack.New(botToken, slack.OptionAPIURL(sbSrv.URL+"/api/"), slack.OptionHTTPClient(httpClient))
	h.cases = postgres.NewCaseService(h.db, postgres.CaseConfig{Stages: []int{1, 7, 14, 30, 60, 90}, Channel: channel, GraceDays: 3, Today: h.date})
	senderDB, err := h.db.OpenPool(ctx, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { senderDB.Close() })
	for _, pool := range []*postgres.DB{h.db, senderDB} {
		if err := pool.Warm(ctx); err != nil {
			t.Fatal(err)
		}
	}
	h.bot = bot.New(bot.Options{
		Slack: client, Ledger: postgres.NewLedgerService(h.db), Cases: h.cases, Outbox: postgres.NewOutboxService(h.db),
		SenderCases:   postgres.NewCaseService(senderDB, postgres.CaseConfig{Stages: []int{1, 7, 14, 30, 60, 90}, Channel: channel, GraceDays: 3, Today: h.date}),
		SenderOutbox:  postgres.NewOutboxService(senderDB),
		SigningSecret: secret, Channel: channel, Approvers: []string{approver, approverSG},
		Now: h.now, ChannelInterval: o.channelInterval, RetryBase: 50 * time.Millisecond, CallTimeout: o.callTimeout,
	})
	if err := h.bot.Start(ctx); err != nil {
		t.Fatal(err)
	}
	botHandler = h.bot.Handler()
	if o.wrap != nil {
		botHandler = o.wrap(botHandler)
	}
	t.Cleanup(h.bot.Wait)
	if !o.noSender {
		h.runSender(ctx)
	}
	return h
}

// runSender runs the bot's sender until ctx or the test ends, and returns
// a channel closed when it has returned; the test waits for it.
func (h *harness) runSender(ctx context.Context) <-chan struct{} {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.bot.RunSender(ctx, nil)
	}()
	h.t.Cleanup(func() {
		cancel()
		<-done
	})
	return done
}

// sandboxURLs holds the sandbox URL of each delivery harness.
var sandboxURLs sync.Map

// sbURL is the sandbox's base URL.
func (h *harness) sbURL() string {
	u, _ := sandboxURLs.Load(h)
	return u.(string)
}
