// The overview of the requests: cards on a phone, a sortable table on wider screens. Everything it needs comes from
// our server: who is asking comes from the launch data Telegram puts in the URL fragment (tgWebAppData), or from
// the terminal's one-time link (local=...). Telegram's own script is not loaded: its few calls are events (postEvent).
"use strict";

const launch = new URLSearchParams(location.hash.slice(1));
const address = new URLSearchParams(location.search);
const state = { auth: null, me: null, filters: {}, search: "", sort: "filed", dir: "desc", page: 0, data: null,
  glance: null, screen: "list", main: null };
const app = document.getElementById("app");

// --- Telegram: its events reach window.Telegram.WebView.receiveEvent; ours go through its proxy -------------
const telegram = Boolean(launch.get("tgWebAppData"));
const version = (launch.get("tgWebAppVersion") || "6.0").split(".").map(Number);
const since = (wanted) => { const w = wanted.split(".").map(Number); return version[0] > w[0] || (version[0] === w[0] && (version[1] || 0) >= w[1]); };
function postEvent(type, data) {
  if (!telegram) return;
  const body = JSON.stringify(data || {});
  try {
    if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(type, body);
    else if (window.external && "notify" in window.external) window.external.notify(JSON.stringify({ eventType: type, eventData: data }));
    else if (window.parent !== window) window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data }), "*");
  } catch (e) { /* outside Telegram: nothing to tell */ }
}
const listeners = {};
const on = (type, handler) => { listeners[type] = handler; };
window.Telegram = window.Telegram || {};
window.Telegram.WebView = { receiveEvent(type, data) { if (listeners[type]) listeners[type](data || {}); } };
window.addEventListener("message", (e) => {  // Telegram's web client speaks through the frame
  try { const m = JSON.parse(e.data); if (m.eventType) window.Telegram.WebView.receiveEvent(m.eventType, m.eventData); } catch (x) { /* not ours */ }
});
const tg = {
  haptic(kind = "light") {
    if (!since("6.1")) return;
    postEvent("web_app_trigger_haptic_feedback", ["success", "error", "warning"].includes(kind)
      ? { type: "notification", notification_type: kind } : { type: "impact", impact_style: kind });
  },
  back(visible) { if (since("6.1")) postEvent("web_app_setup_back_button", { is_visible: visible }); },
  main(text, action, active = true) {  // the screen's main action, on Telegram's MainButton
    state.main = text ? action : null;
    const css = getComputedStyle(document.documentElement);
    postEvent("web_app_setup_main_button", text ? { is_visible: true, is_active: active, text,
      color: css.getPropertyValue("--button").trim(), text_color: css.getPropertyValue("--button-text").trim() } : { is_visible: false });
  },
  openLink(url) {
    const link = new URL(url);
    postEvent("web_app_open_tg_link", { path_full: link.pathname + link.search });
    setTimeout(() => postEvent("web_app_close"), 100);
  },
};
on("theme_changed", (data) => applyTheme(data.theme_params));
on("back_button_pressed", () => { if (state.screen === "request") showList(); });
on("main_button_pressed", () => { if (state.main) { tg.haptic(); state.main(); } });
on("file_download_requested", (data) => { if (data.status === "downloading") tg.haptic("success"); });
const VARS = { bg_color: "--tg-bg", text_color: "--tg-text", hint_color: "--tg-hint", link_color: "--tg-link",
  button_color: "--tg-button", button_text_color: "--tg-button-text", secondary_bg_color: "--tg-secondary-bg",
  destructive_text_color: "--tg-destructive" };
function applyTheme(params) {
  if (!params) return;
  const root = document.documentElement;
  for (const name of Object.values(VARS)) root.style.removeProperty(name);
  let given = 0;
  for (const [key, name] of Object.entries(VARS)) {
    if (/^#[0-9a-fA-F]{3,8}$/.test(params[key] || "")) { root.style.setProperty(name, params[key]); given += 1; }
  }
  root.classList.toggle("themed", given > 0);  // an empty theme leaves the phone's scheme
  contrast();
}
// Contrast (WCAG 2.1 AA: 4.5:1 for text): a theme's colour that does not reach it against the backgrounds it is
// drawn on is replaced, for that role, by ours (app.css's palette, light or dark after the theme's background); if
// even ours does not, by black or white, whichever reads better.
const OURS = {
  light: { "--text": "#1b1f23", "--hint": "#5c6470", "--link": "#1d4ed8", "--button": "#2563eb", "--danger": "#b3261e" },
  dark: { "--text": "#f5f5f5", "--hint": "#9aa8b6", "--link": "#6ab3f3", "--button": "#2f6ea8", "--danger": "#ff7b72" },
};
const ROLES = ["--text", "--hint", "--link", "--button", "--button-text", "--danger", "--danger-fill"];
function rgb(text) {
  let hex = (text || "").trim().replace(/^#/, "");
  if (!/^[0-9a-fA-F]{3,8}$/.test(hex)) return null;
  if (hex.length <= 4) hex = [...hex].map((c) => c + c).join("");
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
}
function luminance([r, g, b]) {
  const [R, G, B] = [r, g, b].map((c) => { const v = c / 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * R + 0.7152 * G + 0.0722 * B;
}
function ratio(a, b) { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); }
const reads = (colour, backgrounds) => backgrounds.every((b) => ratio(rgb(colour), b) >= 4.5);
function contrast() {
  const root = document.documentElement;
  for (const name of ROLES) root.style.removeProperty(name);
  const css = getComputedStyle(root), get = (name) => css.getPropertyValue(name).trim();
  const bg = rgb(get("--bg")), panel = rgb(get("--panel"));
  if (!bg || !panel) return;
  const ours = OURS[luminance(bg) < 0.2 ? "dark" : "light"];
  const best = (backgrounds) => (Math.min(...backgrounds.map((b) => ratio([0, 0, 0], b))) >= Math.min(...backgrounds.map((b) => ratio([255, 255, 255], b))) ? "#000000" : "#ffffff");
  const keep = (name, backgrounds) => {  // the theme's colour if it reads, else ours, else black or white
    if (rgb(get(name)) && reads(get(name), backgrounds)) return;
    root.style.setProperty(name, reads(ours[name], backgrounds) ? ours[name] : best(backgrounds));
  };
  for (const name of ["--text", "--hint", "--link", "--danger"]) keep(name, [bg, panel]);
  if (!(rgb(get("--button")) && rgb(get("--button-text")) && reads(get("--button-text"), [rgb(get("--button"))]))) {
    root.style.setProperty("--button", ours["--button"]); root.style.setProperty("--button-text", "#ffffff");
  }
}
try { applyTheme(JSON.parse(launch.get("tgWebAppThemeParams") || "null")); } catch (e) { /* no theme given */ }
contrast();
window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", contrast);

// --- the API -------------------------------------------------------------------------------------------------
class Refused extends Error { constructor(status, message, lang) { super(message); this.status = status; this.lang = lang; } }
async function call(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { Authorization: state.auth, ...(options.headers || {}) } });
  if (!response.ok) {
    let message = response.statusText, lang = null;
    try { const said = await response.json(); message = said.error || message; lang = said.lang; } catch (e) { /* not JSON */ }
    throw new Refused(response.status, message, lang);
  }
  return response;
}
// A file: Telegram's downloader from a short-lived signed link (Bot API 8.0), else the bot sends it into the chat
// (older Telegram clients cannot save a page's file), else (a browser) the page fetches it and saves it.
async function getFile(kind, target, path) {
  tg.haptic();
  const asked = new URLSearchParams({ kind, target });
  try {
    if (telegram && since("8.0")) {
      const link = await (await call(`/api/files/link?${asked}`, { method: "POST" })).json();
      postEvent("web_app_request_file_download", { url: new URL(link.url, location.href).href, file_name: link.file_name });
    } else if (telegram) {
      notice((await (await call(`/api/files/send?${asked}`, { method: "POST" })).json()).message);
      tg.haptic("success");
    } else {
      const response = await call(path);
      const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "")[1];
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", { href: url, download: name });
      document.body.append(link); link.click(); link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    }
  } catch (error) { tg.haptic("error"); notice(error.message); }
}

// --- small helpers -------------------------------------------------------------------------------------------
function el(tag, attributes = {}, ...children) {
  const node = tag.startsWith("svg:") ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined));
  return node;
}
const T = (key, params = {}) => (state.me.texts[key] || key).replace(/\{(\w+)\}/g, (_, name) => params[name] ?? "");
// The notice: the page's one live region (a screen reader says what changes in it), the same node on every screen.
const noticeBox = el("p", { id: "notice", class: "hint", role: "status" });
function notice(message) {  // said in the screen's line, or in the next one drawn (a request asked for at launch)
  if (noticeBox.isConnected) noticeBox.textContent = message; else state.pending = message;
}
function fail(message, lang) {  // the page in the language of what it says
  tg.main(null);
  if (lang) document.documentElement.lang = lang;
  app.replaceChildren(el("p", { class: "error", role: "alert" }, message));
}
// The focus stays where the member was when a screen is drawn again: the same control, found by what it is.
function whereFocus() {
  const at = document.activeElement;
  if (!at || at === document.body || !app.contains(at)) return null;
  for (const key of ["id", "name", "data-sort", "data-status", "data-ticket"]) {
    if (at.hasAttribute(key)) return { selector: `${at.tagName.toLowerCase()}[${key}="${CSS.escape(at.getAttribute(key))}"]`,
      caret: at.tagName === "INPUT" ? [at.selectionStart, at.selectionEnd] : null };
  }
  if (at.tagName === "SUMMARY") return { selector: "#filters summary" };
  return { selector: null };
}
const visible = (node) => node && node.getClientRects().length > 0;
function focusAgain(where) {
  if (!where) return;
  const found = where.selector && [...app.querySelectorAll(where.selector)].find(visible);
  const target = found && !found.disabled ? found : document.getElementById("found") || app.querySelector("#back");
  target.focus({ preventScroll: Boolean(found) });
  if (found && where.caret && found.setSelectionRange) { try { found.setSelectionRange(...where.caret); } catch (e) { /* not a text box */ } }
}
function focusRow(ticketText) {  // back from a request: its row (or card) has the focus
  const row = [...app.querySelectorAll(`[data-ticket="${CSS.escape(ticketText)}"]`)].find(visible);
  if (row) { row.focus({ preventScroll: true }); row.scrollIntoView({ block: "nearest", inline: "nearest" }); }
}
// Dates as the member writes them: 14/03/2025, 14.03.2025 in German; typed in any of these forms (or ISO).
const separator = () => (state.me.lang === "de" ? "." : "/");
const shown = (iso) => (iso ? iso.split("-").reverse().join(separator()) : "");
function parsed(text) {
  const t = text.trim();
  if (!t) return "";
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  const [y, mo, d] = m ? [m[1], m[2], m[3]] : ((m = /^(\d{1,2})[./\-\s](\d{1,2})[./\-\s](\d{2}|\d{4})$/.exec(t)) ? [m[3].length === 2 ? `20${m[3]}` : m[3], m[2], m[1]] : []);
  if (!y) return null;
  const day = new Date(Date.UTC(+y, +mo - 1, +d));
  return day.getUTCDate() === +d && day.getUTCMonth() === +mo - 1 ? day.toISOString().slice(0, 10) : null;
}

// --- the list ------------------------------------------------------------------------------------------------------
// What matters most first (a narrow laptop scrolls the table sideways: the status never goes out of sight).
const COLUMNS = ["name", "status", "type", "form", "start", "end", "ticket", "niss", "filed", "office"];
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
    if (state.screen === "list") drawList();
  } catch (error) { if (error.status === 401) fail(error.message, error.lang); else notice(error.message); }
}
function showList() {
  state.screen = "list"; state.returnTo = state.opened; tg.back(false); tg.haptic();
  if (state.data) drawList(); load();
}
function changed(key, value) { state.filters[key] = value; state.page = 0; tg.haptic("soft"); reload(); }
// A list applies its choice when it is made: a tap, Enter, or leaving it; not each arrow key that goes through the
// choices (a closed list changes its value on every arrow key).
function chosen(node, apply) {
  let stepping = false, waiting = false;
  const commit = () => { if (waiting) { waiting = false; apply(node.value); } };
  node.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { if (waiting) { e.preventDefault(); commit(); } } else if (!e.altKey && e.key !== "Tab" && e.key !== " ") { stepping = true; setTimeout(() => { stepping = false; }); }
  });
  node.addEventListener("change", () => { if (stepping) { stepping = false; waiting = true; } else { waiting = false; apply(node.value); } });
  node.addEventListener("blur", commit);
  return node;
}
function select(key) {
  const current = state.filters[key] || "";
  return el("label", {}, T(key), chosen(el("select", { name: key },
    el("option", { value: "", selected: current === "" }, T("all")),
    state.me.options[key].map((o) => el("option", { value: o.code, selected: current === o.code }, o.label))),
  (value) => changed(key, value)));
}
function day(key) {
  return el("label", {}, T(key), el("input", { type: "text", name: key, inputmode: "numeric", autocomplete: "off",
    placeholder: T("date_pattern"), value: shown(state.filters[key]), onchange: (e) => {
      const iso = parsed(e.target.value);
      e.target.setAttribute("aria-invalid", iso === null ? "true" : "false");
      if (iso === null) { tg.haptic("error"); return notice(T("bad_date", { example: shown("2025-09-01") })); }
      e.target.value = shown(iso); changed(key, iso);
    } }));
}
function sortBy(column) {
  state.dir = state.sort === column && state.dir === "asc" ? "desc" : "asc";
  if (state.sort !== column) state.dir = ["filed", "start", "end"].includes(column) ? "desc" : "asc";
  state.sort = column; state.page = 0; tg.haptic("soft"); reload();
}
// A row (or card) opens with a tap, Enter or Space; focused, the table does not jump sideways to its right end.
const opens = (row) => ({ tabindex: "0", "data-ticket": row.ticket, onclick: () => openRequest(row.ticket),
  onkeydown: (e) => {
    if (e.target === e.currentTarget && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); openRequest(row.ticket); }
  },
  onfocus: (e) => { const box = e.currentTarget.closest(".scroll"); if (box) box.scrollLeft = state.scrollLeft || 0; } });
const pill = (row) => el("span", { class: `status ${row.status}` }, row.status_label);
const ticket = (text) => el("span", { class: "ticket" }, text);
function card(row) {
  return el("li", { class: "card", ...opens(row) },
    el("div", { class: "top" }, el("strong", { class: "name" }, row.name), pill(row)),
    el("div", { class: "leave" }, `${row.type} · ${row.form}`),
    el("div", { class: "dates" }, `${row.start} → ${row.end}`),
    el("div", { class: "meta" }, ticket(row.ticket), ` · ${row.niss}`));
}
function chart() {  // requests filed per month, the last twelve: a bar each, drawn here
  const months = state.glance.months, top = Math.max(1, ...months.map((m) => m.count));
  const name = (m, style) => new Intl.DateTimeFormat(state.me.lang, { month: style, year: style === "long" ? "numeric" : undefined, timeZone: "UTC" }).format(new Date(`${m.month}-01T00:00:00Z`));
  const said = months.map((m) => `${name(m, "long")}: ${m.count}`).join(", ");
  return el("figure", { class: "chart" }, el("figcaption", {}, T("per_month")),
    el("svg:svg", { viewBox: "0 0 240 60", role: "img", "aria-label": `${T("per_month")}: ${said}` },
      months.map((m, i) => {
        const h = Math.round((m.count / top) * 36);
        return el("svg:g", {}, el("svg:title", {}, `${name(m, "long")}: ${m.count}`),
          el("svg:rect", { x: i * 20 + 3, y: 47 - h, width: 14, height: Math.max(h, 1), rx: 2 }),
          m.count ? el("svg:text", { x: i * 20 + 10, y: 45 - h, class: "n" }, String(m.count)) : null,
          el("svg:text", { x: i * 20 + 10, y: 58 }, name(m, "narrow")));
      })));
}
function drawList() {
  const data = state.data, me = state.me;
  const direction = state.dir === "asc" ? T("sorted_asc") : T("sorted_desc");
  const head = COLUMNS.map((column) => el("th", { scope: "col",
    "aria-sort": state.sort === column ? (state.dir === "asc" ? "ascending" : "descending") : null },
  el("button", { type: "button", title: T("sort"), "data-sort": column, onclick: () => sortBy(column),
    "aria-label": state.sort === column ? `${T(column)}, ${direction}` : null }, T(column))));
  const cell = { status: pill, ticket: (row) => ticket(row.ticket) };
  const rows = data.rows.map((row) => el("tr", opens(row),
    COLUMNS.map((column) => el("td", {}, cell[column] ? cell[column](row) : row[column]))));
  const search = el("input", { type: "search", name: "q", value: state.search, placeholder: T("search"), "aria-label": T("search"),
    autocomplete: "off", oninput: (e) => { state.search = e.target.value.trim(); state.page = 0; reload(300); } });
  const counts = data.counts.filter((c) => c.count > 0 || state.filters.status === c.code).map((c) =>
    el("button", { type: "button", "data-status": c.code, "aria-pressed": state.filters.status === c.code ? "true" : "false",
      onclick: () => changed("status", state.filters.status === c.code ? "" : c.code) },
    T("count", { status: c.label, n: c.count })));
  const sorter = el("div", { class: "sorter narrow" }, el("label", {}, T("sort_by"),
    chosen(el("select", { name: "sort" },
      COLUMNS.map((c) => el("option", { value: c, selected: state.sort === c }, T(c)))), sortBy)),
  el("button", { type: "button", class: "plain", id: "direction", "aria-label": `${T("reverse")} (${direction})`,
    onclick: () => { state.dir = state.dir === "asc" ? "desc" : "asc"; state.page = 0; reload(); } },
  el("span", { "aria-hidden": "true" }, state.dir === "asc" ? "▲" : "▼")));
  const where = whereFocus();
  const scroller = app.querySelector(".scroll");
  if (scroller) state.scrollLeft = scroller.scrollLeft;
  const active = Object.entries(state.filters).filter(([key, value]) => value && value !== state.me.defaults[key]).length;
  const exportable = me.may.export && data.total > 0;
  const exporting = () => getFile("export", query(), `/api/export?${query()}`);
  const skip = el("a", { href: "#found", class: "skip", onclick: (e) => {
    e.preventDefault();
    const first = [...app.querySelectorAll("[data-ticket]")].find(visible);
    (first || document.getElementById("found")).focus();
  } }, T("skip"));
  app.replaceChildren(
    skip, el("h1", {}, T("title")), el("p", { class: "hint" }, me.organisation),
    el("label", { class: "wide" }, search),
    el("details", { id: "filters", open: state.filtersOpen ?? window.innerWidth >= 720,
      ontoggle: (e) => { state.filtersOpen = e.target.open; } },
    el("summary", {}, active ? T("active", { n: active }) : T("filters")),
    el("div", { class: "filters" }, select("status"), select("type"), select("form"), select("capacity"),
      day("from"), day("to"))),
    el("section", { class: "glance", "aria-label": T("glance") },
      el("div", { class: "counts", role: "group", "aria-label": T("by_status") }, counts),
      state.glance ? chart() : ""),
    el("div", { class: "bar" }, el("span", { id: "found", tabindex: "-1" }, T("found", { n: data.total })),
      el("span", { class: "actions" },
        el("button", { type: "button", class: "plain", id: "reset", onclick: () => { state.filters = { ...me.defaults }; state.search = ""; state.page = 0; reload(); } }, T("reset")),
        me.may.export ? el("button", { type: "button", id: "export", disabled: !exportable, onclick: exporting }, T("export")) : "")),
    noticeBox,
    ...(data.total ? [sorter,
      el("ul", { class: "cards narrow", "aria-label": T("title") }, data.rows.map(card)),
      el("div", { class: "scroll wide-screen" }, el("table", {},
        el("caption", { class: "sr-only" }, T("title")),
        el("thead", {}, el("tr", {}, head)), el("tbody", {}, rows)))]
      : [el("p", { class: "hint" }, T("none"))]),
    data.pages > 1 ? el("div", { class: "bar" },
      el("button", { type: "button", class: "plain", id: "previous", disabled: data.page === 0, onclick: () => { state.page -= 1; reload(); } }, T("previous")),
      el("span", {}, T("page", { page: data.page + 1, pages: data.pages })),
      el("button", { type: "button", class: "plain", id: "next", disabled: data.page + 1 >= data.pages, onclick: () => { state.page += 1; reload(); } }, T("next"))) : "");
  noticeBox.textContent = "";
  if (state.pending) { notice(state.pending); state.pending = null; }
  tg.main(me.may.export ? T("export") : null, exporting, exportable);
  const box = app.querySelector(".scroll");
  if (box && state.scrollLeft) box.scrollLeft = state.scrollLeft;
  if (state.returnTo) { focusRow(state.returnTo); state.returnTo = null; } else focusAgain(where);
}

// --- one request ------------------------------------------------------------------------------------------------
async function openRequest(ticketText) {
  tg.haptic();
  try {
    const request = await (await call(`/api/requests/${encodeURIComponent(ticketText)}`)).json();
    state.screen = "request"; state.opened = request.ticket; tg.back(true); drawRequest(request);
  } catch (error) { if (error.status === 401) fail(error.message, error.lang); else { tg.haptic("error"); notice(error.message); } }
}
function modify(request) {
  tg.haptic();
  if (telegram) tg.openLink(request.modify_link); else window.open(request.modify_link, "_blank", "noopener");
}
function drawRequest(request, message) {
  const back = el("button", { type: "button", class: "plain", id: "back", onclick: showList }, T("back"));
  const attestations = request.documents.filter((d) => d.kind !== "sent");
  const sent = request.documents.filter((d) => d.kind === "sent");
  const documentButton = (d) => el("li", {}, el("a", { href: "#", "data-kind": d.kind, onclick: (e) => { e.preventDefault();
    if (d.kind === "receipt") getFile("receipt", request.ticket, `/api/requests/${request.ticket}/receipt`);
    else getFile("document", String(d.id), `/api/documents/${d.id}`); } }, d.name));
  const actions = el("div", { class: "actions" });
  const modifiable = request.may_modify && request.modify_link;
  if (modifiable) actions.append(el("button", { type: "button", id: "modify", onclick: () => modify(request) }, T("modify")));
  else if (request.may_modify) actions.append(el("p", { class: "hint" }, request.modify_hint));
  if (request.may_mail_worker) {
    actions.append(el("button", { type: "button", id: "mail-worker", onclick: async () => {
      tg.haptic();
      try {
        const done = await (await call(`/api/requests/${request.ticket}/worker-mail`, { method: "POST" })).json();
        tg.haptic("success"); drawRequest(done, done.message);
      } catch (error) { tg.haptic("error"); notice(error.message); }
    } }, T("mail_worker")));
  }
  if (request.may_cancel) {
    // The confirmation: a dialog named by its question; "No" or Escape closes it and the focus goes back to Cancel.
    const cancelButton = el("button", { type: "button", id: "cancel", class: "danger", onclick: () => {
      if (document.getElementById("cancel-yes")) return;
      tg.haptic("warning");
      const close = () => { box.remove(); cancelButton.focus(); };
      const box = el("section", { class: "confirm", role: "alertdialog", "aria-labelledby": "cancel-question", onkeydown: (e) => { if (e.key === "Escape") { e.preventDefault(); close(); } } },
        el("p", { id: "cancel-question" }, T("cancel_question", { ticket: request.ticket })),
        el("div", { class: "actions" },
          el("button", { type: "button", id: "cancel-yes", class: "danger strong", onclick: async () => {
            try {
              const done = await (await call(`/api/requests/${request.ticket}/cancel`, { method: "POST" })).json();
              tg.haptic("success"); drawRequest(done, T("cancelled", { ticket: request.ticket }));
            } catch (error) { tg.haptic("error"); notice(error.message); }
          } }, T("cancel_yes")),
          el("button", { type: "button", class: "plain", id: "cancel-no", onclick: close }, T("cancel_no"))));
      actions.after(box); box.querySelector("#cancel-no").focus();
    } }, T("cancel"));
    actions.append(cancelButton);
  }
  app.replaceChildren(
    el("div", { class: "bar" }, back),
    el("div", { class: "detail" },
      el("h1", {}, ticket(request.ticket)), noticeBox,
      el("p", {}, pill(request), request.office ? ` · ${request.office}` : ""),
      actions,
      el("section", {}, request.lines.map((line) => el("p", {}, line))),
      el("section", {}, el("h2", {}, T("history")), el("ul", {}, request.history.map((line) => el("li", {}, line)))),
      el("section", {}, el("h2", {}, T("attestations")), el("ul", {}, attestations.map(documentButton)),
        sent.length ? [el("h2", {}, T("attachments")), el("ul", {}, sent.map(documentButton))] : null)));
  noticeBox.textContent = message || "";
  tg.main(modifiable ? T("modify") : null, () => modify(request));
  back.focus();
  window.scrollTo(0, 0);
}

// --- start ------------------------------------------------------------------------------------------------------
// A request opened at once: Telegram's start_param "ticket-<TICKET>" (a t.me/<bot>/<app>?startapp= link), or
// ?ticket=<TICKET> in the page's address (the chat's web_app button for one request).
function asked() {
  const signed = new URLSearchParams(launch.get("tgWebAppData") || "");
  const param = signed.get("start_param") || launch.get("tgWebAppStartParam") || address.get("tgWebAppStartParam") || "";
  if (param.startsWith("ticket-")) return param.slice(7);
  return address.get("ticket") || null;
}
async function start() {
  postEvent("web_app_ready"); postEvent("web_app_expand");
  if (since("7.7")) postEvent("web_app_setup_swipe_behavior", { allow_vertical_swipe: false });
  const local = launch.get("local");
  if (telegram) state.auth = `tma ${launch.get("tgWebAppData")}`;
  else if (local) {
    history.replaceState(null, "", location.pathname + location.search);  // the link works once: not kept
    try {
      const traded = await (await fetch("/api/local-session", { method: "POST", headers: { Authorization: `link ${local}` } })).json();
      if (!traded.session) return fail(traded.error, traded.lang);
      sessionStorage.setItem("breakbot-session", traded.session);
    } catch (e) { return fail(String(e)); }
  }
  if (!state.auth && sessionStorage.getItem("breakbot-session")) state.auth = `local ${sessionStorage.getItem("breakbot-session")}`;
  try {
    state.me = await (await call("/api/me")).json();
  } catch (error) { return fail(error.message, error.lang); }
  document.documentElement.lang = state.me.lang;
  document.title = T("title");
  state.filters = { ...state.me.defaults };
  const wanted = asked();
  if (wanted) await openRequest(wanted);
  call("/api/glance").then((r) => r.json()).then((g) => {  // the chart joins the list when it comes
    state.glance = g;
    const section = app.querySelector(".glance");
    if (section && !section.querySelector(".chart")) section.append(chart());
  }).catch(() => {});
  await load();
}
start();
