package collections_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
)

func TestDecide(t *testing.T) {
	const (
		dana  = "U0DANA"
		cfo   = "U0CFO"
		robin = "U0ROBIN"
	)
	member := collections.Actor{UserID: dana}
	approver := collections.Actor{UserID: cfo, Approver: true}
	pending := &collections.Escalation{ID: 5, Status: collections.EscalationPending, RequestedBy: dana, Target: collections.TargetLegal}
	owes := usd(100_00)
	facts := func(status collections.CaseStatus, overdue []collections.Money, esc *collections.Escalation) collections.CaseFacts {
		return collections.CaseFacts{Case: collections.Case{ID: 1, Status: status}, Customer: "ACME Corp.", Overdue: overdue, Escalation: esc}
	}
	tests := []struct {
		name   string
		facts  collections.CaseFacts
		action collections.CaseAction
		actor  collections.Actor
		to     collections.CaseStatus // the status it leads to; "" when refused
		repeat bool
		code   string // the refusal's code
		words  string // in the refusal
	}{
		{"OpenCaseSnoozes", facts(collections.CaseOpen, owes, nil), collections.ActSnooze, member, collections.CaseSnoozed, false, "", ""},
		{"SnoozedCaseTakesAPlanAndEndsTheSnooze", facts(collections.CaseSnoozed, owes, nil), collections.ActProposePlan, member, collections.CasePlanProposed, false, "", ""},
		{"SnoozedCaseSnoozesAgain", facts(collections.CaseSnoozed, owes, nil), collections.ActSnooze, member, collections.CaseSnoozed, false, "", ""},
		{"SnoozedCaseEscalates", facts(collections.CaseSnoozed, owes, nil), collections.ActEscalate, member, collections.CaseEscalationPending, false, "", ""},
		{"EscalationNeedsSomethingOverdue", facts(collections.CaseOpen, nil, nil), collections.ActEscalate, member, "", false, collections.ECONFLICT, "nothing overdue"},
		{"ProposedPlanRefusesASnoozeSayingWhatItIsNow", facts(collections.CasePlanProposed, owes, nil), collections.ActSnooze, member, "", false, collections.ECONFLICT, "has changed since that message was shown: ACME Corp. is now waiting for the customer to agree"},
		{"ActivePlanCancels", facts(collections.CasePlanActive, owes, nil), collections.ActCancelPlan, member, collections.CaseOpen, false, "", ""},
		{"PeopleCannotTakeOwedsActions", facts(collections.CasePlanActive, owes, nil), collections.ActBreakPlan, member, "", false, collections.ECONFLICT, "changed"},
		{"OwedBreaksAPlan", facts(collections.CasePlanActive, owes, nil), collections.ActBreakPlan, collections.OwedActor, collections.CaseOpen, false, "", ""},
		{"OwedSettlesAnyLiveCase", facts(collections.CaseEscalationPending, nil, pending), collections.ActSettle, collections.OwedActor, collections.CaseSettled, false, "", ""},
		{"OwedClosesAnyLiveCase", facts(collections.CaseSnoozed, nil, nil), collections.ActClose, collections.OwedActor, collections.CaseClosed, false, "", ""},
		{"AnEndedCaseTakesNothing", facts(collections.CaseSettled, nil, nil), collections.ActSnooze, member, "", false, collections.ECONFLICT, "settled"},
		{"AnEndedCaseIsNotEndedAgain", facts(collections.CaseClosed, nil, nil), collections.ActSettle, collections.OwedActor, "", false, collections.ECONFLICT, ""},
		{"ApproverApproves", facts(collections.CaseEscalationPending, owes, pending), collections.ActApprove, approver, collections.CaseEscalated, false, "", ""},
		{"ApproverRejects", facts(collections.CaseEscalationPending, owes, pending), collections.ActReject, approver, collections.CaseOpen, false, "", ""},
		{"MemberCannotApprove", facts(collections.CaseEscalationPending, owes, pending), collections.ActApprove, collections.Actor{UserID: robin}, "", false, collections.EUNAUTHORIZED, "approver"},
		{"RequesterCannotApproveEvenAsApprover", facts(collections.CaseEscalationPending, owes, pending), collections.ActApprove, collections.Actor{UserID: dana, Approver: true}, "", false, collections.EUNAUTHORIZED, "four-eyes"},
		{"RequesterWithdraws", facts(collections.CaseEscalationPending, owes, pending), collections.ActWithdraw, member, collections.CaseOpen, false, "", ""},
		{"OnlyTheRequesterWithdraws", facts(collections.CaseEscalationPending, owes, pending), collections.ActWithdraw, approver, "", false, collections.EUNAUTHORIZED, "<@U0DANA>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := collections.Decide(tt.facts, tt.action, tt.actor)
			if tt.to == "" {
				if err == nil {
					t.Fatalf("accepted, leading to %s; want a refusal", d.To)
				}
				if collections.ErrorCode(err) != tt.code && tt.code != "" {
					t.Errorf("code %s, want %s", collections.ErrorCode(err), tt.code)
				}
				if !strings.Contains(collections.ErrorMessage(err), tt.words) {
					t.Errorf("refusal %q does not say %q", collections.ErrorMessage(err), tt.words)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if d.To != tt.to || d.Repeat != tt.repeat {
				t.Errorf("leads to %s (repeat %v), want %s (repeat %v)", d.To, d.Repeat, tt.to, tt.repeat)
			}
		})
	}
}

func TestDecide_ARepeatOfOnesOwnActionIsDoneNotRefused(t *testing.T) {
	c := collections.Case{ID: 1, Status: collections.CasePlanActive, LastAction: collections.ActAgreePlan, LastActor: "U0DANA"}
	d, err := collections.Decide(collections.CaseFacts{Case: c}, collections.ActAgreePlan, collections.Actor{UserID: "U0DANA"})
	if err != nil || !d.Repeat {
		t.Fatalf("the same person's second click: %+v, %v; want a repeat", d, err)
	}
	_, err = collections.Decide(collections.CaseFacts{Case: c, Customer: "ACME Corp."}, collections.ActAgreePlan, collections.Actor{UserID: "U0ROBIN"})
	if collections.ErrorCode(err) != collections.ECONFLICT || !strings.Contains(collections.ErrorMessage(err), "on an active payment plan") {
		t.Fatalf("someone else's late click: %v; want the one 'changed' refusal", err)
	}
}

func TestDecide_ADecidedEscalationIsNotDecidedAgain(t *testing.T) {
	approved := &collections.Escalation{ID: 5, Status: collections.EscalationApproved, RequestedBy: "U0DANA", DecidedBy: "U0CFO"}
	f := collections.CaseFacts{Case: collections.Case{ID: 1, Status: collections.CaseEscalated}, Escalation: approved}
	d, err := collections.Decide(f, collections.ActApprove, collections.Actor{UserID: "U0CFO", Approver: true})
	if err != nil || !d.Repeat {
		t.Errorf("the approver's second click: %+v, %v; want a repeat", d, err)
	}
	_, err = collections.Decide(f, collections.ActReject, collections.Actor{UserID: "U0ROBIN", Approver: true})
	if !strings.Contains(collections.ErrorMessage(err), "already approved by <@U0CFO>") {
		t.Errorf("another approver's late reject: %v", err)
	}
	_, err = collections.Decide(collections.CaseFacts{Case: collections.Case{Status: collections.CaseEscalationPending},
		Escalation: &collections.Escalation{Status: collections.EscalationPending, RequestedBy: "U0DANA"}},
		collections.ActApprove, collections.Actor{UserID: "U0ROBIN"})
	if !errors.Is(err, collections.ErrNotApprover) {
		t.Errorf("a member's approve: %v, want ErrNotApprover", err)
	}
}

func TestLifecycle_EveryStatusIsKnownAndEveryButtonLeadsSomewhere(t *testing.T) {
	for _, tr := range collections.Lifecycle {
		if !tr.From.Known() || !tr.To.Known() {
			t.Errorf("%+v names an unknown status", tr)
		}
	}
	all := []collections.CaseStatus{collections.CaseOpen, collections.CaseSnoozed, collections.CasePlanProposed, collections.CasePlanActive,
		collections.CaseEscalationPending, collections.CaseEscalated, collections.CasePromised, collections.CaseFollowUp,
		collections.CaseSettled, collections.CaseClosed}
	for _, a := range collections.AlertButtons {
		offered := false
		for _, s := range all {
			offered = offered || s.Offers(a)
		}
		if !offered {
			t.Errorf("the %s button is offered by no status", a)
		}
	}
	for _, s := range all {
		if !s.Known() {
			t.Errorf("status %s is not in the table", s)
		}
		if s.Terminal() {
			for _, a := range collections.AlertButtons {
				if s.Offers(a) {
					t.Errorf("ended status %s offers %s", s, a)
				}
			}
		}
	}
	if collections.CaseOpen.Quiet() || !collections.CaseSnoozed.Quiet() || !collections.CaseSettled.Terminal() || collections.CaseOpen.Terminal() {
		t.Error("quiet and terminal statuses are wrong")
	}
}
