package sandbox

import (
	"bytes"
	"crypto/sha1"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// surface is where blocks are shown; the limits differ.
type surface int

const (
	surfaceMessage surface = iota
	surfaceModal
)

// Block Kit limits (https://docs.slack.dev/reference/block-kit).
const (
	maxMessageBlocks   = 50
	maxModalBlocks     = 100
	maxSectionText     = 3000
	maxSectionFields   = 10
	maxFieldText       = 2000
	maxHeaderText      = 150
	maxIDLength        = 255
	maxButtonText      = 75
	maxButtonValue     = 2000
	maxURL             = 3000
	maxActionsElements = 25
	maxContextElements = 10
	maxModalTitle      = 24
	maxPrivateMetadata = 3000
	maxMessageText     = 40000
	maxLabel           = 2000
	maxPlaceholder     = 150
	maxOptionText      = 75
	maxOptionValue     = 150
	maxSelectOptions   = 100
	maxOverflowOptions = 5
	maxChoiceOptions   = 10
	maxInputLength     = 3000
	maxMarkdownText    = 12000
)

var blockTypes = map[surface][]string{
	surfaceMessage: {"actions", "context", "divider", "file", "header", "image", "input", "markdown", "rich_text", "section", "video"},
	surfaceModal:   {"actions", "context", "divider", "header", "image", "input", "markdown", "rich_text", "section", "video"},
}

var (
	selectTypes = []string{
		"static_select", "external_select", "users_select", "conversations_select", "channels_select",
		"multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select", "multi_channels_select",
	}
	accessoryTypes = append([]string{"button", "checkboxes", "datepicker", "image", "overflow", "radio_buttons", "timepicker", "workflow_button"}, selectTypes...)
	actionTypes    = append([]string{"button", "checkboxes", "datepicker", "datetimepicker", "overflow", "radio_buttons", "rich_text_input", "timepicker", "workflow_button"}, selectTypes...)
	inputTypes     = append([]string{"checkboxes", "datepicker", "datetimepicker", "email_text_input", "file_input", "number_input", "plain_text_input", "radio_buttons", "rich_text_input", "timepicker", "url_text_input"}, selectTypes...)

	datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	timePattern = regexp.MustCompile(`^\d{2}:\d{2}$`)
)

// blockProblems is a list of Block Kit problems in Slack's words, each with
// the JSON pointer of the offending field.
type blockProblems []string

func (p *blockProblems) add(ptr, format string, args ...any) {
	*p = append(*p, fmt.Sprintf("%s [json-pointer:%s]", fmt.Sprintf(format, args...), ptr))
}

// messages returns the problems as Slack puts them in response_metadata.
func (p blockProblems) messages() []string {
	out := make([]string, len(p))
	for i, m := range p {
		out[i] = "[ERROR] " + m
	}
	return out
}

// decodeJSON decodes raw JSON keeping numbers as json.Number.
func decodeJSON(raw []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("decode JSON: %w", err)
	}
	return nil
}

// parseBlocks decodes a blocks argument, which must be a JSON array.
func parseBlocks(raw string) ([]any, error) {
	var blocks []any
	if err := decodeJSON([]byte(raw), &blocks); err != nil {
		return nil, err
	}
	return blocks, nil
}

// validateBlocks checks blocks against Block Kit's limits for a surface;
// base is the JSON pointer of the blocks array ("/blocks", "/view/blocks").
func validateBlocks(blocks []any, where surface, base string) blockProblems {
	var p blockProblems
	limit := maxMessageBlocks
	if where == surfaceModal {
		limit = maxModalBlocks
	}
	if len(blocks) > limit {
		p.add(base, "no more than %d items allowed", limit)
	}
	seen := map[string]bool{}
	for i, b := range blocks {
		ptr := fmt.Sprintf("%s/%d", base, i)
		block, ok := b.(map[string]any)
		if !ok {
			p.add(ptr, "must provide an object")
			continue
		}
		if id, ok := block["block_id"].(string); ok {
			checkLen(&p, ptr+"/block_id", id, maxIDLength)
			if seen[id] {
				p.add(ptr+"/block_id", "duplicate block_id %q", id)
			}
			seen[id] = true
		}
		typ, _ := block["type"].(string)
		if !slices.Contains(blockTypes[where], typ) {
			p.add(ptr+"/type", "unknown or unsupported block type %q", typ)
			continue
		}
		validateBlock(&p, block, typ, ptr)
	}
	return p
}

func validateBlock(p *blockProblems, block map[string]any, typ, ptr string) {
	switch typ {
	case "section":
		text, hasText := block["text"]
		fields, hasFields := block["fields"]
		if !hasText && !hasFields {
			p.add(ptr, "must provide text or fields")
		}
		if hasText {
			checkText(p, text, ptr+"/text", 1, maxSectionText, false)
		}
		if hasFields {
			list, ok := fields.([]any)
			if !ok {
				p.add(ptr+"/fields", "must provide an array")
				break
			}
			if len(list) > maxSectionFields {
				p.add(ptr+"/fields", "no more than %d items allowed", maxSectionFields)
			}
			for i, f := range list {
				checkText(p, f, fmt.Sprintf("%s/fields/%d", ptr, i), 1, maxFieldText, false)
			}
		}
		if acc, ok := block["accessory"]; ok {
			validateElement(p, acc, ptr+"/accessory", accessoryTypes)
		}
	case "header":
		checkText(p, block["text"], ptr+"/text", 1, maxHeaderText, true)
	case "context":
		list, ok := block["elements"].([]any)
		if !ok || len(list) == 0 {
			p.add(ptr+"/elements", "must provide a non-empty array")
			break
		}
		if len(list) > maxContextElements {
			p.add(ptr+"/elements", "no more than %d items allowed", maxContextElements)
		}
		for i, e := range list {
			eptr := fmt.Sprintf("%s/elements/%d", ptr, i)
			if m, ok := e.(map[string]any); ok && m["type"] == "image" {
				validateElement(p, e, eptr, []string{"image"})
			} else {
				checkText(p, e, eptr, 1, maxSectionText, false)
			}
		}
	case "actions":
		list, ok := block["elements"].([]any)
		if !ok || len(list) == 0 {
			p.add(ptr+"/elements", "must provide a non-empty array")
			break
		}
		if len(list) > maxActionsElements {
			p.add(ptr+"/elements", "no more than %d items allowed", maxActionsElements)
		}
		ids := map[string]bool{}
		for i, e := range list {
			eptr := fmt.Sprintf("%s/elements/%d", ptr, i)
			validateElement(p, e, eptr, actionTypes)
			if m, ok := e.(map[string]any); ok {
				if id, ok := m["action_id"].(string); ok {
					if ids[id] {
						p.add(eptr+"/action_id", "duplicate action_id %q", id)
					}
					ids[id] = true
				}
			}
		}
	case "input":
		checkText(p, block["label"], ptr+"/label", 1, maxLabel, true)
		if h, ok := block["hint"]; ok {
			checkText(p, h, ptr+"/hint", 1, maxLabel, true)
		}
		if _, ok := block["element"]; !ok {
			p.add(ptr, "missing required field: element")
			break
		}
		validateElement(p, block["element"], ptr+"/element", inputTypes)
	case "image":
		checkImage(p, block, ptr)
		if t, ok := block["title"]; ok {
			checkText(p, t, ptr+"/title", 1, maxLabel, true)
		}
	case "markdown":
		s, ok := block["text"].(string)
		if !ok {
			p.add(ptr+"/text", "must provide a string")
			break
		}
		checkLen(p, ptr+"/text", s, maxMarkdownText)
	case "rich_text":
		if _, ok := block["elements"].([]any); !ok {
			p.add(ptr+"/elements", "must provide an array")
		}
	}
}

func checkImage(p *blockProblems, m map[string]any, ptr string) {
	u, hasURL := m["image_url"].(string)
	_, hasFile := m["slack_file"]
	if !hasURL && !hasFile {
		p.add(ptr, "must provide image_url or slack_file")
	}
	checkLen(p, ptr+"/image_url", u, maxURL)
	alt, ok := m["alt_text"].(string)
	if !ok || alt == "" {
		p.add(ptr+"/alt_text", "missing required field: alt_text")
	}
	checkLen(p, ptr+"/alt_text", alt, maxLabel)
}

func validateElement(p *blockProblems, e any, ptr string, allowed []string) {
	el, ok := e.(map[string]any)
	if !ok {
		p.add(ptr, "must provide an object")
		return
	}
	typ, _ := el["type"].(string)
	if !slices.Contains(allowed, typ) {
		p.add(ptr+"/type", "element type %q is not allowed here", typ)
		return
	}
	if id, ok := el["action_id"].(string); ok {
		checkLen(p, ptr+"/action_id", id, maxIDLength)
	}
	if ph, ok := el["placeholder"]; ok {
		checkText(p, ph, ptr+"/placeholder", 1, maxPlaceholder, true)
	}
	if c, ok := el["confirm"]; ok {
		checkConfirm(p, c, ptr+"/confirm")
	}
	switch typ {
	case "button":
		checkText(p, el["text"], ptr+"/text", 1, maxButtonText, true)
		if v, ok := el["value"].(string); ok {
			checkLen(p, ptr+"/value", v, maxButtonValue)
		}
		if u, ok := el["url"].(string); ok {
			checkLen(p, ptr+"/url", u, maxURL)
		}
		if st, ok := el["style"]; ok && st != "primary" && st != "danger" {
			p.add(ptr+"/style", "must be a valid enum value (primary, danger)")
		}
	case "image":
		checkImage(p, el, ptr)
	case "overflow":
		checkOptions(p, el, ptr, 1, maxOverflowOptions, true)
	case "radio_buttons", "checkboxes":
		checkOptions(p, el, ptr, 1, maxChoiceOptions, false)
	case "static_select", "multi_static_select":
		if _, groups := el["option_groups"]; groups {
			list, ok := el["option_groups"].([]any)
			if !ok || len(list) > maxSelectOptions {
				p.add(ptr+"/option_groups", "no more than %d items allowed", maxSelectOptions)
			}
			for i, g := range list {
				if gm, ok := g.(map[string]any); ok {
					checkText(p, gm["label"], fmt.Sprintf("%s/option_groups/%d/label", ptr, i), 1, maxOptionText, true)
					checkOptions(p, gm, fmt.Sprintf("%s/option_groups/%d", ptr, i), 1, maxSelectOptions, true)
				}
			}
		} else {
			checkOptions(p, el, ptr, 1, maxSelectOptions, true)
		}
	case "datepicker":
		if d, ok := el["initial_date"].(string); ok && !datePattern.MatchString(d) {
			p.add(ptr+"/initial_date", "must be a date in YYYY-MM-DD format")
		}
	case "timepicker":
		if t, ok := el["initial_time"].(string); ok && !timePattern.MatchString(t) {
			p.add(ptr+"/initial_time", "must be a time in HH:mm format")
		}
	case "plain_text_input":
		if v, ok := el["initial_value"].(string); ok {
			checkLen(p, ptr+"/initial_value", v, maxInputLength)
		}
		for _, k := range []string{"min_length", "max_length"} {
			if n, ok := intField(el, k); ok && (n < 0 || n > maxInputLength) {
				p.add(ptr+"/"+k, "must be between 0 and %d", maxInputLength)
			}
		}
	case "number_input":
		if _, ok := el["is_decimal_allowed"].(bool); !ok {
			p.add(ptr+"/is_decimal_allowed", "missing required field: is_decimal_allowed")
		}
	}
}

func checkOptions(p *blockProblems, el map[string]any, ptr string, min, max int, plainOnly bool) {
	list, ok := el["options"].([]any)
	if !ok {
		p.add(ptr+"/options", "missing required field: options")
		return
	}
	if len(list) < min {
		p.add(ptr+"/options", "must provide at least %d items", min)
	}
	if len(list) > max {
		p.add(ptr+"/options", "no more than %d items allowed", max)
	}
	for i, o := range list {
		optr := fmt.Sprintf("%s/options/%d", ptr, i)
		om, ok := o.(map[string]any)
		if !ok {
			p.add(optr, "must provide an object")
			continue
		}
		checkText(p, om["text"], optr+"/text", 1, maxOptionText, plainOnly)
		v, ok := om["value"].(string)
		if !ok || v == "" {
			p.add(optr+"/value", "missing required field: value")
		}
		checkLen(p, optr+"/value", v, maxOptionValue)
	}
}

func checkConfirm(p *blockProblems, c any, ptr string) {
	m, ok := c.(map[string]any)
	if !ok {
		p.add(ptr, "must provide an object")
		return
	}
	checkText(p, m["title"], ptr+"/title", 1, 100, true)
	checkText(p, m["text"], ptr+"/text", 1, 300, false)
	checkText(p, m["confirm"], ptr+"/confirm", 1, 30, true)
	checkText(p, m["deny"], ptr+"/deny", 1, 30, true)
}

// checkText checks a text object: plain_text or mrkdwn with min..max characters.
func checkText(p *blockProblems, t any, ptr string, min, max int, plainOnly bool) {
	m, ok := t.(map[string]any)
	if !ok {
		p.add(ptr, "must provide an object")
		return
	}
	typ, _ := m["type"].(string)
	switch {
	case plainOnly && typ != "plain_text":
		p.add(ptr+"/type", "must be a valid enum value (plain_text)")
	case typ != "plain_text" && typ != "mrkdwn":
		p.add(ptr+"/type", "must be a valid enum value (plain_text, mrkdwn)")
	}
	s, ok := m["text"].(string)
	if !ok {
		p.add(ptr+"/text", "must provide a string")
		return
	}
	if utf8.RuneCountInString(s) < min {
		p.add(ptr+"/text", "must be more than %d characters", min-1)
	}
	checkLen(p, ptr+"/text", s, max)
}

func checkLen(p *blockProblems, ptr, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		p.add(ptr, "must be less than %d characters", max+1)
	}
}

// intField reads an integer field of a block or element, as parsed from
// the app's JSON or read back from the saved workspace.
func intField(m map[string]any, k string) (int64, bool) {
	switch n := m[k].(type) {
	case json.Number:
		v, err := n.Int64()
		return v, err == nil
	case float64: // a view read back from the saved workspace
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}

// normaliseBlocks gives every block a block_id and every interactive
// element an action_id, as Slack does, and returns the blocks as JSON.
func normaliseBlocks(blocks []any) json.RawMessage {
	for i, b := range blocks {
		block, ok := b.(map[string]any)
		if !ok {
			continue
		}
		if _, ok := block["block_id"].(string); !ok {
			block["block_id"] = shortID(block, i)
		}
		forEachElement(block, func(el map[string]any, j int) {
			if el["type"] == "image" {
				return
			}
			if _, ok := el["action_id"].(string); !ok {
				el["action_id"] = shortID(el, j)
			}
		})
	}
	raw, _ := json.Marshal(blocks)
	return raw
}

// shortID derives a stable five-character id from content, like Slack's
// generated block and action ids.
func shortID(v any, i int) string {
	raw, _ := json.Marshal(v)
	sum := sha1.Sum(fmt.Appendf(raw, "#%d", i))
	return base32.StdEncoding.EncodeToString(sum[:])[:5]
}

// forEachElement calls f for each element of a block that can be interactive.
func forEachElement(block map[string]any, f func(el map[string]any, i int)) {
	switch block["type"] {
	case "actions":
		list, _ := block["elements"].([]any)
		for i, e := range list {
			if el, ok := e.(map[string]any); ok {
				f(el, i)
			}
		}
	case "section":
		if el, ok := block["accessory"].(map[string]any); ok {
			f(el, 0)
		}
	case "input":
		if el, ok := block["element"].(map[string]any); ok {
			f(el, 0)
		}
	}
}

// Action is an interactive element of a message or modal.
type Action struct {
	BlockID   string
	ActionID  string
	Type      string   // button, static_select, datepicker, overflow, …
	Text      string   // a button's label, else the placeholder
	Value     string   // a button's value
	Style     string   // primary, danger or ""
	URL       string   // a link button's URL
	Options   []Option // choices of selects, overflow menus, radio buttons, checkboxes
	Confirm   bool     // a confirmation dialog comes first
	InInput   bool     // the element belongs to an input block
	Dispatch  bool     // an input element that sends block_actions (dispatch_action)
	blockType string
	element   map[string]any
}

// Option is a choice of a select, overflow menu, radio group or checkbox group.
type Option struct {
	Text  string
	Value string
}

// actionsOf lists the interactive elements of a blocks array.
func actionsOf(raw json.RawMessage) []Action {
	var blocks []any
	if len(raw) == 0 || decodeJSON(raw, &blocks) != nil {
		return nil
	}
	var out []Action
	for _, b := range blocks {
		block, ok := b.(map[string]any)
		if !ok {
			continue
		}
		blockID, _ := block["block_id"].(string)
		forEachElement(block, func(el map[string]any, _ int) {
			if el["type"] == "image" {
				return
			}
			a := Action{BlockID: blockID, blockType: block["type"].(string), element: el}
			a.ActionID, _ = el["action_id"].(string)
			a.Type, _ = el["type"].(string)
			a.Value, _ = el["value"].(string)
			a.Style, _ = el["style"].(string)
			a.URL, _ = el["url"].(string)
			_, a.Confirm = el["confirm"]
			a.InInput = a.blockType == "input"
			a.Dispatch, _ = block["dispatch_action"].(bool)
			if a.Text = textOf(el["text"]); a.Text == "" {
				a.Text = textOf(el["placeholder"])
			}
			a.Options = optionsOf(el)
			out = append(out, a)
		})
	}
	return out
}

// optionsOf lists an element's options, flattening option groups.
func optionsOf(el map[string]any) []Option {
	var out []Option
	add := func(list any) {
		items, _ := list.([]any)
		for _, o := range items {
			if om, ok := o.(map[string]any); ok {
				v, _ := om["value"].(string)
				out = append(out, Option{Text: textOf(om["text"]), Value: v})
			}
		}
	}
	add(el["options"])
	groups, _ := el["option_groups"].([]any)
	for _, g := range groups {
		if gm, ok := g.(map[string]any); ok {
			add(gm["options"])
		}
	}
	return out
}

// findOption returns the option object of an element with the given value.
func findOption(el map[string]any, value string) (map[string]any, bool) {
	var found map[string]any
	check := func(list any) {
		items, _ := list.([]any)
		for _, o := range items {
			if om, ok := o.(map[string]any); ok && om["value"] == value && found == nil {
				found = om
			}
		}
	}
	check(el["options"])
	groups, _ := el["option_groups"].([]any)
	for _, g := range groups {
		if gm, ok := g.(map[string]any); ok {
			check(gm["options"])
		}
	}
	return found, found != nil
}

func textOf(t any) string {
	m, ok := t.(map[string]any)
	if !ok {
		return ""
	}
	s, _ := m["text"].(string)
	return s
}

// blockTexts returns the visible texts of a blocks array, in order.
func blockTexts(raw json.RawMessage) []string {
	var blocks []any
	if len(raw) == 0 || decodeJSON(raw, &blocks) != nil {
		return nil
	}
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	for _, b := range blocks {
		block, ok := b.(map[string]any)
		if !ok {
			continue
		}
		add(textOf(block["text"]))
		if s, ok := block["text"].(string); ok { // markdown block
			add(s)
		}
		add(textOf(block["label"]))
		fields, _ := block["fields"].([]any)
		for _, f := range fields {
			add(textOf(f))
		}
		if block["type"] == "context" {
			els, _ := block["elements"].([]any)
			for _, e := range els {
				add(textOf(e))
			}
		}
		if block["type"] == "rich_text" {
			add(richText(block["elements"]))
		}
		forEachElement(block, func(el map[string]any, _ int) {
			add(textOf(el["text"]))
		})
	}
	return out
}

// richText flattens the text of rich_text elements.
func richText(v any) string {
	var sb strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				sb.WriteString(s)
			}
			walk(x["elements"])
		}
	}
	walk(v)
	return sb.String()
}
