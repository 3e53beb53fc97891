"""Repository functions. Every read of requests is scoped by the acting organisation. None of them commits: the
turn (or the command line) that calls them commits once, so their writes are stored together or not at all."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import String, bindparam, case, delete, func, insert, literal, or_, type_coerce, union_all, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from bot.domain.answers import aware, visible
from bot.domain.identifiers import format_bce, new_ticket
from bot.domain.leaves import UNDECIDED, Status
from bot.domain.records import AuditAction, DraftStatus, EventKind
from bot.domain.roles import Role
from bot.i18n import N_
from bot.storage.models import (
    Attachment,
    AuditEntry,
    ChatScreen,
    Draft,
    Invitation,
    LeaveRequest,
    Member,
    Organisation,
    ProcessedUpdate,
    RequestEvent,
    School,
    utcnow,
)

INVITATION_DAYS = 7


class NotAllowed(Exception):
    """A command-line or enrolment action refused; `reason` is a message id."""

    def __init__(self, reason: str, **params):
        super().__init__(reason.format(**params) if params else reason)
        self.reason = reason
        self.params = params


# --- organisations, schools, invitations -------------------------------------------------------

def organisation_by_bce(session: Session, bce: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.bce == bce)).first()


def add_organisation(session: Session, bce: str, name: str, demo: bool = False) -> Organisation:
    if organisation_by_bce(session, bce):
        raise NotAllowed(N_("An organisation with enterprise number {bce} is already registered."), bce=format_bce(bce))
    if session.exec(select(School).where(School.bce == bce)).first():
        raise NotAllowed(N_("{bce} is already registered as a school."), bce=format_bce(bce))
    organisation = Organisation(bce=bce, name=name, demo=demo)
    session.add(organisation)
    session.flush()
    return organisation


def add_school(session: Session, organisation: Organisation | int, bce: str, community: str, name: str,
               added_by=None, now: dt.datetime | None = None, to_check: bool = False) -> School:
    """Register a school for an organisation (given as a row or as its id); `to_check`: typed by a member who is not
    an access manager (`added_by`), for an access manager to check."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.id
    existing = session.exec(select(School).where(School.bce == bce)).first()
    if existing:
        if existing.organisation_id != organisation_id:
            raise NotAllowed(N_("School {bce} is already registered to another organisation."), bce=format_bce(bce))
        raise NotAllowed(N_("School {bce} is already registered to this organisation."), bce=format_bce(bce))
    if organisation_by_bce(session, bce):
        raise NotAllowed(N_("{bce} is an organisation's own number, not a school's."), bce=format_bce(bce))
    school = School(organisation_id=organisation_id, bce=bce, community=community, name=name, to_check=to_check,
                    added_by=added_by, added_at=now)
    session.add(school)
    session.flush()
    return school


# What the intake reads on its hot steps, as Core statements built once: no ORM objects, a handful of columns.
_school = School.__table__
_SCHOOLS = (sa_select(_school.c.bce, _school.c.name, _school.c.community, _school.c.to_check, _school.c.added_by,
                      _school.c.added_at)
            .where(_school.c.organisation_id == bindparam("organisation")).order_by(_school.c.name))
_SCHOOLS_IN = _SCHOOLS.where(_school.c.community == bindparam("community"))
_SCHOOL = _SCHOOLS.where(_school.c.bce == bindparam("bce"))


def schools_of(db: Session | Connection, organisation_id: int, community: str | None = None) -> list:
    """The organisation's schools (bce, name, community), by name; only one community's when given."""
    if community:
        return list(db.execute(_SCHOOLS_IN, {"organisation": organisation_id, "community": community}))
    return list(db.execute(_SCHOOLS, {"organisation": organisation_id}))


def school_by_bce(db: Session | Connection, organisation_id: int, bce: str):
    return db.execute(_SCHOOL, {"organisation": organisation_id, "bce": bce}).first()


def bce_taken(db: Session | Connection, bce: str) -> bool:
    """Whether a number is already some organisation's, or some organisation's school's."""
    organisation = Organisation.__table__
    return db.execute(sa_select(sa_select(_school.c.id).where(_school.c.bce == bce).exists() |
                                sa_select(organisation.c.id).where(organisation.c.bce == bce).exists())).scalar()


def school_usage(db: Session | Connection, organisation_id: int) -> dict[str, int]:
    """How many requests of the organisation name each of its schools."""
    request = LeaveRequest.__table__
    rows = db.execute(sa_select(request.c.school_bce, func.count()).where(
        request.c.organisation_id == organisation_id, request.c.school_bce.is_not(None)).group_by(request.c.school_bce))
    return dict(rows.all())


def check_school(db: Session | Connection, organisation_id: int, bce: str) -> bool:
    """An access manager confirms a school a member typed at the intake."""
    return db.execute(update(_school).where(_school.c.organisation_id == organisation_id, _school.c.bce == bce)
                      .values(to_check=False)).rowcount == 1


def schools_untold(session: Session, organisation_id: int) -> list[School]:
    """Schools to be checked that the organisation's access managers were not told about yet."""
    return list(session.exec(select(School).where(School.organisation_id == organisation_id, School.to_check,
                                                  School.told_at.is_(None)).order_by(School.id)))


def set_employer(session: Session, organisation: Organisation, employer: str | None) -> None:
    organisation.employer = employer
    session.add(organisation)


def employer_of(db: Session | Connection, organisation_id: int) -> str | None:
    """Whether the organisation is a public or a private-law body (None: not recorded)."""
    table = Organisation.__table__
    return db.execute(sa_select(table.c.employer).where(table.c.id == organisation_id)).scalar()


def rename_school(db: Session | Connection, organisation_id: int, bce: str, name: str) -> bool:
    return db.execute(update(_school).where(_school.c.organisation_id == organisation_id, _school.c.bce == bce)
                      .values(name=name)).rowcount == 1


def remove_school(db: Session | Connection, organisation_id: int, bce: str) -> bool:
    """Remove a school no request names (in one statement: a request filed meanwhile keeps it). False if it stays."""
    request = LeaveRequest.__table__
    used = sa_select(request.c.id).where(request.c.organisation_id == organisation_id,
                                          request.c.school_bce == bce).exists()
    return db.execute(delete(_school).where(_school.c.organisation_id == organisation_id, _school.c.bce == bce,
                                            ~used)).rowcount == 1


def access_managers(session: Session, organisation_id: int) -> list[str]:
    """The names of the organisation's access managers: whom to ask for what only they can do."""
    return [m.display_name or m.user_key for m in members_of(session, organisation_id)
            if Role.ACCESS_MANAGER in m.role_set]


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create_invitation(session: Session, organisation: Organisation, roles: list[str],
                      now: dt.datetime | None = None, made_by: int | None = None) -> tuple[str, Invitation]:
    """A one-time code: 128 random bits, URL-safe (22 characters, fits a /start payload). `made_by`: the member
    who made it (None: the command line)."""
    now = now or utcnow()
    code = secrets.token_urlsafe(16)
    invitation = Invitation(organisation_id=organisation.id, code_hash=_hash(code),
                            roles=frozenset(Role(r) for r in roles), created_by=made_by,
                            created_at=now, expires_at=now + dt.timedelta(days=INVITATION_DAYS))
    session.add(invitation)
    session.flush()
    return code, invitation


# --- members ------------------------------------------------------------------------------------

def member_for(session: Session, channel: str, user_key: str) -> Member | None:
    """The enrolled, not revoked member behind a chat account."""
    return session.exec(select(Member).where(Member.channel == channel, Member.user_key == user_key,
                                             Member.revoked_at.is_(None))).first()


def _usable(session: Session, invitation: Invitation | None, now: dt.datetime) -> Invitation:
    """The invitation if it can still be used; otherwise NotAllowed saying why."""
    if invitation is None:
        raise NotAllowed(N_("This invitation code is unknown. Check the link, or ask your access manager for a "
                            "new one."))
    if invitation.used_at is not None:
        raise NotAllowed(N_("This invitation code has already been used. Ask your access manager for a new one."))
    if invitation.cancelled_at is not None:
        raise NotAllowed(N_("This invitation was cancelled. Ask your access manager for a new one."))
    if aware(invitation.expires_at) < now:
        raise NotAllowed(N_("This invitation code expired on {date}. Ask your access manager for a new one."),
                         date=invitation.expires_at.date())
    maker = session.get(Member, invitation.created_by) if invitation.created_by else None
    if maker is not None and maker.revoked_at is not None:  # revoked since: what they made goes with them
        raise NotAllowed(N_("This invitation was made by someone who no longer has access. Ask your access manager "
                            "for a new one."))
    return invitation


def invitation_for_code(session: Session, code: str, now: dt.datetime) -> Invitation:
    """The invitation a code opens, if it can still be used (locked until the turn ends: used once)."""
    return _usable(session, session.exec(select(Invitation).where(Invitation.code_hash == _hash(code.strip()))
                                         .with_for_update()).first(), now)


def usable_invitation(session: Session, invitation_id: int, now: dt.datetime) -> Invitation:
    return _usable(session, session.exec(select(Invitation).where(Invitation.id == invitation_id)
                                         .with_for_update()).first(), now)


def enrol(session: Session, channel: str, user_key: str, code_or_invitation: str | Invitation,
          display_name: str = "", now: dt.datetime | None = None) -> tuple[Member, Organisation]:
    """Make the chat account a member of the invitation's organisation with its roles, and use the invitation."""
    now = now or utcnow()
    invitation = (code_or_invitation if isinstance(code_or_invitation, Invitation)
                  else invitation_for_code(session, code_or_invitation, now))
    member = session.exec(select(Member).where(Member.channel == channel, Member.user_key == user_key)).first()
    if member is None:
        member = Member(channel=channel, user_key=user_key, organisation_id=invitation.organisation_id,
                        roles=invitation.roles)
    member.organisation_id = invitation.organisation_id
    member.roles = invitation.roles
    member.display_name = visible(display_name)  # shown to the access managers: nothing that reads otherwise
    member.enrolled_at = now
    member.revoked_at = None
    session.add(member)
    session.flush()
    invitation.used_at = now
    invitation.used_by = member.id
    session.add(invitation)
    session.flush()
    return member, session.get(Organisation, member.organisation_id)


def leave_organisation(session: Session, member_id: int, now: dt.datetime, keep_draft: int | None = None) -> None:
    """Everything a member had open closes when they act for another organisation: their drafts and modifications
    (in every chat; `keep_draft`, the turn's own, is closed by the turn), their chats' screens, and, as when they
    are revoked, the invitations they made that nobody used."""
    session.execute(update(Draft).where(Draft.member_id == member_id, Draft.status == DraftStatus.OPEN,
                                        Draft.id != (keep_draft or 0))
                    .values(status=DraftStatus.ABANDONED, version=Draft.version + 1, updated_at=now))
    _cancel_invitations_made_by(session, member_id, now)
    for screen_row in session.exec(select(ChatScreen).where(ChatScreen.member_id == member_id)):
        session.delete(screen_row)
    session.flush()


def pending_invitations(session: Session, organisation_id: int,
                        now: dt.datetime) -> list[tuple[Invitation, Member | None]]:
    """The organisation's invitations not used, cancelled or expired, newest first, with who made each (None: the
    command line)."""
    rows = session.exec(select(Invitation, Member).join(Member, Member.id == Invitation.created_by, isouter=True)
                        .where(Invitation.organisation_id == organisation_id, Invitation.used_at.is_(None),
                               Invitation.cancelled_at.is_(None), Invitation.expires_at >= now)
                        .order_by(Invitation.id.desc())).all()
    return [(invitation, maker) for invitation, maker in rows]


def cancel_invitation(session: Session, organisation_id: int, invitation_id: int, now: dt.datetime) -> bool:
    """Cancel one of the organisation's unused invitations; False when there is no such invitation."""
    return bool(session.execute(update(Invitation).where(
        Invitation.id == invitation_id, Invitation.organisation_id == organisation_id, Invitation.used_at.is_(None),
        Invitation.cancelled_at.is_(None)).values(cancelled_at=now)).rowcount)


def organisation_of(session: Session, organisation_id: int) -> Organisation:
    return session.get(Organisation, organisation_id)


def set_locale(session: Session, member_id: int, locale: str) -> None:
    session.execute(update(Member).where(Member.id == member_id).values(locale=locale))


def prove_email(session: Session, member_id: int, email: str, now: dt.datetime) -> None:
    """The member typed the code sent to this address: their confirmation e-mails go there from now on."""
    session.execute(update(Member).where(Member.id == member_id).values(email=email, email_verified_at=now))


def start_email_check(session: Session, member, channel: str, chat_key: str, address: str, code_hash: str,
                      now: dt.datetime) -> None:
    """A code was sent to this address: kept (hashed) on the chat's screen until the member types it."""
    row = screen(session, member, channel, chat_key)
    row.email_pending, row.email_code_hash, row.email_code_sent_at = address, code_hash, now


# --- drafts and chat screens -------------------------------------------------------------------------

def last_draft(session: Session, channel: str, chat_key: str) -> Draft | None:
    """The chat's latest draft, whatever became of it."""
    return session.exec(select(Draft).where(Draft.channel == channel, Draft.chat_key == chat_key)
                        .order_by(Draft.id.desc())).first()


def screen(session: Session, member, channel: str, chat_key: str) -> ChatScreen:
    """The chat's screen state outside the forms; a fresh one when the chat is new or another account used it."""
    row = session.exec(select(ChatScreen).where(ChatScreen.channel == channel, ChatScreen.chat_key == chat_key)).first()
    if row is None or row.member_id != member.id:
        if row is not None:  # another account in this chat: start clean, never show its filters
            session.delete(row)
            session.flush()
        row = ChatScreen(channel=channel, chat_key=chat_key, member_id=member.id)
        session.add(row)
    return row


@lru_cache(maxsize=None)
def _focusing(dialect: str):
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_(_screen)
    same = _screen.c.member_id == statement.excluded.member_id  # another account in this chat starts clean
    return statement.on_conflict_do_update(index_elements=["channel", "chat_key"], set_={
        "member_id": statement.excluded.member_id, "focus_request_id": statement.excluded.focus_request_id,
        "focus_at": statement.excluded.focus_at, "updated_at": statement.excluded.updated_at,
        "overview": case((same, _screen.c.overview), else_=statement.excluded.overview),
        "invite_roles": case((same, _screen.c.invite_roles), else_=statement.excluded.invite_roles)})


def set_focus(db: Connection, member, channel: str, chat_key: str, request, now: dt.datetime) -> None:
    """The request on screen: a document sent next is attached to it (one statement, whether the chat has a screen
    or not)."""
    db.execute(_focusing(db.dialect.name), {
        "channel": channel, "chat_key": chat_key, "member_id": member.id, "focus_request_id": request.id,
        "focus_at": now, "updated_at": now, "overview": {}, "invite_roles": ""})


# --- requests -----------------------------------------------------------------------------------

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
_screen = ChatScreen.__table__
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


def file_request(db: Connection, member, draft_id: int, fields: dict,
                 now: dt.datetime | None = None) -> SimpleNamespace:
    """Store the request, once per draft: the row is unique per draft, so a second confirmation of the same draft
    fails (and its turn, run again, finds the draft filed). Returns the request as filed (read-only)."""
    now = now or utcnow()
    request_insert, event_insert = _filing(db.dialect.name)
    for _attempt in range(5):  # a ticket drawn twice (36^12 to one) is drawn again
        values = dict(fields, ticket=new_ticket(), organisation_id=member.organisation_id, member_id=member.id,
                      draft_id=draft_id, status=Status.WAITING.value, office=None, filed_at=now)
        request_id = db.execute(request_insert, values).scalar()
        if request_id is not None:
            db.execute(event_insert, {"request_id": request_id, "kind": EventKind.FILED.value,
                                      "status": Status.WAITING.value, "member_id": member.id,
                                      "certified_by": member.id, "happened_at": now, "changes": "{}",
                                      "source": "chat", "office": None, "effective_date": None})
            return SimpleNamespace(id=request_id, **values)
    raise RuntimeError("could not draw a unique ticket")


def history_of(session: Session, request: LeaveRequest) -> list[RequestEvent]:
    """A request's events, oldest first (the caller already holds a request of its own organisation)."""
    return list(session.exec(select(RequestEvent).where(RequestEvent.request_id == request.id)
                             .order_by(RequestEvent.happened_at, RequestEvent.id)))


def members_of(session: Session, organisation_id: int) -> list[Member]:
    """The organisation's enrolled, not revoked members."""
    return list(session.exec(select(Member).where(Member.organisation_id == organisation_id,
                                                  Member.revoked_at.is_(None)).order_by(Member.enrolled_at)))


# --- the follow-up: overview, changes, attachments, panels --------------------------------------

def _request_filters(organisation_id: int, types=(), regimes=(), statuses=(), period_from: dt.date | None = None,
                     period_to: dt.date | None = None, ticket: str | None = None, niss: str | None = None,
                     capacities=()) -> list:
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


def _searched(search: str | None) -> list:
    """A name's beginning (last or first name, case ignored for plain letters); the ticket and NISS searches are
    filters of their own (the caller recognises them)."""
    if not search:
        return []
    pattern = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return [or_(func.lower(LeaveRequest.last_name).like(pattern, escape="\\"),
                func.lower(LeaveRequest.first_name).like(pattern, escape="\\"))]


def requests_table(session: Session, organisation_id: int, *, sort: str = "filed", descending: bool = True,
                   offset: int = 0, limit: int = 50, search: str | None = None, **filters) -> list[LeaveRequest]:
    """One page of the organisation's matching requests in the order asked (how many match: `status_counts`)."""
    where = _request_filters(organisation_id, **filters) + _searched(search)
    columns = (*SORTS[sort], LeaveRequest.id)
    order = [column.desc() if descending else column.asc() for column in columns]
    return list(session.exec(select(LeaveRequest).where(*where).order_by(*order).offset(offset).limit(limit)))


def status_counts(session: Session, organisation_id: int, search: str | None = None, **filters) -> dict[str, int]:
    """How many of the matching requests have each status, the filters' statuses left out (a count is tapped to
    filter on it; the total is their sum). One count per status, each a range of the index that starts with the
    organisation, the capacity and the status (migration 0007): no grouping of every matching row."""
    filters = {**filters, "statuses": ()}
    where = _request_filters(organisation_id, **filters) + _searched(search)
    counts = union_all(*(sa_select(literal(status.value).label("status"), func.count().label("n"))
                         .select_from(LeaveRequest).where(*where, LeaveRequest.status == status.value)
                         for status in Status))
    return {status: n for status, n in session.connection().execute(counts)}


EXPORT_COLUMNS = ("ticket", "niss", "last_name", "first_name", "leave_type", "regime", "start_date", "end_date",
                  "filed_at", "status", "office", "community", "school_bce", "staff_status", "hours_before",
                  "fulltime_hours", "notice_date", "rtt", "employer_agreement", "email", "motive", "time_unit")


def request_rows(session: Session, organisation_id: int, **filters):
    """Every matching request as plain tuples of EXPORT_COLUMNS, newest first: for exports, where building objects
    would cost most."""
    table = LeaveRequest.__table__
    # The filing time as stored (no conversion per row: the export needs only its hour).
    columns = [type_coerce(table.c[name], String) if name == "filed_at" else table.c[name] for name in EXPORT_COLUMNS]
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


def member_of_organisation(session: Session, organisation_id: int, member_id: int) -> Member | None:
    return session.exec(select(Member).where(Member.id == member_id, Member.organisation_id == organisation_id,
                                             Member.revoked_at.is_(None))).first()


def revoke(session: Session, member_id: int, now: dt.datetime) -> None:
    """The member can no longer act, and the invitations they made and nobody used are cancelled with them."""
    session.execute(update(Member).where(Member.id == member_id).values(revoked_at=now))
    _cancel_invitations_made_by(session, member_id, now)


def _cancel_invitations_made_by(session: Session, member_id: int, now: dt.datetime) -> None:
    session.execute(update(Invitation).where(Invitation.created_by == member_id, Invitation.used_at.is_(None),
                                             Invitation.cancelled_at.is_(None)).values(cancelled_at=now))


def audit(session: Session, member, action: AuditAction, request: LeaveRequest | None = None,
          detail: str | None = None) -> None:
    """Keep who looked at or changed which request, in the turn's own transaction."""
    session.add(AuditEntry(organisation_id=member.organisation_id, member_id=member.id, action=action,
                           request_id=request.id if request is not None else None,
                           detail=detail[:200] if detail else None))


PROCESSED_UPDATE_DAYS = 7


def prune_processed_updates(db, now: dt.datetime) -> int:
    """Forget the ids of updates handled more than a week ago; returns how many. A short transaction of its own."""
    with db.begin() as connection:
        return connection.execute(delete(ProcessedUpdate).where(
            ProcessedUpdate.processed_at < now - dt.timedelta(days=PROCESSED_UPDATE_DAYS))).rowcount
