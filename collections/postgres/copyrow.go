package postgres

import (
	"bufio"
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
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

// background hands values to fn, in order, on a goroutine of its own, so
// that the file is read and checked while the server works on what came
// before. Its owner calls close, which waits for the goroutine.
type background[T any] struct {
	queue  chan T
	failed chan struct{} // closed when fn fails; err says why
	done   chan struct{}
	err    error
	once   sync.Once
}

// startBackground starts the goroutine; up to depth values wait for it.
func startBackground[T any](depth int, fn func(T) error) *background[T] {
	s := &background[T]{queue: make(chan T, depth), failed: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for v := range s.queue {
			if err := fn(v); err != nil {
				s.err = err
				close(s.failed)
				for range s.queue {
				}
				return
			}
		}
	}()
	return s
}

// send queues a value, or returns the error of an earlier one.
func (s *background[T]) send(v T) error {
	select {
	case s.queue <- v:
		return nil
	case <-s.failed:
		return s.err
	}
}

// close waits until every queued value is handled and returns the first
// error. It may be called more than once.
func (s *background[T]) close() error {
	s.once.Do(func() { close(s.queue) })
	<-s.done
	return s.err
}

// startCopySender sends batches of rows to a COPY statement in the
// background.
func startCopySender(ctx context.Context, cp copier) *background[string] {
	return startBackground(4, func(batch string) error {
		// lib/pq watches a cancellable context with a goroutine per
		// call; the reader checks the context between batches instead.
		_, err := cp.CopyData(context.WithoutCancel(ctx), batch)
		return err
	})
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

// Raw writes columns already in COPY's text format, such as those a
// rowSpool gives back.
func (r *copyRows) Raw(cols []byte) {
	r.next()
	r.buf = append(r.buf, cols...)
}

// reset forgets the rows built so far, for a buffer that holds one row.
func (r *copyRows) reset() {
	r.buf, r.cols = r.buf[:0], 0
}

// rowSpool keeps the rows of a file between passes, so that a file read
// once (from standard input, say) can be sent to the server after what its
// rows refer to is known. Each record is a few integers and columns in
// COPY's text format. Records go to a temporary file, readable by its
// owner only and unlinked at once where the system allows, or to memory
// when no temporary file can be made.
type rowSpool struct {
	f       *os.File
	removed bool          // f has no name left to remove
	mem     *bytes.Buffer // instead of f
	w       *bufio.Writer
	r       *bufio.Reader
	rec     []byte
}

func newRowSpool() *rowSpool {
	s := &rowSpool{}
	var dst io.Writer
	if f, err := os.CreateTemp("", "owed-import-*"); err == nil {
		s.f, dst = f, f
		s.removed = os.Remove(f.Name()) == nil
	} else {
		s.mem = &bytes.Buffer{}
		dst = s.mem
	}
	s.w = bufio.NewWriterSize(dst, 256<<10)
	return s
}

// put adds a record of the integers head and the columns cols.
func (s *rowSpool) put(head []int64, cols []byte) error {
	s.rec = s.rec[:0]
	for _, v := range head {
		s.rec = binary.AppendVarint(s.rec, v)
	}
	s.rec = binary.AppendUvarint(s.rec, uint64(len(cols)))
	s.rec = append(s.rec, cols...)
	if _, err := s.w.Write(s.rec); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

// rewind makes next read the records from the first; records are put
// before the first rewind only.
func (s *rowSpool) rewind() error {
	if s.w != nil {
		if err := s.w.Flush(); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		s.w = nil
	}
	var src io.Reader
	if s.f != nil {
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		src = s.f
	} else {
		src = bytes.NewReader(s.mem.Bytes())
	}
	if s.r == nil {
		s.r = bufio.NewReaderSize(src, 256<<10)
	} else {
		s.r.Reset(src)
	}
	return nil
}

// next reads the next record into head, which has as many integers as
// were put, and returns its columns, valid until the next call, or io.EOF.
func (s *rowSpool) next(head []int64) ([]byte, error) {
	for i := range head {
		v, err := binary.ReadVarint(s.r)
		if err != nil {
			if i == 0 && errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("spool: %w", noEOF(err))
		}
		head[i] = v
	}
	n, err := binary.ReadUvarint(s.r)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", noEOF(err))
	}
	s.rec = slices.Grow(s.rec[:0], int(n))[:n]
	if _, err := io.ReadFull(s.r, s.rec); err != nil {
		return nil, fmt.Errorf("spool: %w", noEOF(err))
	}
	return s.rec, nil
}

// noEOF turns the end of the spool inside a record into the error it is.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// close removes the spool.
func (s *rowSpool) close() {
	if s.f != nil {
		s.f.Close()
		if !s.removed {
			os.Remove(s.f.Name())
		}
	}
}
