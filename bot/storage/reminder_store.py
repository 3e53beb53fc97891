"""Reminders: what is due (a draft left, a request still waiting for the worker, a leave ending), and the claim
that makes each one go out once, whichever process claims it first."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from sqlalchemy import String, and_, delete, exists, or_, type_coerce, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from bot.domain.leaves import LIVE, Status
from bot.domain.records import DraftStatus, ReminderKind
from bot.storage.models import Draft, LeaveRequest, Member, Reminder

_reminder = Reminder.__table__


def _not_claimed(kind: ReminderKind, subject):
    """No reminder of this kind about this subject was claimed for this member yet (sent, given up or in flight)."""
    return ~exists().where(Reminder.kind == kind, Reminder.subject_id == subject, Reminder.member_id == Member.id)


def _reachable(channel: str, user_key: str | None, roles: list[str]):
    """Members of `channel` (one of them: `user_key`) still enrolled, who did not turn reminders off, holding one of
    `roles` (the caller reads them off the role matrix and checks each member again: a member left out here would
    come back at every run, before the others)."""
    holds = or_(*(type_coerce(Member.roles, String).like(f"%{role}%") for role in roles))
    where = [Member.channel == channel, Member.revoked_at.is_(None), Member.reminders, holds]
    return where + ([Member.user_key == user_key] if user_key is not None else [])


def drafts_left(session: Session, channel: str, before: dt.datetime, roles: list[str], user_key: str | None = None,
                limit: int = 200) -> list[tuple[Draft, Member]]:
    """New requests still open and untouched since `before`, with their own member (still acting for the
    organisation the draft was started for), not yet reminded of."""
    return list(session.exec(
        select(Draft, Member).join(Member, Member.id == Draft.member_id)
        .where(Draft.status == DraftStatus.OPEN, Draft.form == "intake", Draft.updated_at <= before,
               or_(Draft.organisation_id.is_(None), Draft.organisation_id == Member.organisation_id),
               _not_claimed(ReminderKind.DRAFT, Draft.id), *_reachable(channel, user_key, roles))
        .order_by(Draft.id).limit(limit)).all())


def requests_due(session: Session, channel: str, kind: ReminderKind, roles: list[str], *,
                 filed_before: dt.datetime | None = None, ending: tuple[dt.date, dt.date] | None = None,
                 user_key: str | None = None, limit: int = 200) -> list[tuple[LeaveRequest, Member]]:
    """Requests still waiting for the worker since before `filed_before` (kind waiting), or live ones whose leave
    ends between the two days of `ending` (kind ending), each with every member of its organisation not yet
    reminded of it and holding one of `roles`."""
    if kind == ReminderKind.WAITING:
        due = and_(LeaveRequest.status == Status.WAITING, LeaveRequest.filed_at <= filed_before)
    else:
        due = and_(LeaveRequest.status.in_(LIVE), LeaveRequest.end_date >= ending[0],
                   LeaveRequest.end_date <= ending[1])
    return list(session.exec(
        select(LeaveRequest, Member).join(Member, Member.organisation_id == LeaveRequest.organisation_id)
        .where(due, _not_claimed(kind, LeaveRequest.id), *_reachable(channel, user_key, roles))
        .order_by(LeaveRequest.id, Member.id).limit(limit)).all())


@lru_cache(maxsize=None)
def _claiming(dialect: str):
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    return (insert_(_reminder).on_conflict_do_nothing(index_elements=["kind", "subject_id", "member_id"])
            .returning(_reminder.c.id))


def claim(session: Session, kind: ReminderKind, subject_id: int, member_id: int, now: dt.datetime) -> int | None:
    """The reminder's id if this insert made it, None if it was there already: another process (or an earlier
    run) claimed it, and only the one that claimed it sends it. On PostgreSQL a second insert waits for the first's
    transaction, and then meets its row."""
    return session.execute(_claiming(session.get_bind().dialect.name), {
        "kind": kind.value, "subject_id": subject_id, "member_id": member_id, "created_at": now}).scalar()


def mark_sent(session: Session, reminder_id: int, now: dt.datetime) -> None:
    session.execute(update(Reminder).where(Reminder.id == reminder_id).values(sent_at=now))


def mark_failed(session: Session, reminder_id: int, now: dt.datetime, error: str) -> None:
    session.execute(update(Reminder).where(Reminder.id == reminder_id).values(failed_at=now, error=error[:200]))


def release(session: Session, reminder_ids: list[int]) -> None:
    """Claims whose message could not leave (no network): forgotten, so that a later run claims and sends them."""
    if reminder_ids:
        session.execute(delete(Reminder).where(Reminder.id.in_(reminder_ids), Reminder.sent_at.is_(None)))


def set_reminders(session: Session, member_id: int, on: bool) -> None:
    session.execute(update(Member).where(Member.id == member_id).values(reminders=on))


def reminders_on(session: Session, member_id: int) -> bool:
    return bool(session.exec(select(Member.reminders).where(Member.id == member_id)).one())
