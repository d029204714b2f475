package sandbox

import (
	"time"

	"golang.org/x/time/rate"
)

// allowPostLocked takes a chat.postMessage slot for a channel at Slack's
// clock time. When the channel is over its rate, it takes nothing and
// returns how long until a message may be posted.
func (s *Server) allowPostLocked(channelID string) (retryAfter time.Duration, ok bool) {
	lim, found := s.limiters[channelID]
	if !found {
		lim = rate.NewLimiter(rate.Every(s.cfg.PostInterval), s.cfg.PostBurst)
		s.limiters[channelID] = lim
	}
	now := s.now()
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}
