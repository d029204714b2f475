package postgres

import (
	"context"
	"database/sql/driver"
	"strconv"
	"time"
)

// copier is lib/pq's COPY statement, which takes rows already in COPY's
// text format.
type copier interface {
	driver.Stmt
	CopyData(ctx context.Context, line string) (driver.Result, error)
}

// copyRows builds rows in COPY's text format — tab-separated, \N for
// NULL, backslash escapes in text — and hands them to a COPY statement in
// batches, so that a large file costs few allocations and few calls.
type copyRows struct {
	cp   copier
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
	// lib/pq watches a cancellable context with a goroutine per call; the
	// context is checked above instead.
	_, err := r.cp.CopyData(context.WithoutCancel(ctx), string(r.buf))
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
