package postgres

// OverdueCustomersQuery is the bare SQL behind the sweep, for benchmarks.
const OverdueCustomersQuery = overdueCustomersQuery
