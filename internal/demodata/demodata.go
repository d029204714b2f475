// Package demodata generates owed's demo ledger: a few dozen customers and a
// few hundred invoices in three currencies spread over every aging bucket,
// dated relative to today so that the first sweep has alerts to post.
package demodata

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/owedhq/owed/collections"
)

// Files are the demo data as CSV files, in import order.
type Files struct {
	Customers []byte
	Invoices  []byte
	Payments  []byte
}

var customerNames = []string{
	"ACME Corp.", "Bluebird Bakery", "Northwind Traders", "Northwind Logistics", "Globex Corporation",
	"Initech", "Umbrella Health", "Stark Fabrication", "Wayne Hospitality", "Soylent Foods",
	"Hooli", "Pied Piper", "Vandelay Industries", "Kramerica", "Dunder Mifflin Paper",
	"Gringotts Exchange", "Ollivanders Wands", "Monsters Inc.", "Tyrell Robotics", "Cyberdyne Systems",
	"Wonka Confectionery", "Oceanic Airlines", "Aperture Labs", "Black Mesa Research", "Massive Dynamic",
	"Duff Brewing", "Krusty Burger", "Los Pollos Hermanos", "Prestige Worldwide", "Sterling Cooper",
	"Bluth Company", "Central Perk", "Paddy's Pub", "Schrute Farms", "Zorg Industries",
	"Café Müller",
}

var currencies = []string{"USD", "EUR", "JPY"}

// Generate returns the demo files for a ledger as of today. owners are the
// Slack user IDs that own accounts (may be empty). The same inputs give the
// same files.
func Generate(today time.Time, owners []string) Files {
	rng := rand.New(rand.NewPCG(42, 2026))
	var cust, inv, pay bytes.Buffer
	cw, iw, pw := csv.NewWriter(&cust), csv.NewWriter(&inv), csv.NewWriter(&pay)
	cw.Write([]string{"name", "ref", "email", "owner", "tier"})
	iw.Write([]string{"number", "customer", "currency", "amount", "issued_on", "due_on"})
	pw.Write([]string{"invoice", "amount", "paid_on", "reference"})
	// Days overdue of each customer's oldest invoice, so alerts cover every stage.
	oldest := []int{2, 8, 15, 33, 45, 64, 95, 120, 5, 0, 12, 70}
	number := 1000
	for i, name := range customerNames {
		ref := fmt.Sprintf("C-%03d", i+1)
		owner := ""
		if len(owners) > 0 && i%3 != 2 {
			owner = owners[i%len(owners)]
		}
		tier := []string{"gold", "silver", "bronze"}[i%3]
		cw.Write([]string{name, ref, fmt.Sprintf("ap@%s.example", slug(name)), owner, tier})
		currency := currencies[i%len(currencies)]
		count := 6 + rng.IntN(6)
		for j := range count {
			number++
			// Spread invoices from the oldest overdue one to some not yet due.
			var overdue int
			if j == 0 {
				overdue = oldest[i%len(oldest)]
			} else {
				overdue = rng.IntN(oldest[i%len(oldest)]+30) - 30
			}
			due := today.AddDate(0, 0, -overdue)
			issued := due.AddDate(0, 0, -30)
			amount := amountFor(rng, currency)
			iw.Write([]string{fmt.Sprintf("INV-%d", number), ref, currency,
				collections.FormatAmount(amount, currency), date(issued), date(due)})
			switch p := rng.IntN(10); {
			case j == 0:
				// The oldest invoice stays unpaid: the customer has an alert.
			case p < 3 && !issued.After(today):
				pw.Write([]string{fmt.Sprintf("INV-%d", number), collections.FormatAmount(amount, currency),
					date(minDate(due, today)), fmt.Sprintf("TRX-%d", number)})
			case p < 5 && !issued.After(today):
				part := amount / 2
				pw.Write([]string{fmt.Sprintf("INV-%d", number), collections.FormatAmount(part, currency),
					date(minDate(issued.AddDate(0, 0, 10), today)), fmt.Sprintf("TRX-%d-1", number)})
			}
		}
	}
	cw.Flush()
	iw.Flush()
	pw.Flush()
	return Files{Customers: cust.Bytes(), Invoices: inv.Bytes(), Payments: pay.Bytes()}
}

func amountFor(rng *rand.Rand, currency string) int64 {
	units := int64(150 + rng.IntN(9850)) // 150 – 10,000 in major units
	if currency == "JPY" {
		return units * 150
	}
	return units*100 + int64(rng.IntN(4))*25
}

func date(t time.Time) string { return t.Format(collections.DateLayout) }

func minDate(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func slug(name string) string {
	s := collections.NormalizeName(name)
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			out = append(out, r)
		}
	}
	return string(out)
}
