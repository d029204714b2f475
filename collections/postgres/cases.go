package postgres

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

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
	// promiseGraceDays: days after a promised date before it is broken
	promiseGraceDays int
	today            func() time.Time
	writes           *group[*statusWrite] // actions written in groups (actAlone)
	views            statement            // caseViewsQuery, read at every edit of an alert
}

// CaseConfig configures a CaseService.
type CaseConfig struct {
	Stages    []int  // days overdue that raise a stage
	Channel   string // Slack channel ID of the alerts
	GraceDays int    // days after an instalment's due date before a plan is broken
	// PromiseGraceDays: days after a promised date before the promise is
	// broken (collections.DefaultPromiseGraceDays is the usual).
	PromiseGraceDays int
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
		graceDays: cfg.GraceDays, promiseGraceDays: cfg.PromiseGraceDays, today: cfg.Today, writes: &group[*statusWrite]{},
		views: statement{name: "case views", query: caseViewsQuery}}
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
	DisputedText sql.NullString `db:"disputed_text"`
	PaymentsSeen int64          `db:"payments_seen"`
	Version      int            `db:"version"`
	LastAction   sql.NullString `db:"last_action"`
	LastActor    sql.NullString `db:"last_actor"`
	OpenedAt     time.Time      `db:"opened_at"`
	UpdatedAt    time.Time      `db:"updated_at"`
}

const caseColumns = `id, customer_id, status, stage, snoozed_until, channel_id, message_ts, overdue_text, disputed_text, payments_seen, version, last_action, last_actor, opened_at, updated_at`

// shown is what the case's message shows of the money.
func (r caseRow) shown() collections.Shown {
	s := collections.Shown{Overdue: r.OverdueText}
	if r.DisputedText.Valid {
		s.Disputed = &r.DisputedText.String
	}
	return s
}

// liveCase is the SQL condition of a case that has not ended.
const liveCase = `ended_at IS NULL`

func (r caseRow) domain() collections.Case {
	c := collections.Case{ID: r.ID, CustomerID: r.CustomerID, Status: collections.CaseStatus(r.Status), Stage: r.Stage,
		ChannelID: r.ChannelID, MessageTS: r.MessageTS.String, Version: r.Version,
		LastAction: collections.CaseAction(r.LastAction.String), LastActor: r.LastActor.String,
		OpenedAt: r.OpenedAt, UpdatedAt: r.UpdatedAt}
	if r.SnoozedUntil.Valid {
		t := r.SnoozedUntil.Time
		c.SnoozedUntil = &t
	}
	return c
}

// audit appends an entry to the audit log and returns its id.
func audit(ctx context.Context, tx *sqlx.Tx, caseID, customerID int64, actor, action string, details collections.AuditDetails) (int64, error) {
	b, err := json.Marshal(details)
	if err != nil {
		return 0, fmt.Errorf("audit %s: %w", action, err)
	}
	var id int64
	err = tx.GetContext(ctx, &id, `INSERT INTO audit_log (case_id, customer_id, actor, action, details) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		caseID, customerID, actor, action, string(b))
	if err != nil {
		return 0, fmt.Errorf("audit %s: %w", action, err)
	}
	return id, nil
}

// enqueue queues a Slack message in the same transaction as the change it
// shows, and wakes the sender.
func enqueue(ctx context.Context, tx *sqlx.Tx, kind collections.OutboxKind, caseID, escalationID, auditID int64) error {
	if _, err := tx.ExecContext(ctx, `
		WITH queued AS (INSERT INTO outbox (kind, case_id, escalation_id, audit_id) VALUES ($1, $2, $3, $4) RETURNING id)
		SELECT pg_notify('owed_outbox', '') FROM queued`,
		kind, caseID, nullID(escalationID), nullID(auditID)); err != nil {
		return fmt.Errorf("queue %s message: %w", kind, err)
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// recordAndShow are the common table expressions that record an action
// on the cases in "changed" (id, customer_id): an audit entry of each
// (actor, action and details are SQL expressions, usually parameters),
// and in "queued" the messages that show it, the alert's refresh first,
// then the thread line telling the entry, then, while an escalation waits
// for a decision, its approval requests redrawn: what they show (what is
// overdue) may have changed with the case.
func recordAndShow(actor, action, details string) string {
	return `entry AS (INSERT INTO audit_log (case_id, customer_id, actor, action, details)
          SELECT id, customer_id, ` + actor + `, ` + action + `, ` + details + ` FROM changed RETURNING id, case_id, action),
queued AS (INSERT INTO outbox (kind, case_id, audit_id, escalation_id)
           SELECT kind, case_id, audit_id, escalation_id FROM (
                  SELECT 1 AS n, 'alert' AS kind, case_id, NULL::bigint AS audit_id, NULL::bigint AS escalation_id FROM entry
                  UNION ALL SELECT 2, 'thread', case_id, id, NULL FROM entry
                  UNION ALL SELECT 3, '` + string(collections.OutboxApprovalUpdate) + `', e.case_id, NULL, e.id
                              FROM entry JOIN escalations e ON e.case_id = entry.case_id AND e.status = 'pending'
                             WHERE entry.action <> '` + collections.AuditEscalationRequested + `') k ORDER BY n
           RETURNING id)`
}

// logAndShow records an audit entry and queues the alert refresh plus a
// thread line telling it (the alert first), in one statement.
func logAndShow(ctx context.Context, tx *sqlx.Tx, caseID, customerID int64, actor, action string, details collections.AuditDetails) error {
	b, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	if _, err := tx.ExecContext(ctx, `
		WITH changed AS (SELECT $1::bigint AS id, $2::bigint AS customer_id),
		`+recordAndShow("$3", "$4", "$5")+`
		SELECT pg_notify('owed_outbox', '') FROM (SELECT count(*) FROM queued) q`,
		caseID, customerID, actor, action, string(b)); err != nil {
		return fmt.Errorf("audit %s and queue its messages: %w", action, err)
	}
	return nil
}

// findCase returns one case.
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

// lockCaseRow locks a case for the rest of the transaction.
func lockCaseRow(ctx context.Context, tx *sqlx.Tx, id int64) (caseRow, error) {
	var r caseRow
	err := tx.GetContext(ctx, &r, `SELECT `+caseColumns+` FROM cases WHERE id = $1 FOR UPDATE`, id)
	if noRows(err) {
		return r, collections.Errorf(collections.ENOTFOUND, "That case no longer exists.")
	}
	if err != nil {
		return r, fmt.Errorf("lock case %d: %w", id, err)
	}
	return r, nil
}

func lockCase(ctx context.Context, tx *sqlx.Tx, id int64) (collections.Case, error) {
	r, err := lockCaseRow(ctx, tx, id)
	return r.domain(), err
}

// FindOpenCaseByCustomer returns the customer's live case.
func (s *CaseService) FindOpenCaseByCustomer(ctx context.Context, customerID int64) (collections.Case, error) {
	var r caseRow
	err := s.db.GetContext(ctx, &r, `SELECT `+caseColumns+` FROM cases WHERE customer_id = $1 AND `+liveCase, customerID)
	if noRows(err) {
		return collections.Case{}, collections.Errorf(collections.ENOTFOUND, "no open case for customer %d", customerID)
	}
	if err != nil {
		return collections.Case{}, fmt.Errorf("find case of customer %d: %w", customerID, err)
	}
	return r.domain(), nil
}

// OpenCase returns the customer's live case, opening one when needed.
func (s *CaseService) OpenCase(ctx context.Context, customerID int64, channelID string) (collections.Case, error) {
	if channelID == "" {
		channelID = s.channel
	}
	var c collections.Case
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		id, err := insertCase(ctx, tx, customerID, 0, channelID)
		if err != nil {
			return err
		}
		if id != 0 {
			if err := s.showOverdueNow(ctx, tx, id, customerID); err != nil {
				return err
			}
		}
		var r caseRow
		if err := tx.GetContext(ctx, &r, `SELECT `+caseColumns+` FROM cases WHERE customer_id = $1 AND `+liveCase, customerID); err != nil {
			return fmt.Errorf("open case for customer %d: %w", customerID, err)
		}
		c = r.domain()
		return nil
	})
	return c, err
}

// insertCase opens a case for a customer, remembering the payments
// already made; 0 when the customer has a live case already.
func insertCase(ctx context.Context, tx *sqlx.Tx, customerID int64, stage int, channelID string) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `
		INSERT INTO cases (customer_id, stage, channel_id, payments_seen)
		VALUES ($1, $2, $3, (SELECT coalesce(max(p.id), 0) FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.customer_id = $1))
		ON CONFLICT (customer_id) WHERE `+liveCase+` DO NOTHING RETURNING id`, customerID, stage, channelID)
	if noRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("open case for customer %d: %w", customerID, err)
	}
	return id, nil
}

// showOverdue records what a case's message shows as overdue as of
// today: the amounts (to notice changes) and the invoices (to tell, when
// nothing is overdue any more, whether they were paid), and what it
// shows in dispute (to notice a payment or a credit note on those).
func showOverdue(ctx context.Context, tx *sqlx.Tx, caseID int64, overdueText string, today time.Time) error {
	var disputed []collections.Money
	if err := tx.SelectContext(ctx, &disputed, `
		SELECT i.currency AS "currency", sum(i.amount_minor - i.paid_minor) AS "minor"
		  FROM cases c JOIN invoices i ON i.customer_id = c.customer_id
		 WHERE c.id = $1 AND `+inDispute+`
		 GROUP BY i.currency ORDER BY i.currency`, caseID); err != nil {
		return fmt.Errorf("in dispute for case %d: %w", caseID, err)
	}
	_, err := tx.ExecContext(ctx, `
		UPDATE cases SET overdue_text = $2, disputed_text = $4, updated_at = now(), overdue_invoices = (
		       SELECT coalesce(array_agg(i.id ORDER BY i.id), '{}') FROM invoices i
		        WHERE i.customer_id = cases.customer_id AND i.due_on < $3 AND i.paid_minor < i.amount_minor AND NOT `+inDispute+`)
		 WHERE id = $1`, caseID, overdueText, today, collections.OverdueText(disputed))
	if err != nil {
		return fmt.Errorf("record overdue of case %d: %w", caseID, err)
	}
	return nil
}

// showOverdueNow records what the case shows as overdue today: when it
// opens, and after a change of what is in dispute, which the alert and its
// thread line tell (the next sweep then sees no change of the overdue
// amount to tell again as if a payment had come).
func (s *CaseService) showOverdueNow(ctx context.Context, tx *sqlx.Tx, caseID, customerID int64) error {
	var overdue []collections.Money
	if err := tx.SelectContext(ctx, &overdue, customerOverdueQuery, s.today(), customerID); err != nil {
		return fmt.Errorf("overdue of customer %d: %w", customerID, err)
	}
	return showOverdue(ctx, tx, caseID, collections.OverdueText(overdue), s.today())
}

// --- the sweep ---

// overdueCustomersQuery sums each customer's overdue balances as of $1,
// disputed invoices aside: one row per customer, its oldest overdue days
// and its overdue amount in each currency as "EUR5000,USD12550" (currency
// codes are three letters; amounts in minor units, in no set order).
const overdueCustomersQuery = openInvoicesAsOf + `
SELECT c.id, c.name, coalesce(c.ref, ''), max(o.oldest_days), string_agg(o.currency || o.overdue_minor, ',')
  FROM (SELECT o.customer_id, o.currency, sum(o.balance_minor) AS overdue_minor, max($1::date - o.due_on) AS oldest_days
          FROM open_invoices o LEFT JOIN (` + disputedInvoices + `) x ON x.invoice_id = o.id
         WHERE o.due_on < $1 AND x.invoice_id IS NULL
         GROUP BY o.customer_id, o.currency) o
  JOIN customers c ON c.id = o.customer_id
 GROUP BY c.id
 ORDER BY c.id`

// disputedBalances returns what each customer with an invoice in dispute
// has in dispute, per currency.
func (s *CaseService) disputedBalances(ctx context.Context) (map[int64][]collections.Money, error) {
	var rows []struct {
		CustomerID int64 `db:"customer_id"`
		collections.Money
	}
	if err := s.db.SelectContext(ctx, &rows, `
		SELECT i.customer_id, i.currency AS "currency", sum(i.amount_minor - i.paid_minor) AS "minor"
		  FROM invoices i
		 WHERE i.id IN (SELECT d.invoice_id FROM disputes d) AND `+inDispute+`
		 GROUP BY i.customer_id, i.currency ORDER BY i.customer_id, i.currency`); err != nil {
		return nil, fmt.Errorf("balances in dispute: %w", err)
	}
	out := make(map[int64][]collections.Money)
	for _, r := range rows {
		out[r.CustomerID] = append(out[r.CustomerID], r.Money)
	}
	return out, nil
}

func (s *CaseService) overdueCustomers(ctx context.Context, asOf time.Time) ([]collections.OverdueCustomer, error) {
	// Sized for every customer at once: growing a list of a hundred
	// thousand would copy it over and over.
	out := make([]collections.OverdueCustomer, 0, s.customersEstimate(ctx))
	rows, err := s.db.QueryContext(ctx, overdueCustomersQuery, asOf)
	if err != nil {
		return nil, fmt.Errorf("overdue customers: %w", err)
	}
	defer rows.Close()
	var amounts overdueAmounts
	var (
		id, days  int64
		name, ref string
		overdue   sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&id, &name, &ref, &days, &overdue); err != nil {
			return nil, fmt.Errorf("overdue customers: %w", err)
		}
		money, err := amounts.parse(overdue)
		if err != nil {
			return nil, fmt.Errorf("overdue customers: customer %d: %w", id, err)
		}
		out = append(out, collections.OverdueCustomer{CustomerID: id, Name: name, Ref: ref, OldestDays: int(days), Overdue: money})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("overdue customers: %w", err)
	}
	return out, nil
}

// customersEstimate returns the database's estimate of the number of
// customers (0 when it has none), a hint of how many may be overdue.
func (s *CaseService) customersEstimate(ctx context.Context) int {
	var n float64
	if err := s.db.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'customers'::regclass`).Scan(&n); err != nil {
		return 0 // only a hint: the query that follows reports a broken connection
	}
	return int(min(max(n, 0), 1<<20))
}

// overdueAmounts reads the per-currency amounts of overdueCustomersQuery.
// The amounts of many customers share blocks of memory, and the currency
// codes are shared strings.
type overdueAmounts struct {
	block      []collections.Money
	currencies []string
}

// parse reads "EUR5000,USD12550" into amounts sorted by currency.
func (a *overdueAmounts) parse(b []byte) ([]collections.Money, error) {
	n := 1
	for _, c := range b {
		if c == ',' {
			n++
		}
	}
	if cap(a.block)-len(a.block) < n {
		a.block = make([]collections.Money, 0, max(n, 4096))
	}
	start := len(a.block)
	for len(b) > 0 {
		item := b
		if i := bytes.IndexByte(b, ','); i >= 0 {
			item, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(item) < 4 {
			return nil, fmt.Errorf("bad overdue amount %q", item)
		}
		minor, err := strconv.ParseInt(string(item[3:]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad overdue amount %q: %w", item, err)
		}
		m := collections.Money{Minor: minor, Currency: a.currency(item[:3])}
		// Insertion keeps the few currencies of a customer in order.
		i := len(a.block)
		a.block = append(a.block, m)
		for ; i > start && a.block[i-1].Currency > m.Currency; i-- {
			a.block[i] = a.block[i-1]
		}
		a.block[i] = m
	}
	return a.block[start:len(a.block):len(a.block)], nil
}

// currency returns code as a string, the same string each time.
func (a *overdueAmounts) currency(code []byte) string {
	for _, c := range a.currencies {
		if c == string(code) {
			return c
		}
	}
	c := string(code)
	a.currencies = append(a.currencies, c)
	return c
}

func (s *CaseService) liveCases(ctx context.Context) ([]collections.Case, map[int64]collections.Shown, error) {
	var rows []caseRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+caseColumns+` FROM cases WHERE `+liveCase+` ORDER BY customer_id`); err != nil {
		return nil, nil, fmt.Errorf("live cases: %w", err)
	}
	cases := make([]collections.Case, len(rows))
	shown := make(map[int64]collections.Shown, len(rows))
	for i, r := range rows {
		cases[i] = r.domain()
		shown[r.ID] = r.shown()
	}
	return cases, shown, nil
}

// Sweep raises alert stages and reviews every open case.
func (s *CaseService) Sweep(ctx context.Context, asOf time.Time, dryRun bool) (collections.SweepResult, error) {
	return s.sweep(ctx, asOf, dryRun, true)
}

// Review ends snoozes, checks plans, tells payments and ends cases.
func (s *CaseService) Review(ctx context.Context, asOf time.Time) (collections.SweepResult, error) {
	return s.sweep(ctx, asOf, false, false)
}

func (s *CaseService) sweep(ctx context.Context, asOf time.Time, dryRun, newStages bool) (collections.SweepResult, error) {
	res := collections.SweepResult{AsOf: asOf}
	// Whether a case has ended, and what messages show, go by today (or
	// by asOf when it is later): a sweep as of a past date replays the
	// alerts due then without undoing today's cases.
	live := s.today()
	if asOf.After(live) {
		live = asOf
	}
	overdue, err := s.overdueCustomers(ctx, asOf)
	if err != nil {
		return res, err
	}
	liveOverdue := overdue
	if !live.Equal(asOf) {
		if liveOverdue, err = s.overdueCustomers(ctx, live); err != nil {
			return res, err
		}
	}
	if !dryRun {
		// Payments that keep a promise or pay a plan off are told first.
		p := paymentsToTell{live: live, overdue: liveOverdue}
		if err := s.checkPlans(ctx, p, &res); err != nil {
			return res, err
		}
		if err := s.checkPromises(ctx, p, &res); err != nil {
			return res, err
		}
	}
	cases, shown, err := s.liveCases(ctx)
	if err != nil {
		return res, err
	}
	disputed, err := s.disputedBalances(ctx)
	if err != nil {
		return res, err
	}
	in := collections.SweepInput{AsOf: asOf, Overdue: overdue, Live: liveOverdue, Cases: cases, Shown: shown,
		Disputed: disputed, Stages: s.stages, NewStages: newStages}
	decisions := collections.SweepDecisions(in)
	if dryRun {
		// A dry run alerts on what the decisions say: counted first, so
		// that the alerts of every customer are gathered without copies.
		n := 0
		for d := range decisions {
			if d.RaisesAlert() {
				n++
			}
		}
		res.Alerts = make([]collections.SweepAlert, 0, n)
	} else {
		res.Alerts = []collections.SweepAlert{}
	}
	for d := range decisions {
		var outcome applied
		if dryRun {
			outcome.alerted = d.RaisesAlert()
		} else if outcome, err = s.apply(ctx, in, d, live); err != nil {
			return res, err
		}
		if outcome.alerted {
			o := &d.Overdue
			if o.Name == "" {
				o = &d.Live
			}
			customer := collections.Customer{ID: d.CustomerID, Name: o.Name, Ref: o.Ref}
			res.Alerts = append(res.Alerts, collections.SweepAlert{Customer: customer, Stage: d.Stage,
				OldestDays: d.Overdue.OldestDays, Overdue: d.Overdue.Overdue, New: d.Kind == collections.DecideNewCase, Why: d.Kind})
		}
		switch outcome.ended {
		case collections.CaseSettled:
			res.Settled++
		case collections.CaseClosed:
			res.Closed++
		}
		if outcome.reopened {
			res.Reopened++
		}
		if outcome.payment {
			res.Payments++
		}
		if outcome.followUp {
			res.FollowUps++
		}
	}
	return res, nil
}

// applied is what carrying out one sweep decision did.
type applied struct {
	alerted  bool                   // an alert or a further stage was raised
	reopened bool                   // a snooze ended
	payment  bool                   // a change of the overdue amount was told
	followUp bool                   // a follow-up date came
	ended    collections.CaseStatus // settled or closed, when the case ended
}

// apply carries out one sweep decision in its own transaction, deciding
// it again on the locked case (another replica or a click may have
// changed it since the sweep looked).
func (s *CaseService) apply(ctx context.Context, in collections.SweepInput, d collections.SweepDecision, live time.Time) (applied, error) {
	var out applied
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		out = applied{}
		if d.Kind == collections.DecideNewCase {
			id, err := insertCase(ctx, tx, d.CustomerID, d.Stage, s.channel)
			if err != nil || id == 0 {
				return err // 0: another replica opened it
			}
			if err := showOverdue(ctx, tx, id, collections.OverdueText(d.Live.Overdue), live); err != nil {
				return err
			}
			if _, err := markStage(ctx, tx, id, d.Stage); err != nil {
				return err
			}
			if _, err := audit(ctx, tx, id, d.CustomerID, collections.SystemActor, collections.AuditAlerted, stageDetails(d)); err != nil {
				return err
			}
			out.alerted = true
			return enqueue(ctx, tx, collections.OutboxAlert, id, 0, 0)
		}
		r, err := lockCaseRow(ctx, tx, d.CaseID)
		if err != nil {
			return err
		}
		c := r.domain()
		d, ok := collections.DecideCase(in, c, d.Overdue, d.Live, r.shown())
		if !ok {
			return nil
		}
		switch d.Kind {
		case collections.DecideEnd:
			out.ended, err = s.endCase(ctx, tx, r)
			return err
		case collections.DecidePayment:
			out.payment = true
			return s.tellPayment(ctx, tx, r, d, live)
		case collections.DecideSnoozeEnded:
			owner, err := customerOwner(ctx, tx, c.CustomerID)
			if err != nil {
				return err
			}
			if err := owedActs(ctx, tx, c, collections.ActEndSnooze, collections.AuditSnoozeEnded,
				collections.AuditDetails{Until: collections.DateOf(*c.SnoozedUntil), Owner: owner}); err != nil {
				return err
			}
			out.reopened, out.alerted = true, true
			if d.Stage > c.Stage {
				_, err := s.raiseStage(ctx, tx, c, d, live)
				return err
			}
			return nil
		case collections.DecideFollowUpDue:
			var who struct {
				Name  string `db:"name"`
				Owner string `db:"owner"`
			}
			if err := tx.GetContext(ctx, &who, `SELECT name, coalesce(owner_slack_id, '') AS owner FROM customers WHERE id = $1`, c.CustomerID); err != nil {
				return fmt.Errorf("customer of case %d: %w", c.ID, err)
			}
			if err := owedActs(ctx, tx, c, collections.ActEndFollowUp, collections.AuditFollowUpDue,
				collections.AuditDetails{Until: collections.DateOf(*c.SnoozedUntil), Customer: who.Name, Owner: who.Owner}); err != nil {
				return err
			}
			out.followUp, out.alerted = true, true
			if d.Stage > c.Stage {
				_, err := s.raiseStage(ctx, tx, c, d, live)
				return err
			}
			return nil
		case collections.DecideStage:
			out.alerted, err = s.raiseStage(ctx, tx, c, d, live)
			return err
		}
		return nil
	})
	return out, err
}

// owedActs applies one of owed's own actions to a locked case, as the
// lifecycle decides, with its audit entry and the messages that show it.
func owedActs(ctx context.Context, tx *sqlx.Tx, c collections.Case, action collections.CaseAction, auditAction string, details collections.AuditDetails) error {
	d, err := collections.Decide(collections.CaseFacts{Case: c}, action, collections.OwedActor)
	if err != nil {
		return err
	}
	if _, err := writeStatus(ctx, tx, c.ID, d.To, action, collections.SystemActor, nil); err != nil {
		return err
	}
	return logAndShow(ctx, tx, c.ID, c.CustomerID, collections.SystemActor, auditAction, details)
}

// raiseStage alerts a case at a further stage, once per stage whatever
// replicas race; false when it was already alerted at that stage.
func (s *CaseService) raiseStage(ctx context.Context, tx *sqlx.Tx, c collections.Case, d collections.SweepDecision, live time.Time) (bool, error) {
	ok, err := markStage(ctx, tx, c.ID, d.Stage)
	if err != nil || !ok {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET stage = $2 WHERE id = $1`, c.ID, d.Stage); err != nil {
		return false, fmt.Errorf("raise stage of case %d: %w", c.ID, err)
	}
	if err := showOverdue(ctx, tx, c.ID, collections.OverdueText(d.Live.Overdue), live); err != nil {
		return false, err
	}
	return true, logAndShow(ctx, tx, c.ID, c.CustomerID, collections.SystemActor, collections.AuditAlerted, stageDetails(d))
}

// paymentsSince sums, per currency, the customer's payments recorded
// after payment id seen, and returns the newest id.
func paymentsSince(ctx context.Context, tx *sqlx.Tx, customerID, seen int64) ([]collections.Money, int64, error) {
	var rows []struct {
		Currency string `db:"currency"`
		Minor    int64  `db:"minor"`
		Newest   int64  `db:"newest"`
	}
	if err := tx.SelectContext(ctx, &rows, `
		SELECT i.currency, sum(p.amount_minor) AS minor, max(p.id) AS newest
		  FROM payments p JOIN invoices i ON i.id = p.invoice_id
		 WHERE i.customer_id = $1 AND p.id > $2
		 GROUP BY i.currency ORDER BY i.currency`, customerID, seen); err != nil {
		return nil, 0, fmt.Errorf("payments of customer %d: %w", customerID, err)
	}
	var paid []collections.Money
	for _, r := range rows {
		paid = append(paid, collections.Money{Minor: r.Minor, Currency: r.Currency})
		seen = max(seen, r.Newest)
	}
	return paid, seen, nil
}

// tellPayment updates a case whose overdue amount changed: the message
// is redrawn and its thread says what was paid and what is still overdue.
func (s *CaseService) tellPayment(ctx context.Context, tx *sqlx.Tx, r caseRow, d collections.SweepDecision, live time.Time) error {
	paid, seen, err := paymentsSince(ctx, tx, r.CustomerID, r.PaymentsSeen)
	if err != nil {
		return err
	}
	return s.tellPaid(ctx, tx, r, paid, seen, d.Live.Overdue, live)
}

// paymentsToTell is what a sweep needs to tell payments before what they
// bring about: today, and what each customer owes today.
type paymentsToTell struct {
	live    time.Time
	overdue []collections.OverdueCustomer
}

// tellPaymentsFirst tells the payments a case has not told yet, if any,
// before a line they bring about ("Promise kept", "The payment plan is
// paid off"), so that the thread reads in the order things happened.
func (s *CaseService) tellPaymentsFirst(ctx context.Context, tx *sqlx.Tx, r caseRow, p paymentsToTell) error {
	paid, seen, err := paymentsSince(ctx, tx, r.CustomerID, r.PaymentsSeen)
	if err != nil || len(paid) == 0 {
		return err
	}
	var overdue []collections.Money
	if i := slices.IndexFunc(p.overdue, func(o collections.OverdueCustomer) bool { return o.CustomerID == r.CustomerID }); i >= 0 {
		overdue = p.overdue[i].Overdue
	}
	return s.tellPaid(ctx, tx, r, paid, seen, overdue, p.live)
}

// tellPaid records that the payments up to seen were told, redraws the
// message and says in its thread what was paid and what is still overdue
// today.
func (s *CaseService) tellPaid(ctx context.Context, tx *sqlx.Tx, r caseRow, paid []collections.Money, seen int64, overdue []collections.Money, live time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET payments_seen = $2 WHERE id = $1`, r.ID, seen); err != nil {
		return fmt.Errorf("update case %d: %w", r.ID, err)
	}
	if err := showOverdue(ctx, tx, r.ID, collections.OverdueText(overdue), live); err != nil {
		return err
	}
	return logAndShow(ctx, tx, r.ID, r.CustomerID, collections.SystemActor, collections.AuditPaymentReceived,
		collections.AuditDetails{Paid: paid, Overdue: overdue})
}

// outstandingQuery is what a customer still owes, per currency, overdue
// or not.
const outstandingQuery = `
SELECT currency AS "currency", sum(amount_minor - paid_minor) AS "minor"
  FROM invoices WHERE customer_id = $1 AND paid_minor < amount_minor
 GROUP BY currency ORDER BY currency`

// endCase ends a case with nothing overdue: settled when the invoices
// its message showed overdue are paid in full, closed otherwise (a due
// date moved, an invoice was reduced). A pending escalation is cancelled
// and its requests redrawn; a live plan is completed or withdrawn.
func (s *CaseService) endCase(ctx context.Context, tx *sqlx.Tx, r caseRow) (collections.CaseStatus, error) {
	c := r.domain()
	var unpaid int
	if err := tx.GetContext(ctx, &unpaid, `
		SELECT count(*) FROM invoices i JOIN cases c ON i.id = ANY(c.overdue_invoices)
		 WHERE c.id = $1 AND i.paid_minor < i.amount_minor`, c.ID); err != nil {
		return "", fmt.Errorf("invoices of case %d: %w", c.ID, err)
	}
	action, auditAction := collections.ActSettle, collections.AuditSettled
	if unpaid > 0 {
		action, auditAction = collections.ActClose, collections.AuditClosed
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET overdue_text = '' WHERE id = $1`, c.ID); err != nil {
		return "", fmt.Errorf("end case %d: %w", c.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE plans SET status = CASE status WHEN 'active' THEN 'completed' ELSE 'cancelled' END
		WHERE case_id = $1 AND status IN ('active', 'proposed')`, c.ID); err != nil {
		return "", fmt.Errorf("close plans of case %d: %w", c.ID, err)
	}
	if err := cancelPendingEscalation(ctx, tx, c); err != nil {
		return "", err
	}
	// A promise the case ended without is moot: neither kept nor broken.
	if _, err := tx.ExecContext(ctx, `UPDATE promises SET status = 'replaced', decided_at = now() WHERE case_id = $1 AND status = 'open'`, c.ID); err != nil {
		return "", fmt.Errorf("end promises of case %d: %w", c.ID, err)
	}
	paid, seen, err := paymentsSince(ctx, tx, c.CustomerID, r.PaymentsSeen)
	if err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET payments_seen = $2 WHERE id = $1`, c.ID, seen); err != nil {
		return "", fmt.Errorf("end case %d: %w", c.ID, err)
	}
	details := collections.AuditDetails{Paid: paid}
	if action == collections.ActClose {
		if err := tx.SelectContext(ctx, &details.Outstanding, outstandingQuery, c.CustomerID); err != nil {
			return "", fmt.Errorf("outstanding of customer %d: %w", c.CustomerID, err)
		}
	}
	if err := owedActs(ctx, tx, c, action, auditAction, details); err != nil {
		return "", err
	}
	t, _ := collections.TransitionFor(c.Status, action)
	return t.To, nil
}

// stageDetails records a stage alert: the stage, and how overdue the
// customer is today.
func stageDetails(d collections.SweepDecision) collections.AuditDetails {
	o := d.Live
	if len(o.Overdue) == 0 {
		o = d.Overdue
	}
	return collections.AuditDetails{Stage: d.Stage, OldestDays: o.OldestDays, Overdue: o.Overdue}
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
