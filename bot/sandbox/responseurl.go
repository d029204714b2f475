package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// responseURL is a response_url handed to the app with a slash command or
// a message interaction.
type responseURL struct {
	channel  string
	user     string
	sourceTS string // the message the interaction came from, if any
	issued   time.Time
	uses     int
}

// responseMessage is what an app sends to a response_url, or answers a
// slash command with.
type responseMessage struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

// emptyJSON reports whether a JSON value is absent, null, [] or {}.
func emptyJSON(raw json.RawMessage) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "", "null", "[]", "{}":
		return true
	}
	return false
}

// mintResponseURLLocked returns a new response_url for a member's
// interaction in a channel.
func (s *Server) mintResponseURLLocked(kind, channel, user, sourceTS string) (string, *responseURL) {
	s.seq++
	path := fmt.Sprintf("/hooks/%s/%s/%d/%s", kind, s.cfg.TeamID, s.seq, shortID(channel+user, int(s.seq)))
	ru := &responseURL{channel: channel, user: user, sourceTS: sourceTS, issued: s.now()}
	s.responseURLs[path] = ru
	s.forgetExpiredLocked()
	return s.baseURL + path, ru
}

// serveResponseURL answers POSTs to a response_url: up to five uses within
// thirty minutes, as on Slack.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	params := map[string]string{"url": r.URL.Path, "body": string(raw)}
	reply := func(status int, code string) {
		s.record(Call{Method: "response_url", Params: params, Status: status, Error: code, At: s.now()})
		body := map[string]any{"ok": code == ""}
		if code != "" {
			body["error"] = code
		}
		writeJSON(w, status, body)
	}
	if f, ok := s.nextFailure("response_url"); ok {
		ae := f.apiError()
		if ae.retryAfter > 0 {
			w.Header().Set("Retry-After", fmt.Sprint(int(ae.retryAfter.Seconds()+0.999)))
		}
		status := ae.status
		if status == 0 {
			status = http.StatusOK
		}
		reply(status, ae.code)
		return
	}
	var msg responseMessage
	if err := json.Unmarshal(raw, &msg); err != nil {
		reply(http.StatusBadRequest, "invalid_payload")
		return
	}
	reply(s.useResponseURL(r.URL.Path, msg))
}

// useResponseURL applies a response sent to the response_url at path and
// returns the HTTP status and Slack error code to answer.
func (s *Server) useResponseURL(path string, msg responseMessage) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ru, ok := s.responseURLs[path]
	switch {
	case !ok:
		return http.StatusNotFound, "invalid_url"
	case s.now().Sub(ru.issued) > ResponseURLTTL:
		return http.StatusNotFound, "expired_url"
	case ru.uses >= ResponseURLUses:
		return http.StatusNotFound, "used_url"
	}
	if _, err := s.respondLocked(ru, msg); err != nil {
		if ae, ok := err.(*apiError); ok {
			return http.StatusOK, ae.code
		}
		return http.StatusOK, "invalid_payload"
	}
	ru.uses++
	return http.StatusOK, ""
}

// respondLocked applies a response to the interaction behind ru: deletes or
// replaces the original message, or posts a new one (ephemeral unless
// in_channel). It returns the message shown, if any.
func (s *Server) respondLocked(ru *responseURL, msg responseMessage) (*message, error) {
	conv, ok := s.convs[ru.channel]
	if !ok {
		return nil, slackErr("channel_not_found")
	}
	orig := conv.byTS[ru.sourceTS]
	if msg.DeleteOriginal {
		if orig == nil {
			return nil, slackErr("message_not_found")
		}
		s.removeLocked(conv, orig)
		return nil, nil
	}
	a := args{}
	if msg.Text != "" {
		a["text"] = msg.Text
	}
	if !emptyJSON(msg.Blocks) {
		a["blocks"] = string(msg.Blocks)
	}
	if !emptyJSON(msg.Attachments) {
		a["attachments"] = string(msg.Attachments)
	}
	c, err := readContent(a)
	if err != nil {
		return nil, err
	}
	if c.empty() {
		return nil, slackErr("no_text")
	}
	if msg.ReplaceOriginal && orig != nil {
		orig.text, orig.blocks, orig.attachments = c.text, c.blocks, c.attachments
		s.touchLocked()
		return orig, nil
	}
	m := s.botMessage(c, msg.ThreadTS)
	if msg.ResponseType != "in_channel" {
		m.ephemeralFor = ru.user
	}
	s.appendLocked(conv, m)
	return m, nil
}
