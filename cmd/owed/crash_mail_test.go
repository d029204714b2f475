package main

import (
	"strings"
	"testing"
	"time"
)

func TestEmail_KilledBetweenQueueAndSendDeliversOnceAfterRestart(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	mailEnv := map[string]string{"OWED_MAIL_FROM": "Acme Accounts <ar@acme.example>", "OWED_REMINDERS": "auto",
		"OWED_SEND_WINDOW": "always", "OWED_SMTP_TIMEOUT": "2s"}
	for k, v := range mailEnv {
		r.env[k], r.cli.env[k] = v, v
	}
	r.cli.must("import", "customers", r.cli.file("customers.csv", "name,email\nACME Corp.,ap@acme.example\n"))
	r.importLedger()

	// The first server's mail server hangs: it is killed while sending.
	hung, err := r.sb.StartHungSMTP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.env["OWED_SMTP_URL"] = "smtp://" + hung
	first := r.startProcess()
	r.await("owed serve to lead", r.led)
	// `owed sweep` alerts and, in auto, queues the stage email to ACME.
	r.cli.env["OWED_SMTP_URL"] = r.env["OWED_SMTP_URL"]
	out := r.cli.must("sweep")
	if !strings.Contains(out, "1 with stage alerts") {
		t.Errorf("owed sweep said:\n%s", out)
	}
	attempts := func() int {
		var n int
		if err := r.db.GetContext(r.ctx, &n, `SELECT coalesce(max(attempts), 0) FROM emails`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	r.await("the first server to start sending", func() bool { return attempts() == 1 })
	first.Process.Kill() // kill -9
	first.Wait()

	// Restarted against a mail server that works, owed sends it once its
	// lease (4 × OWED_SMTP_TIMEOUT) has run out.
	addr, err := r.sb.StartSMTP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.env["OWED_SMTP_URL"] = "smtp://" + addr
	r.startProcess()
	deadline := time.Now().Add(30 * time.Second)
	for len(r.sb.Mailbox()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the email was never delivered after the restart")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var row struct {
		MessageID string `db:"message_id"`
		Status    string `db:"status"`
		Attempts  int    `db:"attempts"`
	}
	r.await("the delivery to be recorded", func() bool {
		err := r.db.GetContext(r.ctx, &row, `SELECT message_id, status, attempts FROM emails`)
		return err == nil && row.Status == "sent"
	})
	time.Sleep(500 * time.Millisecond) // a second delivery would be under way by now
	got := r.sb.Mailbox()
	if len(got) != 1 || got[0].MessageID != row.MessageID || row.Attempts != 2 {
		t.Errorf("delivered %d emails (%+v), the row says %+v; want one, under the queued Message-ID, on the second attempt", len(got), got, row)
	}
	if !strings.Contains(got[0].Text, "A-1") || !strings.Contains(got[0].Subject, "40 days past due") {
		t.Errorf("the email: %q\n%s", got[0].Subject, got[0].Text)
	}
	var queued int
	if err := r.db.GetContext(r.ctx, &queued, `SELECT count(*) FROM emails`); err != nil || queued != 1 {
		t.Errorf("%d emails queued, want 1 (%v)", queued, err)
	}
}
