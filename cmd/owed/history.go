package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
)

// runHistory prints every action, contact, promise, dispute and email of
// a customer, oldest first, with who and when in the business time zone.
func runHistory(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "history", "history CUSTOMER [--json]\n\nEvery action, contact, promise, dispute and email on the customer's cases, oldest first.\nCUSTOMER is a name, a prefix, a ref or a near spelling.")
	asJSON := fs.Bool("json", false, "print one JSON document")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	query := joinArgs(pos)
	if query == "" {
		return usagef("history needs a customer: owed history CUSTOMER")
	}
	loc, err := businessLocation(env.Getenv)
	if err != nil {
		return err
	}
	db, err := openReadOnlyDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := postgres.NewLedgerService(db).FindCustomer(ctx, query)
	if err != nil {
		return err
	}
	entries, err := postgres.NewCaseService(db, postgres.CaseConfig{}).History(ctx, c.ID, 0)
	if err != nil {
		return err
	}
	// History is newest first; the command reads like a story.
	for i, j := 0, len(entries)-1; i < j; i, j = i+1, j-1 {
		entries[i], entries[j] = entries[j], entries[i]
	}
	if *asJSON {
		emails, err := customerEmails(ctx, db, c.ID, loc)
		if err != nil {
			return err
		}
		doc, err := historyJSON(c, entries, loc)
		if err != nil {
			return err
		}
		for i, e := range doc["history"].([]historyEntryJSON) {
			if m, ok := emails[e.emailID]; ok && e.Action == collections.AuditReminderEmailed {
				doc["history"].([]historyEntryJSON)[i].Email = &m
			}
		}
		return writeJSON(env.Stdout, doc)
	}
	names, err := postgres.NewLedgerService(db).SlackUserNames(ctx)
	if err != nil {
		return err
	}
	printHistory(env.Stdout, c, entries, loc, names)
	return nil
}

// historyEntryJSON is one entry of `owed history --json`.
type historyEntryJSON struct {
	At      string         `json:"at"` // RFC 3339, in the business time zone
	Actor   string         `json:"actor"`
	Action  string         `json:"action"`
	Text    string         `json:"text"`
	Details map[string]any `json:"details"`         // the entry's details, amounts as decimal strings
	Email   *emailJSON     `json:"email,omitempty"` // the email a reminder_emailed entry queued, as kept
	emailID int64
}

func historyJSON(c collections.Customer, entries []collections.AuditEntry, loc *time.Location) (map[string]any, error) {
	out := make([]historyEntryJSON, 0, len(entries))
	for _, e := range entries {
		d, err := detailsJSON(e.Details)
		if err != nil {
			return nil, err
		}
		out = append(out, historyEntryJSON{At: e.At.In(loc).Format(time.RFC3339), Actor: e.Actor, Action: e.Action,
			Text: blocks.PlainText(blocks.ActionLine(e)), Details: d, emailID: e.Details.EmailID})
	}
	return map[string]any{"customer": map[string]any{"name": c.Name, "ref": c.Ref}, "history": out}, nil
}

// detailsJSON is an entry's details as --json shows them: as stored, but
// with amounts as decimal strings in their currency's precision
// ({"amount": "12.50", "currency": "USD"}) and dates as dates.
func detailsJSON(d collections.AuditDetails) (map[string]any, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("history details: %w", err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("history details: %w", err)
	}
	money := func(m collections.Money) map[string]any {
		return map[string]any{"amount": collections.FormatAmount(m.Minor, m.Currency), "currency": m.Currency}
	}
	moneys := func(ms []collections.Money) []any {
		l := make([]any, len(ms))
		for i, m := range ms {
			l[i] = money(m)
		}
		return l
	}
	for key, ms := range map[string][]collections.Money{"overdue": d.Overdue, "paid": d.Paid, "outstanding": d.Outstanding} {
		if len(ms) > 0 {
			out[key] = moneys(ms)
		}
	}
	for key, m := range map[string]*collections.Money{"missed": d.Missed, "promised": d.Promised} {
		if m != nil {
			out[key] = money(*m)
		}
	}
	if p := d.Plan; p != nil {
		plan := map[string]any{"currency": p.Currency, "total": collections.FormatAmount(p.Total, p.Currency),
			"instalments": p.Instalments, "frequency": p.Frequency, "first_due": p.FirstDueOn.Format(collections.DateLayout)}
		if p.DownPayment > 0 {
			plan["down_payment"] = collections.FormatAmount(p.DownPayment, p.Currency)
		}
		out["plan"] = plan
	}
	return out, nil
}

// printHistory prints the entries as a table; the people they mention are
// named with names (by Slack user ID) where owed has learnt them.
func printHistory(w io.Writer, c collections.Customer, entries []collections.AuditEntry, loc *time.Location, names map[string]string) {
	fmt.Fprintf(w, "%s — history\n\n", c.Label())
	if len(entries) == 0 {
		fmt.Fprintln(w, "Nothing recorded yet.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tWHO\tWHAT")
	for _, e := range entries {
		who := e.Actor
		if n := names[who]; n != "" {
			who = n
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.At.In(loc).Format("2006-01-02 15:04 MST"), who, blocks.PlainTextNamed(blocks.ActionLine(e), names))
	}
	tw.Flush()
}
