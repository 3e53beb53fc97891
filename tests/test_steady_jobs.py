"""The bot process's background jobs (notifications, reminders, prune, backup, e-mail outbox) keep their pace when
the wall clock jumps back or forward (an NTP correction, a virtual machine resumed, a hand-set clock), and a run that
fails does not stop the next ones."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys
import time
from collections import defaultdict

from bot import mail, notifications, reminders
from bot.channels import telegram
from bot.channels.telegram import EVERY, schedule
from bot.settings import Settings
from tests.conftest import RecordingRequest, make_app

QUICKLY = {name: (0.1, 0.05) for name in EVERY}  # every job every 100 ms, the first after 50 ms


class WallClock:
    """The wall clock moved by `offset` seconds, as Python code reads it: time.time(), and datetime.now() in every
    module of the bot, python-telegram-bot and APScheduler that imported the class by its name (APScheduler's
    scheduler and executors, which planned PTB's JobQueue, do)."""

    def __init__(self, monkeypatch):
        self.offset = 0.0
        clock, real_time = self, time.time

        class Moved(dt.datetime):
            @classmethod
            def now(cls, tz=None):
                return dt.datetime.now(tz) + dt.timedelta(seconds=clock.offset)

        monkeypatch.setattr(time, "time", lambda: real_time() + clock.offset)
        for name, module in list(sys.modules.items()):
            if name.split(".")[0] in ("bot", "telegram", "apscheduler") and \
                    getattr(module, "datetime", None) is dt.datetime:
                monkeypatch.setattr(module, "datetime", Moved)


def every_job_enabled(db, folder) -> Settings:
    """The settings with the backups (into `folder`) and the e-mail outbox on, so that all five jobs are planned."""
    return Settings(telegram_bot_token="123456:TEST-TOKEN", database_url=db.url.render_as_string(hide_password=False),
                    backup_dir=folder, smtp_host="localhost", smtp_from="bot@example.org", _env_file=None)


async def test_every_job_keeps_its_pace_when_the_wall_clock_goes_back_an_hour_then_forward(organisations, monkeypatch,
                                                                                         tmp_path):
    runs = defaultdict(list)
    loop = asyncio.get_running_loop()

    def recorded(name, job):
        async def run(context):
            runs[name].append(loop.time())
            await job(context)  # the real job, with what the bot hands it
        return run

    monkeypatch.setattr(notifications, "deliver_job", recorded("notifications", notifications.deliver_job))
    monkeypatch.setattr(reminders, "deliver_job", recorded("reminders", reminders.deliver_job))
    monkeypatch.setattr(telegram, "prune_job", recorded("prune", telegram.prune_job))
    monkeypatch.setattr(telegram, "backup_job", recorded("backup", telegram.backup_job))
    monkeypatch.setattr(mail, "deliver_job", recorded("mail", mail.deliver_job))
    app = await make_app(organisations, RecordingRequest())
    settings = app.bot_data["settings"] = every_job_enabled(organisations, tmp_path / "backups")
    schedule(app, settings, every=QUICKLY)
    wall = WallClock(monkeypatch)
    try:
        await app.start()
        await asyncio.sleep(0.5)
        wall.offset, back = -3600, loop.time()
        await asyncio.sleep(0.8)
        wall.offset, forward = 3600, loop.time()
        await asyncio.sleep(0.8)
        await app.stop()
        stopped = loop.time()
        await asyncio.sleep(0.3)
    finally:
        if app.running:
            await app.stop()
        await app.shutdown()
    assert set(runs) == set(EVERY)
    for name, times in runs.items():
        assert sum(back < t < forward for t in times) >= 4, f"{name} stopped when the clock went back: {times}"
        assert sum(forward < t < stopped for t in times) >= 4, f"{name} stopped when the clock went forward"
        assert not [t for t in times if t > stopped], f"{name} ran after the application stopped"
    # The real backup job ran: one copy a day of a SQLite file; a database server is copied with its own tools.
    copies = 1 if organisations.dialect.name == "sqlite" else 0
    assert len(list((tmp_path / "backups").glob("breakbot-*.sqlite3"))) == copies
    assert not [task for task in asyncio.all_tasks() if task.get_name().startswith("job ")]


async def test_a_job_that_fails_is_logged_and_runs_again_at_its_next_time(organisations, monkeypatch, caplog):
    calls = []

    async def failing(context):
        calls.append(context.application)
        if len(calls) <= 2:
            raise RuntimeError("no network")

    monkeypatch.setattr(notifications, "deliver_job", failing)
    app = await make_app(organisations, RecordingRequest())
    schedule(app, app.bot_data["settings"], every=QUICKLY)
    try:
        with caplog.at_level(logging.ERROR, logger="bot.channels.telegram"):
            await app.start()
            deadline = time.monotonic() + 5
            while len(calls) < 5 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            await app.stop()
    finally:
        if app.running:
            await app.stop()
        await app.shutdown()
    assert len(calls) >= 5 and all(application is app for application in calls)
    assert len([r for r in caplog.records if "notifications job failed" in r.getMessage()]) == 2
    assert caplog.text.count("RuntimeError: no network") == 2  # with its traceback


async def test_stopping_waits_for_a_run_in_progress_and_begins_no_other(organisations, monkeypatch):
    """A notification sent is recorded before the process stops: a run is never cut in the middle."""
    events = []

    async def slow(context):
        events.append("began")
        await asyncio.sleep(0.3)
        events.append("ended")

    monkeypatch.setattr(notifications, "deliver_job", slow)
    app = await make_app(organisations, RecordingRequest())
    schedule(app, app.bot_data["settings"], every={name: (0.05, 0.0) for name in EVERY})
    try:
        await app.start()
        await asyncio.sleep(0.1)  # the first run is under way
        await app.stop()
        stopped = list(events)
        await asyncio.sleep(0.2)
    finally:
        if app.running:
            await app.stop()
        await app.shutdown()
    assert stopped == ["began", "ended"] and events == stopped
