package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Reply is what came of a slash command.
type Reply struct {
	Status      int           // the app's HTTP status (200 for a Socket Mode ack)
	Elapsed     time.Duration // how long the app took to answer
	Body        string        // the app's answer, as sent
	Message     *Message      // the message shown from the answer; nil for a bare ack or a failure
	Error       string        // Slack's error when the command failed, e.g. "operation_timeout"
	TriggerID   string        // the trigger_id the app was given
	ResponseURL string        // the response_url the app was given
}

// SubmitResult is what came of submitting a modal.
type SubmitResult struct {
	Status         int
	Elapsed        time.Duration
	Delivered      bool              // false when Slack's own checks kept the form from being sent
	ResponseAction string            // the app's response_action: "", "errors", "update", "push" or "clear"
	Errors         map[string]string // errors shown under input blocks, by block_id
	Closed         bool              // the submitted modal is closed
	View           *View             // the modal now on screen, nil if none
}

func (s *Server) userJSON(id string) map[string]any {
	name := s.userName(id)
	return map[string]any{"id": id, "username": name, "name": name, "team_id": s.cfg.TeamID}
}

func (s *Server) teamJSON() map[string]any {
	return map[string]any{"id": s.cfg.TeamID, "domain": s.cfg.TeamDomain}
}

func channelName(c *conversation) string {
	if c.isIM {
		return "directmessage"
	}
	return c.name
}

// slackEscapes are how Slack escapes, in the text it sends apps, what a
// member typed: &, < and > as &amp;, &lt; and &gt;.
var slackEscapes = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escapeText escapes what a member typed as Slack does.
func escapeText(s string) string { return slackEscapes.Replace(s) }

// SlashCommand runs a slash command as a member in a conversation, e.g.
// SlashCommand(ctx, "U0MEMBER", "C0COLLECT", "/owed", "acme"). The app gets
// the same signed form Slack sends. Its answer is shown as Slack shows it:
// a JSON or text body becomes an ephemeral (or in_channel) message, an empty
// body is a bare ack. When the app fails or is late, the member sees
// Slack's error and the returned error is an *AppError; Reply says what
// happened either way.
func (s *Server) SlashCommand(ctx context.Context, userID, channelID, command, text string) (Reply, error) {
	s.mu.Lock()
	m, ok := s.member(userID)
	if !ok {
		s.mu.Unlock()
		return Reply{}, fmt.Errorf("slash command: unknown member %q", userID)
	}
	conv, ok := s.convs[channelID]
	if !ok || !conv.canSee(userID) {
		s.mu.Unlock()
		return Reply{}, fmt.Errorf("slash command: member %s is not in conversation %q", userID, channelID)
	}
	if !strings.HasPrefix(command, "/") {
		s.mu.Unlock()
		return Reply{}, fmt.Errorf("slash command: %q does not start with /", command)
	}
	if len(s.cfg.Commands) > 0 && !slices.Contains(s.cfg.Commands, command) {
		s.mu.Unlock()
		return Reply{}, fmt.Errorf("%s is not a valid command. In Slack, all messages that start with the \"/\" character are interpreted as commands", command)
	}
	triggerID := s.mintTriggerLocked(userID, "")
	respURL, ru := s.mintResponseURLLocked("commands", conv.id, userID, "")
	fields := map[string]string{
		"token":                 s.cfg.VerificationToken,
		"team_id":               s.cfg.TeamID,
		"team_domain":           s.cfg.TeamDomain,
		"channel_id":            conv.id,
		"channel_name":          channelName(conv),
		"user_id":               userID,
		"user_name":             m.Name,
		"command":               command,
		"text":                  escapeText(text), // as Slack's client sends what was typed
		"api_app_id":            s.cfg.AppID,
		"is_enterprise_install": "false",
		"response_url":          respURL,
		"trigger_id":            triggerID,
	}
	s.mu.Unlock()

	form := url.Values{}
	for k, v := range fields {
		form.Set(k, v)
	}
	ans, err := s.deliver(ctx, s.cfg.CommandURL, "slash_commands", form, fields)
	if err != nil {
		return Reply{}, fmt.Errorf("slash command %s: %w", command, err)
	}
	reply := Reply{Status: ans.status, Elapsed: ans.elapsed, Body: string(ans.body), TriggerID: triggerID, ResponseURL: respURL}
	if ans.failure != "" {
		reply.Error = ans.failure
		s.notify(userID, conv.id, fmt.Sprintf("%s failed with the error \"%s\"", command, ans.failure))
		return reply, ans.appError(command)
	}
	body := bytes.TrimSpace(ans.body)
	if len(body) == 0 {
		return reply, nil
	}
	var msg responseMessage
	if body[0] != '{' || json.Unmarshal(body, &msg) != nil {
		msg = responseMessage{Text: string(body)}
	}
	if msg.Text == "" && emptyJSON(msg.Blocks) && emptyJSON(msg.Attachments) {
		return reply, nil // {} is an ack too
	}
	msg.ReplaceOriginal, msg.DeleteOriginal = false, false

	s.mu.Lock()
	var echo *message
	if msg.ResponseType == "in_channel" {
		// Slack shows the command itself above an in_channel answer.
		echo = &message{user: userID, text: strings.TrimSpace(command + " " + text)}
		s.appendLocked(conv, echo)
	}
	shown, rerr := s.respondLocked(ru, msg)
	if rerr == nil {
		ru.sourceTS = shown.ts
		snap := shown.snapshot()
		reply.Message = &snap
	} else if echo != nil {
		s.removeLocked(conv, echo)
	}
	s.mu.Unlock()
	if rerr != nil {
		reason := "invalid_response"
		detail := rerr.Error()
		if ae, ok := rerr.(*apiError); ok {
			reason, detail = ae.code, strings.Join(ae.details, "; ")
		}
		reply.Error = reason
		s.notify(userID, conv.id, fmt.Sprintf("%s failed with the error \"%s\"", command, reason))
		return reply, &AppError{Kind: command, Reason: reason, Status: ans.status, Detail: detail}
	}
	return reply, nil
}

// notify shows a member an ephemeral notice from Slackbot.
func (s *Server) notify(userID, channelID, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if conv, ok := s.convs[channelID]; ok {
		s.appendLocked(conv, &message{user: slackbotID, text: text, ephemeralFor: userID})
	}
}

// Click clicks the button with the given action_id in a message, as a
// member. It fails when the message has no such button, and with an
// *AppError when the app does not acknowledge in time.
func (s *Server) Click(ctx context.Context, userID string, msg MessageRef, actionID string) error {
	return s.actOnMessage(ctx, userID, msg, "", actionID, nil)
}

// Choose picks a value in a message's select, overflow menu, datepicker or
// other element with the given action_id, as a member.
func (s *Server) Choose(ctx context.Context, userID string, msg MessageRef, actionID string, v Value) error {
	return s.actOnMessage(ctx, userID, msg, "", actionID, &v)
}

func (s *Server) actOnMessage(ctx context.Context, userID string, ref MessageRef, blockID, actionID string, v *Value) error {
	s.mu.Lock()
	if _, ok := s.member(userID); !ok {
		s.mu.Unlock()
		return fmt.Errorf("click: unknown member %q", userID)
	}
	conv, ok := s.convs[ref.Channel]
	if !ok || !conv.canSee(userID) {
		s.mu.Unlock()
		return fmt.Errorf("click: member %s is not in conversation %q", userID, ref.Channel)
	}
	m, ok := conv.byTS[ref.TS]
	if !ok || (m.ephemeralFor != "" && m.ephemeralFor != userID) {
		s.mu.Unlock()
		return fmt.Errorf("click: no message %s in %s visible to %s", ref.TS, ref.Channel, userID)
	}
	act, err := pickAction(m.snapshot().Actions(), blockID, actionID, "message "+m.ts)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("click: %w", err)
	}
	action, err := s.actionJSONLocked(act, v)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("click: %w", err)
	}
	state := map[string]any{}
	for _, a := range m.snapshot().Actions() {
		if !isStateful(a.element) {
			continue
		}
		var val *Value
		if a.BlockID == act.BlockID && a.ActionID == act.ActionID {
			val = v
		}
		st, err := s.stateOf(a.element, val)
		if err != nil {
			continue
		}
		if state[a.BlockID] == nil {
			state[a.BlockID] = map[string]any{}
		}
		state[a.BlockID].(map[string]any)[a.ActionID] = st
	}
	respURL, _ := s.mintResponseURLLocked("actions", conv.id, userID, m.ts)
	eph := m.ephemeralFor != ""
	container := map[string]any{"type": "message", "message_ts": m.ts, "channel_id": conv.id, "is_ephemeral": eph}
	if m.threadTS != "" {
		container["thread_ts"] = m.threadTS
	}
	payload := map[string]any{
		"type":                  "block_actions",
		"team":                  s.teamJSON(),
		"user":                  s.userJSON(userID),
		"api_app_id":            s.cfg.AppID,
		"token":                 s.cfg.VerificationToken,
		"container":             container,
		"trigger_id":            s.mintTriggerLocked(userID, ""),
		"channel":               map[string]any{"id": conv.id, "name": channelName(conv)},
		"enterprise":            nil,
		"is_enterprise_install": false,
		"state":                 map[string]any{"values": state},
		"response_url":          respURL,
		"actions":               []any{action},
	}
	if !eph {
		payload["message"] = m.wire(s.cfg.TeamID)
	}
	s.mu.Unlock()
	return s.sendInteraction(ctx, "block_actions", payload)
}

// sendInteraction delivers an interaction payload whose answer only needs
// to be an acknowledgement.
func (s *Server) sendInteraction(ctx context.Context, kind string, payload map[string]any) error {
	ans, err := s.deliverInteraction(ctx, payload)
	if err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	if ans.failure != "" {
		return ans.appError(kind)
	}
	return nil
}

func (s *Server) deliverInteraction(ctx context.Context, payload map[string]any) (answer, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return answer{}, fmt.Errorf("encode payload: %w", err)
	}
	return s.deliver(ctx, s.cfg.InteractionURL, "interactive", url.Values{"payload": {string(raw)}}, json.RawMessage(raw))
}

// pickAction finds the element to act on, or says which ones there are.
func pickAction(actions []Action, blockID, actionID, where string) (Action, error) {
	var ids []string
	for _, a := range actions {
		if a.ActionID == actionID && (blockID == "" || a.BlockID == blockID) {
			return a, nil
		}
		ids = append(ids, a.ActionID)
	}
	return Action{}, fmt.Errorf("%s has no element with action_id %q (it has %q)", where, actionID, ids)
}

// actionJSONLocked returns the actions[] entry Slack sends for acting on
// an element with value v (nil: a click).
func (s *Server) actionJSONLocked(a Action, v *Value) (map[string]any, error) {
	out := map[string]any{
		"action_id": a.ActionID,
		"block_id":  a.BlockID,
		"type":      a.Type,
		"action_ts": s.nextTSLocked(),
	}
	if a.Type == "button" || a.Type == "workflow_button" {
		if v != nil {
			return nil, fmt.Errorf("button %q takes a click, not a value", a.ActionID)
		}
		out["text"] = a.element["text"]
		if val, ok := a.element["value"]; ok {
			out["value"] = val
		}
		if a.Style != "" {
			out["style"] = a.Style
		}
		return out, nil
	}
	if a.InInput && !a.Dispatch {
		return nil, fmt.Errorf("input %q does not send block_actions (its block has no dispatch_action)", a.ActionID)
	}
	if v == nil {
		return nil, fmt.Errorf("%s %q needs a value: use Choose", a.Type, a.ActionID)
	}
	st, err := s.stateOf(a.element, v)
	if err != nil {
		return nil, err
	}
	for k, val := range st {
		out[k] = val
	}
	if ph, ok := a.element["placeholder"]; ok {
		out["placeholder"] = ph
	}
	return out, nil
}

// ClickInView clicks a button with the given action_id in the modal on a
// member's screen.
func (s *Server) ClickInView(ctx context.Context, userID, viewID, actionID string) error {
	return s.actInView(ctx, userID, viewID, "", actionID, nil)
}

// ClickInViewBlock clicks the button with the given action_id in one
// block of the modal on a member's screen, for buttons that share an
// action_id across blocks.
func (s *Server) ClickInViewBlock(ctx context.Context, userID, viewID, blockID, actionID string) error {
	return s.actInView(ctx, userID, viewID, blockID, actionID, nil)
}

// ChooseInView picks a value in an element of the modal on a member's
// screen that sends block_actions: a select or datepicker in an actions
// block or section, or an input whose block has dispatch_action.
func (s *Server) ChooseInView(ctx context.Context, userID, viewID, actionID string, v Value) error {
	return s.actInView(ctx, userID, viewID, "", actionID, &v)
}

func (s *Server) actInView(ctx context.Context, userID, viewID, blockID, actionID string, v *Value) error {
	s.mu.Lock()
	vw, err := s.viewOnScreenLocked(userID, viewID)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("view action: %w", err)
	}
	act, err := pickAction(vw.snapshot().Actions(), blockID, actionID, "view "+vw.id)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("view action: %w", err)
	}
	action, err := s.actionJSONLocked(act, v)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("view action: %w", err)
	}
	var given Values
	if v != nil {
		given = Values{act.BlockID: {act.ActionID: *v}}
	}
	state, err := s.stateLocked(vw, given)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("view action: %w", err)
	}
	vw.keepState(state)
	payload := map[string]any{
		"type":                  "block_actions",
		"team":                  s.teamJSON(),
		"user":                  s.userJSON(userID),
		"api_app_id":            s.cfg.AppID,
		"token":                 s.cfg.VerificationToken,
		"container":             map[string]any{"type": "view", "view_id": vw.id},
		"trigger_id":            s.mintTriggerLocked(userID, vw.id),
		"view":                  s.viewJSON(vw, state),
		"enterprise":            nil,
		"is_enterprise_install": false,
		"actions":               []any{action},
	}
	s.mu.Unlock()
	return s.sendInteraction(ctx, "block_actions", payload)
}

func (s *Server) viewOnScreenLocked(userID, viewID string) (*view, error) {
	top := s.topViewLocked(userID)
	if top == nil {
		return nil, fmt.Errorf("member %s has no modal open", userID)
	}
	if top.id != viewID {
		return nil, fmt.Errorf("modal %s is not the one on %s's screen (%s is)", viewID, userID, top.id)
	}
	return top, nil
}

// SubmitView submits the modal on a member's screen with values entered in
// its inputs (others keep what was entered before, or their initial value).
// Slack's own checks come first: an empty required input or a bad number
// keeps the form open with an error under the block, and nothing is sent.
// The app's answer is then applied as Slack does: an empty body closes the
// modal; response_action errors, update, push or clear do what they say.
func (s *Server) SubmitView(ctx context.Context, userID, viewID string, values Values) (SubmitResult, error) {
	s.mu.Lock()
	vw, err := s.viewOnScreenLocked(userID, viewID)
	if err != nil {
		s.mu.Unlock()
		return SubmitResult{}, fmt.Errorf("submit: %w", err)
	}
	if vw.submit == nil {
		s.mu.Unlock()
		return SubmitResult{}, fmt.Errorf("submit: modal %s has no submit button", viewID)
	}
	state, err := s.stateLocked(vw, values)
	if err != nil {
		s.mu.Unlock()
		return SubmitResult{}, fmt.Errorf("submit: %w", err)
	}
	vw.keepState(state)
	vw.notice = ""
	if errs := s.clientChecksLocked(vw, state); len(errs) > 0 {
		vw.errors = errs
		s.touchLocked()
		res := SubmitResult{Errors: errs, View: s.topSnapshotLocked(userID)}
		s.mu.Unlock()
		return res, nil
	}
	vw.errors = nil
	payload := map[string]any{
		"type":                  "view_submission",
		"team":                  s.teamJSON(),
		"user":                  s.userJSON(userID),
		"api_app_id":            s.cfg.AppID,
		"token":                 s.cfg.VerificationToken,
		"trigger_id":            s.mintTriggerLocked(userID, vw.id),
		"view":                  s.viewJSON(vw, state),
		"response_urls":         []any{},
		"enterprise":            nil,
		"is_enterprise_install": false,
	}
	s.touchLocked()
	s.mu.Unlock()

	ans, err := s.deliverInteraction(ctx, payload)
	if err != nil {
		return SubmitResult{}, fmt.Errorf("submit: %w", err)
	}
	res := SubmitResult{Status: ans.status, Elapsed: ans.elapsed, Delivered: true}
	s.mu.Lock()
	defer s.mu.Unlock()
	fail := func(e *AppError) (SubmitResult, error) {
		if _, open := s.views[vw.id]; open {
			vw.notice = "We had some trouble connecting. Try again?"
			s.touchLocked()
		}
		res.View = s.topSnapshotLocked(userID)
		return res, e
	}
	if ans.failure != "" {
		return fail(ans.appError("view_submission"))
	}
	body := bytes.TrimSpace(ans.body)
	if len(body) == 0 {
		s.closeViewLocked(userID, vw.id)
		res.Closed = true
		res.View = s.topSnapshotLocked(userID)
		return res, nil
	}
	var resp struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
		View           json.RawMessage   `json:"view"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return fail(&AppError{Kind: "view_submission", Reason: "invalid_response", Status: ans.status, Detail: "the answer is not JSON: " + err.Error()})
	}
	res.ResponseAction = resp.ResponseAction
	invalid := func(detail string) (SubmitResult, error) {
		return fail(&AppError{Kind: "view_submission", Reason: "invalid_response", Status: ans.status, Detail: detail})
	}
	switch resp.ResponseAction {
	case "":
		s.closeViewLocked(userID, vw.id)
		res.Closed = true
	case "errors":
		for blockID := range resp.Errors {
			if !hasInputBlock(vw.blocks, blockID) {
				return invalid(fmt.Sprintf("errors name block %q, which is not an input block of the modal", blockID))
			}
		}
		if _, open := s.views[vw.id]; open {
			vw.errors = resp.Errors
			s.touchLocked()
		}
		res.Errors = resp.Errors
	case "update", "push":
		next, err := parseView(string(resp.View))
		if err != nil {
			detail := err.Error()
			if ae, ok := err.(*apiError); ok {
				detail = strings.Join(ae.details, "; ")
			}
			return invalid(fmt.Sprintf("response_action %s: %s", resp.ResponseAction, detail))
		}
		if resp.ResponseAction == "update" {
			if _, open := s.views[vw.id]; !open {
				return invalid("response_action update: the modal is no longer open")
			}
			s.replaceViewLocked(vw, next)
			break
		}
		if len(s.stacks[userID]) >= maxViewStack {
			return invalid("response_action push: push_limit_reached")
		}
		next.id, next.hash = s.nextIDLocked("V"), s.newHashLocked()
		s.pushLocked(userID, next)
	case "clear":
		s.clearStackLocked(userID)
		res.Closed = true
	default:
		return invalid(fmt.Sprintf("unknown response_action %q", resp.ResponseAction))
	}
	res.View = s.topSnapshotLocked(userID)
	return res, nil
}

// clientChecksLocked runs Slack's client-side form checks on a modal.
func (s *Server) clientChecksLocked(vw *view, state map[string]any) map[string]string {
	errs := map[string]string{}
	for _, b := range vw.blocks {
		block, _ := b.(map[string]any)
		if block == nil || block["type"] != "input" {
			continue
		}
		el, _ := block["element"].(map[string]any)
		blockID, _ := block["block_id"].(string)
		actionID, _ := el["action_id"].(string)
		byAction, _ := state[blockID].(map[string]any)
		st, _ := byAction[actionID].(map[string]any)
		if st == nil {
			continue
		}
		if msg := clientCheck(block, el, st); msg != "" {
			errs[blockID] = msg
		}
	}
	return errs
}

func hasInputBlock(blocks []any, blockID string) bool {
	for _, b := range blocks {
		if bm, ok := b.(map[string]any); ok && bm["type"] == "input" && bm["block_id"] == blockID {
			return true
		}
	}
	return false
}

// closeViewLocked closes one modal of a member's stack.
func (s *Server) closeViewLocked(userID, viewID string) {
	stack := s.stacks[userID]
	for i, id := range stack {
		if id == viewID {
			s.stacks[userID] = append(stack[:i:i], stack[i+1:]...)
			delete(s.views, id)
			s.touchLocked()
			return
		}
	}
}

func (s *Server) topSnapshotLocked(userID string) *View {
	if top := s.topViewLocked(userID); top != nil {
		v := top.snapshot()
		return &v
	}
	return nil
}

// CloseView closes the modal on a member's screen, as its Close button
// does. With notify_on_close the app gets a view_closed payload (is_cleared
// when clear_on_close closed the whole stack).
func (s *Server) CloseView(ctx context.Context, userID, viewID string) error {
	s.mu.Lock()
	vw, err := s.viewOnScreenLocked(userID, viewID)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("close: %w", err)
	}
	state, _ := s.stateLocked(vw, nil)
	payload := map[string]any{
		"type":                  "view_closed",
		"team":                  s.teamJSON(),
		"user":                  s.userJSON(userID),
		"api_app_id":            s.cfg.AppID,
		"token":                 s.cfg.VerificationToken,
		"view":                  s.viewJSON(vw, state),
		"is_cleared":            vw.clearOnClose,
		"enterprise":            nil,
		"is_enterprise_install": false,
	}
	notify := vw.notifyOnClose
	if vw.clearOnClose {
		s.clearStackLocked(userID)
	} else {
		s.popLocked(userID)
	}
	s.mu.Unlock()
	if !notify {
		return nil
	}
	return s.sendInteraction(ctx, "view_closed", payload)
}

// ChooseInViewBlock is ChooseInView for a modal whose inputs share an
// action_id: it picks the element of the block with the given block_id.
func (s *Server) ChooseInViewBlock(ctx context.Context, userID, viewID, blockID, actionID string, v Value) error {
	return s.actInView(ctx, userID, viewID, blockID, actionID, &v)
}
