package sandbox

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// clickForResponseURL clicks Snooze on a new alert and returns the alert
// and the response_url the app got.
func clickForResponseURL(t *testing.T, e *env) (MessageRef, string) {
	t.Helper()
	ref := postAlert(t, e)
	if err := e.sb.Click(e.ctx, dana, ref, "snooze"); err != nil {
		t.Fatal(err)
	}
	ic, _ := e.app.lastInteraction(t)
	return ref, ic.ResponseURL
}

func respond(e *env, url string, opts ...slack.MsgOption) error {
	_, _, err := e.api.PostMessageContext(e.ctx, "", append([]slack.MsgOption{slack.MsgOptionResponseURL(url, slack.ResponseTypeEphemeral)}, opts...)...)
	return err
}

func TestResponseURL_NewEphemeralByDefault(t *testing.T) {
	e := newEnv(t)
	ref, url := clickForResponseURL(t, e)
	if err := respond(e, url, slack.MsgOptionText("Snoozed for 7 days", false)); err != nil {
		t.Fatalf("respond: %v", err)
	}
	m, ok := e.sb.FindEphemeral(dana, "Snoozed for 7 days")
	if !ok || m.Channel != collect {
		t.Fatalf("ephemeral = %+v, %v", m, ok)
	}
	if orig, _ := e.sb.Message(ref); orig.Text != "ACME Corp. owes $75.50" {
		t.Fatal("the original changed")
	}
}

func TestResponseURL_InChannel(t *testing.T) {
	e := newEnv(t)
	_, url := clickForResponseURL(t, e)
	_, _, err := e.api.PostMessageContext(e.ctx, "", slack.MsgOptionResponseURL(url, slack.ResponseTypeInChannel), slack.MsgOptionText("Dana snoozed ACME", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := e.sb.Find(collect, "Dana snoozed ACME"); !ok {
		t.Fatal("in_channel response not in the channel")
	}
}

func TestResponseURL_ReplaceAndDeleteOriginal(t *testing.T) {
	e := newEnv(t)
	ref, url := clickForResponseURL(t, e)
	_, _, err := e.api.PostMessageContext(e.ctx, "", slack.MsgOptionReplaceOriginal(url), slack.MsgOptionText("ACME Corp. — snoozed", false))
	if err != nil {
		t.Fatalf("replace: %v", err)
	}
	got, _ := e.sb.Message(ref)
	if got.Text != "ACME Corp. — snoozed" || len(got.Actions()) != 0 || len(e.sb.Messages(collect)) != 1 {
		t.Fatalf("replaced = %+v", got)
	}
	_, _, err = e.api.PostMessageContext(e.ctx, "", slack.MsgOptionDeleteOriginal(url))
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, ok := e.sb.Message(ref); ok {
		t.Fatal("original still there")
	}
}

func TestResponseURL_FiveUsesWithinThirtyMinutes(t *testing.T) {
	e := newEnv(t)
	_, url := clickForResponseURL(t, e)
	for i := range 5 {
		if err := respond(e, url, slack.MsgOptionText("update", false)); err != nil {
			t.Fatalf("use %d: %v", i+1, err)
		}
	}
	var sc slack.StatusCodeError
	if err := respond(e, url, slack.MsgOptionText("sixth", false)); !errors.As(err, &sc) || sc.Code != http.StatusNotFound {
		t.Fatalf("sixth use: %v, want 404", err)
	}
	if c := e.sb.CallsTo("response_url"); c[len(c)-1].Error != "used_url" {
		t.Fatalf("recorded = %+v", c[len(c)-1])
	}

	_, fresh := clickForResponseURL(t, e)
	e.clock.Advance(30*time.Minute + time.Second)
	if err := respond(e, fresh, slack.MsgOptionText("late", false)); !errors.As(err, &sc) || sc.Code != http.StatusNotFound {
		t.Fatalf("after 30 minutes: %v, want 404", err)
	}
	if c := e.sb.CallsTo("response_url"); c[len(c)-1].Error != "expired_url" {
		t.Fatalf("recorded = %+v", c[len(c)-1])
	}
}

func TestResponseURL_RefusesInvalidMessages(t *testing.T) {
	e := newEnv(t)
	_, url := clickForResponseURL(t, e)
	err := respond(e, url, slack.MsgOptionBlocks(slack.NewHeaderBlock(plain(strings.Repeat("h", 200)))))
	if slackErrorCode(err) != "invalid_blocks" {
		t.Fatalf("err = %v", err)
	}
	// Refused answers do not use the URL up.
	for i := range 5 {
		if err := respond(e, url, slack.MsgOptionText("ok", false)); err != nil {
			t.Fatalf("use %d: %v", i+1, err)
		}
	}
}

func TestResponseURL_AfterSlashCommandReplacesTheAnswer(t *testing.T) {
	e := newEnv(t)
	e.app.handleCommands(func(w http.ResponseWriter, _ *http.Request, _ slack.SlashCommand) {
		writeJSON(w, http.StatusOK, map[string]any{"text": "Looking up ACME…"})
	})
	reply, err := e.sb.SlashCommand(e.ctx, dana, collect, "/owed", "acme")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.api.PostMessageContext(e.ctx, "", slack.MsgOptionReplaceOriginal(reply.ResponseURL), slack.MsgOptionText("ACME owes $75.50", false))
	if err != nil {
		t.Fatal(err)
	}
	eph := e.sb.Ephemerals(dana)
	if len(eph) != 1 || eph[0].Text != "ACME owes $75.50" {
		t.Fatalf("ephemerals = %+v", eph)
	}
}

func TestFailNext_ResponseURL(t *testing.T) {
	e := newEnv(t)
	_, url := clickForResponseURL(t, e)
	e.sb.FailNext("response_url", ServerError())
	var sc slack.StatusCodeError
	if err := respond(e, url, slack.MsgOptionText("x", false)); !errors.As(err, &sc) || sc.Code != 500 {
		t.Fatalf("err = %v", err)
	}
	if err := respond(e, url, slack.MsgOptionText("x", false)); err != nil {
		t.Fatalf("after the failure: %v", err)
	}
}
