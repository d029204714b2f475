package blocks

import (
	"regexp"
	"strings"

	"github.com/owedhq/owed/collections"
)

// maxCandidates is how many customers an ambiguous query lists.
const maxCandidates = 10

// maxQueryRunes is how much of a query is echoed back.
const maxQueryRunes = 80

// Candidates answers a query that matched several customers: it lists them
// and suggests typing a ref: "Several customers match “acme”: ACME Corp.
// (C-001), Acme Ltd (C-002); try /owed C-001".
func Candidates(query string, cs []collections.Customer) Message {
	names := make([]string, 0, len(cs))
	plainNames := make([]string, 0, len(cs))
	for i, c := range cs {
		if i == maxCandidates {
			names = append(names, more(len(cs)-maxCandidates))
			plainNames = append(plainNames, more(len(cs)-maxCandidates))
			break
		}
		names = append(names, customerLabel(c))
		plainNames = append(plainNames, customerText(c))
	}
	try := codeSpanCommand(cs)
	lead := "Several customers match " + quoted(query, maxQueryRunes) + ": "
	text := lead + strings.Join(plainNames, ", ") + "; try " + strings.Trim(try, "`")
	return message(text, section(lead+strings.Join(names, ", ")+"; try "+try+"."))
}

// codeSpanCommand is the /owed command for the first candidate, as code.
func codeSpanCommand(cs []collections.Customer) string {
	if len(cs) == 0 {
		return "`/owed CUSTOMER-REF`"
	}
	return codeSpan("/owed " + customerQuery(cs[0]))
}

// NotFound answers a query that matched no customer, suggesting /owed top,
// with the usage of /owed: the query may have been meant as a command.
func NotFound(query string) Message {
	s := "No customer matches " + quoted(query, maxQueryRunes) + ". Check the spelling or the ref, or try `/owed top` for the largest overdue balances."
	usage := "Usage: " + strings.Join(usageLines, " · ")
	return message(strings.ReplaceAll(s+" "+usage, "`", ""), section(s), contextBlock(usage))
}

// Working tells the caller of a slow command that its answer follows.
func Working() Message {
	s := "Looking that up… the answer follows in a moment."
	return message(s, section(s))
}

// Refusal answers the person who clicked or typed something owed will not
// do, saying why: "Only an approver can decide on an escalation." The
// reason is shown as text, escaped, but for the user mentions in it
// (<@U0CFO>), which stay mentions.
func Refusal(reason string) Message {
	r := strings.TrimSpace(reason)
	if r == "" {
		r = "That can't be done right now."
	}
	r = truncate(r, 2000)
	var b strings.Builder
	last := 0
	for _, m := range mentionInText.FindAllStringSubmatchIndex(r, -1) {
		b.WriteString(Escape(r[last:m[0]]))
		b.WriteString(Mention(r[m[2]:m[3]]))
		last = m[1]
	}
	b.WriteString(Escape(r[last:]))
	return message(b.String(), section(b.String()))
}

// LateRefusal tells a person that a form of theirs, closed before owed
// had handled it, did not take effect: "Your Snooze for ACME Corp. did
// not go through: …". customer may be empty.
func LateRefusal(form, customer string, why []string) Message {
	s := "Your " + form
	if customer != "" {
		s += " for " + customer
	}
	return Refusal(s + " did not go through: " + strings.Join(why, " "))
}

// mentionInText finds the user mentions owed writes into its own words.
var mentionInText = regexp.MustCompile(`<@([UW][A-Z0-9]{2,20})>`)

// RefusalAskApprovers refuses a decision to someone who is not an approver
// and names who can decide: user IDs (U…, W…) and user groups (S…).
func RefusalAskApprovers(approvers []string) Message {
	names := make([]string, 0, len(approvers))
	for _, id := range approvers {
		if strings.HasPrefix(id, "S") {
			names = append(names, "<!subteam^"+Escape(id)+">")
		} else {
			names = append(names, Mention(id))
		}
	}
	r := "Only approvers can approve or reject escalations, and you are not one of them."
	if len(names) > 0 {
		r += " Ask " + strings.Join(names, ", ") + "."
	}
	return message(r, section(r))
}
