package main

import (
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
)

func TestServe_PaymentsImportedFromTheCommandLineReachSlackWithin10s(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.importLedger()
	r.startApp(r.env)
	r.cli.must("sweep")
	r.await("the alerts", func() bool { return r.pending() == 0 && len(r.alerts()["ACME Corp."]) == 1 })
	acme := r.alerts()["ACME Corp."][0]
	if !acme.Contains("100.00") {
		t.Fatalf("the alert does not show ACME's USD 100.00: %s", acme.Text)
	}

	start := time.Now()
	r.cli.must("import", "payments", r.cli.file("payments.csv", "invoice,amount,paid_on\nA-1,40.00,"+
		collections.DateIn(time.Now(), time.UTC).Format(collections.DateLayout)+"\n"))
	r.await("the payment to reach Slack", func() bool {
		m, _ := r.sb.Message(acme.Ref())
		return m.Edited && m.Contains("60.00") && !m.Contains("100.00") && len(m.Replies) > len(acme.Replies)
	})
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the payment reached Slack after %v, want ≤ 10 s", took)
	} else {
		t.Logf("the payment reached Slack after %v", took.Round(time.Millisecond))
	}
	if n := len(r.alerts()["ACME Corp."]); n != 1 {
		t.Errorf("ACME has %d alerts", n)
	}
}

func TestServe_ShutdownFinishesTheSendInFlightThenStops(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.importLedger()
	stop := r.startApp(r.env)
	r.await("owed to connect to Slack", func() bool { return len(r.sb.CallsTo("auth.test")) == 1 })
	stopped := make(chan struct{})
	// SIGTERM arrives while Slack is taking the first alert.
	r.sb.FailNext("chat.postMessage", sandbox.AfterEffect(func() {
		go func() {
			stop()
			close(stopped)
		}()
	}))
	r.cli.must("sweep")
	select {
	case <-stopped:
	case <-time.After(15 * time.Second):
		t.Fatal("owed serve did not stop")
	}
	first := r.firstPost()
	for _, c := range rigCustomers {
		if strings.Contains(first.Text, c) {
			if got := r.caseTS(c); got != first.TS {
				t.Errorf("the send in flight was cut off: %s's case holds %q, Slack has %q", c, got, first.TS)
			}
		}
	}
	if n := len(r.sb.Messages(rigChannel)); n != 1 {
		t.Errorf("%d messages posted after the shutdown began, want only the one in flight", n-1)
	}
}
