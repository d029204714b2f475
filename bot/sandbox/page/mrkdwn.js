// Slack mrkdwn to DOM nodes. Text always becomes text nodes, never HTML.
"use strict";

(function (global) {
  const EMOJI = {
    white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", warning: "⚠️", rotating_light: "🚨",
    bell: "🔔", zzz: "💤", hourglass: "⌛", hourglass_flowing_sand: "⏳", calendar: "📅", date: "📅",
    moneybag: "💰", money_with_wings: "💸", dollar: "💵", chart_with_upwards_trend: "📈",
    page_facing_up: "📄", receipt: "🧾", memo: "📝", scales: "⚖️", briefcase: "💼", bank: "🏦",
    handshake: "🤝", email: "📧", telephone_receiver: "📞", no_entry: "⛔", lock: "🔒",
    red_circle: "🔴", large_orange_circle: "🟠", large_yellow_circle: "🟡", large_green_circle: "🟢",
    white_circle: "⚪", arrow_right: "➡️", eyes: "👀", tada: "🎉", thumbsup: "👍", "+1": "👍",
    thinking_face: "🤔", information_source: "ℹ️", mag: "🔍", clipboard: "📋", repeat: "🔁",
  };

  function el(tag, cls, children) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    for (const c of children || []) n.append(c);
    return n;
  }

  function decode(s) {
    return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function emojify(s) {
    return s.replace(/:([a-z0-9_+\-]+):/g, (m, name) => EMOJI[name] || m);
  }

  // A plain text string, with emoji shortcodes.
  function textNode(s, ctx) {
    return document.createTextNode(emojify(decode(s)));
  }

  function safeHref(url) {
    return /^(https?:|mailto:)/i.test(url) ? url : null;
  }

  // <…> references: links, mentions, channels, groups, specials.
  function reference(body, ctx) {
    const bar = body.indexOf("|");
    const target = bar >= 0 ? body.slice(0, bar) : body;
    const label = bar >= 0 ? body.slice(bar + 1) : "";
    if (target.startsWith("@")) {
      const id = target.slice(1);
      const name = (ctx.users && ctx.users[id]) || label || id;
      const n = el("span", "mention", ["@" + name]);
      n.dataset.userId = id;
      return n;
    }
    if (target.startsWith("#")) {
      const id = target.slice(1);
      const name = (ctx.channels && ctx.channels[id]) || label || id;
      const n = el("span", "mention channel-mention", ["#" + name]);
      n.dataset.channelId = id;
      return n;
    }
    if (target.startsWith("!subteam^")) {
      const id = target.slice("!subteam^".length);
      const handle = (ctx.groups && ctx.groups[id]) || label.replace(/^@/, "") || id;
      return el("span", "mention", ["@" + handle]);
    }
    if (target.startsWith("!date^")) {
      return document.createTextNode(decode(label || target));
    }
    if (target.startsWith("!")) {
      return el("span", "mention", ["@" + target.slice(1)]);
    }
    const href = safeHref(decode(target));
    if (!href) return document.createTextNode(decode("<" + body + ">"));
    const a = el("a", "link", [decode(label || target)]);
    a.setAttribute("href", href);
    a.setAttribute("target", "_blank");
    a.setAttribute("rel", "noopener noreferrer");
    return a;
  }

  // Inline formatting: references, code, bold, italic, strike.
  const INLINE = /<([^<>\n]+)>|`([^`\n]+)`|(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])|(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])|(?<![\w~])~(?!\s)([^~\n]+?)~(?![\w~])/;

  function inline(text, ctx, out) {
    let rest = text;
    while (rest.length) {
      const m = INLINE.exec(rest);
      if (!m) {
        out.push(textNode(rest, ctx));
        break;
      }
      if (m.index > 0) out.push(textNode(rest.slice(0, m.index), ctx));
      if (m[1] !== undefined) out.push(reference(m[1], ctx));
      else if (m[2] !== undefined) out.push(el("code", "code", [decode(m[2])]));
      else {
        const tag = m[3] !== undefined ? "strong" : m[4] !== undefined ? "em" : "s";
        const inner = [];
        inline(m[3] ?? m[4] ?? m[5], ctx, inner);
        out.push(el(tag, null, inner));
      }
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }

  // Lines: > quotes and line breaks.
  function lines(text, ctx, out) {
    const parts = text.split("\n");
    let quote = null;
    parts.forEach((line, i) => {
      const q = /^(&gt;|>)\s?/.exec(line);
      if (q) {
        if (!quote) {
          quote = el("blockquote", "quote");
          out.push(quote);
        } else {
          quote.append(el("br"));
        }
        inline(line.slice(q[0].length), ctx, []).forEach((n) => quote.append(n));
        return;
      }
      quote = null;
      inline(line, ctx, out);
      if (i < parts.length - 1) out.push(el("br"));
    });
    return out;
  }

  // mrkdwn renders Slack mrkdwn into a span.
  function mrkdwn(text, ctx) {
    const root = el("span", "mrkdwn");
    const out = [];
    const chunks = String(text || "").split("```");
    chunks.forEach((chunk, i) => {
      if (i % 2 === 1 && i < chunks.length - 1) {
        out.push(el("pre", "pre", [decode(chunk.replace(/^\n/, ""))]));
      } else {
        lines(i % 2 === 1 ? "```" + chunk : chunk, ctx, out);
      }
    });
    out.forEach((n) => root.append(n));
    return root;
  }

  // plain renders a plain_text string (emoji shortcodes only).
  function plain(text) {
    return el("span", "plain", [emojify(String(text || ""))]);
  }

  global.Mrkdwn = { mrkdwn, plain, emojify, safeHref };
})(window);
