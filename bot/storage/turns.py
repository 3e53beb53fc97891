"""The hot path of a turn, in SQLAlchemy Core: the update not seen yet, the member and the chat's open draft (one
query), and the draft written back with a check that no other process changed it meanwhile.

Statements are built once, at import, so each turn only binds values. On PostgreSQL the update's id is recorded by
the same statement that reads the member and the draft (a data-modifying WITH), so a plain step is two statements.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import and_, bindparam, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from bot.domain.roles import Permission, allows
from bot.storage.models import Draft, Member, Organisation, ProcessedUpdate

member = Member.__table__
organisation = Organisation.__table__
draft = Draft.__table__
processed = ProcessedUpdate.__table__


@dataclass
class Actor:
    """The enrolled member behind the update, read with the draft in the turn's first query."""

    id: int
    organisation_id: int
    organisation_name: str
    roles: str
    channel: str
    user_key: str
    display_name: str
    locale: str | None
    email: str | None

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)

    def may(self, permission: Permission) -> bool:
        return allows(self.role_set, permission)


@dataclass
class DraftState:
    """A form being answered in this chat (a new request, or a modification of one), as read at the turn's start.

    Changed in memory by the form runner; the core writes it once, at the end of the turn, if it changed, with a
    check that nobody else changed it meanwhile (`loaded_version`)."""

    id: int
    form: str
    state: str
    answers: dict
    history: list
    editing: bool
    version: int
    request_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    status: str = "open"
    loaded_version: int = -1
    new: bool = False  # inserted by this turn

    def __post_init__(self):
        if self.loaded_version < 0:
            self.loaded_version = self.version

    @property
    def changed(self) -> bool:
        return self.version != self.loaded_version


class Conflict(Exception):
    """Another process changed this chat's draft since the turn read it: the turn is run again."""


@dataclass
class Loaded:
    fresh: bool  # False: this update was applied before (Telegram delivered it again)
    member: Actor | None
    draft: DraftState | None


_MEMBER_COLUMNS = (member.c.id, member.c.organisation_id, organisation.c.name, member.c.roles, member.c.display_name,
                   member.c.locale, member.c.email)
_DRAFT_COLUMNS = (draft.c.id, draft.c.form, draft.c.state, draft.c.answers, draft.c.history, draft.c.editing,
                  draft.c.version, draft.c.request_id, draft.c.created_at, draft.c.updated_at)


@lru_cache(maxsize=None)
def _load_statement(dialect: str, deduplicate: bool):
    """member ⟕ organisation ⟕ open draft, from a one-row base that says whether the update is new.

    On PostgreSQL the base also records the update (INSERT ... ON CONFLICT DO NOTHING in a WITH: a second delivery
    waits for the first one's transaction, then finds its row) and sets this transaction's synchronous_commit: off
    for a draft's step, on for a turn that files, modifies or cancels a request."""
    if dialect == "postgresql":
        durability = func.set_config("synchronous_commit", bindparam("synchronous_commit"), True).label("durability")
        if deduplicate:
            fresh = (pg_insert(processed).values(update_id=bindparam("update_id"), processed_at=bindparam("now"))
                     .on_conflict_do_nothing().returning(processed.c.update_id).cte("fresh"))
            base = select(func.count().label("fresh"), durability).select_from(fresh).subquery("base")
        else:
            base = select(literal(1).label("fresh"), durability).subquery("base")
    else:
        base = select(literal(1).label("fresh")).subquery("base")
    joined = (base.outerjoin(member, and_(member.c.channel == bindparam("channel"),
                                          member.c.user_key == bindparam("user_key"), member.c.revoked_at.is_(None)))
              .outerjoin(organisation, organisation.c.id == member.c.organisation_id)
              .outerjoin(draft, and_(draft.c.channel == bindparam("channel"), draft.c.chat_key == bindparam("chat_key"),
                                     draft.c.member_id == member.c.id, draft.c.status == "open")))
    return select(base.c.fresh, *_MEMBER_COLUMNS, *_DRAFT_COLUMNS).select_from(joined)


def prepare(connection: Connection, durable: bool) -> None:
    """Before the turn's transaction, SQLite's durability for its commit: FULL (synced to disk, survives a power
    loss) for a turn that files, modifies or cancels a request, NORMAL (survives a crash of the process) for the
    rest. A pooled connection remembers its setting, so a statement is spent only when it changes."""
    if connection.dialect.name != "sqlite":
        return
    wanted = "FULL" if durable else "NORMAL"
    if connection.info.get("synchronous") != wanted:
        connection.connection.driver_connection.execute(f"PRAGMA synchronous={wanted}")
        connection.info["synchronous"] = wanted


@lru_cache(maxsize=None)
def _dedupe_statement(dialect: str):
    insert_ = sqlite_insert if dialect == "sqlite" else pg_insert
    return (insert_(processed).values(update_id=bindparam("update_id"), processed_at=bindparam("now"))
            .on_conflict_do_nothing().returning(processed.c.update_id))


def load(connection: Connection, channel: str, user_key: str, chat_key: str, update_id: int | None,
         now: dt.datetime, durable: bool) -> Loaded:
    dialect = connection.dialect.name
    params = {"channel": channel, "user_key": user_key, "chat_key": chat_key, "update_id": update_id, "now": now,
              "synchronous_commit": "on" if durable else "off"}
    if update_id is not None and dialect != "postgresql":
        if connection.execute(_dedupe_statement(dialect), params).first() is None:
            return Loaded(False, None, None)
    row = connection.execute(_load_statement(dialect, update_id is not None), params).one()
    if not row[0]:
        return Loaded(False, None, None)
    if row[1] is None:
        return Loaded(True, None, None)
    actor = Actor(id=row[1], organisation_id=row[2], organisation_name=row[3], roles=row[4], channel=channel,
                  user_key=user_key, display_name=row[5], locale=row[6], email=row[7])
    if row[8] is None:
        return Loaded(True, actor, None)
    state = DraftState(id=row[8], form=row[9], state=row[10], answers=row[11], history=row[12], editing=row[13],
                       version=row[14], request_id=row[15], created_at=row[16], updated_at=row[17])
    return Loaded(True, actor, state)


_SAVE = (update(draft).where(draft.c.id == bindparam("draft_id"), draft.c.version == bindparam("loaded_version"))
         .values(state=bindparam("state"), answers=bindparam("answers"), history=bindparam("history"),
                 editing=bindparam("editing"), version=bindparam("version"), status=bindparam("status"),
                 request_id=bindparam("request_id"), updated_at=bindparam("updated_at")))
_INSERT = insert(draft).returning(draft.c.id)


def save(connection: Connection, state: DraftState, channel: str, chat_key: str, member_id: int) -> None:
    """Write a draft the turn changed: insert a new one, or update one with a check of the version read."""
    values = {"state": state.state, "answers": state.answers, "history": state.history, "editing": state.editing,
              "version": state.version, "status": state.status, "request_id": state.request_id,
              "updated_at": state.updated_at}
    if state.new:
        state.id = connection.execute(_INSERT, values | {
            "channel": channel, "chat_key": chat_key, "member_id": member_id, "form": state.form,
            "created_at": state.created_at}).scalar_one()
        state.new = False
    elif connection.execute(_SAVE, values | {"draft_id": state.id, "loaded_version": state.loaded_version}
                            ).rowcount != 1:
        raise Conflict(f"draft {state.id} changed since version {state.loaded_version}")
    state.loaded_version = state.version
