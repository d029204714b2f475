package blocks

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// Defaults of a new payment plan.
const (
	defaultInstalments  = 3
	defaultFirstDueDays = 7
)

// DefaultPlan is the proposal the Payment plan modal opens with: the whole
// overdue balance of the largest overdue currency (compared in major
// units), in 3 monthly instalments, the first due a week from today, no
// down payment.
func DefaultPlan(v collections.CaseView, today time.Time) collections.PlanProposal {
	m := largestOverdue(v.Overdue())
	return collections.PlanProposal{
		Currency:    m.Currency,
		Total:       m.Minor,
		Instalments: defaultInstalments,
		Frequency:   collections.Monthly,
		FirstDueOn:  calendarDay(today).AddDate(0, 0, defaultFirstDueDays),
	}
}

// largestOverdue picks the largest amount in major units; ties go to the
// first listed. The zero Money when there is none.
func largestOverdue(ms []collections.Money) collections.Money {
	var best collections.Money
	for _, m := range ms {
		if best.Currency == "" || compareMajor(m, best) > 0 {
			best = m
		}
	}
	return best
}

// compareMajor compares two amounts by their face value in major units
// (JPY 1000 < USD 20.00), without converting currencies.
func compareMajor(a, b collections.Money) int {
	da, _ := collections.CurrencyDigits(a.Currency)
	db, _ := collections.CurrencyDigits(b.Currency)
	x, y := a.Minor, b.Minor
	for ; da < db; da++ {
		x *= 10
	}
	for ; db < da; db++ {
		y *= 10
	}
	switch {
	case x > y:
		return 1
	case x < y:
		return -1
	}
	return 0
}

// overdueIn returns the case's overdue amount in a currency.
func overdueIn(v collections.CaseView, currency string) (int64, bool) {
	for _, m := range v.Overdue() {
		if m.Currency == currency {
			return m.Minor, true
		}
	}
	return 0, false
}

// PlanModal renders the Payment plan modal for a case with proposal p
// filled in: the currency (a select, only when several currencies are
// overdue), the number of instalments, the frequency, the first due date,
// an optional down payment, and the schedule p gives as of today.
//
// Every input's block has dispatch_action and every input element has the
// action ID ActionPlanPreview, so any change sends a block_actions with
// action_id ActionPlanPreview (block_id says which input changed; the
// down payment dispatches when Enter is pressed). The bot answers by
// reading the view's state with ParsePlan and redrawing the modal with
// PlanModal (views.update).
//
// problems are ParsePlan's, for a redraw: they are shown under the
// schedule, each naming its field, since Slack shows inline errors only
// on submission.
func PlanModal(v collections.CaseView, p collections.PlanProposal, today time.Time, problems map[string]string) slack.ModalViewRequest {
	today = calendarDay(today)
	blocks := []slack.Block{section(modalIntro(v))}

	if overdue := v.Overdue(); len(overdue) > 1 {
		opts := make([]*slack.OptionBlockObject, 0, len(overdue))
		for _, m := range overdue {
			opts = append(opts, option(m.Currency, m.String()+" overdue"))
		}
		if len(opts) > 100 {
			opts = opts[:100]
		}
		cur := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Currency"), ActionPlanPreview, opts...)
		cur.InitialOption = findOption(opts, p.Currency)
		blocks = append(blocks, dispatching(input(BlockPlanCurrency, "Currency", "A plan covers the overdue balance of one currency.", false, cur)))
	}

	counts := make([]*slack.OptionBlockObject, 0, collections.MaxInstalments-collections.MinInstalments+1)
	for n := collections.MinInstalments; n <= collections.MaxInstalments; n++ {
		counts = append(counts, option(strconv.Itoa(n), plural(n, "instalment", "instalments")))
	}
	count := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Instalments"), ActionPlanPreview, counts...)
	count.InitialOption = findOption(counts, strconv.Itoa(p.Instalments))
	blocks = append(blocks, dispatching(input(BlockPlanInstalments, "Number of instalments", "", false, count)))

	freqs := make([]*slack.OptionBlockObject, 0, len(collections.PlanFrequencies))
	for _, f := range collections.PlanFrequencies {
		freqs = append(freqs, option(string(f), capitalize(f.Label())))
	}
	freq := slack.NewRadioButtonsBlockElement(ActionPlanPreview, freqs...)
	freq.InitialOption = findOption(freqs, string(p.Frequency))
	blocks = append(blocks, dispatching(input(BlockPlanFrequency, "Frequency", "", false, freq)))

	first := slack.NewDatePickerBlockElement(ActionPlanPreview)
	first.Placeholder = plain("Pick a date")
	if !p.FirstDueOn.IsZero() {
		first.InitialDate = date(p.FirstDueOn)
	}
	blocks = append(blocks, dispatching(input(BlockPlanFirstDue, "First instalment due", "", false, first)))

	cur := p.Currency
	down := slack.NewPlainTextInputBlockElement(plain(amountExample(cur, 0)), ActionPlanPreview)
	down.DispatchActionConfig = &slack.DispatchActionConfig{TriggerActionsOn: []string{"on_enter_pressed"}}
	down.MaxLength = 30
	if p.DownPayment > 0 {
		down.InitialValue = collections.FormatAmount(p.DownPayment, cur)
	}
	label := "Down payment"
	if cur != "" {
		label += " (" + cur + ")"
	}
	blocks = append(blocks, dispatching(input(BlockPlanDownPayment, label,
		"Optional, due today. Press Enter to update the schedule.", true, down)))

	blocks = append(blocks, sectionID(BlockPlanSchedule, scheduleText(p, today, problems)))
	blocks = append(blocks, contextBlock("The plan is proposed until the customer agrees: then use *Customer agreed* on the alert."))
	m := modal(CallbackPlan, "Payment plan", "Propose plan", v, blocks...)
	m.PrivateMetadata += scheduleMark + scheduleDigest(p, today)
	return m
}

// PlanShowsProposal reports whether a submitted payment plan modal, by
// its private_metadata, showed the schedule of p, the plan its fields
// propose. It may not: a down payment typed without Enter, or two fields
// changed at once, whose redraws crossed in Slack (the later one refused
// for the view's hash).
func PlanShowsProposal(privateMetadata string, p collections.PlanProposal, today time.Time) bool {
	_, shown, ok := strings.Cut(privateMetadata, scheduleMark)
	return !ok || shown == scheduleDigest(p, today)
}

// scheduleMark parts a plan modal's case ref from the digest of the
// schedule it shows, in its private_metadata.
const scheduleMark = "|schedule:"

// scheduleDigest is a digest of what the schedule of p shows.
func scheduleDigest(p collections.PlanProposal, today time.Time) string {
	h := fnv.New64a()
	h.Write([]byte(scheduleText(p, today, nil)))
	return strconv.FormatUint(h.Sum64(), 36)
}

// ModalCaseRef reads the case ref of a modal's private_metadata, less
// what a modal adds after a "|" (the digest of the plan's schedule, or
// of a reminder's prefilled draft).
func ModalCaseRef(privateMetadata string) (CaseRef, error) {
	ref, _, _ := strings.Cut(privateMetadata, "|")
	return ParseCaseRef(ref)
}

// PlanModalToCheck is the payment plan modal drawn again for p, saying
// that the schedule shown before was not the plan its fields propose.
func PlanModalToCheck(v collections.CaseView, p collections.PlanProposal, today time.Time) slack.ModalViewRequest {
	m := PlanModal(v, p, today, nil)
	for _, b := range m.Blocks.BlockSet {
		if s, ok := b.(*slack.SectionBlock); ok && s.BlockID == BlockPlanSchedule {
			s.Text.Text = ":warning: *Check the schedule*: it had not caught up with your last change. This is the plan you would propose; submit again to propose it.\n" + s.Text.Text
		}
	}
	return m
}

// dispatching makes an input block send block_actions when it changes.
func dispatching(b *slack.InputBlock) *slack.InputBlock {
	b.DispatchAction = true
	return b
}

// amountExample is a sample amount in a currency's precision: "250.00",
// JPY "250"; "0.00" style when major is 0.
func amountExample(currency string, major int64) string {
	digits, err := collections.CurrencyDigits(currency)
	if err != nil {
		digits = 2
	}
	unit := int64(1)
	for range digits {
		unit *= 10
	}
	code := currency
	if code == "" {
		code = "USD"
	}
	return collections.FormatAmount(major*unit, code)
}

// scheduleText is the schedule preview of a proposal, with what still
// keeps it from being proposed, each problem named by its field.
func scheduleText(p collections.PlanProposal, today time.Time, problems map[string]string) string {
	var lines []string
	all := map[string]string{}
	for k, msg := range p.Validate(today) {
		all[planBlocks[k]] = msg
	}
	for block, msg := range problems {
		all[block] = msg // a field that could not be read wins
	}
	schedule := p.Schedule(today)
	_, badDown := problems[BlockPlanDownPayment]
	switch {
	case badDown:
		lines = append(lines, "*Schedule*", "The schedule appears here once the down payment is an amount.")
	case len(schedule) == 0 || p.Instalments < collections.MinInstalments || p.Instalments > collections.MaxInstalments:
		lines = append(lines, "*Schedule*", "The schedule appears here once the plan is complete.")
	default:
		lines = append(lines, "*Schedule*: "+planTerms(p))
		lines = append(lines, scheduleLines(schedule, p.Currency, -1, today)...)
		lines = append(lines, "*Total "+collections.Money{Minor: p.Total, Currency: p.Currency}.String()+"*")
	}
	for _, block := range planBlockOrder {
		if msg, ok := all[block]; ok {
			lines = append(lines, ":warning: *"+planFieldLabel[block]+"*: "+Escape(msg))
		}
	}
	return strings.Join(lines, "\n")
}

// planBlockOrder is the order of the plan modal's inputs.
var planBlockOrder = []string{BlockPlanCurrency, BlockPlanInstalments, BlockPlanFrequency, BlockPlanFirstDue, BlockPlanDownPayment}

// planFieldLabel names each input of the plan modal in a problem.
var planFieldLabel = map[string]string{
	BlockPlanCurrency:    "Currency",
	BlockPlanInstalments: "Number of instalments",
	BlockPlanFrequency:   "Frequency",
	BlockPlanFirstDue:    "First instalment due",
	BlockPlanDownPayment: "Down payment",
}

// planBlocks maps PlanProposal.Validate's field keys to the modal's block IDs.
var planBlocks = map[string]string{
	"instalments":  BlockPlanInstalments,
	"frequency":    BlockPlanFrequency,
	"first_due":    BlockPlanFirstDue,
	"down_payment": BlockPlanDownPayment,
}

// ParsePlan reads the Payment plan modal's state into a proposal for the
// case: the currency chosen (or the only one overdue), its whole overdue
// balance as the total, and the inputs. Problems (parse errors, then
// PlanProposal.Validate's) are keyed by block ID for a response_action
// "errors"; nil when there are none. The proposal is returned even with
// problems, so that a preview can redraw what was entered.
func ParsePlan(state *slack.ViewState, v collections.CaseView, today time.Time) (collections.PlanProposal, map[string]string) {
	today = calendarDay(today)
	errs := map[string]string{}
	def := DefaultPlan(v, today)
	p := collections.PlanProposal{Currency: def.Currency}

	// Drawn for one currency when more are overdue now: refused, below.
	changed := len(v.Overdue()) > 1 && state != nil && !hasInput(state, BlockPlanCurrency)
	if len(v.Overdue()) > 1 {
		if c := selected(state, BlockPlanCurrency, ActionPlanPreview); c != "" {
			if _, ok := overdueIn(v, c); ok {
				p.Currency = c
			} else {
				errs[BlockPlanCurrency] = "Choose one of the overdue currencies."
			}
		}
	}
	p.Total, _ = overdueIn(v, p.Currency)

	if s := selected(state, BlockPlanInstalments, ActionPlanPreview); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			errs[BlockPlanInstalments] = "Choose between 2 and 24 instalments."
		}
		p.Instalments = n
	}
	p.Frequency = collections.PlanFrequency(selected(state, BlockPlanFrequency, ActionPlanPreview))
	p.FirstDueOn, _ = pickedDate(state, BlockPlanFirstDue, ActionPlanPreview)

	if s := typed(state, BlockPlanDownPayment, ActionPlanPreview); s != "" && p.Currency != "" {
		minor, err := collections.ParseAmount(s, p.Currency)
		if err != nil {
			errs[BlockPlanDownPayment] = downPaymentProblem(s, p.Currency)
		}
		p.DownPayment = minor
	}

	for k, msg := range p.Validate(today) {
		block, ok := planBlocks[k]
		if !ok {
			block = BlockPlanInstalments
		}
		if _, taken := errs[block]; !taken {
			errs[block] = msg
		}
	}
	if changed {
		errs[BlockPlanInstalments] = overdueChanged
	}
	if len(errs) == 0 {
		return p, nil
	}
	return p, errs
}

// downPaymentProblem explains why a down payment is not an amount in the
// currency.
func downPaymentProblem(s, currency string) string {
	digits, _ := collections.CurrencyDigits(currency)
	if d, err := collections.ParseDecimal(s); err == nil && d.Scale > digits {
		if digits == 0 {
			return fmt.Sprintf("%s amounts have no decimals: enter an amount like %s.", currency, amountExample(currency, 250))
		}
		return fmt.Sprintf("%s amounts have at most %d decimals: enter an amount like %s.", currency, digits, amountExample(currency, 250))
	}
	return fmt.Sprintf("Enter the down payment as an amount in %s, like %s.", currency, amountExample(currency, 250))
}
