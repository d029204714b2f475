package bot_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
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

func TestHTTPClient_KeepsAConnectionPerConcurrentCall(t *testing.T) {
	var opened atomic.Int32
	var release atomic.Pointer[chan struct{}]
	var inflight sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait := *release.Load()
		inflight.Done()
		<-wait
		w.Write([]byte(`{"ok":true}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	client := bot.HTTPClient(5*time.Second, nil)
	const workers = 8
	for round := range 3 {
		ch := make(chan struct{})
		release.Store(&ch)
		inflight.Add(workers)
		var done sync.WaitGroup
		for range workers {
			done.Add(1)
			go func() {
				defer done.Done()
				resp, err := client.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}()
		}
		inflight.Wait() // all 8 at once, each on a connection of its own
		close(ch)
		done.Wait()
		if n := opened.Load(); n != workers {
			t.Fatalf("round %d: %d connections opened in all, want %d (reused across rounds)", round+1, n, workers)
		}
	}
}
