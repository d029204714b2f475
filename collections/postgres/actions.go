package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/owedhq/owed/collections"
)

// The store turns the lifecycle's decisions into rows: it locks the case,
// gathers the facts the lifecycle looks at, asks collections.Decide, and
// writes the status it leads to with the audit entry and the Slack
// messages that show it, in one transaction. It decides nothing itself.

// disputeHolds is the SQL condition of a dispute (alias d) of an invoice
// (alias i) that keeps the invoice out of the chase while it is unpaid:
// open, or resolved "we will credit it" while the invoice is as it was
// then. The queries as of a date keep only the invoices with a balance
// as of that date, so an invoice in dispute then and paid since is
// still in dispute then.
const disputeHolds = `(d.resolved_at IS NULL OR
	(d.resolution = 'credit' AND d.amount_at_resolve = i.amount_minor AND d.paid_at_resolve = i.paid_minor))`

// liveDispute is disputeHolds today: the invoice is unpaid (one paid in
// full has nothing left in dispute).
const liveDispute = `(i.paid_minor < i.amount_minor AND ` + disputeHolds + `)`

// inDispute is the SQL condition of an invoice (alias i) out of the chase.
const inDispute = `EXISTS (SELECT 1 FROM disputes d WHERE d.invoice_id = i.id AND ` + liveDispute + `)`

// disputeWhy is why a live dispute (alias d) keeps its invoice out of the
// chase: its reason, or that a credit was agreed.
const disputeWhy = `CASE WHEN d.resolved_at IS NOT NULL THEN 'credit_agreed' ELSE d.reason END`

// disputedInvoices lists the invoices out of the chase, with the reason,
// for the queries of the invoices open as of a date.
const disputedInvoices = `SELECT DISTINCT ON (d.invoice_id) d.invoice_id, ` + disputeWhy + ` AS reason FROM disputes d JOIN invoices i ON i.id = d.invoice_id
	WHERE ` + disputeHolds + ` ORDER BY d.invoice_id, d.id DESC`

// customerOverdueQuery sums one customer's ($2) overdue balances as of
// $1, disputed invoices aside, from the customer's own invoices.
const customerOverdueQuery = `
SELECT currency AS "currency", sum(balance) AS "minor" FROM (
    SELECT i.currency, i.amount_minor - coalesce(p.paid, 0) AS balance
      FROM invoices i
      LEFT JOIN LATERAL (SELECT sum(amount_minor) AS paid FROM payments
                          WHERE invoice_id = i.id AND paid_on <= $1) p ON true
     WHERE i.customer_id = $2 AND i.issued_on <= $1 AND i.due_on < $1 AND NOT ` + inDispute + `) o
 WHERE balance > 0
 GROUP BY currency
 ORDER BY currency`

// facts gathers what the lifecycle looks at for a locked case.
func (s *CaseService) facts(ctx context.Context, tx *sqlx.Tx, c collections.Case, esc *collections.Escalation) (collections.CaseFacts, error) {
	f := collections.CaseFacts{Case: c, Escalation: esc}
	if err := tx.GetContext(ctx, &f.Customer, `SELECT name FROM customers WHERE id = $1`, c.CustomerID); err != nil {
		return f, fmt.Errorf("customer of case %d: %w", c.ID, err)
	}
	if err := tx.SelectContext(ctx, &f.Overdue, customerOverdueQuery, s.today(), c.CustomerID); err != nil {
		return f, fmt.Errorf("overdue of case %d: %w", c.ID, err)
	}
	if err := tx.GetContext(ctx, &f.Disputed, `SELECT EXISTS (SELECT 1 FROM invoices i WHERE i.customer_id = $1 AND `+inDispute+`)`, c.CustomerID); err != nil {
		return f, fmt.Errorf("disputes of case %d: %w", c.ID, err)
	}
	if esc == nil {
		var r escalationRow
		err := tx.GetContext(ctx, &r, `SELECT `+escalationColumns+` FROM escalations WHERE case_id = $1 AND status = 'pending'`, c.ID)
		switch {
		case err == nil:
			e := r.domain()
			f.Escalation = &e
		case !noRows(err):
			return f, fmt.Errorf("pending escalation of case %d: %w", c.ID, err)
		}
	}
	return f, nil
}

// act locks a case and applies the lifecycle to an action on it. On a
// decided change it writes the new status (and the quiet-until date, for
// a snooze or a follow-up); a repeat changes nothing. The returned case
// is as it is now. It reads only the facts the action's guard needs, and
// the customer's name only to word a refusal.
func (s *CaseService) act(ctx context.Context, tx *sqlx.Tx, caseID int64, action collections.CaseAction, a collections.Actor, esc *collections.Escalation, until *time.Time) (collections.Case, collections.Decision, error) {
	c, err := lockCase(ctx, tx, caseID)
	if err != nil {
		return c, collections.Decision{}, err
	}
	f := collections.CaseFacts{Case: c, Escalation: esc}
	if t, ok := collections.TransitionFor(c.Status, action); ok {
		switch t.Guard {
		case collections.NeedsOverdue:
			if err := tx.SelectContext(ctx, &f.Overdue, customerOverdueQuery, s.today(), c.CustomerID); err != nil {
				return c, collections.Decision{}, fmt.Errorf("overdue of case %d: %w", c.ID, err)
			}
		case collections.NeedsDispute:
			if err := tx.GetContext(ctx, &f.Disputed, `SELECT EXISTS (SELECT 1 FROM invoices i WHERE i.customer_id = $1 AND `+inDispute+`)`, c.CustomerID); err != nil {
				return c, collections.Decision{}, fmt.Errorf("disputes of case %d: %w", c.ID, err)
			}
		}
	}
	d, err := collections.DecideDated(f, action, a, until)
	if err != nil {
		if nameErr := tx.GetContext(ctx, &f.Customer, `SELECT name FROM customers WHERE id = $1`, c.CustomerID); nameErr != nil {
			return c, d, fmt.Errorf("customer of case %d: %w", c.ID, nameErr)
		}
		_, err = collections.Decide(f, action, a) // the same refusal, naming the customer
		return c, d, err
	}
	if d.Repeat {
		return c, d, nil
	}
	c, err = writeStatus(ctx, tx, c.ID, d.To, action, a.UserID, until)
	return c, d, err
}

// setStatusTo is what a change of status sets on the case row, from SQL
// expressions: the status, the quiet-until date, the action, the actor,
// and whether the case ends. An action that leaves a case in its dated
// status without a date of its own (a dispute during a follow-up) keeps
// the date the case has.
func setStatusTo(status, until, action, actor, ends string) string {
	return `status = ` + status + `, snoozed_until = coalesce(` + until + `, CASE WHEN status = ` + status + ` THEN snoozed_until END),
       last_action = ` + action + `, last_actor = ` + actor + `,
       ended_at = CASE WHEN ` + ends + ` THEN now() END, version = version + 1, updated_at = now()`
}

// writeStatus records a case's new status, as the lifecycle decided.
func writeStatus(ctx context.Context, tx *sqlx.Tx, caseID int64, to collections.CaseStatus, action collections.CaseAction, actor string, until *time.Time) (collections.Case, error) {
	var r caseRow
	err := tx.GetContext(ctx, &r, `UPDATE cases SET `+setStatusTo("$2", "$3", "$4", "$5", "$6")+` WHERE id = $1 RETURNING `+caseColumns,
		caseID, string(to), quietUntil(to, until), string(action), actor, to.Terminal())
	if err != nil {
		return collections.Case{}, fmt.Errorf("update case %d: %w", caseID, err)
	}
	return r.domain(), nil
}

// quietUntil is the date a case in status to is quiet until, if any.
func quietUntil(to collections.CaseStatus, until *time.Time) any {
	if to.Dated() && until != nil {
		return *until
	}
	return nil
}

// Snooze quiets a case until a date.
func (s *CaseService) Snooze(ctx context.Context, a collections.Actor, caseID int64, until time.Time, reason string) (collections.Case, error) {
	return s.actAlone(ctx, caseID, collections.ActSnooze, a, &until, collections.AuditSnoozed,
		collections.AuditDetails{Until: collections.DateOf(until), Reason: strings.TrimSpace(reason)})
}

// actAlone applies an action whose whole effect is the case's new status,
// its audit entry and the messages that show it. It is written with the
// group of such actions in flight (group): two round trips, shared
// by every click of a burst. An action the group leaves (refused, needing
// more facts than the case, or raced) takes the locked path, which
// decides again and words a refusal.
func (s *CaseService) actAlone(ctx context.Context, caseID int64, action collections.CaseAction, a collections.Actor, until *time.Time, auditAction string, details collections.AuditDetails) (collections.Case, error) {
	b, err := jsonDetails(details)
	if err != nil {
		return collections.Case{}, fmt.Errorf("audit %s: %w", auditAction, err)
	}
	w := &statusWrite{caseID: caseID, action: action, actor: a, until: until, auditAction: auditAction, details: b}
	s.writes.do(ctx, w, s.writeStatuses)
	if w.written {
		return w.c, nil
	}
	var c collections.Case
	err = s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var d collections.Decision
		var err error
		c, d, err = s.act(ctx, tx, caseID, action, a, nil, until)
		if err != nil || d.Repeat {
			return err
		}
		return logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, auditAction, details)
	})
	return c, err
}

// ProposePlan records a proposed payment plan with its schedule.
func (s *CaseService) ProposePlan(ctx context.Context, a collections.Actor, caseID int64, p collections.PlanProposal) (collections.Case, error) {
	today := s.today()
	if problems := p.Validate(today); len(problems) > 0 {
		for _, field := range collections.PlanFields {
			if msg, ok := problems[field]; ok {
				return collections.Case{}, collections.Errorf(collections.EINVALID, "%s", msg)
			}
		}
	}
	var c collections.Case
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var d collections.Decision
		var err error
		c, d, err = s.act(ctx, tx, caseID, collections.ActProposePlan, a, nil, nil)
		if err != nil || d.Repeat {
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
		return logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, collections.AuditPlanProposed, collections.AuditDetails{Plan: &p})
	})
	return c, err
}

// AgreePlan activates the proposed plan: the customer agreed to it.
func (s *CaseService) AgreePlan(ctx context.Context, a collections.Actor, caseID, planID int64) (collections.Case, error) {
	var c collections.Case
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var d collections.Decision
		var err error
		c, d, err = s.act(ctx, tx, caseID, collections.ActAgreePlan, a, nil, nil)
		if err != nil || d.Repeat {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE plans SET status = 'active', agreed_by = $2, agreed_on = $3
			WHERE case_id = $1 AND status = 'proposed' AND ($4 = 0 OR id = $4)`, c.ID, a.UserID, s.today(), planID)
		if err != nil {
			return fmt.Errorf("agree plan of case %d: %w", c.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			if planID != 0 {
				return collections.Errorf(collections.ECONFLICT, "The plan on that message was replaced by a newer one; the customer has not agreed to that one yet.")
			}
			return fmt.Errorf("agree plan of case %d: no proposed plan", c.ID)
		}
		if err := s.checkAgreedPlan(ctx, tx, c); err != nil {
			return err
		}
		return logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, collections.AuditPlanAgreed, collections.AuditDetails{})
	})
	return c, err
}

// checkAgreedPlan refuses an agreement to a schedule already missed: an
// instalment past its due date and the grace days, and not paid, would
// break the plan at the next review.
func (s *CaseService) checkAgreedPlan(ctx context.Context, tx *sqlx.Tx, c collections.Case) error {
	var r planRow
	if err := tx.GetContext(ctx, &r, `SELECT `+planColumns+` FROM plans WHERE case_id = $1 AND status = 'active'`, c.ID); err != nil {
		return fmt.Errorf("plan of case %d: %w", c.ID, err)
	}
	today := s.today()
	plan, err := s.loadPlan(ctx, tx, r, c.CustomerID, today)
	if err != nil {
		return err
	}
	missed := collections.CheckPlan(plan.Schedule, plan.Paid, today, s.graceDays).Missed
	if missed == nil {
		return nil
	}
	return collections.Errorf(collections.EINVALID, "This plan's %s instalment was due %s and is unpaid, so the plan would break at once. Cancel the plan, then propose a new one with a later first due date.",
		collections.Money{Minor: missed.Amount, Currency: plan.Proposal.Currency}, missed.DueOn.Format(collections.DateLayout))
}

// CancelPlan cancels the proposed or active plan and reopens the case.
func (s *CaseService) CancelPlan(ctx context.Context, a collections.Actor, caseID int64) (collections.Case, error) {
	var c collections.Case
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var d collections.Decision
		var err error
		c, d, err = s.act(ctx, tx, caseID, collections.ActCancelPlan, a, nil, nil)
		if err != nil || d.Repeat {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE plans SET status = 'cancelled' WHERE case_id = $1 AND status IN ('proposed', 'active')`, c.ID); err != nil {
			return fmt.Errorf("cancel plan of case %d: %w", c.ID, err)
		}
		return logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, collections.AuditPlanCancelled, collections.AuditDetails{})
	})
	return c, err
}

// Escalate creates a pending escalation and queues the approval request.
func (s *CaseService) Escalate(ctx context.Context, a collections.Actor, caseID int64, target collections.EscalationTarget, reason string) (collections.Escalation, error) {
	reason = strings.TrimSpace(reason)
	if !target.Valid() {
		return collections.Escalation{}, collections.Errorf(collections.EINVALID, "Choose where to escalate.")
	}
	if reason == "" {
		return collections.Escalation{}, collections.Errorf(collections.EINVALID, "Say why this should be escalated.")
	}
	var e collections.Escalation
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		c, d, err := s.act(ctx, tx, caseID, collections.ActEscalate, a, nil, nil)
		if err != nil {
			return err
		}
		var r escalationRow
		if d.Repeat { // asked twice: the first request stands
			if err := tx.GetContext(ctx, &r, `SELECT `+escalationColumns+` FROM escalations WHERE case_id = $1 AND status = 'pending'`, c.ID); err != nil {
				return fmt.Errorf("pending escalation of case %d: %w", c.ID, err)
			}
			e = r.domain()
			return nil
		}
		if err := tx.GetContext(ctx, &r, `
			INSERT INTO escalations (case_id, target, reason, requested_by) VALUES ($1, $2, $3, $4)
			RETURNING `+escalationColumns, c.ID, string(target), reason, a.UserID); err != nil {
			return fmt.Errorf("escalate case %d: %w", c.ID, err)
		}
		e = r.domain()
		details := collections.AuditDetails{EscalationID: e.ID, Target: target, Reason: reason}
		if err := logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, collections.AuditEscalationRequested, details); err != nil {
			return err
		}
		return enqueue(ctx, tx, collections.OutboxApproval, c.ID, e.ID, 0)
	})
	return e, err
}

// escalationAudit is the audit action of each decision on an escalation.
var escalationAudit = map[collections.CaseAction]string{
	collections.ActApprove:  collections.AuditEscalationApproved,
	collections.ActReject:   collections.AuditEscalationRejected,
	collections.ActWithdraw: collections.AuditEscalationWithdrawn,
}

// DecideEscalation approves, rejects or withdraws a pending escalation.
func (s *CaseService) DecideEscalation(ctx context.Context, a collections.Actor, escalationID int64, action collections.CaseAction, note string) (collections.Escalation, error) {
	auditAction, ok := escalationAudit[action]
	if !ok {
		return collections.Escalation{}, fmt.Errorf("decide escalation %d: %q is not a decision", escalationID, action)
	}
	note = strings.TrimSpace(note)
	var e collections.Escalation
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var caseID int64
		if err := tx.GetContext(ctx, &caseID, `SELECT case_id FROM escalations WHERE id = $1`, escalationID); err != nil {
			if noRows(err) {
				return collections.Errorf(collections.ENOTFOUND, "That escalation no longer exists.")
			}
			return fmt.Errorf("find escalation %d: %w", escalationID, err)
		}
		// The case is locked first (as every action does), then the
		// escalation is read under that lock.
		if _, err := lockCase(ctx, tx, caseID); err != nil {
			return err
		}
		var r escalationRow
		if err := tx.GetContext(ctx, &r, `SELECT `+escalationColumns+` FROM escalations WHERE id = $1`, escalationID); err != nil {
			return fmt.Errorf("find escalation %d: %w", escalationID, err)
		}
		e = r.domain()
		c, d, err := s.act(ctx, tx, caseID, action, a, &e, nil)
		if err != nil || d.Repeat {
			return err
		}
		if err := tx.GetContext(ctx, &r, `
			UPDATE escalations SET status = $2, decided_by = $3, decided_at = now(), note = $4 WHERE id = $1
			RETURNING `+escalationColumns, e.ID, string(collections.EscalationOutcome(action)), a.UserID, note); err != nil {
			return fmt.Errorf("decide escalation %d: %w", e.ID, err)
		}
		e = r.domain()
		details := collections.AuditDetails{EscalationID: e.ID, Target: e.Target, RequestedBy: e.RequestedBy, Reason: note}
		if err := logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, auditAction, details); err != nil {
			return err
		}
		return enqueue(ctx, tx, collections.OutboxApprovalUpdate, c.ID, e.ID, 0)
	})
	return e, err
}

// cancelPendingEscalation cancels the case's pending escalation, if any,
// because the case ended; its approval requests are redrawn to say so.
func cancelPendingEscalation(ctx context.Context, tx *sqlx.Tx, c collections.Case) error {
	var r escalationRow
	err := tx.GetContext(ctx, &r, `
		UPDATE escalations SET status = 'cancelled', decided_at = now() WHERE case_id = $1 AND status = 'pending'
		RETURNING `+escalationColumns, c.ID)
	if noRows(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cancel escalation of case %d: %w", c.ID, err)
	}
	e := r.domain()
	if _, err := audit(ctx, tx, c.ID, c.CustomerID, collections.SystemActor, collections.AuditEscalationCancelled,
		collections.AuditDetails{EscalationID: e.ID, Target: e.Target, RequestedBy: e.RequestedBy}); err != nil {
		return err
	}
	return enqueue(ctx, tx, collections.OutboxApprovalUpdate, c.ID, e.ID, 0)
}

type escalationRow struct {
	ID          int64          `db:"id"`
	CaseID      int64          `db:"case_id"`
	Target      string         `db:"target"`
	Reason      string         `db:"reason"`
	Status      string         `db:"status"`
	RequestedBy string         `db:"requested_by"`
	DecidedBy   sql.NullString `db:"decided_by"`
	Note        string         `db:"note"`
	RequestedAt time.Time      `db:"requested_at"`
	DecidedAt   sql.NullTime   `db:"decided_at"`
}

const escalationColumns = `id, case_id, target, reason, status, requested_by, decided_by, note, requested_at, decided_at`

func (r escalationRow) domain() collections.Escalation {
	e := collections.Escalation{ID: r.ID, CaseID: r.CaseID, Target: collections.EscalationTarget(r.Target), Reason: r.Reason,
		Status: collections.EscalationStatus(r.Status), RequestedBy: r.RequestedBy, DecidedBy: r.DecidedBy.String, Note: r.Note,
		RequestedAt: r.RequestedAt}
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
