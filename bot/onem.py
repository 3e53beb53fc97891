"""Status changes from ONEM's side, one ticket at a time or from a CSV file; no chat involved."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from bot import documents
from bot.core.views import Upload
from bot.domain.errors import Invalid
from bot.domain.identifiers import parse_ticket
from bot.domain.leaves import LABEL, Status
from bot.domain.records import EventKind
from bot.domain.words import VALUE_WORD, spellings
from bot.i18n import N_, render, t
from bot.storage import request_store
from bot.storage.database import BEGIN
from bot.storage.models import Attachment, LeaveRequest, RequestEvent
from bot.usecases import requests as cases

# ONEM assigns the office; canonical spelling (as in domain.md) -> other names operators may type. The canonical
# spelling is stored; each language shows its own name (Liège in French, Luik in Dutch), from the catalogs.
OFFICES: dict[str, tuple[str, ...]] = {
    N_("Bruxelles/Brussel"): ("Bruxelles", "Brussel"),
    N_("Brugge"): ("Bruges",),
    N_("Kortrijk"): ("Courtrai",),
    N_("Gent"): ("Gand",),
    N_("Antwerpen"): ("Anvers",),
    N_("Turnhout"): (),
    N_("Leuven"): ("Louvain",),
    N_("Hasselt"): (),
    N_("La Louvière"): (),
    N_("Charleroi"): (),
    N_("Mons/Bergen"): ("Mons", "Bergen"),
    N_("Nivelles/Nijvel"): ("Nivelles", "Nijvel"),
    N_("Namur/Namen"): ("Namur", "Namen"),
    N_("Arlon/Aarlen"): ("Arlon", "Aarlen"),
    N_("Liège/Luik"): ("Liège", "Luik"),
    N_("Verviers"): (),  # also handles the German-speaking area
}

# The official words of each status (domain.md), besides its code and its English label.
STATUS_WORDS: dict[Status, tuple[str, ...]] = {
    Status.WAITING: ("En attente d'info du travailleur", "In afwachting van inlichtingen van de werknemer",
                     "Wartet auf Angaben des Arbeitnehmers", "waiting for the worker"),
    Status.PROCESSING: ("En cours de traitement par l'ONEM", "In behandeling bij de RVA", "In Bearbeitung beim LfA",
                        "processing"),
    Status.ACCEPTED: ("Acceptée", "Aanvaard", "Bewilligt"),
    Status.REFUSED: ("Refusée", "Geweigerd", "Abgelehnt"),
    Status.CANCELLED: ("Annulée", "Geannuleerd", "Annulliert", "canceled"),
}
COLUMNS = ("ticket", "status", "office", "date")


class Refused(Exception):
    """Input the operator must correct; nothing was changed. `problems` lists (file line, reason)."""

    def __init__(self, message: str, problems: list[tuple[int, str]] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class ImportReport:
    applied: int
    unchanged: int


def _key(text: str) -> str:
    """Compare names ignoring case, accents, apostrophe style and spacing (Liege, LIÈGE, l’ONEM)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(plain.replace("’", "'").casefold().split())


_OFFICE_KEYS = {_key(name): canonical for canonical, others in OFFICES.items() for name in (canonical, *others)}
# Every word of a status is understood in every language: its code, its labels, the official words, and the short
# words the overview's filters take (attente, wachtend, wartend).
_STATUS_KEYS = {_key(word): status for status in Status
                for word in (status.value, LABEL[status], *STATUS_WORDS[status],
                             *spellings(VALUE_WORD[status], status.value))}
_STATUS_HINT = "; ".join(
    f"{status.value} ({', '.join(sorted(spellings(VALUE_WORD[status], status.value) - {status.value}))})"
    for status in Status)


def parse_status(text: str) -> Status:
    status = _STATUS_KEYS.get(_key(text))
    if status is None:
        raise Refused(f"Unknown status {text.strip()!r}: use one of {_STATUS_HINT}, or the official words "
                      f"(\"En attente d'info du travailleur\", \"In behandeling bij de RVA\", ...).")
    return status


def parse_office(text: str | None) -> str | None:
    """The canonical name of an ONEM office; None (keep the current one) when empty."""
    if text is None or not text.strip():
        return None
    office = _OFFICE_KEYS.get(_key(text))
    if office is None:
        raise Refused(f"Unknown ONEM office {text.strip()!r}: use one of {', '.join(OFFICES)}.")
    return office


def parse_date(text: str | None) -> dt.date | None:
    """dd/mm/yyyy or yyyy-mm-dd; None when empty."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    layout = "%d/%m/%Y" if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text) else "%Y-%m-%d"
    try:
        return dt.datetime.strptime(text, layout).date()
    except ValueError:
        raise Refused(f"Not a valid date {text!r}: write it dd/mm/yyyy or yyyy-mm-dd.") from None


def find_request(session: Session, ticket_text: str) -> LeaveRequest:
    """ONEM's side sees every organisation's requests, so the lookup is by ticket alone."""
    try:
        ticket = parse_ticket(ticket_text)
    except Invalid as wrong:
        raise Refused(render(t(wrong.message, **wrong.params), "en")) from None
    request = session.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket).with_for_update()).first()
    if request is None:
        raise Refused(f"No request has ticket {ticket}.")
    return request


def set_status(session: Session, ticket: str, status: str, office: str | None = None,
               effective_date: dt.date | None = None, source: str = "onem-cli") -> RequestEvent | None:
    """Give a request a new status (and office); None when that changes nothing."""
    new_status, new_office = parse_status(status), parse_office(office)
    request = find_request(session, ticket)
    try:
        event = cases.decide(session, request, new_status, new_office, effective_date, source)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return event


@dataclass(frozen=True)
class _Row:
    request: LeaveRequest
    status: Status
    office: str | None
    effective_date: dt.date | None


def _read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Data rows as (file line, {column: text}), header = line 1; {} for a row with the wrong field count."""
    # The path as typed may hold line breaks or control characters: shown escaped, on one line.
    shown = str(path).encode("unicode_escape").decode("ascii")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise Refused(f"Cannot read {shown}: {error.strerror or error}.") from None
    except UnicodeDecodeError as error:
        raise Refused(f"{shown} is not UTF-8 text (byte {error.start + 1}).") from None
    header_line = text.split("\n", 1)[0]
    # Excel in a Belgian locale saves CSV with semicolons, so the header tells which one was used.
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [_key(name) for name in next(reader, [])]
        if sorted(header) != sorted(COLUMNS):
            raise Refused(f"Line 1 of {path} must be the header {','.join(COLUMNS)}, not {header_line.strip()[:80]!r}.",
                          [(1, "bad header")])
        return [(reader.line_num, dict(zip(header, fields)) if len(fields) == len(header) else {})
                for fields in reader if any(field.strip() for field in fields)]
    except csv.Error as error:  # e.g. a field longer than the csv module accepts
        raise Refused(f"Line {reader.line_num} of {path} cannot be read as CSV: {error}.",
                      [(reader.line_num, str(error))]) from None


def _check(session: Session, fields: dict[str, str]) -> _Row | str:
    """The row ready to apply, or every reason why it cannot be."""
    if not fields:
        return f"expected the {len(COLUMNS)} fields {','.join(COLUMNS)}"
    values, reasons = {}, []
    for name, parse in (("ticket", lambda text: find_request(session, text)), ("status", parse_status),
                        ("office", parse_office), ("date", parse_date)):
        try:
            values[name] = parse(fields[name])
        except Refused as refusal:
            reasons.append(str(refusal).rstrip("."))
    if reasons:
        return "; ".join(reasons)
    return _Row(values["ticket"], values["status"], values["office"], values["date"])


def _already_recorded(session: Session, row: _Row) -> bool:
    """The same line was imported before: an event with its status, date and (if given) office exists."""
    query = select(RequestEvent.id).where(RequestEvent.request_id == row.request.id,
                                          RequestEvent.kind == EventKind.STATUS,
                                          RequestEvent.status == row.status.value,
                                          RequestEvent.effective_date == row.effective_date)
    if row.office is not None:
        query = query.where(RequestEvent.office == row.office)
    return session.exec(query).first() is not None


def import_csv(session: Session, path: str | Path) -> ImportReport:
    """Check every row, then apply them all in one transaction, or none when a row is wrong."""
    checked = [(line, _check(session, fields)) for line, fields in _read_rows(Path(path))]
    problems = [(line, result) for line, result in checked if isinstance(result, str)]
    # The checks only read: their transaction ends here, and the writes come in one short transaction of their
    # own, so that the bot's chats never wait for a long file to be read (they give up after two seconds).
    session.rollback()
    if problems:
        listed = " | ".join(f"line {line}: {reason}" for line, reason in problems)
        raise Refused(f"Nothing imported from {path}: {listed}", problems)
    applied = unchanged = 0
    try:
        for _line, row in checked:
            if not _already_recorded(session, row) and cases.decide(session, row.request, row.status, row.office,
                                                                    row.effective_date, "onem-import"):
                applied += 1
            else:
                unchanged += 1
        session.commit()
    except Exception:
        session.rollback()
        raise
    return ImportReport(applied, unchanged)


def attach(session: Session, ticket: str, path: str | Path, folder: Path,
           name: str | None = None) -> tuple[Attachment, RequestEvent]:
    """Add a document to a request (an attestation from ONEM's side), with the same checks as a document sent in
    the chat, and tell the request's organisation as for a status change."""
    path = Path(path)
    shown = str(path).encode("unicode_escape").decode("ascii")
    try:
        size = path.stat().st_size if path.is_file() else None
    except OSError:
        size = None
    if size is None:
        raise Refused(f"No file found at {shown}.")
    # The write lock first (SQLite; PostgreSQL locks the request's row): the document is numbered after what a chat
    # added meanwhile, never over it.
    session.connection(execution_options={BEGIN: "BEGIN IMMEDIATE"})
    request = find_request(session, ticket)
    # Too big, or one too many for the request: refused before reading (the type is checked on the bytes below).
    problem = documents.attachment_problem(Upload(name or path.name, "application/pdf", size), request,
                                           request_store.attachments_of(session, request))
    if problem is not None:
        session.rollback()
        raise Refused(render(problem, "en"))
    try:
        data = path.read_bytes()[:documents.MAX_ATTACHMENT_BYTES + 1]
    except OSError as error:
        session.rollback()
        raise Refused(f"Cannot read {shown}: {error.strerror or error}.") from None
    # The type is what the bytes say, whatever the file is called.
    mime = next((mime for mime, starts in documents.SIGNATURES.items() if data.startswith(starts)), "unknown")
    try:
        attachment, event = cases.attach(session, None, request, Upload(name or path.name, mime, len(data), data),
                                         folder, source="onem-cli")
        session.commit()
    except cases.Unacceptable as wrong:
        session.rollback()
        raise Refused(render(wrong.message, "en")) from None
    except Exception:
        session.rollback()
        raise
    return attachment, event
