"""The hot path of a turn: the update not seen yet, the member and the chat's open draft (one query), and the draft
written back with a check that no other process changed it meanwhile.

Three statements that every update runs, so they skip SQLAlchemy's statement machinery (about 70 µs each, more than
SQLite takes to run them) and go to the driver as plain SQL, written once per database, inside the transaction
that SQLAlchemy opened on the same connection. On PostgreSQL the update's id is recorded by the same statement that
reads the member and the draft (a data-modifying WITH), so a plain step is two statements.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.engine import Connection

from bot.domain.records import DraftStatus
from bot.domain.roles import Permission, Role, allows, roles_of
from bot.storage.models import Draft


@dataclass
class Actor:
    """The enrolled member behind the update, read with the draft in the turn's first query."""

    id: int
    organisation_id: int
    organisation_name: str
    roles: frozenset[Role]
    channel: str
    user_key: str
    display_name: str
    locale: str | None
    email: str | None

    @property
    def role_set(self) -> frozenset[Role]:
        return self.roles

    def may(self, permission: Permission) -> bool:
        return allows(self.role_set, permission)

    @classmethod
    def of(cls, member, organisation) -> Actor:
        """The actor of a member row and its organisation (an address not yet proved is not used)."""
        return cls(id=member.id, organisation_id=organisation.id, organisation_name=organisation.name,
                   roles=member.roles, channel=member.channel, user_key=member.user_key,
                   display_name=member.display_name, locale=member.locale,
                   email=member.email if member.email_verified_at else None)


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
    status: DraftStatus = DraftStatus.OPEN
    organisation_id: int | None = None  # the organisation it was started for
    loaded_version: int = -1
    new: bool = False  # inserted by this turn
    # The question of this version may not be on the chat's screen: its reply failed or was held at a stop, or the
    # database server restarted since the draft was written (a crash may have undone later steps): a typed text
    # then answers an unknown question, and is not stored.
    unseen: bool = False

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


_MEMBER = ("m.id, m.organisation_id, o.name, m.roles, m.display_name, m.locale, m.email, m.email_verified_at, "
           "d.id, d.form, d.state, d.answers, d.history, d.editing, d.version, d.request_id, d.created_at, "
           "d.updated_at, d.organisation_id, d.unseen_version")
_JOINED = ("member m JOIN organisation o ON o.id = m.organisation_id "
           "LEFT JOIN draft d ON d.channel = m.channel AND d.chat_key = :chat_key AND d.member_id = m.id "
           "AND d.status = 'open'")
_DRAFT_VALUES = "state, answers, history, editing, version, status, request_id, updated_at"


@dataclass(frozen=True)
class _Statements:
    """The hot path's SQL for one database, and how its values are written and read."""

    dialect: str
    deduplicate: str | None  # SQLite: a statement of its own; PostgreSQL: part of `load`
    load: str
    load_fresh: str  # `load` with the update recorded first (PostgreSQL)
    save: str
    insert: str

    def loads(self, value):
        """A JSON column as the driver gives it: text on SQLite, already decoded on PostgreSQL."""
        return json.loads(value) if isinstance(value, str) else value


@lru_cache(maxsize=None)
def _statements(dialect: str) -> _Statements:
    if dialect == "postgresql":
        # From a one-row base, LEFT JOINed: a redelivered update is told apart from a stranger's even when no
        # member is found.
        load = (f"SELECT 1, set_config('synchronous_commit', %(synchronous_commit)s, true), {_MEMBER}, "
                "pg_postmaster_start_time() "
                "FROM (SELECT 1) AS one LEFT JOIN member m ON m.channel = %(channel)s AND m.user_key = %(user_key)s "
                "AND m.revoked_at IS NULL LEFT JOIN organisation o ON o.id = m.organisation_id "
                "LEFT JOIN draft d ON d.channel = m.channel AND d.chat_key = %(chat_key)s AND d.member_id = m.id "
                "AND d.status = 'open'")
        load_fresh = ("WITH fresh AS (INSERT INTO processed_update (bot_id, update_id, processed_at) "
                      "VALUES (%(bot_id)s, %(update_id)s, %(now)s) ON CONFLICT DO NOTHING RETURNING update_id) "
                      + load.replace("SELECT 1,", "SELECT (SELECT count(*) FROM fresh),", 1))
        return _Statements(
            dialect, None, load, load_fresh,
            save=("UPDATE draft SET state = %(state)s, answers = %(answers)s::json, history = %(history)s::json, "
                  "editing = %(editing)s, version = %(version)s, status = %(status)s, request_id = %(request_id)s, "
                  "updated_at = %(updated_at)s WHERE id = %(draft_id)s AND version = %(loaded_version)s"),
            insert=(f"INSERT INTO draft (channel, chat_key, member_id, organisation_id, form, created_at, "
                    f"{_DRAFT_VALUES}) VALUES (%(channel)s, %(chat_key)s, %(member_id)s, %(organisation_id)s, "
                    "%(form)s, %(created_at)s, %(state)s, "
                    "%(answers)s::json, %(history)s::json, %(editing)s, %(version)s, %(status)s, %(request_id)s, "
                    "%(updated_at)s) RETURNING id"))
    return _Statements(
        dialect,
        deduplicate=("INSERT INTO processed_update (bot_id, update_id, processed_at) VALUES (:bot_id, :update_id, "
                     ":now) ON CONFLICT DO NOTHING RETURNING update_id"),
        load=(f"SELECT 1, NULL, {_MEMBER}, NULL FROM {_JOINED} WHERE m.channel = :channel "
              "AND m.user_key = :user_key AND m.revoked_at IS NULL"),
        load_fresh="",
        save=("UPDATE draft SET state = :state, answers = :answers, history = :history, editing = :editing, "
              "version = :version, status = :status, request_id = :request_id, updated_at = :updated_at "
              "WHERE id = :draft_id AND version = :loaded_version"),
        insert=(f"INSERT INTO draft (channel, chat_key, member_id, organisation_id, form, created_at, "
                f"{_DRAFT_VALUES}) VALUES (:channel, :chat_key, :member_id, :organisation_id, :form, :created_at, "
                ":state, :answers, :history, :editing, "
                ":version, :status, :request_id, :updated_at) RETURNING id"))


@lru_cache(maxsize=None)
def _moments(dialect):
    """How the driver takes and gives a timestamp column, as SQLAlchemy's own type does it."""
    column = Draft.__table__.c.updated_at.type.dialect_impl(dialect)
    return (column.bind_processor(dialect) or (lambda value: value),
            column.result_processor(dialect, None) or (lambda value: value))


def _driver(connection: Connection):
    return connection.connection.driver_connection


def _execute(connection: Connection, sql: str, params: dict):
    return _driver(connection).execute(sql, params)


def prepare(connection: Connection, durable: bool) -> None:
    """Before the turn's transaction, SQLite's durability for its commit: FULL (synced to disk, survives a power
    loss) for a turn that files, modifies or cancels a request, NORMAL (survives a crash of the process) for the
    rest. A pooled connection remembers its setting, so a statement is spent only when it changes."""
    if connection.dialect.name != "sqlite":
        return
    wanted = "FULL" if durable else "NORMAL"
    if connection.info.get("synchronous") != wanted:
        _driver(connection).execute(f"PRAGMA synchronous={wanted}")
        connection.info["synchronous"] = wanted


def load(connection: Connection, channel: str, user_key: str, chat_key: str, update_id: int | None,
         now: dt.datetime, durable: bool, bot_id: int = 0) -> Loaded:
    sql = _statements(connection.dialect.name)
    to_db, from_db = _moments(connection.dialect)
    params = {"channel": channel, "user_key": user_key, "chat_key": chat_key, "update_id": update_id, "bot_id": bot_id,
              "now": to_db(now), "synchronous_commit": "on" if durable else "off"}
    if update_id is not None and sql.deduplicate:
        if _execute(connection, sql.deduplicate, params).fetchone() is None:
            return Loaded(False, None, None)
    row = _execute(connection, sql.load_fresh if update_id is not None and sql.load_fresh else sql.load,
                   params).fetchone()
    if row is None:  # SQLite: no such member
        return Loaded(True, None, None)
    if not row[0]:
        return Loaded(False, None, None)
    if row[2] is None:
        return Loaded(True, None, None)
    actor = Actor(id=row[2], organisation_id=row[3], organisation_name=row[4], roles=roles_of(row[5]), channel=channel,
                  user_key=user_key, display_name=row[6], locale=row[7],
                  email=row[8] if row[9] is not None else None)  # an address not yet proved is not used
    if row[10] is None:
        return Loaded(True, actor, None)
    state = DraftState(id=row[10], form=row[11], state=row[12], answers=sql.loads(row[13]),
                       history=sql.loads(row[14]), editing=bool(row[15]), version=row[16], request_id=row[17],
                       created_at=from_db(row[18]), updated_at=from_db(row[19]), organisation_id=row[20])
    server_start = row[22]
    state.unseen = row[21] == state.version or (server_start is not None and state.updated_at < server_start <= now)
    return Loaded(True, actor, state)


def save(connection: Connection, state: DraftState, channel: str, chat_key: str, member_id: int) -> None:
    """Write a draft the turn changed: insert a new one, or update one with a check of the version read."""
    sql = _statements(connection.dialect.name)
    to_db, _from_db = _moments(connection.dialect)
    values = {"state": state.state, "answers": json.dumps(state.answers, ensure_ascii=False),
              "history": json.dumps(state.history), "editing": state.editing, "version": state.version,
              "status": state.status, "request_id": state.request_id, "updated_at": to_db(state.updated_at)}
    if state.new:
        state.id = _execute(connection, sql.insert, values | {
            "channel": channel, "chat_key": chat_key, "member_id": member_id, "form": state.form,
            "organisation_id": state.organisation_id, "created_at": to_db(state.created_at)}).fetchone()[0]
        state.new = False
    elif _execute(connection, sql.save, values | {"draft_id": state.id, "loaded_version": state.loaded_version}
                  ).rowcount != 1:
        raise Conflict(f"draft {state.id} changed since version {state.loaded_version}")
    state.loaded_version = state.version
