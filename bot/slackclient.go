package bot

import (
	"log/slog"
	"net/http"
	"path"
	"time"
)

// DefaultCallTimeout bounds a Slack Web API call when nothing else is set.
const DefaultCallTimeout = 10 * time.Second

// idleSlackConns is how many connections to Slack are kept open between
// calls: more than the sender's workers, so that each call reuses one
// instead of opening (and TLS-handshaking) its own.
const idleSlackConns = 32

// HTTPClient returns the HTTP client for Slack's Web API: every call ends
// after timeout, and calls slower than a quarter of it are logged (with the
// method's name, never the token). Connections are kept for the next calls.
func HTTPClient(timeout time.Duration, log *slog.Logger) *http.Client {
	if timeout <= 0 {
		timeout = DefaultCallTimeout
	}
	if log == nil {
		log = slog.Default()
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = idleSlackConns
	return &http.Client{
		Timeout:   timeout,
		Transport: &timedTransport{base: base, slow: timeout / 4, log: log},
	}
}

// timedTransport logs slow Web API calls.
type timedTransport struct {
	base http.RoundTripper
	slow time.Duration
	log  *slog.Logger
}

func (t *timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(r)
	if took := time.Since(start); took >= t.slow {
		attrs := []any{"method", path.Base(r.URL.Path), "took", took.Round(time.Millisecond)}
		if err != nil {
			attrs = append(attrs, "error", err)
		} else {
			attrs = append(attrs, "status", resp.StatusCode)
		}
		t.log.WarnContext(r.Context(), "slow Slack call", attrs...)
	}
	return resp, err
}
