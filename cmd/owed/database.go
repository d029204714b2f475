package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/pgcluster"
)

// localDataDir is where `owed dev` keeps its own Postgres cluster.
const localDataDir = ".owed/pgdata"

// databaseURL returns DATABASE_URL, or else the URL of the local cluster
// under .owed/ when startLocal is set (starting it, creating it if needed)
// or when it already exists (starting it if needed). stop is for when the
// caller is done with the local server: the last of its users (owed dev,
// the commands of the command line) to be done stops it, so that nothing
// is left running behind them, and none stops it under another.
func databaseURL(ctx context.Context, env *Env, startLocal bool) (url string, stop func(), err error) {
	if u := env.Getenv("DATABASE_URL"); u != "" {
		return u, func() {}, nil
	}
	if _, err := os.Stat(filepath.Join(localDataDir, "PG_VERSION")); err != nil && !startLocal {
		return "", nil, collections.Errorf(collections.EINVALID, "DATABASE_URL is not set (or run `make run` once to create the local database under .owed/)")
	}
	share, err := shareLocalServer()
	if err != nil {
		return "", nil, err
	}
	c, err := pgcluster.Start(ctx, localDataDir, pgcluster.Options{})
	if err != nil {
		share.Close()
		if errors.Is(err, pgcluster.ErrNoServer) {
			return "", nil, collections.Errorf(collections.EINVALID, "%s", err.Error())
		}
		return "", nil, fmt.Errorf("start the local database under .owed/: %w", err)
	}
	return c.URL("postgres"), func() { stopIfLast(share, c) }, nil
}

// localServerUsers is the file each user of the local server holds a
// shared lock on while it uses it (the kernel's flock: it ends with the
// process, however it ends).
const localServerUsers = ".owed/pgdata.users"

// shareLocalServer takes a share of the local server: it waits while
// another user is stopping it.
func shareLocalServer() (*os.File, error) {
	f, err := lockFile(localServerUsers, syscall.LOCK_SH)
	if err != nil {
		return nil, fmt.Errorf("local database: %w", err)
	}
	return f, nil
}

// stopIfLast gives up a share of the local server, and stops the server
// when no one else holds one.
func stopIfLast(share *os.File, c *pgcluster.Cluster) {
	defer share.Close()
	if err := syscall.Flock(int(share.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return // another user still has it
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c.Stop(ctx)
}

// localDatabaseURL is databaseURL for a command of the command line: its
// share of the local server is given up when the command exits.
func localDatabaseURL(ctx context.Context, env *Env) (string, error) {
	url, stop, err := databaseURL(ctx, env, false)
	if err != nil {
		return "", err
	}
	env.onExit(stop)
	return url, nil
}

// openDB connects to DATABASE_URL or the local database, and applies
// pending migrations.
func openDB(ctx context.Context, env *Env) (*postgres.DB, error) {
	url, err := localDatabaseURL(ctx, env)
	if err != nil {
		return nil, err
	}
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openReadOnlyDB connects for a command that only reads, or a dry run. It
// never migrates: when migrations are pending it refuses, saying to run
// `owed migrate`.
func openReadOnlyDB(ctx context.Context, env *Env) (*postgres.DB, error) {
	url, err := localDatabaseURL(ctx, env)
	if err != nil {
		return nil, err
	}
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	pending, err := db.PendingMigrations(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if pending > 0 {
		db.Close()
		return nil, collections.Errorf(collections.EINVALID, "the database schema is out of date (%s pending); run `owed migrate` first",
			collections.Plural(pending, "migration", "migrations"))
	}
	return db, nil
}

// businessLocation returns OWED_TIMEZONE (default UTC).
func businessLocation(getenv func(string) string) (*time.Location, error) {
	name := strings.TrimSpace(getenv("OWED_TIMEZONE"))
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, collections.Errorf(collections.EINVALID, "OWED_TIMEZONE %q is not an IANA time zone (like Europe/Paris)", name)
	}
	return loc, nil
}

// asOfDate returns the --as-of date, or today in the business time zone.
func asOfDate(env *Env, flagValue string) (time.Time, error) {
	if flagValue != "" {
		d, err := collections.ParseDate(flagValue)
		if err != nil {
			return time.Time{}, usagef("--as-of: %s", collections.ErrorMessage(err))
		}
		return d, nil
	}
	loc, err := businessLocation(env.Getenv)
	if err != nil {
		return time.Time{}, err
	}
	return collections.DateIn(time.Now(), loc), nil
}
