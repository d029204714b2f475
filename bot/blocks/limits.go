package blocks

import (
	"strings"
	"unicode/utf8"
)

// Block Kit limits owed's messages and modals stay within
// (https://docs.slack.dev/reference/block-kit).
const (
	MaxMessageBlocks   = 50    // blocks in a message
	MaxModalBlocks     = 100   // blocks in a modal
	MaxSectionText     = 3000  // characters of a section's text
	MaxSectionFields   = 10    // fields of a section
	MaxFieldText       = 2000  // characters of one field
	MaxHeaderText      = 150   // characters of a header
	MaxButtonText      = 75    // characters of a button's label
	MaxButtonValue     = 2000  // characters of a button's value
	MaxID              = 255   // characters of a block_id or action_id
	MaxContextElements = 10    // elements of a context block
	MaxModalTitle      = 24    // characters of a modal's title, submit and close labels
	MaxPrivateMetadata = 3000  // characters of a modal's private_metadata
	MaxMessageText     = 40000 // characters of a message's text fallback
	MaxOptionText      = 75    // characters of an option's label
	MaxConfirmText     = 300   // characters of a confirmation dialog's text
)

// How much of user-supplied text owed shows, in characters, before "…".
const (
	maxNameRunes       = 80   // a customer name shown inline
	maxRefRunes        = 40   // a customer ref shown inline
	maxInvoiceRunes    = 40   // an invoice number
	maxReasonRunes     = 500  // a reason quoted in a line; the snooze reason's limit
	maxLongReasonRunes = 1000 // a reason shown on its own; the escalation reason's limit
)

// ellipsis marks text cut short.
const ellipsis = "…"

// truncate shortens s to at most max characters (runes), ending with "…"
// when it had to cut.
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max < 1 {
		return ""
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return strings.TrimRight(s[:i], " \t\n") + ellipsis
		}
		n++
	}
	return s
}

// clipMrkdwn shortens mrkdwn text to at most max characters without
// cutting an entity (&amp;), a mention or link (<…>) or, when it can, a
// line in half; it ends with "…" when it had to cut.
func clipMrkdwn(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	// Keep whole lines when that leaves at least half the room used.
	lines := strings.Split(s, "\n")
	var b strings.Builder
	used := 0
	for _, l := range lines {
		n := utf8.RuneCountInString(l) + 1
		if used+n+1 > max {
			break
		}
		b.WriteString(l)
		b.WriteByte('\n')
		used += n
	}
	if used >= max/2 {
		return b.String() + ellipsis
	}
	// One long line: cut it, backing off any unfinished entity or <…>.
	cut := []rune(s)[:max-1]
	for i := len(cut) - 1; i >= 0 && i >= len(cut)-260; i-- {
		if cut[i] == '>' || cut[i] == ';' {
			break
		}
		if cut[i] == '<' || cut[i] == '&' {
			cut = cut[:i]
			break
		}
	}
	return strings.TrimRight(string(cut), " \t\n") + ellipsis
}

// joinLimited joins lines with newlines into at most max characters. When
// not all fit, it keeps as many as it can and ends with more(n), the line
// saying how many were left out.
func joinLimited(lines []string, max int, more func(n int) string) string {
	all := strings.Join(lines, "\n")
	if utf8.RuneCountInString(all) <= max {
		return all
	}
	var kept []string
	used := 0
	for i, l := range lines {
		tail := utf8.RuneCountInString(more(len(lines)-i-1)) + 1
		n := utf8.RuneCountInString(l) + 1
		if used+n+tail > max {
			break
		}
		kept = append(kept, l)
		used += n
	}
	if len(kept) == 0 {
		return clipMrkdwn(lines[0], max-utf8.RuneCountInString(more(len(lines)-1))-1) + "\n" + more(len(lines)-1)
	}
	return strings.Join(kept, "\n") + "\n" + more(len(lines)-len(kept))
}
