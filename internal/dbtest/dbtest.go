// Package dbtest gives each test a fresh, migrated Postgres database cloned
// from a template, on TEST_DATABASE_URL or on a throw-away private cluster.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the postgres driver

	"github.com/owedhq/owed/collections/postgres"
	"github.com/owedhq/owed/internal/pgcluster"
	"github.com/owedhq/owed/migrations"
)

// EnvURL names the variable holding the admin URL of the test server.
const EnvURL = "TEST_DATABASE_URL"

// Main runs a package's tests. Without TEST_DATABASE_URL it starts a private
// throw-away cluster for the package and removes it afterwards. Use it from
// TestMain: os.Exit(dbtest.Main(m)).
func Main(m *testing.M) int {
	if os.Getenv(EnvURL) != "" {
		return m.Run()
	}
	stop, err := StartCluster()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		return 1
	}
	defer stop()
	return m.Run()
}

// StartCluster starts a throw-away cluster in a temporary directory, points
// TEST_DATABASE_URL at it and returns the function that stops and removes it.
func StartCluster() (stop func(), err error) {
	dir, err := os.MkdirTemp("", "owed-test-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	ctx := context.Background()
	c, err := pgcluster.Start(ctx, dir+"/data", pgcluster.Options{Ephemeral: true})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	os.Setenv(EnvURL, c.URL("postgres"))
	return func() {
		c.Remove(ctx)
		os.RemoveAll(dir)
	}, nil
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// New returns a connection to a new database with every migration applied,
// dropped when the test ends.
func New(t testing.TB) *postgres.DB {
	t.Helper()
	admin := os.Getenv(EnvURL)
	if admin == "" {
		t.Fatalf("%s is not set: run the tests with `make test`, or call dbtest.Main from TestMain", EnvURL)
	}
	ctx := context.Background()
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx, admin) })
	if templateErr != nil {
		t.Fatalf("template database: %v", postgres.RedactError(templateErr, admin))
	}
	name := "owed_test_" + randomHex(6)
	adminDB, err := sqlx.Open("postgres", admin)
	if err != nil {
		t.Fatalf("open admin connection: %v", postgres.RedactError(err, admin))
	}
	defer adminDB.Close()
	if _, err := adminDB.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+templateName); err != nil {
		t.Fatalf("create test database: %v", postgres.RedactError(err, admin))
	}
	db, err := postgres.Open(ctx, withDatabase(admin, name))
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	// As a server does at start: the schema is checked, and the
	// connections opened after are primed.
	if n, err := db.PendingMigrations(ctx); err != nil || n > 0 {
		t.Fatalf("test database: %d migrations pending, %v", n, err)
	}
	t.Cleanup(func() {
		db.Close()
		dropDB, err := sqlx.Open("postgres", admin)
		if err != nil {
			return
		}
		defer dropDB.Close()
		dropDB.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return db
}

// URL returns the connection URL of a new migrated database (as New), for
// tests that open their own connections, such as a whole owed process.
func URL(t testing.TB) string {
	t.Helper()
	db := New(t)
	var name string
	if err := db.GetContext(context.Background(), &name, "SELECT current_database()"); err != nil {
		t.Fatalf("current database: %v", err)
	}
	return withDatabase(os.Getenv(EnvURL), name)
}

// ensureTemplate creates, once per server and migration set, a migrated
// database to clone. Concurrent test packages coordinate with an advisory
// lock.
func ensureTemplate(ctx context.Context, admin string) (string, error) {
	name := "owed_template_" + migrationsHash()
	db, err := sqlx.Open("postgres", admin)
	if err != nil {
		return "", err
	}
	defer db.Close()
	conn, err := db.Connx(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7707)"); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(7707)")
	var exists bool
	if err := conn.GetContext(ctx, &exists, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)")
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	tdb, err := postgres.Open(ctx, withDatabase(admin, building))
	if err != nil {
		return "", err
	}
	_, err = tdb.Migrate(ctx)
	tdb.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

func migrationsHash() string {
	h := sha256.New()
	fs.WalkDir(migrations.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(migrations.FS, p)
		h.Write([]byte(p))
		h.Write(b)
		return nil
	})
	for _, m := range migrations.Go {
		fmt.Fprintf(h, "go migration %d\n", m.Version)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func withDatabase(raw, db string) string {
	u, err := url.Parse(raw)
	if err != nil || !strings.HasPrefix(raw, "postgres") {
		return raw + " dbname=" + db
	}
	u.Path = "/" + db
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b) + fmt.Sprintf("%x", time.Now().UnixNano()%0xfff)
}
