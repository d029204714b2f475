package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/lib/pq"
	"github.com/pressly/goose/v3"

	"github.com/owedhq/owed/collections"
)

// Go holds the migrations written in Go, applied in version order among
// the SQL files (their versions are not used by a file).
var Go = []*goose.Migration{
	// Customer names are matched without their accents: "kobo" finds
	// "Kōbō Design", and an invoice for "Kobo Design" is Kōbō's. The key
	// of every customer saved before is folded the same way.
	goose.NewGoMigration(13,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return rekeyCustomers(ctx, tx, collections.NormalizeName)
		}},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return rekeyCustomers(ctx, tx, collections.NormalizeNameKeepingAccents)
		}}),
}

// rekeyCustomers sets each customer's search_name to key(name). Keys are
// unique: a customer whose new key another customer holds, or would hold,
// keeps the key it has (found by its own spelling still, and by similar
// spellings).
func rekeyCustomers(ctx context.Context, tx *sql.Tx, key func(string) string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, name, search_name FROM customers`)
	if err != nil {
		return fmt.Errorf("read customer names: %w", err)
	}
	old := map[int64]string{}
	next := map[int64]string{}
	for rows.Next() {
		var id int64
		var name, k string
		if err := rows.Scan(&id, &name, &k); err != nil {
			rows.Close()
			return fmt.Errorf("read customer names: %w", err)
		}
		old[id], next[id] = k, k
		if nk := key(name); nk != "" {
			next[id] = nk
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read customer names: %w", err)
	}
	// A change that would give two customers one key is given up; giving
	// it up keeps a key, which may stop another change in turn.
	for changed := true; changed; {
		changed = false
		holders := map[string]int{}
		for _, k := range next {
			holders[k]++
		}
		for id, k := range next {
			if holders[k] > 1 && k != old[id] {
				next[id], changed = old[id], true
			}
		}
	}
	var ids []int64
	var keys, parked []string
	for id, k := range next {
		if k != old[id] {
			ids, keys = append(ids, id), append(keys, k)
			parked = append(parked, "\x01"+strconv.FormatInt(id, 10)) // no name normalises to it
		}
	}
	if len(ids) == 0 {
		return nil
	}
	// Two steps, so that keys passed from one customer to another are
	// never held twice at once.
	for _, k := range [][]string{parked, keys} {
		if _, err := tx.ExecContext(ctx, `UPDATE customers c SET search_name = u.key
			FROM unnest($1::bigint[], $2::text[]) u(id, key) WHERE c.id = u.id`, pq.Array(ids), pq.Array(k)); err != nil {
			return fmt.Errorf("rekey customer names: %w", err)
		}
	}
	return nil
}
