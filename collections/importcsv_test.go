package collections_test

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/owedhq/owed/collections"
)

const (
	customersHeader = "name,ref,email,phone,timezone,owner,credit_limit,currency,tier"
	invoicesHeader  = "number,customer,currency,amount,issued_on,due_on,balance"
	paymentsHeader  = "invoice,amount,paid_on,reference"
)

func newReader(t *testing.T, kind collections.ImportKind, file, data string) *collections.RowReader {
	t.Helper()
	rr, err := collections.NewRowReader(strings.NewReader(data), file, kind)
	if err != nil {
		t.Fatalf("NewRowReader(%s): %v", kind, err)
	}
	return rr
}

// forEach calls fn with each data row; a Record is used before the next
// call to Next, as the importer does.
func forEach(t *testing.T, rr *collections.RowReader, fn func(collections.Record)) {
	t.Helper()
	for {
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		fn(rec)
	}
}

// firstRecord returns the first data row.
func firstRecord(t *testing.T, rr *collections.RowReader) collections.Record {
	t.Helper()
	rec, err := rr.Next()
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return rec
}

// onlyRecord reads a file of a header and one data row.
func onlyRecord(t *testing.T, kind collections.ImportKind, file, header, row string) collections.Record {
	t.Helper()
	return firstRecord(t, newReader(t, kind, file, header+"\n"+row+"\n"))
}

// importProblems returns the problems of an *ImportError as people see them.
func importProblems(t *testing.T, err error) []string {
	t.Helper()
	var ie *collections.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *ImportError", err, err)
	}
	if code := collections.ErrorCode(err); code != collections.EINVALID {
		t.Fatalf("ErrorCode = %q, want %q", code, collections.EINVALID)
	}
	return problemStrings(ie.Problems)
}

func problemStrings(ps []collections.Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

// want is a problem as people see it: it starts with "FILE:LINE: column: "
// and its message contains says.
type want struct{ at, says string }

func checkProblems(t *testing.T, got []string, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(wants), strings.Join(got, "\n"))
	}
	for i, w := range wants {
		msg, ok := strings.CutPrefix(got[i], w.at)
		if !ok || !strings.Contains(msg, w.says) {
			t.Errorf("problem %d = %q, want %q followed by a message containing %q", i, got[i], w.at, w.says)
		}
	}
}

func TestProblemString_IsFileLineColumnProblem(t *testing.T) {
	p := collections.Problem{File: "invoices.csv", Line: 7, Column: "Due Date", Message: "is required"}
	if got, want := p.String(), "invoices.csv:7: Due Date: is required"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}

func TestImportError(t *testing.T) {
	t.Run("ListsEveryProblemOneALine", func(t *testing.T) {
		ie := &collections.ImportError{}
		ie.Add(collections.Problem{File: "f.csv", Line: 2, Column: "amount", Message: "is required"})
		ie.Add(collections.Problem{File: "f.csv", Line: 9, Column: "due_on", Message: "is required"})
		want := "f.csv:2: amount: is required\nf.csv:9: due_on: is required"
		if ie.Error() != want {
			t.Fatalf("Error() = %q, want %q", ie.Error(), want)
		}
		if ie.Len() != 2 {
			t.Fatalf("Len() = %d, want 2", ie.Len())
		}
	})
	t.Run("CountsProblemsBeyondTheFirstHundredThousand", func(t *testing.T) {
		const kept = 100_000
		ie := &collections.ImportError{}
		for i := range kept + 5 {
			ie.Add(collections.Problem{File: "f.csv", Line: i + 2, Column: "amount", Message: "is required"})
		}
		if len(ie.Problems) != kept || ie.More != 5 || ie.Len() != kept+5 {
			t.Fatalf("kept %d, more %d, Len %d; want %d, 5, %d", len(ie.Problems), ie.More, ie.Len(), kept, kept+5)
		}
		lines := strings.Split(ie.Error(), "\n")
		if len(lines) != kept+1 || !strings.Contains(lines[kept], "5 more problems") {
			t.Fatalf("Error() has %d lines ending %q; want %d ending with the 5 more", len(lines), lines[len(lines)-1], kept+1)
		}
	})
	t.Run("IsAnInvalidErrorCountingAllProblems", func(t *testing.T) {
		ie := &collections.ImportError{Problems: make([]collections.Problem, 3), More: 2}
		var err error = ie
		if code := collections.ErrorCode(err); code != collections.EINVALID {
			t.Fatalf("ErrorCode = %q, want %q", code, collections.EINVALID)
		}
		if msg := collections.ErrorMessage(err); !strings.Contains(msg, "5 problems") || !strings.Contains(msg, "nothing was imported") {
			t.Fatalf("ErrorMessage = %q, want it to count 5 problems and say nothing was imported", msg)
		}
	})
}

func TestMatchHeader(t *testing.T) {
	tests := []struct {
		name   string
		kind   collections.ImportKind
		header string
		want   string
	}{
		// The documented header aliases.
		{"InvoiceNumber", collections.ImportInvoices, "Invoice Number", "number"},
		{"InvoiceNo", collections.ImportInvoices, "Invoice No", "number"},
		{"InvoiceNoWithUnderscore", collections.ImportInvoices, "invoice_no", "number"},
		{"InvoiceNoWithPoint", collections.ImportInvoices, "Invoice No.", "number"},
		{"InvoiceHash", collections.ImportInvoices, "Invoice #", "number"},
		{"NumberUpperCase", collections.ImportInvoices, "NUMBER", "number"},
		{"DueDate", collections.ImportInvoices, "Due Date", "due_on"},
		{"DueDateWithHyphen", collections.ImportInvoices, "Due-Date", "due_on"},
		{"DueOn", collections.ImportInvoices, "due_on", "due_on"},
		{"DueOnRunTogether", collections.ImportInvoices, "DueOn", "due_on"},
		{"Customer", collections.ImportInvoices, "Customer", "customer"},
		{"CustomerName", collections.ImportInvoices, "Customer Name", "customer"},
		{"Contact", collections.ImportInvoices, "contact", "customer"},
		{"Amount", collections.ImportInvoices, "Amount", "amount"},
		{"Total", collections.ImportInvoices, "Total", "amount"},
		{"AmountDueShouted", collections.ImportInvoices, "AMOUNT DUE", "balance"},
		{"Balance", collections.ImportInvoices, "Balance", "balance"},
		{"IssueDatePadded", collections.ImportInvoices, "  Issue Date  ", "issued_on"},
		{"CurrencyCode", collections.ImportInvoices, "Currency_Code", "currency"},
		{"CustomerNameInCustomersFile", collections.ImportCustomers, "Customer Name", "name"},
		{"ContactInCustomersFile", collections.ImportCustomers, "Contact", "name"},
		{"CreditLimitWithSpace", collections.ImportCustomers, "Credit Limit", "credit_limit"},
		{"CreditLimitWithHyphen", collections.ImportCustomers, "credit-limit", "credit_limit"},
		{"EMail", collections.ImportCustomers, "E-Mail", "email"},
		{"TimeZone", collections.ImportCustomers, "Time Zone", "timezone"},
		{"OwnerSlackID", collections.ImportCustomers, "Owner Slack ID", "owner"},
		{"InvoiceNumberInPaymentsFile", collections.ImportPayments, "Invoice Number", "invoice"},
		{"PaymentDate", collections.ImportPayments, "Payment Date", "paid_on"},
		{"AmountPaid", collections.ImportPayments, "Amount Paid", "amount"},
		{"TransactionID", collections.ImportPayments, "Transaction ID", "reference"},
		// Headers owed does not read.
		{"UnknownHeader", collections.ImportInvoices, "Notes", ""},
		{"EmptyHeader", collections.ImportInvoices, "", ""},
		{"PaymentsHeaderInInvoicesFile", collections.ImportInvoices, "Amount Paid", ""},
		{"InvoicesHeaderInPaymentsFile", collections.ImportPayments, "Due Date", ""},
		{"PartOfAName", collections.ImportInvoices, "Amount Due Later", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collections.MatchHeader(tt.kind, tt.header); got != tt.want {
				t.Fatalf("MatchHeader(%s, %q) = %q, want %q", tt.kind, tt.header, got, tt.want)
			}
		})
	}
}

func TestColumns_EveryNameAndAliasMeansItsOwnColumn(t *testing.T) {
	for kind, cols := range collections.Columns {
		for _, c := range cols {
			for _, h := range append([]string{c.Name}, c.Aliases...) {
				if got := collections.MatchHeader(kind, h); got != c.Name {
					t.Errorf("%s: header %q means %q, want %q", kind, h, got, c.Name)
				}
			}
		}
	}
}

func TestNewRowReader(t *testing.T) {
	t.Run("ToleratesUTF8BOM", func(t *testing.T) {
		rr := newReader(t, collections.ImportPayments, "payments.csv", "\ufeffinvoice,amount,paid_on\nINV-1,5.00,2026-01-01\n")
		if !rr.Has("invoice") {
			t.Fatal("the BOM hid the first header")
		}
		var got []string
		forEach(t, rr, func(rec collections.Record) { got = append(got, fmt.Sprintf("%d:%s", rec.Line, rec.Get("invoice"))) })
		if !reflect.DeepEqual(got, []string{"2:INV-1"}) {
			t.Fatalf("records = %q, want INV-1 at line 2", got)
		}
	})

	t.Run("SaysAUTF16FileIsUTF16", func(t *testing.T) {
		text := "invoice,amount,paid_on\nINV-1,5.00,2026-01-01\n"
		le, be := []byte{0xFF, 0xFE}, []byte{0xFE, 0xFF}
		for _, r := range text {
			le = append(le, byte(r), 0)
			be = append(be, 0, byte(r))
		}
		for name, data := range map[string][]byte{"LittleEndian": le, "BigEndian": be, "WithoutItsMark": le[2:]} {
			_, err := collections.NewRowReader(strings.NewReader(string(data)), "payments.csv", collections.ImportPayments)
			checkProblems(t, importProblems(t, err), []want{{"payments.csv:1: header: ", "UTF-16 text"}})
			if t.Failed() {
				t.Fatalf("%s: %v", name, err)
			}
		}
	})

	t.Run("MapsAliasesAndIgnoresOtherColumns", func(t *testing.T) {
		data := "Invoice No.,Notes,Customer Name,Cur, Total ,Invoice Date,Due Date\n" +
			"INV-9,call first,Acme,USD,10.00,2026-01-01,2026-02-01\n"
		rr := newReader(t, collections.ImportInvoices, "invoices.csv", data)
		if rr.Has("balance") {
			t.Error("Has(balance) = true for a file without one")
		}
		if got := rr.Header("amount"); got != "Total" {
			t.Errorf("Header(amount) = %q, want the file's own header %q", got, "Total")
		}
		rec := firstRecord(t, rr)
		for col, want := range map[string]string{"number": "INV-9", "customer": "Acme", "currency": "USD", "amount": "10.00", "issued_on": "2026-01-01", "due_on": "2026-02-01", "balance": ""} {
			if got := rec.Get(col); got != want {
				t.Errorf("Get(%s) = %q, want %q", col, got, want)
			}
		}
	})

	t.Run("ReportsEachMissingRequiredColumnAtLine1", func(t *testing.T) {
		_, err := collections.NewRowReader(strings.NewReader("Invoice Number,Customer,Amount,Notes\nINV-1,Acme,1.00,x\n"), "invoices.csv", collections.ImportInvoices)
		checkProblems(t, importProblems(t, err), []want{
			{"invoices.csv:1: currency: ", "required column is missing"},
			{"invoices.csv:1: issued_on: ", "required column is missing"},
			{"invoices.csv:1: due_on: ", "required column is missing"},
		})
	})

	t.Run("MissingColumnProblemNamesTheHeadersThatWouldDo", func(t *testing.T) {
		_, err := collections.NewRowReader(strings.NewReader("invoice,amount\n"), "payments.csv", collections.ImportPayments)
		checkProblems(t, importProblems(t, err), []want{{"payments.csv:1: paid_on: ", "payment date"}})
	})

	t.Run("ReportsTwoAliasesOfTheSameColumn", func(t *testing.T) {
		data := "Invoice Number,customer,Invoice No,currency,amount,issued_on,due_on\n"
		_, err := collections.NewRowReader(strings.NewReader(data), "invoices.csv", collections.ImportInvoices)
		checkProblems(t, importProblems(t, err), []want{{"invoices.csv:1: Invoice No: ", `"Invoice Number"`}})
	})

	t.Run("AColumnsOwnNameBeatsAnAlias", func(t *testing.T) {
		// An export with both the customer's name and its ref.
		for header, row := range map[string]string{
			"number,Customer Ref,customer,currency,amount,issued_on,due_on": "A-1,C-001,ACME Corp.,USD,1.00,2026-01-01,2026-02-01",
			"number,customer,Customer Ref,currency,amount,issued_on,due_on": "A-1,ACME Corp.,C-001,USD,1.00,2026-01-01,2026-02-01",
		} {
			rr, err := collections.NewRowReader(strings.NewReader(header+"\n"+row+"\n"), "invoices.csv", collections.ImportInvoices)
			if err != nil {
				t.Fatalf("%s: %v", header, err)
			}
			rec, err := rr.Next()
			if err != nil || rec.Get("customer") != "ACME Corp." {
				t.Errorf("%s: customer read as %q, %v; want the Customer column", header, rec.Get("customer"), err)
			}
		}
	})

	t.Run("ReportsEmptyFile", func(t *testing.T) {
		for name, data := range map[string]string{"NoBytes": "", "OnlyBOM": "\ufeff", "OnlyNewlines": "\n\n"} {
			t.Run(name, func(t *testing.T) {
				_, err := collections.NewRowReader(strings.NewReader(data), "customers.csv", collections.ImportCustomers)
				checkProblems(t, importProblems(t, err), []want{{"customers.csv:1: header: ", "empty"}})
			})
		}
	})

	t.Run("RefusesUnknownKind", func(t *testing.T) {
		_, err := collections.NewRowReader(strings.NewReader("a,b\n"), "refunds.csv", collections.ImportKind("refunds"))
		if code := collections.ErrorCode(err); code != collections.EINVALID {
			t.Fatalf("ErrorCode = %q (%v), want %q", code, err, collections.EINVALID)
		}
	})
}

func TestRowReaderNext(t *testing.T) {
	t.Run("SkipsBlankRowsAndCountsLinesAfterQuotedNewline", func(t *testing.T) {
		data := "invoice,amount,paid_on,reference\n" + // 1
			"INV-1,5.00,2026-01-01,\"wire\n" + // 2
			"from Acme\"\n" + // 3
			"\n" + // 4
			",,,\n" + // 5
			"  , ,\t,\n" + // 6
			"INV-2,6.00,2026-01-02,\n" // 7
		var got []string
		forEach(t, newReader(t, collections.ImportPayments, "payments.csv", data), func(rec collections.Record) {
			got = append(got, fmt.Sprintf("%d:%s:%s", rec.Line, rec.Get("invoice"), rec.Get("reference")))
		})
		want := []string{"2:INV-1:wire\nfrom Acme", "7:INV-2:"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("records = %q, want %q", got, want)
		}
	})

	t.Run("CountsLinesWithCRLF", func(t *testing.T) {
		data := "invoice,amount,paid_on\r\nINV-1,5.00,2026-01-01\r\n\r\nINV-2,6.00,2026-01-02\r\n"
		var got []string
		forEach(t, newReader(t, collections.ImportPayments, "payments.csv", data), func(rec collections.Record) {
			got = append(got, fmt.Sprintf("%d:%s", rec.Line, rec.Get("paid_on")))
		})
		if want := []string{"2:2026-01-01", "4:2026-01-02"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("records = %q, want %q (no trailing CR)", got, want)
		}
	})

	t.Run("ReadsMissingAndPaddedFieldsTrimmed", func(t *testing.T) {
		rec := onlyRecord(t, collections.ImportPayments, "payments.csv", paymentsHeader, "  INV-1  , 5.00 ")
		if rec.Get("invoice") != "INV-1" || rec.Get("amount") != "5.00" || rec.Get("paid_on") != "" {
			t.Fatalf("Get = %q, %q, %q; want INV-1, 5.00, empty", rec.Get("invoice"), rec.Get("amount"), rec.Get("paid_on"))
		}
	})

	t.Run("MalformedLineIsAProblemAtItsLineAndTheRestIsRead", func(t *testing.T) {
		data := paymentsHeader + "\nINV-1,5.00,2026-01-01,\nINV-2,5.00,2026-01-01,ab\"c\nINV-3,abc,2026-01-01,\n"
		var got []string
		forEach(t, newReader(t, collections.ImportPayments, "payments.csv", data), func(rec collections.Record) {
			got = append(got, fmt.Sprintf("%d:%s:%q", rec.Line, rec.Get("invoice"), problemStrings(rec.WithProblems(nil))))
		})
		want := []string{`2:INV-1:[]`, `3::["payments.csv:3: csv: malformed CSV: bare \" in non-quoted-field"]`, `4:INV-3:[]`}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("records = %q, want %q", got, want)
		}
	})

	t.Run("UnclosedQuoteIsAProblemAtTheLineItOpens", func(t *testing.T) {
		data := paymentsHeader + "\nINV-1,5.00,2026-01-01,\"wire\nINV-2,5.00,2026-01-01,\nINV-3,5.00,2026-01-01,\n"
		var got []string
		forEach(t, newReader(t, collections.ImportPayments, "payments.csv", data), func(rec collections.Record) {
			got = append(got, problemStrings(rec.Problems())...)
		})
		checkProblems(t, got, []want{{"payments.csv:2: csv: ", "malformed CSV"}})
	})

	t.Run("CellsPastTheHeaderAreAProblem", func(t *testing.T) {
		// 1,000.00 unquoted: the balance would be read as 1.
		data := "number,customer,currency,amount,issued_on,due_on,balance\n" +
			"I-1,Acme,USD,2500.00,2026-01-01,2026-02-01,1,000.00\n" +
			"I-2,Acme,USD,10.00,2026-01-01,2026-02-01,5.00,,\n" // empty trailing cells are fine
		var got []string
		forEach(t, newReader(t, collections.ImportInvoices, "invoices.csv", data), func(rec collections.Record) {
			got = append(got, fmt.Sprintf("%d:%q", rec.Line, problemStrings(rec.Problems())))
		})
		want := []string{`2:["invoices.csv:2: row: has 8 cells, the header 7; a value with a comma in it must be in double quotes (\"1,234.50\")"]`, `3:[]`}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("records = %q, want %q", got, want)
		}
	})
}

func TestParseCustomerRow(t *testing.T) {
	t.Run("ReadsAFullRow", func(t *testing.T) {
		rec := onlyRecord(t, collections.ImportCustomers, "customers.csv", customersHeader,
			`ACME Corp.,C-001,ap@acme.test,+1 555 0100,Europe/Paris,<@U024BE7LH|ann>,"5,000.00",usd,gold`)
		got, ps := collections.ParseCustomerRow(rec)
		if len(ps) > 0 {
			t.Fatalf("problems: %q", problemStrings(ps))
		}
		want := collections.CustomerRow{Line: 2, Name: "ACME Corp.", SearchName: "acme corp", Ref: "C-001",
			Email: "ap@acme.test", Phone: "+1 555 0100", Timezone: "Europe/Paris", OwnerSlackID: "U024BE7LH",
			CreditLimit: &collections.Money{Minor: 500000, Currency: "USD"}, Tier: "gold"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseCustomerRow = %+v, want %+v", got, want)
		}
	})

	t.Run("NameOnlyIsEnough", func(t *testing.T) {
		got, ps := collections.ParseCustomerRow(onlyRecord(t, collections.ImportCustomers, "customers.csv", "name", "Beta"))
		if len(ps) > 0 || got.Name != "Beta" || got.CreditLimit != nil || got.OwnerSlackID != "" {
			t.Fatalf("ParseCustomerRow = %+v, %q; want Beta with nothing else", got, problemStrings(ps))
		}
	})

	t.Run("CreditLimit", func(t *testing.T) {
		tests := []struct {
			name, limit, currency string
			want                  collections.Money
		}{
			{"AmountThenCode", "5000 USD", "", collections.Money{Minor: 500000, Currency: "USD"}},
			{"CodeThenAmount", "USD 5000", "", collections.Money{Minor: 500000, Currency: "USD"}},
			{"LowerCaseCodeWithThousands", `"5,000.00 usd"`, "", collections.Money{Minor: 500000, Currency: "USD"}},
			{"CurrencyColumn", "5000", "EUR", collections.Money{Minor: 500000, Currency: "EUR"}},
			{"LowerCaseCurrencyColumn", "5000", "eur", collections.Money{Minor: 500000, Currency: "EUR"}},
			{"JPY", "1200000 JPY", "", collections.Money{Minor: 1200000, Currency: "JPY"}},
			{"BHD", "1.250", "BHD", collections.Money{Minor: 1250, Currency: "BHD"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rec := onlyRecord(t, collections.ImportCustomers, "customers.csv", "name,credit_limit,currency", "Acme,"+tt.limit+","+tt.currency)
				got, ps := collections.ParseCustomerRow(rec)
				if len(ps) > 0 {
					t.Fatalf("problems: %q", problemStrings(ps))
				}
				if got.CreditLimit == nil || *got.CreditLimit != tt.want {
					t.Fatalf("CreditLimit = %v, want %v", got.CreditLimit, tt.want)
				}
			})
		}
	})

	t.Run("CreditLimitWithoutACurrency", func(t *testing.T) {
		// The spec's customers file has a bare credit_limit column: the
		// limit is kept as written, in the currency the customer is
		// invoiced in.
		for _, tc := range []struct{ header, row, want string }{
			{"name,credit_limit", "Acme,25000.00", "25000.00"},
			{"name,credit_limit", `Acme,"5,000"`, "5000"},
			{"name,credit_limit,currency", "Acme,0.5,", "0.5"},
		} {
			got, ps := collections.ParseCustomerRow(onlyRecord(t, collections.ImportCustomers, "customers.csv", tc.header, tc.row))
			if len(ps) > 0 || got.CreditLimit != nil || got.CreditAmount != tc.want {
				t.Errorf("%s: limit %v, amount %q, problems %q; want amount %q", tc.row, got.CreditLimit, got.CreditAmount, problemStrings(ps), tc.want)
			}
		}
	})

	t.Run("OwnerSlackID", func(t *testing.T) {
		tests := []struct{ name, owner, want string }{
			{"PlainUserID", "U024BE7LH", "U024BE7LH"},
			{"Mention", "<@U024BE7LH>", "U024BE7LH"},
			{"MentionWithName", "<@U024BE7LH|ann>", "U024BE7LH"},
			{"AtUserID", "@U024BE7LH", "U024BE7LH"},
			{"EnterpriseUserID", "W0123ABCD", "W0123ABCD"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, ps := collections.ParseCustomerRow(onlyRecord(t, collections.ImportCustomers, "customers.csv", "name,owner", "Acme,"+tt.owner))
				if len(ps) > 0 || got.OwnerSlackID != tt.want {
					t.Fatalf("OwnerSlackID = %q, problems %q; want %q", got.OwnerSlackID, problemStrings(ps), tt.want)
				}
			})
		}
	})

	t.Run("Problems", func(t *testing.T) {
		tests := []struct {
			name, header, row string
			want              []want
		}{
			{"OwnerIsAName", "name,owner", "Acme,bob",
				[]want{{"customers.csv:2: owner: ", `"bob" is not a Slack user ID`}}},
			{"OwnerIsAHandle", "name,owner", "Acme,@bob",
				[]want{{"customers.csv:2: owner: ", `"@bob"`}}},
			{"OwnerInLowerCase", "name,owner", "Acme,u024be7lh",
				[]want{{"customers.csv:2: owner: ", `"u024be7lh"`}}},
			{"OwnerIsAChannel", "name,owner", "Acme,C024BE7LH",
				[]want{{"customers.csv:2: owner: ", `"C024BE7LH"`}}},
			{"CreditLimitWithoutCurrencyInWords", "name,credit_limit", "Acme,lots",
				[]want{{"customers.csv:2: credit_limit: ", `"lots" is not a valid amount`}}},
			{"CreditLimitWithTooManyDecimals", "name,credit_limit,currency", "Acme,12.345,USD",
				[]want{{"customers.csv:2: credit_limit: ", "3 decimals"}}},
			{"CreditLimitInWords", "name,credit_limit,currency", "Acme,5000 dollars,USD",
				[]want{{"customers.csv:2: credit_limit: ", `"5000 dollars"`}}},
			{"CreditLimitInUnknownCurrency", "name,credit_limit,currency", "Acme,5000,ZZZ",
				[]want{{"customers.csv:2: credit_limit: ", "ISO 4217"}}},
			{"NegativeCreditLimit", "name,credit_limit", "Acme,-5000 USD",
				[]want{{"customers.csv:2: credit_limit: ", `"-5000"`}}},
			{"MissingName", "name,ref", ",C-001",
				[]want{{"customers.csv:2: name: ", "is required"}}},
			{"NameWithoutLetters", "name,ref", "...,C-001",
				[]want{{"customers.csv:2: name: ", "no letters or digits"}}},
			{"BadEmail", "name,email", "Acme,ap-at-acme",
				[]want{{"customers.csv:2: email: ", `"ap-at-acme"`}}},
			{"BadTimezone", "name,timezone", "Acme,Mars/Olympus",
				[]want{{"customers.csv:2: timezone: ", `"Mars/Olympus"`}}},
			{"ProblemsNameTheFilesOwnHeaders", "Customer Name,Account Owner,Credit", "Acme,bob,5000 dollars",
				[]want{{"customers.csv:2: Account Owner: ", `"bob"`}, {"customers.csv:2: Credit: ", `"5000 dollars"`}}},
			{"EveryProblemOfTheRow", customersHeader, ",,nope,,Nowhere/Town,bob,-5,,",
				[]want{
					{"customers.csv:2: name: ", "is required"},
					{"customers.csv:2: email: ", `"nope"`},
					{"customers.csv:2: timezone: ", `"Nowhere/Town"`},
					{"customers.csv:2: owner: ", `"bob"`},
					{"customers.csv:2: credit_limit: ", `"-5"`},
				}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, ps := collections.ParseCustomerRow(onlyRecord(t, collections.ImportCustomers, "customers.csv", tt.header, tt.row))
				checkProblems(t, problemStrings(ps), tt.want)
			})
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestParseInvoiceRow(t *testing.T) {
	t.Run("Reads", func(t *testing.T) {
		tests := []struct {
			name, row string
			want      collections.InvoiceRow
		}{
			{"USDWithBalance", `INV-1001,ACME Corp.,usd,"1,234.50",2026-04-01,2026-05-01,75.50`, collections.InvoiceRow{
				Line: 2, Number: "INV-1001", Customer: "ACME Corp.", CustomerKey: "acme corp", Currency: "USD",
				Amount: 123450, Balance: ptr(int64(7550)), IssuedOn: day(2026, time.April, 1), DueOn: day(2026, time.May, 1)}},
			{"JPYDueOnIssueDayWithoutBalance", `INV-2,Tokyo KK,JPY,1200,2026-04-01,2026-04-01,`, collections.InvoiceRow{
				Line: 2, Number: "INV-2", Customer: "Tokyo KK", CustomerKey: "tokyo kk", Currency: "JPY",
				Amount: 1200, IssuedOn: day(2026, time.April, 1), DueOn: day(2026, time.April, 1)}},
			{"BHDBalanceEqualToAmount", `INV-3,Manama Trading,BHD,1.250,2026-04-01,2026-05-01,1.25`, collections.InvoiceRow{
				Line: 2, Number: "INV-3", Customer: "Manama Trading", CustomerKey: "manama trading", Currency: "BHD",
				Amount: 1250, Balance: ptr(int64(1250)), IssuedOn: day(2026, time.April, 1), DueOn: day(2026, time.May, 1)}},
			{"FullyPaid", `INV-4,Beta,EUR,10,2026-04-01,2026-05-01,0.00`, collections.InvoiceRow{
				Line: 2, Number: "INV-4", Customer: "Beta", CustomerKey: "beta", Currency: "EUR",
				Amount: 1000, Balance: ptr(int64(0)), IssuedOn: day(2026, time.April, 1), DueOn: day(2026, time.May, 1)}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, ps := collections.ParseInvoiceRow(onlyRecord(t, collections.ImportInvoices, "invoices.csv", invoicesHeader, tt.row))
				if len(ps) > 0 {
					t.Fatalf("problems: %q", problemStrings(ps))
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("ParseInvoiceRow =\n%+v, want\n%+v", got, tt.want)
				}
			})
		}
	})

	t.Run("Problems", func(t *testing.T) {
		tests := []struct {
			name, row string
			want      []want
		}{
			{"BadIssueDate", "INV-1,Acme,USD,10.00,2026-13-01,2026-05-01,",
				[]want{{"invoices.csv:2: issued_on: ", `"2026-13-01" is not a date (want YYYY-MM-DD)`}}},
			{"BadDueDate", "INV-1,Acme,USD,10.00,2026-04-01,05/01/2026,",
				[]want{{"invoices.csv:2: due_on: ", `"05/01/2026" is not a date`}}},
			{"MissingDueDate", "INV-1,Acme,USD,10.00,2026-04-01,,",
				[]want{{"invoices.csv:2: due_on: ", "is required"}}},
			{"DueBeforeIssue", "INV-1,Acme,USD,10.00,2026-04-01,2026-03-31,",
				[]want{{"invoices.csv:2: due_on: ", "2026-03-31 is before the issue date 2026-04-01"}}},
			{"BadCurrencyOnlyReportsTheCurrency", "INV-1,Acme,US$,10.00,2026-04-01,2026-05-01,",
				[]want{{"invoices.csv:2: currency: ", `"US$" is not an ISO 4217 currency code`}}},
			{"MissingCurrency", "INV-1,Acme,,10.00,2026-04-01,2026-05-01,",
				[]want{{"invoices.csv:2: currency: ", "is required"}}},
			{"TooManyDecimalsForUSD", "INV-1,Acme,USD,10.005,2026-04-01,2026-05-01,",
				[]want{{"invoices.csv:2: amount: ", "3 decimals"}}},
			{"DecimalsForJPY", "INV-1,Acme,JPY,1200.50,2026-04-01,2026-05-01,",
				[]want{{"invoices.csv:2: amount: ", "has decimals"}}},
			{"ZeroAmount", "INV-1,Acme,USD,0.00,2026-04-01,2026-05-01,",
				[]want{{"invoices.csv:2: amount: ", "must be more than zero"}}},
			{"NegativeAmount", "INV-1,Acme,USD,-10.00,2026-04-01,2026-05-01,",
				[]want{{"invoices.csv:2: amount: ", `"-10.00"`}}},
			{"MissingAmount", "INV-1,Acme,USD,,2026-04-01,2026-05-01,",
				[]want{{"invoices.csv:2: amount: ", "is required"}}},
			{"BalanceAboveAmount", "INV-1,Acme,USD,100,2026-04-01,2026-05-01,100.01",
				[]want{{"invoices.csv:2: balance: ", "100.01 is more than the amount 100.00"}}},
			{"BalanceWithTooManyDecimals", "INV-1,Acme,USD,100,2026-04-01,2026-05-01,1.234",
				[]want{{"invoices.csv:2: balance: ", "3 decimals"}}},
			{"MissingNumber", ",Acme,USD,10.00,2026-04-01,2026-05-01,",
				[]want{{"invoices.csv:2: number: ", "is required"}}},
			{"MissingCustomer", "INV-1,,USD,10.00,2026-04-01,2026-05-01,",
				[]want{{"invoices.csv:2: customer: ", "is required"}}},
			{"CustomerWithoutLetters", "INV-1,--,USD,10.00,2026-04-01,2026-05-01,",
				[]want{{"invoices.csv:2: customer: ", "no letters or digits"}}},
			{"EveryProblemOfTheRow", ",Acme,XYZ,10.00,2026-04-01,2026-03-01,",
				[]want{
					{"invoices.csv:2: number: ", "is required"},
					{"invoices.csv:2: currency: ", `"XYZ"`},
					{"invoices.csv:2: due_on: ", "is before the issue date"},
				}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, ps := collections.ParseInvoiceRow(onlyRecord(t, collections.ImportInvoices, "invoices.csv", invoicesHeader, tt.row))
				checkProblems(t, problemStrings(ps), tt.want)
			})
		}
	})

	t.Run("ProblemsNameTheFilesOwnHeaders", func(t *testing.T) {
		header := "Invoice Number,Customer Name,Currency,Total,Invoice Date,Due Date,Amount Due"
		_, ps := collections.ParseInvoiceRow(onlyRecord(t, collections.ImportInvoices, "acme-export.csv", header,
			"INV-1,Acme,USD,10.00,2026-04-01,2026-03-01,20.00"))
		checkProblems(t, problemStrings(ps), []want{
			{"acme-export.csv:2: Amount Due: ", "is more than the amount 10.00"},
			{"acme-export.csv:2: Due Date: ", "is before the issue date"},
		})
	})

	t.Run("ProblemLineIsTheRowsLineInTheFile", func(t *testing.T) {
		data := invoicesHeader + "\n" + // 1
			"INV-1,\"Acme\nCorp\",US$,10.00,2026-04-01,2026-05-01,\n" + // 2-3
			"\n" + // 4
			",,,,,,\n" + // 5
			"INV-2,Beta,EURO,10.00,2026-04-01,2026-05-01,\n" // 6
		var got []string
		forEach(t, newReader(t, collections.ImportInvoices, "invoices.csv", data), func(rec collections.Record) {
			_, ps := collections.ParseInvoiceRow(rec)
			got = append(got, problemStrings(ps)...)
		})
		checkProblems(t, got, []want{
			{"invoices.csv:2: currency: ", `"US$"`}, // the row starts on line 2, its currency is on line 3
			{"invoices.csv:6: currency: ", `"EURO"`},
		})
	})
}

func TestParsePaymentRow(t *testing.T) {
	t.Run("Reads", func(t *testing.T) {
		got, ps := collections.ParsePaymentRow(onlyRecord(t, collections.ImportPayments, "payments.csv", paymentsHeader,
			`INV-1001,"1,075.50",2026-05-10, wire 123 `))
		if len(ps) > 0 {
			t.Fatalf("problems: %q", problemStrings(ps))
		}
		want := collections.PaymentRow{Line: 2, Invoice: "INV-1001", Amount: collections.Decimal{Units: 107550, Scale: 2},
			PaidOn: day(2026, time.May, 10), Reference: "wire 123"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ParsePaymentRow = %+v, want %+v", got, want)
		}
	})

	t.Run("ReadsAliasedHeaders", func(t *testing.T) {
		got, ps := collections.ParsePaymentRow(onlyRecord(t, collections.ImportPayments, "payments.csv",
			"Invoice No,Amount Paid,Payment Date,Transaction ID", "INV-7,12,2026-05-10,tx-9"))
		if len(ps) > 0 || got.Invoice != "INV-7" || got.Amount != (collections.Decimal{Units: 12}) || got.Reference != "tx-9" {
			t.Fatalf("ParsePaymentRow = %+v, %q", got, problemStrings(ps))
		}
	})

	t.Run("Problems", func(t *testing.T) {
		tests := []struct {
			name, header, row string
			want              []want
		}{
			{"MissingInvoice", paymentsHeader, ",5.00,2026-05-10,",
				[]want{{"payments.csv:2: invoice: ", "is required"}}},
			{"MissingAmount", paymentsHeader, "INV-1,,2026-05-10,",
				[]want{{"payments.csv:2: amount: ", "is required"}}},
			{"ZeroAmount", paymentsHeader, "INV-1,0,2026-05-10,",
				[]want{{"payments.csv:2: amount: ", "must be more than zero"}}},
			{"ZeroAmountWithDecimals", paymentsHeader, "INV-1,0.00,2026-05-10,",
				[]want{{"payments.csv:2: amount: ", "must be more than zero"}}},
			{"NegativeAmount", paymentsHeader, "INV-1,-5.00,2026-05-10,",
				[]want{{"payments.csv:2: amount: ", `"-5.00"`}}},
			{"AmountInWords", paymentsHeader, "INV-1,five,2026-05-10,",
				[]want{{"payments.csv:2: amount: ", `"five"`}}},
			{"BadDate", paymentsHeader, "INV-1,5.00,10/05/2026,",
				[]want{{"payments.csv:2: paid_on: ", `"10/05/2026" is not a date`}}},
			{"MissingDate", paymentsHeader, "INV-1,5.00,,wire",
				[]want{{"payments.csv:2: paid_on: ", "is required"}}},
			{"GosZeroDate", paymentsHeader, "INV-1,5.00,0001-01-01,",
				[]want{{"payments.csv:2: paid_on: ", "0001-01-01 is not a plausible date (a year from 1900 to 2999)"}}},
			{"YearZero", paymentsHeader, "INV-1,5.00,0000-01-01,",
				[]want{{"payments.csv:2: paid_on: ", "0000-01-01 is not a plausible date"}}},
			{"TypoedYear", paymentsHeader, "INV-1,5.00,0226-05-10,",
				[]want{{"payments.csv:2: paid_on: ", "0226-05-10 is not a plausible date"}}},
			{"OpeningBalanceReference", paymentsHeader, "INV-1,5.00,2026-05-10,Opening Balance",
				[]want{{"payments.csv:2: reference: ", `"Opening Balance" is kept for the paid part of an invoice imported with a balance`}}},
			{"ProblemsNameTheFilesOwnHeaders", "Invoice No,Amount Paid,Payment Date", "INV-1,0,2026-02-30",
				[]want{{"payments.csv:2: Amount Paid: ", "more than zero"}, {"payments.csv:2: Payment Date: ", `"2026-02-30"`}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, ps := collections.ParsePaymentRow(onlyRecord(t, collections.ImportPayments, "payments.csv", tt.header, tt.row))
				checkProblems(t, problemStrings(ps), tt.want)
			})
		}
	})
}
