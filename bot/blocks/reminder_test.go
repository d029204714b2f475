package blocks

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
	"github.com/slack-go/slack"
)

func reminderForm(v collections.CaseView) ReminderForm {
	return ReminderForm{View: v, To: "ap@acme.example", Template: collections.TemplateFirm, Invoices: v.Invoices,
		Draft: collections.EmailDraft{Subject: "Your account is 75 days past due — Acme Accounts", Text: "Hello ACME Corp.,\n\nThe balance below…\n"}}
}

func courtesyBatch(n int, policy collections.ReminderPolicy) collections.ReminderBatch {
	b := collections.ReminderBatch{ID: 7, Policy: policy, AsOf: asOf, ChannelID: "CCOLLECT"}
	statuses := []collections.CourtesyStatus{collections.CourtesyReady, collections.CourtesySkipped, collections.CourtesyReady}
	for i := range n {
		c := acme
		c.Email = "ap@acme.example"
		st := statuses[i%len(statuses)]
		if policy == collections.RemindersAuto {
			st = collections.CourtesyQueued
		}
		b.Items = append(b.Items, collections.CourtesyItem{InvoiceID: int64(i + 1), Invoice: fmt.Sprintf("INV-%d", i+1), Customer: c,
			Balance: collections.Money{Minor: 12345, Currency: "USD"}, DueOn: asOf.AddDate(0, 0, 3), Status: st, DecidedBy: "UALICE"})
	}
	return b
}

func TestReminder_Golden(t *testing.T) {
	withHolds := reminderForm(openCase())
	last := asOf.Add(-2 * 24 * time.Hour)
	withHolds.Holds = []collections.Hold{{Kind: collections.HoldContactGap, LastEmail: last, GapDays: 5},
		{Kind: collections.HoldSnoozed, Until: ptr(day(2026, 12, 1))}}
	leaves := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	withHolds.LeavesAt = &leaves
	golden(t, "reminder_modal_holds", ReminderModal(withHolds))
	noEmail := reminderForm(openCase())
	noEmail.To = ""
	golden(t, "reminder_modal_no_email", ReminderModal(noEmail))

	ready := courtesyBatch(3, collections.RemindersApprove)
	golden(t, "courtesy_ready", CourtesyBatch(ready))
	sent := ready
	sent.SentBy, sent.SentAt = "UALICE", ptr(asOf)
	golden(t, "courtesy_sent", CourtesyBatch(sent))
	golden(t, "courtesy_auto", CourtesyBatch(courtesyBatch(2, collections.RemindersAuto)))
	golden(t, "courtesy_review", CourtesyReviewModal(ready))
}

func TestReminder_ModalOffersSendAnywayOnlyWithHolds(t *testing.T) {
	f := reminderForm(openCase())
	if strings.Contains(string(mustJSON(t, ReminderModal(f))), BlockReminderAnyway) {
		t.Errorf("Send anyway without a hold")
	}
	f.Holds = []collections.Hold{{Kind: collections.HoldPlan}}
	if !strings.Contains(string(mustJSON(t, ReminderModal(f))), BlockReminderAnyway) {
		t.Errorf("no Send anyway with a hold")
	}
}

func TestReminder_LimitsHoldForHugeInput(t *testing.T) {
	v := hugeCase(collections.CaseOpen)
	f := reminderForm(v)
	f.Draft = collections.EmailDraft{Subject: strings.Repeat("s", 500), Text: strings.Repeat("<!channel> text ", 1000)}
	f.Holds = []collections.Hold{{Kind: collections.HoldContactGap, LastEmail: asOf, GapDays: 5}, {Kind: collections.HoldEscalated, Target: collections.TargetLegal}}
	checkModal(t, "reminder modal", ReminderModal(f))
	huge := courtesyBatch(700, collections.RemindersApprove)
	for i := range huge.Items {
		huge.Items[i].Customer = v.Customer
		huge.Items[i].Invoice = v.Invoices[i%len(v.Invoices)].Number
	}
	checkMessage(t, "courtesy ready", CourtesyBatch(huge))
	checkMessage(t, "courtesy list", CourtesyList(huge))
	auto := huge
	auto.Policy = collections.RemindersAuto
	checkMessage(t, "courtesy auto", CourtesyBatch(auto))
	if n := len(CourtesyReviewModal(huge).Blocks.BlockSet); n > MaxModalBlocks {
		t.Errorf("review modal has %d blocks", n)
	}
}

func TestParseReminder(t *testing.T) {
	state := func(to, tmpl, subject, msg string, anyway bool) *slack.ViewState {
		st := &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
			BlockReminderTo:       {BlockReminderTo: {Value: to}},
			BlockReminderTemplate: {ActionReminderTemplate: {SelectedOption: slack.OptionBlockObject{Value: tmpl}}},
			BlockReminderSubject:  {BlockReminderSubject: {Value: subject}},
			BlockReminderMessage:  {BlockReminderMessage: {Value: msg}},
		}}
		if anyway {
			st.Values[BlockReminderAnyway] = map[string]slack.BlockAction{BlockReminderAnyway: {SelectedOptions: []slack.OptionBlockObject{{Value: ValueSendAnyway}}}}
		}
		return st
	}
	in, errs := ParseReminder(state(" Jane <jane@acme.example> ", "firm", "Subject", "  Hello\n\nPay.  ", true))
	if errs != nil || in.To != "Jane <jane@acme.example>" || in.Template != "firm" || in.Message != "Hello\n\nPay." || !in.SendAnyway {
		t.Errorf("%+v %v", in, errs)
	}
	_, errs = ParseReminder(state("not an address", "gentle", "", " ", false))
	for _, b := range []string{BlockReminderTo, BlockReminderTemplate, BlockReminderSubject, BlockReminderMessage} {
		if errs[b] == "" {
			t.Errorf("no error on %s: %v", b, errs)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(toAny(t, v))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

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

// TestCourtesyReviewModal_SendsOnlyWhatItShows: a batch as large as a
// sweep makes is listed whole, each ready reminder with Skip, and Send
// all sends what was seen. A longer one (none is made) is listed as far
// as a modal holds, says how many more there are, and offers no Send
// all: what the reviewer could not see is never sent from it.
func TestCourtesyReviewModal_SendsOnlyWhatItShows(t *testing.T) {
	whole := courtesyBatch(collections.MaxBatchReminders, collections.RemindersApprove)
	m := CourtesyReviewModal(whole)
	checkReview(t, "review of a full batch", m)
	js := string(mustJSON(t, m))
	for _, it := range whole.Items {
		if !strings.Contains(js, `"block_id":"`+CourtesyItemBlock(it.InvoiceID)+`"`) {
			t.Fatalf("the review leaves out %s", it.Invoice)
		}
		skip := BatchRef{BatchID: whole.ID, InvoiceID: it.InvoiceID}.String()
		if offered := strings.Contains(js, `"value":"`+skip+`"`); offered != (it.Status == collections.CourtesyReady) {
			t.Errorf("%s (%s): Skip offered = %v", it.Invoice, it.Status, offered)
		}
	}
	if m.Submit == nil || m.Submit.Text != "Send all" || strings.Contains(js, "more not shown") {
		t.Errorf("a review listing everything: submit %+v", m.Submit)
	}

	long := courtesyBatch(150, collections.RemindersApprove)
	m = CourtesyReviewModal(long)
	checkReview(t, "review of a longer batch", m)
	js = string(mustJSON(t, m))
	listed := 0
	for _, it := range long.Items {
		if strings.Contains(js, `"block_id":"`+CourtesyItemBlock(it.InvoiceID)+`"`) {
			listed++
		}
	}
	if want := fmt.Sprintf("+%d more not shown", 150-listed); listed == 0 || !strings.Contains(js, want) {
		t.Errorf("%d listed; the review does not say %q", listed, want)
	}
	if m.Submit != nil {
		t.Errorf("a review that cannot show every reminder offers %q, which would send the unseen ones", m.Submit.Text)
	}
}

// checkReview checks a Review modal's blocks against Slack's limits.
func checkReview(t *testing.T, what string, v slack.ModalViewRequest) {
	t.Helper()
	var k kit
	m := toAny(t, v).(map[string]any)
	blocks, _ := m["blocks"].([]any)
	k.blocks("/blocks", blocks, MaxModalBlocks)
	k.report(t, what)
}
