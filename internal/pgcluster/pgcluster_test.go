package pgcluster

import (
	"context"
	"database/sql"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	_ "github.com/lib/pq" // the postgres driver
)

// A checkout in a directory the postgres user cannot enter (/root/owed, a
// mktemp -d) still gets its cluster, the directory keeps its mode and owner,
// and a second start finds the same data.
func TestStart_AsRootBelowADirectoryThePostgresUserCannotEnter(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: as another user the server runs as that user")
	}
	if _, err := FindBinDir(); err != nil {
		t.Fatal(err) // make test needs them too
	}
	for _, tc := range []struct {
		name string
		opts Options
	}{{"Durable", Options{}}, {"ThrowAway", Options{Ephemeral: true}}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			private := t.TempDir()
			if err := os.Chmod(private, 0o700); err != nil {
				t.Fatal(err)
			}
			checkout := filepath.Join(private, "owed")
			if err := os.Mkdir(checkout, 0o755); err != nil {
				t.Fatal(err)
			}
			dataDir := filepath.Join(checkout, ".owed", "pgdata")

			c, err := Start(ctx, dataDir, tc.opts)
			if err != nil {
				t.Fatalf("start: %v", err)
			}
			t.Cleanup(func() { c.Remove(context.Background()) })
			mustExec(t, c, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('demo state')`)
			if err := c.Stop(ctx); err != nil {
				t.Fatal(err)
			}

			again, err := Start(ctx, dataDir, tc.opts)
			if err != nil {
				t.Fatalf("restart: %v", err)
			}
			if again.DataDir != c.DataDir || !again.Started {
				t.Fatalf("restart used %s (started %v), want %s", again.DataDir, again.Started, c.DataDir)
			}
			var v string
			if err := open(t, again).QueryRow(`SELECT v FROM kept`).Scan(&v); err != nil || v != "demo state" {
				t.Fatalf("after a restart: %q, %v", v, err)
			}

			for dir, mode := range map[string]os.FileMode{private: 0o700, checkout: 0o755} {
				st, err := os.Stat(dir)
				if err != nil {
					t.Fatal(err)
				}
				if st.Mode().Perm() != mode || st.Sys().(*syscall.Stat_t).Uid != 0 {
					t.Errorf("%s: mode %v owner %d, want %v owned by root", dir, st.Mode().Perm(), st.Sys().(*syscall.Stat_t).Uid, mode)
				}
			}
			if target, err := os.Readlink(dataDir); err != nil || target != c.DataDir {
				t.Errorf("%s links to %q (%v), want %s", dataDir, target, err, c.DataDir)
			}

			if err := again.Remove(ctx); err != nil {
				t.Fatalf("remove: %v", err)
			}
			for _, p := range []string{again.DataDir, filepath.Dir(again.DataDir), again.SocketDir, dataDir} {
				if _, err := os.Lstat(p); !os.IsNotExist(err) {
					t.Errorf("%s is left after Remove (%v)", p, err)
				}
			}
		})
	}
}

// Where the postgres user can enter, the data stays in the given directory.
func TestStart_AsRootKeepsReachableDataInPlace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := FindBinDir(); err != nil {
		t.Fatal(err) // make test needs them too
	}
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // the test's own directories
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dataDir := filepath.Join(dir, ".owed", "pgdata")
	c, err := Start(ctx, dataDir, Options{Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Remove(context.Background()) })
	if c.DataDir != dataDir || c.Link != "" {
		t.Errorf("data in %s (link %q), want %s", c.DataDir, c.Link, dataDir)
	}
	u, _ := user.Lookup(serverUser)
	st, err := os.Stat(dataDir)
	if err != nil || strconv.Itoa(int(st.Sys().(*syscall.Stat_t).Uid)) != u.Uid {
		t.Errorf("%s is not the server user's: %v", dataDir, err)
	}
	mustExec(t, c, `SELECT 1`)
}

func open(t *testing.T, c *Cluster) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, c *Cluster, query string) {
	t.Helper()
	if _, err := open(t, c).Exec(query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
