package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/internal/dbtest"
)

func TestImport_PaymentURLIsSetChangedAndKept(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	link := func() string {
		t.Helper()
		var s string
		if err := db.GetContext(ctx, &s, `SELECT coalesce(payment_url, '') FROM invoices WHERE number = 'A-1'`); err != nil {
			t.Fatal(err)
		}
		return s
	}
	steps := []struct {
		name, body, want string
		updated          int
	}{
		{"NewWithALink", "number,customer,currency,amount,issued_on,due_on,Payment Link\nA-1,ACME,USD,10.00,2026-01-01,2026-02-01,https://pay.example/a1\n", "https://pay.example/a1", 0},
		{"ChangedLink", "number,customer,currency,amount,issued_on,due_on,payment_url\nA-1,ACME,USD,10.00,2026-01-01,2026-02-01,https://pay.example/a1-new\n", "https://pay.example/a1-new", 1},
		{"EmptyCellKeepsIt", "number,customer,currency,amount,issued_on,due_on,payment_url\nA-1,ACME,USD,10.00,2026-01-01,2026-02-01,\n", "https://pay.example/a1-new", 0},
		{"NoColumnKeepsIt", "number,customer,currency,amount,issued_on,due_on\nA-1,ACME,USD,10.00,2026-01-01,2026-02-01\n", "https://pay.example/a1-new", 0},
	}
	for _, s := range steps {
		res, err := importBody(db, collections.ImportInvoices, "i.csv", s.body)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := link(); got != s.want || res.Updated != s.updated {
			t.Errorf("%s: link %q (want %q), %d updated (want %d)", s.name, got, s.want, res.Updated, s.updated)
		}
	}
	_, err := importBody(db, collections.ImportInvoices, "i.csv", "number,customer,currency,amount,issued_on,due_on,payment_url\nA-2,ACME,USD,10.00,2026-01-01,2026-02-01,javascript:alert(1)\n")
	if ps := problemsOf(t, err); len(ps) != 1 || !strings.Contains(ps[0], "i.csv:2: payment_url:") {
		t.Errorf("a link that is not http(s): %v", ps)
	}
}
