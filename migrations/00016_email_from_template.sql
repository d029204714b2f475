-- An email owed wrote from a template, its subject and message untouched
-- by a person, is written again as it leaves: a reminder held overnight
-- for the send window then tells the balances and days overdue of the
-- morning it reaches the customer, not those of the evening it was queued
-- (a part payment since, an invoice paid in full, another day overdue).
-- A message a person wrote goes as they wrote it.

-- +goose Up
ALTER TABLE emails ADD COLUMN from_template boolean NOT NULL DEFAULT false;
ALTER TABLE emails ADD COLUMN signed_by text NOT NULL DEFAULT ''; -- the person the template signs it with; '' for owed

-- +goose Down
ALTER TABLE emails DROP COLUMN signed_by;
ALTER TABLE emails DROP COLUMN from_template;
