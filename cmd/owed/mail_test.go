package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/mail"
)

func TestLoadConfig_Email(t *testing.T) {
	full := map[string]string{
		"DATABASE_URL": "postgres://x", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s",
		"OWED_CHANNEL": "C0123ABCD", "OWED_APPROVERS": "U024BE7LH",
	}
	needs := configNeeds{database: true, slack: true, approve: true}
	with := func(extra map[string]string) func(string) string {
		env := map[string]string{}
		for k, v := range full {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		return func(k string) string { return env[k] }
	}
	t.Run("DefaultsFromTheSpec", func(t *testing.T) {
		cfg, err := loadConfig(with(nil), needs)
		if err != nil {
			t.Fatal(err)
		}
		m := cfg.Mail
		if m.On() || m.Policy != collections.RemindersApprove || m.RemindBefore != 3 || m.GapDays != 5 || m.Window.Always ||
			!m.Window.Days[1] || m.Window.Days[0] || m.Window.From != 9*60 || m.Window.To != 17*60 {
			t.Errorf("defaults: %+v", m)
		}
	})
	t.Run("SMTPFromTheURL", func(t *testing.T) {
		cfg, err := loadConfig(with(map[string]string{"OWED_SMTP_URL": "smtps://ar:pw@mail.acme.example", "OWED_MAIL_FROM": "Acme <ar@acme.example>",
			"OWED_REMINDERS": "auto", "OWED_SEND_WINDOW": "always"}), needs)
		if err != nil {
			t.Fatal(err)
		}
		if s := cfg.Mail.SMTP; s == nil || !s.ImplicitTLS || s.Port != 465 || s.User != "ar" || cfg.Mail.Policy != collections.RemindersAuto || !cfg.Mail.Window.Always {
			t.Errorf("mail: %+v %+v", cfg.Mail, cfg.Mail.SMTP)
		}
	})
	t.Run("ProblemsAreNamedAndThePasswordIsNot", func(t *testing.T) {
		_, err := loadConfig(with(map[string]string{"OWED_SMTP_URL": "http://ar:hunter2@mail.acme.example", "OWED_MAIL_BCC": "not an address",
			"OWED_REMINDERS": "sometimes", "OWED_REMIND_BEFORE": "-2", "OWED_CONTACT_GAP_DAYS": "x", "OWED_SEND_WINDOW": "weekdays",
			"OWED_PAYMENT_URL": "pay.example/{invoice}"}), needs)
		if err == nil {
			t.Fatal("accepted")
		}
		for _, want := range []string{"OWED_SMTP_URL", "OWED_MAIL_BCC", "OWED_REMINDERS", "OWED_REMIND_BEFORE", "OWED_CONTACT_GAP_DAYS",
			"OWED_SEND_WINDOW", "OWED_PAYMENT_URL"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s not named:\n%v", want, err)
			}
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error shows the SMTP password:\n%v", err)
		}
	})
	t.Run("SMTPNeedsAFromAddress", func(t *testing.T) {
		_, err := loadConfig(with(map[string]string{"OWED_SMTP_URL": "smtp://mail.acme.example"}), needs)
		if err == nil || !strings.Contains(err.Error(), "OWED_MAIL_FROM") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestServe_StopsOnABrokenTemplateNamingFileAndLine(t *testing.T) {
	c := newCLI(t)
	dir := filepath.Join(c.dir, "templates")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "reminder.txt.tmpl"), []byte("Hello {{.Customer.Name}},\n\nYou owe {{.Total}}.\n"), 0o644)
	for k, v := range map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "OWED_CHANNEL": "C0123ABCD",
		"OWED_APPROVERS": "U024BE7LH", "OWED_ADDR": "127.0.0.1:0", "SLACK_API_URL": "http://127.0.0.1:1/api/", "OWED_TEMPLATES_DIR": dir} {
		c.env[k] = v
	}
	r := c.run("", "serve")
	want := filepath.Join(dir, "reminder.txt.tmpl") + ":3:"
	if r.code != 1 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "Total") {
		t.Errorf("exit %d, stderr:\n%s\nwant it to name %s and the field", r.code, r.stderr, want)
	}
	r = c.run("", "templates")
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("owed templates: exit %d, stderr %s", r.code, r.stderr)
	}
}

func TestTemplatesAndPreview(t *testing.T) {
	c := newCLI(t)
	r := c.run("", "templates")
	for _, want := range []string{"courtesy", "reminder", "firm", "final_notice", "built-in"} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("owed templates lacks %s: exit %d\n%s%s", want, r.code, r.stdout, r.stderr)
		}
	}
	c.must("import", "customers", c.file("c.csv", "name,ref,email\nACME Corp.,C-001,ap@acme.example\n"))
	c.must("import", "invoices", c.file("i.csv", `number,customer,currency,amount,issued_on,due_on,payment_url
A-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01,https://pay.example/a1
A-2,ACME Corp.,USD,40.00,2026-06-01,2026-07-20,
`))
	c.env["OWED_PAYMENT_URL"] = "https://pay.example/{customer_ref}/{invoice}?amount={amount}"
	out := c.must("preview", "reminder", "acme", "--as-of", "2026-06-30")
	for _, want := range []string{"To: ap@acme.example", "Subject: Reminder: invoice A-1 was due on 1 May 2026", "60 days ago", "USD 100.00",
		"Pay online: https://pay.example/a1", "--- HTML ---", "<table"} {
		if !strings.Contains(out, want) {
			t.Errorf("preview lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "A-2") {
		t.Errorf("the reminder lists an invoice not yet due:\n%s", out)
	}
	out = c.must("preview", "courtesy", "acme", "--as-of", "2026-06-30")
	if !strings.Contains(out, "A-2") || !strings.Contains(out, "https://pay.example/C-001/A-2?amount=40.00") || strings.Contains(out, "A-1 ") {
		t.Errorf("courtesy preview:\n%s", out)
	}
	if r := c.run("", "preview", "gentle", "acme"); r.code != 2 {
		t.Errorf("an unknown template: exit %d", r.code)
	}
}

// preview refuses the email settings serve refuses, with serve's words:
// it would otherwise show an email serve would never send (a link with
// {bogus} in it, a subject ending "— " for a From that is no address).
func TestPreview_RefusesTheEmailSettingsServeRefuses(t *testing.T) {
	c := newCLI(t)
	c.must("import", "customers", c.file("c.csv", "name,ref,email\nACME Corp.,C-001,ap@acme.example\n"))
	c.must("import", "invoices", c.file("i.csv", "number,customer,currency,amount,issued_on,due_on\nA-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01\n"))
	for name, tc := range map[string]struct{ env, says string }{
		"APlaceholderThatIsNone": {"OWED_PAYMENT_URL=https://x/{bogus}", "OWED_PAYMENT_URL: \"https://x/{bogus}\": {bogus} is not a placeholder"},
		"AFromThatIsNoAddress":   {"OWED_MAIL_FROM=garbage", "OWED_MAIL_FROM: \"garbage\" is not an email address"},
		"ABadSendWindow":         {"OWED_SEND_WINDOW=weekdays", "OWED_SEND_WINDOW \"weekdays\" is not a send window"},
	} {
		t.Run(name, func(t *testing.T) {
			k, v, _ := strings.Cut(tc.env, "=")
			c.env[k] = v
			defer delete(c.env, k)
			r := c.run("", "preview", "reminder", "acme", "--as-of", "2026-06-30")
			if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "owed: the configuration is incomplete:\n  - "+tc.says) {
				t.Errorf("preview with %s: exit %d\nstdout: %s\nstderr: %s", tc.env, r.code, r.stdout, r.stderr)
			}
			// serve says the same of it.
			if r := c.run("", "serve"); r.code != 1 || !strings.Contains(r.stderr, "\n  - "+tc.says) {
				t.Errorf("serve with %s: exit %d\nstderr: %s", tc.env, r.code, r.stderr)
			}
		})
	}
	if out := c.must("preview", "reminder", "acme", "--as-of", "2026-06-30"); !strings.Contains(out, "Subject: Reminder: invoice A-1") {
		t.Errorf("preview with good settings:\n%s", out)
	}
}

// TestPreview_ATemplateWithNothingToCoverSaysSo: overdue templates speak
// only of overdue invoices and courtesy only of those not yet due; with
// none, preview prints no email that would state false facts.
func TestPreview_ATemplateWithNothingToCoverSaysSo(t *testing.T) {
	c := newCLI(t)
	c.must("import", "customers", c.file("c.csv", "name,ref,email\nACME Corp.,C-001,ap@acme.example\nBluebird Bakery,C-002,ar@bluebird.example\n"))
	c.must("import", "invoices", c.file("i.csv", `number,customer,currency,amount,issued_on,due_on
A-1,ACME Corp.,JPY,5000,2026-06-01,2026-07-20
B-1,Bluebird Bakery,USD,30.00,2026-04-01,2026-05-01
`))
	for _, tmpl := range []string{"reminder", "firm", "final_notice"} {
		r := c.run("", "preview", tmpl, "acme", "--as-of", "2026-06-30")
		if r.code != 1 || !strings.Contains(r.stderr, "ACME Corp. (C-001) has nothing overdue to remind about") || r.stdout != "" {
			t.Errorf("preview %s of an invoice not yet due: exit %d\n%s%s", tmpl, r.code, r.stdout, r.stderr)
		}
	}
	r := c.run("", "preview", "courtesy", "bluebird", "--as-of", "2026-06-30")
	if r.code != 1 || !strings.Contains(r.stderr, "has no invoice coming due") || strings.Contains(r.stdout, "coming due") {
		t.Errorf("preview courtesy of an invoice 60 days overdue: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if out := c.must("preview", "courtesy", "acme", "--as-of", "2026-06-30"); !strings.Contains(out, "A-1") {
		t.Errorf("courtesy preview:\n%s", out)
	}
}

func TestHistory_JSONKeepsTheEmails(t *testing.T) {
	c := newCLI(t)
	c.must("import", "customers", c.file("c.csv", "name,email\nACME Corp.,ap@acme.example\n"))
	c.must("import", "invoices", c.file("i.csv", "number,customer,currency,amount,issued_on,due_on\nA-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01\n"))
	db, err := openDB(t.Context(), &Env{Getenv: func(k string) string { return c.env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Queued through the store, as Send reminder does.
	cases := postgres.NewCaseService(db, postgres.CaseConfig{Channel: "C0123ABCD"})
	cust, err := postgres.NewLedgerService(db).FindCustomer(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := cases.OpenCase(t.Context(), cust.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	tm, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	emails := postgres.NewEmailService(db, cases, postgres.EmailConfig{Composer: &mail.Composer{Templates: tm, From: "Acme <ar@acme.example>"},
		Window: collections.SendWindow{Always: true}, GapDays: 5})
	if _, err := emails.QueueReminder(t.Context(), collections.Actor{UserID: "U0MEMBER", Name: "Dana"}, cs.ID, collections.ReminderRequest{
		To: "ap@acme.example", Template: collections.TemplateReminder, Subject: "Invoice A-1", Text: "Please pay A-1."}); err != nil {
		t.Fatal(err)
	}
	out := c.must("history", "acme", "--json")
	var doc struct {
		History []struct {
			Action string `json:"action"`
			Text   string `json:"text"`
			Email  *struct {
				MessageID string `json:"message_id"`
				Subject   string `json:"subject"`
				Text      string `json:"text"`
				Status    string `json:"status"`
				SentBy    string `json:"sent_by"`
			} `json:"email"`
		} `json:"history"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, h := range doc.History {
		if h.Action == collections.AuditReminderEmailed {
			found = true
			if h.Email == nil || h.Email.MessageID == "" || h.Email.Subject != "Invoice A-1" || h.Email.Status != "queued" || h.Email.SentBy != "U0MEMBER" ||
				!strings.Contains(h.Text, "Reminder emailed to ap@acme.example") {
				t.Errorf("history entry: %+v %+v", h, h.Email)
			}
		}
	}
	if !found {
		t.Errorf("no email in the history:\n%s", out)
	}
}
