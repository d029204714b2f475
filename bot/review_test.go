package bot_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/bot/sandbox"
	"github.com/owedhq/owed/collections"
)

// TestCourtesy_ReviewSendsOnlyWhatTheReviewerSaw: with 150 courtesy
// reminders ready at once (75 customers, two invoices each) a Review
// lists every reminder its Send all would send, each one within reach
// of Skip, in a modal Slack accepts. Submitting it emails what was
// listed and not skipped, and nothing else: the reminders it did not
// list stay ready, and their message still offers Send all.
func TestCourtesy_ReviewSendsOnlyWhatTheReviewerSaw(t *testing.T) {
	h := newMailHarness(t, collections.RemindersApprove)
	var customers, invoices strings.Builder
	customers.WriteString("name,ref,email\n")
	invoices.WriteString("number,customer,currency,amount,issued_on,due_on\n")
	for i := 1; i <= 75; i++ {
		fmt.Fprintf(&customers, "Customer %03d,R-%03d,ap%03d@customer.example\n", i, i, i)
		fmt.Fprintf(&invoices, "N-%03d-1,Customer %03d,USD,10.00,2026-05-20,2026-06-02\n", i, i)
		fmt.Fprintf(&invoices, "N-%03d-2,Customer %03d,USD,20.00,2026-05-20,2026-06-03\n", i, i)
	}
	h.importCSV(collections.ImportCustomers, customers.String())
	h.importCSV(collections.ImportInvoices, invoices.String())
	res, err := h.emails.SweepReminders(h.ctx, h.date())
	if err != nil || res.Courtesy != 150 {
		t.Fatalf("the sweep: %+v %v; want 150 courtesy reminders ready", res, err)
	}
	h.settle()
	msgs := h.alerts()
	if len(msgs) == 0 || !hasButton(msgs[0], blocks.ActionCourtesyReview) {
		t.Fatalf("channel: %+v", msgs)
	}

	h.click(member, msgs[0], blocks.ActionCourtesyReview)
	review := h.modal(member, blocks.CallbackCourtesyReview)
	listed := listedInvoices(t, review)
	var batchID int64
	if err := h.db.GetContext(h.ctx, &batchID, `SELECT batch_id FROM courtesy_reminders WHERE invoice_id = $1`, listed[0]); err != nil {
		t.Fatal(err)
	}
	var ready []int64
	if err := h.db.SelectContext(h.ctx, &ready, `SELECT invoice_id FROM courtesy_reminders WHERE batch_id = $1 AND status = 'ready'`, batchID); err != nil {
		t.Fatal(err)
	}
	for _, id := range ready {
		if !slices.Contains(listed, id) {
			t.Fatalf("the Review lists %d of the %d reminders its Send all sends: invoice %d is not shown", len(listed), len(ready), id)
		}
	}
	if review.Submit != "Send all" {
		t.Fatalf("the Review offers %q", review.Submit)
	}

	// The last one listed can be skipped, like the first.
	last := listed[len(listed)-1]
	if err := h.sb.ClickInViewBlock(h.ctx, member, review.ID, blocks.CourtesyItemBlock(last), blocks.ActionCourtesySkip); err != nil {
		t.Fatal(err)
	}
	h.await("the last one skipped", func() bool {
		return h.count(`SELECT count(*) FROM courtesy_reminders WHERE invoice_id = $1 AND status = 'skipped'`, last) == 1
	})
	h.await("the review redrawn", func() bool {
		v, ok := h.sb.TopView(member)
		return ok && strings.Contains(string(v.Blocks), "skipped by")
	})
	review, _ = h.sb.TopView(member)
	if res := h.submit(member, review, sandbox.Values{}); !res.Closed {
		t.Fatalf("Send all in the Review: %+v", res)
	}
	h.settle()

	var sent []int64
	if err := h.db.SelectContext(h.ctx, &sent, `SELECT unnest(invoice_ids) FROM emails`); err != nil {
		t.Fatal(err)
	}
	if len(sent) != len(ready)-1 {
		t.Errorf("the Review's Send all emailed about %d invoices, want the %d listed and not skipped", len(sent), len(ready)-1)
	}
	for _, id := range sent {
		if !slices.Contains(listed, id) || id == last {
			t.Errorf("invoice %d was emailed about, though the Review did not list it or it was skipped", id)
		}
	}
	left := h.count(`SELECT count(*) FROM courtesy_reminders WHERE status = 'ready'`)
	if left != 150-len(ready) {
		t.Errorf("%d reminders still ready, want the %d the Review did not list", left, 150-len(ready))
	}
	if left == 0 {
		t.Fatalf("150 reminders fit one Review: the test shows nothing")
	}
	var offered bool
	for _, m := range h.alerts() {
		if shows(m, fmt.Sprintf("%d courtesy reminders ready", left)) && hasButton(m, blocks.ActionCourtesySendAll) {
			offered = true
		}
	}
	if !offered {
		t.Errorf("no message offers the %d reminders left ready: %+v", left, h.alerts())
	}
}

// listedInvoices are the invoices a Review modal lists, in order.
func listedInvoices(t *testing.T, v sandbox.View) []int64 {
	t.Helper()
	var bs []struct {
		BlockID string `json:"block_id"`
	}
	if err := json.Unmarshal(v.Blocks, &bs); err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, b := range bs {
		var id int64
		if _, err := fmt.Sscanf(b.BlockID, "courtesy_item_%d", &id); err == nil {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		t.Fatalf("the Review lists nothing: %s", v.Blocks)
	}
	return out
}
