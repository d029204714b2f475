package collections_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/owedhq/owed/collections"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"LowerCasesAndDropsTrailingPunctuation", "ACME Corp.", "acme corp"},
		{"CollapsesRunsOfSpace", "  acme   corp  ", "acme corp"},
		{"PunctuationRunsBecomeOneSpace", "Smith, Jones & Co.", "smith jones co"},
		{"HyphenSeparatesWords", "A-1 Plumbing", "a 1 plumbing"},
		{"ApostropheJoins", "O'Brien Ltd", "obrien ltd"},
		{"TypographicApostropheJoins", "O’Brien Ltd", "obrien ltd"},
		{"TabsAndNewlinesAreSpace", "acme\tcorp\n", "acme corp"},
		{"KeepsDigits", "3M", "3m"},
		{"FoldsAccents", "Café Zürich", "cafe zurich"},
		{"FoldsMacrons", "Kōbō Design", "kobo design"},
		{"FoldsAccentsOfCapitals", "ÉTOILE Ångström", "etoile angstrom"},
		{"SpellsOutLettersWithoutAPlainForm", "Straße Ørsted Æble Łódź Œuvre", "strasse orsted aeble lodz oeuvre"},
		{"KeepsLettersOfOtherScripts", "ガス会社 Ωμέγα", "ガス会社 ωμέγα"},
		{"KeepsNonASCIILettersWithoutAccents", "Ñandú Ltd → İstanbul", "nandu ltd istanbul"},
		{"OnlyPunctuationIsEmpty", "...", ""},
		{"Empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collections.NormalizeName(tt.in); got != tt.want {
				t.Fatalf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

var (
	acme      = collections.Customer{ID: 1, Name: "ACME Corp.", Ref: "C-001"}
	acmeLabs  = collections.Customer{ID: 2, Name: "Acme Labs"}
	beta      = collections.Customer{ID: 3, Name: "Beta Industries", Ref: "B-7"}
	theAcme   = collections.Customer{ID: 4, Name: "The Acme Company"}
	gamma     = collections.Customer{ID: 5, Name: "Gamma Industrial"}
	acmeCorpo = collections.Customer{ID: 6, Name: "Acme Corporation"}
)

func cand(c collections.Customer, similarity float64) collections.Candidate {
	return collections.Candidate{Customer: c, Similarity: similarity}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name  string
		query string
		c     collections.Candidate
		want  collections.MatchKind
	}{
		{"WholeNameIsExact", "acme corp", cand(acme, 0.5), collections.MatchExact},
		{"WholeNameIgnoresCaseAndPunctuation", "  ACME, corp ", cand(acme, 0.5), collections.MatchExact},
		{"RefIsExact", "C-001", cand(acme, 0), collections.MatchExact},
		{"RefIgnoresCase", " c-001 ", cand(acme, 0), collections.MatchExact},
		{"StartOfNameIsPrefix", "acm", cand(acme, 0.2), collections.MatchPrefix},
		{"FirstWordIsPrefix", "acme", cand(acme, 0.2), collections.MatchPrefix},
		{"LaterWordIsWordPrefix", "corp", cand(acme, 0.2), collections.MatchWordPrefix},
		{"StartOfLaterWordIsWordPrefix", "indus", cand(beta, 0), collections.MatchWordPrefix},
		{"MiddleOfWordIsNotWordPrefix", "dustries", cand(beta, 0), collections.MatchNone},
		{"SimilarEnoughIsFuzzy", "betta industires", cand(beta, 0.3), collections.MatchFuzzy},
		{"NotSimilarEnoughIsNone", "betta industires", cand(beta, 0.29), collections.MatchNone},
		{"EmptyQueryMatchesNothing", "", cand(acme, 1), collections.MatchNone},
		{"PunctuationOnlyQueryMatchesNothing", "...", cand(acme, 1), collections.MatchNone},
		{"EmptyRefIsNoMatchForEmptyQuery", " ", cand(acmeLabs, 1), collections.MatchNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collections.Classify(tt.query, tt.c); got != tt.want {
				t.Fatalf("Classify(%q, %q) = %v, want %v", tt.query, tt.c.Customer.Name, got, tt.want)
			}
		})
	}
}

func names(cs []collections.Customer) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func TestResolveMatch(t *testing.T) {
	tests := []struct {
		name  string
		query string
		cands []collections.Candidate
		best  string   // the customer chosen, "" for none
		asked []string // the candidates offered instead, best first
	}{
		{
			name:  "ExactNameWinsOverLongerPrefixMatch",
			query: "Acme Corp",
			cands: []collections.Candidate{cand(acmeCorpo, 0.9), cand(acme, 0.8), cand(acmeLabs, 0.4)},
			best:  "ACME Corp.",
		},
		{
			name:  "ExactRefWinsOverPrefixMatches",
			query: "c-001",
			cands: []collections.Candidate{cand(acmeLabs, 0.1), cand(acme, 0.05)},
			best:  "ACME Corp.",
		},
		{
			name:  "UniquePrefixWins",
			query: "bet",
			cands: []collections.Candidate{cand(acme, 0.1), cand(beta, 0.2), cand(gamma, 0.1)},
			best:  "Beta Industries",
		},
		{
			name:  "PrefixWinsOverWordPrefix",
			query: "acme",
			cands: []collections.Candidate{cand(theAcme, 0.6), cand(acmeLabs, 0.5)},
			best:  "Acme Labs",
		},
		{
			name:  "SeveralPrefixesAreOfferedBySimilarity",
			query: "acme",
			cands: []collections.Candidate{cand(acmeLabs, 0.4), cand(theAcme, 0.9), cand(acme, 0.5)},
			asked: []string{"ACME Corp.", "Acme Labs"},
		},
		{
			name:  "EqualSimilarityIsOfferedByName",
			query: "acme",
			cands: []collections.Candidate{cand(acmeLabs, 0.5), cand(acme, 0.5)},
			asked: []string{"ACME Corp.", "Acme Labs"},
		},
		{
			name:  "SeveralExactNamesAreOffered",
			query: "acme labs",
			cands: []collections.Candidate{cand(acmeLabs, 1), cand(collections.Customer{ID: 9, Name: "Acme Labs", Ref: "X-9"}, 1)},
			asked: []string{"Acme Labs", "Acme Labs"},
		},
		{
			name:  "UniqueWordPrefixWins",
			query: "industries",
			cands: []collections.Candidate{cand(acme, 0.1), cand(beta, 0.4)},
			best:  "Beta Industries",
		},
		{
			name:  "SeveralWordPrefixesAreOffered",
			query: "indus",
			cands: []collections.Candidate{cand(beta, 0.3), cand(gamma, 0.35)},
			asked: []string{"Gamma Industrial", "Beta Industries"},
		},
		{
			name:  "FuzzyWithClearLeadWins",
			query: "betta industires",
			cands: []collections.Candidate{cand(gamma, 0.35), cand(beta, 0.62)},
			best:  "Beta Industries",
		},
		{
			name:  "SingleFuzzyMatchWins",
			query: "betta industires",
			cands: []collections.Candidate{cand(beta, 0.31), cand(gamma, 0.1)},
			best:  "Beta Industries",
		},
		{
			name:  "CloseFuzzyScoresAreOffered",
			query: "industrie beta gamma",
			cands: []collections.Candidate{cand(gamma, 0.45), cand(beta, 0.5), cand(acme, 0.1)},
			asked: []string{"Beta Industries", "Gamma Industrial"},
		},
		{
			name:  "NothingSimilarMatchesNothing",
			query: "zeta",
			cands: []collections.Candidate{cand(acme, 0.1), cand(beta, 0.29)},
		},
		{
			name:  "NoCandidatesMatchNothing",
			query: "acme",
		},
		{
			name:  "EmptyQueryMatchesNothing",
			query: "",
			cands: []collections.Candidate{cand(acme, 1)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			best, asked := collections.ResolveMatch(tt.query, tt.cands)
			switch {
			case tt.best == "" && best != nil:
				t.Fatalf("ResolveMatch(%q) chose %q, want no choice", tt.query, best.Name)
			case tt.best != "" && best == nil:
				t.Fatalf("ResolveMatch(%q) chose nothing (offered %q), want %q", tt.query, names(asked), tt.best)
			case tt.best != "" && best.Name != tt.best:
				t.Fatalf("ResolveMatch(%q) chose %q, want %q", tt.query, best.Name, tt.best)
			}
			if !reflect.DeepEqual(names(asked), tt.asked) {
				t.Fatalf("ResolveMatch(%q) offered %q, want %q", tt.query, names(asked), tt.asked)
			}
		})
	}
}

func TestCustomerLabel(t *testing.T) {
	if got := acme.Label(); got != "ACME Corp. (C-001)" {
		t.Errorf("Label with ref = %q, want %q", got, "ACME Corp. (C-001)")
	}
	if got := acmeLabs.Label(); got != "Acme Labs" {
		t.Errorf("Label without ref = %q, want %q", got, "Acme Labs")
	}
}

func TestAmbiguousError(t *testing.T) {
	var err error = &collections.AmbiguousError{Query: "acme", Candidates: []collections.Customer{acme, acmeLabs}}
	want := `"acme" matches several customers: ACME Corp. (C-001); Acme Labs`
	if err.Error() != want {
		t.Fatalf("Error() = %q, want %q", err.Error(), want)
	}
	t.Run("IsAnInvalidDomainError", func(t *testing.T) {
		if code := collections.ErrorCode(err); code != collections.EINVALID {
			t.Fatalf("ErrorCode = %q, want %q", code, collections.EINVALID)
		}
		var e *collections.Error
		if !errors.As(err, &e) {
			t.Fatalf("errors.As(%T, *Error) = false, want true", err)
		}
		if e.Message != want {
			t.Fatalf("*Error message = %q, want %q", e.Message, want)
		}
		if msg := collections.ErrorMessage(err); !strings.Contains(msg, "Acme Labs") {
			t.Fatalf("ErrorMessage = %q, want the candidates listed", msg)
		}
	})
}

func TestNormalizeName_ASCIIFastPathAgreesWithUnicodePath(t *testing.T) {
	for _, s := range []string{"", "acme", "ACME Corp.", "  O'Brien & Sons, Ltd  ", "a--b", "x1 y2", "Customer 000123",
		"trailing ", " leading", "it’s", "a\tb\nc", strings.Repeat("Long Name ", 20)} {
		want := ""
		space := false
		for _, r := range strings.ToLower(s) {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				if space && want != "" {
					want += " "
				}
				space = false
				want += string(r)
			case r == '\'' || r == '’':
			default:
				space = true
			}
		}
		if got := collections.NormalizeName(s); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestSwappedLetters(t *testing.T) {
	for key, want := range map[string][]string{
		"amce":      {"mace", "acme", "amec"},
		"aab":       nil,                                     // too short
		"aabc":      {"abac", "aacb"},                        // a letter swapped with itself is no new spelling
		"ab c1":     {"ba c1"},                               // spaces and digits stay where they are
		"c100 abcd": {"c100 bacd", "c100 acbd", "c100 abdc"}, // a ref's digits are never swapped
		"kōbō":      {"ōkbō", "kbōō", "kōōb"},
	} {
		if got := collections.SwappedLetters(key); !slices.Equal(got, want) {
			t.Errorf("SwappedLetters(%q) = %q, want %q", key, got, want)
		}
	}
}
