-- The receivables ledger: customers, their invoices and the payments against
-- them. Money is bigint minor units plus an ISO 4217 code; an invoice's
-- paid_minor is kept equal to the sum of its payments by statement triggers,
-- and a CHECK makes overpayment impossible.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE customers (
    id             bigserial PRIMARY KEY,
    name           text NOT NULL CHECK (btrim(name) <> ''),
    -- search_name is the name normalised by the application (lower case,
    -- punctuation folded to single spaces); one customer per search name.
    search_name    text NOT NULL CHECK (search_name <> ''),
    ref            text CHECK (ref IS NULL OR btrim(ref) <> ''),
    email          text,
    phone          text,
    timezone       text,
    owner_slack_id text CHECK (owner_slack_id IS NULL OR owner_slack_id ~ '^[UW][A-Z0-9]{2,}$'),
    credit_limit_minor bigint CHECK (credit_limit_minor IS NULL OR credit_limit_minor >= 0),
    credit_currency    char(3) CHECK (credit_currency IS NULL OR credit_currency ~ '^[A-Z]{3}$'),
    tier           text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT customers_credit_limit_has_currency
        CHECK ((credit_limit_minor IS NULL) = (credit_currency IS NULL))
);
CREATE UNIQUE INDEX customers_search_name_key ON customers (search_name);
CREATE UNIQUE INDEX customers_ref_key ON customers (lower(ref));
-- Trigram index: word prefixes (LIKE '% acme%'), and the nearest
-- spellings in distance order (search_name <-> 'acme crop').
CREATE INDEX customers_search_name_trgm ON customers USING gist (search_name gist_trgm_ops);
-- Prefix lookups (LIKE 'acme%') whatever the database's collation.
CREATE INDEX customers_search_name_prefix ON customers (search_name text_pattern_ops);

CREATE TABLE invoices (
    id           bigserial PRIMARY KEY,
    number       text NOT NULL CHECK (btrim(number) <> ''),
    customer_id  bigint NOT NULL REFERENCES customers (id),
    currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    paid_minor   bigint NOT NULL DEFAULT 0 CHECK (paid_minor >= 0),
    issued_on    date NOT NULL,
    due_on       date NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invoices_number_key UNIQUE (number),
    CONSTRAINT invoices_paid_within_amount CHECK (paid_minor <= amount_minor),
    CONSTRAINT invoices_due_after_issue CHECK (due_on >= issued_on)
);
CREATE INDEX invoices_customer_id ON invoices (customer_id);
-- Open invoices by due date: the sweep and the aging report of today.
CREATE INDEX invoices_open_due_on ON invoices (due_on) INCLUDE (customer_id)
    WHERE paid_minor < amount_minor;

CREATE TABLE payments (
    id           bigserial PRIMARY KEY,
    invoice_id   bigint NOT NULL REFERENCES invoices (id),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    paid_on      date NOT NULL,
    reference    text CHECK (reference IS NULL OR btrim(reference) <> ''),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_invoice_id ON payments (invoice_id, paid_on) INCLUDE (amount_minor);
CREATE INDEX payments_paid_on ON payments (paid_on);
-- Re-imports are idempotent: a payment is the same payment when it has the
-- same reference on the same invoice, or, without a reference, the same
-- amount on the same date.
CREATE UNIQUE INDEX payments_reference_key ON payments (invoice_id, reference)
    WHERE reference IS NOT NULL;
CREATE UNIQUE INDEX payments_unreferenced_key ON payments (invoice_id, amount_minor, paid_on)
    WHERE reference IS NULL;

-- +goose StatementBegin
CREATE FUNCTION payments_add_to_invoices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE invoices i
       SET paid_minor = i.paid_minor + n.total, updated_at = now()
      FROM (SELECT invoice_id, sum(amount_minor) AS total FROM new_rows GROUP BY invoice_id) n
     WHERE i.id = n.invoice_id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION payments_remove_from_invoices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE invoices i
       SET paid_minor = i.paid_minor - o.total, updated_at = now()
      FROM (SELECT invoice_id, sum(amount_minor) AS total FROM old_rows GROUP BY invoice_id) o
     WHERE i.id = o.invoice_id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION payments_move_on_invoices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE invoices i
       SET paid_minor = i.paid_minor + d.delta, updated_at = now()
      FROM (SELECT invoice_id, sum(delta) AS delta FROM (
                SELECT invoice_id, amount_minor AS delta FROM new_rows
                UNION ALL
                SELECT invoice_id, -amount_minor FROM old_rows) x
             GROUP BY invoice_id) d
     WHERE i.id = d.invoice_id AND d.delta <> 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER payments_after_insert AFTER INSERT ON payments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION payments_add_to_invoices();
CREATE TRIGGER payments_after_delete AFTER DELETE ON payments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION payments_remove_from_invoices();
CREATE TRIGGER payments_after_update AFTER UPDATE ON payments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION payments_move_on_invoices();

-- +goose Down
DROP TABLE payments;
DROP FUNCTION payments_add_to_invoices, payments_remove_from_invoices, payments_move_on_invoices;
DROP TABLE invoices;
DROP TABLE customers;
