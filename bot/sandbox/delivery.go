package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/owedhq/owed/bot/slacksig"
)

// AppError is an app's failure to answer a request from Slack in time and
// well, as the member who acted sees it.
type AppError struct {
	Kind   string // slash_commands, block_actions, view_submission, view_closed
	Reason string // Slack's word: operation_timeout, http_service_error, http_client_error, dispatch_failed, invalid_response, …
	Status int    // the app's HTTP status, if it answered
	Detail string
}

// Error says what the member saw, e.g. `/owed failed with the error "operation_timeout"`.
func (e *AppError) Error() string {
	msg := fmt.Sprintf("%s failed with the error %q", e.Kind, e.Reason)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// answer is what came back from the app for one request.
type answer struct {
	status  int
	body    []byte
	elapsed time.Duration
	failure string // Slack's error when the app did not answer 2xx in time
	detail  string
}

const userAgent = "Slackbot 1.0 (+https://api.slack.com/robots)"

// deliver sends a slash command or interaction to the app: over its Socket
// Mode connection when it has one, else as a signed form POST to target.
// kind is the Socket Mode envelope type. The error is set only when ctx ends.
func (s *Server) deliver(ctx context.Context, target, kind string, form url.Values, payload any) (answer, error) {
	s.mu.Lock()
	s.lastDelivery = &delivery{target: target, kind: kind, form: form, payload: payload}
	s.mu.Unlock()
	if s.sockets.connected() {
		return s.sockets.deliver(ctx, kind, payload, s.cfg.AckTimeout)
	}
	if target == "" {
		return answer{failure: "dispatch_failed", detail: "the app has no request URL and no Socket Mode connection"}, nil
	}
	return s.post(ctx, target, form)
}

// delivery is a request made to the app, kept to be made again.
type delivery struct {
	target, kind string
	form         url.Values
	payload      any
}

// Redelivery is the app's answer to a request made again.
type Redelivery struct {
	Status int    // the app's HTTP status (200 over Socket Mode)
	Body   string // its answer
}

// Redeliver makes the last slash command or interaction again, as it was,
// freshly signed: what a retrying proxy, a replay or a second delivery
// looks like to the app. The sandbox's state is not changed by the app's
// answer.
func (s *Server) Redeliver(ctx context.Context) (Redelivery, error) {
	s.mu.Lock()
	d := s.lastDelivery
	s.mu.Unlock()
	if d == nil {
		return Redelivery{}, errors.New("redeliver: nothing was delivered yet")
	}
	var ans answer
	var err error
	if s.sockets.connected() {
		ans, err = s.sockets.deliver(ctx, d.kind, d.payload, s.cfg.AckTimeout)
	} else {
		ans, err = s.post(ctx, d.target, d.form)
	}
	if err != nil {
		return Redelivery{}, fmt.Errorf("redeliver: %w", err)
	}
	if ans.failure != "" {
		return Redelivery{Status: ans.status, Body: string(ans.body)}, ans.appError(d.kind)
	}
	return Redelivery{Status: ans.status, Body: string(ans.body)}, nil
}

func (s *Server) post(ctx context.Context, target string, form url.Values) (answer, error) {
	actx, cancel := context.WithTimeout(ctx, s.cfg.AckTimeout)
	defer cancel()
	body := form.Encode()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		return answer{failure: "dispatch_failed", detail: err.Error()}, nil
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", userAgent)
	slacksig.SetHeaders(req.Header, s.cfg.SigningSecret, s.now(), []byte(body))
	start := time.Now()
	resp, err := s.client.Do(req)
	var raw []byte
	if err == nil {
		raw, err = io.ReadAll(io.LimitReader(resp.Body, maxRequestBody))
		resp.Body.Close()
	}
	ans := answer{body: raw, elapsed: time.Since(start)}
	switch {
	case ctx.Err() != nil:
		return ans, fmt.Errorf("deliver to %s: %w", target, ctx.Err())
	case errors.Is(err, context.DeadlineExceeded):
		ans.failure, ans.detail = "operation_timeout", fmt.Sprintf("no answer within %s", s.cfg.AckTimeout)
		return ans, nil
	case err != nil:
		ans.failure, ans.detail = "dispatch_failed", err.Error()
		return ans, nil
	}
	ans.status = resp.StatusCode
	switch {
	case resp.StatusCode >= 500:
		ans.failure = "http_service_error"
	case resp.StatusCode >= 300:
		ans.failure = "http_client_error"
	}
	return ans, nil
}

func (a answer) appError(kind string) *AppError {
	return &AppError{Kind: kind, Reason: a.failure, Status: a.status, Detail: a.detail}
}
