"""What a chat keeps between turns, outside the turn's own statements (bot/storage/turns.py): its drafts as the
features read them, its screen (filters, the request in focus, an invitation being made, an address being proved)
and the updates already handled. Every function works in the caller's transaction and never commits."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from sqlalchemy import case, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from bot.domain.records import DraftStatus
from bot.storage.models import (
    ChatScreen,
    Draft,
    ProcessedUpdate,
)


def start_email_check(session: Session, member, channel: str, chat_key: str, address: str, code_hash: str,
                      now: dt.datetime) -> None:
    """A code was sent to this address: kept (hashed) on the chat's screen until the member types it."""
    row = screen(session, member, channel, chat_key)
    row.email_pending, row.email_code_hash, row.email_code_sent_at = address, code_hash, now


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


_screen = ChatScreen.__table__


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


def clear_focus(db: Connection, channel: str, chat_key: str) -> None:
    """No request is on screen any more (a list or a new request is): a document sent next is attached to none."""
    db.execute(update(ChatScreen).where(ChatScreen.channel == channel, ChatScreen.chat_key == chat_key,
                                        ChatScreen.focus_request_id.is_not(None))
               .values(focus_request_id=None, focus_at=None))


PROCESSED_UPDATE_DAYS = 7


def prune_processed_updates(db, now: dt.datetime) -> int:
    """Forget the ids of updates handled more than a week ago; returns how many. A short transaction of its own."""
    with db.begin() as connection:
        return connection.execute(delete(ProcessedUpdate).where(
            ProcessedUpdate.processed_at < now - dt.timedelta(days=PROCESSED_UPDATE_DAYS))).rowcount


def close_chats_of(session: Session, member_id: int, now: dt.datetime, keep_draft: int | None = None) -> None:
    """Everything a member had open in their chats closes when they act for another organisation: their drafts and
    modifications (in every chat; `keep_draft`, the turn's own, is closed by the turn) and their chats' screens."""
    session.execute(update(Draft).where(Draft.member_id == member_id, Draft.status == DraftStatus.OPEN,
                                        Draft.id != (keep_draft or 0))
                    .values(status=DraftStatus.ABANDONED, version=Draft.version + 1, updated_at=now))
    for screen_row in session.exec(select(ChatScreen).where(ChatScreen.member_id == member_id)):
        session.delete(screen_row)
    session.flush()
