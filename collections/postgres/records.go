package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/owedhq/owed/collections"
)

// LogContact records a contact, and its follow-up or promise.
func (s *CaseService) LogContact(ctx context.Context, a collections.Actor, caseID int64, ct collections.Contact, promise *collections.PromiseInput) (collections.Case, error) {
	ct.Notes = strings.TrimSpace(ct.Notes)
	if problems := ct.Validate(s.today()); len(problems) > 0 {
		return collections.Case{}, firstProblem(problems, "channel", "outcome", "notes", "follow_up")
	}
	if promise != nil && ct.FollowUp != nil {
		return collections.Case{}, collections.Errorf(collections.EINVALID, "A promise keeps the case quiet until its date: leave the follow-up date empty.")
	}
	action := collections.ActLogContact
	if ct.FollowUp != nil {
		action = collections.ActFollowUp
	}
	var c collections.Case
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		if first, err := firstForm(ctx, tx, a); err != nil || !first {
			return err
		}
		var until *time.Time
		if ct.FollowUp != nil {
			until = &ct.FollowUp.Time
		}
		var d collections.Decision
		var err error
		c, d, err = s.act(ctx, tx, caseID, action, a, nil, until)
		if err != nil || d.Repeat {
			return err
		}
		var followUp any
		if until != nil {
			followUp = *until
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contacts (case_id, customer_id, channel, outcome, notes, follow_up_on, logged_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.ID, c.CustomerID, string(ct.Channel), string(ct.Outcome), ct.Notes, followUp, a.UserID); err != nil {
			return fmt.Errorf("log contact on case %d: %w", c.ID, err)
		}
		if err := logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, collections.AuditContactLogged, collections.AuditDetails{Contact: &ct}); err != nil {
			return err
		}
		if promise != nil {
			c, err = s.promise(ctx, tx, a, c.ID, *promise)
		}
		return err
	})
	return c, err
}

// firstForm records, in the action's transaction, that the form a.Form
// was acted on, and reports whether it is the first time (always true
// for an action that names no form). A submission of the same form
// running meanwhile waits for this transaction, and then sees it.
func firstForm(ctx context.Context, tx *sqlx.Tx, a collections.Actor) (bool, error) {
	if a.Form == "" {
		return true, nil
	}
	return firstDelivery(ctx, tx, "view:"+a.Form)
}

// firstProblem returns the first of a form's problems, in field order, as
// an EINVALID error.
func firstProblem(problems map[string]string, order ...string) error {
	for _, k := range order {
		if msg, ok := problems[k]; ok {
			return collections.Errorf(collections.EINVALID, "%s", msg)
		}
	}
	for _, msg := range problems {
		return collections.Errorf(collections.EINVALID, "%s", msg)
	}
	return nil
}

// Promise records a promise to pay.
func (s *CaseService) Promise(ctx context.Context, a collections.Actor, caseID int64, p collections.PromiseInput) (collections.Case, error) {
	var c collections.Case
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		if first, err := firstForm(ctx, tx, a); err != nil || !first {
			return err
		}
		var err error
		c, err = s.promise(ctx, tx, a, caseID, p)
		return err
	})
	return c, err
}

func (s *CaseService) promise(ctx context.Context, tx *sqlx.Tx, a collections.Actor, caseID int64, p collections.PromiseInput) (collections.Case, error) {
	today := s.today()
	c, err := lockCase(ctx, tx, caseID)
	if err != nil {
		return c, err
	}
	f, err := s.facts(ctx, tx, c, nil)
	if err != nil {
		return c, err
	}
	if problems := collections.ValidatePromise(p.Amount, p.DueOn, today, f.Overdue); len(problems) > 0 {
		return c, firstProblem(problems, "amount", "date")
	}
	d, err := collections.Decide(f, collections.ActPromise, a)
	if err != nil {
		return c, err
	}
	if c, err = writeStatus(ctx, tx, c.ID, d.To, collections.ActPromise, a.UserID, nil); err != nil {
		return c, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE promises SET status = 'replaced', decided_at = now() WHERE case_id = $1 AND status = 'open'`, c.ID); err != nil {
		return c, fmt.Errorf("replace promise of case %d: %w", c.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO promises (case_id, currency, amount_minor, due_on, made_by, made_on) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.ID, p.Amount.Currency, p.Amount.Minor, p.DueOn, a.UserID, today); err != nil {
		return c, fmt.Errorf("promise on case %d: %w", c.ID, err)
	}
	amount := p.Amount
	return c, logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, collections.AuditPromised,
		collections.AuditDetails{Promised: &amount, PromisedBy: collections.DateOf(p.DueOn)})
}

// Dispute puts overdue invoices in dispute.
func (s *CaseService) Dispute(ctx context.Context, a collections.Actor, caseID int64, in collections.DisputeInput) (collections.Case, error) {
	in.Note = strings.TrimSpace(in.Note)
	switch {
	case len(in.InvoiceIDs) == 0:
		return collections.Case{}, collections.Errorf(collections.EINVALID, "Pick the invoices in dispute.")
	case !in.Reason.Valid():
		return collections.Case{}, collections.Errorf(collections.EINVALID, "Choose why the customer disputes them.")
	case len([]rune(in.Note)) > collections.MaxNoteRunes:
		return collections.Case{}, collections.Errorf(collections.EINVALID, "Keep the note under 2000 characters.")
	}
	var c collections.Case
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var d collections.Decision
		var err error
		c, d, err = s.act(ctx, tx, caseID, collections.ActDispute, a, nil, nil)
		if err != nil || d.Repeat {
			return err
		}
		// Only the customer's overdue invoices that are not in dispute yet.
		var numbers []string
		err = tx.SelectContext(ctx, &numbers, `
			INSERT INTO disputes (invoice_id, case_id, reason, note, opened_by)
			SELECT i.id, $2, $3, $4, $5 FROM invoices i
			 WHERE i.id = ANY($1) AND i.customer_id = $6 AND i.due_on < $7 AND i.paid_minor < i.amount_minor AND NOT `+inDispute+`
			RETURNING (SELECT number FROM invoices WHERE id = invoice_id)`,
			pq.Array(in.InvoiceIDs), c.ID, string(in.Reason), in.Note, a.UserID, c.CustomerID, s.today())
		if err != nil {
			return fmt.Errorf("dispute invoices of case %d: %w", c.ID, err)
		}
		if len(numbers) != len(in.InvoiceIDs) {
			return collections.Errorf(collections.ECONFLICT, "Some of those invoices are no longer overdue or are in dispute already; pick again.")
		}
		if err := s.showOverdueNow(ctx, tx, c.ID, c.CustomerID); err != nil {
			return err
		}
		return logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, collections.AuditDisputed,
			collections.AuditDetails{Invoices: numbers, DisputeReason: in.Reason, Reason: in.Note})
	})
	return c, err
}

// ResolveDispute ends disputes of the case customer's invoices.
func (s *CaseService) ResolveDispute(ctx context.Context, a collections.Actor, caseID int64, invoiceIDs []int64, how collections.DisputeResolution) (collections.Case, error) {
	if how != collections.ResolvePay && how != collections.ResolveCredit {
		return collections.Case{}, collections.Errorf(collections.EINVALID, "Choose how the dispute ends.")
	}
	if len(invoiceIDs) == 0 {
		return collections.Case{}, collections.Errorf(collections.EINVALID, "Pick the invoices whose dispute ends.")
	}
	var c collections.Case
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var d collections.Decision
		var err error
		c, d, err = s.act(ctx, tx, caseID, collections.ActResolveDispute, a, nil, nil)
		if err != nil || d.Repeat {
			return err
		}
		var numbers []string
		err = tx.SelectContext(ctx, &numbers, `
			UPDATE disputes d SET resolution = $2, resolved_by = $3, resolved_at = now(),
			       amount_at_resolve = i.amount_minor, paid_at_resolve = i.paid_minor
			  FROM invoices i
			 WHERE i.id = d.invoice_id AND d.resolved_at IS NULL AND d.invoice_id = ANY($1) AND i.customer_id = $4
			RETURNING i.number`, pq.Array(invoiceIDs), string(how), a.UserID, c.CustomerID)
		if err != nil {
			return fmt.Errorf("resolve disputes of case %d: %w", c.ID, err)
		}
		if len(numbers) == 0 {
			return collections.Errorf(collections.ECONFLICT, "Those invoices are not in dispute any more.")
		}
		if err := s.showOverdueNow(ctx, tx, c.ID, c.CustomerID); err != nil {
			return err
		}
		return logAndShow(ctx, tx, c.ID, c.CustomerID, a.UserID, collections.AuditDisputeResolved,
			collections.AuditDetails{Invoices: numbers, Resolution: how})
	})
	return c, err
}

type promiseRow struct {
	ID       int64     `db:"id"`
	CaseID   int64     `db:"case_id"`
	Currency string    `db:"currency"`
	Amount   int64     `db:"amount_minor"`
	DueOn    time.Time `db:"due_on"`
	MadeBy   string    `db:"made_by"`
	MadeOn   time.Time `db:"made_on"`
	Status   string    `db:"status"`
}

const promiseColumns = `id, case_id, currency, amount_minor, due_on, made_by, made_on, status`

// promisePaidQuery sums the payments towards a promise: in its currency,
// on the customer's invoices overdue when it was made (what was promised),
// dated from the day it was made up to $4. A payment of an invoice not
// yet due keeps no promise.
const promisePaidQuery = `
SELECT coalesce(sum(p.amount_minor), 0)
  FROM payments p JOIN invoices i ON i.id = p.invoice_id
 WHERE i.customer_id = $1 AND i.currency = $2 AND p.paid_on >= $3 AND p.paid_on <= $4 AND i.due_on < $3`

// loadPromise fills in what was paid towards a promise as of asOf: the
// payments dated by its date plus graceDays count, later ones do not (a
// payment after the deadline does not keep a promise already broken).
func loadPromise(ctx context.Context, q sqlx.QueryerContext, r promiseRow, customerID int64, asOf time.Time, graceDays int) (*collections.Promise, error) {
	p := &collections.Promise{ID: r.ID, CaseID: r.CaseID, Amount: collections.Money{Minor: r.Amount, Currency: r.Currency},
		DueOn: r.DueOn, MadeBy: r.MadeBy, MadeOn: r.MadeOn, Status: collections.PromiseStatus(r.Status)}
	until := asOf
	if deadline := r.DueOn.AddDate(0, 0, graceDays); deadline.Before(until) {
		until = deadline
	}
	if err := sqlx.GetContext(ctx, q, &p.Paid, promisePaidQuery, customerID, r.Currency, r.MadeOn, until); err != nil {
		return nil, fmt.Errorf("payments towards promise %d: %w", r.ID, err)
	}
	return p, nil
}

// promiseShown is the SQL condition of a promise an alert may show.
const promiseShown = `status <> 'replaced'`

// latestPromise returns the case's open promise, else its latest, else nil.
func (s *CaseService) latestPromise(ctx context.Context, q sqlx.QueryerContext, c collections.Case, asOf time.Time) (*collections.Promise, error) {
	var r promiseRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+promiseColumns+` FROM promises WHERE case_id = $1 AND `+promiseShown+`
		ORDER BY status = 'open' DESC, id DESC LIMIT 1`, c.ID)
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("promise of case %d: %w", c.ID, err)
	}
	return loadPromise(ctx, q, r, c.CustomerID, asOf, s.promiseGraceDays)
}

// checkPromises keeps the open promises whose payments reached the amount
// and breaks those past their date plus grace, as the lifecycle decides:
// both reopen the case; a broken one brings the alert back to its owner.
func (s *CaseService) checkPromises(ctx context.Context, pay paymentsToTell, res *collections.SweepResult) error {
	asOf := pay.live
	var rows []struct {
		promiseRow
		CustomerID int64 `db:"customer_id_of_case"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT p.id, p.case_id, p.currency, p.amount_minor, p.due_on, p.made_by, p.made_on, p.status,
		c.customer_id AS customer_id_of_case FROM promises p JOIN cases c ON c.id = p.case_id WHERE p.status = 'open'`); err != nil {
		return fmt.Errorf("open promises: %w", err)
	}
	for _, r := range rows {
		p, err := loadPromise(ctx, s.db, r.promiseRow, r.CustomerID, asOf, s.promiseGraceDays)
		if err != nil {
			return err
		}
		status := collections.CheckPromise(*p, asOf, s.promiseGraceDays)
		if status == collections.PromiseOpen {
			continue
		}
		action, auditAction := collections.ActKeepPromise, collections.AuditPromiseKept
		if status == collections.PromiseBroken {
			action, auditAction = collections.ActBreakPromise, collections.AuditPromiseBroken
		}
		done := false
		err = s.db.Transact(ctx, func(tx *sqlx.Tx) error {
			done = false
			cr, err := lockCaseRow(ctx, tx, p.CaseID)
			if err != nil {
				return err
			}
			c := cr.domain()
			if _, ok := collections.TransitionFor(c.Status, action); !ok {
				// The case ended (or moved on) without the promise: it is
				// moot, not kept or broken.
				_, err := tx.ExecContext(ctx, `UPDATE promises SET status = 'replaced', decided_at = now() WHERE id = $1 AND status = 'open'`, p.ID)
				return err
			}
			res, err := tx.ExecContext(ctx, `UPDATE promises SET status = $2, decided_at = now() WHERE id = $1 AND status = 'open'`, p.ID, string(status))
			if err != nil {
				return fmt.Errorf("update promise %d: %w", p.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another replica did it
			}
			owner, err := customerOwner(ctx, tx, c.CustomerID)
			if err != nil {
				return err
			}
			if status == collections.PromiseKept {
				if err := s.tellPaymentsFirst(ctx, tx, cr, pay); err != nil {
					return err
				}
			}
			amount := p.Amount
			done = true
			return owedActs(ctx, tx, c, action, auditAction, collections.AuditDetails{
				Promised: &amount, PromisedBy: collections.DateOf(p.DueOn),
				Paid: []collections.Money{{Minor: p.Paid, Currency: p.Amount.Currency}}, Owner: owner})
		})
		if err != nil {
			return err
		}
		switch {
		case !done:
		case status == collections.PromiseKept:
			res.PromisesKept++
		default:
			res.PromisesBroken++
		}
	}
	return nil
}

// customerOwner returns the Slack user ID of the customer's owner, or "".
func customerOwner(ctx context.Context, tx *sqlx.Tx, customerID int64) (string, error) {
	var owner string
	if err := tx.GetContext(ctx, &owner, `SELECT coalesce(owner_slack_id, '') FROM customers WHERE id = $1`, customerID); err != nil {
		return "", fmt.Errorf("owner of customer %d: %w", customerID, err)
	}
	return owner, nil
}
