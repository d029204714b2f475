package sandbox

import (
	"encoding/json"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Call is one Web API call the sandbox answered.
type Call struct {
	Method string
	Params map[string]string // arguments without the token; JSON values as JSON text
	Status int               // HTTP status answered
	Error  string            // Slack error code, "" when ok
	At     time.Time
}

// OK reports whether the call succeeded.
func (c Call) OK() bool { return c.Status == http.StatusOK && c.Error == "" }

// args are a Web API call's arguments. Form fields and JSON string values
// are kept as text; JSON objects and arrays as JSON text, so that "view" or
// "blocks" read the same whichever way slack-go sent them.
type args map[string]string

// apiError is a Web API error answer.
type apiError struct {
	code       string
	details    []string // response_metadata.messages
	status     int      // HTTP status; 0 means 200
	retryAfter time.Duration
}

func (e *apiError) Error() string { return e.code }

func slackErr(code string, details ...string) *apiError {
	return &apiError{code: code, details: details}
}

type apiMethod struct {
	appToken bool // takes the app-level token (xapp-) instead of the bot token
	handle   func(s *Server, r *http.Request, a args) (map[string]any, error)
}

var apiMethods = map[string]apiMethod{
	"auth.test":             {handle: (*Server).authTest},
	"chat.postMessage":      {handle: (*Server).chatPostMessage},
	"chat.update":           {handle: (*Server).chatUpdate},
	"chat.postEphemeral":    {handle: (*Server).chatPostEphemeral},
	"chat.delete":           {handle: (*Server).chatDelete},
	"views.open":            {handle: (*Server).viewsOpen},
	"views.push":            {handle: (*Server).viewsPush},
	"views.update":          {handle: (*Server).viewsUpdate},
	"users.info":            {handle: (*Server).usersInfo},
	"usergroups.users.list": {handle: (*Server).usergroupsUsersList},
	"conversations.open":    {handle: (*Server).conversationsOpen},
	"conversations.history": {handle: (*Server).conversationsHistory},
	"conversations.replies": {handle: (*Server).conversationsReplies},
	"apps.connections.open": {appToken: true, handle: (*Server).appsConnectionsOpen},
}

const maxRequestBody = 4 << 20

// serveAPI answers /api/{method} like slack.com/api does.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("method")
	a, token, err := readArgs(r)
	if err != nil {
		s.answer(w, name, a, nil, err)
		return
	}
	m, ok := apiMethods[name]
	if !ok {
		s.answer(w, name, a, nil, slackErr("unknown_method"))
		return
	}
	if err := s.checkToken(m, token); err != nil {
		s.answer(w, name, a, nil, err)
		return
	}
	f, failing := s.nextFailure(name)
	if failing && !f.takesEffect() {
		s.answer(w, name, a, nil, f.apiError())
		return
	}
	body, err := m.handle(s, r, a)
	if failing {
		// The call has taken effect; its answer is lost, late or preceded
		// by the test's hook.
		if !s.afterEffect(w, r, name, a, f) {
			return
		}
	}
	s.answer(w, name, a, body, err)
}

// readArgs reads a call's arguments from the query, a form body or a JSON
// body, and its token from the Authorization header or the token argument.
func readArgs(r *http.Request) (args, string, error) {
	a := args{}
	for k, v := range r.URL.Query() {
		a[k] = v[0]
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		return a, "", slackErr("invalid_form_data")
	}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case len(raw) == 0:
	case ctype == "application/json":
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return a, "", slackErr("invalid_json")
		}
		for k, v := range fields {
			var str string
			if json.Unmarshal(v, &str) == nil {
				a[k] = str
			} else if string(v) != "null" {
				a[k] = string(v)
			}
		}
		// A JSON body carries the token only in the Authorization header.
		delete(a, "token")
	case ctype == "application/x-www-form-urlencoded" || ctype == "":
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return a, "", slackErr("invalid_form_data")
		}
		for k, v := range form {
			a[k] = v[0]
		}
	default:
		return a, "", slackErr("invalid_post_type")
	}
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token == "" {
		token = a["token"]
	}
	delete(a, "token")
	return a, strings.TrimSpace(token), nil
}

func (s *Server) checkToken(m apiMethod, token string) error {
	want, other := s.cfg.BotToken, s.cfg.AppToken
	if m.appToken {
		want, other = other, want
	}
	switch token {
	case "":
		return slackErr("not_authed")
	case want:
		return nil
	case other:
		return slackErr("not_allowed_token_type")
	default:
		return slackErr("invalid_auth")
	}
}

// answer writes a Web API answer and records the call.
func (s *Server) answer(w http.ResponseWriter, method string, a args, body map[string]any, err error) {
	status := http.StatusOK
	code := ""
	if err != nil {
		ae, ok := err.(*apiError)
		if !ok {
			ae = slackErr("internal_error", err.Error())
		}
		code = ae.code
		body = map[string]any{"ok": false, "error": ae.code}
		if len(ae.details) > 0 {
			body["response_metadata"] = map[string]any{"messages": ae.details}
			if ae.code == "invalid_blocks" {
				body["errors"] = ae.details
			}
		}
		if ae.status != 0 {
			status = ae.status
		}
		if ae.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ae.retryAfter.Seconds()))))
		}
	} else {
		body = maps.Clone(body)
		if body == nil {
			body = map[string]any{}
		}
		body["ok"] = true
	}
	s.record(Call{Method: method, Params: a, Status: status, Error: code, At: s.now()})
	if status >= 500 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	if len(s.calls) > s.cfg.CallLog {
		// The older half goes at once: forgetting costs a copy per
		// CallLog/2 calls, not one per call.
		forget := len(s.calls) - s.cfg.CallLog/2
		s.calls = slices.Clone(s.calls[forget:])
		s.callsForgot += forget
	}
}

// Calls returns the Web API calls answered so far, oldest first: the
// latest ones, at most Config.CallLog and at least half as many.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// CallCount returns how many Web API calls were answered so far, the
// forgotten ones included: an index for CallsSince.
func (s *Server) CallCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsForgot + len(s.calls)
}

// CallsSince returns the Web API calls answered after the first n (see
// CallCount), oldest first: a watcher that reads calls as they come copies
// only the new ones.
func (s *Server) CallsSince(n int) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := min(max(n-s.callsForgot, 0), len(s.calls))
	return slices.Clone(s.calls[i:])
}

// CallsTo returns the calls to one Web API method, oldest first.
func (s *Server) CallsTo(method string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}
