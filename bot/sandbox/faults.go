package sandbox

import (
	"net/http"
	"time"
)

// Failure is an answer a test makes the Web API give instead of the real
// one: an HTTP status, a Slack error code, or both.
type Failure struct {
	Status     int           // HTTP status; 0 means 200
	Error      string        // Slack error code in {"ok":false,"error":…}
	RetryAfter time.Duration // Retry-After header, rounded up to seconds
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
