package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/collections"
)

// Sender tuning.
const (
	outboxLease  = 30 * time.Second // an item's lease while it is being sent
	outboxIdle   = 250 * time.Millisecond
	maxAttempts  = 25
	maxBackoff   = 10 * time.Minute
	firstBackoff = 2 * time.Second
)

// sender sends the outbox: alerts posted or updated from the case's current
// state, thread lines, approval requests. It paces each channel, honours
// 429 Retry-After and retries failures with backoff.
type sender struct {
	b *Bot

	mu       sync.Mutex
	nextPost map[string]time.Time // channel → earliest next message
}

func newSender(b *Bot) *sender {
	return &sender{b: b, nextPost: map[string]time.Time{}}
}

// RunSender sends queued messages until ctx ends. isLeader (optional)
// gates sending to one replica, so that the per-channel pace holds across
// replicas.
func (b *Bot) RunSender(ctx context.Context, isLeader func(context.Context) bool) {
	for ctx.Err() == nil {
		if isLeader != nil && !isLeader(ctx) {
			sleep(ctx, time.Second)
			continue
		}
		sent, err := b.SendPending(ctx, 1)
		if err != nil && ctx.Err() == nil {
			b.log.ErrorContext(ctx, "outbox", "error", err)
		}
		if sent == 0 {
			sleep(ctx, outboxIdle)
		}
	}
}

// SendPending sends up to max queued items that are due now, and returns
// how many it handled.
func (b *Bot) SendPending(ctx context.Context, max int) (int, error) {
	n := 0
	for ; n < max; n++ {
		item, err := b.opts.Outbox.ClaimOutboxItem(ctx, outboxLease)
		if err != nil || item == nil {
			return n, err
		}
		b.sender.handle(ctx, item)
	}
	return n, nil
}

// Drain sends everything queued, waiting out retries, until the outbox is
// empty or ctx ends.
func (b *Bot) Drain(ctx context.Context) error {
	for {
		left, err := b.opts.Outbox.PendingOutboxItems(ctx)
		if err != nil || left == 0 {
			return err
		}
		if _, err := b.SendPending(ctx, 100); err != nil {
			return err
		}
		if err := sleep(ctx, outboxIdle); err != nil {
			return fmt.Errorf("%d Slack messages still queued: %w", left, err)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (s *sender) handle(ctx context.Context, it *collections.OutboxItem) {
	b := s.b
	err := s.send(ctx, it)
	outcome := "sent"
	switch {
	case err == nil:
		err = b.opts.Outbox.OutboxDone(ctx, it.ID)
	default:
		retryAfter, permanent := classify(err, it.Attempts, b.opts.RetryBase)
		if permanent {
			outcome = "failed"
			b.log.ErrorContext(ctx, "gave up on a Slack message", "kind", it.Kind, "case", it.CaseID, "attempts", it.Attempts, "error", err)
			err = b.opts.Outbox.OutboxFail(ctx, it.ID, err.Error())
		} else {
			outcome = "retry"
			b.log.WarnContext(ctx, "Slack message will be retried", "kind", it.Kind, "case", it.CaseID, "after", retryAfter, "error", err)
			err = b.opts.Outbox.OutboxRetry(ctx, it.ID, retryAfter, err.Error())
		}
	}
	b.metrics.sent.WithLabelValues(string(it.Kind), outcome).Inc()
	if err != nil {
		b.log.ErrorContext(ctx, "outbox bookkeeping", "item", it.ID, "error", err)
	}
}

// classify decides when to retry a failed send: after Retry-After on 429,
// with exponential backoff otherwise; giving up only after many attempts
// or on errors that retrying cannot fix.
func classify(err error, attempts int, base time.Duration) (time.Duration, bool) {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return max(rl.RetryAfter, time.Second), false
	}
	if attempts >= maxAttempts {
		return 0, true
	}
	var slackErr slack.SlackErrorResponse
	if errors.As(err, &slackErr) {
		switch slackErr.Err {
		case "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "cant_update_message":
			return 0, true // our message is wrong: retrying sends the same
		}
	}
	backoff := base << min(attempts-1, 10)
	return min(backoff, maxBackoff), false
}

// pace waits until channel may receive another message.
func (s *sender) pace(ctx context.Context, channel string) error {
	s.mu.Lock()
	wait := time.Until(s.nextPost[channel])
	s.mu.Unlock()
	if wait > 0 {
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.nextPost[channel] = time.Now().Add(s.b.opts.ChannelInterval)
	s.mu.Unlock()
	return nil
}

// hold keeps a channel quiet after Slack said to slow down.
func (s *sender) hold(channel string, err error) {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		s.mu.Lock()
		s.nextPost[channel] = time.Now().Add(rl.RetryAfter)
		s.mu.Unlock()
	}
}

func (s *sender) post(ctx context.Context, channel string, msg blocks.Message, opts ...slack.MsgOption) (string, error) {
	if err := s.pace(ctx, channel); err != nil {
		return "", err
	}
	opts = append([]slack.MsgOption{slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)}, opts...)
	_, ts, err := s.b.opts.Slack.PostMessageContext(ctx, channel, opts...)
	s.hold(channel, err)
	return ts, err
}

// update edits a message. Slack's one-message-per-second-per-channel
// limit is on new messages; edits have a separate, larger allowance.
func (s *sender) update(ctx context.Context, m collections.MessageRef, msg blocks.Message) error {
	_, _, _, err := s.b.opts.Slack.UpdateMessageContext(ctx, m.ChannelID, m.TS,
		slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...))
	s.hold(m.ChannelID, err)
	return err
}

func (s *sender) send(ctx context.Context, it *collections.OutboxItem) error {
	b := s.b
	v, err := b.opts.Cases.FindCaseView(ctx, it.CaseID, b.today())
	if err != nil {
		return err
	}
	switch it.Kind {
	case collections.OutboxAlert:
		_, err := s.showAlert(ctx, v)
		return err
	case collections.OutboxThread:
		ts, err := s.ensureAlert(ctx, v)
		if err != nil {
			return err
		}
		entry, err := b.opts.Outbox.FindAuditEntry(ctx, it.AuditID)
		if err != nil {
			return err
		}
		line := blocks.ActionLine(entry)
		_, err = s.post(ctx, v.Case.ChannelID, blocks.Message{Text: line, Blocks: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, line, false, false), nil, nil)}},
			slack.MsgOptionTS(ts))
		return err
	case collections.OutboxApproval:
		return s.sendApproval(ctx, v, it.EscalationID)
	case collections.OutboxApprovalUpdate:
		e, err := b.opts.Cases.FindEscalation(ctx, it.EscalationID)
		if err != nil {
			return err
		}
		refs, err := b.opts.Outbox.EscalationMessages(ctx, e.ID)
		if err != nil {
			return err
		}
		msg := blocks.ApprovalDecided(v, e)
		for _, m := range refs {
			if err := s.update(ctx, m, msg); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown outbox kind %q", it.Kind)
}

// showAlert posts the case's message, or updates it when it exists.
func (s *sender) showAlert(ctx context.Context, v collections.CaseView) (string, error) {
	msg := blocks.Alert(v)
	if v.Case.MessageTS != "" {
		return v.Case.MessageTS, s.update(ctx, collections.MessageRef{ChannelID: v.Case.ChannelID, TS: v.Case.MessageTS}, msg)
	}
	ts, err := s.post(ctx, v.Case.ChannelID, msg)
	if err != nil {
		return "", err
	}
	return ts, s.b.opts.Outbox.SetCaseMessage(ctx, v.Case.ID, collections.MessageRef{ChannelID: v.Case.ChannelID, TS: ts})
}

// ensureAlert returns the case's message, posting it first if it has none.
func (s *sender) ensureAlert(ctx context.Context, v collections.CaseView) (string, error) {
	if v.Case.MessageTS != "" {
		return v.Case.MessageTS, nil
	}
	return s.showAlert(ctx, v)
}

// sendApproval posts the approval request in the alert's thread and as a
// DM to each approver but the requester. Requests already sent (on an
// earlier attempt) are not sent again.
func (s *sender) sendApproval(ctx context.Context, v collections.CaseView, escalationID int64) error {
	b := s.b
	e, err := b.opts.Cases.FindEscalation(ctx, escalationID)
	if err != nil {
		return err
	}
	sent, err := b.opts.Outbox.EscalationMessages(ctx, e.ID)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, m := range sent {
		done[m.ChannelID] = true
	}
	msg := blocks.ApprovalRequest(v, e)
	if e.Status != collections.EscalationPending {
		msg = blocks.ApprovalDecided(v, e)
	}
	ts, err := s.ensureAlert(ctx, v)
	if err != nil {
		return err
	}
	if !done[v.Case.ChannelID] {
		reqTS, err := s.post(ctx, v.Case.ChannelID, msg, slack.MsgOptionTS(ts))
		if err != nil {
			return err
		}
		if err := b.opts.Outbox.AddEscalationMessage(ctx, e.ID, collections.MessageRef{ChannelID: v.Case.ChannelID, TS: reqTS}); err != nil {
			return err
		}
	}
	users, err := b.approvers.all(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u == e.RequestedBy {
			continue
		}
		dm, _, _, err := b.opts.Slack.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{u}})
		if err != nil {
			return fmt.Errorf("open DM with %s: %w", u, err)
		}
		if done[dm.ID] {
			continue
		}
		dmTS, err := s.post(ctx, dm.ID, msg)
		if err != nil {
			return err
		}
		if err := b.opts.Outbox.AddEscalationMessage(ctx, e.ID, collections.MessageRef{ChannelID: dm.ID, TS: dmTS}); err != nil {
			return err
		}
	}
	return nil
}
