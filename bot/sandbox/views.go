package sandbox

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// trigger is a trigger_id handed to the app with an interaction.
type trigger struct {
	user   string
	viewID string // the modal the interaction happened in, if any
	issued time.Time
	used   bool
}

// mintTriggerLocked returns a new trigger_id for an interaction by user.
func (s *Server) mintTriggerLocked(user, viewID string) string {
	s.seq++
	id := fmt.Sprintf("%d.%d.%s", s.now().Unix(), s.seq, shortID(user, int(s.seq)))
	s.triggers[id] = &trigger{user: user, viewID: viewID, issued: s.now()}
	s.forgetExpiredLocked()
	return id
}

// forgetExpiredLocked drops, at most once a minute of Slack's clock, the
// trigger_ids and response_urls expired for longer than forgetAfter.
func (s *Server) forgetExpiredLocked() {
	now := s.now()
	if now.Sub(s.forgotAt) < time.Minute {
		return
	}
	s.forgotAt = now
	for id, t := range s.triggers {
		if now.Sub(t.issued) > TriggerTTL+forgetAfter {
			delete(s.triggers, id)
		}
	}
	for path, ru := range s.responseURLs {
		if now.Sub(ru.issued) > ResponseURLTTL+forgetAfter {
			delete(s.responseURLs, path)
		}
	}
}

// checkTriggerLocked checks that a trigger_id can be exchanged now.
func (s *Server) checkTriggerLocked(id string) (*trigger, error) {
	t, ok := s.triggers[id]
	switch {
	case !ok:
		return nil, slackErr("invalid_trigger_id")
	case t.used:
		return nil, slackErr("exchanged_trigger_id")
	case s.now().Sub(t.issued) > TriggerTTL:
		return nil, slackErr("expired_trigger_id")
	}
	return t, nil
}

// view is a modal view.
type view struct {
	id              string
	user            string
	externalID      string
	callbackID      string
	privateMetadata string
	title           any
	submit          any
	closeText       any
	blocks          []any
	blocksJSON      json.RawMessage // blocks, as encoded once for every payload that shows the view
	clearOnClose    bool
	notifyOnClose   bool
	hash            string
	rootID          string
	previousID      string
	state           map[string]map[string]map[string]any // block_id → action_id → state entry
	errors          map[string]string                    // response_action errors, by block_id
	notice          string                               // Slack's own error shown atop the modal
}

// parseView reads and checks a modal view argument.
func parseView(raw string) (*view, error) {
	var m map[string]any
	if err := decodeJSON([]byte(raw), &m); err != nil || m == nil {
		return nil, slackErr("invalid_arguments", "[ERROR] view must be a JSON object [json-pointer:/view]")
	}
	var p blockProblems
	if m["type"] != "modal" {
		p.add("/view/type", "must be a valid enum value (modal)")
	}
	checkText(&p, m["title"], "/view/title", 1, maxModalTitle, true)
	if v, ok := m["submit"]; ok {
		checkText(&p, v, "/view/submit", 1, maxModalTitle, true)
	}
	if v, ok := m["close"]; ok {
		checkText(&p, v, "/view/close", 1, maxModalTitle, true)
	}
	str := func(k string, max int) string {
		s, _ := m[k].(string)
		checkLen(&p, "/view/"+k, s, max)
		return s
	}
	v := &view{
		callbackID:      str("callback_id", maxIDLength),
		privateMetadata: str("private_metadata", maxPrivateMetadata),
		externalID:      str("external_id", maxIDLength),
		title:           m["title"],
		submit:          m["submit"],
		closeText:       m["close"],
		state:           map[string]map[string]map[string]any{},
	}
	v.clearOnClose, _ = m["clear_on_close"].(bool)
	v.notifyOnClose, _ = m["notify_on_close"].(bool)
	blocks, ok := m["blocks"].([]any)
	if !ok {
		p.add("/view/blocks", "must provide an array")
	}
	p = append(p, validateBlocks(blocks, surfaceModal, "/view/blocks")...)
	if _, hasSubmit := m["submit"]; !hasSubmit && slices.ContainsFunc(blocks, func(b any) bool {
		bm, _ := b.(map[string]any)
		return bm["type"] == "input"
	}) {
		p.add("/view", "must provide a submit property when using input blocks")
	}
	if len(p) > 0 {
		return nil, slackErr("invalid_arguments", p.messages()...)
	}
	var normal []any
	v.blocksJSON = normaliseBlocks(blocks)
	_ = decodeJSON(v.blocksJSON, &normal)
	v.blocks = normal
	return v, nil
}

func (s *Server) externalIDTakenLocked(id, except string) bool {
	if id == "" {
		return false
	}
	for _, v := range s.views {
		if v.externalID == id && v.id != except {
			return true
		}
	}
	return false
}

func (s *Server) newHashLocked() string {
	s.seq++
	return fmt.Sprintf("%d.%s", s.now().Unix(), shortID("hash", int(s.seq)))
}

// exchange checks the trigger and view arguments of views.open and views.push.
func (s *Server) exchangeLocked(a args) (*trigger, *view, error) {
	if a["trigger_id"] == "" {
		return nil, nil, slackErr("invalid_arguments", "[ERROR] missing required field: trigger_id")
	}
	if a["view"] == "" {
		return nil, nil, slackErr("invalid_arguments", "[ERROR] missing required field: view")
	}
	t, err := s.checkTriggerLocked(a["trigger_id"])
	if err != nil {
		return nil, nil, err
	}
	v, err := parseView(a["view"])
	if err != nil {
		return nil, nil, err
	}
	if s.externalIDTakenLocked(v.externalID, "") {
		return nil, nil, slackErr("duplicate_external_id")
	}
	t.used = true
	v.id = s.nextIDLocked("V")
	v.user = t.user
	v.hash = s.newHashLocked()
	return t, v, nil
}

func (s *Server) viewsOpen(_ *http.Request, a args) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, v, err := s.exchangeLocked(a)
	if err != nil {
		return nil, err
	}
	s.clearStackLocked(t.user)
	v.rootID = v.id
	s.views[v.id] = v
	s.stacks[t.user] = []string{v.id}
	s.touchLocked()
	return map[string]any{"view": s.viewJSON(v, nil)}, nil
}

func (s *Server) viewsPush(_ *http.Request, a args) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.triggers[a["trigger_id"]]; ok && len(s.stacks[t.user]) >= maxViewStack {
		return nil, slackErr("push_limit_reached")
	}
	t, v, err := s.exchangeLocked(a)
	if err != nil {
		return nil, err
	}
	stack := s.stacks[t.user]
	if len(stack) == 0 {
		return nil, slackErr("not_found", "[ERROR] no modal is open to push onto")
	}
	s.pushLocked(t.user, v)
	return map[string]any{"view": s.viewJSON(v, nil)}, nil
}

func (s *Server) pushLocked(user string, v *view) {
	stack := s.stacks[user]
	v.user = user
	v.rootID = stack[0]
	v.previousID = stack[len(stack)-1]
	s.views[v.id] = v
	s.stacks[user] = append(stack, v.id)
	s.touchLocked()
}

func (s *Server) viewsUpdate(_ *http.Request, a args) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a["view"] == "" {
		return nil, slackErr("invalid_arguments", "[ERROR] missing required field: view")
	}
	var cur *view
	if id := a["view_id"]; id != "" {
		cur = s.views[id]
	} else if ext := a["external_id"]; ext != "" {
		for _, v := range s.views {
			if v.externalID == ext {
				cur = v
			}
		}
	} else {
		return nil, slackErr("invalid_arguments", "[ERROR] must provide view_id or external_id")
	}
	if cur == nil {
		return nil, slackErr("not_found")
	}
	if h := a["hash"]; h != "" && h != cur.hash {
		return nil, slackErr("hash_conflict")
	}
	next, err := parseView(a["view"])
	if err != nil {
		return nil, err
	}
	if next.externalID == "" {
		next.externalID = cur.externalID
	}
	if s.externalIDTakenLocked(next.externalID, cur.id) {
		return nil, slackErr("duplicate_external_id")
	}
	s.replaceViewLocked(cur, next)
	return map[string]any{"view": s.viewJSON(cur, nil)}, nil
}

// replaceViewLocked gives an open view new content, keeping its id, its
// place in the stack and what the member entered in elements that remain.
func (s *Server) replaceViewLocked(cur, next *view) {
	next.id, next.user, next.rootID, next.previousID = cur.id, cur.user, cur.rootID, cur.previousID
	next.hash = s.newHashLocked()
	for blockID, byAction := range cur.state {
		for actionID, st := range byAction {
			if el := findElement(next.blocks, blockID, actionID); el != nil && el["type"] == st["type"] {
				if next.state[blockID] == nil {
					next.state[blockID] = map[string]map[string]any{}
				}
				next.state[blockID][actionID] = st
			}
		}
	}
	*cur = *next
	s.touchLocked()
}

// findElement returns the element with action_id in the block with block_id.
func findElement(blocks []any, blockID, actionID string) map[string]any {
	var found map[string]any
	for _, b := range blocks {
		block, _ := b.(map[string]any)
		if block == nil || (blockID != "" && block["block_id"] != blockID) {
			continue
		}
		forEachElement(block, func(el map[string]any, _ int) {
			if found == nil && el["action_id"] == actionID {
				found = el
			}
		})
	}
	return found
}

// topViewLocked returns the modal a member sees, or nil.
func (s *Server) topViewLocked(user string) *view {
	stack := s.stacks[user]
	if len(stack) == 0 {
		return nil
	}
	return s.views[stack[len(stack)-1]]
}

// popLocked closes a member's top modal; the one beneath shows again.
func (s *Server) popLocked(user string) {
	stack := s.stacks[user]
	if len(stack) == 0 {
		return
	}
	delete(s.views, stack[len(stack)-1])
	s.stacks[user] = stack[:len(stack)-1]
	s.touchLocked()
}

// clearStackLocked closes all of a member's modals.
func (s *Server) clearStackLocked(user string) {
	for _, id := range s.stacks[user] {
		delete(s.views, id)
	}
	delete(s.stacks, user)
	s.touchLocked()
}

// stateLocked returns a view's state.values: every stateful element with
// the member's value (values given now, else entered before, else initial).
func (s *Server) stateLocked(v *view, given Values) (map[string]any, error) {
	values := map[string]any{}
	for blockID, byAction := range given {
		for actionID := range byAction {
			if findElement(v.blocks, blockID, actionID) == nil {
				return nil, fmt.Errorf("view %s has no element %q in block %q", v.id, actionID, blockID)
			}
		}
	}
	for _, b := range v.blocks {
		block, _ := b.(map[string]any)
		if block == nil {
			continue
		}
		blockID, _ := block["block_id"].(string)
		var err error
		forEachElement(block, func(el map[string]any, _ int) {
			if err != nil || !isStateful(el) {
				return
			}
			actionID, _ := el["action_id"].(string)
			var st map[string]any
			if val, ok := given[blockID][actionID]; ok {
				st, err = s.stateOf(el, &val)
			} else if prev, ok := v.state[blockID][actionID]; ok {
				st = prev
			} else {
				st, err = s.stateOf(el, nil)
			}
			if err != nil {
				return
			}
			if values[blockID] == nil {
				values[blockID] = map[string]any{}
			}
			values[blockID].(map[string]any)[actionID] = st
		})
		if err != nil {
			return nil, err
		}
	}
	return values, nil
}

// keepState records state entries in a view, as Slack's client keeps what
// a member entered.
func (v *view) keepState(values map[string]any) {
	for blockID, byAction := range values {
		for actionID, st := range byAction.(map[string]any) {
			if v.state[blockID] == nil {
				v.state[blockID] = map[string]map[string]any{}
			}
			v.state[blockID][actionID] = st.(map[string]any)
		}
	}
}

// viewJSON returns a view as Slack shows it to the app; values is its
// state.values (nil: empty).
func (s *Server) viewJSON(v *view, values map[string]any) map[string]any {
	if values == nil {
		values = map[string]any{}
	}
	out := map[string]any{
		"id":                    v.id,
		"team_id":               s.cfg.TeamID,
		"type":                  "modal",
		"title":                 v.title,
		"blocks":                v.blocksJSON,
		"private_metadata":      v.privateMetadata,
		"callback_id":           v.callbackID,
		"external_id":           v.externalID,
		"state":                 map[string]any{"values": values},
		"hash":                  v.hash,
		"clear_on_close":        v.clearOnClose,
		"notify_on_close":       v.notifyOnClose,
		"root_view_id":          v.rootID,
		"previous_view_id":      nil,
		"app_id":                s.cfg.AppID,
		"app_installed_team_id": s.cfg.TeamID,
		"bot_id":                s.cfg.BotID,
	}
	if v.previousID != "" {
		out["previous_view_id"] = v.previousID
	}
	if v.submit != nil {
		out["submit"] = v.submit
	}
	if v.closeText != nil {
		out["close"] = v.closeText
	}
	return out
}

// View is a snapshot of an open modal.
type View struct {
	ID              string
	ExternalID      string
	CallbackID      string
	PrivateMetadata string
	Hash            string
	Title           string
	Submit          string // submit button label; "" when the modal has none
	Close           string // close button label
	Blocks          json.RawMessage
	NotifyOnClose   bool
	ClearOnClose    bool
	RootViewID      string
	PreviousViewID  string
	Errors          map[string]string // errors shown under input blocks, by block_id
	Notice          string            // Slack's error shown atop the modal, e.g. when the app failed
}

// Content returns every text a reader sees in the modal, one per line.
func (v View) Content() string {
	return strings.Join(append([]string{v.Title}, blockTexts(v.Blocks)...), "\n")
}

// Actions returns the modal's interactive elements, inputs included.
func (v View) Actions() []Action { return actionsOf(v.Blocks) }

func (v *view) snapshot() View {
	blocks, _ := json.Marshal(v.blocks)
	closeLabel := textOf(v.closeText)
	if closeLabel == "" {
		closeLabel = "Cancel"
	}
	return View{
		ID:              v.id,
		ExternalID:      v.externalID,
		CallbackID:      v.callbackID,
		PrivateMetadata: v.privateMetadata,
		Hash:            v.hash,
		Title:           textOf(v.title),
		Submit:          textOf(v.submit),
		Close:           closeLabel,
		Blocks:          blocks,
		NotifyOnClose:   v.notifyOnClose,
		ClearOnClose:    v.clearOnClose,
		RootViewID:      v.rootID,
		PreviousViewID:  v.previousID,
		Errors:          maps.Clone(v.errors),
		Notice:          v.notice,
	}
}

// Views returns a member's open modals, bottom first; the last is the one
// on screen.
func (s *Server) Views(userID string) []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []View
	for _, id := range s.stacks[userID] {
		out = append(out, s.views[id].snapshot())
	}
	return out
}

// TopView returns the modal on a member's screen.
func (s *Server) TopView(userID string) (View, bool) {
	views := s.Views(userID)
	if len(views) == 0 {
		return View{}, false
	}
	return views[len(views)-1], true
}
