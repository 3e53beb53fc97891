"""Faithful to the service and easy on a phone: modification, entitlements, schools, words and lists."""
from __future__ import annotations

import datetime as dt
import json

from sqlmodel import select

from bot.dialogs.actions import MODIFY
from bot.storage.database import session
from bot.storage.models import LeaveRequest, RequestEvent
from tests.test_intake_dialog import TICKET, TODAY, confirm, to_summary


async def filed(chat) -> str:
    await to_summary(chat)
    return TICKET.search(await confirm(chat)).group(0)


async def test_a_modification_keeps_the_notice_date_it_asked_again(chat):
    db = chat.app.bot_data["engine"].db
    ticket = await filed(chat)
    await chat.press(MODIFY.pack(ticket))
    await chat.tap("edit:start_date")
    start = TODAY - dt.timedelta(days=10)  # before the written notice (today): the notice is asked again
    await chat.send(start.strftime("%d/%m/%Y"))
    await chat.tap("m1")
    notice = TODAY - dt.timedelta(days=20)
    reply = await chat.send(notice.strftime("%d/%m/%Y"))
    assert notice.strftime("%d/%m/%Y") in reply
    assert ticket in await chat.tap("save")
    with session(db) as s:
        request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one()
        [change] = s.exec(select(RequestEvent).where(RequestEvent.kind == "modified")).all()
    assert (request.start_date, request.notice_date) == (start, notice)
    assert json.loads(change.changes)["notice_date"] == [TODAY.isoformat(), notice.isoformat()]


async def test_a_modification_may_change_the_rtt_answer(chat):
    db = chat.app.bot_data["engine"].db
    ticket = await filed(chat)
    await chat.press(MODIFY.pack(ticket))
    await chat.tap("edit:rtt")
    await chat.tap("yes")
    reply = await chat.tap("save")
    assert ticket in reply
    with session(db) as s:
        assert s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one().rtt is True
