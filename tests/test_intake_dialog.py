"""The intake through the real python-telegram-bot Application, as a user on a phone would do it."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import select

from bot.domain.identifiers import parse_ticket
from bot.domain.leaves import period_end
from bot.storage.database import session
from bot.storage.models import Draft, LeaveRequest
from tests.conftest import SCHOOL_FWB, SCHOOL_VL, Chat, RecordingRequest, enrol, make_app

TICKET = re.compile(r"\b[0-9A-Z]{3}-[0-9A-Z]{7}-[0-9A-Z]{2}-[0-9A-Z]\b")
TODAY = dt.date.today()
START = (TODAY.replace(day=1) + dt.timedelta(days=95)).replace(day=1)


def state(db, user_id=1001) -> Draft:
    """The chat's latest draft, as stored."""
    with session(db) as s:
        return s.exec(select(Draft).where(Draft.chat_key == str(user_id)).order_by(Draft.id.desc())).first()


def requests(db) -> list[LeaveRequest]:
    with session(db) as s:
        return list(s.exec(select(LeaveRequest)))


async def to_leave_type(chat: Chat, school=SCHOOL_FWB, community="fwb", status="statutory",
                        niss="85.03.14-123.02", email: str | None = None):
    """The intake up to the leave's type; no community (None) for a member who files only for their own staff,
    and the worker's e-mail typed or skipped."""
    await chat.send("/new")
    if community:
        await chat.tap(community)
        await chat.tap(school)
    await chat.send(niss)
    await chat.send("Dupont")
    await chat.send("Marie")
    await chat.tap(status)
    return await (chat.send(email) if email else chat.tap("skip"))


# The case asked right after the leave, where the leave's rules differ by case.
FIRST_CASE = {"medical": "family", "timecredit": "child"}


async def to_summary(chat: Chat, leave="parental", regime="full", months=1, agreement=False, start=START, motive=None,
                     **worker):
    await to_leave_type(chat, **worker)
    await chat.tap(leave)
    if motive or leave in FIRST_CASE:
        await chat.tap(motive or FIRST_CASE[leave])
    await chat.tap(regime)
    if agreement:
        await chat.tap("yes")
    await chat.send(start.strftime("%d/%m/%Y"))
    await chat.tap(f"m{months}")
    await chat.send("20h00")
    await chat.tap("same")
    await chat.send(TODAY.strftime("%d/%m/%Y"))
    return await chat.tap("no")


async def confirm(chat: Chat) -> str:
    await chat.tap("certified")
    return await chat.tap("confirm")


@pytest.mark.parametrize("leave, regime, months, agreement", [
    ("parental", "full", 1, False),
    ("parental", "tenth", 10, True),
    ("career", "full", 3, False),
    ("medical", "half", 3, False),
    ("palliative", "fifth", 1, False),
    ("carer", "half", 2, False),
])
async def test_full_intake_files_one_request_with_a_valid_ticket(chat, leave, regime, months, agreement):
    await to_summary(chat, leave, regime, months, agreement)
    assert state(chat.app.bot_data["engine"].db).state == "summary"
    reply = await confirm(chat)
    ticket = TICKET.search(reply).group(0)
    assert parse_ticket(ticket) == ticket
    [request] = requests(chat.app.bot_data["engine"].db)
    assert (request.ticket, request.leave_type, request.regime) == (ticket, leave, regime)
    assert request.status == "waiting" and request.school_bce == SCHOOL_FWB and request.niss == "85031412302"
    assert request.end_date - request.start_date >= dt.timedelta(days=27 * months)
    assert request.employer_agreement is (True if agreement else None)


async def test_niss_is_shown_back_with_birth_date_and_sex(chat):
    await chat.send("/new")
    await chat.tap("fwb")
    await chat.tap(SCHOOL_FWB)
    reply = await chat.send("850314/123-02")
    assert "85.03.14-123.02" in reply and "14/03/1985" in reply


@pytest.mark.parametrize("step_input, bad, good", [
    ("niss", "85031412300", "85.03.14-123.02"),
    ("last_name", "Dup0nt", "Dupont"),
])
async def test_a_wrong_typed_answer_is_explained_and_the_user_stays(chat, step_input, bad, good):
    await chat.send("/new")
    await chat.tap("fwb")
    await chat.tap(SCHOOL_FWB)
    if step_input == "last_name":
        await chat.send("85.03.14-123.02")
    db = chat.app.bot_data["engine"].db
    before = state(db)
    reply = await chat.send(bad)
    after = state(db)
    assert "⚠" in reply
    assert after.state == before.state == step_input and after.version == before.version
    await chat.send(good)
    assert state(db).state != step_input


async def test_every_rule_refusal_keeps_the_user_on_the_step(chat):
    db = chat.app.bot_data["engine"].db
    await to_leave_type(chat)
    await chat.tap("parental")
    await chat.tap("fifth")
    reply = await chat.send("31/02/2025")
    assert "⚠" in reply and state(db).state == "start_date"
    await chat.send(START.strftime("%d/%m/%Y"))
    # 1/5 parental leave: multiples of 5 months only
    reply = await chat.send((START + dt.timedelta(days=40)).strftime("%d/%m/%Y"))  # not whole months
    assert "⚠" in reply and state(db).state == "end_date"
    reply = await chat.send(period_end(START, 2).strftime("%d/%m/%Y"))
    assert "⚠" in reply and "20" in reply and state(db).state == "end_date"
    await chat.tap("m5")
    await chat.send("19h00")
    reply = await chat.send("20h00")  # partial forms need a full-time job
    assert "⚠" in reply and state(db).state == "fulltime_hours"
    await chat.send("19h00")
    reply = await chat.send((TODAY + dt.timedelta(days=3)).strftime("%d/%m/%Y"))  # notice in the future
    assert "⚠" in reply and state(db).state == "notice_date"
    reply = await chat.send("hier")
    assert "⚠" in reply and state(db).state == "notice_date"


async def test_the_flemish_zorgkrediet_is_explained_not_offered(chat):
    reply = await to_leave_type(chat, school=SCHOOL_VL, community="vl")
    assert "zorgkrediet" in reply
    assert all(b["callback_data"].split(":")[-1] != "career" for b in chat.keyboard)
    reply = await chat.send("career")
    assert "zorgkrediet" in reply and state(chat.app.bot_data["engine"].db).state == "leave_type"


async def test_a_school_of_another_community_or_organisation_is_refused(chat):
    await chat.send("/new")
    await chat.tap("fwb")
    reply = await chat.send(SCHOOL_VL)  # ours, but Flemish
    assert "⚠" in reply and state(chat.app.bot_data["engine"].db).state == "school"
    reply = await chat.send("1000000120")  # the other organisation's school
    assert "⚠" in reply and state(chat.app.bot_data["engine"].db).state == "school"


async def test_back_returns_to_the_previous_step_and_keeps_answers(chat):
    db = chat.app.bot_data["engine"].db
    await to_leave_type(chat)
    await chat.tap("back")
    assert state(db).state == "email"
    await chat.tap("back")
    assert state(db).state == "staff_status"
    await chat.tap("contractual")
    assert state(db).state == "email"
    assert state(db).answers["last_name"] == "Dupont"


async def test_edit_from_the_summary_comes_back_to_the_summary(chat):
    db = chat.app.bot_data["engine"].db
    await to_summary(chat)
    await chat.edit_answer("last_name")
    assert state(db).state == "last_name"
    reply = await chat.send("Martin")
    assert state(db).state == "summary" and "MARTIN" in reply


async def test_changing_the_leave_from_the_summary_asks_again_what_depends_on_it(chat):
    db = chat.app.bot_data["engine"].db
    await to_summary(chat)
    await chat.edit_answer("leave_type")
    await chat.tap("medical")
    assert state(db).state == "motive"
    await chat.tap("family")
    assert state(db).state == "regime"
    await chat.tap("full")
    assert state(db).state == "end_date"
    await chat.tap("m2")
    assert state(db).state == "fulltime_hours"
    await chat.tap("same")
    assert state(db).state == "summary"
    reply = await confirm(chat)
    assert TICKET.search(reply)
    assert requests(db)[0].leave_type == "medical"


async def test_cancel_keeps_the_draft_as_abandoned(chat):
    db = chat.app.bot_data["engine"].db
    await to_leave_type(chat)
    await chat.send("/cancel")
    draft = state(db)
    assert draft.status == "abandoned" and draft.answers["niss"] == "85031412302"
    reply = await chat.send("Dupont")
    assert "/new" in reply
    assert requests(db) == []


async def test_a_button_from_an_earlier_message_reshows_the_current_step(chat):
    db = chat.app.bot_data["engine"].db
    await chat.send("/new")
    old_fwb = chat.button("fwb")["callback_data"]
    await chat.press(old_fwb)
    assert state(db).state == "school"
    version = state(db).version
    await chat.press(old_fwb)
    assert state(db).state == "school" and state(db).version == version
    assert chat.button(SCHOOL_FWB)


async def test_second_confirm_tap_files_one_request(chat):
    db = chat.app.bot_data["engine"].db
    await to_summary(chat)
    await chat.tap("certified")
    confirm_data = chat.button("confirm")["callback_data"]
    first = await chat.press(confirm_data)
    second = await chat.press(confirm_data)
    assert len(requests(db)) == 1
    ticket = requests(db)[0].ticket
    assert ticket in first and ticket in second


async def test_confirm_needs_the_certification(chat):
    db = chat.app.bot_data["engine"].db
    await to_summary(chat)
    reply = await chat.tap("confirm")
    assert "⚠" in reply and requests(db) == [] and state(db).state == "summary"


async def test_restart_in_the_middle_continues_where_the_user_was(chat, organisations):
    await to_leave_type(chat)
    await chat.app.shutdown()
    recorder = RecordingRequest()
    app2 = await make_app(organisations, recorder)
    try:
        chat2 = Chat(app2, recorder, 1001)
        chat2.keyboard = chat.keyboard  # the buttons still on the user's screen
        await chat2.tap("parental")
        assert state(organisations).state == "regime"
        await chat2.tap("full")
        assert state(organisations).state == "start_date"
    finally:
        await app2.shutdown()
        await chat.app.initialize()


async def test_after_a_day_away_the_user_may_continue_or_start_over(organisations):
    now = [dt.datetime.now(dt.UTC)]
    recorder = RecordingRequest()
    app = await make_app(organisations, recorder, clock=lambda: now[0])
    enrol(organisations, 1001)
    chat = Chat(app, recorder, 1001)
    try:
        await to_leave_type(chat)
        now[0] += dt.timedelta(days=2)
        reply = await chat.tap("parental")
        assert state(organisations).state == "leave_type"
        assert {b["callback_data"].split(":")[-1] for b in chat.keyboard} == {"resume", "restart"}
        await chat.tap("resume")
        await chat.tap("parental")
        assert state(organisations).state == "regime"
        now[0] += dt.timedelta(days=2)
        await chat.send("hello")
        await chat.tap("restart")
        assert state(organisations).state == "community" and state(organisations).answers == {
            "capacity": "po"}
        assert reply
    finally:
        await app.shutdown()


async def test_both_roles_first_choose_the_capacity_and_own_staff_skip_the_school(app):
    db = app.bot_data["engine"].db
    enrol(db, 2002, roles=("po-education", "employer"))
    chat = Chat(app, app.recorder, 2002)
    await chat.send("/new")
    assert state(db, 2002).state == "capacity"
    await chat.tap("own")
    assert state(db, 2002).state == "niss"
    await chat.send("90.11.02-246.12")
    await chat.send("Peeters")
    await chat.send("An")
    await chat.tap("contractual")
    reply = await chat.tap("skip")
    assert "career" not in {b["callback_data"].split(":")[-1] for b in chat.keyboard}
    assert "parental" in {b["callback_data"].split(":")[-1] for b in chat.keyboard}
    assert reply


async def test_an_overlapping_live_request_is_refused_naming_its_ticket(chat):
    await to_summary(chat)
    first = TICKET.search(await confirm(chat)).group(0)
    await to_leave_type(chat)
    await chat.tap("medical")
    await chat.tap("family")
    await chat.tap("full")
    await chat.send(START.strftime("%d/%m/%Y"))
    reply = await chat.tap("m1")
    assert first in reply and state(chat.app.bot_data["engine"].db).state == "end_date"


async def test_every_button_fits_telegram_and_every_message_too(chat):
    await to_summary(chat, "parental", "tenth", 10, True)
    await confirm(chat)
    await chat.send("/status")
    sent = [p for name, p in chat.recorder.calls if name in ("sendMessage", "editMessageText")]
    assert sent
    for params in sent:
        assert len(params["text"]) <= 4096
        for row in params.get("reply_markup", {}).get("inline_keyboard", []):
            for button in row:
                assert len(button["callback_data"].encode()) <= 64


async def test_no_national_number_reaches_the_logs(chat, caplog):
    import logging

    from bot.logging_setup import MaskNiss

    caplog.handler.addFilter(MaskNiss())
    with caplog.at_level(logging.DEBUG):
        await to_summary(chat)
        await confirm(chat)
        logging.getLogger("bot.test").error("worker %s and 85.03.14-123.02", "85031412302")
    text = caplog.text
    assert "[NISS]" in text
    assert "85031412302" not in text and "85.03.14-123.02" not in text


async def test_group_chats_are_refused_for_privacy(chat):
    from tests.conftest import text_update

    start = len(chat.recorder.calls)
    await chat.app.process_update(text_update(chat.app, 1001, "/new", chat_type="group"))
    sent = [p["text"] for name, p in chat.recorder.calls[start:] if name == "sendMessage"]
    assert len(sent) == 1 and state(chat.app.bot_data["engine"].db) is None


async def test_a_redelivered_update_is_applied_once(chat):
    from tests.conftest import text_update

    db = chat.app.bot_data["engine"].db
    await chat.send("/new")
    await chat.tap("fwb")
    await chat.tap(SCHOOL_FWB)
    update = text_update(chat.app, 1001, "85.03.14-123.02")
    await chat.app.process_update(update)
    after_first = state(db)
    start = len(chat.recorder.calls)
    await chat.app.process_update(update)  # Telegram sends it again (e.g. after a timeout)
    assert state(db).version == after_first.version and state(db).state == "last_name"
    assert [name for name, _ in chat.recorder.calls[start:]] == []


async def test_confirm_typed_again_after_a_crash_that_followed_the_filing_shows_the_ticket(chat):
    """The terminal (or the bot) stopped right after the commit: the user never saw the ticket, starts again and
    types Confirm (or anything) again: the last request filed in this chat is named, nothing is filed twice."""
    await to_summary(chat)
    await chat.tap("certified")
    ticket = TICKET.search(await chat.tap("confirm")).group(0)  # as if this reply never reached the user
    again = await chat.send("Confirmer")
    assert ticket in again and len(requests(chat.app.bot_data["engine"].db)) == 1
