// The managers' desk inside Telegram. Plain JavaScript, no framework, nothing loaded from
// elsewhere. Telegram opens the page with its launch parameters in the URL fragment
// (tgWebAppData: the signed init data; tgWebAppThemeParams: the colours); every API call sends
// the init data back in the Authorization header and the server checks it. Users' words are
// always set as text, never as HTML; only the server-drawn SVG charts are inserted as markup.
"use strict";

(function () {
  const launch = new URLSearchParams(location.hash.slice(1));
  const tg = window.Telegram && window.Telegram.WebApp;
  const initData = (tg && tg.initData) || launch.get("tgWebAppData") ||
    sessionStorage.getItem("tgWebAppData") || "";
  if (initData) sessionStorage.setItem("tgWebAppData", initData);

  // -- Telegram's side: colours, "ready", the back button ------------------------------------
  function postEvent(type, data) {
    const payload = JSON.stringify(data || {});
    try {
      if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(type, payload);
      else if (window.external && "notify" in window.external)
        window.external.notify(JSON.stringify({ eventType: type, eventData: data || {} }));
      else if (window.parent !== window)
        window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data || {} }), "*");
    } catch (e) { /* outside Telegram: nothing to tell */ }
  }
  function applyTheme(params) {
    for (const [key, value] of Object.entries(params || {})) {
      if (/^#[0-9a-f]{3,8}$/i.test(value))
        document.documentElement.style.setProperty("--tg-theme-" + key.replace(/_/g, "-"), value);
    }
  }
  try { applyTheme(JSON.parse(launch.get("tgWebAppThemeParams") || "{}")); } catch (e) { }
  let onBack = null;
  function receiveEvent(type, data) {
    if (type === "theme_changed" && data) applyTheme(data.theme_params);
    if (type === "back_button_pressed" && onBack) onBack();
  }
  window.Telegram = window.Telegram || {};
  if (!window.Telegram.WebView) window.Telegram.WebView = { receiveEvent };
  window.addEventListener("message", (event) => {
    try { const m = JSON.parse(event.data); receiveEvent(m.eventType, m.eventData); } catch (e) { }
  });
  function backButton(handler) {
    onBack = handler;
    postEvent("web_app_setup_back_button", { is_visible: !!handler });
  }

  // -- small helpers ---------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else if (key === "class") el.className = value;
      else el.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }
  function svg(markup) {  // the server's chart: SVG it drew and escaped itself
    const box = h("div", { class: "chart" });
    box.innerHTML = markup;
    return box;
  }
  const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : ""));

  const state = {
    lang: localStorage.getItem("sundown-lang") || "",
    texts: {}, me: null, tab: "open",
    filters: { store: "", state: "", kind: "", technician: "", overdue: false },
    query: "", trends: { store: "", days: 30 },
  };
  const T = (key) => state.texts[key] || key;

  class HttpError extends Error {
    constructor(status, body) { super(body && body.error || String(status)); this.status = status; }
  }
  async function api(path, params, options) {
    const url = new URL("api/" + path, document.baseURI);
    for (const [k, v] of Object.entries(params || {})) if (v !== "" && v !== null) url.searchParams.set(k, v);
    if (state.lang) url.searchParams.set("lang", state.lang);
    const response = await fetch(url, Object.assign({
      headers: { "Authorization": "tma " + initData, "Content-Type": "application/json" },
    }, options || {}));
    const body = await response.json().catch(() => ({}));
    if (!response.ok && response.status !== 409) throw new HttpError(response.status, body);
    return body;
  }
  function fill(el, ...nodes) { el.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false)); }
  function show(...nodes) { fill($("view"), ...nodes); }
  function failed(error) {
    const text = error.status === 401 ? T("expired") : error.status === 403 ? T("forbidden") : T("error");
    show(h("p", { class: "notice error", id: "problem" }, text));
  }
  const loading = () => show(h("p", { class: "hint" }, T("loading")));

  // -- start ---------------------------------------------------------------------------------
  async function start() {
    postEvent("web_app_ready");
    postEvent("web_app_expand");
    if (!initData) {
      await loadTexts();
      show(h("p", { class: "notice", id: "problem" }, T("open_in_telegram")));
      return;
    }
    try {
      state.me = await api("me");
    } catch (error) {
      // Nothing of the desk before /api/me says who this is: only the notice.
      $("tabs").hidden = true;
      $("language").hidden = true;
      state.me = null;
      await loadTexts();
      return failed(error);
    }
    state.lang = state.me.language;
    state.texts = state.me.texts;
    document.documentElement.lang = state.lang.replace("_", "-");
    document.title = T("title");
    $("title").textContent = T("title");
    const picker = $("language");
    picker.replaceChildren(...state.me.languages.map((l) =>
      h("option", { value: l.code, selected: l.code === state.lang }, l.name)));
    picker.setAttribute("aria-label", T("language"));
    picker.onchange = () => {
      state.lang = picker.value;
      localStorage.setItem("sundown-lang", state.lang);
      start();
    };
    for (const button of $("tabs").querySelectorAll("button")) {
      button.textContent = T("tab_" + button.dataset.tab);
      button.onclick = () => go(button.dataset.tab);
    }
    $("tabs").hidden = false;
    picker.hidden = false;
    go(state.tab);
  }

  // The page's words when the API will not answer: in the language Telegram says the user
  // reads (the init data's user.language_code), which the server maps to one we ship.
  async function loadTexts() {
    let code = state.lang;
    if (!code) {
      try { code = JSON.parse(new URLSearchParams(initData).get("user")).language_code || ""; } catch (e) { }
    }
    const url = new URL("api/texts", document.baseURI);
    if (code) url.searchParams.set("lang", code);
    const texts = await fetch(url).then((r) => r.json()).catch(() => ({ texts: {} }));
    state.texts = texts.texts || {};
  }

  function go(tab) {
    state.tab = tab;
    backButton(null);
    for (const button of $("tabs").querySelectorAll("button"))
      button.setAttribute("aria-selected", String(button.dataset.tab === tab));
    ({ open: openView, search: searchView, trends: trendsView, export: exportView })[tab]();
  }

  function storeOptions(selected, withAll) {
    const options = state.me.stores.map((s) => h("option", { value: s.id, selected: s.id === selected }, s.name));
    return withAll ? [h("option", { value: "" }, T("all_stores")), ...options] : options;
  }

  // -- open tickets ----------------------------------------------------------------------------
  async function openView() {
    const f = state.filters;
    const techs = state.me.stores.filter((s) => !f.store || s.id === f.store).flatMap((s) => s.technicians);
    const select = (name, all, options) => h("select", {
      name, "aria-label": all, onchange: (e) => { f[name] = e.target.value; openView(); },
    }, h("option", { value: "" }, all), options.map((o) => h("option", { value: o.value, selected: String(o.value) === f[name] }, o.label)));
    const filters = h("div", { class: "filters", id: "filters" },
      state.me.stores.length > 1 ? h("select", {
        name: "store", "aria-label": T("all_stores"),
        onchange: (e) => { f.store = e.target.value; f.technician = ""; openView(); },
      }, storeOptions(f.store, true)) : null,
      select("state", T("all_states"), state.me.states),
      select("kind", T("all_kinds"), state.me.kinds),
      select("technician", T("all_technicians"), [{ value: "0", label: T("unassigned") },
        ...techs.map((x) => ({ value: String(x.id), label: x.name }))]),
      h("label", {}, h("input", {
        type: "checkbox", name: "overdue", checked: f.overdue,
        onchange: (e) => { f.overdue = e.target.checked; openView(); },
      }), T("overdue_only")));
    const list = h("ul", { class: "list", id: "tickets" }, h("li", { class: "hint" }, T("loading")));
    show(filters, list);
    try {
      const data = await api("tickets", { store: f.store, state: f.state, kind: f.kind, technician: f.technician, overdue: f.overdue ? "1" : "" });
      if (state.tab !== "open") return;
      fill(list, ...(data.tickets.length ? data.tickets.map((t) => h("li", {
        class: "item ticket", "data-number": t.number, onclick: () => ticketView(t.number),
      },
        h("div", { class: "head" }, h("span", {}, (t.urgent ? "🚨 " : "") + "#" + t.number + " " + t.customer),
          h("span", { class: t.needs_manager ? "badge needs" : "badge" }, t.needs_manager ? T("needs_you") : t.state_label)),
        h("div", { class: "sub" }, [t.urgent, t.kind_label, t.product, state.me.stores.length > 1 ? t.store_name : ""].filter(Boolean).join(" · ")),
        // What needs the manager shows the time by which they must decide; an offered ticket
        // is not shown as taken.
        h("div", { class: t.overdue ? "overdue clock" : "meta clock" },
          (t.overdue ? T("overdue") + " · " : "") +
          (t.deadline ? T(t.needs_manager ? "decide_by" : "deadline") + " " + t.deadline : T("no_deadline")) +
          (t.assignee ? " · " + t.assignee : t.offered_to ? " · " + fmt(T("offered_to"), { name: t.offered_to }) : "")))) : [h("li", { class: "hint" }, T("no_open"))]));
    } catch (error) { failed(error); }
  }

  // -- search ----------------------------------------------------------------------------------
  function searchView() {
    const input = h("input", { type: "search", name: "q", value: state.query, placeholder: T("search_hint"), "aria-label": T("search_hint") });
    const results = h("div", { id: "results" });
    const run = async (event) => {
      if (event) event.preventDefault();
      state.query = input.value.trim();
      if (!state.query) return;
      results.replaceChildren(h("p", { class: "hint" }, T("loading")));
      try {
        const data = await api("search", { q: state.query });
        const summary = data.count > data.shown ? fmt(T("results_shown"), { count: data.count, shown: data.shown }) : fmt(T("results"), { count: data.count });
        fill(results,
          h("p", { class: "hint", id: "result-count" }, data.count ? summary : T("no_results")),
          h("ul", { class: "list" }, data.results.map((r) => h("li", {
            class: "item result", "data-number": r.number, onclick: () => ticketView(r.number),
          },
            h("div", { class: "head" }, h("span", {}, "#" + r.number + " " + r.customer), h("span", { class: "badge" }, r.archived ? T("archived") : r.state_label)),
            h("div", { class: "sub" }, [r.confirmed, r.kind_label, r.product, r.assignee].filter(Boolean).join(" · ")),
            h("div", { class: "meta" }, r.text)))));
      } catch (error) { failed(error); }
    };
    show(h("form", { class: "search", onsubmit: run }, input, h("button", { type: "submit", class: "primary" }, T("search_button"))), results);
    if (state.query) run();
    input.focus();
  }

  // -- one ticket ------------------------------------------------------------------------------
  async function ticketView(number) {
    const from = state.tab;
    loading();
    backButton(() => go(from));
    let t;
    try { t = await api("tickets/" + number); } catch (error) { return failed(error); }
    const fact = (label, value, css) => value ? [h("dt", {}, label), h("dd", { class: css || null }, value)] : [];
    const parts = [
      h("button", { type: "button", id: "back", onclick: () => go(from) }, "‹ " + T("back")),
      h("h2", { id: "ticket-title" }, "#" + t.number + " · " + t.state_label + (t.archived ? " · " + T("archived") : "")),
      h("dl", { class: "facts" },
        fact(T("customer"), t.customer),
        fact(T("phone"), t.phone && t.phone_link ? h("a", { href: t.phone_link, id: "phone-link", "aria-label": T("call") + " " + t.phone }, t.phone) : t.phone),
        fact(T("product"), t.product),
        fact(T("want"), t.want_label), fact(T("complaint"), t.text),
        fact(T("confirmed"), t.confirmed + " · " + t.store_name),
        fact(T("technician"), t.assignee || (t.offered_to ? fmt(T("offered_to"), { name: t.offered_to }) : "")),
        fact(T("decide_by"), t.decide_by, t.overdue ? "overdue" : ""),
        fact(T("contact_by"), t.needs_manager ? "" : t.contact_by, t.overdue ? "overdue" : ""),
        fact(T("reply_by"), t.reply_by), fact(T("outcome"), t.outcome), fact(T("report"), t.report)),
    ];
    const acts = t.actions;
    if (acts.reply_choices.length || acts.technicians.length) {
      const note = h("p", { class: "hint", id: "action-result" });
      const confirmBox = h("div", { class: "confirm", id: "confirm", hidden: true });
      // A decision that messages people says first what will happen and to whom.
      const ask = (path, body, what) => {
        note.textContent = "";
        fill(confirmBox, h("p", { id: "confirm-text" }, what),
          h("div", { class: "choices" },
            h("button", { type: "button", class: "primary", id: "confirm-send", onclick: () => { confirmBox.hidden = true; decide(path, body); } }, T("confirm_send")),
            h("button", { type: "button", id: "confirm-cancel", onclick: () => { confirmBox.hidden = true; fill(confirmBox); } }, T("cancel"))));
        confirmBox.hidden = false;
        confirmBox.scrollIntoView({ block: "nearest" });
      };
      const decide = async (path, body) => {
        try {
          const answer = await api("tickets/" + t.number + "/" + path, {}, { method: "POST", body: JSON.stringify(body) });
          if (answer.error) { note.textContent = answer.error; note.className = "error"; return; }
          await ticketView(t.number);
          const shown = $("action-result");
          if (shown) shown.textContent = answer.message;
        } catch (error) { failed(error); }
      };
      parts.push(h("h2", {}, T("actions")));
      if (acts.reply_choices.length) parts.push(h("p", {}, T("set_reply_time")),
        h("div", { class: "choices" }, acts.reply_choices.map((c) =>
          h("button", { type: "button", class: "reply-choice", onclick: () => ask("reply-by", { choice: c.choice }, c.confirm) }, c.label))));
      if (acts.technicians.length) parts.push(h("p", {}, T("hand_to")),
        h("div", { class: "choices" }, acts.technicians.map((x) =>
          h("button", { type: "button", class: "hand-to", onclick: () => ask("assign", { technician: x.id }, x.confirm) }, x.name))));
      parts.push(confirmBox, note);
    } else parts.push(h("p", { class: "hint", id: "action-result" }));
    parts.push(h("h2", {}, T("conversation")),
      t.conversation.length ? h("ul", { class: "conversation", id: "conversation" }, t.conversation.map((line) =>
        h("li", {}, h("div", { class: "meta" }, line.when + " · " + line.who), h("div", { class: "bubble " + line.role }, line.text))))
        : h("p", { class: "hint", id: "conversation" }, T("no_conversation")));
    parts.push(h("h2", {}, T("feedback")), t.feedback.length ? t.feedback.map((f) => h("dl", { class: "facts feedback" },
      fact(T("overall"), f.overall ? f.overall + " / 5" : ""), fact(T("solved"), f.solved),
      f.drivers.map((d) => fact(d.label, d.score + " / 5")),
      fact(T("quality_index"), f.quality_index !== null ? String(f.quality_index) : ""),
      fact(T("comment"), f.comment), fact("", f.answered))) : h("p", { class: "hint" }, T("no_feedback")));
    parts.push(h("h2", {}, T("audit")), h("ul", { class: "audit", id: "audit" }, t.audit.map((a) =>
      h("li", {}, h("span", { class: "meta" }, a.when + " · " + a.who + ": "), a.action))));
    show(...parts);
    window.scrollTo(0, 0);
  }

  // -- trends ----------------------------------------------------------------------------------
  async function trendsView() {
    const tr = state.trends;
    tr.store = tr.store || state.me.stores[0].id;
    const head = h("div", { class: "filters" },
      state.me.stores.length > 1 ? h("select", { name: "trend-store", "aria-label": T("all_stores"), onchange: (e) => { tr.store = e.target.value; trendsView(); } }, storeOptions(tr.store, false)) : null,
      h("div", { class: "periods", role: "tablist", "aria-label": T("period") }, state.me.periods.map((d) =>
        h("button", { type: "button", "aria-selected": String(d === tr.days), onclick: () => { tr.days = d; trendsView(); } }, fmt(T("days"), { days: d })))));
    const body = h("div", { id: "trends" }, h("p", { class: "hint" }, T("loading")));
    show(head, body);
    try {
      const data = await api("trends", { store: tr.store, days: tr.days });
      if (state.tab !== "trends") return;
      const c = data.controls;
      const row = (name, x) => h("tr", {}, h("td", {}, name), h("td", {}, x.miss_rate), h("td", {}, x.dissatisfaction_rate), h("td", {}, x.contact_median));
      fill(body,
        h("p", { class: "hint" }, data.store_name + " · " + data.first + " – " + data.last),
        h("h2", {}, T("store_controls")), svg(data.charts.controls),
        h("p", { class: "meta" }, `${T("missed")}: ${c.missed} / ${c.deadlines_due} · ${T("dissatisfaction_rate")}: ${c.low} / ${c.answered}`),
        h("h2", {}, T("contact_times")), svg(data.charts.contact),
        h("h2", {}, T("daily")), svg(data.charts.daily),
        data.technicians.length ? [h("h2", {}, T("per_technician")),
          h("table", { class: "figures" }, h("tr", {}, h("th", {}, T("technician")), h("th", {}, T("miss_rate")), h("th", {}, T("dissatisfaction_rate")), h("th", {}, T("median"))),
            data.technicians.map((x) => row(x.name, x))),
          h("h2", {}, T("miss_rate")), svg(data.charts.misses),
          h("h2", {}, T("dissatisfaction_rate")), svg(data.charts.dissatisfaction)] : null,
        h("h2", {}, T("recurring")),
        data.recurring.length ? h("ul", { class: "list", id: "recurring" }, data.recurring.map((r) => h("li", { class: "item" },
          h("div", { class: "head" }, h("span", {}, r.label), h("span", { class: "badge" }, "×" + r.count)),
          h("div", { class: "meta" }, r.numbers.map((n) => "#" + n).join(" ") + (r.fed_back ? " · " + T("fed_back") : "")))))
          : h("p", { class: "hint" }, T("no_recurring")));
    } catch (error) { failed(error); }
  }

  // -- export ----------------------------------------------------------------------------------
  function exportView() {
    const today = new Date();
    // The phone's own calendar day (toISOString would give UTC's: yesterday before 8:00 in China).
    const iso = (d) => [d.getFullYear(), d.getMonth() + 1, d.getDate()].map((n) => String(n).padStart(2, "0")).join("-");
    const from = h("input", { type: "date", name: "from", value: iso(new Date(today - 29 * 864e5)) });
    const to = h("input", { type: "date", name: "to", value: iso(today) });
    const store = state.me.stores.length > 1 ? h("select", { name: "export-store" }, storeOptions("", true)) : null;
    const result = h("p", { id: "export-result" });
    const run = async (event) => {
      event.preventDefault();
      try {
        const link = await api("export", { store: store ? store.value : "", from: from.value, to: to.value }, { method: "POST" });
        const url = new URL(link.url, document.baseURI).href;
        postEvent("web_app_request_file_download", { url, file_name: link.filename });
        result.replaceChildren(T("export_ready") + " ", h("a", { href: url, download: link.filename, id: "export-link" }, link.filename));
      } catch (error) { failed(error); }
    };
    show(h("form", { class: "filters", onsubmit: run }, store,
      h("label", {}, T("export_from"), from), h("label", {}, T("export_to"), to),
      h("button", { type: "submit", class: "primary" }, T("export_button"))), result);
  }

  start();
})();
