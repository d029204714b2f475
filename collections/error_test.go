package collections_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections"
)

func TestErrorCodeAndMessage(t *testing.T) {
	notFound := collections.Errorf(collections.ENOTFOUND, "no customer matches %q", "zeta")
	tests := []struct {
		name     string
		err      error
		code     string
		message  string
		leaksNot string // text that must not reach the user
	}{
		{"NoError", nil, "", "", ""},
		{"DomainError", notFound, collections.ENOTFOUND, `no customer matches "zeta"`, ""},
		{"WrappedDomainError", fmt.Errorf("find customer: %w", notFound), collections.ENOTFOUND, `no customer matches "zeta"`, "find customer"},
		{"OtherErrorIsInternalAndLeaksNothing", errors.New("pq: password authentication failed for user owed"), collections.EINTERNAL, "", "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collections.ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			msg := collections.ErrorMessage(tt.err)
			if tt.message != "" && msg != tt.message {
				t.Errorf("ErrorMessage = %q, want %q", msg, tt.message)
			}
			if tt.err != nil && msg == "" {
				t.Errorf("ErrorMessage is empty for %v", tt.err)
			}
			if tt.leaksNot != "" && strings.Contains(msg, tt.leaksNot) {
				t.Errorf("ErrorMessage = %q leaks %q", msg, tt.leaksNot)
			}
		})
	}
}

func TestErrorError_ShowsCodeAndMessage(t *testing.T) {
	err := collections.Errorf(collections.EINVALID, "%q is not a date", "x")
	if got, want := err.Error(), `invalid: "x" is not a date`; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}
