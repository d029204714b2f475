package bot

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/collections"
)

// HandleInteraction handles a button click or a modal submission and
// returns the body of the answer to Slack (nil: an empty 200). A click is
// acknowledged at once and handled after the ack; a modal submission is
// answered with its outcome, as Slack needs it to keep or close the modal.
func (b *Bot) HandleInteraction(ctx context.Context, cb slack.InteractionCallback) any {
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
		return b.handleSubmission(ctx, cb)
	}
	b.metrics.requests.WithLabelValues("interaction", "ignored").Inc()
	return nil
}

func actor(cb slack.InteractionCallback) collections.Actor {
	name := cb.User.Name
	if name == "" {
		name = cb.User.Username
	}
	return collections.Actor{UserID: cb.User.ID, Name: name}
}

func (b *Bot) handleAction(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) {
	switch act.ActionID {
	case blocks.ActionSnooze, blocks.ActionPlan, blocks.ActionEscalate:
		b.openModal(ctx, cb, act)
	case blocks.ActionPlanAgreed, blocks.ActionPlanCancel:
		ref, err := blocks.ParseCaseRef(act.Value)
		if err != nil {
			b.reply(ctx, cb, blocks.Refusal("That button is not one of owed's."))
			return
		}
		if act.ActionID == blocks.ActionPlanAgreed {
			_, err = b.opts.Cases.AgreePlan(ctx, actor(cb), ref.CaseID, ref.Version)
		} else {
			_, err = b.opts.Cases.CancelPlan(ctx, actor(cb), ref.CaseID, ref.Version)
		}
		b.afterChange(ctx, cb, ref.CaseID, err)
	case blocks.ActionApprove, blocks.ActionReject:
		b.decide(ctx, cb, act)
	case blocks.ActionPlanPreview:
		b.previewPlan(ctx, cb)
	}
}

// afterChange answers the clicker when a change was refused or stale, with
// the reason and the case as it is now. Accepted changes show up in the
// alert itself, through the outbox.
func (b *Bot) afterChange(ctx context.Context, cb slack.InteractionCallback, caseID int64, err error) {
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
	b.replyWithCase(ctx, cb, caseID, collections.ErrorMessage(err))
}

// replyWithCase answers the clicker with a reason and the case's current
// alert, whose buttons carry the current version.
func (b *Bot) replyWithCase(ctx context.Context, cb slack.InteractionCallback, caseID int64, reason string) {
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
func (b *Bot) refreshEphemeral(ctx context.Context, cb slack.InteractionCallback, caseID int64) {
	v, err := b.opts.Cases.FindCaseView(ctx, caseID, b.today())
	if err != nil || cb.ResponseURL == "" {
		return
	}
	msg, _ := b.summary(ctx, v.Customer)
	b.respond(ctx, cb.ResponseURL, msg, true)
}

// reply shows msg to the person who clicked, and to nobody else.
func (b *Bot) reply(ctx context.Context, cb slack.InteractionCallback, msg blocks.Message) {
	if cb.ResponseURL != "" {
		b.respond(ctx, cb.ResponseURL, msg, false)
		return
	}
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	if channel == "" {
		return // a click inside a modal: nowhere to answer
	}
	_, err := b.opts.Slack.PostEphemeralContext(ctx, channel, cb.User.ID,
		slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...))
	if err != nil {
		b.log.WarnContext(ctx, "could not answer a click", "error", err)
	}
}

func (b *Bot) respond(ctx context.Context, responseURL string, msg blocks.Message, replace bool) {
	err := slack.PostWebhookContext(ctx, responseURL, &slack.WebhookMessage{
		ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: replace,
		Text: msg.Text, Blocks: &slack.Blocks{BlockSet: msg.Blocks},
	})
	if err != nil {
		b.log.WarnContext(ctx, "could not answer through response_url", "error", err)
	}
}

// openModal opens the Snooze, Payment plan or Escalate modal, unless the
// message was stale: then the clicker sees the case as it is now.
func (b *Bot) openModal(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) {
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
	if v.Case.Version != ref.Version || !allows(v.Case.Status, act.ActionID) {
		b.replyWithCase(ctx, cb, ref.CaseID, fmt.Sprintf("This alert has changed since it was shown: %s is now %s.",
			v.Customer.Name, v.Case.Describe()))
		return
	}
	var modal slack.ModalViewRequest
	switch act.ActionID {
	case blocks.ActionSnooze:
		modal = blocks.SnoozeModal(v)
	case blocks.ActionPlan:
		modal = blocks.PlanModal(v, blocks.DefaultPlan(v, today), today)
	case blocks.ActionEscalate:
		modal = blocks.EscalateModal(v)
	}
	if _, err := b.opts.Slack.OpenViewContext(ctx, cb.TriggerID, modal); err != nil {
		b.log.WarnContext(ctx, "could not open a modal", "modal", act.ActionID, "error", err)
		b.reply(ctx, cb, blocks.Refusal("Slack did not let owed open that form in time. Please click again."))
	}
}

// allows reports whether a case in status s offers the button.
func allows(s collections.CaseStatus, actionID string) bool {
	switch s {
	case collections.CaseOpen, collections.CaseSnoozed:
		return actionID == blocks.ActionSnooze || actionID == blocks.ActionPlan || actionID == blocks.ActionEscalate
	}
	return false
}

// handleSubmission applies a submitted modal, or returns its errors inline.
func (b *Bot) handleSubmission(ctx context.Context, cb slack.InteractionCallback) any {
	ref, err := blocks.ParseCaseRef(cb.View.PrivateMetadata)
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
			_, err = b.opts.Cases.Snooze(ctx, actor(cb), ref.CaseID, ref.Version, until, reason)
		}
	case blocks.CallbackPlan:
		firstBlock = blocks.BlockPlanInstalments
		v, verr := b.opts.Cases.FindCaseView(ctx, ref.CaseID, today)
		if verr != nil {
			err = verr
			break
		}
		p, perrs := blocks.ParsePlan(state, v, today)
		if errs = perrs; len(errs) == 0 {
			_, err = b.opts.Cases.ProposePlan(ctx, actor(cb), ref.CaseID, ref.Version, p)
		}
	case blocks.CallbackEscalate:
		firstBlock = blocks.BlockEscalateReason
		target, reason, perrs := blocks.ParseEscalate(state)
		if errs = perrs; len(errs) == 0 {
			_, err = b.opts.Cases.Escalate(ctx, actor(cb), ref.CaseID, ref.Version, target, reason)
		}
	default:
		return nil
	}
	if len(errs) > 0 {
		return slack.NewErrorsViewSubmissionResponse(errs)
	}
	switch {
	case err == nil:
		return nil
	case collections.ErrorCode(err) == collections.EINTERNAL:
		b.internal(ctx, "modal submission", err)
	}
	return slack.NewErrorsViewSubmissionResponse(map[string]string{firstBlock: collections.ErrorMessage(err)})
}

// previewPlan redraws the payment plan modal when one of its inputs changed.
func (b *Bot) previewPlan(ctx context.Context, cb slack.InteractionCallback) {
	ref, err := blocks.ParseCaseRef(cb.View.PrivateMetadata)
	if err != nil || cb.View.State == nil {
		return
	}
	today := b.today()
	v, err := b.opts.Cases.FindCaseView(ctx, ref.CaseID, today)
	if err != nil {
		return
	}
	p, _ := blocks.ParsePlan(cb.View.State, v, today)
	v.Case.Version = ref.Version // keep the version the modal was opened at
	if _, err := b.opts.Slack.UpdateViewContext(ctx, blocks.PlanModal(v, p, today), "", cb.View.Hash, cb.View.ID); err != nil {
		b.log.WarnContext(ctx, "could not redraw the payment plan", "error", err)
	}
}

// decide handles Approve and Reject: only approvers, never the requester.
func (b *Bot) decide(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) {
	ref, err := blocks.ParseEscalationRef(act.Value)
	if err != nil {
		b.reply(ctx, cb, blocks.Refusal("That button is not one of owed's."))
		return
	}
	ok, err := b.approvers.contains(ctx, cb.User.ID)
	if err != nil {
		b.reply(ctx, cb, b.internal(ctx, "approvers", err))
		return
	}
	if !ok {
		b.metrics.requests.WithLabelValues("interaction", "refused").Inc()
		b.reply(ctx, cb, blocks.RefusalAskApprovers(b.approvers.ids()))
		return
	}
	e, err := b.opts.Cases.DecideEscalation(ctx, actor(cb), ref.EscalationID, act.ActionID == blocks.ActionApprove)
	if err != nil {
		if collections.ErrorCode(err) == collections.EINTERNAL {
			b.reply(ctx, cb, b.internal(ctx, "decide escalation", err))
			return
		}
		b.metrics.requests.WithLabelValues("interaction", "refused").Inc()
		b.reply(ctx, cb, blocks.Refusal(collections.ErrorMessage(err)))
		return
	}
	b.log.InfoContext(ctx, "escalation decided", "escalation", e.ID, "status", e.Status, "by", e.DecidedBy)
}
