package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

// idlePrimed counts the database's idle connections whose last query was
// the priming one's last, the rehearsal of a click.
const idlePrimed = `SELECT count(*) FROM pg_stat_activity
 WHERE datname = current_database() AND state = 'idle' AND query LIKE '%DO $rehearsal$%'`

func TestWarm_OpensEveryConnectionOfThePoolPrimedOnceTheSchemaIsCurrent(t *testing.T) {
	ctx := context.Background()
	url := dbtest.URL(t)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	probe, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	probe.SetMaxOpenConns(1)

	// Before the schema is known to be current, nothing is primed: a
	// database not yet migrated has no tables to look at.
	if err := db.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, probe, idlePrimed); n != 0 {
		t.Fatalf("%d connections primed before the schema was checked", n)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	fresh, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := fresh.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sender, err := fresh.OpenPool(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	for _, pool := range []*postgres.DB{fresh, sender} {
		if err := pool.Warm(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, probe, idlePrimed); n != 20+3 {
		t.Errorf("%d idle primed connections, want %d (20 of the main pool, 3 of the sender's)", n, 20+3)
	}
}

func TestPool_NoQueryFailsOnAConnectionTheServerDropped(t *testing.T) {
	ctx := context.Background()
	proxy := dbtest.NewProxy(t, dbtest.URL(t))
	db, err := postgres.Open(ctx, proxy.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	// The server goes away and comes back (a restart, a network cut): the
	// 20 connections the pool holds are dead.
	proxy.Cut()
	proxy.Restore()
	time.Sleep(300 * time.Millisecond) // idle long enough to be checked before reuse
	// A connection taken from the pool for several queries (as the leader
	// election holds one) gets no second chance: it must be a live one.
	for i := range 25 {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatalf("connection %d after the outage: %v", i+1, err)
		}
		var one int
		err = conn.QueryRowContext(ctx, `SELECT $1::int`, i).Scan(&one)
		conn.Close()
		if err != nil || one != i {
			t.Fatalf("query %d after the outage: %d, %v", i+1, one, err)
		}
	}
}

// TestRehearsal_RunsAndLeavesNothing: the rehearsal of a click, run on
// every new connection, succeeds on the current schema (a failure would
// go unnoticed, as priming is best effort) and leaves no row behind.
func TestRehearsal_RunsAndLeavesNothing(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	if _, err := db.ExecContext(ctx, postgres.RehearseSQL); err != nil {
		t.Fatalf("the rehearsal fails: %v", err)
	}
	for _, table := range []string{"customers", "cases", "audit_log", "outbox"} {
		if n := count(t, db, `SELECT count(*) FROM `+table); n != 0 {
			t.Errorf("%d rows left in %s", n, table)
		}
	}
}

// TestRehearsal_ConnectionsDoNotWaitForEachOther: connections opened
// together rehearse together. One connection's rehearsal, held open here
// before it would roll back, must not hold up another's.
func TestRehearsal_ConnectionsDoNotWaitForEachOther(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	held, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback()
	kept := strings.Replace(postgres.RehearseSQL, "RAISE SQLSTATE 'OWED0';", "NULL;", 1)
	if kept == postgres.RehearseSQL {
		t.Fatal("the rehearsal no longer rolls back by raising OWED0")
	}
	if _, err := held.ExecContext(ctx, kept); err != nil {
		t.Fatal(err)
	}
	other, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := db.ExecContext(other, postgres.RehearseSQL); err != nil {
		t.Fatalf("a rehearsal waited for another connection's: %v", err)
	}
}
