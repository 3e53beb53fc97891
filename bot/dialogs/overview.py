"""The overview screen: the organisation's requests, filtered, ten a page, and their CSV export."""
from __future__ import annotations

import logging

from pydantic import ValidationError
from sqlmodel import Session

from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.views import Button, View
from bot.dialogs.actions import (
    FILTERS,
    LISTED_REQUEST,
    OVERVIEW_DONE,
    OVERVIEW_EXPORT,
    OVERVIEW_MENU,
    OVERVIEW_PAGE,
    OVERVIEW_PERIOD,
    OVERVIEW_RESET,
    OVERVIEW_START,
    OVERVIEW_TOGGLE,
    table_button,
)
from bot.domain.errors import Invalid
from bot.domain.identifiers import mask_niss
from bot.domain.roles import Permission, roles_capacities
from bot.domain.words import KEY_WORD
from bot.export import EXPORT_WAIT, Exports
from bot.fsm.forms import error_line
from bot.i18n import N_, Capitalized, joined, t, tn
from bot.presentation.filters import FIELD, Filters, parse_filters, value_label, years_before
from bot.presentation.request_text import request_entry
from bot.storage import chat_store, request_store
from bot.usecases import requests as cases

log = logging.getLogger(__name__)
router = Router("overview")
PAGE = 10
def _query(session: Session, member, filters: Filters, offset=0, limit: int = PAGE):
    return request_store.requests_of(session, member.organisation_id, offset=offset, limit=limit, **filters.query())


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
    if filters.name:
        parts.append(t(N_("{name}: {values}"), name=t(KEY_WORD["name"]), values=filters.name))
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
        numbers.append(LISTED_REQUEST.button(str(index), request.ticket, "overview", page))
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
        lines += ["", t(N_("Tap a number to open that request. Ticket, NISS and name filters are typed, for example "
                           "/overview ticket=04W-002WSHH-7K-E, /overview niss=85.03.14-123.02 or /overview "
                           "name=Dubois Marc."))]
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
    screen = chat_store.screen(turn.session, turn.member, turn.inp.channel, turn.inp.chat_key)
    if screen.focus_request_id is not None:  # the list is on screen now, not a request: a document sent next
        screen.focus_request_id = screen.focus_at = None  # is attached to none
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
        "period_from": years_before(turn.today, years) if years else None, "period_to": None, "page": 0}))


@router.action(OVERVIEW_DONE, needs=Permission.FOLLOW)
def done(turn: Turn) -> View:
    return _changed(turn, lambda f: f)


@router.action(OVERVIEW_RESET, needs=Permission.FOLLOW)
def reset(turn: Turn) -> View:
    return _changed(turn, lambda f: default_filters(turn))


@router.action(OVERVIEW_EXPORT, needs=Permission.EXPORT)
def export(turn: Turn) -> View:
    """The export: the file is made after the turn and off the event loop (it may take seconds)."""
    exports = turn.options.process.setdefault("exports", Exports(turn.options.export_pause))
    _screen, filters = _filters(turn)
    try:
        document = cases.export(turn.session, turn.member, filters, turn.lang, exports, turn.today)
    except cases.Busy as busy:
        return View([t(EXPORT_WAIT, seconds=busy.seconds)])
    return View([t(N_("The export of the requests matching your filters, with full NISS: keep it safe."))],
                document=document)
