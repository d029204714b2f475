package bot_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot"
)

func TestHTTPClient_BoundsCallsAndLogsSlowOnesWithoutTheToken(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/chat.postMessage") {
			select { // hang until the client gives up
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		time.Sleep(120 * time.Millisecond) // slow, but in time
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true,"team_id":"T1"}`))
	}))
	defer srv.Close()
	defer close(release)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	api := slack.New("xoxb-secret-token", slack.OptionAPIURL(srv.URL+"/api/"), slack.OptionHTTPClient(bot.HTTPClient(400*time.Millisecond, log)))

	start := time.Now()
	_, _, err := api.PostMessageContext(context.Background(), "C1", slack.MsgOptionText("hi", false))
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("a hung call returned %v after %v; want an error after the 400 ms timeout", err, time.Since(start))
	}
	if _, err := api.AuthTestContext(context.Background()); err != nil {
		t.Fatalf("a slow call in time: %v", err)
	}
	out := logs.String()
	if !strings.Contains(out, "slow Slack call") || !strings.Contains(out, "method=chat.postMessage") || !strings.Contains(out, "method=auth.test") {
		t.Errorf("slow calls not logged:\n%s", out)
	}
	if strings.Contains(out, "xoxb-secret-token") {
		t.Errorf("the token was logged:\n%s", out)
	}
}
