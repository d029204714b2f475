package blocks

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// kit checks rendered Block Kit JSON against Slack's limits, collecting
// the problems with their JSON path.
type kit struct{ problems []string }

func (k *kit) addf(path, format string, args ...any) {
	k.problems = append(k.problems, path+": "+fmt.Sprintf(format, args...))
}

func (k *kit) maxLen(path, s string, max int) {
	if n := utf8.RuneCountInString(s); n > max {
		k.addf(path, "%d characters, more than %d", n, max)
	}
}

// text checks a text object: a string of 1..max characters, plain_text
// only when plainOnly.
func (k *kit) text(path string, v any, max int, plainOnly bool) {
	m, ok := v.(map[string]any)
	if !ok {
		k.addf(path, "not a text object")
		return
	}
	typ, _ := m["type"].(string)
	if typ != "plain_text" && (plainOnly || typ != "mrkdwn") {
		k.addf(path, "text type %q", typ)
	}
	s, _ := m["text"].(string)
	if s == "" {
		k.addf(path, "empty text")
	}
	k.maxLen(path, s, max)
}

func (k *kit) blocks(path string, blocks []any, max int) {
	if len(blocks) > max {
		k.addf(path, "%d blocks, more than %d", len(blocks), max)
	}
	ids := map[string]bool{}
	for i, b := range blocks {
		p := fmt.Sprintf("%s/%d", path, i)
		m := b.(map[string]any)
		if id, ok := m["block_id"].(string); ok {
			k.maxLen(p+"/block_id", id, MaxID)
			if ids[id] {
				k.addf(p, "duplicate block_id %q", id)
			}
			ids[id] = true
		}
		switch m["type"] {
		case "section":
			if m["text"] == nil && m["fields"] == nil {
				k.addf(p, "section without text or fields")
			}
			if m["text"] != nil {
				k.text(p+"/text", m["text"], MaxSectionText, false)
			}
			if fs, ok := m["fields"].([]any); ok {
				if len(fs) > MaxSectionFields {
					k.addf(p, "%d fields", len(fs))
				}
				for j, f := range fs {
					k.text(fmt.Sprintf("%s/fields/%d", p, j), f, MaxFieldText, false)
				}
			}
		case "header":
			k.text(p+"/text", m["text"], MaxHeaderText, true)
		case "context":
			els, _ := m["elements"].([]any)
			if len(els) == 0 || len(els) > MaxContextElements {
				k.addf(p, "%d context elements", len(els))
			}
			for j, e := range els {
				k.text(fmt.Sprintf("%s/elements/%d", p, j), e, MaxSectionText, false)
			}
		case "actions":
			els, _ := m["elements"].([]any)
			if len(els) == 0 || len(els) > 25 {
				k.addf(p, "%d action elements", len(els))
			}
			for j, e := range els {
				k.element(fmt.Sprintf("%s/elements/%d", p, j), e.(map[string]any))
			}
		case "input":
			k.text(p+"/label", m["label"], 2000, true)
			if m["hint"] != nil {
				k.text(p+"/hint", m["hint"], 2000, true)
			}
			k.element(p+"/element", m["element"].(map[string]any))
		case "divider":
		default:
			k.addf(p, "unexpected block type %v", m["type"])
		}
	}
}

var datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func (k *kit) element(p string, el map[string]any) {
	if id, ok := el["action_id"].(string); ok {
		k.maxLen(p+"/action_id", id, MaxID)
	}
	if el["placeholder"] != nil {
		k.text(p+"/placeholder", el["placeholder"], 150, true)
	}
	if c, ok := el["confirm"].(map[string]any); ok {
		k.text(p+"/confirm/title", c["title"], 100, true)
		k.text(p+"/confirm/text", c["text"], MaxConfirmText, false)
		k.text(p+"/confirm/confirm", c["confirm"], 30, true)
		k.text(p+"/confirm/deny", c["deny"], 30, true)
	}
	switch el["type"] {
	case "button":
		k.text(p+"/text", el["text"], MaxButtonText, true)
		v, _ := el["value"].(string)
		k.maxLen(p+"/value", v, MaxButtonValue)
		if st, ok := el["style"]; ok && st != "primary" && st != "danger" {
			k.addf(p, "style %v", st)
		}
	case "static_select", "radio_buttons", "checkboxes":
		opts, _ := el["options"].([]any)
		max := 100
		if el["type"] != "static_select" {
			max = 10
		}
		if len(opts) == 0 || len(opts) > max {
			k.addf(p, "%d options", len(opts))
		}
		for j, o := range opts {
			om := o.(map[string]any)
			k.text(fmt.Sprintf("%s/options/%d/text", p, j), om["text"], MaxOptionText, true)
			v, _ := om["value"].(string)
			if v == "" {
				k.addf(p, "option without value")
			}
			k.maxLen(fmt.Sprintf("%s/options/%d/value", p, j), v, 150)
		}
		if init, ok := el["initial_option"]; ok {
			found := false
			for _, o := range opts {
				found = found || reflect.DeepEqual(o, init)
			}
			if !found {
				k.addf(p+"/initial_option", "not one of the options")
			}
		}
	case "datepicker":
		if d, ok := el["initial_date"].(string); ok && !datePattern.MatchString(d) {
			k.addf(p+"/initial_date", "%q is not YYYY-MM-DD", d)
		}
	case "plain_text_input":
		v, _ := el["initial_value"].(string)
		k.maxLen(p+"/initial_value", v, 3000)
		if n, ok := el["max_length"].(float64); ok && (n < 1 || n > 3000) {
			k.addf(p+"/max_length", "%v", n)
		}
		if n, ok := el["max_length"].(float64); ok && float64(utf8.RuneCountInString(v)) > n {
			k.addf(p+"/initial_value", "longer than max_length")
		}
	default:
		k.addf(p, "unexpected element type %v", el["type"])
	}
}

func (k *kit) report(t *testing.T, what string) {
	t.Helper()
	for _, p := range k.problems {
		t.Errorf("%s: %s", what, p)
	}
}

// toAny round-trips v through JSON into maps and slices.
func toAny(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return out
}

// checkMessage checks a message against Slack's limits and that its
// blocks survive slack.Blocks' JSON decoding unchanged.
func checkMessage(t *testing.T, what string, m Message) {
	t.Helper()
	var k kit
	if strings.TrimSpace(m.Text) == "" {
		k.addf("/text", "empty fallback")
	}
	k.maxLen("/text", m.Text, MaxMessageText)
	blocks, _ := toAny(t, m.Blocks).([]any)
	if len(blocks) == 0 {
		k.addf("/blocks", "no blocks")
	}
	k.blocks("/blocks", blocks, MaxMessageBlocks)
	k.report(t, what)
	checkEscaped(t, what, m)

	raw, _ := json.Marshal(m.Blocks)
	var decoded slack.Blocks
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatalf("%s: blocks do not decode as slack.Blocks: %v", what, err)
	}
	if got := toAny(t, decoded.BlockSet); !reflect.DeepEqual(got, toAny(t, m.Blocks)) {
		t.Errorf("%s: blocks change through slack.Blocks:\n%s", what, raw)
	}
}

// checkModal checks a modal against Slack's limits and that it decodes
// as slack.ModalViewRequest and slack.View unchanged.
func checkModal(t *testing.T, what string, v slack.ModalViewRequest) {
	t.Helper()
	var k kit
	m := toAny(t, v).(map[string]any)
	for _, key := range []string{"title", "submit", "close"} {
		k.text("/"+key, m[key], MaxModalTitle, true)
	}
	if m["type"] != "modal" {
		k.addf("/type", "%v", m["type"])
	}
	pm, _ := m["private_metadata"].(string)
	k.maxLen("/private_metadata", pm, MaxPrivateMetadata)
	if _, err := ModalCaseRef(pm); err != nil {
		k.addf("/private_metadata", "%v", err)
	}
	cb, _ := m["callback_id"].(string)
	k.maxLen("/callback_id", cb, MaxID)
	blocks, _ := m["blocks"].([]any)
	k.blocks("/blocks", blocks, MaxModalBlocks)
	k.report(t, what)

	raw, _ := json.Marshal(v)
	var req slack.ModalViewRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatalf("%s: does not decode as slack.ModalViewRequest: %v", what, err)
	}
	if !reflect.DeepEqual(toAny(t, req), m) {
		t.Errorf("%s: changes through slack.ModalViewRequest", what)
	}
	var view slack.View
	if err := json.Unmarshal(raw, &view); err != nil {
		t.Fatalf("%s: does not decode as slack.View: %v", what, err)
	}
	if !reflect.DeepEqual(toAny(t, view.Blocks), m["blocks"]) || view.CallbackID != v.CallbackID || view.PrivateMetadata != v.PrivateMetadata {
		t.Errorf("%s: changes through slack.View", what)
	}
}

// angle finds "<" that opens something other than a user mention.
var angle = regexp.MustCompile(`<[^@]|<@[^UW]`)

// checkEscaped checks that a message's text opens no <…> but user
// mentions, so that nothing in it can ping a channel or hide a link.
func checkEscaped(t *testing.T, what string, m Message) {
	t.Helper()
	for _, s := range append(mrkdwnTexts(toAny(t, m.Blocks)), m.Text) {
		if loc := angle.FindStringIndex(s); loc != nil {
			t.Errorf("%s: unescaped %q in %q", what, s[loc[0]:min(loc[1]+10, len(s))], truncate(s, 200))
		}
	}
}

// texts collects every "text" string in decoded JSON.
func texts(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "text" {
				out = append(out, s)
			} else {
				out = append(out, texts(e)...)
			}
		}
	case []any:
		for _, e := range x {
			out = append(out, texts(e)...)
		}
	}
	return out
}

// mrkdwnTexts collects the text of every mrkdwn text object in decoded
// JSON: what Slack parses for mentions and links. (plain_text is shown as
// it is.)
func mrkdwnTexts(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		if x["type"] == "mrkdwn" {
			s, _ := x["text"].(string)
			return []string{s}
		}
		for _, e := range x {
			out = append(out, mrkdwnTexts(e)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, mrkdwnTexts(e)...)
		}
	}
	return out
}

// hugeCase is a customer built to break limits: a 10 KB name full of
// mrkdwn, 500 invoices in many currencies with long numbers, long reasons.
func hugeCase(status collections.CaseStatus) collections.CaseView {
	name := strings.Repeat("<!channel> & Co ", 700)[:10240]
	v := openCase()
	v.Customer = collections.Customer{ID: 2, Name: name, Ref: strings.Repeat("R<>&", 100), OwnerSlackID: "UOWNER1"}
	currencies := []string{"USD", "EUR", "GBP", "JPY", "BHD", "CHF", "CAD", "AUD", "SEK", "NOK", "DKK", "PLN"}
	v.Invoices = nil
	for i := range 500 {
		due := day(2025, 1, 1).AddDate(0, 0, i/2)
		v.Invoices = append(v.Invoices, collections.OpenInvoice{
			ID: int64(i), Number: strings.Repeat("`<!here>`", 30) + fmt.Sprint(i), Currency: currencies[i%len(currencies)],
			Amount: 999999999999, Balance: 999999999999, DueOn: due, DaysOverdue: collections.DaysBetween(due, asOf)})
	}
	v.Outstanding = agingOf(v.Invoices)
	v.OldestDays = v.Invoices[0].DaysOverdue
	v.Case.Status = status
	reason := strings.Repeat("<!everyone> pay up & now ", 400)
	v.Case.SnoozedUntil = ptr(day(2026, 12, 1))
	v.LastActions = []collections.AuditEntry{{Actor: "<!channel>", Action: collections.AuditSnoozed,
		Details: collections.AuditDetails{Until: collections.DateOf(day(2026, 12, 1)), Reason: reason}, At: asOf}}
	p := collections.PlanProposal{Currency: "USD", Total: 999999999999 * 42, Instalments: 24, Frequency: collections.Weekly,
		FirstDueOn: day(2026, 7, 7), DownPayment: 1}
	v.Plan = &collections.Plan{ID: 1, Status: collections.PlanProposed, Proposal: p, Schedule: p.Schedule(asOf),
		ProposedBy: "UALICE", AgreedBy: "UBOB", AgreedOn: ptr(asOf), Paid: 12345}
	if status == collections.CasePlanActive {
		v.Plan.Status = collections.PlanActive
	}
	e := approvedEscalation()
	e.Reason = reason
	v.Escalation = &e
	if status == collections.CaseEscalationPending {
		e.Status, e.DecidedBy, e.DecidedAt = collections.EscalationPending, "", nil
	}
	return v
}

func hugeHistory() []collections.AuditEntry {
	actions := []string{collections.AuditAlerted, collections.AuditSnoozed, collections.AuditSnoozeEnded, collections.AuditPlanProposed,
		collections.AuditPlanAgreed, collections.AuditPlanCancelled, collections.AuditPlanBroken, collections.AuditPlanCompleted,
		collections.AuditEscalationRequested, collections.AuditEscalationApproved, collections.AuditEscalationRejected,
		collections.AuditEscalationWithdrawn, collections.AuditEscalationCancelled,
		collections.AuditPaymentReceived, collections.AuditSettled, collections.AuditClosed, "<!channel>_made_up"}
	long := strings.Repeat("<!here> & ", 1000)
	var out []collections.AuditEntry
	for i := range 1000 {
		out = append(out, collections.AuditEntry{ID: int64(i), Actor: "UALICE", Action: actions[i%len(actions)],
			Details: collections.AuditDetails{Reason: long, Until: collections.DateOf(asOf), Target: collections.EscalationTarget(long), RequestedBy: long,
				Overdue: []collections.Money{{Minor: 1 << 60, Currency: "USD"}}, Paid: []collections.Money{{Minor: 1 << 60, Currency: "JPY"}}},
			At: asOf.Add(-time.Duration(i) * time.Hour)})
	}
	return out
}

func TestLimits_HoldForHugeCustomer(t *testing.T) {
	statuses := []collections.CaseStatus{collections.CaseOpen, collections.CaseSnoozed, collections.CasePlanProposed,
		collections.CasePlanActive, collections.CaseEscalationPending, collections.CaseEscalated, collections.CaseSettled}
	for _, st := range statuses {
		t.Run(string(st), func(t *testing.T) {
			v := hugeCase(st)
			checkMessage(t, "Alert", Alert(v))
			sum := collections.CustomerSummary{AsOf: asOf, Customer: v.Customer, Outstanding: v.Outstanding, Invoices: v.Invoices}
			checkMessage(t, "Summary", Summary(sum, &v, hugeHistory()))
			checkMessage(t, "ApprovalRequest", ApprovalRequest(v, *v.Escalation))
			checkMessage(t, "ApprovalDecided", ApprovalDecided(v, *v.Escalation))
			checkModal(t, "SnoozeModal", SnoozeModal(v))
			checkModal(t, "PlanModal", PlanModal(v, DefaultPlan(v, asOf), asOf, nil))
			checkModal(t, "PlanModal with a big plan", PlanModal(v, v.Plan.Proposal, asOf, nil))
			checkModal(t, "EscalateModal", EscalateModal(v))
		})
	}
	t.Run("Answers", func(t *testing.T) {
		v := hugeCase(collections.CaseOpen)
		var debtors []collections.Debtor
		var cs []collections.Customer
		for i := range 500 {
			debtors = append(debtors, collections.Debtor{Customer: v.Customer, Overdue: collections.Money{Minor: 999999999999999, Currency: "BHD"},
				OldestDays: 9999, InvoiceOpen: i})
			cs = append(cs, v.Customer)
		}
		checkMessage(t, "Top", Top(debtors, asOf))
		checkMessage(t, "History", History(v.Customer, hugeHistory(), len(hugeHistory())))
		checkMessage(t, "Candidates", Candidates(v.Customer.Name, cs))
		checkMessage(t, "NotFound", NotFound(v.Customer.Name))
		checkMessage(t, "Refusal", Refusal(v.Customer.Name))
		for _, e := range hugeHistory()[:14] {
			if n := utf8.RuneCountInString(ActionLine(e)); n > MaxSectionText {
				t.Errorf("ActionLine(%s) is %d characters", e.Action, n)
			}
		}
	})
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"ACME", 10, "ACME"},
		{"ACME Corporation", 5, "ACME…"},
		{"Überweisung", 4, "Übe…"},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		if got := truncate(tt.in, tt.max); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestClipMrkdwn_NeverCutsAnEntityOrMention(t *testing.T) {
	s := strings.Repeat("a &amp; <@U123> ", 300)
	for max := 20; max < 200; max++ {
		got := clipMrkdwn(s, max)
		if n := utf8.RuneCountInString(got); n > max {
			t.Fatalf("clipMrkdwn(…, %d) is %d characters", max, n)
		}
		body := strings.TrimSuffix(got, ellipsis)
		if strings.Count(body, "<") != strings.Count(body, ">") || strings.Count(body, "&") != strings.Count(body, ";") {
			t.Fatalf("clipMrkdwn(…, %d) cut an entity or mention: %q", max, got)
		}
	}
}

func TestParsePlanRef(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want PlanRef
		ok   bool
	}{
		{PlanRef{CaseID: 42, PlanID: 9}.String(), PlanRef{CaseID: 42, PlanID: 9}, true},
		// A button of a message posted before plans were named: any plan.
		{CaseRef{CaseID: 42, Version: 5}.String(), PlanRef{CaseID: 42}, true},
		{"plan:42:0", PlanRef{}, false},
		{"plan:42", PlanRef{}, false},
		{"escalation:9", PlanRef{}, false},
	} {
		got, err := ParsePlanRef(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParsePlanRef(%q) = %+v, %v; want %+v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
