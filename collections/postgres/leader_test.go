package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

func TestLeader_OneReplicaLeadsUntilItResigns(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	a, b := postgres.NewLeader(db), postgres.NewLeader(db)
	if err := a.IsLeader(ctx); err != nil {
		t.Fatalf("first replica: %v", err)
	}
	if err := a.IsLeader(ctx); err != nil {
		t.Fatalf("the leader lost the lead by asking again: %v", err)
	}
	if err := b.IsLeader(ctx); !errors.Is(err, postgres.ErrNotLeader) {
		t.Fatalf("second replica: err = %v, want ErrNotLeader", err)
	}
	a.Resign()
	if err := b.IsLeader(ctx); err != nil {
		t.Fatalf("after the leader resigned: %v", err)
	}
	if a.Leading(ctx) {
		t.Error("the resigned replica took the lead back from the new leader")
	}
	b.Resign()
}
