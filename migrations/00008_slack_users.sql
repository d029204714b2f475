-- The names of the Slack users owed has met (account owners, people who
-- clicked), so that places without Slack's rendering of mentions (the
-- command line) can say who someone is.

-- +goose Up
CREATE TABLE slack_users (
    id      text PRIMARY KEY CHECK (id ~ '^[UW][A-Z0-9]{2,}$'),
    name    text NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE slack_users;
