package bot_test

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/collections"
)

// BenchmarkClickAck has 100 people click Customer agreed on the same alert
// at once, and measures how long owed takes to acknowledge each click (the
// bot's HTTP handler, from request to response) and how long the fake
// Slack waited in all. Target: ack p99 ≤ 100 ms.
func BenchmarkClickAck(b *testing.B) {
	var mu sync.Mutex
	var acks []time.Duration
	timed := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			next.ServeHTTP(w, r)
			if r.URL.Path == "/slack/interactions" {
				mu.Lock()
				acks = append(acks, time.Since(start))
				mu.Unlock()
			}
		})
	}
	h := newHarness(b, harnessOptions{wrap: timed})
	h.importCSV(collections.ImportInvoices, journeyInvoices)
	h.sweep()
	acme := h.alert("ACME Corp.")
	proposePlan(b, h, acme, "2026-06-15")
	acme = h.refresh(acme)

	const clicks = 100
	times := make([]time.Duration, clicks)
	var wg sync.WaitGroup
	b.ResetTimer()
	for i := range clicks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			if err := h.sb.Click(h.ctx, member, ref(acme), blocks.ActionPlanAgreed); err != nil {
				b.Error(err)
			}
			times[i] = time.Since(start)
		}()
	}
	wg.Wait()
	b.StopTimer()
	h.settle()
	mu.Lock()
	clickAcks := acks[len(acks)-clicks:]
	mu.Unlock()
	slices.Sort(clickAcks)
	b.ReportMetric(float64(clickAcks[clicks/2].Microseconds())/1000, "ms-ack-p50")
	b.ReportMetric(float64(clickAcks[clicks*99/100].Microseconds())/1000, "ms-ack-p99")
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'plan_agreed'`); n != 1 {
		b.Errorf("plan_agreed audit rows = %d, want 1", n)
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[clicks*99/100].Microseconds())/1000, "ms-slack-p99")
}
