package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
)

// drainPoll is how often `owed sweep --wait` looks at the queue.
const drainPoll = 200 * time.Millisecond

func runSweep(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "sweep", "sweep [--as-of DATE] [--dry-run] [--wait]\n\n"+
		"Runs the overdue sweep once and queues its alerts in the database; the running owed server\n"+
		"(`owed serve`, or `make run`) posts them, showing each case as it is now. With no server\n"+
		"running and SLACK_BOT_TOKEN set, the command posts them itself before it exits. Without\n"+
		"DATABASE_URL it works on the local database of `make run` (under .owed/). --dry-run prints\n"+
		"the alerts and the reminder emails it would queue, and changes nothing.")
	asOfFlag := fs.String("as-of", "", "sweep as of `DATE` (YYYY-MM-DD; default today in OWED_TIMEZONE)")
	dryRun := fs.Bool("dry-run", false, "print the alerts and reminders the sweep would queue; change nothing")
	wait := fs.Bool("wait", false, "wait until the running server has posted every queued message")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	asOf, err := asOfDate(env, *asOfFlag)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(sweepEnv(env.Getenv), configNeeds{})
	if err != nil {
		return err
	}
	if cfg.Channel == "" && !*dryRun {
		return collections.Errorf(collections.EINVALID, "OWED_CHANNEL is not set (the ID of the collections channel, like C0123ABCD)")
	}
	open := openDB
	if *dryRun {
		open = openReadOnlyDB // a dry run changes nothing, not even the schema
	}
	db, err := open(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	// Whether a server leads as the messages are queued: it is woken by
	// them and posts them (it may even be done before this command
	// finishes).
	running := false
	if !*dryRun {
		if running, err = serverRunning(ctx, db); err != nil {
			return err
		}
		if *wait && !running {
			return collections.Errorf(collections.EINVALID, "--wait: no owed server is running to post the alerts; nothing was swept")
		}
	}
	// Today is today, whatever --as-of says: a sweep as of a past date
	// replays the alerts due then, but what is live (which cases end, what
	// they show) goes by today.
	cases := postgres.NewCaseService(db, postgres.CaseConfig{Stages: cfg.Stages, Channel: cfg.Channel, GraceDays: cfg.GraceDays,
		PromiseGraceDays: cfg.PromiseGrace, Today: func() time.Time { return collections.DateIn(time.Now(), cfg.Location) }})
	res, err := cases.Sweep(ctx, asOf, *dryRun)
	if err != nil {
		return err
	}
	printSweep(env.Stdout, res, *dryRun)
	if *dryRun {
		return dryRunReminders(ctx, env.Stdout, cfg, db, cases, asOf, res)
	}
	email, err := newEmailing(cfg, db, cases, AppOptions{})
	if err != nil {
		return err
	}
	rem, err := email.emails.SweepReminders(ctx, asOf)
	if err != nil {
		return err
	}
	printReminders(env.Stdout, cfg.Mail, rem) // the running server sends them
	outbox := postgres.NewOutboxService(db)
	queued, err := outbox.PendingOutboxItems(ctx)
	if err != nil {
		return err
	}
	switch {
	case queued == 0 && running && len(res.Alerts) > 0:
		// The running server was quicker than this command.
		fmt.Fprintln(env.Stdout, "The running owed server has posted them already.\nAll posted.")
		return nil
	case queued == 0:
		return nil
	case !running && cfg.BotToken != "":
		return postQueued(ctx, env, cfg, db, cases, queued)
	case !running:
		fmt.Fprintf(env.Stdout, "%s queued. No owed server is running: they go out when `owed serve` (or `make run`) runs,\n"+
			"or when `owed sweep` runs with SLACK_BOT_TOKEN set.\n", messages(queued))
		return nil
	case !*wait:
		fmt.Fprintf(env.Stdout, "%s queued; the running owed server is posting them.\n", messages(queued))
		return nil
	}
	fmt.Fprintf(env.Stdout, "%s queued; waiting for the running owed server to post them…\n", messages(queued))
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for queued > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s still queued (the server keeps posting them): %w", messages(queued), ctx.Err())
		case <-tick.C:
		}
		if queued, err = outbox.PendingOutboxItems(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintln(env.Stdout, "All posted.")
	return nil
}

// postQueued posts what is queued itself, as the server would, when no
// server runs: it takes the lead (so that a server starting meanwhile
// waits), sends until the queue is empty, and gives the lead back. It
// gives up, leaving the rest queued for the server, when Slack does not
// take the messages within their pace plus postPatience.
func postQueued(ctx context.Context, env *Env, cfg Config, db *postgres.DB, cases *postgres.CaseService, queued int) error {
	leader := postgres.NewLeader(db)
	defer leader.Resign()
	if err := leader.IsLeader(ctx); err != nil {
		fmt.Fprintf(env.Stdout, "%s queued; an owed server has just started and is posting them.\n", messages(queued))
		return nil
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b := bot.New(bot.Options{
		Slack:  slack.New(cfg.BotToken, slack.OptionAPIURL(cfg.APIURL), slack.OptionHTTPClient(bot.HTTPClient(cfg.SlackTimeout, log))),
		Ledger: postgres.NewLedgerService(db), Cases: cases, Outbox: postgres.NewOutboxService(db),
		Channel: cfg.Channel, Approvers: cfg.Approvers, Location: cfg.Location, Logger: log, CallTimeout: cfg.SlackTimeout,
	})
	if err := b.Start(ctx); err != nil {
		return fmt.Errorf("%s queued, not posted (they go out when `owed serve` runs): %w", messages(queued), err)
	}
	fmt.Fprintf(env.Stdout, "%s queued. No owed server is running: posting them now…\n", messages(queued))
	sendCtx, stop := context.WithCancel(ctx)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		b.RunSender(sendCtx, leader.Leading)
	}()
	defer func() {
		stop()
		<-sent
	}()
	outbox := postgres.NewOutboxService(db)
	deadline := time.Now().Add(time.Duration(queued)*time.Second + postPatience)
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for left := queued; left > 0; {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s still queued (they go out when `owed serve` runs): %w", messages(left), ctx.Err())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s could not be posted yet: they stay queued and go out when `owed serve` runs", messages(left))
		}
		var err error
		if left, err = outbox.PendingOutboxItems(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintln(env.Stdout, "All posted.")
	return nil
}

// devQueueSMTP turns email on for `owed sweep` on the local database: a
// server that cannot exist (.invalid), as the sweep never sends.
const devQueueSMTP = "smtp://sandbox.invalid:25"

// postPatience is how long `owed sweep` waits for Slack beyond the pace of
// what it posts (one message per second).
const postPatience = 30 * time.Second

// sweepEnv is the environment of `owed sweep` and `owed preview`: on the
// local database of `make run` (no DATABASE_URL), what owed dev sets
// applies unless the environment says otherwise: alerts go to the
// sandbox's channel, and emails are written as owed dev writes them (its
// sender, its pay-now links), and email is on.
func sweepEnv(getenv func(string) string) func(string) string {
	return func(k string) string {
		v := getenv(k)
		if v != "" || getenv("DATABASE_URL") != "" {
			return v
		}
		switch k {
		case "OWED_CHANNEL":
			return sandbox.DemoChannel
		case "OWED_MAIL_FROM", "OWED_PAYMENT_URL":
			return devMail[k]
		case "OWED_SMTP_URL":
			// Email is on, as in owed dev: the sweep only queues emails,
			// and owed dev sends them through the sandbox's SMTP server
			// (whose port is its own). No server is ever reached here.
			return devQueueSMTP
		}
		return v
	}
}

// serverRunning reports whether an owed server leads (holds the leader
// lock), and so sends what is queued.
func serverRunning(ctx context.Context, db *postgres.DB) (bool, error) {
	return postgres.Led(ctx, db)
}

func messages(n int) string {
	if n == 1 {
		return "1 Slack message"
	}
	return fmt.Sprintf("%d Slack messages", n)
}

func printSweep(w io.Writer, res collections.SweepResult, dryRun bool) {
	verb := "queued"
	if dryRun {
		verb = "would post"
	}
	noun := "alerts"
	if len(res.Alerts) == 1 {
		noun = "alert"
	}
	fmt.Fprintf(w, "Sweep as of %s: %s %d %s\n", res.AsOf.Format(collections.DateLayout), verb, len(res.Alerts), noun)
	for _, a := range res.Alerts {
		kind := map[collections.SweepDecisionKind]string{collections.DecideNewCase: "new", collections.DecideStage: "next stage",
			collections.DecideSnoozeEnded: "snooze ended", collections.DecideFollowUpDue: "follow-up due"}[a.Why]
		fmt.Fprintf(w, "  %-32s stage %-3d oldest %8s overdue  %s (%s)\n", a.Customer.Label(), a.Stage, collections.Plural(a.OldestDays, "day", "days"),
			collections.OverdueText(a.Overdue), kind)
	}
	if !dryRun && (res.Settled+res.Reopened+res.Broken+res.Completed) > 0 {
		fmt.Fprintf(w, "Also: %d settled, %d snoozes ended, %d plans broken, %d plans completed\n", res.Settled, res.Reopened, res.Broken, res.Completed)
	}
}

// dryRunReminders prints the reminders a sweep that raised res's alerts
// would queue under OWED_REMINDERS, writing nothing.
func dryRunReminders(ctx context.Context, w io.Writer, cfg Config, db *postgres.DB, cases *postgres.CaseService, asOf time.Time, res collections.SweepResult) error {
	if !cfg.Mail.On() || cfg.Mail.Policy == collections.RemindersOff {
		return nil
	}
	email, err := newEmailing(cfg, db, cases, AppOptions{})
	if err != nil {
		return err
	}
	plan, err := email.emails.PlanReminders(ctx, asOf, res.Alerts)
	if err != nil {
		return err
	}
	printPlannedReminders(w, cfg.Mail.Policy, plan)
	return nil
}

// printPlannedReminders lists the reminders of a dry run: each customer,
// template, address and invoices; the ones held back, and why.
func printPlannedReminders(w io.Writer, policy collections.ReminderPolicy, plan []collections.PlannedReminder) {
	var queued, held []collections.PlannedReminder
	for _, p := range plan {
		if p.HeldBack == "" {
			queued = append(queued, p)
		} else {
			held = append(held, p)
		}
	}
	switch {
	case policy == collections.RemindersApprove && len(queued) == 0:
		fmt.Fprintln(w, "Courtesy reminders: none would be made ready")
	case policy == collections.RemindersApprove:
		invoices := 0
		for _, p := range queued {
			invoices += len(p.Invoices)
		}
		fmt.Fprintf(w, "Courtesy reminders: would make %s ready for Send all in Slack (nothing is emailed until someone presses it)\n",
			collections.Plural(invoices, "invoice", "invoices"))
	case len(queued) == 0:
		fmt.Fprintln(w, "Reminders: would queue no email")
	default:
		fmt.Fprintf(w, "Reminders: would queue %s\n", collections.Plural(len(queued), "email", "emails"))
	}
	list := func(ps []collections.PlannedReminder) {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, p := range ps {
			note := p.HeldBack
			switch {
			case note != "":
			case p.Stage > 0:
				note = fmt.Sprintf("with the stage %d alert", p.Stage)
			default:
				note = "before the due date"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.Customer.Label(), p.Template, p.To, strings.Join(p.Invoices, ", "), note)
		}
		tw.Flush()
	}
	list(queued)
	if len(held) > 0 {
		fmt.Fprintf(w, "Held back: %s\n", collections.Plural(len(held), "email", "emails"))
		list(held)
	}
}
