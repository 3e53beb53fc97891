"""The generated data on PostgreSQL: the overview's database, the intake step against the echo, the statements per
update, and two bot processes serving intakes on it."""
from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bench.dataset import Dataset, dataset_key
from bench.intake import (
    INTAKE_NISS_BASE,
    INTAKE_USER,
    Recorded,
    bot_application,
    count_filed,
    echo_application,
    setup_intake_organisation,
)
from bench.rounds import Contender, compared, niss_from, timed_rounds, warm_up
from bench.sizes import Sizes
from bench.statements import STATEMENTS_USER, statements_per_kind
from bot.storage.database import make_engine, upgrade
from bot.storage.models import LeaveRequest, Member, Organisation, School
from tests.fakes import number_updates_from

# Every intake needs a worker (NISS) of its own: the overlap rule refuses a second leave of the same worker, and the
# database keeps the requests of earlier runs. Each measurement draws from its own range, moved on by the requests
# already filed.
NISS_PROCESSES = INTAKE_NISS_BASE + 100_000  # and 1,000,000 further for the second process
NISS_ROUNDS = INTAKE_NISS_BASE + 2_100_000
NISS_STATEMENTS = INTAKE_NISS_BASE + 4_100_000
UPDATE_RANGE = 1_000_000  # update ids a process may use in one measurement


def postgres_url() -> str | None:
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("BREAKBOT_TEST_DATABASE_URL") or None


def _psycopg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_dataset(url: str, sizes: Sizes, seed: int, data: Dataset) -> tuple[float, bool, str]:
    """Load the same generated data into PostgreSQL (COPY), unless this database already holds them.

    Returns (seconds the load took, whether it was done now, server version). Refuses a database holding other
    data."""
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
                # A column the generated rows leave out takes the database's default (COPY would write NULL), or
                # else the model's own.
                rows = iter(rows)
                first = next(rows)
                rows = itertools.chain([first], rows)
                given = set(first[0]) if first else set()
                columns = [c for c in model.__table__.columns if c.server_default is None or c.name in given]
                defaults = {c.name: c.default.arg if c.default is not None and c.default.is_scalar else None
                            for c in columns}
                names = ", ".join(f'"{c.name}"' for c in columns)
                with cursor.copy(f'COPY "{model.__tablename__}" ({names}) FROM STDIN') as copy:
                    for batch in rows:
                        for row in batch:
                            copy.write_row([row.get(c.name, defaults[c.name]) for c in columns])
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
    with psycopg.connect(_psycopg_dsn(url), autocommit=True) as connection:
        timings = []
        for _ in range(times):
            started = time.perf_counter()
            connection.execute("SELECT 1").fetchone()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def first_free_update_id(db) -> int:
    """One more than the largest update_id the database remembers (1 when it remembers none)."""
    try:
        with db.connect() as connection:
            return (connection.execute(text("SELECT max(update_id) FROM processed_update")).scalar() or 0) + 1
    except SQLAlchemyError:  # no such table: the product does not keep them
        return 1


def _pg_worker(url: str, index: int, users: list[int], niss_base: int, first_update: int, seconds: float,
               steps: list, start, out) -> None:
    """One OS process serving full intakes for its own users, their steps interleaved, until the time is up."""
    number_updates_from(first_update)

    async def run():
        db = make_engine(url)
        app = await bot_application(db, Path(tempfile.gettempdir()) / f"bench-attachments-{os.getpid()}")
        recorded = Recorded([tuple(s) for s in steps])
        niss = itertools.count(niss_base)
        last = len(recorded.steps) - 1
        try:
            for update in recorded.updates(app, users[0], next(niss)):  # warm-up: one intake
                await app.process_update(update)
            start.wait(timeout=600)  # every process warmed up: go together
            started = time.perf_counter()
            deadline = started + seconds
            updates = intakes = 0
            while time.perf_counter() < deadline:
                # every user files one intake, their steps interleaved as concurrent chats are
                batch = [recorded.updates(app, user, next(niss)) for user in users]
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
        niss_base = NISS_PROCESSES + filed_before + p * 1_000_000
        # Each process numbers its updates from its own start, far above what the other uses in a run (two numbers
        # per update), yet close: the column is a 32-bit integer, and every run starts above the last.
        process = context.Process(target=_pg_worker, args=(url, p, users[p], niss_base,
                                                           first_update + p * UPDATE_RANGE, sizes.pg_seconds,
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


async def intake_on_postgres(url: str, sizes: Sizes, recorded: Recorded, folder: Path) -> dict:
    """The bot on PostgreSQL against the echo, in the same interleaved rounds as on SQLite."""
    db = make_engine(url)
    organisation_id = setup_intake_organisation(db, [INTAKE_USER])
    number_updates_from(first_free_update_id(db))
    filed = count_filed(db, organisation_id)
    apps = [await bot_application(db, folder / "attachments"), await echo_application()]
    try:
        contenders = {"bot": Contender(apps[0], niss_from(NISS_ROUNDS + filed), db, organisation_id),
                      "echo": Contender(apps[1], niss_from(NISS_ROUNDS))}
        await warm_up(contenders, recorded)
        await timed_rounds(contenders, recorded, sizes.rounds, sizes.intakes_per_round)
    finally:
        for app in apps:
            await app.shutdown()
        db.dispose()
    return compared(contenders["bot"], contenders["echo"])


async def statements_on_postgres(url: str, folder: Path) -> dict:
    """The statements per kind of update on PostgreSQL, on a fresh engine with the probe."""
    db = make_engine(url)
    try:
        organisation_id = setup_intake_organisation(db, [STATEMENTS_USER])
        number_updates_from(first_free_update_id(db))
        return await statements_per_kind(db, folder, NISS_STATEMENTS + count_filed(db, organisation_id))
    finally:
        db.dispose()
