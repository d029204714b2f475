-- A queued email is looked at again as it is about to leave: when
-- nothing it speaks of is still true (every invoice it covers was paid,
-- put in dispute or, for a courtesy note, fell due), it is withdrawn
-- instead: kept, with when and why, but never sent.

-- +goose Up
ALTER TABLE emails DROP CONSTRAINT emails_status_check;
ALTER TABLE emails ADD CONSTRAINT emails_status_check CHECK (status IN ('queued', 'sent', 'failed', 'withdrawn'));
ALTER TABLE emails ADD COLUMN withdrawn_at timestamptz;
ALTER TABLE emails ADD COLUMN withdrawn_reason text; -- paid, disputed, paid_or_disputed, fell_due, paid_or_fell_due

-- +goose Down
-- The earlier schema has no withdrawn email: one is kept as an email
-- that was not delivered, with why in its answer.
UPDATE emails SET status = 'failed', failed_at = withdrawn_at, answer = 'withdrawn before it left: ' || coalesce(withdrawn_reason, '')
 WHERE status = 'withdrawn';
ALTER TABLE emails DROP COLUMN withdrawn_reason;
ALTER TABLE emails DROP COLUMN withdrawn_at;
ALTER TABLE emails DROP CONSTRAINT emails_status_check;
ALTER TABLE emails ADD CONSTRAINT emails_status_check CHECK (status IN ('queued', 'sent', 'failed'));
