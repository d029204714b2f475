package main

import (
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	t.Parallel()
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "4fe2868c0d2a7e51b2f0b8a1c9d3e4f5a6b7c8d9"
	for _, tc := range []struct {
		name                    string
		version, commit         string // as -ldflags left them
		info                    debug.BuildInfo
		wantVersion, wantCommit string
	}{
		{"make build: -ldflags win", "v0.4.0-3-g4fe2868", "4fe2868", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "true")},
			"v0.4.0-3-g4fe2868", "4fe2868"},
		{"go build in a clean checkout", "dev", "unknown", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "false")},
			"dev", "4fe2868"},
		{"go build with uncommitted changes", "dev", "unknown", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "true")},
			"dev", "4fe2868-dirty"},
		{"go install …@v1.2.3", "dev", "unknown", debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}},
			"v1.2.3", "unknown"},
		{"built without version control", "dev", "unknown", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			"dev", "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, c := buildVersion(tc.version, tc.commit, &tc.info)
			if v != tc.wantVersion || c != tc.wantCommit {
				t.Errorf("buildVersion = %q, %q; want %q, %q", v, c, tc.wantVersion, tc.wantCommit)
			}
		})
	}
}

// TestVersion_GoBuildNamesTheCommit builds owed with a plain `go build` in
// this checkout (version control stamping on, as it is by default) and
// checks that `owed version` names the checkout's commit.
func TestVersion_GoBuildNamesTheCommit(t *testing.T) {
	t.Parallel()
	git := func(args ...string) string {
		out, err := exec.Command("git", args...).Output()
		if err != nil {
			t.Fatalf("git %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	want := git("rev-parse", "HEAD")[:7]
	if git("status", "--porcelain") != "" { // as Go asks: untracked files count
		want += "-dirty"
	}
	bin := filepath.Join(t.TempDir(), "owed")
	if out, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("owed version: %v", err)
	}
	// The version is the toolchain's: a pseudo-version made from the
	// commit (Go 1.24 on), or "dev".
	if got := strings.TrimSpace(string(out)); !strings.HasPrefix(got, "owed ") || !strings.HasSuffix(got, " (commit "+want+")") {
		t.Errorf("owed version = %q, want it to name commit %s", got, want)
	}
}

// TestHelp checks that `owed -h` lists every command, its summaries in one
// column, and that every command answers -h with its usage and exit 0.
func TestHelp(t *testing.T) {
	t.Parallel()
	c := &cli{t: t, env: map[string]string{}, dir: t.TempDir()} // -h needs no database
	r := c.run("", "-h")
	if r.code != 0 {
		t.Fatalf("owed -h: exit %d: %s", r.code, r.stderr)
	}
	column := -1
	for _, cmd := range commands() {
		var line string
		for l := range strings.Lines(r.stdout) {
			if strings.HasPrefix(l, "  "+cmd.name+" ") {
				line = l
			}
		}
		at := strings.Index(line, cmd.summary)
		if line == "" || at < 0 {
			t.Errorf("owed -h does not list %s with its summary:\n%s", cmd.name, r.stdout)
			continue
		}
		if column < 0 {
			column = at
		}
		if at != column {
			t.Errorf("the summary of %s starts at column %d, the first at %d:\n%s", cmd.name, at, column, r.stdout)
		}
		h := c.run("", cmd.name, "-h")
		if h.code != 0 || !strings.HasPrefix(h.stdout, "Usage: owed "+cmd.name) {
			t.Errorf("owed %s -h: exit %d, stdout %q, stderr %q", cmd.name, h.code, h.stdout, h.stderr)
		}
	}
}
