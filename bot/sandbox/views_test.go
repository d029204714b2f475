package sandbox

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func option(value, label string) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(value, plain(label), nil)
}

// planModal is like owed's payment-plan modal.
func planModal() slack.ModalViewRequest {
	count := slack.NewNumberInputBlockElement(plain("2–24"), "count", false)
	count.MinValue, count.MaxValue = "2", "24"
	note := slack.NewPlainTextInputBlockElement(plain("Optional"), "note")
	note.MaxLength = 20
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      "plan",
		PrivateMetadata: "case-1",
		ExternalID:      "plan-case-1",
		NotifyOnClose:   true,
		Title:           plain("Payment plan"),
		Submit:          plain("Propose"),
		Close:           plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*ACME Corp.* owes $75.50", false, false), nil, nil),
			slack.NewInputBlock("count", plain("Instalments"), nil, count),
			slack.NewInputBlock("frequency", plain("Frequency"), nil, slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Pick"), "frequency",
				option("weekly", "Weekly"), option("biweekly", "Every 2 weeks"), option("monthly", "Monthly"))).WithDispatchAction(true),
			slack.NewInputBlock("first", plain("First due"), nil, slack.NewDatePickerBlockElement("first")),
			slack.NewInputBlock("note", plain("Note"), nil, note).WithOptional(true),
		}},
	}
}

// openModal runs /owed and has the app open modal with the trigger it got.
func openModal(t *testing.T, e *env, user string, modal slack.ModalViewRequest) View {
	t.Helper()
	opened := make(chan error, 1)
	e.app.handleCommands(func(w http.ResponseWriter, r *http.Request, cmd slack.SlashCommand) {
		_, err := e.api.OpenViewContext(r.Context(), cmd.TriggerID, modal)
		opened <- err
	})
	if _, err := e.sb.SlashCommand(e.ctx, user, collect, "/owed", "plan acme"); err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	if err := <-opened; err != nil {
		t.Fatalf("OpenView: %v", err)
	}
	v, ok := e.sb.TopView(user)
	if !ok {
		t.Fatal("no modal open")
	}
	return v
}

func TestViewsOpen_TriggerIDRules(t *testing.T) {
	e := newEnv(t)
	e.app.handleCommands(func(http.ResponseWriter, *http.Request, slack.SlashCommand) {})
	reply, err := e.sb.SlashCommand(e.ctx, dana, collect, "/owed", "plan acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.api.OpenViewContext(e.ctx, "1.2.nope", planModal()); slackErrorCode(err) != "invalid_trigger_id" {
		t.Fatalf("unknown trigger: %v", err)
	}
	resp, err := e.api.OpenViewContext(e.ctx, reply.TriggerID, planModal())
	if err != nil {
		t.Fatalf("OpenView: %v", err)
	}
	v := resp.View
	if !strings.HasPrefix(v.ID, "V") || v.CallbackID != "plan" || v.PrivateMetadata != "case-1" || v.Hash == "" ||
		v.RootViewID != v.ID || v.TeamID != "T0OWED" || v.AppID != "A0OWED" || len(v.Blocks.BlockSet) != 5 {
		t.Fatalf("view = %+v", v)
	}
	if views := e.sb.Views(dana); len(views) != 1 || views[0].ID != v.ID || views[0].Title != "Payment plan" || views[0].Submit != "Propose" {
		t.Fatalf("dana's modals = %+v", views)
	}
	if len(e.sb.Views(cfo)) != 0 {
		t.Fatal("the modal opened for someone else")
	}
	if _, err := e.api.OpenViewContext(e.ctx, reply.TriggerID, planModal()); slackErrorCode(err) != "exchanged_trigger_id" {
		t.Fatalf("reused trigger: %v", err)
	}

	late, _ := e.sb.SlashCommand(e.ctx, dana, collect, "/owed", "plan acme")
	e.clock.Advance(3*time.Second + time.Millisecond)
	if _, err := e.api.OpenViewContext(e.ctx, late.TriggerID, planModal()); slackErrorCode(err) != "expired_trigger_id" {
		t.Fatalf("expired trigger: %v", err)
	}
	justInTime, _ := e.sb.SlashCommand(e.ctx, dana, collect, "/owed", "plan acme")
	e.clock.Advance(3 * time.Second)
	m := planModal()
	m.ExternalID = "other"
	if _, err := e.api.OpenViewContext(e.ctx, justInTime.TriggerID, m); err != nil {
		t.Fatalf("trigger at exactly 3s: %v", err)
	}
}

func TestViewsOpen_RefusesInvalidViews(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		modify func(*slack.ModalViewRequest)
		want   string
	}{
		{"TitleTooLong", func(m *slack.ModalViewRequest) { m.Title = plain(strings.Repeat("t", 25)) }, "[json-pointer:/view/title/text]"},
		{"SubmitTooLong", func(m *slack.ModalViewRequest) { m.Submit = plain(strings.Repeat("s", 25)) }, "[json-pointer:/view/submit/text]"},
		{"NoSubmitWithInputs", func(m *slack.ModalViewRequest) { m.Submit = nil }, "must provide a submit property"},
		{"PrivateMetadataTooLong", func(m *slack.ModalViewRequest) { m.PrivateMetadata = strings.Repeat("m", 3001) }, "[json-pointer:/view/private_metadata]"},
		{"CallbackIDTooLong", func(m *slack.ModalViewRequest) { m.CallbackID = strings.Repeat("c", 256) }, "[json-pointer:/view/callback_id]"},
		{"TooManyBlocks", func(m *slack.ModalViewRequest) {
			for range 100 {
				m.Blocks.BlockSet = append(m.Blocks.BlockSet, slack.NewDividerBlock())
			}
		}, "no more than 100 items allowed [json-pointer:/view/blocks]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply, err := e.sb.SlashCommand(e.ctx, dana, collect, "/owed", "")
			if err != nil {
				t.Fatal(err)
			}
			m := planModal()
			tt.modify(&m)
			_, err = e.api.OpenViewContext(e.ctx, reply.TriggerID, m)
			var se slack.SlackErrorResponse
			if !errors.As(err, &se) || se.Err != "invalid_arguments" || !strings.Contains(strings.Join(se.ResponseMetadata.Messages, "\n"), tt.want) {
				t.Fatalf("err = %#v, want invalid_arguments with %q", err, tt.want)
			}
			if len(e.sb.Views(dana)) != 0 {
				t.Fatal("an invalid modal opened")
			}
		})
	}
}

func TestViewsUpdateAndPush(t *testing.T) {
	e := newEnv(t)
	v := openModal(t, e, dana, planModal())

	next := planModal()
	next.Title = plain("Plan: ACME")
	resp, err := e.api.UpdateViewContext(e.ctx, next, "", v.Hash, v.ID)
	if err != nil {
		t.Fatalf("UpdateView by id: %v", err)
	}
	if resp.View.ID != v.ID || resp.View.Hash == v.Hash {
		t.Fatalf("updated view = %+v", resp.View)
	}
	if _, err := e.api.UpdateViewContext(e.ctx, next, "", v.Hash, v.ID); slackErrorCode(err) != "hash_conflict" {
		t.Fatalf("stale hash: %v", err)
	}
	next.Title = plain("Plan by external id")
	if _, err := e.api.UpdateViewContext(e.ctx, next, "plan-case-1", "", ""); err != nil {
		t.Fatalf("UpdateView by external_id: %v", err)
	}
	if top, _ := e.sb.TopView(dana); top.Title != "Plan by external id" {
		t.Fatalf("top = %+v", top)
	}
	if _, err := e.api.UpdateViewContext(e.ctx, next, "", "", "V0NOPE"); slackErrorCode(err) != "not_found" {
		t.Fatalf("unknown view: %v", err)
	}

	// Pushing takes a trigger from an interaction inside the modal.
	pushes := make(chan error, 4)
	e.app.handleInteractions(func(w http.ResponseWriter, r *http.Request, ic slack.InteractionCallback) {
		m := slack.ModalViewRequest{Type: slack.VTModal, Title: plain("Details"), Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewActionBlock("more", slack.NewButtonBlockElement("deeper", "", plain("Deeper"))),
		}}}
		_, err := e.api.PushViewContext(r.Context(), ic.TriggerID, m)
		pushes <- err
	})
	if err := e.sb.ChooseInView(e.ctx, dana, v.ID, "frequency", Pick("monthly")); err != nil {
		t.Fatalf("ChooseInView: %v", err)
	}
	if err := <-pushes; err != nil {
		t.Fatalf("first push: %v", err)
	}
	ic, _ := e.app.lastInteraction(t)
	if ic.Container.Type != "view" || ic.Container.ViewID != v.ID || ic.View.ID != v.ID ||
		ic.View.State.Values["frequency"]["frequency"].SelectedOption.Value != "monthly" {
		t.Fatalf("view block_actions = %+v", ic)
	}
	top, _ := e.sb.TopView(dana)
	if err := e.sb.ClickInView(e.ctx, dana, top.ID, "deeper"); err != nil {
		t.Fatal(err)
	}
	if err := <-pushes; err != nil {
		t.Fatalf("second push: %v", err)
	}
	top, _ = e.sb.TopView(dana)
	if err := e.sb.ClickInView(e.ctx, dana, top.ID, "deeper"); err != nil {
		t.Fatal(err)
	}
	if err := <-pushes; slackErrorCode(err) != "push_limit_reached" {
		t.Fatalf("fourth modal: %v", err)
	}
	views := e.sb.Views(dana)
	if len(views) != 3 || views[1].PreviousViewID != v.ID || views[2].RootViewID != v.ID {
		t.Fatalf("stack = %+v", views)
	}
	if err := e.sb.ClickInView(e.ctx, dana, v.ID, "deeper"); err == nil {
		t.Fatal("acted in a modal that is not on screen")
	}
}

func TestSubmitView(t *testing.T) {
	e := newEnv(t)
	v := openModal(t, e, dana, planModal())

	t.Run("SlackChecksRequiredInputsFirst", func(t *testing.T) {
		res, err := e.sb.SubmitView(e.ctx, dana, v.ID, Values{"count": {"count": Text("3")}})
		if err != nil || res.Delivered {
			t.Fatalf("res = %+v, err = %v", res, err)
		}
		if res.Errors["frequency"] == "" || res.Errors["first"] == "" || res.Errors["note"] != "" {
			t.Fatalf("errors = %v", res.Errors)
		}
		if top, _ := e.sb.TopView(dana); top.Errors["first"] == "" {
			t.Fatal("errors not shown in the modal")
		}
	})
	t.Run("SlackChecksNumbers", func(t *testing.T) {
		res, _ := e.sb.SubmitView(e.ctx, dana, v.ID, Values{"count": {"count": Text("30")}, "frequency": {"frequency": Pick("monthly")}, "first": {"first": Date("2026-07-01")}})
		if res.Delivered || res.Errors["count"] != "Please enter a number no more than 24." {
			t.Fatalf("res = %+v", res)
		}
	})
	t.Run("AppErrorsKeepTheModalOpen", func(t *testing.T) {
		e.app.handleInteractions(func(w http.ResponseWriter, _ *http.Request, ic slack.InteractionCallback) {
			writeJSON(w, http.StatusOK, slack.NewErrorsViewSubmissionResponse(map[string]string{"first": "Must be after today"}))
		})
		res, err := e.sb.SubmitView(e.ctx, dana, v.ID, Values{"count": {"count": Text("3")}, "frequency": {"frequency": Pick("monthly")}, "first": {"first": Date("2026-06-01")}})
		if err != nil || !res.Delivered || res.ResponseAction != "errors" || res.Errors["first"] != "Must be after today" || res.Closed {
			t.Fatalf("res = %+v, err = %v", res, err)
		}
		top, ok := e.sb.TopView(dana)
		if !ok || top.ID != v.ID || top.Errors["first"] != "Must be after today" {
			t.Fatalf("top = %+v", top)
		}
		ic, raw := e.app.lastInteraction(t)
		vals := ic.View.State.Values
		if ic.Type != slack.InteractionTypeViewSubmission || ic.View.ID != v.ID || ic.View.CallbackID != "plan" || ic.View.PrivateMetadata != "case-1" ||
			vals["count"]["count"].Value != "3" || vals["frequency"]["frequency"].SelectedOption.Value != "monthly" ||
			vals["first"]["first"].SelectedDate != "2026-06-01" || vals["note"]["note"].Value != "" || ic.TriggerID == "" {
			t.Fatalf("view_submission = %+v", ic)
		}
		// Slack sends empty inputs as null values.
		note := raw["view"].(map[string]any)["state"].(map[string]any)["values"].(map[string]any)["note"].(map[string]any)["note"].(map[string]any)
		if v, ok := note["value"]; !ok || v != nil || note["type"] != "plain_text_input" {
			t.Fatalf("empty note state = %v", note)
		}
	})
	t.Run("EnteredValuesAreKept", func(t *testing.T) {
		e.app.handleInteractions(func(w http.ResponseWriter, _ *http.Request, ic slack.InteractionCallback) {})
		res, err := e.sb.SubmitView(e.ctx, dana, v.ID, Values{"first": {"first": Date("2026-07-15")}})
		if err != nil || !res.Closed || res.View != nil {
			t.Fatalf("res = %+v, err = %v", res, err)
		}
		ic, _ := e.app.lastInteraction(t)
		if ic.View.State.Values["count"]["count"].Value != "3" || ic.View.State.Values["first"]["first"].SelectedDate != "2026-07-15" {
			t.Fatalf("state = %+v", ic.View.State.Values)
		}
		if len(e.sb.Views(dana)) != 0 {
			t.Fatal("modal still open after an empty answer")
		}
	})
}

func TestSubmitView_ResponseActions(t *testing.T) {
	simple := slack.ModalViewRequest{Type: slack.VTModal, Title: plain("Escalate"), Submit: plain("Send"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("reason", plain("Reason"), nil, slack.NewPlainTextInputBlockElement(nil, "reason"))}}}
	done := slack.ModalViewRequest{Type: slack.VTModal, Title: plain("Done"), Close: plain("Close"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "Sent for approval", false, false), nil, nil)}}}
	tests := []struct {
		name      string
		answer    any
		wantAct   string
		wantStack []string // titles, bottom first
		wantErr   string
	}{
		{"Update", slack.NewUpdateViewSubmissionResponse(&done), "update", []string{"Done"}, ""},
		{"Push", slack.NewPushViewSubmissionResponse(&done), "push", []string{"Escalate", "Done"}, ""},
		{"Clear", slack.NewClearViewSubmissionResponse(), "clear", nil, ""},
		{"ErrorsOnANonInputBlock", slack.NewErrorsViewSubmissionResponse(map[string]string{"nope": "x"}), "errors", []string{"Escalate"}, "invalid_response"},
		{"InvalidUpdatedView", map[string]any{"response_action": "update", "view": map[string]any{"type": "modal", "title": map[string]any{"type": "plain_text", "text": strings.Repeat("t", 30)}, "blocks": []any{}}}, "update", []string{"Escalate"}, "invalid_response"},
		{"UnknownAction", map[string]any{"response_action": "explode"}, "explode", []string{"Escalate"}, "invalid_response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			v := openModal(t, e, dana, simple)
			e.app.handleInteractions(func(w http.ResponseWriter, _ *http.Request, _ slack.InteractionCallback) {
				writeJSON(w, http.StatusOK, tt.answer)
			})
			res, err := e.sb.SubmitView(e.ctx, dana, v.ID, Values{"reason": {"reason": Text("No reply in 90 days")}})
			if tt.wantErr != "" {
				var ae *AppError
				if !errors.As(err, &ae) || ae.Reason != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				if top, _ := e.sb.TopView(dana); top.Notice == "" {
					t.Fatal("no error shown in the modal")
				}
			} else if err != nil {
				t.Fatalf("SubmitView: %v", err)
			}
			if res.ResponseAction != tt.wantAct {
				t.Fatalf("response action = %q", res.ResponseAction)
			}
			var titles []string
			for _, v := range e.sb.Views(dana) {
				titles = append(titles, v.Title)
			}
			if strings.Join(titles, ",") != strings.Join(tt.wantStack, ",") {
				t.Fatalf("stack = %v, want %v", titles, tt.wantStack)
			}
		})
	}
}

func TestSubmitView_AppTimeoutShowsTroubleConnecting(t *testing.T) {
	e := newEnv(t)
	v := openModal(t, e, dana, planModal())
	// Only the submission gets the short budget: the command that opened
	// the modal must not time out on a busy machine.
	e.sb.cfg.AckTimeout = 30 * time.Millisecond
	e.app.handleInteractions(func(w http.ResponseWriter, r *http.Request, _ slack.InteractionCallback) { <-r.Context().Done() })
	res, err := e.sb.SubmitView(e.ctx, dana, v.ID, Values{"count": {"count": Text("3")}, "frequency": {"frequency": Pick("weekly")}, "first": {"first": Date("2026-07-01")}})
	var ae *AppError
	if !errors.As(err, &ae) || ae.Reason != "operation_timeout" || res.View == nil || res.View.Notice == "" {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
}

func TestCloseView_NotifiesWhenAsked(t *testing.T) {
	e := newEnv(t)
	v := openModal(t, e, dana, planModal())
	if err := e.sb.CloseView(e.ctx, dana, v.ID); err != nil {
		t.Fatalf("CloseView: %v", err)
	}
	if len(e.sb.Views(dana)) != 0 {
		t.Fatal("modal still open")
	}
	ic, _ := e.app.lastInteraction(t)
	if ic.Type != slack.InteractionTypeViewClosed || ic.View.ID != v.ID || ic.IsCleared {
		t.Fatalf("view_closed = %+v", ic)
	}

	quiet := planModal()
	quiet.NotifyOnClose, quiet.ExternalID = false, ""
	v = openModal(t, e, dana, quiet)
	before := e.app.interactionCount()
	if err := e.sb.CloseView(e.ctx, dana, v.ID); err != nil {
		t.Fatal(err)
	}
	if e.app.interactionCount() != before {
		t.Fatal("view_closed sent without notify_on_close")
	}
}

func TestViewState_SurvivesUpdate(t *testing.T) {
	e := newEnv(t)
	v := openModal(t, e, dana, planModal())
	updated := make(chan error, 1)
	e.app.handleInteractions(func(w http.ResponseWriter, r *http.Request, ic slack.InteractionCallback) {
		m := planModal()
		m.Blocks.BlockSet[0] = slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "Schedule: 3 × $25.17", false, false), nil, nil)
		_, err := e.api.UpdateViewContext(r.Context(), m, "", ic.View.Hash, ic.View.ID)
		updated <- err
	})
	if err := e.sb.ChooseInView(e.ctx, dana, v.ID, "frequency", Pick("monthly")); err != nil {
		t.Fatal(err)
	}
	if err := <-updated; err != nil {
		t.Fatalf("UpdateView: %v", err)
	}
	top, _ := e.sb.TopView(dana)
	if !strings.Contains(top.Content(), "Schedule: 3 × $25.17") {
		t.Fatalf("modal = %s", top.Content())
	}
	e.app.handleInteractions(func(http.ResponseWriter, *http.Request, slack.InteractionCallback) {})
	if _, err := e.sb.SubmitView(e.ctx, dana, v.ID, Values{"count": {"count": Text("3")}, "first": {"first": Date("2026-07-01")}}); err != nil {
		t.Fatal(err)
	}
	ic, _ := e.app.lastInteraction(t)
	if got := ic.View.State.Values["frequency"]["frequency"].SelectedOption.Value; got != "monthly" {
		t.Fatalf("frequency after update = %q, want the value picked before", got)
	}
	raw, _ := json.Marshal(ic.View.State.Values)
	if !strings.Contains(string(raw), `"count"`) {
		t.Fatalf("state = %s", raw)
	}
}
