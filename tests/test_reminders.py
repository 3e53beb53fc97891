"""Reminders: a draft left for three days, a request waiting for the worker fourteen days after filing, a leave
ending within thirty days (with "Extend"); in the member's language, to the members whose roles show the request,
once per event, across restarts and processes; /reminders turns them off and on."""
from __future__ import annotations

import asyncio
import datetime as dt
import io
import time
from collections import Counter

import pytest
from sqlmodel import select

from bot import onem
from bot.app import build_engine
from bot.channels import console
from bot.channels.telegram import REMINDERS_FIRST
from bot.core.turn import Options
from bot.dialogs.actions import EXTEND, SHOW_REQUEST
from bot.domain.answers import local_today
from bot.domain.leaves import period_end
from bot.reminders import deliver, deliver_job
from bot.storage.database import make_engine, session
from bot.storage.models import Draft, LeaveRequest, Member, Reminder, utcnow
from tests.conftest import OTHER_ORG_BCE, SCHOOL_FWB, Chat, RecordingRequest, enrol, make_app
from tests.test_onem import file_request

T0 = dt.datetime.now(dt.UTC)
TODAY = local_today(T0)
NISS = "85031412302"


def filed(db, user_id=1001, *, start: dt.date, end: dt.date, filed_at: dt.datetime, email=None, niss=NISS,
          regime="full") -> str:
    """A parental leave filed by the member for DUBOIS Marc, at `filed_at`; returns its ticket."""
    return file_request(db, user_id, last_name="Dubois", niss=niss, now=filed_at, first_name="Marc", email=email,
                        regime=regime, start_date=start, end_date=end, notice_date=start - dt.timedelta(days=70))


def members(db):
    """Ours in three languages, one revoked, an access manager who files nothing, one of another organisation, and
    the terminal's user."""
    for user_id in (1001, 1002, 1003, 1005):
        enrol(db, user_id)
    enrol(db, 1006, roles=("access-manager",))
    enrol(db, 2001, bce=OTHER_ORG_BCE)
    enrol(db, "console-user", channel="console")
    with session(db) as s:
        for member in s.exec(select(Member)):
            member.locale = {"1002": "nl", "1003": "de"}.get(member.user_key)
            if member.user_key == "1005":
                member.revoked_at = utcnow()
            s.add(member)
        s.commit()


def sent(recorder, start: int = 0) -> dict[int, dict]:
    return {params["chat_id"]: params for name, params in recorder.calls[start:] if name == "sendMessage"}


def buttons(message: dict) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row}


@pytest.fixture
async def timed(organisations):
    """The application on a clock the test moves: app.now[0]."""
    now = [T0]
    recorder = RecordingRequest()
    application = await make_app(organisations, recorder, clock=lambda: now[0])
    application.recorder, application.now = recorder, now
    yield application
    await application.shutdown()


def engine_of(app):
    return app.bot_data["engine"]


# --- a request still waiting for the worker -----------------------------------------------------------------------

async def test_a_request_waiting_fourteen_days_is_told_once_to_those_who_may_follow_it(timed):
    db = engine_of(timed).db
    members(db)
    start = TODAY + dt.timedelta(days=60)
    ticket = filed(db, start=start, end=period_end(start, 1), filed_at=T0 - dt.timedelta(days=13),
                   email="marc.dubois@example.be")
    filed(db, 2001, start=start, end=period_end(start, 1), filed_at=T0 - dt.timedelta(days=20))  # theirs
    assert await deliver(timed, engine_of(timed)) == (1, 0)  # ours: thirteen days, not yet
    assert set(sent(timed.recorder)) == {2001}  # the other organisation hears of its own request only
    assert ticket not in sent(timed.recorder)[2001]["text"]
    timed.now[0] = T0 + dt.timedelta(days=1, hours=1)
    calls = len(timed.recorder.calls)
    assert await deliver(timed, engine_of(timed)) == (3, 0)
    told = sent(timed.recorder, calls)
    assert set(told) == {1001, 1002, 1003}  # not the revoked member, nor the access manager
    for chat_id, show in ((1001, "Afficher la demande"), (1002, "Aanvraag bekijken"), (1003, "Antrag anzeigen")):
        text = told[chat_id]["text"]
        assert ticket in text and "DUBOIS M." in text
        assert NISS not in text and "85.03.14-123.02" not in text
        assert buttons(told[chat_id]) == {show: SHOW_REQUEST.pack(ticket)}
    assert "renvoyer" in told[1001]["text"]  # it has a worker e-mail: the request's screen sends it again
    calls = len(timed.recorder.calls)
    assert await deliver(timed, engine_of(timed)) == (0, 0)  # the job run again sends nothing more
    assert len(timed.recorder.calls) == calls
    reply = await Chat(timed, timed.recorder, 1002, "nl").press(SHOW_REQUEST.pack(ticket))
    assert ticket in reply


async def test_a_request_without_worker_e_mail_says_nothing_of_sending_it_again(timed):
    db = engine_of(timed).db
    enrol(db, 1001)
    start = TODAY + dt.timedelta(days=60)
    filed(db, start=start, end=period_end(start, 1), filed_at=T0 - dt.timedelta(days=15))
    await deliver_job(type("Context", (), {"application": timed})())
    assert "renvoyer" not in sent(timed.recorder)[1001]["text"]


async def test_a_restart_sends_nothing_again(timed, organisations):
    db = engine_of(timed).db
    members(db)
    start = TODAY + dt.timedelta(days=60)
    filed(db, start=start, end=period_end(start, 1), filed_at=T0 - dt.timedelta(days=15))
    assert await deliver(timed, engine_of(timed)) == (3, 0)
    await timed.shutdown()
    recorder = RecordingRequest()  # a new process: a new Application on the same database
    again = await make_app(organisations, recorder, clock=lambda: T0 + dt.timedelta(days=2))
    try:
        assert await deliver(again, engine_of(again)) == (0, 0)
        assert sent(recorder) == {}
        with session(db) as s:
            assert len(s.exec(select(Reminder)).all()) == 3
    finally:
        await again.shutdown()
        await timed.initialize()


async def test_reminders_off_stops_them_and_on_starts_them_again(timed):
    db = engine_of(timed).db
    enrol(db, 1001)
    enrol(db, 1002)
    chat = Chat(timed, timed.recorder, 1001, "en")
    await chat.send("/language en")
    assert "Reminders are off" in await chat.send("/reminders")
    start = TODAY + dt.timedelta(days=60)
    filed(db, start=start, end=period_end(start, 1), filed_at=T0 - dt.timedelta(days=15))
    calls = len(timed.recorder.calls)
    assert await deliver(timed, engine_of(timed)) == (1, 0)
    assert set(sent(timed.recorder, calls)) == {1002}
    assert "Reminders are on" in await chat.send("/reminders")
    calls = len(timed.recorder.calls)
    assert await deliver(timed, engine_of(timed)) == (1, 0)
    assert set(sent(timed.recorder, calls)) == {1001}
    assert await deliver(timed, engine_of(timed)) == (0, 0)


async def test_a_member_whose_roles_changed_or_who_was_revoked_is_not_reminded(timed):
    db = engine_of(timed).db
    enrol(db, 1001)
    enrol(db, 1002)
    start = TODAY + dt.timedelta(days=60)
    filed(db, start=start, end=period_end(start, 1), filed_at=T0 - dt.timedelta(days=15))
    with session(db) as s:
        for member in s.exec(select(Member)):
            if member.user_key == "1001":
                member.roles = "access-manager"  # no longer sees the organisation's requests
            else:
                member.revoked_at = utcnow()
            s.add(member)
        s.commit()
    assert await deliver(timed, engine_of(timed)) == (0, 0)
    assert sent(timed.recorder) == {}


# --- a new request left unfinished ------------------------------------------------------------------------------

async def test_a_draft_left_three_days_is_reminded_to_its_member_and_opens_where_it_was(timed):
    db = engine_of(timed).db
    enrol(db, 1001)
    enrol(db, 1002)  # of the same organisation: not their draft
    chat = Chat(timed, timed.recorder, 1001, "en")
    await chat.send("/language en")
    await chat.send("/new")
    await chat.tap("fwb")
    await chat.tap(SCHOOL_FWB)
    await chat.send("85.03.14-123.02")
    await chat.send("Dubois")
    await chat.send("Marc")
    timed.now[0] = T0 + dt.timedelta(days=2, hours=23)
    assert await deliver(timed, engine_of(timed)) == (0, 0)
    timed.now[0] = T0 + dt.timedelta(days=3, hours=1)
    calls = len(timed.recorder.calls)
    assert await deliver(timed, engine_of(timed)) == (1, 0)
    [(chat_id, message)] = sent(timed.recorder, calls).items()
    assert chat_id == 1001
    assert "Your request for DUBOIS M. is waiting at \"Staff status\"" in message["text"]
    assert NISS not in message["text"]
    assert await deliver(timed, engine_of(timed)) == (0, 0)
    reply = await chat.press(buttons(message)["Continue"])
    assert "The worker's staff status?" in reply
    await chat.tap("statutory")
    with session(db) as s:
        assert s.exec(select(Draft).where(Draft.status == "open")).one().state == "email"


async def test_a_draft_without_a_worker_yet_is_reminded_by_its_step(timed):
    db = engine_of(timed).db
    enrol(db, 1001)
    chat = Chat(timed, timed.recorder, 1001, "en")
    await chat.send("/language en")
    await chat.send("/new")
    timed.now[0] = T0 + dt.timedelta(days=4)
    await deliver(timed, engine_of(timed))
    assert "Your new request is waiting at \"Community\"" in sent(timed.recorder)[1001]["text"]


# --- a leave that ends soon: Extend -----------------------------------------------------------------------------

def accept(db, ticket):
    with session(db) as s:
        onem.set_status(s, ticket, "accepted", office="Namur")


async def test_extend_opens_a_request_from_the_day_after_that_asks_what_changes_and_files(timed):
    db = engine_of(timed).db
    members(db)
    start = TODAY - dt.timedelta(days=20)
    end = period_end(start, 1)
    ticket = filed(db, start=start, end=end, filed_at=T0 - dt.timedelta(days=60))
    accept(db, ticket)
    assert await deliver(timed, engine_of(timed)) == (3, 0)  # ours who may follow it
    told = sent(timed.recorder)
    assert set(told) == {1001, 1002, 1003}
    assert buttons(told[1002]) == {"Verlengen": EXTEND.pack(ticket), "Aanvraag bekijken": SHOW_REQUEST.pack(ticket)}
    assert "DUBOIS M." in told[1001]["text"] and NISS not in told[1001]["text"]
    assert await deliver(timed, engine_of(timed)) == (0, 0)

    chat = Chat(timed, timed.recorder, 1001, "en")
    await chat.send("/language en")
    reply = await chat.press(buttons(told[1001])["Prolonger"])
    assert f"Extension of request {ticket} (DUBOIS M.)" in reply and "Last day of the leave?" in reply
    with session(db) as s:
        draft = s.exec(select(Draft).where(Draft.status == "open")).one()
    assert draft.state == "end_date" and draft.answers["start_date"] == (end + dt.timedelta(days=1)).isoformat()
    assert {"end_date", "notice_date"}.isdisjoint(draft.answers)
    assert draft.answers["niss"] == NISS and draft.answers["school"] == SCHOOL_FWB
    reply = await chat.tap("m1")
    assert "On which date did the worker notify you in writing?" in reply
    reply = await chat.send(TODAY.strftime("%d/%m/%Y"))
    assert "Confirmation page" in reply
    await chat.tap("certified")
    await chat.tap("confirm")
    with session(db) as s:
        extension = s.exec(select(LeaveRequest).where(LeaveRequest.ticket != ticket)).one()
    assert extension.start_date == end + dt.timedelta(days=1)
    assert extension.end_date == period_end(end + dt.timedelta(days=1), 1)
    assert (extension.niss, extension.leave_type, extension.regime, extension.school_bce, extension.last_name) == \
        (NISS, "parental", "full", SCHOOL_FWB, "Dubois")


async def test_extend_checks_the_ceilings_at_the_end_date(timed):
    db = engine_of(timed).db
    enrol(db, 1001)
    start = TODAY - dt.timedelta(days=100)
    end = period_end(start, 4)  # a full parental leave's four months: the ceiling per child
    ticket = filed(db, start=start, end=end, filed_at=T0 - dt.timedelta(days=130))
    accept(db, ticket)
    chat = Chat(timed, timed.recorder, 1001, "en")
    await chat.send("/language en")
    await chat.press(EXTEND.pack(ticket))
    reply = await chat.tap("m1")
    assert "Ceiling" in reply and ticket in reply


async def test_a_cancelled_request_is_not_extended(timed):
    db = engine_of(timed).db
    enrol(db, 1001)
    start = TODAY - dt.timedelta(days=20)
    ticket = filed(db, start=start, end=period_end(start, 1), filed_at=T0 - dt.timedelta(days=60))
    with session(db) as s:
        onem.set_status(s, ticket, "refused")
    assert await deliver(timed, engine_of(timed)) == (0, 0)  # a refused leave does not end: nothing to extend
    chat = Chat(timed, timed.recorder, 1001, "en")
    await chat.send("/language en")
    reply = await chat.send(f"/extend {ticket}")
    assert "can be extended" in reply
    with session(db) as s:
        assert s.exec(select(Draft).where(Draft.status == "open")).all() == []


# --- the terminal chat ------------------------------------------------------------------------------------------

def test_the_terminal_shows_its_user_reminders_after_a_reply_once(organisations, tmp_path):
    enrol(organisations, "console-user", channel=console.CHANNEL)
    start = TODAY + dt.timedelta(days=60)
    ticket = filed(organisations, "console-user", start=start, end=period_end(start, 1),
                   filed_at=T0 - dt.timedelta(days=15))
    engine = build_engine(organisations, Options(attachments_dir=tmp_path), clock=lambda: T0)
    out = io.StringIO()
    console.chat(engine, ["/help", "/help"], out, "console-user", "en")
    shown = out.getvalue()
    assert shown.count("REMINDER") == 1 and ticket in shown and f"/status {ticket}" in shown


# --- two processes on PostgreSQL --------------------------------------------------------------------------------

async def test_two_processes_on_postgresql_send_each_reminder_once(postgres_url, organisations, tmp_path):
    users = list(range(3000, 3012))
    for user in users:
        enrol(organisations, user)
    start = TODAY + dt.timedelta(days=60)
    tickets = [filed(organisations, users[0], start=start, end=period_end(start, 1), niss=niss,
                     filed_at=T0 - dt.timedelta(days=15)) for niss in ("85031412302", "90110224612", "03062105828")]
    second = make_engine(postgres_url)
    recorders = [RecordingRequest(), RecordingRequest()]
    apps = [await make_app(organisations, recorders[0]),
            await make_app(second, recorders[1], attachments_dir=tmp_path / "second")]
    try:
        for _ in range(3):  # both processes' jobs at the same moment, three times
            await asyncio.gather(*(deliver(app, engine_of(app)) for app in apps))
        told = Counter((params["chat_id"], ticket) for recorder in recorders for name, params in recorder.calls
                       if name == "sendMessage" for ticket in tickets if ticket in params["text"])
        assert set(told) == {(user, ticket) for user in users for ticket in tickets}
        assert set(told.values()) == {1}
    finally:
        for app in apps:
            await app.shutdown()
        second.dispose()


def test_two_bot_processes_on_postgresql_each_send_a_reminder_once(postgres_url, organisations, tmp_path):
    """`breakbot run --webhook` twice on one database: each runs the reminders' job, each reminder leaves once."""
    from tests.test_processes import Bots

    users = [3100, 3101, 3102]
    for user in users:
        enrol(organisations, user)
    start = TODAY + dt.timedelta(days=60)
    ticket = filed(organisations, users[0], start=start, end=period_end(start, 1),
                   filed_at=utcnow() - dt.timedelta(days=15))
    bots = Bots(postgres_url, tmp_path)
    try:
        for user in users:
            bots.api.wait_for_replies(user, 1, timeout=REMINDERS_FIRST + 45)
        time.sleep(5)  # the other process ran its first job too by now (they started together)
        for user in users:
            [message] = bots.api.replies(user)
            assert ticket in message["text"] and "DUBOIS M." in message["text"]
    finally:
        bots.close()
    with session(organisations) as s:
        assert sorted(r.sent_at is not None for r in s.exec(select(Reminder))) == [True] * len(users)


async def test_no_network_leaves_the_reminders_for_the_next_run_and_a_blocked_bot_is_not_retried(organisations):
    from tests.test_notifications import FlakyRequest

    recorder = FlakyRequest()
    flaky = await make_app(organisations, recorder, clock=lambda: T0)
    try:
        enrol(organisations, 1001)
        enrol(organisations, 1002)
        start = TODAY + dt.timedelta(days=60)
        filed(organisations, start=start, end=period_end(start, 1), filed_at=T0 - dt.timedelta(days=15))
        recorder.offline = True
        assert await deliver(flaky, engine_of(flaky)) == (0, 0)
        with session(organisations) as s:
            assert s.exec(select(Reminder)).all() == []  # the claims were given back
        recorder.offline = False
        recorder.blocked.add(1002)
        assert await deliver(flaky, engine_of(flaky)) == (1, 1)
        assert set(sent(recorder)) == {1001, 1002}
        calls = len(recorder.calls)
        assert await deliver(flaky, engine_of(flaky)) == (0, 0)
        assert len(recorder.calls) == calls
    finally:
        await flaky.shutdown()
