package postgres_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/internal/dbtest"
)

func TestMigrations_UpDownUp(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	countTables := func() int {
		var n int
		if err := db.GetContext(ctx, &n, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'goose_db_version'`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	want := countTables()
	if want == 0 {
		t.Fatal("migrated database has no tables")
	}
	if ok, err := db.MigrationsCurrent(ctx); err != nil || !ok {
		t.Fatalf("MigrationsCurrent = %v, %v; want true", ok, err)
	}
	if err := db.MigrateDownTo(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if n := countTables(); n != 0 {
		t.Fatalf("after down: %d tables left", n)
	}
	if ok, _ := db.MigrationsCurrent(ctx); ok {
		t.Fatal("MigrationsCurrent = true after rolling back")
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countTables(); n != want {
		t.Fatalf("after up again: %d tables, want %d", n, want)
	}
}

func TestMigrations_FormattedAuditDetailsBecomeTypedValues(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	if err := db.MigrateDownTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	// Rows as the earlier code wrote them: amounts and dates formatted.
	var customerID, caseID int64
	if err := db.GetContext(ctx, &customerID, `SELECT id FROM customers WHERE name = 'Acme'`); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &caseID, `INSERT INTO cases (customer_id, channel_id, status) VALUES ($1, 'C0COLLECT', 'escalated') RETURNING id`, customerID); err != nil {
		t.Fatal(err)
	}
	legacy := []struct{ action, details string }{
		{"alerted", `{"stage": "30", "oldest_days": "31", "overdue": "EUR 50.00 · USD 1,100.00"}`},
		{"snoozed", `{"until": "2026-06-10", "reason": "waiting for PO"}`},
		{"plan_proposed", `{"total": "USD 1,200.00", "instalments": "3", "frequency": "every 2 weeks", "first_due": "2026-07-07", "down_payment": "USD 200.00"}`},
		{"plan_broken", `{"missed_due": "2026-08-07", "missed_amount": "JPY 3,334"}`},
		{"escalation_requested", `{"escalation_id": "7", "target": "collections agency", "reason": "ignored"}`},
		{"payment_received", `{"overdue": "BHD 1.250"}`},
		{"settled", `{}`},
	}
	for _, l := range legacy {
		if _, err := db.ExecContext(ctx, `INSERT INTO audit_log (case_id, customer_id, actor, action, details) VALUES ($1, $2, 'owed', $3, $4)`,
			caseID, customerID, l.action, l.details); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	entries, err := cs.History(ctx, customerID, 50)
	if err != nil {
		t.Fatalf("history after the migration: %v", err)
	}
	got := map[string]collections.AuditDetails{}
	for _, e := range entries {
		got[e.Action] = e.Details
	}
	usd := func(m int64) collections.Money { return collections.Money{Minor: m, Currency: "USD"} }
	if d := got["alerted"]; d.Stage != 30 || d.OldestDays != 31 || len(d.Overdue) != 2 ||
		d.Overdue[0] != (collections.Money{Minor: 5000, Currency: "EUR"}) || d.Overdue[1] != usd(110000) {
		t.Errorf("alerted = %+v", d)
	}
	if d := got["snoozed"]; d.Until == nil || d.Until.String() != "2026-06-10" || d.Reason != "waiting for PO" {
		t.Errorf("snoozed = %+v", d)
	}
	if p := got["plan_proposed"].Plan; p == nil || p.Total != 120000 || p.Currency != "USD" || p.Instalments != 3 ||
		p.Frequency != collections.Biweekly || p.FirstDueOn != date("2026-07-07") || p.DownPayment != 20000 {
		t.Errorf("plan_proposed = %+v", p)
	}
	if d := got["plan_broken"]; d.Missed == nil || *d.Missed != (collections.Money{Minor: 3334, Currency: "JPY"}) || d.MissedDue.String() != "2026-08-07" {
		t.Errorf("plan_broken = %+v", d)
	}
	if d := got["escalation_requested"]; d.EscalationID != 7 || d.Target != collections.TargetAgency || d.Reason != "ignored" {
		t.Errorf("escalation_requested = %+v", d)
	}
	if d := got["payment_received"]; len(d.Overdue) != 1 || d.Overdue[0] != (collections.Money{Minor: 1250, Currency: "BHD"}) {
		t.Errorf("payment_received = %+v", d)
	}
}

func TestHistory_ADetailsRowThatCannotBeReadIsAnError(t *testing.T) {
	ctx := context.Background()
	db, cs := newCases(t)
	c := openCase(t, cs, db)
	if _, err := db.ExecContext(ctx, `INSERT INTO audit_log (case_id, customer_id, actor, action, details) VALUES ($1, $2, 'owed', 'alerted', '{"stage": "thirty"}')`,
		c.ID, c.CustomerID); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.History(ctx, c.CustomerID, 10); err == nil || !strings.Contains(err.Error(), "stage") {
		t.Errorf("history with an unreadable row: err = %v, want an error naming it", err)
	}
}

func TestMigrations_CustomerKeysLoseTheirAccents(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	if err := db.MigrateDownTo(ctx, 12); err != nil {
		t.Fatal(err)
	}
	// Keys as the earlier code wrote them, accents kept. Müller and
	// Muller would share a key folded: Muller, whose key does not change,
	// keeps it, and Müller keeps its own.
	if _, err := db.ExecContext(ctx, `INSERT INTO customers (name, search_name) VALUES
		('Kōbō Design', 'kōbō design'), ('Müller GmbH', 'müller gmbh'), ('Muller GmbH', 'muller gmbh'),
		('Ærø Ferries', 'ærø ferries'), ('ACME Corp.', 'acme corp')`); err != nil {
		t.Fatal(err)
	}
	keys := func() map[string]string {
		t.Helper()
		var rows []struct{ Name, Key string }
		if err := db.SelectContext(ctx, &rows, `SELECT name, search_name AS key FROM customers`); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, r := range rows {
			m[r.Name] = r.Key
		}
		return m
	}
	before := keys()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Kōbō Design": "kobo design", "Müller GmbH": "müller gmbh", "Muller GmbH": "muller gmbh",
		"Ærø Ferries": "aero ferries", "ACME Corp.": "acme corp"}
	if got := keys(); !maps.Equal(got, want) {
		t.Errorf("keys after the migration = %v, want %v", got, want)
	}
	if err := db.MigrateDownTo(ctx, 12); err != nil {
		t.Fatal(err)
	}
	if got := keys(); !maps.Equal(got, before) {
		t.Errorf("keys after rolling back = %v, want %v", got, before)
	}
}
