package blocks

import (
	"fmt"
	"strings"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// Limits on what a summary lists.
const (
	maxSummaryCurrencies = 8 // currencies with their aging buckets
	maxLastActions       = 5 // latest actions
)

// Summary renders the ephemeral answer to /owed CUSTOMER: the customer,
// what is outstanding per currency with its aging buckets, the invoices,
// and, when the customer has a case (v != nil), its plan, snooze or
// escalation, the latest actions (history, newest first; v.LastActions
// when history is empty) and the same buttons as the alert.
func Summary(sum collections.CustomerSummary, v *collections.CaseView, history []collections.AuditEntry) Message {
	c := sum.Customer
	blocks := []slack.Block{header(plainLabel(c, MaxHeaderText))}

	var outstanding, overdue []collections.Money
	for _, a := range sum.Outstanding {
		if t := a.Total(); t != 0 {
			outstanding = append(outstanding, collections.Money{Minor: t, Currency: a.Currency})
		}
		if o := a.Overdue(); o > 0 {
			overdue = append(overdue, collections.Money{Minor: o, Currency: a.Currency})
		}
	}

	var text string
	if len(outstanding) == 0 {
		text = fmt.Sprintf("%s owes nothing as of %s", customerText(c), date(sum.AsOf))
		nothing := customerLabel(c) + " owes nothing: no open invoices as of " + date(sum.AsOf) + "."
		if c.OwnerSlackID != "" {
			nothing += "\nOwner: " + Mention(c.OwnerSlackID)
		}
		blocks = append(blocks, section(nothing+contactLine(c)))
	} else {
		text = fmt.Sprintf("%s: %s outstanding", customerText(c), truncate(moneyList(outstanding), 1000))
		if len(overdue) > 0 {
			text += ", " + truncate(moneyList(overdue), 1000) + " overdue"
		} else {
			text += ", nothing overdue"
		}
		text += " as of " + date(sum.AsOf)
		blocks = append(blocks, section(summaryOverview(c, outstanding, overdue)))
	}
	if v != nil {
		state := stateLine(*v)
		if v.Case.Status == collections.CaseOpen && StageShown(*v) && len(v.Overdue()) > 0 {
			state += " · Stage: " + stageLabel(v.Case.Stage)
		}
		blocks = append(blocks, contextBlock(state, "As of "+date(sum.AsOf)))
		text += " — " + plainState(*v)
	} else if len(outstanding) > 0 {
		blocks = append(blocks, contextBlock("As of "+date(sum.AsOf)))
	}
	if len(outstanding) > 0 {
		shown := 0
		for _, a := range sum.Outstanding {
			if a.Total() == 0 {
				continue
			}
			if shown == maxSummaryCurrencies {
				blocks = append(blocks, contextBlock(more(len(outstanding)-shown)+" currencies"))
				break
			}
			blocks = append(blocks, agingSection(a))
			shown++
		}
		var chased, disputed []collections.OpenInvoice
		for _, in := range sum.Invoices {
			if in.Disputed {
				disputed = append(disputed, in)
			} else {
				chased = append(chased, in)
			}
		}
		if len(chased) > 0 {
			blocks = append(blocks, section(invoiceList(chased, false)))
		}
		if len(disputed) > 0 {
			blocks = append(blocks, section(disputedList(disputed)))
		}
	}
	if v != nil {
		if p := planSection(*v); p != nil {
			blocks = append(blocks, p)
		}
		if e := escalationSummary(*v); e != "" {
			blocks = append(blocks, section(e))
		}
	}
	if len(history) == 0 && v != nil {
		history = v.LastActions
	}
	if len(history) > 0 {
		blocks = append(blocks, section(lastActions(history)))
		blocks = append(blocks, contextBlock("Full history: "+codeSpan("/owed "+customerQuery(c)+" history")))
	}
	if v != nil && len(outstanding) > 0 {
		if b := alertButtons(*v); b != nil {
			blocks = append(blocks, b)
		}
	}
	return message(text, blocks...)
}

// summaryOverview is the summary's first lines: outstanding and overdue.
func summaryOverview(c collections.Customer, outstanding, overdue []collections.Money) string {
	line := customerLabel(c) + " owes *" + clipMrkdwn(moneyList(outstanding), 1200) + "*"
	if len(overdue) > 0 {
		line += ", of which *" + clipMrkdwn(moneyList(overdue), 1200) + "* overdue."
	} else {
		line += ", nothing of it overdue."
	}
	if c.OwnerSlackID != "" {
		line += "\nOwner: " + Mention(c.OwnerSlackID)
	}
	return line + contactLine(c)
}

// agingSection shows one currency's aging buckets and total as fields.
func agingSection(a collections.Aging) *slack.SectionBlock {
	fields := make([]string, 0, len(a.Buckets)+1)
	for i, name := range collections.BucketNames {
		fields = append(fields, "*"+name+"*\n"+collections.Money{Minor: a.Buckets[i], Currency: a.Currency}.String())
	}
	fields = append(fields, "*total*\n"+collections.Money{Minor: a.Total(), Currency: a.Currency}.String())
	return fieldsSection("*Aging, "+Escape(a.Currency)+"*", fields...)
}

// escalationSummary gives the reason of the case's escalation, pending,
// approved or rejected (the context line says which); "" when there is
// none.
func escalationSummary(v collections.CaseView) string {
	e := v.Escalation
	if e == nil || strings.TrimSpace(e.Reason) == "" {
		return ""
	}
	return "*Reason for the escalation to " + e.Target.Label() + "* (" + Mention(e.RequestedBy) + "): " +
		reasonText(e.Reason, maxReasonRunes)
}

// lastActions lists the newest few audit entries, one line each.
func lastActions(entries []collections.AuditEntry) string {
	lines := []string{"*Last actions*"}
	for i, e := range entries {
		if i == maxLastActions {
			break
		}
		lines = append(lines, "• "+date(e.At)+" — "+ActionLine(e))
	}
	return joinLimited(lines, MaxSectionText, more)
}
