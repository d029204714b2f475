package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/owedhq/owed/bot/sandbox"
)

func TestBrowser_SendReminderArrivesInTheMailbox(t *testing.T) {
	c := newCLI(t)
	c.must("import", "customers", c.file("customers.csv", "name,ref,email\nACME Corp.,C-001,ap@acme.example\n"))
	url := startDev(t, c)
	p := newPage(t)
	p.run("open the sandbox", chromedp.Navigate(url+"/?as="+sandbox.DemoMember))
	acme := messageWith("#messages", "ACME Corp.")
	p.until("ACME's alert", `(() => { const m = `+acme+`; return !!m && !!m.querySelector('button.bk-button[data-action-id="send_reminder"]'); })()`)

	p.run("Send reminder", chromedp.Evaluate(`(`+acme+`).querySelector('button.bk-button[data-action-id="send_reminder"]').click()`, nil))
	p.until("the reminder modal, addressed to ACME", `!document.querySelector('#modal-backdrop').hidden && document.querySelector('#modal-title').textContent.includes('Send reminder')
		&& [...document.querySelectorAll('#modal-form input, #modal-form textarea')].some(e => e.value === 'ap@acme.example')
		&& [...document.querySelectorAll('#modal-form textarea')].some(e => e.value.includes('A-1') && e.value.includes('USD 1,200.00'))`)
	p.screenshot("7-send-reminder")
	p.click("send", "#modal-submit")
	p.until("the modal closes", `document.querySelector('#modal-backdrop').hidden`)
	p.until("the thread line", `(() => { const m = `+acme+`; return !!m && !!m.querySelector('.thread-link'); })()`)

	p.click("open the Mailbox", "#mailbox-open")
	p.until("the email in the Mailbox", `(() => { const m = document.querySelector('#mailbox .mail'); return !!m
		&& m.querySelector('.mail-to').textContent.includes('ap@acme.example')
		&& m.querySelector('.mail-from').textContent.includes('ar@acme-finance.example')
		&& m.querySelector('.mail-subject').textContent.includes('past due')
		&& m.querySelector('.mail-text').textContent.includes('https://pay.acme-finance.example/A-1?amount=1200.00&currency=USD')
		&& !!m.querySelector('iframe.mail-html[sandbox=""][data-loaded="1"]'); })()`)
	p.screenshot("8-mailbox")

	// The HTML body is served on its own, under a sandbox policy.
	resp, err := http.Get(url + "/sandbox/mail/1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") || !strings.Contains(string(body), "<table") || !strings.Contains(string(body), "A-1") {
		t.Errorf("HTML body: %s %q", resp.Header.Get("Content-Security-Policy"), body)
	}
}
