package collections

import (
	"context"
	"time"
)

// OutboxKind says what an outbox item shows in Slack.
type OutboxKind string

// The kinds of outbox item.
const (
	OutboxAlert          OutboxKind = "alert"           // post or update the case's message from its current state
	OutboxThread         OutboxKind = "thread"          // a line in the case's thread telling an audit entry
	OutboxApproval       OutboxKind = "approval"        // the approval request: in the thread and DMed to approvers
	OutboxApprovalUpdate OutboxKind = "approval_update" // redraw the approval requests: after the decision, or as the case changes while it waits
	OutboxReminders      OutboxKind = "reminders"       // a batch of courtesy reminders: its channel message, or (AuditID) a line in its thread
)

// OutboxItem is a Slack message waiting to be sent. It was stored in the
// same transaction as the change it shows, so it survives a crash.
type OutboxItem struct {
	ID           int64
	Kind         OutboxKind
	CaseID       int64
	EscalationID int64
	AuditID      int64
	BatchID      int64 // OutboxReminders: the batch of courtesy reminders; CaseID is 0
	Attempts     int   // including this one
	// InDoubt says that an earlier attempt may have reached Slack (the
	// sender died, or lost the answer): look for what it posted before
	// posting again.
	InDoubt bool
	// Age is how long ago the item was queued, by the database's clock:
	// anything an earlier attempt posted is younger.
	Age time.Duration
	// Posts says that the item posts a new message, at the channel's pace.
	Posts bool
}

// MessageRef locates a Slack message.
type MessageRef struct {
	ChannelID string
	TS        string
}

// OutboxService hands queued Slack messages to one sender at a time, in
// order per case, and records what was sent.
type OutboxService interface {
	// ClaimOutboxItems leases up to max of the oldest sendable items for
	// lease: items of a case go out in order, but that an edit of a posted
	// alert need not wait for the case's other messages; an item whose
	// lease runs out is handed out again (in doubt). Of the
	// items that post a new message at the channel's pace (thread lines,
	// approval requests, an alert's first post), at most posts are
	// claimed, besides: while the channel is paced, they are left queued
	// rather than claimed only to wait.
	ClaimOutboxItems(ctx context.Context, lease time.Duration, max, posts int) ([]OutboxItem, error)
	// NextOutboxDue returns how long until the next item may be claimed,
	// leaving out the items that post a new message unless posts; ok is
	// false when nothing is waiting.
	NextOutboxDue(ctx context.Context, posts bool) (wait time.Duration, ok bool, err error)
	// WatchOutbox returns a channel that receives soon after items are
	// queued (one value may stand for many), until stop is called or ctx
	// ends.
	WatchOutbox(ctx context.Context) (wake <-chan struct{}, stop func() error, err error)
	// OutboxDone marks an item sent.
	OutboxDone(ctx context.Context, id int64) error
	// OutboxRetry hands an item out again after a delay; inDoubt records
	// that the failed attempt may have reached Slack.
	OutboxRetry(ctx context.Context, id int64, after time.Duration, reason string, inDoubt bool) error
	// OutboxPace hands an item out again after a delay that is not a
	// failure (its channel's pace): the attempt is not counted.
	OutboxPace(ctx context.Context, id int64, after time.Duration) error
	// OutboxFail gives up on an item that can never be sent, keeping it.
	OutboxFail(ctx context.Context, id int64, reason string) error
	// SetCaseMessage records the message that shows a case.
	SetCaseMessage(ctx context.Context, caseID int64, m MessageRef) error
	// EscalationMessages lists the approval requests sent for an escalation.
	EscalationMessages(ctx context.Context, escalationID int64) ([]MessageRef, error)
	// AddEscalationMessage records an approval request sent.
	AddEscalationMessage(ctx context.Context, escalationID int64, m MessageRef) error
	// PendingOutboxItems counts the items not sent yet (failed ones excluded).
	PendingOutboxItems(ctx context.Context) (int, error)
	// FirstDelivery records a delivery from Slack by its key (an event_id)
	// and reports whether it is the first; retries of it report false.
	FirstDelivery(ctx context.Context, key string) (bool, error)
	// FindAuditEntry returns one audit entry.
	FindAuditEntry(ctx context.Context, id int64) (AuditEntry, error)
}
