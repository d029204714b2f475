package collections_test

import (
	"reflect"
	"testing"

	"github.com/owedhq/owed/collections"
)

func TestBucketOf(t *testing.T) {
	tests := []struct {
		name        string
		daysOverdue int
		want        collections.Bucket
	}{
		{"NotYetDueIsCurrent", -10, collections.BucketCurrent},
		{"DueTodayIsCurrent", 0, collections.BucketCurrent},
		{"OneDayIs1To30", 1, collections.Bucket1To30},
		{"ThirtyDaysIs1To30", 30, collections.Bucket1To30},
		{"ThirtyOneDaysIs31To60", 31, collections.Bucket31To60},
		{"SixtyDaysIs31To60", 60, collections.Bucket31To60},
		{"SixtyOneDaysIs61To90", 61, collections.Bucket61To90},
		{"NinetyDaysIs61To90", 90, collections.Bucket61To90},
		{"NinetyOneDaysIs90Plus", 91, collections.Bucket90Plus},
		{"YearsIs90Plus", 1000, collections.Bucket90Plus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collections.BucketOf(tt.daysOverdue); got != tt.want {
				t.Fatalf("BucketOf(%d) = %v, want %v", tt.daysOverdue, got, tt.want)
			}
		})
	}
}

func TestBucketString_UsesReportNames(t *testing.T) {
	// Buckets current, 1-30, 31-60, 61-90, 90+, in that order.
	got := []string{
		collections.BucketCurrent.String(),
		collections.Bucket1To30.String(),
		collections.Bucket31To60.String(),
		collections.Bucket61To90.String(),
		collections.Bucket90Plus.String(),
	}
	want := []string{"current", "1-30", "31-60", "61-90", "90+"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("bucket names = %q, want %q", got, want)
	}
}

func TestAgingReportAdd(t *testing.T) {
	t.Run("KeepsCurrenciesSortedWhateverTheOrderAdded", func(t *testing.T) {
		var r collections.AgingReport
		for _, c := range []string{"USD", "EUR", "JPY", "BHD", "USD", "CHF", "EUR"} {
			r.Add(c, 0, 1)
		}
		var got []string
		for _, a := range r.Currencies {
			got = append(got, a.Currency)
		}
		want := []string{"BHD", "CHF", "EUR", "JPY", "USD"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("currencies = %q, want %q", got, want)
		}
		for _, a := range r.Currencies {
			wantTotal := int64(1)
			if a.Currency == "USD" || a.Currency == "EUR" {
				wantTotal = 2
			}
			if a.Total() != wantTotal {
				t.Errorf("%s total = %d, want %d (an insertion moved or lost a balance)", a.Currency, a.Total(), wantTotal)
			}
		}
	})

	t.Run("PutsEachBalanceInItsBucketAndSumsThem", func(t *testing.T) {
		// The documented example: USD current 120.00, 31-60 75.50, 90+ 10.00, total 205.50.
		var r collections.AgingReport
		r.Add("USD", -5, 10000)
		r.Add("USD", 0, 2000)
		r.Add("USD", 60, 7550)
		r.Add("USD", 91, 1000)
		r.Add("JPY", 45, 1200)
		if len(r.Currencies) != 2 {
			t.Fatalf("got %d currencies, want 2: %+v", len(r.Currencies), r.Currencies)
		}
		usd := r.Currencies[1]
		if usd.Currency != "USD" {
			t.Fatalf("second currency = %q, want USD", usd.Currency)
		}
		wantUSD := [5]int64{12000, 0, 7550, 0, 1000}
		if usd.Buckets != wantUSD {
			t.Fatalf("USD buckets = %v, want %v", usd.Buckets, wantUSD)
		}
		if got := usd.Total(); got != 20550 {
			t.Fatalf("USD total = %d, want 20550", got)
		}
		if got := usd.Overdue(); got != 8550 {
			t.Fatalf("USD overdue = %d, want 8550", got)
		}
		jpy := r.Currencies[0]
		if jpy.Currency != "JPY" || jpy.Buckets[collections.Bucket31To60] != 1200 || jpy.Total() != 1200 || jpy.Overdue() != 1200 {
			t.Fatalf("JPY = %+v, want 1200 in 31-60 only", jpy)
		}
	})

	t.Run("NeverMixesCurrencies", func(t *testing.T) {
		var r collections.AgingReport
		r.Add("USD", 10, 500)
		r.Add("EUR", 10, 700)
		for _, a := range r.Currencies {
			want := map[string]int64{"EUR": 700, "USD": 500}[a.Currency]
			if a.Buckets[collections.Bucket1To30] != want {
				t.Fatalf("%s 1-30 = %d, want %d", a.Currency, a.Buckets[collections.Bucket1To30], want)
			}
		}
	})
}
