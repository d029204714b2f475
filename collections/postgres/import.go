package postgres

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/owedhq/owed/collections"
)

// ImportService loads CSV files into the ledger. Rows are validated as they
// stream, copied into a temporary staging table with COPY, checked against
// each other and the ledger in SQL, and applied in one transaction: a file
// goes in whole or not at all. The first invoices of a ledger, when every
// row is valid, go straight into invoices with COPY instead. It implements
// collections.ImportService.
type ImportService struct {
	db *DB
}

// NewImportService returns an ImportService on db.
func NewImportService(db *DB) *ImportService { return &ImportService{db: db} }

var _ collections.ImportService = (*ImportService)(nil)

// OpeningBalanceReference marks the payment that records the part of an
// invoice already paid when it was imported with a balance.
const OpeningBalanceReference = collections.OpeningBalance

// Import reads a whole file of the given kind and applies it, unless any row
// is bad (an *collections.ImportError lists every problem) or opts.DryRun.
func (s *ImportService) Import(ctx context.Context, kind collections.ImportKind, rows *collections.RowReader, opts collections.ImportOptions) (collections.ImportResult, error) {
	var res collections.ImportResult
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return res, fmt.Errorf("import %s: connect: %w", kind, err)
	}
	defer conn.Close()
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("import %s: begin: %w", kind, err)
	}
	defer tx.Rollback()
	// Room for the joins of a large file in memory rather than on disk.
	if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
		return res, fmt.Errorf("import %s: %w", kind, err)
	}
	problems := &collections.ImportError{}
	imp := &importer{conn: conn, tx: tx, rows: rows, opts: opts, problems: problems}
	switch kind {
	case collections.ImportCustomers:
		res, err = imp.customers(ctx)
	case collections.ImportInvoices:
		res, err = imp.invoices(ctx)
	case collections.ImportPayments:
		res, err = imp.payments(ctx)
	default:
		return res, collections.Errorf(collections.EINVALID, "unknown import kind %q", kind)
	}
	var fileErr *collections.ImportError
	if errors.As(err, &fileErr) {
		fileErr.Sort()
		return res, fileErr
	}
	if err != nil {
		return res, fmt.Errorf("import %s from %s: %w", kind, opts.File, err)
	}
	if problems.Len() > 0 {
		problems.Sort()
		return res, problems
	}
	if opts.DryRun {
		return res, nil
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("import %s: commit: %w", kind, err)
	}
	return res, nil
}

type importer struct {
	conn     *sqlx.Conn // the transaction's connection, for COPY
	tx       *sqlx.Tx
	rows     *collections.RowReader
	opts     collections.ImportOptions
	problems *collections.ImportError
}

// copyIn runs COPY table (cols) FROM STDIN on the transaction's connection,
// with the rows fill writes, and returns how many rows the server stored.
func (imp *importer) copyIn(ctx context.Context, table string, cols []string, fill func(*copyRows) error) (int64, error) {
	var stored int64
	err := imp.conn.Raw(func(driverConn any) error {
		prep, ok := driverConn.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("the database driver cannot COPY")
		}
		st, err := prep.PrepareContext(ctx, "COPY "+table+" ("+strings.Join(cols, ", ")+") FROM STDIN")
		if err != nil {
			return err
		}
		defer st.Close()
		cp, ok := st.(copier)
		if !ok {
			return fmt.Errorf("the database driver cannot COPY")
		}
		sender := startCopySender(ctx, cp)
		defer sender.close()
		rows := &copyRows{send: sender.send, buf: make([]byte, 0, copyBatch+4096)}
		if err := fill(rows); err != nil {
			return err
		}
		rows.trimNewline()
		if err := rows.flush(ctx); err != nil {
			return err
		}
		if err := sender.close(); err != nil {
			return err
		}
		res, err := cp.Exec(nil) //nolint:staticcheck // lib/pq ends a COPY with an empty Exec
		if err != nil {
			return err
		}
		stored, _ = res.RowsAffected()
		return nil
	})
	return stored, err
}

// stage streams every row of the file through parse and COPYs it into
// table, with a last column ok saying whether the row is valid (callers
// analyze the table before checks that need its statistics). Invalid
// rows are staged too (their keys take part in the checks across rows),
// except rows whose cells cannot be read at all. It returns the number of
// data rows read, having taken the import lock once the file is read.
func stage[T any](ctx context.Context, imp *importer, table string, cols []string,
	parse func(collections.Record) (T, []collections.Problem), values func(T, *copyRows)) (int, error) {
	n := 0
	_, err := imp.copyIn(ctx, table, append(cols, "ok"), func(rows *copyRows) error {
		for {
			rec, err := imp.rows.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			n++
			row, ps := parse(rec)
			if !imp.check(rec, ps) {
				continue // cells that cannot be read are not stored
			}
			values(row, rows)
			rows.Bool(len(ps) == 0)
			if err := rows.endRow(ctx); err != nil {
				return err
			}
		}
	})
	if err := imp.readDone(err); err != nil {
		return n, err
	}
	return n, imp.lock(ctx)
}

// check records the problems of a row and reports whether its cells could
// all be read, so that it can be stored.
func (imp *importer) check(rec collections.Record, ps []collections.Problem) bool {
	for _, p := range rec.WithProblems(ps) {
		imp.problems.Add(p)
	}
	return len(rec.Problems()) == 0
}

// readDone ends the reading of the file: a file that cannot be read as CSV
// adds its problem to the others.
func (imp *importer) readDone(err error) error {
	var fileErr *collections.ImportError
	if errors.As(err, &fileErr) {
		for _, p := range fileErr.Problems {
			imp.problems.Add(p)
		}
		return imp.problems
	}
	if err != nil {
		return fmt.Errorf("read the file: %w", err)
	}
	return nil
}

// lock takes the import lock: imports are applied one at a time, so that
// two files touching the same invoices or customers cannot collide.
func (imp *importer) lock(ctx context.Context) error {
	if _, err := imp.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, importLockID); err != nil {
		return fmt.Errorf("wait for other imports: %w", err)
	}
	return nil
}

// analyze gathers the statistics of a staging table, for the plans of the
// checks that join it with the ledger.
func (imp *importer) analyze(ctx context.Context, table string) error {
	if _, err := imp.tx.ExecContext(ctx, "ANALYZE "+table); err != nil {
		return fmt.Errorf("analyze %s: %w", table, err)
	}
	return nil
}

// importLockID is the transaction-level advisory lock that serialises
// imports.
const importLockID = 0x6f776564_696d70 // "owed" "imp"

// report runs a query returning (line, column, message) rows and records
// each as a problem.
func (imp *importer) report(ctx context.Context, query string, args ...any) error {
	rows, err := imp.tx.QueryxContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("check rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p collections.Problem
		if err := rows.Scan(&p.Line, &p.Column, &p.Message); err != nil {
			return fmt.Errorf("check rows: %w", err)
		}
		p.File, p.Column = imp.opts.File, imp.rows.Header(p.Column)
		imp.problems.Add(p)
	}
	return rows.Err()
}

// loadCurrencyDigits fills the temporary table currency_digits with the
// minor digits of each currency the query returns, and defines
// money_text(minor, currency), which formats amounts in problems.
func (imp *importer) loadCurrencyDigits(ctx context.Context, query string) error {
	if _, err := imp.tx.ExecContext(ctx, createCurrencyDigits); err != nil {
		return fmt.Errorf("currency digits: %w", err)
	}
	var codes []string
	if err := imp.tx.SelectContext(ctx, &codes, query); err != nil {
		return fmt.Errorf("currencies: %w", err)
	}
	for _, code := range codes {
		digits, err := collections.CurrencyDigits(code)
		if err != nil {
			return err
		}
		if _, err := imp.tx.ExecContext(ctx, `INSERT INTO currency_digits VALUES ($1, $2)`, code, digits); err != nil {
			return fmt.Errorf("currency digits: %w", err)
		}
	}
	return nil
}

const createCurrencyDigits = `
CREATE TEMP TABLE currency_digits (currency char(3) PRIMARY KEY, digits int NOT NULL) ON COMMIT DROP;
CREATE OR REPLACE FUNCTION pg_temp.money_text(minor bigint, cur char(3)) RETURNS text LANGUAGE sql STABLE AS
  $$ SELECT round(minor::numeric / 10::numeric ^ d.digits, d.digits)::text || ' ' || cur FROM currency_digits d WHERE d.currency = cur $$`

// --- customers ---

const createCustomerStage = `
CREATE TEMP TABLE stage_customers (
    line int, name text, search_name text, ref text, email text, phone text, timezone text,
    owner_slack_id text, credit_limit_minor bigint, credit_currency text, credit_limit_amount numeric, tier text,
    ok boolean, customer_id bigint
) ON COMMIT DROP`

const customerDuplicates = `
SELECT line, 'name', format('same customer as line %s', first_line) FROM (
    SELECT line, min(line) OVER (PARTITION BY search_name) AS first_line
      FROM stage_customers WHERE search_name <> '') d
 WHERE line <> first_line
UNION ALL
SELECT line, 'ref', format('ref %s is also on line %s', ref, first_line) FROM (
    SELECT line, ref, min(line) OVER (PARTITION BY lower(ref)) AS first_line
      FROM stage_customers WHERE ref IS NOT NULL) d
 WHERE line <> first_line
ORDER BY 1`

const resolveStagedCustomers = `
UPDATE stage_customers s SET customer_id = c.id
  FROM customers c WHERE s.ref IS NOT NULL AND lower(c.ref) = lower(s.ref);
UPDATE stage_customers s SET customer_id = c.id
  FROM customers c WHERE s.customer_id IS NULL AND c.search_name = s.search_name`

const customerConflicts = `
SELECT s.line, 'name', format('%s is already the name of another customer%s', s.name,
       coalesce(' (ref ' || c.ref || ')', ''))
  FROM stage_customers s JOIN customers c ON c.search_name = s.search_name AND c.id <> s.customer_id
UNION ALL
SELECT s.line, 'ref', format('%s already has ref %s', c.name, c.ref)
  FROM stage_customers s JOIN customers c ON c.id = s.customer_id
 WHERE s.ref IS NOT NULL AND c.ref IS NOT NULL AND lower(c.ref) <> lower(s.ref)
ORDER BY 1`

const updateCustomers = `
UPDATE customers c SET
       name = s.name, search_name = s.search_name, ref = coalesce(s.ref, c.ref),
       email = coalesce(s.email, c.email), phone = coalesce(s.phone, c.phone),
       timezone = coalesce(s.timezone, c.timezone), owner_slack_id = coalesce(s.owner_slack_id, c.owner_slack_id),
       credit_limit_minor = ` + limitMinor + `, credit_currency = ` + limitCurrency + `, credit_limit_amount = ` + limitAmount + `,
       tier = coalesce(s.tier, c.tier), updated_at = now()
  FROM stage_customers s
 WHERE c.id = s.customer_id
   AND (c.name, c.ref, c.email, c.phone, c.timezone, c.owner_slack_id, c.credit_limit_minor, c.credit_currency, c.credit_limit_amount, c.tier)
       IS DISTINCT FROM
       (s.name, coalesce(s.ref, c.ref), coalesce(s.email, c.email), coalesce(s.phone, c.phone),
        coalesce(s.timezone, c.timezone), coalesce(s.owner_slack_id, c.owner_slack_id),
        ` + limitMinor + `, (` + limitCurrency + `)::char(3), ` + limitAmount + `,
        coalesce(s.tier, c.tier))`

// updateCustomersAndAlerts updates the customers (updateCustomers) and
// queues the alerts of their live cases to be drawn again, as they show
// the customer's owner, email and tier; it returns how many it updated.
const updateCustomersAndAlerts = `
WITH updated AS (` + updateCustomers + `
RETURNING c.id),
redrawn AS (INSERT INTO outbox (kind, case_id)
            SELECT 'alert', k.id FROM cases k JOIN updated u ON u.id = k.customer_id
             WHERE k.` + liveCase + ` AND k.message_ts IS NOT NULL
            RETURNING 1)
SELECT (SELECT count(*) FROM updated)
 WHERE (SELECT count(pg_notify('owed_outbox', '')) FROM (SELECT 1 FROM redrawn LIMIT 1) r) >= 0`

// A customer's credit limit after an import: the file's, with or without
// a currency, replacing the one the customer had; else the one it had.
const (
	limitGiven    = `(s.credit_limit_minor IS NOT NULL OR s.credit_limit_amount IS NOT NULL)`
	limitMinor    = `CASE WHEN ` + limitGiven + ` THEN s.credit_limit_minor ELSE c.credit_limit_minor END`
	limitCurrency = `CASE WHEN ` + limitGiven + ` THEN s.credit_currency ELSE c.credit_currency END`
	limitAmount   = `CASE WHEN ` + limitGiven + ` THEN s.credit_limit_amount ELSE c.credit_limit_amount END`
)

const insertCustomers = `
INSERT INTO customers (name, search_name, ref, email, phone, timezone, owner_slack_id,
                       credit_limit_minor, credit_currency, credit_limit_amount, tier)
SELECT name, search_name, ref, email, phone, timezone, owner_slack_id,
       credit_limit_minor, credit_currency, credit_limit_amount, tier
  FROM stage_customers WHERE customer_id IS NULL ORDER BY line`

func (imp *importer) customers(ctx context.Context) (collections.ImportResult, error) {
	var res collections.ImportResult
	if _, err := imp.tx.ExecContext(ctx, createCustomerStage); err != nil {
		return res, fmt.Errorf("stage customers: %w", err)
	}
	cols := []string{"line", "name", "search_name", "ref", "email", "phone", "timezone", "owner_slack_id", "credit_limit_minor", "credit_currency",
		"credit_limit_amount", "tier"}
	n, err := stage(ctx, imp, "stage_customers", cols, collections.ParseCustomerRow, func(r collections.CustomerRow, w *copyRows) {
		w.Int(int64(r.Line))
		w.Text(r.Name)
		w.Text(r.SearchName)
		for _, s := range []string{r.Ref, r.Email, r.Phone, r.Timezone, r.OwnerSlackID} {
			w.TextOrNull(s)
		}
		if r.CreditLimit != nil {
			w.Int(r.CreditLimit.Minor)
			w.Text(r.CreditLimit.Currency)
		} else {
			w.Null()
			w.Null()
		}
		w.TextOrNull(r.CreditAmount)
		w.TextOrNull(r.Tier)
	})
	res.Rows = n
	if err != nil {
		return res, err
	}
	if err := imp.analyze(ctx, "stage_customers"); err != nil {
		return res, err
	}
	if err := imp.report(ctx, customerDuplicates); err != nil {
		return res, err
	}
	if _, err := imp.tx.ExecContext(ctx, `DELETE FROM stage_customers WHERE NOT ok`); err != nil {
		return res, fmt.Errorf("stage customers: %w", err)
	}
	if _, err := imp.tx.ExecContext(ctx, resolveStagedCustomers); err != nil {
		return res, fmt.Errorf("match customers: %w", err)
	}
	if err := imp.report(ctx, customerConflicts); err != nil || imp.problems.Len() > 0 {
		return res, err
	}
	var updated int64
	if err := imp.tx.GetContext(ctx, &updated, updateCustomersAndAlerts); err != nil {
		return res, fmt.Errorf("update customers: %w", err)
	}
	in, err := imp.tx.ExecContext(ctx, insertCustomers)
	if err != nil {
		return res, fmt.Errorf("insert customers: %w", err)
	}
	created, _ := in.RowsAffected()
	res.Created, res.Updated = int(created), int(updated)
	res.Unchanged = res.Rows - res.Created - res.Updated
	return res, nil
}

// --- invoices ---

// An invoices file is read once, under the import lock, and each row
// checked. Into a ledger with invoices, the rows are COPYed into
// stage_invoices as they are read; then the distinct customers of the
// valid rows are resolved, and the rows checked against each other and the
// ledger, in SQL. Into a ledger without invoices, the rows
// are kept in a spool instead, the customers are resolved while the file
// is still being read, and a file of valid rows is COPYed from the spool
// straight into invoices; should that fail on a number repeated in the
// file, the spool is staged and checked as above.
const createInvoiceStage = `
CREATE TEMP TABLE stage_invoices (
    line int, number text, customer_idx int, currency char(3),
    amount_minor bigint, balance_minor bigint, issued_on date, due_on date, payment_url text, ok boolean
) ON COMMIT DROP;
CREATE TEMP TABLE stage_invoice_customers (
    idx int PRIMARY KEY, customer text, customer_key text, ref_key text, first_line int, customer_id bigint
) ON COMMIT DROP`

const invoiceDuplicates = `
SELECT s.line, 'number', format('invoice %s is also on line %s', s.number, d.first_line)
  FROM stage_invoices s
  JOIN (SELECT number, min(line) AS first_line FROM stage_invoices WHERE number <> ''
         GROUP BY number HAVING count(*) > 1) d
    ON d.number = s.number AND s.line <> d.first_line
ORDER BY 1`

// newInvoicesOverlap reports whether any staged invoice is already in the
// ledger; when none is, the file is inserted directly.
const newInvoicesOverlap = `
SELECT EXISTS (SELECT 1 FROM stage_invoices s JOIN invoices i ON i.number = s.number)`

const insertNewInvoices = `
INSERT INTO invoices (number, customer_id, currency, amount_minor, issued_on, due_on, payment_url)
SELECT s.number, sc.customer_id, s.currency, s.amount_minor, s.issued_on, s.due_on, s.payment_url
  FROM stage_invoices s JOIN stage_invoice_customers sc ON sc.idx = s.customer_idx`

// insertNewOpeningBalances records the paid part of each new invoice
// staged with a balance below its amount.
const insertNewOpeningBalances = `
INSERT INTO payments (invoice_id, amount_minor, paid_on, reference)
SELECT i.id, s.amount_minor - s.balance_minor, $1::date, '` + OpeningBalanceReference + `'
  FROM stage_invoices s JOIN invoices i ON i.number = s.number
 WHERE s.balance_minor < s.amount_minor`

// resolveCustomerBatch finds the customer of each of a batch of distinct
// customers of the file: by ref (as matchInvoiceCustomers does), then by
// normalised name, else a new customer (one per normalised name, named as
// on the first line that names it). It returns each one's place in the batch (from 1), its
// customer, whether that is new, and why it is ambiguous, if it is (see
// ambiguousCustomer). Customers created by earlier batches are found by
// name.
const resolveCustomerBatch = `
WITH batch AS (
    SELECT b.n, b.customer, b.customer_key, b.first_line,
           coalesce((SELECT c.id FROM customers c WHERE lower(c.ref) = lower(b.customer)),
                    (SELECT min(c.id) FROM customers c WHERE b.ref_key <> '' AND ` + refKey + ` = b.ref_key HAVING count(*) = 1),
                    (SELECT c.id FROM customers c WHERE c.search_name = b.customer_key)) AS customer_id
      FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) WITH ORDINALITY AS b (customer, customer_key, first_line, ref_key, n)
), created AS (
    INSERT INTO customers (name, search_name)
    SELECT DISTINCT ON (customer_key) customer, customer_key
      FROM batch WHERE customer_id IS NULL
     ORDER BY customer_key, first_line
    RETURNING id, search_name
)
SELECT b.n, coalesce(b.customer_id, c.id), c.id IS NOT NULL,
       (SELECT ` + ambiguousCustomer + ` FROM customers x JOIN customers y ON y.search_name = b.customer_key AND y.id <> x.id
         WHERE x.id = b.customer_id) AS ambiguity
  FROM batch b LEFT JOIN created c ON b.customer_id IS NULL AND c.search_name = b.customer_key`

// ambiguousCustomer says why a customer cell (b.customer) that is the ref
// of one customer (x) and the name of another (y) names neither for sure:
// read as the ref, the invoices would go to x without a word.
const ambiguousCustomer = `format('"%s" is the ref of %s and the name of %s%s; write the ref of the one you mean',
	b.customer, x.name, y.name, coalesce(' (ref ' || y.ref || ')', ', which has no ref: give it one in a customers file'))`

// ambiguousStagedCustomers finds the staged customers (as b) matched by
// ref whose cell is the name of another customer, with the line each is
// first named on.
const ambiguousStagedCustomers = `
SELECT b.first_line, ` + ambiguousCustomer + `
  FROM stage_invoice_customers b
  JOIN customers x ON x.id = b.customer_id
  JOIN customers y ON y.search_name = b.customer_key AND y.id <> x.id
 ORDER BY b.first_line`

// matchInvoiceCustomers matches each distinct customer of the file, staged
// in stage_invoice_customers, by ref, then by normalised name. A customer
// cell names a customer by ref when it is the ref as written, ignoring
// case, or else when it is the ref without punctuation ("c001" is C-001,
// as the lookup finds it) and no other customer's ref is that too.
const matchInvoiceCustomers = `
UPDATE stage_invoice_customers s SET customer_id = c.id
  FROM customers c WHERE lower(c.ref) = lower(s.customer);
UPDATE stage_invoice_customers s SET customer_id = k.id
  FROM (SELECT t.idx, min(c.id) AS id
          FROM stage_invoice_customers t JOIN customers c ON ` + refKey + ` = t.ref_key
         WHERE t.customer_id IS NULL AND t.ref_key <> ''
         GROUP BY t.idx HAVING count(*) = 1) k
 WHERE s.idx = k.idx;
UPDATE stage_invoice_customers s SET customer_id = c.id
  FROM customers c WHERE s.customer_id IS NULL AND c.search_name = s.customer_key`

// createInvoiceCustomers creates the staged customers still unknown, one
// per normalised name, named as on the first line that names it, and
// returns how many it created.
const createInvoiceCustomers = `
WITH created AS (
    INSERT INTO customers (name, search_name)
    SELECT DISTINCT ON (customer_key) customer, customer_key
      FROM stage_invoice_customers WHERE customer_id IS NULL
     ORDER BY customer_key, first_line
    RETURNING id, search_name
), matched AS (
    UPDATE stage_invoice_customers s SET customer_id = created.id
      FROM created WHERE s.customer_id IS NULL AND s.customer_key = created.search_name
)
SELECT count(*) FROM created`

// createCustomerBatch creates a batch of customers, one per normalised
// name, into a ledger that had no customers before the file: nothing can
// match by ref, and only customers of the file by name.
const createCustomerBatch = `
INSERT INTO customers (name, search_name)
SELECT name, search_name FROM unnest($1::text[], $2::text[]) AS b (name, search_name)
 ORDER BY search_name
RETURNING id, search_name`

// invoicePlan pairs each staged row with the invoice it updates (if any),
// the invoice's opening-balance payment and the opening balance the row
// asks for: amount − balance − other payments.
const invoicePlan = `
CREATE TEMP TABLE invoice_plan ON COMMIT DROP AS
SELECT s.line, s.number, sc.customer_id, s.currency, s.amount_minor, s.balance_minor, s.issued_on, s.due_on,
       coalesce(s.payment_url, i.payment_url) AS payment_url, i.id AS invoice_id, i.currency AS old_currency, i.paid_minor,
       coalesce(op.amount_minor, 0) AS opening_minor, op.first_on AS opening_on,
       CASE WHEN s.balance_minor IS NULL THEN coalesce(op.amount_minor, 0)
            ELSE s.amount_minor - s.balance_minor - (coalesce(i.paid_minor, 0) - coalesce(op.amount_minor, 0))
       END AS target_opening_minor,
       i.id IS NOT NULL AND (i.customer_id, i.currency, i.amount_minor, i.issued_on, i.due_on, i.payment_url)
           IS DISTINCT FROM (sc.customer_id, s.currency, s.amount_minor, s.issued_on, s.due_on, coalesce(s.payment_url, i.payment_url)) AS changed
  FROM stage_invoices s
  JOIN stage_invoice_customers sc ON sc.idx = s.customer_idx
  LEFT JOIN invoices i ON i.number = s.number
  LEFT JOIN LATERAL (SELECT sum(p.amount_minor)::bigint AS amount_minor,
                            max(p.paid_on) FILTER (WHERE p.reference = '` + OpeningBalanceReference + `') AS first_on
                       FROM payments p WHERE p.invoice_id = i.id AND ` + isOpeningBalance + `) op ON true`

// isOpeningBalance is true of a payment p that records part of an
// invoice's opening balance: the first one, "opening balance", dated the
// day the invoice was imported with a balance, and one for each later day
// an import lowered it, "opening balance YYYY-MM-DD".
const isOpeningBalance = `(p.reference = '` + OpeningBalanceReference + `' OR p.reference LIKE '` + OpeningBalanceReference + ` %')`

// invoiceConflicts finds rows that would break what the ledger already
// records: a currency change under payments, or payments beyond the amount.
const invoiceConflicts = `
SELECT line, 'currency', format('invoice %s already has payments in %s; its currency cannot change', number, old_currency)
  FROM invoice_plan WHERE invoice_id IS NOT NULL AND old_currency <> currency AND paid_minor > 0
UNION ALL
SELECT line, 'balance', format('the ledger already records %s paid on invoice %s by other payments; balance %s is too large',
       pg_temp.money_text(other_minor, currency), number, pg_temp.money_text(balance_minor, currency))
  FROM (SELECT *, paid_minor - opening_minor AS other_minor FROM invoice_plan) p
 WHERE balance_minor IS NOT NULL AND target_opening_minor < 0
UNION ALL
SELECT line, 'amount', format('invoice %s already has %s paid, more than the new amount', number, pg_temp.money_text(paid_minor, old_currency))
  FROM invoice_plan
 WHERE balance_minor IS NULL AND paid_minor - opening_minor + target_opening_minor > amount_minor
ORDER BY 1`

const invoiceCounts = `
SELECT count(*) FILTER (WHERE invoice_id IS NULL) AS created,
       count(*) FILTER (WHERE invoice_id IS NOT NULL AND (changed OR target_opening_minor <> opening_minor)) AS updated
  FROM invoice_plan`

// applyInvoices applies the plan. A balance raised since the last import
// takes back the opening-balance payments from the newest; a balance
// lowered records the difference as paid on the import day (so that it
// counts as of that day, for a promise or a plan running then), added to
// that day's opening-balance payment if there is one.
var applyInvoices = []string{`
WITH cut AS (
	SELECT p.id, p.amount_minor, ip.opening_minor - ip.target_opening_minor AS cut,
	       sum(p.amount_minor) OVER (PARTITION BY p.invoice_id ORDER BY p.paid_on DESC, p.id DESC) AS upto
	  FROM payments p JOIN invoice_plan ip ON p.invoice_id = ip.invoice_id
	 WHERE ip.target_opening_minor < ip.opening_minor AND ` + isOpeningBalance + `
), gone AS (
	DELETE FROM payments p USING cut WHERE p.id = cut.id AND cut.upto <= cut.cut RETURNING p.id
)
UPDATE payments p SET amount_minor = cut.upto - cut.cut
  FROM cut
 WHERE p.id = cut.id AND cut.upto > cut.cut AND cut.upto - cut.amount_minor < cut.cut`, `
UPDATE invoices i
   SET customer_id = ip.customer_id, currency = ip.currency, amount_minor = ip.amount_minor,
       issued_on = ip.issued_on, due_on = ip.due_on, payment_url = ip.payment_url, updated_at = now()
  FROM invoice_plan ip
 WHERE i.id = ip.invoice_id AND ip.changed`, `
INSERT INTO invoices (number, customer_id, currency, amount_minor, issued_on, due_on, payment_url)
SELECT number, customer_id, currency, amount_minor, issued_on, due_on, payment_url
  FROM invoice_plan WHERE invoice_id IS NULL`, `
INSERT INTO payments (invoice_id, amount_minor, paid_on, reference)
SELECT i.id, ip.target_opening_minor - ip.opening_minor, $1::date,
       CASE WHEN ip.opening_on IS NULL OR ip.opening_on = $1::date THEN '` + OpeningBalanceReference + `'
            ELSE '` + OpeningBalanceReference + ` ' || to_char($1::date, 'YYYY-MM-DD') END
  FROM invoice_plan ip JOIN invoices i ON i.number = ip.number
 WHERE ip.target_opening_minor > ip.opening_minor
    ON CONFLICT (invoice_id, reference) WHERE reference IS NOT NULL
    DO UPDATE SET amount_minor = payments.amount_minor + excluded.amount_minor`}

// invoiceFile is an invoices file being imported.
type invoiceFile struct {
	imp      *importer
	spool    *rowSpool // the rows, into a ledger without invoices
	ids      []int64   // the ids of the file's customers by index, into a ledger without invoices
	created  int       // customers created
	fresh    bool      // the ledger had no customers: each normalised name is a new one
	openings int       // valid rows with a balance below the amount
	staged   bool      // the rows are in stage_invoices
	// ambiguous are the problems of customer cells that are one
	// customer's ref and another's name, found as customers are resolved.
	ambiguous []collections.Problem
}

// customerBatch is a batch of distinct customers of a file, as written, in
// the order they first appear, numbered from first.
type customerBatch struct {
	first int
	names []string
	lines []int64 // the line each first appears on
}

// customerBatchSize is how many customers are resolved at once.
const customerBatchSize = 5000

// customerQueue is how many batches may wait to be resolved.
const customerQueue = 16

// The integers of an invoice row as read, before its columns number,
// currency, amount_minor, issued_on, due_on and payment_url in COPY's text
// format.
const (
	spoolLine     = iota
	spoolCustomer // index in stage_invoice_customers + 1; 0 for an invalid row
	spoolFlags
	spoolBalance
	spoolAmount
	spoolHead
)

// Flags of an invoice row as read.
const (
	spoolOK         = 1 << iota // the row is valid
	spoolHasBalance             // the file gives its balance
)

func (imp *importer) invoices(ctx context.Context) (collections.ImportResult, error) {
	var res collections.ImportResult
	if _, err := imp.tx.ExecContext(ctx, createInvoiceStage); err != nil {
		return res, fmt.Errorf("stage invoices: %w", err)
	}
	if err := imp.lock(ctx); err != nil {
		return res, err
	}
	var known struct {
		Invoices  bool `db:"invoices"`
		Customers bool `db:"customers"`
	}
	if err := imp.tx.GetContext(ctx, &known, `SELECT EXISTS (SELECT 1 FROM invoices) AS invoices, EXISTS (SELECT 1 FROM customers) AS customers`); err != nil {
		return res, fmt.Errorf("look at the ledger: %w", err)
	}
	f := &invoiceFile{imp: imp, fresh: !known.Customers}
	if !known.Invoices {
		f.spool = newRowSpool()
		defer f.spool.close()
	}
	n, err := f.read(ctx)
	res.Rows, res.Customers = n, f.created
	if err != nil {
		return res, err
	}
	if imp.problems.Len() == 0 {
		// Every row is valid: insert the file at once when all its
		// invoices are new. A number repeated in the file breaks the
		// unique key; then the checks below say where.
		done, err := f.insertNew(ctx, &res)
		if err != nil || done {
			return res, err
		}
	}
	if err := f.stage(ctx); err != nil {
		return res, err
	}
	if err := imp.analyze(ctx, "stage_invoices"); err != nil {
		return res, err
	}
	if err := imp.report(ctx, invoiceDuplicates); err != nil {
		return res, err
	}
	if _, err := imp.tx.ExecContext(ctx, `DELETE FROM stage_invoices WHERE NOT ok`); err != nil {
		return res, fmt.Errorf("stage invoices: %w", err)
	}
	if _, err := imp.tx.ExecContext(ctx, invoicePlan); err != nil {
		return res, fmt.Errorf("plan invoices: %w", err)
	}
	if err := imp.loadCurrencyDigits(ctx, `SELECT currency FROM invoice_plan UNION SELECT old_currency FROM invoice_plan WHERE old_currency IS NOT NULL`); err != nil {
		return res, err
	}
	if err := imp.report(ctx, invoiceConflicts); err != nil || imp.problems.Len() > 0 {
		return res, err
	}
	if err := imp.tx.QueryRowxContext(ctx, invoiceCounts).Scan(&res.Created, &res.Updated); err != nil {
		return res, fmt.Errorf("count invoices: %w", err)
	}
	res.Unchanged = res.Rows - res.Created - res.Updated
	for i, q := range applyInvoices {
		var args []any
		if i == len(applyInvoices)-1 {
			args = []any{imp.opts.Today}
		}
		if _, err := imp.tx.ExecContext(ctx, q, args...); err != nil {
			return res, fmt.Errorf("apply invoices: %w", err)
		}
	}
	return res, nil
}

// read is the one pass over the file. It checks each row and spools or
// stages it, and has each distinct customer of the valid rows, numbered
// from 0 in the order they appear, resolved: in batches in the background
// while spooling, all at once in SQL after the COPY while staging. A
// customer is the customer cell as written, or its normalised name in a
// ledger that had no customers. It returns the number of data rows read.
func (f *invoiceFile) read(ctx context.Context) (n int, err error) {
	if f.spool != nil {
		// The reader may get ahead of the server by customerQueue
		// batches, enough for the server to be busy creating customers
		// while the rest of the file is read, and few enough to bound
		// the memory of a file of many customers.
		resolver := startBackground(customerQueue, func(b customerBatch) error { return f.resolve(ctx, b) })
		defer resolver.close()
		n, err = f.readRows(ctx, f.spool.put, resolver.send)
		err = f.imp.readDone(err)
		if rerr := resolver.close(); err == nil {
			err = rerr // the database's, not the file's
		}
		for _, p := range f.ambiguous {
			f.imp.problems.Add(p)
		}
		return n, err
	}
	var batches []customerBatch
	f.staged = true
	_, err = f.imp.copyIn(ctx, "stage_invoices", stageInvoiceColumns, func(rows *copyRows) error {
		var err error
		n, err = f.readRows(ctx, func(head []int64, cols []byte) error {
			return stageInvoiceRow(ctx, rows, head, cols)
		}, func(b customerBatch) error {
			batches = append(batches, b)
			return nil
		})
		return err
	})
	if err = f.imp.readDone(err); err != nil {
		return n, err
	}
	return n, f.resolveStaged(ctx, batches) // the database's, not the file's
}

// resolveStaged COPYs the distinct customers of the file into
// stage_invoice_customers, finds them in the ledger and creates the others.
func (f *invoiceFile) resolveStaged(ctx context.Context, batches []customerBatch) error {
	cols := []string{"idx", "customer", "customer_key", "ref_key", "first_line"}
	_, err := f.imp.copyIn(ctx, "stage_invoice_customers", cols, func(rows *copyRows) error {
		for _, b := range batches {
			for i, name := range b.names {
				rows.Int(int64(b.first + i))
				rows.Text(name)
				rows.Text(collections.NormalizeName(name))
				rows.Text(collections.RefKey(name))
				rows.Int(b.lines[i])
				if err := rows.endRow(ctx); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("stage customers: %w", err)
	}
	if _, err := f.imp.tx.ExecContext(ctx, matchInvoiceCustomers); err != nil {
		return fmt.Errorf("match customers: %w", err)
	}
	var ambiguous []struct {
		Line    int    `db:"first_line"`
		Message string `db:"format"`
	}
	if err := f.imp.tx.SelectContext(ctx, &ambiguous, ambiguousStagedCustomers); err != nil {
		return fmt.Errorf("match customers: %w", err)
	}
	for _, a := range ambiguous {
		f.imp.problems.Add(collections.Problem{File: f.imp.opts.File, Line: a.Line, Column: f.imp.rows.Header("customer"), Message: a.Message})
	}
	if err := f.imp.tx.GetContext(ctx, &f.created, createInvoiceCustomers); err != nil {
		return fmt.Errorf("create customers: %w", err)
	}
	return nil
}

// readRows reads and checks each row of the file, and hands it to put,
// and each batch of new customers to send.
func (f *invoiceFile) readRows(ctx context.Context, put func(head []int64, cols []byte) error, send func(customerBatch) error) (int, error) {
	n := 0
	seen := map[string]int32{} // customer → its index
	var batch customerBatch
	cols := &copyRows{}
	head := make([]int64, spoolHead)
	for {
		if n%4096 == 0 {
			// Nothing else notices a cancelled import while the rows
			// only go to the spool.
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
		rec, err := f.imp.rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, err
		}
		n++
		r, ps := collections.ParseInvoiceRow(rec)
		if !f.imp.check(rec, ps) {
			continue // cells that cannot be read are not stored
		}
		clear(head)
		head[spoolLine], head[spoolAmount] = int64(r.Line), r.Amount
		if len(ps) == 0 {
			customer := r.Customer
			if f.fresh {
				customer = r.CustomerKey
			}
			idx, ok := seen[customer]
			if !ok {
				idx = int32(len(seen))
				name := strings.Clone(r.Customer) // not the whole line's string
				if customer == r.Customer {
					customer = name
				} else {
					customer = strings.Clone(customer)
				}
				seen[customer] = idx
				batch.names = append(batch.names, name)
				batch.lines = append(batch.lines, int64(r.Line))
				if len(batch.names) == customerBatchSize {
					if err := send(batch); err != nil {
						return n, err
					}
					batch = customerBatch{first: len(seen)}
				}
			}
			head[spoolCustomer], head[spoolFlags] = int64(idx)+1, spoolOK
			if r.Balance != nil && *r.Balance < r.Amount {
				f.openings++
			}
		}
		if r.Balance != nil {
			head[spoolFlags] |= spoolHasBalance
			head[spoolBalance] = *r.Balance
		}
		cols.reset()
		cols.Text(r.Number)
		if collections.ValidCurrency(r.Currency) {
			cols.Text(r.Currency)
		} else {
			cols.Null() // the row is invalid; its currency would not fit char(3)
		}
		cols.Int(r.Amount)
		cols.Date(r.IssuedOn)
		cols.Date(r.DueOn)
		cols.TextOrNull(r.PaymentURL)
		if err := put(head, cols.buf); err != nil {
			return n, err
		}
	}
	if len(batch.names) > 0 {
		return n, send(batch)
	}
	return n, nil
}

// resolve finds or creates the customers of a batch, and records their
// ids.
func (f *invoiceFile) resolve(ctx context.Context, b customerBatch) error {
	if len(f.ids) != b.first {
		return fmt.Errorf("resolve customers: batch from %d after %d customers", b.first, len(f.ids))
	}
	ids := make([]int64, len(b.names))
	keys := make([]string, len(b.names))
	refKeys := make([]string, len(b.names))
	for i, name := range b.names {
		keys[i] = collections.NormalizeName(name)
		refKeys[i] = collections.RefKey(name)
	}
	var rows *sql.Rows
	var err error
	if f.fresh {
		rows, err = f.imp.tx.QueryContext(ctx, createCustomerBatch, pq.Array(b.names), pq.Array(keys))
	} else {
		rows, err = f.imp.tx.QueryContext(ctx, resolveCustomerBatch, pq.Array(b.names), pq.Array(keys), pq.Array(b.lines), pq.Array(refKeys))
	}
	if err != nil {
		return fmt.Errorf("resolve customers: %w", err)
	}
	defer rows.Close()
	place := map[string]int{} // a fresh ledger's new customers, by normalised name
	if f.fresh {
		for i, key := range keys {
			place[key] = i
		}
	}
	created := map[int64]bool{}
	for rows.Next() {
		var id int64
		if f.fresh {
			var key string
			if err := rows.Scan(&id, &key); err != nil {
				return fmt.Errorf("resolve customers: %w", err)
			}
			i, ok := place[key]
			if !ok {
				return fmt.Errorf("resolve customers: created %q, not in the batch", key)
			}
			ids[i], created[id] = id, true
			continue
		}
		var n int
		var isNew bool
		var ambiguity sql.NullString
		if err := rows.Scan(&n, &id, &isNew, &ambiguity); err != nil {
			return fmt.Errorf("resolve customers: %w", err)
		}
		if ambiguity.Valid {
			f.ambiguous = append(f.ambiguous, collections.Problem{File: f.imp.opts.File, Line: int(b.lines[n-1]),
				Column: f.imp.rows.Header("customer"), Message: ambiguity.String})
		}
		ids[n-1] = id
		if isNew {
			created[id] = true
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("resolve customers: %w", err)
	}
	f.ids = append(f.ids, ids...)
	f.created += len(created)
	return nil
}

// eachSpooled calls fn with each spooled row: its integers (see spoolHead)
// and its columns.
func (f *invoiceFile) eachSpooled(fn func(head []int64, cols []byte) error) error {
	if err := f.spool.rewind(); err != nil {
		return err
	}
	head := make([]int64, spoolHead)
	for {
		cols, err := f.spool.next(head)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(head, cols); err != nil {
			return err
		}
	}
}

// stageInvoiceColumns are the columns of stage_invoices a row fills.
var stageInvoiceColumns = []string{"line", "customer_idx", "balance_minor", "ok", "number", "currency", "amount_minor", "issued_on", "due_on", "payment_url"}

// stageInvoiceRow writes a row, as its integers and columns, for
// stageInvoiceColumns.
func stageInvoiceRow(ctx context.Context, rows *copyRows, head []int64, cols []byte) error {
	rows.Int(head[spoolLine])
	if c := head[spoolCustomer]; c > 0 {
		rows.Int(c - 1)
	} else {
		rows.Null()
	}
	if head[spoolFlags]&spoolHasBalance != 0 {
		rows.Int(head[spoolBalance])
	} else {
		rows.Null()
	}
	rows.Bool(head[spoolFlags]&spoolOK != 0)
	rows.Raw(cols)
	return rows.endRow(ctx)
}

// stage COPYs the spooled rows into stage_invoices, and the ids of their
// customers into stage_invoice_customers, unless they are there.
func (f *invoiceFile) stage(ctx context.Context) error {
	if f.staged {
		return nil
	}
	f.staged = true
	_, err := f.imp.copyIn(ctx, "stage_invoice_customers", []string{"idx", "customer_id"}, func(rows *copyRows) error {
		for idx, id := range f.ids {
			rows.Int(int64(idx))
			rows.Int(id)
			if err := rows.endRow(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("stage customers: %w", err)
	}
	_, err = f.imp.copyIn(ctx, "stage_invoices", stageInvoiceColumns, func(rows *copyRows) error {
		return f.eachSpooled(func(head []int64, cols []byte) error {
			return stageInvoiceRow(ctx, rows, head, cols)
		})
	})
	if err != nil {
		return fmt.Errorf("stage invoices: %w", err)
	}
	return nil
}

// insertNew inserts a file of valid rows whose invoices are all new, and
// their opening balances. It reports false, having changed nothing, when
// some invoice is already in the ledger or a number is repeated in the
// file.
func (f *invoiceFile) insertNew(ctx context.Context, res *collections.ImportResult) (bool, error) {
	if f.staged {
		var known bool
		if err := f.imp.tx.GetContext(ctx, &known, newInvoicesOverlap); err != nil {
			return false, fmt.Errorf("find known invoices: %w", err)
		}
		if known {
			return false, nil
		}
	}
	if _, err := f.imp.tx.ExecContext(ctx, `SAVEPOINT new_invoices`); err != nil {
		return false, fmt.Errorf("insert invoices: %w", err)
	}
	var created int64
	var err error
	if f.staged {
		var in sql.Result
		if in, err = f.imp.tx.ExecContext(ctx, insertNewInvoices); err == nil {
			created, _ = in.RowsAffected()
		}
	} else {
		created, err = f.copyNewInvoices(ctx)
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" && pqErr.Constraint == "invoices_number_key" {
		if _, err := f.imp.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT new_invoices`); err != nil {
			return false, fmt.Errorf("insert invoices: %w", err)
		}
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("insert invoices: %w", err)
	}
	if err := f.insertOpeningBalances(ctx); err != nil {
		return false, err
	}
	res.Created = int(created)
	res.Unchanged = res.Rows - res.Created
	return true, nil
}

// copyNewInvoices COPYs the spooled rows, all valid, straight into
// invoices, each with the id of its resolved customer.
func (f *invoiceFile) copyNewInvoices(ctx context.Context) (int64, error) {
	cols := []string{"customer_id", "number", "currency", "amount_minor", "issued_on", "due_on", "payment_url"}
	return f.imp.copyIn(ctx, "invoices", cols, func(rows *copyRows) error {
		return f.eachSpooled(func(head []int64, cols []byte) error {
			rows.Int(f.ids[head[spoolCustomer]-1])
			rows.Raw(cols)
			return rows.endRow(ctx)
		})
	})
}

// insertOpeningBalances records the paid part of each new invoice whose
// balance is below its amount.
func (f *invoiceFile) insertOpeningBalances(ctx context.Context) error {
	if f.openings == 0 {
		return nil
	}
	if !f.staged {
		// Only the rows with an opening balance are needed.
		cols := []string{"number", "amount_minor", "balance_minor"}
		_, err := f.imp.copyIn(ctx, "stage_invoices", cols, func(rows *copyRows) error {
			return f.eachSpooled(func(head []int64, cols []byte) error {
				if head[spoolFlags]&spoolHasBalance == 0 || head[spoolBalance] >= head[spoolAmount] {
					return nil
				}
				number, _, _ := bytes.Cut(cols, []byte{'\t'})
				rows.Raw(number)
				rows.Int(head[spoolAmount])
				rows.Int(head[spoolBalance])
				return rows.endRow(ctx)
			})
		})
		if err != nil {
			return fmt.Errorf("stage opening balances: %w", err)
		}
	}
	if _, err := f.imp.tx.ExecContext(ctx, insertNewOpeningBalances, f.imp.opts.Today); err != nil {
		return fmt.Errorf("insert opening balances: %w", err)
	}
	return nil
}

// --- payments ---

const createPaymentStage = `
CREATE TEMP TABLE stage_payments (
    line int, invoice text, units bigint, scale int, paid_on date, reference text, ok boolean
) ON COMMIT DROP`

const unknownInvoices = `
SELECT s.line, 'invoice', format('no invoice numbered %s', s.invoice)
  FROM stage_payments s LEFT JOIN invoices i ON i.number = s.invoice
 WHERE i.id IS NULL AND s.invoice <> ''
 ORDER BY 1`

// paymentPlan resolves each staged payment: its invoice, its amount in
// minor units of the invoice's currency, whether the ledger already has it
// (same reference, or same amount and date without one), and the running
// total of the file's new payments per invoice. The amount is none (NULL)
// when it has more decimals than the currency, or is more than owed takes
// (collections.MaxAmountMinor): it is worked out in numeric, so that no
// amount overflows.
const paymentPlan = `
CREATE TEMP TABLE payment_plan ON COMMIT DROP AS
WITH exact AS (
    SELECT s.line, s.invoice, s.paid_on, s.reference, s.units, s.scale, d.digits,
           i.id AS invoice_id, i.currency, i.amount_minor, i.paid_minor,
           CASE WHEN s.scale <= d.digits THEN s.units * 10::numeric ^ (d.digits - s.scale) END AS exact_minor
      FROM stage_payments s
      JOIN invoices i ON i.number = s.invoice
      JOIN currency_digits d ON d.currency = i.currency
), resolved AS (
    SELECT line, invoice, paid_on, reference, units, scale, digits, invoice_id, currency, amount_minor, paid_minor,
           CASE WHEN exact_minor <= $1 THEN exact_minor::bigint END AS minor, exact_minor > $1 AS too_large
      FROM exact
), matched AS (
    SELECT r.*, p.id AS existing_id, p.amount_minor AS existing_minor, p.paid_on AS existing_paid_on,
           min(r.line) OVER (PARTITION BY r.invoice_id,
               coalesce(r.reference, r.minor::text || '@' || r.paid_on::text, 'line ' || r.line)) AS first_line
      FROM resolved r
      LEFT JOIN LATERAL (
           -- A payment with a reference is the one with that reference; one
           -- without is any of the same amount on the same day, with a
           -- reference or not (the bank's export has them, the accounting
           -- system's may not), an opening balance aside.
           SELECT p.id, p.amount_minor, p.paid_on FROM payments p
            WHERE p.invoice_id = r.invoice_id
              AND ((r.reference IS NOT NULL AND p.reference = r.reference)
                OR (r.reference IS NULL AND p.amount_minor = r.minor AND p.paid_on = r.paid_on AND NOT coalesce(` + isOpeningBalance + `, false)))
            ORDER BY p.reference IS NULL DESC, p.id LIMIT 1) p ON true
)
SELECT *, (paid_minor + sum(minor) FILTER (WHERE existing_id IS NULL)
              OVER (PARTITION BY invoice_id ORDER BY line))::bigint AS paid_after_minor
  FROM matched`

const paymentConflicts = `
SELECT line, 'amount', CASE WHEN too_large THEN format('%s is more than owed takes for one amount (at most %s)',
                                                        round(units::numeric / 10::numeric ^ scale, scale), pg_temp.money_text($1, currency))
                            WHEN digits = 0 THEN format('%s has decimals; %s has none', round(units::numeric / 10::numeric ^ scale, scale), currency)
                            ELSE format('%s has %s decimals; %s has %s', round(units::numeric / 10::numeric ^ scale, scale), scale, currency, digits) END
  FROM payment_plan WHERE minor IS NULL
UNION ALL
SELECT line, CASE WHEN reference IS NULL THEN 'amount' ELSE 'reference' END,
       CASE WHEN reference IS NULL
            THEN format('same payment as line %s (same invoice, amount and date); give each a reference', first_line)
            ELSE format('reference %s on invoice %s is also on line %s', reference, invoice, first_line) END
  FROM payment_plan WHERE line <> first_line
UNION ALL
SELECT line, 'reference', format('payment %s on invoice %s is already recorded as %s on %s',
       reference, invoice, pg_temp.money_text(existing_minor, currency), existing_paid_on)
  FROM payment_plan
 WHERE existing_id IS NOT NULL AND reference IS NOT NULL
   AND (existing_minor <> minor OR existing_paid_on <> paid_on)
ORDER BY 1`

// paymentOverflows finds the new payments larger than what their invoice
// still owes. An invoice's new payments are taken in the file's order,
// and a payment found too large is not counted against the ones after it:
// each row is judged on its own, as if the rows reported before it were
// fixed (only the invoices whose new payments add up to more than they
// owe are walked).
const paymentOverflows = `
WITH RECURSIVE new AS (
    SELECT invoice_id, line, minor, amount_minor, paid_minor, currency, invoice,
           row_number() OVER (PARTITION BY invoice_id ORDER BY line) AS n
      FROM payment_plan
     WHERE existing_id IS NULL AND minor IS NOT NULL AND line = first_line
       AND invoice_id IN (SELECT invoice_id FROM payment_plan WHERE paid_after_minor > amount_minor)
), walk AS (
    SELECT invoice_id, n, line, minor, amount_minor, currency, invoice, paid_minor AS before_minor,
           paid_minor + minor <= amount_minor AS fits
      FROM new WHERE n = 1
    UNION ALL
    SELECT r.invoice_id, r.n, r.line, r.minor, r.amount_minor, r.currency, r.invoice, b.before_minor,
           b.before_minor + r.minor <= r.amount_minor
      FROM walk w
      JOIN new r ON r.invoice_id = w.invoice_id AND r.n = w.n + 1
     CROSS JOIN LATERAL (SELECT w.before_minor + CASE WHEN w.fits THEN w.minor ELSE 0 END AS before_minor) b
)
SELECT line, 'amount', format('payment of %s exceeds the balance %s of invoice %s',
       pg_temp.money_text(minor, currency), pg_temp.money_text(amount_minor - before_minor, currency), invoice)
  FROM walk WHERE NOT fits
 ORDER BY 1`

const insertPayments = `
INSERT INTO payments (invoice_id, amount_minor, paid_on, reference)
SELECT invoice_id, minor, paid_on, reference FROM payment_plan
 WHERE existing_id IS NULL ORDER BY line`

func (imp *importer) payments(ctx context.Context) (collections.ImportResult, error) {
	var res collections.ImportResult
	if _, err := imp.tx.ExecContext(ctx, createPaymentStage); err != nil {
		return res, fmt.Errorf("stage payments: %w", err)
	}
	cols := []string{"line", "invoice", "units", "scale", "paid_on", "reference"}
	n, err := stage(ctx, imp, "stage_payments", cols, collections.ParsePaymentRow, func(r collections.PaymentRow, w *copyRows) {
		w.Int(int64(r.Line))
		w.Text(r.Invoice)
		w.Int(r.Amount.Units)
		w.Int(int64(r.Amount.Scale))
		w.Date(r.PaidOn)
		w.TextOrNull(r.Reference)
	})
	res.Rows = n
	if err != nil {
		return res, err
	}
	if err := imp.analyze(ctx, "stage_payments"); err != nil {
		return res, err
	}
	if err := imp.report(ctx, unknownInvoices); err != nil {
		return res, err
	}
	if _, err := imp.tx.ExecContext(ctx, `DELETE FROM stage_payments WHERE NOT ok`); err != nil {
		return res, fmt.Errorf("stage payments: %w", err)
	}
	err = imp.loadCurrencyDigits(ctx, `SELECT DISTINCT i.currency FROM stage_payments s JOIN invoices i ON i.number = s.invoice`)
	if err != nil {
		return res, err
	}
	if _, err := imp.tx.ExecContext(ctx, paymentPlan, int64(collections.MaxAmountMinor)); err != nil {
		return res, fmt.Errorf("plan payments: %w", err)
	}
	if err := imp.report(ctx, paymentConflicts, int64(collections.MaxAmountMinor)); err != nil {
		return res, err
	}
	if err := imp.report(ctx, paymentOverflows); err != nil || imp.problems.Len() > 0 {
		return res, err
	}
	in, err := imp.tx.ExecContext(ctx, insertPayments)
	if err != nil {
		return res, fmt.Errorf("insert payments: %w", err)
	}
	created, _ := in.RowsAffected()
	res.Created = int(created)
	res.Unchanged = res.Rows - res.Created
	return res, nil
}
