"""Organisations and who acts for them: their schools, invitations and members. Every function works in the caller's
transaction and never commits; a refusal is `Refused` with a reason (`Why`), which the use cases word."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
from enum import StrEnum

from sqlalchemy import bindparam, delete, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from bot.domain.answers import aware, local_today, visible
from bot.domain.identifiers import format_bce
from bot.domain.roles import Role
from bot.storage.models import (
    Invitation,
    LeaveRequest,
    Member,
    Organisation,
    School,
    utcnow,
)

INVITATION_DAYS = 7


class Why(StrEnum):
    """Why a registration or an invitation is refused (the use cases word it)."""

    ORGANISATION_TAKEN = "organisation-taken"  # that enterprise number is an organisation's already
    SCHOOL_NUMBER = "school-number"  # it is a school's
    SCHOOL_ELSEWHERE = "school-elsewhere"  # the school is another organisation's
    SCHOOL_HERE = "school-here"  # the school is this organisation's already
    ORGANISATION_NUMBER = "organisation-number"  # an organisation's own number, not a school's
    UNKNOWN_CODE = "unknown-code"
    USED = "used"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # params: date
    MAKER_GONE = "maker-gone"  # made by someone revoked since


class Refused(Exception):
    """A registration or an invitation refused: `why`, and what the sentence needs (`params`)."""

    def __init__(self, why: Why, **params):
        super().__init__(why.value)
        self.why, self.params = why, params


def organisation_by_bce(session: Session, bce: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.bce == bce)).first()


def add_organisation(session: Session, bce: str, name: str, demo: bool = False) -> Organisation:
    if organisation_by_bce(session, bce):
        raise Refused(Why.ORGANISATION_TAKEN, bce=format_bce(bce))
    if session.exec(select(School).where(School.bce == bce)).first():
        raise Refused(Why.SCHOOL_NUMBER, bce=format_bce(bce))
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
            raise Refused(Why.SCHOOL_ELSEWHERE, bce=format_bce(bce))
        raise Refused(Why.SCHOOL_HERE, bce=format_bce(bce))
    if organisation_by_bce(session, bce):
        raise Refused(Why.ORGANISATION_NUMBER, bce=format_bce(bce))
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


def _reading(name: str) -> str:
    """A name as it is alphabetised: case and accents left aside."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(ch))


def schools_of(db: Session | Connection, organisation_id: int, community: str | None = None) -> list:
    """The organisation's schools (bce, name, community), by name as people read it ("École A" before "School B":
    the database orders an accented capital after every plain letter); only one community's when given."""
    if community:
        rows = db.execute(_SCHOOLS_IN, {"organisation": organisation_id, "community": community})
    else:
        rows = db.execute(_SCHOOLS, {"organisation": organisation_id})
    return sorted(rows, key=lambda row: (_reading(row.name), row.name))


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


def member_for(session: Session, channel: str, user_key: str) -> Member | None:
    """The enrolled, not revoked member behind a chat account."""
    return session.exec(select(Member).where(Member.channel == channel, Member.user_key == user_key,
                                             Member.revoked_at.is_(None))).first()


def _usable(session: Session, invitation: Invitation | None, now: dt.datetime) -> Invitation:
    """The invitation if it can still be used; otherwise Refused saying why."""
    if invitation is None:
        raise Refused(Why.UNKNOWN_CODE)
    if invitation.used_at is not None:
        raise Refused(Why.USED)
    if invitation.cancelled_at is not None:
        raise Refused(Why.CANCELLED)
    if aware(invitation.expires_at) < now:
        raise Refused(Why.EXPIRED, date=local_today(aware(invitation.expires_at)))
    maker = session.get(Member, invitation.created_by) if invitation.created_by else None
    if maker is not None and maker.revoked_at is not None:  # revoked since: what they made goes with them
        raise Refused(Why.MAKER_GONE)
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


def leave_organisation(session: Session, member_id: int, now: dt.datetime) -> None:
    """A member who acts for another organisation leaves this one: as when they are revoked, the invitations they
    made that nobody used are cancelled (their chats are closed by bot/storage/chat_store.py)."""
    _cancel_invitations_made_by(session, member_id, now)


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


def members_of(session: Session, organisation_id: int) -> list[Member]:
    """The organisation's enrolled, not revoked members."""
    return list(session.exec(select(Member).where(Member.organisation_id == organisation_id,
                                                  Member.revoked_at.is_(None)).order_by(Member.enrolled_at)))


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
