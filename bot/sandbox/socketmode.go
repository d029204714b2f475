package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// socketHub holds the app's Socket Mode connections and the envelopes
// waiting for its acknowledgement.
type socketHub struct {
	mu           sync.Mutex
	conns        []*socketConn
	next         int
	seq          uint64
	pending      map[string]chan json.RawMessage
	pingInterval time.Duration
}

type socketConn struct {
	ws      *websocket.Conn
	writeMu sync.Mutex
	closed  chan struct{}
}

func newSocketHub() *socketHub {
	return &socketHub{pending: map[string]chan json.RawMessage{}, pingInterval: socketPingInterval}
}

func (c *socketConn) writeJSON(v any) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteJSON(v)
}

func (h *socketHub) connected() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns) > 0
}

// SocketModeConnected reports whether the app has a live Socket Mode
// connection, over which slash commands and interactions are then sent.
func (s *Server) SocketModeConnected() bool { return s.sockets.connected() }

// appsConnectionsOpen hands out a one-time WebSocket URL, as Slack does.
func (s *Server) appsConnectionsOpen(r *http.Request, _ args) (map[string]any, error) {
	s.mu.Lock()
	s.seq++
	ticket := fmt.Sprintf("%d-%s", s.seq, shortID("ticket", int(s.seq)))
	s.tickets[ticket] = true
	base := s.baseURL
	s.mu.Unlock()
	if base == "" {
		base = "http://" + r.Host
	}
	wsBase := "ws" + strings.TrimPrefix(base, "http")
	return map[string]any{"url": wsBase + "/link/?ticket=" + ticket + "&app_id=" + s.cfg.AppID}, nil
}

var upgrader = websocket.Upgrader{
	// slack-go sends Origin: https://api.slack.com; the ticket is the credential.
	CheckOrigin: func(*http.Request) bool { return true },
}

// serveSocket runs one Socket Mode connection: hello, pings, and the app's
// acknowledgements.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	ok := s.tickets[ticket]
	delete(s.tickets, ticket)
	s.mu.Unlock()
	if !ok {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &socketConn{ws: ws, closed: make(chan struct{})}
	h := s.sockets
	h.mu.Lock()
	h.conns = append(h.conns, c)
	n := len(h.conns)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		for i, x := range h.conns {
			if x == c {
				h.conns = append(h.conns[:i:i], h.conns[i+1:]...)
				break
			}
		}
		h.mu.Unlock()
		close(c.closed)
		ws.Close()
		s.changedExternally()
	}()
	s.changedExternally()
	hello := map[string]any{
		"type":            "hello",
		"num_connections": n,
		"debug_info":      map[string]any{"host": "sandbox", "build_number": 1, "approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": s.cfg.AppID},
	}
	if err := c.writeJSON(hello); err != nil {
		return
	}
	go h.ping(c)
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		h.mu.Lock()
		ch, ok := h.pending[ack.EnvelopeID]
		delete(h.pending, ack.EnvelopeID)
		h.mu.Unlock()
		if ok {
			ch <- ack.Payload
		}
	}
}

// ping keeps a connection alive as Slack does; slack-go reconnects when
// pings stop.
func (h *socketHub) ping(c *socketConn) {
	t := time.NewTicker(h.pingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.closed:
			return
		case <-t.C:
			c.writeMu.Lock()
			err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second))
			c.writeMu.Unlock()
			if err != nil {
				return
			}
		}
	}
}

// deliver sends an envelope over one of the connections and waits for its
// acknowledgement; the ack's payload stands for an HTTP response body.
func (h *socketHub) deliver(ctx context.Context, kind string, payload any, timeout time.Duration) (answer, error) {
	h.mu.Lock()
	if len(h.conns) == 0 {
		h.mu.Unlock()
		return answer{failure: "dispatch_failed", detail: "no Socket Mode connection"}, nil
	}
	c := h.conns[h.next%len(h.conns)]
	h.next++
	h.seq++
	id := fmt.Sprintf("%08x-5a1d-4b0c-8e5f-%012x", h.seq, h.seq)
	ch := make(chan json.RawMessage, 1)
	h.pending[id] = ch
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.pending, id)
		h.mu.Unlock()
	}()

	env := map[string]any{
		"envelope_id":              id,
		"type":                     kind,
		"payload":                  payload,
		"accepts_response_payload": true,
		"retry_attempt":            0,
		"retry_reason":             "",
	}
	start := time.Now()
	if err := c.writeJSON(env); err != nil {
		return answer{failure: "dispatch_failed", detail: err.Error()}, nil
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case p := <-ch:
		ans := answer{status: http.StatusOK, elapsed: time.Since(start)}
		if len(p) > 0 && string(p) != "null" {
			ans.body = p
		}
		return ans, nil
	case <-c.closed:
		return answer{failure: "dispatch_failed", detail: "the Socket Mode connection closed", elapsed: time.Since(start)}, nil
	case <-timer.C:
		return answer{failure: "operation_timeout", detail: fmt.Sprintf("no acknowledgement within %s", timeout), elapsed: time.Since(start)}, nil
	case <-ctx.Done():
		return answer{}, fmt.Errorf("deliver envelope %s: %w", id, ctx.Err())
	}
}

// Close ends the app's Socket Mode connections and the page's pending
// polls, so that the HTTP server the handler runs in can shut down at once,
// and stops the SMTP server. It does not stop the HTTP server.
func (s *Server) Close() {
	defer s.stopOwnWork()
	s.EndPolls()
	s.closing.Do(func() { close(s.done) })
	s.stopSMTP()
	h := s.sockets
	h.mu.Lock()
	conns := append([]*socketConn(nil), h.conns...)
	h.mu.Unlock()
	for _, c := range conns {
		c.writeMu.Lock()
		_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "sandbox closing"), time.Now().Add(time.Second))
		c.writeMu.Unlock()
		c.ws.Close()
	}
}

func (s *Server) changedExternally() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touchLocked()
}
