"""The engine core: one turn per update. Skip an update already applied, find the member and the chat's open draft,
choose the language, hand the input to the routes, commit once, answer.

A turn is all or nothing: handlers, use cases and storage functions never commit, so a failure anywhere rolls the whole
turn back and the user is told that this last step was not saved; a request is never reported filed unless its
commit went through. Another process that changed the chat's draft meanwhile makes the turn run again.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial

from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as Database
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from bot import metrics
from bot.core.actions import unpack
from bot.core.router import Routes
from bot.core.turn import Options, Turn
from bot.core.views import Input, Reply, View, as_views
from bot.domain.roles import Permission, refusal
from bot.i18n import N_, resolve_language, t
from bot.storage import turns
from bot.storage.database import BEGIN
from bot.storage.models import utcnow

log = logging.getLogger(__name__)
ATTEMPTS = 3  # a turn that met another process's change of the same chat runs again, up to this many times
FAILED = N_("Sorry, something went wrong on our side: this last step was not saved. Your earlier answers are kept: "
            "please try again, or type /help.")
BUSY = N_("The assistant is busy right now: this last step was not saved. Please send it again in a moment.")


class SQLiteThread:
    """SQLite's one thread: database work done in the order it comes, each answer handed back to whoever asked.
    Lighter than a ThreadPoolExecutor and its futures (about 6 % of a step); still, the hop there and back costs a
    plain step about 0.1 ms on one CPU, 0.25 ms across two (waking a thread on another CPU), beside its own 0.5 ms."""

    def __init__(self):
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="sqlite", daemon=True)
        self._thread.start()
        self.ident = self._thread.ident

    def _serve(self) -> None:
        while (item := self._work.get()) is not None:
            answer, work, arguments = item
            try:
                result, error = work(*arguments), None
            except BaseException as failure:  # noqa: BLE001 - it is the caller's, raised where it waits
                result, error = None, failure
            try:
                answer(result, error)
            except RuntimeError:  # the event loop that asked is closed: nobody waits for this answer
                pass

    async def run(self, work, *arguments):
        """From the event loop: the work done in this thread, the loop free meanwhile."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._work.put((partial(loop.call_soon_threadsafe, _settle, future), work, arguments))
        return await future

    def wait(self, work, *arguments):
        """From any other thread: the work done in this one, waited for."""
        done: Future = Future()
        self._work.put((partial(_settle, done), work, arguments))
        return done.result()

    def stop(self) -> None:
        """What was asked before is done; then the thread ends."""
        self._work.put(None)
        self._thread.join()


def _settle(future, result, error) -> None:
    if future.done():  # its caller was cancelled (a shutdown)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Engine:
    """Turns Inputs into Replies. Holds no per-user state: everything lives in the database."""

    def __init__(self, db: Database, routes: Routes, options: Options | None = None, clock=utcnow,
                 threads: int = 16):
        self.db = db
        self.routes = routes
        self.options = options or Options()
        self.clock = clock
        # Database work runs off the event loop, so that the loop (other chats' replies, the jobs, the webhook
        # server) never waits for it: a turn on a database server waits for the network and for other chats'
        # locks, and one on SQLite, though a few hundred microseconds, for the disk as long as the disk stalls.
        # On a database server, in a pool of threads; on SQLite, which has one writer anyway, in one thread of its
        # own, which keeps one connection for every turn.
        self._sqlite = db.dialect.name == "sqlite"
        self._thread_count = threads
        self._threads: ThreadPoolExecutor | None = None
        self._sqlite_thread: SQLiteThread | None = None
        self._starting = threading.Lock()
        self._kept: Connection | None = None  # SQLite: made, used and closed in its thread only

    async def run(self, inp: Input) -> Reply:
        """`handle` for the asynchronous channels."""
        return await self.offload(self.handle, inp)

    async def offload(self, work, *arguments):
        """Database work from the event loop, in SQLite's thread or the turn threads; the loop is free meanwhile."""
        if self._sqlite:
            return await self._sqlite_worker().run(work, *arguments)
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self._thread_count, "turn")
        return await asyncio.get_running_loop().run_in_executor(self._threads, work, *arguments)

    def _sqlite_worker(self) -> SQLiteThread:
        if self._sqlite_thread is None:
            with self._starting:  # the event loop's thread and a direct caller's could both start it
                if self._sqlite_thread is None:
                    self._sqlite_thread = SQLiteThread()
        return self._sqlite_thread

    def close(self) -> None:
        """Let the threads and the kept connection go (the application is shutting down); a later turn takes them
        again."""
        if self._threads is not None:
            self._threads.shutdown(wait=True)
            self._threads = None
        if self._sqlite_thread is not None:
            if self._kept is not None:  # closed in the thread that made it
                self._sqlite_thread.wait(self._let_kept_go)
            self._sqlite_thread.stop()
            self._sqlite_thread = None

    def _let_kept_go(self) -> None:
        self._kept.close()
        self._kept = None

    @contextmanager
    def _connection(self):
        """The turn's connection: from the pool on a database server, or, on SQLite, the one its thread keeps for
        every turn (turns there run one after the other, and a checkout costs as much as a step's own SQL)."""
        if not self._sqlite:
            with self.db.connect() as connection:
                yield connection
            return
        if self._kept is None or self._kept.invalidated:
            self._kept = self.db.connect()
            self._kept.info[BEGIN] = "BEGIN IMMEDIATE"  # a turn reads then writes: the lock first
        try:
            yield self._kept
        except BaseException:
            if self._kept.invalidated:  # a broken connection is not kept
                self._kept.close()
                self._kept = None
            raise

    @property
    def default_locale(self) -> str:
        return self.options.default_locale

    def handle(self, inp: Input) -> Reply:
        """One turn, whole or not at all; counted, with its time, by the kind of its input (bot.metrics). Called
        directly (the terminal chat, a test), on SQLite it runs in SQLite's thread all the same, and waits for it."""
        if self._sqlite and threading.get_ident() != self._sqlite_worker().ident:
            return self._sqlite_worker().wait(self.handle, inp)
        started = time.perf_counter()
        try:
            return self._handle(inp)
        finally:
            metrics.answered(inp.kind, time.perf_counter() - started)

    def _handle(self, inp: Input) -> Reply:
        durable = self._durable(inp)
        busy = Reply([View([t(BUSY)])], resolve_language(None, inp.language_code, self.default_locale))
        for attempt in range(ATTEMPTS):
            if attempt:
                metrics.TURNS_RETRIED.inc()
            try:
                return self._turn(inp, durable)
            except Exception as error:  # noqa: BLE001 - whatever broke, the user gets an answer
                kind = self._what_failed(error)
                if kind == "race":  # another process got there first (a draft's version, a unique row): look again
                    log.info("turn of %s input run again: %s", inp.kind, type(error).__name__)
                elif kind == "lost":  # the server dropped the connection: a fresh one is taken
                    log.warning("database connection lost during a turn: run again")
                elif kind == "busy":  # another process holds the database: nothing stored, the user sends again
                    log.warning("database busy for a %s input", inp.kind)
                    metrics.TURNS_BUSY.inc()
                    return busy
                else:
                    return self._failed(inp, error)
        metrics.TURNS_BUSY.inc()
        return busy

    def _what_failed(self, error: Exception) -> str:
        """race, lost, busy or failed; the hot path speaks to the driver, so its errors come unwrapped."""
        dbapi = self.db.dialect.loaded_dbapi
        if isinstance(error, (turns.Conflict, IntegrityError, dbapi.IntegrityError)):
            return "race"
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return "lost"
        if isinstance(error, (OperationalError, dbapi.OperationalError)):
            text = str(getattr(error, "orig", error)).lower()
            if "locked" in text or "busy" in text or "lock timeout" in text or "could not obtain lock" in text:
                return "busy"
        return "failed"

    def _failed(self, inp: Input, error: Exception) -> Reply:
        metrics.TURNS_FAILED.inc()
        log.error("could not handle %s input %r", inp.kind, inp.command or "(answer)", exc_info=error)
        return Reply([View([t(FAILED)])], resolve_language(None, inp.language_code, self.default_locale))

    async def check_upload(self, inp: Input) -> Reply | None:
        """Before a document is downloaded: why it would be refused (not enrolled, no request open, too big, a type
        we do not take, the request's limits), or None. Reads only: the update is not recorded, so the turn that
        follows with the bytes is its turn."""
        started = time.perf_counter()
        refusal = await self.offload(self._check_upload, inp)
        if refusal is not None:  # the update ends here, without a turn: counted as answered
            metrics.answered(inp.kind, time.perf_counter() - started)
        return refusal

    def _check_upload(self, inp: Input) -> Reply | None:
        with self._connection() as connection:
            transaction = connection.begin()
            turn = None
            try:
                loaded = turns.load(connection, inp.channel, inp.user_key, inp.chat_key, None, self.clock(), False)
                turn = Turn(inp=inp, member=loaded.member, now=self.clock(), options=self.options,
                            routes=self.routes, connection=connection, draft=loaded.draft,
                            lang=resolve_language(loaded.member, inp.language_code, self.default_locale))
                handler, needs, check = self.routes.upload_for(inp.upload)
                if turn.member is None:
                    views = as_views(self.routes.anonymous(turn))
                elif needs is not None and not turn.member.may(needs):
                    views = [View([t(refusal(needs))])]
                else:
                    views = as_views(check(turn)) if check and check(turn) is not None else []
                return Reply(views, turn.lang) if views else None
            finally:
                if turn is not None and turn._session is not None:
                    turn._session.close()
                transaction.rollback()

    def _durable(self, inp: Input) -> bool:
        """Whether this input may file, change or cancel a request: its commit then waits for the disk."""
        if inp.kind == "upload":
            return True
        if inp.kind != "button":
            return False
        unpacked = unpack(inp.text)
        route = unpacked and self.routes.actions.get(unpacked[0].name)
        return bool(route and route.durable(unpacked[1]))

    def _turn(self, inp: Input, durable: bool) -> Reply:
        now = self.clock()
        with self._connection() as connection:
            turns.prepare(connection, durable)
            transaction = connection.begin()
            turn = None
            try:
                loaded = turns.load(connection, inp.channel, inp.user_key, inp.chat_key, inp.update_id, now, durable,
                                    inp.bot_id)
                if not loaded.fresh:  # already applied, by this process or another
                    transaction.rollback()
                    return Reply([], self.default_locale)
                turn = Turn(inp=inp, member=loaded.member, now=now, options=self.options, routes=self.routes,
                            connection=connection, draft=loaded.draft,
                            lang=resolve_language(loaded.member, inp.language_code, self.default_locale))
                views = self._dispatch(turn)
                self._store(turn)
                transaction.commit()
            except BaseException:
                transaction.rollback()
                raise
            finally:
                if turn is not None and turn._session is not None:
                    turn._session.close()
            # The language may have changed during the turn (enrolment, /language).
            asks = (turn.draft.id, turn.draft.version) if turn.draft is not None else None
            return Reply(views, turn.lang, asks)

    def _store(self, turn: Turn) -> None:
        """What the turn changed, written at its end: the ORM's changes, then the drafts (closed ones first, so
        that the chat has at most one open draft at any moment)."""
        if turn._session is not None:
            turn._session.flush()
        for draft in [*turn.closed_drafts, turn.draft]:
            if draft is not None and (draft.changed or draft.new):
                turns.save(turn.connection, draft, turn.inp.channel, turn.inp.chat_key, turn.member.id)

    # --- routing ---------------------------------------------------------------------------------------------

    def _dispatch(self, turn: Turn) -> list[View]:
        inp, routes = turn.inp, self.routes
        command = routes.commands.get(inp.command) if inp.kind == "command" else None
        if turn.member is None:
            if command is not None and command.public:
                return as_views(command.handler(turn))
            return as_views(routes.anonymous(turn))
        if inp.kind == "command":
            if command is None:
                return [View([t(N_("I do not know the command /{command}. Type /help to see what I can do."),
                                 command=inp.command[:32])])]
            return _guarded(turn, command.needs, command.handler)
        if inp.kind == "button":
            unpacked = unpack(inp.text)
            route = unpacked and routes.actions.get(unpacked[0].name)
            if not route:  # an old button (an earlier version of the bot) or a forged one; the open form is shown again
                return [View([t(N_("This button is no longer valid. Type /help to see what I can do."))]),
                        *(as_views(routes.current(turn)) if turn.draft else [])]
            return _guarded(turn, route.needs, route.handler, *unpacked[1])
        if inp.kind == "upload":
            handler, needs, _check = routes.upload_for(inp.upload)
            return _guarded(turn, needs, handler)
        if inp.kind == "other":
            views = [View([t(N_("I can only read typed answers, buttons and documents here."))])]
            return views + (as_views(routes.current(turn)) if turn.draft else [])
        return as_views(routes.typed(turn))


def _guarded(turn: Turn, needs: Permission | None, handler, *arguments) -> list[View]:
    """The handler, if the member's roles allow what it needs (one role matrix, in the domain)."""
    if needs is not None and not turn.member.may(needs):
        return [View([t(refusal(needs))])]
    return as_views(handler(turn, *arguments))
