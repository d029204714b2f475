package blocks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// maxTop is how many debtors /owed top lists in each currency.
const maxTop = 10

// maxTopCurrencies is how many currency sections fit in one message beside
// its header and context.
const maxTopCurrencies = MaxMessageBlocks - 3

// Top renders the answer to /owed top: in a section per currency (in code
// order), the ten largest overdue balances as of asOf, one line per
// customer, with the oldest invoice's days overdue and the number of
// overdue invoices. Balances are ranked within their currency, never
// across currencies.
func Top(debtors []collections.Debtor, asOf time.Time) Message {
	title := "Largest overdue balances"
	if len(debtors) == 0 {
		return message("Nothing is overdue as of "+date(asOf),
			header(title),
			section("Nothing is overdue as of "+date(asOf)+"."))
	}
	byCurrency := map[string][]collections.Debtor{}
	for _, d := range debtors {
		byCurrency[d.Overdue.Currency] = append(byCurrency[d.Overdue.Currency], d)
	}
	currencies := make([]string, 0, len(byCurrency))
	for c := range byCurrency {
		currencies = append(currencies, c)
	}
	slices.Sort(currencies)
	blocks := []slack.Block{header(title)}
	var plainParts []string
	for i, cur := range currencies {
		if i == maxTopCurrencies {
			blocks = append(blocks, contextBlock(fmt.Sprintf("+%s not shown", plural(len(currencies)-i, "currency", "currencies"))))
			break
		}
		list := byCurrency[cur]
		slices.SortStableFunc(list, func(a, b collections.Debtor) int {
			return cmp.Or(cmp.Compare(b.Overdue.Minor, a.Overdue.Minor), cmp.Compare(a.Customer.Name, b.Customer.Name))
		})
		if len(list) > maxTop {
			list = list[:maxTop]
		}
		lines := make([]string, len(list))
		plainLines := make([]string, len(list))
		for j, d := range list {
			lines[j] = fmt.Sprintf("%d. %s — *%s* overdue · oldest %s · %s", j+1, customerLabel(d.Customer), d.Overdue,
				days(d.OldestDays), plural(d.InvoiceOpen, "invoice", "invoices"))
			plainLines[j] = fmt.Sprintf("%d. %s %s", j+1, customerText(d.Customer), d.Overdue)
		}
		heading := "*" + Escape(cur) + "*\n"
		blocks = append(blocks, section(heading+joinLimited(lines, MaxSectionText-len(heading), more)))
		plainParts = append(plainParts, cur+": "+strings.Join(plainLines, "; "))
	}
	context := []string{"As of " + date(asOf), "Type `/owed CUSTOMER` for the details"}
	if len(currencies) > 1 {
		context = []string{"As of " + date(asOf), "Ranked within each currency", "Type `/owed CUSTOMER` for the details"}
	}
	blocks = append(blocks, contextBlock(context...))
	text := title + " as of " + date(asOf) + ": " + strings.Join(plainParts, " · ")
	return message(text, blocks...)
}
