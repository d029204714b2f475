package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/owedhq/owed/collections/postgres"
)

func TestOpen_ErrorsNeverShowThePassword(t *testing.T) {
	for _, conn := range []string{
		"postgres://owed:pa55:word@localhost:notaport/owed",
		"postgres://owed:pa55@word@db host/owed",
		"postgres://owed:pa55%40word@127.0.0.1:1/owed?sslmode=bogus",
		"postgres://owed@127.0.0.1:1/owed?password=pa55word&sslmode=nope",
		"host=/nonexistent password=pa55word port=notaport",
		"host=/nonexistent password = 'pa55 word' sslmode=bogus",
		"postgres//owed:pa55word@127.0.0.1:1/owed",
		"postgres://owed:pa55#word@127.0.0.1:1/owed",
		"postgres://owed:pa55?word@127.0.0.1:1/owed",
		"owed:pa55word@localhost/owed",
		"postgres:/owed:pa55word@localhost/owed",
		"postgres:owed:pa55word@localhost/owed",
		"postgresql:/owed:pa55@word@127.0.0.1:1/owed",
		"owed:pa55%40word@127.0.0.1:1/owed",
		"tcp owed:pa55word@localhost/owed",
	} {
		_, err := postgres.Open(context.Background(), conn)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", conn)
		}
		if msg := err.Error(); strings.Contains(msg, "pa55") {
			t.Errorf("Open(%q) error shows the password: %s", conn, msg)
		}
	}
}

func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, conn, want string }{
		{`parse "postgres://u:p%2Fw@h:x/d": invalid port`, "postgres://u:p%2Fw@h:x/d", `parse "postgres://u:xxxxx@h:x/d": invalid port`},
		{`dial postgres://a:b@c/d failed`, "", `dial postgres://a:xxxxx@c/d failed`},
		{`bad conn host=h password='it''s' x`, "host=h password='it''s'", `bad conn host=h password=xxxxx x`},
		{`the user owed is fine`, "postgres://owed@h/d", `the user owed is fine`},
		{`missing "=" after "owed:S3cr3t@localhost/db" in connection info string`, "owed:S3cr3t@localhost/db",
			`missing "=" after "owed:xxxxx@localhost/db" in connection info string`},
		{`bad "postgres:/owed:S3cr3t@localhost/db"`, "postgres:/owed:S3cr3t@localhost/db", `bad "postgres:/owed:xxxxx@localhost/db"`},
		{`bad "postgres:owed:S3cr3t@localhost/db"`, "postgres:owed:S3cr3t@localhost/db", `bad "postgres:xxxxx@localhost/db"`},
		// Written in a message without the connection string at hand.
		{`dial owed:S3cr3t@localhost failed`, "", `dial owed:xxxxx@localhost failed`},
		{`url "postgres:/owed:S3cr3t@localhost/db"`, "", `url "postgres:/owed:xxxxx@localhost/db"`},
		{`key=owed:S3cr3t@localhost`, "", `key=owed:xxxxx@localhost`},
		{`invoices.csv:3: amount: "12.345" has 3 decimals`, "owed:S3cr3t@h/d", `invoices.csv:3: amount: "12.345" has 3 decimals`},
	} {
		if got := postgres.Redact(c.in, c.conn); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
