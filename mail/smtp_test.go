package mail_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/owedhq/owed/mail"
)

// scriptedSMTP is a mail server on 127.0.0.1 that follows a script: it
// refuses the recipients it is told to, accepts every message it gets
// to the end of (250 to DATA), and may then misbehave — drop the
// connection, answer QUIT or RSET with an error — as real servers and
// the networks in front of them do.
type scriptedSMTP struct {
	addr string

	refuse    map[string]string // recipient address → the answer to its RCPT TO
	afterData string            // "drop": hang up right after the 250 to a message
	quit      string            // the answer to QUIT; "221 2.0.0 bye" when empty
	rset      string            // the answer to RSET after a message was taken; "250 2.0.0 ok" when empty

	mu       sync.Mutex
	messages []scriptedMessage
}

// scriptedMessage is a message the scripted server accepted.
type scriptedMessage struct {
	rcpts []string
	data  string
}

// startScriptedSMTP starts s on 127.0.0.1 and stops it with the test.
func startScriptedSMTP(t *testing.T, s *scriptedSMTP) *scriptedSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serve(c)
			}()
		}
	}()
	return s
}

// mailer is a Mailer that sends to the scripted server.
func (s *scriptedSMTP) mailer(t *testing.T) *mail.Mailer {
	t.Helper()
	srv, err := mail.ParseServerURL("smtp://" + s.addr)
	if err != nil {
		t.Fatal(err)
	}
	return mail.NewMailer(srv, 5*time.Second)
}

// accepted returns the messages the server took.
func (s *scriptedSMTP) accepted() []scriptedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]scriptedMessage(nil), s.messages...)
}

func (s *scriptedSMTP) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(line string) { c.Write([]byte(line + "\r\n")) }
	say("220 scripted.localhost ESMTP")
	var rcpts []string
	took := false // a message was accepted on this connection
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		arg := func(prefix string) string {
			a := strings.TrimSpace(strings.TrimSpace(line)[len(prefix):])
			return strings.Trim(strings.Fields(a + " ")[0], "<>")
		}
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-scripted.localhost")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			rcpts = nil
			say("250 2.1.0 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			to := arg("RCPT TO:")
			if answer, ok := s.refuse[to]; ok {
				say(answer)
				continue
			}
			rcpts = append(rcpts, to)
			say("250 2.1.5 ok")
		case cmd == "DATA":
			say("354 go ahead")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(l)
			}
			s.mu.Lock()
			s.messages = append(s.messages, scriptedMessage{rcpts: rcpts, data: data.String()})
			s.mu.Unlock()
			took = true
			say("250 2.0.0 queued as 1")
			if s.afterData == "drop" {
				return
			}
		case cmd == "NOOP":
			say("250 2.0.0 ok")
		case cmd == "RSET":
			rcpts = nil
			if took && s.rset != "" {
				say(s.rset)
				continue
			}
			say("250 2.0.0 ok")
		case cmd == "QUIT":
			if s.quit != "" {
				say(s.quit)
			} else {
				say("221 2.0.0 bye")
			}
			return
		default:
			say("502 5.5.2 not implemented")
		}
	}
}

var scriptedMsg = mail.Message{MessageID: "<owed.test-2@acme.example>", From: "Acme Accounts <ar@acme.example>", To: "ap@customer.example",
	Subject: "Invoice INV-1", Text: "Hello,\nplease pay.\n", HTML: "<p>Hello, please pay.</p>"}

// A message the server accepted (250 to its content) is sent, whatever
// fails after: sending it again would deliver it twice, and failing it
// would tell Slack an email the customer got never arrived.
func TestMailer_AMessageTheServerAcceptedIsSentWhateverFailsAfter(t *testing.T) {
	for name, script := range map[string]*scriptedSMTP{
		"ConnectionDroppedAfterQueued": {afterData: "drop"},
		"QUITAnswered421":              {quit: "421 4.3.0 shutting down"},
		"RSETAnswered500":              {rset: "500 5.5.1 command unrecognized"},
	} {
		t.Run(name, func(t *testing.T) {
			s := startScriptedSMTP(t, script)
			answer, err := s.mailer(t).Send(context.Background(), scriptedMsg)
			if err != nil || answer != "250 2.0.0 queued as 1" {
				var de *mail.DeliveryError
				errors.As(err, &de)
				t.Errorf("Send = %q, %v (%+v); want the server's 250 answer", answer, err, de)
			}
			if got := s.accepted(); len(got) != 1 {
				t.Errorf("the server took %d messages, want 1", len(got))
			}
		})
	}
}

// A Bcc the server refuses (OWED_MAIL_BCC, the company's own copy) does
// not hold up the customer's email: it goes once, without the copy, and
// the answer kept in the history says the copy was refused. A refused
// customer address still fails the email.
func TestMailer_ARefusedBccCopyDoesNotHoldUpTheCustomersEmail(t *testing.T) {
	const refused = "550 5.1.1 mailbox unknown"
	msg := scriptedMsg
	msg.Bcc = "archive@acme.example"

	s := startScriptedSMTP(t, &scriptedSMTP{refuse: map[string]string{"archive@acme.example": refused}})
	answer, err := s.mailer(t).Send(context.Background(), msg)
	want := "250 2.0.0 queued as 1 (the Bcc copy to archive@acme.example was refused: 550 5.1.1 mailbox unknown)"
	if err != nil || answer != want {
		t.Errorf("Send = %q, %v; want %q", answer, err, want)
	}
	got := s.accepted()
	if len(got) != 1 || strings.Join(got[0].rcpts, ",") != "ap@customer.example" || !strings.Contains(got[0].data, "please pay") {
		t.Errorf("the server took %+v; want the customer's email once, to ap@customer.example alone", got)
	}

	for name, refuse := range map[string]map[string]string{
		"TheCustomerRefused": {"ap@customer.example": refused},
		"BothRefused":        {"ap@customer.example": refused, "archive@acme.example": refused},
	} {
		t.Run(name, func(t *testing.T) {
			s := startScriptedSMTP(t, &scriptedSMTP{refuse: refuse})
			_, err := s.mailer(t).Send(context.Background(), msg)
			var de *mail.DeliveryError
			if !errors.As(err, &de) || !de.Permanent || de.Code != 550 || de.Answer != refused {
				t.Errorf("Send: %#v; want a permanent %q", err, refused)
			}
			if got := s.accepted(); len(got) != 0 {
				t.Errorf("the server took %+v", got)
			}
		})
	}
}
