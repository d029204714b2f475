package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
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
	other.connector.prime.Store(db.connector.prime.Load())
	other.SetMaxOpenConns(maxConns)
	other.SetMaxIdleConns(maxConns)
	return other, nil
}

// warmTimeout bounds Warm.
const warmTimeout = 30 * time.Second

// Warm opens every connection of the pool, holding each until all are
// open, and leaves them idle, primed, so that the first burst of clicks
// after a start does not wait for connections to be opened. It gives up
// after warmTimeout.
func (db *DB) Warm(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, warmTimeout)
	defer cancel()
	n := db.Stats().MaxOpenConnections
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("warm the connection pool: %w", err)
		}
		conns = append(conns, c)
	}
	if !db.connector.prime.Load() {
		return nil
	}
	// Connections opened once the schema was known are primed already;
	// priming again costs a few milliseconds each, once.
	for _, c := range conns {
		for _, q := range []string{primeSQL, rehearseSQL} {
			if _, err := c.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("prime a connection: %w", err)
			}
		}
	}
	return nil
}
