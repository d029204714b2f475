package collections

import (
	"errors"
	"io"
)

// The most owed reads of one CSV cell and of one row. Bytes beyond are
// dropped while reading, so a huge cell costs no memory, and the cell is
// reported as a problem.
const (
	MaxCellBytes   = 64 << 10
	MaxRecordBytes = 1 << 20
)

// cellOverflow is a cell cut short while reading: the line its row starts
// on, its field index, and whether the row (rather than the cell) was too
// long.
type cellOverflow struct {
	line, field int
	row         bool
}

// cellReader sits between a CSV file and encoding/csv. It turns CR-only and
// CRLF line endings into LF, and follows the CSV quoting rules just enough
// to know where each cell starts and ends, so that it can drop what lies
// beyond MaxCellBytes of a cell or MaxRecordBytes of a row while keeping
// the file well formed (a cut quoted cell is closed again).
type cellReader struct {
	r   io.Reader
	in  []byte
	out []byte // processed bytes not yet returned
	pos int
	eof bool
	err error

	skipLF     bool // the last byte was a CR, given as LF
	line       int  // line of the next byte, from 1
	recordLine int  // line the current row starts on
	field      int  // field index in the row
	cellLen    int  // bytes of the cell passed on
	rowLen     int  // bytes of the row's cells passed on
	quoted     bool // the cell started with a quote
	inQuotes   bool
	dropping   bool // the cell is past a limit; its bytes are dropped
	rowCut     bool // the row is past MaxRecordBytes (reported once)

	overflows []cellOverflow
}

func newCellReader(r io.Reader) *cellReader {
	return &cellReader{r: r, in: make([]byte, 32<<10), line: 1, recordLine: 1}
}

// Read implements io.Reader.
func (c *cellReader) Read(p []byte) (int, error) {
	for c.pos == len(c.out) {
		if c.err != nil {
			return 0, c.err
		}
		c.out, c.pos = c.out[:0], 0
		n, err := c.r.Read(c.in)
		c.processAll(c.in[:n])
		if err != nil {
			if errors.Is(err, io.EOF) && c.dropping && c.quoted && !c.inQuotes {
				c.out = append(c.out, '"') // close the cut cell at the end of the file
			}
			c.dropping = false
			c.err = err
		}
	}
	n := copy(p, c.out[c.pos:])
	c.pos += n
	return n, nil
}

// processAll passes runs of ordinary bytes on at once, and each quote,
// comma and line end through process.
func (c *cellReader) processAll(in []byte) {
	for i := 0; i < len(in); {
		if !c.skipLF && !c.dropping {
			room := min(MaxCellBytes-c.cellLen, MaxRecordBytes-c.rowLen)
			j := i
			for j < len(in) && j-i < room && !csvSpecial[in[j]] {
				j++
			}
			if j > i {
				c.out = append(c.out, in[i:j]...)
				c.cellLen += j - i
				c.rowLen += j - i
				i = j
				continue
			}
		}
		c.process(in[i])
		i++
	}
}

// csvSpecial marks the bytes that change the reader's state.
var csvSpecial = [256]bool{'"': true, ',': true, '\n': true, '\r': true}

func (c *cellReader) process(b byte) {
	if b == '\n' && c.skipLF {
		c.skipLF = false // the LF of a CRLF
		return
	}
	c.skipLF = false
	if b == '\r' {
		b, c.skipLF = '\n', true
	}
	before := c.inQuotes
	switch {
	case c.inQuotes:
		if b == '"' {
			c.inQuotes = false // closes the cell, unless a quote follows ("")
		}
		c.cell(b, before)
	case b == '"' && c.quoted:
		c.inQuotes = true // "" inside a quoted cell
		c.cell(b, before)
	case b == '"' && c.cellLen == 0 && !c.dropping:
		c.quoted, c.inQuotes = true, true
		c.cell(b, before)
	case b == ',' || b == '\n':
		c.endCell()
		c.out = append(c.out, b)
		c.field++
		if b == '\n' {
			c.field, c.rowLen, c.rowCut, c.recordLine = 0, 0, false, c.line+1
		}
	default:
		c.cell(b, before)
	}
	if b == '\n' {
		c.line++
	}
}

// cell passes on one byte of a cell, or drops it past a limit. wasInQuotes
// is the quoting state of the bytes passed on so far.
func (c *cellReader) cell(b byte, wasInQuotes bool) {
	if c.dropping {
		return
	}
	if c.cellLen >= MaxCellBytes || c.rowLen >= MaxRecordBytes {
		row := c.cellLen < MaxCellBytes
		if !row || !c.rowCut {
			c.overflows = append(c.overflows, cellOverflow{line: c.recordLine, field: c.field, row: row})
		}
		c.rowCut = c.rowCut || row
		c.dropping = true
		if c.quoted && !wasInQuotes {
			c.out = append(c.out, '"') // the last quote passed on may be half of a "": reopen
		}
		return
	}
	c.out = append(c.out, b)
	c.cellLen++
	c.rowLen++
}

func (c *cellReader) endCell() {
	if c.dropping && c.quoted {
		c.out = append(c.out, '"')
	}
	c.cellLen, c.quoted, c.inQuotes, c.dropping = 0, false, false, false
}

// takeOverflows returns the cells cut short on the row starting at line,
// and forgets those of earlier lines.
func (c *cellReader) takeOverflows(line int) []cellOverflow {
	var out []cellOverflow
	keep := c.overflows[:0]
	for _, o := range c.overflows {
		switch {
		case o.line == line:
			out = append(out, o)
		case o.line > line:
			keep = append(keep, o)
		}
	}
	c.overflows = keep
	return out
}
