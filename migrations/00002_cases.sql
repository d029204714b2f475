-- Collection cases worked from Slack: one case per customer with an overdue
-- balance, its payment plans and escalations, an append-only audit log, and
-- the outbox of Slack messages to send (written in the same transaction as
-- the change they show, so nothing is lost if the process dies).

-- +goose Up
CREATE TABLE cases (
    id            bigserial PRIMARY KEY,
    customer_id   bigint NOT NULL REFERENCES customers (id),
    status        text NOT NULL DEFAULT 'open' CHECK (status IN
                  ('open', 'snoozed', 'plan_proposed', 'plan_active', 'escalation_pending', 'escalated', 'settled')),
    stage         int NOT NULL DEFAULT 0 CHECK (stage >= 0),
    snoozed_until date,
    channel_id    text NOT NULL,
    message_ts    text,
    overdue_text  text NOT NULL DEFAULT '', -- what the message last showed as overdue
    version       int NOT NULL DEFAULT 0,
    opened_at     timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    settled_at    timestamptz,
    CONSTRAINT cases_snooze_has_date CHECK (status <> 'snoozed' OR snoozed_until IS NOT NULL)
);
-- At most one unsettled case per customer, whatever replicas race.
CREATE UNIQUE INDEX cases_one_open_per_customer ON cases (customer_id) WHERE status <> 'settled';
CREATE INDEX cases_status ON cases (status) WHERE status <> 'settled';

-- One row per alert stage raised: no duplicate alert for a case and stage.
CREATE TABLE case_alerts (
    case_id    bigint NOT NULL REFERENCES cases (id),
    stage      int NOT NULL,
    alerted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, stage)
);

CREATE TABLE plans (
    id                 bigserial PRIMARY KEY,
    case_id            bigint NOT NULL REFERENCES cases (id),
    status             text NOT NULL CHECK (status IN ('proposed', 'active', 'broken', 'completed', 'cancelled')),
    currency           char(3) NOT NULL,
    total_minor        bigint NOT NULL CHECK (total_minor > 0),
    down_payment_minor bigint NOT NULL DEFAULT 0 CHECK (down_payment_minor >= 0),
    instalments        int NOT NULL CHECK (instalments BETWEEN 2 AND 24),
    frequency          text NOT NULL CHECK (frequency IN ('weekly', 'biweekly', 'monthly')),
    first_due_on       date NOT NULL,
    proposed_by        text NOT NULL,
    proposed_on        date NOT NULL,
    agreed_by          text,
    agreed_on          date,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX plans_one_live_per_case ON plans (case_id) WHERE status IN ('proposed', 'active');

CREATE TABLE plan_instalments (
    plan_id      bigint NOT NULL REFERENCES plans (id),
    seq          int NOT NULL,
    due_on       date NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    PRIMARY KEY (plan_id, seq)
);

CREATE TABLE escalations (
    id           bigserial PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases (id),
    target       text NOT NULL CHECK (target IN ('final_notice', 'collections_agency', 'legal', 'internal_manager')),
    reason       text NOT NULL CHECK (btrim(reason) <> ''),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by text NOT NULL,
    decided_by   text,
    requested_at timestamptz NOT NULL DEFAULT now(),
    decided_at   timestamptz,
    thread_ts    text, -- the approval request in the alert's thread
    CONSTRAINT escalations_four_eyes CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE UNIQUE INDEX escalations_one_pending_per_case ON escalations (case_id) WHERE status = 'pending';

-- The approval request messages (thread and DMs), updated after the decision.
CREATE TABLE escalation_messages (
    escalation_id bigint NOT NULL REFERENCES escalations (id),
    channel_id    text NOT NULL,
    message_ts    text NOT NULL,
    PRIMARY KEY (escalation_id, channel_id)
);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    case_id     bigint REFERENCES cases (id),
    customer_id bigint NOT NULL REFERENCES customers (id),
    actor       text NOT NULL,
    action      text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX audit_log_customer ON audit_log (customer_id, id DESC);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Slack messages to send. kind: 'alert' (post or update the case's message
-- from its current state), 'thread' (a line in the case's thread),
-- 'approval' (the approval request: thread + DM to each approver),
-- 'approval_update' (redraw the approval requests after a decision).
-- not_before doubles as the lease of the sender working on an item.
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('alert', 'thread', 'approval', 'approval_update')),
    case_id       bigint NOT NULL REFERENCES cases (id),
    escalation_id bigint REFERENCES escalations (id),
    audit_id      bigint REFERENCES audit_log (id), -- the action a thread line tells
    attempts      int NOT NULL DEFAULT 0,
    not_before    timestamptz NOT NULL DEFAULT now(),
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    failed_at     timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Slack deliveries already handled (retries of the same event or command).
CREATE TABLE slack_deliveries (
    key        text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE slack_deliveries;
DROP TABLE outbox;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only;
DROP TABLE escalation_messages;
DROP TABLE escalations;
DROP TABLE plan_instalments;
DROP TABLE plans;
DROP TABLE case_alerts;
DROP TABLE cases;
