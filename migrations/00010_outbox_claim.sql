-- The sender claims an item only when no older item of its case (or of its
-- reminder batch) is still waiting: these indexes find that older item
-- directly instead of reading every waiting item for each one.

-- +goose Up
CREATE INDEX outbox_pending_case ON outbox (case_id, id) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_pending_batch ON outbox (batch_id, id) WHERE sent_at IS NULL AND failed_at IS NULL AND batch_id IS NOT NULL;

-- +goose Down
DROP INDEX outbox_pending_batch;
DROP INDEX outbox_pending_case;
