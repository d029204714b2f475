// Package pgcluster runs a private PostgreSQL server from the installed
// server binaries, listening only on a unix socket, for development and tests.
package pgcluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoServer reports that the PostgreSQL server binaries are not installed.
var ErrNoServer = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found: install the postgresql package (Debian: apt-get install postgresql)")

// serverUser is the account the server runs as when we are root; PostgreSQL
// refuses to run as root.
const serverUser = "postgres"

// Cluster is a PostgreSQL data directory and the server running on it.
type Cluster struct {
	DataDir   string // the data directory (initdb -D)
	SocketDir string // directory holding the server's unix socket
	Port      int    // socket file suffix; no TCP port is opened
	Started   bool   // Start started the server (it was not already running)
	// Link is the path Start was given when the data lives elsewhere (see
	// Start): a symbolic link to DataDir. Empty when DataDir is that path.
	Link   string
	binDir string
	asRoot bool
}

// Options tunes a cluster. The zero value is a durable cluster.
type Options struct {
	// Ephemeral turns off fsync and synchronous commit: fast, for throw-away
	// test clusters only. It also allows 500 connections.
	Ephemeral bool
}

// FindBinDir returns the directory holding initdb and pg_ctl: $PATH first,
// then the newest version under /usr/lib/postgresql.
func FindBinDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", ErrNoServer
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// Start initialises dataDir when it is empty and starts a server on it, or
// reuses the server already running there. The socket lives in
// dataDir/../run when that path is short enough for a unix socket, else in a
// directory under the system temp dir derived from dataDir.
//
// As root, the server runs as the postgres user, which may not be allowed
// into the directory holding dataDir (a checkout under /root, or in a
// mode-700 temp dir). Rather than loosen that directory, Start then keeps
// the cluster in the postgres user's home, under owed/, and makes dataDir a
// symbolic link to it: the link is how the next Start finds it again.
func Start(ctx context.Context, dataDir string, opts Options) (*Cluster, error) {
	binDir, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	dataDir, err = filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	c := &Cluster{DataDir: dataDir, Port: 5432, binDir: binDir, asRoot: os.Geteuid() == 0}
	if c.asRoot {
		if c.DataDir, err = c.placeForServer(ctx, dataDir); err != nil {
			return nil, err
		}
		if c.DataDir != dataDir {
			c.Link = dataDir
		}
	}
	dataDir = c.DataDir
	c.SocketDir = filepath.Join(filepath.Dir(dataDir), "run")
	if len(c.SocketDir)+len("/.s.PGSQL.5432") > 100 {
		sum := sha256.Sum256([]byte(dataDir))
		c.SocketDir = filepath.Join(os.TempDir(), "owed-pg-"+hex.EncodeToString(sum[:6]))
	}
	for _, d := range []string{filepath.Dir(dataDir), dataDir, c.SocketDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", d, err)
		}
	}
	if c.asRoot {
		if err := c.chownToServerUser(filepath.Dir(dataDir), dataDir, c.SocketDir); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		args := []string{"-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"}
		if opts.Ephemeral {
			args = append(args, "--no-sync")
		}
		if out, err := c.run(ctx, "initdb", args...); err != nil {
			return nil, fmt.Errorf("initdb: %w: %s", err, lastLines(out))
		}
	}
	if c.running(ctx) {
		return c, nil
	}
	serverOpts := fmt.Sprintf("-c listen_addresses='' -k %s -p %d", c.SocketDir, c.Port)
	if opts.Ephemeral {
		// Tests run in parallel, each server with its pools warm: more
		// connections than Postgres's default 100.
		serverOpts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=500"
	}
	logFile := filepath.Join(filepath.Dir(dataDir), "postgres.log")
	if out, err := c.run(ctx, "pg_ctl", "start", "-w", "-t", "60", "-D", dataDir, "-l", logFile, "-o", serverOpts); err != nil {
		return nil, fmt.Errorf("pg_ctl start (log: %s): %w: %s", logFile, err, lastLines(out))
	}
	c.Started = true
	return c, nil
}

// placeForServer returns where the data of the cluster named by dataDir
// lives: dataDir itself when the server user can reach it, else a directory
// in the server user's home that dataDir links to. An existing link is
// followed; an existing data directory is used where it is.
func (c *Cluster) placeForServer(ctx context.Context, dataDir string) (string, error) {
	if target, err := os.Readlink(dataDir); err == nil {
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(dataDir), target)
		}
		return target, nil
	}
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err == nil {
		return dataDir, nil
	}
	holder := filepath.Dir(filepath.Dir(dataDir)) // the directory that holds dataDir's parent
	if err := os.MkdirAll(holder, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", holder, err)
	}
	if c.serverCanEnter(ctx, holder) {
		return dataDir, nil
	}
	u, err := user.Lookup(serverUser)
	if err != nil {
		return "", fmt.Errorf("running as root needs the %q system user (created by the postgresql package): %w", serverUser, err)
	}
	if u.HomeDir == "" || !c.serverCanEnter(ctx, u.HomeDir) {
		return "", fmt.Errorf("the %s user cannot enter %s, and its home directory %q cannot hold the data instead", serverUser, holder, u.HomeDir)
	}
	sum := sha256.Sum256([]byte(dataDir))
	base := filepath.Join(u.HomeDir, "owed", hex.EncodeToString(sum[:6]))
	real := filepath.Join(base, "pgdata")
	// Nothing links here any more (the link was removed to start afresh):
	// whatever is left is an orphan of this same data directory.
	if c.serverRunning(ctx, real) {
		if out, err := c.run(ctx, "pg_ctl", "stop", "-w", "-m", "fast", "-D", real); err != nil {
			return "", fmt.Errorf("stop the orphaned server on %s: %w: %s", real, err, lastLines(out))
		}
	}
	if err := os.RemoveAll(base); err != nil {
		return "", fmt.Errorf("clear %s: %w", base, err)
	}
	for _, d := range []string{filepath.Dir(base), base, real} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return "", fmt.Errorf("create %s: %w", d, err)
		}
	}
	if err := c.chownToServerUser(filepath.Dir(base)); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dataDir), 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", filepath.Dir(dataDir), err)
	}
	if err := os.Remove(dataDir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("replace the empty %s with a link: %w", dataDir, err)
	}
	if err := os.Symlink(real, dataDir); err != nil {
		return "", fmt.Errorf("link %s to %s: %w", dataDir, real, err)
	}
	return real, nil
}

// serverCanEnter reports whether the server user may enter dir (and every
// directory above it), as the kernel decides, ACLs included.
func (c *Cluster) serverCanEnter(ctx context.Context, dir string) bool {
	cmd := exec.CommandContext(ctx, "runuser", "-u", serverUser, "--", "test", "-x", dir)
	cmd.Dir = "/"
	return cmd.Run() == nil
}

func (c *Cluster) serverRunning(ctx context.Context, dataDir string) bool {
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err != nil {
		return false
	}
	_, err := c.run(ctx, "pg_ctl", "status", "-D", dataDir)
	return err == nil
}

// URL returns a connection URL for database db on this cluster.
func (c *Cluster) URL(db string) string {
	q := url.Values{"host": {c.SocketDir}, "port": {strconv.Itoa(c.Port)}, "sslmode": {"disable"}}
	return "postgres://postgres@/" + url.PathEscape(db) + "?" + q.Encode()
}

// Stop shuts the server down (fast mode: connections are closed).
func (c *Cluster) Stop(ctx context.Context) error {
	if out, err := c.run(ctx, "pg_ctl", "stop", "-w", "-m", "fast", "-D", c.DataDir); err != nil {
		return fmt.Errorf("pg_ctl stop: %w: %s", err, lastLines(out))
	}
	return nil
}

// Remove stops the server and deletes the cluster: its data, socket and
// log, wherever Start placed them, and the link to them.
func (c *Cluster) Remove(ctx context.Context) error {
	var errs []error
	if c.running(ctx) {
		errs = append(errs, c.Stop(ctx))
	}
	dirs := []string{c.DataDir, c.SocketDir}
	if c.Link != "" {
		// The relocated cluster's own directory holds its data, socket and log.
		dirs = append(dirs, filepath.Dir(c.DataDir), c.Link)
	}
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", d, err))
		}
	}
	return errors.Join(errs...)
}

func (c *Cluster) running(ctx context.Context) bool {
	_, err := c.run(ctx, "pg_ctl", "status", "-D", c.DataDir)
	return err == nil
}

func (c *Cluster) run(ctx context.Context, tool string, args ...string) ([]byte, error) {
	bin := filepath.Join(c.binDir, tool)
	var cmd *exec.Cmd
	if c.asRoot {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", serverUser, "--", bin}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, bin, args...)
	}
	cmd.Dir = "/" // a directory every user may enter
	return cmd.CombinedOutput()
}

func (c *Cluster) chownToServerUser(dirs ...string) error {
	u, err := user.Lookup(serverUser)
	if err != nil {
		return fmt.Errorf("running as root needs the %q system user (created by the postgresql package): %w", serverUser, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, d := range dirs {
		err := filepath.Walk(d, func(p string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, uid, gid)
		})
		if err != nil {
			return fmt.Errorf("hand %s to the %s user: %w", d, serverUser, err)
		}
	}
	return nil
}

func lastLines(out []byte) string {
	lines := strings.Split(string(bytes.TrimSpace(out)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " | ")
}
