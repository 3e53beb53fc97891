"""The overview screen: the organisation's requests, filtered, ten a page, and their CSV export."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
import threading
import time
import unicodedata
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session

from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.views import Button, Document, View
from bot.dialogs.actions import (
    FILTERS,
    OVERVIEW_DONE,
    OVERVIEW_EXPORT,
    OVERVIEW_MENU,
    OVERVIEW_PAGE,
    OVERVIEW_PERIOD,
    OVERVIEW_RESET,
    OVERVIEW_START,
    OVERVIEW_TOGGLE,
    SHOW_REQUEST,
    table_button,
)
from bot.dialogs.questions import roles_capacities
from bot.dialogs.request_text import request_entry
from bot.domain.answers import aware, format_hours, local_today, parse_date
from bot.domain.errors import Invalid
from bot.domain.identifiers import format_bce, format_niss, mask_niss, parse_niss, parse_ticket
from bot.domain.leaves import Capacity, Community, LeaveType, Motive, Regime, StaffStatus, Status, label
from bot.domain.roles import Permission
from bot.domain.words import KEY_WORD, RESET_WORD, VALUE_WORD, plain, spellings
from bot.fsm.forms import error_line
from bot.i18n import N_, Capitalized, joined, render, t, tn
from bot.storage import repository
from bot.storage.models import Organisation

log = logging.getLogger(__name__)
router = Router("overview")
PAGE = 10
FIELD = {"type": "types", "form": "forms", "status": "statuses", "capacity": "capacities"}
# How a capacity reads as a filter (its label is the intake's "I act as ...").
FILTER_LABEL = {Capacity.PO: N_("as organising authority"), Capacity.OWN: N_("for the organisation's own staff")}


@lru_cache(maxsize=1)
def _typed_words() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """{spelling: key} and {key: {spelling: value code}}, built once from the catalogs."""
    keys = {spelling: key for key, word in KEY_WORD.items() for spelling in spellings(word, key)}
    keys |= {spelling: "reset" for spelling in spellings(RESET_WORD, "reset")}
    values = {key: {spelling: member.value for member in members
                    for spelling in spellings(VALUE_WORD[member], member.value)}
              for key, members in FILTERS.items()}
    return keys, values


def value_word(member) -> object:
    """A filter value as the user's language types it."""
    return t(VALUE_WORD[member])


def value_label(member) -> object:
    return t(FILTER_LABEL[member]) if member in FILTER_LABEL else label(member)


class Filters(BaseModel):
    """The overview's filters, kept per chat (stored as JSON with these keys)."""

    model_config = ConfigDict(populate_by_name=True)

    types: list[LeaveType] = []
    forms: list[Regime] = []
    statuses: list[Status] = []
    capacities: list[Capacity] = []
    period_from: dt.date | None = Field(default=None, alias="from")
    period_to: dt.date | None = Field(default=None, alias="to")
    ticket: str | None = None
    niss: str | None = None
    page: int = Field(default=0, ge=0)

    @classmethod
    def default(cls, today: dt.date, capacities=()) -> Filters:
        """The last two years; in the capacity the member files in first (an organising authority sees what it
        filed for the communities' staff, its own staff being a view of their own), when given."""
        return cls(period_from=_years_before(today, 2), capacities=list(capacities)[:1])

    def stored(self) -> dict:
        return self.model_dump(mode="json", by_alias=True)

    def query(self) -> dict:
        return dict(types=[v.value for v in self.types], regimes=[v.value for v in self.forms],
                    statuses=[v.value for v in self.statuses], capacities=[v.value for v in self.capacities],
                    period_from=self.period_from,
                    period_to=self.period_to, ticket=self.ticket, niss=self.niss)

    def described(self) -> dict:
        """For the audit of an export: what was asked, the NISS masked."""
        return {k: v for k, v in self.stored().items() if v and k != "page"} | (
            {"niss": mask_niss(self.niss)} if self.niss else {})


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def parse_filters(text: str, filters: Filters, today: dt.date, default: Filters | None = None) -> Filters:
    """`status=waiting,processing type=parental from=01/09/2024`, or the same in the user's language
    (`statut=attente du=01/09/2024`) → new filters; raises Invalid."""
    filters = filters.model_copy(update={"page": 0})
    keys, values = _typed_words()
    for word in text.split():
        key, sep, value = word.partition("=")
        key = keys.get(plain(key))
        if key == "reset" and not sep:
            filters = default or Filters.default(today)
            continue
        if not sep or not value:
            raise Invalid(N_("I did not understand \"{word}\". Write filters as key=value, for example "
                             "/overview status=waiting type=parental from=01/09/2024."), word=word[:40])
        if key in FILTERS:
            codes = [c.strip() for c in value.split(",") if c.strip()]
            wrong = [c for c in codes if plain(c) not in values[key]]
            if wrong:
                raise Invalid(N_("\"{value}\" is not a {key} I know. Possible values: {allowed}."),
                              value=wrong[0][:30], key=t(KEY_WORD[key]),
                              allowed=joined([value_word(member) for member in FILTERS[key]]))
            chosen = list(dict.fromkeys(values[key][plain(c)] for c in codes))
            filters = filters.model_copy(update={FIELD[key]: [type(FILTERS[key][0])(c) for c in chosen]})
        elif key in ("from", "to"):
            day = None if value.lower() in ("-", "all") else parse_date(value, today)
            filters = filters.model_copy(update={"period_from" if key == "from" else "period_to": day})
        elif key == "ticket":
            filters = filters.model_copy(update={"ticket": parse_ticket(value)})
        elif key == "niss":
            filters = filters.model_copy(update={"niss": parse_niss(value).number})
        else:
            raise Invalid(N_("There is no filter \"{key}\". Filters: {filters}."), key=word.partition("=")[0][:20],
                          filters=joined([t(word) for word in (*KEY_WORD.values(), RESET_WORD)]))
    return filters


def _query(session: Session, member, filters: Filters, offset=0, limit: int = PAGE):
    return repository.requests_of(session, member.organisation_id, offset=offset, limit=limit, **filters.query())


def active_filters(filters: Filters) -> object:
    parts = []
    for key in FILTERS:
        values = getattr(filters, FIELD[key])
        if values:
            parts.append(t(N_("{name}: {values}"), name=t(KEY_WORD[key]),
                           values=joined([value_label(v) for v in values])))
    if filters.period_from and filters.period_to:
        parts.append(t(N_("from {start} to {end}"), start=filters.period_from, end=filters.period_to))
    elif filters.period_from:
        parts.append(t(N_("from {start}"), start=filters.period_from))
    elif filters.period_to:
        parts.append(t(N_("until {end}"), end=filters.period_to))
    if filters.ticket:
        parts.append(t(N_("ticket {ticket}"), ticket=filters.ticket))
    if filters.niss:
        parts.append(t(N_("NISS {niss}"), niss=mask_niss(filters.niss)))
    if not parts:
        return t(N_("Filters: none (all periods)."))
    return t(N_("Filters: {filters}."), filters=joined(parts, " · "))


def page_view(session: Session, member, filters: Filters, replace=False, notes: list | None = None,
              webapp_url: str | None = None) -> View:
    rows, total = _query(session, member, filters, offset=filters.page * PAGE)
    pages = max(1, -(-total // PAGE))
    page = min(filters.page, pages - 1)
    if page != filters.page:  # past the end (the list shrank, or a forged page): the last page
        filters.page = page
        rows, total = _query(session, member, filters, offset=page * PAGE)
    lines = [*(notes or []),
             tn("Overview: {n} request found", "Overview: {n} requests found", total), active_filters(filters)]
    if total:
        lines.append(t(N_("Page {page} of {pages}, newest first."), page=page + 1, pages=pages))
    numbers = []
    for index, request in enumerate(rows, 1 + page * PAGE):
        lines += ["", *request_entry(index, request)]
        numbers.append(SHOW_REQUEST.button(str(index), request.ticket))
    buttons = [numbers[i:i + 5] for i in range(0, len(numbers), 5)]
    paging = []
    if page > 0:
        paging.append(OVERVIEW_PAGE.button(t(N_("◀ Previous")), page - 1))
    if page + 1 < pages:
        paging.append(OVERVIEW_PAGE.button(t(N_("Next ▶")), page + 1))
    if paging:
        buttons.append(paging)
    buttons.append([OVERVIEW_MENU.button(t(N_("Type")), "type"), OVERVIEW_MENU.button(t(N_("Form")), "form"),
                    OVERVIEW_MENU.button(t(N_("Status")), "status")])
    buttons.append([OVERVIEW_MENU.button(t(N_("Capacity")), "capacity"),
                    OVERVIEW_MENU.button(t(N_("Period")), "period")])
    buttons.append([OVERVIEW_RESET.button(t(N_("Reset filters"))), OVERVIEW_EXPORT.button(t(N_("⬇ Export (CSV)")))])
    buttons += table_button(webapp_url)
    if not total:
        lines.append(t(N_("No request matches these filters. Change or reset them, or type /new to file a "
                          "request.")))
    else:
        lines += ["", t(N_("Tap a number to open that request. Ticket and NISS filters are typed, for example "
                           "/overview ticket=04W-002WSHH-7K-E or /overview niss=85.03.14-123.02."))]
    return View(lines, buttons, replace)


def filter_view(filters: Filters, key: str) -> View:
    if key == "period":
        return View([t(N_("Which period? Requests are shown when they overlap it. For other dates type, for example, "
                          "/overview from=01/09/2024 to=31/08/2025."))],
                    [[OVERVIEW_PERIOD.button(t(N_("Last two years")), "2y"),
                      OVERVIEW_PERIOD.button(t(N_("Last 12 months")), "1y")],
                     [OVERVIEW_PERIOD.button(t(N_("All periods")), "all")], [OVERVIEW_DONE.button(t(N_("Done")))]],
                    replace=True)
    chosen = set(getattr(filters, FIELD[key]))
    buttons: list[list[Button]] = [
        [OVERVIEW_TOGGLE.button([("☑ " if c in chosen else "☐ "), Capitalized(value_label(c))], key, c.value)]
        for c in FILTERS[key]]
    buttons.append([OVERVIEW_DONE.button(t(N_("Done")))])
    return View([t(N_("Tap to select or unselect, then Done. Nothing selected means all."))], buttons, replace=True)


# --- the chat's filters, and what the buttons do --------------------------------------------------------------

def default_filters(turn: Turn) -> Filters:
    return Filters.default(turn.today, roles_capacities(turn.member.role_set))


def _filters(turn: Turn):
    screen = repository.screen(turn.session, turn.member, turn.inp.channel, turn.inp.chat_key)
    try:
        filters = Filters.model_validate(screen.overview) if screen.overview else default_filters(turn)
    except ValidationError:  # stored by an older version: start from the defaults
        filters = default_filters(turn)
    return screen, filters


def _keep(screen, filters: Filters) -> None:
    screen.overview = filters.stored()


@router.command("overview", menu=N_("Your organisation's requests, with filters"),
                help=N_("/overview: all your organisation's requests, with filters, pages and a CSV export"),
                needs=Permission.FOLLOW)
def overview(turn: Turn) -> View:
    screen, filters = _filters(turn)
    try:
        filters = parse_filters(turn.inp.text[:500], filters, turn.today, default_filters(turn))
    except Invalid as wrong:
        return page_view(turn.session, turn.member, filters, notes=[error_line(wrong)],
                         webapp_url=turn.options.webapp_url)
    view = page_view(turn.session, turn.member, filters, webapp_url=turn.options.webapp_url)
    _keep(screen, filters)
    return view


@router.action(OVERVIEW_START, needs=Permission.FOLLOW)
def overview_button(turn: Turn) -> View:
    screen, filters = _filters(turn)
    return page_view(turn.session, turn.member, filters, webapp_url=turn.options.webapp_url)


def _changed(turn: Turn, change) -> View:
    screen, filters = _filters(turn)
    filters = change(filters)
    view = page_view(turn.session, turn.member, filters, replace=True, webapp_url=turn.options.webapp_url)
    _keep(screen, filters)
    return view


@router.action(OVERVIEW_PAGE, needs=Permission.FOLLOW)
def page(turn: Turn, number: int) -> View:
    return _changed(turn, lambda f: f.model_copy(update={"page": number}))


@router.action(OVERVIEW_MENU, needs=Permission.FOLLOW)
def menu(turn: Turn, key: str) -> View:
    return filter_view(_filters(turn)[1], key)


@router.action(OVERVIEW_TOGGLE, needs=Permission.FOLLOW)
def toggle(turn: Turn, key: str, value: str) -> View:
    screen, filters = _filters(turn)
    if value not in {c.value for c in FILTERS[key]}:
        return page_view(turn.session, turn.member, filters, replace=True, webapp_url=turn.options.webapp_url)
    chosen = getattr(filters, FIELD[key])
    kind = type(FILTERS[key][0])
    chosen = [c for c in chosen if c != value] if value in chosen else [*chosen, kind(value)]
    filters = filters.model_copy(update={FIELD[key]: chosen, "page": 0})
    _keep(screen, filters)
    return filter_view(filters, key)


@router.action(OVERVIEW_PERIOD, needs=Permission.FOLLOW)
def period(turn: Turn, code: str) -> View:
    years = {"2y": 2, "1y": 1}.get(code)
    return _changed(turn, lambda f: f.model_copy(update={
        "period_from": _years_before(turn.today, years) if years else None, "period_to": None, "page": 0}))


@router.action(OVERVIEW_DONE, needs=Permission.FOLLOW)
def done(turn: Turn) -> View:
    return _changed(turn, lambda f: f)


@router.action(OVERVIEW_RESET, needs=Permission.FOLLOW)
def reset(turn: Turn) -> View:
    return _changed(turn, lambda f: default_filters(turn))


@router.action(OVERVIEW_EXPORT, needs=Permission.EXPORT)
def export(turn: Turn) -> View:
    exports = turn.options.process.setdefault("exports", Exports(turn.options.export_pause))
    wait = exports.start(turn.member.id)
    if wait:
        return View([t(EXPORT_WAIT, seconds=wait)])
    _screen, filters = _filters(turn)
    view = export_view(turn, filters, exports)
    repository.audit(turn.session, turn.member, "exported", detail=json_of(filters.described()))
    return view


def json_of(value: dict) -> str:
    return json.dumps(value, sort_keys=True)


# One column per fact, each named once in every language (the request's status is "Status"; the worker's is named
# apart, French calling both "statut").
COLUMNS = (N_("Ticket"), N_("NISS"), N_("Last name"), N_("First name"), N_("Leave"), N_("Form"), N_("Start date"),
           N_("End date"), N_("Filed on"), N_("Status"), N_("ONEM office"), N_("Community"), N_("School"),
           N_("School's enterprise number (BCE)"), N_("Worker's staff status"), N_("Working time before"),
           N_("Full-time schedule"), N_("Written notice"), N_("RTT scheme"), N_("Employer's agreement"), N_("E-mail"),
           N_("Case or motive"))


def cell(text: str | None) -> str:
    """A typed value as a spreadsheet cell that cannot run: one that a spreadsheet would read as a formula (=, +,
    -, @, a tab or a carriage return first) gets a leading apostrophe, as OWASP advises for CSV files."""
    if not text:
        return ""
    return "'" + text if text[0] in "=+-@\t\r" else text


def export_csv(session: Session, member, filters: Filters, lang: str) -> bytes:
    """Every matching request, every column, full NISS: UTF-8 with a BOM and semicolons, as Belgian Excel reads it."""
    rows = repository.request_rows(session, member.organisation_id, **filters.query())
    # Tens of thousands of rows share few dates, labels and numbers: each is rendered once.
    day = lru_cache(maxsize=None)(lambda d: render(d, lang) if d else "")
    word = lru_cache(maxsize=None)(lambda enum, code: render(Capitalized(label(enum(code))), lang) if code else "")
    niss, hours, school = (lru_cache(maxsize=None)(format_niss), lru_cache(maxsize=None)(format_hours),
                           lru_cache(maxsize=None)(lambda bce: format_bce(bce) if bce else ""))
    school_names = {s.bce: s.name for s in repository.schools_of(session.connection(), member.organisation_id)}
    # Brussels is a whole number of hours from UTC: the day of a filing depends only on its hour (SQLite gives the
    # stored text, whose first 13 characters are that hour; PostgreSQL a datetime).
    filed = lru_cache(maxsize=None)(lambda hour: day(local_today(
        dt.datetime.fromisoformat(hour + ":00").replace(tzinfo=dt.UTC) if isinstance(hour, str) else aware(hour))))
    yes_no = {None: "", True: render(t(N_("Yes")), lang), False: render(t(N_("No")), lang)}

    office_name = lru_cache(maxsize=None)(lambda office: cell(render(t(office), lang)) if office else "")
    periods = lru_cache(maxsize=None)(lambda n: render(tn("{n} period", "{n} periods", n), lang))

    def line(r) -> list:
        (ticket, number, last, first, leave, regime, start, end, filed_at, status, office, community, bce, staff,
         before, fulltime, notice, rtt, agreement, email, motive, unit) = r
        time = (f"{before}/{fulltime}", periods(fulltime)) if unit == "periods" else (hours(before), hours(fulltime))
        return [ticket, niss(number), cell(last), cell(first), word(LeaveType, leave), word(Regime, regime),
                day(start), day(end), filed(filed_at[:13] if isinstance(filed_at, str) else
                                            filed_at.replace(minute=0, second=0, microsecond=0)),
                word(Status, status), office_name(office), word(Community, community), cell(school_names.get(bce, "")),
                school(bce), word(StaffStatus, staff),
                *time, day(notice), yes_no[rtt], yes_no[agreement], cell(email), word(Motive, motive)]

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([render(t(c), lang) for c in COLUMNS])
    writer.writerows(map(line, rows))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


EXPORT_WAIT = N_("An export of yours is being made or was made a moment ago: try again in {seconds} s.")


class Exports:
    """One export at a time per member, and a pause between two: an export reads every matching request, and one
    user must not keep the others waiting. Kept by this process (several processes each apply it)."""

    STALE = 300.0  # an export whose turn failed is never made: after this, it no longer counts as running

    def __init__(self, pause: float = 10.0):
        self.pause, self._lock = pause, threading.Lock()
        self._running: dict[int, float] = {}
        self._finished: dict[int, float] = {}

    def start(self, member_id: int) -> int:
        """0 when this member may export now (and is then counted as exporting), else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            if now - self._running.get(member_id, -self.STALE) < self.STALE:
                return round(self.pause)
            waited = now - self._finished.get(member_id, -self.pause)
            if waited < self.pause:
                return max(1, round(self.pause - waited))
            self._running[member_id] = now
            return 0

    def finish(self, member_id: int) -> None:
        with self._lock:
            self._running.pop(member_id, None)
            self._finished[member_id] = time.monotonic()


def export_filename(organisation: Organisation, today: dt.date) -> str:
    """An ASCII file name every system keeps as it is: accents dropped, not the letter ("Données" -> "Donnees")."""
    ascii_name = unicodedata.normalize("NFKD", organisation.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-")[:40] or organisation.bce
    return f"{slug}_{today.isoformat()}.csv"


def export_view(turn: Turn, filters: Filters, exports: Exports) -> View:
    """The export, made after the turn and off the event loop (it may take seconds), in its own session."""
    organisation = turn.session.get(Organisation, turn.member.organisation_id)
    db, member, lang = turn.connection.engine, turn.member, turn.lang

    def produce() -> bytes:
        try:
            with Session(db) as session:
                return export_csv(session, member, filters, lang)
        finally:
            exports.finish(member.id)

    return View([t(N_("The export of the requests matching your filters, with full NISS: keep it safe."))],
                document=Document(export_filename(organisation, turn.today), produce=produce))
