"""An intake step against a bare python-telegram-bot echo: the same updates, the same offline Bot API, one run."""
from __future__ import annotations

import datetime as dt
import gc
import itertools
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, insert
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bench.dataset import niss_number
from bench.sizes import Sizes
from bot.app import build_engine
from bot.channels.telegram import build_application
from bot.core.turn import Options
from bot.settings import Settings
from bot.storage import repository
from bot.storage.database import create_schema, make_engine, session
from bot.storage.models import Member
from tests.fakes import ORG_BCE, SCHOOL_FWB, SCHOOL_VL, RecordingRequest, button_update, form_code, text_update

TOKEN = "123456:BENCH-TOKEN"


def _settings():
    return Settings(telegram_bot_token=TOKEN, _env_file=None)


async def bot_application(db, attachments: Path, watch_keyboard: bool = False):
    """The product: the real Application of `build_application`, on `db`, answered by the offline Bot API, which
    only counts calls (with `watch_keyboard`, it also follows the last keyboard, to record an intake)."""
    request = RecordingRequest(keep_calls=False, watch_keyboard=watch_keyboard)
    app = build_application(_settings(), build_engine(db, Options(attachments_dir=attachments)), request=request,
                            rate_limited=False)
    app.recorder = request
    await app.initialize()
    return app


async def echo_application():
    """The reference: a bare python-telegram-bot application that echoes texts and answers and edits on taps."""

    async def echo_text(update, context):
        await update.effective_message.reply_text(update.effective_message.text)

    async def echo_button(update, context):
        query = update.callback_query
        await query.answer()
        await query.edit_message_text(query.data)

    request = RecordingRequest(keep_calls=False)
    app = Application.builder().token(TOKEN).request(request).get_updates_request(request).build()
    app.add_handler(MessageHandler(filters.TEXT, echo_text))
    app.add_handler(CallbackQueryHandler(echo_button))
    app.recorder = request
    await app.initialize()
    return app


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

    def updates(self, app, user_id: int, niss_index: int, upto: int | None = None) -> list:
        out = []
        for i, (kind, data, message_id) in enumerate(self.steps[:upto]):
            if kind == "text":
                out.append(text_update(app, user_id, niss_number(niss_index) if i == NISS_STEP else data))
            else:
                out.append(button_update(app, user_id, data, message_id))
        return out


async def record_intake(app, user_id: int, niss_index: int, today: dt.date) -> Recorded:
    """Drive one intake by button codes, keeping the callback data actually shown (the dialog's versions)."""
    request = app.recorder
    steps = []
    for kind, value in intake_script(today):
        if kind == "text":
            value = niss_number(niss_index) if len(steps) == NISS_STEP else value
            steps.append(("text", value, 0))
            await app.process_update(text_update(app, user_id, value))
            continue
        data = next((d for d in request.keyboard if form_code(d) == value), None)
        if data is None:
            raise RuntimeError(f"the intake did not offer {value!r} (buttons: {request.keyboard})")
        steps.append(("tap", data, request.keyboard_message))
        await app.process_update(button_update(app, user_id, data, request.keyboard_message))
    return Recorded(steps)


def setup_intake_organisation(db, user_ids) -> int:
    """The filing organisation with a school in FWB and one in VL, and its enrolled members."""
    with session(db) as s:
        organisation = repository.organisation_by_bce(s, ORG_BCE)
        if organisation is None:
            organisation = repository.add_organisation(s, ORG_BCE, "PO Banc d'essai")
            repository.add_school(s, organisation, SCHOOL_FWB, "fwb", "École A")
            repository.add_school(s, organisation, SCHOOL_VL, "vl", "School B")
        known = {m.user_key for m in repository.members_of(s, organisation.id)}
        organisation_id = organisation.id
        s.commit()
    rows = [{"organisation_id": organisation_id, "channel": "telegram", "user_key": str(u), "display_name": "",
             "roles": "po-education", "enrolled_at": dt.datetime.now(dt.UTC)}
            for u in user_ids if str(u) not in known]
    if rows:
        with db.begin() as connection:
            for i in range(0, len(rows), 5000):
                connection.execute(insert(Member.__table__), rows[i:i + 5000])
    return organisation_id


def count_filed(db, organisation_id: int) -> int:
    with session(db) as s:
        return repository.count_requests(s, organisation_id)


def no_sync(db):
    """The same engine without waiting for the disk (PRAGMA synchronous=OFF): shows what the syncs cost."""

    @event.listens_for(db, "connect")
    def _off(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    return db


async def intake_vs_echo(sizes: Sizes, folder: Path) -> tuple[dict, Recorded]:
    """The cost of one update of the intake and of the echo; also the intake's updates, for the other processes
    (the callback data carry the draft's version, the same in every new draft).

    A third application, the bot on a file without disk syncs, is measured in the same rounds to split the
    intake's cost between the disk and the processor."""
    databases = {"bot": make_engine(f"sqlite:///{folder / 'intake.sqlite3'}"),
                 "nosync": no_sync(make_engine(f"sqlite:///{folder / 'intake-nosync.sqlite3'}"))}
    user_id = 7_000_001
    organisations = {}
    for name, db in databases.items():
        create_schema(db)
        organisations[name] = setup_intake_organisation(db, [user_id])
    today = dt.date.today()
    apps = {"bot": await bot_application(databases["bot"], folder / "attachments", watch_keyboard=True),
            "nosync": await bot_application(databases["nosync"], folder / "attachments"),
            "echo": await echo_application()}
    try:
        recorded = await record_intake(apps["bot"], user_id, INTAKE_NISS_BASE, today)  # also the warm-up
        apps["bot"].recorder.watch_keyboard = False
        for name in ("nosync", "echo"):  # their warm-up
            for update in recorded.updates(apps[name], user_id, INTAKE_NISS_BASE):
                await apps[name].process_update(update)
        per_update = {name: [] for name in apps}
        niss = itertools.count(INTAKE_NISS_BASE + 1)
        names = list(apps)
        for round_ in range(sizes.rounds):
            indices = [next(niss) for _ in range(sizes.intakes_per_round)]
            batches = {name: [u for i in indices for u in recorded.updates(apps[name], user_id, i)]
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
