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
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sandbox workspace: %w", err)
	}
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sandbox workspace: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(name)
		f.Close()
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("sandbox workspace: lock %s: %w", name, err)
		}
		who := "another owed dev"
		if h := strings.TrimSpace(string(holder)); h != "" {
			who += " (" + h + ")"
		}
		return nil, collections.Errorf(collections.EINVALID, "%s is already running on %s: open its page, or stop it first", who, filepath.Dir(path))
	}
	return &workspaceLock{f: f}, nil
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
