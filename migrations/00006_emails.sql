-- Reminder emails: every email owed sends a customer is kept (to, subject,
-- both bodies, template, who sent it, Message-ID, times, the server's
-- answer), queued in the transaction that decides it and sent by the
-- leader. Invoices may carry their own pay-now link. Courtesy reminders
-- are gathered per sweep into a batch, one channel message each, and an
-- invoice is courtesy-reminded at most once.

-- +goose Up
ALTER TABLE invoices ADD COLUMN payment_url text;

-- One sweep's courtesy reminders: the channel message that sums them up.
CREATE TABLE reminder_batches (
    id         bigserial PRIMARY KEY,
    policy     text NOT NULL CHECK (policy IN ('approve', 'auto')),
    as_of      date NOT NULL,
    channel_id text NOT NULL,
    message_ts text,
    sent_by    text, -- who pressed Send all (approve)
    sent_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE emails (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    case_id     bigint REFERENCES cases (id),
    batch_id    bigint REFERENCES reminder_batches (id),
    stage       int, -- the alert stage an automatic email went with
    template    text NOT NULL,
    message_id  text NOT NULL UNIQUE,
    from_addr   text NOT NULL,
    to_addr     text NOT NULL,
    bcc_addr    text NOT NULL DEFAULT '',
    subject     text NOT NULL,
    body_text   text NOT NULL,
    body_html   text NOT NULL,
    invoice_ids bigint[] NOT NULL DEFAULT '{}',
    sent_by     text NOT NULL, -- a Slack user ID, or 'owed'
    send_anyway boolean NOT NULL DEFAULT false,
    status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts    int NOT NULL DEFAULT 0,
    not_before  timestamptz NOT NULL DEFAULT now(), -- the send window, then the retry backoff and the sender's lease
    queued_at   timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    failed_at   timestamptz,
    answer      text NOT NULL DEFAULT '' -- the server's last answer
);
CREATE INDEX emails_queued ON emails (not_before) WHERE status = 'queued';
CREATE INDEX emails_customer ON emails (customer_id, queued_at DESC);
-- An automatic email goes once with each stage of a case.
CREATE UNIQUE INDEX emails_one_per_stage ON emails (case_id, stage) WHERE stage IS NOT NULL;

-- Courtesy reminders, one per invoice ever: ready (approve, waiting for
-- Send all), queued (its email), or skipped.
CREATE TABLE courtesy_reminders (
    invoice_id  bigint PRIMARY KEY REFERENCES invoices (id),
    customer_id bigint NOT NULL REFERENCES customers (id),
    batch_id    bigint NOT NULL REFERENCES reminder_batches (id),
    status      text NOT NULL CHECK (status IN ('ready', 'queued', 'skipped', 'held')),
    email_id    bigint REFERENCES emails (id),
    decided_by  text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX courtesy_reminders_batch ON courtesy_reminders (batch_id);

-- Slack messages about a batch of courtesy reminders have no case.
ALTER TABLE outbox ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN batch_id bigint REFERENCES reminder_batches (id);
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('alert', 'thread', 'approval', 'approval_update', 'reminders'));
ALTER TABLE outbox ADD CONSTRAINT outbox_has_subject CHECK (case_id IS NOT NULL OR batch_id IS NOT NULL);

-- +goose Down
DELETE FROM outbox WHERE kind = 'reminders';
ALTER TABLE outbox DROP CONSTRAINT outbox_has_subject;
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('alert', 'thread', 'approval', 'approval_update'));
ALTER TABLE outbox DROP COLUMN batch_id;
ALTER TABLE outbox ALTER COLUMN case_id SET NOT NULL;
DROP TABLE courtesy_reminders;
DROP TABLE emails;
DROP TABLE reminder_batches;
ALTER TABLE invoices DROP COLUMN payment_url;
