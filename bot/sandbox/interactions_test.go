package sandbox

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestSlashCommand_SendsSignedFormLikeSlack(t *testing.T) {
	e := newEnv(t)
	e.app.handleCommands(func(w http.ResponseWriter, _ *http.Request, _ slack.SlashCommand) {
		writeJSON(w, http.StatusOK, map[string]any{"text": "ACME Corp. owes $75.50"})
	})
	reply, err := e.sb.SlashCommand(e.ctx, dana, collect, "/owed", "acme")
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	cmd := e.app.lastCommand(t)
	want := slack.SlashCommand{
		Token: "sandbox-verification-token", TeamID: "T0OWED", TeamDomain: "acme-finance",
		ChannelID: collect, ChannelName: "collections", UserID: dana, UserName: "dana",
		Command: "/owed", Text: "acme", APIAppID: "A0OWED",
		ResponseURL: reply.ResponseURL, TriggerID: reply.TriggerID,
	}
	if cmd != want {
		t.Fatalf("command =\n%+v\nwant\n%+v", cmd, want)
	}
	if !strings.HasPrefix(cmd.ResponseURL, e.srv.URL+"/hooks/commands/") || cmd.TriggerID == "" {
		t.Fatalf("response_url %q, trigger_id %q", cmd.ResponseURL, cmd.TriggerID)
	}
	if reply.Status != http.StatusOK || reply.Message == nil || !reply.Message.Ephemeral ||
		reply.Message.VisibleTo != dana || reply.Message.Text != "ACME Corp. owes $75.50" {
		t.Fatalf("reply = %+v", reply)
	}
	if _, ok := e.sb.FindEphemeral(dana, "owes $75.50"); !ok {
		t.Fatal("the answer is not shown to the caller")
	}
	if len(e.sb.Messages(collect)) != 0 || len(e.sb.Ephemerals(cfo)) != 0 {
		t.Fatal("an ephemeral answer is visible to others")
	}
}

// What a member types reaches the app escaped as Slack escapes it.
func TestSlashCommand_SendsTheTextEscapedLikeSlack(t *testing.T) {
	e := newEnv(t)
	if _, err := e.sb.SlashCommand(e.ctx, dana, collect, "/owed", "AT&T <Co>"); err != nil {
		t.Fatal(err)
	}
	if got := e.app.lastCommand(t).Text; got != "AT&amp;T &lt;Co&gt;" {
		t.Errorf("text = %q, want it escaped as Slack does", got)
	}
}

func TestSlashCommand_Answers(t *testing.T) {
	tests := []struct {
		name        string
		answer      func(w http.ResponseWriter, r *http.Request)
		ackTimeout  time.Duration
		wantErr     string // AppError reason
		wantMessage string // text in the message shown, "" for none
		inChannel   bool
	}{
		{
			name:   "EmptyBodyIsAnAck",
			answer: func(w http.ResponseWriter, _ *http.Request) {},
		},
		{
			name:   "EmptyObjectIsAnAck",
			answer: func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, map[string]any{}) },
		},
		{
			name: "PlainTextBecomesEphemeral",
			answer: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = w.Write([]byte("Usage: /owed CUSTOMER"))
			},
			wantMessage: "Usage: /owed CUSTOMER",
		},
		{
			name: "InChannelIsSharedWithTheCommand",
			answer: func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, http.StatusOK, map[string]any{"response_type": "in_channel", "text": "Top overdue"})
			},
			wantMessage: "Top overdue",
			inChannel:   true,
		},
		{
			name: "BlocksWithoutText",
			answer: func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, http.StatusOK, map[string]any{"blocks": alertBlocks()})
			},
			wantMessage: "ACME Corp. owes $75.50",
		},
		{
			name:    "ServerError",
			answer:  func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) },
			wantErr: "http_service_error",
		},
		{
			name:    "ClientError",
			answer:  func(w http.ResponseWriter, _ *http.Request) { http.NotFound(w, nil) },
			wantErr: "http_client_error",
		},
		{
			name: "InvalidBlocks",
			answer: func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte(`{"blocks":[{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("h", 151) + `"}}]}`))
			},
			wantErr: "invalid_blocks",
		},
		{
			name:       "LateAnswerTimesOut",
			answer:     func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			ackTimeout: 50 * time.Millisecond,
			wantErr:    "operation_timeout",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) {
				if tt.ackTimeout > 0 {
					c.AckTimeout = tt.ackTimeout
				}
			})
			e.app.handleCommands(func(w http.ResponseWriter, r *http.Request, _ slack.SlashCommand) { tt.answer(w, r) })
			reply, err := e.sb.SlashCommand(e.ctx, dana, collect, "/owed", "top")
			if tt.wantErr != "" {
				var ae *AppError
				if !errors.As(err, &ae) || ae.Reason != tt.wantErr || reply.Error != tt.wantErr {
					t.Fatalf("err = %v, reply.Error = %q; want %s", err, reply.Error, tt.wantErr)
				}
				notice, ok := e.sb.FindEphemeral(dana, `/owed failed with the error "`+tt.wantErr+`"`)
				if !ok || notice.User != "USLACKBOT" {
					t.Fatalf("no Slackbot notice for the caller: %+v", e.sb.Ephemerals(dana))
				}
				return
			}
			if err != nil {
				t.Fatalf("SlashCommand: %v", err)
			}
			if tt.wantMessage == "" {
				if reply.Message != nil || len(e.sb.Ephemerals(dana)) != 0 {
					t.Fatalf("an ack showed a message: %+v", reply.Message)
				}
				return
			}
			if reply.Message == nil || !reply.Message.Contains(tt.wantMessage) || reply.Message.Ephemeral == tt.inChannel {
				t.Fatalf("reply message = %+v", reply.Message)
			}
			if tt.inChannel {
				msgs := e.sb.Messages(collect)
				if len(msgs) != 2 || msgs[0].User != dana || msgs[0].Text != "/owed top" || msgs[1].Text != tt.wantMessage {
					t.Fatalf("channel = %+v", msgs)
				}
			}
		})
	}
}

func TestSlashCommand_RefusesStrangers(t *testing.T) {
	e := newEnv(t)
	if _, err := e.sb.SlashCommand(e.ctx, "U0NOBODY", collect, "/owed", ""); err == nil {
		t.Fatal("unknown member accepted")
	}
	if _, err := e.sb.SlashCommand(e.ctx, dana, private, "/owed", ""); err == nil {
		t.Fatal("command in a channel the member is not in accepted")
	}
}

// A command no app registered never reaches the app: Slack's client says
// it is not a valid command.
func TestSlashCommand_OnlyTheAppsCommandsReachIt(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Commands = []string{"/owed"} })
	if _, err := e.sb.SlashCommand(e.ctx, dana, collect, "/remind", "me at 9"); err == nil || !strings.Contains(err.Error(), "/remind is not a valid command") {
		t.Errorf("/remind: %v, want it refused as not a valid command", err)
	}
	if _, err := e.sb.SlashCommand(e.ctx, dana, collect, "/owed", "acme"); err != nil {
		t.Fatalf("/owed: %v", err)
	}
	e.app.mu.Lock()
	defer e.app.mu.Unlock()
	if len(e.app.commands) != 1 || e.app.commands[0].Command != "/owed" {
		t.Errorf("the app got %+v, want only /owed", e.app.commands)
	}
}

func postAlert(t *testing.T, e *env) MessageRef {
	t.Helper()
	_, ts, err := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("ACME Corp. owes $75.50", false), slack.MsgOptionBlocks(alertBlocks()...))
	if err != nil {
		t.Fatal(err)
	}
	return MessageRef{Channel: collect, TS: ts}
}

func TestClick_SendsBlockActionsLikeSlack(t *testing.T) {
	e := newEnv(t)
	ref := postAlert(t, e)
	if err := e.sb.Click(e.ctx, cfo, ref, "escalate"); err != nil {
		t.Fatalf("Click: %v", err)
	}
	ic, raw := e.app.lastInteraction(t)
	if ic.Type != slack.InteractionTypeBlockActions || ic.User.ID != cfo || ic.User.Name != "cfo" || ic.Team.ID != "T0OWED" || ic.APIAppID != "A0OWED" {
		t.Fatalf("interaction = %+v", ic)
	}
	if ic.Container.Type != "message" || ic.Container.MessageTs != ref.TS || ic.Container.ChannelID != collect || ic.Container.IsEphemeral {
		t.Fatalf("container = %+v", ic.Container)
	}
	if ic.Channel.ID != collect || ic.Channel.Name != "collections" {
		t.Fatalf("channel = %+v", ic.Channel)
	}
	if ic.Message.Timestamp != ref.TS || ic.Message.Text != "ACME Corp. owes $75.50" || len(ic.Message.Blocks.BlockSet) != 3 {
		t.Fatalf("message = %+v", ic.Message)
	}
	if len(ic.ActionCallback.BlockActions) != 1 {
		t.Fatalf("actions = %+v", ic.ActionCallback)
	}
	a := ic.ActionCallback.BlockActions[0]
	if a.ActionID != "escalate" || a.BlockID != "case" || a.Value != "case-1" || a.Text.Text != "Escalate" || a.Type != "button" || a.ActionTs == "" {
		t.Fatalf("action = %+v", a)
	}
	if !strings.HasPrefix(ic.ResponseURL, e.srv.URL+"/hooks/actions/") || ic.TriggerID == "" {
		t.Fatalf("response_url %q trigger_id %q", ic.ResponseURL, ic.TriggerID)
	}
	if _, ok := raw["state"].(map[string]any)["values"]; !ok {
		t.Fatalf("state = %v", raw["state"])
	}
}

func TestClick_FailsWhenTheButtonIsAbsent(t *testing.T) {
	e := newEnv(t)
	ref := postAlert(t, e)
	err := e.sb.Click(e.ctx, cfo, ref, "approve")
	if err == nil || !strings.Contains(err.Error(), `no element with action_id "approve"`) || !strings.Contains(err.Error(), "snooze") {
		t.Fatalf("err = %v", err)
	}
	if err := e.sb.Click(e.ctx, cfo, MessageRef{Channel: collect, TS: "1.000001"}, "snooze"); err == nil {
		t.Fatal("click on a missing message accepted")
	}
	if e.app.interactionCount() != 0 {
		t.Fatal("the app was called")
	}
}

func TestClick_AppFailureIsAnAppError(t *testing.T) {
	e := newEnv(t)
	ref := postAlert(t, e)
	e.app.handleInteractions(func(w http.ResponseWriter, _ *http.Request, _ slack.InteractionCallback) {
		http.Error(w, "down", http.StatusBadGateway)
	})
	var ae *AppError
	if err := e.sb.Click(e.ctx, dana, ref, "snooze"); !errors.As(err, &ae) || ae.Reason != "http_service_error" || ae.Status != http.StatusBadGateway {
		t.Fatalf("err = %v", err)
	}
}

func TestClick_OnEphemeralMessage(t *testing.T) {
	e := newEnv(t)
	ts, err := e.api.PostEphemeralContext(e.ctx, collect, dana, slack.MsgOptionText("ACME", false), slack.MsgOptionBlocks(alertBlocks()...))
	if err != nil {
		t.Fatal(err)
	}
	ref := MessageRef{Channel: collect, TS: ts}
	if err := e.sb.Click(e.ctx, cfo, ref, "snooze"); err == nil {
		t.Fatal("someone else clicked dana's ephemeral message")
	}
	if err := e.sb.Click(e.ctx, dana, ref, "snooze"); err != nil {
		t.Fatalf("Click: %v", err)
	}
	ic, raw := e.app.lastInteraction(t)
	if !ic.Container.IsEphemeral || ic.Container.MessageTs != ts {
		t.Fatalf("container = %+v", ic.Container)
	}
	if _, ok := raw["message"]; ok {
		t.Fatal("Slack sends no message for ephemeral messages")
	}
}

func TestChoose_SelectInMessage(t *testing.T) {
	e := newEnv(t)
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, slack.NewTextBlockObject(slack.PlainTextType, "Snooze for", false, false), "snooze_for",
		slack.NewOptionBlockObject("7", slack.NewTextBlockObject(slack.PlainTextType, "7 days", false, false), nil),
		slack.NewOptionBlockObject("14", slack.NewTextBlockObject(slack.PlainTextType, "14 days", false, false), nil))
	date := slack.NewDatePickerBlockElement("until")
	_, ts, err := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("ACME", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("pick", sel, date)))
	if err != nil {
		t.Fatal(err)
	}
	ref := MessageRef{Channel: collect, TS: ts}
	if err := e.sb.Choose(e.ctx, dana, ref, "snooze_for", Pick("14")); err != nil {
		t.Fatalf("Choose: %v", err)
	}
	ic, _ := e.app.lastInteraction(t)
	a := ic.ActionCallback.BlockActions[0]
	if a.Type != "static_select" || a.SelectedOption.Value != "14" || a.SelectedOption.Text.Text != "14 days" {
		t.Fatalf("action = %+v", a)
	}
	if st := ic.BlockActionState.Values["pick"]["snooze_for"]; st.SelectedOption.Value != "14" {
		t.Fatalf("state = %+v", ic.BlockActionState)
	}
	if err := e.sb.Choose(e.ctx, dana, ref, "until", Date("2026-12-01")); err != nil {
		t.Fatalf("Choose date: %v", err)
	}
	ic, _ = e.app.lastInteraction(t)
	if a := ic.ActionCallback.BlockActions[0]; a.SelectedDate != "2026-12-01" {
		t.Fatalf("date action = %+v", a)
	}
	if err := e.sb.Choose(e.ctx, dana, ref, "snooze_for", Pick("99")); err == nil {
		t.Fatal("an option that is not there was chosen")
	}
	if err := e.sb.Click(e.ctx, dana, ref, "snooze_for"); err == nil {
		t.Fatal("a select was clicked like a button")
	}
}
