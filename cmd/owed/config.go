package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/mail"
)

// Config is owed's configuration, read from the environment.
type Config struct {
	DatabaseURL   string
	BotToken      string
	SigningSecret string
	AppToken      string // set: Socket Mode
	APIURL        string
	Channel       string
	Approvers     []string
	Location      *time.Location
	SweepCron     string
	Stages        []int
	Addr          string
	GraceDays     int
	PromiseGrace  int // days after a promised date before the promise is broken
	LogJSON       bool
	SlackTimeout  time.Duration // bounds each Slack Web API call
	Mail          MailConfig
}

// MailConfig is how owed emails customers.
type MailConfig struct {
	SMTP         *mail.Server // nil: email is off
	From         string
	Bcc          string
	PaymentURL   string
	Policy       collections.ReminderPolicy
	RemindBefore int
	GapDays      int
	Window       collections.SendWindow
	TemplatesDir string
	// Timeout bounds one delivery (OWED_SMTP_TIMEOUT); an email being sent
	// is leased for four times as long.
	Timeout time.Duration
}

// On reports whether an SMTP server is set up.
func (m MailConfig) On() bool { return m.SMTP != nil }

// SocketMode reports whether the bot connects over Socket Mode.
func (c Config) SocketMode() bool { return c.AppToken != "" }

// configNeeds says which settings a command cannot do without.
type configNeeds struct {
	database bool // DATABASE_URL (serve; other commands may use the local database)
	slack    bool // SLACK_BOT_TOKEN, OWED_CHANNEL
	approve  bool // OWED_APPROVERS, SLACK_SIGNING_SECRET in HTTP mode
}

var (
	channelID  = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)
	approverID = regexp.MustCompile(`^[UWS][A-Z0-9]{2,}$`)
)

// loadConfig reads the environment and reports every missing or malformed
// setting at once.
func loadConfig(getenv func(string) string, needs configNeeds) (Config, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	cfg := Config{
		DatabaseURL: get("DATABASE_URL", ""), BotToken: get("SLACK_BOT_TOKEN", ""),
		SigningSecret: get("SLACK_SIGNING_SECRET", ""), AppToken: get("SLACK_APP_TOKEN", ""),
		APIURL: get("SLACK_API_URL", "https://slack.com/api/"), Channel: get("OWED_CHANNEL", ""),
		SweepCron: get("OWED_SWEEP_CRON", "0 9 * * 1-5"), Addr: get("OWED_ADDR", ":8080"),
		LogJSON: strings.EqualFold(get("OWED_LOG_FORMAT", "text"), "json"),
	}
	if needs.database && cfg.DatabaseURL == "" {
		bad("DATABASE_URL is not set (a Postgres URL, e.g. postgres://owed@db/owed)")
	}
	if needs.slack {
		switch {
		case cfg.BotToken == "":
			bad("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…, from OAuth & Permissions)")
		case !strings.HasPrefix(cfg.BotToken, "xoxb-"):
			bad("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
		}
		switch {
		case cfg.Channel == "":
			bad("OWED_CHANNEL is not set (the ID of the collections channel, like C0123ABCD)")
		case !channelID.MatchString(cfg.Channel):
			bad("OWED_CHANNEL %q is not a channel ID (like C0123ABCD; not the #name)", cfg.Channel)
		}
	}
	if cfg.AppToken != "" && !strings.HasPrefix(cfg.AppToken, "xapp-") {
		bad("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
	}
	if needs.approve {
		if cfg.AppToken == "" && cfg.SigningSecret == "" {
			bad("SLACK_SIGNING_SECRET is not set (Basic Information → Signing Secret; needed without SLACK_APP_TOKEN)")
		}
		raw := get("OWED_APPROVERS", "")
		if raw == "" {
			bad("OWED_APPROVERS is not set (comma-separated Slack user IDs U… and/or user group IDs S…)")
		}
		for _, id := range strings.Split(raw, ",") {
			if id = strings.TrimSpace(id); id == "" {
				continue
			}
			if !approverID.MatchString(id) {
				bad("OWED_APPROVERS: %q is not a user ID (U…) or user group ID (S…)", id)
				continue
			}
			cfg.Approvers = append(cfg.Approvers, id)
		}
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	loc, err := businessLocation(getenv)
	if err != nil {
		bad("%s", collections.ErrorMessage(err))
		loc = time.UTC
	}
	cfg.Location = loc
	if _, err := cron.ParseStandard(cfg.SweepCron); err != nil {
		bad("OWED_SWEEP_CRON %q is not a cron schedule (minute hour day month weekday, like \"0 9 * * 1-5\")", cfg.SweepCron)
	}
	stages := get("OWED_STAGES", "1,7,14,30,60,90")
	if cfg.Stages, err = collections.ParseStages(stages); err != nil {
		bad("OWED_STAGES %q: %s", stages, collections.ErrorMessage(err))
	}
	promiseGrace := get("OWED_PROMISE_GRACE_DAYS", "2")
	if cfg.PromiseGrace, err = strconv.Atoi(promiseGrace); err != nil || cfg.PromiseGrace < 0 {
		bad("OWED_PROMISE_GRACE_DAYS %q is not a whole number of days", promiseGrace)
	}
	grace := get("OWED_PLAN_GRACE_DAYS", "3")
	if cfg.GraceDays, err = strconv.Atoi(grace); err != nil || cfg.GraceDays < 0 {
		bad("OWED_PLAN_GRACE_DAYS %q is not a whole number of days", grace)
	}
	timeout := get("OWED_SLACK_TIMEOUT", "10s")
	if cfg.SlackTimeout, err = time.ParseDuration(timeout); err != nil || cfg.SlackTimeout <= 0 {
		bad("OWED_SLACK_TIMEOUT %q is not a duration (like 10s)", timeout)
	}
	cfg.Mail = loadMailConfig(get, bad)
	if len(problems) > 0 {
		return cfg, collections.Errorf(collections.EINVALID, "the configuration is incomplete:\n  - %s", strings.Join(problems, "\n  - "))
	}
	return cfg, nil
}

// loadMailConfig reads the email settings, reporting each problem.
func loadMailConfig(get func(name, def string) string, bad func(format string, args ...any)) MailConfig {
	var m MailConfig
	if raw := get("OWED_SMTP_URL", ""); raw != "" {
		srv, err := mail.ParseServerURL(raw)
		if err != nil {
			bad("OWED_SMTP_URL %s", collections.ErrorMessage(err))
		} else {
			m.SMTP = &srv
		}
	}
	m.From = get("OWED_MAIL_FROM", "")
	switch {
	case m.From == "" && m.SMTP != nil:
		bad("OWED_MAIL_FROM is not set (who reminders come from, like \"Acme Accounts <ar@acme.example>\"; needed with OWED_SMTP_URL)")
	case m.From != "":
		if _, err := mail.ParseAddress(m.From); err != nil {
			bad("OWED_MAIL_FROM: %s", collections.ErrorMessage(err))
		}
	}
	if m.Bcc = get("OWED_MAIL_BCC", ""); m.Bcc != "" {
		if _, err := mail.ParseAddress(m.Bcc); err != nil {
			bad("OWED_MAIL_BCC: %s", collections.ErrorMessage(err))
		}
	}
	if m.PaymentURL = get("OWED_PAYMENT_URL", ""); m.PaymentURL != "" {
		if err := mail.CheckPaymentURL(m.PaymentURL); err != nil {
			bad("OWED_PAYMENT_URL: %s", collections.ErrorMessage(err))
		}
	}
	var err error
	policy := get("OWED_REMINDERS", string(collections.RemindersApprove))
	if m.Policy, err = collections.ParseReminderPolicy(policy); err != nil {
		bad("OWED_REMINDERS %s", collections.ErrorMessage(err))
	}
	before := get("OWED_REMIND_BEFORE", "3")
	if m.RemindBefore, err = strconv.Atoi(before); err != nil || m.RemindBefore < 0 {
		bad("OWED_REMIND_BEFORE %q is not a whole number of days", before)
	}
	gap := get("OWED_CONTACT_GAP_DAYS", "5")
	if m.GapDays, err = strconv.Atoi(gap); err != nil || m.GapDays < 0 {
		bad("OWED_CONTACT_GAP_DAYS %q is not a whole number of days", gap)
	}
	window := get("OWED_SEND_WINDOW", collections.DefaultSendWindow)
	if m.Window, err = collections.ParseSendWindow(window); err != nil {
		bad("OWED_SEND_WINDOW %s", collections.ErrorMessage(err))
	}
	m.TemplatesDir = get("OWED_TEMPLATES_DIR", "")
	timeout := get("OWED_SMTP_TIMEOUT", "30s")
	if m.Timeout, err = time.ParseDuration(timeout); err != nil || m.Timeout <= 0 {
		bad("OWED_SMTP_TIMEOUT %q is not a duration (like 30s)", timeout)
	}
	return m
}
