package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

func TestLed_SeesTheLeadWithoutTakingIt(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db := dbtest.New(t)
	led := func() bool {
		t.Helper()
		ok, err := postgres.Led(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if led() {
		t.Fatal("led before anyone leads")
	}
	if led() {
		t.Fatal("asking took the lead")
	}
	l := postgres.NewLeader(db)
	if err := l.IsLeader(ctx); err != nil {
		t.Fatal(err)
	}
	if !led() {
		t.Error("the lead is held, Led says no")
	}
	l.Resign()
	if led() {
		t.Error("led after the leader resigned")
	}
}
