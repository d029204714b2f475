package blocks

import (
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

func TestApprovalRequest(t *testing.T) {
	v := escalationPendingCase()
	m := ApprovalRequest(v, *v.Escalation)
	checkMessage(t, "ApprovalRequest", m)
	golden(t, "approval_request", m)

	want := EscalationRef{EscalationID: 77}.String()
	approve, reject := buttonByAction(m, ActionApprove), buttonByAction(m, ActionReject)
	if approve == nil || reject == nil {
		t.Fatalf("buttons = %q", buttons(t, m))
	}
	if approve.Value != want || reject.Value != want {
		t.Errorf("values %q, %q; want %q", approve.Value, reject.Value, want)
	}
	if approve.Style != slack.StylePrimary || approve.Confirm == nil {
		t.Errorf("Approve: style %q, confirm %v; want primary with a confirm dialog", approve.Style, approve.Confirm)
	}
	if reject.Style != slack.StyleDanger {
		t.Errorf("Reject: style %q, want danger", reject.Style)
	}
	s := allText(t, m)
	for _, w := range []string{"<@UALICE> asks to escalate *ACME Corp.* (C-001) to *legal*.", "*Overdue*\nEUR 411.00 and USD 1,755.00",
		"*Reason*\n>Three reminders ignored; the CFO stopped answering."} {
		if !strings.Contains(s, w) {
			t.Errorf("request lacks %q:\n%s", w, s)
		}
	}
	if m.Text != "<@UALICE> asks to escalate ACME Corp. (C-001) to legal (EUR 411.00 and USD 1,755.00 overdue)" {
		t.Errorf("Text = %q", m.Text)
	}
}

func TestApprovalDecided(t *testing.T) {
	v := escalatedCase()
	approved := ApprovalDecided(v, *v.Escalation)
	checkMessage(t, "ApprovalDecided", approved)
	golden(t, "approval_approved", approved)
	if len(buttons(t, approved)) != 0 {
		t.Errorf("decided request keeps buttons %q", buttons(t, approved))
	}
	if s := allText(t, approved); !strings.Contains(s, "*Approved* by <@UCFO> on 2026-07-01 — escalated to collections agency.") {
		t.Errorf("approved:\n%s", s)
	}
	if !strings.HasSuffix(approved.Text, " — approved by <@UCFO>") {
		t.Errorf("Text = %q", approved.Text)
	}

	e := *v.Escalation
	e.Status = collections.EscalationRejected
	rejected := ApprovalDecided(v, e)
	checkMessage(t, "ApprovalDecided", rejected)
	if s := allText(t, rejected); !strings.Contains(s, "*Rejected* by <@UCFO> on 2026-07-01.") {
		t.Errorf("rejected:\n%s", s)
	}
}

func TestApprovalRequest_MultilineReasonIsQuotedAndEscaped(t *testing.T) {
	v := escalationPendingCase()
	e := *v.Escalation
	e.Reason = "line one\n<!channel> line two"
	s := allText(t, ApprovalRequest(v, e))
	if !strings.Contains(s, "*Reason*\n>line one\n>&lt;!channel&gt; line two") {
		t.Errorf("reason not quoted line by line:\n%s", s)
	}
}
