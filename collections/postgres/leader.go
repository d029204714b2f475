package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// ErrNotLeader is returned by Leader.IsLeader when another replica leads.
var ErrNotLeader = errors.New("another replica is the leader")

// leaderLockID is the advisory lock key that elects the replica running
// the sweep and the Slack sender.
const leaderLockID = 0x6f776564_6c656164 // "owedlead"

// Leader elects one replica with a session advisory lock held on a pinned
// connection: the lock lasts as long as the connection, so a replica that
// dies or loses the database loses the lead. It satisfies gocron's
// Elector interface.
type Leader struct {
	db *DB

	mu   sync.Mutex
	conn *sql.Conn
}

// NewLeader returns a Leader on db.
func NewLeader(db *DB) *Leader { return &Leader{db: db} }

// IsLeader returns nil when this replica holds the lock (taking it if it
// is free) and ErrNotLeader when another does.
func (l *Leader) IsLeader(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		if err := l.conn.PingContext(ctx); err == nil {
			return nil
		}
		l.conn.Close() // the lock went with the connection
		l.conn = nil
	}
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("leader election: %w", err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, int64(leaderLockID)).Scan(&got); err != nil {
		conn.Close()
		return fmt.Errorf("leader election: %w", err)
	}
	if !got {
		conn.Close()
		return ErrNotLeader
	}
	l.conn = conn
	return nil
}

// Leading reports whether this replica leads (see IsLeader).
func (l *Leader) Leading(ctx context.Context) bool { return l.IsLeader(ctx) == nil }

// Resign releases the lead.
func (l *Leader) Resign() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		l.conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(leaderLockID))
		l.conn.Close()
		l.conn = nil
	}
}

// Led reports whether a replica (this one or another) holds the lead,
// without taking it.
func Led(ctx context.Context, db *DB) (bool, error) {
	var held bool
	err := db.GetContext(ctx, &held, `SELECT EXISTS (SELECT 1 FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1
		  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND classid::bigint = $1 AND objid::bigint = $2)`,
		int64(uint64(leaderLockID)>>32), int64(uint64(leaderLockID)&0xffffffff))
	if err != nil {
		return false, fmt.Errorf("who leads: %w", err)
	}
	return held, nil
}
