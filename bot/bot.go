// Package bot is owed's Slack surface: it answers /owed, handles button
// clicks and modal submissions, and sends the queued alerts, over HTTP
// request URLs or Socket Mode.
package bot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/slack-go/slack"

	"github.com/owedhq/owed/collections"
)

// Options are what a Bot needs. Ledger, Cases, Outbox and Slack are
// required.
type Options struct {
	Slack  *slack.Client
	Ledger collections.LedgerService
	Cases  collections.CaseService
	Outbox collections.OutboxService

	// SigningSecret verifies HTTP requests from Slack.
	SigningSecret string
	// TeamID is the installed workspace; requests from others are refused.
	// Empty: learned from auth.test by Start.
	TeamID string
	// Channel receives the alerts.
	Channel string
	// Approvers are Slack user IDs (U…, W…) and user group IDs (S…) who may
	// decide escalations.
	Approvers []string
	// Location is the business time zone (default UTC).
	Location *time.Location
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Ready reports whether the bot can serve (database reachable,
	// migrations current); used by /readyz.
	Ready func(ctx context.Context) error
	// ChannelInterval is the least time between two messages to one
	// channel (default 1 s).
	ChannelInterval time.Duration
	// RetryBase is the first delay before resending a message after a
	// server or network error; it doubles with each attempt (default 2 s).
	RetryBase time.Duration
	// SenderCases and SenderOutbox, when set, are what the sender reads and
	// records through instead of Cases and Outbox: a connection pool of its
	// own, so that a burst of clicks holding the database does not hold up
	// the messages that show them.
	SenderCases  collections.CaseService
	SenderOutbox collections.OutboxService
	// CallTimeout bounds each Web API call the sender makes (default
	// 10 s); a queued item is leased for four times as long.
	CallTimeout time.Duration
	// SubmissionBudget is how long a modal submission is waited for
	// before the form is closed (default DefaultSubmissionBudget); a
	// submission that takes longer is carried on after the answer.
	SubmissionBudget time.Duration
	Logger           *slog.Logger

	// Emails and Composer send reminder emails; without them (no SMTP
	// server set up) Send reminder says how to turn email on.
	Emails   collections.EmailService
	Composer collections.EmailComposer
	// SendWindow is when customer emails may leave (OWED_SEND_WINDOW).
	SendWindow collections.SendWindow
}

// Bot is owed's Slack surface.
type Bot struct {
	opts      Options
	log       *slog.Logger
	approvers *approvers
	metrics   *metrics
	sender    *sender

	mu     sync.Mutex
	teamID string
	known  chan struct{} // closed when teamID is set (TeamID, or Start)

	inflight sync.WaitGroup // work continuing after an ack
	learnt   sync.Map       // Slack user ID → true: people whose names were looked up this run
}

// New returns a Bot.
func New(opts Options) *Bot {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ChannelInterval == 0 {
		opts.ChannelInterval = time.Second
	}
	if opts.RetryBase == 0 {
		opts.RetryBase = 2 * time.Second
	}
	if opts.SenderCases == nil {
		opts.SenderCases = opts.Cases
	}
	if opts.Cases != nil {
		opts.Cases = localCases{CaseService: opts.Cases, loc: opts.Location}
	}
	if opts.SenderCases != nil {
		opts.SenderCases = localCases{CaseService: opts.SenderCases, loc: opts.Location}
	}
	if opts.SenderOutbox == nil {
		opts.SenderOutbox = opts.Outbox
	}
	if opts.CallTimeout == 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	if opts.SubmissionBudget == 0 {
		opts.SubmissionBudget = DefaultSubmissionBudget
	}
	b := &Bot{opts: opts, log: opts.Logger, teamID: opts.TeamID, metrics: newMetrics(), known: make(chan struct{})}
	if opts.TeamID != "" {
		close(b.known)
	}
	b.approvers = newApprovers(opts.Approvers, opts.Slack, opts.Now)
	b.sender = newSender(b)
	return b
}

// Start checks the bot token with auth.test and learns the workspace.
func (b *Bot) Start(ctx context.Context) error {
	resp, err := b.opts.Slack.AuthTestContext(ctx)
	if err != nil {
		return fmt.Errorf("slack auth.test: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.teamID == "" {
		b.teamID = resp.TeamID
		close(b.known)
	} else if b.teamID != resp.TeamID {
		return fmt.Errorf("slack auth.test: the bot token belongs to workspace %s, not %s", resp.TeamID, b.teamID)
	}
	b.log.Info("connected to Slack", "team", resp.Team, "team_id", resp.TeamID, "bot_user", resp.UserID)
	return nil
}

func (b *Bot) team() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.teamID
}

// today is the business date now.
func (b *Bot) today() time.Time { return collections.DateIn(b.opts.Now(), b.opts.Location) }

// Handler serves Slack's request URLs, health checks and metrics.
func (b *Bot) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /slack/commands", b.verified("command", b.serveCommand))
	mux.Handle("POST /slack/interactions", b.verified("interaction", b.serveInteraction))
	mux.Handle("POST /slack/events", b.verified("event", b.serveEvent))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", b.serveReady)
	mux.Handle("GET /metrics", promhttp.HandlerFor(b.metrics.registry, promhttp.HandlerOpts{}))
	return mux
}

func (b *Bot) serveReady(w http.ResponseWriter, r *http.Request) {
	if b.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := b.opts.Ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	w.Write([]byte("ready\n"))
}

// answerWithin runs work after the ack and returns its result when it
// comes within budget (ok true). Past the budget (or when the request
// ends) it returns ok false, and late gets the result when it comes, so
// that it reaches the person some other way.
func answerWithin[T any](b *Bot, ctx context.Context, budget time.Duration, work func(context.Context) T, late func(context.Context, T)) (result T, ok bool) {
	answered := make(chan T)
	gone := make(chan struct{})
	b.afterAck(ctx, func(ctx context.Context) {
		r := work(ctx)
		select {
		case answered <- r:
		case <-gone:
			late(ctx, r)
		}
	})
	t := time.NewTimer(budget)
	defer t.Stop()
	select {
	case r := <-answered:
		return r, true
	case <-t.C:
	case <-ctx.Done():
	}
	close(gone)
	return result, false
}

// afterAck runs work that continues after Slack has been answered, with
// its own deadline, so that a click is acknowledged at once.
func (b *Bot) afterAck(ctx context.Context, work func(ctx context.Context)) {
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		work(ctx)
	}()
}

// Wait returns when the work started after acks has finished.
func (b *Bot) Wait() { b.inflight.Wait() }
