package blocks

import (
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
)

// TestCourtesyBatch_SaysWhichInvoicesFellDueBeforeSendAll: an invoice
// left out at Send all because it fell due is told as such, apart from
// the ones people skipped.
func TestCourtesyBatch_SaysWhichInvoicesFellDueBeforeSendAll(t *testing.T) {
	b := courtesyBatch(3, collections.RemindersApprove)
	b.SentBy, b.SentAt = "UALICE", ptr(asOf)
	b.Items[0].Status = collections.CourtesyQueued
	b.Items[2].Status, b.Items[2].DecidedBy, b.Items[2].FellDue = collections.CourtesySkipped, collections.SystemActor, true
	m := CourtesyBatch(b)
	js := string(mustJSON(t, m))
	for _, want := range []string{"1 skipped", "1 left out: fallen due before Send all, so no courtesy email", "~ fell due before Send all: no courtesy email"} {
		if !strings.Contains(m.Text+js, want) {
			t.Errorf("the batch lacks %q:\n%s\n%s", want, m.Text, js)
		}
	}
	if strings.Contains(js, "INV-3` due 2026-06-04 · USD 123.45 → ap@acme.example~ skipped") {
		t.Errorf("the invoice that fell due is told as skipped: %s", js)
	}
}
