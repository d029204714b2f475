-- The case lifecycle: a case ends settled (paid in full) or closed
-- (nothing overdue any more, though not all was paid); the statuses and
-- what they allow are the domain's table, so the database no longer
-- lists them. Cases remember the last action and who took it (a repeat
-- of one's own click is answered as done), the payments already told and
-- the invoices the message showed overdue. Escalations can be withdrawn
-- by the requester or cancelled when the case ends, and a rejection can
-- carry a note. Audit details become typed values: amounts in minor
-- units, dates as dates.

-- +goose Up
ALTER TABLE cases DROP CONSTRAINT cases_status_check;
ALTER TABLE cases RENAME COLUMN settled_at TO ended_at;
UPDATE cases SET ended_at = updated_at WHERE status = 'settled' AND ended_at IS NULL;
ALTER TABLE cases
    ADD COLUMN last_action text,
    ADD COLUMN last_actor text,
    ADD COLUMN payments_seen bigint NOT NULL DEFAULT 0, -- the newest payment id the case has told
    ADD COLUMN overdue_invoices bigint[] NOT NULL DEFAULT '{}', -- the invoices the message shows overdue
    ADD CONSTRAINT cases_status_named CHECK (status ~ '^[a-z_]+$');
DROP INDEX cases_one_open_per_customer;
DROP INDEX cases_status;
-- At most one live case per customer, whatever replicas race.
CREATE UNIQUE INDEX cases_one_live_per_customer ON cases (customer_id) WHERE ended_at IS NULL;
CREATE INDEX cases_live ON cases (status) WHERE ended_at IS NULL;

ALTER TABLE escalations DROP CONSTRAINT escalations_status_check;
ALTER TABLE escalations ADD CONSTRAINT escalations_status_check
    CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn', 'cancelled'));
ALTER TABLE escalations ADD COLUMN note text NOT NULL DEFAULT '';
-- Four-eyes: nobody decides their own request; withdrawing it is theirs.
ALTER TABLE escalations DROP CONSTRAINT escalations_four_eyes;
ALTER TABLE escalations ADD CONSTRAINT escalations_four_eyes
    CHECK (decided_by IS NULL OR decided_by <> requested_by OR status = 'withdrawn');

-- Typed audit details from the formatted strings recorded before.
-- +goose StatementBegin
CREATE FUNCTION pg_temp.owed_money(t text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'minor', replace(replace(split_part(btrim(p), ' ', 2), ',', ''), '.', '')::bigint,
               'currency', split_part(btrim(p), ' ', 1))), '[]'::jsonb)
      FROM unnest(string_to_array(coalesce(t, ''), ' · ')) AS p
     WHERE btrim(p) <> ''
$$;
-- +goose StatementEnd
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
UPDATE audit_log SET details = jsonb_strip_nulls(CASE action
    WHEN 'alerted' THEN jsonb_build_object(
        'stage', (nullif(details->>'stage', ''))::int,
        'oldest_days', (nullif(details->>'oldest_days', ''))::int,
        'overdue', pg_temp.owed_money(details->>'overdue'))
    WHEN 'snoozed' THEN jsonb_build_object('until', details->>'until', 'reason', nullif(details->>'reason', ''))
    WHEN 'snooze_ended' THEN jsonb_build_object('until', details->>'until')
    WHEN 'plan_proposed' THEN jsonb_build_object('plan', jsonb_strip_nulls(jsonb_build_object(
        'currency', split_part(details->>'total', ' ', 1),
        'total', (pg_temp.owed_money(details->>'total')->0->>'minor')::bigint,
        'instalments', (details->>'instalments')::int,
        'frequency', CASE details->>'frequency' WHEN 'every 2 weeks' THEN 'biweekly' ELSE details->>'frequency' END,
        'first_due', (details->>'first_due') || 'T00:00:00Z',
        'down_payment', (pg_temp.owed_money(details->>'down_payment')->0->>'minor')::bigint)))
    WHEN 'plan_broken' THEN jsonb_build_object(
        'missed', pg_temp.owed_money(details->>'missed_amount')->0,
        'missed_due', details->>'missed_due')
    WHEN 'escalation_requested' THEN jsonb_build_object(
        'escalation_id', (details->>'escalation_id')::bigint,
        'target', replace(details->>'target', ' ', '_'),
        'reason', details->>'reason')
    WHEN 'escalation_approved' THEN jsonb_build_object(
        'escalation_id', (details->>'escalation_id')::bigint,
        'target', replace(details->>'target', ' ', '_'),
        'requested_by', details->>'requested_by')
    WHEN 'escalation_rejected' THEN jsonb_build_object(
        'escalation_id', (details->>'escalation_id')::bigint,
        'target', replace(details->>'target', ' ', '_'),
        'requested_by', details->>'requested_by')
    WHEN 'payment_received' THEN jsonb_build_object('overdue', pg_temp.owed_money(details->>'overdue'))
    ELSE '{}'::jsonb END);
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;

-- +goose Down
-- Audit details keep their typed form: the old code cannot read them,
-- but nothing recorded is lost.
UPDATE escalations SET status = 'rejected' WHERE status IN ('withdrawn', 'cancelled');
UPDATE escalations SET decided_by = NULL WHERE decided_by = requested_by;
ALTER TABLE escalations DROP CONSTRAINT escalations_four_eyes;
ALTER TABLE escalations ADD CONSTRAINT escalations_four_eyes CHECK (decided_by IS NULL OR decided_by <> requested_by);
ALTER TABLE escalations DROP COLUMN note;
ALTER TABLE escalations DROP CONSTRAINT escalations_status_check;
ALTER TABLE escalations ADD CONSTRAINT escalations_status_check CHECK (status IN ('pending', 'approved', 'rejected'));
DROP INDEX cases_live;
DROP INDEX cases_one_live_per_customer;
UPDATE cases SET status = 'settled' WHERE status = 'closed';
ALTER TABLE cases
    DROP CONSTRAINT cases_status_named,
    DROP COLUMN overdue_invoices,
    DROP COLUMN payments_seen,
    DROP COLUMN last_actor,
    DROP COLUMN last_action;
ALTER TABLE cases RENAME COLUMN ended_at TO settled_at;
ALTER TABLE cases ADD CONSTRAINT cases_status_check CHECK (status IN
    ('open', 'snoozed', 'plan_proposed', 'plan_active', 'escalation_pending', 'escalated', 'settled'));
CREATE UNIQUE INDEX cases_one_open_per_customer ON cases (customer_id) WHERE status <> 'settled';
CREATE INDEX cases_status ON cases (status) WHERE status <> 'settled';
