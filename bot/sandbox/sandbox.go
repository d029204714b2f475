// Package sandbox is a local stand-in for Slack: a Web API that keeps Slack's rules,
// signed slash commands and interactions, Socket Mode, and a web page to try the bot.
package sandbox

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Member is a person in the sandbox workspace.
type Member struct {
	ID       string // U…
	Name     string // handle, e.g. "dana"
	RealName string // e.g. "Dana Whitfield"
}

// Channel is a public channel of the sandbox workspace.
type Channel struct {
	ID      string   // C…
	Name    string   // without "#"
	Members []string // member IDs; empty means every member
}

// UserGroup is a user group (S…) of the sandbox workspace.
type UserGroup struct {
	ID     string
	Handle string
	Users  []string
}

// Config describes the sandbox workspace and the app installed in it.
type Config struct {
	TeamID     string // T…
	TeamDomain string // e.g. "acme-finance"
	TeamName   string

	BotToken  string // xoxb-…, required on bot Web API calls
	AppToken  string // xapp-…, required on apps.connections.open (Socket Mode)
	BotUserID string // U… of the bot user
	BotID     string // B…
	BotName   string // display name of the bot, e.g. "owed"
	AppID     string // A…

	// SigningSecret signs every request sent to the app (X-Slack-Signature).
	SigningSecret string
	// VerificationToken is the deprecated token Slack puts in every payload.
	VerificationToken string

	// CommandURL and InteractionURL are the app's request URLs for slash
	// commands and interactions (its /slack/commands and /slack/interactions).
	CommandURL     string
	InteractionURL string
	// Commands are the app's slash commands (e.g. "/owed"). Any other
	// command is answered as Slack answers one no app has: "/foo is not a
	// valid command", and the app hears nothing. Empty: every command is
	// the app's.
	Commands []string

	Members    []Member
	Channels   []Channel
	UserGroups []UserGroup

	// PostInterval is the per-channel message rate of chat.postMessage;
	// PostBurst messages may go out at once before it applies.
	PostInterval time.Duration
	PostBurst    int

	// AckTimeout is how long the app has to answer a slash command or an
	// interaction (Slack: 3 s).
	AckTimeout time.Duration

	// Now is Slack's clock: trigger_id and response_url expiry, the rate
	// limit, message timestamps and request signatures use it.
	Now func() time.Time

	// HTTPClient sends requests to the app; nil means a default client.
	HTTPClient *http.Client

	// CallLog bounds how many of the latest Web API calls Calls keeps
	// (default DefaultCallLog): past it, the older half is forgotten, so
	// that the memory of a sandbox that runs for days stays bounded.
	CallLog int
}

// IDs of the demo workspace (DemoConfig).
const (
	DemoMember    = "U0MEMBER"    // dana, an ordinary member of the finance team
	DemoApprover  = "U0APPROVER"  // cfo, an approver
	DemoApprover2 = "U0APPROVER2" // controller, a second approver
	DemoChannel   = "C0COLLECT"   // #collections, where alerts go
	DemoApprovers = "S0APPROVERS" // @approvers: controller (cfo approves by user ID)
)

// DemoConfig returns a workspace to try owed in: an ordinary member, two
// approvers in the @approvers group and the #collections channel. The caller
// sets the app's request URLs and signing secret (and tokens, if not the
// defaults).
func DemoConfig() Config {
	return Config{
		TeamID:     "T0SANDBOX",
		TeamDomain: "acme-finance",
		TeamName:   "Acme Finance",
		Members: []Member{
			{ID: DemoMember, Name: "dana", RealName: "Dana Whitfield"},
			{ID: DemoApprover, Name: "cfo", RealName: "Chris Fortescue"},
			{ID: DemoApprover2, Name: "controller", RealName: "Cam Ortiz"},
		},
		Channels:   []Channel{{ID: DemoChannel, Name: "collections"}},
		UserGroups: []UserGroup{{ID: DemoApprovers, Handle: "approvers", Users: []string{DemoApprover2}}},
		Commands:   []string{"/owed"},
	}
}

// Slack's limits reproduced by the sandbox.
const (
	TriggerTTL        = 3 * time.Second
	ResponseURLTTL    = 30 * time.Minute
	ResponseURLUses   = 5
	DefaultAckTimeout = 3 * time.Second
	DefaultCallLog    = 10000
	// forgetAfter is how long past its expiry a trigger_id or response_url
	// is still told apart from one never issued (expired_trigger_id,
	// expired_url); after that the sandbox forgets it, as its memory must
	// stay bounded.
	forgetAfter        = time.Hour
	maxViewStack       = 3
	defaultPostBurst   = 3
	socketPingInterval = 10 * time.Second
)

// Server is the sandbox: Slack's Web API, the workspace's state and the
// driving API that acts as its members.
type Server struct {
	cfg     Config
	now     func() time.Time
	client  *http.Client
	members map[string]Member
	groups  map[string]UserGroup
	sockets *socketHub
	log     *slog.Logger  // for the saved workspace (KeepState)
	done    chan struct{} // closed by Close
	closing sync.Once
	life    context.Context // ends when Close is called
	endLife context.CancelFunc
	// pages ends when EndPolls or Close is called: the page's long polls
	// answer at once.
	pages    context.Context
	endPages context.CancelFunc
	bg       sync.WaitGroup // the sandbox's own goroutines, stopped by Close
	saveMu   sync.Mutex     // one save at a time

	mu           sync.Mutex
	baseURL      string
	lastDelivery *delivery // the last request made to the app (Redeliver)
	version      uint64
	changed      chan struct{} // closed and replaced on every change (and when polls come and go)
	polls        int           // page long polls waiting for a change
	backlog      backlog       // the app's messages still to post (SetBacklog)
	statePath    string        // the saved workspace (KeepState)
	stateTag     string
	seq          uint64
	lastTS       int64 // microseconds of the last message ts handed out
	convs        map[string]*conversation
	convOrder    []string
	ims          map[string]string // member ID → IM channel ID
	triggers     map[string]*trigger
	views        map[string]*view
	stacks       map[string][]string // member ID → open modal view IDs, bottom first
	responseURLs map[string]*responseURL
	limiters     map[string]*rate.Limiter // channel ID → chat.postMessage limiter
	failures     map[string][]Failure
	forgotAt     time.Time // when forgetExpiredLocked last looked
	calls        []Call    // the latest calls (Config.CallLog)
	callsForgot  int       // calls answered before calls[0]
	tickets      map[string]bool
	mail         mailbox
}

// New returns a sandbox for cfg. Zero values get sensible defaults: a team,
// tokens, the bot user, a 1 s post interval with a burst of 3, a 3 s ack
// timeout and the real clock.
func New(cfg Config) *Server {
	cfg = withDefaults(cfg)
	s := &Server{
		cfg:          cfg,
		now:          cfg.Now,
		client:       cfg.HTTPClient,
		members:      map[string]Member{},
		groups:       map[string]UserGroup{},
		sockets:      newSocketHub(),
		done:         make(chan struct{}),
		version:      1, // a page that has seen nothing (since=0) gets the state at once
		changed:      make(chan struct{}),
		convs:        map[string]*conversation{},
		ims:          map[string]string{},
		triggers:     map[string]*trigger{},
		views:        map[string]*view{},
		stacks:       map[string][]string{},
		responseURLs: map[string]*responseURL{},
		limiters:     map[string]*rate.Limiter{},
		failures:     map[string][]Failure{},
		tickets:      map[string]bool{},
	}
	if s.client == nil {
		// Like Slack, it keeps connections to the app open between requests.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 128
		s.client = &http.Client{Transport: t}
	}
	s.life, s.endLife = context.WithCancel(context.Background())
	s.pages, s.endPages = context.WithCancel(context.Background())
	for _, m := range cfg.Members {
		s.members[m.ID] = m
	}
	s.members[cfg.BotUserID] = Member{ID: cfg.BotUserID, Name: cfg.BotName, RealName: cfg.BotName}
	for _, g := range cfg.UserGroups {
		s.groups[g.ID] = g
	}
	for _, c := range cfg.Channels {
		s.addConversationLocked(&conversation{id: c.ID, name: c.Name, members: c.Members, byTS: map[string]*message{}})
	}
	return s
}

func withDefaults(cfg Config) Config {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&cfg.TeamID, "T0SANDBOX")
	def(&cfg.TeamDomain, "sandbox")
	def(&cfg.TeamName, "Sandbox")
	def(&cfg.BotToken, "xoxb-sandbox")
	def(&cfg.AppToken, "xapp-sandbox")
	def(&cfg.BotUserID, "U0OWEDBOT")
	def(&cfg.BotID, "B0OWEDBOT")
	def(&cfg.BotName, "owed")
	def(&cfg.AppID, "A0OWED")
	def(&cfg.VerificationToken, "sandbox-verification-token")
	if cfg.PostInterval <= 0 {
		cfg.PostInterval = time.Second
	}
	if cfg.PostBurst <= 0 {
		cfg.PostBurst = defaultPostBurst
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = DefaultAckTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CallLog <= 0 {
		cfg.CallLog = DefaultCallLog
	}
	return cfg
}

// SetBaseURL sets the sandbox's public base URL (e.g. "http://127.0.0.1:8080"),
// from which response_url and Socket Mode URLs are minted.
func (s *Server) SetBaseURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.baseURL = strings.TrimRight(u, "/")
}

// Config returns the configuration in force, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Members returns the workspace's members (without the bot), in configuration order.
func (s *Server) Members() []Member { return append([]Member(nil), s.cfg.Members...) }

// nextIDLocked returns a new identifier with the given prefix, e.g. "V000000007".
func (s *Server) nextIDLocked(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%09d", prefix, s.seq)
}

// nextTSLocked returns a message timestamp from Slack's clock, strictly
// increasing so that every message has its own.
func (s *Server) nextTSLocked() string {
	us := s.now().UnixMicro()
	if us <= s.lastTS {
		us = s.lastTS + 1
	}
	s.lastTS = us
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

// touchLocked records a change that the page and Await should see.
func (s *Server) touchLocked() {
	s.version++
	s.wakeLocked()
}

// wakeLocked wakes Await and the long polls to look again, without a
// change of state for the page.
func (s *Server) wakeLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Await blocks until cond returns true or ctx ends. cond is evaluated at
// once and after every change to the sandbox's state (a message posted or
// edited, a modal opened, …), without the sandbox's lock held, so it may
// call the read-side methods.
func (s *Server) Await(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("await: %w", ctx.Err())
		}
	}
}

// waitChange blocks until the state version exceeds since, ctx ends or the
// sandbox closes, and returns the current version.
func (s *Server) waitChange(ctx context.Context, since uint64) uint64 {
	for {
		s.mu.Lock()
		v, ch := s.version, s.changed
		s.mu.Unlock()
		if v > since {
			return v
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return v
		case <-s.done:
			return v
		}
	}
}

func (s *Server) member(id string) (Member, bool) {
	m, ok := s.members[id]
	return m, ok && id != s.cfg.BotUserID
}

func (s *Server) userName(id string) string {
	if m, ok := s.members[id]; ok {
		return m.Name
	}
	if id == slackbotID {
		return "Slackbot"
	}
	return id
}
