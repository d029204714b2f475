package sandbox

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Value is what a member enters in or picks from an element. Only the
// field that fits the element's type is used.
type Value struct {
	Text    string   `json:"text,omitempty"`    // plain_text_input, number_input, email/url inputs
	Option  string   `json:"option,omitempty"`  // static_select, radio_buttons, overflow: the option's value
	Options []string `json:"options,omitempty"` // multi_static_select, checkboxes: the options' values
	Date    string   `json:"date,omitempty"`    // datepicker, YYYY-MM-DD
	Time    string   `json:"time,omitempty"`    // timepicker, HH:MM
	User    string   `json:"user,omitempty"`    // users_select
	Users   []string `json:"users,omitempty"`   // multi_users_select
	Channel string   `json:"channel,omitempty"` // conversations_select, channels_select
}

// Text is a Value for a text or number input.
func Text(s string) Value { return Value{Text: s} }

// Pick is a Value choosing the option with the given value of a select,
// radio group or overflow menu.
func Pick(optionValue string) Value { return Value{Option: optionValue} }

// Date is a Value for a datepicker (YYYY-MM-DD).
func Date(d string) Value { return Value{Date: d} }

// Values are the entries of a modal's form: block_id → action_id → value.
type Values map[string]map[string]Value

// stateOf returns an element's state entry, as Slack sends it in
// state.values and in block_actions, for the value v. A nil v means the
// element's initial value.
func (s *Server) stateOf(el map[string]any, v *Value) (map[string]any, error) {
	typ, _ := el["type"].(string)
	out := map[string]any{"type": typ}
	if v == nil {
		iv := initialValue(el)
		v = &iv
	}
	switch typ {
	case "plain_text_input", "number_input", "email_text_input", "url_text_input":
		out["value"] = nil
		if v.Text != "" {
			out["value"] = v.Text
		}
	case "static_select", "radio_buttons", "overflow", "external_select":
		out["selected_option"] = nil
		if v.Option != "" {
			o, ok := findOption(el, v.Option)
			if !ok {
				return nil, fmt.Errorf("%s %q has no option with value %q", typ, el["action_id"], v.Option)
			}
			out["selected_option"] = o
		}
	case "multi_static_select", "checkboxes", "multi_external_select":
		opts := []any{}
		for _, val := range v.Options {
			o, ok := findOption(el, val)
			if !ok {
				return nil, fmt.Errorf("%s %q has no option with value %q", typ, el["action_id"], val)
			}
			opts = append(opts, o)
		}
		out["selected_options"] = opts
	case "datepicker":
		out["selected_date"] = nil
		if v.Date != "" {
			if !datePattern.MatchString(v.Date) {
				return nil, fmt.Errorf("datepicker %q: %q is not a YYYY-MM-DD date", el["action_id"], v.Date)
			}
			out["selected_date"] = v.Date
		}
	case "timepicker":
		out["selected_time"] = nil
		if v.Time != "" {
			if !timePattern.MatchString(v.Time) {
				return nil, fmt.Errorf("timepicker %q: %q is not an HH:MM time", el["action_id"], v.Time)
			}
			out["selected_time"] = v.Time
		}
	case "users_select":
		out["selected_user"] = nil
		if v.User != "" {
			if _, ok := s.members[v.User]; !ok {
				return nil, fmt.Errorf("users_select %q: unknown user %q", el["action_id"], v.User)
			}
			out["selected_user"] = v.User
		}
	case "multi_users_select":
		out["selected_users"] = append([]string{}, v.Users...)
	case "conversations_select":
		out["selected_conversation"] = nil
		if v.Channel != "" {
			out["selected_conversation"] = v.Channel
		}
	case "channels_select":
		out["selected_channel"] = nil
		if v.Channel != "" {
			out["selected_channel"] = v.Channel
		}
	case "multi_conversations_select":
		out["selected_conversations"] = []string{}
	case "multi_channels_select":
		out["selected_channels"] = []string{}
	default:
		return nil, fmt.Errorf("element type %q cannot take a value in the sandbox", typ)
	}
	return out, nil
}

// initialValue returns the value an element starts with.
func initialValue(el map[string]any) Value {
	var v Value
	v.Text, _ = el["initial_value"].(string)
	if o, ok := el["initial_option"].(map[string]any); ok {
		v.Option, _ = o["value"].(string)
	}
	if list, ok := el["initial_options"].([]any); ok {
		for _, o := range list {
			if om, ok := o.(map[string]any); ok {
				s, _ := om["value"].(string)
				v.Options = append(v.Options, s)
			}
		}
	}
	v.Date, _ = el["initial_date"].(string)
	v.Time, _ = el["initial_time"].(string)
	v.User, _ = el["initial_user"].(string)
	if list, ok := el["initial_users"].([]any); ok {
		for _, u := range list {
			if s, ok := u.(string); ok {
				v.Users = append(v.Users, s)
			}
		}
	}
	if c, ok := el["initial_conversation"].(string); ok {
		v.Channel = c
	}
	if c, ok := el["initial_channel"].(string); ok {
		v.Channel = c
	}
	return v
}

// isEmpty reports whether a state entry holds no value.
func isEmptyState(st map[string]any) bool {
	for k, v := range st {
		if k == "type" {
			continue
		}
		switch x := v.(type) {
		case nil:
		case []any:
			if len(x) > 0 {
				return false
			}
		case []string:
			if len(x) > 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// clientCheck reproduces the checks Slack's client makes before it sends a
// view_submission: required inputs, text lengths, numbers. It returns the
// message shown under the block, or "".
func clientCheck(block, el map[string]any, st map[string]any) string {
	optional, _ := block["optional"].(bool)
	if isEmptyState(st) {
		if optional {
			return ""
		}
		return "Please complete this required field."
	}
	text, _ := st["value"].(string)
	switch el["type"] {
	case "plain_text_input":
		n := int64(utf8.RuneCountInString(text))
		if min, ok := intField(el, "min_length"); ok && n < min {
			return fmt.Sprintf("Please enter at least %d characters.", min)
		}
		if max, ok := intField(el, "max_length"); ok && n > max {
			return fmt.Sprintf("Please enter no more than %d characters.", max)
		}
	case "number_input":
		decimal, _ := el["is_decimal_allowed"].(bool)
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || (!decimal && strings.ContainsAny(text, ".eE")) {
			if decimal {
				return "Please enter a number."
			}
			return "Please enter a whole number."
		}
		if min, ok := numberField(el, "min_value"); ok && f < min {
			return fmt.Sprintf("Please enter a number no less than %s.", el["min_value"])
		}
		if max, ok := numberField(el, "max_value"); ok && f > max {
			return fmt.Sprintf("Please enter a number no more than %s.", el["max_value"])
		}
	case "email_text_input":
		if !strings.Contains(text, "@") {
			return "Please enter a valid email address."
		}
	case "url_text_input":
		if !strings.HasPrefix(text, "http://") && !strings.HasPrefix(text, "https://") {
			return "Please enter a valid URL."
		}
	}
	return ""
}

func numberField(el map[string]any, k string) (float64, bool) {
	s, ok := el[k].(string)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// statefulTypes are the elements whose value Slack keeps in state.values.
var statefulTypes = append([]string{
	"plain_text_input", "number_input", "email_text_input", "url_text_input",
	"radio_buttons", "checkboxes", "datepicker", "timepicker",
}, selectTypes...)

func isStateful(el map[string]any) bool {
	t, _ := el["type"].(string)
	return slices.Contains(statefulTypes, t)
}
