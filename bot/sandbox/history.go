package sandbox

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// Slack's limits on message metadata and history pages.
const (
	maxMetadataBytes   = 8 << 10
	defaultHistoryPage = 100
	maxHistoryPage     = 999
)

var (
	eventTypePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,255}$`)
	tsPattern        = regexp.MustCompile(`^\d+(\.\d{1,6})?$`)
)

// readMetadata checks a message's metadata argument as chat.postMessage
// does: a JSON object with an event_type and an event_payload object.
func readMetadata(raw string) (json.RawMessage, error) {
	if len(raw) > maxMetadataBytes {
		return nil, slackErr("metadata_too_large")
	}
	var md struct {
		EventType    *string         `json:"event_type"`
		EventPayload json.RawMessage `json:"event_payload"`
	}
	if err := json.Unmarshal([]byte(raw), &md); err != nil {
		return nil, slackErr("invalid_metadata_format")
	}
	var payload map[string]any
	if md.EventType == nil || !eventTypePattern.MatchString(*md.EventType) ||
		json.Unmarshal(md.EventPayload, &payload) != nil || payload == nil {
		return nil, slackErr("invalid_metadata_schema", "[ERROR] metadata needs an event_type and an event_payload object")
	}
	out, _ := json.Marshal(map[string]any{"event_type": *md.EventType, "event_payload": payload})
	return out, nil
}

// page is the window and paging arguments of conversations.history and
// conversations.replies.
type page struct {
	oldest, latest string // exclusive bounds unless inclusive; "" = open
	inclusive      bool
	limit          int
	cursor         string // the ts to continue from, decoded
	metadata       bool   // include_all_metadata
}

func readPage(a args) (page, error) {
	p := page{oldest: a["oldest"], latest: a["latest"], limit: defaultHistoryPage}
	p.inclusive = a["inclusive"] == "1" || a["inclusive"] == "true"
	p.metadata = a["include_all_metadata"] == "1" || a["include_all_metadata"] == "true"
	if p.oldest == "0" {
		p.oldest = ""
	}
	if p.oldest != "" && !tsPattern.MatchString(p.oldest) {
		return p, slackErr("invalid_ts_oldest")
	}
	if p.latest != "" && !tsPattern.MatchString(p.latest) {
		return p, slackErr("invalid_ts_latest")
	}
	if v := a["limit"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, slackErr("invalid_limit")
		}
		if n > 0 {
			p.limit = min(n, maxHistoryPage)
		}
	}
	if c := a["cursor"]; c != "" {
		raw, err := base64.StdEncoding.DecodeString(c)
		ts, ok := strings.CutPrefix(string(raw), "next_ts:")
		if err != nil || !ok || !tsPattern.MatchString(ts) {
			return p, slackErr("invalid_cursor")
		}
		p.cursor = ts
	}
	return p, nil
}

// in reports whether a message ts lies in the page's window.
func (p page) in(ts string) bool {
	if p.oldest != "" {
		if c := compareTS(ts, p.oldest); c < 0 || (c == 0 && !p.inclusive) {
			return false
		}
	}
	if p.latest != "" {
		if c := compareTS(ts, p.latest); c > 0 || (c == 0 && !p.inclusive) {
			return false
		}
	}
	return true
}

// compareTS orders message timestamps ("1712345678.000123") by time.
func compareTS(a, b string) int { return cmp.Compare(tsMicros(a), tsMicros(b)) }

func tsMicros(ts string) int64 {
	sec, frac, _ := strings.Cut(ts, ".")
	s, _ := strconv.ParseInt(sec, 10, 64)
	f, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return s*1e6 + f
}

func nextCursor(ts string) string {
	return base64.StdEncoding.EncodeToString([]byte("next_ts:" + ts))
}

// wireFor is a message as history methods return it: metadata only when
// the caller asked for it.
func (s *Server) wireFor(m *message, withMetadata bool) map[string]any {
	w := m.wire(s.cfg.TeamID)
	if withMetadata && len(m.metadata) > 0 {
		w["metadata"] = m.metadata
	}
	if len(m.replies) > 0 {
		w["reply_count"] = len(m.replies)
		w["thread_ts"] = m.ts
		w["latest_reply"] = m.replies[len(m.replies)-1].ts
	}
	return w
}

// conversationsHistory lists a conversation's top-level messages, newest
// first; thread replies are not included, as in Slack.
func (s *Server) conversationsHistory(_ *http.Request, a args) (map[string]any, error) {
	p, err := readPage(a)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	conv, ok := s.convs[a["channel"]]
	if !ok {
		return nil, slackErr("channel_not_found")
	}
	out := []map[string]any{}
	more := false
	for i := len(conv.messages) - 1; i >= 0; i-- {
		m := conv.messages[i]
		if m.ephemeralFor != "" || !p.in(m.ts) || (p.cursor != "" && compareTS(m.ts, p.cursor) > 0) {
			continue
		}
		if len(out) == p.limit {
			more = true
			break
		}
		out = append(out, s.wireFor(m, p.metadata))
	}
	body := map[string]any{"messages": out, "has_more": more, "pin_count": 0}
	if more {
		last := out[len(out)-1]["ts"].(string)
		body["response_metadata"] = map[string]any{"next_cursor": nextCursor(olderThan(conv, last))}
	}
	return body, nil
}

// olderThan returns the ts of the top-level message just before ts.
func olderThan(c *conversation, ts string) string {
	for i := len(c.messages) - 1; i >= 0; i-- {
		if compareTS(c.messages[i].ts, ts) < 0 && c.messages[i].ephemeralFor == "" {
			return c.messages[i].ts
		}
	}
	return "0.000000"
}

// conversationsReplies lists a thread: its parent first, then the replies
// in the window, oldest first.
func (s *Server) conversationsReplies(_ *http.Request, a args) (map[string]any, error) {
	p, err := readPage(a)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	conv, ok := s.convs[a["channel"]]
	if !ok {
		return nil, slackErr("channel_not_found")
	}
	if a["ts"] == "" {
		return nil, slackErr("invalid_arguments", "[ERROR] missing required field: ts")
	}
	root, ok := conv.byTS[a["ts"]]
	if !ok || root.ephemeralFor != "" {
		return nil, slackErr("thread_not_found")
	}
	if root.threadTS != "" {
		root = conv.byTS[root.threadTS]
	}
	out := []map[string]any{}
	if p.cursor == "" {
		out = append(out, s.wireFor(root, p.metadata))
	}
	more := false
	for i, r := range root.replies {
		if !p.in(r.ts) || (p.cursor != "" && compareTS(r.ts, p.cursor) < 0) {
			continue
		}
		if len(out) >= p.limit {
			more = true
			body := map[string]any{"messages": out, "has_more": true,
				"response_metadata": map[string]any{"next_cursor": nextCursor(root.replies[i].ts)}}
			return body, nil
		}
		w := s.wireFor(r, p.metadata)
		w["parent_user_id"] = root.user
		out = append(out, w)
	}
	return map[string]any{"messages": out, "has_more": more}, nil
}
