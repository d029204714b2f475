package postgres_test

import (
	"context"
	"testing"

	"github.com/owedhq/owed/internal/dbtest"
)

func TestMigrations_UpDownUp(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	countTables := func() int {
		var n int
		if err := db.GetContext(ctx, &n, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'goose_db_version'`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	want := countTables()
	if want == 0 {
		t.Fatal("migrated database has no tables")
	}
	if ok, err := db.MigrationsCurrent(ctx); err != nil || !ok {
		t.Fatalf("MigrationsCurrent = %v, %v; want true", ok, err)
	}
	if err := db.MigrateDownTo(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if n := countTables(); n != 0 {
		t.Fatalf("after down: %d tables left", n)
	}
	if ok, _ := db.MigrationsCurrent(ctx); ok {
		t.Fatal("MigrationsCurrent = true after rolling back")
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countTables(); n != want {
		t.Fatalf("after up again: %d tables, want %d", n, want)
	}
}
