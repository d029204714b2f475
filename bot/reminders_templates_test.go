package bot_test

import (
	"strings"
	"testing"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
)

// TestSendReminder_ATemplateWithNothingToCoverOffersNoEmail: with every
// overdue invoice in dispute, the reminder template has nothing true to
// say; the modal says so instead of a draft, and nothing can be sent
// with it.
func TestSendReminder_ATemplateWithNothingToCoverOffersNoEmail(t *testing.T) {
	h := newMailHarness(t, collections.RemindersApprove)
	h.importCSV(collections.ImportInvoices, journeyInvoices+"A-3,ACME Corp.,USD,70.00,2026-05-20,2026-07-01\n")
	h.sweep()
	acme := h.alert("ACME Corp.")
	var caseID int64
	if err := h.db.GetContext(h.ctx, &caseID, `SELECT c.id FROM cases c JOIN customers u ON u.id = c.customer_id WHERE u.name = 'ACME Corp.'`); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := h.db.SelectContext(h.ctx, &ids, `SELECT id FROM invoices WHERE number IN ('A-1', 'A-2')`); err != nil {
		t.Fatal(err)
	}
	if _, err := h.cases.Dispute(h.ctx, collections.Actor{UserID: member}, caseID,
		collections.DisputeInput{InvoiceIDs: ids, Reason: collections.DisputePricing}); err != nil {
		t.Fatal(err)
	}
	h.settle()

	h.click(member, h.refresh(acme), blocks.ActionSendReminder)
	modal := h.modal(member, blocks.CallbackReminder)
	if err := h.sb.ChooseInView(h.ctx, member, modal.ID, blocks.ActionReminderTemplate, sandbox.Value{Option: collections.TemplateReminder}); err != nil {
		t.Fatal(err)
	}
	h.await("the modal to say there is nothing overdue", func() bool {
		v, ok := h.sb.TopView(member)
		return ok && strings.Contains(string(v.Blocks), "has nothing overdue to remind about")
	})
	modal, _ = h.sb.TopView(member)
	for _, bad := range []string{"past due", "0 days", blocks.BlockReminderSubject} {
		if strings.Contains(string(modal.Blocks), bad) {
			t.Errorf("the modal offers an email (%q): %s", bad, modal.Blocks)
		}
	}
	res := h.submit(member, modal, sandbox.Values{})
	if res.Closed || res.Errors[blocks.BlockReminderTemplate] == "" {
		t.Errorf("sent with nothing to cover: %+v", res)
	}
	if n := h.count(`SELECT count(*) FROM emails`); n != 0 {
		t.Errorf("%d emails queued", n)
	}
}
