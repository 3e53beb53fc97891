"""The Mini App's web server: one page (three files of ours, nothing from elsewhere) and a JSON API.

Every call says who is asking (see bot.webapp.auth); the member is looked up on each call, so a revoked member is
refused at once, and every read is scoped to the member's organisation and checked against the role matrix, as in
the chat. The handlers are plain functions: Starlette runs them in its thread pool, on the engine's database.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import html
import json
import logging
import re
import secrets
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Match, Route

from bot import documents, metrics
from bot.domain.answers import local_today
from bot.domain.errors import Invalid
from bot.domain.identifiers import mask_niss, parse_niss, parse_ticket
from bot.domain.leaves import UNDECIDED, Capacity, LeaveType, Regime, Status, label
from bot.domain.roles import Permission, roles_capacities
from bot.export import EXPORT_WAIT, Exports, export_filename
from bot.i18n import LANGUAGES, Capitalized, render, resolve_language, t
from bot.presentation.filters import FILTERS, Filters, value_label
from bot.presentation.history import event_line
from bot.presentation.request_text import filed_on, request_lines
from bot.storage import organisation_store, request_store
from bot.storage.database import BEGIN
from bot.storage.models import LeaveRequest, Organisation, utcnow
from bot.storage.turns import Actor
from bot.usecases import requests as cases
from bot.webapp import texts
from bot.webapp.auth import Identity, LocalLinks, check_init_data

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
SECURITY_HEADERS = {
    # Everything the page uses is ours; Telegram shows it in a frame of its web client.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'self' "
                               "https://web.telegram.org https://*.telegram.org",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass
class WebOptions:
    db: Engine
    bot_token: str | None = None  # checks Telegram's launch data; None: no Telegram identities
    local: LocalLinks | None = None  # the terminal's one-time links; None: not offered
    default_locale: str = "fr"
    attachments_dir: Path = Path("data") / "attachments"
    bot_username: str | None = None  # for the link back to the chat
    now: Callable[[], dt.datetime] = field(default=utcnow)
    exports: Exports = field(default_factory=Exports)  # one export at a time per member, and a pause between two
    # The bot sends a file into a member's chat: (Telegram user id, file name, bytes); None: not offered.
    send_document: Callable[[str, str, bytes], None] | None = None
    # Signs the short-lived download links; derived from the bot's token, so that every process of one bot accepts
    # the links of the others; random (this process alone) without one.
    link_key: bytes | None = None
    mail_enabled: bool = False  # a mail server: the worker's e-mail may be sent again
    metrics_token: str | None = None  # /metrics answers a request bearing this token; None: /metrics is off

    def __post_init__(self):
        if self.link_key is None:
            self.link_key = (hmac.new(b"breakbot-download-links", self.bot_token.encode(), hashlib.sha256).digest()
                             if self.bot_token else secrets.token_bytes(32))


class Refusal(Exception):
    def __init__(self, status: int, message: object):
        super().__init__(status)
        self.status, self.message = status, message


# --- who is asking --------------------------------------------------------------------------------------------

def _identity(options: WebOptions, request: Request) -> Identity | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    scheme = scheme.lower()
    if scheme == "tma" and options.bot_token:
        return check_init_data(credentials.strip(), options.bot_token, options.now().timestamp())
    if scheme == "local" and options.local is not None:
        return options.local.identity(credentials.strip())
    return None


def _member(options: WebOptions, session: Session, request: Request) -> tuple[Actor, str]:
    """The member asking and the language to answer in; 401 for anyone else, whatever they send."""
    identity = _identity(options, request)
    member = organisation_store.member_for(session, identity.channel, identity.user_key) if identity else None
    if member is None:
        raise Refusal(401, t(texts.NOT_SIGNED_IN))
    actor = Actor.of(member, session.get(Organisation, member.organisation_id))
    # As in the chat: the member's choice, else the language of their Telegram (or of their terminal), else ours.
    lang = request.state.lang = resolve_language(member, identity.language_code, options.default_locale)
    return actor, lang


def _needs(member: Actor, permission: Permission) -> None:
    if not member.may(permission):
        raise Refusal(403, t(texts.NOT_ALLOWED))


# --- reading the table's query ----------------------------------------------------------------------------------

def _codes(params: Mapping, name: str, enum) -> list:
    raw = params.get(name, "")
    try:
        return [enum(code) for code in raw.split(",") if code]
    except ValueError:
        raise Refusal(400, t(texts.BAD_FILTER, name=name)) from None


def _day(params: Mapping, name: str) -> dt.date | None:
    raw = params.get(name, "")
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise Refusal(400, t(texts.BAD_FILTER, name=name)) from None


def _filters(params: Mapping, member: Actor | None = None) -> tuple[Filters, request_store.Search | None]:
    """The filters of the query string, and what to search: a whole ticket or NISS typed in the search box is that
    filter instead; the beginning of one (dots, dashes and spaces or not) is searched as such, the beginning of a
    NISS only by a member who may read NISS numbers (others could learn one digit at a time); words without digits
    are a name, its words in either order (and a ticket's beginning too, as tickets may begin with letters)."""
    filters = Filters(types=_codes(params, "type", LeaveType), forms=_codes(params, "form", Regime),
                      statuses=_codes(params, "status", Status), capacities=_codes(params, "capacity", Capacity),
                      period_from=_day(params, "from"), period_to=_day(params, "to"))
    # Control characters (a NUL, which PostgreSQL refuses in text) are nothing anyone searches for.
    typed = "".join(ch for ch in params.get("q", "") if unicodedata.category(ch) != "Cc")
    search = " ".join(typed.split())[:64]
    if not search:
        return filters, None
    try:
        filters.ticket = parse_ticket(search)
        return filters, None
    except Invalid:
        pass
    try:
        filters.niss = parse_niss(search).number
        return filters, None
    except Invalid:
        pass
    digits = "".join(ch for ch in search if ch.isdigit())
    niss = (digits if re.fullmatch(r"[0-9 ./-]+", search) and len(digits) <= 11
            and (member is None or member.may(Permission.READ_NISS)) else None)
    compact = search.replace("-", "").upper()  # a ticket's beginning: letters and digits, dashes or not
    ticket = (request_store.ticket_prefix(compact) if re.fullmatch(r"[0-9A-Z]{1,13}", compact)
              and (digits or len(compact) >= 3) else None)
    return filters, request_store.Search(name=None if digits else search, niss_prefix=niss, ticket_prefix=ticket)


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(request.query_params.get(name, default))))
    except ValueError:
        raise Refusal(400, t(texts.BAD_FILTER, name=name)) from None


# --- the answers ------------------------------------------------------------------------------------------------

def _row(request: LeaveRequest, lang: str) -> dict:
    return {"ticket": request.ticket, "name": f"{request.last_name.upper()} {request.first_name}",
            "niss": mask_niss(request.niss),
            "type": render(Capitalized(label(LeaveType(request.leave_type))), lang),
            "form": render(Capitalized(label(Regime(request.regime))), lang),
            "start": render(request.start_date, lang), "end": render(request.end_date, lang),
            "filed": render(filed_on(request), lang), "status": request.status,
            "status_label": render(Capitalized(label(Status(request.status))), lang),
            "office": render(t(request.office), lang) if request.office else ""}


def _options(lang: str) -> dict:
    """Each filter's values as the chat's filter buttons name them."""
    return {key: [{"code": m.value, "label": render(Capitalized(value_label(m)), lang)} for m in members]
            for key, members in FILTERS.items()}


def me(options: WebOptions, request: Request, session: Session) -> Response:
    member, lang = _member(options, session, request)
    today = local_today(options.now())
    default = Filters.default(today, roles_capacities(member.role_set))
    return JSONResponse({
        "name": member.display_name or member.user_key, "organisation": member.organisation_name, "lang": lang,
        "languages": list(LANGUAGES),
        "texts": {key: render(t(text), lang) for key, text in texts.UI.items()},
        "options": _options(lang),
        "defaults": {"status": "", "type": "", "form": "",
                     "capacity": default.capacities[0].value if default.capacities else "",
                     "from": default.period_from.isoformat() if default.period_from else "", "to": ""},
        "may": {"follow": member.may(Permission.FOLLOW), "export": member.may(Permission.EXPORT),
                "cancel": member.may(Permission.CANCEL), "modify": member.may(Permission.MODIFY)},
        "page_size": PAGE_SIZE})


def table(options: WebOptions, request: Request, session: Session) -> Response:
    member, lang = _member(options, session, request)
    _needs(member, Permission.FOLLOW)
    filters, search = _filters(request.query_params, member)
    sort = request.query_params.get("sort", "filed")
    if sort not in request_store.SORTS:
        raise Refusal(400, t(texts.BAD_FILTER, name="sort"))
    descending = request.query_params.get("dir", "desc") != "asc"
    size = _int(request, "size", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page = _int(request, "page", 0, 0, 100_000)
    counts = request_store.status_counts(session, member.organisation_id, search=search, **filters.query())
    total = sum(n for status, n in counts.items() if not filters.statuses or status in filters.statuses)
    rows = request_store.requests_table(session, member.organisation_id, sort=sort, descending=descending,
                                     offset=page * size, limit=size, search=search, **filters.query())
    return JSONResponse({"total": total, "page": page, "pages": max(1, -(-total // size)), "size": size,
                         "counts": [{"code": s.value, "label": render(Capitalized(label(s)), lang),
                                     "count": counts.get(s.value, 0)} for s in Status],
                         "rows": [_row(r, lang) for r in rows]})


def _request(session: Session, member: Actor, ticket_text: str) -> LeaveRequest:
    """A request of the member's organisation; any other ticket gets the answer of one that does not exist."""
    try:
        ticket = parse_ticket(ticket_text[:64])
    except Invalid:
        raise Refusal(404, t(texts.NO_SUCH_REQUEST)) from None
    found = request_store.request_by_ticket(session, member.organisation_id, ticket)
    if found is None:
        raise Refusal(404, t(texts.NO_SUCH_REQUEST))
    return found


def _detail(options: WebOptions, session: Session, member: Actor, found: LeaveRequest, lang: str) -> dict:
    reveal = member.may(Permission.READ_NISS)
    documents = [{"kind": "receipt", "name": render(t(texts.RECEIPT), lang)}]
    documents += [{"kind": "onem" if a.member_id is None else "sent", "id": a.id, "name": a.filename,
                   "size": a.size} for a in request_store.attachments_of(session, found)]
    undecided = found.status in UNDECIDED
    telegram = options.bot_username and member.channel == "telegram"
    chat = f"https://t.me/{options.bot_username}?start=ticket-{found.ticket}" if telegram else None
    # One tap to the modification: the chat answers /start modify-<ticket> with the request's first question.
    modify = f"https://t.me/{options.bot_username}?start=modify-{found.ticket}" if telegram else None
    return {"ticket": found.ticket, "status": found.status,
            "status_label": render(Capitalized(label(Status(found.status))), lang),
            "office": render(t(found.office), lang) if found.office else "", "filed": render(filed_on(found), lang),
            "lines": [render(line, lang) for line in request_lines(session, found, member.organisation_name,
                                                                   reveal=reveal)],
            "history": [render(event_line(session, e), lang) for e in request_store.history_of(session, found)],
            "documents": documents,
            "may_cancel": undecided and member.may(Permission.CANCEL),
            "may_modify": undecided and member.may(Permission.MODIFY),
            "may_mail_worker": bool(options.mail_enabled and found.email and found.status == Status.WAITING
                                    and member.may(Permission.MAIL_WORKER)),
            "chat_link": chat, "modify_link": modify,
            "modify_hint": render(t(texts.MODIFY_IN_CHAT if chat else texts.MODIFY_IN_TERMINAL,
                                    ticket=found.ticket), lang)}


def _writing(session: Session) -> None:
    """What follows writes: on SQLite its transaction takes the write lock first, waiting for it like a turn does
    (a read that then writes fails at once when a chat committed in between). Nothing on PostgreSQL."""
    session.connection(execution_options={BEGIN: "BEGIN IMMEDIATE"})


def detail(options: WebOptions, request: Request, session: Session) -> Response:
    member, lang = _acting(options, request, session, Permission.FOLLOW)
    try:
        found = cases.consult(session, member, parse_ticket(request.path_params["ticket"][:64]))
    except Invalid:
        found = None
    if found is None:
        raise Refusal(404, t(texts.NO_SUCH_REQUEST))
    shown = _detail(options, session, member, found, lang)
    session.commit()
    return JSONResponse(shown)


def _acting(options: WebOptions, request: Request, session: Session, permission: Permission) -> tuple[Actor, str]:
    """Who asks, checked in a short read of its own; what follows is a use case that writes (its audit line at
    least), in a transaction that takes SQLite's write lock first, like a turn."""
    member, lang = _member(options, session, request)
    _needs(member, permission)
    session.commit()
    _writing(session)
    return member, lang


def cancel(options: WebOptions, request: Request, session: Session) -> Response:
    member, lang = _acting(options, request, session, Permission.CANCEL)
    found = _request(session, member, request.path_params["ticket"])
    try:
        cases.cancel(session, member, found, "Mini App")
    except cases.TooLate:
        session.rollback()
        raise Refusal(409, t(texts.TOO_LATE, ticket=found.ticket, status=Capitalized(label(Status(found.status)))))
    session.commit()
    return JSONResponse(_detail(options, session, member, found, lang))


def mail_worker(options: WebOptions, request: Request, session: Session) -> Response:
    """The worker's e-mail queued again, as from the chat's button; the request as it is now, with what was done."""
    member, lang = _acting(options, request, session, Permission.MAIL_WORKER)
    found = _request(session, member, request.path_params["ticket"])
    try:
        mail = cases.send_worker_mail(session, member, found, lang, options.now(), mail_enabled=options.mail_enabled)
    except cases.Unacceptable as wrong:
        session.rollback()
        raise Refusal(409, wrong.message) from None
    except cases.Busy:
        session.rollback()
        raise Refusal(429, t(cases.WORKER_MAIL_WAIT, minutes=cases.WORKER_MAIL_PAUSE // dt.timedelta(minutes=1))) \
            from None
    session.commit()
    return JSONResponse(_detail(options, session, member, found, lang) |
                        {"message": render(t(cases.WORKER_MAIL_QUEUED, email=mail.recipient), lang)})


# --- files: the acknowledgement, a document, the export ------------------------------------------------------
# Each is fetched three ways: by the page itself with its credentials (a plain browser saves it); through a short-lived
# link signed for one member, which Telegram's own downloader fetches without the page's credentials (downloadFile,
# Bot API 8.0); or sent by the bot into the member's chat (older Telegram clients, which cannot save a page's file).

FILE_KINDS = ("receipt", "document", "export")
LINK_SECONDS = 300


def _number(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else 0  # an id, never beyond 2**31


def _export_filters(member: Actor, query: str) -> Filters:
    filters, search = _filters(QueryParams(query), member)
    if search:  # the chat's export has no name search: the file is the chat's, for the same filters
        raise Refusal(400, t(texts.EXPORT_NO_SEARCH))
    return filters


def _file_name(options: WebOptions, session: Session, member: Actor, lang: str, kind: str, target: str) -> str:
    """The file's name, checking that it is there and the member may have it (nothing is audited yet)."""
    if kind == "receipt":
        from bot.receipt import receipt_filename  # fpdf2 is loaded only when someone asks for an acknowledgement

        _needs(member, Permission.FOLLOW)
        return receipt_filename(_request(session, member, target).ticket, lang)
    if kind == "document":
        _needs(member, Permission.FOLLOW)
        attachment = request_store.attachment_by_id(session, member.organisation_id, _number(target))
        if attachment is None:
            raise Refusal(404, t(texts.NO_DOCUMENT))
        owner = request_store.request_by_id(session, member.organisation_id, attachment.request_id)
        return documents.attachment_name(attachment, owner.ticket)
    _needs(member, Permission.EXPORT)
    _export_filters(member, target)
    return export_filename(session.get(Organisation, member.organisation_id), local_today(options.now()))


def _made(options: WebOptions, session: Session, member: Actor, lang: str, kind: str, target: str
          ) -> tuple[bytes, str, str]:
    """The file's bytes, name and type, made by its use case (which audits it), in a transaction that writes."""
    if kind == "export":
        _needs(member, Permission.EXPORT)
        filters = _export_filters(member, target)
    session.commit()
    _writing(session)
    if kind == "receipt":
        _needs(member, Permission.FOLLOW)
        made = cases.receipt(session, member, _request(session, member, target), lang)
        session.commit()
        return made.data, made.filename, "application/pdf"
    if kind == "document":
        found = cases.document(session, member, _number(target), options.attachments_dir)
        if found is None or found[2].data is None:  # no such document here, or its file is gone
            session.rollback()
            raise Refusal(404, t(texts.NO_DOCUMENT))
        attachment, _request_of, made = found
        session.commit()
        return made.data, made.filename, attachment.mime
    try:
        made = cases.export(session, member, filters, lang, options.exports, local_today(options.now()))
    except cases.Busy as busy:
        session.rollback()
        raise Refusal(429, t(EXPORT_WAIT, seconds=busy.seconds)) from None
    session.commit()  # the audit line; the file is read in a session of its own
    return made.produce(), made.filename, "text/csv; charset=utf-8"


def _file(data: bytes, name: str, mime: str) -> Response:
    return Response(data, media_type=mime, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                    "Cache-Control": "no-store"})


def _served(options: WebOptions, request: Request, session: Session, kind: str, target: str) -> Response:
    member, lang = _member(options, session, request)
    data, name, mime = _made(options, session, member, lang, kind, target)
    return _file(data, name, mime)


def receipt(options: WebOptions, request: Request, session: Session) -> Response:
    return _served(options, request, session, "receipt", request.path_params["ticket"])


def document(options: WebOptions, request: Request, session: Session) -> Response:
    return _served(options, request, session, "document", request.path_params["number"])


def export(options: WebOptions, request: Request, session: Session) -> Response:
    return _served(options, request, session, "export", request.url.query)


def _asked(request: Request) -> tuple[str, str]:
    kind, target = request.query_params.get("kind"), request.query_params.get("target", "")
    if kind not in FILE_KINDS or len(target) > 2000:
        raise Refusal(400, t(texts.BAD_FILTER, name="kind"))
    return kind, target


def file_link(options: WebOptions, request: Request, session: Session) -> Response:
    """A link to the file that works without the page's credentials, for one member and a few minutes: what
    Telegram's downloader fetches."""
    member, lang = _member(options, session, request)
    kind, target = _asked(request)
    name = _file_name(options, session, member, lang, kind, target)
    until = int(options.now().timestamp()) + LINK_SECONDS
    token = _sign(options, {"m": member.id, "o": member.organisation_id, "k": kind, "t": target, "l": lang,
                            "u": until})
    return JSONResponse({"url": f"/api/download/{token}", "file_name": name, "expires_in": LINK_SECONDS})


def download(options: WebOptions, request: Request, session: Session) -> Response:
    """A signed link's file: the member it was made for, still a member, within its minutes."""
    fields = _unsigned(options, request.path_params["token"])
    if fields is None:
        raise Refusal(401, t(texts.NOT_SIGNED_IN))
    if fields["l"] in LANGUAGES:  # the refusals below are said in the language the link was made in
        request.state.lang = fields["l"]
    if fields["u"] < options.now().timestamp():
        raise Refusal(410, t(texts.LINK_EXPIRED))
    found = organisation_store.member_of_organisation(session, fields["o"], fields["m"])
    if found is None:
        raise Refusal(401, t(texts.NOT_SIGNED_IN))
    member = Actor.of(found, session.get(Organisation, found.organisation_id))
    request.state.lang = fields["l"]
    data, name, mime = _made(options, session, member, fields["l"], fields["k"], fields["t"])
    return _file(data, name, mime)


def send_file(options: WebOptions, request: Request, session: Session) -> Response:
    """The file sent by the bot into the member's chat with it: for Telegram clients that cannot save a file."""
    member, lang = _member(options, session, request)
    kind, target = _asked(request)
    if options.send_document is None or member.channel != "telegram":
        raise Refusal(409, t(texts.CANNOT_SEND))
    data, name, _mime = _made(options, session, member, lang, kind, target)
    try:
        options.send_document(member.user_key, name, data)
    except Exception:
        log.exception("Mini App could not send a %s into the chat", kind)
        raise Refusal(502, t(texts.CANNOT_SEND)) from None
    return JSONResponse({"sent": name, "message": render(t(texts.SENT, name=name), lang)})


def _sign(options: WebOptions, fields: dict) -> str:
    body = base64.urlsafe_b64encode(json.dumps(fields, separators=(",", ":")).encode()).decode().rstrip("=")
    digest = hmac.new(options.link_key, body.encode(), hashlib.sha256).digest()
    return f"{body}.{base64.urlsafe_b64encode(digest).decode().rstrip('=')}"


def _unsigned(options: WebOptions, token: str) -> dict | None:
    body, _, given = token[:4000].partition(".")
    digest = hmac.new(options.link_key, body.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(given.encode(), base64.urlsafe_b64encode(digest).rstrip(b"=")):
        return None
    try:
        fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    return fields if isinstance(fields, dict) and set(fields) == {"m", "o", "k", "t", "l", "u"} else None


def glance(options: WebOptions, request: Request, session: Session) -> Response:
    """At a glance: the requests filed in each of the last twelve months (this one included), oldest first."""
    member, _lang = _member(options, session, request)
    _needs(member, Permission.FOLLOW)
    today = local_today(options.now())
    months = today.year * 12 + today.month - 1
    # 13 boundaries: the first day of each of the 12 months, and of the next one
    starts = [dt.datetime(m // 12, m % 12 + 1, 1, tzinfo=dt.UTC) for m in range(months - 11, months + 2)]
    counts = request_store.filed_per_period(session, member.organisation_id, starts)
    return JSONResponse({"months": [{"month": start.strftime("%Y-%m"), "count": n}
                                    for start, n in zip(starts, counts)]})


def local_session(options: WebOptions, request: Request, session: Session) -> Response:
    """The terminal's one-time link, traded for a session (once, within minutes)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    traded = options.local.trade(token.strip()) if scheme == "link" and options.local is not None else None
    if traded is None:
        raise Refusal(401, t(texts.LINK_USED))
    return JSONResponse({"session": traded})


# --- the application -------------------------------------------------------------------------------------------

def _api(options: WebOptions, handler):
    def endpoint(request: Request) -> Response:
        try:
            with Session(options.db) as session:
                response = handler(options, request, session)
        except Refusal as refusal:  # said in the member's language once known
            response = _refused(options, request, refusal.message, refusal.status)
        except OperationalError as error:
            if not _busy(error):
                raise
            response = _refused(options, request, t(texts.BUSY), 503)  # SQLite held by another writer
        except Exception:
            # The route, not the path: a path holds what the caller typed (a NISS, maybe).
            log.exception("Mini App call %s failed", handler.__name__)
            response = _refused(options, request, t(texts.FAILED), 500)
        response.headers.update(SECURITY_HEADERS | {"Cache-Control": "no-store"})
        return response
    return endpoint


def _refused(options: WebOptions, request: Request, message: object, status: int) -> Response:
    """A refusal in the member's language (else ours), with that language named: the page sets its own `lang` from
    it. A link opened by the browser itself (a download link, when Telegram hands it over) gets a page instead."""
    lang = getattr(request.state, "lang", options.default_locale)
    said = render(message, lang)
    if request.headers.get("sec-fetch-mode") == "navigate" or request.headers.get("accept", "").startswith("text/html"):
        return Response(ERROR_PAGE.format(lang=lang, message=html.escape(said)), status_code=status,
                        media_type="text/html; charset=utf-8")
    return JSONResponse({"error": said, "lang": lang}, status_code=status)


# The page of a refusal: in the language of what it says (a screen reader reads it in that language).
ERROR_PAGE = """<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>Breakbot</title></head>
<body><main><h1>Breakbot</h1><p role="alert">{message}</p></main></body>
</html>
"""


def _busy(error: OperationalError) -> bool:
    return "locked" in str(error.orig) or "busy" in str(error.orig)


def _static(name: str, mime: str):
    def endpoint(request: Request) -> Response:
        response = FileResponse(STATIC / name, media_type=mime)
        response.headers.update(SECURITY_HEADERS)
        return response
    return endpoint


# --- watched in production: /healthz, /metrics, and every other request counted ---------------------------------

def _healthz(options: WebOptions):
    def endpoint(request: Request) -> Response:
        """The process answers and reaches its database: 200, else 503 (the reason goes to the log, not out)."""
        try:
            with options.db.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:  # noqa: BLE001 - any driver's error means the same to a health check
            log.warning("health check: the database cannot be reached (%s)", type(error).__name__)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503,
                                headers={"Cache-Control": "no-store"})
        return JSONResponse({"status": "ok", "database": "ok"}, headers={"Cache-Control": "no-store"})
    return endpoint


def _metrics(options: WebOptions):
    registry = metrics.registry_for(options.db, options.now)

    def endpoint(request: Request) -> Response:
        """Prometheus' text format, for a request bearing METRICS_TOKEN; off (404) without one."""
        if not options.metrics_token:
            return JSONResponse({"error": "Not Found"}, status_code=404, headers={"Cache-Control": "no-store"})
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not metrics.token_matches(given.strip(), options.metrics_token):
            return JSONResponse({"error": "Unauthorized"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer", "Cache-Control": "no-store"})
        body, content_type = metrics.exposition(registry)
        return Response(body, headers={"Content-Type": content_type, "Cache-Control": "no-store"})
    return endpoint


UNMEASURED = ("/healthz", "/metrics")
METHODS = ("GET", "POST", "HEAD")


class Measured:
    """Counts every request but the health check's and Prometheus' own, by the template of the route it matched
    (/api/requests/{ticket}, never the path: a path holds a ticket), its method and its status, and times it."""

    def __init__(self, app, routes: list[Route]):
        self.app, self.routes = app, routes

    def _template(self, scope) -> str:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match != Match.NONE:  # PARTIAL: the path, another method (405)
                return route.path
        return "unmatched"

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self._template(scope)
        if route in UNMEASURED:
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]  # an exception nobody answered is the server error it becomes

        async def sending(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)
        try:
            await self.app(scope, receive, sending)
        finally:
            method = scope.get("method") if scope.get("method") in METHODS else "other"
            metrics.WEB_REQUESTS.labels(route, method, str(status[0])).inc()
            metrics.WEB_SECONDS.labels(route).observe(time.perf_counter() - started)


def create_app(options: WebOptions, mini_app: bool = True) -> Starlette:
    """The Mini App's page and API, and /healthz and /metrics; `mini_app` False: only those two (the bot process
    without WEBAPP_URL)."""
    watched = [Route("/healthz", _healthz(options)), Route("/metrics", _metrics(options))]
    if not mini_app:
        return Starlette(routes=watched, exception_handlers={404: _not_found, 405: _not_found})
    api = [("/api/me", me, "GET"), ("/api/requests", table, "GET"), ("/api/requests/{ticket}", detail, "GET"),
           ("/api/requests/{ticket}/cancel", cancel, "POST"), ("/api/requests/{ticket}/receipt", receipt, "GET"),
           ("/api/requests/{ticket}/worker-mail", mail_worker, "POST"),
           ("/api/documents/{number}", document, "GET"), ("/api/export", export, "GET"),
           ("/api/glance", glance, "GET"), ("/api/files/link", file_link, "POST"),
           ("/api/files/send", send_file, "POST"), ("/api/download/{token}", download, "GET"),
           ("/api/local-session", local_session, "POST")]
    routes = [Route("/", _static("index.html", "text/html; charset=utf-8")),
              Route("/app.js", _static("app.js", "text/javascript; charset=utf-8")),
              Route("/app.css", _static("app.css", "text/css; charset=utf-8"))]
    routes += [Route(path, _api(options, handler), methods=[method]) for path, handler, method in api]
    routes += watched
    return Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_found},
                     middleware=[Middleware(Measured, routes=routes)])


async def _not_found(request: Request, error) -> Response:
    """What the router refuses (no such path, another method) gets the same headers as the rest."""
    return JSONResponse({"error": getattr(error, "detail", "")}, status_code=getattr(error, "status_code", 404),
                        headers=SECURITY_HEADERS | {"Cache-Control": "no-store"})

