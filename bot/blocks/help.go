package blocks

import (
	"strings"
)

// helpCommands and helpButtons are the usage /owed help shows.
var (
	helpCommands = []string{
		"`/owed CUSTOMER` — what a customer owes: outstanding per currency, aging, invoices, plan, snooze, escalation and the latest actions, with the buttons. A name, a ref or the start of a name will do.",
		"`/owed CUSTOMER history` — every action taken on the customer: who, when, what.",
		"`/owed top` — the ten largest overdue balances.",
		"`/owed help` — this help.",
	}
	helpButtons = []string{
		"*Snooze* — quiet the case for 1, 3, 7 or 14 days or until a date, with an optional reason; it alerts again afterwards.",
		"*Payment plan* — propose 2 to 24 instalments, weekly, every 2 weeks or monthly, with an optional down payment. *Customer agreed* makes the plan active; *Cancel plan* drops it. A missed instalment alerts again.",
		"*Escalate* — ask to send the debt to a final notice, a collections agency, legal or an internal manager, saying why. An approver other than you must *Approve* or *Reject*; until then you can *Withdraw escalation*.",
		"*Log contact* — record a call, email, meeting or letter and how it went, with notes; a follow-up date keeps the case quiet until then and alerts again that day.",
		"*Promise to pay* — record what the customer promised to pay, and by when; the case is quiet until then, and the thread says whether the promise was kept.",
		"*Dispute* — put overdue invoices in dispute, with a reason: they leave the overdue total, the stages and the reminders. *Resolve dispute* ends it.",
		"*Send reminder* — email the customer a reminder from a template, which you can edit first; the thread says when it was sent.",
	}
)

// usageLines are the forms /owed takes, in brief.
var usageLines = []string{"`/owed CUSTOMER`", "`/owed CUSTOMER history`", "`/owed top`", "`/owed help`"}

// Help renders the usage of /owed and what the alert's buttons do.
func Help() Message {
	text := "How to use owed. Commands: " + strings.Join(helpCommands, " ") + " Buttons: " + strings.Join(helpButtons, " ")
	return message(strings.NewReplacer("`", "", "*", "").Replace(text),
		header("owed — collections in Slack"),
		section("*Commands*\n• "+strings.Join(helpCommands, "\n• ")),
		section("*Buttons on an alert*\n• "+strings.Join(helpButtons, "\n• ")),
		contextBlock("Every action is recorded with who took it and when. Alerts are posted to the collections channel when a customer's oldest invoice crosses an alert stage."),
	)
}
