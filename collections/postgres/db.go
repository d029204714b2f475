// Package postgres stores owed's ledger, collection cases and audit log in
// PostgreSQL; it implements the services declared by package collections.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/owedhq/owed/migrations"
)

// DB is a connection pool to owed's database.
type DB struct {
	*sqlx.DB
	url       string // for listeners, which hold a connection of their own
	connector *connector
}

// Open connects to the database at url and checks that it answers. Its
// errors never show the password written in url.
func Open(ctx context.Context, url string) (*DB, error) {
	c, err := newConnector(url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", RedactError(err, url))
	}
	db := sqlx.NewDb(sql.OpenDB(c), "postgres")
	// Idle connections are kept up to the maximum, however long idle: a
	// burst of clicks finds them open and primed instead of waiting for
	// new ones.
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", RedactError(err, url))
	}
	return &DB{DB: db, url: url, connector: c}, nil
}

// schemaCurrent primes the connections opened from now on: the schema has
// every table they look at.
func (db *DB) schemaCurrent() { db.connector.prime.Store(true) }

// maxConns bounds a pool's connections.
const maxConns = 20

// migrationLockID is the advisory lock key held while migrating, so that
// replicas starting together apply each migration once.
const migrationLockID = 0x6f776564 // "owed"

func (db *DB) migrator() (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID))
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB.DB, migrations.FS,
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(migrations.Go...))
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration under an advisory lock and
// returns the number applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	p, err := db.migrator()
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate: %w", err)
	}
	db.schemaCurrent()
	return len(res), nil
}

// MigrateDownTo rolls migrations back until version is the newest applied
// (0 rolls back everything).
func (db *DB) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	db.connector.prime.Store(false)
	if _, err := p.DownTo(ctx, version); err != nil {
		return fmt.Errorf("migrate down to %d: %w", version, err)
	}
	return nil
}

// MigrationsCurrent reports whether every migration has been applied. It
// only reads: a database never migrated has every migration pending.
func (db *DB) MigrationsCurrent(ctx context.Context) (bool, error) {
	n, err := db.PendingMigrations(ctx)
	return n == 0, err
}

// PendingMigrations returns the number of migrations not yet applied,
// reading goose's version table without creating or locking anything, so
// that read-only commands can refuse to run on an old schema.
func (db *DB) PendingMigrations(ctx context.Context) (int, error) {
	p, err := db.migrator()
	if err != nil {
		return 0, err
	}
	var versions []int64
	err = db.SelectContext(ctx, &versions, `
SELECT version_id FROM (
    SELECT DISTINCT ON (version_id) version_id, is_applied
      FROM goose_db_version ORDER BY version_id, id DESC) v
 WHERE is_applied`)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "42P01" { // no version table: never migrated
		versions, err = nil, nil
	}
	if err != nil {
		return 0, fmt.Errorf("check migrations: %w", err)
	}
	pending := 0
	for _, src := range p.ListSources() {
		if !slices.Contains(versions, src.Version) {
			pending++
		}
	}
	if pending == 0 {
		db.schemaCurrent()
	}
	return pending, nil
}

// Transact runs fn in a transaction, committing when it returns nil and
// rolling back otherwise. Serialization failures and deadlocks are retried.
func (db *DB) Transact(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.transactOnce(ctx, fn)
		if err == nil || attempt == 3 || !isRetryable(err) {
			return err
		}
	}
}

func (db *DB) transactOnce(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func isRetryable(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Code == "40001" || pqErr.Code == "40P01"
	}
	return false
}

// noRows reports whether err is sql.ErrNoRows.
func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
