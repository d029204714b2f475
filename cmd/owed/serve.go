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

	"github.com/owedhq/owed/bot"
	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
)

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "serve", "serve\n\nRuns the bot: HTTP server (Slack request URLs, /healthz, /readyz, /metrics) and the\nscheduler. Socket Mode when SLACK_APP_TOKEN is set. Settings come from the environment.")
	if _, err := parseArgs(fs, args); err != nil {
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
	cases    *postgres.CaseService
	bot      *bot.Bot
	leader   *postgres.Leader
	listener net.Listener
	opts     AppOptions
}

// AppOptions adapt an App for `owed dev` and tests.
type AppOptions struct {
	// Listener replaces listening on cfg.Addr.
	Listener net.Listener
	// Extra serves every path the bot does not (the sandbox uses it).
	Extra http.Handler
	// SweepAtStart runs the sweep once as soon as the app is up.
	SweepAtStart bool
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
	today := func() time.Time { return collections.DateIn(time.Now(), cfg.Location) }
	cases := postgres.NewCaseService(db, postgres.CaseConfig{Stages: cfg.Stages, Channel: cfg.Channel, GraceDays: cfg.GraceDays,
		PromiseGraceDays: cfg.PromiseGrace, Today: today})
	slackOpts := []slack.Option{slack.OptionAPIURL(cfg.APIURL)}
	if cfg.AppToken != "" {
		slackOpts = append(slackOpts, slack.OptionAppLevelToken(cfg.AppToken))
	}
	b := bot.New(bot.Options{
		Slack:  slack.New(cfg.BotToken, slackOpts...),
		Ledger: postgres.NewLedgerService(db), Cases: cases, Outbox: postgres.NewOutboxService(db),
		SigningSecret: cfg.SigningSecret, Channel: cfg.Channel, Approvers: cfg.Approvers,
		Location: cfg.Location, Logger: log,
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
			db.Close()
			return nil, fmt.Errorf("listen on %s: %w (set OWED_ADDR to use another address)", cfg.Addr, err)
		}
	}
	return &App{cfg: cfg, log: log, db: db, cases: cases, bot: b, leader: postgres.NewLeader(db), listener: ln, opts: opts}, nil
}

// Addr is the address the HTTP server listens on.
func (a *App) Addr() string { return a.listener.Addr().String() }

// DB is the app's database.
func (a *App) DB() *postgres.DB { return a.db }

// Run serves until ctx ends, then shuts down gracefully: the HTTP server
// finishes its requests, the scheduler its jobs, and the lead is released.
func (a *App) Run(ctx context.Context) error {
	defer a.db.Close()
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
	errc := make(chan error, 2)
	go func() {
		if err := srv.Serve(a.listener); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http server: %w", err)
		}
	}()
	if err := a.bot.Start(ctx); err != nil {
		shutdown(srv)
		return err
	}
	sched, err := a.startScheduler(ctx)
	if err != nil {
		shutdown(srv)
		return err
	}
	defer sched.Shutdown()
	if a.opts.SweepAtStart {
		go a.sweepNow(ctx)
	}
	go a.bot.RunSender(ctx, a.leader.Leading)
	if a.cfg.SocketMode() {
		client := socketmode.New(slack.New(a.cfg.BotToken, slack.OptionAPIURL(a.cfg.APIURL), slack.OptionAppLevelToken(a.cfg.AppToken)))
		go func() {
			if err := a.bot.RunSocketMode(ctx, client); ctx.Err() == nil {
				errc <- fmt.Errorf("socket mode: %w", err)
			}
		}()
	}
	mode := "HTTP request URLs"
	if a.cfg.SocketMode() {
		mode = "Socket Mode"
	}
	a.log.Info("owed is serving", "addr", a.Addr(), "mode", mode, "channel", a.cfg.Channel)

	select {
	case <-ctx.Done():
	case err := <-errc:
		a.log.Error("stopping", "error", err)
		shutdown(srv)
		return err
	}
	a.log.Info("shutting down")
	shutdown(srv)
	a.bot.Wait()
	return nil
}

func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
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
	if _, err := s.NewJob(gocron.CronJob(a.cfg.SweepCron, false), gocron.NewTask(a.sweepNow), gocron.WithName("sweep"), single); err != nil {
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
}

func runSweep(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "sweep", "sweep [--as-of DATE] [--dry-run]\n\nRuns the overdue sweep once and posts its alerts. --dry-run prints them and posts nothing.")
	asOfFlag := fs.String("as-of", "", "sweep as of `DATE` (YYYY-MM-DD; default today in OWED_TIMEZONE)")
	dryRun := fs.Bool("dry-run", false, "print the alerts the sweep would post; change and post nothing")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("sweep takes no arguments, got %q", joinArgs(pos))
	}
	cfg, err := loadConfig(env.Getenv, configNeeds{slack: !*dryRun})
	if err != nil {
		return err
	}
	asOf, err := asOfDate(env, *asOfFlag)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	cases := postgres.NewCaseService(db, postgres.CaseConfig{Stages: cfg.Stages, Channel: cfg.Channel, GraceDays: cfg.GraceDays,
		PromiseGraceDays: cfg.PromiseGrace,
		Today:            func() time.Time { return asOf }})
	res, err := cases.Sweep(ctx, asOf, *dryRun)
	if err != nil {
		return err
	}
	printSweep(env.Stdout, res, *dryRun)
	if *dryRun {
		return nil
	}
	b := bot.New(bot.Options{
		Slack:  slack.New(cfg.BotToken, slack.OptionAPIURL(cfg.APIURL)),
		Ledger: postgres.NewLedgerService(db), Cases: cases, Outbox: postgres.NewOutboxService(db),
		Channel: cfg.Channel, Approvers: cfg.Approvers, Location: cfg.Location,
		Logger: newLogger(env.Stderr, cfg.LogJSON),
		// Alerts show days overdue as of the sweep's date.
		Now: func() time.Time {
			y, m, d := asOf.Date()
			return time.Date(y, m, d, 12, 0, 0, 0, cfg.Location)
		},
	})
	drainCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := b.Drain(drainCtx); err != nil {
		return fmt.Errorf("post alerts: %w (they stay queued; `owed serve` sends them)", err)
	}
	return nil
}

func printSweep(w io.Writer, res collections.SweepResult, dryRun bool) {
	verb := "posted"
	if dryRun {
		verb = "would post"
	}
	fmt.Fprintf(w, "Sweep as of %s: %s %d alerts\n", res.AsOf.Format(collections.DateLayout), verb, len(res.Alerts))
	for _, a := range res.Alerts {
		kind := "new"
		if !a.New {
			kind = "next stage"
		}
		fmt.Fprintf(w, "  %-32s stage %-3d oldest %3d days overdue  %s (%s)\n", a.Customer.Label(), a.Stage, a.OldestDays,
			collections.OverdueText(a.Overdue), kind)
	}
	if !dryRun && (res.Settled+res.Reopened+res.Broken+res.Completed) > 0 {
		fmt.Fprintf(w, "Also: %d settled, %d snoozes ended, %d plans broken, %d plans completed\n", res.Settled, res.Reopened, res.Broken, res.Completed)
	}
}
