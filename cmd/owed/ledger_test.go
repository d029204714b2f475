package main

import (
	"context"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections/postgres"
)

// oldSchema is a CLI whose database holds a ledger under the schema of
// its first migration: the others are pending.
func oldSchema(t *testing.T) (*cli, *postgres.DB) {
	t.Helper()
	c := newCLI(t)
	loadLedger(t, c)
	db := c.db()
	if err := db.MigrateDownTo(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	return c, db
}

func TestReadOnlyCommands_RefuseAnOldSchemaAndNeverMigrate(t *testing.T) {
	c, db := oldSchema(t)
	ctx := context.Background()
	for _, args := range [][]string{{"show", "acme"}, {"aging", "--json"}, {"history", "acme"}} {
		r := c.run("", args...)
		if r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 ||
			!strings.Contains(r.stderr, "run `owed migrate`") || !strings.Contains(r.stderr, "pending") {
			t.Errorf("owed %s on an old schema: exit %d, stderr %q; want exit 1 and one line saying to run `owed migrate`",
				strings.Join(args, " "), r.code, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("owed %s printed %q", strings.Join(args, " "), r.stdout)
		}
	}
	if ok, err := db.MigrationsCurrent(ctx); err != nil || ok {
		t.Fatalf("a read-only command migrated the schema (current = %v, %v)", ok, err)
	}
	c.must("migrate")
	c.must("show", "acme")
}

// A dry run changes nothing, the schema included: on an old schema it
// refuses, saying to run `owed migrate`, as the read-only commands do.
func TestDryRuns_RefuseAnOldSchemaAndNeverMigrate(t *testing.T) {
	c, db := oldSchema(t)
	ctx := context.Background()
	invoices := "number,customer,currency,amount,issued_on,due_on\nZ-1,ACME,USD,10,2026-01-01,2026-02-01\n"
	for _, args := range [][]string{
		{"import", "invoices", "-", "--dry-run"},
		{"import", "customers", c.file("more-customers.csv", ledgerCustomers), "--dry-run"},
		{"sweep", "--dry-run", "--as-of", "2026-06-01"},
	} {
		r := c.run(invoices, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "run `owed migrate`") || !strings.Contains(r.stderr, "pending") {
			t.Errorf("owed %s on an old schema: exit %d, stderr %q; want exit 1 saying to run `owed migrate`",
				strings.Join(args, " "), r.code, r.stderr)
		}
		if ok, err := db.MigrationsCurrent(ctx); err != nil || ok {
			t.Fatalf("owed %s migrated the schema (current = %v, %v)", strings.Join(args, " "), ok, err)
		}
	}
	c.must("migrate")
	if r := c.run(invoices, "import", "invoices", "-", "--dry-run"); r.code != 0 {
		t.Errorf("dry run after migrate: exit %d, %q", r.code, r.stderr)
	}
	c.must("sweep", "--dry-run", "--as-of", "2026-06-01")
}

func TestReadOnlyCommands_RefuseADatabaseNeverMigrated(t *testing.T) {
	c := newCLI(t)
	ctx := context.Background()
	db := c.db()
	if err := db.MigrateDownTo(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `DROP TABLE goose_db_version`); err != nil {
		t.Fatal(err)
	}
	r := c.run("", "aging")
	if r.code != 1 || !strings.Contains(r.stderr, "run `owed migrate`") {
		t.Errorf("aging on an empty database: exit %d, %q", r.code, r.stderr)
	}
	var tables int
	if err := db.GetContext(ctx, &tables, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`); err != nil || tables != 0 {
		t.Errorf("a read-only command created %d tables (%v)", tables, err)
	}
}

func TestDatabaseURL_PasswordIsNeverPrinted(t *testing.T) {
	for _, url := range []string{
		"postgres://owed:s3cret-pw@localhost:notaport/owed",
		"postgres://owed:s3cret-pw@db host/owed",
		"postgres://owed:s3cret%2Dpw@127.0.0.1:1/owed?sslmode=bogus",
		"postgresql://owed@127.0.0.1:1/owed?password=s3cret-pw&sslmode=nope",
		"host=/nonexistent user=owed password=s3cret-pw port=notaport",
		"host=/nonexistent user=owed password='s3cret-pw' sslmode=bogus",
		"owed:s3cret-pw@localhost/owed",
		"postgres:/owed:s3cret-pw@localhost/owed",
	} {
		c := newCLI(t)
		c.env["DATABASE_URL"] = url
		for _, args := range [][]string{{"aging"}, {"migrate"}, {"import", "customers", c.file("c.csv", "name\nAcme\n")}} {
			r := c.run("", args...)
			if r.code != 1 {
				t.Errorf("owed %s with DATABASE_URL %q: exit %d", args[0], url, r.code)
			}
			if strings.Contains(r.stderr+r.stdout, "s3cret") {
				t.Errorf("owed %s printed the password of %q:\n%s", args[0], url, r.stderr)
			}
		}
	}
}

func TestImport_SaysWhatItDidInWords(t *testing.T) {
	c := newCLI(t)
	out := c.must("import", "invoices", c.file("empty.csv", "number,customer,currency,amount,issued_on,due_on\n"))
	if !strings.Contains(out, "empty.csv: the file has a header row and no data rows; nothing was imported") {
		t.Errorf("header-only file: %q", out)
	}
	out = c.must("import", "invoices", c.file("one.csv", "number,customer,currency,amount,issued_on,due_on\nINV-1,Acme,USD,1.00,2026-01-01,2026-02-01\n"))
	if !strings.Contains(out, "imported 1 invoice row: 1 created, 0 updated, 0 unchanged; 1 new customer\n") {
		t.Errorf("one row: %q", out)
	}
	r := c.run("", "import", "invoices", c.file("bad.csv", "number,customer,currency,amount,issued_on,due_on\nINV-2,Acme,USD,,2026-01-01,2026-02-01\n"))
	if r.code != 1 || !strings.HasSuffix(r.stderr, "owed: 1 problem; nothing was imported\n") {
		t.Errorf("one problem: exit %d, %q", r.code, r.stderr)
	}
}
