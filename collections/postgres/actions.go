package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/owedhq/owed/collections"
)

// transition moves a case from one of the allowed statuses to a new one,
// if the caller saw its current version. Otherwise it returns ECONFLICT
// describing the case as it is now; the Slack layer answers a stale or
// repeated click with it.
func transition(ctx context.Context, tx *sqlx.Tx, caseID int64, version int, allowed []collections.CaseStatus, to collections.CaseStatus, snoozedUntil *time.Time) (collections.Case, error) {
	var r caseRow
	statuses := make([]string, len(allowed))
	for i, a := range allowed {
		statuses[i] = string(a)
	}
	var until any
	if snoozedUntil != nil {
		until = *snoozedUntil
	}
	err := tx.GetContext(ctx, &r, `
		UPDATE cases SET status = $4, snoozed_until = $5, version = version + 1, updated_at = now()
		 WHERE id = $1 AND version = $2 AND status = ANY($3)
		RETURNING `+caseColumns, caseID, version, pq.Array(statuses), string(to), until)
	if err == nil {
		return r.domain(), nil
	}
	if !noRows(err) {
		return collections.Case{}, fmt.Errorf("update case %d: %w", caseID, err)
	}
	current, err := findCase(ctx, tx, caseID)
	if err != nil {
		return collections.Case{}, err
	}
	return current, collections.Errorf(collections.ECONFLICT, "This case has changed since that message was shown: it is now %s.", current.Describe())
}

func findCase(ctx context.Context, q sqlx.QueryerContext, id int64) (collections.Case, error) {
	var r caseRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+caseColumns+` FROM cases WHERE id = $1`, id)
	if noRows(err) {
		return collections.Case{}, collections.Errorf(collections.ENOTFOUND, "That case no longer exists.")
	}
	if err != nil {
		return collections.Case{}, fmt.Errorf("find case %d: %w", id, err)
	}
	return r.domain(), nil
}

// FindOpenCaseByCustomer returns the customer's unsettled case.
func (s *CaseService) FindOpenCaseByCustomer(ctx context.Context, customerID int64) (collections.Case, error) {
	var r caseRow
	err := s.db.GetContext(ctx, &r, `SELECT `+caseColumns+` FROM cases WHERE customer_id = $1 AND status <> 'settled'`, customerID)
	if noRows(err) {
		return collections.Case{}, collections.Errorf(collections.ENOTFOUND, "no open case for customer %d", customerID)
	}
	if err != nil {
		return collections.Case{}, fmt.Errorf("find case of customer %d: %w", customerID, err)
	}
	return r.domain(), nil
}

// OpenCase returns the customer's unsettled case, opening one when needed.
func (s *CaseService) OpenCase(ctx context.Context, customerID int64, channelID string) (collections.Case, error) {
	if channelID == "" {
		channelID = s.channel
	}
	var c collections.Case
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var r caseRow
		err := tx.GetContext(ctx, &r, `
			INSERT INTO cases (customer_id, channel_id) VALUES ($1, $2)
			ON CONFLICT (customer_id) WHERE status <> 'settled' DO NOTHING RETURNING `+caseColumns, customerID, channelID)
		if noRows(err) {
			err = tx.GetContext(ctx, &r, `SELECT `+caseColumns+` FROM cases WHERE customer_id = $1 AND status <> 'settled'`, customerID)
		}
		if err != nil {
			return fmt.Errorf("open case for customer %d: %w", customerID, err)
		}
		c = r.domain()
		return nil
	})
	return c, err
}

// Snooze quiets a case until a date.
func (s *CaseService) Snooze(ctx context.Context, a collections.Actor, caseID int64, version int, until time.Time, reason string) (collections.Case, error) {
	var c collections.Case
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var err error
		c, err = transition(ctx, tx, caseID, version, []collections.CaseStatus{collections.CaseOpen, collections.CaseSnoozed}, collections.CaseSnoozed, &until)
		if err != nil {
			return err
		}
		return logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, collections.AuditSnoozed,
			map[string]string{"until": until.Format(collections.DateLayout), "reason": strings.TrimSpace(reason)})
	})
	return c, err
}

// ProposePlan records a proposed payment plan with its schedule.
func (s *CaseService) ProposePlan(ctx context.Context, a collections.Actor, caseID int64, version int, p collections.PlanProposal) (collections.Case, error) {
	today := s.today()
	if problems := p.Validate(today); len(problems) > 0 {
		for _, field := range []string{"instalments", "frequency", "first_due", "down_payment"} {
			if msg, ok := problems[field]; ok {
				return collections.Case{}, collections.Errorf(collections.EINVALID, "%s", msg)
			}
		}
	}
	var c collections.Case
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var err error
		c, err = transition(ctx, tx, caseID, version, []collections.CaseStatus{collections.CaseOpen, collections.CaseSnoozed}, collections.CasePlanProposed, nil)
		if err != nil {
			return err
		}
		var planID int64
		err = tx.GetContext(ctx, &planID, `
			INSERT INTO plans (case_id, status, currency, total_minor, down_payment_minor, instalments, frequency, first_due_on, proposed_by, proposed_on)
			VALUES ($1, 'proposed', $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			c.ID, p.Currency, p.Total, p.DownPayment, p.Instalments, string(p.Frequency), p.FirstDueOn, a.UserID, today)
		if err != nil {
			return fmt.Errorf("propose plan for case %d: %w", c.ID, err)
		}
		for _, in := range p.Schedule(today) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO plan_instalments (plan_id, seq, due_on, amount_minor) VALUES ($1, $2, $3, $4)`,
				planID, in.Seq, in.DueOn, in.Amount); err != nil {
				return fmt.Errorf("plan instalment %d: %w", in.Seq, err)
			}
		}
		return logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, collections.AuditPlanProposed, planDetails(p))
	})
	return c, err
}

func planDetails(p collections.PlanProposal) map[string]string {
	d := map[string]string{"total": collections.Money{Minor: p.Total, Currency: p.Currency}.String(),
		"instalments": strconv.Itoa(p.Instalments), "frequency": p.Frequency.Label(),
		"first_due": p.FirstDueOn.Format(collections.DateLayout)}
	if p.DownPayment > 0 {
		d["down_payment"] = collections.Money{Minor: p.DownPayment, Currency: p.Currency}.String()
	}
	return d
}

// AgreePlan activates the proposed plan: the customer agreed to it.
func (s *CaseService) AgreePlan(ctx context.Context, a collections.Actor, caseID int64, version int) (collections.Case, error) {
	var c collections.Case
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var err error
		c, err = transition(ctx, tx, caseID, version, []collections.CaseStatus{collections.CasePlanProposed}, collections.CasePlanActive, nil)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE plans SET status = 'active', agreed_by = $2, agreed_on = $3 WHERE case_id = $1 AND status = 'proposed'`, c.ID, a.UserID, s.today())
		if err != nil {
			return fmt.Errorf("agree plan of case %d: %w", c.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return collections.Errorf(collections.ECONFLICT, "There is no proposed plan to agree to.")
		}
		return logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, collections.AuditPlanAgreed, nil)
	})
	return c, err
}

// CancelPlan cancels the proposed or active plan and reopens the case.
func (s *CaseService) CancelPlan(ctx context.Context, a collections.Actor, caseID int64, version int) (collections.Case, error) {
	var c collections.Case
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var err error
		c, err = transition(ctx, tx, caseID, version, []collections.CaseStatus{collections.CasePlanProposed, collections.CasePlanActive}, collections.CaseOpen, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE plans SET status = 'cancelled' WHERE case_id = $1 AND status IN ('proposed', 'active')`, c.ID); err != nil {
			return fmt.Errorf("cancel plan of case %d: %w", c.ID, err)
		}
		return logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, collections.AuditPlanCancelled, nil)
	})
	return c, err
}

// Escalate creates a pending escalation and queues the approval request.
func (s *CaseService) Escalate(ctx context.Context, a collections.Actor, caseID int64, version int, target collections.EscalationTarget, reason string) (collections.Escalation, error) {
	reason = strings.TrimSpace(reason)
	if !target.Valid() {
		return collections.Escalation{}, collections.Errorf(collections.EINVALID, "Choose where to escalate.")
	}
	if reason == "" {
		return collections.Escalation{}, collections.Errorf(collections.EINVALID, "Say why this should be escalated.")
	}
	var e collections.Escalation
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		c, err := transition(ctx, tx, caseID, version, []collections.CaseStatus{collections.CaseOpen, collections.CaseSnoozed}, collections.CaseEscalationPending, nil)
		if err != nil {
			return err
		}
		var r escalationRow
		if err := tx.GetContext(ctx, &r, `
			INSERT INTO escalations (case_id, target, reason, requested_by) VALUES ($1, $2, $3, $4)
			RETURNING `+escalationColumns, c.ID, string(target), reason, a.UserID); err != nil {
			return fmt.Errorf("escalate case %d: %w", c.ID, err)
		}
		e = r.domain()
		details := map[string]string{"escalation_id": strconv.FormatInt(e.ID, 10), "target": target.Label(), "reason": reason}
		if err := logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, collections.AuditEscalationRequested, details); err != nil {
			return err
		}
		return enqueue(ctx, tx, collections.OutboxApproval, c.ID, e.ID, 0)
	})
	return e, err
}

// DecideEscalation approves or rejects a pending escalation.
func (s *CaseService) DecideEscalation(ctx context.Context, a collections.Actor, escalationID int64, approve bool) (collections.Escalation, error) {
	var e collections.Escalation
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var r escalationRow
		err := tx.GetContext(ctx, &r, `SELECT `+escalationColumns+` FROM escalations WHERE id = $1 FOR UPDATE`, escalationID)
		if noRows(err) {
			return collections.Errorf(collections.ENOTFOUND, "That escalation no longer exists.")
		}
		if err != nil {
			return fmt.Errorf("find escalation %d: %w", escalationID, err)
		}
		e = r.domain()
		if e.Status != collections.EscalationPending {
			return collections.Errorf(collections.ECONFLICT, "This escalation was already %s.", e.Status)
		}
		if e.RequestedBy == a.UserID {
			return collections.Errorf(collections.EUNAUTHORIZED, "You asked for this escalation, so someone else must decide (four-eyes rule).")
		}
		status, caseStatus, action := collections.EscalationRejected, collections.CaseOpen, collections.AuditEscalationRejected
		if approve {
			status, caseStatus, action = collections.EscalationApproved, collections.CaseEscalated, collections.AuditEscalationApproved
		}
		if err := tx.GetContext(ctx, &r, `
			UPDATE escalations SET status = $2, decided_by = $3, decided_at = now() WHERE id = $1
			RETURNING `+escalationColumns, e.ID, string(status), a.UserID); err != nil {
			return fmt.Errorf("decide escalation %d: %w", e.ID, err)
		}
		e = r.domain()
		var customerID int64
		if err := tx.GetContext(ctx, &customerID, `
			UPDATE cases SET status = $2, version = version + 1, updated_at = now()
			 WHERE id = $1 AND status = 'escalation_pending' RETURNING customer_id`, e.CaseID, string(caseStatus)); err != nil {
			if noRows(err) {
				return collections.Errorf(collections.ECONFLICT, "The case is no longer waiting for this decision.")
			}
			return fmt.Errorf("update case %d: %w", e.CaseID, err)
		}
		details := map[string]string{"escalation_id": strconv.FormatInt(e.ID, 10), "target": e.Target.Label(), "requested_by": e.RequestedBy}
		if err := logAndShow(ctx, tx, e.CaseID, customerID, a.UserID, action, details); err != nil {
			return err
		}
		return enqueue(ctx, tx, collections.OutboxApprovalUpdate, e.CaseID, e.ID, 0)
	})
	return e, err
}

type escalationRow struct {
	ID          int64          `db:"id"`
	CaseID      int64          `db:"case_id"`
	Target      string         `db:"target"`
	Reason      string         `db:"reason"`
	Status      string         `db:"status"`
	RequestedBy string         `db:"requested_by"`
	DecidedBy   sql.NullString `db:"decided_by"`
	RequestedAt time.Time      `db:"requested_at"`
	DecidedAt   sql.NullTime   `db:"decided_at"`
}

const escalationColumns = `id, case_id, target, reason, status, requested_by, decided_by, requested_at, decided_at`

func (r escalationRow) domain() collections.Escalation {
	e := collections.Escalation{ID: r.ID, CaseID: r.CaseID, Target: collections.EscalationTarget(r.Target), Reason: r.Reason,
		Status: collections.EscalationStatus(r.Status), RequestedBy: r.RequestedBy, DecidedBy: r.DecidedBy.String, RequestedAt: r.RequestedAt}
	if r.DecidedAt.Valid {
		t := r.DecidedAt.Time
		e.DecidedAt = &t
	}
	return e
}

// FindEscalation returns one escalation.
func (s *CaseService) FindEscalation(ctx context.Context, id int64) (collections.Escalation, error) {
	var r escalationRow
	err := s.db.GetContext(ctx, &r, `SELECT `+escalationColumns+` FROM escalations WHERE id = $1`, id)
	if noRows(err) {
		return collections.Escalation{}, collections.Errorf(collections.ENOTFOUND, "That escalation no longer exists.")
	}
	if err != nil {
		return collections.Escalation{}, fmt.Errorf("find escalation %d: %w", id, err)
	}
	return r.domain(), nil
}
