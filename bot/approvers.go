package bot

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// groupTTL is how long a user group's members are trusted before asking
// Slack again.
const groupTTL = time.Minute

// approvers resolves OWED_APPROVERS: user IDs as they are, user groups
// (S…) through usergroups.users.list, cached briefly.
type approvers struct {
	users  []string
	groups []string
	slack  *slack.Client
	now    func() time.Time

	mu      sync.Mutex
	members map[string][]string // group → users
	fetched map[string]time.Time
}

func newApprovers(ids []string, client *slack.Client, now func() time.Time) *approvers {
	a := &approvers{slack: client, now: now, members: map[string][]string{}, fetched: map[string]time.Time{}}
	for _, id := range ids {
		if strings.HasPrefix(id, "S") {
			a.groups = append(a.groups, id)
		} else {
			a.users = append(a.users, id)
		}
	}
	return a
}

func (a *approvers) groupMembers(ctx context.Context, group string) ([]string, error) {
	a.mu.Lock()
	if t, ok := a.fetched[group]; ok && a.now().Sub(t) < groupTTL {
		defer a.mu.Unlock()
		return a.members[group], nil
	}
	a.mu.Unlock()
	users, err := a.slack.GetUserGroupMembersContext(ctx, group)
	if err != nil {
		return nil, fmt.Errorf("members of user group %s: %w", group, err)
	}
	a.mu.Lock()
	a.members[group], a.fetched[group] = users, a.now()
	a.mu.Unlock()
	return users, nil
}

// all returns every approver's user ID, sorted and distinct.
func (a *approvers) all(ctx context.Context) ([]string, error) {
	seen := map[string]bool{}
	for _, u := range a.users {
		seen[u] = true
	}
	for _, g := range a.groups {
		users, err := a.groupMembers(ctx, g)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			seen[u] = true
		}
	}
	out := make([]string, 0, len(seen))
	for u := range seen {
		out = append(out, u)
	}
	sort.Strings(out)
	return out, nil
}

// contains reports whether user may decide escalations.
func (a *approvers) contains(ctx context.Context, user string) (bool, error) {
	for _, u := range a.users {
		if u == user {
			return true, nil
		}
	}
	for _, g := range a.groups {
		users, err := a.groupMembers(ctx, g)
		if err != nil {
			return false, err
		}
		for _, u := range users {
			if u == user {
				return true, nil
			}
		}
	}
	return false, nil
}

// ids returns the configured approver user and group IDs.
func (a *approvers) ids() []string { return append(append([]string(nil), a.users...), a.groups...) }

// learnActor remembers, in the background and once a run, the name of a
// person whose action a thread line tells (a Slack user ID; owed's own
// actions aside), so that the command line's history names them.
func (b *Bot) learnActor(ctx context.Context, id string) {
	if len(id) < 2 || (id[0] != 'U' && id[0] != 'W') {
		return
	}
	if _, seen := b.learnt.LoadOrStore(id, true); seen {
		return
	}
	b.afterAck(ctx, func(ctx context.Context) { b.learnUser(ctx, id) })
}

// learnUser looks up a Slack user's name (users.info) and remembers it,
// so that the command line can name account owners. A failure only
// leaves the name unknown: mentions in Slack show it anyway.
func (b *Bot) learnUser(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, b.opts.CallTimeout)
	defer cancel()
	u, err := b.opts.Slack.GetUserInfoContext(ctx, id)
	if err != nil {
		b.log.WarnContext(ctx, "could not look up a Slack user", "user", id, "error", err)
		return
	}
	name := u.RealName
	if name == "" {
		name = u.Name
	}
	if name == "" {
		return
	}
	if err := b.opts.Ledger.SaveSlackUser(ctx, id, name); err != nil {
		b.log.WarnContext(ctx, "could not remember a Slack user", "user", id, "error", err)
	}
}
