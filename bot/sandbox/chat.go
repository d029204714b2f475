package sandbox

import (
	"encoding/json"
	"net/http"
	"unicode/utf8"
)

// content is the text, blocks and attachments of a message being posted.
type content struct {
	text           string
	hasText        bool
	blocks         json.RawMessage
	hasBlocks      bool
	attachments    json.RawMessage
	hasAttachments bool
	metadata       json.RawMessage
	hasMetadata    bool
}

func (c content) empty() bool {
	return c.text == "" && len(c.blocks) <= 2 && len(c.attachments) <= 2
}

// readContent reads and checks text, blocks and attachments as
// chat.postMessage does.
func readContent(a args) (content, error) {
	var c content
	c.text, c.hasText = a["text"]
	if utf8.RuneCountInString(c.text) > maxMessageText {
		return c, slackErr("msg_too_long")
	}
	if raw, ok := a["blocks"]; ok && raw != "" && raw != "null" {
		blocks, err := parseBlocks(raw)
		if err != nil {
			return c, slackErr("invalid_blocks_format", "[ERROR] blocks must be a JSON array of block objects")
		}
		if p := validateBlocks(blocks, surfaceMessage, "/blocks"); len(p) > 0 {
			return c, slackErr("invalid_blocks", p.messages()...)
		}
		c.blocks, c.hasBlocks = normaliseBlocks(blocks), true
	}
	if raw, ok := a["attachments"]; ok && raw != "" {
		var list []any
		if err := decodeJSON([]byte(raw), &list); err != nil {
			return c, slackErr("invalid_attachments")
		}
		c.attachments, c.hasAttachments = json.RawMessage(raw), true
	}
	if raw, ok := a["metadata"]; ok && raw != "" && raw != "null" {
		md, err := readMetadata(raw)
		if err != nil {
			return c, err
		}
		c.metadata, c.hasMetadata = md, true
	}
	return c, nil
}

func (s *Server) botMessage(c content, threadTS string) *message {
	return &message{
		user:        s.cfg.BotUserID,
		botID:       s.cfg.BotID,
		appID:       s.cfg.AppID,
		text:        c.text,
		blocks:      c.blocks,
		attachments: c.attachments,
		threadTS:    threadTS,
		metadata:    c.metadata,
	}
}

func (s *Server) chatPostMessage(_ *http.Request, a args) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	conv, ok := s.resolveChannelLocked(a["channel"])
	if !ok {
		return nil, slackErr("channel_not_found")
	}
	c, err := readContent(a)
	if err != nil {
		return nil, err
	}
	if c.empty() {
		return nil, slackErr("no_text")
	}
	if wait, ok := s.allowPostLocked(conv.id); !ok {
		return nil, &apiError{code: "ratelimited", status: http.StatusTooManyRequests, retryAfter: wait}
	}
	m := s.botMessage(c, a["thread_ts"])
	s.appendLocked(conv, m)
	return map[string]any{"channel": conv.id, "ts": m.ts, "message": m.wire(s.cfg.TeamID)}, nil
}

func (s *Server) chatUpdate(_ *http.Request, a args) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	conv, m, err := s.ownMessageLocked(a, "cant_update_message")
	if err != nil {
		return nil, err
	}
	c, err := readContent(a)
	if err != nil {
		return nil, err
	}
	if !c.hasText && !c.hasBlocks && !c.hasAttachments {
		return nil, slackErr("no_text")
	}
	next := *m
	if c.hasText {
		next.text = c.text
	}
	if c.hasBlocks {
		next.blocks = c.blocks
	}
	if c.hasAttachments {
		next.attachments = c.attachments
	}
	if c.hasMetadata {
		next.metadata = c.metadata
	}
	if next.text == "" && len(next.blocks) <= 2 && len(next.attachments) <= 2 {
		return nil, slackErr("no_text")
	}
	next.editedTS = s.nextTSLocked()
	*m = next
	s.touchLocked()
	return map[string]any{"channel": conv.id, "ts": m.ts, "text": m.text, "message": m.wire(s.cfg.TeamID)}, nil
}

func (s *Server) chatPostEphemeral(_ *http.Request, a args) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	conv, ok := s.resolveChannelLocked(a["channel"])
	if !ok {
		return nil, slackErr("channel_not_found")
	}
	user := a["user"]
	if _, ok := s.member(user); !ok {
		return nil, slackErr("user_not_found")
	}
	if !conv.canSee(user) {
		return nil, slackErr("user_not_in_channel")
	}
	c, err := readContent(a)
	if err != nil {
		return nil, err
	}
	if c.empty() {
		return nil, slackErr("no_text")
	}
	m := s.botMessage(c, a["thread_ts"])
	m.ephemeralFor = user
	s.appendLocked(conv, m)
	return map[string]any{"message_ts": m.ts}, nil
}

func (s *Server) chatDelete(_ *http.Request, a args) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	conv, m, err := s.ownMessageLocked(a, "cant_delete_message")
	if err != nil {
		return nil, err
	}
	s.removeLocked(conv, m)
	return map[string]any{"channel": conv.id, "ts": m.ts}, nil
}

// ownMessageLocked finds the message that a["channel"] and a["ts"] name,
// which the bot must have posted; notMine is Slack's error when it did not.
func (s *Server) ownMessageLocked(a args, notMine string) (*conversation, *message, error) {
	conv, ok := s.convs[a["channel"]]
	if !ok {
		return nil, nil, slackErr("channel_not_found")
	}
	m, ok := conv.byTS[a["ts"]]
	if !ok || m.ephemeralFor != "" {
		return nil, nil, slackErr("message_not_found")
	}
	if m.user != s.cfg.BotUserID {
		return nil, nil, slackErr(notMine)
	}
	return conv, m, nil
}
