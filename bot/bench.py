"""`breakbot bench`: what an intake step, the overview, the export, open dialogs and two processes cost.

One run on one machine prints a table and writes it, with the machine's description, to `bench/results.md`
(`--quick`: small sizes, written to `bench/results-quick.md`). Targets are compared and printed, never asserted.

- Intake step: full intakes (/new to ticket) through the real `Application`, answered by a recording request
  object (no network), on a SQLite file with durable writes (WAL, synchronous=FULL), divided by their updates;
  next to a bare python-telegram-bot echo handler fed the same updates in the same run, rounds interleaved.
- Overview: the first page and the total count of the largest organisation (`overview._query`, as the screen
  asks them) in a generated database, p50 and p95; the same on PostgreSQL when one is configured.
- Export: the CSV of that organisation's requests, all periods.
- Memory: resident memory of a fresh process with N dialogs open at different steps, minus with none.
- Two processes: updates per second of two OS processes serving full intakes on one PostgreSQL database.

The data are generated from a seed (`random.Random`), so two runs build the same database; the SQLite file is
kept in `bench/.data/` keyed by seed, sizes and table definition. PostgreSQL is used when `BENCH_POSTGRES_URL`
(or `BREAKBOT_TEST_DATABASE_URL`) names a database that is empty or was filled by this benchmark.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import gc
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
SEED = 20261127
GENERATOR_VERSION = 1
TOKEN = "123456:BENCH-TOKEN"
BOT_USER = {"id": 999000, "is_bot": True, "first_name": "Breakbot", "username": "breakbot_bench_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
# The organisation that files during the intake measurements (numbers as in the tests; the generated ones start
# with 1 and cannot collide with them).
INTAKE_ORG_BCE, SCHOOL_FWB, SCHOOL_VL = "0234567873", "0876543270", "1020304002"
ANCHOR = dt.date(2026, 11, 1)  # "today" of the generated data: four years of filings end here
YEARS = 4


@dataclass(frozen=True)
class Sizes:
    organisations: int
    requests: int
    largest: int
    intakes_per_round: int
    rounds: int
    query_runs: int
    export_runs: int
    dialogs: int
    pg_seconds: float


FULL = Sizes(organisations=2000, requests=1_000_000, largest=50_000, intakes_per_round=10, rounds=5,
             query_runs=200, export_runs=3, dialogs=10_000, pg_seconds=10.0)
QUICK = Sizes(organisations=20, requests=20_000, largest=2_000, intakes_per_round=2, rounds=3,
              query_runs=30, export_runs=1, dialogs=300, pg_seconds=2.0)

# The lines of the table, in order (tests check that each is printed).
INTAKE_LINE = "intake step, SQLite file (durable)"
ECHO_LINE = "bare python-telegram-bot echo"
RATIO_LINE = "intake step / echo"
OVERVIEW_LINES = {  # key -> label
    "default": "overview page + count: default (last 2 years)",
    "all": "overview page + count: all periods",
    "status_type": "overview page + count: status waiting,processing + type parental",
    "niss": "overview page + count: one NISS",
}
EXPORT_LINE = "CSV export, largest organisation, all periods"
MEMORY_LINE = "resident memory: open dialogs minus none"
PG_OVERVIEW_PREFIX = "PostgreSQL "
TWO_PROCESS_LINE = "two processes on one PostgreSQL: updates/s"
FIGURE_LINES = [INTAKE_LINE, ECHO_LINE, RATIO_LINE, *OVERVIEW_LINES.values(), EXPORT_LINE, MEMORY_LINE,
                *(PG_OVERVIEW_PREFIX + label for label in OVERVIEW_LINES.values()), TWO_PROCESS_LINE]
NOT_MEASURED = "not measured (no PostgreSQL configured)"


# --- a Bot API without network -----------------------------------------------------------------------------------

def offline_answer(name: str, params: dict, ids, bot_user: dict = BOT_USER):
    """What Telegram would answer to a Bot API call, enough for a bot to go on (shared with the tests)."""
    if name == "getMe":
        return bot_user
    if name == "sendDocument":
        return {"message_id": next(ids), "date": 0, "chat": {"id": params.get("chat_id", 1), "type": "private"},
                "from": bot_user, "document": {"file_id": f"sent{next(ids)}", "file_unique_id": "s"}}
    if name in ("sendMessage", "editMessageText"):
        result = {"message_id": params.get("message_id") or next(ids), "date": 0,
                  "chat": {"id": params.get("chat_id", 1), "type": "private"}, "text": params.get("text", ""),
                  "from": bot_user}
        if "reply_markup" in params:
            result["reply_markup"] = params["reply_markup"]
        return result
    return True


def _recording_request_class():
    from telegram.request import BaseRequest

    class BenchRequest(BaseRequest):
        """Answers the Bot API like Telegram would, as the tests' RecordingRequest does, but only counts the calls
        (keeping them would grow the process); with `record`, it remembers the last inline keyboard."""

        def __init__(self, record: bool = False):
            self.calls = 0
            self.record = record
            self.keyboard: list[str] = []
            self.keyboard_message = 1
            self._ids = itertools.count(100)

        @property
        def read_timeout(self):
            return 1.0

        async def initialize(self):
            pass

        async def shutdown(self):
            pass

        async def do_request(self, url, method, request_data=None, read_timeout=None, write_timeout=None,
                             connect_timeout=None, pool_timeout=None):
            name = url.rsplit("/", 1)[-1]
            params = dict(request_data.parameters) if request_data else {}
            self.calls += 1
            result = offline_answer(name, params, self._ids)
            if self.record and isinstance(result, dict) and "reply_markup" in result:
                self.keyboard = [b["callback_data"] for row in params["reply_markup"]["inline_keyboard"]
                                 for b in row]
                self.keyboard_message = result["message_id"]
            return 200, json.dumps({"ok": True, "result": result}).encode()

    return BenchRequest


_update_ids = itertools.count(1)


def number_updates_from(first: int) -> None:
    """Telegram numbers updates once for all the bot's processes, and the product skips an update_id it has
    already seen: processes sharing a database take disjoint ranges."""
    global _update_ids
    _update_ids = itertools.count(first)


def first_free_update_id(db) -> int:
    """One more than the largest update_id the database remembers (1 when it remembers none)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with db.connect() as connection:
            return (connection.execute(text("SELECT max(update_id) FROM processed_update")).scalar() or 0) + 1
    except SQLAlchemyError:  # no such table: the product does not keep them
        return 1


def _user(user_id: int) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "fr"}


def text_update(bot, user_id: int, text: str):
    from telegram import Update

    message = {"message_id": next(_update_ids), "date": 0, "chat": {"id": user_id, "type": "private"},
               "from": _user(user_id), "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return Update.de_json({"update_id": next(_update_ids), "message": message}, bot)


def button_update(bot, user_id: int, data: str, message_id: int):
    from telegram import Update

    message = {"message_id": message_id, "date": 0, "chat": {"id": user_id, "type": "private"}, "text": "…",
               "from": BOT_USER}
    query = {"id": str(next(_update_ids)), "from": _user(user_id), "chat_instance": "x", "data": data,
             "message": message}
    return Update.de_json({"update_id": next(_update_ids), "callback_query": query}, bot)


def _settings():
    from bot.settings import Settings

    return Settings(telegram_bot_token=TOKEN, _env_file=None)


async def bot_application(db, attachments: Path, record: bool = False):
    """The product: the real Application of `build_application`, on `db`, answered by a BenchRequest."""
    from bot.channels.telegram import build_application
    from bot.fsm.engine import Engine

    request = _recording_request_class()(record)
    app = build_application(_settings(), Engine(db, "fr", attachments_dir=attachments), request=request,
                            rate_limited=False)
    app.bench_request = request
    await app.initialize()
    return app


async def echo_application():
    """The reference: a bare python-telegram-bot application that echoes texts and answers and edits on taps."""
    from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

    async def echo_text(update, context):
        await update.effective_message.reply_text(update.effective_message.text)

    async def echo_button(update, context):
        query = update.callback_query
        await query.answer()
        await query.edit_message_text(query.data)

    request = _recording_request_class()()
    app = Application.builder().token(TOKEN).request(request).get_updates_request(request).build()
    app.add_handler(MessageHandler(filters.TEXT, echo_text))
    app.add_handler(CallbackQueryHandler(echo_button))
    app.bench_request = request
    await app.initialize()
    return app


# --- the intake as a user does it ---------------------------------------------------------------------------------

def niss_number(index: int) -> str:
    """A valid NISS (born 1960-1999), different for every index below 14,570,800."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=(index * 7919) % 14600)
    serial = 1 + (index // 14600) % 998
    body = f"{birth:%y%m%d}{serial:03d}"
    return f"{body}{97 - int(body) % 97:02d}"


def bce_number(index: int) -> str:
    """A valid enterprise number starting with 1, different for every index."""
    body = 10_000_000 + index
    return f"{body:08d}{97 - body % 97:02d}"


INTAKE_NISS_BASE = 10_000_000  # the generated data use indices far below
NISS_STEP = 3  # where the NISS is typed in INTAKE_SCRIPT


def intake_script(today: dt.date) -> list[tuple[str, str]]:
    """What a user types and taps from /new to the ticket (as tests/test_intake_dialog.py's to_summary + confirm)."""
    start = (today.replace(day=1) + dt.timedelta(days=95)).replace(day=1)
    return [("text", "/new"), ("tap", "fwb"), ("tap", SCHOOL_FWB), ("text", "NISS"), ("text", "Dupont"),
            ("text", "Marie"), ("tap", "statutory"), ("tap", "skip"), ("tap", "parental"), ("tap", "full"),
            ("text", start.strftime("%d/%m/%Y")), ("tap", "m1"), ("text", "20h00"), ("tap", "same"),
            ("text", today.strftime("%d/%m/%Y")), ("tap", "no"), ("tap", "toggle:certified"), ("tap", "confirm")]


@dataclass
class Recorded:
    """One intake's updates as they were sent: texts, and callback data with their version prefixes."""

    steps: list[tuple[str, str, int]]  # (kind, text or callback data, message id of the tapped message)

    def updates(self, bot, user_id: int, niss_index: int, upto: int | None = None) -> list:
        out = []
        for i, (kind, data, message_id) in enumerate(self.steps[:upto]):
            if kind == "text":
                out.append(text_update(bot, user_id, niss_number(niss_index) if i == NISS_STEP else data))
            else:
                out.append(button_update(bot, user_id, data, message_id))
        return out


async def record_intake(app, user_id: int, niss_index: int, today: dt.date) -> Recorded:
    """Drive one intake by button codes, keeping the callback data actually shown (the dialog's versions)."""
    request = app.bench_request
    steps = []
    for kind, value in intake_script(today):
        if kind == "text":
            value = niss_number(niss_index) if len(steps) == NISS_STEP else value
            steps.append(("text", value, 0))
            await app.process_update(text_update(app.bot, user_id, value))
            continue
        data = next((d for d in request.keyboard if d.split(":", 1)[-1] == value), None)
        if data is None:
            raise RuntimeError(f"the intake did not offer {value!r} (buttons: {request.keyboard})")
        steps.append(("tap", data, request.keyboard_message))
        await app.process_update(button_update(app.bot, user_id, data, request.keyboard_message))
    return Recorded(steps)


def setup_intake_organisation(db, user_ids) -> int:
    """The filing organisation with a school in FWB and one in VL, and its enrolled members."""
    from sqlalchemy import insert

    from bot.storage import repository
    from bot.storage.database import session
    from bot.storage.models import Member

    with session(db) as s:
        organisation = repository.organisation_by_bce(s, INTAKE_ORG_BCE)
        if organisation is None:
            organisation = repository.add_organisation(s, INTAKE_ORG_BCE, "PO Banc d'essai")
            repository.add_school(s, organisation, SCHOOL_FWB, "fwb", "École A")
            repository.add_school(s, organisation, SCHOOL_VL, "vl", "School B")
        known = {m.user_key for m in repository.members_of(s, organisation.id)}
        organisation_id = organisation.id
    rows = [{"organisation_id": organisation_id, "channel": "telegram", "user_key": str(u), "display_name": "",
             "roles": "po-education", "enrolled_at": dt.datetime.now(dt.UTC)}
            for u in user_ids if str(u) not in known]
    if rows:
        with db.begin() as connection:
            for i in range(0, len(rows), 5000):
                connection.execute(insert(Member.__table__), rows[i:i + 5000])
    return organisation_id


def count_filed(db, organisation_id: int) -> int:
    from bot.storage import repository
    from bot.storage.database import session

    with session(db) as s:
        return repository.count_requests(s, organisation_id)


def _no_sync(db):
    """The same engine without waiting for the disk (PRAGMA synchronous=OFF): shows what the syncs cost."""
    from sqlalchemy import event

    @event.listens_for(db, "connect")
    def _off(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    return db


async def _intake_vs_echo(sizes: Sizes, folder: Path) -> tuple[dict, Recorded]:
    """The cost of one update of the intake and of the echo; also the intake's updates, for the other processes
    (the callback data carry the draft's version, the same in every new draft).

    A third application, the bot on a file without disk syncs, is measured in the same rounds to split the
    intake's cost between the disk and the processor."""
    from bot.storage.database import create_schema, make_engine

    databases = {"bot": make_engine(f"sqlite:///{folder / 'intake.sqlite3'}"),
                 "nosync": _no_sync(make_engine(f"sqlite:///{folder / 'intake-nosync.sqlite3'}"))}
    user_id = 7_000_001
    organisations = {}
    for name, db in databases.items():
        create_schema(db)
        organisations[name] = setup_intake_organisation(db, [user_id])
    today = dt.date.today()
    apps = {"bot": await bot_application(databases["bot"], folder / "attachments", record=True),
            "nosync": await bot_application(databases["nosync"], folder / "attachments"),
            "echo": await echo_application()}
    try:
        recorded = await record_intake(apps["bot"], user_id, INTAKE_NISS_BASE, today)  # also the warm-up
        apps["bot"].bench_request.record = False
        for name in ("nosync", "echo"):  # their warm-up
            for update in recorded.updates(apps[name].bot, user_id, INTAKE_NISS_BASE):
                await apps[name].process_update(update)
        per_update = {name: [] for name in apps}
        niss = itertools.count(INTAKE_NISS_BASE + 1)
        names = list(apps)
        for round_ in range(sizes.rounds):
            indices = [next(niss) for _ in range(sizes.intakes_per_round)]
            batches = {name: [u for i in indices for u in recorded.updates(apps[name].bot, user_id, i)]
                       for name in names}
            for name in names[round_ % 3:] + names[:round_ % 3]:  # each goes first in turn
                application, updates = apps[name], batches[name]
                gc.collect()
                started = time.perf_counter()
                for update in updates:
                    await application.process_update(update)
                per_update[name].append((time.perf_counter() - started) / len(updates))
        expected = 1 + sizes.rounds * sizes.intakes_per_round
        for name, db in databases.items():
            filed = count_filed(db, organisations[name])
            if filed != expected:
                raise RuntimeError(f"the intakes filed {filed} requests instead of {expected}: the benchmark is "
                                   "wrong")
        us = {name: statistics.median(values) * 1e6 for name, values in per_update.items()}
        return {"bot_us": us["bot"], "echo_us": us["echo"], "nosync_us": us["nosync"],
                "ratio": us["bot"] / us["echo"], "updates_per_intake": len(recorded.steps),
                "intakes": expected - 1, "rounds": sizes.rounds,
                "rounds_us": {name: [round(x * 1e6) for x in values] for name, values in per_update.items()}}, \
            recorded
    finally:
        for app in apps.values():
            await app.shutdown()
        for db in databases.values():
            db.dispose()


def fsync_ms(folder: Path, times: int = 30) -> float:
    """The disk's latency for writing 4 KiB and waiting for it (what a durable commit waits for at least)."""
    path = folder / "fsync.probe"
    timings = []
    with open(path, "wb") as probe:
        for _ in range(times):
            probe.write(os.urandom(4096))
            probe.flush()
            started = time.perf_counter()
            os.fsync(probe.fileno())
            timings.append((time.perf_counter() - started) * 1000)
    path.unlink()
    return statistics.median(timings)


# --- the generated organisations and requests -------------------------------------------------------------------

LAST_NAMES = ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
              "De Smet", "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Laurent", "Leclercq", "Lejeune",
              "Renard", "Mathieu", "Cools", "Hermans", "Aerts", "Michiels", "Smets", "Van den Bossche", "Dumont",
              "Lemaire", "Collin", "Denis", "Schmitz", "Kohnen", "Meyer", "Lenaerts", "Vermeulen", "Pauwels",
              "El Amrani", "Yilmaz", "Nowak", "Rossi")
FIRST_NAMES = ("Marie", "Anne", "Sophie", "Julie", "Sarah", "Laura", "Emma", "Lotte", "Els", "An", "Nathalie",
               "Isabelle", "Véronique", "Fatima", "Ayşe", "Jan", "Pieter", "Luc", "Marc", "Thomas", "Nicolas",
               "Olivier", "Koen", "Bart", "Tom", "Youssef", "Mehmet", "Lukas", "Jonas", "Hélène")
OFFICES = ("Bruxelles", "Liège", "Namur", "Charleroi", "Mons", "Gent", "Antwerpen", "Leuven", "Brugge", "Hasselt",
           "Eupen", "Arlon")
LEAVES = (("parental", 45), ("career", 20), ("carer", 15), ("medical", 12), ("palliative", 8))
REGIMES = {"parental": (("full", 35), ("half", 30), ("fifth", 25), ("tenth", 10)),
           "career": (("full", 40), ("half", 35), ("fifth", 25)),
           "medical": (("full", 45), ("half", 35), ("fifth", 20)),
           "palliative": (("full", 60), ("half", 30), ("fifth", 10)),
           "carer": (("full", 40), ("half", 40), ("fifth", 20))}
HOURS = (1140, 1200, 1320, 1440, 1500, 2280)


def plan_sizes(organisations: int, total: int, largest: int) -> list[int]:
    """Requests per organisation, Zipf-like (size ∝ rank^-a), the first `largest`, summing to `total`."""
    if organisations == 1:
        return [total]

    def total_for(a):
        return sum(largest * k ** -a for k in range(1, organisations + 1))

    low, high = 0.0, 5.0
    for _ in range(80):
        middle = (low + high) / 2
        low, high = (middle, high) if total_for(middle) > total else (low, middle)
    sizes = [largest] + [max(1, min(largest - 1, round(largest * k ** -low))) for k in range(2, organisations + 1)]
    difference, i = total - sum(sizes), 0
    while difference:
        k = 1 + i % (organisations - 1)
        step = 1 if difference > 0 else -1
        if 1 <= sizes[k] + step < largest:
            sizes[k] += step
            difference -= step
        i += 1
    return sizes


def _weighted(rng: random.Random, table):
    total = sum(w for _, w in table)
    x = rng.random() * total
    for value, weight in table:
        x -= weight
        if x < 0:
            return value
    return table[-1][0]


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31][month - 1]
    return dt.date(year, month, min(day.day, last))


@dataclass
class Dataset:
    """The generated rows: organisations, schools, members, and a generator of requests in filing order."""

    sizes: Sizes
    seed: int
    organisations: list[dict] = field(default_factory=list)
    schools: list[dict] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)
    largest_id: int = 0

    def __post_init__(self):
        rng = random.Random(self.seed)
        sizes = plan_sizes(self.sizes.organisations, self.sizes.requests, self.sizes.largest)
        ids = list(range(1, self.sizes.organisations + 1))
        rng.shuffle(ids)
        self.size_of = dict(zip(ids, sizes))
        self.largest_id = ids[0]
        created = dt.datetime.combine(ANCHOR, dt.time(), dt.UTC) - dt.timedelta(days=365 * YEARS + 30)
        bce, school_id, member_id, niss = itertools.count(), itertools.count(1), itertools.count(1), itertools.count()
        self.school_pool, self.member_pool, self.worker_pool = {}, {}, {}
        for organisation_id in range(1, self.sizes.organisations + 1):
            size = self.size_of[organisation_id]
            self.organisations.append({"id": organisation_id, "bce": bce_number(next(bce)),
                                       "name": f"PO {rng.choice(LAST_NAMES)} {organisation_id}", "demo": False,
                                       "created_at": created})
            schools = []
            for _ in range(min(30, 1 + size // 2000)):
                community = _weighted(rng, (("vl", 50), ("fwb", 45), ("dg", 5)))
                school = {"id": next(school_id), "organisation_id": organisation_id, "bce": bce_number(next(bce)),
                          "community": community, "name": f"École {next(school_id)}"}
                self.schools.append(school)
                schools.append((community, school["bce"]))
            self.school_pool[organisation_id] = schools
            members = []
            for k in range(1 + min(4, size // 5000)):
                member = {"id": next(member_id), "organisation_id": organisation_id, "channel": "telegram",
                          "user_key": f"import-{organisation_id}-{k}", "display_name": f"Gestionnaire {k}",
                          "roles": "po-education", "enrolled_at": created}
                self.members.append(member)
                members.append(member["id"])
            self.member_pool[organisation_id] = members
            workers = []
            for _ in range(max(3, size // 4)):
                last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
                email = f"{first.lower()}.{last.lower().replace(' ', '')}@ecole.be" if rng.random() < 0.3 else None
                workers.append((niss_number(next(niss)), last, first,
                                _weighted(rng, (("statutory", 60), ("contractual", 30), ("temporary", 10))), email))
            self.worker_pool[organisation_id] = workers
        self._rng_state = rng.getstate()

    def requests(self, batch: int = 20_000):
        """Lists of request rows (dicts), oldest filing first: ids grow with the filing date, as in real use."""
        from stdnum.iso7064 import mod_37_36

        from bot.domain.identifiers import TICKET_ALPHABET, format_ticket

        rng = random.Random()
        rng.setstate(self._rng_state)
        owners = [o for o, size in self.size_of.items() for _ in range(size)]
        rng.shuffle(owners)
        end = dt.datetime.combine(ANCHOR, dt.time(), dt.UTC)
        span = dt.timedelta(days=365 * YEARS).total_seconds()
        moments = sorted(rng.random() * span for _ in owners)
        tickets, rows = set(), []
        for number, (organisation_id, seconds) in enumerate(zip(owners, moments), 1):
            filed_at = end - dt.timedelta(seconds=span - seconds)
            filed = filed_at.date()
            age = (ANCHOR - filed).days
            if age < 30:
                status = _weighted(rng, (("waiting", 50), ("processing", 45), ("cancelled", 5)))
            elif age < 90:
                status = _weighted(rng, (("waiting", 10), ("processing", 40), ("accepted", 40), ("refused", 5),
                                         ("cancelled", 5)))
            else:
                status = _weighted(rng, (("accepted", 85), ("refused", 8), ("cancelled", 7)))
            leave = _weighted(rng, LEAVES)
            regime = _weighted(rng, REGIMES[leave])
            niss, last, first, staff, email = rng.choice(self.worker_pool[organisation_id])
            capacity = "po" if rng.random() < 0.9 else "own"
            community, school = rng.choice(self.school_pool[organisation_id]) if capacity == "po" else (None, None)
            start = _add_months(filed.replace(day=1), rng.randint(1, 4))
            end_date = _add_months(start, rng.choice((1, 2, 3, 4, 6, 12))) - dt.timedelta(days=1)
            hours = rng.choice(HOURS)
            while True:
                body = "".join(rng.choice(TICKET_ALPHABET) for _ in range(12))
                if body not in tickets:
                    tickets.add(body)
                    break
            rows.append({"id": number, "ticket": format_ticket(body + mod_37_36.calc_check_digit(body)),
                         "organisation_id": organisation_id, "member_id": rng.choice(self.member_pool[organisation_id]),
                         "dialog_id": None, "capacity": capacity, "community": community, "school_bce": school,
                         "niss": niss, "last_name": last, "first_name": first, "staff_status": staff,
                         "email": email, "leave_type": leave, "regime": regime, "start_date": start,
                         "end_date": end_date, "hours_before": hours,
                         "fulltime_hours": hours if regime == "full" or rng.random() < 0.5 else 2280,
                         "notice_date": filed - dt.timedelta(days=rng.randint(0, 20)), "rtt": rng.random() < 0.3,
                         "employer_agreement": True if regime == "tenth" else None,
                         "confirmation_email": email is not None and rng.random() < 0.5, "status": status,
                         "office": None if status == "waiting" else rng.choice(OFFICES), "filed_at": filed_at})
            if len(rows) == batch:
                yield rows
                rows = []
        if rows:
            yield rows


def _schema_fingerprint() -> str:
    from sqlalchemy.schema import CreateIndex, CreateTable

    from bot.storage.models import LeaveRequest, Member, Organisation, School

    text = ""
    for model in (Organisation, School, Member, LeaveRequest):
        table = model.__table__
        text += str(CreateTable(table)) + "".join(str(CreateIndex(i)) for i in sorted(table.indexes, key=str))
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def dataset_key(sizes: Sizes, seed: int) -> str:
    return (f"s{seed}-o{sizes.organisations}-r{sizes.requests}-l{sizes.largest}-g{GENERATOR_VERSION}-"
            f"{_schema_fingerprint()}")


def _insert_all(connection, data: Dataset) -> None:
    from sqlalchemy import insert

    from bot.storage.models import LeaveRequest, Member, Organisation, School

    connection.execute(insert(Organisation.__table__), data.organisations)
    connection.execute(insert(School.__table__), data.schools)
    connection.execute(insert(Member.__table__), data.members)
    for rows in data.requests():
        connection.execute(insert(LeaveRequest.__table__), rows)


def sqlite_dataset(sizes: Sizes, seed: int, data_dir: Path) -> tuple[Path, Dataset, float | None]:
    """The generated database as a SQLite file, built once per key; returns (path, data, seconds to build)."""
    from sqlalchemy import create_engine, event

    from bot.storage.database import create_schema

    data = Dataset(sizes, seed)
    path = data_dir / f"overview-{dataset_key(sizes, seed)}.sqlite3"
    if path.exists():
        _as_the_bot_opens_it(path)
        return path, data, None
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{building}")

    @event.listens_for(engine, "connect")
    def _fast(dbapi_connection, _record):  # a throwaway file while it is built: no journal, no syncs
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()

    create_schema(engine)
    with engine.begin() as connection:
        _insert_all(connection, data)
    engine.dispose()
    seconds = time.perf_counter() - started
    path.with_suffix(".json").write_text(json.dumps({"built_in_seconds": round(seconds, 1)}))
    building.rename(path)
    _as_the_bot_opens_it(path)
    return path, data, seconds


def _as_the_bot_opens_it(path: Path) -> None:
    """The schema at the newest migration and fresh statistics, as `breakbot run` leaves its database at start."""
    from bot.storage.database import make_engine, upgrade

    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()


def first_build_seconds(path: Path) -> float | None:
    """How long the cached database took to build when it was made."""
    try:
        return json.loads(path.with_suffix(".json").read_text())["built_in_seconds"]
    except (OSError, ValueError, KeyError):
        return None


# --- overview and export ---------------------------------------------------------------------------------------

def worker_with_recent_requests(db, organisation_id: int) -> str:
    """The NISS of the organisation's latest request: a worker with requests in the default period."""
    from sqlmodel import select

    from bot.storage.database import session
    from bot.storage.models import LeaveRequest

    with session(db) as s:
        return s.exec(select(LeaveRequest.niss).where(LeaveRequest.organisation_id == organisation_id)
                      .order_by(LeaveRequest.filed_at.desc()).limit(1)).one()


def overview_states(data: Dataset, niss: str) -> dict[str, dict]:
    from bot.dialogs.overview import default_state

    default = default_state(ANCHOR)
    return {"default": default, "all": default | {"from": None},
            "status_type": default | {"statuses": ["waiting", "processing"], "types": ["parental"]},
            "niss": default | {"niss": niss}}


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def time_overview(db, data: Dataset, runs: int) -> dict[str, dict]:
    """`overview._query` as the screen calls it (first page of 10 and the count), each run in its own session."""
    from sqlmodel import select

    from bot.dialogs import overview
    from bot.storage.database import session
    from bot.storage.models import Member

    with session(db) as s:
        member = s.exec(select(Member).where(Member.organisation_id == data.largest_id)).first()
    results = {}
    for key, state in overview_states(data, worker_with_recent_requests(db, data.largest_id)).items():
        timings, total = [], 0
        for run in range(runs + 5):
            started = time.perf_counter()
            with session(db) as s:
                rows, total = overview._query(s, member, state)
            if run >= 5:  # the first five warm the caches
                timings.append((time.perf_counter() - started) * 1000)
        results[key] = {"p50": statistics.median(timings), "p95": _percentile(timings, 95), "total": total,
                        "runs": runs}
    return results


def time_export(db, data: Dataset, runs: int) -> dict:
    from sqlmodel import select

    from bot.dialogs import overview
    from bot.storage.database import session
    from bot.storage.models import Member

    with session(db) as s:
        member = s.exec(select(Member).where(Member.organisation_id == data.largest_id)).first()
    state = overview.default_state(ANCHOR) | {"from": None}
    timings, size, rows = [], 0, 0
    for _ in range(runs):
        started = time.perf_counter()
        with session(db) as s:
            content = overview.export_csv(s, member, state, "fr")
        timings.append(time.perf_counter() - started)
        size, rows = len(content), content.count(b"\r\n") - 1
    return {"seconds": statistics.median(timings), "rows": rows, "bytes": size, "runs": runs}


# --- memory with many open dialogs -----------------------------------------------------------------------------

def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _memory_child(folder: str, dialogs: int, steps: list, out) -> None:
    """In a fresh process: RSS after start-up and a warm-up, then with `dialogs` drafts open at different steps."""
    async def run():
        from bot.storage.database import create_schema, make_engine
        from bot.storage.models import Dialog

        db = _no_sync(make_engine(f"sqlite:///{Path(folder) / 'memory.sqlite3'}"))
        create_schema(db)
        first_user = 8_000_000
        users = list(range(first_user, first_user + dialogs))
        setup_intake_organisation(db, [first_user - 1, first_user - 2, *users])
        recorded = Recorded([tuple(s) for s in steps])
        full = len(recorded.steps) - 2  # up to the summary, not filed
        app = await bot_application(db, Path(folder) / "attachments")
        try:
            # Warm-up: every step once (a full intake) and a draft left open, by two other users.
            for update in recorded.updates(app.bot, first_user - 1, INTAKE_NISS_BASE + 1):
                await app.process_update(update)
            for update in recorded.updates(app.bot, first_user - 2, INTAKE_NISS_BASE + 2, upto=full):
                await app.process_update(update)
            gc.collect()
            before, blocks_before = _rss_kb(), sys.getallocatedblocks()
            middle = None
            started = time.perf_counter()
            updates = 0
            for n, user in enumerate(users):
                # user n stops after 1..full updates: drafts open at every step up to the summary
                for update in recorded.updates(app.bot, user, INTAKE_NISS_BASE + 10 + n, upto=1 + n % full):
                    await app.process_update(update)
                    updates += 1
                if n + 1 == dialogs // 2:
                    gc.collect()
                    middle = _rss_kb()
            elapsed = time.perf_counter() - started
            gc.collect()
            after, blocks_after = _rss_kb(), sys.getallocatedblocks()
            from sqlalchemy import func
            from sqlmodel import select

            from bot.storage.database import session
            with session(db) as s:
                open_dialogs = s.exec(select(func.count()).select_from(Dialog).where(
                    Dialog.status == "open", Dialog.kind == "intake")).one()
        finally:
            await app.shutdown()
            db.dispose()
        return {"before_kb": before, "middle_kb": middle, "after_kb": after, "open_dialogs": open_dialogs,
                "blocks": blocks_after - blocks_before, "updates": updates, "seconds": elapsed}

    out.send(asyncio.run(run()))
    out.close()


def _in_process(target, *args, timeout: float = 3600):
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=target, args=(*args, sender))
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise RuntimeError(f"{target.__name__} gave no answer within {timeout:.0f} s")
        return receiver.recv()
    except EOFError:
        raise RuntimeError(f"{target.__name__} ended without an answer (exit code {process.exitcode})") from None
    finally:
        process.join(timeout=30)


def measure_memory(sizes: Sizes, recorded: Recorded, folder: Path) -> dict:
    result = _in_process(_memory_child, str(folder), sizes.dialogs, recorded.steps)
    result["mb"] = (result["after_kb"] - result["before_kb"]) / 1024
    if result["open_dialogs"] != sizes.dialogs + 1:  # + the warm-up's open draft
        raise RuntimeError(f"{result['open_dialogs']} dialogs open instead of {sizes.dialogs + 1}")
    return result


# --- PostgreSQL ---------------------------------------------------------------------------------------------

def postgres_url() -> str | None:
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("BREAKBOT_TEST_DATABASE_URL") or None


def _psycopg_dsn(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_dataset(url: str, sizes: Sizes, seed: int, data: Dataset) -> tuple[float, bool, str]:
    """Load the same generated data into PostgreSQL (COPY), unless this database already holds them.

    Returns (seconds the load took, whether it was done now, server version). Refuses a database holding other
    data."""
    import psycopg

    from bot.storage.database import make_engine, upgrade
    from bot.storage.models import LeaveRequest, Member, Organisation, School

    key = dataset_key(sizes, seed)
    with psycopg.connect(_psycopg_dsn(url), autocommit=True) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
        marker = connection.execute("SELECT to_regclass('bench_dataset')").fetchone()[0]
        try:
            loaded = marker and connection.execute("SELECT key, seconds FROM bench_dataset").fetchone()
        except psycopg.errors.UndefinedColumn:  # the marker of an older version of this benchmark: load again
            loaded = None
        if loaded and loaded[0] == key:
            return loaded[1], False, version
        tables = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()
        if tables and not marker:
            raise RuntimeError("the PostgreSQL database is not empty and was not filled by the benchmark: give "
                               "BENCH_POSTGRES_URL an empty database")
        for (name,) in tables:  # an older dataset of ours
            connection.execute(f'DROP TABLE IF EXISTS "{name}" CASCADE')
    started = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with psycopg.connect(_psycopg_dsn(url)) as connection:
        with connection.cursor() as cursor:
            for model, rows in ((Organisation, [data.organisations]), (School, [data.schools]),
                                (Member, [data.members]), (LeaveRequest, data.requests())):
                columns = [c.name for c in model.__table__.columns]
                names = ", ".join(f'"{c}"' for c in columns)
                with cursor.copy(f'COPY "{model.__tablename__}" ({names}) FROM STDIN') as copy:
                    for batch in rows:
                        for row in batch:
                            copy.write_row([row.get(c) for c in columns])
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{model.__tablename__}\"', 'id'), "
                               f"(SELECT max(id) FROM \"{model.__tablename__}\"))")
        connection.commit()
    with psycopg.connect(_psycopg_dsn(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")  # what autovacuum does shortly after a load
        seconds = time.perf_counter() - started
        connection.execute("CREATE TABLE bench_dataset (key text NOT NULL, seconds float NOT NULL)")
        connection.execute("INSERT INTO bench_dataset VALUES (%s, %s)", (key, seconds))
    return seconds, True, version


def postgres_round_trip_ms(url: str, times: int = 200) -> float:
    """The median time of `SELECT 1` on one open connection: what every statement waits at least."""
    import psycopg

    with psycopg.connect(_psycopg_dsn(url), autocommit=True) as connection:
        timings = []
        for _ in range(times):
            started = time.perf_counter()
            connection.execute("SELECT 1").fetchone()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _pg_worker(url: str, index: int, users: list[int], niss_base: int, first_update: int, seconds: float,
               steps: list, start, out) -> None:
    """One OS process serving full intakes for its own users, their steps interleaved, until the time is up."""
    number_updates_from(first_update)

    async def run():
        from bot.storage.database import make_engine

        db = make_engine(url)
        app = await bot_application(db, Path(tempfile.gettempdir()) / f"bench-attachments-{os.getpid()}")
        recorded = Recorded([tuple(s) for s in steps])
        niss = itertools.count(niss_base)
        last = len(recorded.steps) - 1
        try:
            for update in recorded.updates(app.bot, users[0], next(niss)):  # warm-up: one intake
                await app.process_update(update)
            start.wait(timeout=600)  # every process warmed up: go together
            started = time.perf_counter()
            deadline = started + seconds
            updates = intakes = 0
            while time.perf_counter() < deadline:
                # every user files one intake, their steps interleaved as concurrent chats are
                batch = [recorded.updates(app.bot, user, next(niss)) for user in users]
                for step in range(last + 1):
                    for user_updates in batch:
                        if time.perf_counter() >= deadline:
                            break
                        await app.process_update(user_updates[step])
                        updates += 1
                        intakes += step == last
            elapsed = time.perf_counter() - started
        finally:
            await app.shutdown()
            db.dispose()
        return {"index": index, "updates": updates, "seconds": elapsed, "intakes": intakes}

    out.send(asyncio.run(run()))
    out.close()


def processes_on_postgres(url: str, sizes: Sizes, recorded: Recorded, count: int) -> dict:
    """`count` OS processes (spawn), each with its own Application and engine, on one PostgreSQL database."""
    from bot.storage.database import make_engine

    db = make_engine(url)
    users = [[9_000_000 + p * 1000 + u for u in range(10)] for p in range(count)]
    organisation_id = setup_intake_organisation(db, [u for group in users for u in group])
    filed_before = count_filed(db, organisation_id)
    first_update = first_free_update_id(db)
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(count + 1)
    pipes, processes = [], []
    for p in range(count):
        receiver, sender = context.Pipe(duplex=False)
        # a new worker (NISS) for every intake of every run: the overlap rule would refuse a second leave
        niss_base = INTAKE_NISS_BASE + 100_000 + filed_before + p * 1_000_000
        process = context.Process(target=_pg_worker, args=(url, p, users[p], niss_base,
                                                           first_update + p * 50_000_000, sizes.pg_seconds,
                                                           recorded.steps, start, sender))
        process.start()
        sender.close()
        pipes.append(receiver)
        processes.append(process)
    results = []
    try:
        start.wait(timeout=600)
        for receiver in pipes:
            if not receiver.poll(sizes.pg_seconds + 300):
                raise RuntimeError("a PostgreSQL worker gave no answer")
            results.append(receiver.recv())
    finally:
        for process in processes:
            process.join(timeout=30)
    filed = count_filed(db, organisation_id) - filed_before
    db.dispose()
    expected = sum(r["intakes"] for r in results) + count  # and each process's warm-up
    if filed != expected:
        raise RuntimeError(f"{count} process(es) filed {filed} requests for {expected} intakes: the bot ignored or "
                           "refused updates on PostgreSQL")
    filed -= count
    updates = sum(r["updates"] for r in results)
    seconds = max(r["seconds"] for r in results)
    return {"per_second": updates / seconds, "updates": updates, "seconds": seconds, "filed": filed,
            "per_process": [round(r["updates"] / r["seconds"]) for r in results]}


# --- the machine and the report ---------------------------------------------------------------------------------

def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    import sqlalchemy
    import telegram

    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "os": platform.platform(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "python-telegram-bot": telegram.__version__, "sqlalchemy": sqlalchemy.__version__}


def verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "—"
    return "PASS" if value <= limit else "MISS"


def table_rows(r: dict) -> list[tuple[str, str, str, str]]:
    intake, rows = r["intake"], []
    rows.append((INTAKE_LINE, f"{intake['bot_us']:.0f} µs per update "
                 f"({intake['intakes']} intakes of {intake['updates_per_intake']} updates)", "", ""))
    rows.append((ECHO_LINE, f"{intake['echo_us']:.0f} µs per update (same updates)", "", ""))
    rows.append((RATIO_LINE, f"{intake['ratio']:.2f} ×", "≤ 2", verdict(intake["ratio"], 2)))
    for key, label in OVERVIEW_LINES.items():
        o = r["overview"][key]
        rows.append((label, f"p50 {o['p50']:.2f} ms, p95 {o['p95']:.2f} ms ({o['total']:,} match)", "p95 ≤ 10 ms",
                     verdict(o["p95"], 10)))
    e = r["export"]
    rows.append((EXPORT_LINE, f"{e['seconds']:.2f} s ({e['rows']:,} rows, {e['bytes'] / 1e6:.1f} MB)", "≤ 2 s",
                 verdict(e["seconds"], 2)))
    m = r["memory"]
    rows.append((MEMORY_LINE, f"{m['mb']:+.2f} MB ({m['open_dialogs'] - 1:,} dialogs)", "≤ 2 MB",
                 verdict(m["mb"], 2)))
    pg = r.get("postgres")
    for key, label in OVERVIEW_LINES.items():
        if pg and "overview" in pg:
            o = pg["overview"][key]
            rows.append((PG_OVERVIEW_PREFIX + label, f"p50 {o['p50']:.2f} ms, p95 {o['p95']:.2f} ms",
                         "reported (p95 ≤ 10 ms)", verdict(o["p95"], 10)))
        else:
            rows.append((PG_OVERVIEW_PREFIX + label, pg.get("error", NOT_MEASURED) if pg else NOT_MEASURED,
                         "reported", "—"))
    if pg and "two" in pg:
        t, one = pg["two"], pg["one"]
        rows.append((TWO_PROCESS_LINE, f"{t['per_second']:,.0f} updates/s ({' + '.join(map(str, t['per_process']))}"
                     f"; {t['filed']:,} requests filed in {t['seconds']:.1f} s; one process alone: "
                     f"{one['per_second']:,.0f} updates/s)", "reported", "—"))
    else:
        rows.append((TWO_PROCESS_LINE, pg.get("error", NOT_MEASURED) if pg else NOT_MEASURED, "reported", "—"))
    return rows


def render_table(rows) -> str:
    lines = ["| figure | measured | target | result |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def render_report(r: dict, quick: bool) -> str:
    m, s = r["machine"], r["sizes"]
    intake, memory, build = r["intake"], r["memory"], r["dataset"]
    pg = r.get("postgres") or {}
    command = "bash run.sh bench" + (" --quick" if quick else "")
    built = (f"built in {build['seconds']:.0f} s" if build["seconds"] is not None else "reused from bench/.data/")
    rounds = intake["rounds_us"]
    disk = intake["bot_us"] - intake["nosync_us"]
    lines = [
        f"# Benchmark{' (quick sizes)' if quick else ''}",
        "",
        f"Run on {r['started']:%Y-%m-%d %H:%M} UTC, in {r['elapsed']:.0f} s, with `{command}` "
        f"(the same as `breakbot bench{' --quick' if quick else ''}`). PostgreSQL figures need `BENCH_POSTGRES_URL` "
        "naming an empty database (or one this benchmark filled), e.g. "
        f"`BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:55441/bench {command}`.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory']}; {m['os']}",
        f"- Python {m['python']}, SQLite {m['sqlite']}, python-telegram-bot {m['python-telegram-bot']}, "
        f"SQLAlchemy {m['sqlalchemy']}" + (f", PostgreSQL {pg['version']}" if pg.get("version") else
                                           ", no PostgreSQL"),
        f"- Disk: a 4 KiB write + fsync takes {r['fsync_ms']:.2f} ms (median of 30) in the temporary folder."
        + (f" PostgreSQL (same machine, TCP on 127.0.0.1): `SELECT 1` takes {pg['round_trip_ms']:.2f} ms "
           "(median of 200)." if pg.get("round_trip_ms") else ""),
        f"- Load average (1 min) at the start {r['load'][0]:.2f}, at the end {r['load'][1]:.2f}: other work on the "
        "machine slows every figure alike, the ratio less.",
        "",
        "## Figures",
        "",
        render_table(table_rows(r)),
        "",
        "## How each figure is measured",
        "",
        f"- Intake step: {intake['intakes']} full intakes (/new to ticket, {intake['updates_per_intake']} updates "
        "each: texts, and taps answered by answerCallbackQuery + editMessageText) through the real `Application` of "
        "`build_application` (`rate_limited=False`), the updates built beforehand and handed to "
        "`Application.process_update`, a request object answering the Bot API without network, on a SQLite file "
        "with WAL and synchronous=FULL. The echo is a bare `Application` with `MessageHandler(filters.TEXT)` "
        "replying the text and `CallbackQueryHandler` answering and editing, fed the same number and kind of "
        f"updates. {intake['rounds']} rounds of {intake['intakes'] // intake['rounds']} intakes; in each round "
        "the bot, the echo and the bot without disk syncs each go first in turn; the median round is shown. "
        f"Per round, µs per update: bot {', '.join(map(str, rounds['bot']))}; echo "
        f"{', '.join(map(str, rounds['echo']))}; bot with synchronous=OFF {', '.join(map(str, rounds['nosync']))}.",
        f"- Where the intake's time goes: the same intake on a file with synchronous=OFF costs "
        f"{intake['nosync_us']:.0f} µs per update ({intake['nosync_us'] / intake['echo_us']:.1f} × the echo), so "
        f"waiting for the disk is {disk:.0f} µs per update (the sync itself, and on a busy machine the wait for a "
        "processor after it) and the rest is processing (python-telegram-bot objects, SQLAlchemy ORM, the "
        "engine).",
        f"- Overview: {s.organisations:,} organisations, {s.requests:,} requests (Zipf-like, the largest "
        f"{s.largest:,}), filed over {YEARS} years up to {ANCHOR:%d/%m/%Y}, with workers' NISS drawn from a pool "
        f"per organisation, seed {r['seed']} ({built}). `bot.dialogs.overview._query` (first page of 10 + total "
        "count, as the screen asks them) for the largest organisation, each call in a new session, "
        f"{s.query_runs} timed calls after 5 warm-up calls; \"today\" is {ANCHOR:%d/%m/%Y} for the default "
        "period. SQLite is opened as the product leaves it at start (migrated to the newest revision, then "
        "ANALYZE). The NISS is that of the organisation's "
        "latest request.",
        f"- Export: `bot.dialogs.overview.export_csv(session, member, state, 'fr')` for the largest organisation, "
        f"all periods, median of {r['export']['runs']}.",
        f"- Memory: a fresh process (spawn) builds the Application and engine on a SQLite file and handles a "
        f"warm-up (a full intake and an open draft); VmRSS after gc.collect(); then {s.dialogs:,} enrolled users "
        f"each send 1 to {intake['updates_per_intake'] - 2} updates of an intake, so that drafts are open at every "
        f"step up to the summary ({memory['updates']:,} updates in {memory['seconds']:.0f} s; the file without "
        f"disk syncs, which changes no memory); VmRSS again after gc.collect(): {memory['before_kb'] / 1024:.1f} MB "
        f"before, {memory['after_kb'] / 1024:.1f} MB after; halfway: "
        f"{(memory['middle_kb'] - memory['before_kb']) / 1024:+.2f} MB; Python memory blocks still allocated at "
        f"the end: {memory['blocks']:+,}.",
        "- Two processes: two OS processes (spawn), each with its own Application, engine (the product's "
        "`make_engine`) and request object on the same PostgreSQL database (holding the generated data), each "
        f"driving full intakes for 10 users of one organisation, their steps interleaved, for {s.pg_seconds:.0f} s "
        "after a warm-up, both started together; the sum of the updates divided by the time; every finished "
        "intake must have filed its request. Then the same with one process alone, for comparison. The database "
        "server runs on the same machine and shares its cores.",
        "",
        "For scale (from the issue): the same 12-step form measured this way costs 1.6 × its echo in "
        "python-telegram-bot's ConversationHandler and 1.9–2.6 × in aiogram and aiogram_dialog, all keeping state "
        "in memory only; PicklePersistence writing every update costs 12.6 ×; those frameworks take 7–27 MB for "
        "10,000 open dialogs.",
        "",
        "The overview's indexes and the export's way of rendering were chosen by experiments that have since landed "
        "in the product: their figures are those above.",
    ]
    if r.get("notes"):
        lines += ["", "## Notes", "", *[f"- {note}" for note in r["notes"]]]
    return "\n".join(lines) + "\n"


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(settings=None, quick: bool = False, output: Path | str | None = None,
         data_dir: Path | str | None = None) -> int:
    """Run every measurement, print the table, write the report; 0 when it ran (targets are not asserted).

    `output` (or env BENCH_OUTPUT) is the report's path, `data_dir` (or env BENCH_DATA_DIR) where the generated
    SQLite database is kept."""
    from bot.storage.database import make_engine

    sizes = QUICK if quick else FULL
    output = Path(output or os.environ.get("BENCH_OUTPUT")
                  or BENCH_DIR / ("results-quick.md" if quick else "results.md"))
    data_dir = Path(data_dir or os.environ.get("BENCH_DATA_DIR") or BENCH_DIR / ".data")
    started_at, started = dt.datetime.now(dt.UTC), time.perf_counter()
    results: dict = {"machine": machine(), "sizes": sizes, "seed": SEED, "started": started_at, "notes": []}
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="breakbot-bench-") as temporary:
        folder = Path(temporary)
        results["fsync_ms"] = fsync_ms(folder)
        say("intake step and echo…")
        results["intake"], recorded = asyncio.run(_intake_vs_echo(sizes, folder))
        say(f"generated data ({sizes.requests:,} requests)…")
        path, data, seconds = sqlite_dataset(sizes, SEED, data_dir)
        results["dataset"] = {"path": str(path), "seconds": seconds}
        db = make_engine(f"sqlite:///{path}")
        try:
            say("overview on SQLite…")
            results["overview"] = time_overview(db, data, sizes.query_runs)
            say("CSV export…")
            results["export"] = time_export(db, data, sizes.export_runs)
        finally:
            db.dispose()
        say(f"memory with {sizes.dialogs:,} open dialogs…")
        results["memory"] = measure_memory(sizes, recorded, folder)
        url = postgres_url()
        if url:
            pg: dict = {}
            results["postgres"] = pg
            try:
                say("PostgreSQL: loading the generated data…")
                load_seconds, loaded_now, pg["version"] = postgres_dataset(url, sizes, SEED, data)
                results["notes"].append(f"PostgreSQL: the generated data {'were' if loaded_now else 'had been'} "
                                        f"loaded in {load_seconds:.0f} s (COPY, then VACUUM ANALYZE as autovacuum "
                                        f"would){'' if loaded_now else ' by an earlier run'}.")
                pg["round_trip_ms"] = postgres_round_trip_ms(url)
                pg_db = make_engine(url)
                try:
                    say("PostgreSQL: overview…")
                    pg["overview"] = time_overview(pg_db, data, sizes.query_runs)
                finally:
                    pg_db.dispose()
                say("PostgreSQL: one process, then two…")
                pg["one"] = processes_on_postgres(url, sizes, recorded, 1)
                pg["two"] = processes_on_postgres(url, sizes, recorded, 2)
            except Exception as error:  # reported in the table; the other figures still stand
                pg["error"] = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:160]}"
    built = seconds if seconds is not None else first_build_seconds(path)
    results["notes"].append(f"The generated SQLite database ({path.stat().st_size / 1e6:.0f} MB) "
                            + (f"was built in {seconds:.0f} s by this run" if seconds is not None else
                               f"was reused from {data_dir.name}/" + (f" (built in {built:.0f} s when first made)"
                                                                       if built is not None else ""))
                            + "; the rest of the run took "
                            f"{time.perf_counter() - started - (seconds or 0):.0f} s.")
    results["load"] = (load_at_start, os.getloadavg()[0])
    results["elapsed"] = time.perf_counter() - started
    print(render_table(table_rows(results)))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_report(results, quick), encoding="utf-8")
    print(f"\nWritten to {output} (the whole run took {results['elapsed']:.0f} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main(quick="--quick" in sys.argv))
