package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"golang.org/x/sync/errgroup"

	"github.com/owedhq/owed/bot"
	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
)

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "serve", "serve\n\nRuns the bot: HTTP server (Slack request URLs, /healthz, /readyz, /metrics) and the\nscheduler. Socket Mode when SLACK_APP_TOKEN is set. Settings come from the environment.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(env.Getenv, configNeeds{database: true, slack: true, approve: true})
	if err != nil {
		return err
	}
	log := newLogger(env.Stderr, cfg.LogJSON)
	app, err := NewApp(ctx, cfg, log, AppOptions{})
	if err != nil {
		return err
	}
	return app.Run(ctx)
}

func newLogger(w io.Writer, asJSON bool) *slog.Logger {
	if asJSON {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// App is a running owed: database, bot, scheduler and HTTP server.
type App struct {
	cfg      Config
	log      *slog.Logger
	db       *postgres.DB
	senderDB *postgres.DB // the Slack sender's own connections
	cases    *postgres.CaseService
	bot      *bot.Bot
	leader   *postgres.Leader
	listener net.Listener
	opts     AppOptions
	email    *emailing
}

// AppOptions adapt an App for `owed dev` and tests.
type AppOptions struct {
	// Listener replaces listening on cfg.Addr.
	Listener net.Listener
	// Extra serves every path the bot does not (the sandbox uses it).
	Extra http.Handler
	// SweepAtStart runs the sweep once as soon as the app is up.
	SweepAtStart bool
	// EmailRetryBase is the first delay before an email is retried
	// (default 30 s); tests shorten it.
	EmailRetryBase time.Duration
}

// NewApp connects to the database (migrating it under an advisory lock)
// and listens on cfg.Addr; Run connects to Slack.
func NewApp(ctx context.Context, cfg Config, log *slog.Logger, opts AppOptions) (*App, error) {
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	senderDB, err := db.OpenPool(ctx, senderConns)
	if err != nil {
		db.Close()
		return nil, err
	}
	conns := db.Stats().MaxOpenConnections + senderDB.Stats().MaxOpenConnections
	for _, pool := range []*postgres.DB{db, senderDB} {
		if err := pool.Warm(ctx); err != nil {
			log.Warn(fmt.Sprintf("could not open every database connection at start (owed serve uses %d; is Postgres's max_connections high enough?): the first clicks may be slow", conns), "error", err)
		}
	}
	today := func() time.Time { return collections.DateIn(time.Now(), cfg.Location) }
	caseCfg := postgres.CaseConfig{Stages: cfg.Stages, Channel: cfg.Channel, GraceDays: cfg.GraceDays,
		PromiseGraceDays: cfg.PromiseGrace, Today: today}
	cases := postgres.NewCaseService(db, caseCfg)
	email, err := newEmailing(cfg, db, cases, opts)
	if err != nil {
		senderDB.Close()
		db.Close()
		return nil, err
	}
	var composer collections.EmailComposer
	if email.composer != nil {
		composer = email.composer
	}
	slackOpts := []slack.Option{slack.OptionAPIURL(cfg.APIURL), slack.OptionHTTPClient(bot.HTTPClient(cfg.SlackTimeout, log))}
	if cfg.AppToken != "" {
		slackOpts = append(slackOpts, slack.OptionAppLevelToken(cfg.AppToken))
	}
	b := bot.New(bot.Options{
		Slack:  slack.New(cfg.BotToken, slackOpts...),
		Ledger: postgres.NewLedgerService(db), Cases: cases, Outbox: postgres.NewOutboxService(db),
		SigningSecret: cfg.SigningSecret, Channel: cfg.Channel, Approvers: cfg.Approvers,
		Location: cfg.Location, Logger: log, CallTimeout: cfg.SlackTimeout,
		SenderCases: postgres.NewCaseService(senderDB, caseCfg), SenderOutbox: postgres.NewOutboxService(senderDB),
		Emails: email.emails, Composer: composer, SendWindow: cfg.Mail.Window,
		Ready: func(ctx context.Context) error {
			ok, err := db.MigrationsCurrent(ctx)
			if err == nil && !ok {
				err = errors.New("migrations pending")
			}
			return err
		},
	})
	ln := opts.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			senderDB.Close()
			db.Close()
			return nil, fmt.Errorf("listen on %s: %w (set OWED_ADDR to use another address)", cfg.Addr, err)
		}
	}
	return &App{cfg: cfg, log: log, db: db, senderDB: senderDB, cases: cases, bot: b, leader: postgres.NewLeader(db), listener: ln, opts: opts,
		email: email}, nil
}

// senderConns is the size of the Slack sender's own connection pool, so
// that a burst of clicks holding the main pool does not hold up the
// messages that show them.
const senderConns = 8 // one per message the sender sends at once

// Addr is the address the HTTP server listens on.
func (a *App) Addr() string { return a.listener.Addr().String() }

// DB is the app's database.
func (a *App) DB() *postgres.DB { return a.db }

// Run serves until ctx ends, then shuts down in order: it stops taking
// work (the HTTP server finishes its requests, Socket Mode and the
// scheduler stop), finishes what is in flight (the Slack message being
// sent goes out and is recorded), releases the lead, and closes the
// database. Every goroutine it starts is waited for.
func (a *App) Run(ctx context.Context) error {
	defer a.db.Close()
	defer a.senderDB.Close()
	defer a.leader.Resign()
	handler := a.bot.Handler()
	if a.opts.Extra != nil {
		mux := http.NewServeMux()
		mux.Handle("/slack/", handler)
		for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
			mux.Handle(p, handler)
		}
		mux.Handle("/", a.opts.Extra)
		handler = mux
	}
	srv := newHTTPServer(handler)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(a.listener); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		shutdown(srv) // stop taking work first
		return nil
	})
	if err := a.start(gctx, g); err != nil {
		cancel()
		g.Wait()
		a.bot.Wait()
		return err
	}
	mode := "HTTP request URLs"
	if a.cfg.SocketMode() {
		mode = "Socket Mode"
	}
	a.log.Info("owed is serving", "addr", a.Addr(), "mode", mode, "channel", a.cfg.Channel)
	<-gctx.Done()
	if ctx.Err() != nil {
		a.log.Info("shutting down")
	}
	err := g.Wait()
	a.bot.Wait() // work that continued after an ack
	if err != nil {
		a.log.Error("stopped", "error", err)
	}
	return err
}

// start connects to Slack and starts the scheduler, the sender, Socket
// Mode and the ledger watch, each owned by g.
func (a *App) start(ctx context.Context, g *errgroup.Group) error {
	if err := a.bot.Start(ctx); err != nil {
		return err
	}
	sched, err := a.startScheduler(ctx)
	if err != nil {
		return err
	}
	// Take the lead now if it is free, so that a serving owed is seen to
	// lead (owed sweep says who posts); another replica leading is normal.
	a.leader.IsLeader(ctx)
	g.Go(func() error {
		<-ctx.Done()
		if err := sched.Shutdown(); err != nil {
			return fmt.Errorf("scheduler: %w", err)
		}
		return nil
	})
	if a.opts.SweepAtStart {
		g.Go(func() error {
			a.sweepNow(ctx)
			return nil
		})
	}
	g.Go(func() error {
		a.bot.RunSender(ctx, a.leader.Leading)
		return nil
	})
	g.Go(func() error {
		a.reviewOnLedgerChanges(ctx)
		return nil
	})
	if d := a.email.dispatcher; d != nil {
		g.Go(func() error {
			a.sendEmails(ctx, d)
			return nil
		})
	}
	if a.cfg.SocketMode() {
		client := socketmode.New(slack.New(a.cfg.BotToken, slack.OptionAPIURL(a.cfg.APIURL), slack.OptionAppLevelToken(a.cfg.AppToken),
			slack.OptionHTTPClient(bot.HTTPClient(a.cfg.SlackTimeout, a.log))))
		g.Go(func() error {
			if err := a.bot.RunSocketMode(ctx, client); ctx.Err() == nil {
				return fmt.Errorf("socket mode: %w", err)
			}
			return nil
		})
	}
	return nil
}

func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}

// How a change to the ledger (an import while owed runs) reaches Slack:
// the leader reviews the cases once the burst of notifications has been
// quiet for ledgerQuiet, or ledgerMaxDelay after the first.
const (
	ledgerQuiet    = 300 * time.Millisecond
	ledgerMaxDelay = 3 * time.Second
)

// reviewOnLedgerChanges reviews the cases (settlements, payments, stages
// no longer due) soon after invoices or payments change, on the leader,
// one review at a time, until ctx ends.
func (a *App) reviewOnLedgerChanges(ctx context.Context) {
	var l *postgres.Listener
	for l == nil {
		var err error
		if l, err = a.db.Listen(ctx, postgres.LedgerChannel); err != nil {
			if ctx.Err() != nil {
				return
			}
			a.log.WarnContext(ctx, "ledger notifications unavailable; retrying", "error", err)
			if sleepCtx(ctx, 5*time.Second) != nil {
				return
			}
		}
	}
	defer l.Close()
	wake := l.Wake(postgres.LedgerChannel)
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
		if !coalesce(ctx, wake, ledgerQuiet, ledgerMaxDelay) {
			return
		}
		if !a.leader.Leading(ctx) {
			continue
		}
		res, err := a.cases.Review(ctx, a.today())
		switch {
		case err != nil && ctx.Err() == nil:
			a.log.ErrorContext(ctx, "review after a ledger change failed", "error", err)
		case err == nil:
			a.log.InfoContext(ctx, "reviewed cases after a ledger change", "settled", res.Settled,
				"plans_broken", res.Broken, "plans_completed", res.Completed)
		}
	}
}

// coalesce waits until wake has been quiet for quiet, or max has passed;
// it reports false when ctx ended first.
func coalesce(ctx context.Context, wake <-chan struct{}, quiet, max time.Duration) bool {
	deadline := time.NewTimer(max)
	defer deadline.Stop()
	q := time.NewTimer(quiet)
	defer q.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-wake:
			q.Reset(quiet)
		case <-q.C:
			return true
		case <-deadline.C:
			return true
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// reviewEvery is how often snoozes, plans and settlements are checked
// between sweeps.
const reviewEvery = 15 * time.Minute

// startScheduler runs the sweep on OWED_SWEEP_CRON and the review every
// 15 minutes, on the elected replica only.
func (a *App) startScheduler(ctx context.Context) (gocron.Scheduler, error) {
	s, err := gocron.NewScheduler(gocron.WithLocation(a.cfg.Location), gocron.WithDistributedElector(a.leader))
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	review := func(ctx context.Context) {
		if _, err := a.cases.Review(ctx, a.today()); err != nil {
			a.log.ErrorContext(ctx, "review failed", "error", err)
		}
	}
	single := gocron.WithSingletonMode(gocron.LimitModeReschedule)
	sweep, wallClock := sweepSchedule(a.cfg.SweepCron)
	if _, err := s.NewJob(sweep, gocron.NewTask(a.sweepNow), wallClock, gocron.WithName("sweep"), single); err != nil {
		return nil, fmt.Errorf("sweep job: %w", err)
	}
	if _, err := s.NewJob(gocron.DurationJob(reviewEvery), gocron.NewTask(review), gocron.WithName("review"), single); err != nil {
		return nil, fmt.Errorf("review job: %w", err)
	}
	s.Start()
	return s, nil
}

func (a *App) today() time.Time { return collections.DateIn(time.Now(), a.cfg.Location) }

// sweepNow runs the sweep as of today and logs what it did.
func (a *App) sweepNow(ctx context.Context) {
	res, err := a.cases.Sweep(ctx, a.today(), false)
	if err != nil {
		a.log.ErrorContext(ctx, "sweep failed", "error", err)
		return
	}
	a.log.InfoContext(ctx, "sweep done", "alerts", len(res.Alerts), "settled", res.Settled,
		"snoozes_ended", res.Reopened, "plans_broken", res.Broken, "plans_completed", res.Completed)
	a.sweepReminders(ctx, res.AsOf)
}
