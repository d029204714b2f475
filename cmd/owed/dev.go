package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/demodata"
)

// localSandboxFile is where `owed dev` keeps the sandbox workspace.
const localSandboxFile = ".owed/sandbox.json"

func runDev(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dev", "dev\n\nRuns owed against the built-in Slack sandbox: a local Postgres under .owed/ (unless\nDATABASE_URL is set), the demo data set when the database is empty, and the real\nbot in HTTP mode. The sandbox workspace (channel, threads, DMs) is kept in\n.owed/sandbox.json. Open the printed URL to try it; OWED_ADDR sets the address.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return dev(ctx, env, devOptions{sandboxFile: localSandboxFile})
}

// devOptions adapt `owed dev` for tests.
type devOptions struct {
	// sandboxFile keeps the sandbox workspace across restarts.
	sandboxFile string
	// started, when set, is called with the sandbox once owed is serving.
	started func(*sandbox.Server)
}

func dev(ctx context.Context, env *Env, opts devOptions) error {
	// The workspace is taken first, and given back last, after the
	// sandbox's final save.
	lock, err := lockWorkspace(opts.sandboxFile)
	if err != nil {
		return err
	}
	defer lock.release()
	url, stopDB, err := databaseURL(ctx, env, true)
	if err != nil {
		return err
	}
	defer stopDB()
	addr := env.Getenv("OWED_ADDR")
	if addr == "" {
		addr = "localhost:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return collections.Errorf(collections.EINVALID, "cannot listen on %s: %v (is another owed running? set OWED_ADDR, e.g. OWED_ADDR=localhost:8081)", addr, err)
	}
	base := "http://" + browsable(ln.Addr().String())
	lock.tell(fmt.Sprintf("pid %d, %s", os.Getpid(), base))

	secret, botToken, appToken := randomToken("sandbox-secret-"), randomToken("xoxb-sandbox-"), randomToken("xapp-sandbox-")
	sbCfg := sandbox.DemoConfig()
	sbCfg.BotToken, sbCfg.AppToken, sbCfg.SigningSecret = botToken, appToken, secret
	sbCfg.BotUserID, sbCfg.BotID, sbCfg.BotName, sbCfg.AppID = "U0OWEDBOT", "B0OWED", "owed", "A0OWED"
	sbCfg.CommandURL, sbCfg.InteractionURL = base+"/slack/commands", base+"/slack/interactions"
	sb := sandbox.New(sbCfg)
	defer sb.Close()
	// Slack has an address of its own, the page stays on owed's: at Ctrl-C
	// owed stops taking requests first, and the messages it still sends
	// before it stops reach Slack.
	slackURL, stopSlack, err := serveSandboxAPI(sb)
	if err != nil {
		return err
	}
	defer stopSlack()
	sb.SetBaseURL(slackURL)
	smtpAddr, err := sb.StartSMTP("127.0.0.1:0")
	if err != nil {
		return err
	}

	getenv := func(k string) string {
		switch k {
		case "DATABASE_URL":
			return url
		case "SLACK_BOT_TOKEN":
			return botToken
		case "SLACK_SIGNING_SECRET":
			return secret
		case "SLACK_APP_TOKEN":
			return ""
		case "SLACK_API_URL":
			return slackURL + "/api/"
		case "OWED_CHANNEL":
			return sandbox.DemoChannel
		case "OWED_APPROVERS":
			return sandbox.DemoApprover + "," + sandbox.DemoApprovers
		case "OWED_ADDR":
			return ln.Addr().String()
		}
		if v := env.Getenv(k); v != "" || devMail[k] == "" {
			return v
		}
		if k == "OWED_SMTP_URL" {
			return "smtp://" + smtpAddr
		}
		return devMail[k]
	}
	cfg, err := loadConfig(getenv, configNeeds{database: true, slack: true, approve: true})
	if err != nil {
		return err
	}
	log := newLogger(env.Stderr, cfg.LogJSON)
	app, err := NewApp(ctx, cfg, log, AppOptions{Listener: ln, Extra: sb.Handler(), SweepAtStart: true})
	if err != nil {
		return err
	}
	if err := sb.KeepState(opts.sandboxFile, databaseIdentity(ctx, app.DB()), log); err != nil {
		app.DB().Close()
		return err
	}
	outbox := postgres.NewOutboxService(app.DB())
	sb.SetBacklog(outbox.PendingOutboxItems)
	// Ctrl-C ends the page's long polls at once, so that the server stops
	// without waiting for them; the sandbox keeps answering the bot (and
	// taking its emails) until it has stopped, then the deferred Close
	// saves the workspace.
	defer context.AfterFunc(ctx, sb.EndPolls)()
	loaded, err := loadDemoData(ctx, app.DB(), collections.DateIn(time.Now(), cfg.Location), []string{sandbox.DemoMember, sandbox.DemoApprover, sandbox.DemoApprover2})
	if err != nil {
		return err
	}
	data := "the existing data in the database"
	if loaded {
		data = "the demo data set (just loaded)"
	}
	fmt.Fprintf(env.Stdout, "\n  owed is running against the Slack sandbox, with %s.\n\n", data)
	fmt.Fprintf(env.Stdout, "  Open %s\n\n", base)
	fmt.Fprintf(env.Stdout, "  Try /owed acme, then the buttons on an alert; switch members (bottom left) to approve.\n")
	fmt.Fprintf(env.Stdout, "  Send reminder emails the customer: the Mailbox in the sidebar shows what they get.\n")
	fmt.Fprintf(env.Stdout, "  Press Ctrl+C to stop. Data stays in .owed/ for next time.\n\n")
	if opts.started != nil {
		opts.started(sb)
	}
	return app.Run(ctx)
}

// serveSandboxAPI serves the sandbox (its Web API, response URLs) on a
// loopback port of its own, until stop, which waits for the calls in
// flight.
func serveSandboxAPI(sb *sandbox.Server) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen for the sandbox's Web API: %w", err)
	}
	srv := newHTTPServer(sb.Handler())
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	return "http://" + ln.Addr().String(), func() {
		shutdown(srv)
		<-served
	}, nil
}

// devMail are the email settings of the sandbox, unless the environment
// sets them: the sandbox's own SMTP server, a sender, demo pay links, and
// no send window, so that a reminder shows in the Mailbox at any hour.
var devMail = map[string]string{
	"OWED_SMTP_URL":    "(the sandbox's SMTP server)",
	"OWED_MAIL_FROM":   "Acme Finance Accounts <ar@acme-finance.example>",
	"OWED_PAYMENT_URL": "https://pay.acme-finance.example/{invoice}?amount={amount}&currency={currency}",
	"OWED_SEND_WINDOW": "always",
}

// browsable turns a listen address into one a browser can open.
func browsable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" || host == "127.0.0.1" || host == "::1" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func randomToken(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// loadDemoData imports the demo data set through the CSV importer when the
// ledger has no customers yet, and reports whether it did.
func loadDemoData(ctx context.Context, db *postgres.DB, today time.Time, owners []string) (bool, error) {
	var empty bool
	if err := db.GetContext(ctx, &empty, `SELECT NOT EXISTS (SELECT 1 FROM customers)`); err != nil {
		return false, fmt.Errorf("check for data: %w", err)
	}
	if !empty {
		return false, nil
	}
	files := demodata.Generate(today, owners)
	imports := postgres.NewImportService(db)
	for _, f := range []struct {
		kind collections.ImportKind
		data []byte
	}{{collections.ImportCustomers, files.Customers}, {collections.ImportInvoices, files.Invoices}, {collections.ImportPayments, files.Payments}} {
		name := "demo-" + string(f.kind) + ".csv"
		rows, err := collections.NewRowReader(bytes.NewReader(f.data), name, f.kind)
		if err != nil {
			return false, fmt.Errorf("demo data: %w", err)
		}
		if _, err := imports.Import(ctx, f.kind, rows, collections.ImportOptions{File: name, Today: today}); err != nil {
			return false, fmt.Errorf("demo data: %w", err)
		}
	}
	return true, nil
}

// databaseIdentity names the database the sandbox workspace belongs to:
// its cluster's system identifier and its name, so that a workspace saved
// against another database (or a cluster made afresh) is not shown.
func databaseIdentity(ctx context.Context, db *postgres.DB) string {
	var id string
	err := db.GetContext(ctx, &id, `SELECT (SELECT system_identifier::text FROM pg_control_system()) || '/' || current_database()`)
	if err != nil {
		db.GetContext(ctx, &id, `SELECT current_database()`)
	}
	return id
}
