package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
)

func TestHistory_EveryRecordOldestFirstInTheBusinessTimeZone(t *testing.T) {
	ctx := context.Background()
	c := newCLI(t)
	c.env["OWED_TIMEZONE"] = "America/New_York"
	c.must("import", "invoices", c.file("invoices.csv", "number,customer,currency,amount,issued_on,due_on\nA-1,ACME Corp.,USD,100.00,2026-04-01,2026-05-01\nA-2,ACME Corp.,USD,50.00,2026-04-01,2026-05-02\n"))
	db, err := postgres.Open(ctx, c.env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	today, _ := collections.ParseDate("2026-06-01")
	cs := postgres.NewCaseService(db, postgres.CaseConfig{Channel: "C0COLLECT", Today: func() time.Time { return today }})
	if _, err := cs.Sweep(ctx, today, false); err != nil {
		t.Fatal(err)
	}
	var caseID, a2 int64
	if err := db.GetContext(ctx, &caseID, `SELECT id FROM cases`); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &a2, `SELECT id FROM invoices WHERE number = 'A-2'`); err != nil {
		t.Fatal(err)
	}
	dana := collections.Actor{UserID: "U0DANA"}
	follow, _ := collections.ParseDate("2026-06-05")
	if _, err := cs.LogContact(ctx, dana, caseID, collections.Contact{Channel: collections.ContactCall, Outcome: collections.OutcomeNoAnswer,
		Notes: "rang <twice> & left no message", FollowUp: collections.DateOf(follow)}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Dispute(ctx, dana, caseID, collections.DisputeInput{InvoiceIDs: []int64{a2}, Reason: collections.DisputeDuplicate}); err != nil {
		t.Fatal(err)
	}

	out := c.must("history", "acme")
	alerted := strings.Index(out, "Now 31 days overdue (stage 30): USD 150.00 overdue")
	logged := strings.Index(out, "@U0DANA logged a call: no answer; follow up on 2026-06-05 — rang <twice> & left no message")
	disputed := strings.Index(out, "@U0DANA put A-2 in dispute (duplicate)")
	if alerted < 0 || logged < 0 || disputed < 0 || !(alerted < logged && logged < disputed) {
		t.Errorf("history not every record, oldest first:\n%s", out)
	}
	if !strings.Contains(out, "EDT") && !strings.Contains(out, "EST") {
		t.Errorf("times are not in the business time zone:\n%s", out)
	}

	var doc struct {
		Customer map[string]string `json:"customer"`
		History  []struct {
			At      string                   `json:"at"`
			Actor   string                   `json:"actor"`
			Action  string                   `json:"action"`
			Text    string                   `json:"text"`
			Details collections.AuditDetails `json:"details"`
		} `json:"history"`
	}
	c.json(&doc, "history", "acme")
	if doc.Customer["name"] != "ACME Corp." || len(doc.History) != 3 {
		t.Fatalf("history --json: %+v", doc)
	}
	h := doc.History[1]
	if h.Action != collections.AuditContactLogged || h.Actor != "U0DANA" || h.Details.Contact == nil ||
		h.Details.Contact.FollowUp.String() != "2026-06-05" || !(strings.HasSuffix(h.At, "-04:00") || strings.HasSuffix(h.At, "-05:00")) {
		t.Errorf("contact entry: %+v", h)
	}
	if d := doc.History[2].Details; len(d.Invoices) != 1 || d.Invoices[0] != "A-2" || d.DisputeReason != collections.DisputeDuplicate {
		t.Errorf("dispute entry: %+v", d)
	}
	if r := c.run("", "history"); r.code != 2 {
		t.Errorf("history without a customer: exit %d", r.code)
	}
}
