package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/owedhq/owed/collections"
)

// Courtesy reminders and the emails of stage alerts, made by the sweep
// under OWED_REMINDERS: approve gathers the courtesy reminders into a
// batch for people to send; auto sends them, and emails each stage alert.

func jsonDetails(d collections.AuditDetails) (string, error) {
	b, err := json.Marshal(d)
	return string(b), err
}

// courtesyCandidates are the invoices due within the next days as of $1
// ($2 days) that were never courtesy-reminded, of customers with an
// email address.
const courtesyCandidates = `
SELECT i.id, i.number, i.customer_id, i.currency, i.amount_minor, i.amount_minor - i.paid_minor AS balance_minor,
       i.issued_on, i.due_on, coalesce(i.payment_url, '') AS payment_url
  FROM invoices i JOIN customers c ON c.id = i.customer_id
 WHERE i.due_on >= $1 AND i.due_on <= $1::date + $2::int AND i.issued_on <= $1
   AND i.paid_minor < i.amount_minor AND coalesce(c.email, '') <> ''
   AND NOT EXISTS (SELECT 1 FROM courtesy_reminders r WHERE r.invoice_id = i.id)
   AND NOT ` + inDispute + `
 ORDER BY i.customer_id, i.due_on, i.number`

// SweepReminders makes, in auto, the emails of the stage alerts, then the
// courtesy reminders due as of asOf.
func (s *EmailService) SweepReminders(ctx context.Context, asOf time.Time) (collections.RemindersResult, error) {
	var res collections.RemindersResult
	if s.policy == collections.RemindersOff || s.composer == nil {
		return res, nil
	}
	// The stage emails go first: a customer overdue who also has an
	// invoice coming due gets its stage's email, and the friendly note is
	// held back by the contact gap rather than the other way round.
	if s.policy == collections.RemindersAuto {
		if err := s.stageEmails(ctx, asOf, &res); err != nil {
			return res, err
		}
	}
	if err := s.courtesy(ctx, asOf, &res); err != nil {
		return res, err
	}
	return res, nil
}

// customerInvoices groups invoices by customer, in order.
type customerInvoices struct {
	customerID int64
	invoices   []collections.OpenInvoice
}

func groupByCustomer(rows []openInvoiceRow, asOf time.Time) []customerInvoices {
	var out []customerInvoices
	for _, r := range rows {
		if n := len(out); n == 0 || out[n-1].customerID != r.CustomerID {
			out = append(out, customerInvoices{customerID: r.CustomerID})
		}
		out[len(out)-1].invoices = append(out[len(out)-1].invoices, r.invoice(asOf))
	}
	return out
}

// courtesy makes the batch of the courtesy reminders due (in approve, as
// many batches as it takes to hold MaxBatchReminders each), in one
// transaction: every invoice is reminded at most once, whatever replicas
// or repeated sweeps do.
func (s *EmailService) courtesy(ctx context.Context, asOf time.Time, res *collections.RemindersResult) error {
	return s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		res.BatchID, res.Batches, res.Courtesy, res.Emails, res.Held = 0, 0, 0, 0, 0
		// One sweep at a time makes batches.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('owed_courtesy'))`); err != nil {
			return fmt.Errorf("lock courtesy reminders: %w", err)
		}
		var rows []openInvoiceRow
		if err := tx.SelectContext(ctx, &rows, courtesyCandidates, asOf, s.remindBefore); err != nil {
			return fmt.Errorf("courtesy reminders due: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		var batches []int64
		size := 0 // invoices in the last batch
		for _, g := range groupByCustomer(rows, asOf) {
			// In approve, a batch holds what one Review lists: a
			// customer's invoices that would not fit start the next one
			// (a customer's invoices stay together, for one email).
			if len(batches) == 0 || s.policy == collections.RemindersApprove && size > 0 && size+len(g.invoices) > collections.MaxBatchReminders {
				var id int64
				if err := tx.GetContext(ctx, &id, `INSERT INTO reminder_batches (policy, as_of, channel_id) VALUES ($1, $2, $3) RETURNING id`,
					string(s.policy), asOf, s.channel); err != nil {
					return fmt.Errorf("create courtesy batch: %w", err)
				}
				batches, size = append(batches, id), 0
			}
			batchID := batches[len(batches)-1]
			if s.policy == collections.RemindersApprove {
				for _, inv := range g.invoices {
					if err := addCourtesy(ctx, tx, inv, batchID, collections.CourtesyReady, 0, ""); err != nil {
						return err
					}
					res.Courtesy++
				}
				size += len(g.invoices)
				continue
			}
			sent, err := s.sendCourtesy(ctx, tx, g, batchID, asOf, collections.OwedActor)
			if err != nil {
				return err
			}
			if sent {
				res.Emails++
				res.Courtesy += len(g.invoices)
			} else {
				res.Held++
			}
		}
		if res.Courtesy == 0 {
			// Every customer was held back: nothing to say, and the
			// invoices stay unreminded for the next sweep.
			if _, err := tx.ExecContext(ctx, `DELETE FROM reminder_batches WHERE id = ANY ($1)`, pq.Array(batches)); err != nil {
				return fmt.Errorf("drop empty courtesy batch: %w", err)
			}
			return nil
		}
		res.BatchID, res.Batches = batches[0], len(batches)
		for _, id := range batches {
			if err := enqueueBatch(ctx, tx, id, 0); err != nil {
				return err
			}
		}
		return nil
	})
}

// addCourtesy records one invoice of a batch.
func addCourtesy(ctx context.Context, tx *sqlx.Tx, inv collections.OpenInvoice, batchID int64, status collections.CourtesyStatus, emailID int64, by string) error {
	var decided any
	if by != "" {
		decided = by
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO courtesy_reminders (invoice_id, customer_id, batch_id, status, email_id, decided_by) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (invoice_id) DO UPDATE SET status = excluded.status, email_id = excluded.email_id, decided_by = excluded.decided_by
		 WHERE courtesy_reminders.batch_id = excluded.batch_id`,
		inv.ID, inv.CustomerID, batchID, string(status), nullID(emailID), decided); err != nil {
		return fmt.Errorf("courtesy reminder of invoice %s: %w", inv.Number, err)
	}
	return nil
}

// liveCaseOf returns the customer's live case, locked, or nil.
func liveCaseOf(ctx context.Context, tx *sqlx.Tx, customerID int64) (*collections.Case, error) {
	var r caseRow
	err := tx.GetContext(ctx, &r, `SELECT `+caseColumns+` FROM cases WHERE customer_id = $1 AND `+liveCase+` FOR UPDATE`, customerID)
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("case of customer %d: %w", customerID, err)
	}
	c := r.domain()
	return &c, nil
}

// sendCourtesy queues one customer's courtesy email unless a hold keeps
// it back (auto and Send all send nothing without a second thought), and
// records its invoices; false when held.
func (s *EmailService) sendCourtesy(ctx context.Context, tx *sqlx.Tx, g customerInvoices, batchID int64, asOf time.Time, a collections.Actor) (bool, error) {
	cust, err := s.cases.ledger.FindCustomerByID(ctx, g.customerID)
	if err != nil {
		return false, err
	}
	c, err := liveCaseOf(ctx, tx, g.customerID)
	if err != nil {
		return false, err
	}
	rf, err := s.reminderFacts(ctx, tx, cust.Name, g.customerID, c)
	if err != nil {
		return false, err
	}
	if len(collections.ReminderHolds(rf)) > 0 {
		return false, nil
	}
	draft, err := s.composer.Compose(collections.TemplateCourtesy, cust, g.invoices, asOf, a.Name)
	if err != nil {
		return false, fmt.Errorf("compose courtesy reminder for customer %d: %w", g.customerID, err)
	}
	e := collections.Email{CustomerID: g.customerID, BatchID: batchID, Template: collections.TemplateCourtesy, To: cust.Email,
		Subject: draft.Subject, Text: draft.Text, HTML: draft.HTML, InvoiceIDs: invoiceIDs(g.invoices), SentBy: a.UserID,
		FromTemplate: true, SignedBy: a.Name}
	var caseID int64
	if c != nil {
		caseID = c.ID
		e.CaseID = c.ID
	}
	if err := s.insertEmail(ctx, tx, &e, cust); err != nil {
		return false, err
	}
	for _, inv := range g.invoices {
		if err := addCourtesy(ctx, tx, inv, batchID, collections.CourtesyQueued, e.ID, a.UserID); err != nil {
			return false, err
		}
	}
	// The batch's message tells it; a case's thread tells it too.
	details := collections.AuditDetails{EmailID: e.ID, To: e.To, Template: e.Template, Invoices: invoiceNumbers(g.invoices)}
	auditID, err := auditCustomer(ctx, tx, caseID, g.customerID, a.UserID, collections.AuditReminderEmailed, details)
	if err != nil {
		return false, err
	}
	if caseID != 0 {
		if err := enqueue(ctx, tx, collections.OutboxThread, caseID, 0, auditID); err != nil {
			return false, err
		}
	}
	return true, nil
}

// stageEmails emails, in auto, each live case alerted at a stage that has
// not had its email, under the same holds; a held one is tried again at
// the next sweep.
func (s *EmailService) stageEmails(ctx context.Context, asOf time.Time, res *collections.RemindersResult) error {
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, `
		SELECT c.id FROM cases c JOIN customers cu ON cu.id = c.customer_id
		 WHERE c.`+liveCase+` AND c.stage > 0 AND coalesce(cu.email, '') <> ''
		   AND NOT EXISTS (SELECT 1 FROM emails e WHERE e.case_id = c.id AND e.stage = c.stage)
		 ORDER BY c.id`); err != nil {
		return fmt.Errorf("cases to email: %w", err)
	}
	for _, id := range ids {
		v, err := s.cases.FindCaseView(ctx, id, asOf)
		if err != nil {
			return err
		}
		if len(v.Invoices) == 0 {
			continue
		}
		err = s.db.Transact(ctx, func(tx *sqlx.Tx) error {
			c, err := lockCase(ctx, tx, id)
			if err != nil {
				return err
			}
			if c.Status.Terminal() || c.Stage != v.Case.Stage {
				return nil // changed meanwhile: the next sweep looks again
			}
			rf, err := s.reminderFacts(ctx, tx, v.Customer.Name, c.CustomerID, &c)
			if err != nil {
				return err
			}
			if stageEmailHeld(c, rf, v.Customer.Name) != "" {
				return nil
			}
			tmpl := collections.TemplateFor(v)
			draft, err := s.composer.Compose(tmpl, v.Customer, v.Invoices, asOf, "")
			if err != nil {
				return fmt.Errorf("compose %s for case %d: %w", tmpl, id, err)
			}
			e := collections.Email{CustomerID: c.CustomerID, CaseID: c.ID, Stage: c.Stage, Template: tmpl, To: v.Customer.Email,
				Subject: draft.Subject, Text: draft.Text, HTML: draft.HTML, InvoiceIDs: invoiceIDs(v.Invoices), SentBy: collections.SystemActor,
				FromTemplate: true}
			if err := s.insertEmail(ctx, tx, &e, v.Customer); err != nil {
				return err
			}
			res.StageMail++
			return s.tellQueued(ctx, tx, e, c.ID, 0, invoiceNumbers(v.Invoices), nil)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// --- dry run ---

// PlanReminders says what SweepReminders would do after a sweep that
// raised alerts, writing nothing: in auto, the stage emails (of the live
// cases, at the stage the alerts bring them to, and of the cases the
// alerts open), then the courtesy reminders, under the same holds; in
// approve, the courtesy reminders it would make ready.
func (s *EmailService) PlanReminders(ctx context.Context, asOf time.Time, alerts []collections.SweepAlert) ([]collections.PlannedReminder, error) {
	if s.policy == collections.RemindersOff || s.composer == nil {
		return nil, nil
	}
	var plan []collections.PlannedReminder
	emailed := map[int64]bool{} // customers a planned stage email reaches
	if s.policy == collections.RemindersAuto {
		var err error
		if plan, err = s.planStageEmails(ctx, asOf, alerts); err != nil {
			return nil, err
		}
		for _, p := range plan {
			if p.HeldBack == "" {
				emailed[p.Customer.ID] = true
			}
		}
	}
	var rows []openInvoiceRow
	if err := s.db.SelectContext(ctx, &rows, courtesyCandidates, asOf, s.remindBefore); err != nil {
		return nil, fmt.Errorf("courtesy reminders due: %w", err)
	}
	for _, g := range groupByCustomer(rows, asOf) {
		cust, err := s.cases.ledger.FindCustomerByID(ctx, g.customerID)
		if err != nil {
			return nil, err
		}
		p := collections.PlannedReminder{Customer: cust, Template: collections.TemplateCourtesy, To: cust.Email,
			Invoices: invoiceNumbers(g.invoices), Ready: s.policy == collections.RemindersApprove}
		if s.policy == collections.RemindersAuto {
			if p.HeldBack, err = s.courtesyHeldBack(ctx, cust, emailed[cust.ID]); err != nil {
				return nil, err
			}
		}
		plan = append(plan, p)
	}
	return plan, nil
}

// planStageEmails says which stage emails stageEmails would queue after
// a sweep that raised alerts, and which it would hold back.
func (s *EmailService) planStageEmails(ctx context.Context, asOf time.Time, alerts []collections.SweepAlert) ([]collections.PlannedReminder, error) {
	alerted := map[int64]collections.SweepAlert{}
	for _, a := range alerts {
		alerted[a.Customer.ID] = a
	}
	var plan []collections.PlannedReminder
	var cases []struct {
		ID         int64 `db:"id"`
		CustomerID int64 `db:"customer_id"`
		Stage      int   `db:"stage"`
	}
	if err := s.db.SelectContext(ctx, &cases, `
		SELECT c.id, c.customer_id, c.stage FROM cases c JOIN customers cu ON cu.id = c.customer_id
		 WHERE c.`+liveCase+` AND coalesce(cu.email, '') <> '' ORDER BY c.id`); err != nil {
		return nil, fmt.Errorf("cases to email: %w", err)
	}
	for _, c := range cases {
		a, ok := alerted[c.CustomerID]
		stage := c.Stage
		if ok && a.Stage > 0 {
			stage = a.Stage
		}
		if stage == 0 {
			continue
		}
		var emailed bool
		if err := s.db.GetContext(ctx, &emailed, `SELECT EXISTS (SELECT 1 FROM emails WHERE case_id = $1 AND stage = $2)`, c.ID, stage); err != nil {
			return nil, fmt.Errorf("emails of case %d: %w", c.ID, err)
		}
		if emailed {
			continue
		}
		v, err := s.cases.FindCaseView(ctx, c.ID, asOf)
		if err != nil {
			return nil, err
		}
		if ok && a.Why == collections.DecideSnoozeEnded {
			v.Case.Status = collections.CaseOpen // the sweep ends the snooze first
		}
		p, err := s.planStageEmail(ctx, v, stage)
		if err != nil {
			return nil, err
		}
		if p != nil {
			plan = append(plan, *p)
		}
	}
	for _, a := range alerts {
		if a.Why != collections.DecideNewCase {
			continue
		}
		sum, err := s.cases.ledger.CustomerSummary(ctx, a.Customer.ID, asOf)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(sum.Customer.Email) == "" {
			continue
		}
		v := collections.CaseView{AsOf: asOf, Case: collections.Case{CustomerID: a.Customer.ID, Status: collections.CaseOpen, Stage: a.Stage},
			Customer: sum.Customer}
		for _, inv := range sum.Invoices {
			if !inv.Disputed && inv.DaysOverdue > 0 {
				v.Invoices = append(v.Invoices, inv)
				v.OldestDays = max(v.OldestDays, inv.DaysOverdue)
			}
		}
		p, err := s.planStageEmail(ctx, v, a.Stage)
		if err != nil {
			return nil, err
		}
		if p != nil {
			plan = append(plan, *p)
		}
	}
	return plan, nil
}

// planStageEmail is the stage email of a case as stageEmails decides it:
// nil when there is nothing overdue to speak of.
func (s *EmailService) planStageEmail(ctx context.Context, v collections.CaseView, stage int) (*collections.PlannedReminder, error) {
	if len(v.Invoices) == 0 {
		return nil, nil
	}
	c := v.Case
	rf, err := s.reminderFacts(ctx, s.db, v.Customer.Name, c.CustomerID, &c)
	if err != nil {
		return nil, err
	}
	return &collections.PlannedReminder{Customer: v.Customer, Template: collections.TemplateFor(v), To: v.Customer.Email,
		Invoices: invoiceNumbers(v.Invoices), Stage: stage, HeldBack: stageEmailHeld(c, rf, v.Customer.Name)}, nil
}

// stageEmailHeld says why a case's stage email is held back, in words, or
// "" when it goes: a reminder hold (ReminderHolds), or a quiet case.
func stageEmailHeld(c collections.Case, rf collections.ReminderFacts, customer string) string {
	if holds := collections.ReminderHolds(rf); len(holds) > 0 {
		return holds[0].Words(customer, collections.DateIn(rf.Now, rf.Location))
	}
	if c.Status.Quiet() {
		return "The case is " + c.Describe() + "."
	}
	return ""
}

// courtesyHeldBack says why auto would hold back a customer's courtesy
// email, or "": a stage email planned for the customer comes first.
func (s *EmailService) courtesyHeldBack(ctx context.Context, cust collections.Customer, stageEmailed bool) (string, error) {
	if stageEmailed && s.gapDays > 0 {
		return fmt.Sprintf("Its stage email goes first; the contact gap is %d days.", s.gapDays), nil
	}
	var c *collections.Case
	live, err := s.cases.FindOpenCaseByCustomer(ctx, cust.ID)
	switch {
	case collections.ErrorCode(err) == collections.ENOTFOUND:
	case err != nil:
		return "", err
	default:
		c = &live
	}
	rf, err := s.reminderFacts(ctx, s.db, cust.Name, cust.ID, c)
	if err != nil {
		return "", err
	}
	if holds := collections.ReminderHolds(rf); len(holds) > 0 {
		return holds[0].Words(cust.Name, collections.DateIn(rf.Now, rf.Location)), nil
	}
	return "", nil
}

// --- batches ---

type courtesyRow struct {
	InvoiceID  int64          `db:"invoice_id"`
	Number     string         `db:"number"`
	Currency   string         `db:"currency"`
	Balance    int64          `db:"balance_minor"`
	DueOn      time.Time      `db:"due_on"`
	Status     string         `db:"status"`
	DecidedBy  sql.NullString `db:"decided_by"`
	EmailID    sql.NullInt64  `db:"email_id"`
	EmailState sql.NullString `db:"email_status"`
	customerRow
}

// FindBatch returns a batch of courtesy reminders with its invoices.
func (s *EmailService) FindBatch(ctx context.Context, id int64) (collections.ReminderBatch, error) {
	b, err := findBatch(ctx, s.db, id, false)
	if err != nil || b.SentAt == nil {
		return b, err
	}
	// Left out at Send all by owed, due before the day it was pressed and
	// still owed: it had fallen due (else it had been paid).
	sentOn := collections.DateIn(*b.SentAt, s.location)
	for i, it := range b.Items {
		b.Items[i].FellDue = it.Status == collections.CourtesySkipped && it.DecidedBy == collections.SystemActor &&
			it.DueOn.Before(sentOn) && it.Balance.Minor > 0
	}
	return b, nil
}

func findBatch(ctx context.Context, q sqlx.QueryerContext, id int64, lock bool) (collections.ReminderBatch, error) {
	var b struct {
		ID        int64          `db:"id"`
		Policy    string         `db:"policy"`
		AsOf      time.Time      `db:"as_of"`
		ChannelID string         `db:"channel_id"`
		MessageTS sql.NullString `db:"message_ts"`
		SentBy    sql.NullString `db:"sent_by"`
		SentAt    sql.NullTime   `db:"sent_at"`
	}
	query := `SELECT id, policy, as_of, channel_id, message_ts, sent_by, sent_at FROM reminder_batches WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	err := sqlx.GetContext(ctx, q, &b, query, id)
	if noRows(err) {
		return collections.ReminderBatch{}, collections.Errorf(collections.ENOTFOUND, "Those courtesy reminders no longer exist.")
	}
	if err != nil {
		return collections.ReminderBatch{}, fmt.Errorf("find courtesy batch %d: %w", id, err)
	}
	out := collections.ReminderBatch{ID: b.ID, Policy: collections.ReminderPolicy(b.Policy), AsOf: b.AsOf, ChannelID: b.ChannelID,
		MessageTS: b.MessageTS.String, SentBy: b.SentBy.String}
	if b.SentAt.Valid {
		t := b.SentAt.Time
		out.SentAt = &t
	}
	var rows []courtesyRow
	if err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT r.invoice_id, i.number, i.currency, i.amount_minor - i.paid_minor AS balance_minor, i.due_on, r.status, r.decided_by,
		       r.email_id, e.status AS email_status, c.`+customerColumnsPrefixed+`, 0::float8 AS similarity
		  FROM courtesy_reminders r JOIN invoices i ON i.id = r.invoice_id JOIN customers c ON c.id = r.customer_id
		  LEFT JOIN emails e ON e.id = r.email_id
		 WHERE r.batch_id = $1 ORDER BY c.name, i.due_on, i.number`, id); err != nil {
		return out, fmt.Errorf("courtesy reminders of batch %d: %w", id, err)
	}
	for _, r := range rows {
		out.Items = append(out.Items, collections.CourtesyItem{InvoiceID: r.InvoiceID, Invoice: r.Number, Customer: r.customer(),
			Balance: collections.Money{Minor: r.Balance, Currency: r.Currency}, DueOn: r.DueOn, Status: collections.CourtesyStatus(r.Status),
			DecidedBy: r.DecidedBy.String, EmailID: r.EmailID.Int64, EmailState: collections.EmailStatus(r.EmailState.String)})
	}
	return out, nil
}

const customerColumnsPrefixed = `id, c.name, c.ref, c.email, c.phone, c.timezone, c.owner_slack_id, c.credit_limit_minor, c.credit_currency, c.tier`

// SendBatch queues the ready courtesy reminders of a batch, one email per
// customer; a customer with a hold is held back. An invoice that fell due
// or was paid since the batch was made is left out (a customer left with
// none gets no email). Pressing it again changes nothing.
func (s *EmailService) SendBatch(ctx context.Context, a collections.Actor, batchID int64) (collections.ReminderBatch, error) {
	if s.composer == nil {
		return collections.ReminderBatch{}, errEmailOff
	}
	asOf := s.cases.today()
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		b, err := findBatch(ctx, tx, batchID, true)
		if err != nil {
			return err
		}
		if b.SentAt != nil {
			return nil // sent already
		}
		var rows []openInvoiceRow
		if err := tx.SelectContext(ctx, &rows, `
			SELECT i.id, i.number, i.customer_id, i.currency, i.amount_minor, i.amount_minor - i.paid_minor AS balance_minor,
			       i.issued_on, i.due_on, coalesce(i.payment_url, '') AS payment_url
			  FROM courtesy_reminders r JOIN invoices i ON i.id = r.invoice_id
			 WHERE r.batch_id = $1 AND r.status = 'ready' AND i.paid_minor < i.amount_minor AND i.due_on >= $2
			 ORDER BY i.customer_id, i.due_on, i.number`, batchID, asOf); err != nil {
			return fmt.Errorf("ready courtesy reminders of batch %d: %w", batchID, err)
		}
		for _, g := range groupByCustomer(rows, asOf) {
			sent, err := s.sendCourtesy(ctx, tx, g, batchID, asOf, a)
			if err != nil {
				return err
			}
			if !sent {
				for _, inv := range g.invoices {
					if err := addCourtesy(ctx, tx, inv, batchID, collections.CourtesyHeld, 0, a.UserID); err != nil {
						return err
					}
				}
			}
		}
		// Paid, or fallen due, since the batch was made: a courtesy
		// email no longer fits. FindBatch tells which fell due.
		if _, err := tx.ExecContext(ctx, `UPDATE courtesy_reminders SET status = 'skipped', decided_by = $2 WHERE batch_id = $1 AND status = 'ready'`,
			batchID, collections.SystemActor); err != nil {
			return fmt.Errorf("close batch %d: %w", batchID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reminder_batches SET sent_by = $2, sent_at = $3 WHERE id = $1`, batchID, a.UserID, s.now()); err != nil {
			return fmt.Errorf("send batch %d: %w", batchID, err)
		}
		return enqueueBatch(ctx, tx, batchID, 0)
	})
	if err != nil {
		return collections.ReminderBatch{}, err
	}
	return s.FindBatch(ctx, batchID)
}

// SkipCourtesy skips one ready courtesy reminder of a batch not yet sent.
func (s *EmailService) SkipCourtesy(ctx context.Context, a collections.Actor, batchID, invoiceID int64) (collections.ReminderBatch, error) {
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		b, err := findBatch(ctx, tx, batchID, true)
		if err != nil {
			return err
		}
		if b.SentAt != nil {
			return collections.Errorf(collections.ECONFLICT, "These courtesy reminders were already sent by <@%s>.", b.SentBy)
		}
		res, err := tx.ExecContext(ctx, `UPDATE courtesy_reminders SET status = 'skipped', decided_by = $3
			WHERE batch_id = $1 AND invoice_id = $2 AND status = 'ready'`, batchID, invoiceID, a.UserID)
		if err != nil {
			return fmt.Errorf("skip courtesy reminder: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // skipped already
		}
		return enqueueBatch(ctx, tx, batchID, 0)
	})
	if err != nil {
		return collections.ReminderBatch{}, err
	}
	return s.FindBatch(ctx, batchID)
}

// SetBatchMessage records the channel message of a batch.
func (s *EmailService) SetBatchMessage(ctx context.Context, batchID int64, m collections.MessageRef) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE reminder_batches SET channel_id = $2, message_ts = $3 WHERE id = $1`, batchID, m.ChannelID, m.TS); err != nil {
		return fmt.Errorf("record message of batch %d: %w", batchID, err)
	}
	return nil
}
