package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/collections"
)

// Sender tuning.
const (
	sendWorkers  = 8               // items sent at once
	claimBatch   = 4 * sendWorkers // items claimed at once
	claimRetry   = 50 * time.Millisecond
	loudAfter    = 25               // attempts after which each retry is logged as an error
	maxBackoff   = 10 * time.Minute // longest wait before a retry
	idleCheck    = 30 * time.Second // look at the queue at least this often
	noWatchPoll  = time.Second      // ... and this often without notifications
	paceSleepMax = 50 * time.Millisecond
	// lookBack widens the window searched for an earlier attempt's post,
	// for the difference between our clock and Slack's.
	lookBack = 2 * time.Minute
	// historyPage is the page size of conversations.history / .replies.
	historyPage = 200
	// MessageEventType is the event_type of the metadata owed puts on every
	// message it posts; its payload's "key" names the message (the case's
	// alert, a thread line, an approval request in one conversation).
	MessageEventType = "owed_message"
)

// sender sends the outbox: alerts posted or updated from the case's live
// state, thread lines, approval requests. Posts carry a key in their
// metadata, so that a post whose answer was lost is found and adopted
// instead of posted twice. New posts are paced per channel (429
// Retry-After holds the channel); edits are not.
type sender struct {
	b    *Bot
	kick chan struct{} // a worker finished: items of its case may be due

	mu       sync.Mutex
	nextPost map[string]time.Time   // channel → earliest next post
	postedAt map[string]time.Time   // channel → when its last post was answered
	slots    map[slotKey]time.Time  // a paced post's reserved time
	posting  map[string]*sync.Mutex // channel → held while a post to it is in flight
}

type slotKey struct {
	item    int64
	channel string
}

func newSender(b *Bot) *sender {
	return &sender{b: b, kick: make(chan struct{}, 1), nextPost: map[string]time.Time{}, postedAt: map[string]time.Time{}, slots: map[slotKey]time.Time{},
		posting: map[string]*sync.Mutex{}}
}

// lease is how long a claimed item is held: longer than the calls its
// sending may make, so that no other sender takes it while it is in flight.
func (b *Bot) lease() time.Duration { return 4 * b.opts.CallTimeout }

// itemDeadline bounds the work on one item, inside its lease.
func (b *Bot) itemDeadline() time.Duration { return 3 * b.opts.CallTimeout }

// RunSender sends queued messages until ctx ends, then waits for the sends
// in flight to finish (they are not cut off mid-call). It is woken when
// items are queued (WatchOutbox), when a retry or a paced post falls due,
// and checks the queue every 30 s besides. Items are claimed in batches
// and handed to the workers as they free up. isLeader (optional) gates
// sending to one replica, so that the per-channel pace holds across
// replicas.
func (b *Bot) RunSender(ctx context.Context, isLeader func(context.Context) bool) {
	s := b.sender
	var wake <-chan struct{}
	var stopWatch func() error
	defer func() {
		if stopWatch != nil {
			stopWatch()
		}
	}()
	free := make(chan struct{}, sendWorkers)
	for range sendWorkers {
		free <- struct{}{}
	}
	var inflight sync.WaitGroup
	defer inflight.Wait()
	watchFailed := false
	var queue []collections.OutboxItem       // claimed, waiting for a worker
	var views map[int64]collections.CaseView // of the cases whose alerts are in queue
	defer func() { b.release(ctx, queue) }()
	failures := 0 // claims failed in a row
	var claimedAt time.Time
	for ctx.Err() == nil {
		if wake == nil {
			w, stop, err := b.opts.SenderOutbox.WatchOutbox(ctx)
			switch {
			case err == nil:
				wake, stopWatch, watchFailed = w, stop, false
			case !watchFailed && ctx.Err() == nil:
				b.log.WarnContext(ctx, "outbox notifications unavailable; checking every second", "error", err)
				watchFailed = true
			}
		}
		if isLeader != nil && !isLeader(ctx) {
			b.release(ctx, queue) // for the leader to take
			queue = nil
			s.idle(ctx, wake, time.Second)
			continue
		}
		if len(queue) == 0 {
			// New posts are claimed only when the channel takes them soon:
			// claimed earlier, they would only be handed back to wait.
			paced, posts := s.paced(b.opts.Channel), 0
			if paced <= paceSleepMax {
				posts = min(max(int(paceSleepMax/b.opts.ChannelInterval), 1), claimBatch)
			}
			items, err := b.opts.SenderOutbox.ClaimOutboxItems(ctx, b.lease(), claimBatch, posts)
			if err != nil {
				if ctx.Err() == nil {
					b.log.ErrorContext(ctx, "outbox", "error", err)
				}
				// After the database comes back, each connection the pool
				// still holds fails once: try again soon, then less often.
				failures++
				s.idle(ctx, nil, min(claimRetry<<min(failures-1, 5), time.Second))
				continue
			}
			failures = 0
			if len(items) == 0 {
				wait := idleCheck
				if wake == nil {
					wait = noWatchPoll
				}
				next, ok, err := b.opts.SenderOutbox.NextOutboxDue(ctx, posts > 0)
				switch {
				case err != nil:
					wait = noWatchPoll
				case ok:
					wait = min(wait, max(next, time.Millisecond))
				}
				if posts == 0 { // until a new post may be claimed
					wait = min(wait, max(paced-paceSleepMax, time.Millisecond))
				}
				s.idle(ctx, wake, wait)
				continue
			}
			for _, it := range items {
				if it.Posts { // its turn on the channel, before another post is claimed
					s.reserve(it.ID, b.opts.Channel, true)
				}
			}
			queue, claimedAt = items, time.Now()
			views = s.alertViews(ctx, items)
		}
		select {
		case <-free:
		case <-ctx.Done():
			continue
		}
		it := queue[0]
		queue = queue[1:]
		if time.Since(claimedAt) > b.lease()-b.itemDeadline() {
			// Its lease could run out while it is sent, and another claim
			// take it: hand it back, with the rest, to the next claim.
			free <- struct{}{}
			b.release(ctx, append(queue, it))
			queue = nil
			continue
		}
		var view *collections.CaseView
		if v, ok := views[it.CaseID]; ok && it.Kind == collections.OutboxAlert {
			view = &v
		}
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			s.handle(context.WithoutCancel(ctx), it, view)
			free <- struct{}{}
			s.poke()
		}()
	}
}

// alertViews reads, in one go, the cases whose alerts are among items:
// each worker then sends its edit without a read of its own, and a burst
// of clicks costs the database a few reads instead of one per click. A
// view read here is no older than its item's claim: a change made since
// queues an item of its own, which waits for this one. When the read
// fails, each item reads its case itself.
func (s *sender) alertViews(ctx context.Context, items []collections.OutboxItem) map[int64]collections.CaseView {
	var ids []int64
	for _, it := range items {
		if it.Kind == collections.OutboxAlert && it.CaseID != 0 {
			ids = append(ids, it.CaseID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.b.opts.CallTimeout)
	defer cancel()
	views, err := s.b.opts.SenderCases.FindCaseViews(ctx, ids, s.b.today())
	if err != nil {
		s.b.log.WarnContext(ctx, "outbox: read the alerts' cases one by one", "error", err)
		return nil
	}
	return views
}

// release hands claimed items that were not sent back to the queue at
// once, as they were: not counted as an attempt, and not in doubt (as an
// item whose lease ran out would be).
func (b *Bot) release(ctx context.Context, items []collections.OutboxItem) {
	if len(items) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.opts.CallTimeout)
	defer cancel()
	for _, it := range items {
		if err := b.opts.SenderOutbox.OutboxPace(ctx, it.ID, 0); err != nil {
			b.log.WarnContext(ctx, "outbox: a claimed item waits for its lease to end", "item", it.ID, "error", err)
			return
		}
	}
}

// idle waits for a wake-up, a finished send, d, or the end of ctx.
func (s *sender) idle(ctx context.Context, wake <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-wake:
	case <-s.kick:
	case <-t.C:
	}
}

func (s *sender) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
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

// attempt is one try at sending an item.
type attempt struct {
	*collections.OutboxItem
	// unrecorded: a post may be in Slack that the database does not know
	// of yet; if the attempt fails now, the next one must look for it.
	unrecorded bool
	// view, when set, is the item's case as read when it was claimed.
	view *collections.CaseView
}

// pacedError says that a post must wait for its channel's pace.
type pacedError struct{ wait time.Duration }

func (e *pacedError) Error() string { return fmt.Sprintf("channel paced for %v", e.wait) }

func (s *sender) handle(ctx context.Context, it collections.OutboxItem, view *collections.CaseView) {
	b := s.b
	work, cancel := context.WithTimeout(ctx, b.itemDeadline())
	a := &attempt{OutboxItem: &it, view: view}
	err := s.send(work, a)
	cancel()
	book, cancel := context.WithTimeout(ctx, b.opts.CallTimeout)
	defer cancel()
	outcome := "sent"
	var paced *pacedError
	switch {
	case err == nil:
		if err = b.opts.SenderOutbox.OutboxDone(book, it.ID); err != nil {
			// Sent, but not recorded: the next attempt looks before posting.
			err = errors.Join(err, b.opts.SenderOutbox.OutboxRetry(book, it.ID, b.opts.RetryBase, err.Error(), true))
		}
	case errors.As(err, &paced):
		outcome = "paced"
		err = b.opts.SenderOutbox.OutboxPace(book, it.ID, paced.wait)
	default:
		retryAfter, permanent := classify(err, it.Attempts, b.opts.RetryBase)
		if permanent {
			outcome = "failed"
			b.log.ErrorContext(ctx, "gave up on a Slack message", "kind", it.Kind, "case", it.CaseID, "attempts", it.Attempts, "error", err)
			err = b.opts.SenderOutbox.OutboxFail(book, it.ID, err.Error())
		} else {
			outcome = "retry"
			level := slog.LevelWarn
			if it.Attempts >= loudAfter {
				level = slog.LevelError
			}
			b.log.Log(ctx, level, "Slack message will be retried", "kind", it.Kind, "case", it.CaseID, "attempts", it.Attempts, "after", retryAfter,
				"in_doubt", a.unrecorded, "error", err)
			err = b.opts.SenderOutbox.OutboxRetry(book, it.ID, retryAfter, err.Error(), a.unrecorded)
		}
	}
	b.metrics.sent.WithLabelValues(string(it.Kind), outcome).Inc()
	if err != nil {
		b.log.ErrorContext(ctx, "outbox bookkeeping", "item", it.ID, "error", err)
	}
}

// classify decides when to retry a failed send: after Retry-After on 429,
// with exponential backoff otherwise, up to maxBackoff. A message is never
// given up while Slack may yet take it (an outage, a revoked token, a bot
// not in the channel are all fixed some day); only a message Slack refuses
// for what it is, which sending again cannot change, is.
func classify(err error, attempts int, base time.Duration) (time.Duration, bool) {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return max(rl.RetryAfter, time.Second), false
	}
	switch slackError(err) {
	case "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "cant_update_message",
		"invalid_metadata_format", "invalid_metadata_schema", "metadata_too_large":
		return 0, true // our message is wrong: retrying sends the same
	case "message_not_found":
		return 0, true // the message to edit was deleted: it will not come back
	}
	backoff := base << min(max(attempts-1, 0), 10)
	return min(backoff, maxBackoff), false
}

// answered reports whether Slack answered a call (so its outcome is
// known), as opposed to a lost or late answer.
func answered(err error) bool {
	var rl *slack.RateLimitedError
	var se slack.SlackErrorResponse
	var sc slack.StatusCodeError
	switch {
	case err == nil, errors.As(err, &rl), errors.As(err, &se):
		return true
	case errors.As(err, &sc):
		return sc.Code < 500
	}
	return false
}

// reserve returns how long an item must wait before posting to channel,
// or 0 when it may post now (its slot is taken; with keep, the slot is
// kept for the item's next post). A waiting item keeps a reserved slot,
// so that paced posts go out in turn, one per interval.
func (s *sender) reserve(item int64, channel string, keep bool) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	key := slotKey{item, channel}
	floor := s.floor(channel)
	if at, ok := s.slots[key]; ok {
		at = later(at, floor)
		if now.Before(at) {
			return at.Sub(now)
		}
		if !keep { // the post takes its slot
			delete(s.slots, key)
		}
		return 0
	}
	next := later(s.nextPost[channel], floor)
	if !now.Before(next) {
		s.nextPost[channel] = now.Add(s.b.opts.ChannelInterval)
		if keep {
			s.slots[key] = now
		}
		return 0
	}
	if len(s.slots) > 10000 { // slots of items that never came back
		for k, at := range s.slots {
			if now.Sub(at) > time.Hour {
				delete(s.slots, k)
			}
		}
	}
	s.slots[key] = next
	s.nextPost[channel] = next.Add(s.b.opts.ChannelInterval)
	return next.Sub(now)
}

// paced returns how long until channel takes a new post (0: now).
func (s *sender) paced(channel string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(time.Until(later(s.nextPost[channel], s.floor(channel))), 0)
}

// floor is the earliest turn of a new post to channel: an interval after
// the last post was answered, however late that post was for its own
// turn, and a fiftieth of the interval more, as Slack counts a post when
// it receives it and posts do not all take as long to reach it.
func (s *sender) floor(channel string) time.Time {
	return s.postedAt[channel].Add(s.b.opts.ChannelInterval + s.b.opts.ChannelInterval/50)
}

// wentOut records that a post to channel has just been answered (or
// has given up waiting for the answer): Slack has it by now, if at all.
func (s *sender) wentOut(channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.postedAt[channel] = time.Now()
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// channelLock waits until no other post to channel is in flight, and
// returns the function that lets the next one go.
func (s *sender) channelLock(channel string) func() {
	s.mu.Lock()
	l, ok := s.posting[channel]
	if !ok {
		l = &sync.Mutex{}
		s.posting[channel] = l
	}
	s.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// hold keeps a channel quiet after Slack said to slow down: no post goes
// to it before Retry-After, whichever case it is for.
func (s *sender) hold(channel string, err error) {
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextPost[channel] = time.Now().Add(rl.RetryAfter)
	for k := range s.slots {
		if k.channel == channel {
			delete(s.slots, k)
		}
	}
}

// call bounds one Web API call.
func (s *sender) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.b.opts.CallTimeout)
}

// post is one message to post.
type post struct {
	channel  string
	threadTS string // a reply in this thread
	key      string // names the message in its metadata
	msg      blocks.Message
}

// post posts a message once: when an earlier attempt may have posted it,
// it looks for it first and returns its ts (found). It waits for the
// channel's pace, or returns a pacedError when the wait is long.
func (s *sender) post(ctx context.Context, a *attempt, p post) (ts string, found bool, err error) {
	if a.InDoubt {
		ts, err := s.find(ctx, a, p)
		if err != nil || ts != "" {
			return ts, ts != "", err
		}
	}
	// One post to a channel at a time: the next waits for this one's
	// answer, so that a 429 holds every post after it.
	unlock := s.channelLock(p.channel)
	defer unlock()
	// Wait for the item's turn; once it has come, the post takes its slot.
	for wait := s.reserve(a.ID, p.channel, false); wait > 0; wait = s.reserve(a.ID, p.channel, false) {
		if wait > paceSleepMax {
			return "", false, &pacedError{wait}
		}
		if err := sleep(ctx, wait); err != nil {
			return "", false, err
		}
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(p.msg.Text, false), slack.MsgOptionBlocks(p.msg.Blocks...),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: MessageEventType,
			EventPayload: map[string]any{"key": p.key, "outbox_id": strconv.FormatInt(a.ID, 10)}}),
	}
	if p.threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(p.threadTS))
	}
	callCtx, cancel := s.call(ctx)
	defer cancel()
	a.unrecorded = true
	_, ts, err = s.b.opts.Slack.PostMessageContext(callCtx, p.channel, opts...)
	// Slack counts a post when it receives it, some time before it
	// answers: the next post's turn counts from the answer, so that a
	// post slow to reach Slack does not bring the next one too close.
	s.wentOut(p.channel)
	if err != nil && answered(err) {
		a.unrecorded = false // Slack refused it: nothing was posted
	}
	s.hold(p.channel, err)
	if err != nil {
		return "", false, fmt.Errorf("post to %s: %w", p.channel, err)
	}
	return ts, false, nil
}

// find looks for the message an earlier attempt posted, by the key in its
// metadata, among the messages posted since the item was queued (the
// thread's replies for a reply). It returns the first such message's ts,
// or "" when there is none.
func (s *sender) find(ctx context.Context, a *attempt, p post) (string, error) {
	since := s.b.opts.Now().Add(-a.Age - lookBack)
	oldest := fmt.Sprintf("%d.000000", since.Unix())
	var first string
	cursor := ""
	for {
		callCtx, cancel := s.call(ctx)
		var msgs []slack.Message
		var err error
		if p.threadTS == "" {
			var resp *slack.GetConversationHistoryResponse
			resp, err = s.b.opts.Slack.GetConversationHistoryContext(callCtx, &slack.GetConversationHistoryParameters{
				ChannelID: p.channel, Oldest: oldest, Limit: historyPage, Cursor: cursor, IncludeAllMetadata: true})
			if err == nil {
				msgs, cursor = resp.Messages, resp.ResponseMetaData.NextCursor
				if !resp.HasMore {
					cursor = ""
				}
			}
		} else {
			var more bool
			msgs, more, cursor, err = s.b.opts.Slack.GetConversationRepliesContext(callCtx, &slack.GetConversationRepliesParameters{
				ChannelID: p.channel, Timestamp: p.threadTS, Oldest: oldest, Limit: historyPage, Cursor: cursor, IncludeAllMetadata: true})
			if !more {
				cursor = ""
			}
		}
		cancel()
		if err != nil {
			return "", fmt.Errorf("look for an earlier post in %s: %w", p.channel, err)
		}
		for _, m := range msgs {
			md := m.Msg.Metadata
			if md.EventType == MessageEventType && md.EventPayload["key"] == p.key && m.Timestamp != p.threadTS {
				if first == "" || tsBefore(m.Timestamp, first) {
					first = m.Timestamp
				}
			}
		}
		if cursor == "" {
			break
		}
	}
	if first != "" {
		s.b.log.InfoContext(ctx, "found the message an earlier attempt posted", "channel", p.channel, "ts", first, "key", p.key)
	}
	return first, nil
}

// tsBefore orders Slack timestamps ("1712345678.000123").
func tsBefore(a, b string) bool { return tsMicros(a) < tsMicros(b) }

func tsMicros(ts string) int64 {
	sec, frac, _ := strings.Cut(ts, ".")
	s, _ := strconv.ParseInt(sec, 10, 64)
	f, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return s*1e6 + f
}

// update edits a message. Slack's one-message-per-second-per-channel
// limit is on new messages; edits are not paced.
func (s *sender) update(ctx context.Context, m collections.MessageRef, msg blocks.Message) error {
	callCtx, cancel := s.call(ctx)
	defer cancel()
	_, _, _, err := s.b.opts.Slack.UpdateMessageContext(callCtx, m.ChannelID, m.TS,
		slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...))
	s.hold(m.ChannelID, err)
	if err != nil {
		return fmt.Errorf("update %s %s: %w", m.ChannelID, m.TS, err)
	}
	return nil
}

func alertKey(caseID int64) string { return fmt.Sprintf("case/%d/alert", caseID) }

func threadLineKey(caseID, auditID int64) string {
	return fmt.Sprintf("case/%d/audit/%d", caseID, auditID)
}

func approvalKey(escalationID int64, channel string) string {
	return fmt.Sprintf("escalation/%d/%s", escalationID, channel)
}

func (s *sender) send(ctx context.Context, a *attempt) error {
	b := s.b
	if a.Kind == collections.OutboxReminders {
		return s.sendBatch(ctx, a)
	}
	if a.Kind == collections.OutboxThread || a.Kind == collections.OutboxApproval {
		// These post to the case's channel (the bot's, but for cases opened
		// before a change of OWED_CHANNEL): wait for its pace before doing
		// any work.
		if wait := s.reserve(a.ID, b.opts.Channel, true); wait > paceSleepMax {
			return &pacedError{wait}
		}
	}
	var v collections.CaseView
	if a.view != nil {
		v = *a.view
	} else {
		var err error
		if v, err = b.opts.SenderCases.FindCaseView(ctx, a.CaseID, b.today()); err != nil {
			return err
		}
	}
	switch a.Kind {
	case collections.OutboxAlert:
		_, err := s.showAlert(ctx, a, v)
		return err
	case collections.OutboxThread:
		ts, err := s.ensureAlert(ctx, a, v)
		if err != nil {
			return err
		}
		entry, err := b.opts.SenderOutbox.FindAuditEntry(ctx, a.AuditID)
		if err != nil {
			return err
		}
		line := blocks.ActionLine(entry)
		_, _, err = s.post(ctx, a, post{channel: v.Case.ChannelID, threadTS: ts, key: threadLineKey(a.CaseID, a.AuditID),
			msg: blocks.Message{Text: line, Blocks: []slack.Block{
				// verbatim: URLs and #channels that people typed stay text.
				slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, line, false, true), nil, nil)}}})
		if err == nil {
			b.learnActor(ctx, entry.Actor)
		}
		return err
	case collections.OutboxApproval:
		return s.sendApproval(ctx, a, v)
	case collections.OutboxApprovalUpdate:
		e, err := b.opts.SenderCases.FindEscalation(ctx, a.EscalationID)
		if err != nil {
			return err
		}
		refs, err := b.opts.SenderOutbox.EscalationMessages(ctx, e.ID)
		if err != nil {
			return err
		}
		// Still pending, the requests show the case as it is now, with
		// their buttons; decided (or ended), they say so.
		msg := blocks.ApprovalMessage(v, e)
		for _, m := range refs {
			if err := s.update(ctx, m, msg); err != nil && !messageGone(err) { // a deleted request needs no update
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown outbox kind %q", a.Kind)
}

// showAlert posts the case's message, or updates it when it exists. A
// message an earlier attempt posted is adopted and brought up to date.
func (s *sender) showAlert(ctx context.Context, a *attempt, v collections.CaseView) (string, error) {
	if id := v.Customer.OwnerSlackID; id != "" && v.Customer.OwnerName == "" {
		s.b.learnUser(ctx, id)
	}
	msg := blocks.Alert(v)
	ref := collections.MessageRef{ChannelID: v.Case.ChannelID, TS: v.Case.MessageTS}
	if ref.TS != "" {
		err := s.update(ctx, ref, msg)
		if !messageGone(err) {
			return ref.TS, err
		}
		// Someone deleted the alert in Slack: the case is still open, so it
		// is posted again, at the channel's pace, and keeps the new one.
		s.b.log.WarnContext(ctx, "the alert was deleted in Slack; posting it again", "case", v.Case.ID, "ts", ref.TS)
		if wait := s.reserve(a.ID, ref.ChannelID, true); wait > paceSleepMax {
			return "", &pacedError{wait}
		}
		ref.TS = ""
	}
	ts, found, err := s.post(ctx, a, post{channel: v.Case.ChannelID, key: alertKey(v.Case.ID), msg: msg})
	if err != nil {
		return "", err
	}
	ref.TS = ts
	if err := s.b.opts.SenderOutbox.SetCaseMessage(ctx, v.Case.ID, ref); err != nil {
		return "", err
	}
	a.unrecorded = false
	if found {
		// The earlier attempt's message may show an older state.
		return ts, s.update(ctx, ref, msg)
	}
	return ts, nil
}

// slackError is the error code Slack answered a call with
// ("message_not_found"), or "" when it did not answer with one.
func slackError(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// messageGone reports whether Slack answered that the message to edit no
// longer exists (someone deleted it).
func messageGone(err error) bool { return slackError(err) == "message_not_found" }

// ensureAlert returns the case's message, posting it first if it has none.
func (s *sender) ensureAlert(ctx context.Context, a *attempt, v collections.CaseView) (string, error) {
	if v.Case.MessageTS != "" {
		return v.Case.MessageTS, nil
	}
	return s.showAlert(ctx, a, v)
}

// sendApproval posts the approval request in the alert's thread and as a
// DM to each approver but the requester. Requests already sent (on an
// earlier attempt) are not sent again.
func (s *sender) sendApproval(ctx context.Context, a *attempt, v collections.CaseView) error {
	b := s.b
	e, err := b.opts.SenderCases.FindEscalation(ctx, a.EscalationID)
	if err != nil {
		return err
	}
	sent, err := b.opts.SenderOutbox.EscalationMessages(ctx, e.ID)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, m := range sent {
		done[m.ChannelID] = true
	}
	msg := blocks.ApprovalMessage(v, e)
	ts, err := s.ensureAlert(ctx, a, v)
	if err != nil {
		return err
	}
	record := func(channel, threadTS string) error {
		reqTS, _, err := s.post(ctx, a, post{channel: channel, threadTS: threadTS, key: approvalKey(e.ID, channel), msg: msg})
		if err != nil {
			return err
		}
		if err := b.opts.SenderOutbox.AddEscalationMessage(ctx, e.ID, collections.MessageRef{ChannelID: channel, TS: reqTS}); err != nil {
			return err
		}
		a.unrecorded = false
		return nil
	}
	if !done[v.Case.ChannelID] {
		if err := record(v.Case.ChannelID, ts); err != nil {
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
		callCtx, cancel := s.call(ctx)
		dm, _, _, err := b.opts.Slack.OpenConversationContext(callCtx, &slack.OpenConversationParameters{Users: []string{u}})
		cancel()
		if err == nil && !done[dm.ID] {
			err = record(dm.ID, "")
		}
		if undeliverable(err) {
			// One approver Slack cannot reach (gone, deactivated, a bot)
			// must not keep the request from the others: it is in the
			// thread, where every approver can decide it.
			b.log.WarnContext(ctx, "an approver cannot be sent the approval request", "user", u, "escalation", e.ID, "error", err)
			continue
		}
		if err != nil {
			return fmt.Errorf("approval request to %s: %w", u, err)
		}
	}
	return nil
}

// undeliverable reports whether Slack refused a direct message for whom
// it was to: a user it does not know, deactivated, hidden from the bot,
// or a bot. Sending again cannot change that.
func undeliverable(err error) bool {
	switch slackError(err) {
	case "user_not_found", "users_not_found", "user_not_visible", "user_disabled", "cannot_dm_bot":
		return true
	}
	return false
}
