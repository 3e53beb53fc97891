"""Resident memory of the bot with thousands of dialogs open, measured in a fresh process."""
from __future__ import annotations

import asyncio
import gc
import multiprocessing
import resource
import sys
import time
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from bench.intake import INTAKE_NISS_BASE, Recorded, bot_application, no_sync, setup_intake_organisation
from bench.sizes import Sizes
from bot.storage.database import create_schema, make_engine, session
from bot.storage.models import Draft


def _rss_kb() -> int:
    """The process's resident memory now (Linux); elsewhere its peak, the closest the system tells."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _memory_child(folder: str, dialogs: int, steps: list, out) -> None:
    """In a fresh process: RSS after start-up and a warm-up, then with `dialogs` drafts open at different steps."""

    async def run():
        db = no_sync(make_engine(f"sqlite:///{Path(folder) / 'memory.sqlite3'}"))
        create_schema(db)
        first_user = 8_000_000
        users = list(range(first_user, first_user + dialogs))
        setup_intake_organisation(db, [first_user - 1, first_user - 2, *users])
        recorded = Recorded([tuple(s) for s in steps])
        full = len(recorded.steps) - 2  # up to the summary, not filed
        app = await bot_application(db, Path(folder) / "attachments")
        try:
            # Warm-up: every step once (a full intake) and a draft left open, by two other users.
            for update in recorded.updates(app, first_user - 1, INTAKE_NISS_BASE + 1):
                await app.process_update(update)
            for update in recorded.updates(app, first_user - 2, INTAKE_NISS_BASE + 2, upto=full):
                await app.process_update(update)
            gc.collect()
            before, blocks_before = _rss_kb(), sys.getallocatedblocks()
            middle = None
            started = time.perf_counter()
            updates = 0
            for n, user in enumerate(users):
                # user n stops after 1..full updates: drafts open at every step up to the summary
                for update in recorded.updates(app, user, INTAKE_NISS_BASE + 10 + n, upto=1 + n % full):
                    await app.process_update(update)
                    updates += 1
                if n + 1 == dialogs // 2:
                    gc.collect()
                    middle = _rss_kb()
            elapsed = time.perf_counter() - started
            gc.collect()
            after, blocks_after = _rss_kb(), sys.getallocatedblocks()
            with session(db) as s:
                open_dialogs = s.exec(select(func.count()).select_from(Draft).where(
                    Draft.status == "open", Draft.form == "intake")).one()
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
