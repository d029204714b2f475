package sandbox

import (
	"net/http"
	"time"
)

// Failure is an answer a test makes the Web API give instead of the real
// one: an HTTP status, a Slack error code, or both. With neither, the call
// takes effect and then its answer comes late (Delay), never (Cut) or
// after Hook has run.
type Failure struct {
	Status     int           // HTTP status; 0 means 200
	Error      string        // Slack error code in {"ok":false,"error":…}
	RetryAfter time.Duration // Retry-After header, rounded up to seconds

	Delay time.Duration // the call takes effect; its answer waits this long
	Cut   bool          // the call takes effect; the connection drops unanswered
	Hook  func()        // the call takes effect; Hook runs before the answer
}

// RateLimited is Slack's rate-limit answer: HTTP 429, "ratelimited" and a
// Retry-After header.
func RateLimited(retryAfter time.Duration) Failure {
	return Failure{Status: http.StatusTooManyRequests, Error: "ratelimited", RetryAfter: retryAfter}
}

// ServerError is an HTTP 500 with no Slack answer, as when Slack is down.
func ServerError() Failure { return Failure{Status: http.StatusInternalServerError} }

// SlackError is an HTTP 200 {"ok":false,"error":code} answer.
func SlackError(code string) Failure { return Failure{Error: code} }

func (f Failure) apiError() *apiError {
	code := f.Error
	if code == "" {
		code = "fatal_error"
	}
	return &apiError{code: code, status: f.Status, retryAfter: f.RetryAfter}
}

// FailNext makes the next calls to a Web API method ("chat.postMessage",
// or "response_url" for response URLs) fail, one failure per call, in order.
// Calls refused for their token do not use up a failure.
func (s *Server) FailNext(method string, failures ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = append(s.failures[method], failures...)
}

func (s *Server) nextFailure(method string) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.failures[method]
	if len(q) == 0 {
		return Failure{}, false
	}
	s.failures[method] = q[1:]
	return q[0], true
}

// AnswerLate makes a call take effect (a message is posted) and then hold
// its answer for d, as when Slack is slow to answer; the answer is dropped
// if the app stops waiting first.
func AnswerLate(d time.Duration) Failure { return Failure{Delay: d} }

// LoseAnswer makes a call take effect and then drops the connection
// without an answer, as when the network fails after Slack acted.
func LoseAnswer() Failure { return Failure{Cut: true} }

// AfterEffect makes a call take effect, then runs fn before the answer is
// written: a test kills the app or cuts off its database there, so that
// Slack has the message and the app never learns its ts.
func AfterEffect(fn func()) Failure { return Failure{Hook: fn} }

// takesEffect reports whether the call is carried out before the failure.
func (f Failure) takesEffect() bool {
	return f.Status == 0 && f.Error == "" && (f.Delay > 0 || f.Cut || f.Hook != nil)
}

// afterEffect applies a failure to a call that has taken effect, and
// reports whether the answer should still be written.
func (s *Server) afterEffect(w http.ResponseWriter, r *http.Request, method string, a args, f Failure) bool {
	if f.Hook != nil {
		f.Hook()
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			s.record(Call{Method: method, Params: a, Status: 0, Error: "answer_lost", At: s.now()})
			return false
		case <-s.done:
			return false
		}
	}
	if f.Cut {
		s.record(Call{Method: method, Params: a, Status: 0, Error: "answer_lost", At: s.now()})
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return false
			}
		}
		panic(http.ErrAbortHandler)
	}
	return true
}
