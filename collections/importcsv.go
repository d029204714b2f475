package collections

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Column is a field owed reads from a CSV file, with the header names that
// mean it. Names are compared after folding case and dropping spaces, '_',
// '-' and '.'.
type Column struct {
	Name     string
	Aliases  []string
	Required bool
}

// Columns lists, per kind of file, the columns owed reads. Other columns in
// a file are ignored.
var Columns = map[ImportKind][]Column{
	ImportCustomers: {
		{Name: "name", Aliases: []string{"customer", "customer name", "company", "company name", "contact", "contact name", "client"}, Required: true},
		{Name: "ref", Aliases: []string{"reference", "customer ref", "customer id", "customer number", "customer no", "account number", "account no", "account"}},
		{Name: "email", Aliases: []string{"email address", "e-mail"}},
		{Name: "phone", Aliases: []string{"phone number", "telephone", "tel"}},
		{Name: "timezone", Aliases: []string{"time zone", "tz"}},
		{Name: "owner", Aliases: []string{"account owner", "owner slack id", "slack owner"}},
		{Name: "credit_limit", Aliases: []string{"credit"}},
		{Name: "currency", Aliases: []string{"currency code", "credit currency"}},
		{Name: "tier", Aliases: []string{"segment"}},
	},
	ImportInvoices: {
		{Name: "number", Aliases: []string{"invoice number", "invoice no", "invoice", "invoice #", "invoice id", "no"}, Required: true},
		{Name: "customer", Aliases: []string{"customer name", "contact", "contact name", "client", "customer ref"}, Required: true},
		{Name: "currency", Aliases: []string{"currency code", "cur"}, Required: true},
		{Name: "amount", Aliases: []string{"total", "invoice total", "invoice amount", "total amount"}, Required: true},
		{Name: "issued_on", Aliases: []string{"issued", "issue date", "invoice date", "date", "issued date"}, Required: true},
		{Name: "due_on", Aliases: []string{"due date", "due"}, Required: true},
		{Name: "balance", Aliases: []string{"amount due", "balance due", "outstanding", "amount outstanding"}},
		{Name: "payment_url", Aliases: []string{"payment link", "pay link", "pay url", "pay now link", "pay now url"}},
	},
	ImportPayments: {
		{Name: "invoice", Aliases: []string{"invoice number", "invoice no", "number", "invoice #", "invoice id"}, Required: true},
		{Name: "amount", Aliases: []string{"amount paid", "paid", "payment amount", "total"}, Required: true},
		{Name: "paid_on", Aliases: []string{"payment date", "paid date", "date", "paid at"}, Required: true},
		{Name: "reference", Aliases: []string{"ref", "payment ref", "payment reference", "transaction id"}},
	},
}

// foldHeader folds a header name for comparison.
func foldHeader(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '_', '-', '.', '\t':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
}

// MatchHeader returns the column of kind that header names, or "".
func MatchHeader(kind ImportKind, header string) string {
	name, _ := matchHeader(kind, header)
	return name
}

// matchHeader returns the column of kind that header names, and how
// plainly: 0 for the column's own name, then 1, 2, … for its aliases in
// the order listed.
func matchHeader(kind ImportKind, header string) (string, int) {
	h := foldHeader(header)
	for _, c := range Columns[kind] {
		if foldHeader(c.Name) == h {
			return c.Name, 0
		}
		for i, a := range c.Aliases {
			if foldHeader(a) == h {
				return c.Name, i + 1
			}
		}
	}
	return "", 0
}

// Problem is one thing wrong with an imported file, printed as
// FILE:LINE: column: problem.
type Problem struct {
	File    string
	Line    int
	Column  string
	Message string
}

// String formats the problem for people and editors.
func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Column, p.Message)
}

// maxProblems caps the problems kept for one file, the rest being
// counted: a file is reported row by row up to that many (about 15 MB of
// problems), and one that bad in whole is not a ledger anyway.
const maxProblems = 100_000

// ImportError rejects a whole file and lists what is wrong with it.
type ImportError struct {
	Problems []Problem
	More     int // problems beyond those listed
}

// Error lists every problem, one a line.
func (e *ImportError) Error() string {
	lines := make([]string, 0, len(e.Problems)+1)
	for _, p := range e.Problems {
		lines = append(lines, p.String())
	}
	if e.More > 0 {
		lines = append(lines, "… and "+Plural(e.More, "more problem", "more problems"))
	}
	return strings.Join(lines, "\n")
}

// Summary is the one-line verdict on the file: "3 problems; nothing was
// imported".
func (e *ImportError) Summary() string {
	return Plural(e.Len(), "problem", "problems") + "; nothing was imported"
}

// Unwrap makes an ImportError an EINVALID *Error.
func (e *ImportError) Unwrap() error {
	return &Error{Code: EINVALID, Message: "the file has " + e.Summary()}
}

// Sort orders the problems by line, keeping the order of those on one line.
func (e *ImportError) Sort() {
	slices.SortStableFunc(e.Problems, func(a, b Problem) int { return a.Line - b.Line })
}

// Plural writes n with the singular or plural noun: "1 problem", "2 problems".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Add records a problem, keeping at most maxProblems.
func (e *ImportError) Add(p Problem) {
	if len(e.Problems) >= maxProblems {
		e.More++
		return
	}
	e.Problems = append(e.Problems, p)
}

// Len is the number of problems recorded.
func (e *ImportError) Len() int { return len(e.Problems) + e.More }

// RowReader reads the data rows of a CSV file of one kind, mapping its
// headers to owed's columns. It tolerates a UTF-8 BOM, blank lines and
// extra columns.
type RowReader struct {
	Kind    ImportKind
	File    string
	csv     *csv.Reader
	cells   *cellReader
	index   map[string]int    // column name → field index
	headers map[string]string // column name → header as written in the file
	names   []string          // every header as written, for problems
}

// MaxValueChars is the longest value owed stores from a cell of a column it
// reads (a name, an invoice number, a reference).
const MaxValueChars = 500

// Record is one data row, addressed by column name.
type Record struct {
	File     string
	Line     int
	fields   []string
	r        *RowReader
	problems []Problem // cells that cannot be read: too long, not UTF-8, NUL
	// unreadable: the line is not CSV (a stray quote), or has cells past
	// the header; its problem says so, and its cells are not checked
	// (they are not where their headers say).
	unreadable bool
}

// NewRowReader reads the header row of a file of the given kind. Missing
// required columns or two headers meaning the same column give an
// *ImportError.
func NewRowReader(r io.Reader, file string, kind ImportKind) (*RowReader, error) {
	if _, ok := Columns[kind]; !ok {
		return nil, Errorf(EINVALID, "unknown import kind %q (want customers, invoices or payments)", kind)
	}
	br := bufio.NewReaderSize(r, 1<<16)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\ufeff" {
		br.Discard(3)
	}
	if start, _ := br.Peek(2); utf16Start(start) {
		return nil, &ImportError{Problems: []Problem{{File: file, Line: 1, Column: "header",
			Message: "the file is UTF-16 text (Excel's \"Unicode Text\"); save it as CSV UTF-8"}}}
	}
	cells := newCellReader(br)
	cr := csv.NewReader(cells)
	cr.FieldsPerRecord = -1
	rr := &RowReader{Kind: kind, File: file, csv: cr, cells: cells, index: map[string]int{}, headers: map[string]string{}}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ImportError{Problems: []Problem{{File: file, Line: 1, Column: "header", Message: "the file is empty; a header row is required"}}}
	}
	if err != nil {
		return nil, &ImportError{Problems: []Problem{{File: file, Line: 1, Column: "header", Message: csvMessage(err)}}}
	}
	headerLine, _ := cr.FieldPos(0)
	ie := &ImportError{}
	if cut := cells.takeOverflows(headerLine); len(cut) > 0 {
		ie.Add(Problem{File: file, Line: headerLine, Column: "header", Message: overflowMessage(cut[0])})
		return nil, ie
	}
	for _, h := range header {
		rr.names = append(rr.names, printable(strings.TrimSpace(h), 40))
	}
	// Two headers for one column: the column's own name beats an alias
	// (an export with both "Customer" and "Customer Ref" is read by
	// "Customer", the other left alone as a column owed does not read);
	// two aliases, or the name twice, are a problem: which to read?
	own := map[string]bool{}
	for i, h := range header {
		name, r := matchHeader(kind, h)
		if name == "" {
			continue
		}
		if prev, dup := rr.headers[name]; dup {
			if own[name] && r > 0 {
				continue // the own name is read already: the alias is left alone
			}
			if own[name] || r > 0 {
				ie.Add(Problem{File: file, Line: headerLine, Column: rr.names[i], Message: fmt.Sprintf("means the same as column %q (%s); keep one", prev, name)})
				continue
			}
			// The own name, after an alias: it is read instead.
		}
		rr.index[name], rr.headers[name], own[name] = i, rr.names[i], r == 0
	}
	for _, c := range Columns[kind] {
		if _, ok := rr.index[c.Name]; c.Required && !ok {
			ie.Add(Problem{File: file, Line: headerLine, Column: c.Name, Message: "required column is missing (header names: " + strings.Join(append([]string{c.Name}, c.Aliases...), ", ") + ")"})
		}
	}
	if ie.Len() > 0 {
		return nil, ie
	}
	return rr, nil
}

// Has reports whether the file has the column.
func (r *RowReader) Has(column string) bool {
	_, ok := r.index[column]
	return ok
}

// Header returns the file's own name for a column, for problems.
func (r *RowReader) Header(column string) string {
	if h, ok := r.headers[column]; ok {
		return h
	}
	return column
}

// printable makes a header safe and short enough to quote in a problem.
func printable(s string, max int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\ufffd"), "\x00", "")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return s
}

// columnName names field i of a row in problems: its header, or its place.
func (r *RowReader) columnName(i int) string {
	if i < len(r.names) && r.names[i] != "" {
		return r.names[i]
	}
	return fmt.Sprintf("column %d", i+1)
}

func overflowMessage(o cellOverflow) string {
	if o.row {
		return fmt.Sprintf("the row is longer than %d bytes, the most owed reads in a row", MaxRecordBytes)
	}
	return fmt.Sprintf("the cell is longer than %d bytes, the most owed reads in a cell", MaxCellBytes)
}

// Next returns the next data row, skipping rows with no values, or io.EOF.
// A malformed CSV line gives an *ImportError. Cells that cannot be read
// (cut short, not UTF-8, a NUL byte, too long to store) are the row's
// Problems; the rest of the file is still read.
func (r *RowReader) Next() (Record, error) {
	for {
		fields, err := r.csv.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return Record{}, io.EOF
			}
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return Record{}, &ImportError{Problems: []Problem{{File: r.File, Column: "csv", Message: csvMessage(err)}}}
			}
			// A malformed line is the row's problem, and the reader goes on
			// with the next line, so that every bad row of the file is told.
			r.cells.takeOverflows(pe.StartLine)
			return Record{File: r.File, Line: pe.StartLine, r: r, unreadable: true,
				problems: []Problem{{File: r.File, Line: pe.StartLine, Column: "csv", Message: csvMessage(err)}}}, nil
		}
		line, _ := r.csv.FieldPos(0)
		cut := r.cells.takeOverflows(line)
		if blank(fields) {
			continue
		}
		rec := Record{File: r.File, Line: line, fields: fields, r: r}
		// Cells past the header are a value cut in two, most often an
		// amount with a thousands separator and no quotes: every cell
		// after it is read in the wrong column. (A row cut short for its
		// length says so already.)
		if len(fields) > len(r.names) && !blank(fields[len(r.names):]) && !slices.ContainsFunc(cut, func(o cellOverflow) bool { return o.row }) {
			rec.problems = append(rec.problems, Problem{File: r.File, Line: line, Column: "row", Message: fmt.Sprintf(
				"has %d cells, the header %d; a value with a comma in it must be in double quotes (\"1,234.50\")", len(fields), len(r.names))})
			rec.unreadable = true
		}
		flagged := map[int]bool{}
		for _, o := range cut {
			column := r.columnName(o.field)
			if o.row {
				column = "row"
			}
			rec.problems = append(rec.problems, Problem{File: r.File, Line: line, Column: column, Message: overflowMessage(o)})
			flagged[o.field] = true
		}
		for _, c := range Columns[r.Kind] {
			i, ok := r.index[c.Name]
			if !ok || i >= len(fields) || flagged[i] {
				continue
			}
			if msg := cellProblem(fields[i]); msg != "" {
				rec.problems = append(rec.problems, Problem{File: r.File, Line: line, Column: r.headers[c.Name], Message: msg})
			}
		}
		return rec, nil
	}
}

// utf16Start reports whether a file starts as UTF-16 text does: with its
// byte order mark, or with an ASCII character and a NUL byte.
func utf16Start(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	switch {
	case b[0] == 0xFF && b[1] == 0xFE, b[0] == 0xFE && b[1] == 0xFF:
		return true
	case b[0] == 0 && b[1] > 0 && b[1] < 0x80, b[1] == 0 && b[0] > 0 && b[0] < 0x80:
		return true
	}
	return false
}

// cellProblem says why a value cannot be stored, or "".
func cellProblem(v string) string {
	if len(v) <= MaxValueChars && plainASCII(v) {
		return ""
	}
	switch {
	case !utf8.ValidString(v):
		return "is not valid UTF-8 text; save the file as CSV UTF-8"
	case strings.IndexByte(v, 0) >= 0:
		return "contains a NUL byte; is this a text file?"
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(v)); n > MaxValueChars {
		return fmt.Sprintf("is %d characters long; at most %d", n, MaxValueChars)
	}
	return ""
}

// plainASCII reports whether s is ASCII without NUL bytes.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 || s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Problems returns what makes cells of the row unreadable: cut short, not
// UTF-8, a NUL byte, or too long to store. Such a row is not stored.
func (rec Record) Problems() []Problem { return rec.problems }

// WithProblems returns the row's own problems followed by those found by
// validating it, leaving out what validation said about unreadable cells.
func (rec Record) WithProblems(ps []Problem) []Problem {
	if len(rec.problems) == 0 {
		return ps
	}
	if rec.unreadable {
		return rec.problems
	}
	out := slices.Clone(rec.problems)
	for _, p := range ps {
		if !slices.ContainsFunc(rec.problems, func(q Problem) bool { return q.Column == p.Column }) {
			out = append(out, p)
		}
	}
	return out
}

func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func csvMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return "malformed CSV: " + pe.Err.Error()
	}
	return "cannot read the file: " + err.Error()
}

// Get returns the trimmed value of a column ("" when absent or empty).
func (rec Record) Get(column string) string {
	i, ok := rec.r.index[column]
	if !ok || i >= len(rec.fields) {
		return ""
	}
	return strings.TrimSpace(rec.fields[i])
}

// Problem returns a problem about a column of this row.
func (rec Record) Problem(column, format string, args ...any) Problem {
	return Problem{File: rec.File, Line: rec.Line, Column: rec.r.Header(column), Message: fmt.Sprintf(format, args...)}
}

// CustomerRow is a validated row of a customers file. Empty optional
// fields leave the stored value unchanged.
type CustomerRow struct {
	Line         int
	Name         string
	SearchName   string
	Ref          string
	Email        string
	Phone        string
	Timezone     string
	OwnerSlackID string
	CreditLimit  *Money
	// CreditAmount is a credit limit given without a currency, as a
	// decimal ("25000.00"): in the currency the customer is invoiced in.
	CreditAmount string
	Tier         string
}

var (
	slackUserID = regexp.MustCompile(`^<?@?([UW][A-Z0-9]{2,})(\|[^>]*)?>?$`)
	emailLike   = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// ParseCustomerRow validates a customers row.
func ParseCustomerRow(rec Record) (CustomerRow, []Problem) {
	var ps []Problem
	row := CustomerRow{Line: rec.Line, Name: rec.Get("name"), Ref: rec.Get("ref"), Email: rec.Get("email"),
		Phone: rec.Get("phone"), Timezone: rec.Get("timezone"), Tier: rec.Get("tier")}
	row.SearchName = NormalizeName(row.Name)
	if row.Name == "" {
		ps = append(ps, rec.Problem("name", "is required"))
	} else if row.SearchName == "" {
		ps = append(ps, rec.Problem("name", "%q has no letters or digits", row.Name))
	}
	if row.Email != "" && !emailLike.MatchString(row.Email) {
		ps = append(ps, rec.Problem("email", "%q is not an email address", row.Email))
	}
	if row.Timezone != "" {
		if _, err := time.LoadLocation(row.Timezone); err != nil {
			ps = append(ps, rec.Problem("timezone", "%q is not an IANA time zone (e.g. Europe/Paris)", row.Timezone))
		}
	}
	if owner := rec.Get("owner"); owner != "" {
		m := slackUserID.FindStringSubmatch(owner)
		if m == nil {
			ps = append(ps, rec.Problem("owner", "%q is not a Slack user ID (like U024BE7LH)", owner))
		} else {
			row.OwnerSlackID = m[1]
		}
	}
	if limit := rec.Get("credit_limit"); limit != "" {
		amount, code := limit, strings.ToUpper(rec.Get("currency"))
		if fields := strings.Fields(limit); len(fields) == 2 {
			if ValidCurrency(strings.ToUpper(fields[0])) {
				code, amount = strings.ToUpper(fields[0]), fields[1]
			} else if ValidCurrency(strings.ToUpper(fields[1])) {
				code, amount = strings.ToUpper(fields[1]), fields[0]
			}
		}
		switch minor, err := ParseAmount(amount, code); {
		case code == "":
			if d, err := ParseDecimal(amount); err != nil {
				ps = append(ps, rec.Problem("credit_limit", "%s", ErrorMessage(err)))
			} else {
				row.CreditAmount = d.String()
			}
		case err != nil:
			ps = append(ps, rec.Problem("credit_limit", "%s", ErrorMessage(err)))
		default:
			row.CreditLimit = &Money{Minor: minor, Currency: code}
		}
	}
	return row, ps
}

// InvoiceRow is a validated row of an invoices file.
type InvoiceRow struct {
	Line        int
	Number      string
	Customer    string // name or ref
	CustomerKey string // NormalizeName(Customer)
	Currency    string
	Amount      int64
	Balance     *int64 // amount still owed, when the file says
	IssuedOn    time.Time
	DueOn       time.Time
	PaymentURL  string // the invoice's own pay-now link; empty keeps the one on file
}

// ParseInvoiceRow validates an invoices row.
func ParseInvoiceRow(rec Record) (InvoiceRow, []Problem) {
	var ps []Problem
	row := InvoiceRow{Line: rec.Line, Number: rec.Get("number"), Customer: rec.Get("customer"),
		Currency: strings.ToUpper(rec.Get("currency"))}
	row.CustomerKey = NormalizeName(row.Customer)
	if row.Number == "" {
		ps = append(ps, rec.Problem("number", "is required"))
	}
	if row.Customer == "" {
		ps = append(ps, rec.Problem("customer", "is required"))
	} else if row.CustomerKey == "" {
		ps = append(ps, rec.Problem("customer", "%q has no letters or digits", row.Customer))
	}
	currencyOK := false
	switch {
	case row.Currency == "":
		ps = append(ps, rec.Problem("currency", "is required"))
	case !ValidCurrency(row.Currency):
		ps = append(ps, rec.Problem("currency", "%q is not an ISO 4217 currency code", rec.Get("currency")))
	default:
		currencyOK = true
	}
	amountOK := false
	if s := rec.Get("amount"); s == "" {
		ps = append(ps, rec.Problem("amount", "is required"))
	} else if currencyOK {
		switch v, err := ParseAmount(s, row.Currency); {
		case err != nil:
			ps = append(ps, rec.Problem("amount", "%s", ErrorMessage(err)))
		case v == 0:
			ps = append(ps, rec.Problem("amount", "must be more than zero"))
		default:
			row.Amount, amountOK = v, true
		}
	}
	if s := rec.Get("balance"); s != "" && currencyOK {
		switch v, err := ParseAmount(s, row.Currency); {
		case err != nil:
			ps = append(ps, rec.Problem("balance", "%s", ErrorMessage(err)))
		case amountOK && v > row.Amount:
			ps = append(ps, rec.Problem("balance", "%s is more than the amount %s", s, FormatAmount(row.Amount, row.Currency)))
		default:
			row.Balance = &v
		}
	}
	var err error
	if row.IssuedOn, err = requiredDate(rec, "issued_on"); err != nil {
		ps = append(ps, rec.Problem("issued_on", "%s", ErrorMessage(err)))
	}
	if row.DueOn, err = requiredDate(rec, "due_on"); err != nil {
		ps = append(ps, rec.Problem("due_on", "%s", ErrorMessage(err)))
	}
	if s := rec.Get("payment_url"); s != "" {
		if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			ps = append(ps, rec.Problem("payment_url", "%q is not an http(s) link", s))
		} else {
			row.PaymentURL = s
		}
	}
	if !row.IssuedOn.IsZero() && !row.DueOn.IsZero() && row.DueOn.Before(row.IssuedOn) {
		ps = append(ps, rec.Problem("due_on", "%s is before the issue date %s", row.DueOn.Format(DateLayout), row.IssuedOn.Format(DateLayout)))
	}
	return row, ps
}

func requiredDate(rec Record, column string) (time.Time, error) {
	s := rec.Get(column)
	if s == "" {
		return time.Time{}, Errorf(EINVALID, "is required")
	}
	d, ok := parseISODate(s)
	if !ok {
		var err error
		if d, err = ParseDate(s); err != nil {
			return time.Time{}, err
		}
	}
	if d.Year() < minLedgerYear || d.Year() > maxLedgerYear {
		return time.Time{}, Errorf(EINVALID, "%s is not a plausible date (a year from %d to %d)", s, minLedgerYear, maxLedgerYear)
	}
	return d, nil
}

// The years a ledger date may fall in: a date outside them is a typo
// (0202 for 2026), or an export's stand-in for "no date" (0001-01-01).
const (
	minLedgerYear = 1900
	maxLedgerYear = 2999
)

// parseISODate is ParseDate's fast path for a valid YYYY-MM-DD; it reports
// false for anything else, which ParseDate then explains.
func parseISODate(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	num := func(part string) (int, bool) {
		n := 0
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, false
			}
			n = n*10 + int(part[i]-'0')
		}
		return n, true
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // 2026-02-30
		return time.Time{}, false
	}
	return t, true
}

// OpeningBalance is the reference of the payment that records the part
// of an invoice already paid when it was imported with a balance.
const OpeningBalance = "opening balance"

// IsOpeningBalanceReference reports whether a payment's reference is kept
// for opening balances: "opening balance", in any case, and what starts
// with it.
func IsOpeningBalanceReference(ref string) bool {
	return len(ref) >= len(OpeningBalance) && strings.EqualFold(ref[:len(OpeningBalance)], OpeningBalance)
}

// PaymentRow is a validated row of a payments file. Its amount is checked
// against the invoice's currency when the invoice is known.
type PaymentRow struct {
	Line      int
	Invoice   string
	Amount    Decimal
	PaidOn    time.Time
	Reference string
}

// ParsePaymentRow validates a payments row.
func ParsePaymentRow(rec Record) (PaymentRow, []Problem) {
	var ps []Problem
	row := PaymentRow{Line: rec.Line, Invoice: rec.Get("invoice"), Reference: rec.Get("reference")}
	if row.Invoice == "" {
		ps = append(ps, rec.Problem("invoice", "is required"))
	}
	if IsOpeningBalanceReference(row.Reference) {
		ps = append(ps, rec.Problem("reference", "%q is kept for the paid part of an invoice imported with a balance; give the payment its own reference", row.Reference))
	}
	if s := rec.Get("amount"); s == "" {
		ps = append(ps, rec.Problem("amount", "is required"))
	} else if d, err := ParseDecimal(s); err != nil {
		ps = append(ps, rec.Problem("amount", "%s", ErrorMessage(err)))
	} else if d.Units == 0 {
		ps = append(ps, rec.Problem("amount", "must be more than zero"))
	} else {
		row.Amount = d
	}
	var err error
	if row.PaidOn, err = requiredDate(rec, "paid_on"); err != nil {
		ps = append(ps, rec.Problem("paid_on", "%s", ErrorMessage(err)))
	}
	return row, ps
}
