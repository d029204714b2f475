package blocks

import (
	"fmt"
	"sort"
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

// maxDetailRunes is how much of a detail other than a reason is shown.
const maxDetailRunes = 200

func actionLine(e collections.AuditEntry) string {
	d := func(k string) string { return truncate(strings.TrimSpace(e.Details[k]), maxDetailRunes) }
	raw := func(k string) string { return strings.TrimSpace(e.Details[k]) }
	who := Mention(e.Actor)
	target := func() string { return collections.EscalationTarget(d("target")).Label() }
	switch e.Action {
	case collections.AuditAlerted:
		line := "Overdue"
		if n, err := strconv.Atoi(d("oldest_days")); err == nil {
			line = "Now " + days(n) + " overdue"
		}
		if s := d("stage"); s != "" {
			line += " (stage " + Escape(s) + ")"
		}
		if o := d("overdue"); o != "" {
			line += ": " + Escape(o) + " overdue"
		}
		return line
	case collections.AuditSnoozed:
		line := who + " snoozed this"
		if u := d("until"); u != "" {
			line += " until " + Escape(u)
		}
		if r := raw("reason"); r != "" {
			line += ": " + reasonText(r, maxReasonRunes)
		}
		return line
	case collections.AuditSnoozeEnded:
		if u := d("until"); u != "" {
			return "The snooze until " + Escape(u) + " ended"
		}
		return "The snooze ended"
	case collections.AuditPlanProposed:
		line := who + " proposed a payment plan"
		var terms []string
		if t := d("total"); t != "" {
			terms = append(terms, Escape(t))
		}
		if n := d("instalments"); n != "" {
			in := "in " + Escape(n) + " instalments"
			if f := d("frequency"); f != "" {
				in += " (" + Escape(collections.PlanFrequency(f).Label()) + ")"
			}
			terms = append(terms, in)
		}
		if f := d("first_due"); f != "" {
			terms = append(terms, "from "+Escape(f))
		}
		if len(terms) > 0 {
			line += ": " + strings.Join(terms, " ")
		}
		if dp := d("down_payment"); dp != "" && !zeroAmount(dp) {
			line += ", " + Escape(dp) + " down"
		}
		return line
	case collections.AuditPlanAgreed:
		return who + " recorded that the customer agreed to the payment plan"
	case collections.AuditPlanCancelled:
		return who + " cancelled the payment plan"
	case collections.AuditPlanBroken:
		line := "The payment plan is broken"
		amount, due := d("missed_amount"), d("missed_due")
		switch {
		case amount != "" && due != "":
			line += ": the " + Escape(amount) + " instalment due " + Escape(due) + " was not paid"
		case due != "":
			line += ": the instalment due " + Escape(due) + " was not paid"
		default:
			line += ": an instalment was not paid"
		}
		return line
	case collections.AuditPlanCompleted:
		return "The payment plan is paid off"
	case collections.AuditEscalationRequested:
		line := who + " asked to escalate this"
		if d("target") != "" {
			line += " to " + Escape(target())
		}
		if r := raw("reason"); r != "" {
			line += ": " + reasonText(r, maxReasonRunes)
		}
		return line
	case collections.AuditEscalationApproved:
		if d("target") == "" {
			return who + " approved the escalation"
		}
		return who + " approved the escalation to " + Escape(target())
	case collections.AuditEscalationRejected:
		if d("target") == "" {
			return who + " rejected the escalation"
		}
		return who + " rejected the escalation to " + Escape(target())
	case collections.AuditPaymentReceived:
		if o := d("overdue"); o != "" && !zeroAmount(o) {
			return "Payment received — " + Escape(o) + " still overdue"
		}
		return "Payment received — nothing overdue now"
	case collections.AuditSettled:
		return "Settled — paid in full"
	}
	return unknownLine(who, e)
}

// unknownLine shows an action owed has no sentence for: who, the action's
// name in words and its details.
func unknownLine(who string, e collections.AuditEntry) string {
	name := strings.ReplaceAll(strings.TrimSpace(e.Action), "_", " ")
	if name == "" {
		name = "an action"
	}
	line := who + " recorded " + quoted(name, 60)
	keys := make([]string, 0, len(e.Details))
	for k := range e.Details {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %s", Escape(truncate(k, 40)), reasonText(e.Details[k], 200)))
	}
	if len(parts) > 0 {
		line += " (" + clipMrkdwn(strings.Join(parts, ", "), 1000) + ")"
	}
	return line
}

// zeroAmount reports whether a formatted amount ("USD 0.00", "0") is zero.
func zeroAmount(s string) bool {
	return strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ 0.,") == "" && strings.ContainsAny(s, "0")
}
