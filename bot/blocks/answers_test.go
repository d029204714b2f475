package blocks

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
)

func TestTop(t *testing.T) {
	var debtors []collections.Debtor
	for i := range 12 {
		debtors = append(debtors, collections.Debtor{
			Customer:    collections.Customer{ID: int64(i + 1), Name: fmt.Sprintf("Customer %02d", i+1), Ref: fmt.Sprintf("C-%03d", i+1)},
			Overdue:     collections.Money{Minor: int64(1000000 - i*50000), Currency: "USD"},
			OldestDays:  90 - i,
			InvoiceOpen: i%3 + 1,
		})
	}
	m := Top(debtors, asOf)
	checkMessage(t, "Top", m)
	golden(t, "top", m)
	s := allText(t, m)
	if !strings.Contains(s, "1. *Customer 01* (C-001) — *USD 10,000.00* overdue · oldest 90 days · 1 invoice") ||
		!strings.Contains(s, "10. *Customer 10*") || strings.Contains(s, "Customer 11") {
		t.Errorf("want the ten largest, numbered:\n%s", s)
	}

	empty := Top(nil, asOf)
	checkMessage(t, "Top", empty)
	if empty.Text != "Nothing is overdue as of 2026-06-30" {
		t.Errorf("empty Text = %q", empty.Text)
	}
}

func TestHelp(t *testing.T) {
	m := Help()
	checkMessage(t, "Help", m)
	golden(t, "help", m)
	s := allText(t, m)
	for _, w := range []string{"`/owed CUSTOMER`", "`/owed CUSTOMER history`", "`/owed top`", "`/owed help`",
		"*Snooze*", "*Payment plan*", "*Escalate*", "*Approve*", "*Reject*", "*Customer agreed*", "*Cancel plan*"} {
		if !strings.Contains(s, w) {
			t.Errorf("help lacks %q", w)
		}
	}
	// Every button an alert can show is explained.
	for _, a := range collections.AlertButtons {
		if b, ok := caseButtons[a]; ok && !strings.Contains(s, "*"+b.label+"*") {
			t.Errorf("help does not explain the %q button", b.label)
		}
	}
	if strings.ContainsAny(m.Text, "`*") {
		t.Errorf("fallback keeps mrkdwn: %q", m.Text)
	}
}

func TestHistory_NewestFirst(t *testing.T) {
	entries := []collections.AuditEntry{
		{Actor: collections.SystemActor, Action: collections.AuditAlerted, At: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC),
			Details: collections.AuditDetails{Stage: 30, OldestDays: 30, Overdue: []collections.Money{{Minor: 1234_50, Currency: "USD"}}}},
		{Actor: "UCFO", Action: collections.AuditEscalationApproved, At: time.Date(2026, 6, 3, 11, 15, 0, 0, time.UTC),
			Details: collections.AuditDetails{EscalationID: 77, Target: collections.TargetAgency, RequestedBy: "UALICE"}},
		{Actor: "UALICE", Action: collections.AuditEscalationRequested, At: time.Date(2026, 6, 2, 14, 3, 0, 0, time.UTC),
			Details: collections.AuditDetails{EscalationID: 77, Target: collections.TargetAgency, Reason: "no answer"}},
	}
	m := History(acme, entries, len(entries))
	checkMessage(t, "History", m)
	golden(t, "history", m)
	s := allText(t, m)
	want := "*2026-06-03 11:15 UTC* — <@UCFO> approved the escalation to collections agency\n" +
		"*2026-06-02 14:03 UTC* — <@UALICE> asked to escalate this to collections agency: no answer\n" +
		"*2026-06-01 09:00 UTC* — Now 30 days overdue (stage 30): USD 1,234.50 overdue"
	if !strings.Contains(s, want) {
		t.Errorf("history not newest first:\n%s", s)
	}
	if m.Text != "History of ACME Corp. (C-001): 3 actions; latest: <@UCFO> approved the escalation to collections agency" {
		t.Errorf("Text = %q", m.Text)
	}
	if entries[0].Action != collections.AuditAlerted {
		t.Errorf("History reordered its argument")
	}

	empty := History(acme, nil, 0)
	checkMessage(t, "History", empty)
	if !strings.Contains(allText(t, empty), "No actions recorded for *ACME Corp.* (C-001) yet.") {
		t.Errorf("empty history:\n%s", allText(t, empty))
	}
}

func TestHistory_CountsWhatDoesNotFit(t *testing.T) {
	m := History(acme, hugeHistory(), len(hugeHistory()))
	checkMessage(t, "History", m)
	ctx := contextTexts(m)
	if !strings.Contains(ctx, "earlier actions not shown") {
		t.Errorf("no count of the entries left out: %q", ctx)
	}
}

func TestCandidates(t *testing.T) {
	cs := []collections.Customer{acme, {ID: 2, Name: "Acme Ltd", Ref: "C-002"}, {ID: 3, Name: "Acme & <Sons>"}}
	m := Candidates("acme", cs)
	checkMessage(t, "Candidates", m)
	golden(t, "candidates", m)
	want := "Several customers match “acme”: ACME Corp. (C-001), Acme Ltd (C-002), Acme &amp; &lt;Sons&gt;; try /owed C-001"
	if m.Text != want {
		t.Errorf("Text = %q, want %q", m.Text, want)
	}
	if s := allText(t, m); !strings.Contains(s, "; try `/owed C-001`.") {
		t.Errorf("no suggestion:\n%s", s)
	}
	var many []collections.Customer
	for i := range 15 {
		many = append(many, collections.Customer{Name: fmt.Sprintf("Acme %d", i)})
	}
	if s := Candidates("acme", many).Text; !strings.Contains(s, "Acme 9, +5 more; try /owed Acme 0") {
		t.Errorf("Text = %q", s)
	}
}

func TestNotFound(t *testing.T) {
	m := NotFound("<!channel> zzz")
	checkMessage(t, "NotFound", m)
	want := "No customer matches “&lt;!channel&gt; zzz”. Check the spelling or the ref, or try /owed top for the largest overdue balances." +
		" Usage: /owed CUSTOMER · /owed CUSTOMER history · /owed top · /owed help"
	if m.Text != want {
		t.Errorf("Text = %q, want %q", m.Text, want)
	}
	if s := allText(t, m); !strings.Contains(s, "`/owed top`") || !strings.Contains(s, "`/owed help`") {
		t.Errorf("no /owed top suggestion or no usage:\n%s", s)
	}
}

func TestRefusal_KeepsMentionsAndEscapesTheRest(t *testing.T) {
	m := Refusal("Only <@U0MEMBER>, who asked for <this> escalation, can withdraw it; <!channel>")
	checkMessage(t, "Refusal", m)
	if want := "Only <@U0MEMBER>, who asked for &lt;this&gt; escalation, can withdraw it; &lt;!channel&gt;"; m.Text != want {
		t.Errorf("Text = %q, want %q", m.Text, want)
	}
}

func TestRefusal(t *testing.T) {
	m := Refusal("You asked for this escalation, so someone else must approve it.")
	checkMessage(t, "Refusal", m)
	if m.Text != "You asked for this escalation, so someone else must approve it." {
		t.Errorf("Text = %q", m.Text)
	}
	if Refusal("  ").Text == "" {
		t.Errorf("empty reason gives an empty refusal")
	}
	checkMessage(t, "Refusal", Refusal("<!channel> & <https://x|y>"))
}
