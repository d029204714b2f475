// Block Kit to DOM. Every interactive element carries data-block-id,
// data-action-id and data-type, and visible labels, for people and tests.
"use strict";

(function (global) {
  const { mrkdwn, plain, safeHref } = global.Mrkdwn;

  function el(tag, cls, children) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    for (const c of children || []) if (c != null) n.append(c);
    return n;
  }

  function text(obj, ctx) {
    if (!obj) return el("span");
    if (typeof obj === "string") return mrkdwn(obj, ctx);
    return obj.type === "mrkdwn" ? mrkdwn(obj.text, ctx) : plain(obj.text);
  }

  function plainText(obj) {
    return obj && typeof obj.text === "string" ? obj.text : "";
  }

  function mark(n, block, element) {
    n.dataset.blockId = block.block_id || "";
    n.dataset.actionId = element.action_id || "";
    n.dataset.type = element.type;
    return n;
  }

  // The options of a select, flattening option groups.
  function options(element) {
    if (element.option_groups) return element.option_groups.flatMap((g) => g.options || []);
    return element.options || [];
  }

  function current(block, element, opts) {
    const byBlock = (opts.values || {})[block.block_id] || {};
    const v = byBlock[element.action_id];
    if (v) return v;
    return {
      text: element.initial_value,
      option: element.initial_option && element.initial_option.value,
      options: (element.initial_options || []).map((o) => o.value),
      date: element.initial_date,
      time: element.initial_time,
      user: element.initial_user,
      users: element.initial_users,
      channel: element.initial_conversation || element.initial_channel,
    };
  }

  // emit sends an element's action, after its confirm dialog if it has one.
  function emit(opts, block, element, value) {
    opts.onAction({
      blockId: block.block_id || "",
      actionId: element.action_id || "",
      type: element.type,
      value: value,
      url: element.url && safeHref(element.url),
      confirm: element.confirm || null,
    });
  }

  function button(block, element, opts) {
    const b = mark(el("button", "bk-button", [plain(plainText(element.text))]), block, element);
    b.type = "button";
    if (element.style) b.classList.add(element.style);
    if (element.url) b.classList.add("link-button");
    if (element.value !== undefined) b.dataset.value = element.value;
    if (element.confirm) b.dataset.confirm = "true";
    b.addEventListener("click", () => emit(opts, block, element, null));
    return b;
  }

  function select(block, element, opts, dispatch) {
    const multi = element.type.startsWith("multi_");
    const s = mark(el("select", "bk-select"), block, element);
    s.multiple = multi;
    const v = current(block, element, opts);
    const placeholder = plainText(element.placeholder) || "Select an option";
    if (!multi) {
      const ph = el("option", null, [placeholder]);
      ph.value = "";
      ph.disabled = true;
      s.append(ph);
    } else {
      s.setAttribute("aria-label", placeholder);
    }
    const add = (parent, value, label) => {
      const o = el("option", null, [label]);
      o.value = value;
      parent.append(o);
    };
    const base = element.type.replace(/^multi_/, "");
    if (base === "users_select") {
      for (const m of opts.ctx.members || []) add(s, m.id, m.name + (m.real_name ? " — " + m.real_name : ""));
    } else if (base === "conversations_select" || base === "channels_select") {
      for (const [id, name] of Object.entries(opts.ctx.channels || {})) add(s, id, "#" + name);
    } else if (element.option_groups) {
      for (const g of element.option_groups) {
        const og = el("optgroup");
        og.label = plainText(g.label);
        for (const o of g.options || []) add(og, o.value, plainText(o.text));
        s.append(og);
      }
    } else {
      for (const o of options(element)) add(s, o.value, plainText(o.text));
    }
    const chosen = multi ? v.options || v.users || [] : [v.option || v.user || v.channel || ""];
    const picked = [...s.options].filter((o) => o.value !== "" && chosen.includes(o.value));
    for (const o of s.options) o.selected = picked.includes(o);
    // A select with nothing picked shows its placeholder, as Slack does.
    if (!multi && !picked.length) s.selectedIndex = 0;
    s.dataset.stateful = "true";
    if (dispatch) {
      s.addEventListener("change", () => emit(opts, block, element, readValue(s)));
    }
    return s;
  }

  function overflow(block, element, opts) {
    const s = mark(el("select", "bk-overflow"), block, element);
    s.setAttribute("aria-label", "More actions");
    const ph = el("option", null, ["⋯"]);
    ph.value = "";
    s.append(ph);
    for (const o of element.options || []) {
      const opt = el("option", null, [plainText(o.text)]);
      opt.value = o.value;
      s.append(opt);
    }
    s.addEventListener("change", () => {
      const value = s.value;
      s.selectedIndex = 0;
      if (value) emit(opts, block, element, { option: value });
    });
    return s;
  }

  function input(block, element, opts, dispatch) {
    const v = current(block, element, opts);
    let n;
    switch (element.type) {
      case "plain_text_input":
        n = element.multiline ? el("textarea", "bk-input") : el("input", "bk-input");
        if (!element.multiline) n.type = "text";
        if (element.max_length) n.maxLength = element.max_length;
        n.value = v.text || "";
        break;
      case "number_input":
        n = el("input", "bk-input");
        n.type = "number";
        n.step = element.is_decimal_allowed ? "any" : "1";
        if (element.min_value !== undefined) n.min = element.min_value;
        if (element.max_value !== undefined) n.max = element.max_value;
        n.value = v.text || "";
        break;
      case "email_text_input":
      case "url_text_input":
        n = el("input", "bk-input");
        n.type = element.type === "email_text_input" ? "email" : "url";
        n.value = v.text || "";
        break;
      case "datepicker":
        n = el("input", "bk-input bk-datepicker");
        n.type = "date";
        n.value = v.date || "";
        break;
      case "timepicker":
        n = el("input", "bk-input bk-timepicker");
        n.type = "time";
        n.value = v.time || "";
        break;
      default:
        return null;
    }
    mark(n, block, element);
    n.dataset.stateful = "true";
    const ph = plainText(element.placeholder);
    if (ph) n.placeholder = ph;
    if (dispatch && (element.type === "datepicker" || element.type === "timepicker")) {
      n.addEventListener("change", () => emit(opts, block, element, readValue(n)));
    } else if (dispatch) {
      // A text field sends block_actions as Slack's client does: on Enter
      // (the default), which then does not submit the form, or as each
      // character is typed; leaving the field sends nothing.
      const on = (element.dispatch_action_config || {}).trigger_actions_on || ["on_enter_pressed"];
      if (on.includes("on_enter_pressed") && !element.multiline) {
        n.dataset.enterDispatches = "true"; // the form's own submit leaves it to this field
        n.addEventListener("keydown", (e) => {
          if (e.key !== "Enter") return;
          e.preventDefault();
          emit(opts, block, element, readValue(n));
        });
      }
      if (on.includes("on_character_entered")) n.addEventListener("input", () => emit(opts, block, element, readValue(n)));
    }
    return n;
  }

  function choices(block, element, opts, dispatch) {
    const radio = element.type === "radio_buttons";
    const v = current(block, element, opts);
    const group = mark(el("div", "bk-choices"), block, element);
    group.dataset.stateful = "true";
    group.setAttribute("role", radio ? "radiogroup" : "group");
    const name = "c-" + (block.block_id || "") + "-" + (element.action_id || "");
    for (const o of element.options || []) {
      const box = el("input");
      box.type = radio ? "radio" : "checkbox";
      box.name = name;
      box.value = o.value;
      box.checked = radio ? v.option === o.value : (v.options || []).includes(o.value);
      if (dispatch) box.addEventListener("change", () => emit(opts, block, element, readValue(group)));
      const label = el("label", "bk-choice", [box, text(o.text, opts.ctx)]);
      if (o.description) label.append(el("div", "muted small", [text(o.description, opts.ctx)]));
      group.append(label);
    }
    return group;
  }

  function image(element) {
    const n = el("span", "bk-image-placeholder", ["🖼"]);
    n.title = element.alt_text || "image";
    n.setAttribute("role", "img");
    n.setAttribute("aria-label", element.alt_text || "image");
    return n;
  }

  // element renders an interactive element; dispatch says whether a
  // change is sent at once (messages, actions blocks, dispatch_action inputs).
  function element(block, elt, opts, dispatch) {
    switch (elt.type) {
      case "button":
      case "workflow_button":
        return button(block, elt, opts);
      case "overflow":
        return overflow(block, elt, opts);
      case "image":
        return image(elt);
      case "radio_buttons":
      case "checkboxes":
        return choices(block, elt, opts, dispatch);
      default:
        if (elt.type.endsWith("select")) return select(block, elt, opts, dispatch);
        return input(block, elt, opts, dispatch) || el("span", "muted", ["[" + elt.type + "]"]);
    }
  }

  function richText(elements, ctx) {
    const out = el("div", "rich-text");
    const inlineNodes = (items) =>
      (items || []).map((it) => {
        let n;
        switch (it.type) {
          case "text":
            n = document.createTextNode(it.text || "");
            break;
          case "link": {
            const href = safeHref(it.url || "");
            n = href ? el("a", "link", [it.text || it.url]) : document.createTextNode(it.text || it.url || "");
            if (href) {
              n.setAttribute("href", href);
              n.setAttribute("target", "_blank");
              n.setAttribute("rel", "noopener noreferrer");
            }
            break;
          }
          case "user":
            n = el("span", "mention", ["@" + ((ctx.users || {})[it.user_id] || it.user_id)]);
            break;
          case "channel":
            n = el("span", "mention", ["#" + ((ctx.channels || {})[it.channel_id] || it.channel_id)]);
            break;
          case "emoji":
            n = document.createTextNode(global.Mrkdwn.emojify(":" + it.name + ":"));
            break;
          default:
            n = document.createTextNode(it.text || "");
        }
        const st = it.style || {};
        if (st.code) n = el("code", "code", [n]);
        if (st.bold) n = el("strong", null, [n]);
        if (st.italic) n = el("em", null, [n]);
        if (st.strike) n = el("s", null, [n]);
        return n;
      });
    for (const part of elements || []) {
      switch (part.type) {
        case "rich_text_section":
          out.append(el("div", null, inlineNodes(part.elements)));
          break;
        case "rich_text_preformatted":
          out.append(el("pre", "pre", inlineNodes(part.elements)));
          break;
        case "rich_text_quote":
          out.append(el("blockquote", "quote", inlineNodes(part.elements)));
          break;
        case "rich_text_list": {
          const list = el(part.style === "ordered" ? "ol" : "ul", "rich-list");
          for (const item of part.elements || []) list.append(el("li", null, inlineNodes(item.elements)));
          out.append(list);
          break;
        }
      }
    }
    return out;
  }

  function block(b, opts) {
    const wrap = el("div", "block block-" + b.type);
    wrap.dataset.blockId = b.block_id || "";
    wrap.dataset.blockType = b.type;
    switch (b.type) {
      case "section": {
        const body = el("div", "section-body");
        if (b.text) body.append(el("div", "section-text", [text(b.text, opts.ctx)]));
        if (b.fields) body.append(el("div", "section-fields", b.fields.map((f) => el("div", "field", [text(f, opts.ctx)]))));
        wrap.append(body);
        if (b.accessory) wrap.append(el("div", "accessory", [element(b, b.accessory, opts, true)]));
        break;
      }
      case "header":
        wrap.append(el("h3", "header-text", [plain(plainText(b.text))]));
        break;
      case "context":
        for (const e of b.elements || []) wrap.append(e.type === "image" ? image(e) : el("span", "context-item", [text(e, opts.ctx)]));
        break;
      case "divider":
        wrap.append(el("hr", "divider"));
        break;
      case "actions":
        for (const e of b.elements || []) wrap.append(element(b, e, opts, true));
        break;
      case "image":
        wrap.append(el("figure", "image-block", [image(b), el("figcaption", "muted small", [plainText(b.title) || b.alt_text || ""])]));
        break;
      case "input": {
        const label = el("label", "input-label", [plain(plainText(b.label))]);
        if (b.optional) label.append(el("span", "muted optional", [" (optional)"]));
        wrap.append(label);
        const field = element(b, b.element, opts, !!b.dispatch_action);
        if (field.id === "" && b.element.type !== "radio_buttons" && b.element.type !== "checkboxes") {
          field.id = "in-" + (b.block_id || "") + "-" + (b.element.action_id || "");
          label.htmlFor = field.id;
        }
        wrap.append(field);
        if (b.hint) wrap.append(el("div", "input-hint muted small", [plain(plainText(b.hint))]));
        const err = el("div", "input-error");
        err.dataset.errorFor = b.block_id || "";
        const msg = (opts.errors || {})[b.block_id];
        err.textContent = msg || "";
        err.hidden = !msg;
        if (msg) wrap.classList.add("has-error");
        wrap.append(err);
        break;
      }
      case "markdown":
        wrap.append(mrkdwn(String(b.text || "").replace(/\*\*(.+?)\*\*/g, "*$1*"), opts.ctx));
        break;
      case "rich_text":
        wrap.append(richText(b.elements, opts.ctx));
        break;
      default:
        wrap.append(el("div", "muted small", ["Unsupported block: " + b.type]));
    }
    return wrap;
  }

  // render turns a blocks array into a DOM node.
  function render(blocks, opts) {
    const root = el("div", "blocks");
    for (const b of blocks || []) root.append(block(b, opts));
    return root;
  }

  // readValue reads the Value an element holds.
  function readValue(n) {
    const t = n.dataset.type;
    switch (t) {
      case "plain_text_input":
      case "number_input":
      case "email_text_input":
      case "url_text_input":
        return { text: n.value };
      case "datepicker":
        return { date: n.value };
      case "timepicker":
        return { time: n.value };
      case "radio_buttons": {
        const c = n.querySelector("input:checked");
        return { option: c ? c.value : "" };
      }
      case "checkboxes":
        return { options: [...n.querySelectorAll("input:checked")].map((c) => c.value) };
      case "users_select":
        return { user: n.value };
      case "multi_users_select":
        return { users: [...n.selectedOptions].map((o) => o.value) };
      case "conversations_select":
      case "channels_select":
        return { channel: n.value };
      default:
        if (t.startsWith("multi_")) return { options: [...n.selectedOptions].map((o) => o.value) };
        return { option: n.value };
    }
  }

  // collect reads every stateful element under root as Values.
  function collect(root) {
    const values = {};
    for (const n of root.querySelectorAll("[data-stateful]")) {
      const b = n.dataset.blockId;
      (values[b] = values[b] || {})[n.dataset.actionId] = readValue(n);
    }
    return values;
  }

  global.BlockKit = { render, collect, readValue, text };
})(window);
