-- What a case's message shows in dispute, per currency, beside what it
-- shows overdue (overdue_text): a payment or a credit note on an invoice
-- in dispute changes it, and the sweep tells the change and redraws the
-- message, as it does for the overdue amount. NULL for a case last drawn
-- before this was kept: its disputed part is not compared until it is
-- drawn again.

-- +goose Up
ALTER TABLE cases ADD COLUMN disputed_text text;

-- +goose Down
ALTER TABLE cases DROP COLUMN disputed_text;
