package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/pgcluster"
)

// localDataDir is where `owed dev` keeps its own Postgres cluster.
const localDataDir = ".owed/pgdata"

// databaseURL returns DATABASE_URL, or else the URL of the local cluster
// under .owed/ when startLocal is set (starting it, creating it if needed)
// or when it already exists (starting it if needed). stop stops a local
// server this call started: with startLocal (owed dev), at once; else (a
// command of the command line) once no one else uses it, so that a
// command leaves no server behind, but never stops one `make run` took
// up meanwhile.
func databaseURL(ctx context.Context, env *Env, startLocal bool) (url string, stop func(), err error) {
	if u := env.Getenv("DATABASE_URL"); u != "" {
		return u, func() {}, nil
	}
	if _, err := os.Stat(filepath.Join(localDataDir, "PG_VERSION")); err != nil && !startLocal {
		return "", nil, collections.Errorf(collections.EINVALID, "DATABASE_URL is not set (or run `make run` once to create the local database under .owed/)")
	}
	c, err := pgcluster.Start(ctx, localDataDir, pgcluster.Options{})
	if err != nil {
		if errors.Is(err, pgcluster.ErrNoServer) {
			return "", nil, collections.Errorf(collections.EINVALID, "%s", err.Error())
		}
		return "", nil, fmt.Errorf("start the local database under .owed/: %w", err)
	}
	stop = func() {}
	switch {
	case c.Started && startLocal:
		stop = func() { c.Stop(context.Background()) }
	case c.Started:
		stop = func() { stopWhenIdle(c) }
	}
	return c.URL("postgres"), stop, nil
}

// localDatabaseURL is databaseURL for a command of the command line: a
// local server it had to start is stopped when the command exits.
func localDatabaseURL(ctx context.Context, env *Env) (string, error) {
	url, stop, err := databaseURL(ctx, env, false)
	if err != nil {
		return "", err
	}
	env.onExit(stop)
	return url, nil
}

// stopWhenIdle stops the local server unless another program (owed dev,
// another command) is connected to it.
func stopWhenIdle(c *pgcluster.Cluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("postgres", c.URL("postgres"))
	if err != nil {
		return
	}
	var others int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`).Scan(&others)
	db.Close()
	if err == nil && others == 0 {
		c.Stop(ctx)
	}
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
