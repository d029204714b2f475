package bot

import (
	"context"
	"time"

	"github.com/owedhq/owed/collections"
)

// localCases is the case store as Slack shows it: the moments it returns
// (a case opened, an escalation requested or decided, an action taken)
// in the business time zone, so that every date a message shows is the
// business's date, whatever zone the database answers in.
type localCases struct {
	collections.CaseService
	loc *time.Location
}

// FindCaseView returns the case view with its moments in the business
// time zone.
func (l localCases) FindCaseView(ctx context.Context, caseID int64, asOf time.Time) (collections.CaseView, error) {
	v, err := l.CaseService.FindCaseView(ctx, caseID, asOf)
	return l.view(v), err
}

// FindCaseViews returns the case views with their moments in the
// business time zone.
func (l localCases) FindCaseViews(ctx context.Context, caseIDs []int64, asOf time.Time) (map[int64]collections.CaseView, error) {
	views, err := l.CaseService.FindCaseViews(ctx, caseIDs, asOf)
	for id, v := range views {
		views[id] = l.view(v)
	}
	return views, err
}

func (l localCases) view(v collections.CaseView) collections.CaseView {
	v.Case.OpenedAt, v.Case.UpdatedAt = v.Case.OpenedAt.In(l.loc), v.Case.UpdatedAt.In(l.loc)
	if v.Escalation != nil {
		e := l.escalation(*v.Escalation)
		v.Escalation = &e
	}
	if len(v.LastActions) > 0 {
		actions := make([]collections.AuditEntry, len(v.LastActions))
		for i, e := range v.LastActions {
			e.At = e.At.In(l.loc)
			actions[i] = e
		}
		v.LastActions = actions
	}
	return v
}

// FindEscalation returns the escalation with its moments in the business
// time zone.
func (l localCases) FindEscalation(ctx context.Context, id int64) (collections.Escalation, error) {
	e, err := l.CaseService.FindEscalation(ctx, id)
	return l.escalation(e), err
}

func (l localCases) escalation(e collections.Escalation) collections.Escalation {
	e.RequestedAt = e.RequestedAt.In(l.loc)
	if e.DecidedAt != nil {
		d := e.DecidedAt.In(l.loc)
		e.DecidedAt = &d
	}
	return e
}
