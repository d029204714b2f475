package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/collections"
)

// Reminder emails from Slack: Send reminder on a case, and Send all,
// Review and Skip on a sweep's courtesy reminders. The reminder rules are
// the domain's; the store applies them again when the email is queued.

// emailOn reports whether owed can send email (an SMTP server is set up).
func (b *Bot) emailOn() bool { return b.opts.Emails != nil && b.opts.Composer != nil }

// handleReminderAction handles the buttons and selects of reminders.
func (b *Bot) handleReminderAction(ctx context.Context, cb *slack.InteractionCallback, act *slack.BlockAction) {
	switch act.ActionID {
	case blocks.ActionSendReminder:
		b.openReminder(ctx, cb, act)
	case blocks.ActionReminderTemplate:
		b.redrawReminder(ctx, cb, act)
	case blocks.ActionCourtesySendAll, blocks.ActionCourtesyReview, blocks.ActionCourtesySkip:
		b.courtesyAction(ctx, cb, act)
	}
}

// personName is the name a reminder is signed with: the member's real
// name from Slack, else their handle.
func (b *Bot) personName(ctx context.Context, cb *slack.InteractionCallback) string {
	if u, err := b.opts.Slack.GetUserInfoContext(ctx, cb.User.ID); err == nil {
		if n := strings.TrimSpace(u.RealName); n != "" {
			return n
		}
	}
	return actor(cb).Name
}

// reminderForm prepares the Send reminder modal of a case: the template
// of its stage (or the one chosen), the invoices it speaks of (the
// overdue ones; for courtesy, those not yet due; none: no draft, the
// modal says so) and the holds the reminder rules see.
func (b *Bot) reminderForm(ctx context.Context, v collections.CaseView, template, to, person string) (blocks.ReminderForm, error) {
	f := blocks.ReminderForm{View: v, Template: template, To: to, Location: b.opts.Location}
	if f.Template == "" {
		f.Template = collections.TemplateFor(v)
	}
	if f.To == "" {
		f.To = v.Customer.Email
	}
	invoices := v.Invoices // the overdue ones, disputed ones aside
	if f.Template == collections.TemplateCourtesy {
		sum, err := b.opts.Ledger.CustomerSummary(ctx, v.Customer.ID, v.AsOf)
		if err != nil {
			return f, err
		}
		invoices = sum.Invoices
	}
	f.Invoices = collections.TemplateInvoices(f.Template, invoices)
	if len(f.Invoices) > 0 {
		draft, err := b.opts.Composer.Compose(f.Template, v.Customer, f.Invoices, v.AsOf, person)
		if err != nil {
			return f, err
		}
		f.Draft = draft
	}
	rf, err := b.opts.Emails.ReminderFacts(ctx, v.Case.ID)
	if err != nil {
		return f, err
	}
	f.Holds = collections.ReminderHolds(rf)
	now := b.opts.Now()
	if at := b.opts.SendWindow.Next(now, collections.CustomerLocation(v.Customer, b.opts.Location)); at.After(now) {
		f.LeavesAt = &at
	}
	return f, nil
}

// openReminder opens the Send reminder modal, or says how to turn email
// on, or why the case no longer allows it.
func (b *Bot) openReminder(ctx context.Context, cb *slack.InteractionCallback, act *slack.BlockAction) {
	if !b.emailOn() {
		b.reply(ctx, cb, blocks.EmailOff())
		return
	}
	ref, err := blocks.ParseCaseRef(act.Value)
	if err != nil {
		b.reply(ctx, cb, blocks.Refusal("That button is not one of owed's."))
		return
	}
	v, err := b.opts.Cases.FindCaseView(ctx, ref.CaseID, b.today())
	if err != nil {
		b.afterChange(ctx, cb, ref.CaseID, err)
		return
	}
	if _, err := collections.Decide(v.Facts(), collections.ActSendReminder, actor(cb)); err != nil {
		b.afterChange(ctx, cb, ref.CaseID, err)
		return
	}
	f, err := b.reminderForm(ctx, v, "", "", b.personName(ctx, cb))
	if err != nil {
		b.reply(ctx, cb, b.internal(ctx, "reminder modal", err))
		return
	}
	b.open(ctx, cb, act.ActionID, blocks.ReminderModal(f))
}

// redrawReminder rewrites the modal's subject and message from another
// template, keeping the address typed.
func (b *Bot) redrawReminder(ctx context.Context, cb *slack.InteractionCallback, act *slack.BlockAction) {
	ref, err := blocks.ModalCaseRef(cb.View.PrivateMetadata)
	if err != nil || !b.emailOn() {
		return
	}
	v, err := b.opts.Cases.FindCaseView(ctx, ref.CaseID, b.today())
	if err != nil {
		return
	}
	in, _ := blocks.ParseReminder(cb.View.State)
	v.Case.Version = ref.Version // keep the version the modal was opened at
	f, err := b.reminderForm(ctx, v, act.SelectedOption.Value, in.To, b.personName(ctx, cb))
	if err != nil {
		b.log.WarnContext(ctx, "could not redraw the reminder", "error", err)
		return
	}
	m := blocks.ReminderModal(f) // and the new template's draft
	if _, err := b.opts.Slack.UpdateViewContext(ctx, m, "", cb.View.Hash, cb.View.ID); err != nil {
		b.log.WarnContext(ctx, "could not redraw the reminder", "error", err)
	}
}

// reminderSubmission handles the submissions of reminder modals; ok is
// false for other modals.
func (b *Bot) reminderSubmission(ctx context.Context, cb *slack.InteractionCallback) (any, bool) {
	switch cb.View.CallbackID {
	case blocks.CallbackReminder:
		return b.submitReminder(ctx, cb), true
	case blocks.CallbackCourtesyReview:
		ref, err := blocks.ParseBatchRef(cb.View.PrivateMetadata)
		if err != nil {
			return nil, true
		}
		a := actor(cb)
		a.Name = b.personName(ctx, cb)
		if _, err := b.opts.Emails.SendBatch(ctx, a, ref.BatchID); err != nil {
			// The form has no input to show it on: the answer is a message.
			b.tellDirect(ctx, cb, b.refusalOf(ctx, "send courtesy reminders", err))
		}
		return nil, true
	}
	return nil, false
}

// submitReminder queues the email, or shows why not on the form.
func (b *Bot) submitReminder(ctx context.Context, cb *slack.InteractionCallback) any {
	ref, err := blocks.ModalCaseRef(cb.View.PrivateMetadata)
	if err != nil {
		return nil
	}
	in, errs := blocks.ParseReminder(cb.View.State)
	if len(errs) > 0 {
		return slack.NewErrorsViewSubmissionResponse(errs)
	}
	a := actor(cb)
	a.Name = b.personName(ctx, cb)
	_, err = b.opts.Emails.QueueReminder(ctx, a, ref.CaseID, collections.ReminderRequest{
		To: in.To, Template: in.Template, Subject: in.Subject, Text: in.Message, SendAnyway: in.SendAnyway,
		AsPrefilled: blocks.ReminderAsPrefilled(cb.View.PrivateMetadata, in.Subject, in.Message)})
	if err == nil {
		return nil
	}
	if hasBlock(cb.View, blocks.BlockReminderAnyway) {
		return b.submissionAnswer(ctx, nil, blocks.BlockReminderAnyway, err)
	}
	// A hold that came up since the form opened (another email went
	// out meanwhile): the form is drawn again, with what was typed, the
	// holds and "Send anyway".
	if collections.ErrorCode(err) == collections.ECONFLICT {
		if v, ferr := b.opts.Cases.FindCaseView(ctx, ref.CaseID, b.today()); ferr == nil {
			if f, ferr := b.reminderForm(ctx, v, in.Template, in.To, a.Name); ferr == nil && len(f.Holds) > 0 {
				f.Draft.Subject, f.Draft.Text = in.Subject, in.Message
				m := blocks.ReminderModal(f)
				m.PrivateMetadata = cb.View.PrivateMetadata
				return slack.NewUpdateViewSubmissionResponse(&m)
			}
		}
	}
	return b.submissionAnswer(ctx, nil, blocks.BlockReminderTo, err)
}

// hasBlock reports whether a submitted form has the input blockID: the
// form's state holds every input, filled in or not.
func hasBlock(v slack.View, blockID string) bool {
	if v.State == nil {
		return false
	}
	_, ok := v.State.Values[blockID]
	return ok
}

// courtesyAction handles Send all and Review on a batch's message, and
// Skip in the Review modal.
func (b *Bot) courtesyAction(ctx context.Context, cb *slack.InteractionCallback, act *slack.BlockAction) {
	if !b.emailOn() {
		b.reply(ctx, cb, blocks.EmailOff())
		return
	}
	ref, err := blocks.ParseBatchRef(act.Value)
	if err != nil {
		b.reply(ctx, cb, blocks.Refusal("That button is not one of owed's."))
		return
	}
	switch act.ActionID {
	case blocks.ActionCourtesySendAll:
		a := actor(cb)
		a.Name = b.personName(ctx, cb)
		if _, err := b.opts.Emails.SendBatch(ctx, a, ref.BatchID); err != nil {
			// The form has no input to show it on: the answer is a message.
			b.tellDirect(ctx, cb, b.refusalOf(ctx, "send courtesy reminders", err))
		}
	case blocks.ActionCourtesyReview:
		batch, err := b.opts.Emails.FindBatch(ctx, ref.BatchID)
		if err != nil {
			b.reply(ctx, cb, b.refusalOf(ctx, "review courtesy reminders", err))
			return
		}
		if batch.SentAt != nil {
			b.reply(ctx, cb, blocks.Refusal("These courtesy reminders were already sent by "+blocks.Mention(batch.SentBy)+"."))
			return
		}
		b.open(ctx, cb, act.ActionID, blocks.CourtesyReviewModal(batch))
	case blocks.ActionCourtesySkip:
		batch, err := b.opts.Emails.SkipCourtesy(ctx, actor(cb), ref.BatchID, ref.InvoiceID)
		if err != nil {
			b.reply(ctx, cb, b.refusalOf(ctx, "skip a courtesy reminder", err))
			return
		}
		if _, err := b.opts.Slack.UpdateViewContext(ctx, blocks.CourtesyReviewModal(batch), "", cb.View.Hash, cb.View.ID); err != nil {
			b.log.WarnContext(ctx, "could not redraw the courtesy reminders", "error", err)
		}
	}
}

// refusalOf words an error for the clicker; internal ones are logged.
func (b *Bot) refusalOf(ctx context.Context, what string, err error) blocks.Message {
	if collections.ErrorCode(err) == collections.EINTERNAL {
		return b.internal(ctx, what, err)
	}
	return blocks.Refusal(collections.ErrorMessage(err))
}

// batchKey names a batch's channel message, its list and its thread
// lines in their metadata, so that each is posted once.
func batchKey(batchID int64, part string) string { return fmt.Sprintf("batch/%d/%s", batchID, part) }

// batchList is the post of an auto batch's list, in its message's thread.
func batchList(batch collections.ReminderBatch, ref collections.MessageRef) post {
	return post{channel: ref.ChannelID, threadTS: ref.TS, key: batchKey(batch.ID, "list"), msg: blocks.CourtesyList(batch)}
}

// sendBatch shows a batch of courtesy reminders in the channel: posts its
// message (in auto, with the list in its thread), redraws it, or posts a
// line in its thread.
func (s *sender) sendBatch(ctx context.Context, a *attempt) error {
	b := s.b
	if b.opts.Emails == nil {
		return nil
	}
	batch, err := b.opts.Emails.FindBatch(ctx, a.BatchID)
	if err != nil {
		return err
	}
	ref := collections.MessageRef{ChannelID: batch.ChannelID, TS: batch.MessageTS}
	if ref.TS == "" {
		ts, found, err := s.post(ctx, a, post{channel: ref.ChannelID, key: batchKey(batch.ID, "message"), msg: blocks.CourtesyBatch(batch)})
		if err != nil {
			return err
		}
		ref.TS = ts
		if err := b.opts.Emails.SetBatchMessage(ctx, batch.ID, ref); err != nil {
			return err
		}
		a.unrecorded = false
		if found {
			if err := s.update(ctx, ref, blocks.CourtesyBatch(batch)); err != nil {
				return err
			}
		}
		if batch.Policy == collections.RemindersAuto {
			if _, _, err := s.post(ctx, a, batchList(batch, ref)); err != nil {
				return err
			}
		}
	} else if a.AuditID == 0 {
		if err := s.update(ctx, ref, blocks.CourtesyBatch(batch)); err != nil {
			return err
		}
		// The list may still be to post: the channel's pace held it back
		// after the message, and the item came back for it.
		if batch.Policy == collections.RemindersAuto {
			p := batchList(batch, ref)
			ts, err := s.find(ctx, a, p)
			if err == nil && ts == "" {
				_, _, err = s.post(ctx, a, p)
			}
			if err != nil {
				return err
			}
		}
	}
	if a.AuditID == 0 {
		return nil
	}
	entry, err := b.opts.SenderOutbox.FindAuditEntry(ctx, a.AuditID)
	if err != nil {
		return err
	}
	line := blocks.ActionLine(entry)
	_, _, err = s.post(ctx, a, post{channel: ref.ChannelID, threadTS: ref.TS, key: batchKey(batch.ID, fmt.Sprintf("audit/%d", a.AuditID)),
		msg: blocks.Message{Text: line, Blocks: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, line, false, true), nil, nil)}}})
	return err
}
