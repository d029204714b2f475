package sandbox

import (
	"net/smtp"
	"path/filepath"
	"strings"
	"testing"
)

const testMessage = "From: \"Acme Accounts\" <ar@acme.example>\r\n" +
	"To: ap@customer.example\r\n" +
	"Subject: =?UTF-8?q?Invoice_INV-1_=E2=80=94_due?=\r\n" +
	"Message-ID: <owed.1@acme.example>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=b1\r\n" +
	"\r\n" +
	"--b1\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
	"Please pay INV-1 =E2=80=94 thank you.\r\n" +
	"--b1\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
	"PHA+UGxlYXNlIHBheTwvcD4=\r\n" +
	"--b1--\r\n"

func TestMailbox_KeepsWhatTheSMTPServerAcceptsAndFailsOnDemand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.json")
	s := New(Config{})
	if err := s.KeepState(path, "db-1", nil); err != nil {
		t.Fatal(err)
	}
	addr, err := s.StartSMTP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	send := func() error {
		return smtp.SendMail(addr, nil, "ar@acme.example", []string{"ap@customer.example", "records@acme.example"}, []byte(testMessage))
	}
	s.FailMail(MailFailure{Code: 451, Message: "busy"}, MailFailure{Code: 550, Message: "no such user"})
	if err := send(); err == nil || !strings.Contains(err.Error(), "451") {
		t.Errorf("first send: %v, want 451", err)
	}
	if err := send(); err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("second send: %v, want 550", err)
	}
	if err := send(); err != nil {
		t.Fatalf("third send: %v", err)
	}
	got := s.Mailbox()
	if len(got) != 1 || s.MailAttempts() != 3 {
		t.Fatalf("mailbox %d, attempts %d", len(got), s.MailAttempts())
	}
	e := got[0]
	if e.From != "Acme Accounts <ar@acme.example>" || e.To != "ap@customer.example" || e.Subject != "Invoice INV-1 — due" ||
		e.Text != "Please pay INV-1 — thank you." || e.HTML != "<p>Please pay</p>" || e.MessageID != "<owed.1@acme.example>" ||
		len(e.Envelope) != 2 {
		t.Errorf("email %+v", e)
	}
	if st := s.pageStateFor(""); len(st.Mailbox) != 1 {
		t.Errorf("the page shows %d emails", len(st.Mailbox))
	}
	s.Close()

	// Restarted, the mailbox is still there.
	s2 := New(Config{})
	defer s2.Close()
	if err := s2.KeepState(path, "db-1", nil); err != nil {
		t.Fatal(err)
	}
	if got := s2.Mailbox(); len(got) != 1 || got[0].Subject != e.Subject || got[0].HTML != e.HTML {
		t.Errorf("after a restart: %+v", got)
	}
}
