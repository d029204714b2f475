// Package collections is owed's domain: the receivables ledger (customers,
// invoices, payments), aging, customer matching and CSV import rules.
// It knows nothing of Slack or SQL; adapters implement its services.
package collections
