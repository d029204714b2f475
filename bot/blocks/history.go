package blocks

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// MaxHistory is the most audit entries /owed CUSTOMER history shows.
const MaxHistory = 200

// History renders a customer's audit trail, newest first: when, who and
// what, one line per entry. Times are shown in their own location, so the
// caller converts them to the business timezone first. total is the size
// of the whole trail, of which entries are the latest: entries beyond what
// a message holds are counted, not shown.
func History(c collections.Customer, entries []collections.AuditEntry, total int) Message {
	sorted := append([]collections.AuditEntry(nil), entries...)
	total = max(total, len(sorted))
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].At.After(sorted[j].At) })

	title := "History of " + plainLabel(c, MaxHeaderText-11)
	if len(sorted) == 0 {
		return message("No actions recorded for "+customerText(c)+" yet",
			header(title), section("No actions recorded for "+customerLabel(c)+" yet."))
	}
	shown := sorted
	if len(shown) > MaxHistory {
		shown = shown[:MaxHistory]
	}
	blocks := []slack.Block{header(title)}
	// Pack lines into sections of at most MaxSectionText characters,
	// leaving room for a closing context block: the loop stops once the
	// sections written reach MaxMessageBlocks-1, so the last chunk and the
	// context still fit.
	var chunk []string
	size, n := 0, 0
	flush := func() {
		if len(chunk) > 0 {
			blocks = append(blocks, section(strings.Join(chunk, "\n")))
			chunk, size = nil, 0
		}
	}
	for _, e := range shown {
		line := "*" + timestamp(e.At) + "* — " + ActionLine(e)
		l := utf8.RuneCountInString(line) + 1
		if size+l > MaxSectionText {
			flush()
			if len(blocks) >= MaxMessageBlocks-1 {
				break
			}
		}
		chunk = append(chunk, line)
		size += l
		n++
	}
	flush()
	if left := total - n; left > 0 {
		blocks = append(blocks, contextBlock(fmt.Sprintf("%d earlier %s not shown", left, pluralWord(left, "action", "actions"))))
	}
	text := fmt.Sprintf("History of %s: %s; latest: %s", customerText(c), plural(total, "action", "actions"),
		clipMrkdwn(ActionLine(sorted[0]), 2000))
	return message(text, blocks...)
}

// pluralWord picks the word for a count.
func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
