"""Resident memory of the bot with thousands of dialogs open, measured in a fresh process."""
from __future__ import annotations

import asyncio
import gc
import resource
import sys
import time
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from bench.intake import INTAKE_NISS_BASE, Recorded, bot_application, setup_intake_organisation
from bench.sizes import Sizes
from bench.spawn import in_process
from bot.storage.database import make_engine, session, upgrade
from bot.storage.models import Draft

USERS_AT_ONCE = 50  # chats whose updates wait in the queue together, as a busy moment brings them


def _rss_kb() -> int:
    """The process's resident memory now (Linux); elsewhere its peak, the closest the system tells."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def _deliver(app, updates: list) -> None:
    """Updates as polling and webhooks hand them over: on the update queue, whence the Application's update
    processor (the product's ChatOrder) takes them; returns once all are handled."""
    for update in updates:
        app.update_queue.put_nowait(update)
    await app.update_queue.join()


def _memory_child(folder: str, dialogs: int, steps: list, out) -> None:
    """In a fresh process: RSS after start-up and a warm-up, then with `dialogs` drafts open at different steps."""

    async def run():
        db = make_engine(f"sqlite:///{Path(folder) / 'memory.sqlite3'}")
        upgrade(db)
        first_user = 8_000_000
        users = list(range(first_user, first_user + dialogs))
        setup_intake_organisation(db, [first_user - 1, first_user - 2, *users])
        recorded = Recorded([tuple(s) for s in steps])
        full = len(recorded.steps) - 2  # up to the summary, not filed
        app = await bot_application(db, Path(folder) / "attachments")
        await app.start()
        try:
            # Warm-up: every step once (a full intake) and a draft left open, by two other users.
            await _deliver(app, recorded.updates(app, first_user - 1, INTAKE_NISS_BASE + 1))
            await _deliver(app, recorded.updates(app, first_user - 2, INTAKE_NISS_BASE + 2, upto=full))
            gc.collect()
            before, blocks_before = _rss_kb(), sys.getallocatedblocks()
            middle = None
            started = time.perf_counter()
            updates, waiting = 0, []
            for n, user in enumerate(users):
                # user n stops after 1..full updates: drafts open at every step up to the summary
                waiting += recorded.updates(app, user, INTAKE_NISS_BASE + 10 + n, upto=1 + n % full)
                if (n + 1) % USERS_AT_ONCE == 0 or n + 1 in (dialogs // 2, dialogs):
                    updates += len(waiting)
                    await _deliver(app, waiting)
                    waiting = []
                if n + 1 == dialogs // 2:
                    gc.collect()
                    middle = _rss_kb()
            elapsed = time.perf_counter() - started
            gc.collect()
            after, blocks_after = _rss_kb(), sys.getallocatedblocks()
            processor = app.update_processor
            with session(db) as s:
                open_dialogs = s.exec(select(func.count()).select_from(Draft).where(
                    Draft.status == "open", Draft.form == "intake")).one()
        finally:
            await app.stop()
            await app.shutdown()
            db.dispose()
        return {"before_kb": before, "middle_kb": middle, "after_kb": after, "open_dialogs": open_dialogs,
                "blocks": blocks_after - blocks_before, "updates": updates, "seconds": elapsed,
                "processor": type(processor).__name__, "max_concurrent": processor.max_concurrent_updates,
                "chats_in_progress": processor.chats_in_progress}

    out.send(asyncio.run(run()))
    out.close()


def measure_memory(sizes: Sizes, recorded: Recorded, folder: Path) -> dict:
    result = in_process(_memory_child, str(folder), sizes.dialogs, recorded.steps)
    result["mb"] = (result["after_kb"] - result["before_kb"]) / 1024
    if result["open_dialogs"] != sizes.dialogs + 1:  # + the warm-up's open draft
        raise RuntimeError(f"{result['open_dialogs']} dialogs open instead of {sizes.dialogs + 1}")
    if result["processor"] != "ChatOrder" or result["chats_in_progress"]:
        raise RuntimeError(f"updates went through {result['processor']}, {result['chats_in_progress']} chats left "
                           "in progress: not the product's way of ordering chats")
    return result


def _users_child(folder: str, few: int, many: int, out) -> None:
    """In a fresh process: RSS once `few` distinct users have each sent one update, then once `many` have."""
    from tests.fakes import text_update

    async def run():
        db = make_engine(f"sqlite:///{Path(folder) / 'users.sqlite3'}")
        upgrade(db)
        app = await bot_application(db, Path(folder) / "attachments")
        await app.start()
        marks = {}
        try:
            first = 20_000_000
            await _deliver(app, [text_update(app, first - n - 1, "bonjour") for n in range(200)])  # warm-up
            sent = 0
            for target in (few, many):
                while sent < target:
                    batch = min(USERS_AT_ONCE * 20, target - sent)
                    await _deliver(app, [text_update(app, first + sent + n, "bonjour") for n in range(batch)])
                    sent += batch
                gc.collect()
                marks[target] = (_rss_kb(), sys.getallocatedblocks())
            with db.connect() as connection:  # SQLite's page cache per connection is bounded by this
                cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
            processor = app.update_processor
        finally:
            await app.stop()
            await app.shutdown()
            db.dispose()
        return {"few": few, "many": many, "few_kb": marks[few][0], "many_kb": marks[many][0],
                "python_blocks": marks[many][1] - marks[few][1], "sqlite_cache_kib": -cache if cache < 0 else None,
                "per_user_sets": len(app._chat_ids_to_be_updated_in_persistence)
                + len(app._user_ids_to_be_updated_in_persistence), "processor": type(processor).__name__}

    out.send(asyncio.run(run()))
    out.close()


def measure_users(folder: Path, few: int, many: int) -> dict:
    """Memory against distinct users: `many` users who each sent one update, minus `few`."""
    result = in_process(_users_child, str(folder), few, many)
    result["mb"] = (result["many_kb"] - result["few_kb"]) / 1024
    return result
