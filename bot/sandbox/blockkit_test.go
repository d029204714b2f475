package sandbox

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func blocksJSON(t *testing.T, s string) []any {
	t.Helper()
	blocks, err := parseBlocks(s)
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return blocks
}

func section(text string) string {
	return fmt.Sprintf(`{"type":"section","text":{"type":"mrkdwn","text":%q}}`, text)
}

func button(id, label, value string) string {
	return fmt.Sprintf(`{"type":"button","action_id":%q,"text":{"type":"plain_text","text":%q},"value":%q}`, id, label, value)
}

func repeatJSON(item string, n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = item
	}
	return strings.Join(items, ",")
}

func TestValidateBlocks(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name   string
		where  surface
		blocks string
		want   string // a problem that must be reported; "" means valid
	}{
		{"AlertIsValid", surfaceMessage, "[" + section("*ACME*") + `,{"type":"divider"},{"type":"actions","elements":[` + button("snooze", "Snooze", "1") + "]}]", ""},
		{"FiftyBlocksInAMessage", surfaceMessage, "[" + repeatJSON(`{"type":"divider"}`, 50) + "]", ""},
		{"FiftyOneBlocksInAMessage", surfaceMessage, "[" + repeatJSON(`{"type":"divider"}`, 51) + "]", "no more than 50 items allowed [json-pointer:/blocks]"},
		{"HundredBlocksInAModal", surfaceModal, "[" + repeatJSON(`{"type":"divider"}`, 100) + "]", ""},
		{"HundredOneBlocksInAModal", surfaceModal, "[" + repeatJSON(`{"type":"divider"}`, 101) + "]", "no more than 100 items allowed"},
		{"SectionText3000", surfaceMessage, "[" + section(long(3000)) + "]", ""},
		{"SectionText3001", surfaceMessage, "[" + section(long(3001)) + "]", "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"},
		{"SectionWithoutText", surfaceMessage, `[{"type":"section"}]`, "must provide text or fields"},
		{"ElevenFields", surfaceMessage, `[{"type":"section","fields":[` + repeatJSON(`{"type":"mrkdwn","text":"f"}`, 11) + "]}]", "no more than 10 items allowed [json-pointer:/blocks/0/fields]"},
		{"FieldTooLong", surfaceMessage, `[{"type":"section","fields":[{"type":"mrkdwn","text":"` + long(2001) + `"}]}]`, "must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]"},
		{"HeaderTooLong", surfaceMessage, `[{"type":"header","text":{"type":"plain_text","text":"` + long(151) + `"}}]`, "must be less than 151 characters"},
		{"HeaderMustBePlain", surfaceMessage, `[{"type":"header","text":{"type":"mrkdwn","text":"*h*"}}]`, "must be a valid enum value (plain_text)"},
		{"BlockIDTooLong", surfaceMessage, `[{"type":"divider","block_id":"` + long(256) + `"}]`, "must be less than 256 characters [json-pointer:/blocks/0/block_id]"},
		{"DuplicateBlockID", surfaceMessage, `[{"type":"divider","block_id":"a"},{"type":"divider","block_id":"a"}]`, `duplicate block_id "a"`},
		{"ActionIDTooLong", surfaceMessage, `[{"type":"actions","elements":[` + button(long(256), "Go", "") + "]}]", "[json-pointer:/blocks/0/elements/0/action_id]"},
		{"ButtonTextTooLong", surfaceMessage, `[{"type":"actions","elements":[` + button("a", long(76), "") + "]}]", "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"},
		{"ButtonValue2000", surfaceMessage, `[{"type":"actions","elements":[` + button("a", "Go", long(2000)) + "]}]", ""},
		{"ButtonValueTooLong", surfaceMessage, `[{"type":"actions","elements":[` + button("a", "Go", long(2001)) + "]}]", "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]"},
		{"ButtonBadStyle", surfaceMessage, `[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Go"},"style":"loud"}]}]`, "must be a valid enum value (primary, danger)"},
		{"TwentySixElements", surfaceMessage, `[{"type":"actions","elements":[` + repeatJSON(`{"type":"button","text":{"type":"plain_text","text":"Go"}}`, 26) + "]}]", "no more than 25 items allowed"},
		{"DuplicateActionID", surfaceMessage, `[{"type":"actions","elements":[` + button("a", "A", "") + "," + button("a", "B", "") + "]}]", `duplicate action_id "a"`},
		{"ElevenContextElements", surfaceMessage, `[{"type":"context","elements":[` + repeatJSON(`{"type":"mrkdwn","text":"c"}`, 11) + "]}]", "no more than 10 items allowed"},
		{"UnknownBlockType", surfaceMessage, `[{"type":"banner"}]`, `unknown or unsupported block type "banner"`},
		{"InputNeedsElement", surfaceModal, `[{"type":"input","label":{"type":"plain_text","text":"Reason"}}]`, "missing required field: element"},
		{"SelectOptionValueTooLong", surfaceModal, `[{"type":"input","label":{"type":"plain_text","text":"F"},"element":{"type":"static_select","options":[{"text":{"type":"plain_text","text":"a"},"value":"` + long(151) + `"}]}}]`, "must be less than 151 characters [json-pointer:/blocks/0/element/options/0/value]"},
		{"BadInitialDate", surfaceModal, `[{"type":"input","label":{"type":"plain_text","text":"Until"},"element":{"type":"datepicker","initial_date":"12/01/2026"}}]`, "YYYY-MM-DD"},
		{"ButtonIsNotAnInput", surfaceModal, `[{"type":"input","label":{"type":"plain_text","text":"F"},"element":` + button("a", "Go", "") + "}]", `element type "button" is not allowed here`},
		{"ConfirmTextTooLong", surfaceMessage, `[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Go"},"confirm":{"title":{"type":"plain_text","text":"Sure?"},"text":{"type":"mrkdwn","text":"` + long(301) + `"},"confirm":{"type":"plain_text","text":"Yes"},"deny":{"type":"plain_text","text":"No"}}}]}]`, "[json-pointer:/blocks/0/elements/0/confirm/text/text]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := "/blocks"
			problems := validateBlocks(blocksJSON(t, tt.blocks), tt.where, base)
			if tt.want == "" {
				if len(problems) > 0 {
					t.Fatalf("valid blocks refused: %v", problems)
				}
				return
			}
			for _, p := range problems {
				if strings.Contains(p, tt.want) {
					return
				}
			}
			t.Fatalf("problems %q lack %q", problems, tt.want)
		})
	}
}

func TestNormaliseBlocks_GivesEveryBlockAndElementAnID(t *testing.T) {
	blocks := blocksJSON(t, `[{"type":"divider"},{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Go"}}]}]`)
	var out []map[string]any
	if err := json.Unmarshal(normaliseBlocks(blocks), &out); err != nil {
		t.Fatal(err)
	}
	if out[0]["block_id"] == "" || out[1]["block_id"] == "" || out[0]["block_id"] == out[1]["block_id"] {
		t.Fatalf("block ids: %v", out)
	}
	el := out[1]["elements"].([]any)[0].(map[string]any)
	if id, _ := el["action_id"].(string); len(id) != 5 {
		t.Fatalf("action_id = %v", el["action_id"])
	}
	again := blocksJSON(t, `[{"type":"divider"},{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Go"}}]}]`)
	if string(normaliseBlocks(again)) != string(normaliseBlocks(blocksJSON(t, string(normaliseBlocks(again))))) {
		t.Fatal("normalising is not stable")
	}
}

func TestMessageActionsAndContent(t *testing.T) {
	raw := normaliseBlocks(blocksJSON(t, `[
		{"type":"header","text":{"type":"plain_text","text":"ACME Corp."}},
		{"type":"section","block_id":"s","text":{"type":"mrkdwn","text":"*$75.50* overdue"},"fields":[{"type":"mrkdwn","text":"INV-1001"}],
		 "accessory":{"type":"overflow","action_id":"more","options":[{"text":{"type":"plain_text","text":"History"},"value":"history"}]}},
		{"type":"context","elements":[{"type":"mrkdwn","text":"Owner <@U0MEMBER>"}]},
		{"type":"actions","block_id":"a","elements":[
			{"type":"button","action_id":"snooze","text":{"type":"plain_text","text":"Snooze"},"value":"c1"},
			{"type":"button","action_id":"escalate","text":{"type":"plain_text","text":"Escalate"},"style":"danger","confirm":{"title":{"type":"plain_text","text":"Sure?"},"text":{"type":"plain_text","text":"Really"},"confirm":{"type":"plain_text","text":"Yes"},"deny":{"type":"plain_text","text":"No"}}},
			{"type":"static_select","action_id":"plan","placeholder":{"type":"plain_text","text":"Plan"},"options":[{"text":{"type":"plain_text","text":"Monthly"},"value":"monthly"}]}]}]`))
	m := Message{Text: "fallback", Blocks: raw}
	for _, s := range []string{"fallback", "ACME Corp.", "*$75.50* overdue", "INV-1001", "Owner <@U0MEMBER>", "Snooze"} {
		if !m.Contains(s) {
			t.Errorf("Content lacks %q:\n%s", s, m.Content())
		}
	}
	acts := m.Actions()
	if len(acts) != 4 {
		t.Fatalf("actions = %+v", acts)
	}
	esc, ok := m.Button("Escalate")
	if !ok || esc.ActionID != "escalate" || esc.Style != "danger" || !esc.Confirm || esc.BlockID != "a" {
		t.Fatalf("Escalate = %+v", esc)
	}
	plan, ok := m.Action("plan")
	if !ok || plan.Type != "static_select" || plan.Text != "Plan" || len(plan.Options) != 1 || plan.Options[0].Value != "monthly" {
		t.Fatalf("plan = %+v", plan)
	}
	if _, ok := m.Button("Approve"); ok {
		t.Fatal("found a button that is not there")
	}
}
