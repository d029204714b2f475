package blocks

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// entry is what a member enters in one input: text typed, an option's
// value picked, or a date picked. clear empties the input.
type entry struct {
	text, option, date string
	clear              bool
}

// viewState builds the state.values Slack sends with a view_submission or
// block_actions for a modal: every input block's element with its initial
// value, unless the member entered something else (entries, by block ID).
// It is built as JSON and decoded into slack.ViewState, like a payload.
func viewState(t *testing.T, v slack.ModalViewRequest, entries map[string]entry) *slack.ViewState {
	t.Helper()
	values := map[string]map[string]any{}
	for _, b := range toAny(t, v).(map[string]any)["blocks"].([]any) {
		bm := b.(map[string]any)
		if bm["type"] != "input" {
			continue
		}
		blockID := bm["block_id"].(string)
		el := bm["element"].(map[string]any)
		typ := el["type"].(string)
		e, given := entries[blockID]
		if !given {
			e.text, _ = el["initial_value"].(string)
			if o, ok := el["initial_option"].(map[string]any); ok {
				e.option = o["value"].(string)
			}
			e.date, _ = el["initial_date"].(string)
		}
		st := map[string]any{"type": typ}
		switch typ {
		case "plain_text_input", "number_input":
			st["value"] = nil
			if e.text != "" && !e.clear {
				st["value"] = e.text
			}
		case "static_select", "radio_buttons":
			st["selected_option"] = nil
			if e.option != "" && !e.clear {
				var found any
				for _, o := range el["options"].([]any) {
					if o.(map[string]any)["value"] == e.option {
						found = o
					}
				}
				if found == nil { // a value the modal never offered
					found = map[string]any{"text": map[string]any{"type": "plain_text", "text": e.option}, "value": e.option}
				}
				st["selected_option"] = found
			}
		case "datepicker":
			st["selected_date"] = nil
			if e.date != "" && !e.clear {
				st["selected_date"] = e.date
			}
		default:
			t.Fatalf("viewState: element type %q", typ)
		}
		values[blockID] = map[string]any{el["action_id"].(string): st}
	}
	raw, err := json.Marshal(map[string]any{"values": values})
	if err != nil {
		t.Fatal(err)
	}
	var state slack.ViewState
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatalf("decode state: %v", err)
	}
	return &state
}

// inputs returns a modal's input blocks by block ID.
func inputs(v slack.ModalViewRequest) map[string]*slack.InputBlock {
	out := map[string]*slack.InputBlock{}
	for _, b := range v.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok {
			out[in.BlockID] = in
		}
	}
	return out
}

func TestModals_Golden(t *testing.T) {
	single := openCase()
	single.Outstanding = single.Outstanding[1:] // USD only
	withDown := planProposal()
	withDown.Total = 175500
	tests := []struct {
		name string
		view slack.ModalViewRequest
	}{
		{"snooze_modal", SnoozeModal(openCase())},
		{"snooze_modal_snoozed", SnoozeModal(snoozedCase())},
		{"plan_modal", PlanModal(openCase(), DefaultPlan(openCase(), asOf), asOf, nil)},
		{"plan_modal_one_currency_down_payment", PlanModal(single, withDown, asOf, nil)},
		{"escalate_modal", EscalateModal(openCase())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkModal(t, tt.name, tt.view)
			golden(t, tt.name, tt.view)
			if ref, err := ModalCaseRef(tt.view.PrivateMetadata); err != nil || ref.CaseID != 42 || ref.Version < 3 || ref.Version > 4 {
				t.Errorf("private_metadata = %q", tt.view.PrivateMetadata)
			}
		})
	}
}

func TestSnoozeModal_CallbackAndInputs(t *testing.T) {
	m := SnoozeModal(openCase())
	if m.CallbackID != CallbackSnooze {
		t.Errorf("callback_id = %q", m.CallbackID)
	}
	in := inputs(m)
	for id, optional := range map[string]bool{BlockSnoozeFor: false, BlockSnoozeUntil: true, BlockSnoozeReason: true} {
		if in[id] == nil {
			t.Fatalf("no input %q", id)
		}
		if in[id].Optional != optional {
			t.Errorf("%s optional = %v", id, in[id].Optional)
		}
	}
	sel := in[BlockSnoozeFor].Element.(*slack.SelectBlockElement)
	var values []string
	for _, o := range sel.Options {
		values = append(values, o.Value)
	}
	if strings.Join(values, ",") != "1,3,7,14,date" {
		t.Errorf("options = %q", values)
	}
}

func TestParseSnooze(t *testing.T) {
	today := day(2026, 6, 30)
	modal := SnoozeModal(openCase())
	tests := []struct {
		name       string
		entries    map[string]entry
		wantUntil  time.Time
		wantReason string
		wantErrs   map[string]string
	}{
		{"DefaultIsSevenDays", nil, day(2026, 7, 7), "", nil},
		{"OneDay", map[string]entry{BlockSnoozeFor: {option: "1"}}, day(2026, 7, 1), "", nil},
		{"FourteenDaysWithReason", map[string]entry{BlockSnoozeFor: {option: "14"}, BlockSnoozeReason: {text: "  waiting for PO \n"}},
			day(2026, 7, 14), "waiting for PO", nil},
		{"UntilADate", map[string]entry{BlockSnoozeFor: {option: "date"}, BlockSnoozeUntil: {date: "2026-12-01"}}, day(2026, 12, 1), "", nil},
		{"APickedDateWinsOverTheLength", map[string]entry{BlockSnoozeFor: {option: "3"}, BlockSnoozeUntil: {date: "2026-12-01"}},
			day(2026, 12, 1), "", nil},
		{"OnlyADate", map[string]entry{BlockSnoozeFor: {clear: true}, BlockSnoozeUntil: {date: "2026-08-01"}}, day(2026, 8, 1), "", nil},
		{"DateChoiceWithoutDate", map[string]entry{BlockSnoozeFor: {option: "date"}}, time.Time{}, "",
			map[string]string{BlockSnoozeUntil: "Pick the date to snooze until."}},
		{"DateToday", map[string]entry{BlockSnoozeFor: {option: "date"}, BlockSnoozeUntil: {date: "2026-06-30"}}, time.Time{}, "",
			map[string]string{BlockSnoozeUntil: "Pick a date after today."}},
		{"DateInThePast", map[string]entry{BlockSnoozeFor: {option: "date"}, BlockSnoozeUntil: {date: "2026-01-01"}}, time.Time{}, "",
			map[string]string{BlockSnoozeUntil: "Pick a date after today."}},
		{"AYearAhead", map[string]entry{BlockSnoozeFor: {option: "date"}, BlockSnoozeUntil: {date: "2027-07-01"}}, day(2027, 7, 1), "", nil},
		{"MoreThanAYearAhead", map[string]entry{BlockSnoozeFor: {option: "date"}, BlockSnoozeUntil: {date: "2062-07-01"}}, time.Time{}, "",
			map[string]string{BlockSnoozeUntil: "Pick a date within a year, by 2027-07-01."}},
		{"NothingChosen", map[string]entry{BlockSnoozeFor: {clear: true}}, time.Time{}, "",
			map[string]string{BlockSnoozeFor: "Choose how long to snooze."}},
		{"LengthNotOffered", map[string]entry{BlockSnoozeFor: {option: "5"}}, time.Time{}, "",
			map[string]string{BlockSnoozeFor: "Choose one of the lengths offered."}},
		{"ReasonTooLong", map[string]entry{BlockSnoozeReason: {text: strings.Repeat("x", 501)}}, time.Time{}, strings.Repeat("x", 501),
			map[string]string{BlockSnoozeReason: "Keep the reason under 500 characters."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			until, reason, errs := ParseSnooze(viewState(t, modal, tt.entries), today.Add(15*time.Hour))
			if !until.Equal(tt.wantUntil) || reason != tt.wantReason {
				t.Errorf("ParseSnooze = %s, %q; want %s, %q", until, reason, tt.wantUntil, tt.wantReason)
			}
			if !sameErrs(errs, tt.wantErrs) {
				t.Errorf("errs = %q, want %q", errs, tt.wantErrs)
			}
			for id := range errs {
				if inputs(modal)[id] == nil {
					t.Errorf("error keyed by %q, which is not an input block", id)
				}
			}
		})
	}
}

func TestSnoozeModal_OfASnoozedCaseSaysUntilWhenAndKeepsTheReason(t *testing.T) {
	v := snoozedCase()
	m := SnoozeModal(v)
	// The date picker starts empty: a date in it always wins over the
	// length, so a prefilled one would silently override a new length.
	if until := inputs(m)[BlockSnoozeUntil].Element.(*slack.DatePickerBlockElement); until.InitialDate != "" {
		t.Errorf("the date picker starts at %q", until.InitialDate)
	}
	raw, _ := json.Marshal(m)
	if !strings.Contains(string(raw), "Snoozed until 2026-12-01") {
		t.Errorf("the modal does not say until when the case is snoozed")
	}
	until, reason, errs := ParseSnooze(viewState(t, m, map[string]entry{BlockSnoozeFor: {option: "3"}}), asOf)
	if errs != nil || !until.Equal(asOf.AddDate(0, 0, 3)) || reason != "waiting for PO" {
		t.Errorf("ParseSnooze of a new length = %s, %q, %q", until, reason, errs)
	}
}

func sameErrs(got, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func TestPlanModal_InputsDispatchPreview(t *testing.T) {
	m := PlanModal(openCase(), DefaultPlan(openCase(), asOf), asOf, nil)
	if ref, err := ModalCaseRef(m.PrivateMetadata); m.CallbackID != CallbackPlan || err != nil || ref != (CaseRef{CaseID: 42, Version: 3}) {
		t.Errorf("callback_id %q, private_metadata %q", m.CallbackID, m.PrivateMetadata)
	}
	// The metadata names the schedule shown: that of the plan, and no other.
	if p := DefaultPlan(openCase(), asOf); !PlanShowsProposal(m.PrivateMetadata, p, asOf) {
		t.Errorf("the modal does not show its own plan")
	} else if p.Instalments++; PlanShowsProposal(m.PrivateMetadata, p, asOf) {
		t.Errorf("the modal shows a plan of one more instalment")
	}
	in := inputs(m)
	for _, id := range []string{BlockPlanCurrency, BlockPlanInstalments, BlockPlanFrequency, BlockPlanFirstDue, BlockPlanDownPayment} {
		b := in[id]
		if b == nil {
			t.Fatalf("no input %q", id)
		}
		if !b.DispatchAction {
			t.Errorf("%s: no dispatch_action", id)
		}
		if got := toAny(t, b.Element).(map[string]any)["action_id"]; got != ActionPlanPreview {
			t.Errorf("%s: action_id %v, want %q", id, got, ActionPlanPreview)
		}
	}
	if !in[BlockPlanDownPayment].Optional {
		t.Errorf("down payment is required")
	}
	var schedule string
	for _, b := range m.Blocks.BlockSet {
		if s, ok := b.(*slack.SectionBlock); ok && s.BlockID == BlockPlanSchedule {
			schedule = s.Text.Text
		}
	}
	want := "*Schedule*: USD 1,755.00 in 3 instalments (monthly)\n• 2026-07-07 · USD 585.00\n• 2026-08-07 · USD 585.00\n• 2026-09-07 · USD 585.00\n*Total USD 1,755.00*"
	if schedule != want {
		t.Errorf("schedule =\n%s\nwant\n%s", schedule, want)
	}
}

func TestPlanModal_OneCurrencyHasNoCurrencySelect(t *testing.T) {
	v := openCase()
	v.Outstanding = v.Outstanding[1:]
	if in := inputs(PlanModal(v, DefaultPlan(v, asOf), asOf, nil)); in[BlockPlanCurrency] != nil {
		t.Errorf("currency select shown for one currency")
	}
}

func TestPlanModal_ShowsProblemsInThePreview(t *testing.T) {
	p := planProposal()
	p.FirstDueOn = day(2026, 1, 1)
	m := PlanModal(openCase(), p, asOf, nil)
	raw, _ := json.Marshal(m)
	if !strings.Contains(string(raw), ":warning: *First instalment due*: The first instalment cannot fall due in the past.") {
		t.Errorf("preview does not warn about the past due date")
	}
}

func TestDefaultPlan(t *testing.T) {
	p := DefaultPlan(openCase(), asOf.Add(20*time.Hour))
	want := collections.PlanProposal{Currency: "USD", Total: 175500, Instalments: 3, Frequency: collections.Monthly, FirstDueOn: day(2026, 7, 7)}
	if p != want {
		t.Errorf("DefaultPlan = %+v, want %+v", p, want)
	}
	tests := []struct {
		ms   []collections.Money
		want string
	}{
		{[]collections.Money{{Minor: 200000, Currency: "USD"}, {Minor: 1500, Currency: "JPY"}}, "USD"}, // USD 2,000.00 > JPY 1,500
		{[]collections.Money{{Minor: 2000, Currency: "USD"}, {Minor: 1500, Currency: "JPY"}}, "JPY"},   // JPY 1,500 > USD 20.00
		{[]collections.Money{{Minor: 1000, Currency: "EUR"}, {Minor: 1000, Currency: "USD"}}, "EUR"},   // a tie: the first
		{[]collections.Money{{Minor: 1250, Currency: "BHD"}, {Minor: 100, Currency: "USD"}}, "BHD"},    // BHD 1.250 > USD 1.00
		{nil, ""},
	}
	for _, tt := range tests {
		if got := largestOverdue(tt.ms).Currency; got != tt.want {
			t.Errorf("largestOverdue(%v) = %q, want %q", tt.ms, got, tt.want)
		}
	}
}

func TestParsePlan_RoundTrip(t *testing.T) {
	single := openCase()
	single.Outstanding = single.Outstanding[1:]
	tests := []struct {
		name string
		view collections.CaseView
		p    collections.PlanProposal
	}{
		{"Default", openCase(), DefaultPlan(openCase(), asOf)},
		{"OneCurrencyWithDownPayment", single, collections.PlanProposal{Currency: "USD", Total: 175500, Instalments: 12,
			Frequency: collections.Biweekly, FirstDueOn: day(2026, 7, 31), DownPayment: 25050}},
		{"Euro", openCase(), collections.PlanProposal{Currency: "EUR", Total: 41100, Instalments: 24,
			Frequency: collections.Weekly, FirstDueOn: asOf}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := PlanModal(tt.view, tt.p, asOf, nil)
			checkModal(t, "PlanModal", m)
			got, errs := ParsePlan(viewState(t, m, nil), tt.view, asOf)
			if errs != nil {
				t.Fatalf("errs = %q", errs)
			}
			if got != tt.p {
				t.Errorf("ParsePlan = %+v\nwant %+v", got, tt.p)
			}
		})
	}
}

func TestParsePlan(t *testing.T) {
	v := openCase()
	modal := PlanModal(v, DefaultPlan(v, asOf), asOf, nil)
	jpy := openCase()
	jpy.Outstanding = []collections.Aging{{Currency: "JPY", Buckets: [5]int64{0, 0, 500000, 0, 0}}}
	nothing := openCase()
	nothing.Outstanding = nil
	tests := []struct {
		name     string
		view     collections.CaseView
		entries  map[string]entry
		check    func(t *testing.T, p collections.PlanProposal)
		wantErrs map[string]string
	}{
		{"SwitchingCurrencyTakesItsOverdue", v, map[string]entry{BlockPlanCurrency: {option: "EUR"}}, func(t *testing.T, p collections.PlanProposal) {
			if p.Currency != "EUR" || p.Total != 41100 {
				t.Errorf("currency %s total %d, want EUR 41100", p.Currency, p.Total)
			}
		}, nil},
		{"DownPaymentWithThousands", v, map[string]entry{BlockPlanDownPayment: {text: "1,000.5"}}, func(t *testing.T, p collections.PlanProposal) {
			if p.DownPayment != 100050 {
				t.Errorf("down payment %d, want 100050", p.DownPayment)
			}
		}, nil},
		{"TooManyDecimals", v, map[string]entry{BlockPlanDownPayment: {text: "12.345"}}, nil,
			map[string]string{BlockPlanDownPayment: "USD amounts have at most 2 decimals: enter an amount like 250.00."}},
		{"YenHaveNoDecimals", jpy, map[string]entry{BlockPlanDownPayment: {text: "12.5"}}, nil,
			map[string]string{BlockPlanDownPayment: "JPY amounts have no decimals: enter an amount like 250."}},
		{"NotAnAmount", v, map[string]entry{BlockPlanDownPayment: {text: "-5"}}, nil,
			map[string]string{BlockPlanDownPayment: "Enter the down payment as an amount in USD, like 250.00."}},
		{"DownPaymentCoversEverything", v, map[string]entry{BlockPlanDownPayment: {text: "1755"}}, nil,
			map[string]string{BlockPlanDownPayment: "The down payment must be less than the USD 1,755.00 owed."}},
		{"FirstDueInThePast", v, map[string]entry{BlockPlanFirstDue: {date: "2026-06-29"}}, nil,
			map[string]string{BlockPlanFirstDue: "The first instalment cannot fall due in the past."}},
		{"NoFirstDue", v, map[string]entry{BlockPlanFirstDue: {clear: true}}, nil,
			map[string]string{BlockPlanFirstDue: "Choose the first due date."}},
		{"NoInstalments", v, map[string]entry{BlockPlanInstalments: {clear: true}}, nil,
			map[string]string{BlockPlanInstalments: "Choose between 2 and 24 instalments."}},
		{"TooManyInstalments", v, map[string]entry{BlockPlanInstalments: {option: "25"}}, nil,
			map[string]string{BlockPlanInstalments: "Choose between 2 and 24 instalments."}},
		{"NoFrequency", v, map[string]entry{BlockPlanFrequency: {clear: true}}, nil,
			map[string]string{BlockPlanFrequency: "Choose how often instalments fall due."}},
		{"CurrencyNotOverdue", v, map[string]entry{BlockPlanCurrency: {option: "GBP"}}, nil,
			map[string]string{BlockPlanCurrency: "Choose one of the overdue currencies."}},
		{"NothingOverdue", nothing, nil, nil,
			map[string]string{BlockPlanInstalments: "There is nothing overdue to put on a plan."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := modal
			if tt.view.Outstanding == nil || tt.view.Outstanding[0].Currency == "JPY" {
				m = PlanModal(tt.view, DefaultPlan(tt.view, asOf), asOf, nil)
				checkModal(t, "PlanModal", m)
			}
			p, errs := ParsePlan(viewState(t, m, tt.entries), tt.view, asOf)
			if !sameErrs(errs, tt.wantErrs) {
				t.Errorf("errs = %q, want %q", errs, tt.wantErrs)
			}
			for id := range errs {
				if inputs(m)[id] == nil {
					t.Errorf("error keyed by %q, which is not an input block of the modal", id)
				}
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func TestPlanModal_RedrawKeepsWhatWasEntered(t *testing.T) {
	// A block_actions from the instalments select: the bot parses the state
	// and redraws; the new schedule follows the change.
	v := openCase()
	first := PlanModal(v, DefaultPlan(v, asOf), asOf, nil)
	p, _ := ParsePlan(viewState(t, first, map[string]entry{BlockPlanInstalments: {option: "4"}, BlockPlanFrequency: {option: "weekly"}}), v, asOf)
	redrawn := PlanModal(v, p, asOf, nil)
	raw, _ := json.Marshal(redrawn)
	if !strings.Contains(string(raw), "USD 1,755.00 in 4 instalments (weekly)") || !strings.Contains(string(raw), "2026-07-28 · USD 438.75") {
		t.Errorf("redrawn schedule does not follow the change:\n%s", raw)
	}
	again, errs := ParsePlan(viewState(t, redrawn, nil), v, asOf)
	if errs != nil || again != p {
		t.Errorf("redrawn modal parses to %+v, %q; want %+v", again, errs, p)
	}
}

func TestEscalateModal(t *testing.T) {
	m := EscalateModal(openCase())
	if m.CallbackID != CallbackEscalate {
		t.Errorf("callback_id = %q", m.CallbackID)
	}
	radio := inputs(m)[BlockEscalateTarget].Element.(*slack.RadioButtonsBlockElement)
	var got []string
	for _, o := range radio.Options {
		got = append(got, o.Value+"="+o.Text.Text)
	}
	if strings.Join(got, ",") != "final_notice=Final notice,collections_agency=Collections agency,legal=Legal,internal_manager=Internal manager" {
		t.Errorf("targets = %q", got)
	}
	if inputs(m)[BlockEscalateReason].Optional {
		t.Errorf("reason is optional")
	}
}

func TestParseEscalate(t *testing.T) {
	modal := EscalateModal(openCase())
	tests := []struct {
		name       string
		entries    map[string]entry
		wantTarget collections.EscalationTarget
		wantReason string
		wantErrs   map[string]string
	}{
		{"Valid", map[string]entry{BlockEscalateTarget: {option: "collections_agency"}, BlockEscalateReason: {text: " No answer in 90 days. "}},
			collections.TargetAgency, "No answer in 90 days.", nil},
		{"BlankReason", map[string]entry{BlockEscalateTarget: {option: "legal"}, BlockEscalateReason: {text: "  \n "}},
			collections.TargetLegal, "", map[string]string{BlockEscalateReason: "Say why this should be escalated."}},
		{"NothingEntered", nil, "", "", map[string]string{
			BlockEscalateTarget: "Choose where to escalate this.", BlockEscalateReason: "Say why this should be escalated."}},
		{"UnknownTarget", map[string]entry{BlockEscalateTarget: {option: "police"}, BlockEscalateReason: {text: "x"}},
			"police", "x", map[string]string{BlockEscalateTarget: "Choose where to escalate this."}},
		{"ReasonTooLong", map[string]entry{BlockEscalateTarget: {option: "legal"}, BlockEscalateReason: {text: strings.Repeat("y", 1001)}},
			collections.TargetLegal, strings.Repeat("y", 1001), map[string]string{BlockEscalateReason: "Keep the reason under 1000 characters."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target, reason, errs := ParseEscalate(viewState(t, modal, tt.entries))
			if target != tt.wantTarget || reason != tt.wantReason {
				t.Errorf("ParseEscalate = %q, %q; want %q, %q", target, reason, tt.wantTarget, tt.wantReason)
			}
			if !sameErrs(errs, tt.wantErrs) {
				t.Errorf("errs = %q, want %q", errs, tt.wantErrs)
			}
		})
	}
}

func TestParse_NilStateReportsEverythingMissing(t *testing.T) {
	if _, _, errs := ParseSnooze(nil, asOf); errs[BlockSnoozeFor] == "" {
		t.Errorf("ParseSnooze(nil) errs = %q", errs)
	}
	if _, _, errs := ParseEscalate(nil); len(errs) != 2 {
		t.Errorf("ParseEscalate(nil) errs = %q", errs)
	}
	if _, errs := ParsePlan(nil, openCase(), asOf); errs[BlockPlanInstalments] == "" || errs[BlockPlanFirstDue] == "" {
		t.Errorf("ParsePlan(nil) errs = %q", errs)
	}
}

// TestParse_AFormDrawnForOneCurrencyIsRefusedWhenMoreAreOverdue: a
// Promise to pay or Payment plan form opened when one currency was
// overdue, submitted after a second fell due, records nothing in a
// currency it did not show.
func TestParse_AFormDrawnForOneCurrencyIsRefusedWhenMoreAreOverdue(t *testing.T) {
	v := openCase()
	if len(v.Overdue()) < 2 {
		t.Fatalf("the fixture owes %v; want two currencies", v.Overdue())
	}
	promise := &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
		BlockPromiseAmount: {BlockPromiseAmount: {Value: "50.00"}},
		BlockPromiseDate:   {BlockPromiseDate: {SelectedDate: asOf.AddDate(0, 0, 5).Format(collections.DateLayout)}},
	}}
	if _, errs := ParsePromise(promise, v, asOf); !strings.Contains(errs[BlockPromiseAmount], "has changed since this form was opened") {
		t.Errorf("promise errors %q, want the form refused", errs)
	}
	plan := &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
		BlockPlanInstalments: {ActionPlanPreview: {SelectedOption: slack.OptionBlockObject{Value: "3"}}},
		BlockPlanFrequency:   {ActionPlanPreview: {SelectedOption: slack.OptionBlockObject{Value: "monthly"}}},
		BlockPlanFirstDue:    {ActionPlanPreview: {SelectedDate: asOf.AddDate(0, 0, 7).Format(collections.DateLayout)}},
	}}
	if _, errs := ParsePlan(plan, v, asOf); !strings.Contains(errs[BlockPlanInstalments], "has changed since this form was opened") {
		t.Errorf("plan errors %q, want the form refused", errs)
	}
}
