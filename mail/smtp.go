package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/owedhq/owed/collections"
)

// DefaultTimeout bounds one delivery: connecting, the SMTP conversation
// and the message.
const DefaultTimeout = 30 * time.Second

// Server is the SMTP server owed sends through, from OWED_SMTP_URL:
// smtp://user:pass@host:587 (STARTTLS when the server offers it) or
// smtps://user:pass@host:465 (TLS from the start).
type Server struct {
	Host        string
	Port        int
	ImplicitTLS bool
	User        string
	Password    string
}

// String is the server's URL without the password, for logs.
func (s Server) String() string {
	scheme := "smtp"
	if s.ImplicitTLS {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(s.Host, strconv.Itoa(s.Port))}
	if s.User != "" {
		u.User = url.User(s.User)
	}
	return u.String()
}

// ParseServerURL reads OWED_SMTP_URL. Errors never repeat the password.
func ParseServerURL(raw string) (Server, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return Server{}, collections.Errorf(collections.EINVALID, "is not a URL (like smtp://user:password@mail.example.com:587)")
	}
	var s Server
	switch u.Scheme {
	case "smtp":
		s.Port = 587
	case "smtps":
		s.Port, s.ImplicitTLS = 465, true
	default:
		return Server{}, collections.Errorf(collections.EINVALID, "must start with smtp:// (STARTTLS when offered) or smtps:// (implicit TLS)")
	}
	s.Host = u.Hostname()
	if s.Host == "" {
		return Server{}, collections.Errorf(collections.EINVALID, "names no host (like smtp://user:password@mail.example.com:587)")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Server{}, collections.Errorf(collections.EINVALID, "port %q is not a port number", p)
		}
		s.Port = n
	}
	if u.User != nil {
		s.User = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	return s, nil
}

// ParseAddress reads an address like "Acme Accounts <ar@acme.example>".
func ParseAddress(s string) (*netmail.Address, error) {
	a, err := netmail.ParseAddress(strings.TrimSpace(s))
	if err != nil {
		return nil, collections.Errorf(collections.EINVALID, "%q is not an email address (like Acme Accounts <ar@acme.example>)", s)
	}
	return a, nil
}

// Message is one email to send.
type Message struct {
	MessageID string // "<…@…>", the same on every attempt
	From      string
	To        string
	Bcc       string // empty: none
	Subject   string
	Text      string
	HTML      string
	Date      time.Time
}

// replyCode matches an SMTP reply that starts with its code.
var replyCode = regexp.MustCompile(`^[2-5][0-9][0-9]( |-|$)`)

// DeliveryError is a delivery that did not happen: Permanent when the
// server refused it for good (a 5xx answer), else worth retrying (a 4xx
// answer, a network error, a timeout).
type DeliveryError struct {
	Permanent bool
	Code      int    // the server's reply code; 0 when it never answered
	Answer    string // what the server said, or what went wrong on the way
}

func (e *DeliveryError) Error() string { return e.Answer }

// Mailer sends emails through an SMTP server.
type Mailer struct {
	server  Server
	timeout time.Duration
	tls     *tls.Config
}

// NewMailer returns a Mailer for server; each delivery is bounded by
// timeout (default DefaultTimeout).
func NewMailer(server Server, timeout time.Duration) *Mailer {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Mailer{server: server, timeout: timeout, tls: &tls.Config{ServerName: server.Host, MinVersion: tls.VersionTLS12}}
}

// Server is the server the mailer sends through.
func (m *Mailer) Server() Server { return m.server }

// Send delivers one message and returns the server's answer to it. A
// message the server accepted is delivered even when the conversation
// fails after it (a refused RSET or QUIT, a dropped connection). When
// the server refuses the Bcc address and only it, the message goes to
// its recipient without the copy, and the answer says the copy was
// refused. A failure is a *DeliveryError.
func (m *Mailer) Send(ctx context.Context, msg Message) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	answer, err := m.deliver(ctx, msg)
	if bcc, refused, ok := bccRefused(err, msg.Bcc); ok {
		// The Bcc is the company's own copy: it does not hold up the
		// customer's email. go-mail gave up before DATA, so the server
		// took nothing, and the message goes once.
		msg.Bcc = ""
		if answer, err = m.deliver(ctx, msg); err == nil {
			answer = fmt.Sprintf("%s (the Bcc copy to %s was refused: %s)", answer, bcc, refused)
		}
	}
	if err != nil {
		return "", classify(err)
	}
	return answer, nil
}

// deliver builds and sends msg, and returns the server's answer, or
// go-mail's error as it is.
func (m *Mailer) deliver(ctx context.Context, msg Message) (string, error) {
	gm, err := m.build(msg)
	if err != nil {
		return "", &DeliveryError{Permanent: true, Answer: err.Error()}
	}
	err = m.dialAndSend(ctx, gm, m.server.User != "")
	if errors.Is(err, errLoginNotOffered) {
		// The server offers no login owed will use (none at all, as a
		// local relay, or one only over a connection it does not
		// encrypt): send without; a server that wants a login says so.
		err = m.dialAndSend(ctx, gm, false)
	}
	if err != nil {
		return "", err
	}
	// go-mail keeps the text of the server's 250 reply, without the code.
	answer := strings.TrimSpace(gm.ServerResponse())
	if !replyCode.MatchString(answer) {
		answer = strings.TrimSpace("250 " + answer)
	}
	return answer, nil
}

// bccRefused reports whether err is the server refusing the Bcc address
// and no other recipient, and returns that address and the server's
// answer to it ("550 5.1.1 mailbox unknown").
func bccRefused(err error, bcc string) (addr, answer string, ok bool) {
	var se *gomail.SendError
	if err == nil || bcc == "" || !errors.As(err, &se) || se.Reason != gomail.ErrSMTPRcptTo {
		return "", "", false
	}
	a, perr := netmail.ParseAddress(bcc)
	if perr != nil {
		return "", "", false
	}
	// go-mail names the refused recipients only in its message: "…,
	// affected recipient(s): <a@x>, <b@y>, affected message ID: …".
	_, refused, found := strings.Cut(se.Error(), ", affected recipient(s): ")
	if !found {
		return "", "", false
	}
	refused, _, _ = strings.Cut(refused, ", affected message ID: ")
	if !strings.EqualFold(strings.Trim(strings.TrimSpace(refused), "<>"), a.Address) {
		return "", "", false
	}
	return a.Address, classify(se).Answer, true
}

// dialAndSend connects, logs in when login is set, and sends gm. A
// message the server accepted is sent, whatever fails after it. Its
// errors are go-mail's, or errLoginNotOffered for a login the server
// does not offer.
func (m *Mailer) dialAndSend(ctx context.Context, gm *gomail.Msg, login bool) error {
	opts := []gomail.Option{gomail.WithPort(m.server.Port), gomail.WithTimeout(m.timeout), gomail.WithTLSConfig(m.tls)}
	if m.server.ImplicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if login {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(m.server.User), gomail.WithPassword(m.server.Password))
	}
	client, err := gomail.NewClient(m.server.Host, opts...)
	if err != nil {
		return &DeliveryError{Permanent: true, Answer: "SMTP client: " + err.Error()}
	}
	if err := client.DialAndSendWithContext(ctx, gm); err != nil {
		if gm.IsDelivered() {
			// The server took the message (250 to its content); what
			// failed came after it (RSET, QUIT, the connection dropping).
			// It is sent: sending it again would deliver it twice.
			return nil
		}
		// go-mail says so with a sentinel when no mechanism it will use
		// is offered, and in words when AUTH is not offered at all.
		if errors.Is(err, gomail.ErrNoSupportedAuthDiscovered) || strings.Contains(err.Error(), "server does not support SMTP AUTH") {
			return errLoginNotOffered
		}
		return err
	}
	return nil
}

// errLoginNotOffered is a login the server does not offer.
var errLoginNotOffered = errors.New("the mail server offers no login owed will use")

func (m *Mailer) build(msg Message) (*gomail.Msg, error) {
	gm := gomail.NewMsg()
	if err := gm.From(msg.From); err != nil {
		return nil, fmt.Errorf("from %q: %w", msg.From, err)
	}
	if err := gm.To(msg.To); err != nil {
		return nil, fmt.Errorf("to %q: %w", msg.To, err)
	}
	if msg.Bcc != "" {
		if err := gm.Bcc(msg.Bcc); err != nil {
			return nil, fmt.Errorf("bcc %q: %w", msg.Bcc, err)
		}
	}
	gm.Subject(msg.Subject)
	gm.SetMessageIDWithValue(strings.Trim(msg.MessageID, "<>"))
	if msg.Date.IsZero() {
		gm.SetDate()
	} else {
		gm.SetDateWithValue(msg.Date)
	}
	gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		gm.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	}
	return gm, nil
}

// classify turns go-mail's error into a DeliveryError (one that already
// is stays as it is): a 5xx answer is permanent, at whatever step it
// came (greeting, login, sender, recipient, content); anything else
// (4xx, network, timeout) is retried.
func classify(err error) *DeliveryError {
	var de *DeliveryError
	if errors.As(err, &de) {
		return de
	}
	answer, code := answerOf(err), 0
	var reply *textproto.Error
	if errors.As(err, &reply) {
		code = reply.Code
		answer = fmt.Sprintf("%d %s", reply.Code, strings.Trim(strings.TrimSpace(reply.Msg), `"`))
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		if code == 0 {
			code = se.ErrorCode()
		}
		return &DeliveryError{Permanent: code >= 500 && !se.IsTemp(), Code: code, Answer: answer}
	}
	return &DeliveryError{Permanent: code >= 500, Code: code, Answer: answer}
}

// serverReply finds the server's first reply in go-mail's error text,
// quoted (`… closing SMTP DATA writer: 550 "mailbox unavailable",
// affected …`; one per refused recipient: `550 "no user", 550 "no
// user"`) or not.
var serverReply = regexp.MustCompile(`\b([45][0-9][0-9]) (?:"([^"]*)"|(.*?)(?:, affected recipient|, affected message ID|$))`)

// answerOf is the part of an error people can act on: the server's reply
// ("550 mailbox unavailable"), else what went wrong on the way.
func answerOf(err error) string {
	s := err.Error()
	var se *gomail.SendError
	if errors.As(err, &se) {
		if m := serverReply.FindStringSubmatch(s); m != nil {
			return m[1] + " " + strings.TrimSpace(m[2]+m[3])
		}
	}
	for _, prefix := range []string{"send failed: ", "dial failed: "} {
		s = strings.TrimPrefix(s, prefix)
	}
	return s
}

// NewMessageID returns a new Message-ID on the sender's domain.
func NewMessageID(from string) string {
	domain := "owed.invalid"
	if a, err := netmail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	b := make([]byte, 12)
	rand.Read(b)
	return "<owed." + hex.EncodeToString(b) + "@" + domain + ">"
}
