package blocks

import (
	"strconv"
	"strings"

	"github.com/owedhq/owed/collections"
)

// ActionLine is one mrkdwn sentence for an audit entry, posted in the
// alert's thread and listed by /owed CUSTOMER history:
// "<@U1> snoozed this until 2026-12-01: waiting for PO". Every action owed
// records has its sentence; an unknown action is shown by name with its
// details. User-supplied details are escaped.
func ActionLine(e collections.AuditEntry) string {
	return clipMrkdwn(actionLine(e), MaxSectionText-100)
}

func actionLine(e collections.AuditEntry) string {
	d := e.Details
	who := Mention(e.Actor)
	reason := func(line string) string {
		if r := strings.TrimSpace(d.Reason); r != "" {
			line += ": " + reasonText(r, maxReasonRunes)
		}
		return line
	}
	target := func(line string) string {
		if d.Target != "" {
			line += " to " + Escape(d.Target.Label())
		}
		return line
	}
	switch e.Action {
	case collections.AuditAlerted:
		line := "Overdue"
		if d.OldestDays > 0 {
			line = "Now " + days(d.OldestDays) + " overdue"
		}
		if d.Stage > 0 {
			line += " (stage " + strconv.Itoa(d.Stage) + ")"
		}
		if len(d.Overdue) > 0 {
			line += ": " + moneyList(d.Overdue) + " overdue"
		}
		return line
	case collections.AuditSnoozed:
		line := who + " snoozed this"
		if d.Until != nil {
			line += " until " + d.Until.String()
		}
		return reason(line)
	case collections.AuditSnoozeEnded:
		line := "The snooze ended"
		if d.Until != nil {
			line = "The snooze until " + d.Until.String() + " ended"
		}
		return line + ownerMention(d)
	case collections.AuditPlanProposed:
		line := who + " proposed a payment plan"
		if p := d.Plan; p != nil {
			line += ": " + planTerms(*p)
			if !p.FirstDueOn.IsZero() {
				line += ", first instalment due " + date(p.FirstDueOn)
			}
		}
		return line
	case collections.AuditPlanAgreed:
		return who + " recorded that the customer agreed to the payment plan"
	case collections.AuditPlanCancelled:
		return who + " cancelled the payment plan"
	case collections.AuditPlanBroken:
		line := "The payment plan is broken"
		switch {
		case d.Missed != nil && d.MissedDue != nil && len(d.Paid) > 0:
			line += ": the " + d.Missed.String() + " instalment due " + d.MissedDue.String() + " was not paid in full (" + moneyList(d.Paid) + " of it paid)"
		case d.Missed != nil && d.MissedDue != nil:
			line += ": the " + d.Missed.String() + " instalment due " + d.MissedDue.String() + " was not paid"
		case d.MissedDue != nil:
			line += ": the instalment due " + d.MissedDue.String() + " was not paid"
		default:
			line += ": an instalment was not paid"
		}
		return line + ownerMention(d)
	case collections.AuditPlanCompleted:
		return "The payment plan is paid off"
	case collections.AuditEscalationRequested:
		return reason(target(who + " asked to escalate this"))
	case collections.AuditEscalationApproved:
		return target(who + " approved the escalation")
	case collections.AuditEscalationRejected:
		return reason(target(who + " rejected the escalation"))
	case collections.AuditEscalationWithdrawn:
		return target(who + " withdrew the escalation")
	case collections.AuditEscalationCancelled:
		return target("The pending escalation") + " was cancelled: nothing is overdue any more"
	case collections.AuditPaymentReceived:
		line := "The overdue amount changed"
		if len(d.Paid) > 0 {
			line = "Payment received: " + moneyList(d.Paid)
		}
		if len(d.Overdue) > 0 {
			return line + " — " + moneyList(d.Overdue) + " still overdue"
		}
		return line + " — nothing overdue now"
	case collections.AuditSettled:
		line := "Settled — paid in full"
		if len(d.Paid) > 0 {
			line += " (" + moneyList(d.Paid) + " received)"
		}
		return line
	case collections.AuditContactLogged:
		c := d.Contact
		if c == nil {
			return who + " logged a contact"
		}
		line := who + " logged " + contactWords(c.Channel) + ": " + c.Outcome.Label()
		if c.FollowUp != nil {
			line += "; follow up on " + c.FollowUp.String()
		}
		if n := strings.TrimSpace(c.Notes); n != "" {
			line += " — " + reasonText(n, maxReasonRunes)
		}
		return line
	case collections.AuditFollowUpDue:
		return "Follow up with " + nameOrCustomer(d.Customer) + " today" + ownerMention(d)
	case collections.AuditPromised:
		return who + " recorded a promise to pay" + promiseTerms(d)
	case collections.AuditPromiseKept:
		return "Promise kept" + promiseTerms(d) + paidSoFar(d)
	case collections.AuditPromiseBroken:
		return "Promise broken" + promiseTerms(d) + paidSoFar(d) + ownerMention(d)
	case collections.AuditDisputed:
		line := who + " put " + invoiceNumbers(d.Invoices) + " in dispute"
		if d.DisputeReason != "" {
			line += " (" + d.DisputeReason.Label() + ")"
		}
		return reason(line)
	case collections.AuditDisputeResolved:
		return who + " resolved the dispute of " + invoiceNumbers(d.Invoices) + ": " + d.Resolution.Label()
	case collections.AuditClosed:
		line := "Closed — nothing is overdue any more, but not all of it was paid"
		if len(d.Outstanding) > 0 {
			line += "; " + moneyList(d.Outstanding) + " still owed, not yet due"
		}
		return line
	}
	if line, ok := emailLine(e); ok {
		return line
	}
	return unknownLine(who, e)
}

// unknownLine shows an action owed has no sentence for: who and the
// action's name in words.
func unknownLine(who string, e collections.AuditEntry) string {
	name := strings.ReplaceAll(strings.TrimSpace(e.Action), "_", " ")
	if name == "" {
		name = "an action"
	}
	return who + " recorded " + quoted(name, 60)
}

// ownerMention is " — @owner" for a line that brings a case back to its
// account owner, or "" when the customer has none.
func ownerMention(d collections.AuditDetails) string {
	if d.Owner == "" {
		return ""
	}
	return " — " + Mention(d.Owner)
}

// contactWords names a contact by its channel: "a call", "an email".
func contactWords(c collections.ContactChannel) string {
	switch c {
	case collections.ContactEmail:
		return "an email"
	case collections.ContactOther:
		return "a contact"
	case "":
		return "a contact"
	}
	return "a " + Escape(c.Label())
}

func nameOrCustomer(name string) string {
	if strings.TrimSpace(name) == "" {
		return "the customer"
	}
	return "*" + Escape(truncate(strings.TrimSpace(name), maxNameRunes)) + "*"
}

// promiseTerms is " of USD 500.00 by 2026-06-20", or "".
func promiseTerms(d collections.AuditDetails) string {
	var s string
	if d.Promised != nil {
		s += " of " + d.Promised.String()
	}
	if d.PromisedBy != nil {
		s += " by " + d.PromisedBy.String()
	}
	return s
}

// paidSoFar is ": USD 300.00 received", or "".
func paidSoFar(d collections.AuditDetails) string {
	if len(d.Paid) == 0 {
		return ""
	}
	return ": " + moneyList(d.Paid) + " received"
}

// invoiceNumbers lists invoice numbers as code: "`A-1`, `A-2`".
func invoiceNumbers(numbers []string) string {
	if len(numbers) == 0 {
		return "invoices"
	}
	parts := make([]string, 0, len(numbers))
	for i, n := range numbers {
		if i == 10 {
			parts = append(parts, more(len(numbers)-10))
			break
		}
		parts = append(parts, codeSpan(truncate(n, maxInvoiceRunes)))
	}
	return strings.Join(parts, ", ")
}
