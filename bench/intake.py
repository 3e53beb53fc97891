"""The bot and the bare echo it is measured against, and one intake's updates, recorded once and replayed."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, TypeHandler, filters

from bench.dataset import niss_number
from bot.app import build_engine
from bot.channels.telegram import build_application
from bot.core.turn import Options
from bot.settings import Settings
from bot.storage import organisation_store, request_store
from bot.storage.database import session
from bot.storage.models import Draft, Member
from tests.fakes import ORG_BCE, SCHOOL_FWB, SCHOOL_VL, RecordingRequest, button_update, form_code, text_update

TOKEN = "123456:BENCH-TOKEN"


def _settings():
    return Settings(telegram_bot_token=TOKEN, _env_file=None)


async def bot_application(db, attachments: Path, watch_keyboard: bool = False, keep_calls: bool = False,
                          encode: bool = False):
    """The product: the real Application of `build_application`, on `db`, answered by the offline Bot API, which
    only counts calls (with `watch_keyboard`, it also follows the last keyboard, to record an intake; with `encode`,
    it encodes each call's parameters as the real HTTP client does)."""
    request = RecordingRequest(keep_calls=keep_calls, watch_keyboard=watch_keyboard, encode=encode)
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


async def peer_echo_application():
    """The reference as peer benchmarks take it: a plain python-telegram-bot handler that answers every update once
    with reply_text (a Message parsed from the answer, as PTB does), through the offline Bot API encoding each call
    as the real HTTP client does."""

    async def echo(update, context):
        message = update.effective_message
        await message.reply_text(message.text or update.callback_query.data)

    request = RecordingRequest(keep_calls=False, encode=True)
    app = Application.builder().token(TOKEN).request(request).get_updates_request(request).build()
    app.add_handler(TypeHandler(Update, echo))
    app.recorder = request
    await app.initialize()
    return app


INTAKE_NISS_BASE = 10_000_000  # the generated data use indices far below
NISS_STEP = 3  # where the NISS is typed in INTAKE_SCRIPT
INTAKE_USER = 7_000_001  # the chat whose intakes are timed


def intake_script(today: dt.date) -> list[tuple[str, str]]:
    """What a user types and taps from /new to the ticket (as tests/test_intake_dialog.py's to_summary + confirm)."""
    start = (today.replace(day=1) + dt.timedelta(days=95)).replace(day=1)
    return [("text", "/new"), ("tap", "fwb"), ("tap", SCHOOL_FWB), ("text", "NISS"), ("text", "Dupont"),
            ("text", "Marie"), ("tap", "statutory"), ("tap", "skip"), ("tap", "parental"), ("tap", "full"),
            ("text", start.strftime("%d/%m/%Y")), ("tap", "m1"), ("text", "20h00"), ("tap", "same"),
            ("text", today.strftime("%d/%m/%Y")), ("tap", "no"), ("tap", "certified"), ("tap", "confirm")]


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


async def record_intake(app, user_id: int, niss_index: int, today: dt.date,
                        after_each: Callable[[int], None] | None = None) -> Recorded:
    """Drive one intake by button codes, keeping the callback data actually shown (the dialog's versions);
    `after_each(step)` is called once each update has been handled."""
    request = app.recorder
    steps = []
    for kind, value in intake_script(today):
        if kind == "text":
            value = niss_number(niss_index) if len(steps) == NISS_STEP else value
            steps.append(("text", value, 0))
            await app.process_update(text_update(app, user_id, value))
        else:
            data = next((d for d in request.keyboard if form_code(d) == value), None)
            if data is None:
                raise RuntimeError(f"the intake did not offer {value!r} (buttons: {request.keyboard})")
            steps.append(("tap", data, request.keyboard_message))
            await app.process_update(button_update(app, user_id, data, request.keyboard_message))
        if after_each is not None:
            after_each(len(steps) - 1)
    return Recorded(steps)


DRAFT_COLUMNS = ("form", "state", "answers", "history", "editing", "version")


def open_draft(db, user_id: int) -> dict | None:
    """The chat's open draft as stored (what a step leaves behind), to copy into other chats."""
    table = Draft.__table__
    with db.connect() as connection:
        row = connection.execute(select(*(table.c[name] for name in DRAFT_COLUMNS)).where(
            table.c.channel == "telegram", table.c.chat_key == str(user_id), table.c.status == "open")).first()
    return dict(row._mapping) if row else None


def setup_intake_organisation(db, user_ids) -> int:
    """The filing organisation with a school in FWB and one in VL, and its enrolled members."""
    with session(db) as s:
        organisation = organisation_store.organisation_by_bce(s, ORG_BCE)
        if organisation is None:
            organisation = organisation_store.add_organisation(s, ORG_BCE, "PO Banc d'essai")
            organisation_store.add_school(s, organisation, SCHOOL_FWB, "fwb", "École A")
            organisation_store.add_school(s, organisation, SCHOOL_VL, "vl", "School B")
        organisation_id = organisation.id
        s.commit()
    member = Member.__table__
    with db.connect() as connection:
        known = set(connection.execute(select(member.c.user_key).where(member.c.organisation_id == organisation_id))
                    .scalars())
    rows = [{"organisation_id": organisation_id, "channel": "telegram", "user_key": str(u), "display_name": "",
             "roles": "po-education", "enrolled_at": dt.datetime.now(dt.UTC)}
            for u in user_ids if str(u) not in known]
    if rows:
        with db.begin() as connection:
            for i in range(0, len(rows), 5000):
                connection.execute(insert(member), rows[i:i + 5000])
    return organisation_id


def count_filed(db, organisation_id: int) -> int:
    with session(db) as s:
        return request_store.count_requests(s, organisation_id)
