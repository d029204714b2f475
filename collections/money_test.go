package collections_test

import (
	"math"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
)

func TestCurrencyDigits(t *testing.T) {
	tests := []struct {
		name string
		code string
		want int
	}{
		{"USDHasCents", "USD", 2},
		{"EURHasCents", "EUR", 2},
		{"JPYHasNoMinorUnit", "JPY", 0},
		{"ISKHasNoMinorUnit", "ISK", 0},
		{"BHDHasFils", "BHD", 3},
		{"KWDHasThreeDigits", "KWD", 3},
		// As ISO 4217 says, not as cash is rounded.
		{"PKRHasTwoDigits", "PKR", 2},
		{"IDRHasTwoDigits", "IDR", 2},
		{"COPHasTwoDigits", "COP", 2},
		{"IQDHasThreeDigits", "IQD", 3},
		{"CLFHasFourDigits", "CLF", 4},
		// Codes of the last few years.
		{"VES", "VES", 2},
		{"MRU", "MRU", 2},
		{"SLE", "SLE", 2},
		{"ZWG", "ZWG", 2},
		{"XCG", "XCG", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collections.CurrencyDigits(tt.code)
			if err != nil {
				t.Fatalf("CurrencyDigits(%q): %v", tt.code, err)
			}
			if got != tt.want {
				t.Fatalf("CurrencyDigits(%q) = %d, want %d", tt.code, got, tt.want)
			}
			if !collections.ValidCurrency(tt.code) {
				t.Fatalf("ValidCurrency(%q) = false, want true", tt.code)
			}
		})
	}
}

func TestCurrencyDigits_RefusesWhatIsNotAnUpperCaseISOCode(t *testing.T) {
	tests := []struct {
		name string
		code string
	}{
		{"LowerCase", "usd"},
		{"MixedCase", "Usd"},
		{"UnknownCode", "ZZZ"},
		{"Empty", ""},
		{"TooShort", "US"},
		{"TooLong", "USDD"},
		{"Digits", "840"},
		{"Symbol", "$"},
		{"PaddedWithSpace", " USD"},
		{"Gold", "XAU"},
		{"TestingCode", "XTS"},
		{"NoCurrency", "XXX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := collections.CurrencyDigits(tt.code)
			if err == nil {
				t.Fatalf("CurrencyDigits(%q) accepted the code", tt.code)
			}
			if code := collections.ErrorCode(err); code != collections.EINVALID {
				t.Fatalf("ErrorCode = %q, want %q", code, collections.EINVALID)
			}
			if collections.ValidCurrency(tt.code) {
				t.Fatalf("ValidCurrency(%q) = true, want false", tt.code)
			}
		})
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want collections.Decimal
	}{
		{"Zero", "0", collections.Decimal{Units: 0, Scale: 0}},
		{"Integer", "100", collections.Decimal{Units: 100, Scale: 0}},
		{"Cents", "1234.50", collections.Decimal{Units: 123450, Scale: 2}},
		{"KeepsTrailingZerosAsScale", "0.000", collections.Decimal{Units: 0, Scale: 3}},
		{"SmallFraction", "0.05", collections.Decimal{Units: 5, Scale: 2}},
		{"OneDecimal", "12.5", collections.Decimal{Units: 125, Scale: 1}},
		{"ThousandsSeparator", "1,234.50", collections.Decimal{Units: 123450, Scale: 2}},
		{"SeveralThousandsGroups", "1,234,567.8", collections.Decimal{Units: 12345678, Scale: 1}},
		{"ThousandsWithoutDecimals", "12,000", collections.Decimal{Units: 12000, Scale: 0}},
		{"SurroundingSpaceIsTrimmed", "  42.10 ", collections.Decimal{Units: 4210, Scale: 2}},
		{"LeadingZeros", "007", collections.Decimal{Units: 7, Scale: 0}},
		{"LeadingZerosDoNotCountTowardsTheLimit", "0000000000000000000001.5", collections.Decimal{Units: 15, Scale: 1}},
		{"EighteenDigitsThatFit", "123456789012345678", collections.Decimal{Units: 123456789012345678, Scale: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collections.ParseDecimal(tt.in)
			if err != nil {
				t.Fatalf("ParseDecimal(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseDecimal(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDecimal_Refuses(t *testing.T) {
	tests := []struct {
		name string
		in   string
		msg  string // part of the message
	}{
		{"Empty", "", "is empty"},
		{"OnlySpaces", "   ", "is empty"},
		{"NegativeSign", "-5.00", `"-5.00"`},
		{"PlusSign", "+5", `"+5"`},
		{"Exponent", "1e3", `"1e3"`},
		{"UpperCaseExponent", "1.5E2", `"1.5E2"`},
		{"Letters", "abc", `"abc"`},
		{"TrailingLetters", "12a", `"12a"`},
		{"CurrencySymbol", "$12.00", `"$12.00"`},
		{"HexNumber", "0x10", `"0x10"`},
		{"NotANumber", "NaN", `"NaN"`},
		{"NonASCIIDigits", "١٢", `"١٢"`},
		{"LonePoint", ".", `"."`},
		{"TwoPoints", "1.2.3", `"1.2.3"`},
		{"SpaceAsThousandsSeparator", "1 234", `"1 234"`},
		{"CommaAsDecimalSeparator", "12,34", `"12,34"`},
		{"EuropeanStyle", "1.234,50", `"1.234,50"`},
		{"GroupOfFourAfterComma", "1,2345.00", `"1,2345.00"`},
		{"FirstGroupLongerThanThree", "1234,567", `"1234,567"`},
		{"LeadingComma", ",123", `",123"`},
		{"TrailingComma", "1,234,", `"1,234,"`},
		{"DoubleComma", "1,,234", `"1,,234"`},
		{"CommaInFraction", "1.234,567", `"1.234,567"`},
		{"TwentyDigits", "12345678901234567890", "too large"},
		{"TooManyDigitsWithFraction", "1234567890123456.789", "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collections.ParseDecimal(tt.in)
			if err == nil {
				t.Fatalf("ParseDecimal(%q) = %+v, want an error", tt.in, got)
			}
			if code := collections.ErrorCode(err); code != collections.EINVALID {
				t.Fatalf("ErrorCode = %q, want %q", code, collections.EINVALID)
			}
			if msg := collections.ErrorMessage(err); !strings.Contains(msg, tt.msg) {
				t.Fatalf("message %q does not contain %q", msg, tt.msg)
			}
		})
	}
}

func TestDecimalMinor(t *testing.T) {
	tests := []struct {
		name   string
		d      collections.Decimal
		digits int
		want   int64
	}{
		{"SameScale", collections.Decimal{Units: 123450, Scale: 2}, 2, 123450},
		{"ScalesUpFewerDecimals", collections.Decimal{Units: 125, Scale: 1}, 2, 1250},
		{"IntegerToCents", collections.Decimal{Units: 12, Scale: 0}, 2, 1200},
		{"IntegerToFils", collections.Decimal{Units: 1, Scale: 0}, 3, 1000},
		{"IntegerForNoMinorUnit", collections.Decimal{Units: 1200, Scale: 0}, 0, 1200},
		{"Zero", collections.Decimal{Units: 0, Scale: 2}, 2, 0},
		{"LargestThatFits", collections.Decimal{Units: math.MaxInt64 / 100, Scale: 0}, 2, math.MaxInt64 / 100 * 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.d.Minor(tt.digits)
			if err != nil {
				t.Fatalf("%+v.Minor(%d): %v", tt.d, tt.digits, err)
			}
			if got != tt.want {
				t.Fatalf("%+v.Minor(%d) = %d, want %d", tt.d, tt.digits, got, tt.want)
			}
		})
	}
}

func TestDecimalMinor_Refuses(t *testing.T) {
	tests := []struct {
		name   string
		d      collections.Decimal
		digits int
		msg    string
	}{
		{"DecimalsForCurrencyWithoutMinorUnit", collections.Decimal{Units: 125, Scale: 1}, 0, "has decimals"},
		{"ZeroCentsForCurrencyWithoutMinorUnit", collections.Decimal{Units: 120000, Scale: 2}, 0, "has decimals"},
		{"ThreeDecimalsForCents", collections.Decimal{Units: 1234, Scale: 3}, 2, "has 3 decimals; the currency has 2"},
		{"Overflow", collections.Decimal{Units: math.MaxInt64/100 + 1, Scale: 0}, 2, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.d.Minor(tt.digits)
			if err == nil {
				t.Fatalf("%+v.Minor(%d) = %d, want an error", tt.d, tt.digits, got)
			}
			if msg := collections.ErrorMessage(err); !strings.Contains(msg, tt.msg) {
				t.Fatalf("message %q does not contain %q", msg, tt.msg)
			}
		})
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		name     string
		in, code string
		want     int64
	}{
		{"USDCents", "1234.50", "USD", 123450},
		{"USDThousands", "1,234.50", "USD", 123450},
		{"USDOneDecimal", "1,234.5", "USD", 123450},
		{"USDWhole", "12", "USD", 1200},
		{"USDSmall", "0.05", "USD", 5},
		{"USDZero", "0.00", "USD", 0},
		{"JPYWhole", "1200", "JPY", 1200},
		{"JPYThousands", "1,200", "JPY", 1200},
		{"BHDThreeDecimals", "1.250", "BHD", 1250},
		{"BHDFewerDecimals", "1.25", "BHD", 1250},
		{"BHDSmallest", "0.001", "BHD", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collections.ParseAmount(tt.in, tt.code)
			if err != nil {
				t.Fatalf("ParseAmount(%q, %q): %v", tt.in, tt.code, err)
			}
			if got != tt.want {
				t.Fatalf("ParseAmount(%q, %q) = %d, want %d", tt.in, tt.code, got, tt.want)
			}
		})
	}
}

func TestParseAmount_Refuses(t *testing.T) {
	tests := []struct {
		name     string
		in, code string
		msg      []string // parts of the message
	}{
		{"JPYWithDecimals", "12.5", "JPY", []string{`"12.5"`, "has decimals", "JPY"}},
		{"JPYWithZeroDecimals", "1200.00", "JPY", []string{`"1200.00"`, "has decimals", "JPY"}},
		{"USDWithThreeDecimals", "1.234", "USD", []string{`"1.234"`, "3 decimals", "USD"}},
		{"USDWithTrailingZeroBeyondCents", "1.500", "USD", []string{`"1.500"`, "3 decimals", "USD"}},
		{"BHDWithFourDecimals", "1.2345", "BHD", []string{`"1.2345"`, "4 decimals", "BHD"}},
		{"LowerCaseCurrency", "12.50", "usd", []string{`"usd"`, "ISO 4217"}},
		{"UnknownCurrency", "12.50", "ZZZ", []string{`"ZZZ"`, "ISO 4217"}},
		{"NoCurrency", "12.50", "", []string{"ISO 4217"}},
		{"Negative", "-1.00", "USD", []string{`"-1.00"`}},
		{"Empty", "", "USD", []string{"is empty"}},
		{"TooLargeInMinorUnits", "92233720368547758.08", "USD", []string{"too large"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collections.ParseAmount(tt.in, tt.code)
			if err == nil {
				t.Fatalf("ParseAmount(%q, %q) = %d, want an error", tt.in, tt.code, got)
			}
			if code := collections.ErrorCode(err); code != collections.EINVALID {
				t.Fatalf("ErrorCode = %q, want %q", code, collections.EINVALID)
			}
			msg := collections.ErrorMessage(err)
			for _, part := range tt.msg {
				if !strings.Contains(msg, part) {
					t.Fatalf("message %q does not contain %q", msg, part)
				}
			}
		})
	}
}

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		name  string
		minor int64
		code  string
		want  string
	}{
		{"USDCents", 123450, "USD", "1234.50"},
		{"USDNoThousandsSeparator", 123456789, "USD", "1234567.89"},
		{"USDWholeDollar", 100, "USD", "1.00"},
		{"USDFiveCents", 5, "USD", "0.05"},
		{"USDFiftyCents", 50, "USD", "0.50"},
		{"USDZero", 0, "USD", "0.00"},
		{"USDNegative", -7550, "USD", "-75.50"},
		{"USDNegativeBelowOne", -5, "USD", "-0.05"},
		{"JPY", 1200, "JPY", "1200"},
		{"JPYZero", 0, "JPY", "0"},
		{"BHD", 1250, "BHD", "1.250"},
		{"BHDSmallest", 5, "BHD", "0.005"},
		{"LargestInt64", math.MaxInt64, "USD", "92233720368547758.07"},
		{"SmallestInt64", math.MinInt64, "USD", "-92233720368547758.08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collections.FormatAmount(tt.minor, tt.code); got != tt.want {
				t.Fatalf("FormatAmount(%d, %q) = %q, want %q", tt.minor, tt.code, got, tt.want)
			}
		})
	}
}

func TestFormatAmount_RoundTripsParseAmount(t *testing.T) {
	tests := []struct{ in, code, canonical string }{
		{"1,234.5", "USD", "1234.50"},
		{"0.05", "USD", "0.05"},
		{"1,200", "JPY", "1200"},
		{"1.25", "BHD", "1.250"},
		{"90,000,000.99", "USD", "90000000.99"},
	}
	for _, tt := range tests {
		t.Run(tt.code+"_"+tt.in, func(t *testing.T) {
			minor, err := collections.ParseAmount(tt.in, tt.code)
			if err != nil {
				t.Fatalf("ParseAmount(%q, %q): %v", tt.in, tt.code, err)
			}
			got := collections.FormatAmount(minor, tt.code)
			if got != tt.canonical {
				t.Fatalf("FormatAmount(ParseAmount(%q)) = %q, want %q", tt.in, got, tt.canonical)
			}
			again, err := collections.ParseAmount(got, tt.code)
			if err != nil || again != minor {
				t.Fatalf("ParseAmount(%q) = %d, %v; want %d", got, again, err, minor)
			}
		})
	}
}

func TestMoneyString(t *testing.T) {
	tests := []struct {
		name string
		m    collections.Money
		want string
	}{
		{"USDThousands", collections.Money{Minor: 123450, Currency: "USD"}, "USD 1,234.50"},
		{"USDBelowThousand", collections.Money{Minor: 99999, Currency: "USD"}, "USD 999.99"},
		{"USDExactlyThousand", collections.Money{Minor: 100000, Currency: "USD"}, "USD 1,000.00"},
		{"USDMillions", collections.Money{Minor: 123456789, Currency: "USD"}, "USD 1,234,567.89"},
		{"USDSmall", collections.Money{Minor: 5, Currency: "USD"}, "USD 0.05"},
		{"USDNegative", collections.Money{Minor: -123456, Currency: "USD"}, "USD -1,234.56"},
		{"USDNegativeHundreds", collections.Money{Minor: -12345, Currency: "USD"}, "USD -123.45"},
		{"JPYMillions", collections.Money{Minor: 120000000, Currency: "JPY"}, "JPY 120,000,000"},
		{"JPYZero", collections.Money{Minor: 0, Currency: "JPY"}, "JPY 0"},
		{"BHDThousands", collections.Money{Minor: 1234567, Currency: "BHD"}, "BHD 1,234.567"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.String(); got != tt.want {
				t.Fatalf("%#v.String() = %q, want %q", tt.m, got, tt.want)
			}
		})
	}
}

func TestParseAmount_RefusesWhatNoTotalCouldHold(t *testing.T) {
	if got, err := collections.ParseAmount("10000000000.00", "USD"); err != nil || got != collections.MaxAmountMinor {
		t.Errorf("USD 10,000,000,000.00: %d, %v; want it taken", got, err)
	}
	for _, tc := range []struct{ amount, code string }{{"10000000000.01", "USD"}, {"999999999999999999", "JPY"}, {"9999999999999999.99", "USD"}} {
		_, err := collections.ParseAmount(tc.amount, tc.code)
		if collections.ErrorCode(err) != collections.EINVALID || !strings.Contains(collections.ErrorMessage(err), "more than owed takes") {
			t.Errorf("%s %s: %v, want a refusal", tc.amount, tc.code, err)
		}
	}
}
