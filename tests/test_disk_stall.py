"""A disk that stalls during one chat's turn (SQLite waiting for its file) leaves the event loop free: what is ready
to go out for another chat is sent, the jobs and the webhook's server (coroutines on the same loop) go on; the stalled
turn ends once the disk answers, whole."""
from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot.storage import turns
from tests.conftest import Chat, RecordingRequest, enrol, make_app

STALL = 2.0


async def test_a_turn_stalled_on_the_disk_leaves_the_event_loop_free_for_everything_else(organisations, monkeypatch):
    recorder = RecordingRequest()
    app = await make_app(organisations, recorder)
    enrol(organisations, 1001)
    stalled = Chat(app, recorder, 1001)
    loop = asyncio.get_running_loop()
    reading = turns.load

    def load(connection, channel, user_key, chat_key, *arguments):
        if chat_key == "1001":  # the disk stalls while this chat's turn reads
            time.sleep(STALL)
        return reading(connection, channel, user_key, chat_key, *arguments)

    monkeypatch.setattr(turns, "load", load)
    ticks = []

    async def ticking():  # stands for the jobs and the webhook's server, which share the loop with the turns
        while True:
            ticks.append(loop.time())
            await asyncio.sleep(0.05)

    ticker = asyncio.create_task(ticking())
    try:
        began = loop.time()
        turn = asyncio.create_task(stalled.send("/help"))
        await asyncio.sleep(0.2)  # the turn is waiting for the disk now
        await app.bot.send_message(chat_id=1002, text="ready for another chat")  # e.g. a notification
        sent = loop.time()
        reply = await turn
        ended = loop.time()
    finally:
        ticker.cancel()
        await app.shutdown()
    assert ended - began >= STALL and "/new" in reply, "the stalled turn ended, with its answer"
    assert sent - began < STALL / 2, f"another chat's message waited {sent - began:.2f} s for the stalled disk"
    gaps = [later - earlier for earlier, later in zip(ticks, ticks[1:]) if earlier < ended]
    assert len(gaps) >= STALL / 0.05 / 2 and max(gaps) < 0.5, f"the event loop stalled for {max(gaps):.2f} s"


async def test_every_turn_on_sqlite_runs_in_its_one_thread_whoever_calls(organisations, monkeypatch):
    """Telegram's turns (from the event loop) and the terminal chat's (engine.handle, called directly) share SQLite's
    thread: the connection kept for every turn is never used by two threads."""
    from bot.core.views import Input

    if organisations.dialect.name != "sqlite":
        pytest.skip("a database server's turns run in a pool of threads")
    recorder = RecordingRequest()
    app = await make_app(organisations, recorder)
    enrol(organisations, 1001)
    engine = app.bot_data["engine"]
    reading, threads = turns.load, []

    def load(*arguments):
        threads.append(threading.get_ident())
        return reading(*arguments)

    monkeypatch.setattr(turns, "load", load)
    try:
        await Chat(app, recorder, 1001).send("/help")
        await asyncio.to_thread(engine.handle, Input("console", "someone", "someone", "command", command="help"))
        engine.handle(Input("console", "someone", "someone", "command", command="help"))
    finally:
        await app.shutdown()
    assert len(threads) == 3 and len(set(threads)) == 1 and threads[0] != threading.get_ident()
