"""The overview screen: the organisation's requests, filtered, ten a page, and their CSV export."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from functools import lru_cache

from sqlmodel import Session

from bot.dialogs.status import filed_on
from bot.domain.answers import format_hours, parse_date
from bot.domain.errors import Invalid
from bot.domain.identifiers import format_bce, format_niss, mask_niss, parse_niss, parse_ticket
from bot.domain.leaves import Community, LeaveType, Regime, StaffStatus, Status, label
from bot.fsm.views import Button, Document, View
from bot.i18n import N_, Capitalized, joined, render, t, tn
from bot.storage import repository
from bot.storage.models import Member, Organisation

PAGE = 10
CHOICES = {"type": list(LeaveType), "form": list(Regime), "status": list(Status)}
STATE_KEY = {"type": "types", "form": "forms", "status": "statuses"}
PERIODS = ("2y", "1y", "all")


def default_state(today: dt.date) -> dict:
    return {"types": [], "forms": [], "statuses": [], "from": _years_before(today, 2).isoformat(), "to": None,
            "ticket": None, "niss": None, "page": 0}


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def parse_filters(text: str, state: dict, today: dt.date) -> dict:
    """`status=waiting,processing type=parental from=01/09/2024` → new filter state; raises Invalid."""
    state = dict(state, page=0)
    for word in text.split():
        if word.lower() == "reset":
            state = default_state(today)
            continue
        key, sep, value = word.partition("=")
        key = key.lower()
        if not sep or not value:
            raise Invalid(N_("I did not understand \"{word}\". Write filters as key=value, for example "
                             "/overview status=waiting type=parental from=01/09/2024."), word=word[:40])
        if key in CHOICES:
            codes = [c.strip().lower() for c in value.split(",") if c.strip()]
            allowed = {c.value for c in CHOICES[key]}
            wrong = [c for c in codes if c not in allowed]
            if wrong:
                raise Invalid(N_("\"{value}\" is not a {key} I know. Possible values: {allowed}."),
                              value=wrong[0][:30], key=key, allowed=", ".join(c.value for c in CHOICES[key]))
            state[STATE_KEY[key]] = codes
        elif key in ("from", "to"):
            state[key] = None if value.lower() in ("-", "all") else parse_date(value).isoformat()
        elif key == "ticket":
            state["ticket"] = parse_ticket(value)
        elif key == "niss":
            state["niss"] = parse_niss(value).number
        else:
            raise Invalid(N_("There is no filter \"{key}\". Filters: type, form, status, from, to, ticket, niss, "
                             "reset."), key=key[:20])
    return state


def _filters(state: dict) -> dict:
    day = lambda key: dt.date.fromisoformat(state[key]) if state.get(key) else None  # noqa: E731
    return dict(types=state["types"], regimes=state["forms"], statuses=state["statuses"], period_from=day("from"),
                period_to=day("to"), ticket=state["ticket"], niss=state["niss"])


def _query(session: Session, member: Member, state: dict, offset=0, limit: int = PAGE):
    return repository.requests_of(session, member.organisation_id, offset=offset, limit=limit, **_filters(state))


def active_filters(state: dict) -> object:
    parts = []
    for key, name in (("types", N_("type")), ("forms", N_("form")), ("statuses", N_("status"))):
        if state[key]:
            enum = {"types": LeaveType, "forms": Regime, "statuses": Status}[key]
            parts.append([t(name), ": ", *joined([label(enum(code)) for code in state[key]])])
    if state.get("from") and state.get("to"):
        parts.append(t(N_("from {start} to {end}"), start=dt.date.fromisoformat(state["from"]),
                       end=dt.date.fromisoformat(state["to"])))
    elif state.get("from"):
        parts.append(t(N_("from {start}"), start=dt.date.fromisoformat(state["from"])))
    elif state.get("to"):
        parts.append(t(N_("until {end}"), end=dt.date.fromisoformat(state["to"])))
    if state.get("ticket"):
        parts.append(t(N_("ticket {ticket}"), ticket=state["ticket"]))
    if state.get("niss"):
        parts.append(t(N_("NISS {niss}"), niss=mask_niss(state["niss"])))
    if not parts:
        return t(N_("Filters: none (all periods)."))
    return t(N_("Filters: {filters}."), filters=joined(parts, " · "))


def page_view(session: Session, member: Member, state: dict, replace=False, notes: list | None = None) -> View:
    rows, total = _query(session, member, state, offset=state["page"] * PAGE)
    pages = max(1, -(-total // PAGE))
    page = min(state["page"], pages - 1)
    if page != state["page"]:
        state["page"] = page
        rows, total = _query(session, member, state, offset=page * PAGE)
    lines = [*(notes or []),
             tn("Overview: {n} request found", "Overview: {n} requests found", total), active_filters(state)]
    if total:
        lines.append(t(N_("Page {page} of {pages}, newest first."), page=page + 1, pages=pages))
    numbers = []
    for index, request in enumerate(rows, 1 + page * PAGE):
        lines += ["", f"{index}. {request.last_name.upper()} {request.first_name} · {mask_niss(request.niss)}",
                  f"   {request.ticket}",
                  ["   ", Capitalized(label(LeaveType(request.leave_type))), ", ", label(Regime(request.regime)),
                   " · ", request.start_date, " – ", request.end_date],
                  ["   ", t(N_("filed {date}"), date=filed_on(request)), " · ", label(Status(request.status)),
                   f" · {request.office}" if request.office else ""]]
        numbers.append(Button(str(index), f"s:{request.ticket}"))
    buttons = [numbers[i:i + 5] for i in range(0, len(numbers), 5)]
    paging = []
    if page > 0:
        paging.append(Button(t(N_("◀ Previous")), f"o:p{page - 1}"))
    if page + 1 < pages:
        paging.append(Button(t(N_("Next ▶")), f"o:p{page + 1}"))
    if paging:
        buttons.append(paging)
    buttons.append([Button(t(N_("Type")), "o:f:type"), Button(t(N_("Form")), "o:f:form"),
                    Button(t(N_("Status")), "o:f:status"), Button(t(N_("Period")), "o:f:period")])
    buttons.append([Button(t(N_("Reset filters")), "o:reset"), Button(t(N_("⬇ Export (CSV)")), "o:csv")])
    if not total:
        lines.append(t(N_("No request matches. Change the filters, or type /new to file one.")))
    lines += ["", t(N_("Tap a number to open that request. Ticket and NISS filters are typed, for example "
                       "/overview ticket=04W-002WSHH-7K-E or /overview niss=85.03.14-123.02."))]
    return View(lines, buttons, replace)


def filter_view(state: dict, key: str) -> View:
    if key == "period":
        return View([t(N_("Which period? Requests are shown when they overlap it. For other dates type, for example, "
                          "/overview from=01/09/2024 to=31/08/2025."))],
                    [[Button(t(N_("Last two years")), "o:period:2y"), Button(t(N_("Last 12 months")), "o:period:1y")],
                     [Button(t(N_("All periods")), "o:period:all")], [Button(t(N_("Done")), "o:done")]],
                    replace=True)
    chosen = set(state[STATE_KEY[key]])
    buttons = [[Button([("☑ " if c.value in chosen else "☐ "), Capitalized(label(c))], f"o:t:{key}:{c.value}")]
               for c in CHOICES[key]]
    buttons.append([Button(t(N_("Done")), "o:done")])
    return View([t(N_("Tap to select or unselect, then Done. Nothing selected means all."))], buttons, replace=True)


def act(session: Session, member: Member, state: dict, code: str, today: dt.date, lang: str) -> tuple[View, dict]:
    """A tap on an overview button: paging, filter menus and toggles, reset, export."""
    if re.fullmatch(r"p\d{1,6}", code, re.ASCII):  # page_view brings a page past the end back to the last
        state["page"] = int(code[1:])
    elif code.startswith("f:") and code[2:] in (*CHOICES, "period"):
        return filter_view(state, code[2:]), state
    elif code.startswith("t:"):
        _, key, value = (code.split(":") + ["", ""])[:3]
        if key in CHOICES and value in {c.value for c in CHOICES[key]}:
            chosen = state[STATE_KEY[key]]
            state[STATE_KEY[key]] = [c for c in chosen if c != value] if value in chosen else [*chosen, value]
            state["page"] = 0
            return filter_view(state, key), state
    elif code.startswith("period:") and code[7:] in PERIODS:
        years = {"2y": 2, "1y": 1}.get(code[7:])
        state.update({"from": _years_before(today, years).isoformat() if years else None, "to": None, "page": 0})
    elif code == "reset":
        state = default_state(today)
    elif code == "csv":
        return export_view(session, member, state, today, lang), state
    return page_view(session, member, state, replace=True), state


COLUMNS = (N_("Ticket"), N_("NISS"), N_("Last name"), N_("First name"), N_("Leave"), N_("Form"), N_("Start date"),
           N_("End date"), N_("Filed on"), N_("Status"), N_("ONEM office"), N_("Community"), N_("School"),
           N_("Staff status"), N_("Working time before"), N_("Full-time schedule"), N_("Written notice"),
           N_("RTT scheme"), N_("Employer's agreement"), N_("E-mail"))


def export_csv(session: Session, member: Member, state: dict, lang: str) -> bytes:
    """Every matching request, every column, full NISS: UTF-8 with a BOM and semicolons, as Belgian Excel reads it."""
    rows = repository.request_rows(session, member.organisation_id, **_filters(state))
    # Tens of thousands of rows share few dates, labels and numbers: each is rendered once.
    day = lru_cache(maxsize=None)(lambda d: render(d, lang) if d else "")
    word = lru_cache(maxsize=None)(lambda enum, code: render(label(enum(code)), lang) if code else "")
    niss, hours = lru_cache(maxsize=None)(format_niss), lru_cache(maxsize=None)(format_hours)
    yes_no = {None: "", True: render(t(N_("Yes")), lang), False: render(t(N_("No")), lang)}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([render(t(c), lang) for c in COLUMNS])
    for r in rows:
        writer.writerow([r.ticket, niss(r.niss), r.last_name, r.first_name, word(LeaveType, r.leave_type),
                         word(Regime, r.regime), day(r.start_date), day(r.end_date), day(filed_on(r)),
                         word(Status, r.status), r.office or "", word(Community, r.community),
                         format_bce(r.school_bce) if r.school_bce else "", word(StaffStatus, r.staff_status),
                         hours(r.hours_before), hours(r.fulltime_hours), day(r.notice_date), yes_no[r.rtt],
                         yes_no[r.employer_agreement], r.email or ""])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_view(session: Session, member: Member, state: dict, today: dt.date, lang: str) -> View:
    organisation = session.get(Organisation, member.organisation_id)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", organisation.name).strip("-")[:40] or organisation.bce
    data = export_csv(session, member, state, lang)
    return View([t(N_("The export of the requests matching your filters, with full NISS: keep it safe."))],
                document=Document(f"{slug}_{today.isoformat()}.csv", data=data))
