package postgres

import (
	"context"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
)

// statement is a query prepared on first use and kept: the server parses
// and plans it once per connection instead of at every call, which is most
// of what a small query or a frequent claim costs.
type statement struct {
	name  string // what it is, for errors
	query string

	mu   sync.Mutex
	stmt *sqlx.Stmt
}

// prepared returns the statement, preparing it when needed. A failed
// preparation is tried again at the next call.
func (s *statement) prepared(ctx context.Context, db *DB) (*sqlx.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stmt == nil {
		st, err := db.PreparexContext(ctx, s.query)
		if err != nil {
			return nil, fmt.Errorf("prepare %s: %w", s.name, err)
		}
		s.stmt = st
	}
	return s.stmt, nil
}
