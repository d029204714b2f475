package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// workspace is one run of a sandbox that keeps its state in a file; start
// runs it again on the same file, as `owed dev` does after a restart.
type workspace struct {
	*env
	file string
	logs *bytes.Buffer
}

func startWorkspace(t *testing.T, file, tag string, app *testApp, clock *fakeClock) *workspace {
	t.Helper()
	logs := &bytes.Buffer{}
	cfg := testConfig()
	cfg.Now = clock.Now
	cfg.CommandURL = app.srv.URL + "/slack/commands"
	cfg.InteractionURL = app.srv.URL + "/slack/interactions"
	sb := New(cfg)
	if err := sb.KeepState(file, tag, slog.New(slog.NewTextHandler(logs, nil))); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(sb.Close)
	sb.SetBaseURL(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return &workspace{
		env:  &env{sb: sb, srv: srv, api: slack.New(cfg.BotToken, slack.OptionAPIURL(srv.URL+"/api/")), app: app, clock: clock, ctx: ctx},
		file: file,
		logs: logs,
	}
}

// stop shuts the sandbox down as Ctrl-C of owed dev does.
func (w *workspace) stop() {
	w.srv.Close()
	w.sb.Close()
}

func TestKeepState_ARestartedSandboxShowsTheSameWorkspaceAndItsButtonsWork(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 6, 30, 9, 0, 0, 0, time.UTC)}
	app := newTestApp(t, clock)
	file := filepath.Join(t.TempDir(), ".owed", "sandbox.json")

	first := startWorkspace(t, file, "db-1", app, clock)
	if !strings.Contains(first.logs.String(), "no saved workspace yet") {
		t.Errorf("first start did not say it starts empty: %s", first.logs)
	}
	alert := postAlert(t, first.env)
	if _, _, err := first.api.PostMessageContext(first.ctx, collect, slack.MsgOptionText("Snoozed by dana", false), slack.MsgOptionTS(alert.TS)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := first.api.UpdateMessageContext(first.ctx, collect, alert.TS, slack.MsgOptionText("ACME Corp. owes $75.50 (updated)", false), slack.MsgOptionBlocks(alertBlocks()...)); err != nil {
		t.Fatal(err)
	}
	if _, err := first.api.PostEphemeralContext(first.ctx, collect, dana, slack.MsgOptionText("only dana sees this", false)); err != nil {
		t.Fatal(err)
	}
	_, request, err := first.api.PostMessageContext(first.ctx, cfo, slack.MsgOptionText("Approve the escalation?", false), slack.MsgOptionBlocks(
		slack.NewActionBlock("decide", slack.NewButtonBlockElement("approve", "escalation-7", slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false)))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.sb.Say(dana, collect, "on it"); err != nil {
		t.Fatal(err)
	}
	// A modal left open.
	first.app.handleCommands(func(w http.ResponseWriter, r *http.Request, cmd slack.SlashCommand) {
		_, _ = first.api.OpenViewContext(r.Context(), cmd.TriggerID, planModal())
	})
	if _, err := first.sb.SlashCommand(first.ctx, dana, collect, "/owed", "plan acme"); err != nil {
		t.Fatal(err)
	}
	before := snapshotOf(first.sb)
	if len(before.channel) != 2 || len(before.channel[0].Replies) != 1 || len(before.dm) != 1 || len(before.ephemerals) != 1 || len(before.views) != 1 {
		t.Fatalf("workspace before the restart: %+v", before)
	}
	first.stop()

	second := startWorkspace(t, file, "db-1", app, clock)
	if !strings.Contains(second.logs.String(), "workspace restored") {
		t.Errorf("the restart did not say it restored the workspace: %s", second.logs)
	}
	after := snapshotOf(second.sb)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("after the restart:\n%+v\nwant\n%+v", after, before)
	}
	if st := getState(t, second.env, dana, 0); len(st.Conversations) == 0 || len(st.Conversations[0].Messages) != 3 {
		t.Errorf("the page shows %+v", st.Conversations)
	}

	// The approval request's button still reaches the app, and the app can
	// still edit the message it posted before the restart.
	dm := second.sb.DMChannel(cfo)
	if err := second.sb.Click(second.ctx, cfo, MessageRef{Channel: dm, TS: request}, "approve"); err != nil {
		t.Fatalf("click after the restart: %v", err)
	}
	ic, _ := app.lastInteraction(t)
	if ic.User.ID != cfo || ic.ActionCallback.BlockActions[0].Value != "escalation-7" || ic.Container.MessageTs != request {
		t.Errorf("interaction after the restart = %+v", ic)
	}
	if _, _, _, err := second.api.UpdateMessageContext(second.ctx, dm, request, slack.MsgOptionText("Approved by cfo", false)); err != nil {
		t.Errorf("chat.update of a message from before the restart: %v", err)
	}
	// New messages come after the old ones, whatever the clock says.
	clock.Advance(-time.Hour)
	_, ts, err := second.api.PostMessageContext(second.ctx, collect, slack.MsgOptionText("next alert", false))
	if err != nil {
		t.Fatal(err)
	}
	if last := after.channel[len(after.channel)-1].TS; ts <= last {
		t.Errorf("new message ts %s is not after the last one before the restart (%s)", ts, last)
	}
	// The modal left open can still be submitted.
	st := getState(t, second.env, dana, 0)
	if len(st.Views) != 1 {
		t.Fatalf("open modals after the restart: %+v", st.Views)
	}
	// Slack's own checks still hold: a note over its max_length is not sent.
	if res, err := second.sb.SubmitView(second.ctx, dana, st.Views[0].ID, Values{"count": {"count": Text("3")}, "frequency": {"frequency": Pick("monthly")},
		"first": {"first": Date("2026-07-15")}, "note": {"note": Text("a note far over twenty characters")}}); err != nil || res.Delivered || res.Errors["note"] == "" {
		t.Errorf("a note too long, after the restart: %+v, %v; want it refused on the form", res, err)
	}
	if _, err := second.sb.SubmitView(second.ctx, dana, st.Views[0].ID, Values{"count": {"count": Text("3")}, "note": {"note": Text("short")}}); err != nil {
		t.Errorf("submit after the restart: %v", err)
	}
	second.stop()

	third := startWorkspace(t, file, "db-1", app, clock)
	if m, ok := third.sb.Message(MessageRef{Channel: dm, TS: request}); !ok || m.Text != "Approved by cfo" {
		t.Errorf("the edit made after the first restart was not kept: %+v", m)
	}
	if _, ok := third.sb.Find(collect, "next alert"); !ok {
		t.Error("the message posted after the first restart was not kept")
	}
}

// workspaceSnapshot is what members see of a workspace.
type workspaceSnapshot struct {
	channel    []Message
	dm         []Message
	ephemerals []Message
	views      []View
}

func snapshotOf(s *Server) workspaceSnapshot {
	return workspaceSnapshot{channel: s.Messages(collect), dm: s.DMs(cfo), ephemerals: s.Ephemerals(dana), views: s.Views(dana)}
}

func TestKeepState_ToleratesAMissingCorruptOrForeignFile(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 6, 30, 9, 0, 0, 0, time.UTC)}
	app := newTestApp(t, clock)

	t.Run("Corrupt", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "sandbox.json")
		if err := os.WriteFile(file, []byte(`{"format":1,"conversations":[{"id":`), 0o600); err != nil {
			t.Fatal(err)
		}
		w := startWorkspace(t, file, "db-1", app, clock)
		if !strings.Contains(w.logs.String(), "the saved workspace is unreadable; starting with an empty one") {
			t.Errorf("no clear log line: %s", w.logs)
		}
		if kept, err := os.ReadFile(file + ".corrupt"); err != nil || !bytes.HasPrefix(kept, []byte(`{"format":1`)) {
			t.Errorf("the unreadable file was not kept aside: %v", err)
		}
		if msgs := w.sb.Messages(collect); len(msgs) != 0 {
			t.Errorf("messages from nowhere: %+v", msgs)
		}
		postAlert(t, w.env)
		w.stop()
		if again := startWorkspace(t, file, "db-1", app, clock); len(again.sb.Messages(collect)) != 1 {
			t.Errorf("the workspace after a corrupt file is not saved")
		}
	})
	t.Run("AnotherDatabase", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "sandbox.json")
		w := startWorkspace(t, file, "db-1", app, clock)
		postAlert(t, w.env)
		w.stop()
		other := startWorkspace(t, file, "db-2", app, clock)
		if len(other.sb.Messages(collect)) != 0 || !strings.Contains(other.logs.String(), "belongs to another database") {
			t.Errorf("a workspace of another database was loaded: %s", other.logs)
		}
	})
	t.Run("NoTemporaryFilesLeft", func(t *testing.T) {
		dir := t.TempDir()
		w := startWorkspace(t, filepath.Join(dir, "sandbox.json"), "db-1", app, clock)
		postAlert(t, w.env)
		w.stop()
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 || entries[0].Name() != "sandbox.json" {
			t.Errorf("files beside the workspace: %v", entries)
		}
	})
}

// Every field of the stored structs is kept, including fields added later
// (message metadata, …): each is filled by reflection and must come back.
func TestKeepState_EveryFieldRoundTrips(t *testing.T) {
	t.Parallel()
	for _, v := range []any{&message{}, &view{}, &conversation{}} {
		t.Run(reflect.TypeOf(v).Elem().Name(), func(t *testing.T) {
			fillEveryField(t, reflect.ValueOf(v).Elem(), 0)
			data, err := encodeFields(v)
			if err != nil {
				t.Fatal(err)
			}
			back := reflect.New(reflect.TypeOf(v).Elem())
			if err := decodeFields(data, back.Interface()); err != nil {
				t.Fatal(err)
			}
			want := reflect.ValueOf(v).Elem()
			for i := range want.NumField() { // derived fields are left out
				if want.Type().Field(i).Tag.Get("persist") == "-" {
					exposed(want.Field(i)).SetZero()
				}
			}
			if !reflect.DeepEqual(back.Elem().Interface(), want.Interface()) {
				again, _ := encodeFields(back.Interface())
				t.Errorf("round trip lost fields:\n got %s\nwant %s", again, data)
			}
		})
	}
}

// fillEveryField sets every field of v (recursively) to a value that is not
// its zero value, and fails when it cannot.
func fillEveryField(t *testing.T, v reflect.Value, depth int) {
	t.Helper()
	if v.Type() == reflect.TypeFor[json.RawMessage]() {
		v.SetBytes([]byte(`{"filled":true}`))
		return
	}
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Date(2026, 6, 30, 9, 0, 0, 0, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(7.5)
	case reflect.Interface:
		v.Set(reflect.ValueOf("x"))
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if depth < 2 {
			fillEveryField(t, p.Elem(), depth+1)
		}
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			fillEveryField(t, exposed(v.Field(i)), depth)
			if v.Field(i).IsZero() && depth < 2 {
				t.Errorf("%s.%s could not be filled", v.Type(), v.Type().Field(i).Name)
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fillEveryField(t, s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		e := reflect.New(v.Type().Elem()).Elem()
		fillEveryField(t, e, depth+1)
		m.SetMapIndex(reflect.ValueOf("k").Convert(v.Type().Key()), e)
		v.Set(m)
	default:
		t.Errorf("cannot fill a %s", v.Type())
	}
}
