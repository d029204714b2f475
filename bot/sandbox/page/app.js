// The sandbox page: a Slack-like client that acts through the sandbox's
// driving API, so every click reaches the app as a signed request.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);

  const S = {
    me: params.get("as") || localStorage.getItem("owed-sandbox-member") || "",
    conv: decodeURIComponent(location.hash.slice(1)),
    thread: null,
    version: 0,
    data: null,
    viewKey: "",
    poll: null,
    seen: {},
  };

  function el(tag, cls, children) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    for (const c of children || []) if (c != null) n.append(c);
    return n;
  }

  const offlineText = "Cannot reach owed dev: is it still running? The page reconnects when it is back.";

  async function post(path, body) {
    let resp;
    try {
      resp = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({ user: S.me }, body)),
      });
    } catch (err) {
      return { ok: false, error: offlineText };
    }
    return resp.json();
  }

  let toastTimer = null;
  function toast(message, kind) {
    const t = $("toast");
    t.textContent = message;
    t.dataset.kind = kind || "error";
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (t.hidden = true), 6000);
  }

  function reportFailure(answer, what) {
    if (answer.ok) return;
    if (answer.app_error) {
      toast(`${S.data.bot.name} did not answer the ${what} (${answer.app_error}).`);
    } else {
      toast(answer.error || "Something went wrong.");
    }
  }

  // ---- polling -----------------------------------------------------------

  async function poll() {
    for (;;) {
      const ctrl = new AbortController();
      S.poll = ctrl;
      try {
        const resp = await fetch(`/sandbox/state?user=${encodeURIComponent(S.me)}&since=${S.version}`, { signal: ctrl.signal });
        const data = await resp.json();
        S.version = data.version;
        S.data = data;
        if (S.me !== data.me) {
          S.me = data.me;
        }
        render();
      } catch (err) {
        if (err.name !== "AbortError") {
          // owed dev stopped (or restarts): say so until it answers again.
          const p = $("posting");
          p.hidden = false;
          p.textContent = offlineText;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    }
  }

  function restartPoll() {
    S.version = 0;
    if (S.poll) S.poll.abort();
  }

  // ---- rendering ---------------------------------------------------------

  function ctx() {
    const d = S.data;
    return { users: d.users, channels: d.channels, groups: d.groups, members: d.members };
  }

  function currentConv() {
    const convs = S.data.conversations || [];
    return convs.find((c) => c.id === S.conv) || convs.find((c) => c.kind === "channel") || convs[0] || null;
  }

  // While the app's queue drains (Slack takes about one message per second
  // per channel), say how far it has come.
  function renderPosting() {
    const p = $("posting");
    const q = S.data.posting;
    p.hidden = !q;
    p.textContent = q ? `${S.data.bot.name} is posting ${q.current} of ${q.total} — Slack takes about one message per second per channel` : "";
  }

  function render() {
    const d = S.data;
    document.title = `${d.team.name} · owed sandbox`;
    renderPosting();
    $("workspace-name").textContent = d.team.name;
    const tr = $("transport");
    tr.textContent = d.socket_mode ? "Socket Mode" : "HTTP request URLs";
    tr.dataset.transport = d.socket_mode ? "socket" : "http";
    renderMembers();
    renderMailboxCount();
    if (S.conv === MAILBOX) {
      renderSidebar();
      renderMailbox();
      renderModal();
      return;
    }
    showMailbox(false);
    const conv = currentConv();
    if (conv) S.conv = conv.id;
    renderSidebar();
    renderConversation(conv);
    renderThread(conv);
    renderModal();
  }

  // ---- the mailbox: what the sandbox's SMTP server received ---------------

  const MAILBOX = "mailbox";

  function showMailbox(on) {
    $("mailbox").hidden = !on;
    $("messages").hidden = on;
    $("composer").hidden = on;
    $("mailbox-open").classList.toggle("active", on);
    if (on) $("thread-pane").hidden = true;
  }

  function renderMailboxCount() {
    const n = (S.data.mailbox || []).length;
    const badge = $("mailbox-count");
    badge.hidden = n === 0;
    badge.textContent = String(n);
  }

  function renderMailbox() {
    showMailbox(true);
    const mails = (S.data.mailbox || []).slice().reverse();
    $("conversation-title").textContent = "Mailbox";
    $("conversation-sub").textContent = "Every email owed sent through the sandbox's SMTP server, newest first";
    const box = $("mailbox");
    if (box.dataset.key === mails.map((m) => m.id).join(",")) return;
    box.dataset.key = mails.map((m) => m.id).join(",");
    if (!mails.length) {
      box.replaceChildren(el("div", "empty muted", ["No email yet. Press Send reminder on an alert."]));
      return;
    }
    box.replaceChildren(...mails.map(renderMail));
  }

  function renderMail(m) {
    const head = el("dl", "mail-head", [
      el("dt", null, ["From"]), el("dd", "mail-from", [m.from]),
      el("dt", null, ["To"]), el("dd", "mail-to", [m.to]),
      el("dt", null, ["Subject"]), el("dd", "mail-subject", [m.subject]),
      el("dt", null, ["Received"]), el("dd", "muted", [new Date(m.received).toLocaleString()]),
    ]);
    if (m.recipients && m.recipients.length) {
      head.append(el("dt", null, ["Envelope"]), el("dd", "muted", [m.recipients.join(", ")]));
    }
    const parts = [head];
    if (m.html) {
      // The HTML is served on its own with a sandbox policy and shown in a
      // sandboxed frame: no scripts, no access to this page.
      const frame = el("iframe", "mail-html");
      frame.setAttribute("sandbox", "");
      frame.setAttribute("title", "HTML body of " + m.subject);
      frame.addEventListener("load", () => (frame.dataset.loaded = "1"));
      frame.src = "/sandbox/mail/" + m.id;
      parts.push(el("div", "mail-label muted", ["HTML"]), frame);
    }
    parts.push(el("div", "mail-label muted", ["Plain text"]), el("pre", "mail-text", [m.text]));
    const art = el("article", "mail", parts);
    art.dataset.mailId = String(m.id);
    return art;
  }

  function renderMembers() {
    const sw = $("member-switcher");
    const d = S.data;
    const key = d.members.map((m) => m.id).join(",");
    if (sw.dataset.key !== key) {
      sw.replaceChildren(
        ...d.members.map((m) => {
          // The groups show under the switcher ("Member of @approvers"):
          // in the option they would be cut.
          const o = el("option", null, [`${m.name} — ${m.real_name}`]);
          o.value = m.id;
          return o;
        })
      );
      sw.dataset.key = key;
    }
    sw.value = d.me;
    const me = d.members.find((m) => m.id === d.me);
    $("member-groups").textContent = me && me.groups.length ? "Member of " + me.groups.map((g) => "@" + g).join(", ") : "";
    document.body.dataset.member = d.me;
  }

  function sidebarItem(conv, label, prefix) {
    const li = el("li");
    const b = el("button", "sidebar-item", [el("span", "sidebar-prefix", [prefix]), el("span", "sidebar-name", [label])]);
    b.type = "button";
    b.dataset.conversationId = conv.id;
    b.dataset.kind = conv.kind;
    if (conv.id === S.conv) b.classList.add("active");
    const count = conv.messages.length;
    if (conv.id === S.conv) S.seen[conv.id] = count;
    const unread = count - (S.seen[conv.id] ?? count);
    if (S.seen[conv.id] === undefined) S.seen[conv.id] = count;
    if (unread > 0) {
      b.classList.add("unread");
      b.append(el("span", "badge", [String(unread)]));
    }
    b.addEventListener("click", () => {
      S.conv = conv.id;
      S.thread = null;
      history.replaceState(null, "", "#" + encodeURIComponent(conv.id));
      render();
    });
    li.append(b);
    return li;
  }

  function renderSidebar() {
    const convs = S.data.conversations || [];
    $("channel-list").replaceChildren(...convs.filter((c) => c.kind === "channel").map((c) => sidebarItem(c, c.name, "#")));
    const dms = convs.filter((c) => c.kind !== "channel");
    $("dm-list").replaceChildren(
      ...dms.map((c) => sidebarItem(c, c.kind === "im" ? c.name : c.name.replace(/^mpdm-/, ""), c.kind === "im" ? "●" : "◆"))
    );
    if (!dms.length) $("dm-list").append(el("li", "sidebar-empty muted", ["No direct messages yet"]));
  }

  function convTitle(conv) {
    if (!conv) return "";
    return conv.kind === "channel" ? "# " + conv.name : conv.name;
  }

  function renderConversation(conv) {
    $("conversation-title").textContent = convTitle(conv);
    $("conversation-sub").textContent = conv
      ? conv.kind === "channel"
        ? "Alerts from the sweep land here · buttons and /owed act as " + (S.data.users[S.me] || S.me)
        : "Direct messages with " + conv.name
      : "";
    $("composer-input").placeholder = conv ? "Message " + convTitle(conv) + " — or /owed acme" : "";
    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    const nodes = conv ? conv.messages.map((m) => renderMessage(m, conv, false)) : [];
    if (conv && !nodes.length) nodes.push(el("div", "empty muted", ["Nothing here yet. Run a sweep, or try /owed top."]));
    box.replaceChildren(...nodes);
    box.dataset.conversationId = conv ? conv.id : "";
    const following = Date.now() < (S.followUntil || 0);
    if (atBottom || following || box.dataset.lastVersion === undefined) box.scrollTop = box.scrollHeight;
    box.dataset.lastVersion = String(S.version);
  }

  function renderThread(conv) {
    const pane = $("thread-pane");
    const root = conv && S.thread ? conv.messages.find((m) => m.ts === S.thread) : null;
    if (!root) {
      pane.hidden = true;
      S.thread = null;
      return;
    }
    pane.hidden = false;
    pane.dataset.threadTs = root.ts;
    $("thread-channel").textContent = convTitle(conv);
    const items = [renderMessage(root, conv, true)];
    items.push(el("div", "thread-count muted", [`${root.replies.length} ${root.replies.length === 1 ? "reply" : "replies"}`]));
    for (const r of root.replies) items.push(renderMessage(r, conv, true));
    $("thread-messages").replaceChildren(...items);
  }

  const PALETTE = ["#e8912d", "#2bac76", "#1d9bd1", "#e01e5a", "#7c3085", "#3aa3e3", "#ecb22e", "#36c5f0"];
  function avatar(msg) {
    if (msg.user === "USLACKBOT") return el("div", "avatar slackbot", ["✱"]);
    const a = el("div", "avatar", [(msg.user_name || "?").slice(0, 1).toUpperCase()]);
    if (msg.bot) {
      a.classList.add("bot");
      a.textContent = "$";
    } else {
      let h = 0;
      for (const ch of msg.user) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
      a.style.background = PALETTE[h % PALETTE.length];
    }
    return a;
  }

  function timeOf(ts) {
    const d = new Date(parseFloat(ts) * 1000);
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function renderAttachments(list) {
    const out = el("div", "attachments");
    for (const a of list || []) {
      const bar = el("div", "attachment");
      if (a.color) bar.style.borderLeftColor = /^#?[0-9a-f]{3,6}$/i.test(a.color) ? (a.color[0] === "#" ? a.color : "#" + a.color) : "";
      if (a.pretext) bar.append(el("div", null, [Mrkdwn.mrkdwn(a.pretext, ctx())]));
      if (a.title) bar.append(el("div", "attachment-title", [a.title]));
      if (a.text || a.fallback) bar.append(el("div", null, [Mrkdwn.mrkdwn(a.text || a.fallback, ctx())]));
      if (a.blocks) bar.append(BlockKit.render(a.blocks, { surface: "message", ctx: ctx(), onAction: () => {} }));
      out.append(bar);
    }
    return out;
  }

  function renderMessage(msg, conv, inThread) {
    const n = el("div", "message");
    n.dataset.ts = msg.ts;
    n.dataset.user = msg.user;
    n.dataset.ephemeral = String(msg.ephemeral);
    if (msg.ephemeral) n.classList.add("ephemeral");
    if (msg.bot) n.classList.add("from-bot");
    const meta = el("div", "message-meta", [el("span", "author", [msg.user_name || msg.user])]);
    if (msg.bot) meta.append(el("span", "app-badge", ["APP"]));
    const time = el("time", "time", [timeOf(msg.ts)]);
    time.dateTime = new Date(parseFloat(msg.ts) * 1000).toISOString();
    meta.append(time);
    if (msg.edited) meta.append(el("span", "edited muted", ["(edited)"]));
    const body = el("div", "message-content", [meta]);
    if (msg.ephemeral) body.append(el("div", "ephemeral-note", ["👁 Only visible to you"]));
    const blocks = Array.isArray(msg.blocks) ? msg.blocks : null;
    if (blocks && blocks.length) {
      body.append(
        BlockKit.render(blocks, {
          surface: "message",
          ctx: ctx(),
          onAction: (a) => act({ channel: conv.id, ts: msg.ts }, a),
        })
      );
    } else if (msg.text) {
      body.append(el("div", "message-text", [Mrkdwn.mrkdwn(msg.text, ctx())]));
    }
    if (Array.isArray(msg.attachments) && msg.attachments.length) body.append(renderAttachments(msg.attachments));
    if (!inThread && msg.replies && msg.replies.length) {
      const link = el("button", "thread-link", [`${msg.replies.length} ${msg.replies.length === 1 ? "reply" : "replies"}`]);
      link.type = "button";
      link.dataset.threadTs = msg.ts;
      link.addEventListener("click", () => {
        S.thread = msg.ts;
        renderThread(currentConv());
      });
      body.append(link);
    }
    n.append(avatar(msg), body);
    return n;
  }

  // ---- actions -----------------------------------------------------------

  function confirmDialog(c) {
    return new Promise((resolve) => {
      $("confirm-title").textContent = (c.title && c.title.text) || "Are you sure?";
      $("confirm-text").replaceChildren(BlockKit.text(c.text, ctx()));
      $("confirm-ok").textContent = (c.confirm && c.confirm.text) || "Yes";
      $("confirm-cancel").textContent = (c.deny && c.deny.text) || "Cancel";
      $("confirm-ok").className = "bk-button " + (c.style === "danger" ? "danger" : "primary");
      const backdrop = $("confirm-backdrop");
      backdrop.hidden = false;
      const done = (ok) => {
        backdrop.hidden = true;
        $("confirm-ok").onclick = $("confirm-cancel").onclick = null;
        resolve(ok);
      };
      $("confirm-ok").onclick = () => done(true);
      $("confirm-cancel").onclick = () => done(false);
      $("confirm-ok").focus();
    });
  }

  // act sends an element's action from a message (target.channel/ts) or a
  // modal (target.view).
  async function act(target, a) {
    if (a.confirm && !(await confirmDialog(a.confirm))) return;
    if (a.url) window.open(a.url, "_blank", "noopener");
    const body = { block_id: a.blockId, action_id: a.actionId, value: a.value };
    const answer = target.view
      ? await post("/sandbox/view/action", Object.assign({ view_id: target.view }, body))
      : await post("/sandbox/action", Object.assign({ channel: target.channel, ts: target.ts }, body));
    reportFailure(answer, "click");
  }

  // ---- modal -------------------------------------------------------------

  function topView() {
    const views = (S.data && S.data.views) || [];
    return views[views.length - 1] || null;
  }

  function renderModal() {
    const v = topView();
    const backdrop = $("modal-backdrop");
    if (!v) {
      backdrop.hidden = true;
      S.viewKey = "";
      return;
    }
    backdrop.hidden = false;
    const modal = $("modal");
    modal.dataset.viewId = v.id;
    const key = v.id + ":" + v.hash;
    const form = $("modal-form");
    if (key !== S.viewKey) {
      // After views.update, keep what the member entered, as Slack does.
      const kept = S.viewKey.startsWith(v.id + ":") ? BlockKit.collect(form) : {};
      const values = Object.assign({}, v.values);
      for (const [b, byAction] of Object.entries(kept)) values[b] = Object.assign({}, values[b], byAction);
      form.replaceChildren(
        BlockKit.render(v.blocks, {
          surface: "modal",
          ctx: ctx(),
          values: values,
          errors: v.errors || {},
          onAction: (a) => act({ view: v.id }, a),
        })
      );
      $("modal-title").textContent = v.title;
      $("modal-submit").textContent = v.submit || "Submit";
      $("modal-submit").hidden = !v.submit;
      $("modal-close").textContent = v.close || "Cancel";
      $("modal-back").hidden = S.data.views.length < 2;
      S.viewKey = key;
      const first = form.querySelector("input, textarea, select");
      if (first) first.focus();
    }
    showErrors(v.errors || {});
    const notice = $("modal-notice");
    notice.textContent = v.notice || "";
    notice.hidden = !v.notice;
  }

  function showErrors(errors) {
    for (const e of $("modal-form").querySelectorAll(".input-error")) {
      const msg = errors[e.dataset.errorFor] || "";
      e.textContent = msg;
      e.hidden = !msg;
      e.closest(".block").classList.toggle("has-error", !!msg);
    }
  }

  async function submitModal() {
    const v = topView();
    if (!v || !v.submit) return;
    const btn = $("modal-submit");
    btn.disabled = true;
    try {
      const answer = await post("/sandbox/view/submit", { view_id: v.id, values: BlockKit.collect($("modal-form")) });
      if (answer.errors) showErrors(answer.errors);
      reportFailure(answer, "form");
    } finally {
      btn.disabled = false;
    }
  }

  async function closeModal() {
    const v = topView();
    if (!v) return;
    reportFailure(await post("/sandbox/view/close", { view_id: v.id }), "close");
  }

  // ---- composer ----------------------------------------------------------

  async function send() {
    const input = $("composer-input");
    const text = input.value.trim();
    if (!text || !S.conv) return;
    const btn = $("composer-send");
    btn.disabled = true;
    input.value = "";
    $("composer-hint").hidden = true;
    // What you send, and the answer to it, show at the bottom: the list
    // follows them even when you had scrolled up.
    S.followUntil = Date.now() + 5000;
    try {
      const answer = text.startsWith("/")
        ? await post("/sandbox/command", { channel: S.conv, text: text })
        : await post("/sandbox/say", { channel: S.conv, text: text });
      if (!answer.ok && !answer.app_error) toast(answer.error || "Could not send.");
    } finally {
      btn.disabled = false;
      input.focus();
    }
  }

  function wire() {
    $("mailbox-open").addEventListener("click", () => {
      S.conv = MAILBOX;
      S.thread = null;
      history.replaceState(null, "", "#" + MAILBOX);
      render();
    });
    $("member-switcher").addEventListener("change", (e) => {
      S.me = e.target.value;
      localStorage.setItem("owed-sandbox-member", S.me);
      const u = new URL(location.href);
      u.searchParams.set("as", S.me);
      history.replaceState(null, "", u);
      S.viewKey = "";
      S.seen = {};
      restartPoll();
    });
    $("composer").addEventListener("submit", (e) => {
      e.preventDefault();
      send();
    });
    const input = $("composer-input");
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        send();
      }
    });
    input.addEventListener("input", () => {
      $("composer-hint").hidden = !input.value.startsWith("/");
    });
    $("thread-close").addEventListener("click", () => {
      S.thread = null;
      $("thread-pane").hidden = true;
    });
    $("modal-submit").addEventListener("click", submitModal);
    $("modal-form").addEventListener("submit", (e) => {
      e.preventDefault();
      // Enter in a field that sends block_actions on Enter does that, as
      // in Slack, and does not submit the form.
      const field = document.activeElement;
      if (field && field.dataset && field.dataset.enterDispatches) return;
      submitModal();
    });
    $("modal-close").addEventListener("click", closeModal);
    $("modal-x").addEventListener("click", closeModal);
    $("modal-back").addEventListener("click", closeModal);
    document.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      if (!$("confirm-backdrop").hidden) $("confirm-cancel").click();
      else if (!$("modal-backdrop").hidden) closeModal();
    });
  }

  wire();
  poll();
})();
