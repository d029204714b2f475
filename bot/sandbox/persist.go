package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// savedFormat is the version of the saved workspace's layout.
const savedFormat = 1

// savedWorkspace is the file KeepState writes: what members see (channels,
// IMs, messages with their threads, ephemeral messages, open modals, the
// mailbox) and the counters that keep new IDs and timestamps from
// repeating old ones.
// Conversations and views hold every field of the sandbox's structs (see
// encodeFields).
type savedWorkspace struct {
	Format        int                 `json:"format"`
	Tag           string              `json:"tag"`
	Saved         time.Time           `json:"saved"`
	Version       uint64              `json:"version"`
	Seq           uint64              `json:"seq"`
	LastTS        int64               `json:"last_ts"`
	Conversations json.RawMessage     `json:"conversations"`
	IMs           map[string]string   `json:"ims"`
	Views         json.RawMessage     `json:"views"`
	Stacks        map[string][]string `json:"stacks"`
	Mailbox       []Email             `json:"mailbox,omitempty"`
}

// KeepState makes the workspace outlive the process: it loads the workspace
// saved at path (when there is one, saved with the same tag) and from then
// on saves every change there, so that after a restart the page shows the
// same messages and their buttons still work. The tag names what the
// workspace belongs to (owed dev uses the database's identity): a file saved
// with another tag is not loaded. Every Close saves too. A missing, unreadable or foreign file is
// logged to log (nil: slog.Default()) and the workspace starts empty; an
// unreadable one is kept beside as path.corrupt. Call it once, before the
// sandbox is used.
func (s *Server) KeepState(path, tag string, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	s.mu.Lock()
	s.statePath, s.stateTag, s.log = path, tag, log
	s.loadLocked()
	since := s.version
	s.mu.Unlock()
	if err := s.save(); err != nil {
		return err
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		s.saveChanges(since)
	}()
	return nil
}

// loadLocked reads the saved workspace into the sandbox.
func (s *Server) loadLocked() {
	log := s.log.With("file", s.statePath)
	raw, err := os.ReadFile(s.statePath)
	if errors.Is(err, os.ErrNotExist) {
		log.Info("sandbox: no saved workspace yet; starting with an empty one")
		return
	}
	if err != nil {
		log.Warn("sandbox: cannot read the saved workspace; starting with an empty one", "error", err)
		return
	}
	var saved savedWorkspace
	var convs []*conversation
	views := map[string]*view{}
	err = json.Unmarshal(raw, &saved)
	if err == nil && saved.Format != savedFormat {
		err = fmt.Errorf("format %d, want %d", saved.Format, savedFormat)
	}
	if err == nil {
		err = decodeFields(saved.Conversations, &convs)
	}
	if err == nil && len(saved.Views) > 0 {
		err = decodeFields(saved.Views, &views)
	}
	if err != nil {
		aside := s.statePath + ".corrupt"
		if rerr := os.Rename(s.statePath, aside); rerr != nil {
			aside = "(not kept: " + rerr.Error() + ")"
		}
		log.Warn("sandbox: the saved workspace is unreadable; starting with an empty one", "error", err, "kept_as", aside)
		return
	}
	if saved.Tag != s.stateTag {
		log.Info("sandbox: the saved workspace belongs to another database; starting with an empty one", "saved_for", saved.Tag, "now", s.stateTag)
		return
	}

	configured, old := s.convOrder, s.convs
	s.convs, s.convOrder = map[string]*conversation{}, nil
	for _, c := range convs {
		if c == nil || c.id == "" || s.convs[c.id] != nil {
			continue
		}
		c.byTS = indexMessages(c)
		s.convs[c.id] = c
		s.convOrder = append(s.convOrder, c.id)
	}
	for _, id := range configured { // channels configured since the save
		if s.convs[id] == nil {
			s.convs[id] = old[id]
			s.convOrder = append(s.convOrder, id)
		}
	}
	for user, id := range saved.IMs {
		if c := s.convs[id]; c != nil && c.isIM {
			s.ims[user] = id
		}
	}
	for id, v := range views {
		if v != nil {
			s.views[id] = v
		}
	}
	for user, stack := range saved.Stacks {
		stack = slices.DeleteFunc(slices.Clone(stack), func(id string) bool { return s.views[id] == nil })
		if len(stack) > 0 {
			s.stacks[user] = stack
		}
	}
	s.mail.emails = append(s.mail.emails[:0:0], saved.Mailbox...)
	s.seq = max(s.seq, saved.Seq)
	s.lastTS = max(s.lastTS, saved.LastTS)
	// A page that saw the old workspace refreshes at once.
	s.version = max(s.version, saved.Version) + 1
	log.Info("sandbox: workspace restored", "conversations", len(convs), "saved", saved.Saved.Format(time.RFC3339))
}

// indexMessages returns a conversation's index of every message by ts.
func indexMessages(c *conversation) map[string]*message {
	idx := map[string]*message{}
	for _, m := range c.messages {
		idx[m.ts] = m
		for _, r := range m.replies {
			idx[r.ts] = r
		}
	}
	return idx
}

// saveChanges saves the workspace after every change until the sandbox
// closes (Close saves the last state).
func (s *Server) saveChanges(since uint64) {
	for {
		v := s.waitChange(context.Background(), since)
		select {
		case <-s.done:
			return
		default:
		}
		if err := s.save(); err != nil {
			s.log.Warn("sandbox: cannot save the workspace", "file", s.statePath, "error", err)
		}
		since = v
	}
}

// stopOwnWork stops the sandbox's goroutines (Close) and saves the
// workspace. The Web API keeps answering after Close, so every Close saves:
// a last one after the app has stopped keeps its last changes too.
func (s *Server) stopOwnWork() {
	s.endLife()
	s.bg.Wait()
	if err := s.save(); err != nil {
		s.log.Warn("sandbox: cannot save the workspace", "file", s.statePath, "error", err)
	}
}

// save writes the workspace to its file atomically: a temporary file in the
// same directory, synced, then renamed over the old one.
func (s *Server) save() error {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	if s.statePath == "" {
		s.mu.Unlock()
		return nil
	}
	data, err := s.snapshotLocked()
	path := s.statePath
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("sandbox state: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sandbox state: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("sandbox state: close %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	return nil
}

func (s *Server) snapshotLocked() ([]byte, error) {
	convs := make([]*conversation, 0, len(s.convOrder))
	for _, id := range s.convOrder {
		convs = append(convs, s.convs[id])
	}
	saved := savedWorkspace{
		Format: savedFormat, Tag: s.stateTag, Saved: s.now(),
		Version: s.version, Seq: s.seq, LastTS: s.lastTS,
		IMs: s.ims, Stacks: s.stacks, Mailbox: s.mail.emails,
	}
	var err error
	if saved.Conversations, err = encodeFields(convs); err != nil {
		return nil, fmt.Errorf("conversations: %w", err)
	}
	if saved.Views, err = encodeFields(s.views); err != nil {
		return nil, fmt.Errorf("views: %w", err)
	}
	return json.Marshal(saved)
}
