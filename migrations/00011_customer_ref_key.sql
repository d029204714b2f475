-- A customer's ref is found however its punctuation is typed: "C001",
-- "c-001" and "C 001" all find C-001. The key is the ref in lower case,
-- letters and digits only.

-- +goose Up
CREATE INDEX customers_ref_alnum ON customers (regexp_replace(lower(ref), '[^[:alnum:]]', '', 'g'));

-- +goose Down
DROP INDEX customers_ref_alnum;
