package blocks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

func debtor(id int, name, currency string, minor int64) collections.Debtor {
	return collections.Debtor{Customer: collections.Customer{ID: int64(id), Name: name},
		Overdue: collections.Money{Minor: minor, Currency: currency}, OldestDays: 40, InvoiceOpen: 1}
}

// sectionTexts returns the text of each section block.
func sectionTexts(m Message) []string {
	var out []string
	for _, b := range m.Blocks {
		if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil {
			out = append(out, s.Text.Text)
		}
	}
	return out
}

func TestTop_RanksWithinEachCurrencyNeverAcross(t *testing.T) {
	// JPY 3,880,200 is about USD 26k: as raw minor units it would outrank
	// USD 36,477.75 (3,647,775 cents). Each currency gets its own ranking.
	debtors := []collections.Debtor{
		debtor(1, "Tanaka KK", "JPY", 3880200),
		debtor(2, "Big US Inc", "USD", 3647775),
		debtor(3, "Small US LLC", "USD", 1000),
		debtor(4, "Euro GmbH", "EUR", 500000),
	}
	for i := range 11 {
		debtors = append(debtors, debtor(10+i, fmt.Sprintf("Yen Co %02d", i), "JPY", int64(1000+i)))
	}
	m := Top(debtors, asOf)
	checkMessage(t, "Top", m)
	golden(t, "top_currencies", m)
	sections := sectionTexts(m)
	if len(sections) != 3 {
		t.Fatalf("want a section per currency (EUR, JPY, USD), got %d:\n%s", len(sections), strings.Join(sections, "\n---\n"))
	}
	for i, want := range []struct{ heading, first string }{
		{"*EUR*\n", "1. *Euro GmbH* — *EUR 5,000.00*"},
		{"*JPY*\n", "1. *Tanaka KK* — *JPY 3,880,200*"},
		{"*USD*\n", "1. *Big US Inc* — *USD 36,477.75*"},
	} {
		if !strings.HasPrefix(sections[i], want.heading+want.first) {
			t.Errorf("section %d = %q, want it to start %q", i, sections[i], want.heading+want.first)
		}
	}
	if !strings.Contains(sections[2], "2. *Small US LLC*") {
		t.Errorf("USD is ranked on its own: %q", sections[2])
	}
	// Ten per currency: the JPY list keeps Tanaka and the nine largest Yen Cos.
	if !strings.Contains(sections[1], "10. *Yen Co 02*") || strings.Contains(sections[1], "Yen Co 01") || strings.Contains(sections[1], "11.") {
		t.Errorf("want the ten largest JPY balances:\n%s", sections[1])
	}
	if !strings.Contains(m.Text, "USD: 1. Big US Inc USD 36,477.75") {
		t.Errorf("fallback text = %q", m.Text)
	}
}

func TestTop_ManyCurrenciesStayWithinSlackLimits(t *testing.T) {
	var debtors []collections.Debtor
	for i := range 60 {
		code := fmt.Sprintf("X%c%c", 'A'+i/26, 'A'+i%26)
		for j := range 12 {
			debtors = append(debtors, debtor(i*100+j, strings.Repeat("Long customer name ", 10), code, int64(1e15-j)))
		}
	}
	m := Top(debtors, asOf)
	checkMessage(t, "Top", m)
	if len(m.Blocks) != MaxMessageBlocks {
		t.Errorf("%d blocks, want the %d Slack allows, filled", len(m.Blocks), MaxMessageBlocks)
	}
	if s := allText(t, m); !strings.Contains(s, "+13 currencies not shown") {
		t.Errorf("want the currencies left out counted")
	}
}
