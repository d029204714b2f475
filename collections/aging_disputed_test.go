package collections_test

import (
	"testing"

	"github.com/owedhq/owed/collections"
)

// TestAgingReport_OnlyThePastDuePartOfADisputeLeavesTheOverdue: a
// disputed balance stays in its bucket; what leaves the overdue total is
// the disputed part past due, never a disputed part not yet due (one due
// today included) nor an undisputed one.
func TestAgingReport_OnlyThePastDuePartOfADisputeLeavesTheOverdue(t *testing.T) {
	var r collections.AgingReport
	r.Add("USD", 40, 100_00)        // overdue, chased
	r.AddDisputed("USD", 10, 30_00) // overdue, in dispute
	r.AddDisputed("USD", 0, 20_00)  // due today, in dispute
	r.AddDisputed("USD", -5, 7_00)  // not yet due, in dispute
	r.Add("USD", -3, 5_00)          // not yet due
	if len(r.Currencies) != 1 {
		t.Fatalf("currencies = %+v", r.Currencies)
	}
	a := r.Currencies[0]
	if a.Total() != 162_00 || a.Buckets[collections.BucketCurrent] != 32_00 {
		t.Errorf("total %d, current %d; want 16200 and 3200 (disputes stay in their buckets)", a.Total(), a.Buckets[collections.BucketCurrent])
	}
	if a.Disputed != 57_00 || a.DisputedOverdue != 30_00 {
		t.Errorf("disputed %d, of it overdue %d; want 5700 and 3000", a.Disputed, a.DisputedOverdue)
	}
	if got := a.Overdue(); got != 100_00 {
		t.Errorf("Overdue() = %d, want 10000 (only the undisputed past-due balance)", got)
	}
}
