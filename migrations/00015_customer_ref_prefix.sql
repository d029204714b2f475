-- A ref is found from its start too ("C-0" lists C-001, C-002…): the ref
-- key (letters and digits, lower case) is indexed for LIKE 'start%' as well
-- as for equality, which the index it replaces served.

-- +goose Up
CREATE INDEX customers_ref_alnum_prefix ON customers (regexp_replace(lower(ref), '[^[:alnum:]]', '', 'g') text_pattern_ops);
DROP INDEX customers_ref_alnum;

-- +goose Down
CREATE INDEX customers_ref_alnum ON customers (regexp_replace(lower(ref), '[^[:alnum:]]', '', 'g'));
DROP INDEX customers_ref_alnum_prefix;
