package postgres

import (
	"context"
	"sync"
	"time"
)

// groupTimeout bounds the writing of one group. A caller waits for at most
// the group in flight and its own.
const groupTimeout = 10 * time.Second

// group gathers work that is cheaper done together (group commit): the
// work that arrives while one group is being done waits, and goes
// together in the next. The first to arrive leads: it does every piece
// queued when it starts, hands the lead to the first piece queued
// meanwhile, and wakes its group. It has no goroutine of its own.
type group[T any] struct {
	mu      sync.Mutex
	queue   []*groupEntry[T]
	leading bool // a group is being done, or its next leader woken
}

type groupEntry[T any] struct {
	v    T
	wake chan bool // true: lead the next group; false: the group is done
}

// do has v done with the pieces queued with it, by work, which records
// each piece's outcome in it.
func (g *group[T]) do(ctx context.Context, v T, work func(context.Context, []T)) {
	e := &groupEntry[T]{v: v, wake: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, e)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead && !<-e.wake {
		return // done by another's group
	}
	g.mu.Lock()
	entries := g.queue
	g.queue = nil
	g.mu.Unlock()
	// Whatever happens to the work, even a panic, the lead passes on and
	// the group is woken: its pieces left undone take their caller's own
	// path.
	defer func() {
		g.mu.Lock()
		if len(g.queue) > 0 {
			g.queue[0].wake <- true
		} else {
			g.leading = false
		}
		g.mu.Unlock()
		for _, o := range entries {
			if o != e {
				o.wake <- false
			}
		}
	}()
	vs := make([]T, len(entries))
	for i, o := range entries {
		vs[i] = o.v
	}
	// The group is done for all its pieces: the leader's request ending
	// must not cut the others off.
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), groupTimeout)
	defer cancel()
	work(gctx, vs)
}
