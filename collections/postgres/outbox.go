package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/owedhq/owed/collections"
)

// OutboxService hands out the queued Slack messages. It implements
// collections.OutboxService.
type OutboxService struct {
	db *DB
}

// NewOutboxService returns an OutboxService on db.
func NewOutboxService(db *DB) *OutboxService { return &OutboxService{db: db} }

var _ collections.OutboxService = (*OutboxService)(nil)

// claimOutbox leases the oldest due item whose case has no older item
// still waiting, so that a case's messages go out in order.
const claimOutbox = `
UPDATE outbox SET not_before = now() + $1 * interval '1 millisecond', attempts = attempts + 1
 WHERE id = (
    SELECT o.id FROM outbox o
     WHERE o.sent_at IS NULL AND o.failed_at IS NULL AND o.not_before <= now()
       AND NOT EXISTS (SELECT 1 FROM outbox e
                        WHERE e.case_id = o.case_id AND e.id < o.id
                          AND e.sent_at IS NULL AND e.failed_at IS NULL)
     ORDER BY o.id
     LIMIT 1
     FOR UPDATE SKIP LOCKED)
RETURNING id, kind, case_id, coalesce(escalation_id, 0), coalesce(audit_id, 0), attempts`

// ClaimOutboxItem leases the next item to send.
func (s *OutboxService) ClaimOutboxItem(ctx context.Context, lease time.Duration) (*collections.OutboxItem, error) {
	var it collections.OutboxItem
	err := s.db.QueryRowxContext(ctx, claimOutbox, lease.Milliseconds()).
		Scan(&it.ID, &it.Kind, &it.CaseID, &it.EscalationID, &it.AuditID, &it.Attempts)
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim outbox item: %w", err)
	}
	return &it, nil
}

// OutboxDone marks an item sent.
func (s *OutboxService) OutboxDone(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE outbox SET sent_at = now(), last_error = NULL WHERE id = $1`, id); err != nil {
		return fmt.Errorf("outbox item %d sent: %w", id, err)
	}
	return nil
}

// OutboxRetry hands an item out again after a delay.
func (s *OutboxService) OutboxRetry(ctx context.Context, id int64, after time.Duration, reason string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE outbox SET not_before = now() + $2 * interval '1 millisecond', last_error = $3 WHERE id = $1`,
		id, after.Milliseconds(), reason); err != nil {
		return fmt.Errorf("retry outbox item %d: %w", id, err)
	}
	return nil
}

// OutboxFail gives up on an item, keeping it for inspection.
func (s *OutboxService) OutboxFail(ctx context.Context, id int64, reason string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE outbox SET failed_at = now(), last_error = $2 WHERE id = $1`, id, reason); err != nil {
		return fmt.Errorf("fail outbox item %d: %w", id, err)
	}
	return nil
}

// SetCaseMessage records the message that shows a case.
func (s *OutboxService) SetCaseMessage(ctx context.Context, caseID int64, m collections.MessageRef) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE cases SET channel_id = $2, message_ts = $3 WHERE id = $1`, caseID, m.ChannelID, m.TS); err != nil {
		return fmt.Errorf("record message of case %d: %w", caseID, err)
	}
	return nil
}

// EscalationMessages lists the approval requests sent for an escalation.
func (s *OutboxService) EscalationMessages(ctx context.Context, escalationID int64) ([]collections.MessageRef, error) {
	var out []collections.MessageRef
	if err := s.db.SelectContext(ctx, &out, `SELECT channel_id AS "channelid", message_ts AS "ts" FROM escalation_messages WHERE escalation_id = $1 ORDER BY channel_id`, escalationID); err != nil {
		return nil, fmt.Errorf("approval requests of escalation %d: %w", escalationID, err)
	}
	return out, nil
}

// AddEscalationMessage records an approval request sent.
func (s *OutboxService) AddEscalationMessage(ctx context.Context, escalationID int64, m collections.MessageRef) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO escalation_messages (escalation_id, channel_id, message_ts) VALUES ($1, $2, $3)
		ON CONFLICT (escalation_id, channel_id) DO NOTHING`, escalationID, m.ChannelID, m.TS); err != nil {
		return fmt.Errorf("record approval request of escalation %d: %w", escalationID, err)
	}
	return nil
}

// FindAuditEntry returns one audit entry.
func (s *OutboxService) FindAuditEntry(ctx context.Context, id int64) (collections.AuditEntry, error) {
	var r auditRow
	err := s.db.GetContext(ctx, &r, `SELECT id, case_id, customer_id, actor, action, details, created_at FROM audit_log WHERE id = $1`, id)
	if noRows(err) {
		return collections.AuditEntry{}, collections.Errorf(collections.ENOTFOUND, "no audit entry %d", id)
	}
	if err != nil {
		return collections.AuditEntry{}, fmt.Errorf("audit entry %d: %w", id, err)
	}
	return r.domain()
}

// PendingOutboxItems counts the items not sent yet.
func (s *OutboxService) PendingOutboxItems(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL`); err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return n, nil
}

// FirstDelivery records a delivery key and reports whether it is new.
func (s *OutboxService) FirstDelivery(ctx context.Context, key string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO slack_deliveries (key) VALUES ($1) ON CONFLICT DO NOTHING`, key)
	if err != nil {
		return false, fmt.Errorf("record delivery %q: %w", key, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
