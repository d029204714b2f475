package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/owedhq/owed/bot/sandbox"
)

// screenshotDir keeps the browser test's screenshots (not committed).
const screenshotDir = "../../testdata/screenshots"

// startDev runs `owed dev` as a user would, on a random port and a fresh
// database holding a small ledger, and returns the sandbox URL.
func startDev(t *testing.T, c *cli) string {
	t.Helper()
	c.must("import", "invoices", c.file("ledger.csv", `number,customer,currency,amount,issued_on,due_on
A-1,ACME Corp.,USD,1200.00,2026-01-05,2026-02-04
A-2,ACME Corp.,USD,300.00,2026-02-01,2026-03-03
B-1,Bluebird Bakery,EUR,450.00,2026-02-10,2026-03-12
`))
	return startDevRun(t, c, filepath.Join(t.TempDir(), "sandbox.json")).url
}

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run installs it")
	}
	t.Skip("chromium is not installed (apt-get install chromium) — the browser test needs it")
	return ""
}

// page drives headless Chromium through the sandbox like a person.
type page struct {
	t   *testing.T
	ctx context.Context
}

func newPage(t *testing.T) *page {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1400, 1000))
	// chromedp makes and removes its own profile directory once Chromium exits.
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	return &page{t: t, ctx: ctx}
}

func (p *page) run(what string, actions ...chromedp.Action) {
	p.t.Helper()
	if err := chromedp.Run(p.ctx, actions...); err != nil {
		p.screenshot("failed-" + strings.ReplaceAll(what, " ", "-"))
		p.t.Fatalf("%s: %v", what, err)
	}
}

// until waits for a JavaScript condition to hold.
func (p *page) until(what, js string) {
	p.t.Helper()
	p.run(what, chromedp.Poll(js, nil, chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
}

func (p *page) screenshot(name string) {
	var png []byte
	if err := chromedp.Run(p.ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		return
	}
	os.MkdirAll(screenshotDir, 0o755)
	path := filepath.Join(screenshotDir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err == nil {
		p.t.Logf("screenshot: %s", path)
	}
}

// click clicks the element selector finds once it is shown. The page
// redraws its lists as messages arrive, so the element is found and
// clicked in one step inside the page, never through a node handle that a
// redraw may have replaced.
func (p *page) click(what, selector string) {
	p.t.Helper()
	p.until(what+" shown", `(() => { const e = document.querySelector(`+js(selector)+`); return !!e && e.offsetParent !== null; })()`)
	var clicked bool
	p.run(what, chromedp.Evaluate(`(() => { const e = document.querySelector(`+js(selector)+`); if (!e) return false; e.click(); return true; })()`, &clicked))
	if !clicked {
		p.t.Fatalf("%s: %s is gone", what, selector)
	}
}

func (p *page) actAs(user string) {
	p.t.Helper()
	p.run("switch to "+user, chromedp.SetValue("#member-switcher", user, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#member-switcher').dispatchEvent(new Event('change', {bubbles: true}))`, nil))
}

// js quotes s as a JavaScript string.
func js(s string) string { return fmt.Sprintf("%q", s) }

// messageWith is a JavaScript expression for the last message in the
// selector's list containing text.
func messageWith(list, text string) string {
	return `[...document.querySelectorAll(` + js(list+" .message") + `)].filter(m => m.textContent.includes(` + js(text) + `)).pop()`
}

func TestBrowser_EscalateAndApproveInTheSandbox(t *testing.T) {
	c := newCLI(t)
	url := startDev(t, c)
	p := newPage(t)
	p.run("open the sandbox", chromedp.Navigate(url+"/?as="+sandbox.DemoMember))
	p.until("the alerts", messageWith("#messages", "ACME Corp.")+` && `+messageWith("#messages", "Bluebird Bakery")+` !== undefined`)
	p.until("no posting notice once the outbox is empty", `document.querySelector('#posting').hidden`)
	p.screenshot("1-alerts")

	// /owed on a demo customer: the answer only the caller sees, shown
	// even when the caller had scrolled up to read an alert.
	p.run("chat in the channel", chromedp.Evaluate(`(async () => { for (let i = 0; i < 20; i++) await fetch('/sandbox/say', {method: 'POST',
		headers: {'Content-Type': 'application/json'}, body: JSON.stringify({user: `+js(sandbox.DemoMember)+`, channel: `+js(sandbox.DemoChannel)+`, text: 'a note ' + i})}); })()`, nil,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	p.until("a channel longer than the page", `(() => { const b = document.querySelector('#messages'); return b.textContent.includes('a note 19') && b.scrollHeight > b.clientHeight + 200; })()`)
	p.run("scroll up", chromedp.Evaluate(`document.querySelector('#messages').scrollTop = 0`, nil))
	p.until("scrolled up", `document.querySelector('#messages').scrollTop === 0`)
	p.run("type /owed acme", chromedp.SendKeys("#composer-input", "/owed acme\n", chromedp.ByQuery))
	p.until("the ephemeral summary", `(() => { const m = `+messageWith("#messages", "ACME Corp.")+`; return !!m && m.matches('.ephemeral') && m.textContent.includes('Only visible to you'); })()`)
	p.until("the list scrolled to the answer", `(() => { const b = document.querySelector('#messages'); return b.scrollHeight - b.scrollTop - b.clientHeight < 40; })()`)
	p.screenshot("2-owed-acme")

	// Payment plan: Enter in the down payment redraws the schedule, as in
	// Slack; it does not submit the form.
	p.click("Payment plan", `#messages .message.ephemeral button.bk-button[data-action-id="plan"]`)
	p.until("the plan modal", `!document.querySelector('#modal-backdrop').hidden && document.querySelector('#modal-form [data-block-id="plan_down_payment"] input') !== null`)
	p.until("no down payment in the schedule yet", `!document.querySelector('#modal-form').textContent.includes('USD 100.00')`)
	p.run("type a down payment and press Enter", chromedp.SendKeys(`#modal-form [data-block-id="plan_down_payment"] input`, "100\n", chromedp.ByQuery))
	p.until("the schedule with the down payment, the modal still open", `!document.querySelector('#modal-backdrop').hidden && document.querySelector('#modal-form').textContent.includes('USD 100.00')`)
	p.click("close the plan modal", "#modal-x")
	p.until("the plan modal closes", `document.querySelector('#modal-backdrop').hidden`)

	// Escalate from the summary: the modal opens.
	p.click("Escalate", `#messages .message.ephemeral button.bk-button[data-action-id="escalate"]`)
	p.until("the escalate modal", `!document.querySelector('#modal-backdrop').hidden && document.querySelector('#modal-title').textContent.length > 0`)
	p.click("choose collections agency", `#modal-form input[value="collections_agency"]`)
	p.click("submit without a reason", "#modal-submit")
	p.until("the inline error", `(() => { const e = document.querySelector('.input-error[data-error-for="escalate_reason"]'); return !!e && e.textContent.trim().length > 0; })()`)
	p.screenshot("3-escalate-needs-a-reason")

	p.run("type a reason", chromedp.SendKeys(`#modal-form [data-block-id="escalate_reason"] textarea, #modal-form [data-block-id="escalate_reason"] input`, "Three reminders ignored", chromedp.ByQuery))
	p.click("submit with a reason", "#modal-submit")
	p.until("the modal closes", `document.querySelector('#modal-backdrop').hidden`)

	// The approver finds the request in a DM and approves it.
	p.actAs(sandbox.DemoApprover)
	p.click("open the DM", `button.sidebar-item[data-kind="im"]`)
	p.until("the approval request", `!!document.querySelector('#messages button.bk-button[data-action-id="approve"]')`)
	p.screenshot("4-approval-request")
	p.click("Approve", `#messages button.bk-button[data-action-id="approve"]`)
	p.run("confirm", chromedp.Evaluate(`(() => { const ok = document.querySelector('#confirm-ok'); if (ok && ok.offsetParent !== null) ok.click(); })()`, nil))
	p.click("back to #collections", `button.sidebar-item[data-conversation-id="`+sandbox.DemoChannel+`"]`)
	p.until("the alert says approved", `(() => { const m = `+messageWith("#messages", "Escalated to collections agency")+`; return !!m && m.textContent.includes('approved by') && m.textContent.includes('cfo'); })()`)
	p.screenshot("5-escalated-approved")
	p.click("open the DM again", `button.sidebar-item[data-kind="im"]`)
	p.until("the request shows the decision", `!document.querySelector('#messages button.bk-button[data-action-id="approve"]') && document.querySelector('#messages').textContent.toLowerCase().includes('approved by')`)
	p.click("back to #collections", `button.sidebar-item[data-conversation-id="`+sandbox.DemoChannel+`"]`)

	// The approver escalates Bluebird; an ordinary member's Approve is
	// refused, naming the approvers who can decide: not cfo, who asked.
	p.click("Escalate Bluebird", `#messages .message:not(.ephemeral)[data-user] button.bk-button[data-action-id="escalate"]`)
	p.until("the escalate modal", `!document.querySelector('#modal-backdrop').hidden`)
	p.click("choose legal", `#modal-form input[value="legal"]`)
	p.run("type a reason", chromedp.SendKeys(`#modal-form [data-block-id="escalate_reason"] textarea, #modal-form [data-block-id="escalate_reason"] input`, "Disputes every invoice", chromedp.ByQuery))
	p.click("submit", "#modal-submit")
	p.until("the modal closes", `document.querySelector('#modal-backdrop').hidden`)
	p.actAs(sandbox.DemoMember)
	bluebird := messageWith("#messages", "Bluebird Bakery")
	p.until("Bluebird's thread with the request", `(() => { const m = `+bluebird+`; return !!m && !!m.querySelector('.thread-link'); })()`)
	p.run("open Bluebird's thread", chromedp.Evaluate(`(`+bluebird+`).querySelector('.thread-link').click()`, nil))
	p.until("the pending request in the thread", `!!document.querySelector('#thread-messages button.bk-button[data-action-id="approve"]') && document.querySelector('#thread-messages').textContent.includes('legal')`)
	p.click("Approve as a member", `#thread-messages button.bk-button[data-action-id="approve"]`)
	p.run("confirm", chromedp.Evaluate(`(() => { const ok = document.querySelector('#confirm-ok'); if (ok && ok.offsetParent !== null) ok.click(); })()`, nil))
	p.until("the refusal naming the approvers", `[...document.querySelectorAll('.message.ephemeral')].some(m => m.textContent.includes('Only approvers') && m.textContent.includes('@approvers') && !m.textContent.includes('@cfo') && !m.textContent.includes('<@'))`)
	p.screenshot("6-member-refused")
}
