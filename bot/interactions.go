package bot

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/collections"
)

// HandleInteraction handles a button click or a modal submission and
// returns the body of the answer to Slack (nil: an empty 200). A click is
// acknowledged at once and handled after the ack; a modal submission is
// answered with its outcome, as Slack needs it to keep or close the modal.
func (b *Bot) HandleInteraction(ctx context.Context, cb *slack.InteractionCallback) any {
	cleanState(cb.View.State)
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			return nil
		}
		act := cb.ActionCallback.BlockActions[0]
		b.metrics.requests.WithLabelValues("interaction", act.ActionID).Inc()
		b.afterAck(ctx, func(ctx context.Context) { b.handleAction(ctx, cb, act) })
		return nil
	case slack.InteractionTypeViewSubmission:
		b.metrics.requests.WithLabelValues("interaction", cb.View.CallbackID).Inc()
		return b.answerSubmission(ctx, cb)
	}
	b.metrics.requests.WithLabelValues("interaction", "ignored").Inc()
	return nil
}

// DefaultSubmissionBudget is how long a modal submission is waited for
// before its form is closed. Handled within it (the usual case), the
// form closes on the outcome, or stays open with what is wrong shown on
// it; handled later (a database that is slow to answer), the form has
// closed, and a refusal reaches the person as a direct message. Slack
// gives up on an answer after 3 s.
const DefaultSubmissionBudget = 2 * time.Second

// answerSubmission handles a modal submission, and answers it with its
// outcome when that comes within the budget; otherwise it closes the form
// and the submission is carried on after the answer.
func (b *Bot) answerSubmission(ctx context.Context, cb *slack.InteractionCallback) any {
	answer, ok := answerWithin(b, ctx, b.opts.SubmissionBudget, func(ctx context.Context) any {
		return b.handleSubmission(ctx, cb)
	}, func(ctx context.Context, answer any) {
		if answer != nil {
			b.tellLate(ctx, cb, answer)
		}
	})
	if !ok {
		b.metrics.requests.WithLabelValues("interaction", "submission_late").Inc()
	}
	return answer
}

// tellLate tells the person who submitted a form, closed before it was
// handled, that it did not take effect and why, in a direct message.
func (b *Bot) tellLate(ctx context.Context, cb *slack.InteractionCallback, answer any) {
	title := "form"
	if cb.View.Title != nil && cb.View.Title.Text != "" {
		title = cb.View.Title.Text
	}
	var why []string
	if r, ok := answer.(*slack.ViewSubmissionResponse); ok && r.ResponseAction == slack.RAErrors {
		for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
			why = append(why, r.Errors[k])
		}
	}
	if len(why) == 0 {
		why = []string{"Something changed while the form was open. Open it again from the alert to see what."}
	}
	var customer string
	if ref, err := blocks.ModalCaseRef(cb.View.PrivateMetadata); err == nil {
		if v, err := b.opts.Cases.FindCaseView(ctx, ref.CaseID, b.today()); err == nil {
			customer = v.Customer.Name
		}
	}
	b.tellDirect(ctx, cb, blocks.LateRefusal(title, customer, why))
}

// tellDirect answers the person who submitted a form in a direct message:
// a closed form has nowhere else to show it.
func (b *Bot) tellDirect(ctx context.Context, cb *slack.InteractionCallback, msg blocks.Message) {
	err := honourRetryAfter(ctx, answerRetryLimit, func() error {
		dm, _, _, err := b.opts.Slack.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{cb.User.ID}})
		if err != nil {
			return err
		}
		_, _, err = b.opts.Slack.PostMessageContext(ctx, dm.ID, slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...))
		return err
	})
	if err != nil {
		b.log.WarnContext(ctx, "could not answer a form in a direct message", "form", cb.View.CallbackID, "error", err)
	}
}

// onceOnly are the forms whose submission, made twice, would record
// twice (a contact, a promise) or email the customer twice: their
// actions name the form (its view id), and a second submission of it is
// a repeat that does nothing. The others are repeats by nature (a snooze
// to the same date, a plan or escalation already there).
var onceOnly = map[string]bool{blocks.CallbackContact: true, blocks.CallbackPromise: true, blocks.CallbackReminder: true}

func actor(cb *slack.InteractionCallback) collections.Actor {
	name := cb.User.Name
	if name == "" {
		name = cb.User.Username
	}
	a := collections.Actor{UserID: cb.User.ID, Name: name}
	if cb.Type == slack.InteractionTypeViewSubmission && onceOnly[cb.View.CallbackID] {
		a.Form = cb.View.ID
	}
	return a
}

// withApprover returns the actor with Approver set from the configured
// approvers (user IDs and user groups), checked on every click.
func (b *Bot) withApprover(ctx context.Context, a collections.Actor) (collections.Actor, error) {
	ok, err := b.approvers.contains(ctx, a.UserID)
	a.Approver = ok
	return a, err
}

func (b *Bot) handleAction(ctx context.Context, cb *slack.InteractionCallback, act *slack.BlockAction) {
	switch act.ActionID {
	case blocks.ActionSnooze, blocks.ActionPlan, blocks.ActionEscalate,
		blocks.ActionLogContact, blocks.ActionPromise, blocks.ActionDispute, blocks.ActionResolveDispute:
		b.openModal(ctx, cb, act)
	case blocks.ActionPlanAgreed:
		ref, err := blocks.ParsePlanRef(act.Value)
		if err != nil {
			b.reply(ctx, cb, blocks.Refusal("That button is not one of owed's."))
			return
		}
		_, err = b.opts.Cases.AgreePlan(ctx, actor(cb), ref.CaseID, ref.PlanID)
		b.afterChange(ctx, cb, ref.CaseID, err)
	case blocks.ActionPlanCancel:
		ref, err := blocks.ParseCaseRef(act.Value)
		if err != nil {
			b.reply(ctx, cb, blocks.Refusal("That button is not one of owed's."))
			return
		}
		_, err = b.opts.Cases.CancelPlan(ctx, actor(cb), ref.CaseID)
		b.afterChange(ctx, cb, ref.CaseID, err)
	case blocks.ActionApprove, blocks.ActionWithdraw:
		action, _ := blocks.CaseActionOf(act.ActionID)
		b.decide(ctx, cb, act, action, "")
	case blocks.ActionReject:
		b.openRejectModal(ctx, cb, act)
	case blocks.ActionPlanPreview:
		b.previewPlan(ctx, cb)
	case blocks.ActionSendReminder, blocks.ActionReminderTemplate,
		blocks.ActionCourtesySendAll, blocks.ActionCourtesyReview, blocks.ActionCourtesySkip:
		b.handleReminderAction(ctx, cb, act)
	}
}

// afterChange answers the clicker when a change was refused, with the
// reason and the case as it is now. Accepted changes (and repeats of
// one's own action) show up in the alert itself, through the outbox.
func (b *Bot) afterChange(ctx context.Context, cb *slack.InteractionCallback, caseID int64, err error) {
	if err == nil {
		if cb.Container.IsEphemeral {
			b.refreshEphemeral(ctx, cb, caseID)
		}
		return
	}
	if collections.ErrorCode(err) == collections.EINTERNAL {
		b.reply(ctx, cb, b.internal(ctx, "case action", err))
		return
	}
	b.metrics.requests.WithLabelValues("interaction", "refused").Inc()
	b.replyWithCase(ctx, cb, caseID, collections.ErrorMessage(err))
}

// replyWithCase answers the clicker with a reason and the case's current
// alert, whose buttons are the ones its state offers now.
func (b *Bot) replyWithCase(ctx context.Context, cb *slack.InteractionCallback, caseID int64, reason string) {
	v, err := b.opts.Cases.FindCaseView(ctx, caseID, b.today())
	if err != nil {
		b.reply(ctx, cb, blocks.Refusal(reason))
		return
	}
	current := blocks.Alert(v)
	msg := blocks.Refusal(reason)
	msg.Blocks = append(msg.Blocks, current.Blocks...)
	msg.Text = reason + "\n" + current.Text
	if len(msg.Blocks) > 50 {
		msg.Blocks = msg.Blocks[:50]
	}
	b.reply(ctx, cb, msg)
}

// refreshEphemeral redraws an ephemeral /owed summary after an action
// taken from it.
func (b *Bot) refreshEphemeral(ctx context.Context, cb *slack.InteractionCallback, caseID int64) {
	v, err := b.opts.Cases.FindCaseView(ctx, caseID, b.today())
	if err != nil || cb.ResponseURL == "" {
		return
	}
	msg, _ := b.summary(ctx, v.Customer)
	b.respond(ctx, cb.ResponseURL, msg, true)
}

// reply shows msg to the person who clicked, and to nobody else: in the
// thread when the button was in a thread, else where the click happened.
func (b *Bot) reply(ctx context.Context, cb *slack.InteractionCallback, msg blocks.Message) {
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	thread := cb.Container.ThreadTs
	if thread == "" && cb.Message.ThreadTimestamp != "" && cb.Message.ThreadTimestamp != cb.Message.Timestamp {
		thread = cb.Message.ThreadTimestamp
	}
	if cb.ResponseURL != "" && (thread == "" || cb.Container.IsEphemeral) {
		b.respond(ctx, cb.ResponseURL, msg, false)
		return
	}
	if channel == "" {
		return // a click inside a modal: nowhere to answer
	}
	opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	err := honourRetryAfter(ctx, answerRetryLimit, func() error {
		_, err := b.opts.Slack.PostEphemeralContext(ctx, channel, cb.User.ID, opts...)
		return err
	})
	if err != nil {
		b.log.WarnContext(ctx, "could not answer a click", "error", err)
	}
}

func (b *Bot) respond(ctx context.Context, responseURL string, msg blocks.Message, replace bool) {
	err := honourRetryAfter(ctx, answerRetryLimit, func() error {
		return slack.PostWebhookContext(ctx, responseURL, &slack.WebhookMessage{
			ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: replace,
			Text: msg.Text, Blocks: &slack.Blocks{BlockSet: msg.Blocks},
		})
	})
	if err != nil {
		b.log.WarnContext(ctx, "could not answer through response_url", "error", err)
	}
}

// openModal opens the modal of a case button (Snooze, Payment plan,
// Escalate, Log contact, Promise to pay, Dispute, Resolve dispute) when the
// case, as it is now, allows the action (whatever message the click came
// from); otherwise the clicker is told why, with the case as it is now.
func (b *Bot) openModal(ctx context.Context, cb *slack.InteractionCallback, act *slack.BlockAction) {
	ref, err := blocks.ParseCaseRef(act.Value)
	if err != nil {
		b.reply(ctx, cb, blocks.Refusal("That button is not one of owed's."))
		return
	}
	today := b.today()
	v, err := b.opts.Cases.FindCaseView(ctx, ref.CaseID, today)
	if err != nil {
		b.afterChange(ctx, cb, ref.CaseID, err)
		return
	}
	action, _ := blocks.CaseActionOf(act.ActionID)
	d, err := collections.Decide(v.Facts(), action, actor(cb))
	if err != nil {
		b.afterChange(ctx, cb, ref.CaseID, err)
		return
	}
	if d.Repeat {
		// Done already, by this person: the message they clicked may be
		// an older one, so they are shown the case as it is now.
		if cb.Container.IsEphemeral {
			b.refreshEphemeral(ctx, cb, ref.CaseID)
			return
		}
		b.replyWithCase(ctx, cb, ref.CaseID, "You have done that already: the case is "+v.Case.Describe()+".")
		return
	}
	var modal slack.ModalViewRequest
	switch act.ActionID {
	case blocks.ActionSnooze:
		modal = blocks.SnoozeModal(v)
	case blocks.ActionPlan:
		modal = blocks.PlanModal(v, blocks.DefaultPlan(v, today), today, nil)
	case blocks.ActionEscalate:
		modal = blocks.EscalateModal(v)
	case blocks.ActionLogContact:
		modal = blocks.ContactModal(v, today)
	case blocks.ActionPromise:
		modal = blocks.PromiseModal(v, today)
	case blocks.ActionDispute:
		modal = blocks.DisputeModal(v)
	case blocks.ActionResolveDispute:
		modal = blocks.ResolveModal(v)
	}
	b.open(ctx, cb, act.ActionID, modal)
}

// How long an answer to a person may wait for Slack's Retry-After: a
// modal's trigger_id lasts 3 s; a reply in the channel can wait longer.
const (
	modalRetryLimit  = 2 * time.Second
	answerRetryLimit = 10 * time.Second
)

// honourRetryAfter makes a Slack call and, when Slack answers 429 asking
// for a wait of at most limit, makes it once more after that wait.
func honourRetryAfter(ctx context.Context, limit time.Duration, call func() error) error {
	err := call()
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) && rl.RetryAfter <= limit {
		if sleep(ctx, rl.RetryAfter) != nil {
			return err
		}
		return call()
	}
	return err
}

// open opens a modal on the clicker's screen.
func (b *Bot) open(ctx context.Context, cb *slack.InteractionCallback, name string, modal slack.ModalViewRequest) {
	err := honourRetryAfter(ctx, modalRetryLimit, func() error {
		_, err := b.opts.Slack.OpenViewContext(ctx, cb.TriggerID, modal)
		return err
	})
	if err != nil {
		b.log.WarnContext(ctx, "could not open a modal", "modal", name, "error", err)
		b.reply(ctx, cb, blocks.Refusal("Slack did not let owed open that form in time. Please click again."))
	}
}

// openRejectModal asks an approver for an optional reason before
// rejecting, after checking that the lifecycle would let them reject.
func (b *Bot) openRejectModal(ctx context.Context, cb *slack.InteractionCallback, act *slack.BlockAction) {
	ref, err := blocks.ParseEscalationRef(act.Value)
	if err != nil {
		b.reply(ctx, cb, blocks.Refusal("That button is not one of owed's."))
		return
	}
	e, err := b.opts.Cases.FindEscalation(ctx, ref.EscalationID)
	if err != nil {
		b.refuse(ctx, cb, err, e)
		return
	}
	v, err := b.opts.Cases.FindCaseView(ctx, e.CaseID, b.today())
	if err != nil {
		b.refuse(ctx, cb, err, e)
		return
	}
	a, err := b.withApprover(ctx, actor(cb))
	if err != nil {
		b.reply(ctx, cb, b.internal(ctx, "approvers", err))
		return
	}
	f := v.Facts()
	f.Escalation = &e
	d, err := collections.Decide(f, collections.ActReject, a)
	if err != nil {
		b.refuse(ctx, cb, err, e)
		return
	}
	if d.Repeat {
		return
	}
	b.open(ctx, cb, act.ActionID, blocks.RejectModal(v, e))
}

// refuse answers a refused decision on escalation e: the approvers who
// may decide (not its requester) are named to whoever is not one.
func (b *Bot) refuse(ctx context.Context, cb *slack.InteractionCallback, err error, e collections.Escalation) {
	switch {
	case errors.Is(err, collections.ErrNotApprover):
		b.metrics.requests.WithLabelValues("interaction", "refused").Inc()
		b.reply(ctx, cb, blocks.RefusalAskApprovers(slices.DeleteFunc(b.approvers.ids(), func(id string) bool { return id == e.RequestedBy })))
	case collections.ErrorCode(err) == collections.EINTERNAL:
		b.reply(ctx, cb, b.internal(ctx, "decide escalation", err))
	default:
		b.metrics.requests.WithLabelValues("interaction", "refused").Inc()
		b.reply(ctx, cb, blocks.Refusal(collections.ErrorMessage(err)))
	}
}

// handleSubmission applies a submitted modal, or returns its errors inline.
func (b *Bot) handleSubmission(ctx context.Context, cb *slack.InteractionCallback) any {
	if cb.View.CallbackID == blocks.CallbackReject {
		return b.submitReject(ctx, cb)
	}
	if answer, ok := b.reminderSubmission(ctx, cb); ok {
		return answer
	}
	ref, err := blocks.ModalCaseRef(cb.View.PrivateMetadata)
	if err != nil {
		return nil
	}
	today := b.today()
	state := cb.View.State
	if state == nil {
		state = &slack.ViewState{}
	}
	var errs map[string]string
	var firstBlock string
	switch cb.View.CallbackID {
	case blocks.CallbackSnooze:
		firstBlock = blocks.BlockSnoozeFor
		until, reason, perrs := blocks.ParseSnooze(state, today)
		if errs = perrs; len(errs) == 0 {
			_, err = b.opts.Cases.Snooze(ctx, actor(cb), ref.CaseID, until, reason)
		}
	case blocks.CallbackPlan:
		firstBlock = blocks.BlockPlanInstalments
		v, verr := b.opts.Cases.FindCaseView(ctx, ref.CaseID, today)
		if verr != nil {
			err = verr
			break
		}
		p, perrs := blocks.ParsePlan(state, v, today)
		if errs = perrs; len(errs) == 0 && !blocks.PlanShowsProposal(cb.View.PrivateMetadata, p, today) {
			// Nobody proposes a schedule they were not shown.
			v.Case.Version = ref.Version
			m := blocks.PlanModalToCheck(v, p, today)
			return slack.NewUpdateViewSubmissionResponse(&m)
		}
		if len(errs) == 0 {
			_, err = b.opts.Cases.ProposePlan(ctx, actor(cb), ref.CaseID, p)
		}
	case blocks.CallbackEscalate:
		firstBlock = blocks.BlockEscalateReason
		target, reason, perrs := blocks.ParseEscalate(state)
		if errs = perrs; len(errs) == 0 && !b.someoneElseApproves(ctx, cb.User.ID) {
			errs = map[string]string{blocks.BlockEscalateReason: "No approver other than you can decide this, and no one approves their own escalation. " +
				"Ask another approver to escalate it, or have one more person added to the approvers."}
		}
		if len(errs) == 0 {
			_, err = b.opts.Cases.Escalate(ctx, actor(cb), ref.CaseID, target, reason)
		}
	case blocks.CallbackContact, blocks.CallbackPromise:
		firstBlock = blocks.BlockContactOutcome
		v, verr := b.opts.Cases.FindCaseView(ctx, ref.CaseID, today)
		if verr != nil {
			err = verr
			break
		}
		if cb.View.CallbackID == blocks.CallbackPromise {
			firstBlock = blocks.BlockPromiseAmount
			p, perrs := blocks.ParsePromise(state, v, today)
			if errs = perrs; len(errs) == 0 {
				_, err = b.opts.Cases.Promise(ctx, actor(cb), ref.CaseID, p)
			}
			break
		}
		c, p, perrs := blocks.ParseContact(state, v, today)
		if errs = perrs; len(errs) == 0 {
			_, err = b.opts.Cases.LogContact(ctx, actor(cb), ref.CaseID, c, p)
		}
	case blocks.CallbackDispute:
		firstBlock = blocks.BlockDisputeInvoices
		in, perrs := blocks.ParseDispute(state)
		if errs = perrs; len(errs) == 0 {
			_, err = b.opts.Cases.Dispute(ctx, actor(cb), ref.CaseID, in)
		}
	case blocks.CallbackResolve:
		firstBlock = blocks.BlockResolveInvoices
		ids, how, perrs := blocks.ParseResolve(state)
		if errs = perrs; len(errs) == 0 {
			_, err = b.opts.Cases.ResolveDispute(ctx, actor(cb), ref.CaseID, ids, how)
		}
	default:
		return nil
	}
	return b.submissionAnswer(ctx, errs, firstBlock, err)
}

// someoneElseApproves reports whether an approver other than user could
// decide an escalation user asks for. When Slack cannot name the user
// groups' members just now, it assumes so: the request waits for them.
func (b *Bot) someoneElseApproves(ctx context.Context, user string) bool {
	users, err := b.approvers.all(ctx)
	if err != nil {
		b.log.WarnContext(ctx, "approvers unknown; the escalation is taken as asked", "error", err)
		return true
	}
	return slices.ContainsFunc(users, func(u string) bool { return u != user })
}

// submissionAnswer closes the modal (nil) or shows inline errors: the
// form's own problems, else the refusal on the form's first block.
func (b *Bot) submissionAnswer(ctx context.Context, errs map[string]string, firstBlock string, err error) any {
	if len(errs) > 0 {
		return slack.NewErrorsViewSubmissionResponse(errs)
	}
	switch {
	case err == nil:
		return nil
	case collections.ErrorCode(err) == collections.EINTERNAL:
		b.internal(ctx, "modal submission", err)
	}
	return slack.NewErrorsViewSubmissionResponse(map[string]string{firstBlock: b.namedPlain(ctx, collections.ErrorMessage(err))})
}

// mention is a Slack mention in owed's mrkdwn: <@U0DANA>.
var mention = regexp.MustCompile(`<@([UW][A-Z0-9]{1,20})>`)

// namedPlain writes a refusal for a form's field, which Slack shows as
// plain text: a mention becomes "@" and the person's name (users.info,
// asked briefly; their ID when Slack does not answer in time).
func (b *Bot) namedPlain(ctx context.Context, msg string) string {
	ids := mention.FindAllStringSubmatch(msg, -1)
	if len(ids) == 0 {
		return msg
	}
	ctx, cancel := context.WithTimeout(ctx, min(b.opts.CallTimeout, time.Second))
	defer cancel()
	names := map[string]string{}
	for _, m := range ids {
		if _, done := names[m[1]]; done {
			continue
		}
		names[m[1]] = m[1]
		if u, err := b.opts.Slack.GetUserInfoContext(ctx, m[1]); err == nil {
			if n := cmp.Or(strings.TrimSpace(u.RealName), u.Name); n != "" {
				names[m[1]] = n
			}
		}
	}
	return mention.ReplaceAllStringFunc(msg, func(s string) string { return "@" + names[s[2:len(s)-1]] })
}

// submitReject rejects an escalation with the reason given.
func (b *Bot) submitReject(ctx context.Context, cb *slack.InteractionCallback) any {
	ref, err := blocks.ParseEscalationRef(cb.View.PrivateMetadata)
	if err != nil {
		return nil
	}
	note, errs := blocks.ParseReject(cb.View.State)
	if len(errs) == 0 {
		var a collections.Actor
		if a, err = b.withApprover(ctx, actor(cb)); err == nil {
			_, err = b.opts.Cases.DecideEscalation(ctx, a, ref.EscalationID, collections.ActReject, note)
		}
	}
	return b.submissionAnswer(ctx, errs, blocks.BlockRejectReason, err)
}

// previewPlan redraws the payment plan modal when one of its inputs
// changed, with what keeps the plan from being proposed.
func (b *Bot) previewPlan(ctx context.Context, cb *slack.InteractionCallback) {
	ref, err := blocks.ModalCaseRef(cb.View.PrivateMetadata)
	if err != nil || cb.View.State == nil {
		return
	}
	today := b.today()
	v, err := b.opts.Cases.FindCaseView(ctx, ref.CaseID, today)
	if err != nil {
		return
	}
	p, problems := blocks.ParsePlan(cb.View.State, v, today)
	v.Case.Version = ref.Version // keep the version the modal was opened at
	if _, err := b.opts.Slack.UpdateViewContext(ctx, blocks.PlanModal(v, p, today, problems), "", cb.View.Hash, cb.View.ID); err != nil {
		b.log.WarnContext(ctx, "could not redraw the payment plan", "error", err)
	}
}

// decide handles Approve and Withdraw on an escalation: the lifecycle
// checks who may (approvers but not the requester; only the requester).
func (b *Bot) decide(ctx context.Context, cb *slack.InteractionCallback, act *slack.BlockAction, action collections.CaseAction, note string) {
	ref, err := blocks.ParseEscalationRef(act.Value)
	if err != nil {
		b.reply(ctx, cb, blocks.Refusal("That button is not one of owed's."))
		return
	}
	a, err := b.withApprover(ctx, actor(cb))
	if err != nil {
		b.reply(ctx, cb, b.internal(ctx, "approvers", err))
		return
	}
	e, err := b.opts.Cases.DecideEscalation(ctx, a, ref.EscalationID, action, note)
	switch {
	case err == nil:
	case e.CaseID != 0 && !errors.Is(err, collections.ErrNotApprover) && collections.ErrorCode(err) != collections.EINTERNAL:
		// Decided already, or its case moved on: why, and the case now.
		b.metrics.requests.WithLabelValues("interaction", "refused").Inc()
		b.replyWithCase(ctx, cb, e.CaseID, collections.ErrorMessage(err))
		return
	default:
		b.refuse(ctx, cb, err, e)
		return
	}
	b.log.InfoContext(ctx, "escalation decided", "escalation", e.ID, "status", e.Status, "by", e.DecidedBy)
}
