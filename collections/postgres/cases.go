package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/owedhq/owed/collections"
)

// CaseService runs collection cases in Postgres. It implements
// collections.CaseService. Every change happens in one transaction with
// its audit entry and the outbox items that show it in Slack.
type CaseService struct {
	db        *DB
	ledger    *LedgerService
	stages    []int
	channel   string
	graceDays int
	today     func() time.Time
}

// CaseConfig configures a CaseService.
type CaseConfig struct {
	Stages    []int  // days overdue that raise a stage
	Channel   string // Slack channel ID of the alerts
	GraceDays int    // days after an instalment's due date before a plan is broken
	// Today returns the business date (midnight UTC of the date in the
	// business time zone); default: today in UTC.
	Today func() time.Time
}

// NewCaseService returns a CaseService on db.
func NewCaseService(db *DB, cfg CaseConfig) *CaseService {
	if len(cfg.Stages) == 0 {
		cfg.Stages = collections.DefaultStages
	}
	if cfg.Today == nil {
		cfg.Today = func() time.Time { return collections.DateIn(time.Now(), time.UTC) }
	}
	return &CaseService{db: db, ledger: NewLedgerService(db), stages: cfg.Stages, channel: cfg.Channel,
		graceDays: cfg.GraceDays, today: cfg.Today}
}

var _ collections.CaseService = (*CaseService)(nil)

type caseRow struct {
	ID           int64          `db:"id"`
	CustomerID   int64          `db:"customer_id"`
	Status       string         `db:"status"`
	Stage        int            `db:"stage"`
	SnoozedUntil sql.NullTime   `db:"snoozed_until"`
	ChannelID    string         `db:"channel_id"`
	MessageTS    sql.NullString `db:"message_ts"`
	OverdueText  string         `db:"overdue_text"`
	Version      int            `db:"version"`
	OpenedAt     time.Time      `db:"opened_at"`
	UpdatedAt    time.Time      `db:"updated_at"`
}

const caseColumns = `id, customer_id, status, stage, snoozed_until, channel_id, message_ts, overdue_text, version, opened_at, updated_at`

func (r caseRow) domain() collections.Case {
	c := collections.Case{ID: r.ID, CustomerID: r.CustomerID, Status: collections.CaseStatus(r.Status), Stage: r.Stage,
		ChannelID: r.ChannelID, MessageTS: r.MessageTS.String, Version: r.Version, OpenedAt: r.OpenedAt, UpdatedAt: r.UpdatedAt}
	if r.SnoozedUntil.Valid {
		t := r.SnoozedUntil.Time
		c.SnoozedUntil = &t
	}
	return c
}

// audit appends an entry to the audit log and returns its id.
func audit(ctx context.Context, tx *sqlx.Tx, caseID, customerID int64, actor, action string, details map[string]string) (int64, error) {
	if details == nil {
		details = map[string]string{}
	}
	b, err := json.Marshal(details)
	if err != nil {
		return 0, fmt.Errorf("audit %s: %w", action, err)
	}
	var id int64
	err = tx.GetContext(ctx, &id, `INSERT INTO audit_log (case_id, customer_id, actor, action, details) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		caseID, customerID, actor, action, b)
	if err != nil {
		return 0, fmt.Errorf("audit %s: %w", action, err)
	}
	return id, nil
}

// enqueue queues a Slack message in the same transaction as the change it
// shows, and wakes the sender.
func enqueue(ctx context.Context, tx *sqlx.Tx, kind collections.OutboxKind, caseID, escalationID, auditID int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (kind, case_id, escalation_id, audit_id) VALUES ($1, $2, $3, $4)`,
		kind, caseID, nullID(escalationID), nullID(auditID)); err != nil {
		return fmt.Errorf("queue %s message: %w", kind, err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify('owed_outbox', '')`); err != nil {
		return fmt.Errorf("notify outbox: %w", err)
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// logAndShow records an audit entry and queues the alert refresh plus a
// thread line telling it.
func logAndShow(ctx context.Context, tx *sqlx.Tx, caseID, customerID int64, actor, action string, details map[string]string) error {
	auditID, err := audit(ctx, tx, caseID, customerID, actor, action, details)
	if err != nil {
		return err
	}
	if err := enqueue(ctx, tx, collections.OutboxAlert, caseID, 0, 0); err != nil {
		return err
	}
	return enqueue(ctx, tx, collections.OutboxThread, caseID, 0, auditID)
}

// --- the sweep ---

const overdueCustomersQuery = openInvoicesAsOf + `
SELECT customer_id, currency, sum(balance_minor) AS overdue_minor, max($1::date - due_on) AS oldest_days
  FROM open_invoices
 WHERE due_on < $1
 GROUP BY customer_id, currency
 ORDER BY customer_id, currency`

func (s *CaseService) overdueCustomers(ctx context.Context, asOf time.Time) ([]collections.OverdueCustomer, error) {
	rows, err := s.db.QueryContext(ctx, overdueCustomersQuery, asOf)
	if err != nil {
		return nil, fmt.Errorf("overdue customers: %w", err)
	}
	defer rows.Close()
	var out []collections.OverdueCustomer
	for rows.Next() {
		var id, minor int64
		var currency string
		var days int
		if err := rows.Scan(&id, &currency, &minor, &days); err != nil {
			return nil, fmt.Errorf("overdue customers: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].CustomerID != id {
			out = append(out, collections.OverdueCustomer{CustomerID: id})
		}
		o := &out[len(out)-1]
		o.Overdue = append(o.Overdue, collections.Money{Minor: minor, Currency: currency})
		o.OldestDays = max(o.OldestDays, days)
	}
	return out, rows.Err()
}

func (s *CaseService) unsettledCases(ctx context.Context) ([]collections.Case, map[int64]string, error) {
	var rows []caseRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+caseColumns+` FROM cases WHERE status <> 'settled' ORDER BY customer_id`); err != nil {
		return nil, nil, fmt.Errorf("unsettled cases: %w", err)
	}
	cases := make([]collections.Case, len(rows))
	shown := make(map[int64]string, len(rows))
	for i, r := range rows {
		cases[i] = r.domain()
		shown[r.ID] = r.OverdueText
	}
	return cases, shown, nil
}

// Sweep raises alert stages and reviews every open case.
func (s *CaseService) Sweep(ctx context.Context, asOf time.Time, dryRun bool) (collections.SweepResult, error) {
	return s.sweep(ctx, asOf, dryRun, true)
}

// Review ends snoozes, checks plans and settles paid cases.
func (s *CaseService) Review(ctx context.Context, asOf time.Time) (collections.SweepResult, error) {
	return s.sweep(ctx, asOf, false, false)
}

func (s *CaseService) sweep(ctx context.Context, asOf time.Time, dryRun, newStages bool) (collections.SweepResult, error) {
	res := collections.SweepResult{AsOf: asOf}
	if !dryRun {
		if err := s.checkPlans(ctx, asOf, &res); err != nil {
			return res, err
		}
	}
	overdue, err := s.overdueCustomers(ctx, asOf)
	if err != nil {
		return res, err
	}
	cases, shown, err := s.unsettledCases(ctx)
	if err != nil {
		return res, err
	}
	decisions := collections.DecideSweep(overdue, cases, shown, s.stages, asOf, newStages)
	customers, err := s.alertedCustomers(ctx, decisions)
	if err != nil {
		return res, err
	}
	for _, d := range decisions {
		alert, err := s.apply(ctx, d, customers[d.CustomerID], asOf, dryRun)
		if err != nil {
			return res, err
		}
		switch {
		case alert != nil:
			res.Alerts = append(res.Alerts, *alert)
		case d.Kind == collections.DecideSettled:
			res.Settled++
		}
		if d.Kind == collections.DecideSnoozeEnded {
			res.Reopened++
		}
	}
	return res, nil
}

// apply carries out one sweep decision in its own transaction. It returns
// the alert raised, if any (nil when another replica got there first).
func (s *CaseService) apply(ctx context.Context, d collections.SweepDecision, c collections.Customer, asOf time.Time, dryRun bool) (*collections.SweepAlert, error) {
	var alert *collections.SweepAlert
	if raisesAlert(d.Kind) {
		alert = &collections.SweepAlert{Customer: c, Stage: d.Stage, OldestDays: d.Overdue.OldestDays,
			Overdue: d.Overdue.Overdue, New: d.Kind == collections.DecideNewCase}
	}
	if dryRun {
		return alert, nil
	}
	overdueText := collections.OverdueText(d.Overdue.Overdue)
	raised := false
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		raised = false
		switch d.Kind {
		case collections.DecideNewCase:
			var caseID int64
			err := tx.GetContext(ctx, &caseID, `
				INSERT INTO cases (customer_id, stage, channel_id, overdue_text) VALUES ($1, $2, $3, $4)
				ON CONFLICT (customer_id) WHERE status <> 'settled' DO NOTHING RETURNING id`,
				d.CustomerID, d.Stage, s.channel, overdueText)
			if noRows(err) {
				return nil // another replica opened it
			}
			if err != nil {
				return fmt.Errorf("open case for customer %d: %w", d.CustomerID, err)
			}
			ok, err := markStage(ctx, tx, caseID, d.Stage)
			if err != nil || !ok {
				return err
			}
			raised = true
			if _, err := audit(ctx, tx, caseID, d.CustomerID, collections.SystemActor, collections.AuditAlerted, stageDetails(d)); err != nil {
				return err
			}
			return enqueue(ctx, tx, collections.OutboxAlert, caseID, 0, 0)
		case collections.DecideStage, collections.DecideSnoozeEnded:
			c, err := lockCase(ctx, tx, d.CaseID)
			if err != nil {
				return err
			}
			if c.Status == collections.CaseSettled {
				return nil
			}
			snoozeEnded := d.Kind == collections.DecideSnoozeEnded && c.Status == collections.CaseSnoozed &&
				c.SnoozedUntil != nil && !c.SnoozedUntil.After(asOf)
			if snoozeEnded {
				if _, err := tx.ExecContext(ctx, `UPDATE cases SET status = 'open', snoozed_until = NULL, version = version + 1, updated_at = now() WHERE id = $1`, c.ID); err != nil {
					return fmt.Errorf("end snooze of case %d: %w", c.ID, err)
				}
				if err := logAndShow(ctx, tx, c.ID, c.CustomerID, collections.SystemActor, collections.AuditSnoozeEnded,
					map[string]string{"until": c.SnoozedUntil.Format(collections.DateLayout)}); err != nil {
					return err
				}
				raised = true
			} else if c.Status.Quiet() {
				return nil
			}
			if d.Stage > c.Stage {
				ok, err := markStage(ctx, tx, c.ID, d.Stage)
				if err != nil {
					return err
				}
				if ok {
					if _, err := tx.ExecContext(ctx, `UPDATE cases SET stage = $2, overdue_text = $3, updated_at = now() WHERE id = $1`, c.ID, d.Stage, overdueText); err != nil {
						return fmt.Errorf("raise stage of case %d: %w", c.ID, err)
					}
					if err := logAndShow(ctx, tx, c.ID, c.CustomerID, collections.SystemActor, collections.AuditAlerted, stageDetails(d)); err != nil {
						return err
					}
					raised = true
				}
			}
			return nil
		case collections.DecideSettled:
			c, err := lockCase(ctx, tx, d.CaseID)
			if err != nil || c.Status == collections.CaseSettled {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE cases SET status = 'settled', overdue_text = '', snoozed_until = NULL, version = version + 1, settled_at = now(), updated_at = now() WHERE id = $1`, c.ID); err != nil {
				return fmt.Errorf("settle case %d: %w", c.ID, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE plans SET status = 'completed' WHERE case_id = $1 AND status = 'active'`, c.ID); err != nil {
				return fmt.Errorf("complete plan of case %d: %w", c.ID, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE plans SET status = 'cancelled' WHERE case_id = $1 AND status = 'proposed'`, c.ID); err != nil {
				return fmt.Errorf("close proposal of case %d: %w", c.ID, err)
			}
			return logAndShow(ctx, tx, c.ID, c.CustomerID, collections.SystemActor, collections.AuditSettled, nil)
		case collections.DecidePayment:
			c, err := lockCase(ctx, tx, d.CaseID)
			if err != nil || c.Status == collections.CaseSettled {
				return err
			}
			var shown string
			if err := tx.GetContext(ctx, &shown, `SELECT overdue_text FROM cases WHERE id = $1`, c.ID); err != nil {
				return fmt.Errorf("case %d: %w", c.ID, err)
			}
			if shown == overdueText {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE cases SET overdue_text = $2, updated_at = now() WHERE id = $1`, c.ID, overdueText); err != nil {
				return fmt.Errorf("update case %d: %w", c.ID, err)
			}
			return logAndShow(ctx, tx, c.ID, c.CustomerID, collections.SystemActor, collections.AuditPaymentReceived,
				map[string]string{"overdue": overdueText})
		}
		return nil
	})
	if err != nil || !raised {
		return nil, err
	}
	return alert, nil
}

func raisesAlert(k collections.SweepDecisionKind) bool {
	return k == collections.DecideNewCase || k == collections.DecideStage || k == collections.DecideSnoozeEnded
}

// alertedCustomers loads, in one query, the customers of the decisions
// that raise an alert.
func (s *CaseService) alertedCustomers(ctx context.Context, decisions []collections.SweepDecision) (map[int64]collections.Customer, error) {
	var ids []int64
	for _, d := range decisions {
		if raisesAlert(d.Kind) {
			ids = append(ids, d.CustomerID)
		}
	}
	out := make(map[int64]collections.Customer, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []customerRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+customerColumns+`, 0::float8 AS similarity FROM customers WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("customers to alert: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.customer()
	}
	return out, nil
}

func stageDetails(d collections.SweepDecision) map[string]string {
	return map[string]string{"stage": strconv.Itoa(d.Stage), "oldest_days": strconv.Itoa(d.Overdue.OldestDays),
		"overdue": collections.OverdueText(d.Overdue.Overdue)}
}

// markStage records that a case was alerted at a stage; false means it
// already was.
func markStage(ctx context.Context, tx *sqlx.Tx, caseID int64, stage int) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO case_alerts (case_id, stage) VALUES ($1, $2) ON CONFLICT DO NOTHING`, caseID, stage)
	if err != nil {
		return false, fmt.Errorf("record stage %d of case %d: %w", stage, caseID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func lockCase(ctx context.Context, tx *sqlx.Tx, id int64) (collections.Case, error) {
	var r caseRow
	err := tx.GetContext(ctx, &r, `SELECT `+caseColumns+` FROM cases WHERE id = $1 FOR UPDATE`, id)
	if noRows(err) {
		return collections.Case{}, collections.Errorf(collections.ENOTFOUND, "no case %d", id)
	}
	if err != nil {
		return collections.Case{}, fmt.Errorf("lock case %d: %w", id, err)
	}
	return r.domain(), nil
}
