package bot

import (
	"errors"
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
		after, permanent := classify(&slack.RateLimitedError{RetryAfter: retryAfter}, maxAttempts+5, 50*time.Millisecond)
		if permanent || after < retryAfter {
			t.Errorf("429 with Retry-After %v: retry after %v (give up %v), want at least %v", retryAfter, after, permanent, retryAfter)
		}
	}
}

// TestClassify_GivesUpAfterMaxAttempts: a message that keeps failing is
// retried with a growing backoff, and given up on its 25th attempt.
func TestClassify_GivesUpAfterMaxAttempts(t *testing.T) {
	const giveUpAt = 25
	err := errors.New("connection reset")
	prev := time.Duration(0)
	for attempts := 1; attempts < giveUpAt; attempts++ {
		after, permanent := classify(err, attempts, time.Second)
		if permanent {
			t.Fatalf("gave up on attempt %d, want retries until %d", attempts, giveUpAt)
		}
		if after < prev || after > maxBackoff {
			t.Fatalf("attempt %d: retry after %v (previous %v, at most %v)", attempts, after, prev, maxBackoff)
		}
		prev = after
	}
	if _, permanent := classify(err, giveUpAt, time.Second); !permanent {
		t.Errorf("attempt %d was retried again, want it given up", giveUpAt)
	}
}
