"""Dates in Brussels: a request filed at 00:30 in Brussels (23:30 UTC the day before) is filed that day everywhere a
user reads it: the acknowledgement, the request's history, the members' list."""
from __future__ import annotations

import datetime as dt
import re

from tests.conftest import Chat, RecordingRequest, enrol, make_app
from tests.test_intake_dialog import confirm, to_summary

WINTER_NIGHT = dt.datetime(2026, 12, 5, 23, 30, tzinfo=dt.UTC)  # 00:30 on 6 December in Brussels


async def _history_after_filing_at(organisations, moment: dt.datetime) -> str:
    recorder = RecordingRequest()
    app = await make_app(organisations, recorder, clock=lambda: moment)
    try:
        enrol(organisations, 1001)
        chat = Chat(app, recorder, 1001)
        await to_summary(chat)
        ticket = re.search(r"\b[0-9A-Z]{3}-[0-9A-Z]{7}-[0-9A-Z]{2}-[0-9A-Z]\b", await confirm(chat))[0]
        return await chat.send(f"/status {ticket}")
    finally:
        await app.shutdown()


async def test_a_filing_at_half_past_midnight_in_brussels_is_filed_that_day_in_its_history(organisations):
    screen = await _history_after_filing_at(organisations, WINTER_NIGHT)
    assert "06/12/2026" in screen and "05/12/2026" not in screen, screen
