package postgres

import (
	"context"
	"database/sql/driver"
	"net"
	"sync/atomic"
	"time"
)

// After a database restart or a network cut, every connection the pool
// still holds is dead, and each would fail the first query that uses it:
// a burst of clicks after an outage would fail one per pooled connection.
// So a connection idle for a while is checked before it is handed out, by
// looking at its socket without blocking, and a dead one is discarded.

// idleProbe is how long a connection may rest before it is checked: a
// database restarts in longer than this.
const idleProbe = 250 * time.Millisecond

// liveConn is the network connection under a database connection.
type liveConn struct {
	net.Conn
	lastIO atomic.Int64 // when it last read or wrote, in Unix nanoseconds
}

func (c *liveConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.lastIO.Store(time.Now().UnixNano())
	return n, err
}

func (c *liveConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.lastIO.Store(time.Now().UnixNano())
	return n, err
}

// alive reports whether the server may still be at the other end of an
// idle connection: the connection is not closed, and what has arrived on
// it, if anything, is not the error message a server sends as it ends the
// session. It is called only while the connection is idle.
func (c *liveConn) alive() bool {
	if time.Since(time.Unix(0, c.lastIO.Load())) < idleProbe {
		return true
	}
	return peekAlive(c.Conn)
}

// liveDialer opens the network connections of a pool's database
// connections, and hands each to the Connect that asked for it.
type liveDialer struct{ net.Dialer }

type dialedKey struct{}

func (d *liveDialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

func (d *liveDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

func (d *liveDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	nc, err := d.Dialer.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	c := &liveConn{Conn: nc}
	c.lastIO.Store(time.Now().UnixNano())
	if dialed, ok := ctx.Value(dialedKey{}).(**liveConn); ok {
		*dialed = c
	}
	return c, nil
}

// pqConn is what database/sql uses of a lib/pq connection.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// checkedConn is a database connection that is checked before reuse.
type checkedConn struct {
	pqConn
	net *liveConn
}

// ResetSession refuses a connection whose server is gone, so that the
// pool opens a new one instead.
func (c *checkedConn) ResetSession(ctx context.Context) error {
	if err := c.pqConn.ResetSession(ctx); err != nil {
		return err
	}
	if !c.net.alive() {
		return driver.ErrBadConn
	}
	return nil
}

// IsValid reports whether the connection may be reused.
func (c *checkedConn) IsValid() bool { return c.pqConn.IsValid() && c.net.alive() }
