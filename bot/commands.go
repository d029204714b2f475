package bot

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/collections"
)

// maxQuery bounds a customer query; nobody's name is longer.
const maxQuery = 200

// Command is a parsed /owed request.
type Command struct {
	Kind  string // "help", "top", "history" or "show"
	Query string // the customer, for history and show
}

// ParseCommand reads the text after /owed: empty or "help" → help; "top";
// "CUSTOMER history"; anything else is a customer.
func ParseCommand(text string) Command {
	text = strings.Join(strings.Fields(text), " ")
	lower := strings.ToLower(text)
	switch {
	case lower == "" || lower == "help" || lower == "-h" || lower == "--help" || lower == "?":
		return Command{Kind: "help"}
	case lower == "top":
		return Command{Kind: "top"}
	case strings.HasSuffix(lower, " history"):
		return Command{Kind: "history", Query: strings.TrimSpace(text[:len(text)-len(" history")])}
	}
	return Command{Kind: "show", Query: text}
}

// commandBudget is how long a slash command is answered within its own
// request: past it (a slow database), the caller is told the answer is
// coming, well inside Slack's 3 seconds, and it follows on the
// response_url.
const commandBudget = 2 * time.Second

// HandleCommand answers a slash command with an ephemeral message for the
// caller, in the request or, when that would take too long, on the
// command's response_url. It never returns an internal error's text.
func (b *Bot) HandleCommand(ctx context.Context, cmd slack.SlashCommand) *slack.Msg {
	cmd.Text = cleanText(unescapeText(cmd.Text))
	msg, ok := answerWithin(b, ctx, commandBudget, func(ctx context.Context) blocks.Message {
		msg, outcome := b.answerCommand(ctx, cmd)
		b.metrics.requests.WithLabelValues("command", outcome).Inc()
		return msg
	}, func(ctx context.Context, msg blocks.Message) {
		if cmd.ResponseURL != "" {
			b.respond(ctx, cmd.ResponseURL, msg, false)
		}
	})
	if !ok {
		return ephemeral(blocks.Working())
	}
	return ephemeral(msg)
}

func ephemeral(msg blocks.Message) *slack.Msg {
	return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: msg.Text, Blocks: slack.Blocks{BlockSet: msg.Blocks}}
}

func (b *Bot) answerCommand(ctx context.Context, cmd slack.SlashCommand) (blocks.Message, string) {
	c := ParseCommand(cmd.Text)
	if c.Query != "" && utf8.RuneCountInString(c.Query) > maxQuery {
		return blocks.Refusal("That is too long for a customer name. Try /owed acme, or /owed help."), "bad_input"
	}
	switch c.Kind {
	case "help":
		return blocks.Help(), "help"
	case "top":
		debtors, err := b.opts.Ledger.TopDebtors(ctx, b.today(), 10)
		if err != nil {
			return b.internal(ctx, "top debtors", err), "error"
		}
		return blocks.Top(debtors, b.today()), "top"
	}
	customer, err := b.opts.Ledger.FindCustomer(ctx, c.Query)
	var amb *collections.AmbiguousError
	switch {
	case errors.As(err, &amb):
		return blocks.Candidates(c.Query, amb.Candidates), "ambiguous"
	case collections.ErrorCode(err) == collections.ENOTFOUND:
		return blocks.NotFound(c.Query), "not_found"
	case collections.ErrorCode(err) == collections.EINVALID:
		return blocks.Help(), "help"
	case err != nil:
		return b.internal(ctx, "find customer", err), "error"
	}
	if c.Kind == "history" {
		entries, err := b.opts.Cases.History(ctx, customer.ID, blocks.MaxHistory)
		if err != nil {
			return b.internal(ctx, "history", err), "error"
		}
		total, err := b.opts.Cases.CountHistory(ctx, customer.ID)
		if err != nil {
			return b.internal(ctx, "history", err), "error"
		}
		return blocks.History(customer, b.localTimes(entries), total), "history"
	}
	return b.summary(ctx, customer)
}

// summary is the /owed CUSTOMER answer.
func (b *Bot) summary(ctx context.Context, customer collections.Customer) (blocks.Message, string) {
	today := b.today()
	sum, err := b.opts.Ledger.CustomerSummary(ctx, customer.ID, today)
	if err != nil {
		return b.internal(ctx, "customer summary", err), "error"
	}
	var view *collections.CaseView
	c, err := b.opts.Cases.FindOpenCaseByCustomer(ctx, customer.ID)
	if collections.ErrorCode(err) == collections.ENOTFOUND && hasOverdue(sum) {
		// Overdue but not alerted yet: open the case so the buttons work.
		c, err = b.opts.Cases.OpenCase(ctx, customer.ID, b.opts.Channel)
	}
	switch {
	case err == nil:
		v, err := b.opts.Cases.FindCaseView(ctx, c.ID, today)
		if err != nil {
			return b.internal(ctx, "case view", err), "error"
		}
		view = &v
	case collections.ErrorCode(err) != collections.ENOTFOUND:
		return b.internal(ctx, "find case", err), "error"
	}
	history, err := b.opts.Cases.History(ctx, customer.ID, 5)
	if err != nil {
		return b.internal(ctx, "history", err), "error"
	}
	return blocks.Summary(sum, view, b.localTimes(history)), "show"
}

// localTimes shows audit times in the business time zone.
func (b *Bot) localTimes(entries []collections.AuditEntry) []collections.AuditEntry {
	out := make([]collections.AuditEntry, len(entries))
	for i, e := range entries {
		e.At = e.At.In(b.opts.Location)
		out[i] = e
	}
	return out
}

// internal logs an unexpected error once and returns the words for the
// user, which reveal nothing of it.
func (b *Bot) internal(ctx context.Context, what string, err error) blocks.Message {
	b.log.ErrorContext(ctx, "slack request failed", "during", what, "error", err)
	return blocks.Refusal(collections.ErrorMessage(err))
}

func hasOverdue(sum collections.CustomerSummary) bool {
	for _, a := range sum.Outstanding {
		if a.Overdue() > 0 {
			return true
		}
	}
	return false
}

// slackEntities are the three characters Slack escapes in the text it
// sends (a command's text, as a message's): "AT&T" arrives as "AT&amp;T".
var slackEntities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// unescapeText turns text Slack sends back into what the person typed.
func unescapeText(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return slackEntities.Replace(s)
}

// cleanText is what owed reads of text typed in Slack: NUL bytes, which
// no text column can hold, are dropped, and bytes that are not UTF-8 are
// replaced by U+FFFD, so that a stray byte is a character like any other
// and never reaches the database as an error.
func cleanText(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// cleanState cleans every value typed into a modal (see cleanText).
func cleanState(state *slack.ViewState) {
	if state == nil {
		return
	}
	for _, actions := range state.Values {
		for id, a := range actions {
			a.Value = cleanText(a.Value)
			actions[id] = a
		}
	}
}
