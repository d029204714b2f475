package collections

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Money is an amount in a currency's minor units (cents for USD, yen for
// JPY, fils for BHD). Amounts are never floats.
type Money struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
}

// CurrencyDigits returns the number of minor-unit digits of an ISO 4217
// currency code, as the standard gives them: 2 for USD, 0 for JPY, 3 for
// BHD.
func CurrencyDigits(code string) (int, error) {
	if d, ok := iso4217[code]; ok {
		return d, nil
	}
	if noMinorUnit[code] {
		return 0, Errorf(EINVALID, "%q is an ISO 4217 code with no minor unit (a metal, a unit of account or a test code), not a currency to invoice in", code)
	}
	return 0, Errorf(EINVALID, "%q is not an ISO 4217 currency code", code)
}

// ValidCurrency reports whether code is a known ISO 4217 code in upper case.
func ValidCurrency(code string) bool {
	_, err := CurrencyDigits(code)
	return err == nil
}

// Decimal is a parsed decimal number: Units × 10^-Scale.
type Decimal struct {
	Units int64
	Scale int
}

// ParseDecimal parses a non-negative decimal such as "1234.50" or
// "1,234.50" (comma thousands separators in groups of three). Signs,
// exponents and other separators are refused.
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Decimal{}, Errorf(EINVALID, "is empty; want an amount like 1234.50")
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if strings.Contains(intPart, ",") {
		groups := strings.Split(intPart, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return Decimal{}, Errorf(EINVALID, "%q is not a valid amount", s)
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return Decimal{}, Errorf(EINVALID, "%q is not a valid amount", s)
			}
		}
		intPart = strings.Join(groups, "")
	}
	if intPart == "" || (hasPoint && frac == "") || !allDigits(intPart) || !allDigits(frac) {
		return Decimal{}, Errorf(EINVALID, "%q is not a valid amount (want digits, e.g. 1234.50)", s)
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart)+len(frac) > 18 {
		return Decimal{}, Errorf(EINVALID, "%q is too large", s)
	}
	digits := intPart + frac
	if digits == "" {
		digits = "0"
	}
	units, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return Decimal{}, Errorf(EINVALID, "%q is too large", s)
	}
	return Decimal{Units: units, Scale: len(frac)}, nil
}

// String writes the decimal plainly: "1234.50".
func (d Decimal) String() string {
	s := strconv.FormatInt(d.Units, 10)
	if d.Scale == 0 {
		return s
	}
	if len(s) <= d.Scale {
		s = strings.Repeat("0", d.Scale-len(s)+1) + s
	}
	return s[:len(s)-d.Scale] + "." + s[len(s)-d.Scale:]
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Minor converts d to minor units of a currency with the given number of
// minor digits, refusing more decimals than the currency has.
func (d Decimal) Minor(digits int) (int64, error) {
	if d.Scale > digits {
		if digits == 0 {
			return 0, Errorf(EINVALID, "has decimals; the currency has none")
		}
		return 0, Errorf(EINVALID, "has %d decimals; the currency has %d", d.Scale, digits)
	}
	p := pow10(digits - d.Scale)
	if d.Units > math.MaxInt64/p {
		return 0, Errorf(EINVALID, "is too large")
	}
	return d.Units * p, nil
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// ParseAmount parses a decimal amount in currency code into minor units.
func ParseAmount(s, code string) (int64, error) {
	digits, err := CurrencyDigits(code)
	if err != nil {
		return 0, err
	}
	d, err := ParseDecimal(s)
	if err != nil {
		return 0, err
	}
	minor, err := d.Minor(digits)
	if err != nil {
		return 0, Errorf(EINVALID, "%q %s in %s", strings.TrimSpace(s), ErrorMessage(err), code)
	}
	if minor > MaxAmountMinor {
		return 0, Errorf(EINVALID, "%q is more than owed takes for one amount (at most %s)", strings.TrimSpace(s), Money{Minor: MaxAmountMinor, Currency: code})
	}
	return minor, nil
}

// MaxAmountMinor is the largest amount owed takes, in minor units (USD
// 10 billion, JPY 1 trillion): sums of millions of them still fit in 64
// bits, so that no total ever wraps round.
const MaxAmountMinor = 1_000_000_000_000

// FormatAmount formats minor units of currency code as a plain decimal in
// the currency's precision: "1234.50", JPY "1200", BHD "1.250".
func FormatAmount(minor int64, code string) string {
	digits, err := CurrencyDigits(code)
	if err != nil {
		digits = 2
	}
	return formatMinor(minor, digits, "")
}

// String formats m for people: "USD 1,234.50".
func (m Money) String() string {
	digits, err := CurrencyDigits(m.Currency)
	if err != nil {
		digits = 2
	}
	return m.Currency + " " + formatMinor(m.Minor, digits, ",")
}

func formatMinor(minor int64, digits int, thousands string) string {
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign, u = "-", uint64(-minor)
	}
	s := strconv.FormatUint(u, 10)
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	intPart, frac := s[:len(s)-digits], s[len(s)-digits:]
	if thousands != "" {
		var b strings.Builder
		for i, r := range intPart {
			if i > 0 && (len(intPart)-i)%3 == 0 {
				b.WriteString(thousands)
			}
			b.WriteRune(r)
		}
		intPart = b.String()
	}
	if digits == 0 {
		return sign + intPart
	}
	return fmt.Sprintf("%s%s.%s", sign, intPart, frac)
}
