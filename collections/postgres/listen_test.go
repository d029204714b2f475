package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

func awaitWake(t *testing.T, ctx context.Context, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-ctx.Done():
		t.Fatalf("no wake-up for %s", what)
	}
}

func TestListener_WakesOnlyTheNotifiedChannel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db := dbtest.New(t)
	l, err := db.Listen(ctx, "owed_a", "owed_b")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for range 3 {
		if _, err := db.ExecContext(ctx, `SELECT pg_notify('owed_a', '')`); err != nil {
			t.Fatal(err)
		}
	}
	awaitWake(t, ctx, l.Wake("owed_a"), "owed_a")
	// Notifications arrive in order: a wake-up for owed_b would be here now.
	if _, err := db.ExecContext(ctx, `SELECT pg_notify('owed_a', 'last')`); err != nil {
		t.Fatal(err)
	}
	awaitWake(t, ctx, l.Wake("owed_a"), "owed_a again")
	select {
	case <-l.Wake("owed_b"):
		t.Errorf("owed_b was woken by notifications on owed_a")
	default:
	}
	if l.Wake("owed_c") != nil {
		t.Errorf("a channel not listened on has a wake-up channel")
	}
}

func TestListener_ReconnectWakesEverySubscriber(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db := dbtest.New(t)
	l, err := db.Listen(ctx, "owed_a", "owed_b")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// The listener's connection dies, as when Postgres restarts: whatever
	// was notified meanwhile is lost, so every subscriber must look.
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'`); err != nil || n != 1 {
		t.Fatalf("terminate the listener's connection: %d, %v", n, err)
	}
	awaitWake(t, ctx, l.Wake("owed_a"), "owed_a after reconnecting")
	awaitWake(t, ctx, l.Wake("owed_b"), "owed_b after reconnecting")
	// And it listens again.
	if _, err := db.ExecContext(ctx, `SELECT pg_notify('owed_b', '')`); err != nil {
		t.Fatal(err)
	}
	awaitWake(t, ctx, l.Wake("owed_b"), "owed_b after a notification on the new connection")
	if err := l.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// newOutboxItem queues one message for a new case, as the case service does.
// newOutbox returns the outbox of a database of its own, and a context
// bounded for the test.
func newOutbox(t *testing.T) (context.Context, *postgres.DB, *postgres.OutboxService) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	db := dbtest.New(t)
	return ctx, db, postgres.NewOutboxService(db)
}

func newOutboxItem(t *testing.T, ctx context.Context, db *postgres.DB) int64 {
	t.Helper()
	var id int64
	err := db.GetContext(ctx, &id, `
WITH c AS (INSERT INTO customers (name, search_name) VALUES ('ACME Corp.', 'acme corp') RETURNING id),
     k AS (INSERT INTO cases (customer_id, channel_id) SELECT id, 'C0COLLECT' FROM c RETURNING id)
INSERT INTO outbox (kind, case_id) SELECT 'alert', id FROM k RETURNING id`)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestOutbox_AnItemHeldByADeadSenderIsInDoubt(t *testing.T) {
	t.Parallel()
	ctx, db, out := newOutbox(t)
	id := newOutboxItem(t, ctx, db)
	claim := func() collections.OutboxItem {
		t.Helper()
		items, err := out.ClaimOutboxItems(ctx, 0, 10, 10) // a lease that has already run out
		if err != nil || len(items) != 1 || items[0].ID != id {
			t.Fatalf("claim: %+v, %v", items, err)
		}
		return items[0]
	}
	if it := claim(); it.InDoubt || it.Attempts != 1 {
		t.Errorf("first claim: %+v, want attempt 1 not in doubt", it)
	}
	// The sender died holding it: its post may be in Slack.
	if it := claim(); !it.InDoubt || it.Attempts != 2 {
		t.Errorf("claim after a dead sender: %+v, want attempt 2 in doubt", it)
	}
}

func TestOutbox_DoubtPacingAndTheNextDueItem(t *testing.T) {
	t.Parallel()
	ctx, db, out := newOutbox(t)
	id := newOutboxItem(t, ctx, db)
	claim := func() collections.OutboxItem {
		t.Helper()
		items, err := out.ClaimOutboxItems(ctx, time.Minute, 10, 10)
		if err != nil || len(items) != 1 || items[0].ID != id {
			t.Fatalf("claim: %+v, %v", items, err)
		}
		return items[0]
	}
	claim()
	if items, _ := out.ClaimOutboxItems(ctx, time.Minute, 10, 10); len(items) != 0 {
		t.Fatalf("a leased item was handed out twice")
	}
	if err := out.OutboxPace(ctx, id, 0); err != nil {
		t.Fatal(err)
	}
	if it := claim(); it.Attempts != 1 || it.InDoubt {
		t.Errorf("after pacing: %+v, want still attempt 1, not in doubt", it)
	}
	if err := out.OutboxRetry(ctx, id, 0, "Slack said no", false); err != nil {
		t.Fatal(err)
	}
	if it := claim(); it.Attempts != 2 || it.InDoubt {
		t.Errorf("after a refused attempt: %+v, want attempt 2, not in doubt", it)
	}
	if err := out.OutboxRetry(ctx, id, time.Hour, "answer lost", true); err != nil {
		t.Fatal(err)
	}
	// A later item of the same case waits behind it, so nothing is due for an hour.
	if _, err := db.ExecContext(ctx, `INSERT INTO outbox (kind, case_id) SELECT 'thread', case_id FROM outbox WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	wait, ok, err := out.NextOutboxDue(ctx, true)
	if err != nil || !ok || wait < 59*time.Minute {
		t.Errorf("next due = %v, %v, %v; want about an hour", wait, ok, err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE outbox SET not_before = now() WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if it := claim(); it.Attempts != 3 || !it.InDoubt {
		t.Errorf("after a lost answer: %+v, want attempt 3 in doubt", it)
	}
	if err := out.OutboxDone(ctx, id); err != nil {
		t.Fatal(err)
	}
	if n, _ := out.PendingOutboxItems(ctx); n != 1 {
		t.Errorf("pending = %d, want the thread line", n)
	}
}

// TestOutbox_NewPostsAreClaimedOnlyAsTheChannelTakesThem: thread lines
// and first posts of alerts wait for the channel's pace, so a claim takes
// only as many as the sender asks for, oldest first, and says which they
// are; edits of posted alerts are claimed regardless. While no new post
// may be claimed, the next due item is the next edit.
func TestOutbox_NewPostsAreClaimedOnlyAsTheChannelTakesThem(t *testing.T) {
	t.Parallel()
	ctx, db, out := newOutbox(t)
	newPost := newOutboxItem(t, ctx, db) // an alert not posted yet
	var edit, thread1, thread2 int64
	for i, it := range []struct {
		id   *int64
		kind string
	}{{&edit, "alert"}, {&thread1, "thread"}, {&thread2, "thread"}} {
		name := fmt.Sprintf("globex %d", i)
		err := db.GetContext(ctx, it.id, `
WITH c AS (INSERT INTO customers (name, search_name) VALUES ($2, $2) RETURNING id),
     k AS (INSERT INTO cases (customer_id, channel_id, message_ts) SELECT id, 'C0COLLECT', '1700000000.000100' FROM c RETURNING id)
INSERT INTO outbox (kind, case_id) SELECT $1, id FROM k RETURNING id`, it.kind, name)
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `UPDATE outbox SET not_before = now() + interval '1 hour' WHERE id = $1`, edit); err != nil {
		t.Fatal(err)
	}
	wait, ok, err := out.NextOutboxDue(ctx, false)
	if err != nil || !ok || wait < 59*time.Minute {
		t.Errorf("next due leaving out new posts = %v, %v, %v; want the edit's hour", wait, ok, err)
	}
	if wait, ok, err := out.NextOutboxDue(ctx, true); err != nil || !ok || wait != 0 {
		t.Errorf("next due = %v, %v, %v; want the posts, due now", wait, ok, err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE outbox SET not_before = now() WHERE id = $1`, edit); err != nil {
		t.Fatal(err)
	}
	claimed := func(posts int) map[int64]bool {
		t.Helper()
		items, err := out.ClaimOutboxItems(ctx, time.Minute, 10, posts)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]bool{}
		for _, it := range items {
			got[it.ID] = it.Posts
		}
		return got
	}
	if got := claimed(0); len(got) != 1 || got[edit] {
		t.Errorf("claimed with no new posts: %v, want only the edit %d, not posting", got, edit)
	}
	if got := claimed(1); len(got) != 1 || !got[newPost] {
		t.Errorf("claimed with one new post: %v, want the oldest post %d", got, newPost)
	}
	if got := claimed(5); len(got) != 2 || !got[thread1] || !got[thread2] {
		t.Errorf("claimed with five new posts: %v, want the thread lines %d and %d", got, thread1, thread2)
	}
}
