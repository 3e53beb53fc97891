"""One process serving many chats at once on PostgreSQL, as `breakbot run` does: the updates go through the update
queue and the product's update processor (ChatOrder), which runs different chats together and one chat's in order."""
from __future__ import annotations

import asyncio
import itertools
import math
import os
import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import TypeHandler

from bench.intake import INTAKE_NISS_BASE, Recorded, bot_application, count_filed, setup_intake_organisation
from bench.postgres import first_free_update_id
from bench.sizes import Sizes
from bench.spawn import in_process
from bot.storage.database import make_engine
from tests.fakes import number_updates_from

NISS_BASE = INTAKE_NISS_BASE + 3_100_000  # apart from the other measurements' workers on the same database
FIRST_USER = 9_500_000
WAIT_FOR_INTAKE = 120  # seconds: an intake that takes longer is stuck, and the figure would be wrong


def _chats_child(url: str, users: list[int], niss_base: int, first_update: int, seconds: float, steps: list,
                 out) -> None:
    """Each chat puts a whole intake's updates on the queue, mixed with the other chats' as Telegram delivers
    them, waits until its last one is handled, and starts the next intake, until the time is up."""
    number_updates_from(first_update)

    async def run():
        db = make_engine(url)
        app = await bot_application(db, Path(tempfile.gettempdir()) / f"bench-attachments-{os.getpid()}")
        recorded = Recorded([tuple(s) for s in steps])
        niss = itertools.count(niss_base)
        deadline, handled, intakes, most = math.inf, 0, 0, 0
        finished: dict[int, asyncio.Event] = {}

        async def count(update, _context):
            # In a handler group after the product's: runs once the product's handler is done with the update,
            # still inside the chat's turn in the update processor.
            nonlocal handled
            handled += time.perf_counter() <= deadline
            event = finished.pop(update.update_id, None)
            if event is not None:
                event.set()

        app.add_handler(TypeHandler(Update, count), group=1)

        async def chat(user: int) -> None:
            nonlocal intakes
            while time.perf_counter() < deadline:
                updates = recorded.updates(app, user, next(niss))
                done = finished[updates[-1].update_id] = asyncio.Event()
                for update in updates:
                    await app.update_queue.put(update)
                    await asyncio.sleep(0)  # the other chats put theirs in between
                await asyncio.wait_for(done.wait(), WAIT_FOR_INTAKE)
                intakes += 1

        async def watch() -> None:
            nonlocal most
            while time.perf_counter() < deadline:
                most = max(most, app.update_processor.chats_in_progress)
                await asyncio.sleep(0.01)

        await app.start()
        try:
            for update in recorded.updates(app, users[0], next(niss)):  # warm-up: one intake
                await app.process_update(update)
            started = time.perf_counter()
            deadline = started + seconds
            await asyncio.gather(watch(), *(chat(user) for user in users))
            drained = time.perf_counter() - started
        finally:
            await app.stop()
            await app.shutdown()
            db.dispose()
        return {"handled": handled, "seconds": seconds, "drained": drained, "intakes": intakes,
                "most_in_progress": most, "processor": type(app.update_processor).__name__,
                "max_concurrent": app.update_processor.max_concurrent_updates}

    out.send(asyncio.run(run()))
    out.close()


def chats_on_postgres(url: str, sizes: Sizes, recorded: Recorded) -> dict:
    """Updates per second of one process with `sizes.chats` chats at once; every finished intake must have filed."""
    db = make_engine(url)
    users = [FIRST_USER + n for n in range(sizes.chats)]
    organisation_id = setup_intake_organisation(db, users)
    filed_before = count_filed(db, organisation_id)
    try:
        result = in_process(_chats_child, url, users, NISS_BASE + filed_before, first_free_update_id(db),
                            sizes.pg_seconds, recorded.steps, timeout=sizes.pg_seconds + 600)
        filed = count_filed(db, organisation_id) - filed_before
    finally:
        db.dispose()
    if filed != result["intakes"] + 1:  # + the warm-up
        raise RuntimeError(f"{result['intakes']} intakes finished but {filed - 1} requests were filed: the bot "
                           "ignored, refused or reordered updates")
    if result["processor"] != "ChatOrder":
        raise RuntimeError(f"the updates went through {result['processor']}, not the product's ChatOrder")
    return result | {"per_second": result["handled"] / result["seconds"], "chats": len(users)}
