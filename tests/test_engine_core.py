"""The engine core: one commit per update, a turn that fails is stored not at all, button actions that fit Telegram,
commands that register themselves, and chats that do not wait for each other."""
from __future__ import annotations

import asyncio
import time

from sqlalchemy import make_url, text
from sqlmodel import select

from bot.app import ROUTERS
from bot.channels.telegram import menu, register_menu
from bot.core.actions import ACTIONS, MAX_BYTES, unpack
from bot.core.engine import FAILED
from bot.core.router import Router
from bot.core.views import View
from bot.dialogs import intake
from bot.dialogs.questions import STEPS
from bot.i18n import LANGUAGES, N_, render, t
from bot.storage import organisation_store
from bot.storage.database import make_engine, session
from bot.storage.models import Draft, LeaveRequest
from tests.conftest import SCHOOL_FWB, Chat, RecordingRequest, enrol, make_app, text_update
from tests.fakes import Statements
from tests.test_intake_dialog import START, TICKET, TODAY, requests, state, to_summary


async def test_every_update_of_a_whole_intake_commits_once_and_reads_nothing_after(chat):
    probe = Statements(chat.app.bot_data["engine"].db)
    try:
        steps = []

        async def step(coroutine):
            probe.mark()
            await coroutine
            steps.append(probe.updates[-1])

        await step(chat.send("/new"))
        for code in ("fwb", SCHOOL_FWB):
            await step(chat.tap(code))
        for text in ("85.03.14-123.02", "Dupont", "Marie"):
            await step(chat.send(text))
        for code in ("statutory", "skip", "parental", "full"):
            await step(chat.tap(code))
        await step(chat.send(START.strftime("%d/%m/%Y")))
        await step(chat.tap("m1"))
        await step(chat.send("20h00"))
        await step(chat.tap("same"))
        await step(chat.send(TODAY.strftime("%d/%m/%Y")))
        await step(chat.tap("no"))
        await step(chat.tap("certified"))
        await step(chat.tap("confirm"))
    finally:
        probe.close()
    assert len(requests(chat.app.bot_data["engine"].db)) == 1
    for update in steps:
        assert update.count("COMMIT") == 1, update
        assert update[-1] == "COMMIT", f"read after the commit: {update}"
    # a plain step (a typed name): the update recorded, the member and draft in one query, the draft saved
    plain = Statements.inside(steps[4])
    assert len(plain) <= 3, plain


async def test_a_failure_after_filing_stores_nothing_and_tells_no_ticket(chat, monkeypatch):
    db = chat.app.bot_data["engine"].db
    await to_summary(chat)
    await chat.tap("certified")
    before = state(db)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(intake, "acknowledgement", broken)  # after the request row is written
    reply = await chat.tap("confirm")
    assert render(t(FAILED), "fr") in reply
    assert not TICKET.search(reply)
    assert requests(db) == []
    after = state(db)
    assert (after.status, after.state, after.version) == ("open", "summary", before.version)
    monkeypatch.undo()
    reply = await chat.tap("confirm")  # the same button still works: the draft did not move
    [request] = requests(db)
    assert request.ticket in reply


def test_every_action_fits_telegram_and_reads_back_what_it_packed():
    assert len(ACTIONS) >= 20
    for name, action in ACTIONS.items():
        data = action.longest()
        assert len(data.encode()) <= MAX_BYTES, (name, data)
        values = tuple(param.unpack(param.longest) for param in action.params)
        assert unpack(action.pack(*values)) == (action, values), name
        if action.params:  # an argument short of what the action takes is refused, not guessed
            assert unpack(name) is None or len(action.params) == 1


def test_forged_data_are_no_action():
    for data in ("", ":", "request", "request:1:2" * 10, "x" * 65, "form:-1:fwb", "form:²:fwb", "overview.page:²",
                 "language:xx", "invite.role:king", "nothing:at:all", "overview.csv:more"):
        unpacked = unpack(data)
        assert unpacked is None or unpacked[0].name == "request", data


def test_what_a_change_of_answer_invalidates_is_derived_from_the_declared_dependencies():
    """The same as the lists that were kept by hand before the form runner derived them."""
    by_hand = {"capacity": ("community", "school", "school_name", "leave_type", "motive", "regime",
                            "employer_agreement", "end_date", "fulltime_hours"),
               "community": ("school", "school_name", "leave_type", "motive", "regime", "employer_agreement",
                             "end_date", "fulltime_hours"),
               "school": ("school_name",),  # added since: a school registered on the way
               "niss": ("end_date",),
               "staff_status": ("leave_type", "motive", "regime", "employer_agreement", "end_date", "fulltime_hours"),
               "leave_type": ("motive", "regime", "employer_agreement", "end_date", "fulltime_hours"),
               "motive": ("regime", "employer_agreement", "end_date", "fulltime_hours"),  # added since: a case's rules
               "regime": ("employer_agreement", "end_date", "fulltime_hours"),
               "start_date": ("end_date",), "hours_before": ("fulltime_hours",),
               "my_email": ("email_code",)}  # added since: a new address needs a new code
    derived = {name: cleared for name, cleared in intake.INTAKE.clears.items() if cleared}
    assert derived == by_hand
    assert [s.name for s in STEPS][:3] == ["capacity", "community", "school"]


async def test_a_command_added_to_a_router_is_in_help_and_in_every_menu(organisations):
    extra = Router("extra")

    @extra.command("ping", menu="Check that the assistant answers", help="/ping: check that the assistant answers")
    def ping(turn):
        return View(["pong"])

    recorder = RecordingRequest()
    app = await make_app(organisations, recorder, routers=[*ROUTERS, extra])
    enrol(organisations, 1001)
    try:
        chat = Chat(app, recorder, 1001)
        assert "/ping\u00a0: check that the assistant answers" in await chat.send("/help")  # French typography
        assert "pong" in await chat.send("/ping")
        engine = app.bot_data["engine"]
        for lang in LANGUAGES:
            assert "ping" in [command.command for command in menu(engine, lang)]
        await register_menu(app)
        menus = [params for name, params in recorder.calls if name == "setMyCommands"]
        assert len(menus) == len(LANGUAGES) + 1
        assert all(any(c["command"] == "ping" for c in params["commands"]) for params in menus)
    finally:
        await app.shutdown()


async def test_help_lists_every_command_of_the_menu(chat):
    reply = await chat.send("/help")
    for command in chat.app.bot_data["engine"].routes.menu():
        assert f"/{command.name}" in reply
    assert render(t(N_("/new: file the employer part of a new request")), "fr") in reply


async def test_two_chats_on_postgresql_go_on_together_while_one_chats_updates_stay_in_order(postgres_url, tmp_path):
    """Chat A's turn waits for a row lock; chat B's five answers are handled meanwhile, in order, and the event
    loop (job queue, webhook server) keeps running."""
    # A lock held longer than 8 s fails the turn instead of hanging the test (were turns run on the event loop).
    db = make_engine(make_url(postgres_url).update_query_dict({"options": "-c lock_timeout=8000"})
                     .render_as_string(hide_password=False))
    with session(db) as s:
        ours = organisation_store.add_organisation(s, "0234567873", "PO Y")
        organisation_store.add_school(s, ours, SCHOOL_FWB, "fwb", "École A")
        s.commit()
    recorder = RecordingRequest()
    app = await make_app(db, recorder, attachments_dir=tmp_path)
    enrol(db, 1001)
    enrol(db, 1002)
    a, b = Chat(app, recorder, 1001), Chat(app, recorder, 1002)
    try:
        for chat in (a, b):
            await chat.send("/new")
            await chat.tap("fwb")
            await chat.tap(SCHOOL_FWB)
        await app.start()
        blocker = db.connect()
        blocker.begin()
        blocker.execute(text("SELECT id FROM draft WHERE chat_key = '1001' AND status = 'open' FOR UPDATE"))
        await app.update_queue.put(text_update(app, 1001, "85.03.14-123.02"))
        await asyncio.sleep(0.2)  # A's turn is now waiting for the lock
        answers = ["90.11.02-246.12", "Peeters", "An"]
        started = time.monotonic()
        for answer in answers:
            await app.update_queue.put(text_update(app, 1002, answer))
        lags = []
        while time.monotonic() - started < 10 and state(db, 1002).state != "staff_status":
            before = time.monotonic()
            await asyncio.sleep(0.01)
            lags.append(time.monotonic() - before)
        assert state(db, 1002).state == "staff_status", "chat B waited for chat A"
        assert state(db, 1002).answers["first_name"] == "An" and state(db, 1002).answers["last_name"] == "Peeters"
        assert state(db, 1001).state == "niss", "chat A went on while its draft was locked"
        assert max(lags) < 0.5, f"the event loop stalled for {max(lags):.2f} s"
        blocker.rollback()
        blocker.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and state(db, 1001).state != "last_name":
            await asyncio.sleep(0.02)
        assert state(db, 1001).state == "last_name"
    finally:
        if app.running:
            await app.stop()
        await app.shutdown()
        db.dispose()
    with session(db) as s:
        assert len(s.exec(select(Draft).where(Draft.status == "open")).all()) == 2
        assert s.exec(select(LeaveRequest)).all() == []


def test_a_keyboard_always_fits_telegram_so_a_question_is_always_seen():
    from bot.channels.telegram import MAX_BUTTONS, keyboard
    from bot.core.views import Button, View

    many = [[Button(f"school {i}", f"form:1:{i}")] for i in range(112)] + [[Button("« Back", "form:1:back")]]
    rows = keyboard(View(["Which school?"], many), "en")["inline_keyboard"]
    assert sum(map(len, rows)) == MAX_BUTTONS and rows[-1][0]["callback_data"] == "form:1:back"
    few = [[Button("Yes", "form:1:yes"), Button("No", "form:1:no")]]
    assert keyboard(View(["?"], few), "en")["inline_keyboard"] == [[{"text": "Yes", "callback_data": "form:1:yes"},
                                                                     {"text": "No", "callback_data": "form:1:no"}]]


async def test_the_application_remembers_nothing_per_user(app):
    """Memory stays flat in distinct users: python-telegram-bot would keep every chat and user id it has seen (to
    persist them, though there is no persistence); the product's Application keeps none of them."""

    for user in range(50_000, 50_300):
        await app.process_update(text_update(app, user, "bonjour"))
    assert (len(app._chat_ids_to_be_updated_in_persistence), len(app._user_ids_to_be_updated_in_persistence),
            len(app._chat_data), len(app._user_data)) == (0, 0, 0, 0)
    assert app.update_processor.chats_in_progress == 0
