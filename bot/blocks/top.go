package blocks

import (
	"fmt"
	"strings"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// maxTop is how many debtors /owed top lists.
const maxTop = 10

// Top renders the answer to /owed top: the ten largest overdue balances as
// of asOf, one line per customer and currency, with the oldest invoice's
// days overdue and the number of overdue invoices.
func Top(debtors []collections.Debtor, asOf time.Time) Message {
	if len(debtors) > maxTop {
		debtors = debtors[:maxTop]
	}
	title := "Largest overdue balances"
	if len(debtors) == 0 {
		return message("Nothing is overdue as of "+date(asOf),
			header(title),
			section("Nothing is overdue as of "+date(asOf)+"."))
	}
	lines := make([]string, len(debtors))
	plainLines := make([]string, len(debtors))
	for i, d := range debtors {
		lines[i] = fmt.Sprintf("%d. %s — *%s* overdue · oldest %s · %s", i+1, customerLabel(d.Customer), d.Overdue,
			days(d.OldestDays), plural(d.InvoiceOpen, "invoice", "invoices"))
		plainLines[i] = fmt.Sprintf("%d. %s %s", i+1, customerText(d.Customer), d.Overdue)
	}
	blocks := []slack.Block{
		header(title),
		section(joinLimited(lines, MaxSectionText, more)),
		contextBlock("As of "+date(asOf), "Type `/owed CUSTOMER` for the details"),
	}
	text := title + " as of " + date(asOf) + ": " + strings.Join(plainLines, "; ")
	return message(text, blocks...)
}
