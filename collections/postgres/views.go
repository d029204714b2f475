package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/owedhq/owed/collections"
)

// caseViewsQuery reads cases with what their messages show in one round
// trip: each case, whether it has a plan, a promise or an escalation to
// show (read next only when it has), and its last five audit entries, as
// JSON, newest first. The conditions are those of latestPlan and
// latestPromise.
const caseViewsQuery = `
SELECT ` + caseColumns + `,
       EXISTS (SELECT 1 FROM plans WHERE case_id = c.id AND ` + planShown + `) AS has_plan,
       EXISTS (SELECT 1 FROM promises WHERE case_id = c.id AND ` + promiseShown + `) AS has_promise,
       EXISTS (SELECT 1 FROM escalations WHERE case_id = c.id) AS has_escalation,
       (SELECT coalesce(json_agg(a ORDER BY a.id DESC), '[]')
          FROM (SELECT ` + auditColumns + ` FROM audit_log WHERE case_id = c.id ORDER BY id DESC LIMIT 5) a) AS history
  FROM cases c WHERE c.id = ANY($1)`

// FindCaseView returns a case with everything its Slack message shows.
func (s *CaseService) FindCaseView(ctx context.Context, caseID int64, asOf time.Time) (collections.CaseView, error) {
	views, err := s.FindCaseViews(ctx, []int64{caseID}, asOf)
	if err != nil {
		return collections.CaseView{AsOf: asOf}, err
	}
	v, ok := views[caseID]
	if !ok {
		return collections.CaseView{AsOf: asOf}, collections.Errorf(collections.ENOTFOUND, "That case no longer exists.")
	}
	return v, nil
}

// FindCaseViews returns cases with everything their Slack messages show,
// by id, reading them together: a case that does not exist is left out.
func (s *CaseService) FindCaseViews(ctx context.Context, caseIDs []int64, asOf time.Time) (map[int64]collections.CaseView, error) {
	var rows []struct {
		caseRow
		HasPlan       bool   `db:"has_plan"`
		HasPromise    bool   `db:"has_promise"`
		HasEscalation bool   `db:"has_escalation"`
		History       []byte `db:"history"`
	}
	stmt, err := s.views.prepared(ctx, s.db)
	if err != nil {
		return nil, err
	}
	if err := stmt.SelectContext(ctx, &rows, pq.Array(caseIDs)); err != nil {
		return nil, fmt.Errorf("find cases %v: %w", caseIDs, err)
	}
	customers := make([]int64, 0, len(rows))
	for _, r := range rows {
		if !slices.Contains(customers, r.CustomerID) {
			customers = append(customers, r.CustomerID)
		}
	}
	sums, err := s.ledger.customerSummaries(ctx, customers, asOf)
	if err != nil {
		return nil, err
	}
	views := make(map[int64]collections.CaseView, len(rows))
	for _, r := range rows {
		c := r.domain()
		sum, ok := sums[c.CustomerID]
		if !ok {
			return nil, fmt.Errorf("case %d: customer %d not found", c.ID, c.CustomerID)
		}
		v := collections.CaseView{AsOf: asOf, Case: c, Customer: sum.Customer, Outstanding: sum.Outstanding}
		for _, inv := range sum.Invoices {
			switch {
			case inv.Disputed:
				v.Disputed = append(v.Disputed, inv)
			case inv.DaysOverdue > 0:
				v.Invoices = append(v.Invoices, inv)
				v.OldestDays = max(v.OldestDays, inv.DaysOverdue)
			}
		}
		if r.HasPlan {
			if v.Plan, err = s.latestPlan(ctx, s.db, c, asOf); err != nil {
				return nil, err
			}
		}
		if r.HasPromise {
			if v.Promise, err = s.latestPromise(ctx, s.db, c, asOf); err != nil {
				return nil, err
			}
		}
		if r.HasEscalation {
			if v.Escalation, err = latestEscalation(ctx, s.db, c.ID); err != nil {
				return nil, err
			}
		}
		if v.LastActions, err = auditEntriesFromJSON(r.History); err != nil {
			return nil, fmt.Errorf("history of case %d: %w", c.ID, err)
		}
		views[c.ID] = v
	}
	return views, nil
}

type planRow struct {
	ID          int64          `db:"id"`
	CaseID      int64          `db:"case_id"`
	Status      string         `db:"status"`
	Currency    string         `db:"currency"`
	Total       int64          `db:"total_minor"`
	DownPayment int64          `db:"down_payment_minor"`
	Instalments int            `db:"instalments"`
	Frequency   string         `db:"frequency"`
	FirstDueOn  time.Time      `db:"first_due_on"`
	ProposedBy  string         `db:"proposed_by"`
	AgreedBy    sql.NullString `db:"agreed_by"`
	AgreedOn    sql.NullTime   `db:"agreed_on"`
}

const planColumns = `id, case_id, status, currency, total_minor, down_payment_minor, instalments, frequency, first_due_on, proposed_by, agreed_by, agreed_on`

// planPaidQuery sums the payments towards plan $4 as of $3: payments in
// the plan's currency on the customer's invoices the plan covers (those
// overdue when it was proposed), dated on or after the proposal (the down
// payment is due that day, and a customer may pay the first instalment
// before anyone clicks Customer agreed) and recorded after it (one
// recorded before was already off the balance the plan spreads). A
// payment of an invoice not yet due is not a plan's instalment.
const planPaidQuery = `
SELECT coalesce(sum(p.amount_minor), 0)
  FROM payments p JOIN invoices i ON i.id = p.invoice_id, plans pl
 WHERE pl.id = $4 AND i.customer_id = $1 AND i.currency = $2 AND p.paid_on >= pl.proposed_on AND p.paid_on <= $3
   AND p.created_at > pl.created_at AND i.due_on < pl.proposed_on`

// loadPlan fills in a plan's schedule and, once agreed, what was paid
// towards it as of asOf.
func (s *CaseService) loadPlan(ctx context.Context, q sqlx.QueryerContext, r planRow, customerID int64, asOf time.Time) (*collections.Plan, error) {
	p := &collections.Plan{ID: r.ID, CaseID: r.CaseID, Status: collections.PlanStatus(r.Status), ProposedBy: r.ProposedBy, AgreedBy: r.AgreedBy.String,
		Proposal: collections.PlanProposal{Currency: r.Currency, Total: r.Total, Instalments: r.Instalments,
			Frequency: collections.PlanFrequency(r.Frequency), FirstDueOn: r.FirstDueOn, DownPayment: r.DownPayment}}
	if err := sqlx.SelectContext(ctx, q, &p.Schedule, `SELECT seq AS "seq", due_on AS "dueon", amount_minor AS "amount" FROM plan_instalments WHERE plan_id = $1 ORDER BY seq`, r.ID); err != nil {
		return nil, fmt.Errorf("schedule of plan %d: %w", r.ID, err)
	}
	if r.AgreedOn.Valid {
		t := r.AgreedOn.Time
		p.AgreedOn = &t
		if err := sqlx.GetContext(ctx, q, &p.Paid, planPaidQuery, customerID, r.Currency, asOf, r.ID); err != nil {
			return nil, fmt.Errorf("payments towards plan %d: %w", r.ID, err)
		}
	}
	return p, nil
}

// latestEscalation returns the case's latest escalation, or nil.
func latestEscalation(ctx context.Context, q sqlx.QueryerContext, caseID int64) (*collections.Escalation, error) {
	var r escalationRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+escalationColumns+` FROM escalations WHERE case_id = $1 ORDER BY id DESC LIMIT 1`, caseID)
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("escalation of case %d: %w", caseID, err)
	}
	e := r.domain()
	return &e, nil
}

// planShown is the SQL condition of a plan an alert may show.
const planShown = `status <> 'cancelled'`

// latestPlan returns the case's live plan, else its latest broken or
// completed one, else nil, with what was paid towards it as of asOf.
func (s *CaseService) latestPlan(ctx context.Context, q sqlx.QueryerContext, c collections.Case, asOf time.Time) (*collections.Plan, error) {
	var r planRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+planColumns+` FROM plans WHERE case_id = $1 AND `+planShown+`
		ORDER BY status IN ('proposed', 'active') DESC, id DESC LIMIT 1`, c.ID)
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("plan of case %d: %w", c.ID, err)
	}
	return s.loadPlan(ctx, q, r, c.CustomerID, asOf)
}

// checkPlans breaks active plans with a missed instalment and completes
// those paid off, as the lifecycle decides: both reopen the case so that
// it alerts again (or settles, once nothing is overdue).
func (s *CaseService) checkPlans(ctx context.Context, pay paymentsToTell, res *collections.SweepResult) error {
	asOf := pay.live
	var rows []struct {
		planRow
		CustomerID int64 `db:"customer_id_of_case"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT p.`+planColumnsPrefixed+`, c.customer_id AS customer_id_of_case
		FROM plans p JOIN cases c ON c.id = p.case_id WHERE p.status = 'active'`); err != nil {
		return fmt.Errorf("active plans: %w", err)
	}
	for _, r := range rows {
		plan, err := s.loadPlan(ctx, s.db, r.planRow, r.CustomerID, asOf)
		if err != nil {
			return err
		}
		check := collections.CheckPlan(plan.Schedule, plan.Paid, asOf, s.graceDays)
		if !check.Completed && check.Missed == nil {
			continue
		}
		action, status, auditAction := collections.ActCompletePlan, collections.PlanCompleted, collections.AuditPlanCompleted
		details := collections.AuditDetails{}
		if !check.Completed {
			// What the customer has not paid may all be in dispute now:
			// out of the chase, it breaks no plan.
			var owed int64
			if err := s.db.GetContext(ctx, &owed, `SELECT count(*) FROM invoices i
				WHERE i.customer_id = $1 AND i.currency = $2 AND i.due_on < $3 AND i.paid_minor < i.amount_minor AND NOT `+inDispute,
				r.CustomerID, plan.Proposal.Currency, asOf); err != nil {
				return fmt.Errorf("overdue of plan %d: %w", plan.ID, err)
			}
			if owed == 0 {
				continue
			}
			action, status, auditAction = collections.ActBreakPlan, collections.PlanBroken, collections.AuditPlanBroken
			details.Missed = &collections.Money{Minor: check.Missed.Amount, Currency: plan.Proposal.Currency}
			details.MissedDue = collections.DateOf(check.Missed.DueOn)
			if part := check.MissedPaid(plan.Schedule, plan.Paid); part > 0 {
				details.Paid = []collections.Money{{Minor: part, Currency: plan.Proposal.Currency}}
			}
		}
		done := false
		err = s.db.Transact(ctx, func(tx *sqlx.Tx) error {
			done = false
			cr, err := lockCaseRow(ctx, tx, plan.CaseID)
			if err != nil {
				return err
			}
			c := cr.domain()
			res, err := tx.ExecContext(ctx, `UPDATE plans SET status = $2 WHERE id = $1 AND status = 'active'`, plan.ID, string(status))
			if err != nil {
				return fmt.Errorf("update plan %d: %w", plan.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another replica did it
			}
			done = true
			if !check.Completed { // the plan's owner is told in the thread
				if details.Owner, err = customerOwner(ctx, tx, r.CustomerID); err != nil {
					return err
				}
			} else if err := s.tellPaymentsFirst(ctx, tx, cr, pay); err != nil {
				return err
			}
			return owedActs(ctx, tx, c, action, auditAction, details)
		})
		if err != nil {
			return err
		}
		switch {
		case !done:
		case check.Completed:
			res.Completed++
		default:
			res.Broken++
		}
	}
	return nil
}

const planColumnsPrefixed = `id, p.case_id, p.status, p.currency, p.total_minor, p.down_payment_minor, p.instalments, p.frequency, p.first_due_on, p.proposed_by, p.agreed_by, p.agreed_on`

type auditRow struct {
	ID         int64         `db:"id"`
	CaseID     sql.NullInt64 `db:"case_id"`
	CustomerID int64         `db:"customer_id"`
	Actor      string        `db:"actor"`
	Action     string        `db:"action"`
	Details    []byte        `db:"details"`
	CreatedAt  time.Time     `db:"created_at"`
}

// auditColumns are an audit entry's columns, as auditRow reads them.
const auditColumns = `id, case_id, customer_id, actor, action, details, created_at`

// auditEntriesFromJSON reads audit entries from a JSON array of rows of
// auditColumns.
func auditEntriesFromJSON(b []byte) ([]collections.AuditEntry, error) {
	var rows []struct {
		ID         int64           `json:"id"`
		CaseID     *int64          `json:"case_id"`
		CustomerID int64           `json:"customer_id"`
		Actor      string          `json:"actor"`
		Action     string          `json:"action"`
		Details    json.RawMessage `json:"details"`
		CreatedAt  time.Time       `json:"created_at"`
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("read audit entries: %w", err)
	}
	out := make([]collections.AuditEntry, len(rows))
	for i, j := range rows {
		r := auditRow{ID: j.ID, CustomerID: j.CustomerID, Actor: j.Actor, Action: j.Action, Details: j.Details, CreatedAt: j.CreatedAt}
		if j.CaseID != nil {
			r.CaseID = sql.NullInt64{Int64: *j.CaseID, Valid: true}
		}
		var err error
		if out[i], err = r.domain(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r auditRow) domain() (collections.AuditEntry, error) {
	e := collections.AuditEntry{ID: r.ID, CaseID: r.CaseID.Int64, CustomerID: r.CustomerID, Actor: r.Actor, Action: r.Action, At: r.CreatedAt}
	d, err := collections.DecodeAuditDetails(r.Details)
	if err != nil {
		return e, fmt.Errorf("audit entry %d (%s): %w", r.ID, r.Action, err)
	}
	e.Details = d
	return e, nil
}

// History returns a customer's audit trail, newest first; all of it when
// limit is 0.
func (s *CaseService) History(ctx context.Context, customerID int64, limit int) ([]collections.AuditEntry, error) {
	if limit <= 0 {
		limit = math.MaxInt32
	}
	return s.auditEntries(ctx, `customer_id = $1`, customerID, limit)
}

// CountHistory returns how many entries a customer's audit trail has.
func (s *CaseService) CountHistory(ctx context.Context, customerID int64) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM audit_log WHERE customer_id = $1`, customerID); err != nil {
		return 0, fmt.Errorf("audit log size: %w", err)
	}
	return n, nil
}

func (s *CaseService) auditEntries(ctx context.Context, where string, id int64, limit int) ([]collections.AuditEntry, error) {
	var rows []auditRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+auditColumns+`
		FROM audit_log WHERE `+where+` ORDER BY id DESC LIMIT $2`, id, limit); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	out := make([]collections.AuditEntry, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.domain(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
