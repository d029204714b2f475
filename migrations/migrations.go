// Package migrations holds owed's Postgres schema as goose SQL migrations,
// embedded in the binary, and the few migrations that need owed's own
// code (Go, in the files named for their version).
package migrations

import "embed"

// FS holds the migration files, applied in name order.
//
//go:embed *.sql
var FS embed.FS
