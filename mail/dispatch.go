package mail

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/owedhq/owed/collections"
)

// Dispatcher tuning.
const (
	emailLease       = 2 * time.Minute // longer than a delivery's timeout
	maxEmailAttempts = 12
	maxEmailBackoff  = time.Hour
	idleCheck        = time.Minute            // looks again without a wake-up, in case one was missed
	pollUnwoken      = 250 * time.Millisecond // how often to look when nothing wakes the dispatcher
)

// Dispatcher sends the queued emails through a Mailer: each under its
// own Message-ID on every attempt; 4xx answers and network errors
// retried with backoff; a 5xx answer fails the email for good, which the
// store tells in Slack. An email no longer true when its turn comes is
// withdrawn by the store as it is claimed (ClaimEmail), never handed out.
type Dispatcher struct {
	Emails collections.EmailService
	Mailer interface {
		Send(ctx context.Context, msg Message) (string, error)
	}
	Log *slog.Logger
	// RetryBase is the first delay before a retry; it doubles with each
	// attempt (default 30 s).
	RetryBase time.Duration
	// Lease is how long an email being sent is held from other senders;
	// if the process dies, another sends it after that, under the same
	// Message-ID. It must outlast a delivery's timeout (default 2 min).
	Lease time.Duration
}

// Run sends emails until ctx ends, on the leader only (isLeader nil: always).
// wake (optional) receives when emails are queued.
func (d *Dispatcher) Run(ctx context.Context, isLeader func(context.Context) bool, wake <-chan struct{}) {
	for ctx.Err() == nil {
		if isLeader != nil && !isLeader(ctx) {
			wait(ctx, wake, time.Second)
			continue
		}
		n, err := d.SendDue(ctx, 100)
		if err != nil && ctx.Err() == nil {
			d.log().ErrorContext(ctx, "email queue", "error", err)
			wait(ctx, nil, time.Second)
			continue
		}
		if n > 0 {
			continue
		}
		next := idleCheck
		if wake == nil {
			next = pollUnwoken
		}
		if due, ok, err := d.Emails.NextEmailDue(ctx); err == nil && ok {
			next = min(max(due, 10*time.Millisecond), idleCheck)
		}
		wait(ctx, wake, next)
	}
}

func wait(ctx context.Context, wake <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-wake:
	case <-t.C:
	}
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log == nil {
		return slog.Default()
	}
	return d.Log
}

// SendDue sends up to max emails that are due now and returns how many
// it handled.
func (d *Dispatcher) SendDue(ctx context.Context, max int) (int, error) {
	n := 0
	for ; n < max; n++ {
		lease := d.Lease
		if lease <= 0 {
			lease = emailLease
		}
		e, err := d.Emails.ClaimEmail(ctx, lease)
		if err != nil || e == nil {
			return n, err
		}
		if err := d.send(ctx, e); err != nil {
			return n, err
		}
	}
	return n, nil
}

// send delivers one email and records the outcome. A delivery under way
// when ctx ends is finished (the mailer bounds it), so that shutting
// down neither cuts a message short nor leaves it to be sent twice.
func (d *Dispatcher) send(ctx context.Context, e *collections.Email) error {
	ctx = context.WithoutCancel(ctx)
	// Dated when it leaves: an email held for the send window says
	// Monday 09:00, not the Friday evening it was written.
	answer, err := d.Mailer.Send(ctx, Message{MessageID: e.MessageID, From: e.From, To: e.To, Bcc: e.Bcc,
		Subject: e.Subject, Text: e.Text, HTML: e.HTML})
	if err == nil {
		d.log().InfoContext(ctx, "email sent", "email", e.ID, "template", e.Template, "answer", answer)
		return d.Emails.EmailSent(ctx, e.ID, answer)
	}
	var de *DeliveryError
	if !errors.As(err, &de) {
		de = &DeliveryError{Answer: err.Error()}
	}
	if de.Permanent || e.Attempts >= maxEmailAttempts {
		d.log().WarnContext(ctx, "email could not be delivered", "email", e.ID, "attempts", e.Attempts, "answer", de.Answer)
		return d.Emails.EmailFailed(ctx, e.ID, de.Answer)
	}
	after := d.backoff(e.Attempts)
	d.log().WarnContext(ctx, "email will be retried", "email", e.ID, "attempts", e.Attempts, "after", after, "answer", de.Answer)
	return d.Emails.EmailRetry(ctx, e.ID, after, de.Answer)
}

func (d *Dispatcher) backoff(attempts int) time.Duration {
	base := d.RetryBase
	if base <= 0 {
		base = 30 * time.Second
	}
	return min(base<<min(attempts-1, 16), maxEmailBackoff)
}
