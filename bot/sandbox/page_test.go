package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func getState(t *testing.T, e *env, user string, since uint64) pageState {
	t.Helper()
	resp, err := http.Get(e.srv.URL + "/sandbox/state?user=" + user + "&since=" + strconv.FormatUint(since, 10))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st pageState
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func pagePost(t *testing.T, e *env, path string, body any) map[string]any {
	t.Helper()
	raw, _ := json.Marshal(body)
	resp, err := http.Post(e.srv.URL+path, "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: decode: %v", path, err)
	}
	return out
}

func TestPage_ServesHTMLAndAssets(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]string{
		"/":                   `id="member-switcher"`,
		"/assets/app.js":      "/sandbox/state",
		"/assets/blockkit.js": "data-action-id",
		"/assets/mrkdwn.js":   "function mrkdwn",
		"/assets/style.css":   ".bk-button",
	} {
		resp, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("%s: status %d, body lacks %q", path, resp.StatusCode, want)
		}
		if path == "/" && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("/: no Content-Security-Policy")
		}
	}
}

func TestPage_NeverBuildsHTMLFromStrings(t *testing.T) {
	// Message content is untrusted: the page only ever creates text nodes.
	err := fs.WalkDir(pageFiles, "page", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(path, ".js") {
			return err
		}
		src, _ := pageFiles.ReadFile(path)
		for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
			if strings.Contains(string(src), sink) {
				t.Errorf("%s uses %s", path, sink)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPage_StateShowsWhatTheMemberSees(t *testing.T) {
	e := newEnv(t)
	ref := postAlert(t, e)
	_, _, _ = e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("reply", false), slack.MsgOptionTS(ref.TS))
	_, _ = e.api.PostEphemeralContext(e.ctx, collect, dana, slack.MsgOptionText("<script>alert(1)</script> only dana", false))
	_, _, _ = e.api.PostMessageContext(e.ctx, cfo, slack.MsgOptionText("Approve?", false))

	st := getState(t, e, dana, 0)
	if st.Me != dana || len(st.Members) != 3 || st.Users[cfo] != "cfo" || st.Groups[approvers] != "approvers" {
		t.Fatalf("state = %+v", st)
	}
	var kinds []string
	for _, c := range st.Conversations {
		kinds = append(kinds, c.Kind+":"+c.Name)
	}
	if strings.Join(kinds, ",") != "channel:collections" {
		t.Fatalf("dana sees %v (not the board channel, not cfo's DM)", kinds)
	}
	msgs := st.Conversations[0].Messages
	if len(msgs) != 2 || !msgs[1].Ephemeral || msgs[1].Text != "<script>alert(1)</script> only dana" || len(msgs[0].Replies) != 1 || !msgs[0].Bot {
		t.Fatalf("messages = %+v", msgs)
	}

	cfoState := getState(t, e, cfo, 0)
	var dm *pageConv
	for i, c := range cfoState.Conversations {
		if c.Kind == "im" {
			dm = &cfoState.Conversations[i]
		}
		if c.Kind == "channel" && c.Name == "collections" && len(c.Messages) != 1 {
			t.Fatalf("cfo sees dana's ephemeral message: %+v", c.Messages)
		}
	}
	if dm == nil || dm.Name != "owed" || len(dm.Messages) != 1 {
		t.Fatalf("cfo's conversations = %+v", cfoState.Conversations)
	}
}

func TestPage_LongPollWaitsForAChange(t *testing.T) {
	e := newEnv(t)
	v := getState(t, e, dana, 0).Version
	got := make(chan pageState, 1)
	go func() { got <- getState(t, e, dana, v) }()
	select {
	case <-got:
		t.Fatal("the poll answered before anything changed")
	case <-time.After(20 * time.Millisecond):
	}
	if _, _, err := e.api.PostMessageContext(e.ctx, collect, slack.MsgOptionText("new alert", false)); err != nil {
		t.Fatal(err)
	}
	select {
	case st := <-got:
		if st.Version <= v || len(st.Conversations[0].Messages) != 1 {
			t.Fatalf("state after the post = %+v", st)
		}
	case <-e.ctx.Done():
		t.Fatal("the poll never answered")
	}
}

// A page that saw a later version than the sandbox has (owed dev started
// afresh with the page open) gets the workspace at once, not after its
// poll times out.
func TestPage_APollFromAnotherWorkspaceIsAnsweredAtOnce(t *testing.T) {
	e := newEnv(t)
	v := getState(t, e, dana, 0).Version
	done := make(chan pageState, 1)
	go func() { done <- getState(t, e, dana, v+1000) }()
	select {
	case st := <-done:
		if st.Version != v {
			t.Errorf("version = %d, want the sandbox's %d", st.Version, v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the poll from another workspace waited")
	}
}

func TestPage_ButtonsAndFormsGoThroughTheApp(t *testing.T) {
	e := newEnv(t)
	e.app.handleCommands(func(w http.ResponseWriter, r *http.Request, cmd slack.SlashCommand) {
		if cmd.Text == "plan acme" {
			_, _ = e.api.OpenViewContext(r.Context(), cmd.TriggerID, planModal())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"text": "ACME owes $75.50"})
	})
	if out := pagePost(t, e, "/sandbox/command", map[string]any{"user": dana, "channel": collect, "text": "/owed  acme "}); out["ok"] != true {
		t.Fatalf("command: %v", out)
	}
	if cmd := e.app.lastCommand(t); cmd.Command != "/owed" || cmd.Text != "acme" || cmd.UserID != dana {
		t.Fatalf("command = %+v", cmd)
	}
	if _, ok := e.sb.FindEphemeral(dana, "ACME owes"); !ok {
		t.Fatal("no answer shown")
	}

	ref := postAlert(t, e)
	out := pagePost(t, e, "/sandbox/action", map[string]any{"user": cfo, "channel": collect, "ts": ref.TS, "block_id": "case", "action_id": "escalate"})
	if out["ok"] != true {
		t.Fatalf("action: %v", out)
	}
	if ic, _ := e.app.lastInteraction(t); ic.User.ID != cfo || ic.ActionCallback.BlockActions[0].ActionID != "escalate" {
		t.Fatalf("interaction = %+v", ic)
	}
	if out := pagePost(t, e, "/sandbox/action", map[string]any{"user": cfo, "channel": collect, "ts": ref.TS, "action_id": "approve"}); out["ok"] != false {
		t.Fatalf("a missing button was clicked: %v", out)
	}

	pagePost(t, e, "/sandbox/command", map[string]any{"user": dana, "channel": collect, "text": "/owed plan acme"})
	st := getState(t, e, dana, 0)
	if len(st.Views) != 1 || st.Views[0].Title != "Payment plan" || st.Views[0].Submit != "Propose" {
		t.Fatalf("views = %+v", st.Views)
	}
	out = pagePost(t, e, "/sandbox/view/submit", map[string]any{"user": dana, "view_id": st.Views[0].ID,
		"values": map[string]any{"count": map[string]any{"count": map[string]any{"text": "3"}}}})
	errs, _ := out["errors"].(map[string]any)
	if out["ok"] != true || out["delivered"] != false || errs["frequency"] == nil {
		t.Fatalf("submit: %v", out)
	}
	st = getState(t, e, dana, 0)
	if st.Views[0].Values["count"]["count"].Text != "3" || st.Views[0].Errors["first"] == "" {
		t.Fatalf("view after a refused submit = %+v", st.Views[0])
	}
	if out := pagePost(t, e, "/sandbox/view/close", map[string]any{"user": dana, "view_id": st.Views[0].ID}); out["ok"] != true {
		t.Fatalf("close: %v", out)
	}
	if out := pagePost(t, e, "/sandbox/say", map[string]any{"user": dana, "channel": collect, "text": "on it"}); out["ok"] != true {
		t.Fatalf("say: %v", out)
	}
	if _, ok := e.sb.Find(collect, "on it"); !ok {
		t.Fatal("said message not in the channel")
	}
}

func TestPage_CloseEndsPendingPolls(t *testing.T) {
	e := newEnv(t)
	v := getState(t, e, dana, 0).Version
	got := make(chan pageState, 1)
	go func() { got <- getState(t, e, dana, v) }()
	if err := e.sb.Await(e.ctx, func() bool { return e.sb.Polls() == 1 }); err != nil {
		t.Fatal(err)
	}
	e.sb.Close()
	select {
	case st := <-got:
		if st.Version != v {
			t.Fatalf("version = %d, want %d", st.Version, v)
		}
	case <-e.ctx.Done():
		t.Fatal("Close left the poll hanging")
	}
}

func TestPage_SaysHowFarTheAppIsThroughItsQueue(t *testing.T) {
	e := newEnv(t)
	queue := make(chan int, 1)
	queue <- 0
	pending := func(context.Context) (int, error) {
		n := <-queue
		queue <- n
		return n, nil
	}
	e.sb.watchBacklog(pending, time.Millisecond)
	set := func(n int) {
		<-queue
		queue <- n
	}
	// waitFor long-polls the page until it shows want (nil: no banner).
	waitFor := func(want *pagePosting) {
		t.Helper()
		st := getState(t, e, dana, 0)
		for !reflect.DeepEqual(st.Posting, want) {
			if e.ctx.Err() != nil {
				t.Fatalf("the page shows %+v, want %+v", st.Posting, want)
			}
			st = getState(t, e, dana, st.Version)
		}
	}
	if st := getState(t, e, dana, 0); st.Posting != nil {
		t.Fatalf("an empty queue shows %+v", st.Posting)
	}
	set(33)
	waitFor(&pagePosting{Current: 1, Total: 33})
	set(13)
	waitFor(&pagePosting{Current: 21, Total: 33})
	set(15) // two more queued meanwhile
	waitFor(&pagePosting{Current: 21, Total: 35})
	set(1)
	waitFor(&pagePosting{Current: 35, Total: 35})
	set(0)
	waitFor(nil)
	set(2)
	waitFor(&pagePosting{Current: 1, Total: 2})
}
