package bot

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/owedhq/owed/bot/sandbox"
)

// TestApprovers_GroupMembersAreAskedAgainOnceTheyAreAMinuteOld: a user
// group's members are trusted for a minute (not asked of Slack at every
// click), and asked again after that, so that someone removed from the
// approvers' group stops being an approver within a minute.
func TestApprovers_GroupMembersAreAskedAgainOnceTheyAreAMinuteOld(t *testing.T) {
	var mu sync.Mutex
	clock := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }

	sb := sandbox.New(sandbox.Config{TeamID: "T0OWED", BotToken: "xoxb-test", BotUserID: "U0OWEDBOT",
		Members:    []sandbox.Member{{ID: "U0CFO", Name: "cfo"}, {ID: "U0CTRL", Name: "controller"}, {ID: "U0DANA", Name: "dana"}},
		UserGroups: []sandbox.UserGroup{{ID: "S0APPROVERS", Handle: "approvers", Users: []string{"U0CTRL"}}},
		Now:        now})
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(sb.Close)
	sb.SetBaseURL(srv.URL)
	a := newApprovers([]string{"U0CFO", "S0APPROVERS"}, slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/")), now)

	ctx := context.Background()
	asked := func() int { return len(sb.CallsTo("usergroups.users.list")) }
	for _, tc := range []struct {
		user string
		want bool
	}{{"U0CFO", true}, {"U0CTRL", true}, {"U0DANA", false}, {"U0CTRL", true}} {
		ok, err := a.contains(ctx, tc.user)
		if err != nil || ok != tc.want {
			t.Fatalf("contains(%s) = %v, %v; want %v", tc.user, ok, err, tc.want)
		}
		advance(10 * time.Second)
	}
	if n := asked(); n != 1 {
		t.Errorf("the group was asked of Slack %d times within a minute, want once", n)
	}
	advance(time.Minute)
	if ok, err := a.contains(ctx, "U0CTRL"); err != nil || !ok {
		t.Fatalf("contains(U0CTRL) after a minute = %v, %v", ok, err)
	}
	if n := asked(); n != 2 {
		t.Errorf("after a minute the group was asked %d times in all, want 2 (asked again)", n)
	}
}
