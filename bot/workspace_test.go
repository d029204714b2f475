package bot_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/bot/slacksig"
	"github.com/owedhq/owed/collections"
)

// A Slack app has one signing secret for every workspace it is installed
// in, so a request from another workspace is signed as well as one from
// ours. The bot acts only for its own: another workspace's click, even with
// real button values taken from our messages, is refused with 403 and
// changes nothing.
func TestWorkspace_SignedInteractionFromAnotherWorkspaceGets403AndChangesNothing(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	h.click(approver, acme, blocks.ActionEscalate)
	modal := h.modal(approver, blocks.CallbackEscalate)
	if res := h.submit(approver, modal, sandbox.Values{
		blocks.BlockEscalateTarget: {blocks.BlockEscalateTarget: {Option: string(collections.TargetAgency)}},
		blocks.BlockEscalateReason: {blocks.BlockEscalateReason: sandbox.Text("three reminders ignored")},
	}); !res.Closed {
		t.Fatalf("escalation submission: %+v", res)
	}
	h.settle()
	dms := h.sb.DMs(approver2)
	if len(dms) != 1 || !hasButton(dms[0], blocks.ActionApprove) {
		t.Fatalf("approval requests to %s: %d", approver2, len(dms))
	}
	request := dms[0]

	// The other workspace: the same app, so the same signing secret, and
	// a member with the approver's ID.
	other := sandbox.New(sandbox.Config{
		TeamID: "T0INTRUDER", TeamDomain: "intruder", TeamName: "Intruder",
		BotToken: "xoxb-intruder", SigningSecret: secret,
		CommandURL: h.botURL + "/slack/commands", InteractionURL: h.botURL + "/slack/interactions",
		Members:  []sandbox.Member{{ID: approver2, Name: "mallory", RealName: "Mallory"}},
		Channels: []sandbox.Channel{{ID: channel, Name: "collections"}},
		Now:      h.now,
	})
	otherSrv := httptest.NewServer(other.Handler())
	t.Cleanup(otherSrv.Close)
	t.Cleanup(other.Close)
	other.SetBaseURL(otherSrv.URL)
	// Our approval request, with its real Approve value, appears there.
	resp, err := http.PostForm(otherSrv.URL+"/api/chat.postMessage", url.Values{
		"token": {"xoxb-intruder"}, "channel": {approver2}, "text": {request.Text}, "blocks": {string(request.Blocks)},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	copied := other.DMs(approver2)
	if len(copied) != 1 || !hasButton(copied[0], blocks.ActionApprove) {
		t.Fatalf("the request was not copied to the other workspace: %+v", copied)
	}

	audit := h.count(`SELECT count(*) FROM audit_log`)
	calls := h.sb.CallCount()
	for _, action := range []string{blocks.ActionApprove, blocks.ActionReject} {
		err := other.Click(h.ctx, approver2, copied[0].Ref(), action)
		var appErr *sandbox.AppError
		if !errors.As(err, &appErr) || appErr.Status != http.StatusForbidden {
			t.Errorf("%s from another workspace: %v, want the app to answer 403", action, err)
		}
	}
	h.settle()
	if n := h.count(`SELECT count(*) FROM escalations WHERE status = 'pending'`); n != 1 {
		t.Errorf("pending escalations = %d, want 1: another workspace decided it", n)
	}
	if n := h.count(`SELECT count(*) FROM audit_log`); n != audit {
		t.Errorf("another workspace's clicks wrote %d audit rows", n-audit)
	}
	if n := h.sb.CallCount(); n != calls {
		t.Errorf("another workspace's clicks made %d Slack calls in ours: %+v", n-calls, h.sb.CallsSince(calls))
	}
	if got := h.refresh(acme); strings.Contains(string(got.Blocks), "approved by") || strings.Contains(string(got.Blocks), "rejected by") {
		t.Errorf("the alert shows a decision: %s", got.Blocks)
	}
	if len(other.CallsTo("chat.postEphemeral")) != 0 || len(other.CallsTo("chat.update")) != 0 {
		t.Errorf("the bot answered the other workspace through the Web API")
	}

	// Our own approver's click still works.
	h.click(approver2, request, blocks.ActionApprove)
	h.settle()
	if n := h.count(`SELECT count(*) FROM escalations WHERE status = 'pending'`); n != 0 {
		t.Errorf("the real approval did not decide the escalation")
	}
}

// Events from another workspace are refused the same way, before they are
// recorded.
func TestWorkspace_SignedEventFromAnotherWorkspaceGets403(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	body := `{"type":"event_callback","team_id":"T0INTRUDER","event_id":"Ev0INTRUDER","event":{"type":"app_mention"}}`
	sign := func(hd http.Header, b []byte) { slacksig.SetHeaders(hd, secret, h.now(), b) }
	if resp := h.post("/slack/events", "application/json", body, sign); resp.StatusCode != http.StatusForbidden {
		t.Errorf("status = %d, want 403", resp.StatusCode)
	}
	if n := h.count(`SELECT count(*) FROM slack_deliveries WHERE key = 'event:Ev0INTRUDER'`); n != 0 {
		t.Errorf("another workspace's event was recorded")
	}
}
