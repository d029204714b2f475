package mail

import (
	"time"

	"github.com/owedhq/owed/collections"
)

// Composer writes emails from the templates, from one sender. It
// implements collections.EmailComposer.
type Composer struct {
	Templates  *Templates
	From       string // OWED_MAIL_FROM
	Bcc        string // OWED_MAIL_BCC; empty: none
	PaymentURL string // OWED_PAYMENT_URL; empty: only the invoices' own links
}

var _ collections.EmailComposer = (*Composer)(nil)

// Compose renders a template for a customer's invoices as of a date.
func (c *Composer) Compose(template string, cust collections.Customer, invoices []collections.OpenInvoice, asOf time.Time, person string) (collections.EmailDraft, error) {
	return c.Templates.Render(template, NewData(cust, invoices, asOf, c.sender(person), c.PaymentURL))
}

func (c *Composer) sender(person string) Sender {
	s := Sender{Person: person}
	if a, err := ParseAddress(c.From); err == nil {
		s.Name, s.Email = a.Name, a.Address
		if s.Name == "" {
			s.Name = a.Address
		}
	}
	return s
}

// Envelope returns From, Bcc and a new Message-ID.
func (c *Composer) Envelope() (from, bcc, messageID string) {
	return c.From, c.Bcc, NewMessageID(c.From)
}

// HTMLFromText is the HTML body of a message written as plain text.
func (c *Composer) HTMLFromText(text string) string { return TextToHTML(text) }
