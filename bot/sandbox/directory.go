package sandbox

import (
	"net/http"
	"strings"
)

func (s *Server) authTest(_ *http.Request, _ args) (map[string]any, error) {
	return map[string]any{
		"url":     "https://" + s.cfg.TeamDomain + ".slack.com/",
		"team":    s.cfg.TeamName,
		"user":    s.cfg.BotName,
		"team_id": s.cfg.TeamID,
		"user_id": s.cfg.BotUserID,
		"bot_id":  s.cfg.BotID,
	}, nil
}

func (s *Server) usersInfo(_ *http.Request, a args) (map[string]any, error) {
	m, ok := s.members[a["user"]]
	if !ok {
		return nil, slackErr("user_not_found")
	}
	isBot := m.ID == s.cfg.BotUserID
	return map[string]any{"user": map[string]any{
		"id":        m.ID,
		"team_id":   s.cfg.TeamID,
		"name":      m.Name,
		"real_name": m.RealName,
		"deleted":   false,
		"tz":        "UTC",
		"tz_label":  "Coordinated Universal Time",
		"tz_offset": 0,
		"is_bot":    isBot,
		"is_admin":  false,
		"updated":   0,
		"profile": map[string]any{
			"real_name":               m.RealName,
			"real_name_normalized":    m.RealName,
			"display_name":            m.Name,
			"display_name_normalized": m.Name,
			"team":                    s.cfg.TeamID,
		},
	}}, nil
}

func (s *Server) usergroupsUsersList(_ *http.Request, a args) (map[string]any, error) {
	g, ok := s.groups[a["usergroup"]]
	if !ok {
		return nil, slackErr("no_such_subteam")
	}
	users := append([]string{}, g.Users...)
	return map[string]any{"users": users}, nil
}

func (s *Server) conversationsOpen(_ *http.Request, a args) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id := a["channel"]; id != "" {
		c, ok := s.convs[id]
		if !ok || (!c.isIM && !c.isMPIM) {
			return nil, slackErr("channel_not_found")
		}
		return map[string]any{"channel": s.imJSON(c), "no_op": true, "already_open": true}, nil
	}
	var users []string
	for _, u := range strings.Split(a["users"], ",") {
		if u = strings.TrimSpace(u); u != "" && u != s.cfg.BotUserID {
			users = append(users, u)
		}
	}
	if len(users) == 0 {
		return nil, slackErr("users_list_not_supplied")
	}
	if len(users) > 8 {
		return nil, slackErr("too_many_users")
	}
	for _, u := range users {
		if _, ok := s.member(u); !ok {
			return nil, slackErr("user_not_found")
		}
	}
	if len(users) == 1 {
		_, existed := s.ims[users[0]]
		c := s.openIMLocked(users[0])
		return map[string]any{"channel": s.imJSON(c), "no_op": existed, "already_open": existed}, nil
	}
	key := strings.Join(users, ",")
	for _, id := range s.convOrder {
		if c := s.convs[id]; c.isMPIM && strings.Join(c.members, ",") == key {
			return map[string]any{"channel": s.imJSON(c), "no_op": true, "already_open": true}, nil
		}
	}
	c := &conversation{id: s.nextIDLocked("G"), name: "mpdm-" + key, isMPIM: true, members: users}
	s.addConversationLocked(c)
	s.touchLocked()
	return map[string]any{"channel": s.imJSON(c)}, nil
}

func (s *Server) imJSON(c *conversation) map[string]any {
	out := map[string]any{"id": c.id, "created": c.created, "is_im": c.isIM, "is_mpim": c.isMPIM, "is_open": true}
	if c.isIM {
		out["user"] = c.members[0]
	} else {
		out["name"] = c.name
	}
	return out
}
