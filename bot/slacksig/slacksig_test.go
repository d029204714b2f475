package slacksig

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

// Slack's published example (api.slack.com/authentication/verifying-requests-from-slack).
const (
	vectorSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	vectorTS     = 1531420618
	vectorBody   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	vectorSig    = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func vectorHeader() http.Header {
	h := http.Header{}
	h.Set(HeaderTimestamp, "1531420618")
	h.Set(HeaderSignature, vectorSig)
	return h
}

func TestSign_MatchesSlackVector(t *testing.T) {
	if got := Sign(vectorSecret, vectorTS, []byte(vectorBody)); got != vectorSig {
		t.Fatalf("Sign = %s, want %s", got, vectorSig)
	}
}

func TestVerify(t *testing.T) {
	at := time.Unix(vectorTS, 0)
	t.Run("AcceptsSlackVectorWithPinnedClock", func(t *testing.T) {
		if err := Verify(vectorHeader(), []byte(vectorBody), vectorSecret, at.Add(30*time.Second)); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
	t.Run("RejectsExpiredTimestamp", func(t *testing.T) {
		err := Verify(vectorHeader(), []byte(vectorBody), vectorSecret, at.Add(MaxSkew+time.Second))
		if !errors.Is(err, ErrTimestamp) {
			t.Fatalf("err = %v, want ErrTimestamp", err)
		}
	})
	t.Run("RejectsFutureTimestamp", func(t *testing.T) {
		err := Verify(vectorHeader(), []byte(vectorBody), vectorSecret, at.Add(-MaxSkew-time.Second))
		if !errors.Is(err, ErrTimestamp) {
			t.Fatalf("err = %v, want ErrTimestamp", err)
		}
	})
	t.Run("RejectsTamperedBody", func(t *testing.T) {
		err := Verify(vectorHeader(), []byte(vectorBody+"&x=1"), vectorSecret, at)
		if !errors.Is(err, ErrMismatch) {
			t.Fatalf("err = %v, want ErrMismatch", err)
		}
	})
	t.Run("RejectsWrongSecret", func(t *testing.T) {
		err := Verify(vectorHeader(), []byte(vectorBody), "other", at)
		if !errors.Is(err, ErrMismatch) {
			t.Fatalf("err = %v, want ErrMismatch", err)
		}
	})
	t.Run("RejectsUnsigned", func(t *testing.T) {
		err := Verify(http.Header{}, []byte(vectorBody), vectorSecret, at)
		if !errors.Is(err, ErrMissing) {
			t.Fatalf("err = %v, want ErrMissing", err)
		}
	})
	t.Run("RoundTripsSetHeaders", func(t *testing.T) {
		h := http.Header{}
		now := time.Now()
		SetHeaders(h, "s3cret", now, []byte("a=b"))
		if err := Verify(h, []byte("a=b"), "s3cret", now); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
}
