package mail_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
	"github.com/owedhq/owed/mail"
)

func TestMain(m *testing.M) {
	if os.Getenv("OWED_TEST_DISPATCH_CHILD") != "" {
		os.Exit(dispatchChild())
	}
	os.Exit(dbtest.Main(m))
}

// smtpServer starts the sandbox's SMTP server and returns it with a
// mailer that sends to it.
func smtpServer(t *testing.T) (*sandbox.Server, *mail.Mailer) {
	t.Helper()
	sb := sandbox.New(sandbox.Config{})
	t.Cleanup(sb.Close)
	addr, err := sb.StartSMTP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mail.ParseServerURL("smtp://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	return sb, mail.NewMailer(srv, 5*time.Second)
}

func TestMailer_SendsOverSMTPAndClassifiesAnswers(t *testing.T) {
	sb, m := smtpServer(t)
	msg := mail.Message{MessageID: "<owed.test-1@acme.example>", From: "Acme Accounts <ar@acme.example>", To: "ap@customer.example",
		Bcc: "records@acme.example", Subject: "Invoice INV-1 — Acme Accounts", Text: "Hello,\nplease pay.\n", HTML: "<p>Hello, <b>please</b> pay.</p>"}
	ctx := context.Background()
	answer, err := m.Send(ctx, msg)
	if err != nil || !strings.HasPrefix(answer, "250") {
		t.Fatalf("send: %q, %v", answer, err)
	}
	got := sb.Mailbox()
	if len(got) != 1 {
		t.Fatalf("%d emails arrived", len(got))
	}
	e := got[0]
	if e.MessageID != msg.MessageID || e.Subject != msg.Subject || e.Text != msg.Text || e.HTML != msg.HTML {
		t.Errorf("arrived %+v", e)
	}
	if len(e.Envelope) != 2 || e.Envelope[1] != "records@acme.example" || strings.Contains(e.To, "records@") {
		t.Errorf("the Bcc: envelope %v, To %q", e.Envelope, e.To)
	}

	sb.FailMail(sandbox.MailFailure{Code: 451, Message: "4.3.0 busy"}, sandbox.MailFailure{Code: 550, Message: "5.1.1 no such user"})
	_, err = m.Send(ctx, msg)
	var de *mail.DeliveryError
	if !errors.As(err, &de) || de.Permanent || de.Code != 451 || de.Answer != "451 4.3.0 busy" {
		t.Errorf("451: %#v", err)
	}
	_, err = m.Send(ctx, msg)
	if !errors.As(err, &de) || !de.Permanent || de.Code != 550 || de.Answer != "550 5.1.1 no such user" {
		t.Errorf("550: %#v", err)
	}

	t.Run("RefusedEarlier", func(t *testing.T) {
		for _, tc := range []struct {
			f         sandbox.MailFailure
			permanent bool
		}{
			{sandbox.MailFailure{Code: 550, Message: "5.1.1 no such user", At: sandbox.AtRcpt}, true},
			{sandbox.MailFailure{Code: 450, Message: "4.2.1 mailbox busy", At: sandbox.AtRcpt}, false},
			{sandbox.MailFailure{Code: 553, Message: "5.7.1 sender not allowed", At: sandbox.AtMail}, true},
		} {
			sb.FailMail(tc.f)
			_, err := m.Send(ctx, msg)
			want := fmt.Sprintf("%d %s", tc.f.Code, tc.f.Message)
			if !errors.As(err, &de) || de.Permanent != tc.permanent || de.Code != tc.f.Code || de.Answer != want {
				t.Errorf("%d at %s: %#v, want code %d, permanent %v, answer %q", tc.f.Code, tc.f.At, err, tc.f.Code, tc.permanent, want)
			}
		}
	})
	t.Run("RefusedAtTheGreeting", func(t *testing.T) {
		for _, tc := range []struct {
			f         sandbox.MailFailure
			permanent bool
		}{
			{sandbox.MailFailure{Code: 554, Message: "5.7.1 no service here"}, true},
			{sandbox.MailFailure{Code: 421, Message: "4.3.2 too busy, try later"}, false},
		} {
			addr, err := sb.StartRefusingSMTP("127.0.0.1:0", tc.f)
			if err != nil {
				t.Fatal(err)
			}
			srv, _ := mail.ParseServerURL("smtp://" + addr)
			_, err = mail.NewMailer(srv, 2*time.Second).Send(ctx, msg)
			want := fmt.Sprintf("%d %s", tc.f.Code, tc.f.Message)
			if !errors.As(err, &de) || de.Permanent != tc.permanent || de.Code != tc.f.Code || de.Answer != want {
				t.Errorf("greeting %d: %#v, want code %d, permanent %v, answer %q", tc.f.Code, err, tc.f.Code, tc.permanent, want)
			}
		}
	})

	t.Run("ALoginTheServerDoesNotOfferIsLeftOut", func(t *testing.T) {
		// smtp://user:pass@ a relay that asks for no login (the sandbox's,
		// a local relay): delivered without one.
		srv, err := mail.ParseServerURL("smtp://owed:secret@" + m.Server().Host + ":" + strconv.Itoa(m.Server().Port))
		if err != nil {
			t.Fatal(err)
		}
		before := len(sb.Mailbox())
		if answer, err := mail.NewMailer(srv, 2*time.Second).Send(ctx, msg); err != nil || !strings.HasPrefix(answer, "250") {
			t.Fatalf("send with a login the server does not offer: %q, %v", answer, err)
		}
		if len(sb.Mailbox()) != before+1 {
			t.Errorf("the email did not arrive")
		}
	})

	t.Run("NoServerIsRetried", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		srv, _ := mail.ParseServerURL("smtp://" + addr)
		_, err := mail.NewMailer(srv, time.Second).Send(ctx, msg)
		if !errors.As(err, &de) || de.Permanent {
			t.Errorf("no server: %#v", err)
		}
	})
	t.Run("SilentServerTimesOut", func(t *testing.T) {
		ln := hungServer(t)
		srv, _ := mail.ParseServerURL("smtp://" + ln)
		start := time.Now()
		_, err := mail.NewMailer(srv, 300*time.Millisecond).Send(ctx, msg)
		if !errors.As(err, &de) || de.Permanent || time.Since(start) > 3*time.Second {
			t.Errorf("silent server: %#v after %s", err, time.Since(start))
		}
	})
}

// hungServer starts the sandbox's hung mail server, which takes
// connections and never says a word, and returns its address.
func hungServer(t *testing.T) string {
	t.Helper()
	sb := sandbox.New(sandbox.Config{})
	t.Cleanup(sb.Close)
	addr, err := sb.StartHungSMTP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func TestParseServerURL(t *testing.T) {
	s, err := mail.ParseServerURL("smtps://ar%40acme.example:s3cr%3At@mail.acme.example")
	if err != nil || !s.ImplicitTLS || s.Port != 465 || s.User != "ar@acme.example" || s.Password != "s3cr:t" || s.Host != "mail.acme.example" {
		t.Errorf("%+v %v", s, err)
	}
	if strings.Contains(s.String(), "s3cr") {
		t.Errorf("String shows the password: %s", s)
	}
	s, err = mail.ParseServerURL("smtp://mail.acme.example")
	if err != nil || s.ImplicitTLS || s.Port != 587 {
		t.Errorf("%+v %v", s, err)
	}
	for _, bad := range []string{"http://mail.acme.example", "smtp://", "smtp://u:hunter2@host:99999"} {
		if _, err := mail.ParseServerURL(bad); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// A ledger with one customer owing one invoice, and an email queued to it.
func queueOne(t *testing.T, db *postgres.DB) (*postgres.EmailService, collections.Email) {
	return queueOneIn(t, db, collections.SendWindow{Always: true}, time.Now)
}

// queueOneIn queues the email under a send window, at a time.
func queueOneIn(t *testing.T, db *postgres.DB, window collections.SendWindow, now func() time.Time) (*postgres.EmailService, collections.Email) {
	t.Helper()
	ctx := context.Background()
	imp := postgres.NewImportService(db)
	for kind, body := range map[collections.ImportKind]string{
		collections.ImportCustomers: "name,email\nACME Corp.,ap@acme.example\n",
		collections.ImportInvoices:  "number,customer,currency,amount,issued_on,due_on\nA-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01\n",
	} {
		rows, err := collections.NewRowReader(strings.NewReader(body), "f.csv", kind)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := imp.Import(ctx, kind, rows, collections.ImportOptions{File: "f.csv", Today: asOf}); err != nil {
			t.Fatal(err)
		}
	}
	today := func() time.Time { return asOf }
	cases := postgres.NewCaseService(db, postgres.CaseConfig{Channel: "C0COLLECT", Today: today})
	c, err := cases.OpenCase(ctx, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	tm, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	emails := postgres.NewEmailService(db, cases, postgres.EmailConfig{Composer: &mail.Composer{Templates: tm, From: "Acme <ar@acme.example>"},
		GapDays: 5, Window: window, Location: time.UTC, Now: now})
	e, err := emails.QueueReminder(ctx, collections.Actor{UserID: "U0MEMBER", Name: "Dana"}, c.ID, collections.ReminderRequest{
		To: "ap@acme.example", Template: collections.TemplateReminder, Subject: "Invoice A-1", Text: "Please pay A-1."})
	if err != nil {
		t.Fatal(err)
	}
	return emails, e
}

// dispatchChild is the process killed in the middle of a delivery: it
// sends the queue to a server that never answers, until killed.
func dispatchChild() int {
	ctx := context.Background()
	db, err := postgres.Open(ctx, os.Getenv("OWED_TEST_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv, _ := mail.ParseServerURL("smtp://" + os.Getenv("OWED_TEST_SMTP"))
	cases := postgres.NewCaseService(db, postgres.CaseConfig{})
	d := &mail.Dispatcher{Emails: postgres.NewEmailService(db, cases, postgres.EmailConfig{}),
		Mailer: mail.NewMailer(srv, time.Hour), Lease: 2 * time.Second}
	d.Run(ctx, nil, nil)
	return 0
}

func TestDispatcher_KilledBetweenQueueAndSendDeliversOnceAfterRestart(t *testing.T) {
	url := dbtest.URL(t)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	emails, queued := queueOne(t, db)

	// A sender claims the email and is killed (-9) while the server has
	// not answered yet.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OWED_TEST_DISPATCH_CHILD=1", "OWED_TEST_DB="+url, "OWED_TEST_SMTP="+hungServer(t))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		e, err := emails.FindEmail(context.Background(), queued.ID)
		if err != nil {
			t.Fatal(err)
		}
		if e.Attempts == 1 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the child never claimed the email")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	// Restarted, a sender delivers it once its lease has run out.
	sb, mailer := smtpServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&mail.Dispatcher{Emails: emails, Mailer: mailer, Lease: 2 * time.Second}).Run(ctx, nil, nil)
	}()
	defer func() { cancel(); <-done }()
	waitCtx, stop := context.WithTimeout(context.Background(), 20*time.Second)
	defer stop()
	if err := sb.Await(waitCtx, func() bool { return len(sb.Mailbox()) > 0 }); err != nil {
		t.Fatal(err)
	}
	for {
		e, _ := emails.FindEmail(context.Background(), queued.ID)
		if e.Status == collections.EmailSent {
			if e.Attempts != 2 {
				t.Errorf("%d attempts, want the killed one and the delivery", e.Attempts)
			}
			break
		}
		if waitCtx.Err() != nil {
			t.Fatal("the delivery was never recorded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a second delivery would be under way by now
	got := sb.Mailbox()
	if len(got) != 1 || got[0].MessageID != queued.MessageID {
		t.Errorf("delivered %d emails (Message-ID %v), want one with %s", len(got), got, queued.MessageID)
	}
}

func TestEmail_OutsideTheSendWindowWaitsForItToOpen(t *testing.T) {
	db := dbtest.New(t)
	// A Saturday 20:00 UTC to come: a Mon-Fri 09:00-17:00 window opens on
	// the Monday after.
	d := time.Now().UTC().AddDate(0, 0, 7)
	for d.Weekday() != time.Saturday {
		d = d.AddDate(0, 0, 1)
	}
	sat := time.Date(d.Year(), d.Month(), d.Day(), 20, 0, 0, 0, time.UTC)
	w, err := collections.ParseSendWindow(collections.DefaultSendWindow)
	if err != nil {
		t.Fatal(err)
	}
	emails, e := queueOneIn(t, db, w, func() time.Time { return sat })
	if want := time.Date(d.Year(), d.Month(), d.Day()+2, 9, 0, 0, 0, time.UTC); !e.NotBefore.Equal(want) {
		t.Errorf("not before %s, want %s", e.NotBefore, want)
	}
	if got, err := emails.ClaimEmail(context.Background(), time.Minute); err != nil || got != nil {
		t.Errorf("an email outside its window was handed out: %+v %v", got, err)
	}
}

// TestEmail_IsDatedWhenItLeaves: an email that waited (for the send
// window, or a retry) carries the time it left as its Date, not the time
// it was queued.
func TestEmail_IsDatedWhenItLeaves(t *testing.T) {
	db := dbtest.New(t)
	emails, e := queueOneIn(t, db, collections.SendWindow{Always: true}, time.Now)
	if _, err := db.ExecContext(context.Background(), `UPDATE emails SET queued_at = now() - interval '3 days' WHERE id = $1`, e.ID); err != nil {
		t.Fatal(err)
	}
	sb, mailer := smtpServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&mail.Dispatcher{Emails: emails, Mailer: mailer}).Run(ctx, nil, nil)
	}()
	defer func() { cancel(); <-done }()
	waitCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if err := sb.Await(waitCtx, func() bool { return len(sb.Mailbox()) > 0 }); err != nil {
		t.Fatal(err)
	}
	if got := sb.Mailbox()[0].Date; time.Since(got) > time.Minute || time.Since(got) < -time.Minute {
		t.Errorf("the email is dated %s, want about now (it was queued 3 days ago)", got)
	}
}

// lastFriday is 16:50 UTC on a Friday at least a week ago, and the
// Monday 09:00 after it, when a Mon-Fri 09:00-17:00 window opens again.
func lastFriday() (fri, monday time.Time) {
	d := time.Now().UTC().AddDate(0, 0, -7)
	for d.Weekday() != time.Friday {
		d = d.AddDate(0, 0, -1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 16, 50, 0, 0, time.UTC), time.Date(d.Year(), d.Month(), d.Day()+3, 9, 0, 0, 0, time.UTC)
}

func defaultWindow(t *testing.T) collections.SendWindow {
	t.Helper()
	w, err := collections.ParseSendWindow(collections.DefaultSendWindow)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestEmail_ARetryWaitsForTheSendWindow: a 4xx late on Friday is tried
// again when the window opens on Monday, not at 17:20 or at the weekend.
func TestEmail_ARetryWaitsForTheSendWindow(t *testing.T) {
	db := dbtest.New(t)
	fri, monday := lastFriday()
	emails, e := queueOneIn(t, db, defaultWindow(t), func() time.Time { return fri })
	sb, mailer := smtpServer(t)
	sb.FailMail(sandbox.MailFailure{Code: 451, Message: "4.3.0 busy"})
	d := &mail.Dispatcher{Emails: emails, Mailer: mailer, RetryBase: 30 * time.Minute}
	if n, err := d.SendDue(context.Background(), 1); err != nil || n != 1 {
		t.Fatalf("sent %d: %v", n, err)
	}
	got, err := emails.FindEmail(context.Background(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != collections.EmailQueued || !got.NotBefore.Equal(monday) {
		t.Errorf("after a 451 at %s: %s, not before %s, want %s", fri.Format(time.RFC1123), got.Status, got.NotBefore.UTC(), monday)
	}
}

// TestEmail_ALeaseEndsInsideTheSendWindow: an email claimed at 16:59 on
// Friday whose sender dies is sent again on Monday when the window
// opens, not at 17:01; and a due email whose window has shut is not
// handed out but waits for it.
func TestEmail_ALeaseEndsInsideTheSendWindow(t *testing.T) {
	db := dbtest.New(t)
	fri, monday := lastFriday()
	now := fri
	emails, e := queueOneIn(t, db, defaultWindow(t), func() time.Time { return now })
	ctx := context.Background()

	now = fri.Add(9 * time.Minute) // 16:59
	claimed, err := emails.ClaimEmail(ctx, 2*time.Minute)
	if err != nil || claimed == nil {
		t.Fatalf("claim: %+v %v", claimed, err)
	}
	if !claimed.NotBefore.Equal(monday) {
		t.Errorf("the lease ends %s, want %s", claimed.NotBefore.UTC(), monday)
	}

	// Due at 16:50, looked at on Saturday: put off until Monday.
	if _, err := db.ExecContext(ctx, `UPDATE emails SET not_before = $2 WHERE id = $1`, e.ID, fri); err != nil {
		t.Fatal(err)
	}
	now = fri.Add(24 * time.Hour)
	if got, err := emails.ClaimEmail(ctx, 2*time.Minute); err != nil || got != nil {
		t.Errorf("handed out on Saturday: %+v %v", got, err)
	}
	got, err := emails.FindEmail(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.NotBefore.Equal(monday) {
		t.Errorf("put off until %s, want %s", got.NotBefore.UTC(), monday)
	}
}
