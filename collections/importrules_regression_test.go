package collections_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
)

func TestParseDecimal_AcceptsEighteenDigitsThatFitInt64(t *testing.T) {
	got, err := collections.ParseDecimal("999999999999999999")
	if err != nil || got != (collections.Decimal{Units: 999999999999999999}) {
		t.Fatalf("ParseDecimal = %+v, %v; want {999999999999999999 0}", got, err)
	}
}

func TestNewRowReader_HeaderProblemsNameTheHeadersLine(t *testing.T) {
	_, err := collections.NewRowReader(strings.NewReader("\n\ninvoice,amount\n"), "p.csv", collections.ImportPayments)
	var ie *collections.ImportError
	if !errors.As(err, &ie) || ie.Problems[0].Line != 3 {
		t.Fatalf("problems = %v, want the header's line 3", err)
	}
}

func TestNewRowReader_DuplicateHeaderProblemNamesTrimmedHeader(t *testing.T) {
	_, err := collections.NewRowReader(strings.NewReader("Invoice Number, Invoice No ,customer,currency,amount,issued_on,due_on\n"), "i.csv", collections.ImportInvoices)
	if !strings.HasPrefix(err.Error(), "i.csv:1: Invoice No: ") {
		t.Fatalf("problem = %q, want it to start %q", err.Error(), "i.csv:1: Invoice No: ")
	}
}

func TestRecord_KeepsItsValuesAfterNext(t *testing.T) {
	rr, _ := collections.NewRowReader(strings.NewReader("invoice,amount,paid_on\nINV-1,5,2026-01-01\nINV-2,6,2026-01-02\n"), "p.csv", collections.ImportPayments)
	first, _ := rr.Next()
	rr.Next()
	if got := first.Get("invoice"); got != "INV-1" {
		t.Fatalf("first record's invoice after Next = %q, want INV-1", got)
	}
}
