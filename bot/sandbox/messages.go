package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// slackbotID is the author of Slack's own ephemeral notices ("/owed failed …").
const slackbotID = "USLACKBOT"

// conversation is a channel, an IM (D…) or a multi-person IM (G…).
type conversation struct {
	id      string
	name    string
	members []string // channel: empty means every member; IM/MPIM: its people
	isIM    bool
	isMPIM  bool
	created int64

	messages []*message          // top-level and ephemeral messages, oldest first
	byTS     map[string]*message `persist:"-"` // every message, replies included (rebuilt on load)
}

// message is a stored message. Replies live in their parent's replies.
type message struct {
	channel      string
	ts           string
	threadTS     string
	user         string
	botID        string
	appID        string
	text         string
	blocks       json.RawMessage
	attachments  json.RawMessage
	editedTS     string
	ephemeralFor string
	replies      []*message
	// metadata is the message's metadata ({"event_type":…,"event_payload":{…}}),
	// returned by conversations.history and .replies with include_all_metadata.
	metadata json.RawMessage
}

// MessageRef names a message: its channel and its ts (message_ts for
// ephemeral messages).
type MessageRef struct {
	Channel string
	TS      string
}

// Message is a snapshot of a message as a member sees it.
type Message struct {
	Channel     string
	TS          string
	ThreadTS    string // parent ts, for thread replies
	User        string // author: the bot user, a member, or USLACKBOT
	BotID       string
	Text        string
	Blocks      json.RawMessage // Block Kit, normalised (every block has a block_id)
	Attachments json.RawMessage
	Edited      bool
	Ephemeral   bool
	VisibleTo   string          // the only member who sees an ephemeral message
	Replies     []Message       // thread replies of a top-level message, oldest first
	Metadata    json.RawMessage // message metadata set by the app, if any
}

// Ref returns the message's reference.
func (m Message) Ref() MessageRef { return MessageRef{Channel: m.Channel, TS: m.TS} }

// Content returns every text a reader sees in the message: the text
// fallback followed by the text of its blocks, one per line.
func (m Message) Content() string {
	parts := []string{m.Text}
	parts = append(parts, blockTexts(m.Blocks)...)
	return strings.Join(parts, "\n")
}

// Contains reports whether s appears in the message's text or blocks.
func (m Message) Contains(s string) bool { return strings.Contains(m.Content(), s) }

// Actions returns the message's interactive elements in order.
func (m Message) Actions() []Action { return actionsOf(m.Blocks) }

// Action returns the element with the given action_id.
func (m Message) Action(actionID string) (Action, bool) {
	for _, a := range m.Actions() {
		if a.ActionID == actionID {
			return a, true
		}
	}
	return Action{}, false
}

// Button returns the button whose visible label is label.
func (m Message) Button(label string) (Action, bool) {
	for _, a := range m.Actions() {
		if a.Type == "button" && a.Text == label {
			return a, true
		}
	}
	return Action{}, false
}

func (s *Server) addConversationLocked(c *conversation) {
	if c.byTS == nil {
		c.byTS = map[string]*message{}
	}
	if c.created == 0 {
		c.created = s.now().Unix()
	}
	s.convs[c.id] = c
	s.convOrder = append(s.convOrder, c.id)
}

// resolveChannelLocked finds a conversation by ID or name, or the IM of a
// member given by user ID (opening it), as chat.postMessage does.
func (s *Server) resolveChannelLocked(ref string) (*conversation, bool) {
	if c, ok := s.convs[ref]; ok {
		return c, true
	}
	if _, ok := s.member(ref); ok {
		return s.openIMLocked(ref), true
	}
	name := strings.TrimPrefix(ref, "#")
	for _, id := range s.convOrder {
		if c := s.convs[id]; !c.isIM && !c.isMPIM && c.name == name {
			return c, true
		}
	}
	return nil, false
}

// openIMLocked returns the IM between the bot and a member, creating it.
func (s *Server) openIMLocked(userID string) *conversation {
	if id, ok := s.ims[userID]; ok {
		return s.convs[id]
	}
	c := &conversation{id: s.nextIDLocked("D"), name: userID, isIM: true, members: []string{userID}}
	s.addConversationLocked(c)
	s.ims[userID] = c.id
	s.touchLocked()
	return c
}

// canSee reports whether member userID is in the conversation.
func (c *conversation) canSee(userID string) bool {
	if !c.isIM && !c.isMPIM && len(c.members) == 0 {
		return true
	}
	return slices.Contains(c.members, userID)
}

// appendLocked stores a new message: a thread reply under its root when
// threadTS names one, else at the end of the conversation.
func (s *Server) appendLocked(c *conversation, m *message) {
	m.channel = c.id
	if m.ts == "" {
		m.ts = s.nextTSLocked()
	}
	if m.ephemeralFor != "" {
		// Ephemeral messages never join a thread's replies: they stay
		// the member's own, shown in the thread they name, if any.
		if root, ok := c.byTS[m.threadTS]; ok && root.threadTS != "" {
			m.threadTS = root.threadTS
		} else if !ok {
			m.threadTS = ""
		}
		c.messages = append(c.messages, m)
		c.byTS[m.ts] = m
		s.touchLocked()
		return
	}
	if m.threadTS != "" {
		if root, ok := c.byTS[m.threadTS]; ok && root.ephemeralFor == "" {
			if root.threadTS != "" {
				root = c.byTS[root.threadTS]
			}
			m.threadTS = root.ts
			root.replies = append(root.replies, m)
			c.byTS[m.ts] = m
			s.touchLocked()
			return
		}
		// Slack posts a reply to a missing parent as a top-level message.
		m.threadTS = ""
	}
	c.messages = append(c.messages, m)
	c.byTS[m.ts] = m
	s.touchLocked()
}

// removeLocked deletes a message (and a top-level message's thread).
func (s *Server) removeLocked(c *conversation, m *message) {
	delete(c.byTS, m.ts)
	for _, r := range m.replies {
		delete(c.byTS, r.ts)
	}
	c.messages = slices.DeleteFunc(c.messages, func(x *message) bool { return x == m })
	if m.threadTS != "" {
		if root, ok := c.byTS[m.threadTS]; ok {
			root.replies = slices.DeleteFunc(root.replies, func(x *message) bool { return x == m })
		}
	}
	s.touchLocked()
}

func (m *message) snapshot() Message {
	out := Message{
		Channel:     m.channel,
		TS:          m.ts,
		ThreadTS:    m.threadTS,
		User:        m.user,
		BotID:       m.botID,
		Text:        m.text,
		Blocks:      m.blocks,
		Attachments: m.attachments,
		Edited:      m.editedTS != "",
		Ephemeral:   m.ephemeralFor != "",
		VisibleTo:   m.ephemeralFor,
		Metadata:    m.metadata,
	}
	for _, r := range m.replies {
		out.Replies = append(out.Replies, r.snapshot())
	}
	return out
}

// Messages returns the top-level messages of a channel (or IM) that
// everyone in it sees, oldest first, each with its thread replies.
// Ephemeral messages are not included: see Ephemerals.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[channelID]
	if !ok {
		return nil
	}
	var out []Message
	for _, m := range c.messages {
		if m.ephemeralFor == "" {
			out = append(out, m.snapshot())
		}
	}
	return out
}

// Message returns one message (top-level, reply or ephemeral) by reference.
func (s *Server) Message(ref MessageRef) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[ref.Channel]
	if !ok {
		return Message{}, false
	}
	m, ok := c.byTS[ref.TS]
	if !ok {
		return Message{}, false
	}
	return m.snapshot(), true
}

// Thread returns the replies to the message at ts, oldest first.
func (s *Server) Thread(channelID, ts string) []Message {
	m, ok := s.Message(MessageRef{Channel: channelID, TS: ts})
	if !ok {
		return nil
	}
	return m.Replies
}

// DMChannel returns the ID of the IM between the bot and a member, or ""
// when none has been opened.
func (s *Server) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ims[userID]
}

// DMs returns the messages of the IM between the bot and a member.
func (s *Server) DMs(userID string) []Message {
	id := s.DMChannel(userID)
	if id == "" {
		return nil
	}
	return s.Messages(id)
}

// Ephemerals returns the ephemeral messages shown to a member, in every
// conversation, oldest first.
func (s *Server) Ephemerals(userID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, id := range s.convOrder {
		c := s.convs[id]
		for _, m := range c.byTS {
			if m.ephemeralFor == userID {
				out = append(out, m.snapshot())
			}
		}
	}
	slices.SortFunc(out, func(a, b Message) int { return strings.Compare(a.TS, b.TS) })
	return out
}

// Find returns the newest message of a channel, top-level or thread reply,
// whose text or blocks contain text.
func (s *Server) Find(channelID, text string) (Message, bool) {
	return s.FindFunc(channelID, func(m Message) bool { return m.Contains(text) })
}

// FindFunc returns the newest message of a channel, top-level or thread
// reply, for which match is true. Ephemeral messages are not searched.
func (s *Server) FindFunc(channelID string, match func(Message) bool) (Message, bool) {
	msgs := s.Messages(channelID)
	for i := len(msgs) - 1; i >= 0; i-- {
		for j := len(msgs[i].Replies) - 1; j >= 0; j-- {
			if match(msgs[i].Replies[j]) {
				return msgs[i].Replies[j], true
			}
		}
		if match(msgs[i]) {
			return msgs[i], true
		}
	}
	return Message{}, false
}

// FindEphemeral returns the newest ephemeral message shown to a member whose
// text or blocks contain text.
func (s *Server) FindEphemeral(userID, text string) (Message, bool) {
	msgs := s.Ephemerals(userID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Contains(text) {
			return msgs[i], true
		}
	}
	return Message{}, false
}

// Say posts a plain message as a member, as if typed in the channel.
func (s *Server) Say(userID, channelID, text string) (Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.member(userID); !ok {
		return Message{}, fmt.Errorf("say: unknown member %q", userID)
	}
	c, ok := s.convs[channelID]
	if !ok || !c.canSee(userID) {
		return Message{}, fmt.Errorf("say: member %s is not in conversation %q", userID, channelID)
	}
	if strings.TrimSpace(text) == "" {
		return Message{}, fmt.Errorf("say: empty message")
	}
	m := &message{user: userID, text: text}
	s.appendLocked(c, m)
	return m.snapshot(), nil
}

// wire returns the message as Slack's Web API and payloads show it.
func (m *message) wire(teamID string) map[string]any {
	out := map[string]any{
		"type": "message",
		"text": m.text,
		"user": m.user,
		"ts":   m.ts,
		"team": teamID,
	}
	if m.botID != "" {
		out["bot_id"] = m.botID
		out["app_id"] = m.appID
	}
	if len(m.blocks) > 0 {
		out["blocks"] = m.blocks
	}
	if len(m.attachments) > 0 {
		out["attachments"] = m.attachments
	}
	if m.threadTS != "" {
		out["thread_ts"] = m.threadTS
	}
	if m.editedTS != "" {
		out["edited"] = map[string]string{"user": m.user, "ts": m.editedTS}
	}
	return out
}
