package sandbox

import (
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestFailNext(t *testing.T) {
	e := newEnv(t)
	e.sb.FailNext("chat.postMessage", RateLimited(3*time.Second), ServerError(), SlackError("fatal_error"))
	post := func() error {
		_, _, err := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("alert", false))
		return err
	}

	var rl *slack.RateLimitedError
	if err := post(); !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
		t.Fatalf("first: %v, want rate limited for 3s", err)
	}
	var sc slack.StatusCodeError
	if err := post(); !errors.As(err, &sc) || sc.Code != 500 {
		t.Fatalf("second: %v, want HTTP 500", err)
	}
	if err := post(); slackErrorCode(err) != "fatal_error" {
		t.Fatalf("third: %v, want fatal_error", err)
	}
	if err := post(); err != nil {
		t.Fatalf("fourth: %v, want success", err)
	}
	if n := len(e.sb.Messages(collect)); n != 1 {
		t.Fatalf("%d messages, want only the last one", n)
	}
	if _, err := e.api.AuthTestContext(e.ctx); err != nil {
		t.Fatalf("other methods are unaffected: %v", err)
	}
}

func TestFailNext_WrongTokenDoesNotUseUpAFailure(t *testing.T) {
	e := newEnv(t)
	e.sb.FailNext("auth.test", SlackError("account_inactive"))
	bad := slack.New("xoxb-wrong", slack.OptionAPIURL(e.srv.URL+"/api/"))
	if _, err := bad.AuthTestContext(e.ctx); slackErrorCode(err) != "invalid_auth" {
		t.Fatalf("wrong token: %v", err)
	}
	if _, err := e.api.AuthTestContext(e.ctx); slackErrorCode(err) != "account_inactive" {
		t.Fatalf("next call: %v, want the injected failure", err)
	}
}
