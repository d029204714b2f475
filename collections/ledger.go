package collections

import (
	"context"
	"time"
)

// Customer is a business that owes us money.
type Customer struct {
	ID           int64
	Name         string
	Ref          string // the customer's reference in the accounting system, optional
	Email        string
	Phone        string
	Timezone     string
	OwnerSlackID string // Slack user ID of the account owner, optional
	OwnerName    string // the owner's name in Slack, when owed has learnt it
	CreditLimit  *Money
	Tier         string
}

// OpenInvoice is an invoice with a balance as of some date.
type OpenInvoice struct {
	ID          int64
	Number      string
	CustomerID  int64
	Currency    string
	Amount      int64 // minor units
	Balance     int64 // minor units still owed as of the date
	IssuedOn    time.Time
	DueOn       time.Time
	DaysOverdue int    // negative when not yet due
	PaymentURL  string // the invoice's own pay-now link, from the invoices file; may be empty
	// Disputed: the invoice is in dispute, out of the chase (its balance
	// still counts in the aging buckets). DisputeReason says why.
	Disputed      bool
	DisputeReason DisputeReason
}

// CustomerSummary answers "what does this customer owe us?" as of a date.
type CustomerSummary struct {
	AsOf        time.Time
	Customer    Customer
	Outstanding []Aging       // per currency, sorted by code
	Invoices    []OpenInvoice // with a balance, oldest due first
}

// Debtor is a customer with an overdue balance in one currency.
type Debtor struct {
	Customer    Customer
	Overdue     Money
	OldestDays  int // days overdue of the oldest unpaid invoice
	InvoiceOpen int // number of overdue invoices
}

// LedgerService reads the receivables ledger.
type LedgerService interface {
	// SaveSlackUser remembers the name of a Slack user (an account owner,
	// someone who clicked), for the places that show names, not mentions.
	SaveSlackUser(ctx context.Context, id, name string) error
	// Aging returns the whole ledger's aging report as of asOf.
	Aging(ctx context.Context, asOf time.Time) (AgingReport, error)
	// FindCustomer resolves a forgiving query (name, ref, prefix, typo) to one
	// customer. Several plausible matches give an EINVALID *AmbiguousError;
	// none gives ENOTFOUND.
	FindCustomer(ctx context.Context, query string) (Customer, error)
	// CustomerSummary returns what customer id owes as of asOf.
	CustomerSummary(ctx context.Context, id int64, asOf time.Time) (CustomerSummary, error)
	// TopDebtors returns, in each currency, the limit largest overdue
	// balances as of asOf, ordered by currency then balance. Balances in
	// different currencies are never ranked against each other.
	TopDebtors(ctx context.Context, asOf time.Time, limit int) ([]Debtor, error)
}

// ImportKind names what a CSV file holds.
type ImportKind string

// The kinds of CSV file owed imports.
const (
	ImportCustomers ImportKind = "customers"
	ImportInvoices  ImportKind = "invoices"
	ImportPayments  ImportKind = "payments"
)

// ImportOptions control an import.
type ImportOptions struct {
	File   string    // the name shown in problems ("-" for stdin is shown as "stdin")
	Today  time.Time // the import day in the business timezone (opening-balance payments)
	DryRun bool      // validate everything, change nothing
}

// ImportResult counts what an import did (or would do, on a dry run).
type ImportResult struct {
	Rows      int // data rows read
	Created   int
	Updated   int
	Unchanged int
	Customers int // customers created on the way (invoice imports)
}

// ImportService loads CSV files into the ledger, all or nothing.
type ImportService interface {
	// Import reads a CSV file of the given kind. Any bad row rejects the whole
	// file with an *ImportError listing every problem.
	Import(ctx context.Context, kind ImportKind, rows *RowReader, opts ImportOptions) (ImportResult, error)
}
