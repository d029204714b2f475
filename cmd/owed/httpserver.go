package main

import (
	"container/list"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Bounds of the HTTP server. Slack's requests are small and answered within
// its 3 s, so a client that takes longer than these is slow or hostile.
const (
	// maxConns caps the connections the server holds at once. Past it, a new
	// connection evicts the oldest one that is not being served (idle,
	// still sending its headers, or still sending its body), so idle and
	// slow clients cannot lock out /healthz or Slack.
	maxConns          = 1000
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	// writeTimeout bounds a handler and its answer; the sandbox page's long
	// poll extends its own.
	writeTimeout   = 30 * time.Second
	idleTimeout    = 60 * time.Second
	maxHeaderBytes = 64 << 10
)

// newHTTPServer returns the server for handler, bounded in time (read,
// write and idle timeouts) and in connections (at most maxConns; see
// connLimiter).
func newHTTPServer(handler http.Handler) *http.Server {
	srv, _ := limitedServer(handler, maxConns)
	return srv
}

func limitedServer(handler http.Handler, max int) (*http.Server, *connLimiter) {
	l := newConnLimiter(max)
	srv := &http.Server{
		Handler:           l.serving(handler),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnContext:       l.connContext,
		ConnState:         l.track,
	}
	srv.RegisterOnShutdown(l.stop)
	return srv, l
}

// connLimiter holds the server to max connections. The server reports every
// connection's state to track: a new one is admitted at once when there is
// room, else in place of the connection longest unused that is not busy
// (closed on the spot); when every connection is busy, accepting waits for one to end
// (each is bounded by the server's timeouts). A connection is busy from the
// moment its request has been read in full until its handler returns.
type connLimiter struct {
	max int

	mu      sync.Mutex
	freed   *sync.Cond                 // signalled when a connection ends
	changed *sync.Cond                 // broadcast when the connections held change
	conns   map[net.Conn]*list.Element // of *limitedConn, longest unused first
	order   *list.List
	stopped bool
}

type limitedConn struct {
	conn net.Conn
	busy bool
}

type connKey struct{}

func newConnLimiter(max int) *connLimiter {
	l := &connLimiter{max: max, conns: map[net.Conn]*list.Element{}, order: list.New()}
	l.freed = sync.NewCond(&l.mu)
	l.changed = sync.NewCond(&l.mu)
	return l
}

// connContext lets the handler find its connection.
func (l *connLimiter) connContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// track is the server's ConnState hook. The server calls it for a new
// connection in its accept loop, so blocking here holds further accepts.
func (l *connLimiter) track(c net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		l.admit(c)
	case http.StateClosed, http.StateHijacked:
		l.forget(c)
	}
}

func (l *connLimiter) admit(c net.Conn) {
	var evicted net.Conn
	l.mu.Lock()
	for len(l.conns) >= l.max && !l.stopped {
		if evicted = l.evictLocked(); evicted != nil {
			break
		}
		l.freed.Wait()
	}
	l.conns[c] = l.order.PushBack(&limitedConn{conn: c})
	l.changed.Broadcast()
	l.mu.Unlock()
	if evicted != nil {
		evicted.Close()
	}
}

// evictLocked forgets the oldest connection that is not busy and returns
// it, or nil when all are busy.
func (l *connLimiter) evictLocked() net.Conn {
	for e := l.order.Front(); e != nil; e = e.Next() {
		if lc := e.Value.(*limitedConn); !lc.busy {
			l.order.Remove(e)
			delete(l.conns, lc.conn)
			return lc.conn
		}
	}
	return nil
}

func (l *connLimiter) forget(c net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.conns[c]; ok {
		l.order.Remove(e)
		delete(l.conns, c)
		l.freed.Signal()
		l.changed.Broadcast()
	}
}

// setBusy marks a connection busy or not; one that has just been served
// goes to the back of the line, so the oldest are those longest unused.
func (l *connLimiter) setBusy(c net.Conn, busy bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.conns[c]; ok {
		e.Value.(*limitedConn).busy = busy
		if !busy {
			l.order.MoveToBack(e)
		}
	}
}

// stop lets waiting accepts through once the server shuts down.
func (l *connLimiter) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
	l.freed.Broadcast()
	l.changed.Broadcast()
}

// await blocks until cond holds for the number of connections held.
func (l *connLimiter) await(cond func(open int) bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !cond(len(l.conns)) {
		l.changed.Wait()
	}
}

// serving marks a connection busy while its handler runs, from the moment
// the request body has been read to its end.
func (l *connLimiter) serving(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(connKey{}).(net.Conn)
		if c == nil {
			next.ServeHTTP(w, r)
			return
		}
		if r.Body == nil || r.Body == http.NoBody {
			l.setBusy(c, true)
		} else {
			r.Body = &bodyEnd{ReadCloser: r.Body, atEnd: func() { l.setBusy(c, true) }}
		}
		defer l.setBusy(c, false)
		next.ServeHTTP(w, r)
	})
}

// bodyEnd calls atEnd once, when the body has been read to its end.
type bodyEnd struct {
	io.ReadCloser
	once  sync.Once
	atEnd func()
}

func (b *bodyEnd) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.once.Do(b.atEnd)
	}
	return n, err
}
