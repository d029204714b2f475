package sandbox

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// The sandbox's SMTP server stands in for the company's mail server: it
// accepts every email over TCP on 127.0.0.1 and keeps it in the Mailbox,
// which the page shows. Tests can make it answer with an error instead
// (FailMail), as a real server does when it is busy (451) or refuses a
// recipient (550).

// Email is one email the sandbox's SMTP server accepted.
type Email struct {
	ID        int       `json:"id"`
	MessageID string    `json:"message_id"`
	From      string    `json:"from"`       // the From header
	To        string    `json:"to"`         // the To header
	Envelope  []string  `json:"recipients"` // RCPT TO, Bcc included
	Subject   string    `json:"subject"`
	Date      time.Time `json:"date"` // the Date header
	Text      string    `json:"text"`
	HTML      string    `json:"html,omitempty"`
	Received  time.Time `json:"received"`
}

// MailFailure is an answer the SMTP server gives to a message instead of
// accepting it, e.g. {451, "4.3.0 try again later"}: to its content
// (DATA), or sooner, to its sender (MAIL FROM) or to each of its
// recipients (RCPT TO), as a server does that knows no such mailbox.
type MailFailure struct {
	Code    int
	Message string
	At      MailStage // DATA when empty
}

// MailStage is the SMTP command a MailFailure answers.
type MailStage string

// The commands a MailFailure may answer.
const (
	AtMail MailStage = "MAIL"
	AtRcpt MailStage = "RCPT"
	AtData MailStage = "DATA"
)

// mailbox is the SMTP server's state, kept under the sandbox's lock so
// that the page and Await see new emails.
type mailbox struct {
	emails   []Email
	failures []MailFailure
	attempts int // messages offered, accepted or not
	server   *smtp.Server
	hung     []io.Closer // StartHungSMTP's listeners and the connections they took
	wg       sync.WaitGroup
}

// StartSMTP starts the sandbox's SMTP server on addr ("127.0.0.1:0" for
// any free port) and returns the address it listens on. Close stops it.
func (s *Server) StartSMTP(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("sandbox smtp: %w", err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{s: s}, nil }))
	srv.Domain = "sandbox.localhost"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 50
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.mu.Lock()
	s.mail.server = srv
	s.mu.Unlock()
	s.mail.wg.Add(1)
	go func() {
		defer s.mail.wg.Done()
		srv.Serve(ln)
	}()
	return ln.Addr().String(), nil
}

// StartHungSMTP starts, on addr, a mail server that has hung: it takes
// connections and never says a word, not even its greeting. It returns
// the address it listens on. Close stops it.
func (s *Server) StartHungSMTP(addr string) (string, error) {
	return s.serveBrokenSMTP(addr, func(c net.Conn) {
		s.mu.Lock()
		s.mail.hung = append(s.mail.hung, c)
		s.mu.Unlock()
	})
}

// serveBrokenSMTP listens on addr for a mail server that misbehaves,
// handing each connection to serve, one after the other, until Close.
func (s *Server) serveBrokenSMTP(addr string, serve func(net.Conn)) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("sandbox smtp: %w", err)
	}
	s.mu.Lock()
	s.mail.hung = append(s.mail.hung, ln)
	s.mu.Unlock()
	s.mail.wg.Add(1)
	go func() {
		defer s.mail.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			serve(c)
		}
	}()
	return ln.Addr().String(), nil
}

// StartRefusingSMTP starts, on addr, a mail server that will serve no one:
// it greets every connection with a refusal, e.g. 554 "5.7.1 no service
// here", answers QUIT, and hangs up. It returns the address it listens on.
// Close stops it.
func (s *Server) StartRefusingSMTP(addr string, f MailFailure) (string, error) {
	return s.serveBrokenSMTP(addr, func(c net.Conn) {
		defer c.Close()
		s.mu.Lock()
		s.mail.attempts++
		s.mu.Unlock()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "%d %s\r\n", f.Code, f.Message)
		line, _ := bufio.NewReader(c).ReadString('\n')
		if strings.EqualFold(strings.TrimSpace(line), "QUIT") {
			fmt.Fprint(c, "221 2.0.0 bye\r\n")
		}
	})
}

// stopSMTP stops the SMTP servers and waits for them.
func (s *Server) stopSMTP() {
	s.mu.Lock()
	srv, hung := s.mail.server, s.mail.hung
	s.mail.server, s.mail.hung = nil, nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
	for _, c := range hung {
		c.Close()
	}
	s.mail.wg.Wait()
	s.mu.Lock()
	late := s.mail.hung // taken between the copy and the listener's close
	s.mail.hung = nil
	s.mu.Unlock()
	for _, c := range late {
		c.Close()
	}
}

// FailMail makes the SMTP server answer the next messages with these
// failures, one per message, in order, instead of accepting them.
func (s *Server) FailMail(failures ...MailFailure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mail.failures = append(s.mail.failures, failures...)
}

// Mailbox returns the emails accepted, oldest first.
func (s *Server) Mailbox() []Email {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Email(nil), s.mail.emails...)
}

// MailAttempts counts the messages offered to the SMTP server, accepted
// or answered with a failure.
func (s *Server) MailAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mail.attempts
}

type mailSession struct {
	s       *Server
	from    string
	to      []string
	refused error // the answer to every recipient of this message
}

func (m *mailSession) Reset()        { m.from, m.to, m.refused = "", nil, nil }
func (m *mailSession) Logout() error { return nil }

func (m *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if err := m.s.failMail(AtMail); err != nil {
		return err
	}
	m.from = from
	return nil
}

func (m *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if m.refused != nil {
		return m.refused
	}
	if len(m.to) == 0 {
		if m.refused = m.s.failMail(AtRcpt); m.refused != nil {
			return m.refused
		}
	}
	m.to = append(m.to, to)
	return nil
}

// failMail answers with the next failure when it is for stage: the
// message is then refused, and counted as offered.
func (s *Server) failMail(stage MailStage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.mail.failures) == 0 || s.mail.failures[0].stage() != stage {
		return nil
	}
	f := s.mail.failures[0]
	s.mail.failures = s.mail.failures[1:]
	s.mail.attempts++
	s.touchLocked()
	return f.err()
}

func (f MailFailure) stage() MailStage {
	if f.At == "" {
		return AtData
	}
	return f.At
}

func (f MailFailure) err() error {
	return &smtp.SMTPError{Code: f.Code, EnhancedCode: smtp.NoEnhancedCode, Message: f.Message}
}

func (m *mailSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mail.attempts++
	if len(s.mail.failures) > 0 && s.mail.failures[0].stage() == AtData {
		f := s.mail.failures[0]
		s.mail.failures = s.mail.failures[1:]
		s.touchLocked()
		return f.err()
	}
	e, err := parseEmail(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "cannot read the message: " + err.Error()}
	}
	e.ID = len(s.mail.emails) + 1
	e.Envelope = append([]string(nil), m.to...)
	e.Received = s.now()
	s.mail.emails = append(s.mail.emails, e)
	s.touchLocked()
	return nil
}

var wordDecoder = mime.WordDecoder{}

// parseEmail reads the headers and the text and HTML bodies of a message.
func parseEmail(raw []byte) (Email, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Email{}, err
	}
	dec := func(h string) string {
		v, err := wordDecoder.DecodeHeader(msg.Header.Get(h))
		if err != nil {
			return msg.Header.Get(h)
		}
		return v
	}
	e := Email{MessageID: msg.Header.Get("Message-Id"), From: addresses(dec("From")), To: addresses(dec("To")), Subject: dec("Subject")}
	e.Date, _ = msg.Header.Date()
	if err := readPart(&e, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body); err != nil {
		return Email{}, err
	}
	return e, nil
}

// addresses shows an address header as people write it: "Name
// <addr>", or the bare address.
func addresses(h string) string {
	list, err := netmail.ParseAddressList(h)
	if err != nil {
		return h
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Address
		if a.Name != "" {
			out[i] = a.Name + " <" + a.Address + ">"
		}
	}
	return strings.Join(out, ", ")
}

// readPart takes the text and HTML bodies out of a part, walking into
// multiparts.
func readPart(e *Email, contentType, encoding string, body io.Reader) error {
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		media = "text/plain"
	}
	if strings.HasPrefix(media, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			// NextPart has decoded quoted-printable already.
			if err := readPart(e, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch media {
	case "text/plain":
		if e.Text == "" {
			e.Text = strings.ReplaceAll(string(b), "\r\n", "\n")
		}
	case "text/html":
		if e.HTML == "" {
			e.HTML = string(b)
		}
	}
	return nil
}

// newlineStripper drops line breaks from base64 text.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	c, err := n.r.Read(p)
	j := 0
	for _, b := range p[:c] {
		if b != '\r' && b != '\n' {
			p[j] = b
			j++
		}
	}
	return j, err
}

// serveMailHTML serves one email's HTML body on its own, for the page's
// sandboxed frame: no scripts, no requests, nothing of the page reachable.
func (s *Server) serveMailHTML(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	s.mu.Lock()
	var html string
	found := false
	if err == nil && id >= 1 && id <= len(s.mail.emails) {
		html, found = s.mail.emails[id-1].HTML, true
	}
	s.mu.Unlock()
	if !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, html)
}
