package sandbox

import (
	"context"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// socketApp is an app on slack-go's unchanged socketmode client.
type socketApp struct {
	mu     sync.Mutex
	events []socketmode.Event
}

func (a *socketApp) received() []socketmode.Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]socketmode.Event(nil), a.events...)
}

func runSocketApp(t *testing.T, e *env) (*socketApp, context.CancelFunc) {
	t.Helper()
	api := slack.New("xoxb-test", slack.OptionAppLevelToken("xapp-test"), slack.OptionAPIURL(e.srv.URL+"/api/"))
	client := socketmode.New(api, socketmode.OptionLog(log.New(io.Discard, "", 0)))
	ctx, cancel := context.WithCancel(e.ctx)
	app := &socketApp{}
	go func() { _ = client.RunContext(ctx) }()
	go func() {
		for {
			var evt socketmode.Event
			select {
			case <-ctx.Done():
				return
			case evt = <-client.Events:
			}
			if evt.Type != socketmode.EventTypeSlashCommand && evt.Type != socketmode.EventTypeInteractive {
				continue
			}
			app.mu.Lock()
			app.events = append(app.events, evt)
			app.mu.Unlock()
			switch data := evt.Data.(type) {
			case slack.SlashCommand:
				_ = client.Ack(*evt.Request, map[string]any{"text": "ACME Corp. owes $75.50 (" + data.Text + ")"})
			case slack.InteractionCallback:
				if data.Type == slack.InteractionTypeViewSubmission {
					_ = client.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"reason": "Say more"}))
					continue
				}
				_ = client.Ack(*evt.Request)
			}
		}
	}()
	if err := e.sb.Await(e.ctx, e.sb.SocketModeConnected); err != nil {
		t.Fatalf("socket mode never connected: %v", err)
	}
	return app, cancel
}

func TestSocketMode_DeliversCommandsAndInteractions(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.CommandURL, c.InteractionURL = "", "" })
	app, stop := runSocketApp(t, e)
	defer stop()

	reply, err := e.sb.SlashCommand(e.ctx, dana, collect, "/owed", "acme")
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	if reply.Message == nil || reply.Message.Text != "ACME Corp. owes $75.50 (acme)" || !reply.Message.Ephemeral {
		t.Fatalf("reply = %+v", reply)
	}
	evts := app.received()
	if len(evts) != 1 || evts[0].Type != socketmode.EventTypeSlashCommand || !evts[0].Request.AcceptsResponsePayload {
		t.Fatalf("events = %+v", evts)
	}
	cmd := evts[0].Data.(slack.SlashCommand)
	if cmd.UserID != dana || cmd.Command != "/owed" || cmd.TriggerID != reply.TriggerID || cmd.ResponseURL != reply.ResponseURL {
		t.Fatalf("command = %+v", cmd)
	}

	ref := postAlert(t, e)
	if err := e.sb.Click(e.ctx, cfo, ref, "escalate"); err != nil {
		t.Fatalf("Click: %v", err)
	}
	evts = app.received()
	ic := evts[len(evts)-1].Data.(slack.InteractionCallback)
	if ic.Type != slack.InteractionTypeBlockActions || ic.ActionCallback.BlockActions[0].ActionID != "escalate" || ic.Message.Timestamp != ref.TS {
		t.Fatalf("interaction = %+v", ic)
	}

	// The trigger from the socket works for views.open as over HTTP.
	modal := slack.ModalViewRequest{Type: slack.VTModal, Title: plain("Escalate"), Submit: plain("Send"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("reason", plain("Reason"), nil, slack.NewPlainTextInputBlockElement(nil, "reason"))}}}
	view, err := e.api.OpenViewContext(e.ctx, ic.TriggerID, modal)
	if err != nil {
		t.Fatalf("OpenView: %v", err)
	}
	res, err := e.sb.SubmitView(e.ctx, cfo, view.ID, Values{"reason": {"reason": Text("No")}})
	if err != nil || res.ResponseAction != "errors" || res.Errors["reason"] != "Say more" {
		t.Fatalf("submit over the socket: %+v, %v", res, err)
	}
}

func TestSocketMode_FallsBackToHTTPWhenDisconnected(t *testing.T) {
	e := newEnv(t)
	e.app.handleCommands(func(w http.ResponseWriter, _ *http.Request, _ slack.SlashCommand) {
		writeJSON(w, http.StatusOK, map[string]any{"text": "over HTTP"})
	})
	_, stop := runSocketApp(t, e)
	reply, err := e.sb.SlashCommand(e.ctx, dana, collect, "/owed", "x")
	if err != nil || !strings.HasPrefix(reply.Message.Text, "ACME") {
		t.Fatalf("over the socket: %+v, %v", reply, err)
	}
	stop()
	if err := e.sb.Await(e.ctx, func() bool { return !e.sb.SocketModeConnected() }); err != nil {
		t.Fatal(err)
	}
	reply, err = e.sb.SlashCommand(e.ctx, dana, collect, "/owed", "x")
	if err != nil || reply.Message.Text != "over HTTP" {
		t.Fatalf("after disconnecting: %+v, %v", reply, err)
	}
}

func TestSocketMode_TicketIsSingleUse(t *testing.T) {
	e := newEnv(t)
	api := slack.New("xoxb-test", slack.OptionAppLevelToken("xapp-test"), slack.OptionAPIURL(e.srv.URL+"/api/"))
	_, wsURL, err := api.StartSocketModeContext(e.ctx)
	if err != nil || !strings.HasPrefix(wsURL, "ws://") {
		t.Fatalf("apps.connections.open: %q, %v", wsURL, err)
	}
	httpURL := "http" + strings.TrimPrefix(wsURL, "ws")
	for i, want := range []int{http.StatusBadRequest, http.StatusUnauthorized} {
		// A plain GET is not a WebSocket handshake (400); the ticket is
		// spent by the first try, so the second is refused (401).
		resp, err := http.Get(httpURL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("try %d: status %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	bad := slack.New("xoxb-test", slack.OptionAppLevelToken("xapp-wrong"), slack.OptionAPIURL(e.srv.URL+"/api/"))
	if _, _, err := bad.StartSocketModeContext(e.ctx); slackErrorCode(err) != "invalid_auth" {
		t.Fatalf("wrong app token: %v", err)
	}
}
