package postgres

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestGroup_APanickingWorkStillPassesTheLead: when a group's write
// panics, the panic reaches its leader's caller, and yet the writes queued
// meanwhile are written by the next leader, and later writes are not held.
func TestGroup_APanickingWorkStillPassesTheLead(t *testing.T) {
	ctx := context.Background()
	g := &group[*statusWrite]{}
	started, release := make(chan struct{}), make(chan struct{})
	recovered := make(chan any, 1)
	go func() {
		defer func() { recovered <- recover() }()
		g.do(ctx, &statusWrite{caseID: 1}, func(context.Context, []*statusWrite) {
			close(started)
			<-release
			panic("the write failed badly")
		})
	}()
	<-started
	markWritten := func(_ context.Context, group []*statusWrite) {
		for _, w := range group {
			w.written = true
		}
	}
	queued := []*statusWrite{{caseID: 2}, {caseID: 3}}
	var wg sync.WaitGroup
	for _, w := range queued {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.do(ctx, w, markWritten)
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		g.mu.Lock()
		n := len(g.queue)
		g.mu.Unlock()
		if n == len(queued) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the writes never queued behind the first")
		}
	}
	close(release)
	if r := <-recovered; r != "the write failed badly" {
		t.Errorf("the leader's caller recovered %v, want the write's panic", r)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the writes queued behind a panicking group were never woken")
	}
	for _, w := range queued {
		if !w.written {
			t.Errorf("case %d's write, queued behind the panicking group, was not written by the next", w.caseID)
		}
	}
	later := &statusWrite{caseID: 4}
	g.do(ctx, later, markWritten)
	if !later.written {
		t.Error("a write after the panic was not written")
	}
}
