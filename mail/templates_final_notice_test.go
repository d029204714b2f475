package mail_test

import (
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/mail"
)

// TestTemplates_FinalNoticeClaimsNoEarlierReminders: the final notice may
// be the first email a customer gets, so it states the facts of the
// balance and does not say that earlier reminders went unanswered.
func TestTemplates_FinalNoticeClaimsNoEarlierReminders(t *testing.T) {
	tm, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	c := &mail.Composer{Templates: tm, From: "Acme Accounts <ar@acme.example>"}
	d, err := c.Compose(collections.TemplateFinalNotice, acme, acmeInvoices(), asOf, "Dana")
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{d.Text, d.HTML} {
		lower := strings.ToLower(body)
		for _, claim := range []string{"earlier reminder", "not been answered", "previous reminder", "ignored"} {
			if strings.Contains(lower, claim) {
				t.Errorf("the final notice says %q, true only if earlier emails went out:\n%s", claim, body)
			}
		}
		if !strings.Contains(body, "45 days past due and still unpaid") {
			t.Errorf("the final notice does not state the balance is unpaid:\n%s", body)
		}
	}
}
