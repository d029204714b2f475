package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/owedhq/owed/collections"
)

// workspaceLock is one `owed dev`'s hold on its sandbox workspace. Two runs
// on one workspace would each show a workspace of their own, and the last
// to stop would overwrite what the other kept. The lock is the kernel's
// (flock on a file beside the workspace): it ends with the process, however
// the process ends, so a crash never leaves a stale lock behind.
type workspaceLock struct {
	f *os.File
}

// lockWorkspace takes the workspace kept at path, or says which run has it.
func lockWorkspace(path string) (*workspaceLock, error) {
	name := path + ".lock"
	f, err := lockFile(name, syscall.LOCK_EX|syscall.LOCK_NB)
	if err != nil {
		holder, _ := os.ReadFile(name)
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("sandbox workspace: %w", err)
		}
		who := "another owed dev"
		if h := strings.TrimSpace(string(holder)); h != "" {
			who += " (" + h + ")"
		}
		return nil, collections.Errorf(collections.EINVALID, "%s is already running on %s: open its page, or stop it first", who, filepath.Dir(path))
	}
	return &workspaceLock{f: f}, nil
}

// lockFile opens the file at path (creating it, and its directory) and
// takes the kernel's lock on it (flock with how): held until the file is
// closed or the process ends, however it ends.
func lockFile(path string, how int) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// tell records who holds the lock, for a second run to say.
func (l *workspaceLock) tell(holder string) {
	if err := l.f.Truncate(0); err == nil {
		l.f.WriteAt([]byte(holder+"\n"), 0)
	}
}

// release lets another run take the workspace.
func (l *workspaceLock) release() {
	l.f.Truncate(0)
	l.f.Close()
}
