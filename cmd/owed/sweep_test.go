package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
)

const sweepLedger = `number,customer,currency,amount,issued_on,due_on
A-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01
B-1,Bluebird Bakery,EUR,30.00,2026-06-01,2026-06-25
C-1,Current Co,USD,10.00,2026-06-01,2026-07-31
`

func TestSweep_DryRunPrintsAlertsAndPostsNothing(t *testing.T) {
	c := newCLI(t)
	c.must("import", "invoices", c.file("ledger.csv", sweepLedger))
	out := c.must("sweep", "--as-of", "2026-06-30", "--dry-run")
	// ACME is 60 days overdue (stage 60), Bluebird 5 (stage 1), Current Co not due.
	if !strings.Contains(out, "would post 2 alerts") || !strings.Contains(out, "ACME Corp.") ||
		!strings.Contains(out, "stage 60") || !strings.Contains(out, "Bluebird Bakery") || strings.Contains(out, "Current Co") {
		t.Errorf("dry run output:\n%s", out)
	}
	if !strings.Contains(out, "oldest  60 days overdue") || !strings.Contains(out, "oldest   5 days overdue") {
		t.Errorf("days overdue in the dry run:\n%s", out)
	}
	out = c.must("sweep", "--as-of", "2026-06-30", "--dry-run")
	if !strings.Contains(out, "would post 2 alerts") {
		t.Errorf("a dry run changed what the next sweep does:\n%s", out)
	}
	if out := c.must("sweep", "--as-of", "2026-06-26", "--dry-run"); !strings.Contains(out, "oldest    1 day overdue") {
		t.Errorf("one day overdue:\n%s", out)
	}
}

// TestSweep_WithNoServerPostsItselfWhenSlackIsConfigured: `owed sweep`
// run on its own, with the Slack settings, posts what it queued before it
// exits, at Slack's pace; run again, it posts nothing twice.
func TestSweep_WithNoServerPostsItselfWhenSlackIsConfigured(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	for _, k := range []string{"SLACK_BOT_TOKEN", "SLACK_API_URL", "OWED_SLACK_TIMEOUT"} {
		r.cli.env[k] = r.env[k]
	}
	r.cli.must("import", "invoices", r.cli.file("ledger.csv", sweepLedger))
	out := r.cli.must("sweep", "--as-of", "2026-06-30")
	if !strings.Contains(out, "queued 2 alerts") || !strings.Contains(out, "posting them now") || !strings.Contains(out, "All posted.") {
		t.Errorf("output:\n%s", out)
	}
	if n := len(r.sb.Messages(rigChannel)); n != 2 || r.pending() != 0 {
		t.Fatalf("after owed sweep: %d messages in the channel, %d still queued; want 2 and 0", n, r.pending())
	}
	if _, ok := r.sb.Find(rigChannel, "ACME Corp."); !ok {
		t.Errorf("no alert for ACME Corp.")
	}
	if led, err := postgres.Led(r.ctx, r.db); err != nil || led {
		t.Errorf("owed sweep kept the lead after it finished (%v)", err)
	}
	out = r.cli.must("sweep", "--as-of", "2026-06-30")
	if !strings.Contains(out, "queued 0 alerts") || len(r.sb.Messages(rigChannel)) != 2 {
		t.Errorf("second sweep: %s; %d messages", out, len(r.sb.Messages(rigChannel)))
	}
}

func TestSweep_QueuesAndTheRunningServerPostsTheLiveState(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.cli.must("import", "invoices", r.cli.file("ledger.csv", sweepLedger))

	// No server: the alerts wait in the database, and the CLI says so.
	out := r.cli.must("sweep", "--as-of", "2026-06-30")
	if !strings.Contains(out, "queued 2 alerts") || !strings.Contains(out, "No owed server is running") {
		t.Errorf("output:\n%s", out)
	}
	if calls := r.sb.Calls(); len(calls) != 0 {
		t.Errorf("owed sweep called Slack itself: %+v", calls)
	}
	if res := r.cli.run("", "sweep", "--wait"); res.code != 1 || !strings.Contains(res.stderr, "no owed server is running") ||
		!strings.Contains(res.stderr, "nothing was swept") {
		t.Errorf("--wait without a server: exit %d, %s", res.code, res.stderr)
	}

	// The server posts them, showing each case as it is today, not as of
	// the sweep's date.
	r.startApp(r.env)
	r.await("owed serve to lead", r.led)
	r.await("the alerts", func() bool { return r.pending() == 0 })
	if n := len(r.sb.Messages(rigChannel)); n != 2 {
		t.Fatalf("the channel has %d alerts, want 2", n)
	}
	today := collections.DateIn(time.Now(), time.UTC)
	days := int(today.Sub(day(t, "2026-05-01")).Hours() / 24)
	acme, ok := r.sb.Find(rigChannel, "ACME Corp.")
	if !ok || !acme.Contains(fmt.Sprintf("%d days", days)) || acme.Contains("60 days") {
		t.Errorf("the alert does not show ACME as it is today (%d days overdue): %s", days, acme.Text)
	}

	out = r.cli.must("sweep", "--as-of", "2026-06-30", "--wait")
	if !strings.Contains(out, "queued 0 alerts") || len(r.sb.Messages(rigChannel)) != 2 {
		t.Errorf("second sweep: %s; %d messages", out, len(r.sb.Messages(rigChannel)))
	}
	r.cli.must("import", "invoices", r.cli.file("more.csv", "number,customer,currency,amount,issued_on,due_on\nD-1,Dune Ltd,USD,5.00,2026-06-01,2026-06-20\n"))
	out = r.cli.must("sweep", "--as-of", "2026-06-30", "--wait")
	if !strings.Contains(out, "the running owed server") || !strings.Contains(out, "All posted.") {
		t.Errorf("sweep --wait with a server:\n%s", out)
	}
	if _, ok := r.sb.Find(rigChannel, "Dune Ltd"); !ok {
		t.Errorf("--wait returned before the alert was posted")
	}
	if res := r.cli.run("", "sweep", "--as-of", "2026-06-30", "extra"); res.code != 2 {
		t.Errorf("stray argument: exit %d", res.code)
	}
}

func TestSweep_LocalDevDatabaseNeedsNoSlackSettings(t *testing.T) {
	env := map[string]string{}
	get := sweepEnv(func(k string) string { return env[k] })
	if got := get("OWED_CHANNEL"); got != sandbox.DemoChannel {
		t.Errorf("on the local database, alerts go to %q, want the sandbox's %s", got, sandbox.DemoChannel)
	}
	// Emails are written as owed dev writes them: its sender, its links.
	for _, k := range []string{"OWED_MAIL_FROM", "OWED_PAYMENT_URL"} {
		if got := get(k); got == "" || got != devMail[k] {
			t.Errorf("on the local database, %s = %q, want owed dev's %q", k, got, devMail[k])
		}
	}
	env["DATABASE_URL"] = "postgres://db/owed"
	if got := get("OWED_CHANNEL"); got != "" {
		t.Errorf("with DATABASE_URL, the channel defaults to %q", got)
	}
	if got := get("OWED_MAIL_FROM"); got != "" {
		t.Errorf("with DATABASE_URL, the sender defaults to %q", got)
	}
	env["OWED_CHANNEL"] = "C0OTHER"
	if got := get("OWED_CHANNEL"); got != "C0OTHER" {
		t.Errorf("OWED_CHANNEL is %q, want C0OTHER", got)
	}
	cfg, err := loadConfig(sweepEnv(func(k string) string { return map[string]string{}[k] }), configNeeds{})
	if err != nil {
		t.Errorf("owed sweep on the local database needs settings: %v", err)
	} else if !cfg.Mail.On() {
		t.Errorf("owed sweep on the local database has email off: it would queue no reminder, as owed dev would")
	}
}

func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := collections.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSweep_SaysWhyEachAlertIsRaised: a new case, a later stage, a snooze
// that ended are each said as such.
func TestSweep_SaysWhyEachAlertIsRaised(t *testing.T) {
	c := newCLI(t)
	c.env["OWED_CHANNEL"] = rigChannel
	c.must("import", "invoices", c.file("ledger.csv", sweepLedger))
	c.must("sweep", "--as-of", "2026-06-30")
	db := c.db()
	var acme int64
	if err := db.GetContext(t.Context(), &acme, `SELECT c.id FROM cases c JOIN customers u ON u.id = c.customer_id WHERE u.name = 'ACME Corp.'`); err != nil {
		t.Fatal(err)
	}
	cs := postgres.NewCaseService(db, postgres.CaseConfig{Channel: rigChannel, Today: func() time.Time { return day(t, "2026-06-30") }})
	if _, err := cs.Snooze(t.Context(), collections.Actor{UserID: "U0DANA"}, acme, day(t, "2026-07-03"), ""); err != nil {
		t.Fatal(err)
	}
	out := c.must("sweep", "--as-of", "2026-07-04", "--dry-run")
	if !strings.Contains(out, "(snooze ended)") || !strings.Contains(out, "(next stage)") {
		t.Errorf("want ACME's snooze ended and Bluebird's next stage:\n%s", out)
	}
}

// TestSweep_ABackdatedSweepGoesByTodayForWhatIsLive: `owed sweep --as-of`
// a past date replays the alerts due then, but what is live goes by today:
// a case overdue today stays open though nothing was overdue then, and a
// customer overdue then but paid up since gets no case.
func TestSweep_ABackdatedSweepGoesByTodayForWhatIsLive(t *testing.T) {
	c := newCLI(t)
	c.env["OWED_CHANNEL"] = "C0COLLECT"
	today := collections.DateIn(time.Now(), time.UTC)
	d := func(days int) string { return today.AddDate(0, 0, days).Format(collections.DateLayout) }
	c.must("import", "invoices", c.file("ledger.csv", "number,customer,currency,amount,issued_on,due_on\n"+
		"A-1,ACME Corp.,USD,100.00,"+d(-40)+","+d(-10)+"\n"+
		"P-1,Paid Co,USD,50.00,"+d(-70)+","+d(-40)+"\n"))
	c.must("import", "payments", c.file("payments.csv", "invoice,amount,paid_on\nP-1,50.00,"+d(-1)+"\n"))
	c.must("sweep")
	c.must("sweep", "--as-of", d(-20)) // A-1 not yet due then; P-1 20 days overdue then

	db := c.db()
	var cases []struct {
		Name   string
		Status string
	}
	if err := db.Select(&cases, `SELECT u.name, c.status FROM cases c JOIN customers u ON u.id = c.customer_id ORDER BY c.id`); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 1 || cases[0].Name != "ACME Corp." || cases[0].Status != string(collections.CaseOpen) {
		t.Errorf("cases after the backdated sweep = %+v, want ACME Corp.'s still open and no other", cases)
	}
}

// TestSweep_DryRunPrintsTheRemindersItWouldQueue: with email on, a dry
// run prints, after the alerts, the reminder emails the sweep would
// queue (customer, template, address, invoices) and those it would hold
// back, and writes nothing; the sweep then queues just those.
func TestSweep_DryRunPrintsTheRemindersItWouldQueue(t *testing.T) {
	c := newCLI(t)
	c.env["OWED_CHANNEL"] = rigChannel
	c.env["OWED_SMTP_URL"] = "smtp://127.0.0.1:1" // never reached: the sweep only queues
	c.env["OWED_MAIL_FROM"] = "Acme Accounts <ar@acme.example>"
	c.env["OWED_SEND_WINDOW"] = "always"
	c.must("import", "customers", c.file("customers.csv", "name,ref,email\nACME Corp.,C-001,ap@acme.example\nCurrent Co,C-003,pay@current.example\nBluebird Bakery,C-002,\n"))
	// As of 2026-06-30: ACME 60 days overdue, with A-3 coming due too;
	// Current Co's C-2 comes due in two days; Bluebird has no address.
	c.must("import", "invoices", c.file("ledger.csv", sweepLedger+
		"A-3,ACME Corp.,USD,70.00,2026-06-01,2026-07-01\nC-2,Current Co,USD,20.00,2026-06-01,2026-07-02\n"))
	nothingWritten := func(when string) {
		t.Helper()
		for _, table := range []string{"emails", "courtesy_reminders", "reminder_batches", "outbox", "cases"} {
			var n int
			if err := c.db().Get(&n, `SELECT count(*) FROM `+table); err != nil || n != 0 {
				t.Errorf("%s: %d rows in %s (%v)", when, n, table, err)
			}
		}
	}
	// reminders splits a dry run's reminders into those it would queue
	// and those it would hold back, a line each.
	reminders := func(out string) (queued, held []string) {
		i := strings.Index(out, "\nReminders: ")
		if i < 0 {
			i = strings.Index(out, "\nCourtesy reminders: ")
		}
		if i < 0 {
			return nil, nil
		}
		q, h, _ := strings.Cut(out[i+1:], "\nHeld back: ")
		fields := func(s string) []string {
			var out []string
			for _, l := range strings.Split(s, "\n")[1:] {
				if l = strings.Join(strings.Fields(l), " "); l != "" {
					out = append(out, l)
				}
			}
			return out
		}
		return fields(q), fields(h)
	}

	c.env["OWED_REMINDERS"] = "approve"
	out := c.must("sweep", "--as-of", "2026-06-30", "--dry-run")
	queued, held := reminders(out)
	if want := []string{"ACME Corp. (C-001) courtesy ap@acme.example A-3 before the due date",
		"Current Co (C-003) courtesy pay@current.example C-2 before the due date"}; !strings.Contains(out, "would make 2 invoices ready for Send all") ||
		!slices.Equal(queued, want) || len(held) != 0 {
		t.Errorf("approve: the dry run says %q, held back %q; want %q:\n%s", queued, held, want, out)
	}
	nothingWritten("after a dry run in approve")

	c.env["OWED_REMINDERS"] = "auto"
	out = c.must("sweep", "--as-of", "2026-06-30", "--dry-run")
	queued, held = reminders(out)
	if want := []string{"ACME Corp. (C-001) firm ap@acme.example A-1 with the stage 60 alert",
		"Current Co (C-003) courtesy pay@current.example C-2 before the due date"}; !strings.Contains(out, "would post 2 alerts") ||
		!strings.Contains(out, "Reminders: would queue 2 emails") || !slices.Equal(queued, want) {
		t.Errorf("auto: the dry run would queue %q, want %q:\n%s", queued, want, out)
	}
	if want := []string{"ACME Corp. (C-001) courtesy ap@acme.example A-3 Its stage email goes first; the contact gap is 5 days."}; !slices.Equal(held, want) {
		t.Errorf("auto: the dry run holds back %q, want %q:\n%s", held, want, out)
	}
	nothingWritten("after a dry run in auto")

	out = c.must("sweep", "--as-of", "2026-06-30")
	if !strings.Contains(out, "Reminders: 1 courtesy emails for 1 invoices, 1 with stage alerts") {
		t.Errorf("the sweep did not queue what its dry run said:\n%s", out)
	}
	var emails []string
	if err := c.db().Select(&emails, `SELECT u.name || ' ' || e.template || ' ' || e.to_addr FROM emails e JOIN customers u ON u.id = e.customer_id ORDER BY u.name`); err != nil {
		t.Fatal(err)
	}
	if want := []string{"ACME Corp. firm ap@acme.example", "Current Co courtesy pay@current.example"}; !slices.Equal(emails, want) {
		t.Errorf("queued %q, want %q", emails, want)
	}

	// A month on, ACME's next stage: its email would be held back by the
	// contact gap (emailed today), as the sweep then holds it.
	out = c.must("sweep", "--as-of", "2026-07-30", "--dry-run")
	queued, held = reminders(out)
	if len(queued) != 0 || len(held) == 0 || !strings.HasPrefix(held[0], "ACME Corp. (C-001) firm ap@acme.example A-1, A-3 ACME Corp. was last emailed today") {
		t.Errorf("the next stage's dry run would queue %q, hold back %q:\n%s", queued, held, out)
	}
}
