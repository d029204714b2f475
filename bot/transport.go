package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot/slacksig"
)

// maxBody bounds what a Slack request may carry.
const maxBody = 1 << 20

// verified reads the raw body, checks Slack's signature on it before
// anything is parsed, and hands the body to next. Failures get 401.
func (b *Bot) verified(kind string, next func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			b.metrics.requests.WithLabelValues(kind, "too_large").Inc()
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := slacksig.Verify(r.Header, body, b.opts.SigningSecret, b.opts.Now()); err != nil {
			b.metrics.requests.WithLabelValues(kind, "unauthorized").Inc()
			b.log.Warn("refused a Slack request", "kind", kind, "reason", err.Error(), "remote", r.RemoteAddr)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		if !b.workspaceKnown(r.Context()) {
			// Until Slack has said which workspace owed is installed in
			// (Start), no request can be checked against it.
			b.metrics.requests.WithLabelValues(kind, "starting").Inc()
			w.Header().Set("Retry-After", "1")
			http.Error(w, "owed is starting; try again in a moment", http.StatusServiceUnavailable)
			return
		}
		next(w, r, body)
		b.metrics.latency.WithLabelValues(kind).Observe(time.Since(start).Seconds())
	})
}

// startWait is how long a request that comes while owed starts waits for
// it to learn its workspace, within Slack's 3 seconds.
const startWait = 2 * time.Second

// workspaceKnown waits, for at most startWait, until the workspace owed
// is installed in is known.
func (b *Bot) workspaceKnown(ctx context.Context) bool {
	select {
	case <-b.known:
		return true
	default:
	}
	t := time.NewTimer(startWait)
	defer t.Stop()
	select {
	case <-b.known:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// wrongTeam reports (and counts) a request from another workspace.
func (b *Bot) wrongTeam(kind, teamID string) bool {
	if team := b.team(); team != "" && teamID != team {
		b.metrics.requests.WithLabelValues(kind, "wrong_team").Inc()
		b.log.Warn("refused a request from another workspace", "kind", kind, "team_id", teamID)
		return true
	}
	return false
}

func writeJSON(w http.ResponseWriter, v any) {
	if v == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (b *Bot) serveCommand(w http.ResponseWriter, r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	cmd, err := slack.SlashCommandParse(r)
	if err != nil {
		http.Error(w, "bad command", http.StatusBadRequest)
		return
	}
	if b.wrongTeam("command", cmd.TeamID) {
		http.Error(w, "this app is installed in another workspace", http.StatusForbidden)
		return
	}
	writeJSON(w, b.HandleCommand(r.Context(), cmd))
}

func (b *Bot) serveInteraction(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		http.Error(w, "bad interaction", http.StatusBadRequest)
		return
	}
	cb, err := decodeInteraction([]byte(form.Get("payload")))
	if err != nil {
		http.Error(w, "bad interaction payload", http.StatusBadRequest)
		return
	}
	if b.wrongTeam("interaction", cb.Team.ID) {
		http.Error(w, "this app is installed in another workspace", http.StatusForbidden)
		return
	}
	writeJSON(w, b.HandleInteraction(r.Context(), cb))
}

// serveEvent answers the Events API: the URL check, and an ack for any
// event, recorded by event_id so that Slack's retries are recognised (owed
// acts on no event yet).
func (b *Bot) serveEvent(w http.ResponseWriter, r *http.Request, body []byte) {
	var ev struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
		TeamID    string `json:"team_id"`
		EventID   string `json:"event_id"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	if ev.Type == "url_verification" {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(ev.Challenge))
		return
	}
	if b.wrongTeam("event", ev.TeamID) {
		http.Error(w, "this app is installed in another workspace", http.StatusForbidden)
		return
	}
	if ev.EventID != "" {
		first, err := b.opts.Outbox.FirstDelivery(r.Context(), "event:"+ev.EventID)
		if err != nil {
			b.log.ErrorContext(r.Context(), "record event", "error", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		if !first {
			b.metrics.requests.WithLabelValues("event", "duplicate").Inc()
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	b.metrics.requests.WithLabelValues("event", "ignored").Inc()
	w.WriteHeader(http.StatusOK)
}
