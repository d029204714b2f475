package postgres

import (
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// redacted replaces passwords in what owed prints.
const redacted = "xxxxx"

var (
	// passwordParam is a password in key=value form: password=… in a
	// connection string, or ?password=… in a URL.
	passwordParam = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:\\.|[^'\\])*'|[^\s&]*)`)
	// urlUserinfo is the user:password@ part of a URL.
	urlUserinfo = regexp.MustCompile(`(://[^:/@\s"]*):[^@\s"]*@`)
)

// connSecrets returns the passwords written in a connection string (a URL
// or key=value pairs), as written and decoded, longest first. It works on
// malformed strings too, since those are the ones that end up in errors.
func connSecrets(conn string) []string {
	var out []string
	add := func(s string) {
		if s != "" && s != redacted {
			out = append(out, s)
		}
	}
	// user:password@ in a URL, even a malformed one ("postgres//u:p@h"):
	// the userinfo runs from the scheme's slashes to the last @.
	if at := strings.LastIndex(conn, "@"); at >= 0 && strings.Contains(conn[:at], "//") {
		userinfo := conn[strings.Index(conn, "//")+2 : at]
		if c := strings.IndexByte(userinfo, ':'); c >= 0 {
			pw := userinfo[c+1:]
			add(pw)
			if dec, err := url.PathUnescape(pw); err == nil {
				add(dec)
			}
			// A parser that stops at a fragment, query or path shows
			// only the password's start.
			if cut := strings.IndexAny(pw, "#?/"); cut > 0 {
				add(pw[:cut])
			}
		}
	}
	for _, m := range passwordParam.FindAllStringSubmatch(conn, -1) {
		v := m[2]
		add(v)
		add(strings.Trim(v, "'"))
		if dec, err := url.QueryUnescape(v); err == nil {
			add(dec)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// Redact removes from s every password of the connection string conn, and
// any password written in URL or key=value form.
func Redact(s, conn string) string {
	for _, secret := range connSecrets(conn) {
		s = strings.ReplaceAll(s, secret, redacted)
	}
	s = urlUserinfo.ReplaceAllString(s, "${1}:"+redacted+"@")
	return passwordParam.ReplaceAllString(s, "${1}"+redacted)
}

// RedactError returns err with the passwords of conn removed from its
// message. The result does not wrap err, so that nothing can print the
// original text.
func RedactError(err error, conn string) error {
	if err == nil {
		return nil
	}
	return errors.New(Redact(err.Error(), conn))
}
