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
