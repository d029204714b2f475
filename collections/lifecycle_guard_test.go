package collections_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
)

// TestDecide_OnlyAnApproverWhoDidNotAskRejects: Reject is a decision like
// Approve: a member who is not an approver cannot take it, and the
// requester cannot reject their own request even as an approver (they
// withdraw it instead).
func TestDecide_OnlyAnApproverWhoDidNotAskRejects(t *testing.T) {
	pending := &collections.Escalation{ID: 5, Status: collections.EscalationPending, RequestedBy: "U0DANA", Target: collections.TargetAgency}
	f := collections.CaseFacts{Case: collections.Case{ID: 1, Status: collections.CaseEscalationPending}, Customer: "ACME Corp.",
		Overdue: usd(100_00), Escalation: pending}

	_, err := collections.Decide(f, collections.ActReject, collections.Actor{UserID: "U0ROBIN"})
	if !errors.Is(err, collections.ErrNotApprover) {
		t.Errorf("a member's reject: %v, want ErrNotApprover", err)
	}
	_, err = collections.Decide(f, collections.ActReject, collections.Actor{UserID: "U0DANA", Approver: true})
	if collections.ErrorCode(err) != collections.EUNAUTHORIZED || !strings.Contains(collections.ErrorMessage(err), "four-eyes") {
		t.Errorf("the requester rejecting their own request: %v, want the four-eyes refusal", err)
	}
	d, err := collections.Decide(f, collections.ActReject, collections.Actor{UserID: "U0CFO", Approver: true})
	if err != nil || d.To != collections.CaseOpen {
		t.Errorf("another approver's reject: %+v, %v; want the case open again", d, err)
	}
}

// TestDecide_AnotherApproversLateApproveSaysWhoDecided: once an
// escalation is approved, a second approver's Approve is not taken as
// their own repeat: it is refused with who approved it.
func TestDecide_AnotherApproversLateApproveSaysWhoDecided(t *testing.T) {
	approved := &collections.Escalation{ID: 5, Status: collections.EscalationApproved, RequestedBy: "U0DANA", DecidedBy: "U0CFO"}
	f := collections.CaseFacts{Case: collections.Case{ID: 1, Status: collections.CaseEscalated}, Escalation: approved}
	d, err := collections.Decide(f, collections.ActApprove, collections.Actor{UserID: "U0ROBIN", Approver: true})
	if err == nil {
		t.Fatalf("another approver's late approve was taken as done (%+v)", d)
	}
	if collections.ErrorCode(err) != collections.ECONFLICT || !strings.Contains(collections.ErrorMessage(err), "already approved by <@U0CFO>") {
		t.Errorf("another approver's late approve: %v", err)
	}
}

// TestDecide_EveryEscalationAndPromiseNeedsSomethingOverdue: from every
// status that offers them, Escalate and Promise to pay are refused when
// nothing is overdue, and accepted when something is.
func TestDecide_EveryEscalationAndPromiseNeedsSomethingOverdue(t *testing.T) {
	member := collections.Actor{UserID: "U0DANA"}
	for _, tc := range []struct {
		from   collections.CaseStatus
		action collections.CaseAction
	}{
		{collections.CaseOpen, collections.ActEscalate},
		{collections.CaseSnoozed, collections.ActEscalate},
		{collections.CaseOpen, collections.ActPromise},
		{collections.CaseSnoozed, collections.ActPromise},
		{collections.CaseFollowUp, collections.ActPromise},
		{collections.CasePromised, collections.ActPromise},
	} {
		t.Run(string(tc.from)+"/"+string(tc.action), func(t *testing.T) {
			c := collections.Case{ID: 1, Status: tc.from}
			_, err := collections.Decide(collections.CaseFacts{Case: c, Customer: "ACME Corp."}, tc.action, member)
			if collections.ErrorCode(err) != collections.ECONFLICT || !strings.Contains(collections.ErrorMessage(err), "ACME Corp. has nothing overdue") {
				t.Errorf("with nothing overdue: %v, want a refusal saying nothing is overdue", err)
			}
			if _, err := collections.Decide(collections.CaseFacts{Case: c, Customer: "ACME Corp.", Overdue: usd(5_00)}, tc.action, member); err != nil {
				t.Errorf("with USD 5.00 overdue: %v", err)
			}
		})
	}
}
