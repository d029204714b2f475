package postgres_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/dbtest"
)

// The scale of the targets, 1M invoices over 100k customers;
// OWED_BENCH_INVOICES makes it smaller for a quick look.
func benchScale() (invoices, customers int) {
	invoices = 1_000_000
	if s := os.Getenv("OWED_BENCH_INVOICES"); s != "" {
		invoices, _ = strconv.Atoi(s)
	}
	return invoices, max(invoices/10, 1)
}

// writeInvoicesCSV writes a ledger of n invoices over m customers, spread
// over every aging bucket, and returns its path.
func writeInvoicesCSV(b *testing.B, n, m int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "invoices.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "number,customer,currency,amount,issued_on,due_on")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	currencies := []string{"USD", "EUR", "JPY"}
	for i := range n {
		issued := start.AddDate(0, 0, i%170)
		cur := currencies[i%3]
		amount := strconv.Itoa(100+i%9000) + ".25"
		if cur == "JPY" {
			amount = strconv.Itoa(1000 + i%90000)
		}
		fmt.Fprintf(w, "INV-%07d,Customer %06d,%s,%s,%s,%s\n", i, i%m, cur, amount,
			issued.Format(collections.DateLayout), issued.AddDate(0, 0, 30).Format(collections.DateLayout))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path
}

func importFile(b *testing.B, db *postgres.DB, kind collections.ImportKind, path string) collections.ImportResult {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rows, err := collections.NewRowReader(bufio.NewReaderSize(f, 1<<20), path, kind)
	if err != nil {
		b.Fatal(err)
	}
	res, err := postgres.NewImportService(db).Import(context.Background(), kind, rows,
		collections.ImportOptions{File: path, Today: date("2026-07-01")})
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// bareImportSQL is the best a user could do by hand with psql: \copy the
// file into a temporary table, create the customers, then INSERT … SELECT
// into invoices with its indexes and keys.
const bareImportSQL = `
CREATE TEMP TABLE raw (number text, customer text, currency text, amount numeric, issued_on date, due_on date);
\copy raw FROM '%s' CSV HEADER
INSERT INTO customers (name, search_name)
SELECT DISTINCT ON (lower(customer)) customer, lower(customer) FROM raw ORDER BY lower(customer);
INSERT INTO invoices (number, customer_id, currency, amount_minor, issued_on, due_on)
SELECT r.number, c.id, r.currency, (r.amount * CASE r.currency WHEN 'JPY' THEN 1 ELSE 100 END)::bigint, r.issued_on, r.due_on
  FROM raw r JOIN customers c ON c.search_name = lower(r.customer);
`

// peakRSS returns the process's peak resident memory (VmHWM) in MB, and
// resets it when reset is set.
func peakRSS(b *testing.B, reset bool) float64 {
	b.Helper()
	if reset {
		if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
			b.Logf("cannot reset VmHWM: %v", err)
		}
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				b.Fatal(err)
			}
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// BenchmarkImportInvoices loads the whole ledger in one file, into a new
// database, and the same file by the bare SQL path into another, in turns
// (OWED_BENCH_ROUNDS of each, default 1; the fastest of each is kept, as
// the machine may be busy). Each run's database is dropped as soon as it
// is measured, so that no run shares the server with the autovacuum of
// the one before. Targets: ≤ 1.0× the bare SQL path, ≤ 15 s, VmHWM ≤ 100 MB.
func BenchmarkImportInvoices(b *testing.B) {
	n, m := benchScale()
	rounds := 1
	if s := os.Getenv("OWED_BENCH_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	path := writeInvoicesCSV(b, n, m)
	psql, err := exec.LookPath("psql")
	if err != nil {
		b.Log("no psql: the bare SQL path is not measured")
	}
	var bare, took time.Duration
	var rss float64
	b.ResetTimer()
	for round := range max(rounds, 1) {
		if psql != "" {
			d := bareImport(b, psql, path)
			b.Logf("round %d: bare SQL path %v", round+1, d)
			if bare == 0 || d < bare {
				bare = d
			}
		}
		d, peak := owedImport(b, path, n)
		b.Logf("round %d: owed import %v, VmHWM %.1f MB", round+1, d, peak)
		if took == 0 || d < took {
			took = d
		}
		rss = max(rss, peak)
	}
	b.StopTimer()
	b.ReportMetric(took.Seconds(), "s/import")
	b.ReportMetric(rss, "MB-VmHWM")
	if bare > 0 {
		b.ReportMetric(bare.Seconds(), "s/bare-sql")
		b.ReportMetric(took.Seconds()/bare.Seconds(), "x-bare")
	}
}

// bareImport runs the bare SQL path into a new database.
func bareImport(b *testing.B, psql, path string) time.Duration {
	b.Helper()
	url := dbtest.URL(b)
	script := filepath.Join(b.TempDir(), "bare.sql")
	if err := os.WriteFile(script, []byte(fmt.Sprintf(bareImportSQL, path)), 0o600); err != nil {
		b.Fatal(err)
	}
	checkpoint(b, url)
	start := time.Now()
	cmd := exec.Command(psql, "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f", script, "--dbname", url)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("bare SQL path: %v: %s", err, out)
	}
	took := time.Since(start)
	dropDatabase(b, url)
	return took
}

// owedImport imports the file into a new database and returns the time it
// took and the process's peak resident memory meanwhile.
func owedImport(b *testing.B, path string, n int) (time.Duration, float64) {
	b.Helper()
	url := dbtest.URL(b)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	checkpoint(b, url)
	runtime.GC()
	peakRSS(b, true)
	start := time.Now()
	res := importFile(b, db, collections.ImportInvoices, path)
	took := time.Since(start)
	peak := peakRSS(b, false)
	if res.Created != n {
		b.Fatalf("created %d invoices, want %d", res.Created, n)
	}
	db.Close()
	dropDatabase(b, url)
	return took, peak
}

// dropDatabase drops a database a run has filled, at once: left behind,
// it would be vacuumed by autovacuum while the next run is measured.
func dropDatabase(b *testing.B, url string) {
	b.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	var name string
	err = db.Get(&name, `SELECT current_database()`)
	db.Close()
	if err != nil {
		b.Fatal(err)
	}
	admin, err := postgres.Open(context.Background(), os.Getenv(dbtest.EnvURL))
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`DROP DATABASE ` + pq.QuoteIdentifier(name) + ` WITH (FORCE)`); err != nil {
		b.Fatal(err)
	}
}

// checkpoint flushes the server's dirty pages, so that one run does not pay
// for the writes of the one before.
func checkpoint(b *testing.B, url string) {
	b.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CHECKPOINT`); err != nil {
		b.Logf("checkpoint: %v", err)
	}
}

// BenchmarkLedger loads the ledger once and measures what reads it.
func BenchmarkLedger(b *testing.B) {
	n, m := benchScale()
	path := writeInvoicesCSV(b, n, m)
	db := dbtest.New(b)
	importFile(b, db, collections.ImportInvoices, path)
	if _, err := db.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Run("SweepDecision", func(b *testing.B) { benchSweepDecision(b, db) })
	b.Run("CustomerLookup", func(b *testing.B) { benchCustomerLookup(b, db) })
}

// benchSweepDecision times the sweep's decision over every invoice (a dry
// run) against the bare SQL query behind it, in turns (OWED_BENCH_ROUNDS
// of each, default 1; the fastest of each is kept, as the machine may be
// busy). Targets: ≤ 1.3×; VmHWM ≤ 100 MB.
func benchSweepDecision(b *testing.B, db *postgres.DB) {
	asOf := date("2026-07-01")
	rounds := 1
	if s := os.Getenv("OWED_BENCH_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	bareQuery := func() time.Duration {
		start := time.Now()
		rows, err := db.QueryContext(ctx, postgres.OverdueCustomersQuery, asOf)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		rows.Close()
		return time.Since(start)
	}
	bareQuery() // both measured with the ledger in cache
	runtime.GC()
	peakRSS(b, true)
	b.ResetTimer()
	var took, bare time.Duration
	var alerts int
	for round := range max(rounds, 1) {
		// The sweep of the day: as of today.
		cs := postgres.NewCaseService(db, postgres.CaseConfig{Channel: "C0BENCH", Today: func() time.Time { return asOf }})
		start := time.Now()
		res, err := cs.Sweep(ctx, asOf, true)
		d := time.Since(start)
		if err != nil || len(res.Alerts) == 0 {
			b.Fatalf("sweep: %d alerts, %v", len(res.Alerts), err)
		}
		alerts = len(res.Alerts)
		b.StopTimer()
		bd := bareQuery()
		b.StartTimer()
		if rounds > 1 {
			b.Logf("round %d: sweep %v, bare SQL %v", round+1, d, bd)
		}
		if took == 0 || d < took {
			took = d
		}
		if bare == 0 || bd < bare {
			bare = bd
		}
	}
	b.StopTimer()
	b.ReportMetric(peakRSS(b, false), "MB-VmHWM")
	b.ReportMetric(took.Seconds(), "s/sweep")
	b.ReportMetric(bare.Seconds(), "s/bare-sql")
	b.ReportMetric(took.Seconds()/bare.Seconds(), "x-bare")
	b.ReportMetric(float64(alerts), "alerts")
}

// benchCustomerLookup is the server side of /owed CUSTOMER: find the
// customer forgivingly and sum up what it owes. Target: p99 ≤ 15 ms.
func benchCustomerLookup(b *testing.B, db *postgres.DB) {
	ledger := postgres.NewLedgerService(db)
	ctx := context.Background()
	_, m := benchScale()
	queries := []string{"customer %06d", "Customer %06d", "custmer %06d", "CUSTOMER-%06d"}
	var times []time.Duration
	byKind := make([][]time.Duration, len(queries))
	b.ResetTimer()
	for i := range 1000 {
		q := fmt.Sprintf(queries[i%len(queries)], (i*7919)%m)
		start := time.Now()
		c, err := ledger.FindCustomer(ctx, q)
		if err == nil {
			_, err = ledger.CustomerSummary(ctx, c.ID, date("2026-07-01"))
		}
		times = append(times, time.Since(start))
		byKind[i%len(queries)] = append(byKind[i%len(queries)], time.Since(start))
		if err != nil && collections.ErrorCode(err) == collections.EINTERNAL {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)*50/100].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "ms-p99")
	for k, ts := range byKind {
		slices.Sort(ts)
		b.Logf("%q: p50 %v p99 %v", queries[k], ts[len(ts)/2], ts[len(ts)*99/100])
	}
}
