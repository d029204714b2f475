package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/owedhq/owed/bot/sandbox"
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
	out = c.must("sweep", "--as-of", "2026-06-30", "--dry-run")
	if !strings.Contains(out, "would post 2 alerts") {
		t.Errorf("a dry run changed what the next sweep does:\n%s", out)
	}
}

func TestSweep_PostsToSlackOnceAndSaysWhatItDid(t *testing.T) {
	c := newCLI(t)
	c.must("import", "invoices", c.file("ledger.csv", sweepLedger))
	sb := sandbox.New(sandbox.Config{TeamID: "T0OWED", BotToken: "xoxb-cli", BotUserID: "U0OWEDBOT",
		Channels: []sandbox.Channel{{ID: "C0COLLECT", Name: "collections"}}, PostInterval: 1, PostBurst: 10})
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(sb.Close)
	sb.SetBaseURL(srv.URL)
	for k, v := range map[string]string{"SLACK_BOT_TOKEN": "xoxb-cli", "SLACK_API_URL": srv.URL + "/api/", "OWED_CHANNEL": "C0COLLECT"} {
		c.env[k] = v
	}
	out := c.must("sweep", "--as-of", "2026-06-30")
	if !strings.Contains(out, "posted 2 alerts") {
		t.Errorf("output:\n%s", out)
	}
	if n := len(sb.Messages("C0COLLECT")); n != 2 {
		t.Fatalf("the channel has %d alerts, want 2", n)
	}
	if acme, ok := sb.Find("C0COLLECT", "ACME Corp."); !ok || !acme.Contains("60 days") {
		t.Errorf("the alert does not show days overdue as of the sweep: %+v", acme.Text)
	}
	out = c.must("sweep", "--as-of", "2026-06-30")
	if !strings.Contains(out, "posted 0 alerts") || len(sb.Messages("C0COLLECT")) != 2 {
		t.Errorf("second sweep: %s; %d messages", out, len(sb.Messages("C0COLLECT")))
	}
	if r := c.run("", "sweep", "--as-of", "2026-06-30", "extra"); r.code != 2 {
		t.Errorf("stray argument: exit %d", r.code)
	}
}
