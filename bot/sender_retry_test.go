package bot

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// TestClassify_ARateLimitedItemWaitsAtLeastRetryAfter: after a 429 the
// item itself is booked no earlier than Slack's Retry-After (recorded in
// the outbox, so it holds for a sender that restarts or takes over), and
// a 429 is never a reason to give up.
func TestClassify_ARateLimitedItemWaitsAtLeastRetryAfter(t *testing.T) {
	for _, retryAfter := range []time.Duration{3 * time.Second, 30 * time.Second} {
		after, permanent := classify(&slack.RateLimitedError{RetryAfter: retryAfter}, loudAfter+5, 50*time.Millisecond)
		if permanent || after < retryAfter {
			t.Errorf("429 with Retry-After %v: retry after %v (give up %v), want at least %v", retryAfter, after, permanent, retryAfter)
		}
	}
}

// TestClassify_AnAlertIsNeverLost: a message that keeps failing for a
// reason Slack may get over (a network error, a bot not in the channel, a
// revoked token) is retried with a growing backoff, at most maxBackoff
// apart, however long that takes; one Slack refuses for what it is, which
// sending again cannot change, is given up.
func TestClassify_AnAlertIsNeverLost(t *testing.T) {
	for _, err := range []error{errors.New("connection reset"), slack.SlackErrorResponse{Err: "not_in_channel"},
		slack.SlackErrorResponse{Err: "invalid_auth"}, slack.StatusCodeError{Code: 503, Status: "Service Unavailable"}} {
		prev := time.Duration(0)
		for attempts := 1; attempts <= 500; attempts++ {
			after, permanent := classify(err, attempts, time.Second)
			if permanent {
				t.Fatalf("%v: given up on attempt %d, want it retried", err, attempts)
			}
			if after < prev || after > maxBackoff {
				t.Fatalf("%v, attempt %d: retry after %v (previous %v, at most %v)", err, attempts, after, prev, maxBackoff)
			}
			prev = after
		}
		if prev != maxBackoff {
			t.Errorf("%v: retries settle every %v, want every %v", err, prev, maxBackoff)
		}
	}
	if _, permanent := classify(slack.SlackErrorResponse{Err: "invalid_blocks"}, 1, time.Second); !permanent {
		t.Errorf("invalid_blocks is retried; sending the same again cannot help")
	}
	// An edit of a message someone deleted (a courtesy summary, say) is
	// given up, not retried for ever; an alert is posted again instead.
	if _, permanent := classify(slack.SlackErrorResponse{Err: "message_not_found"}, 1, time.Second); !permanent {
		t.Errorf("message_not_found is retried; the deleted message will not come back")
	}
}

// TestAnswered_AServerErrorLeavesThePostInDoubt: Slack's HTTP 5xx may
// come after the message was posted, so the next attempt must look for it
// before posting again; a 4xx, a 429 or a Slack error means nothing was
// posted.
func TestAnswered_AServerErrorLeavesThePostInDoubt(t *testing.T) {
	for _, code := range []int{500, 502, 503, 504} {
		if answered(slack.StatusCodeError{Code: code, Status: http.StatusText(code)}) {
			t.Errorf("HTTP %d was taken as a known outcome; want the post in doubt", code)
		}
	}
	if answered(errors.New("connection reset by peer")) {
		t.Errorf("a dropped connection was taken as a known outcome")
	}
	for _, err := range []error{nil, slack.StatusCodeError{Code: 400, Status: "Bad Request"},
		&slack.RateLimitedError{RetryAfter: time.Second}, slack.SlackErrorResponse{Err: "channel_not_found"}} {
		if !answered(err) {
			t.Errorf("%v: taken as unknown; want a known outcome (nothing posted)", err)
		}
	}
}
