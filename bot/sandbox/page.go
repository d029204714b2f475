package sandbox

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed page
var pageFiles embed.FS

// Handler serves the sandbox: the Web API under /api/, response URLs under
// /hooks/, Socket Mode under /link/, and the web page at / with its JSON
// endpoints under /sandbox/.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("POST /hooks/", s.serveResponseURL)
	mux.HandleFunc("GET /link/", s.serveSocket)
	mux.HandleFunc("GET /sandbox/state", s.serveState)
	mux.HandleFunc("POST /sandbox/command", s.pageCommand)
	mux.HandleFunc("POST /sandbox/say", s.pageSay)
	mux.HandleFunc("POST /sandbox/action", s.pageAction)
	mux.HandleFunc("POST /sandbox/view/action", s.pageViewAction)
	mux.HandleFunc("POST /sandbox/view/submit", s.pageViewSubmit)
	mux.HandleFunc("POST /sandbox/view/close", s.pageViewClose)
	mux.HandleFunc("GET /sandbox/mail/{id}", s.serveMailHTML)
	assets, _ := fs.Sub(pageFiles, "page")
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:")
		http.ServeFileFS(w, r, assets, "index.html")
	})
	return mux
}

// pageState is what the page shows a member.
type pageState struct {
	Version       uint64            `json:"version"`
	Team          map[string]string `json:"team"`
	Bot           map[string]string `json:"bot"`
	Me            string            `json:"me"`
	Posting       *pagePosting      `json:"posting,omitempty"` // while the app's queue drains (SetBacklog)
	Members       []pageMember      `json:"members"`
	Users         map[string]string `json:"users"`
	Channels      map[string]string `json:"channels"`
	Groups        map[string]string `json:"groups"`
	Conversations []pageConv        `json:"conversations"`
	Views         []pageView        `json:"views"`
	SocketMode    bool              `json:"socket_mode"`
	Mailbox       []Email           `json:"mailbox"`
}

type pageMember struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	RealName string   `json:"real_name"`
	Groups   []string `json:"groups"`
}

type pageConv struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Kind     string    `json:"kind"` // channel, im, mpim
	Messages []pageMsg `json:"messages"`
}

type pageMsg struct {
	TS          string          `json:"ts"`
	ThreadTS    string          `json:"thread_ts,omitempty"`
	User        string          `json:"user"`
	UserName    string          `json:"user_name"`
	Bot         bool            `json:"bot"`
	Text        string          `json:"text"`
	Blocks      json.RawMessage `json:"blocks,omitempty"`
	Attachments json.RawMessage `json:"attachments,omitempty"`
	Edited      bool            `json:"edited"`
	Ephemeral   bool            `json:"ephemeral"`
	Replies     []pageMsg       `json:"replies"`
}

type pageView struct {
	ID     string                      `json:"id"`
	Hash   string                      `json:"hash"`
	Title  string                      `json:"title"`
	Submit string                      `json:"submit"`
	Close  string                      `json:"close"`
	Blocks json.RawMessage             `json:"blocks"`
	Values map[string]map[string]Value `json:"values"`
	Errors map[string]string           `json:"errors"`
	Notice string                      `json:"notice"`
}

// longPoll is how long the page's poll waits for a change.
const longPoll = 25 * time.Second

// serveState answers the page's long poll: the state as the member sees it,
// once it has changed since the version the page has (or after 25 s, or at
// once after EndPolls or Close).
func (s *Server) serveState(w http.ResponseWriter, r *http.Request) {
	since, _ := strconv.ParseUint(r.URL.Query().Get("since"), 10, 64)
	// The poll outlasts the server's usual request timeouts.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(longPoll + 10*time.Second))
	_ = rc.SetWriteDeadline(time.Now().Add(longPoll + 10*time.Second))
	ctx, cancel := context.WithTimeout(r.Context(), longPoll)
	defer cancel()
	defer context.AfterFunc(s.pages, cancel)()
	// A page that has seen a later version than there is saw another
	// workspace (owed dev started afresh): it gets this one at once.
	s.mu.Lock()
	other := since > s.version
	s.mu.Unlock()
	if !other {
		s.countPoll(+1)
		s.waitChange(ctx, since)
		s.countPoll(-1)
	}
	me := r.URL.Query().Get("user")
	if _, ok := s.member(me); !ok && len(s.cfg.Members) > 0 {
		me = s.cfg.Members[0].ID
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, s.pageStateFor(me))
}

func (s *Server) pageStateFor(me string) pageState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := pageState{
		Version:    s.version,
		Team:       map[string]string{"id": s.cfg.TeamID, "name": s.cfg.TeamName, "domain": s.cfg.TeamDomain},
		Bot:        map[string]string{"id": s.cfg.BotUserID, "name": s.cfg.BotName},
		Me:         me,
		Users:      map[string]string{slackbotID: "Slackbot"},
		Channels:   map[string]string{},
		Groups:     map[string]string{},
		SocketMode: s.sockets.connected(),
	}
	if b := s.backlog; b.total > 0 {
		st.Posting = &pagePosting{Current: min(b.total-b.pending+1, b.total), Total: b.total}
	}
	for id, m := range s.members {
		st.Users[id] = m.Name
	}
	for _, g := range s.cfg.UserGroups {
		st.Groups[g.ID] = g.Handle
	}
	for _, m := range s.cfg.Members {
		pm := pageMember{ID: m.ID, Name: m.Name, RealName: m.RealName, Groups: []string{}}
		for _, g := range s.cfg.UserGroups {
			if slices.Contains(g.Users, m.ID) {
				pm.Groups = append(pm.Groups, g.Handle)
			}
		}
		st.Members = append(st.Members, pm)
	}
	for _, id := range s.convOrder {
		c := s.convs[id]
		if !c.isIM && !c.isMPIM {
			st.Channels[c.id] = c.name
		}
		if !c.canSee(me) {
			continue
		}
		pc := pageConv{ID: c.id, Name: c.name, Kind: "channel", Messages: []pageMsg{}}
		switch {
		case c.isIM:
			pc.Kind, pc.Name = "im", s.cfg.BotName
		case c.isMPIM:
			pc.Kind = "mpim"
		}
		var inThreads []*message
		for _, m := range c.messages {
			switch {
			case m.ephemeralFor != "" && m.ephemeralFor != me:
			case m.ephemeralFor != "" && m.threadTS != "":
				inThreads = append(inThreads, m)
			default:
				pc.Messages = append(pc.Messages, s.pageMsgLocked(m))
			}
		}
		// Ephemeral messages sent into a thread show among its replies.
		for _, m := range inThreads {
			i := slices.IndexFunc(pc.Messages, func(pm pageMsg) bool { return pm.TS == m.threadTS })
			if i < 0 {
				pc.Messages = append(pc.Messages, s.pageMsgLocked(m))
				continue
			}
			pc.Messages[i].Replies = append(pc.Messages[i].Replies, s.pageMsgLocked(m))
			slices.SortFunc(pc.Messages[i].Replies, byTS)
		}
		slices.SortFunc(pc.Messages, byTS)
		st.Conversations = append(st.Conversations, pc)
	}
	st.Mailbox = append([]Email{}, s.mail.emails...)
	st.Views = []pageView{}
	for _, id := range s.stacks[me] {
		v := s.views[id]
		snap := v.snapshot()
		pv := pageView{
			ID: v.id, Hash: v.hash, Title: snap.Title, Submit: snap.Submit, Close: snap.Close,
			Blocks: snap.Blocks, Errors: snap.Errors, Notice: v.notice, Values: map[string]map[string]Value{},
		}
		for blockID, byAction := range v.state {
			for actionID, entry := range byAction {
				if pv.Values[blockID] == nil {
					pv.Values[blockID] = map[string]Value{}
				}
				pv.Values[blockID][actionID] = valueOfState(entry)
			}
		}
		st.Views = append(st.Views, pv)
	}
	return st
}

// countPoll records a long poll starting (+1) or ending (-1) to wait.
func (s *Server) countPoll(delta int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.polls += delta
	s.wakeLocked()
}

// EndPolls answers the page's pending long polls at once, and those that
// come later without waiting, so that the HTTP server the page talks to can
// shut down without waiting for them. Everything else (the Web API, Socket
// Mode, the SMTP server) keeps working until Close.
func (s *Server) EndPolls() { s.endPages() }

// Polls reports how many of the page's long polls are waiting for a change
// (Await sees it change).
func (s *Server) Polls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls
}

func byTS(a, b pageMsg) int { return strings.Compare(a.TS, b.TS) }

func (s *Server) pageMsgLocked(m *message) pageMsg {
	pm := pageMsg{
		TS: m.ts, ThreadTS: m.threadTS, User: m.user, UserName: s.userName(m.user),
		Bot: m.botID != "", Text: m.text, Blocks: m.blocks, Attachments: m.attachments,
		Edited: m.editedTS != "", Ephemeral: m.ephemeralFor != "", Replies: []pageMsg{},
	}
	for _, r := range m.replies {
		pm.Replies = append(pm.Replies, s.pageMsgLocked(r))
	}
	return pm
}

// valueOfState turns a state entry back into the Value that made it.
func valueOfState(st map[string]any) Value {
	var v Value
	v.Text, _ = st["value"].(string)
	if o, ok := st["selected_option"].(map[string]any); ok {
		v.Option, _ = o["value"].(string)
	}
	if list, ok := st["selected_options"].([]any); ok {
		for _, o := range list {
			if om, ok := o.(map[string]any); ok {
				val, _ := om["value"].(string)
				v.Options = append(v.Options, val)
			}
		}
	}
	v.Date, _ = st["selected_date"].(string)
	v.Time, _ = st["selected_time"].(string)
	v.User, _ = st["selected_user"].(string)
	if users, ok := st["selected_users"].([]string); ok {
		v.Users = users
	}
	if c, ok := st["selected_conversation"].(string); ok {
		v.Channel = c
	}
	if c, ok := st["selected_channel"].(string); ok {
		v.Channel = c
	}
	return v
}

// pageRequest is what the page's buttons and forms send.
type pageRequest struct {
	User     string            `json:"user"`
	Channel  string            `json:"channel"`
	TS       string            `json:"ts"`
	Text     string            `json:"text"`
	ViewID   string            `json:"view_id"`
	BlockID  string            `json:"block_id"`
	ActionID string            `json:"action_id"`
	Value    *Value            `json:"value"`
	Values   Values            `json:"values"`
	Errors   map[string]string `json:"errors"`
}

func readPageRequest(w http.ResponseWriter, r *http.Request) (pageRequest, bool) {
	var req pageRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "bad request: " + err.Error()})
		return req, false
	}
	return req, true
}

// pageAnswer reports the outcome of a page request. Failures of the app are
// answers too: the page shows them as Slack would.
func pageAnswer(w http.ResponseWriter, err error, fields map[string]any) {
	out := map[string]any{"ok": err == nil}
	for k, v := range fields {
		out[k] = v
	}
	if err != nil {
		out["error"] = err.Error()
		var ae *AppError
		if errors.As(err, &ae) {
			out["app_error"] = ae.Reason
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) pageCommand(w http.ResponseWriter, r *http.Request) {
	req, ok := readPageRequest(w, r)
	if !ok {
		return
	}
	command, text, _ := strings.Cut(strings.TrimSpace(req.Text), " ")
	reply, err := s.SlashCommand(r.Context(), req.User, req.Channel, command, strings.TrimSpace(text))
	pageAnswer(w, err, map[string]any{"status": reply.Status, "elapsed_ms": reply.Elapsed.Milliseconds()})
}

func (s *Server) pageSay(w http.ResponseWriter, r *http.Request) {
	req, ok := readPageRequest(w, r)
	if !ok {
		return
	}
	_, err := s.Say(req.User, req.Channel, req.Text)
	pageAnswer(w, err, nil)
}

func (s *Server) pageAction(w http.ResponseWriter, r *http.Request) {
	req, ok := readPageRequest(w, r)
	if !ok {
		return
	}
	err := s.actOnMessage(r.Context(), req.User, MessageRef{Channel: req.Channel, TS: req.TS}, req.BlockID, req.ActionID, req.Value)
	pageAnswer(w, err, nil)
}

func (s *Server) pageViewAction(w http.ResponseWriter, r *http.Request) {
	req, ok := readPageRequest(w, r)
	if !ok {
		return
	}
	err := s.actInView(r.Context(), req.User, req.ViewID, req.BlockID, req.ActionID, req.Value)
	pageAnswer(w, err, nil)
}

func (s *Server) pageViewSubmit(w http.ResponseWriter, r *http.Request) {
	req, ok := readPageRequest(w, r)
	if !ok {
		return
	}
	res, err := s.SubmitView(r.Context(), req.User, req.ViewID, req.Values)
	pageAnswer(w, err, map[string]any{"errors": res.Errors, "closed": res.Closed, "delivered": res.Delivered})
}

func (s *Server) pageViewClose(w http.ResponseWriter, r *http.Request) {
	req, ok := readPageRequest(w, r)
	if !ok {
		return
	}
	pageAnswer(w, s.CloseView(r.Context(), req.User, req.ViewID), nil)
}
