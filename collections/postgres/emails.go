package postgres

import (
	"context"
	"database/sql"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/owedhq/owed/collections"
)

// EmailsChannel is notified by the transaction that queues an email.
const EmailsChannel = "owed_emails"

// EmailService keeps and queues the emails to customers in Postgres. It
// implements collections.EmailService. The reminder rules are the
// domain's (collections.DecideReminder, ReminderHolds); the service
// gathers their facts under the case's lock and writes what they decided.
type EmailService struct {
	db           *DB
	cases        *CaseService
	composer     collections.EmailComposer
	policy       collections.ReminderPolicy
	remindBefore int
	gapDays      int
	window       collections.SendWindow
	location     *time.Location
	channel      string
	now          func() time.Time
}

// EmailConfig configures an EmailService.
type EmailConfig struct {
	// Composer writes emails from the templates; nil: email is off.
	Composer     collections.EmailComposer
	Policy       collections.ReminderPolicy // default approve
	RemindBefore int                        // days before the due date of a courtesy reminder
	GapDays      int                        // fewest days between two emails to one customer
	Window       collections.SendWindow
	Location     *time.Location // the business time zone (default UTC)
	Channel      string         // where batches of courtesy reminders are posted
	Now          func() time.Time
}

// NewEmailService returns an EmailService on db, beside the case service.
func NewEmailService(db *DB, cases *CaseService, cfg EmailConfig) *EmailService {
	if cfg.Policy == "" {
		cfg.Policy = collections.RemindersApprove
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Channel == "" {
		cfg.Channel = cases.channel
	}
	return &EmailService{db: db, cases: cases, composer: cfg.Composer, policy: cfg.Policy, remindBefore: cfg.RemindBefore,
		gapDays: cfg.GapDays, window: cfg.Window, location: cfg.Location, channel: cfg.Channel, now: cfg.Now}
}

var _ collections.EmailService = (*EmailService)(nil)

// errEmailOff refuses to queue an email when no SMTP server is set up.
var errEmailOff = collections.Errorf(collections.EINVALID, "Email is off: set OWED_SMTP_URL and OWED_MAIL_FROM to send reminders.")

type emailRow struct {
	ID         int64         `db:"id"`
	CustomerID int64         `db:"customer_id"`
	CaseID     sql.NullInt64 `db:"case_id"`
	BatchID    sql.NullInt64 `db:"batch_id"`
	Stage      sql.NullInt64 `db:"stage"`
	Template   string        `db:"template"`
	MessageID  string        `db:"message_id"`
	From       string        `db:"from_addr"`
	To         string        `db:"to_addr"`
	Bcc        string        `db:"bcc_addr"`
	Subject    string        `db:"subject"`
	Text       string        `db:"body_text"`
	HTML       string        `db:"body_html"`
	InvoiceIDs pq.Int64Array `db:"invoice_ids"`
	SentBy     string        `db:"sent_by"`
	SendAnyway bool          `db:"send_anyway"`
	// FromTemplate and SignedBy: written by its template, untouched, and
	// signed by whom.
	FromTemplate bool           `db:"from_template"`
	SignedBy     string         `db:"signed_by"`
	Status       string         `db:"status"`
	Attempts     int            `db:"attempts"`
	NotBefore    time.Time      `db:"not_before"`
	QueuedAt     time.Time      `db:"queued_at"`
	SentAt       sql.NullTime   `db:"sent_at"`
	FailedAt     sql.NullTime   `db:"failed_at"`
	Answer       sql.NullString `db:"answer"`
	// WithdrawnAt and Withdrawal: when and why it was withdrawn.
	WithdrawnAt sql.NullTime   `db:"withdrawn_at"`
	Withdrawal  sql.NullString `db:"withdrawn_reason"`
}

const emailColumns = `id, customer_id, case_id, batch_id, stage, template, message_id, from_addr, to_addr, bcc_addr, subject,
	body_text, body_html, invoice_ids, sent_by, send_anyway, status, attempts, not_before, queued_at, sent_at, failed_at, answer,
	withdrawn_at, withdrawn_reason, from_template, signed_by`

func (r emailRow) domain() collections.Email {
	e := collections.Email{ID: r.ID, CustomerID: r.CustomerID, CaseID: r.CaseID.Int64, BatchID: r.BatchID.Int64, Stage: int(r.Stage.Int64),
		Template: r.Template, MessageID: r.MessageID, From: r.From, To: r.To, Bcc: r.Bcc, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		InvoiceIDs: []int64(r.InvoiceIDs), SentBy: r.SentBy, SendAnyway: r.SendAnyway,
		FromTemplate: r.FromTemplate, SignedBy: r.SignedBy, Status: collections.EmailStatus(r.Status),
		Attempts: r.Attempts, NotBefore: r.NotBefore, QueuedAt: r.QueuedAt, Answer: r.Answer.String,
		Withdrawal: collections.Withdrawal(r.Withdrawal.String)}
	if r.SentAt.Valid {
		t := r.SentAt.Time
		e.SentAt = &t
	}
	if r.FailedAt.Valid {
		t := r.FailedAt.Time
		e.FailedAt = &t
	}
	if r.WithdrawnAt.Valid {
		t := r.WithdrawnAt.Time
		e.WithdrawnAt = &t
	}
	return e
}

// reminderFacts gathers what the reminder rules look at for a customer
// and its live case (nil for none).
func (s *EmailService) reminderFacts(ctx context.Context, q sqlx.QueryerContext, customer string, customerID int64, c *collections.Case) (collections.ReminderFacts, error) {
	rf := collections.ReminderFacts{Customer: customer, Case: c, GapDays: s.gapDays, Now: s.now(), Location: s.location}
	// The gap counts from when an email reached the customer: a sent one
	// when it left, a queued one when it may leave at the earliest (an
	// email held for Monday's send window reaches them on Monday).
	var last struct {
		At      sql.NullTime `db:"at"`
		Waiting bool         `db:"waiting"`
	}
	if err := sqlx.GetContext(ctx, q, &last, `SELECT max(CASE status WHEN 'sent' THEN sent_at ELSE greatest(not_before, $2) END) AS at,
		coalesce(bool_or(status = 'queued' AND not_before > $2), false) AS waiting
		FROM emails WHERE customer_id = $1 AND status IN ('queued', 'sent')`, customerID, rf.Now); err != nil {
		return rf, fmt.Errorf("last email to customer %d: %w", customerID, err)
	}
	if last.At.Valid {
		t := last.At.Time
		rf.LastEmail = &t
		rf.LastEmailWaiting = last.Waiting
	}
	if c != nil {
		var err error
		if rf.Escalation, err = latestEscalation(ctx, q, c.ID); err != nil {
			return rf, err
		}
		var due sql.NullTime
		if err := sqlx.GetContext(ctx, q, &due, `SELECT max(due_on) FROM promises WHERE case_id = $1 AND status = 'open'`, c.ID); err != nil {
			return rf, fmt.Errorf("promise of case %d: %w", c.ID, err)
		}
		if due.Valid {
			rf.PromisedBy = &due.Time
		}
	}
	return rf, nil
}

// ReminderFacts returns what the reminder rules look at for a case.
func (s *EmailService) ReminderFacts(ctx context.Context, caseID int64) (collections.ReminderFacts, error) {
	c, err := findCase(ctx, s.db, caseID)
	if err != nil {
		return collections.ReminderFacts{}, err
	}
	cust, err := s.cases.ledger.FindCustomerByID(ctx, c.CustomerID)
	if err != nil {
		return collections.ReminderFacts{}, err
	}
	return s.reminderFacts(ctx, s.db, cust.Name, c.CustomerID, &c)
}

// normText is a message body as people read it: line endings and
// surrounding space aside.
func normText(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

// sameText compares two message bodies as people would.
func sameText(a, b string) bool { return normText(a) == normText(b) }

// shownCut reports whether typed is full as a form showed it: cut, and
// ended with "…", because full is longer than a Slack form holds.
func shownCut(typed, full string) bool {
	t, f := normText(typed), normText(full)
	prefix, cut := strings.CutSuffix(t, "…")
	return cut && strings.TrimSpace(prefix) != "" && len(f) > len(prefix) && strings.HasPrefix(f, prefix)
}

// QueueReminder queues a reminder a person sends from a case.
func (s *EmailService) QueueReminder(ctx context.Context, a collections.Actor, caseID int64, r collections.ReminderRequest) (collections.Email, error) {
	if s.composer == nil {
		return collections.Email{}, errEmailOff
	}
	to, err := netmail.ParseAddress(strings.TrimSpace(r.To))
	if err != nil {
		return collections.Email{}, collections.Errorf(collections.EINVALID, "%q is not an email address.", r.To)
	}
	if !collections.KnownTemplate(r.Template) {
		return collections.Email{}, collections.Errorf(collections.EINVALID, "Choose a template.")
	}
	if strings.TrimSpace(r.Subject) == "" || strings.TrimSpace(r.Text) == "" {
		return collections.Email{}, collections.Errorf(collections.EINVALID, "Write a subject and a message.")
	}
	today := s.cases.today()
	var e collections.Email
	err = s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		if first, err := firstForm(ctx, tx, a); err != nil || !first {
			return err
		}
		c, err := lockCase(ctx, tx, caseID)
		if err != nil {
			return err
		}
		f, err := s.cases.facts(ctx, tx, c, nil)
		if err != nil {
			return err
		}
		rf, err := s.reminderFacts(ctx, tx, f.Customer, c.CustomerID, &c)
		if err != nil {
			return err
		}
		dec, err := collections.DecideReminder(f, rf, a, r.SendAnyway)
		if err != nil {
			return err
		}
		sum, err := s.cases.ledger.CustomerSummary(ctx, c.CustomerID, today)
		if err != nil {
			return err
		}
		invoices := collections.TemplateInvoices(r.Template, sum.Invoices)
		if len(invoices) == 0 {
			return collections.Errorf(collections.EINVALID, "%s", collections.NothingToRemind(r.Template, sum.Customer.Name))
		}
		draft, err := s.composer.Compose(r.Template, sum.Customer, invoices, today, a.Name)
		if err != nil {
			return fmt.Errorf("compose %s for case %d: %w", r.Template, c.ID, err)
		}
		// Left as the template wrote it (or as the form showed it, cut
		// to what a Slack form holds), the template's own text and HTML go.
		// Left as the form prefilled it, it is the template's email as of
		// now, whatever was paid or disputed while the form was open.
		text, html := draft.Text, draft.HTML
		untouched := r.AsPrefilled || sameText(r.Text, draft.Text) || shownCut(r.Text, draft.Text)
		if !untouched {
			text, html = r.Text, s.composer.HTMLFromText(r.Text)
		}
		subject := strings.TrimSpace(r.Subject)
		if r.AsPrefilled {
			subject = draft.Subject
		}
		toAddr := to.Address
		if to.Name != "" {
			toAddr = to.String()
		}
		e = collections.Email{CustomerID: c.CustomerID, CaseID: c.ID, Template: r.Template, To: toAddr,
			Subject: subject, Text: strings.TrimSpace(text) + "\n", HTML: html,
			InvoiceIDs: invoiceIDs(invoices), SentBy: a.UserID, SendAnyway: dec.SendAnyway,
			FromTemplate: untouched && subject == strings.TrimSpace(draft.Subject), SignedBy: a.Name}
		if err := s.insertEmail(ctx, tx, &e, sum.Customer); err != nil {
			return err
		}
		if r.Template == collections.TemplateCourtesy {
			if err := s.courtesySentByHand(ctx, tx, e, invoices, a, today); err != nil {
				return err
			}
		}
		return s.tellQueued(ctx, tx, e, c.ID, 0, invoiceNumbers(invoices), dec.Holds)
	})
	return e, err
}

// courtesySentByHand records the invoices of a courtesy email a person
// sent as courtesy-reminded, so that neither a sweep nor Send all sends
// them another: in a batch of their own, sent as it is made (never
// posted). One waiting in a batch for Send all is sent with this email
// instead, and that batch's message redrawn; one reminded already stays
// as it was.
func (s *EmailService) courtesySentByHand(ctx context.Context, tx *sqlx.Tx, e collections.Email, invoices []collections.OpenInvoice, a collections.Actor, asOf time.Time) error {
	var own int64
	if err := tx.GetContext(ctx, &own, `INSERT INTO reminder_batches (policy, as_of, channel_id, sent_by, sent_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		string(collections.RemindersApprove), asOf, s.channel, a.UserID, s.now()); err != nil {
		return fmt.Errorf("record courtesy reminder sent by hand: %w", err)
	}
	recorded := 0
	redraw := map[int64]bool{}
	for _, inv := range invoices {
		var batchID int64
		err := tx.GetContext(ctx, &batchID, `
			INSERT INTO courtesy_reminders (invoice_id, customer_id, batch_id, status, email_id, decided_by) VALUES ($1, $2, $3, 'queued', $4, $5)
			ON CONFLICT (invoice_id) DO UPDATE SET status = excluded.status, email_id = excluded.email_id, decided_by = excluded.decided_by
			 WHERE courtesy_reminders.status = 'ready'
			RETURNING batch_id`, inv.ID, inv.CustomerID, own, e.ID, a.UserID)
		switch {
		case noRows(err):
			// courtesy-reminded already
		case err != nil:
			return fmt.Errorf("courtesy reminder of invoice %s: %w", inv.Number, err)
		case batchID == own:
			recorded++
		default:
			redraw[batchID] = true
		}
	}
	for id := range redraw {
		if err := enqueueBatch(ctx, tx, id, 0); err != nil {
			return err
		}
	}
	if recorded == 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM reminder_batches WHERE id = $1`, own); err != nil {
			return fmt.Errorf("drop empty courtesy batch: %w", err)
		}
	}
	return nil
}

func invoiceIDs(invs []collections.OpenInvoice) []int64 {
	out := make([]int64, len(invs))
	for i, inv := range invs {
		out[i] = inv.ID
	}
	return out
}

func invoiceNumbers(invs []collections.OpenInvoice) []string {
	out := make([]string, len(invs))
	for i, inv := range invs {
		out[i] = inv.Number
	}
	return out
}

// insertEmail queues an email: its envelope from the composer, its
// earliest send time from the customer's send window; the sender is
// woken when the transaction commits.
func (s *EmailService) insertEmail(ctx context.Context, tx *sqlx.Tx, e *collections.Email, c collections.Customer) error {
	e.From, e.Bcc, e.MessageID = s.composer.Envelope()
	e.NotBefore = s.window.Next(s.now(), collections.CustomerLocation(c, s.location))
	var stage any
	if e.Stage > 0 {
		stage = e.Stage
	}
	var r emailRow
	err := tx.GetContext(ctx, &r, `
		INSERT INTO emails (customer_id, case_id, batch_id, stage, template, message_id, from_addr, to_addr, bcc_addr, subject,
		                    body_text, body_html, invoice_ids, sent_by, send_anyway, not_before, queued_at, from_template, signed_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		RETURNING `+emailColumns,
		e.CustomerID, nullID(e.CaseID), nullID(e.BatchID), stage, e.Template, e.MessageID, e.From, e.To, e.Bcc, e.Subject,
		e.Text, e.HTML, pq.Array(e.InvoiceIDs), e.SentBy, e.SendAnyway, e.NotBefore, s.now(), e.FromTemplate, e.SignedBy)
	if err != nil {
		return fmt.Errorf("queue email to customer %d: %w", e.CustomerID, err)
	}
	*e = r.domain()
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, '')`, EmailsChannel); err != nil {
		return fmt.Errorf("notify emails: %w", err)
	}
	return nil
}

// tellQueued records a queued email in the history and queues the line
// that tells it: in the case's thread, else in the batch's.
func (s *EmailService) tellQueued(ctx context.Context, tx *sqlx.Tx, e collections.Email, caseID, batchID int64, invoices []string, holds []collections.Hold) error {
	details := collections.AuditDetails{EmailID: e.ID, To: e.To, Template: e.Template, Invoices: invoices, SendAnyway: e.SendAnyway}
	if e.SendAnyway {
		for _, h := range holds {
			details.Holds = append(details.Holds, h.Kind)
		}
	}
	auditID, err := auditCustomer(ctx, tx, caseID, e.CustomerID, e.SentBy, collections.AuditReminderEmailed, details)
	if err != nil {
		return err
	}
	switch {
	case caseID != 0:
		return enqueue(ctx, tx, collections.OutboxThread, caseID, 0, auditID)
	case batchID != 0:
		return enqueueBatch(ctx, tx, batchID, auditID)
	}
	return nil
}

// auditCustomer appends an audit entry of a customer, on its case when
// it has one.
func auditCustomer(ctx context.Context, tx *sqlx.Tx, caseID, customerID int64, actor, action string, details collections.AuditDetails) (int64, error) {
	if caseID != 0 {
		return audit(ctx, tx, caseID, customerID, actor, action, details)
	}
	b, err := jsonDetails(details)
	if err != nil {
		return 0, fmt.Errorf("audit %s: %w", action, err)
	}
	var id int64
	if err := tx.GetContext(ctx, &id, `INSERT INTO audit_log (customer_id, actor, action, details) VALUES ($1, $2, $3, $4) RETURNING id`,
		customerID, actor, action, b); err != nil {
		return 0, fmt.Errorf("audit %s: %w", action, err)
	}
	return id, nil
}

// enqueueBatch queues the batch's channel message (auditID 0: post or
// redraw it) or a line in its thread.
func enqueueBatch(ctx context.Context, tx *sqlx.Tx, batchID, auditID int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (kind, batch_id, audit_id) VALUES ($1, $2, $3)`,
		collections.OutboxReminders, batchID, nullID(auditID)); err != nil {
		return fmt.Errorf("queue courtesy reminders message: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify('owed_outbox', '')`); err != nil {
		return fmt.Errorf("notify outbox: %w", err)
	}
	return nil
}

// --- the sender's side ---

// ClaimEmail leases the next queued email that is due. The lease ends
// inside the customer's send window, so that an email whose sender died
// is not sent again outside it. A due email whose window has shut since
// it was queued is put off until the window opens, and nil returned: the
// dispatcher looks again at once (NextEmailDue). A due email no longer
// true as it is about to leave (collections.WithdrawalOf: every invoice
// it covers paid since, say) is withdrawn, and the next one looked at.
func (s *EmailService) ClaimEmail(ctx context.Context, lease time.Duration) (*collections.Email, error) {
	var e *collections.Email
	err := s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		e = nil
		for {
			var due struct {
				ID         int64  `db:"id"`
				Template   string `db:"template"`
				Timezone   string `db:"timezone"`
				SentBy     string `db:"sent_by"`
				CaseStatus string `db:"case_status"`
			}
			err := tx.GetContext(ctx, &due, `
				SELECT e.id, e.template, coalesce(c.timezone, '') AS timezone, e.sent_by, coalesce(k.status, '') AS case_status
				  FROM emails e JOIN customers c ON c.id = e.customer_id LEFT JOIN cases k ON k.id = e.case_id
				 WHERE e.status = 'queued' AND e.not_before <= now()
				 ORDER BY e.not_before, e.id LIMIT 1 FOR UPDATE OF e SKIP LOCKED`)
			if noRows(err) {
				return nil
			}
			if err != nil {
				return err
			}
			loc := collections.CustomerLocation(collections.Customer{Timezone: due.Timezone}, s.location)
			now := s.now()
			if opens := s.window.Next(now, loc); opens.After(now) {
				_, err := tx.ExecContext(ctx, `UPDATE emails SET not_before = $2 WHERE id = $1`, due.ID, opens)
				return err
			}
			why, err := withdrawalOf(ctx, tx, due.ID, due.Template, collections.DateIn(now, loc))
			if err != nil {
				return err
			}
			if why == "" && due.SentBy == collections.SystemActor && collections.CaseStatus(due.CaseStatus).Quiet() {
				why = collections.WithdrawnQuiet // what owed decided alone, it takes back
			}
			if why != "" {
				if err := withdrawEmail(ctx, tx, due.ID, why); err != nil {
					return err
				}
				continue
			}
			var r emailRow
			if err := tx.GetContext(ctx, &r, `UPDATE emails SET not_before = $2, attempts = attempts + 1 WHERE id = $1 RETURNING `+emailColumns,
				due.ID, s.window.Next(now.Add(lease), loc)); err != nil {
				return err
			}
			if r.FromTemplate && s.composer != nil {
				if err := s.writeAgain(ctx, tx, &r); err != nil {
					return err
				}
			}
			claimed := r.domain()
			e = &claimed
			return nil
		}
	})
	if err != nil {
		return nil, fmt.Errorf("claim email: %w", err)
	}
	return e, nil
}

// writeAgain writes an email from its template again as it leaves, as
// its invoices stand today: an invoice paid since is no longer asked
// for, a balance is what is left of it, the days overdue are the day's.
// It covers the invoices it covered that its template still speaks of
// (not paid, not in dispute, not fallen due for a courtesy note); with
// none left it goes as written, as it does when the template fails on
// the day's figures: it was rendered once already.
func (s *EmailService) writeAgain(ctx context.Context, tx *sqlx.Tx, r *emailRow) error {
	today := s.cases.today()
	sum, err := s.cases.ledger.CustomerSummary(ctx, r.CustomerID, today)
	if err != nil {
		return err
	}
	covered := make(map[int64]bool, len(r.InvoiceIDs))
	for _, id := range r.InvoiceIDs {
		covered[id] = true
	}
	var invoices []collections.OpenInvoice
	for _, inv := range collections.TemplateInvoices(r.Template, sum.Invoices) {
		if covered[inv.ID] {
			invoices = append(invoices, inv)
		}
	}
	if len(invoices) == 0 {
		return nil
	}
	draft, err := s.composer.Compose(r.Template, sum.Customer, invoices, today, r.SignedBy)
	if err != nil {
		return nil
	}
	if err := tx.GetContext(ctx, r, `UPDATE emails SET subject = $2, body_text = $3, body_html = $4, invoice_ids = $5 WHERE id = $1 RETURNING `+emailColumns,
		r.ID, draft.Subject, draft.Text, draft.HTML, pq.Array(invoiceIDs(invoices))); err != nil {
		return fmt.Errorf("write email %d again: %w", r.ID, err)
	}
	return nil
}

// withdrawalOf says why a queued email is no longer true as of today
// (the customer's date), or "" when it may leave: where each invoice it
// covers stands now.
func withdrawalOf(ctx context.Context, tx *sqlx.Tx, emailID int64, template string, today time.Time) (collections.Withdrawal, error) {
	var invoices []struct {
		Paid     bool `db:"paid"`
		Disputed bool `db:"disputed"`
		FellDue  bool `db:"fell_due"`
	}
	if err := tx.SelectContext(ctx, &invoices, `
		SELECT i.paid_minor >= i.amount_minor AS paid, `+inDispute+` AS disputed, i.due_on < $2 AS fell_due
		  FROM emails e JOIN invoices i ON i.id = ANY (e.invoice_ids)
		 WHERE e.id = $1`, emailID, today); err != nil {
		return "", fmt.Errorf("invoices of email %d: %w", emailID, err)
	}
	covered := make([]collections.CoveredInvoice, len(invoices))
	for i, inv := range invoices {
		covered[i] = collections.CoveredInvoice{Paid: inv.Paid, Disputed: inv.Disputed, FellDue: inv.FellDue}
	}
	return collections.WithdrawalOf(template, covered), nil
}

// withdrawEmail withdraws a queued email instead of sending it, records
// why in it and in the history, and queues the line that tells it.
func withdrawEmail(ctx context.Context, tx *sqlx.Tx, id int64, why collections.Withdrawal) error {
	var r emailRow
	if err := tx.GetContext(ctx, &r, `UPDATE emails SET status = 'withdrawn', withdrawn_at = now(), withdrawn_reason = $2
		WHERE id = $1 AND status = 'queued' RETURNING `+emailColumns, id, string(why)); err != nil {
		return fmt.Errorf("withdraw email %d: %w", id, err)
	}
	return tellOutcome(ctx, tx, r, collections.AuditEmailWithdrawn,
		collections.AuditDetails{EmailID: r.ID, To: r.To, Template: r.Template, Reason: string(why)})
}

// tellOutcome records what became of an email in the history and queues
// the line that tells it: in the case's thread, else in the batch's.
func tellOutcome(ctx context.Context, tx *sqlx.Tx, r emailRow, action string, details collections.AuditDetails) error {
	auditID, err := auditCustomer(ctx, tx, r.CaseID.Int64, r.CustomerID, collections.SystemActor, action, details)
	if err != nil {
		return err
	}
	switch {
	case r.CaseID.Valid:
		return enqueue(ctx, tx, collections.OutboxThread, r.CaseID.Int64, 0, auditID)
	case r.BatchID.Valid:
		return enqueueBatch(ctx, tx, r.BatchID.Int64, auditID)
	}
	return nil
}

// NextEmailDue says how long until the next queued email is due.
func (s *EmailService) NextEmailDue(ctx context.Context) (time.Duration, bool, error) {
	var ms sql.NullFloat64
	if err := s.db.GetContext(ctx, &ms, `SELECT extract(epoch FROM min(not_before) - now()) * 1000 FROM emails WHERE status = 'queued'`); err != nil {
		return 0, false, fmt.Errorf("next email due: %w", err)
	}
	if !ms.Valid {
		return 0, false, nil
	}
	return max(0, time.Duration(ms.Float64)*time.Millisecond), true, nil
}

// EmailSent records the server's acceptance in the email and the history.
func (s *EmailService) EmailSent(ctx context.Context, id int64, answer string) error {
	return s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var r emailRow
		err := tx.GetContext(ctx, &r, `UPDATE emails SET status = 'sent', sent_at = now(), answer = $2
			WHERE id = $1 AND status = 'queued' RETURNING `+emailColumns, id, answer)
		if noRows(err) {
			return nil // recorded already
		}
		if err != nil {
			return fmt.Errorf("email %d sent: %w", id, err)
		}
		_, err = auditCustomer(ctx, tx, r.CaseID.Int64, r.CustomerID, collections.SystemActor, collections.AuditEmailDelivered,
			collections.AuditDetails{EmailID: r.ID, To: r.To, Answer: answer})
		return err
	})
}

// EmailRetry hands an email out again after a delay, inside the
// customer's send window: a retry due after the window shuts waits for
// it to open.
func (s *EmailService) EmailRetry(ctx context.Context, id int64, after time.Duration, answer string) error {
	var tz string
	err := s.db.GetContext(ctx, &tz, `SELECT coalesce(c.timezone, '') FROM emails e JOIN customers c ON c.id = e.customer_id WHERE e.id = $1`, id)
	if noRows(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("retry email %d: %w", id, err)
	}
	loc := collections.CustomerLocation(collections.Customer{Timezone: tz}, s.location)
	if _, err := s.db.ExecContext(ctx, `UPDATE emails SET not_before = $2, answer = $3 WHERE id = $1 AND status = 'queued'`,
		id, s.window.Next(s.now().Add(after), loc), answer); err != nil {
		return fmt.Errorf("retry email %d: %w", id, err)
	}
	return nil
}

// EmailFailed records a refusal for good and queues the line that says
// why: in the case's thread, else in the batch's.
func (s *EmailService) EmailFailed(ctx context.Context, id int64, answer string) error {
	return s.db.Transact(ctx, func(tx *sqlx.Tx) error {
		var r emailRow
		err := tx.GetContext(ctx, &r, `UPDATE emails SET status = 'failed', failed_at = now(), answer = $2
			WHERE id = $1 AND status = 'queued' RETURNING `+emailColumns, id, answer)
		if noRows(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("email %d failed: %w", id, err)
		}
		return tellOutcome(ctx, tx, r, collections.AuditEmailFailed, collections.AuditDetails{EmailID: r.ID, To: r.To, Answer: answer})
	})
}

// FindEmail returns one email.
func (s *EmailService) FindEmail(ctx context.Context, id int64) (collections.Email, error) {
	var r emailRow
	err := s.db.GetContext(ctx, &r, `SELECT `+emailColumns+` FROM emails WHERE id = $1`, id)
	if noRows(err) {
		return collections.Email{}, collections.Errorf(collections.ENOTFOUND, "That email does not exist.")
	}
	if err != nil {
		return collections.Email{}, fmt.Errorf("find email %d: %w", id, err)
	}
	return r.domain(), nil
}

// CustomerEmails lists a customer's emails, newest first.
func (s *EmailService) CustomerEmails(ctx context.Context, customerID int64) ([]collections.Email, error) {
	var rows []emailRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+emailColumns+` FROM emails WHERE customer_id = $1 ORDER BY queued_at DESC, id DESC`, customerID); err != nil {
		return nil, fmt.Errorf("emails of customer %d: %w", customerID, err)
	}
	out := make([]collections.Email, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
