package sandbox

import (
	"context"
	"time"
)

// backlog is how far the app is through posting what it has queued: of
// total messages counted since the queue was last empty, pending are left.
type backlog struct {
	total   int
	pending int
}

// pagePosting says on the page how far the app is through its queue: it is
// posting message Current of Total.
type pagePosting struct {
	Current int `json:"current"`
	Total   int `json:"total"`
}

// backlogEvery is how often the app's queue is counted.
const backlogEvery = 500 * time.Millisecond

// SetBacklog gives the sandbox a way to count the messages the app still has
// to post (owed: its outbox). While the count is above zero, the page says
// how far the app has come ("posting 21 of 33"); Slack's rate limit makes a
// long queue drain at about one message per second per channel. Call it once.
func (s *Server) SetBacklog(pending func(context.Context) (int, error)) {
	s.watchBacklog(pending, backlogEvery)
}

// watchBacklog counts the queue every interval until the sandbox closes.
func (s *Server) watchBacklog(pending func(context.Context) (int, error), every time.Duration) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for {
			ctx, cancel := context.WithTimeout(s.life, 5*time.Second)
			n, err := pending(ctx)
			cancel()
			if err == nil {
				s.setBacklog(n)
			}
			select {
			case <-s.done:
				return
			case <-ticker.C:
			}
		}
	}()
}

func (s *Server) setBacklog(pending int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.backlog
	switch {
	case pending <= 0:
		next = backlog{}
	case next.total == 0:
		next = backlog{total: pending, pending: pending}
	default:
		if grew := pending - next.pending; grew > 0 {
			next.total += grew
		}
		next.pending = pending
	}
	if next != s.backlog {
		s.backlog = next
		s.touchLocked()
	}
}
