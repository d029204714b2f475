package postgres

import (
	"context"
	"time"

	"github.com/owedhq/owed/collections"
)

// OverdueCustomersQuery is the bare SQL behind the sweep, for benchmarks.
const OverdueCustomersQuery = overdueCustomersQuery

// OverdueCustomers is what the sweep reads each customer owes, for tests.
func (s *CaseService) OverdueCustomers(ctx context.Context, asOf time.Time) ([]collections.OverdueCustomer, error) {
	return s.overdueCustomers(ctx, asOf)
}

// RehearseSQL is what a new connection runs to rehearse a click, for tests.
var RehearseSQL = rehearseSQL

// QueuedWrites is how many status writes wait for the group in flight.
func (s *CaseService) QueuedWrites() int {
	s.writes.mu.Lock()
	defer s.writes.mu.Unlock()
	return len(s.writes.queue)
}
