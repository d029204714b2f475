-- A credit limit given without a currency (a customers file with a bare
-- credit_limit column) is kept as the decimal written: it is in the
-- currency the customer is invoiced in. A limit with a currency stays in
-- credit_limit_minor and credit_currency; a customer has one or the other.

-- +goose Up
ALTER TABLE customers ADD COLUMN credit_limit_amount numeric CHECK (credit_limit_amount >= 0);

-- +goose Down
ALTER TABLE customers DROP COLUMN credit_limit_amount;
