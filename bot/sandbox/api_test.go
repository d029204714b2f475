package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// rawCall posts to a Web API method and returns the decoded answer.
func rawCall(t *testing.T, e *env, method, contentType, auth, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/api/"+method, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decode answer: %v", err)
	}
	return resp.StatusCode, out
}

func TestWebAPI_Tokens(t *testing.T) {
	e := newEnv(t)
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name, method, ctype, auth, body, wantErr string
	}{
		{"NoTokenIsNotAuthed", "auth.test", form, "", "", "not_authed"},
		{"WrongTokenIsInvalidAuth", "auth.test", form, "xoxb-wrong", "", "invalid_auth"},
		{"TokenInFormField", "auth.test", form, "", "token=xoxb-test", ""},
		{"TokenInHeaderWithJSON", "auth.test", "application/json", "xoxb-test", "{}", ""},
		{"TokenInJSONBodyIsNotAccepted", "auth.test", "application/json", "", `{"token":"xoxb-test"}`, "not_authed"},
		{"AppTokenOnBotMethod", "auth.test", form, "xapp-test", "", "not_allowed_token_type"},
		{"BotTokenOnConnectionsOpen", "apps.connections.open", "application/json", "xoxb-test", "", "not_allowed_token_type"},
		{"UnknownMethod", "chat.frobnicate", form, "xoxb-test", "", "unknown_method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := rawCall(t, e, tt.method, tt.ctype, tt.auth, tt.body)
			if status != http.StatusOK {
				t.Fatalf("status = %d", status)
			}
			if got, _ := out["error"].(string); got != tt.wantErr {
				t.Fatalf("error = %q, want %q (answer %v)", got, tt.wantErr, out)
			}
			if ok, _ := out["ok"].(bool); ok != (tt.wantErr == "") {
				t.Fatalf("ok = %v", ok)
			}
		})
	}
}

func TestAuthTest_AnswersLikeSlack(t *testing.T) {
	e := newEnv(t)
	resp, err := e.api.AuthTestContext(e.ctx)
	if err != nil {
		t.Fatalf("AuthTest: %v", err)
	}
	if resp.TeamID != "T0OWED" || resp.UserID != "U0OWEDBOT" || resp.BotID != "B0OWEDBOT" || resp.User != "owed" {
		t.Fatalf("AuthTest = %+v", resp)
	}
	bad := slack.New("xoxb-nope", slack.OptionAPIURL(e.srv.URL+"/api/"))
	if _, err := bad.AuthTestContext(e.ctx); slackErrorCode(err) != "invalid_auth" {
		t.Fatalf("wrong token: err = %v, want invalid_auth", err)
	}
}

func TestChatPostMessage(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PostBurst = 100 })
	t.Run("PostsTextAndBlocks", func(t *testing.T) {
		ch, ts, msg, err := e.api.PostMessageWithResponseContext(e.ctx, collect,
			slack.MsgOptionText("ACME Corp. owes $75.50", false), slack.MsgOptionBlocks(alertBlocks()...))
		if err != nil {
			t.Fatalf("PostMessage: %v", err)
		}
		if ch != collect || ts == "" || msg.Timestamp != ts || msg.BotID != "B0OWEDBOT" || len(msg.Blocks.BlockSet) != 3 {
			t.Fatalf("answer: channel %q ts %q message %+v", ch, ts, msg)
		}
		got, ok := e.sb.Message(MessageRef{Channel: collect, TS: ts})
		if !ok || got.Text != "ACME Corp. owes $75.50" || got.User != "U0OWEDBOT" || !got.Contains("60 days overdue") {
			t.Fatalf("stored message = %+v", got)
		}
		if _, ok := got.Button("Snooze"); !ok {
			t.Fatal("stored message has no Snooze button")
		}
	})
	t.Run("ToUserIDOpensTheDM", func(t *testing.T) {
		ch, ts, err := e.api.PostMessageContext(e.ctx, cfo, slack.MsgOptionText("Approve?", false))
		if err != nil {
			t.Fatalf("PostMessage: %v", err)
		}
		if !strings.HasPrefix(ch, "D") || e.sb.DMChannel(cfo) != ch {
			t.Fatalf("channel = %q, DM channel = %q", ch, e.sb.DMChannel(cfo))
		}
		if dms := e.sb.DMs(cfo); len(dms) != 1 || dms[0].TS != ts {
			t.Fatalf("DMs = %+v", dms)
		}
	})
	t.Run("ThreadReply", func(t *testing.T) {
		_, root, _ := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("root", false))
		_, reply, err := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("a reply", false), slack.MsgOptionTS(root))
		if err != nil {
			t.Fatalf("PostMessage: %v", err)
		}
		thread := e.sb.Thread(collect, root)
		if len(thread) != 1 || thread[0].TS != reply || thread[0].ThreadTS != root {
			t.Fatalf("thread = %+v", thread)
		}
		for _, m := range e.sb.Messages(collect) {
			if m.TS == reply {
				t.Fatal("the reply is also a top-level message")
			}
		}
	})
	t.Run("ReplyToMissingParentIsPostedTopLevel", func(t *testing.T) {
		_, _, msg, err := e.api.PostMessageWithResponseContext(e.ctx, collect, slack.MsgOptionText("orphan", false), slack.MsgOptionTS("1.000001"))
		if err != nil || msg.ThreadTimestamp != "" {
			t.Fatalf("err = %v, thread_ts = %q", err, msg.ThreadTimestamp)
		}
	})
	errs := []struct {
		name    string
		channel string
		opts    []slack.MsgOption
		want    string
	}{
		{"UnknownChannel", "C0NOPE", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"NoTextNorBlocks", collect, nil, "no_text"},
		{"TextTooLong", collect, []slack.MsgOption{slack.MsgOptionText(strings.Repeat("a", 40001), false)}, "msg_too_long"},
		{"InvalidBlocks", collect, []slack.MsgOption{slack.MsgOptionBlocks(slack.NewSectionBlock(
			slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("a", 3001), false, false), nil, nil))}, "invalid_blocks"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.api.PostMessageContext(e.ctx, tt.channel, tt.opts...)
			if code := slackErrorCode(err); code != tt.want {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
		})
	}
	t.Run("InvalidBlocksSaysWhere", func(t *testing.T) {
		_, _, err := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionBlocks(slack.NewHeaderBlock(
			slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("h", 151), false, false))))
		var se slack.SlackErrorResponse
		if !errors.As(err, &se) || len(se.ResponseMetadata.Messages) != 1 ||
			se.ResponseMetadata.Messages[0] != "[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]" {
			t.Fatalf("err = %#v", err)
		}
	})
}

func TestChatUpdate(t *testing.T) {
	e := newEnv(t)
	_, ts, err := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("old", false), slack.MsgOptionBlocks(alertBlocks()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("EditsInPlace", func(t *testing.T) {
		_, _, text, err := e.api.UpdateMessageContext(e.ctx, collect, ts, slack.MsgOptionText("settled", false))
		if err != nil || text != "settled" {
			t.Fatalf("UpdateMessage: text %q, err %v", text, err)
		}
		got, _ := e.sb.Message(MessageRef{Channel: collect, TS: ts})
		if got.Text != "settled" || !got.Edited || len(got.Actions()) != 2 {
			t.Fatalf("updated message = %+v (blocks are kept when none are sent)", got)
		}
		if n := len(e.sb.Messages(collect)); n != 1 {
			t.Fatalf("%d messages in the channel, want 1", n)
		}
	})
	t.Run("EmptyBlocksRemoveThem", func(t *testing.T) {
		_, _, _, err := e.api.UpdateMessageContext(e.ctx, collect, ts, slack.MsgOptionText("paid", false), slack.MsgOptionBlocks())
		if err != nil {
			t.Fatal(err)
		}
		raw := rawUpdate(t, e, url.Values{"channel": {collect}, "ts": {ts}, "text": {"paid"}, "blocks": {"[]"}})
		if raw["ok"] != true {
			t.Fatalf("answer = %v", raw)
		}
		if got, _ := e.sb.Message(MessageRef{Channel: collect, TS: ts}); len(got.Actions()) != 0 {
			t.Fatalf("buttons left: %+v", got.Actions())
		}
	})
	member, _ := e.sb.Say(dana, collect, "I'll call them")
	tests := []struct {
		name, channel, ts, want string
	}{
		{"UnknownMessage", collect, "1.000001", "message_not_found"},
		{"UnknownChannel", "C0NOPE", ts, "channel_not_found"},
		{"SomeoneElsesMessage", collect, member.TS, "cant_update_message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := e.api.UpdateMessageContext(e.ctx, tt.channel, tt.ts, slack.MsgOptionText("x", false))
			if code := slackErrorCode(err); code != tt.want {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
		})
	}
}

func rawUpdate(t *testing.T, e *env, v url.Values) map[string]any {
	t.Helper()
	_, out := rawCall(t, e, "chat.update", "application/x-www-form-urlencoded", "xoxb-test", v.Encode())
	return out
}

func TestChatPostEphemeral(t *testing.T) {
	e := newEnv(t)
	ts, err := e.api.PostEphemeralContext(e.ctx, collect, dana, slack.MsgOptionText("Only you can see this", false))
	if err != nil || ts == "" {
		t.Fatalf("PostEphemeral: ts %q err %v", ts, err)
	}
	if m, ok := e.sb.FindEphemeral(dana, "Only you"); !ok || m.TS != ts || m.Channel != collect || !m.Ephemeral {
		t.Fatalf("ephemeral = %+v, %v", m, ok)
	}
	if len(e.sb.Messages(collect)) != 0 || len(e.sb.Ephemerals(cfo)) != 0 {
		t.Fatal("an ephemeral message is visible to others")
	}
	tests := []struct {
		name, channel, user, want string
	}{
		{"UnknownUser", collect, "U0NOBODY", "user_not_found"},
		{"UserNotInChannel", private, dana, "user_not_in_channel"},
		{"UnknownChannel", "C0NOPE", dana, "channel_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.api.PostEphemeralContext(e.ctx, tt.channel, tt.user, slack.MsgOptionText("x", false))
			if code := slackErrorCode(err); code != tt.want {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestChatDelete(t *testing.T) {
	e := newEnv(t)
	_, ts, _ := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("oops", false))
	if _, _, err := e.api.DeleteMessageContext(e.ctx, collect, ts); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
	if len(e.sb.Messages(collect)) != 0 {
		t.Fatal("message still there")
	}
	if _, _, err := e.api.DeleteMessageContext(e.ctx, collect, ts); slackErrorCode(err) != "message_not_found" {
		t.Fatalf("second delete: %v", err)
	}
}

func TestUsersInfo(t *testing.T) {
	e := newEnv(t)
	u, err := e.api.GetUserInfoContext(e.ctx, cfo)
	if err != nil {
		t.Fatalf("GetUserInfo: %v", err)
	}
	if u.ID != cfo || u.Name != "cfo" || u.RealName != "Chris Fo" || u.Profile.DisplayName != "cfo" || u.IsBot {
		t.Fatalf("user = %+v", u)
	}
	if _, err := e.api.GetUserInfoContext(e.ctx, "U0NOBODY"); slackErrorCode(err) != "user_not_found" {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestUsergroupsUsersList(t *testing.T) {
	e := newEnv(t)
	users, err := e.api.GetUserGroupMembersContext(e.ctx, approvers)
	if err != nil || strings.Join(users, ",") != cfo+","+controller {
		t.Fatalf("GetUserGroupMembers = %v, %v", users, err)
	}
	if _, err := e.api.GetUserGroupMembersContext(e.ctx, "S0NOPE"); slackErrorCode(err) != "no_such_subteam" {
		t.Fatalf("unknown group: %v", err)
	}
}

func TestConversationsOpen(t *testing.T) {
	e := newEnv(t)
	ch, noOp, already, err := e.api.OpenConversationContext(e.ctx, &slack.OpenConversationParameters{Users: []string{controller}, ReturnIM: true})
	if err != nil || ch == nil || !strings.HasPrefix(ch.ID, "D") || noOp || already || ch.User != controller {
		t.Fatalf("first open: %+v noOp=%v already=%v err=%v", ch, noOp, already, err)
	}
	again, _, already, err := e.api.OpenConversationContext(e.ctx, &slack.OpenConversationParameters{Users: []string{controller}})
	if err != nil || again.ID != ch.ID || !already {
		t.Fatalf("second open: %+v already=%v err=%v", again, already, err)
	}
	if _, _, _, err := e.api.OpenConversationContext(e.ctx, &slack.OpenConversationParameters{Users: []string{"U0NOBODY"}}); slackErrorCode(err) != "user_not_found" {
		t.Fatalf("unknown user: %v", err)
	}
	if _, _, err := e.api.PostMessageContext(e.ctx, ch.ID, slack.MsgOptionText("hello", false)); err != nil {
		t.Fatalf("post to the IM: %v", err)
	}
	if len(e.sb.DMs(controller)) != 1 {
		t.Fatal("DM not stored")
	}
}

func TestCalls_RecordsEveryCallWithoutToken(t *testing.T) {
	e := newEnv(t)
	_, _, _ = e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("hi", false))
	_, _, _ = e.api.PostMessageContext(e.ctx, "C0NOPE", slack.MsgOptionText("hi", false))
	calls := e.sb.CallsTo("chat.postMessage")
	if len(calls) != 2 {
		t.Fatalf("calls = %+v", calls)
	}
	if !calls[0].OK() || calls[0].Params["channel"] != collect || calls[0].Params["text"] != "hi" {
		t.Fatalf("first call = %+v", calls[0])
	}
	if calls[1].OK() || calls[1].Error != "channel_not_found" {
		t.Fatalf("second call = %+v", calls[1])
	}
	for _, c := range e.sb.Calls() {
		if _, ok := c.Params["token"]; ok {
			t.Fatal("the token is recorded")
		}
	}
	all := e.sb.CallCount()
	if since := e.sb.CallsSince(all - 1); len(since) != 1 || since[0].Params["channel"] != "C0NOPE" {
		t.Fatalf("the last call = %+v", since)
	}
	if since := e.sb.CallsSince(all + 5); len(since) != 0 {
		t.Fatalf("calls after the end = %+v", since)
	}
}

// A sandbox that runs for days keeps its memory bounded: it forgets the
// oldest calls past Config.CallLog, and the trigger_ids and response_urls
// long expired, while the calls' numbering stays what it was.
func TestCalls_ALongRunningSandboxForgetsTheOldest(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.CallLog = 4 })
	for i := range 10 {
		if _, err := e.api.AuthTestContext(e.ctx); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if _, _, err := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("the last", false)); err != nil {
		t.Fatal(err)
	}
	if n := len(e.sb.Calls()); n > 4 || n < 2 {
		t.Errorf("%d calls kept, want the latest of at most 4", n)
	}
	if n := e.sb.CallCount(); n != 11 {
		t.Errorf("CallCount = %d, want 11", n)
	}
	if since := e.sb.CallsSince(10); len(since) != 1 || since[0].Method != "chat.postMessage" {
		t.Errorf("CallsSince(10) = %+v, want the last call", since)
	}
	if since := e.sb.CallsSince(0); len(since) != len(e.sb.Calls()) {
		t.Errorf("CallsSince(0) = %d calls, want every call kept", len(since))
	}

	e.sb.mu.Lock()
	old := e.sb.mintTriggerLocked(dana, "")
	oldURL, _ := e.sb.mintResponseURLLocked("commands", collect, dana, "")
	e.sb.mu.Unlock()
	e.clock.Advance(ResponseURLTTL + forgetAfter + time.Second)
	e.sb.mu.Lock()
	for range 600 {
		e.sb.mintTriggerLocked(dana, "")
	}
	_, oldKept := e.sb.triggers[old]
	_, oldURLKept := e.sb.responseURLs[strings.TrimPrefix(oldURL, e.srv.URL)]
	triggers := len(e.sb.triggers)
	e.sb.mu.Unlock()
	if oldKept || oldURLKept {
		t.Errorf("a trigger_id / response_url expired for over an hour is still kept: %v / %v", oldKept, oldURLKept)
	}
	if triggers > 600 {
		t.Errorf("%d trigger_ids kept", triggers)
	}
}

func TestConversationsOpen_SeveralUsersMakeAGroupDM(t *testing.T) {
	e := newEnv(t)
	ch, _, _, err := e.api.OpenConversationContext(e.ctx, &slack.OpenConversationParameters{Users: []string{cfo, controller}})
	if err != nil || !strings.HasPrefix(ch.ID, "G") {
		t.Fatalf("open: %+v, %v", ch, err)
	}
	again, _, already, _ := e.api.OpenConversationContext(e.ctx, &slack.OpenConversationParameters{Users: []string{cfo, controller}})
	if again.ID != ch.ID || !already {
		t.Fatalf("second open: %+v", again)
	}
	if _, _, err := e.api.PostMessageContext(e.ctx, ch.ID, slack.MsgOptionText("Two approvers needed", false)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.Say(dana, ch.ID, "can I see this?"); err == nil {
		t.Fatal("dana spoke in the approvers' group DM")
	}
}

func TestEphemeralInThread_StaysOutOfTheReplies(t *testing.T) {
	e := newEnv(t)
	ref := postAlert(t, e)
	if _, err := e.api.PostEphemeralContext(e.ctx, collect, dana, slack.MsgOptionText("only you, in the thread", false), slack.MsgOptionTS(ref.TS)); err != nil {
		t.Fatal(err)
	}
	if len(e.sb.Thread(collect, ref.TS)) != 0 {
		t.Fatal("an ephemeral message became a reply everyone sees")
	}
	m, ok := e.sb.FindEphemeral(dana, "in the thread")
	if !ok || m.ThreadTS != ref.TS {
		t.Fatalf("ephemeral = %+v", m)
	}
	st := getState(t, e, dana, 0)
	if r := st.Conversations[0].Messages[0].Replies; len(r) != 1 || !r[0].Ephemeral {
		t.Fatalf("dana's page thread = %+v", r)
	}
	if r := getState(t, e, cfo, 0).Conversations[0].Messages[0].Replies; len(r) != 0 {
		t.Fatalf("cfo's page thread = %+v", r)
	}
}

func TestAwait_EndsWithTheContext(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Millisecond)
	defer cancel()
	if err := e.sb.Await(ctx, func() bool { return false }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	go func() { _, _, _ = e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("later", false)) }()
	if err := e.sb.Await(e.ctx, func() bool { _, ok := e.sb.Find(collect, "later"); return ok }); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentPostsAndUpdates(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PostBurst = 1000 })
	const n = 40
	tss := make(chan string, n)
	errs := make(chan error, 2*n)
	for i := range n {
		go func() {
			_, ts, err := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("alert", false), slack.MsgOptionBlocks(alertBlocks()...))
			if err == nil {
				_, _, _, err = e.api.UpdateMessageContext(e.ctx, collect, ts, slack.MsgOptionText("alert "+strconv.Itoa(i), false))
			}
			errs <- err
			tss <- ts
		}()
	}
	seen := map[string]bool{}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		seen[<-tss] = true
	}
	msgs := e.sb.Messages(collect)
	if len(seen) != n || len(msgs) != n {
		t.Fatalf("%d distinct ts, %d messages; want %d", len(seen), len(msgs), n)
	}
	for i := 1; i < len(msgs); i++ {
		if msgs[i-1].TS >= msgs[i].TS || !msgs[i].Edited {
			t.Fatalf("messages out of order or not edited: %+v, %+v", msgs[i-1], msgs[i])
		}
	}
}
