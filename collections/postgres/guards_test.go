package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/lib/pq"

	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

// The database's own guards, exercised with SQL alone: whatever the
// application does, these rows cannot exist.

// refusedBy checks that err is Postgres refusing with code on constraint.
func refusedBy(t *testing.T, err error, code, constraint string) {
	t.Helper()
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		t.Fatalf("err = %v, want Postgres to refuse with %s on %s", err, code, constraint)
	}
	if string(pqErr.Code) != code || pqErr.Constraint != constraint {
		t.Fatalf("refused with %s on %q (%s), want %s on %s", pqErr.Code, pqErr.Constraint, pqErr.Message, code, constraint)
	}
}

// ledgerRow inserts a customer and one USD 100.00 invoice, returning their ids.
func ledgerRow(t *testing.T, db *postgres.DB) (customerID, invoiceID int64) {
	t.Helper()
	ctx := context.Background()
	if err := db.GetContext(ctx, &customerID,
		`INSERT INTO customers (name, search_name) VALUES ('Acme', 'acme') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &invoiceID, `
INSERT INTO invoices (number, customer_id, currency, amount_minor, issued_on, due_on)
VALUES ('INV-1', $1, 'USD', 10000, '2026-01-01', '2026-02-01') RETURNING id`, customerID); err != nil {
		t.Fatal(err)
	}
	return customerID, invoiceID
}

func TestGuard_FourEyesOnEscalations(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	customerID, _ := ledgerRow(t, db)
	var caseID, escalationID int64
	if err := db.GetContext(ctx, &caseID,
		`INSERT INTO cases (customer_id, channel_id) VALUES ($1, 'C0COLLECT') RETURNING id`, customerID); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &escalationID, `
INSERT INTO escalations (case_id, target, reason, requested_by)
VALUES ($1, 'legal', 'ignored every reminder', 'U0ALICE') RETURNING id`, caseID); err != nil {
		t.Fatal(err)
	}
	_, err := db.ExecContext(ctx, `
UPDATE escalations SET status = 'approved', decided_by = 'U0ALICE', decided_at = now() WHERE id = $1`, escalationID)
	refusedBy(t, err, "23514", "escalations_four_eyes")
	_, err = db.ExecContext(ctx, `
INSERT INTO escalations (case_id, target, reason, status, requested_by, decided_by, decided_at)
VALUES ($1, 'legal', 'self-approved', 'rejected', 'U0BOB', 'U0BOB', now())`, caseID)
	refusedBy(t, err, "23514", "escalations_four_eyes")
	if _, err := db.ExecContext(ctx, `
UPDATE escalations SET status = 'approved', decided_by = 'U0BOB', decided_at = now() WHERE id = $1`, escalationID); err != nil {
		t.Fatalf("another person deciding: %v", err)
	}
}

func TestGuard_NoOverpayment(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	_, invoiceID := ledgerRow(t, db)
	insert := `INSERT INTO payments (invoice_id, amount_minor, paid_on, reference) VALUES ($1, $2, $3, $4)`
	if _, err := db.ExecContext(ctx, insert, invoiceID, 6000, "2026-03-01", "T-1"); err != nil {
		t.Fatal(err)
	}
	_, err := db.ExecContext(ctx, insert, invoiceID, 4001, "2026-03-02", "T-2")
	refusedBy(t, err, "23514", "invoices_paid_within_amount")
	// Growing an existing payment past the amount is refused the same way.
	_, err = db.ExecContext(ctx, `UPDATE payments SET amount_minor = 10001 WHERE reference = 'T-1'`)
	refusedBy(t, err, "23514", "invoices_paid_within_amount")
	if _, err := db.ExecContext(ctx, insert, invoiceID, 4000, "2026-03-02", "T-2"); err != nil {
		t.Fatalf("paying exactly the rest: %v", err)
	}
	if n := count(t, db, `SELECT paid_minor FROM invoices WHERE id = $1`, invoiceID); n != 10000 {
		t.Errorf("paid_minor = %d, want 10000", n)
	}
}

func TestGuard_UnreferencedPaymentsAreUnique(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	_, invoiceID := ledgerRow(t, db)
	insert := `INSERT INTO payments (invoice_id, amount_minor, paid_on) VALUES ($1, $2, $3)`
	if _, err := db.ExecContext(ctx, insert, invoiceID, 1000, "2026-03-01"); err != nil {
		t.Fatal(err)
	}
	_, err := db.ExecContext(ctx, insert, invoiceID, 1000, "2026-03-01")
	refusedBy(t, err, "23505", "payments_unreferenced_key")
	for _, ok := range []struct {
		amount int64
		paidOn string
	}{{1000, "2026-03-02"}, {1500, "2026-03-01"}} {
		if _, err := db.ExecContext(ctx, insert, invoiceID, ok.amount, ok.paidOn); err != nil {
			t.Errorf("payment of %d on %s: %v", ok.amount, ok.paidOn, err)
		}
	}
	// With references, the same amount and date are different payments.
	withRef := `INSERT INTO payments (invoice_id, amount_minor, paid_on, reference) VALUES ($1, 1000, '2026-03-01', $2)`
	for _, ref := range []string{"T-1", "T-2"} {
		if _, err := db.ExecContext(ctx, withRef, invoiceID, ref); err != nil {
			t.Errorf("referenced payment %s: %v", ref, err)
		}
	}
	_, err = db.ExecContext(ctx, withRef, invoiceID, "T-1")
	refusedBy(t, err, "23505", "payments_reference_key")
}
