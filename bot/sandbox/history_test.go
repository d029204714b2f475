package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func keyed(key string) slack.MsgOption {
	return slack.MsgOptionMetadata(slack.SlackMetadata{EventType: "owed_message", EventPayload: map[string]any{"key": key}})
}

func TestMetadata_StoredOnPostKeptOnUpdateAndReturnedOnlyWhenAsked(t *testing.T) {
	e := newEnv(t)
	_, ts, err := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("alert", false), keyed("case/1/alert"))
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := e.sb.Message(MessageRef{Channel: collect, TS: ts}); string(m.Metadata) != `{"event_payload":{"key":"case/1/alert"},"event_type":"owed_message"}` {
		t.Errorf("stored metadata = %s", m.Metadata)
	}
	// An edit without metadata keeps it, as in Slack.
	if _, _, _, err := e.api.UpdateMessageContext(e.ctx, collect, ts, slack.MsgOptionText("alert, edited", false)); err != nil {
		t.Fatal(err)
	}
	for _, all := range []bool{false, true} {
		resp, err := e.api.GetConversationHistoryContext(e.ctx, &slack.GetConversationHistoryParameters{ChannelID: collect, IncludeAllMetadata: all})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Messages) != 1 {
			t.Fatalf("history: %d messages", len(resp.Messages))
		}
		got := resp.Messages[0].Metadata.EventPayload["key"]
		if all && got != "case/1/alert" {
			t.Errorf("include_all_metadata: key = %v, want case/1/alert", got)
		}
		if !all && got != nil {
			t.Errorf("without include_all_metadata the metadata was returned: %v", got)
		}
	}

	for _, bad := range []struct{ raw, code string }{
		{`not json`, "invalid_metadata_format"},
		{`{"event_type":"x"}`, "invalid_metadata_schema"},
		{`{"event_type":"","event_payload":{}}`, "invalid_metadata_schema"},
		{`{"event_type":"x","event_payload":[1]}`, "invalid_metadata_schema"},
	} {
		resp, err := postRaw(e, "chat.postMessage", map[string]string{"channel": collect, "text": "x", "metadata": bad.raw})
		if err != nil {
			t.Fatal(err)
		}
		if resp != bad.code {
			t.Errorf("metadata %s: error %q, want %q", bad.raw, resp, bad.code)
		}
	}
}

func TestConversationsHistory_PagesNewestFirstWithoutReplies(t *testing.T) {
	e := newEnv(t)
	var tss []string
	for i := range 5 {
		_, ts, err := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText(fmt.Sprintf("m%d", i), false))
		if err != nil {
			t.Fatal(err)
		}
		tss = append(tss, ts)
		e.clock.Advance(time.Second)
	}
	if _, _, err := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("a reply", false), slack.MsgOptionTS(tss[0])); err != nil {
		t.Fatal(err)
	}
	if _, err := e.api.PostEphemeralContext(e.ctx, collect, dana, slack.MsgOptionText("only dana", false)); err != nil {
		t.Fatal(err)
	}

	var got []string
	cursor := ""
	pages := 0
	for {
		resp, err := e.api.GetConversationHistoryContext(e.ctx, &slack.GetConversationHistoryParameters{
			ChannelID: collect, Oldest: tss[0], Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, m := range resp.Messages {
			got = append(got, m.Text)
		}
		if !resp.HasMore {
			if resp.ResponseMetaData.NextCursor != "" {
				t.Errorf("a last page with a cursor")
			}
			break
		}
		cursor = resp.ResponseMetaData.NextCursor
		if cursor == "" || pages > 5 {
			t.Fatalf("has_more without a cursor, or too many pages")
		}
	}
	// oldest is exclusive: m0 is left out, and so are the reply and the ephemeral message.
	if fmt.Sprint(got) != "[m4 m3 m2 m1]" || pages != 2 {
		t.Errorf("history = %v in %d pages, want [m4 m3 m2 m1] in 2", got, pages)
	}
	resp, err := e.api.GetConversationHistoryContext(e.ctx, &slack.GetConversationHistoryParameters{ChannelID: collect, Oldest: tss[0], Inclusive: true})
	if err != nil || len(resp.Messages) != 5 || resp.Messages[4].ReplyCount != 1 {
		t.Errorf("inclusive history: %v, %+v", err, resp)
	}

	for _, c := range []struct {
		params slack.GetConversationHistoryParameters
		code   string
	}{
		{slack.GetConversationHistoryParameters{ChannelID: "C0NOPE"}, "channel_not_found"},
		{slack.GetConversationHistoryParameters{ChannelID: collect, Cursor: "garbage"}, "invalid_cursor"},
		{slack.GetConversationHistoryParameters{ChannelID: collect, Oldest: "yesterday"}, "invalid_ts_oldest"},
	} {
		if _, err := e.api.GetConversationHistoryContext(e.ctx, &c.params); slackErrorCode(err) != c.code {
			t.Errorf("%+v: %v, want %s", c.params, err, c.code)
		}
	}
	bad := slack.New("xoxb-wrong", slack.OptionAPIURL(e.srv.URL+"/api/"))
	if _, err := bad.GetConversationHistoryContext(e.ctx, &slack.GetConversationHistoryParameters{ChannelID: collect}); slackErrorCode(err) != "invalid_auth" {
		t.Errorf("wrong token: %v", err)
	}
}

func TestConversationsReplies_ParentThenRepliesInTheWindow(t *testing.T) {
	e := newEnv(t)
	_, root, err := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("alert", false))
	if err != nil {
		t.Fatal(err)
	}
	var replies []string
	for i := range 3 {
		e.clock.Advance(time.Second)
		_, ts, err := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText(fmt.Sprintf("r%d", i), false), slack.MsgOptionTS(root), keyed(fmt.Sprint("line/", i)))
		if err != nil {
			t.Fatal(err)
		}
		replies = append(replies, ts)
	}
	var got []string
	cursor := ""
	for {
		msgs, more, next, err := e.api.GetConversationRepliesContext(e.ctx, &slack.GetConversationRepliesParameters{
			ChannelID: collect, Timestamp: replies[1], Oldest: replies[0], Limit: 2, Cursor: cursor, IncludeAllMetadata: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			got = append(got, fmt.Sprint(m.Text, m.Metadata.EventPayload["key"]))
		}
		if !more {
			break
		}
		cursor = next
	}
	if fmt.Sprint(got) != "[alert<nil> r1line/1 r2line/2]" {
		t.Errorf("replies = %v", got)
	}
	if _, _, _, err := e.api.GetConversationRepliesContext(e.ctx, &slack.GetConversationRepliesParameters{ChannelID: collect, Timestamp: "1.000001"}); slackErrorCode(err) != "thread_not_found" {
		t.Errorf("unknown thread: %v", err)
	}
}

func TestFaults_CallsThatTakeEffectButLoseTheirAnswer(t *testing.T) {
	e := newEnv(t)
	hooked := false
	e.sb.FailNext("chat.postMessage", LoseAnswer(), AfterEffect(func() { hooked = len(e.sb.Messages(collect)) == 2 }), AnswerLate(time.Minute))
	post := func(ctx context.Context, text string) error {
		_, _, err := e.api.PostMessageContext(ctx, collect, slack.MsgOptionText(text, false))
		return err
	}
	if err := post(e.ctx, "lost"); err == nil {
		t.Errorf("a lost answer gave no error")
	}
	if err := post(e.ctx, "hooked"); err != nil || !hooked {
		t.Errorf("after-effect hook: err %v, ran after the post was stored: %v", err, hooked)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	var nerr net.Error
	if err := post(ctx, "late"); !errors.Is(err, context.DeadlineExceeded) && !(errors.As(err, &nerr) && nerr.Timeout()) {
		t.Errorf("late answer: %v, want a timeout", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("the late answer held the caller %v", time.Since(start))
	}
	if n := len(e.sb.Messages(collect)); n != 3 {
		t.Errorf("%d messages stored, want all 3: each call took effect", n)
	}
}

// postRaw calls a Web API method with form arguments and returns the
// Slack error code ("" when ok).
func postRaw(e *env, method string, form map[string]string) (string, error) {
	v := url.Values{}
	for k, x := range form {
		v.Set(k, x)
	}
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.srv.URL+"/api/"+method, strings.NewReader(v.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+e.sb.Config().BotToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", err
	}
	return body.Error, nil
}
