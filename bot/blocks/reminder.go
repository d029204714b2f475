package blocks

import (
	"fmt"
	"hash/fnv"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/collections"
)

// Send reminder: the modal that emails a customer from a case, the lines
// that tell it in the thread, and the channel message of a sweep's
// courtesy reminders with Send all and Review.

// Actions, callbacks and blocks of reminder emails.
const (
	ActionSendReminder     = "send_reminder"     // opens the Send reminder modal
	ActionReminderTemplate = "reminder_template" // the template select changed: redraw the modal
	ActionCourtesySendAll  = "courtesy_send_all" // sends a batch's ready courtesy reminders
	ActionCourtesyReview   = "courtesy_review"   // opens the Review modal of a batch
	ActionCourtesySkip     = "courtesy_skip"     // skips one courtesy reminder in the Review modal

	CallbackReminder       = "reminder_modal"
	CallbackCourtesyReview = "courtesy_review_modal"

	BlockReminderTo       = "reminder_to"
	BlockReminderTemplate = "reminder_template"
	BlockReminderSubject  = "reminder_subject"
	BlockReminderMessage  = "reminder_message"
	BlockReminderAnyway   = "reminder_anyway" // the "Send anyway" checkbox, shown with holds
	BlockCourtesyActions  = "courtesy_actions"

	blockReminderNothing = "reminder_nothing" // the chosen template has no invoice to speak of

	// ValueSendAnyway is the value of the ticked "Send anyway" checkbox.
	ValueSendAnyway = "send_anyway"
)

// Limits of the reminder modal's inputs.
const (
	maxSubjectRunes = 200
	maxMessageRunes = 3000 // Slack's plain_text_input limit
)

// ReminderForm is what the Send reminder modal shows.
type ReminderForm struct {
	View     collections.CaseView
	To       string
	Template string
	Draft    collections.EmailDraft
	Invoices []collections.OpenInvoice // the invoices the email covers
	Holds    []collections.Hold        // reasons to think twice; "Send anyway" is offered
	LeavesAt *time.Time                // outside the send window: when it will leave
	Location *time.Location            // the business time zone, for LeavesAt
}

// ReminderModal renders the Send reminder modal: To (the customer's
// email, editable), the template (chosen by stage), Subject and Message
// prefilled from it and editable, the invoices it covers, and, when the
// customer was emailed within the contact gap or the case is quiet, why,
// with a "Send anyway" checkbox.
func ReminderModal(f ReminderForm) slack.ModalViewRequest {
	v := f.View
	var bs []slack.Block
	bs = append(bs, section(modalIntro(v)))
	if len(f.Holds) > 0 {
		words := make([]string, len(f.Holds))
		for i, h := range f.Holds {
			words[i] = "• " + Escape(h.Words(v.Customer.Name, v.AsOf))
		}
		bs = append(bs, sectionID("reminder_holds", clipMrkdwn(":warning: *Think twice before sending*\n"+strings.Join(words, "\n"), MaxSectionText)))
	}
	if strings.TrimSpace(v.Customer.Email) == "" {
		bs = append(bs, sectionID("reminder_no_email", clipMrkdwn(":information_source: *No email on file for "+Escape(plainLabel(v.Customer, maxNameRunes))+".* "+
			"Type an address below to send this once. To keep one on file, add an `email` column to your customers file and run "+
			codeSpan("owed import customers FILE")+".", MaxSectionText)))
	}
	to := slack.NewPlainTextInputBlockElement(plain("ap@customer.example"), BlockReminderTo)
	to.InitialValue = f.To
	bs = append(bs, input(BlockReminderTo, "To", "", false, to))

	opts := make([]*slack.OptionBlockObject, 0, len(collections.ReminderTemplates))
	for _, t := range collections.ReminderTemplates {
		opts = append(opts, option(t, templateLabel(t)))
	}
	tmpl := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Template"), ActionReminderTemplate, opts...)
	tmpl.InitialOption = findOption(opts, f.Template)
	tb := input(BlockReminderTemplate, "Template", "Chosen by the case's stage; another one rewrites the subject and message.", false, tmpl)
	tb.DispatchAction = true
	bs = append(bs, tb)

	if len(f.Invoices) == 0 {
		// Nothing true to write with this template: no draft to send.
		bs = append(bs, sectionID(blockReminderNothing, ":information_source: "+Escape(collections.NothingToRemind(f.Template, v.Customer.Name))+
			" Choose another template, or close this."))
		return modal(CallbackReminder, "Send reminder", "Send", v, bs...)
	}
	// The fields' action IDs name the template: Slack keeps what a field
	// held across a views.update unless the field is a new one, and
	// another template must rewrite the subject and message.
	subject := slack.NewPlainTextInputBlockElement(nil, ReminderFieldAction(BlockReminderSubject, f.Template))
	subject.InitialValue = truncate(f.Draft.Subject, maxSubjectRunes)
	subject.MaxLength = maxSubjectRunes
	bs = append(bs, input(BlockReminderSubject, "Subject", "", false, subject))

	msg := slack.NewPlainTextInputBlockElement(nil, ReminderFieldAction(BlockReminderMessage, f.Template))
	msg.Multiline = true
	msg.InitialValue = truncate(f.Draft.Text, maxMessageRunes)
	msg.MaxLength = maxMessageRunes
	hint := "Sent as written, with an HTML version; left as the template wrote it, the template's HTML goes."
	if utf8.RuneCountInString(f.Draft.Text) > maxMessageRunes {
		hint = fmt.Sprintf("The template's message is %d characters, more than a Slack form holds: it is shown cut. Left as it is, the whole message goes, with its HTML.",
			utf8.RuneCountInString(f.Draft.Text))
	}
	bs = append(bs, input(BlockReminderMessage, "Message", hint, false, msg))

	if len(f.Invoices) > 0 {
		bs = append(bs, section(invoiceList(f.Invoices, false)))
	}
	var notes []string
	if f.LeavesAt != nil {
		loc := f.Location
		if loc == nil {
			loc = time.UTC
		}
		notes = append(notes, "Outside the send window: it will leave "+f.LeavesAt.In(loc).Format("Mon 2 Jan 15:04 MST")+".")
	}
	notes = append(notes, "The email is kept in the customer's history, and its thread says when it was sent.")
	bs = append(bs, slack.NewContextBlock("reminder_notes", mrkdwn(strings.Join(notes, " "))))
	if len(f.Holds) > 0 {
		box := slack.NewCheckboxGroupsBlockElement(BlockReminderAnyway,
			&slack.OptionBlockObject{Text: plain("Send anyway"), Value: ValueSendAnyway,
				Description: plain("The history records that it was sent despite this.")})
		bs = append(bs, input(BlockReminderAnyway, "Send anyway?", "", true, box))
	}
	m := modal(CallbackReminder, "Send reminder", "Send", v, bs...)
	m.PrivateMetadata += draftMark + draftDigest(subject.InitialValue, msg.InitialValue)
	return m
}

// ReminderFieldAction is the action ID of the Subject or Message field
// (block) of the Send reminder modal drawn for template.
func ReminderFieldAction(block, template string) string { return block + ":" + template }

func templateLabel(t string) string {
	return capitalize(strings.ReplaceAll(t, "_", " ")) + " — " + collections.TemplatePurpose(t)
}

// ReminderInput is what someone typed into the Send reminder modal.
type ReminderInput struct {
	To         string
	Template   string
	Subject    string
	Message    string
	SendAnyway bool
}

// draftMark parts a reminder modal's case ref from the digest of the
// subject and message it prefilled, in its private_metadata.
const draftMark = "|draft:"

// draftDigest is a digest of a subject and message as people read them.
func draftDigest(subject, message string) string {
	h := fnv.New64a()
	h.Write([]byte(strings.TrimSpace(subject) + "\x00" + strings.TrimSpace(strings.ReplaceAll(message, "\r\n", "\n"))))
	return strconv.FormatUint(h.Sum64(), 36)
}

// ReminderAsPrefilled reports whether a submitted reminder modal's
// subject and message are those it was prefilled with: the person
// changed nothing, and the email is the template's, written afresh when
// it is sent (the ledger may have changed while the form was open).
func ReminderAsPrefilled(privateMetadata, subject, message string) bool {
	_, digest, ok := strings.Cut(privateMetadata, draftMark)
	return ok && digest == draftDigest(subject, message)
}

// ParseReminder reads a submitted Send reminder modal. Problems are keyed
// by block ID; nil when there are none.
func ParseReminder(state *slack.ViewState) (ReminderInput, map[string]string) {
	in := ReminderInput{
		To:       typed(state, BlockReminderTo, BlockReminderTo),
		Template: selected(state, BlockReminderTemplate, ActionReminderTemplate),
		Subject:  typed(state, BlockReminderSubject, BlockReminderSubject),
		Message:  strings.TrimSpace(rawTyped(state, BlockReminderMessage, BlockReminderMessage)),
	}
	if a, ok := stateValue(state, BlockReminderAnyway, BlockReminderAnyway); ok {
		for _, o := range a.SelectedOptions {
			if o.Value == ValueSendAnyway {
				in.SendAnyway = true
			}
		}
	}
	errs := map[string]string{}
	if in.To == "" {
		errs[BlockReminderTo] = "Say who to email."
	} else if a, err := netmail.ParseAddress(in.To); err != nil || !strings.Contains(a.Address, "@") {
		errs[BlockReminderTo] = "That is not an email address."
	}
	if !collections.KnownTemplate(in.Template) {
		errs[BlockReminderTemplate] = "Choose a template."
	}
	if state != nil && state.Values[BlockReminderSubject] == nil {
		// The form had no draft: the template has nothing to speak of.
		if _, ok := errs[BlockReminderTemplate]; !ok {
			errs[BlockReminderTemplate] = "This template has no invoice to speak of: choose another."
		}
		return in, errs
	}
	switch {
	case in.Subject == "":
		errs[BlockReminderSubject] = "Write a subject."
	case utf8.RuneCountInString(in.Subject) > maxSubjectRunes:
		errs[BlockReminderSubject] = "Keep the subject under " + strconv.Itoa(maxSubjectRunes) + " characters."
	}
	if in.Message == "" {
		errs[BlockReminderMessage] = "Write the message."
	}
	if len(errs) > 0 {
		return in, errs
	}
	return in, nil
}

// rawTyped is the text typed into an input, untrimmed inside.
func rawTyped(state *slack.ViewState, blockID, actionID string) string {
	a, _ := stateValue(state, blockID, actionID)
	return a.Value
}

// EmailOff answers Send reminder when no SMTP server is set up.
func EmailOff() Message {
	text := "Email is off, so owed cannot send reminders yet. To turn it on, set `OWED_SMTP_URL` " +
		"(like `smtp://user:password@mail.example.com:587`) and `OWED_MAIL_FROM` (like `Acme Accounts <ar@acme.example>`), " +
		"then restart owed. The README's “Reminder emails” section has the details."
	return message(text, section(":envelope: "+text))
}

// emailLine is the sentence of an email's audit entry.
func emailLine(e collections.AuditEntry) (string, bool) {
	d := e.Details
	addr := d.To
	if a, err := netmail.ParseAddress(d.To); err == nil {
		addr = a.Address
	}
	to := Escape(truncate(addr, 200))
	switch e.Action {
	case collections.AuditReminderEmailed:
		what := "Reminder"
		if d.Template != "" {
			what = capitalize(emailWhat(d.Template))
		}
		line := what + " emailed to " + to + " by " + Mention(e.Actor)
		if d.Template != "" && d.Template != collections.TemplateCourtesy && d.Template != collections.TemplateFinalNotice {
			line += " (" + Escape(strings.ReplaceAll(d.Template, "_", " ")) + ")"
		}
		if d.SendAnyway {
			kinds := make([]string, len(d.Holds))
			for i, k := range d.Holds {
				kinds[i] = holdWords(k)
			}
			line += " — sent anyway"
			if len(kinds) > 0 {
				line += " (" + strings.Join(kinds, ", ") + ")"
			}
		}
		return line, true
	case collections.AuditEmailDelivered:
		return "The email to " + to + " was delivered: " + reasonText(d.Answer, 200), true
	case collections.AuditEmailFailed:
		return ":warning: The email to " + to + " could not be delivered: " + reasonText(d.Answer, 300), true
	case collections.AuditEmailWithdrawn:
		return "The " + emailWhat(d.Template) + " to " + to + " was not sent: " + withdrawalWords(collections.Withdrawal(d.Reason)), true
	}
	return "", false
}

// emailWhat names an email by its template: "reminder", "courtesy reminder".
func emailWhat(template string) string {
	switch template {
	case collections.TemplateCourtesy:
		return "courtesy reminder"
	case collections.TemplateFinalNotice:
		return "final notice"
	case "":
		return "email"
	}
	return "reminder"
}

// withdrawalWords says why an email was withdrawn before it left.
func withdrawalWords(w collections.Withdrawal) string {
	switch w {
	case collections.WithdrawnPaid:
		return "every invoice it covers was paid before it could leave."
	case collections.WithdrawnDisputed:
		return "every invoice it covers was put in dispute before it could leave."
	case collections.WithdrawnPaidOrDisputed:
		return "every invoice it covers was paid or put in dispute before it could leave."
	case collections.WithdrawnFellDue:
		return "every invoice it covers fell due before it could leave, so a courtesy reminder no longer fit."
	case collections.WithdrawnPaidOrFellDue:
		return "every invoice it covers was paid or fell due before it could leave."
	case collections.WithdrawnQuiet:
		return "the case went quiet before it could leave, and owed sends nothing of its own while a case is quiet."
	}
	return "what it said was no longer true when it was to leave."
}

func holdWords(k collections.HoldKind) string {
	switch k {
	case collections.HoldContactGap:
		return "within the contact gap"
	case collections.HoldSnoozed:
		return "while snoozed"
	case collections.HoldPlan:
		return "while on a payment plan"
	case collections.HoldPromised:
		return "while promised"
	case collections.HoldEscalated:
		return "while escalated"
	}
	return string(k)
}

// BatchRef is what the buttons of a batch of courtesy reminders carry.
type BatchRef struct {
	BatchID   int64
	InvoiceID int64 // Skip: the invoice; 0 otherwise
}

// String encodes the ref: "batch:ID" or "batch:ID:INVOICE".
func (r BatchRef) String() string {
	if r.InvoiceID != 0 {
		return fmt.Sprintf("batch:%d:%d", r.BatchID, r.InvoiceID)
	}
	return fmt.Sprintf("batch:%d", r.BatchID)
}

// ParseBatchRef decodes a value written by BatchRef.String.
func ParseBatchRef(s string) (BatchRef, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "batch" {
		return BatchRef{}, fmt.Errorf("not a batch reference: %q", s)
	}
	var r BatchRef
	var err error
	if r.BatchID, err = strconv.ParseInt(parts[1], 10, 64); err != nil || r.BatchID <= 0 {
		return BatchRef{}, fmt.Errorf("not a batch reference: %q", s)
	}
	if len(parts) == 3 {
		if r.InvoiceID, err = strconv.ParseInt(parts[2], 10, 64); err != nil || r.InvoiceID <= 0 {
			return BatchRef{}, fmt.Errorf("not a batch reference: %q", s)
		}
	}
	return r, nil
}

// courtesyFellDue is the status counted for the invoices that fell due
// before Send all, apart from those someone skipped.
const courtesyFellDue collections.CourtesyStatus = "fell_due"

// courtesyCounts counts a batch's items by status.
func courtesyCounts(b collections.ReminderBatch) map[collections.CourtesyStatus]int {
	n := map[collections.CourtesyStatus]int{}
	for _, it := range b.Items {
		if it.FellDue {
			n[courtesyFellDue]++
			continue
		}
		n[it.Status]++
	}
	return n
}

// courtesyLine is one courtesy reminder: "*ACME Corp.* · `INV-1` due 2026-07-03 · USD 100.00".
func courtesyLine(it collections.CourtesyItem) string {
	line := customerLabel(it.Customer) + " · " + codeSpan(truncate(it.Invoice, maxInvoiceRunes)) + " due " + date(it.DueOn) + " · " + it.Balance.String()
	if it.Customer.Email != "" {
		line += " → " + Escape(truncate(it.Customer.Email, 100))
	}
	switch {
	case it.FellDue:
		line = "~" + line + "~ fell due before Send all: no courtesy email"
	case it.Status == collections.CourtesySkipped:
		line = "~" + line + "~ skipped"
		if it.DecidedBy != "" {
			line += " by " + Mention(it.DecidedBy)
		}
	case it.Status == collections.CourtesyHeld:
		line += " — held back (emailed recently, or the case is quiet)"
	case it.Status == collections.CourtesyQueued && it.EmailState == collections.EmailFailed:
		line += " — could not be delivered"
	case it.Status == collections.CourtesyQueued && it.EmailState == collections.EmailWithdrawn && it.Balance.Minor <= 0:
		line += " — not sent: paid before it could leave"
	case it.Status == collections.CourtesyQueued && it.EmailState == collections.EmailWithdrawn:
		line += " — not sent: fell due before it could leave"
	}
	return line
}

// CourtesyBatch renders the channel message of a sweep's courtesy
// reminders. In approve: "N courtesy reminders ready" with Send all and
// Review, until someone sends them; in auto: what was emailed (the list
// goes in the thread, CourtesyList).
func CourtesyBatch(b collections.ReminderBatch) Message {
	n := courtesyCounts(b)
	var title, text string
	var bs []slack.Block
	ref := BatchRef{BatchID: b.ID}.String()
	switch {
	case b.Policy == collections.RemindersAuto:
		title = fmt.Sprintf("Courtesy reminders: %s emailed", plural(n[collections.CourtesyQueued], "invoice", "invoices"))
		text = title + " before the due date."
		if h := n[collections.CourtesyHeld]; h > 0 {
			text += " " + plural(h, "invoice was", "invoices were") + " held back."
		}
		bs = append(bs, header(title), section(Escape(text)+" The list is in the thread."))
	case b.SentAt == nil:
		title = plural(n[collections.CourtesyReady], "courtesy reminder", "courtesy reminders") + " ready"
		text = title + ": friendly emails to customers whose invoices fall due in the next few days. Nothing is sent until someone presses Send all."
		bs = append(bs, header(title), section(courtesyList(b, 10)))
		if n[collections.CourtesyReady] > 0 {
			send := button(ActionCourtesySendAll, "Send all", ref)
			send.Style = slack.StylePrimary
			send.Confirm = confirm("Send the courtesy reminders?",
				"owed emails "+plural(n[collections.CourtesyReady], "customer reminder", "customer reminders")+" (inside the send window). This is recorded with your name.",
				"Send all", "Not yet")
			bs = append(bs, slack.NewActionBlock(BlockCourtesyActions, send, button(ActionCourtesyReview, "Review", ref)))
		}
	default:
		title = fmt.Sprintf("Courtesy reminders: %s sent", plural(n[collections.CourtesyQueued], "invoice", "invoices"))
		text = title + " by " + Mention(b.SentBy)
		if s := n[collections.CourtesySkipped]; s > 0 {
			text += ", " + strconv.Itoa(s) + " skipped"
		}
		if h := n[collections.CourtesyHeld]; h > 0 {
			text += ", " + strconv.Itoa(h) + " held back"
		}
		if d := n[courtesyFellDue]; d > 0 {
			text += ", " + strconv.Itoa(d) + " left out: fallen due before Send all, so no courtesy email"
		}
		bs = append(bs, header(title), section(text+"."), section(courtesyList(b, 10)))
	}
	return message(text, bs...)
}

// courtesyList lists up to max items of a batch, with "+N more".
func courtesyList(b collections.ReminderBatch, max int) string {
	var lines []string
	for i, it := range b.Items {
		if i == max {
			lines = append(lines, more(len(b.Items)-max))
			break
		}
		lines = append(lines, courtesyLine(it))
	}
	if len(lines) == 0 {
		return "_None._"
	}
	return joinLimited(lines, MaxSectionText, more)
}

// CourtesyList is the thread message listing every courtesy reminder of
// a batch.
func CourtesyList(b collections.ReminderBatch) Message {
	var bs []slack.Block
	for start := 0; start < len(b.Items) && len(bs) < MaxMessageBlocks; start += 10 {
		end := min(start+10, len(b.Items))
		part := collections.ReminderBatch{Items: b.Items[start:end]}
		bs = append(bs, section(courtesyList(part, 10)))
	}
	return message(plural(len(b.Items), "courtesy reminder", "courtesy reminders"), bs...)
}

// CourtesyItemBlock is the block ID of one invoice in the Review modal.
func CourtesyItemBlock(invoiceID int64) string {
	return "courtesy_item_" + strconv.FormatInt(invoiceID, 10)
}

// CourtesyReviewModal lists a batch's courtesy reminders, each ready one
// with Skip; submitting it sends the ready ones. It sends only what it
// shows: a batch longer than a modal holds (the sweep makes none, see
// collections.MaxBatchReminders) is listed as far as it fits, with how
// many more there are, and the modal has no Send all; they stay ready
// for Send all on the batch's message.
func CourtesyReviewModal(b collections.ReminderBatch) slack.ModalViewRequest {
	var bs []slack.Block
	bs = append(bs, section("These customers get a courtesy email before their invoices fall due. Skip any you would rather not email."))
	shown := b.Items
	if room := MaxModalBlocks - len(bs); len(shown) > room {
		shown = shown[:room-1] // and the line that says how many more
	}
	ready := 0
	for _, it := range shown {
		s := sectionID(CourtesyItemBlock(it.InvoiceID), clipMrkdwn(courtesyLine(it), MaxSectionText))
		if it.Status == collections.CourtesyReady {
			ready++
			skip := button(ActionCourtesySkip, "Skip", BatchRef{BatchID: b.ID, InvoiceID: it.InvoiceID}.String())
			s.Accessory = slack.NewAccessory(skip)
		}
		bs = append(bs, s)
	}
	m := slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackCourtesyReview,
		Title: plain("Courtesy reminders"), Submit: plain("Send all"), Close: plain("Cancel"),
		PrivateMetadata: BatchRef{BatchID: b.ID}.String(),
	}
	switch hidden := len(b.Items) - len(shown); {
	case hidden > 0:
		bs = append(bs, slack.NewContextBlock("courtesy_more", mrkdwn(fmt.Sprintf(
			"+%d more not shown. So that none goes unseen, nothing is sent from here: they stay ready for Send all on the message, which sends every ready one.",
			hidden))))
		m.Submit, m.Close = nil, plain("Close")
	case ready == 0:
		m.Submit = plain("Done")
	}
	m.Blocks = slack.Blocks{BlockSet: bs}
	return m
}
