package sandbox

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestPostMessage_RateLimitedPerChannel(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PostInterval = time.Second; c.PostBurst = 2 })
	post := func(channel string) error {
		_, _, err := e.api.PostMessageContext(e.ctx, channel, slack.MsgOptionText("alert", false))
		return err
	}
	for i := range 2 {
		if err := post(collect); err != nil {
			t.Fatalf("post %d within the burst: %v", i, err)
		}
	}
	var rl *slack.RateLimitedError
	if err := post(collect); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("third post: err = %v, want RateLimitedError after 1s", err)
	}
	if err := post(cfo); err != nil {
		t.Fatalf("another channel is not limited: %v", err)
	}
	last := e.sb.CallsTo("chat.postMessage")[2]
	if last.Status != http.StatusTooManyRequests || last.Error != "ratelimited" {
		t.Fatalf("recorded call = %+v", last)
	}
	if n := len(e.sb.Messages(collect)); n != 2 {
		t.Fatalf("%d messages posted, want 2", n)
	}

	e.clock.Advance(999 * time.Millisecond)
	if err := post(collect); !errors.As(err, &rl) {
		t.Fatalf("just before the interval: err = %v, want rate limited", err)
	}
	e.clock.Advance(time.Millisecond)
	if err := post(collect); err != nil {
		t.Fatalf("after the interval: %v", err)
	}
}

func TestPostMessage_RetryAfterHeaderInWholeSeconds(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PostInterval = 1500 * time.Millisecond; c.PostBurst = 1 })
	body := url.Values{"channel": {collect}, "text": {"x"}}.Encode()
	rawCall(t, e, "chat.postMessage", "application/x-www-form-urlencoded", "xoxb-test", body)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/chat.postMessage", stringsReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer xoxb-test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("status %d, Retry-After %q; want 429 and 2", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}
