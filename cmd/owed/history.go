package main

import (
	"context"
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
		doc := historyJSON(c, entries, loc)
		for i, e := range doc["history"].([]historyEntryJSON) {
			if m, ok := emails[e.Details.EmailID]; ok && e.Action == collections.AuditReminderEmailed {
				doc["history"].([]historyEntryJSON)[i].Email = &m
			}
		}
		return writeJSON(env.Stdout, doc)
	}
	printHistory(env.Stdout, c, entries, loc)
	return nil
}

// historyEntryJSON is one entry of `owed history --json`.
type historyEntryJSON struct {
	At      string                   `json:"at"` // RFC 3339, in the business time zone
	Actor   string                   `json:"actor"`
	Action  string                   `json:"action"`
	Text    string                   `json:"text"`
	Details collections.AuditDetails `json:"details"`
	Email   *emailJSON               `json:"email,omitempty"` // the email a reminder_emailed entry queued, as kept
}

func historyJSON(c collections.Customer, entries []collections.AuditEntry, loc *time.Location) map[string]any {
	out := make([]historyEntryJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, historyEntryJSON{At: e.At.In(loc).Format(time.RFC3339), Actor: e.Actor, Action: e.Action,
			Text: blocks.PlainText(blocks.ActionLine(e)), Details: e.Details})
	}
	return map[string]any{"customer": map[string]any{"name": c.Name, "ref": c.Ref}, "history": out}
}

func printHistory(w io.Writer, c collections.Customer, entries []collections.AuditEntry, loc *time.Location) {
	fmt.Fprintf(w, "%s — history\n\n", c.Label())
	if len(entries) == 0 {
		fmt.Fprintln(w, "Nothing recorded yet.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tWHO\tWHAT")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.At.In(loc).Format("2006-01-02 15:04 MST"), e.Actor, blocks.PlainText(blocks.ActionLine(e)))
	}
	tw.Flush()
}
