package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lib/pq"
)

// The notification channels owed uses.
const (
	// OutboxChannel is notified by the transaction that queues a Slack
	// message.
	OutboxChannel = "owed_outbox"
	// LedgerChannel is notified by every statement that changes invoices
	// or payments (a trigger).
	LedgerChannel = "owed_ledger"
)

// How a listener keeps its connection.
const (
	listenMinReconnect = 100 * time.Millisecond
	listenMaxReconnect = 5 * time.Second
	listenPingEvery    = 30 * time.Second
)

// Listener receives Postgres notifications (LISTEN/NOTIFY) on a connection
// of its own and turns them into wake-ups: each channel has one wake-up
// buffered, so a burst of notifications wakes its subscriber once. After
// the connection is lost and made again, every channel is woken, since a
// notification may have been missed in between.
type Listener struct {
	pl   *pq.Listener
	wake map[string]chan struct{}
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Listen starts listening on channels. It returns once the server has
// confirmed them, or fails when ctx ends first. The listener stops when
// ctx ends or Close is called.
func (db *DB) Listen(ctx context.Context, channels ...string) (*Listener, error) {
	if db.url == "" {
		return nil, errors.New("listen: the database was not opened with a URL")
	}
	l := &Listener{wake: map[string]chan struct{}{}, stop: make(chan struct{}), done: make(chan struct{})}
	for _, c := range channels {
		l.wake[c] = make(chan struct{}, 1)
	}
	l.pl = pq.NewListener(db.url, listenMinReconnect, listenMaxReconnect, nil)
	confirmed := make(chan error, 1)
	go func() {
		for _, c := range channels {
			if err := l.pl.Listen(c); err != nil {
				confirmed <- fmt.Errorf("listen on %s: %w", c, err)
				return
			}
		}
		confirmed <- nil
	}()
	select {
	case err := <-confirmed:
		if err != nil {
			l.pl.Close()
			return nil, err
		}
	case <-ctx.Done():
		l.pl.Close() // ends the pending Listen
		<-confirmed
		return nil, fmt.Errorf("listen: %w", ctx.Err())
	}
	go l.run(ctx)
	return l, nil
}

// run turns notifications into wake-ups until the listener stops.
func (l *Listener) run(ctx context.Context) {
	defer close(l.done)
	ping := time.NewTicker(listenPingEvery)
	defer ping.Stop()
	for {
		select {
		case n, ok := <-l.pl.Notify:
			if !ok {
				return
			}
			if n == nil { // reconnected: anything may have happened meanwhile
				for c := range l.wake {
					l.signal(c)
				}
				continue
			}
			l.signal(n.Channel)
		case <-ping.C:
			// A dead connection is only noticed when used; Ping makes the
			// listener notice and reconnect.
			_ = l.pl.Ping()
		case <-ctx.Done():
			return
		case <-l.stop:
			return
		}
	}
}

func (l *Listener) signal(channel string) {
	ch, ok := l.wake[channel]
	if !ok {
		return
	}
	select {
	case ch <- struct{}{}:
	default: // a wake-up is already waiting
	}
}

// Wake returns the channel that receives a value after notifications on
// channel (at most one waits at a time). It is nil for a channel the
// listener does not listen on.
func (l *Listener) Wake(channel string) <-chan struct{} { return l.wake[channel] }

// Close stops listening and waits for the listener to end.
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		err = l.pl.Close()
	})
	return err
}
