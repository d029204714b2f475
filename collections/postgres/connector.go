package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/lib/pq"
)

// oneRoundTrip makes every query with parameters one round trip to the
// server instead of two (parse, then bind and execute): a click's
// transaction is several such queries. With it, []byte arguments are sent
// as binary, so JSON goes to jsonb columns as a string.
const oneRoundTrip = "binary_parameters"

// withOneRoundTrip adds oneRoundTrip to a database URL or key=value
// connection string, unless it says otherwise already.
func withOneRoundTrip(dsn string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("read the database URL: %w", err)
		}
		q := u.Query()
		if q.Get(oneRoundTrip) == "" {
			q.Set(oneRoundTrip, "yes")
			u.RawQuery = q.Encode()
		}
		return u.String(), nil
	}
	if strings.Contains(dsn, oneRoundTrip+"=") {
		return dsn, nil
	}
	return strings.TrimSpace(dsn + " " + oneRoundTrip + "=yes"), nil
}

// primeSQL reads nothing from the tables a click and the Slack sender use,
// by their keys and indexes. A new server connection loads its catalog
// entries (tables, indexes, types) on first use, which costs several
// milliseconds per table; a connection primed when opened serves the first
// burst of clicks after a start as fast as the next ones.
const primeSQL = `
SELECT 1 FROM customers WHERE id = 0 OR search_name = '' OR lower(ref) = '';
SELECT 1 FROM invoices WHERE id = 0 OR customer_id = 0 OR number = '';
SELECT 1 FROM payments WHERE id = 0 OR invoice_id = 0;
SELECT 1 FROM cases WHERE id = 0 OR customer_id = 0;
SELECT 1 FROM audit_log WHERE id = 0 OR case_id = 0 OR customer_id = 0;
SELECT 1 FROM outbox WHERE id = 0 OR case_id = 0;
SELECT 1 FROM escalations WHERE id = 0 OR case_id = 0;
SELECT 1 FROM escalation_messages WHERE escalation_id = 0;
SELECT 1 FROM plans WHERE id = 0 OR case_id = 0;
SELECT 1 FROM plan_instalments WHERE plan_id = 0;
SELECT 1 FROM promises WHERE id = 0 OR case_id = 0;
SELECT 1 FROM disputes WHERE id = 0 OR invoice_id = 0;
SELECT 1 FROM contacts WHERE id = 0 OR case_id = 0;
SELECT 1 FROM slack_users WHERE id = '';
SELECT 1 FROM slack_deliveries LIMIT 0`

// rehearseSQL makes the write a click makes (writeStatusesSQL) on a
// throw-away customer and case, and rolls it all back. A new server
// connection plans such a statement and prepares its foreign-key checks
// on first use, which costs several times the write itself: rehearsed
// when the connection opens, the first burst of clicks after a start is
// served as fast as the next ones. Its search name cannot be a real
// customer's (those are lower case), and names the connection's server
// process, so that connections opened together do not wait for each
// other on the unique index; ids it drew from sequences are skipped.
var rehearseSQL = `
DO $rehearsal$
DECLARE customer bigint; c bigint; v int;
BEGIN
    INSERT INTO customers (name, search_name) VALUES ('owed rehearsal', 'OWED REHEARSAL ' || pg_backend_pid()) RETURNING id INTO customer;
    INSERT INTO cases (customer_id, channel_id) VALUES (customer, 'C0REHEARSAL') RETURNING id, version INTO c, v;
    EXECUTE $write$` + writeStatusesSQL + `$write$
      USING ARRAY[c], ARRAY['snoozed'], ARRAY[current_date], ARRAY['snooze'], ARRAY['U0REHEARSAL'], ARRAY[false], ARRAY[v],
            ARRAY['snoozed'], ARRAY['{}'::jsonb];
    RAISE SQLSTATE 'OWED0';
EXCEPTION WHEN SQLSTATE 'OWED0' THEN NULL;
END
$rehearsal$`

// connector opens connections for a pool and, once the schema is known
// to be current, primes each new one (primeSQL).
type connector struct {
	driver.Connector
	prime atomic.Bool
}

func newConnector(dsn string) (*connector, error) {
	dsn, err := withOneRoundTrip(dsn)
	if err != nil {
		return nil, err
	}
	c, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	c.Dialer(&liveDialer{})
	return &connector{Connector: c}, nil
}

// Connect opens a connection, checked before each reuse and primed when
// the schema is current. Priming is best effort: a connection it fails on
// is used as it is.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	var dialed *liveConn
	conn, err := c.Connector.Connect(context.WithValue(ctx, dialedKey{}, &dialed))
	if err != nil {
		return nil, err
	}
	if pc, ok := conn.(pqConn); ok && dialed != nil {
		conn = &checkedConn{pqConn: pc, net: dialed}
	}
	if !c.prime.Load() {
		return conn, nil
	}
	if ex, ok := conn.(driver.ExecerContext); ok {
		for _, q := range []string{primeSQL, rehearseSQL} {
			if _, err := ex.ExecContext(ctx, q, nil); errors.Is(err, driver.ErrBadConn) {
				conn.Close()
				return nil, err
			}
		}
	}
	return conn, nil
}
