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
	db := c.db()
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
	// Amounts are decimal strings, as in every --json output.
	var raw struct {
		History []struct {
			Details struct {
				Overdue []map[string]any `json:"overdue"`
			} `json:"details"`
		} `json:"history"`
	}
	c.json(&raw, "history", "acme")
	if o := raw.History[0].Details.Overdue; len(o) != 1 || o[0]["amount"] != "150.00" || o[0]["currency"] != "USD" {
		t.Errorf("the alert's overdue amount in --json: %v, want [{amount: \"150.00\", currency: USD}]", o)
	}
	if r := c.run("", "history"); r.code != 2 {
		t.Errorf("history without a customer: exit %d", r.code)
	}

	// The disputed invoice is listed as in dispute, and left out of the
	// reminder a preview shows.
	if out := c.must("show", "acme", "--as-of", "2026-06-01"); !strings.Contains(out, "In dispute (duplicate)") {
		t.Errorf("show does not list A-2 as In dispute:\n%s", out)
	}
	// show is the /owed summary: where the case stands and its latest
	// actions, as well as what is owed.
	out = c.must("show", "acme", "--as-of", "2026-06-01")
	for _, want := range []string{"Case: Follow-up on 2026-06-05", "Latest actions:", "@U0DANA logged a call: no answer", "put A-2 in dispute"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	var shown struct {
		Case struct {
			Status      string           `json:"status"`
			Stage       int              `json:"stage"`
			QuietUntil  string           `json:"quiet_until"`
			LastActions []map[string]any `json:"last_actions"`
		} `json:"case"`
	}
	c.json(&shown, "show", "acme", "--as-of", "2026-06-01", "--json")
	if s := shown.Case; s.Status != string(collections.CaseFollowUp) || s.Stage != 30 || s.QuietUntil != "2026-06-05" || len(s.LastActions) != 3 ||
		s.LastActions[0]["action"] != collections.AuditDisputed {
		t.Errorf("show --json case: %+v", s)
	}
	if out := c.must("preview", "reminder", "acme", "--as-of", "2026-06-01"); !strings.Contains(out, "A-1") || strings.Contains(out, "A-2") {
		t.Errorf("the reminder preview lists the disputed A-2, or not A-1:\n%s", out)
	}

	// Once owed has learnt Dana's name from Slack, the terminal names her
	// as Slack does; the JSON keeps her ID.
	if err := postgres.NewLedgerService(db).SaveSlackUser(ctx, "U0DANA", "Dana Whitfield"); err != nil {
		t.Fatal(err)
	}
	out = c.must("history", "acme")
	if !strings.Contains(out, "Dana Whitfield  ") || !strings.Contains(out, "@Dana Whitfield put A-2 in dispute (duplicate)") || strings.Contains(out, "U0DANA") {
		t.Errorf("history does not name Dana:\n%s", out)
	}
	if out := c.must("show", "acme", "--as-of", "2026-06-01"); !strings.Contains(out, "@Dana Whitfield logged a call") {
		t.Errorf("show does not name Dana:\n%s", out)
	}
	if out := c.must("history", "acme", "--json"); !strings.Contains(out, `"actor": "U0DANA"`) {
		t.Errorf("history --json lost Dana's ID:\n%s", out)
	}
}

func TestShowAndAging_AgreeWithAnIndependentSumOfDisputedAndUndisputedInvoices(t *testing.T) {
	ctx := context.Background()
	c := newCLI(t)
	type inv struct {
		number, customer, currency string
		minor                      int64
		due                        string
		disputed                   bool
	}
	invoices := []inv{
		{"A-1", "ACME Corp.", "USD", 100_00, "2026-05-01", true},
		{"A-2", "ACME Corp.", "USD", 250_50, "2026-05-20", false},
		{"A-3", "ACME Corp.", "EUR", 80_00, "2026-04-10", true},
		{"A-4", "ACME Corp.", "EUR", 19_99, "2026-07-01", false}, // not yet due
		{"B-1", "Bluebird", "EUR", 45_00, "2026-05-25", false},
		{"B-2", "Bluebird", "USD", 12_34, "2026-03-01", true},
	}
	csv := "number,customer,currency,amount,issued_on,due_on\n"
	for _, in := range invoices {
		csv += in.number + "," + in.customer + "," + in.currency + "," + collections.FormatAmount(in.minor, in.currency) + ",2026-03-01," + in.due + "\n"
	}
	c.must("import", "invoices", c.file("invoices.csv", csv))
	db := c.db()
	today, _ := collections.ParseDate("2026-06-01")
	cs := postgres.NewCaseService(db, postgres.CaseConfig{Channel: "C0COLLECT", Today: func() time.Time { return today }})
	for _, customer := range []string{"ACME Corp.", "Bluebird"} {
		var customerID int64
		if err := db.GetContext(ctx, &customerID, `SELECT id FROM customers WHERE name = $1`, customer); err != nil {
			t.Fatal(err)
		}
		kase, err := cs.OpenCase(ctx, customerID, "")
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, in := range invoices {
			if in.customer == customer && in.disputed {
				var id int64
				if err := db.GetContext(ctx, &id, `SELECT id FROM invoices WHERE number = $1`, in.number); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
		}
		if _, err := cs.Dispute(ctx, collections.Actor{UserID: "U0DANA"}, kase.ID, collections.DisputeInput{InvoiceIDs: ids, Reason: collections.DisputePricing}); err != nil {
			t.Fatalf("dispute %s: %v", customer, err)
		}
	}

	// The independent sums, per currency: everything, and what is disputed.
	total, disputed := map[string]int64{}, map[string]int64{}
	for _, in := range invoices {
		total[in.currency] += in.minor
		if in.disputed {
			disputed[in.currency] += in.minor
		}
	}
	var aging agingDoc
	c.json(&aging, "aging", "--as-of", "2026-06-01")
	if len(aging.Currencies) != 2 {
		t.Fatalf("aging: %+v", aging)
	}
	for _, a := range aging.Currencies {
		cur := a["currency"]
		if a["total"] != collections.FormatAmount(total[cur], cur) || a["disputed"] != collections.FormatAmount(disputed[cur], cur) {
			t.Errorf("aging %s: total %s disputed %s; want %s and %s", cur, a["total"], a["disputed"],
				collections.FormatAmount(total[cur], cur), collections.FormatAmount(disputed[cur], cur))
		}
	}
	shown, shownDisputed := map[string]int64{}, map[string]int64{}
	for _, customer := range []string{"acme", "bluebird"} {
		var doc struct {
			Outstanding []map[string]string `json:"outstanding"`
			Invoices    []struct {
				Number   string `json:"number"`
				Disputed bool   `json:"disputed"`
			} `json:"invoices"`
		}
		c.json(&doc, "show", customer, "--as-of", "2026-06-01")
		for _, o := range doc.Outstanding {
			cur := o["currency"]
			tm, _ := collections.ParseAmount(o["total"], cur)
			dm, _ := collections.ParseAmount(o["disputed"], cur)
			shown[cur] += tm
			shownDisputed[cur] += dm
		}
		for _, got := range doc.Invoices {
			for _, in := range invoices {
				if in.number == got.Number && in.disputed != got.Disputed {
					t.Errorf("show %s: %s disputed = %v, want %v", customer, got.Number, got.Disputed, in.disputed)
				}
			}
		}
	}
	for cur := range total {
		if shown[cur] != total[cur] || shownDisputed[cur] != disputed[cur] {
			t.Errorf("show %s summed over customers: %d (disputed %d); want %d (%d)", cur, shown[cur], shownDisputed[cur], total[cur], disputed[cur])
		}
	}
}

func TestShow_NamesTheOwner(t *testing.T) {
	ctx := context.Background()
	c := newCLI(t)
	c.must("import", "customers", c.file("customers.csv", "name,owner,email,phone,tier\nACME Corp.,U0DANA,ap@acme.example,+1 555 0100,A\n"))
	db := c.db()
	if err := postgres.NewLedgerService(db).SaveSlackUser(ctx, "U0DANA", "Dana Whitfield"); err != nil {
		t.Fatal(err)
	}
	out := c.must("show", "acme")
	for _, want := range []string{"Owner: Dana Whitfield (U0DANA)", "Email: ap@acme.example", "Phone: +1 555 0100", "Tier: A"} {
		if !strings.Contains(out, want) {
			t.Errorf("owed show lacks %q:\n%s", want, out)
		}
	}
	var doc struct {
		Customer map[string]string `json:"customer"`
	}
	c.json(&doc, "show", "acme")
	if doc.Customer["owner"] != "U0DANA" || doc.Customer["owner_name"] != "Dana Whitfield" || doc.Customer["email"] != "ap@acme.example" {
		t.Errorf("show --json customer = %v", doc.Customer)
	}
}

func TestHistoryJSON_PlanAmountsAreDecimalStringsAndItsDateADate(t *testing.T) {
	first, _ := collections.ParseDate("2026-07-01")
	d, err := detailsJSON(collections.AuditDetails{Plan: &collections.PlanProposal{Currency: "BHD", Total: 1_250, DownPayment: 250,
		Instalments: 2, Frequency: collections.Monthly, FirstDueOn: first}, Promised: &collections.Money{Minor: 1200, Currency: "JPY"}})
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := d["plan"].(map[string]any)
	if plan["total"] != "1.250" || plan["down_payment"] != "0.250" || plan["first_due"] != "2026-07-01" {
		t.Errorf("plan: %v", plan)
	}
	if p, _ := d["promised"].(map[string]any); p["amount"] != "1200" || p["currency"] != "JPY" {
		t.Errorf("promised: %v", d["promised"])
	}
}
