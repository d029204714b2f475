package postgres

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/owedhq/owed/collections"
)

// OutboxService hands out the queued Slack messages. It implements
// collections.OutboxService.
type OutboxService struct {
	db   *DB
	sent *group[*sentMark] // items marked sent together
	// The sender's statements, run at every wake-up: prepared, they are
	// not planned again each time.
	claim, nextDue, done statement
}

// NewOutboxService returns an OutboxService on db.
func NewOutboxService(db *DB) *OutboxService {
	return &OutboxService{db: db, sent: &group[*sentMark]{},
		claim:   statement{name: "outbox claim", query: claimOutbox},
		nextDue: statement{name: "next outbox item", query: nextOutboxDue},
		done:    statement{name: "outbox items sent", query: `UPDATE outbox SET sent_at = now(), claimed = false, last_error = NULL WHERE id = ANY($1)`},
	}
}

var _ collections.OutboxService = (*OutboxService)(nil)

// alertPosted is the SQL condition of an item (alias o) whose case's alert
// is posted already.
const alertPosted = `EXISTS (SELECT 1 FROM cases c WHERE c.id = o.case_id AND c.message_ts IS NOT NULL)`

// sendable is an item that may be claimed now or later: not sent, not
// failed, and no older item of its case still waiting, so that a case's
// messages go out in order. An edit of an alert already posted waits only
// for the older edits: it shows the case as it is now, and must not wait
// behind thread lines held by the channel's pace.
const sendable = `o.sent_at IS NULL AND o.failed_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM outbox e
                        WHERE e.case_id = o.case_id AND e.id < o.id AND e.sent_at IS NULL AND e.failed_at IS NULL
                          AND NOT (o.kind = 'alert' AND e.kind <> 'alert'
                                   AND ` + alertPosted + `))
       AND NOT EXISTS (SELECT 1 FROM outbox e
                        WHERE e.batch_id = o.batch_id AND e.id < o.id AND e.sent_at IS NULL AND e.failed_at IS NULL)`

// postsNew is the SQL condition of an item (alias o) that posts a new
// message at its channel's pace: a thread line, an approval request, or
// the first post of a case's alert.
const postsNew = `(o.kind IN ('thread', 'approval')
       OR (o.kind = 'alert' AND NOT ` + alertPosted + `))`

// claimOutbox leases the oldest sendable items, alerts first (an
// edit is not held behind other cases' thread lines), and at most $3 of
// those that post a new message. An item claimed while still marked
// claimed was held by a sender that died: what it posted may be in Slack,
// so the item is in doubt.
const claimOutbox = `
WITH others AS (SELECT o.id FROM outbox o
                 WHERE o.not_before <= now() AND NOT ` + postsNew + ` AND ` + sendable + `
                 ORDER BY o.kind <> 'alert', o.id
                 LIMIT $2
                 FOR UPDATE SKIP LOCKED),
     posts AS (SELECT o.id FROM outbox o
                WHERE o.not_before <= now() AND ` + postsNew + ` AND ` + sendable + `
                ORDER BY o.id
                LIMIT $3
                FOR UPDATE SKIP LOCKED)
UPDATE outbox SET not_before = now() + $1 * interval '1 millisecond', attempts = attempts + 1,
                  claimed = true, in_doubt = in_doubt OR claimed
 WHERE id IN (SELECT id FROM others UNION ALL SELECT id FROM posts)
RETURNING id, kind, coalesce(case_id, 0), coalesce(escalation_id, 0), coalesce(audit_id, 0), coalesce(batch_id, 0), attempts, in_doubt,
          (extract(epoch FROM now() - created_at) * 1000)::bigint, id IN (SELECT id FROM posts)`

// ClaimOutboxItems leases the next items to send, oldest first.
func (s *OutboxService) ClaimOutboxItems(ctx context.Context, lease time.Duration, max, posts int) ([]collections.OutboxItem, error) {
	claim, err := s.claim.prepared(ctx, s.db)
	if err != nil {
		return nil, err
	}
	rows, err := claim.QueryContext(ctx, lease.Milliseconds(), max, posts)
	if err != nil {
		return nil, fmt.Errorf("claim outbox items: %w", err)
	}
	defer rows.Close()
	var out []collections.OutboxItem
	for rows.Next() {
		var it collections.OutboxItem
		var ageMS int64
		if err := rows.Scan(&it.ID, &it.Kind, &it.CaseID, &it.EscalationID, &it.AuditID, &it.BatchID, &it.Attempts, &it.InDoubt, &ageMS, &it.Posts); err != nil {
			return nil, fmt.Errorf("claim outbox items: %w", err)
		}
		it.Age = time.Duration(ageMS) * time.Millisecond
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim outbox items: %w", err)
	}
	slices.SortFunc(out, func(a, b collections.OutboxItem) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// nextOutboxDue is how many milliseconds until the next sendable item
// may be claimed; new posts count only when $1.
const nextOutboxDue = `SELECT (extract(epoch FROM min(o.not_before) - now()) * 1000)::bigint FROM outbox o
 WHERE ($1 OR NOT ` + postsNew + `) AND ` + sendable

// NextOutboxDue returns how long until the next item may be claimed.
func (s *OutboxService) NextOutboxDue(ctx context.Context, posts bool) (time.Duration, bool, error) {
	next, err := s.nextDue.prepared(ctx, s.db)
	if err != nil {
		return 0, false, err
	}
	var ms sql.NullInt64
	err = next.QueryRowContext(ctx, posts).Scan(&ms)
	if err != nil {
		return 0, false, fmt.Errorf("next outbox item: %w", err)
	}
	if !ms.Valid {
		return 0, false, nil
	}
	return max(time.Duration(ms.Int64)*time.Millisecond, 0), true, nil
}

// WatchOutbox wakes the caller when items are queued (the enqueueing
// transaction notifies owed_outbox) and after the database connection
// comes back, when a notification may have been missed.
func (s *OutboxService) WatchOutbox(ctx context.Context) (<-chan struct{}, func() error, error) {
	l, err := s.db.Listen(ctx, OutboxChannel)
	if err != nil {
		return nil, nil, err
	}
	return l.Wake(OutboxChannel), l.Close, nil
}

// sentMark is an item to mark sent, with its group.
type sentMark struct {
	id  int64
	err error
}

// OutboxDone marks an item sent. Items sent at once (a burst of edits)
// are marked together, in one statement.
func (s *OutboxService) OutboxDone(ctx context.Context, id int64) error {
	// The error stands unless the group's statement ran (it may panic).
	m := &sentMark{id: id, err: errors.New("not marked")}
	s.sent.do(ctx, m, s.markSent)
	if m.err != nil {
		return fmt.Errorf("outbox item %d sent: %w", id, m.err)
	}
	return nil
}

// markSent marks a group of items sent.
func (s *OutboxService) markSent(ctx context.Context, marks []*sentMark) {
	ids := make([]int64, len(marks))
	for i, m := range marks {
		ids[i] = m.id
	}
	done, err := s.done.prepared(ctx, s.db)
	if err == nil {
		_, err = done.ExecContext(ctx, pq.Array(ids))
	}
	for _, m := range marks {
		m.err = err
	}
}

// OutboxRetry hands an item out again after a delay.
func (s *OutboxService) OutboxRetry(ctx context.Context, id int64, after time.Duration, reason string, inDoubt bool) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE outbox SET not_before = now() + $2 * interval '1 millisecond', last_error = $3,
		claimed = false, in_doubt = in_doubt OR $4 WHERE id = $1`,
		id, after.Milliseconds(), reason, inDoubt); err != nil {
		return fmt.Errorf("retry outbox item %d: %w", id, err)
	}
	return nil
}

// OutboxPace hands an item out again after its channel's pace allows,
// without counting the attempt.
func (s *OutboxService) OutboxPace(ctx context.Context, id int64, after time.Duration) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE outbox SET not_before = now() + $2 * interval '1 millisecond',
		claimed = false, attempts = greatest(attempts - 1, 0) WHERE id = $1`, id, after.Milliseconds()); err != nil {
		return fmt.Errorf("pace outbox item %d: %w", id, err)
	}
	return nil
}

// OutboxFail gives up on an item, keeping it for inspection.
func (s *OutboxService) OutboxFail(ctx context.Context, id int64, reason string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE outbox SET failed_at = now(), claimed = false, last_error = $2 WHERE id = $1`, id, reason); err != nil {
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
	return firstDelivery(ctx, s.db, key)
}

// firstDelivery records a delivery key, in the database or in a
// transaction, and reports whether it is new.
func firstDelivery(ctx context.Context, db sqlx.ExecerContext, key string) (bool, error) {
	res, err := db.ExecContext(ctx, `INSERT INTO slack_deliveries (key) VALUES ($1) ON CONFLICT DO NOTHING`, key)
	if err != nil {
		return false, fmt.Errorf("record delivery %q: %w", key, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
