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
	// userinfo is any other user:password@: of a URL with too few slashes
	// ("postgres:/owed:pw@host") or none ("owed:pw@host"). A password
	// starting with / is taken for a URL's slashes.
	userinfo = regexp.MustCompile(`((?:^|[\s"'/=])[^:/@\s"']*):(?:[^/@\s"'][^@\s"']*)?@`)
	// scheme is a URL's scheme and the slashes after it, even too few
	// ("postgres:/").
	scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:/+`)
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
	// user:password@ in a URL, even a malformed one ("postgres//u:p@h",
	// "postgres:/u:p@h") or one without a scheme ("u:p@h"): the userinfo
	// runs from the scheme's slashes, or else from the start of the word,
	// to the last @.
	if at := strings.LastIndex(conn, "@"); at >= 0 {
		info := conn[:at]
		if i := strings.Index(info, "//"); i >= 0 {
			info = info[i+2:]
		} else if m := scheme.FindStringIndex(info); m != nil {
			info = info[m[1]:]
		} else {
			info = info[strings.LastIndexAny(info, " \t\r\n")+1:]
		}
		if c := strings.IndexByte(info, ':'); c >= 0 {
			pw := info[c+1:]
			add(pw)
			if dec, err := url.PathUnescape(pw); err == nil {
				add(dec)
			}
			// A parser that stops at a fragment, query or path shows
			// only the password's start; one that takes the first
			// colon for a scheme's ("postgres:u:p@h") only its end.
			if cut := strings.IndexAny(pw, "#?/"); cut > 0 {
				add(pw[:cut])
			}
			for i, r := range pw {
				if r == ':' {
					add(pw[i+1:])
				}
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
// any password written in URL, user:password@host or key=value form.
func Redact(s, conn string) string {
	for _, secret := range connSecrets(conn) {
		s = strings.ReplaceAll(s, secret, redacted)
	}
	s = urlUserinfo.ReplaceAllString(s, "${1}:"+redacted+"@")
	s = userinfo.ReplaceAllString(s, "${1}:"+redacted+"@")
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
