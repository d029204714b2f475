-- Delivery to Slack: the outbox remembers whether an earlier attempt at an
-- item may have reached Slack (so that the sender looks for it before
-- posting again), and changes to the ledger wake the running server.

-- +goose Up
-- claimed: a sender holds the item (set on claim, cleared when it finishes
-- with it); an item claimed again while still set was being sent by a
-- process that died. in_doubt: an earlier attempt may have posted.
ALTER TABLE outbox
    ADD COLUMN claimed  boolean NOT NULL DEFAULT false,
    ADD COLUMN in_doubt boolean NOT NULL DEFAULT false;

-- +goose StatementBegin
CREATE FUNCTION notify_ledger_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('owed_ledger', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER invoices_notify AFTER INSERT OR UPDATE OR DELETE ON invoices
    FOR EACH STATEMENT EXECUTE FUNCTION notify_ledger_changed();
CREATE TRIGGER payments_notify AFTER INSERT OR UPDATE OR DELETE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION notify_ledger_changed();

-- +goose Down
DROP TRIGGER payments_notify ON payments;
DROP TRIGGER invoices_notify ON invoices;
DROP FUNCTION notify_ledger_changed;
ALTER TABLE outbox DROP COLUMN in_doubt, DROP COLUMN claimed;
