// The overview as a table. Everything it needs comes from our server: who is asking comes from the launch data
// Telegram puts in the URL fragment (tgWebAppData), or from the terminal's one-time link (local=...).
"use strict";

const launch = new URLSearchParams(location.hash.slice(1));
const state = { auth: null, me: null, filters: {}, search: "", sort: "filed", dir: "desc", page: 0, data: null };
const app = document.getElementById("app");

// --- Telegram: its events reach window.Telegram.WebView.receiveEvent; ours go through its proxy -------------
function postEvent(type, data) {
  const body = JSON.stringify(data || {});
  try {
    if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(type, body);
    else if (window.external && "notify" in window.external) window.external.notify(JSON.stringify({ eventType: type, eventData: data }));
    else if (window.parent !== window) window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data }), "*");
  } catch (e) { /* outside Telegram: nothing to tell */ }
}
const VARS = { bg_color: "--tg-bg", text_color: "--tg-text", hint_color: "--tg-hint", link_color: "--tg-link",
  button_color: "--tg-button", button_text_color: "--tg-button-text", secondary_bg_color: "--tg-secondary-bg" };
function applyTheme(params) {
  if (!params) return;
  const root = document.documentElement;
  for (const [key, name] of Object.entries(VARS)) {
    if (/^#[0-9a-fA-F]{3,8}$/.test(params[key] || "")) root.style.setProperty(name, params[key]);
  }
  root.classList.add("themed");
}
window.Telegram = window.Telegram || {};
window.Telegram.WebView = { receiveEvent(type, data) { if (type === "theme_changed" && data) applyTheme(data.theme_params); } };
try { applyTheme(JSON.parse(launch.get("tgWebAppThemeParams") || "null")); } catch (e) { /* no theme given */ }

// --- the API -------------------------------------------------------------------------------------------------
class Refused extends Error { constructor(status, message) { super(message); this.status = status; } }
async function call(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { Authorization: state.auth, ...(options.headers || {}) } });
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
    throw new Refused(response.status, message);
  }
  return response;
}
async function download(path) {
  try {
    const response = await call(path);
    const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "")[1];
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: name });
    document.body.append(link); link.click(); link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) { notice(error.message); }
}

// --- small DOM helpers ---------------------------------------------------------------------------------------
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined));
  return node;
}
const T = (key, params = {}) => (state.me.texts[key] || key).replace(/\{(\w+)\}/g, (_, name) => params[name] ?? "");
function notice(message) { const box = document.getElementById("notice"); if (box) box.textContent = message; }
function fail(message) { app.replaceChildren(el("p", { class: "error", role: "alert" }, message)); }

// --- the table ------------------------------------------------------------------------------------------------
const COLUMNS = ["name", "niss", "ticket", "type", "form", "start", "end", "filed", "status", "office"];
function query(extra = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state.filters)) if (value) params.set(key, value);
  if (state.search) params.set("q", state.search);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params.toString();
}
let loadTimer = null;
function reload(delay = 0) { clearTimeout(loadTimer); loadTimer = setTimeout(load, delay); }
async function load() {
  try {
    const response = await call(`/api/requests?${query({ sort: state.sort, dir: state.dir, page: state.page })}`);
    state.data = await response.json();
    drawTable();
  } catch (error) { if (error.status === 401) fail(error.message); else notice(error.message); }
}
function select(key) {
  const current = state.filters[key] || "";
  return el("label", {}, T(key), el("select", { name: key, onchange: (e) => { state.filters[key] = e.target.value; state.page = 0; reload(); } },
    el("option", { value: "", selected: current === "" }, T("all")),
    state.me.options[key].map((o) => el("option", { value: o.code, selected: current === o.code }, o.label))));
}
function day(key) {
  return el("label", {}, T(key), el("input", { type: "date", name: key, value: state.filters[key] || "",
    onchange: (e) => { state.filters[key] = e.target.value; state.page = 0; reload(); } }));
}
function drawTable() {
  const data = state.data, me = state.me;
  const head = COLUMNS.map((column) => el("th", { scope: "col",
    "aria-sort": state.sort === column ? (state.dir === "asc" ? "ascending" : "descending") : null },
  el("button", { type: "button", title: T("sort"), "data-sort": column, onclick: () => {
    state.dir = state.sort === column && state.dir === "asc" ? "desc" : "asc";
    if (state.sort !== column) state.dir = ["filed", "start", "end"].includes(column) ? "desc" : "asc";
    state.sort = column; state.page = 0; reload();
  } }, T(column))));
  const rows = data.rows.map((row) => el("tr", { tabindex: "0", "data-ticket": row.ticket,
    onclick: () => openRequest(row.ticket), onkeydown: (e) => { if (e.key === "Enter") openRequest(row.ticket); } },
  el("td", {}, row.name), el("td", {}, row.niss), el("td", {}, row.ticket), el("td", {}, row.type),
  el("td", {}, row.form), el("td", {}, row.start), el("td", {}, row.end), el("td", {}, row.filed),
  el("td", {}, el("span", { class: `status ${row.status}` }, row.status_label)), el("td", {}, row.office)));
  const search = el("input", { type: "search", name: "q", value: state.search, placeholder: T("search"), "aria-label": T("search"),
    oninput: (e) => { state.search = e.target.value.trim(); state.page = 0; reload(300); } });
  const counts = data.counts.filter((c) => c.count > 0 || state.filters.status === c.code).map((c) =>
    el("button", { type: "button", "data-status": c.code, "aria-pressed": state.filters.status === c.code ? "true" : "false",
      onclick: () => { state.filters.status = state.filters.status === c.code ? "" : c.code; state.page = 0; reload(); } },
    T("count", { status: c.label, n: c.count })));
  const focused = document.activeElement && document.activeElement.name;
  const active = Object.entries(state.filters).filter(([key, value]) => value && value !== state.me.defaults[key]).length;
  app.replaceChildren(
    el("h1", {}, T("title")), el("p", { class: "hint" }, me.organisation),
    el("label", { class: "wide" }, search),
    el("details", { id: "filters", open: state.filtersOpen ?? window.innerWidth >= 720,
      ontoggle: (e) => { state.filtersOpen = e.target.open; } },
    el("summary", {}, active ? T("active", { n: active }) : T("filters")),
    el("div", { class: "filters" }, select("status"), select("type"), select("form"), select("capacity"),
      day("from"), day("to"))),
    el("div", { class: "counts", role: "group", "aria-label": T("by_status") }, counts),
    el("div", { class: "bar" }, el("span", { id: "found" }, T("found", { n: data.total })),
      el("span", { class: "actions" },
        el("button", { type: "button", class: "plain", onclick: () => { state.filters = { ...me.defaults }; state.search = ""; state.page = 0; reload(); } }, T("reset")),
        me.may.export ? el("button", { type: "button", id: "export", onclick: () => download(`/api/export?${query()}`) }, T("export")) : null)),
    el("p", { id: "notice", class: "hint", role: "status" }),
    data.total ? el("div", { class: "scroll" }, el("table", {}, el("thead", {}, el("tr", {}, head)), el("tbody", {}, rows)))
      : el("p", { class: "hint" }, T("none")),
    el("div", { class: "bar" },
      el("button", { type: "button", class: "plain", disabled: data.page === 0, onclick: () => { state.page -= 1; reload(); } }, T("previous")),
      el("span", {}, T("page", { page: data.page + 1, pages: data.pages })),
      el("button", { type: "button", class: "plain", disabled: data.page + 1 >= data.pages, onclick: () => { state.page += 1; reload(); } }, T("next"))));
  if (focused === "q") { const box = app.querySelector("input[name=q]"); box.focus(); box.setSelectionRange(box.value.length, box.value.length); }
}

// --- one request ------------------------------------------------------------------------------------------------
async function openRequest(ticket) {
  try { drawRequest(await (await call(`/api/requests/${encodeURIComponent(ticket)}`)).json()); }
  catch (error) { if (error.status === 401) fail(error.message); else notice(error.message); }
}
function drawRequest(request, message) {
  const back = el("button", { type: "button", class: "plain", id: "back", onclick: () => load() }, T("back"));
  const attestations = request.documents.filter((d) => d.kind !== "sent");
  const sent = request.documents.filter((d) => d.kind === "sent");
  const documentButton = (d) => el("li", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault();
    download(d.kind === "receipt" ? `/api/requests/${request.ticket}/receipt` : `/api/documents/${d.id}`); } }, d.name));
  const actions = el("div", { class: "actions" });
  if (request.may_cancel) {
    actions.append(el("button", { type: "button", id: "cancel", onclick: () => {
      const box = el("section", { class: "confirm", role: "alertdialog" }, el("p", {}, T("cancel_question", { ticket: request.ticket })),
        el("div", { class: "actions" },
          el("button", { type: "button", id: "cancel-yes", onclick: async () => {
            try { drawRequest(await (await call(`/api/requests/${request.ticket}/cancel`, { method: "POST" })).json(), T("cancelled", { ticket: request.ticket })); }
            catch (error) { notice(error.message); }
          } }, T("cancel_yes")),
          el("button", { type: "button", class: "plain", onclick: () => box.remove() }, T("cancel_no"))));
      actions.after(box); box.querySelector("button").focus();
    } }, T("cancel")));
  }
  if (request.may_modify) {
    actions.append(request.chat_link
      ? el("a", { href: request.chat_link, id: "modify", onclick: (e) => {
        if (window.TelegramWebviewProxy || window.parent !== window) { e.preventDefault(); postEvent("web_app_open_tg_link", { path_full: new URL(request.chat_link).pathname + new URL(request.chat_link).search }); postEvent("web_app_close"); }
      } }, T("modify"))
      : el("p", { class: "hint" }, request.modify_hint));
  }
  app.replaceChildren(
    el("div", { class: "bar" }, back),
    el("div", { class: "detail" },
      el("h1", {}, request.ticket), message ? el("p", { role: "status" }, message) : null,
      el("p", {}, el("span", { class: `status ${request.status}` }, request.status_label), request.office ? ` · ${request.office}` : ""),
      el("section", {}, request.lines.map((line) => el("p", {}, line))),
      el("section", {}, el("h2", {}, T("history")), el("ul", {}, request.history.map((line) => el("li", {}, line)))),
      el("section", {}, el("h2", {}, T("attestations")), el("ul", {}, attestations.map(documentButton)),
        sent.length ? [el("h2", {}, T("attachments")), el("ul", {}, sent.map(documentButton))] : null),
      actions, el("p", { id: "notice", class: "hint", role: "status" })));
  back.focus();
}

// --- start ------------------------------------------------------------------------------------------------------
async function start() {
  const local = launch.get("local");
  if (launch.get("tgWebAppData")) state.auth = `tma ${launch.get("tgWebAppData")}`;
  else if (local) {
    history.replaceState(null, "", location.pathname);  // the link works once: not kept in the address bar
    try {
      const traded = await (await fetch("/api/local-session", { method: "POST", headers: { Authorization: `link ${local}` } })).json();
      if (!traded.session) return fail(traded.error);
      sessionStorage.setItem("breakbot-session", traded.session);
    } catch (e) { return fail(String(e)); }
  }
  if (!state.auth && sessionStorage.getItem("breakbot-session")) state.auth = `local ${sessionStorage.getItem("breakbot-session")}`;
  try {
    state.me = await (await call("/api/me")).json();
  } catch (error) { return fail(error.message); }
  document.documentElement.lang = state.me.lang;
  document.title = T("title");
  state.filters = { ...state.me.defaults };
  postEvent("web_app_ready"); postEvent("web_app_expand");
  await load();
}
start();
