package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/demodata"
)

func runDev(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dev", "dev\n\nStarts a local Postgres under .owed/ (unless DATABASE_URL is set), migrates it,\nloads the demo data set when the database is empty, and shows the ledger.")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, env, true)
	if err != nil {
		return err
	}
	defer db.Close()
	today, err := asOfDate(env, "")
	if err != nil {
		return err
	}
	loaded, err := loadDemoData(ctx, db, today, nil)
	if err != nil {
		return err
	}
	if loaded {
		fmt.Fprintln(env.Stdout, "The database was empty: loaded the demo data set.")
	} else {
		fmt.Fprintln(env.Stdout, "Using the existing data.")
	}
	ledger := postgres.NewLedgerService(db)
	report, err := ledger.Aging(ctx, today)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout)
	if err := printAging(env.Stdout, report, false); err != nil {
		return err
	}
	top, err := ledger.TopDebtors(ctx, today, 10)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "\nLargest overdue balances:")
	printDebtors(env.Stdout, top)
	return nil
}

func printDebtors(w io.Writer, debtors []collections.Debtor) {
	if len(debtors) == 0 {
		fmt.Fprintln(w, "  nobody is overdue")
	}
	for i, d := range debtors {
		fmt.Fprintf(w, "%3d. %-32s %18s  oldest %d days overdue\n", i+1, d.Customer.Label(), d.Overdue.String(), d.OldestDays)
	}
}

// loadDemoData imports the demo data set through the CSV importer when the
// ledger has no customers yet, and reports whether it did.
func loadDemoData(ctx context.Context, db *postgres.DB, today time.Time, owners []string) (bool, error) {
	var empty bool
	if err := db.GetContext(ctx, &empty, `SELECT NOT EXISTS (SELECT 1 FROM customers)`); err != nil {
		return false, fmt.Errorf("check for data: %w", err)
	}
	if !empty {
		return false, nil
	}
	files := demodata.Generate(today, owners)
	imports := postgres.NewImportService(db)
	for _, f := range []struct {
		kind collections.ImportKind
		data []byte
	}{{collections.ImportCustomers, files.Customers}, {collections.ImportInvoices, files.Invoices}, {collections.ImportPayments, files.Payments}} {
		name := "demo-" + string(f.kind) + ".csv"
		rows, err := collections.NewRowReader(bytes.NewReader(f.data), name, f.kind)
		if err != nil {
			return false, fmt.Errorf("demo data: %w", err)
		}
		if _, err := imports.Import(ctx, f.kind, rows, collections.ImportOptions{File: name, Today: today}); err != nil {
			return false, fmt.Errorf("demo data: %w", err)
		}
	}
	return true, nil
}
