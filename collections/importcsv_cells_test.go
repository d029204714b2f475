package collections_test

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
)

// repeated gives n bytes of b without holding them in memory.
type repeated struct {
	b byte
	n int
}

func (r *repeated) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	p = p[:min(len(p), r.n)]
	for i := range p {
		p[i] = r.b
	}
	r.n -= len(p)
	return len(p), nil
}

// readAll reads every row, returning each row's number and its problems.
func readAll(t *testing.T, rr *collections.RowReader) (rows []collections.Record, problems []string) {
	t.Helper()
	for {
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return rows, problems
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, rec)
		problems = append(problems, problemStrings(rec.Problems())...)
	}
}

func TestRowReader_HugeCellCostsNoMemory(t *testing.T) {
	for _, quote := range []string{"", `"`} {
		in := io.MultiReader(strings.NewReader(invoicesHeader+"\nINV-1,"+quote), &repeated{b: 'x', n: 10 << 20},
			strings.NewReader(quote+",USD,1.00,2026-01-01,2026-02-01,\nINV-2,Acme,USD,1.00,2026-01-01,2026-02-01,\n"))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		rr, err := collections.NewRowReader(in, "big.csv", collections.ImportInvoices)
		if err != nil {
			t.Fatal(err)
		}
		rows, problems := readAll(t, rr)
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
			t.Errorf("quote %q: reading a 10 MB cell allocated %d bytes, want under 2 MB", quote, alloc)
		}
		checkProblems(t, problems, []want{{"big.csv:2: customer: ", "the cell is longer than 65536 bytes"}})
		if len(rows) != 2 || rows[1].Line != 3 || rows[1].Get("customer") != "Acme" || rows[0].Get("currency") != "USD" {
			t.Errorf("quote %q: the rows around the cut cell were not read as written", quote)
		}
	}
}

func TestRowReader_CutCellsKeepTheFileWellFormed(t *testing.T) {
	// A quoted cell whose cut falls right after the first half of a "":
	// the rest of the file is still read, on the right lines.
	cell := `"` + strings.Repeat("a", collections.MaxCellBytes-2) + `""tail"`
	long := strings.Repeat("b", 60<<10)
	wide := "INV-3,Acme,USD,1.00,2026-01-01,2026-02-01,1.00" + strings.Repeat(","+long, 20)
	body := invoicesHeader + "\nINV-1," + cell + ",USD,1.00,2026-01-01,2026-02-01,\n" +
		"\"INV-2\nsplit\",Acme,USD,1.00,2026-01-01,2026-02-01,\n" + wide + "\nINV-4,Acme,USD,1.00,2026-01-01,2026-02-01,\n"
	rr, err := collections.NewRowReader(strings.NewReader(body), "f.csv", collections.ImportInvoices)
	if err != nil {
		t.Fatal(err)
	}
	rows, problems := readAll(t, rr)
	checkProblems(t, problems, []want{
		{"f.csv:2: customer: ", "the cell is longer than"},
		{"f.csv:5: row: ", "the row is longer than 1048576 bytes"},
	})
	var lines []int
	for _, r := range rows {
		lines = append(lines, r.Line)
	}
	if len(rows) != 4 || rows[0].Get("currency") != "USD" || rows[1].Get("number") != "INV-2\nsplit" ||
		rows[3].Get("number") != "INV-4" || lines[3] != 6 {
		t.Errorf("rows read on lines %v; want 2, 3, 5, 6 with their cells", lines)
	}
}

func TestRowReader_LineEndings(t *testing.T) {
	for name, eol := range map[string]string{"LF": "\n", "CRLF": "\r\n", "CR": "\r"} {
		body := strings.ReplaceAll(invoicesHeader+"\nINV-1,Acme,USD,1.00,2026-01-01,2026-02-01,\n\nINV-2,\"Two\nlines\",USD,1.00,2026-01-01,2026-02-01,\n", "\n", eol)
		rr, err := collections.NewRowReader(strings.NewReader(body), "f.csv", collections.ImportInvoices)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rows, problems := readAll(t, rr)
		if len(problems) != 0 || len(rows) != 2 {
			t.Fatalf("%s: %d rows, problems %v", name, len(rows), problems)
		}
		if rows[0].Get("due_on") != "2026-02-01" || rows[1].Line != 4 || rows[1].Get("customer") != "Two\nlines" {
			t.Errorf("%s: rows %q (line %d), %q (line %d)", name, rows[0].Get("due_on"), rows[0].Line, rows[1].Get("customer"), rows[1].Line)
		}
	}
}

func TestRowReader_CellsThatCannotBeStored(t *testing.T) {
	body := invoicesHeader + ",notes\nINV-1,Caf\xe9,USD,1.00,2026-01-01,2026-02-01,\nINV-\x002,Acme,USD,1.00,2026-01-01,2026-02-01,\n" +
		"INV-3," + strings.Repeat("é", 501) + ",USD,1.00,2026-01-01,2026-02-01,\nINV-4,Acme,USD,1.00,2026-01-01,2026-02-01,bad\xff\n" +
		"INV-5,Acme,USD,1.00,2026-01-01,2026-02-01,,ignored \xff column\x00\n"
	rr := newReader(t, collections.ImportInvoices, "f.csv", body)
	_, problems := readAll(t, rr)
	checkProblems(t, problems, []want{
		{"f.csv:2: customer: ", "not valid UTF-8"},
		{"f.csv:3: number: ", "NUL byte"},
		{"f.csv:4: customer: ", "is 501 characters long; at most 500"},
		{"f.csv:5: balance: ", "not valid UTF-8"},
	})
	// The row's own problems replace what validation says of the same cell.
	rec := onlyRecord(t, collections.ImportInvoices, "g.csv", invoicesHeader, "INV-1,Acme,USD,1.00,2026-01-01,2026-02-01,bad\xff")
	_, ps := collections.ParseInvoiceRow(rec)
	checkProblems(t, problemStrings(rec.WithProblems(ps)), []want{{"g.csv:2: balance: ", "not valid UTF-8"}})
}
