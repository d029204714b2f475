package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/mail"
)

// emailing is owed's email side: the templates, the store's email
// service and, with an SMTP server, the dispatcher that sends.
type emailing struct {
	templates  *mail.Templates
	composer   *mail.Composer // nil: email is off
	emails     *postgres.EmailService
	dispatcher *mail.Dispatcher // nil: email is off
}

// newEmailing loads the templates (stopping on a broken one, named with
// its file and line) and sets up sending when an SMTP server is set.
func newEmailing(cfg Config, db *postgres.DB, cases *postgres.CaseService, opts AppOptions) (*emailing, error) {
	tmpls, err := mail.LoadTemplates(cfg.Mail.TemplatesDir)
	if err != nil {
		return nil, fmt.Errorf("reminder templates: %w", err)
	}
	e := &emailing{templates: tmpls}
	var composer collections.EmailComposer
	if cfg.Mail.On() {
		e.composer = &mail.Composer{Templates: tmpls, From: cfg.Mail.From, Bcc: cfg.Mail.Bcc, PaymentURL: cfg.Mail.PaymentURL}
		composer = e.composer
	}
	e.emails = postgres.NewEmailService(db, cases, postgres.EmailConfig{Composer: composer, Policy: cfg.Mail.Policy,
		RemindBefore: cfg.Mail.RemindBefore, GapDays: cfg.Mail.GapDays, Window: cfg.Mail.Window, Location: cfg.Location,
		Channel: cfg.Channel})
	if cfg.Mail.On() {
		e.dispatcher = &mail.Dispatcher{Emails: e.emails, Mailer: mail.NewMailer(*cfg.Mail.SMTP, cfg.Mail.Timeout),
			RetryBase: opts.EmailRetryBase, Lease: 4 * cfg.Mail.Timeout}
	}
	return e, nil
}

func runTemplates(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "templates", "templates\n\nLists the reminder templates and where each part comes from (built in, or a file of\nOWED_TEMPLATES_DIR), after checking them.")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("templates takes no arguments, got %q", joinArgs(pos))
	}
	t, err := mail.LoadTemplates(strings.TrimSpace(env.Getenv("OWED_TEMPLATES_DIR")))
	if err != nil {
		return err
	}
	for _, info := range t.List() {
		fmt.Fprintf(env.Stdout, "%-13s %s\n", info.Name, info.Purpose)
		for _, part := range mail.Parts() {
			fmt.Fprintf(env.Stdout, "  %-8s %s\n", part, info.Files[part])
		}
	}
	fmt.Fprintln(env.Stdout, "\nPreview one with: owed preview TEMPLATE CUSTOMER [--as-of DATE]")
	return nil
}

func runPreview(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "preview", "preview TEMPLATE CUSTOMER [--as-of DATE]\n\nPrints a reminder template rendered for a customer: subject, text and HTML.\nThe invoices are the overdue ones as of DATE (for courtesy, the ones not yet due),\nleaving out those in dispute; with none, it says so and exits 1. The email settings\n(OWED_MAIL_FROM, OWED_PAYMENT_URL, …) are checked as serve checks them.")
	asOfFlag := fs.String("as-of", "", "as of `DATE` (YYYY-MM-DD; default today in OWED_TIMEZONE)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usagef("preview needs a template and a customer: owed preview TEMPLATE CUSTOMER")
	}
	name, query := pos[0], joinArgs(pos[1:])
	if !collections.KnownTemplate(name) {
		return usagef("%q is not a template (the templates are %s)", name, strings.Join(collections.ReminderTemplates, ", "))
	}
	// The settings serve would refuse are refused here too, in its
	// words: a preview shows what serve would send.
	cfg, err := loadConfig(sweepEnv(env.Getenv), configNeeds{})
	if err != nil {
		return err
	}
	asOf, err := asOfDate(env, *asOfFlag)
	if err != nil {
		return err
	}
	t, err := mail.LoadTemplates(cfg.Mail.TemplatesDir)
	if err != nil {
		return err
	}
	sum, _, _, err := customerSummary(ctx, env, query, asOf)
	if err != nil {
		return err
	}
	c := sum.Customer
	if len(sum.Invoices) == 0 {
		return collections.Errorf(collections.ENOTFOUND, "%s owes nothing as of %s: there is nothing to remind.", c.Label(), asOf.Format(collections.DateLayout))
	}
	invoices := collections.TemplateInvoices(name, sum.Invoices)
	if len(invoices) == 0 {
		return collections.Errorf(collections.ENOTFOUND, "As of %s, %s", asOf.Format(collections.DateLayout), collections.NothingToRemind(name, c.Label()))
	}
	from := cfg.Mail.From
	if from == "" {
		from = "Accounts <accounts@example.com>"
	}
	composer := &mail.Composer{Templates: t, From: from, PaymentURL: cfg.Mail.PaymentURL}
	draft, err := composer.Compose(name, sum.Customer, invoices, asOf, "")
	if err != nil {
		return err
	}
	to := sum.Customer.Email
	if to == "" {
		to = "(no email on file)"
	}
	fmt.Fprintf(env.Stdout, "From: %s\nTo: %s\nSubject: %s\n\n%s\n--- HTML ---\n%s", from, to, draft.Subject, draft.Text, draft.HTML)
	return nil
}

// sendEmails runs the email dispatcher on the leader, woken when an
// email is queued (LISTEN/NOTIFY). The email being sent when ctx ends is
// finished before it returns.
func (a *App) sendEmails(ctx context.Context, d *mail.Dispatcher) {
	d.Log = a.log
	var wake <-chan struct{}
	l, err := a.db.Listen(ctx, postgres.EmailsChannel)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		a.log.WarnContext(ctx, "emails: no wake-ups from the database; looking for queued emails every 250 ms", "error", err)
	} else {
		defer l.Close()
		wake = l.Wake(postgres.EmailsChannel)
	}
	d.Run(ctx, a.leader.Leading, wake)
}

// sweepReminders makes the courtesy reminders (and, in auto, the stage
// emails) after a sweep, and logs what it did.
func (a *App) sweepReminders(ctx context.Context, asOf time.Time) {
	res, err := a.email.emails.SweepReminders(ctx, asOf)
	if err != nil {
		a.log.ErrorContext(ctx, "reminders failed", "error", err)
		return
	}
	if res.Courtesy+res.StageMail > 0 {
		a.log.InfoContext(ctx, "reminders", "courtesy", res.Courtesy, "emails", res.Emails, "held", res.Held, "stage_emails", res.StageMail)
	}
}

// printReminders says what a sweep's reminders did.
func printReminders(w io.Writer, m MailConfig, res collections.RemindersResult) {
	switch {
	case !m.On() || m.Policy == collections.RemindersOff:
		return
	case m.Policy == collections.RemindersApprove && res.Courtesy > 0:
		fmt.Fprintf(w, "Courtesy reminders: %d ready for Send all in Slack\n", res.Courtesy)
	case res.Courtesy+res.StageMail > 0:
		fmt.Fprintf(w, "Reminders: %d courtesy emails for %d invoices, %d with stage alerts, queued for `owed serve` to send\n",
			res.Emails, res.Courtesy, res.StageMail)
	}
}

// emailJSON is an email in `owed history --json`.
type emailJSON struct {
	MessageID  string `json:"message_id"`
	From       string `json:"from"`
	To         string `json:"to"`
	Bcc        string `json:"bcc,omitempty"`
	Subject    string `json:"subject"`
	Text       string `json:"text"`
	HTML       string `json:"html"`
	Template   string `json:"template"`
	SentBy     string `json:"sent_by"`
	SendAnyway bool   `json:"send_anyway,omitempty"`
	Status     string `json:"status"`
	QueuedAt   string `json:"queued_at"`
	SentAt     string `json:"sent_at,omitempty"`
	FailedAt   string `json:"failed_at,omitempty"`
	Answer     string `json:"answer,omitempty"`
}

// customerEmails returns a customer's emails by id, for the history.
func customerEmails(ctx context.Context, db *postgres.DB, customerID int64, loc *time.Location) (map[int64]emailJSON, error) {
	list, err := postgres.NewEmailService(db, postgres.NewCaseService(db, postgres.CaseConfig{}), postgres.EmailConfig{}).CustomerEmails(ctx, customerID)
	if err != nil {
		return nil, err
	}
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	out := make(map[int64]emailJSON, len(list))
	for _, e := range list {
		queued := e.QueuedAt
		out[e.ID] = emailJSON{MessageID: e.MessageID, From: e.From, To: e.To, Bcc: e.Bcc, Subject: e.Subject, Text: e.Text, HTML: e.HTML,
			Template: e.Template, SentBy: e.SentBy, SendAnyway: e.SendAnyway, Status: string(e.Status),
			QueuedAt: at(&queued), SentAt: at(e.SentAt), FailedAt: at(e.FailedAt), Answer: e.Answer}
	}
	return out, nil
}
