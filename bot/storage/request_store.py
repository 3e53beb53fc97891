"""Filed requests with their history and documents. Every read is scoped by the acting organisation (but ONEM's side
in bot/onem.py); every function works in the caller's transaction and never commits."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import (
    String,
    and_,
    bindparam,
    func,
    insert,
    literal,
    literal_column,
    or_,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from bot.domain.identifiers import TICKET_ALPHABET, new_ticket
from bot.domain.leaves import UNDECIDED, Status
from bot.domain.records import EventKind
from bot.storage.models import (
    Attachment,
    LeaveRequest,
    Member,
    RequestEvent,
    utcnow,
)


def request_of_draft(session: Session, organisation_id: int, draft_id: int) -> LeaveRequest | None:
    return session.exec(select(LeaveRequest).where(LeaveRequest.organisation_id == organisation_id,
                                                   LeaveRequest.draft_id == draft_id)).first()


def request_by_ticket(session: Session, organisation_id: int, ticket: str) -> LeaveRequest | None:
    return session.exec(select(LeaveRequest).where(LeaveRequest.organisation_id == organisation_id,
                                                   LeaveRequest.ticket == ticket)).first()


def latest_requests(session: Session, organisation_id: int, limit: int = 5) -> list[LeaveRequest]:
    return list(session.exec(select(LeaveRequest).where(LeaveRequest.organisation_id == organisation_id)
                             .order_by(LeaveRequest.filed_at.desc(), LeaveRequest.id.desc()).limit(limit)))


def count_requests(session: Session, organisation_id: int) -> int:
    return session.exec(select(func.count()).select_from(LeaveRequest)
                        .where(LeaveRequest.organisation_id == organisation_id)).one()


_request = LeaveRequest.__table__


_HISTORY = (sa_select(_request.c.ticket, _request.c.leave_type, _request.c.regime, _request.c.start_date,
                       _request.c.end_date, _request.c.status, _request.c.last_name, _request.c.first_name,
                       _request.c.motive)
            .where(_request.c.organisation_id == bindparam("organisation"), _request.c.niss == bindparam("niss"),
                   _request.c.id != bindparam("exclude"))
            .order_by(_request.c.filed_at.desc(), _request.c.id.desc()))


def worker_history(db: Session | Connection, organisation_id: int, niss: str, exclude: int | None = None) -> list:
    """Every request the organisation filed for this worker (but `exclude`, the one being modified), newest first:
    what overlap, ceilings and the name filed before are judged on. A worker has a handful."""
    return list(db.execute(_HISTORY, {"organisation": organisation_id, "niss": niss, "exclude": exclude or 0}))


@lru_cache(maxsize=None)
def _filing(dialect: str):
    """The statements that file a request, built once per database: the request (a ticket drawn twice is skipped,
    not an error) and the first line of its history."""
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    return (insert_(_request).on_conflict_do_nothing(index_elements=["ticket"]).returning(_request.c.id),
            insert(RequestEvent.__table__))


def file_request(db: Connection, member, draft_id: int | None, fields: dict, now: dt.datetime | None = None, *,
                 batch: tuple[int, int] | None = None, source: str = "chat") -> SimpleNamespace:
    """Store the request, once per draft or per line of a spreadsheet (`batch`: its id and the line): the row is
    unique per draft and per line, so a second confirmation of the same fails (and its turn, run again, finds it
    filed). Returns the request as filed (read-only)."""
    now = now or utcnow()
    request_insert, event_insert = _filing(db.dialect.name)
    for _attempt in range(5):  # a ticket drawn twice (36^12 to one) is drawn again
        values = dict(fields, ticket=new_ticket(), organisation_id=member.organisation_id, member_id=member.id,
                      draft_id=draft_id, status=Status.WAITING.value, office=None, filed_at=now,
                      batch_id=batch[0] if batch else None, batch_line=batch[1] if batch else None)
        request_id = db.execute(request_insert, values).scalar()
        if request_id is not None:
            db.execute(event_insert, {"request_id": request_id, "kind": EventKind.FILED.value,
                                      "status": Status.WAITING.value, "member_id": member.id,
                                      "certified_by": member.id, "happened_at": now, "changes": "{}",
                                      "source": source, "office": None, "effective_date": None})
            return SimpleNamespace(id=request_id, **values)
    raise RuntimeError("could not draw a unique ticket")


def history_of(session: Session, request: LeaveRequest) -> list[RequestEvent]:
    """A request's events, oldest first (the caller already holds a request of its own organisation)."""
    return list(session.exec(select(RequestEvent).where(RequestEvent.request_id == request.id)
                             .order_by(RequestEvent.happened_at, RequestEvent.id)))


def _request_filters(organisation_id: int, types=(), regimes=(), statuses=(), period_from: dt.date | None = None,
                     period_to: dt.date | None = None, ticket: str | None = None, niss: str | None = None,
                     capacities=(), name: str | None = None) -> list:
    where = [LeaveRequest.organisation_id == organisation_id]
    if capacities:
        where.append(LeaveRequest.capacity.in_(capacities))
    if types:
        where.append(LeaveRequest.leave_type.in_(types))
    if regimes:
        where.append(LeaveRequest.regime.in_(regimes))
    if statuses:
        where.append(LeaveRequest.status.in_(statuses))
    if period_from:
        where.append(LeaveRequest.end_date >= period_from)
    if period_to:
        where.append(LeaveRequest.start_date <= period_to)
    if ticket:
        where.append(LeaveRequest.ticket == ticket)
    if niss:
        where.append(LeaveRequest.niss == niss)
    return where + _named(name)


def _like(text: str) -> str:
    return text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _named(name: str | None) -> list:
    """A worker by name: each word typed begins the last or the first name, or one of their words, in either order
    ("Dubois Marc", "Marc Dubois", "dub", "Broeck" for Van den Broeck); case ignored for plain letters."""
    where = []
    for word in (name or "").split()[:4]:
        # SQLite lowers ASCII letters only: "Çelik" stays "Çelik", so the word is also tried with a capital first
        # letter (PostgreSQL lowers every letter, and the first pattern finds it).
        patterns = {_like(word), _like(word)[:1].upper() + _like(word)[1:]}
        where.append(or_(*(func.lower(column).like(start + pattern, escape="\\") for pattern in patterns
                           for column in (LeaveRequest.last_name, LeaveRequest.first_name) for start in ("", "% "))))
    return where


NEWEST_FIRST = (LeaveRequest.filed_at.desc(), LeaveRequest.id.desc())


def requests_of(session: Session, organisation_id: int, *, offset: int = 0, limit: int = 10,
                **filters) -> tuple[list[LeaveRequest], int]:
    """The organisation's requests matching the filters, newest first, one page, and how many match in all."""
    where = _request_filters(organisation_id, **filters)
    total = session.exec(select(func.count()).select_from(LeaveRequest).where(*where)).one()
    page = session.exec(select(LeaveRequest).where(*where).order_by(*NEWEST_FIRST).offset(offset).limit(limit))
    return list(page), total


# The Mini App's table: the columns it sorts by (a name sorts by last then first name), each with the id after it so
# that a page boundary never splits equal values differently between two calls.
SORTS = {"name": (LeaveRequest.last_name, LeaveRequest.first_name), "niss": (LeaveRequest.niss,),
         "ticket": (LeaveRequest.ticket,), "type": (LeaveRequest.leave_type,), "form": (LeaveRequest.regime,),
         "start": (LeaveRequest.start_date,), "end": (LeaveRequest.end_date,), "filed": (LeaveRequest.filed_at,),
         "status": (LeaveRequest.status,), "office": (LeaveRequest.office,)}


@dataclass(frozen=True)
class Search:
    """What the search box asks for: a name (words, in either order), the beginning of a NISS (its digits), the
    beginning of a ticket (formatted, dashes where tickets have them); the caller reads the typed text. The requests
    it finds are looked up once and kept (`found`), for the page and its counts alike."""
    name: str | None = None
    niss_prefix: str | None = None
    ticket_prefix: str | None = None
    found: dict = field(default_factory=dict, compare=False, repr=False)  # organisation -> ids, None: too many


def _successor(prefix: str, alphabet: str) -> str | None:
    """The smallest string of `alphabet` after every string that starts with `prefix` (None: there is none), so that a
    prefix is a range of an index on any database and collation: `prefix <= column < successor`."""
    chars = list(prefix)
    while chars:
        position = alphabet.find(chars[-1])
        if 0 <= position < len(alphabet) - 1:
            chars[-1] = alphabet[position + 1]
            return "".join(chars)
        chars.pop()
    return None


def _starting(column, prefix: str, alphabet: str) -> list:
    """`column` starts with `prefix`: a range of the column's index, and LIKE to be exact whatever the collation
    (a prefix that ends in a sign or an accent has no upper bound: collations order those differently)."""
    where = [column >= prefix, column.like(_escaped(prefix) + "%", escape="\\")]
    if alphabet == TICKET_ALPHABET:
        successor = _successor(prefix.replace("-", ""), alphabet)
        successor = ticket_prefix(successor) if successor else None
    elif alphabet == _NAME_ALPHABET:
        successor = prefix[:-1] + alphabet[alphabet.index(prefix[-1]) + 1] if prefix[-1] in alphabet[:-1] else None
    else:
        successor = _successor(prefix, alphabet)
    if successor is not None:
        where.append(column < successor)
    return [and_(*where)]


# A name in either order, lower-cased, exactly as the indexes of migration 0010 have it (lower() folds plain letters on
# SQLite, every letter on PostgreSQL; the same on both sides of each comparison).
_SPACE = literal_column("' '", String)
NAME_ORDERS = (func.lower(LeaveRequest.last_name + _SPACE + LeaveRequest.first_name),
               func.lower(LeaveRequest.first_name + _SPACE + LeaveRequest.last_name))
_NAME_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def ticket_prefix(compact: str) -> str:
    """The beginning of a ticket with its dashes where a ticket has them: 04W002 -> 04W-002."""
    groups, start = [], 0
    for end in (3, 10, 12, 13):
        if compact[start:end]:
            groups.append(compact[start:end])
        start = end
    return "-".join(groups)


RESOLVED = 5000  # a search that finds at most this many requests is given to the query as their ids


def _searched(organisation_id: int, search: Search | str | None, db: Session | Connection | None = None) -> list:
    """A name's beginning (last or first name, or both in either order: "dubois ma", "marc dub"; case ignored for
    plain letters), or the beginning of a NISS or of a ticket (each a range of its index); a whole ticket or NISS is
    a filter of its own (the caller recognises them). With `db`, the requests found are looked up first and given as
    their ids (up to RESOLVED): a planner that sees a subquery may read the organisation's every request instead of
    the few found (SQLite did: 25 ms for one ticket among 50,000, 8 clients at once half a second)."""
    if isinstance(search, str):
        search = Search(name=search)
    if search is None:
        return []
    # A beginning is looked up in its own index first (a few rows); the request's other conditions then apply to
    # them. A ticket is unique across organisations: its index alone (the outer query keeps the organisation's).
    beginnings = []
    if search.name:
        typed = " ".join(search.name.lower().split())
        beginnings += [sa_select(LeaveRequest.id).where(LeaveRequest.organisation_id == organisation_id,
                                                        *_starting(name, typed, _NAME_ALPHABET))
                       for name in NAME_ORDERS]
    if search.niss_prefix:
        beginnings.append(sa_select(LeaveRequest.id).where(
            LeaveRequest.organisation_id == organisation_id,
            *_starting(LeaveRequest.niss, search.niss_prefix, "0123456789")))
    if search.ticket_prefix:
        beginnings.append(sa_select(LeaveRequest.id).where(
            *_starting(LeaveRequest.ticket, search.ticket_prefix, TICKET_ALPHABET)))
    if not beginnings:  # typed, but nothing a name, NISS or ticket begins with
        return [literal(False)]
    found = beginnings[0] if len(beginnings) == 1 else union_all(*beginnings)
    if db is not None and organisation_id not in search.found:
        ids = set(db.execute(found.limit(RESOLVED + 1) if len(beginnings) == 1 else
                             sa_select(found.subquery().c.id).limit(RESOLVED + 1)).scalars())
        search.found[organisation_id] = sorted(ids) if len(ids) <= RESOLVED else None
    ids = search.found.get(organisation_id)
    if ids is not None:
        return [LeaveRequest.id.in_(ids)] if ids else [literal(False)]
    return [LeaveRequest.id.in_(found)]


def requests_table(session: Session, organisation_id: int, *, sort: str = "filed", descending: bool = True,
                   offset: int = 0, limit: int = 50, search: Search | str | None = None,
                   **filters) -> list[LeaveRequest]:
    """One page of the organisation's matching requests in the order asked (how many match: `status_counts`)."""
    where = _request_filters(organisation_id, **filters) + _searched(organisation_id, search, session)
    columns = (*SORTS[sort], LeaveRequest.id)
    order = [column.desc() if descending else column.asc() for column in columns]
    return list(session.exec(select(LeaveRequest).where(*where).order_by(*order).offset(offset).limit(limit)))


def status_counts(session: Session, organisation_id: int, search: Search | str | None = None,
                  **filters) -> dict[str, int]:
    """How many of the matching requests have each status, the filters' statuses left out (a count is tapped to
    filter on it; the total is their sum). One count per status, each a range of the index that starts with the
    organisation, the capacity and the status (migration 0007): no grouping of every matching row."""
    filters = {**filters, "statuses": ()}
    searched = _searched(organisation_id, search, session)
    where = _request_filters(organisation_id, **filters) + searched
    if searched:  # a search finds few rows by their own indexes: those are grouped, not every status's range read
        grouped = (sa_select(LeaveRequest.status, func.count()).where(*where).group_by(LeaveRequest.status))
        found = {status: n for status, n in session.connection().execute(grouped)}
        return {status.value: found.get(status.value, 0) for status in Status}
    counts = union_all(*(sa_select(literal(status.value).label("status"), func.count().label("n"))
                         .select_from(LeaveRequest).where(*where, LeaveRequest.status == status.value)
                         for status in Status))
    return {status: n for status, n in session.connection().execute(counts)}


def filed_per_period(session: Session, organisation_id: int, bounds: list[dt.datetime]) -> list[int]:
    """How many requests the organisation filed between each two consecutive bounds: one count per period, each a
    range of the index on (organisation, filing time)."""
    counts = union_all(*(sa_select(literal(i).label("i"), func.count().label("n")).select_from(LeaveRequest)
                         .where(LeaveRequest.organisation_id == organisation_id, LeaveRequest.filed_at >= start,
                                LeaveRequest.filed_at < end)
                         for i, (start, end) in enumerate(zip(bounds, bounds[1:]))))
    found = dict(session.connection().execute(counts).all())
    return [found.get(i, 0) for i in range(len(bounds) - 1)]


EXPORT_COLUMNS = ("ticket", "niss", "last_name", "first_name", "leave_type", "regime", "start_date", "end_date",
                  "filed_at", "status", "office", "community", "school_bce", "staff_status", "hours_before",
                  "fulltime_hours", "notice_date", "rtt", "employer_agreement", "email", "motive", "time_unit")


def request_rows(session: Session, organisation_id: int, **filters):
    """Every matching request as plain tuples of EXPORT_COLUMNS, newest first: for exports, where building objects
    would cost most."""
    table = LeaveRequest.__table__
    # The filing time and the status as stored (no conversion per row: the export needs only the hour, and names a
    # status by its value).
    columns = [type_coerce(table.c[name], String) if name in ("filed_at", "status") else table.c[name]
               for name in EXPORT_COLUMNS]
    return session.connection().execute(sa_select(*columns)
                                         .where(*_request_filters(organisation_id, **filters))
                                         .order_by(*NEWEST_FIRST))


def request_by_id(session: Session, organisation_id: int, request_id: int) -> LeaveRequest | None:
    return session.exec(select(LeaveRequest).where(LeaveRequest.organisation_id == organisation_id,
                                                   LeaveRequest.id == request_id)).first()


class Outdated(Exception):
    """The request changed since the member's modification started (someone else, or ONEM): nothing saved."""


def modify_request(session: Session, member, request: LeaveRequest, changed: dict, version: int) -> dict:
    """Write the fields the member changed, only if the request is still at `version` and not decided (one
    conditional UPDATE: a change made meanwhile, by a colleague or ONEM, is never overwritten), and record who
    changed what, from what, and certified it (the member ticked the certification to save); returns the changes.
    Raises Outdated otherwise."""
    if not changed:
        return {}
    before = {name: getattr(request, name) for name in changed}
    done = session.execute(update(LeaveRequest).where(
        LeaveRequest.id == request.id, LeaveRequest.organisation_id == member.organisation_id,
        LeaveRequest.version == version, LeaveRequest.status.in_([str(status) for status in UNDECIDED]))
        .values(**changed, version=LeaveRequest.version + 1)).rowcount
    if done != 1:
        raise Outdated(request.id)
    session.expire(request)
    changes = {name: [_jsonable(before[name]), _jsonable(value)] for name, value in changed.items()}
    session.add(RequestEvent(request_id=request.id, kind=EventKind.MODIFIED, status=request.status, member_id=member.id,
                             certified_by=member.id, changes=json.dumps(changes)))
    return changes


def events_since(session: Session, request_id: int, event_id: int) -> list[RequestEvent]:
    """What happened to a request after one of its events, oldest first."""
    return list(session.exec(select(RequestEvent).where(RequestEvent.request_id == request_id,
                                                        RequestEvent.id > event_id).order_by(RequestEvent.id)))


def last_event_id(session: Session, request_id: int) -> int:
    return session.exec(select(func.max(RequestEvent.id)).where(RequestEvent.request_id == request_id)).one() or 0


def cancel_request(session: Session, member: Member, request: LeaveRequest) -> bool:
    """Cancel a request not yet decided; False when it is too late (or already cancelled)."""
    session.refresh(request, with_for_update=True)
    if request.status not in UNDECIDED:
        return False
    request.status = Status.CANCELLED
    request.version += 1
    session.add(request)
    session.add(RequestEvent(request_id=request.id, kind=EventKind.CANCELLED, status=Status.CANCELLED,
                             member_id=member.id))
    return True


def worker_mailed(session: Session, request_id: int, recipient: str, at: dt.datetime) -> None:
    """The e-mail to the request's worker was taken by the mail server: a line of the request's history."""
    status = session.exec(select(LeaveRequest.status).where(LeaveRequest.id == request_id)).one()
    session.add(RequestEvent(request_id=request_id, kind=EventKind.WORKER_MAIL, status=status, source="mail",
                             changes=json.dumps({"email": [None, recipient]}), happened_at=at))


def _jsonable(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def attachments_of(session: Session, request: LeaveRequest) -> list[Attachment]:
    return list(session.exec(select(Attachment).where(Attachment.request_id == request.id).order_by(Attachment.id)))


def attachment_by_id(session: Session, organisation_id: int, attachment_id: int) -> Attachment | None:
    """An attachment, only when its request belongs to the organisation."""
    return session.exec(select(Attachment).join(LeaveRequest, LeaveRequest.id == Attachment.request_id)
                        .where(Attachment.id == attachment_id,
                               LeaveRequest.organisation_id == organisation_id)).first()


def lock_request(session: Session, request: LeaveRequest) -> None:
    """Hold the request's row until the transaction ends (PostgreSQL; on SQLite the caller's transaction must have
    begun with the write lock, as a turn's does): what is numbered after it, like its documents, is numbered one at a
    time."""
    session.execute(sa_select(LeaveRequest.id).where(LeaveRequest.id == request.id).with_for_update())


def last_attachment_number(session: Session, request_id: int) -> int:
    return session.exec(select(func.max(Attachment.number)).where(Attachment.request_id == request_id)).one() or 0


def add_attachment(session: Session, attachment: Attachment) -> Attachment:
    session.add(attachment)
    session.flush()
    return attachment
