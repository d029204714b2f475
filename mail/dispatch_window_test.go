package mail_test

import (
	"context"
	"testing"
	"time"

	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/internal/dbtest"
	"github.com/owedhq/owed/mail"
)

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
