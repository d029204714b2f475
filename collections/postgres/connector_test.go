package postgres

import (
	"strings"
	"testing"
)

func TestWithOneRoundTrip_AddsTheSettingUnlessGiven(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://owed@db.example:5432/owed", "postgres://owed@db.example:5432/owed?binary_parameters=yes"},
		{"postgresql://owed:s3cret@/owed?host=%2Ftmp&sslmode=disable", "postgresql://owed:s3cret@/owed?binary_parameters=yes&host=%2Ftmp&sslmode=disable"},
		{"postgres://owed@db/owed?binary_parameters=no", "postgres://owed@db/owed?binary_parameters=no"},
		{"host=/tmp dbname=owed", "host=/tmp dbname=owed binary_parameters=yes"},
		{"dbname=owed binary_parameters=no", "dbname=owed binary_parameters=no"},
	} {
		got, err := withOneRoundTrip(c.in)
		if err != nil || got != c.want {
			t.Errorf("withOneRoundTrip(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := withOneRoundTrip("postgres://owed:pa ss@db:x/owed"); err == nil {
		t.Error("a URL that cannot be read is accepted")
	}
}

func TestOpen_AnUnreadableURLDoesNotShowItsPassword(t *testing.T) {
	_, err := Open(t.Context(), "postgres://owed:s3cret word@db:x/owed")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error = %v", err)
	}
}
