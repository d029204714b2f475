-- The records a collector keeps: contacts with the customer, promises to
-- pay and disputed invoices. A disputed invoice leaves the chase (the
-- overdue total, stages, reminders, escalations) until its dispute is
-- resolved "the customer will pay"; resolved "we will credit it", it
-- stays out until the ledger changes it (its amount or what was paid).

-- +goose Up
CREATE TABLE contacts (
    id           bigserial PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases (id),
    customer_id  bigint NOT NULL REFERENCES customers (id),
    channel      text NOT NULL,
    outcome      text NOT NULL,
    notes        text NOT NULL DEFAULT '',
    follow_up_on date,
    logged_by    text NOT NULL,
    logged_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_customer ON contacts (customer_id, id);

CREATE TABLE promises (
    id           bigserial PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases (id),
    currency     char(3) NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    due_on       date NOT NULL,
    made_by      text NOT NULL,
    made_on      date NOT NULL,
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'kept', 'broken', 'replaced')),
    decided_at   timestamptz
);
-- At most one open promise per case.
CREATE UNIQUE INDEX promises_one_open_per_case ON promises (case_id) WHERE status = 'open';

CREATE TABLE disputes (
    id                bigserial PRIMARY KEY,
    invoice_id        bigint NOT NULL REFERENCES invoices (id),
    case_id           bigint REFERENCES cases (id),
    reason            text NOT NULL,
    note              text NOT NULL DEFAULT '',
    opened_by         text NOT NULL,
    opened_at         timestamptz NOT NULL DEFAULT now(),
    resolution        text CHECK (resolution IN ('pay', 'credit')),
    resolved_by       text,
    resolved_at       timestamptz,
    -- for "we will credit it": the invoice as it was, so that a change of
    -- the ledger brings it back into the chase
    amount_at_resolve bigint,
    paid_at_resolve   bigint
);
-- At most one open dispute per invoice.
CREATE UNIQUE INDEX disputes_one_open_per_invoice ON disputes (invoice_id) WHERE resolved_at IS NULL;
CREATE INDEX disputes_live ON disputes (invoice_id) WHERE resolution IS DISTINCT FROM 'pay';

-- +goose Down
DROP TABLE disputes;
DROP TABLE promises;
DROP TABLE contacts;
