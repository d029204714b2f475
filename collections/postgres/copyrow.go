package postgres

import (
	"context"
	"database/sql/driver"
	"strconv"
	"sync"
	"time"
)

// copier is lib/pq's COPY statement, which takes rows already in COPY's
// text format.
type copier interface {
	driver.Stmt
	CopyData(ctx context.Context, line string) (driver.Result, error)
}

// copySender sends batches of rows to a COPY statement from a goroutine of
// its own, so that the file is read and checked while the server takes in
// the rows before. Its owner calls close, which waits for the goroutine.
type copySender struct {
	batches chan string
	failed  chan struct{} // closed when a send fails; err says why
	done    chan struct{}
	err     error
	once    sync.Once
}

func startCopySender(ctx context.Context, cp copier) *copySender {
	s := &copySender{batches: make(chan string, 4), failed: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for batch := range s.batches {
			// lib/pq watches a cancellable context with a goroutine per
			// call; the reader checks the context between batches instead.
			if _, err := cp.CopyData(context.WithoutCancel(ctx), batch); err != nil {
				s.err = err
				close(s.failed)
				for range s.batches {
				}
				return
			}
		}
	}()
	return s
}

// send queues a batch, or returns the error of an earlier one.
func (s *copySender) send(batch string) error {
	select {
	case s.batches <- batch:
		return nil
	case <-s.failed:
		return s.err
	}
}

// close waits until every queued batch is sent and returns the first
// error. It may be called more than once.
func (s *copySender) close() error {
	s.once.Do(func() { close(s.batches) })
	<-s.done
	return s.err
}

// copyRows builds rows in COPY's text format — tab-separated, \N for
// NULL, backslash escapes in text — and hands them on in batches, so that
// a large file costs few allocations and few calls.
type copyRows struct {
	send func(batch string) error
	buf  []byte
	cols int // columns written in the current row
}

// copyBatch is how many bytes of rows are sent at once.
const copyBatch = 32 << 10

// endRow ends the current row, sending the batch when it is full.
func (r *copyRows) endRow(ctx context.Context) error {
	r.cols = 0
	if len(r.buf) < copyBatch {
		r.buf = append(r.buf, '\n')
		return nil
	}
	return r.flush(ctx)
}

// flush sends the rows built so far. CopyData adds the last newline.
func (r *copyRows) flush(ctx context.Context) error {
	if len(r.buf) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := r.send(string(r.buf))
	r.buf = r.buf[:0]
	return err
}

// trimNewline drops the newline ending the buffer, before the last flush.
func (r *copyRows) trimNewline() {
	if n := len(r.buf); n > 0 && r.buf[n-1] == '\n' {
		r.buf = r.buf[:n-1]
	}
}

func (r *copyRows) next() {
	if r.cols > 0 {
		r.buf = append(r.buf, '\t')
	}
	r.cols++
}

// Null writes a NULL.
func (r *copyRows) Null() {
	r.next()
	r.buf = append(r.buf, `\N`...)
}

// Text writes a string.
func (r *copyRows) Text(s string) {
	r.next()
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			r.buf = append(r.buf, `\\`...)
		case '\t':
			r.buf = append(r.buf, `\t`...)
		case '\n':
			r.buf = append(r.buf, `\n`...)
		case '\r':
			r.buf = append(r.buf, `\r`...)
		default:
			r.buf = append(r.buf, c)
		}
	}
}

// TextOrNull writes a string, or NULL when it is empty.
func (r *copyRows) TextOrNull(s string) {
	if s == "" {
		r.Null()
		return
	}
	r.Text(s)
}

// Int writes an integer.
func (r *copyRows) Int(v int64) {
	r.next()
	r.buf = strconv.AppendInt(r.buf, v, 10)
}

// IntOrNull writes *v, or NULL.
func (r *copyRows) IntOrNull(v *int64) {
	if v == nil {
		r.Null()
		return
	}
	r.Int(*v)
}

// Bool writes a boolean.
func (r *copyRows) Bool(v bool) {
	r.next()
	if v {
		r.buf = append(r.buf, 't')
	} else {
		r.buf = append(r.buf, 'f')
	}
}

// Date writes a calendar date as YYYY-MM-DD, or NULL for the zero time.
func (r *copyRows) Date(d time.Time) {
	if d.IsZero() {
		r.Null()
		return
	}
	r.next()
	y, m, day := d.Date()
	if y < 1000 || y > 9999 {
		r.buf = d.AppendFormat(r.buf, "2006-01-02")
		return
	}
	r.buf = append(r.buf, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(m)/10), byte('0'+int(m)%10), '-', byte('0'+day/10), byte('0'+day%10))
}
