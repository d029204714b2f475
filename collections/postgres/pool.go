package postgres

import (
	"context"
	"errors"
	"fmt"
)

// OpenPool opens another connection pool to the same database, of at most
// maxConns connections: work that must not queue behind the main pool's
// (the Slack sender behind a burst of clicks) gets its own.
func (db *DB) OpenPool(ctx context.Context, maxConns int) (*DB, error) {
	if db.url == "" {
		return nil, errors.New("open pool: the database was not opened with a URL")
	}
	other, err := Open(ctx, db.url)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	other.SetMaxOpenConns(maxConns)
	other.SetMaxIdleConns(maxConns)
	return other, nil
}
