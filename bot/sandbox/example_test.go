package sandbox_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/bot/slacksig"
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
// page, /api/, /hooks/ and /link/; the bot keeps /slack/ and its probes. A
// member's slash command reaches the bot signed, and its answer shows only
// to that member.
func Example_dev() {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cfg := sandbox.DemoConfig()
	cfg.SigningSecret = "dev-signing-secret"
	cfg.CommandURL = srv.URL + "/slack/commands"
	cfg.InteractionURL = srv.URL + "/slack/interactions"
	sb := sandbox.New(cfg)
	defer sb.Close()
	sb.SetBaseURL(srv.URL)

	// The bot's routes: it checks Slack's signature, then answers.
	mux.Handle("/", sb.Handler())
	mux.HandleFunc("POST /slack/commands", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := slacksig.Verify(r.Header, body, cfg.SigningSecret, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		form, _ := url.ParseQuery(string(body))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"text": "%s asked about %s"}`, form.Get("user_name"), form.Get("text"))
	})
	// The bot itself runs with SLACK_API_URL=srv.URL+"/api/", the sandbox's
	// bot token and the same signing secret.

	ctx := context.Background()
	if _, err := sb.SlashCommand(ctx, sandbox.DemoMember, sandbox.DemoChannel, "/owed", "acme"); err != nil {
		fmt.Println(err)
		return
	}
	answer, _ := sb.FindEphemeral(sandbox.DemoMember, "asked about")
	fmt.Println(answer.Text, "· visible to", answer.VisibleTo)
	// Output: dana asked about acme · visible to U0MEMBER
}
