package collections

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NormalizeName folds a customer name or query for matching: lower case,
// Latin letters without their accents, every run of punctuation or space
// becomes one space, trimmed. "ACME Corp." and "acme  corp" both become
// "acme corp"; "Kōbō Design" becomes "kobo design".
func NormalizeName(s string) string {
	if n, ok := normalizeASCII(s); ok {
		return n
	}
	return normalizeName(foldAccents(strings.ToLower(s)))
}

// NormalizeNameKeepingAccents is NormalizeName as it was before accents
// were folded: the key of customers saved then, which the migration
// that folds their keys puts back when it is rolled back.
func NormalizeNameKeepingAccents(s string) string {
	if n, ok := normalizeASCII(s); ok {
		return n
	}
	return normalizeName(strings.ToLower(s))
}

// foldAccents drops the accents of Latin letters ("kōbō" → "kobo",
// "müller" → "muller") and spells out those that have no plain form
// ("ß" → "ss", "ø" → "o", "æ" → "ae"). Other scripts keep their marks: a
// Japanese voicing mark is part of the letter, not an accent. s is in
// lower case.
func foldAccents(s string) string {
	var b strings.Builder
	latin := false // the last letter read is Latin: its marks are accents
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			if !latin {
				b.WriteRune(r)
			}
			continue
		}
		latin = unicode.Is(unicode.Latin, r)
		if plain, ok := plainLatin[r]; ok {
			b.WriteString(plain)
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

// plainLatin spells the lower-case Latin letters that no accent mark
// makes (so NFD does not take them apart) in plain letters.
var plainLatin = map[rune]string{
	'ß': "ss", 'ø': "o", 'æ': "ae", 'œ': "oe", 'ł': "l", 'đ': "d", 'ð': "d",
	'þ': "th", 'ı': "i", 'ħ': "h", 'ŧ': "t",
}

// normalizeName is NormalizeName's work after case and accents: runs of
// punctuation or space become one space, apostrophes join.
func normalizeName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		if r == '\'' || r == '’' { // "O'Brien" matches "obrien"
			continue
		}
		space = true
	}
	return b.String()
}

// RefKey is how a ref is compared: in lower case, letters and digits only,
// so that "C001" and "c-001" find the customer whose ref is C-001.
func RefKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// normalizeASCII is NormalizeName for ASCII text, without allocating when
// s is already normal. It reports false for other text.
func normalizeASCII(s string) (string, bool) {
	var buf [64]byte
	b := buf[:0]
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return "", false
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c >= 'A' && c <= 'Z':
			if space && len(b) > 0 {
				b = append(b, ' ')
			}
			space = false
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
		case c == '\'':
		default:
			space = true
		}
	}
	if string(b) == s {
		return s, true
	}
	return string(b), true
}

// SwappedLetters returns a normalized name key with each pair of
// neighbouring letters swapped, one pair at a time: the spellings a query
// with one slip of the fingers may have meant. Keys shorter than four
// letters have none (too many names start with any two letters), and
// only a key's first 32 characters are tried.
func SwappedLetters(key string) []string {
	r := []rune(key)
	if len(r) < 4 {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(r) && i < 32; i++ {
		if r[i] == r[i+1] || !unicode.IsLetter(r[i]) || !unicode.IsLetter(r[i+1]) {
			continue
		}
		r[i], r[i+1] = r[i+1], r[i]
		out = append(out, string(r))
		r[i], r[i+1] = r[i+1], r[i]
	}
	return out
}

// RefPrefix is the ref key a query may be the start of ("C-0" of C-001,
// C-002…), or "" when the query is not ref-like: refs are told by their
// digits, so a query without one (a name's start) matches no ref's start.
func RefPrefix(query string) string {
	k := RefKey(query)
	if !strings.ContainsAny(k, "0123456789") {
		return ""
	}
	return k
}

// MatchKind says how well a customer matches a query, best first.
type MatchKind int

// How a candidate matched a query.
const (
	MatchExact      MatchKind = iota // the whole name or the ref
	MatchPrefix                      // the name starts with the query
	MatchWordPrefix                  // a later word of the name starts with the query
	MatchFuzzy                       // similar spelling (trigram similarity)
	MatchNone
)

// Candidate is a customer that may be meant by a query, with the trigram
// similarity the database found (0–1).
type Candidate struct {
	Customer   Customer
	Similarity float64
}

// minSimilarity is the least trigram similarity that counts as a typo match.
const minSimilarity = 0.3

// ClearLead is how far ahead the best fuzzy match must be of the next one
// to be chosen without asking.
const ClearLead = 0.15

// Classify returns how candidate c matches query.
func Classify(query string, c Candidate) MatchKind {
	q := NormalizeName(query)
	name := NormalizeName(c.Customer.Name)
	switch {
	case q == "":
		return MatchNone
	case name == q || (c.Customer.Ref != "" && RefKey(query) == RefKey(c.Customer.Ref)):
		return MatchExact
	case strings.HasPrefix(name, q) || (c.Customer.Ref != "" && RefPrefix(query) != "" && strings.HasPrefix(RefKey(c.Customer.Ref), RefPrefix(query))):
		return MatchPrefix
	case strings.Contains(name, " "+q):
		return MatchWordPrefix
	case c.Similarity >= minSimilarity:
		return MatchFuzzy
	}
	return MatchNone
}

// ResolveMatch picks the customer a query means from the candidates. It
// returns the match, or the plausible candidates (best first) when the
// choice is not clear, or neither when nothing matches.
func ResolveMatch(query string, cands []Candidate) (best *Customer, candidates []Customer) {
	byKind := map[MatchKind][]Candidate{}
	for _, c := range cands {
		k := Classify(query, c)
		byKind[k] = append(byKind[k], c)
	}
	for _, k := range []MatchKind{MatchExact, MatchPrefix, MatchWordPrefix} {
		group := byKind[k]
		if len(group) == 1 {
			return &group[0].Customer, nil
		}
		if len(group) > 1 {
			return nil, customersOf(sortedBySimilarity(group))
		}
	}
	fuzzy := sortedBySimilarity(byKind[MatchFuzzy])
	switch {
	case len(fuzzy) == 0:
		return nil, nil
	case len(fuzzy) == 1 || fuzzy[0].Similarity-fuzzy[1].Similarity >= ClearLead:
		return &fuzzy[0].Customer, nil
	}
	return nil, customersOf(fuzzy)
}

func sortedBySimilarity(cs []Candidate) []Candidate {
	out := append([]Candidate(nil), cs...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Similarity != out[j].Similarity {
			return out[i].Similarity > out[j].Similarity
		}
		return out[i].Customer.Name < out[j].Customer.Name
	})
	return out
}

func customersOf(cs []Candidate) []Customer {
	out := make([]Customer, len(cs))
	for i, c := range cs {
		out[i] = c.Customer
	}
	return out
}

// AmbiguousError says a customer query matched several customers.
type AmbiguousError struct {
	Query      string
	Candidates []Customer
}

// Error lists the candidates.
func (e *AmbiguousError) Error() string {
	names := make([]string, len(e.Candidates))
	for i, c := range e.Candidates {
		names[i] = c.Label()
	}
	return fmt.Sprintf("%q matches several customers: %s", e.Query, strings.Join(names, "; "))
}

// Label names a customer with its ref when it has one: "ACME Corp. (C-001)".
func (c Customer) Label() string {
	if c.Ref == "" {
		return c.Name
	}
	return c.Name + " (" + c.Ref + ")"
}

// Unwrap makes an ambiguous match an EINVALID *Error with the same message.
func (e *AmbiguousError) Unwrap() error { return &Error{Code: EINVALID, Message: e.Error()} }
