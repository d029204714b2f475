package blocks

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

// ContactModal renders the Log contact modal: how (call, email, meeting,
// letter, other), the outcome, notes, an optional follow-up date, and the
// promise (amount and date) for the outcome "promised to pay".
func ContactModal(v collections.CaseView, today time.Time) slack.ModalViewRequest {
	channels := make([]*slack.OptionBlockObject, 0, len(collections.ContactChannels))
	for _, c := range collections.ContactChannels {
		channels = append(channels, option(string(c), capitalize(c.Label())))
	}
	how := slack.NewRadioButtonsBlockElement(BlockContactChannel, channels...)
	how.InitialOption = findOption(channels, string(collections.ContactCall))
	outcomes := make([]*slack.OptionBlockObject, 0, len(collections.ContactOutcomes))
	for _, o := range collections.ContactOutcomes {
		outcomes = append(outcomes, option(string(o), capitalize(o.Label())))
	}
	outcome := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("What came of it"), BlockContactOutcome, outcomes...)
	notes := slack.NewPlainTextInputBlockElement(plain("e.g. spoke to Sam in AP; the invoice is with their manager"), BlockContactNotes)
	notes.Multiline = true
	notes.MaxLength = collections.MaxNoteRunes
	follow := slack.NewDatePickerBlockElement(BlockContactFollowUp)
	follow.Placeholder = plain("Pick a date")
	blocks := []slack.Block{
		section(modalIntro(v) + contactLine(v.Customer)),
		input(BlockContactChannel, "How", "", false, how),
		input(BlockContactOutcome, "Outcome", "", false, outcome),
		input(BlockContactNotes, "Notes", "Optional. Kept in the history.", true, notes),
		input(BlockContactFollowUp, "Follow up on", "Optional. The case stays quiet until then, and alerts its owner that day.", true, follow),
	}
	blocks = append(blocks, promiseInputs(v, today, true)...)
	return modal(CallbackContact, "Log contact", "Log contact", v, blocks...)
}

// promiseInputs are the promise's inputs: the currency (when several are
// overdue), the amount (the largest overdue balance to start with) and
// the date. forContact marks them as used with "promised to pay" only.
func promiseInputs(v collections.CaseView, today time.Time, forContact bool) []slack.Block {
	overdue := v.Overdue()
	def := largestOverdue(overdue)
	var blocks []slack.Block
	if len(overdue) > 1 {
		opts := make([]*slack.OptionBlockObject, 0, len(overdue))
		for _, m := range overdue {
			opts = append(opts, option(m.Currency, m.String()+" overdue"))
		}
		cur := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Currency"), BlockPromiseCurrency, opts...)
		cur.InitialOption = findOption(opts, def.Currency)
		blocks = append(blocks, input(BlockPromiseCurrency, "Currency of the promise", "", forContact, cur))
	}
	amount := slack.NewPlainTextInputBlockElement(plain(amountExample(def.Currency, 500)), BlockPromiseAmount)
	amount.MaxLength = 30
	if def.Minor > 0 {
		amount.InitialValue = collections.FormatAmount(def.Minor, def.Currency)
	}
	label, hint := "Amount promised", ""
	if len(overdue) == 1 {
		label += " (" + def.Currency + ")"
	}
	date := slack.NewDatePickerBlockElement(BlockPromiseDate)
	date.Placeholder = plain("Pick a date")
	dateHint := "The case stays quiet until then, and a few days' grace after."
	if forContact {
		hint = "Only with the outcome “Promised to pay”."
		dateHint = hint
	}
	return append(blocks,
		input(BlockPromiseAmount, label, hint, forContact, amount),
		input(BlockPromiseDate, "Promised to pay by", dateHint, forContact, date))
}

// ParseContact reads a submitted Log contact modal: the contact and, for
// the outcome "promised to pay", the promise. Problems are keyed by block
// ID; nil when there are none.
func ParseContact(state *slack.ViewState, v collections.CaseView, today time.Time) (collections.Contact, *collections.PromiseInput, map[string]string) {
	today = calendarDay(today)
	c := collections.Contact{
		Channel: collections.ContactChannel(selected(state, BlockContactChannel, BlockContactChannel)),
		Outcome: collections.ContactOutcome(selected(state, BlockContactOutcome, BlockContactOutcome)),
		Notes:   typed(state, BlockContactNotes, BlockContactNotes),
	}
	if d, ok := pickedDate(state, BlockContactFollowUp, BlockContactFollowUp); ok {
		c.FollowUp = collections.DateOf(d)
	}
	errs := map[string]string{}
	for k, msg := range c.Validate(today) {
		errs[contactBlocks[k]] = msg
	}
	if c.FollowUp != nil && !v.Offers(collections.ActFollowUp) {
		if _, taken := errs[BlockContactFollowUp]; !taken {
			errs[BlockContactFollowUp] = "The case is " + v.Case.Describe() + ", so it cannot wait for a follow-up: leave the date empty."
		}
	}
	var promise *collections.PromiseInput
	if c.Outcome == collections.OutcomePromised && !v.Offers(collections.ActPromise) {
		if _, taken := errs[BlockContactOutcome]; !taken {
			errs[BlockContactOutcome] = "The case is " + v.Case.Describe() + ", so a promise to pay cannot be recorded on it: choose another outcome and say it in the notes."
		}
	} else if c.Outcome == collections.OutcomePromised {
		p, perrs := parsePromise(state, v, today)
		for k, msg := range perrs {
			errs[k] = msg
		}
		promise = &p
		if c.FollowUp != nil {
			errs[BlockContactFollowUp] = "A promise keeps the case quiet until its date: leave this empty."
		}
	}
	if len(errs) > 0 {
		return c, promise, errs
	}
	return c, promise, nil
}

// contactBlocks maps Contact.Validate's fields to the modal's blocks.
var contactBlocks = map[string]string{
	"channel":   BlockContactChannel,
	"outcome":   BlockContactOutcome,
	"notes":     BlockContactNotes,
	"follow_up": BlockContactFollowUp,
}

// PromiseModal renders the Promise to pay modal: the amount and the date.
func PromiseModal(v collections.CaseView, today time.Time) slack.ModalViewRequest {
	blocks := []slack.Block{section(modalIntro(v) + "\nThe case stays quiet until the promised date and a few days' grace; " +
		"payments dated from today count towards it.")}
	blocks = append(blocks, promiseInputs(v, today, false)...)
	return modal(CallbackPromise, "Promise to pay", "Record promise", v, blocks...)
}

// ParsePromise reads a submitted Promise to pay modal.
func ParsePromise(state *slack.ViewState, v collections.CaseView, today time.Time) (collections.PromiseInput, map[string]string) {
	p, errs := parsePromise(state, v, calendarDay(today))
	if len(errs) == 0 {
		return p, nil
	}
	return p, errs
}

func parsePromise(state *slack.ViewState, v collections.CaseView, today time.Time) (collections.PromiseInput, map[string]string) {
	errs := map[string]string{}
	overdue := v.Overdue()
	currency := largestOverdue(overdue).Currency
	if len(overdue) > 1 {
		if state != nil && !hasInput(state, BlockPromiseCurrency) {
			errs[BlockPromiseAmount] = overdueChanged
			return collections.PromiseInput{}, errs
		}
		if c := selected(state, BlockPromiseCurrency, BlockPromiseCurrency); c != "" {
			currency = c
		}
	}
	var p collections.PromiseInput
	p.Amount.Currency = currency
	if s := typed(state, BlockPromiseAmount, BlockPromiseAmount); s == "" {
		errs[BlockPromiseAmount] = "Enter the amount promised."
	} else if minor, err := collections.ParseAmount(s, currency); err != nil {
		errs[BlockPromiseAmount] = "Enter the amount as a number in " + currency + ", like " + amountExample(currency, 500) + "."
	} else {
		p.Amount.Minor = minor
	}
	p.DueOn, _ = pickedDate(state, BlockPromiseDate, BlockPromiseDate)
	for k, msg := range collections.ValidatePromise(p.Amount, p.DueOn, today, overdue) {
		block := BlockPromiseAmount
		if k == "date" {
			block = BlockPromiseDate
		}
		if _, taken := errs[block]; !taken {
			errs[block] = msg
		}
	}
	return p, errs
}

// DisputeModal renders the Dispute modal: the overdue invoices to put in
// dispute, a reason and a note.
func DisputeModal(v collections.CaseView) slack.ModalViewRequest {
	invoices := invoiceOptions(v.Invoices)
	pick := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, plain("Invoices"), BlockDisputeInvoices, invoices...)
	if len(invoices) == 1 {
		pick.InitialOptions = invoices
	}
	reasons := make([]*slack.OptionBlockObject, 0, len(collections.DisputeReasons))
	for _, r := range collections.DisputeReasons {
		reasons = append(reasons, option(string(r), capitalize(r.Label())))
	}
	reason := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Why"), BlockDisputeReason, reasons...)
	note := slack.NewPlainTextInputBlockElement(plain("e.g. they were charged the old price list"), BlockDisputeNote)
	note.Multiline = true
	note.MaxLength = collections.MaxNoteRunes
	return modal(CallbackDispute, "Dispute", "Put in dispute", v,
		section(modalIntro(v)+"\nDisputed invoices leave the overdue total, the stages and the escalations until the dispute is resolved."),
		input(BlockDisputeInvoices, "Invoices in dispute", moreThanListed(len(v.Invoices), "put in dispute"), false, pick),
		input(BlockDisputeReason, "Reason", "", false, reason),
		input(BlockDisputeNote, "Note", "Optional. Kept in the history.", true, note),
	)
}

// maxListed is the most options a Slack select lists.
const maxListed = 100

// moreThanListed is the hint of a list of n invoices cut to the first
// maxListed, or "" when none is left out.
func moreThanListed(n int, done string) string {
	if n <= maxListed {
		return ""
	}
	return fmt.Sprintf("Lists the first %d of %d invoices (Slack shows at most %d); the others are listed once these are %s.", maxListed, n, maxListed, done)
}

// invoiceOptions lists invoices as options (Slack allows 100): "INV-1001 ·
// due 2026-05-01 · USD 75.50", valued by invoice ID.
func invoiceOptions(invs []collections.OpenInvoice) []*slack.OptionBlockObject {
	opts := make([]*slack.OptionBlockObject, 0, min(len(invs), maxListed))
	for i, in := range invs {
		if i == maxListed {
			break
		}
		label := truncate(in.Number, 30) + " · due " + date(in.DueOn) + " · " + collections.Money{Minor: in.Balance, Currency: in.Currency}.String()
		opts = append(opts, option(strconv.FormatInt(in.ID, 10), label))
	}
	return opts
}

// ParseDispute reads a submitted Dispute modal.
func ParseDispute(state *slack.ViewState) (collections.DisputeInput, map[string]string) {
	errs := map[string]string{}
	in := collections.DisputeInput{
		InvoiceIDs: pickedIDs(state, BlockDisputeInvoices),
		Reason:     collections.DisputeReason(selected(state, BlockDisputeReason, BlockDisputeReason)),
		Note:       typed(state, BlockDisputeNote, BlockDisputeNote),
	}
	if len(in.InvoiceIDs) == 0 {
		errs[BlockDisputeInvoices] = "Pick the invoices in dispute."
	}
	if !in.Reason.Valid() {
		errs[BlockDisputeReason] = "Choose why the customer disputes them."
	}
	if utf8.RuneCountInString(in.Note) > collections.MaxNoteRunes {
		errs[BlockDisputeNote] = "Keep the note under 2000 characters."
	}
	if len(errs) > 0 {
		return in, errs
	}
	return in, nil
}

// pickedIDs returns the IDs chosen in a multi-select of invoices.
func pickedIDs(state *slack.ViewState, blockID string) []int64 {
	a, _ := stateValue(state, blockID, blockID)
	var ids []int64
	for _, o := range a.SelectedOptions {
		if id, err := strconv.ParseInt(strings.TrimSpace(o.Value), 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// ResolveModal renders the Resolve dispute modal: which disputed invoices,
// and how the dispute ends.
func ResolveModal(v collections.CaseView) slack.ModalViewRequest {
	invoices := invoiceOptions(v.Disputed)
	pick := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, plain("Invoices"), BlockResolveInvoices, invoices...)
	pick.InitialOptions = invoices
	hows := []*slack.OptionBlockObject{
		option(string(collections.ResolvePay), "The customer will pay: chase it again, days overdue from its due date"),
		option(string(collections.ResolveCredit), "We will credit it: it stays out until the ledger changes"),
	}
	how := slack.NewRadioButtonsBlockElement(BlockResolveHow, hows...)
	return modal(CallbackResolve, "Resolve dispute", "Resolve", v,
		section(customerLabel(v.Customer)+" has "+plural(len(v.Disputed), "invoice", "invoices")+" in dispute."),
		input(BlockResolveInvoices, "Invoices", moreThanListed(len(v.Disputed), "resolved"), false, pick),
		input(BlockResolveHow, "How it ends", "", false, how),
	)
}

// ParseResolve reads a submitted Resolve dispute modal.
func ParseResolve(state *slack.ViewState) ([]int64, collections.DisputeResolution, map[string]string) {
	errs := map[string]string{}
	ids := pickedIDs(state, BlockResolveInvoices)
	how := collections.DisputeResolution(selected(state, BlockResolveHow, BlockResolveHow))
	if len(ids) == 0 {
		errs[BlockResolveInvoices] = "Pick the invoices whose dispute ends."
	}
	if how != collections.ResolvePay && how != collections.ResolveCredit {
		errs[BlockResolveHow] = "Choose how the dispute ends."
	}
	if len(errs) > 0 {
		return ids, how, errs
	}
	return ids, how, nil
}

// contactLine is the customer's contact details for a modal or a
// message: "\nEmail ap@acme.example · Phone +1 555 0100"; "" with none.
func contactLine(c collections.Customer) string {
	var parts []string
	if e := strings.TrimSpace(c.Email); e != "" {
		parts = append(parts, "Email "+Escape(truncate(e, 200)))
	}
	if p := strings.TrimSpace(c.Phone); p != "" {
		parts = append(parts, "Phone "+Escape(truncate(p, 60)))
	}
	if t := strings.TrimSpace(c.Tier); t != "" {
		parts = append(parts, "Tier "+Escape(truncate(t, 30)))
	}
	if len(parts) == 0 {
		return ""
	}
	return "\n" + strings.Join(parts, " · ")
}
