package slacksig

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

// TestVerify_RefusesEverythingWithoutASigningSecret: with no secret
// configured, anyone could compute a matching signature (HMAC with an
// empty key), so a request signed that way must still be refused.
func TestVerify_RefusesEverythingWithoutASigningSecret(t *testing.T) {
	now := time.Unix(vectorTS, 0)
	body := []byte(vectorBody)
	h := http.Header{}
	SetHeaders(h, "", now, body)
	if err := Verify(h, body, "", now); !errors.Is(err, ErrMissing) {
		t.Fatalf("a request signed with the empty secret: err = %v, want ErrMissing", err)
	}
}
