// Package slacksig signs and verifies Slack request signatures (the "v0"
// scheme): HMAC-SHA256 over "v0:TIMESTAMP:BODY" with the app's signing secret.
package slacksig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Header names Slack uses for request signatures.
const (
	HeaderSignature = "X-Slack-Signature"
	HeaderTimestamp = "X-Slack-Request-Timestamp"
)

// MaxSkew is how far a request timestamp may be from now before the request
// is refused as a possible replay.
const MaxSkew = 5 * time.Minute

// Errors returned by Verify. All mean the request must be refused.
var (
	ErrMissing   = errors.New("slack signature: missing signature or timestamp")
	ErrTimestamp = errors.New("slack signature: timestamp outside the allowed window")
	ErrMismatch  = errors.New("slack signature: signature does not match")
)

// Sign returns the X-Slack-Signature value for body sent at unix time ts.
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:", ts)
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// SetHeaders signs body and sets both signature headers on h.
func SetHeaders(h http.Header, secret string, now time.Time, body []byte) {
	ts := now.Unix()
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, Sign(secret, ts, body))
}

// Verify checks the signature headers in h against the raw request body,
// refusing timestamps more than MaxSkew away from now. The comparison is
// constant-time.
func Verify(h http.Header, body []byte, secret string, now time.Time) error {
	sig, tsText := h.Get(HeaderSignature), h.Get(HeaderTimestamp)
	if sig == "" || tsText == "" || secret == "" {
		return ErrMissing
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return ErrMissing
	}
	if d := now.Sub(time.Unix(ts, 0)); d > MaxSkew || d < -MaxSkew {
		return ErrTimestamp
	}
	if !hmac.Equal([]byte(sig), []byte(Sign(secret, ts, body))) {
		return ErrMismatch
	}
	return nil
}
