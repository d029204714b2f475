package collections

import (
	"sort"
	"time"
)

// Bucket is an aging bucket: how far past due a balance is.
type Bucket int

// The aging buckets, in report order.
const (
	BucketCurrent Bucket = iota // not yet due
	Bucket1To30
	Bucket31To60
	Bucket61To90
	Bucket90Plus
	bucketCount
)

// BucketNames are the buckets' names as reports and JSON show them.
var BucketNames = [bucketCount]string{"current", "1-30", "31-60", "61-90", "90+"}

// String returns the bucket's report name.
func (b Bucket) String() string { return BucketNames[b] }

// BucketOf returns the bucket for a balance that is daysOverdue days past
// its due date (zero or negative: not yet due).
func BucketOf(daysOverdue int) Bucket {
	switch {
	case daysOverdue <= 0:
		return BucketCurrent
	case daysOverdue <= 30:
		return Bucket1To30
	case daysOverdue <= 60:
		return Bucket31To60
	case daysOverdue <= 90:
		return Bucket61To90
	}
	return Bucket90Plus
}

// Aging is the outstanding balance of one currency split into buckets, in
// minor units.
type Aging struct {
	Currency string
	Buckets  [bucketCount]int64
	// Disputed is the part of the buckets in dispute, and DisputedOverdue
	// the part of that past due: it is not chased, so not overdue.
	Disputed        int64
	DisputedOverdue int64
}

// Total is the sum of all buckets.
func (a Aging) Total() int64 {
	var t int64
	for _, v := range a.Buckets {
		t += v
	}
	return t
}

// Overdue is the sum of the buckets past due, less what is in dispute.
func (a Aging) Overdue() int64 { return a.Total() - a.Buckets[BucketCurrent] - a.DisputedOverdue }

// AgingReport is the receivables of the whole ledger, or of one customer,
// as of a date.
type AgingReport struct {
	AsOf       time.Time
	Currencies []Aging // sorted by currency code
}

// Add puts balance (minor units of currency, daysOverdue past due) into the
// right bucket, keeping Currencies sorted.
func (r *AgingReport) Add(currency string, daysOverdue int, balance int64) {
	i := sort.Search(len(r.Currencies), func(i int) bool { return r.Currencies[i].Currency >= currency })
	if i == len(r.Currencies) || r.Currencies[i].Currency != currency {
		r.Currencies = append(r.Currencies, Aging{})
		copy(r.Currencies[i+1:], r.Currencies[i:])
		r.Currencies[i] = Aging{Currency: currency}
	}
	r.Currencies[i].Buckets[BucketOf(daysOverdue)] += balance
}

// AddDisputed is Add for a balance in dispute: it stays in its bucket and
// is counted as disputed.
func (r *AgingReport) AddDisputed(currency string, daysOverdue int, balance int64) {
	r.Add(currency, daysOverdue, balance)
	for i := range r.Currencies {
		if r.Currencies[i].Currency == currency {
			r.Currencies[i].Disputed += balance
			if daysOverdue > 0 {
				r.Currencies[i].DisputedOverdue += balance
			}
		}
	}
}
