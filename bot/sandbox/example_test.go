package sandbox_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot/sandbox"
)

// A test serves the sandbox, points the bot's slack-go client at it, and
// reads what the bot posted.
func Example() {
	sb := sandbox.New(sandbox.DemoConfig())
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	defer sb.Close()
	sb.SetBaseURL(srv.URL)

	api := slack.New("xoxb-sandbox", slack.OptionAPIURL(srv.URL+"/api/"))
	_, _, _ = api.PostMessage(sandbox.DemoChannel, slack.MsgOptionText("ACME Corp. owes $75.50", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("case",
			slack.NewButtonBlockElement("snooze", "case-1", slack.NewTextBlockObject(slack.PlainTextType, "Snooze", false, false)))))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var alert sandbox.Message
	_ = sb.Await(ctx, func() bool {
		var ok bool
		alert, ok = sb.Find(sandbox.DemoChannel, "ACME Corp.")
		return ok
	})
	snooze, _ := alert.Button("Snooze")
	fmt.Println(alert.Text, "·", snooze.ActionID)
	// With the app's request URLs set, a member's click reaches it signed:
	//   err := sb.Click(ctx, sandbox.DemoMember, alert.Ref(), snooze.ActionID)
	// Output: ACME Corp. owes $75.50 · snooze
}

// owed dev serves the sandbox and the bot on one port: the sandbox owns the
// page, /api/, /hooks/ and /link/; the bot keeps /slack/ and its probes.
func Example_dev() {
	cfg := sandbox.DemoConfig()
	cfg.SigningSecret = "dev-signing-secret"
	cfg.CommandURL = "http://localhost:8080/slack/commands"
	cfg.InteractionURL = "http://localhost:8080/slack/interactions"
	sb := sandbox.New(cfg)
	sb.SetBaseURL("http://localhost:8080")

	var bot http.Handler = http.NotFoundHandler() // the bot's HTTP routes
	mux := http.NewServeMux()
	mux.Handle("/", sb.Handler())
	mux.Handle("/slack/", bot)
	// The bot runs with SLACK_API_URL=http://localhost:8080/api/,
	// SLACK_BOT_TOKEN=xoxb-sandbox (cfg.BotToken) and the same signing secret;
	// with SLACK_APP_TOKEN=xapp-sandbox it connects over Socket Mode instead.
	srv := &http.Server{Addr: ":8080", Handler: mux}
	_ = srv // srv.ListenAndServe()
}
