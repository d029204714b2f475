package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/owedhq/owed/collections"
)

// LedgerService reads the receivables ledger. It implements
// collections.LedgerService.
type LedgerService struct {
	db *DB
	// The lookups' statements: prepared, a lookup by exact name costs
	// about half as much.
	find, byName, similar, summary statement
	// The summaries of the customers of a burst of alerts, read together.
	summaries statement
}

// NewLedgerService returns a LedgerService on db.
func NewLedgerService(db *DB) *LedgerService {
	return &LedgerService{db: db,
		find:      statement{name: "customer lookup", query: findCustomerQuery},
		byName:    statement{name: "customer lookup by name", query: findByName},
		similar:   statement{name: "similar customers", query: findSimilar},
		summary:   statement{name: "customer summary", query: customerSummaryQuery},
		summaries: statement{name: "customer summaries", query: customerSummariesQuery},
	}
}

var _ collections.LedgerService = (*LedgerService)(nil)

// openInvoicesAsOf selects every invoice with a balance as of $1: issued on
// or before $1, less payments dated on or before $1. An invoice paid in full
// today may still be open as of an earlier date, so the invoices open now
// (a partial index) are joined with those paid after $1.
const openInvoicesAsOf = `
WITH later AS (
    SELECT invoice_id, sum(amount_minor) AS amount
      FROM payments WHERE paid_on > $1 GROUP BY invoice_id
), open_invoices AS (
    SELECT i.id, i.number, i.customer_id, i.currency, i.amount_minor, i.issued_on, i.due_on,
           i.amount_minor - i.paid_minor + coalesce(l.amount, 0) AS balance_minor
      FROM invoices i LEFT JOIN later l ON l.invoice_id = i.id
     WHERE i.paid_minor < i.amount_minor AND i.issued_on <= $1
    UNION ALL
    SELECT i.id, i.number, i.customer_id, i.currency, i.amount_minor, i.issued_on, i.due_on,
           i.amount_minor - i.paid_minor + l.amount
      FROM later l JOIN invoices i ON i.id = l.invoice_id
     WHERE i.paid_minor >= i.amount_minor AND i.issued_on <= $1
)`

const agingQuery = openInvoicesAsOf + `
SELECT o.currency, ($1::date - o.due_on) AS days_overdue, sum(o.balance_minor) AS balance_minor, x.invoice_id IS NOT NULL AS disputed
  FROM open_invoices o LEFT JOIN (` + disputedInvoices + `) x ON x.invoice_id = o.id
 GROUP BY o.currency, o.due_on, x.invoice_id IS NOT NULL`

// Aging returns the whole ledger's aging report as of asOf.
func (s *LedgerService) Aging(ctx context.Context, asOf time.Time) (collections.AgingReport, error) {
	report := collections.AgingReport{AsOf: asOf}
	rows, err := s.db.QueryContext(ctx, agingQuery, asOf)
	if err != nil {
		return report, fmt.Errorf("aging as of %s: %w", asOf.Format(collections.DateLayout), err)
	}
	defer rows.Close()
	for rows.Next() {
		var currency string
		var days int
		var balance int64
		var disputed bool
		if err := rows.Scan(&currency, &days, &balance, &disputed); err != nil {
			return report, fmt.Errorf("aging: %w", err)
		}
		if disputed {
			report.AddDisputed(currency, days, balance)
		} else {
			report.Add(currency, days, balance)
		}
	}
	if err := rows.Err(); err != nil {
		return report, fmt.Errorf("aging: %w", err)
	}
	return report, nil
}

type customerRow struct {
	ID               int64          `db:"id"`
	Name             string         `db:"name"`
	Ref              sql.NullString `db:"ref"`
	Email            sql.NullString `db:"email"`
	Phone            sql.NullString `db:"phone"`
	Timezone         sql.NullString `db:"timezone"`
	OwnerSlackID     sql.NullString `db:"owner_slack_id"`
	CreditLimitMinor sql.NullInt64  `db:"credit_limit_minor"`
	CreditCurrency   sql.NullString `db:"credit_currency"`
	Tier             sql.NullString `db:"tier"`
	Similarity       float64        `db:"similarity"`
	OwnerName        string         `db:"owner_name"` // when the query reads it
}

const customerColumns = `id, name, ref, email, phone, timezone, owner_slack_id, credit_limit_minor, credit_currency, tier`

// dest returns where a row's customerColumns are scanned to, in order,
// for queries scanned without reflection.
func (r *customerRow) dest() []any {
	return []any{&r.ID, &r.Name, &r.Ref, &r.Email, &r.Phone, &r.Timezone, &r.OwnerSlackID, &r.CreditLimitMinor, &r.CreditCurrency, &r.Tier}
}

func (r customerRow) customer() collections.Customer {
	c := collections.Customer{ID: r.ID, Name: r.Name, Ref: r.Ref.String, Email: r.Email.String,
		Phone: r.Phone.String, Timezone: r.Timezone.String, OwnerSlackID: r.OwnerSlackID.String, OwnerName: r.OwnerName, Tier: r.Tier.String}
	if r.CreditLimitMinor.Valid {
		c.CreditLimit = &collections.Money{Minor: r.CreditLimitMinor.Int64, Currency: r.CreditCurrency.String}
	}
	return c
}

// Customer lookups: the ref, the whole name or a prefix of the name or
// of one of its words (unique, pattern and trigram indexes; exact matches
// first), and only when none matches, the nearest spellings (trigram
// index, nearest_customers: the two nearest when the nearest is clearly
// ahead, as a misspelt name's usually is, else the 25 nearest), in one
// statement.
const (
	// foundCustomers are the customers whose name is $1, whose ref is $2
	// or whose name or one of its words starts with the query ($3, $4:
	// LIKE patterns), or whose ref starts with it ($5: a LIKE pattern of
	// collections.RefPrefix, or " ", which no ref key matches, when the
	// query is not ref-like), exact matches first.
	foundCustomers = `
    SELECT ` + customerColumns + `, similarity(search_name, $1)::float8 AS similarity
      FROM customers
     WHERE search_name = $1 OR ` + refKey + ` = $2
        OR search_name LIKE $3 ESCAPE '\' OR search_name LIKE $4 ESCAPE '\'
        OR ` + refKey + ` LIKE $5 ESCAPE '\'
     ORDER BY (search_name = $1 OR ` + refKey + ` = $2) DESC, search_name
     LIMIT 25`
	findCustomerQuery = `
WITH found AS MATERIALIZED (` + foundCustomers + `)
SELECT false AS similar, * FROM found
UNION ALL
(SELECT true, c.id, c.name, c.ref, c.email, c.phone, c.timezone, c.owner_slack_id, c.credit_limit_minor, c.credit_currency, c.tier,
        n.similarity
   FROM nearest_customers($1, $6) WITH ORDINALITY n (customer_id, similarity, nearness)
   JOIN customers c ON c.id = n.customer_id
  WHERE NOT EXISTS (SELECT FROM found)
  ORDER BY n.nearness)`
	// refKey is a ref without its punctuation, in lower case (an index
	// holds it): collections.RefKey in SQL.
	refKey = `regexp_replace(lower(ref), '[^[:alnum:]]', '', 'g')`
	// findSimilar is the 25 nearest spellings, when the names found
	// otherwise settle nothing.
	// findByName is foundCustomers alone, for the spellings tried when
	// nothing is near the query.
	findByName  = `SELECT false AS similar, * FROM (` + foundCustomers + `) found`
	findSimilar = `
SELECT true AS similar, ` + customerColumns + `, similarity(search_name, $1)::float8 AS similarity
  FROM customers
 WHERE search_name % $1
 ORDER BY search_name <-> $1
 LIMIT 25`
)

// FindCustomer resolves a forgiving query to one customer.
func (s *LedgerService) FindCustomer(ctx context.Context, query string) (collections.Customer, error) {
	key := collections.NormalizeName(query)
	if key == "" {
		return collections.Customer{}, collections.Errorf(collections.EINVALID, "say which customer, by name or reference")
	}
	find, err := s.find.prepared(ctx, s.db)
	if err != nil {
		return collections.Customer{}, err
	}
	like := escapeLike(key)
	found, similar, err := candidates(ctx, find, key, collections.RefKey(query), like+"%", "% "+like+"%", refPrefixPattern(query), collections.ClearLead)
	if err != nil {
		return collections.Customer{}, fmt.Errorf("find customer %q: %w", query, err)
	}
	if len(found) > 0 {
		if c, ok, err := resolve(query, found); ok {
			return c, err
		}
		// The names found settle nothing: the nearest spellings, which
		// the statement looks up only when no name is found.
		stmt, err := s.similar.prepared(ctx, s.db)
		if err != nil {
			return collections.Customer{}, err
		}
		if _, similar, err = candidates(ctx, stmt, key); err != nil {
			return collections.Customer{}, fmt.Errorf("find customer %q: %w", query, err)
		}
	}
	if c, ok, err := resolve(query, similar); ok {
		return c, err
	}
	if c, ok, err := s.findSwapped(ctx, query, key); ok || err != nil {
		return c, err
	}
	return collections.Customer{}, collections.Errorf(collections.ENOTFOUND, "no customer matches %q", query)
}

// findSwapped looks up, when nothing is near a query, the names it may
// mean with two neighbouring letters swapped back ("amce" for "acme"): a
// swap breaks most of a short word's trigrams, so the nearest spellings
// miss it. Each spelling is looked up as a whole name or a prefix of the
// name or of one of its words; refs are not, as "C-100" with two digits
// swapped is another customer's. It reports whether the swaps found one
// customer (or several, as an ambiguous match).
func (s *LedgerService) findSwapped(ctx context.Context, query, key string) (collections.Customer, bool, error) {
	spellings := collections.SwappedLetters(key)
	if len(spellings) == 0 {
		return collections.Customer{}, false, nil
	}
	stmt, err := s.byName.prepared(ctx, s.db)
	if err != nil {
		return collections.Customer{}, false, err
	}
	var meant []collections.Customer
	seen := map[int64]bool{}
	for _, spelling := range spellings {
		like := escapeLike(spelling)
		// A ref key never holds a space: no ref matches.
		found, _, err := candidates(ctx, stmt, spelling, " ", like+"%", "% "+like+"%", " ")
		if err != nil {
			return collections.Customer{}, false, fmt.Errorf("find customer %q: %w", query, err)
		}
		best, others := collections.ResolveMatch(spelling, found)
		if best != nil {
			others = []collections.Customer{*best}
		}
		for _, c := range others {
			if !seen[c.ID] {
				seen[c.ID] = true
				meant = append(meant, c)
			}
		}
	}
	switch len(meant) {
	case 0:
		return collections.Customer{}, false, nil
	case 1:
		return meant[0], true, nil
	}
	return collections.Customer{}, true, &collections.AmbiguousError{Query: query, Candidates: meant}
}

// resolve picks the customer meant among candidates: false when none is.
func resolve(query string, cands []collections.Candidate) (collections.Customer, bool, error) {
	best, candidates := collections.ResolveMatch(query, cands)
	switch {
	case best != nil:
		return *best, true, nil
	case len(candidates) > 0:
		return collections.Customer{}, true, &collections.AmbiguousError{Query: query, Candidates: candidates}
	}
	return collections.Customer{}, false, nil
}

// candidates runs a lookup, returning the customers it found by name or
// ref and those it found by similar spelling.
func candidates(ctx context.Context, stmt *sqlx.Stmt, args ...any) (found, similar []collections.Candidate, err error) {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var r customerRow
	var isSimilar bool
	dest := append([]any{&isSimilar}, r.dest()...)
	dest = append(dest, &r.Similarity)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, err
		}
		c := collections.Candidate{Customer: r.customer(), Similarity: r.Similarity}
		if isSimilar {
			similar = append(similar, c)
		} else {
			found = append(found, c)
		}
	}
	return found, similar, rows.Err()
}

// refPrefixPattern is the LIKE pattern of the refs a query may be the
// start of; " " (which no ref key matches: it holds letters and digits
// only) when the query is not ref-like.
func refPrefixPattern(query string) string {
	p := collections.RefPrefix(query)
	if p == "" {
		return " "
	}
	return escapeLike(p) + "%"
}

func escapeLike(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// SaveSlackUser remembers a Slack user's name.
func (s *LedgerService) SaveSlackUser(ctx context.Context, id, name string) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO slack_users (id, name) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, seen_at = now()`, id, name); err != nil {
		return fmt.Errorf("remember Slack user %s: %w", id, err)
	}
	return nil
}

// SlackUserNames returns the names owed learnt of Slack users, by ID.
func (s *LedgerService) SlackUserNames(ctx context.Context) (map[string]string, error) {
	var rows []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT id, name FROM slack_users WHERE name <> ''`); err != nil {
		return nil, fmt.Errorf("Slack users' names: %w", err)
	}
	names := make(map[string]string, len(rows))
	for _, r := range rows {
		names[r.ID] = r.Name
	}
	return names, nil
}

// FindCustomerByID returns one customer, with its owner's name when known.
func (s *LedgerService) FindCustomerByID(ctx context.Context, id int64) (collections.Customer, error) {
	var r customerRow
	err := s.db.GetContext(ctx, &r, `SELECT `+customerColumns+`, 0::float8 AS similarity,
		coalesce((SELECT u.name FROM slack_users u WHERE u.id = customers.owner_slack_id), '') AS owner_name
		FROM customers WHERE id = $1`, id)
	if noRows(err) {
		return collections.Customer{}, collections.Errorf(collections.ENOTFOUND, "no customer with id %d", id)
	}
	if err != nil {
		return collections.Customer{}, fmt.Errorf("find customer %d: %w", id, err)
	}
	return r.customer(), nil
}

type openInvoiceRow struct {
	ID         int64     `db:"id"`
	Number     string    `db:"number"`
	CustomerID int64     `db:"customer_id"`
	Currency   string    `db:"currency"`
	Amount     int64     `db:"amount_minor"`
	Balance    int64     `db:"balance_minor"`
	IssuedOn   time.Time `db:"issued_on"`
	DueOn      time.Time `db:"due_on"`
	// DisputeReason is set when the invoice is in dispute.
	DisputeReason sql.NullString `db:"dispute_reason"`
	PaymentURL    string         `db:"payment_url"`
}

func (r openInvoiceRow) invoice(asOf time.Time) collections.OpenInvoice {
	return collections.OpenInvoice{ID: r.ID, Number: r.Number, CustomerID: r.CustomerID, Currency: r.Currency,
		Amount: r.Amount, Balance: r.Balance, IssuedOn: r.IssuedOn, DueOn: r.DueOn,
		DaysOverdue: collections.DaysBetween(r.DueOn, asOf),
		Disputed:    r.DisputeReason.Valid, DisputeReason: collections.DisputeReason(r.DisputeReason.String),
		PaymentURL: r.PaymentURL}
}

// customerOpenInvoices is openInvoicesAsOf for one customer (c.id), using
// the customer's invoices rather than the whole ledger.
const customerOpenInvoices = `
SELECT i.id, i.number, i.customer_id, i.currency, i.amount_minor, i.issued_on, i.due_on,
       i.amount_minor - coalesce(p.paid, 0) AS balance_minor, x.reason AS dispute_reason,
       coalesce(i.payment_url, '') AS payment_url
  FROM invoices i
  LEFT JOIN LATERAL (SELECT sum(amount_minor) AS paid FROM payments
                      WHERE invoice_id = i.id AND paid_on <= $1) p ON true
  LEFT JOIN LATERAL (SELECT ` + disputeWhy + ` AS reason FROM disputes d WHERE d.invoice_id = i.id AND ` + disputeHolds + `
                      ORDER BY d.id DESC LIMIT 1) x ON true
 WHERE i.customer_id = c.id AND i.issued_on <= $1
   AND i.amount_minor - coalesce(p.paid, 0) > 0
 ORDER BY i.due_on, i.number`

// customerSummarySelect is customers (customerColumns, then the owner's
// name) with their open invoices as of $1 (none: one row without an
// invoice), in one statement; customerSummaryQuery and
// customerSummariesQuery say which customers.
const customerSummarySelect = `
SELECT c.id, c.name, c.ref, c.email, c.phone, c.timezone, c.owner_slack_id, c.credit_limit_minor, c.credit_currency, c.tier,
       coalesce(u.name, ''),
       o.id, o.number, o.currency, o.amount_minor, o.balance_minor, o.issued_on, o.due_on, o.dispute_reason, o.payment_url
  FROM customers c
  LEFT JOIN slack_users u ON u.id = c.owner_slack_id
  LEFT JOIN LATERAL (` + customerOpenInvoices + `) o ON true`

// customerSummaryQuery is customer $2's summary.
const customerSummaryQuery = customerSummarySelect + `
 WHERE c.id = $2
 ORDER BY o.due_on, o.number`

// customerSummariesQuery is the summaries of the customers in $2, one
// customer after the other.
const customerSummariesQuery = customerSummarySelect + `
 WHERE c.id = ANY($2)
 ORDER BY c.id, o.due_on, o.number`

// CustomerSummary returns what a customer owes as of asOf.
func (s *LedgerService) CustomerSummary(ctx context.Context, id int64, asOf time.Time) (collections.CustomerSummary, error) {
	stmt, err := s.summary.prepared(ctx, s.db)
	if err != nil {
		return collections.CustomerSummary{}, err
	}
	rows, err := stmt.QueryContext(ctx, asOf, id)
	if err != nil {
		return collections.CustomerSummary{}, fmt.Errorf("summary of customer %d: %w", id, err)
	}
	sums, err := scanSummaries(rows, asOf)
	if err != nil {
		return collections.CustomerSummary{}, fmt.Errorf("summary of customer %d: %w", id, err)
	}
	sum, ok := sums[id]
	if !ok {
		return sum, collections.Errorf(collections.ENOTFOUND, "no customer with id %d", id)
	}
	return sum, nil
}

// customerSummaries returns what each of the customers owes as of asOf,
// in one statement; a customer that does not exist is left out.
func (s *LedgerService) customerSummaries(ctx context.Context, ids []int64, asOf time.Time) (map[int64]collections.CustomerSummary, error) {
	stmt, err := s.summaries.prepared(ctx, s.db)
	if err != nil {
		return nil, err
	}
	rows, err := stmt.QueryContext(ctx, asOf, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("summaries of %d customers: %w", len(ids), err)
	}
	sums, err := scanSummaries(rows, asOf)
	if err != nil {
		return nil, fmt.Errorf("summaries of %d customers: %w", len(ids), err)
	}
	return sums, nil
}

// scanSummaries reads the rows of customerSummarySelect, one customer's
// after the other, and closes them.
func scanSummaries(rows *sql.Rows, asOf time.Time) (map[int64]collections.CustomerSummary, error) {
	defer rows.Close()
	sums := map[int64]collections.CustomerSummary{}
	var (
		c                customerRow
		invoiceID        sql.NullInt64
		inv              openInvoiceRow
		number, currency sql.NullString
		amount, balance  sql.NullInt64
		issuedOn, dueOn  sql.NullTime
		paymentURL       sql.NullString
		sum              collections.CustomerSummary
		report           collections.AgingReport
	)
	flush := func() {
		if sum.Customer.ID == 0 {
			return
		}
		if report.Currencies != nil {
			sum.Outstanding = report.Currencies
		}
		sums[sum.Customer.ID] = sum
	}
	dest := append(c.dest(), &c.OwnerName, &invoiceID, &number, &currency, &amount, &balance, &issuedOn, &dueOn, &inv.DisputeReason, &paymentURL)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if c.ID != sum.Customer.ID {
			flush()
			sum = collections.CustomerSummary{AsOf: asOf, Customer: c.customer(), Invoices: []collections.OpenInvoice{}, Outstanding: []collections.Aging{}}
			report = collections.AgingReport{AsOf: asOf}
		}
		if !invoiceID.Valid {
			continue
		}
		inv.ID, inv.Number, inv.CustomerID, inv.Currency = invoiceID.Int64, number.String, c.ID, currency.String
		inv.Amount, inv.Balance, inv.IssuedOn, inv.DueOn, inv.PaymentURL = amount.Int64, balance.Int64, issuedOn.Time, dueOn.Time, paymentURL.String
		oi := inv.invoice(asOf)
		sum.Invoices = append(sum.Invoices, oi)
		if oi.Disputed {
			report.AddDisputed(oi.Currency, oi.DaysOverdue, oi.Balance)
		} else {
			report.Add(oi.Currency, oi.DaysOverdue, oi.Balance)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	flush()
	return sums, nil
}

// topDebtorsQuery ranks overdue balances within each currency: amounts in
// different currencies are never compared.
const topDebtorsQuery = openInvoicesAsOf + `
SELECT id, name, ref, owner_slack_id, currency, overdue_minor, oldest_days, invoices FROM (
    SELECT c.id, c.name, c.ref, c.owner_slack_id, o.currency,
           sum(o.balance_minor) AS overdue_minor,
           max($1::date - o.due_on) AS oldest_days,
           count(*) AS invoices,
           row_number() OVER (PARTITION BY o.currency ORDER BY sum(o.balance_minor) DESC, c.name, c.id) AS rank
      FROM open_invoices o JOIN customers c ON c.id = o.customer_id
      LEFT JOIN (` + disputedInvoices + `) x ON x.invoice_id = o.id
     WHERE o.due_on < $1 AND x.invoice_id IS NULL
     GROUP BY c.id, c.name, c.ref, c.owner_slack_id, o.currency) ranked
 WHERE rank <= $2
 ORDER BY currency, rank`

// TopDebtors returns, in each currency, the limit largest overdue balances
// as of asOf (invoices in dispute aside): one row per customer and
// currency, by currency, largest first.
func (s *LedgerService) TopDebtors(ctx context.Context, asOf time.Time, limit int) ([]collections.Debtor, error) {
	rows, err := s.db.QueryContext(ctx, topDebtorsQuery, asOf, limit)
	if err != nil {
		return nil, fmt.Errorf("top debtors: %w", err)
	}
	defer rows.Close()
	var out []collections.Debtor
	for rows.Next() {
		var d collections.Debtor
		var ref, owner sql.NullString
		if err := rows.Scan(&d.Customer.ID, &d.Customer.Name, &ref, &owner, &d.Overdue.Currency,
			&d.Overdue.Minor, &d.OldestDays, &d.InvoiceOpen); err != nil {
			return nil, fmt.Errorf("top debtors: %w", err)
		}
		d.Customer.Ref, d.Customer.OwnerSlackID = ref.String, owner.String
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("top debtors: %w", err)
	}
	return out, nil
}
