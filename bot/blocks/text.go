package blocks

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/owedhq/owed/collections"
)

// mrkdwnEscaper escapes the three characters Slack's mrkdwn gives meaning
// to, so that user-supplied text cannot mention, link or ping anyone.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes user-supplied text safe for mrkdwn and for a message's text
// fallback: "<!channel> & Co" becomes "&lt;!channel&gt; &amp; Co", and
// the formatting characters that could make it bold, italic, struck or
// code ("*urgent*") are shown as look-alikes that Slack does not format.
// Slack has no escape for them; one between two letters or digits
// ("ACME_Corp", "2*3") cannot format and is kept.
func Escape(s string) string { return unformat(mrkdwnEscaper.Replace(s)) }

// lookalikes stand in for mrkdwn's formatting characters in user text.
var lookalikes = map[rune]rune{'*': '∗', '_': 'ˍ', '~': '∼', '`': 'ˋ'}

// unformat replaces each formatting character that is not between two
// letters or digits by its look-alike.
func unformat(s string) string {
	if !strings.ContainsAny(s, "*_~`") {
		return s
	}
	rs := []rune(s)
	inWord := func(i int) bool {
		return i >= 0 && i < len(rs) && (unicode.IsLetter(rs[i]) || unicode.IsDigit(rs[i]))
	}
	for i, r := range rs {
		if l, ok := lookalikes[r]; ok && !(inWord(i-1) && inWord(i+1)) {
			rs[i] = l
		}
	}
	return string(rs)
}

// userID matches a Slack user ID, the only thing owed turns into a mention.
var userID = regexp.MustCompile(`^[UW][A-Z0-9]{1,20}$`)

// Mention renders who did something: a Slack user ID as a mention
// ("<@U123>"), owed itself as "owed", anything else as escaped text.
func Mention(id string) string {
	switch {
	case id == "" || id == collections.SystemActor:
		return "owed"
	case userID.MatchString(id):
		return "<@" + id + ">"
	}
	return Escape(truncate(id, maxNameRunes))
}

// plainLabel is a customer as plain text: "ACME Corp. (C-001)", the name
// cut to max characters.
func plainLabel(c collections.Customer, max int) string {
	name := strings.TrimSpace(c.Name)
	if name == "" {
		name = "Unnamed customer"
	}
	ref := strings.TrimSpace(c.Ref)
	if ref == "" || ref == name {
		return truncate(name, max)
	}
	ref = truncate(ref, maxRefRunes)
	return truncate(name, max-len([]rune(ref))-3) + " (" + ref + ")"
}

// customerLabel is a customer for mrkdwn: the name in bold, then the ref:
// "*ACME Corp.* (C-001)".
func customerLabel(c collections.Customer) string {
	name := strings.TrimSpace(c.Name)
	if name == "" {
		name = "Unnamed customer"
	}
	out := "*" + Escape(truncate(name, maxNameRunes)) + "*"
	if ref := strings.TrimSpace(c.Ref); ref != "" && ref != name {
		out += " (" + Escape(truncate(ref, maxRefRunes)) + ")"
	}
	return out
}

// customerText is a customer for the plain-text fallback, escaped.
func customerText(c collections.Customer) string { return Escape(plainLabel(c, maxNameRunes)) }

// customerQuery is what to type after /owed to find the customer again:
// the ref when there is one, else the name.
func customerQuery(c collections.Customer) string {
	q := strings.TrimSpace(c.Ref)
	if q == "" {
		q = strings.TrimSpace(c.Name)
	}
	return truncate(q, maxNameRunes)
}

// codeSpan renders s as inline code, with backticks (which would end it)
// replaced and mrkdwn escaped.
func codeSpan(s string) string {
	return "`" + mrkdwnEscaper.Replace(strings.ReplaceAll(s, "`", "'")) + "`"
}

// quoted renders user text in curly quotes, escaped and cut to max.
func quoted(s string, max int) string {
	return "“" + Escape(truncate(strings.TrimSpace(s), max)) + "”"
}

// reasonText renders a free-text reason on one line, escaped and cut.
func reasonText(s string, max int) string {
	return Escape(truncate(strings.Join(strings.Fields(s), " "), max))
}

// date formats a calendar date: "2026-12-01".
func date(t time.Time) string { return t.Format(collections.DateLayout) }

// timestamp formats an instant in its own location: "2026-06-01 14:03 UTC".
// Callers convert audit times to the business timezone before rendering.
func timestamp(t time.Time) string { return t.Format("2006-01-02 15:04 MST") }

// days formats a number of days: "1 day", "60 days".
func days(n int) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d day", n)
	}
	return fmt.Sprintf("%d days", n)
}

// plural formats a count of things: "1 invoice", "3 invoices".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// stageLabel names an alert stage: "30+ days".
func stageLabel(stage int) string { return fmt.Sprintf("%d+ days", stage) }

// overdueLabel describes how late an invoice is: "60 days overdue",
// "due today", "due in 5 days".
func overdueLabel(daysOverdue int) string {
	switch {
	case daysOverdue > 0:
		return days(daysOverdue) + " overdue"
	case daysOverdue == 0:
		return "due today"
	}
	return "due in " + days(-daysOverdue)
}

// moneyList joins amounts: "USD 1,234.50 and EUR 200.00".
func moneyList(ms []collections.Money) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.String()
	}
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// more is the line closing a cut list: "+2 more".
func more(n int) string { return fmt.Sprintf("+%d more", n) }

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// plainReplacer turns owed's own mrkdwn back into plain text: mentions
// become @IDs, escapes become characters, bold and code markers go.
var plainReplacer = strings.NewReplacer("<@", "@", "&lt;", "<", "&gt;", ">", "&amp;", "&", "*", "", "`", "")

// PlainText is a sentence owed wrote in mrkdwn (an ActionLine) as plain
// text for a terminal: "<@U1> snoozed *this*" becomes "@U1 snoozed this".
// User text in it was escaped with Escape, whose look-alikes stay.
func PlainText(mrkdwn string) string {
	s := plainReplacer.Replace(mrkdwn)
	return mentionEnd.ReplaceAllString(s, "@$1")
}

// PlainTextNamed is PlainText with the people it mentions named: "@U1"
// becomes "@Dana Whitfield" when names has U1's name.
func PlainTextNamed(mrkdwn string, names map[string]string) string {
	return mentionEnd.ReplaceAllStringFunc(plainReplacer.Replace(mrkdwn), func(m string) string {
		id := m[1 : len(m)-1]
		if n := names[id]; n != "" {
			return "@" + n
		}
		return "@" + id
	})
}

// mentionEnd matches what is left of a mention after "<@" became "@".
var mentionEnd = regexp.MustCompile(`@([UW][A-Z0-9]{1,20})>`)
