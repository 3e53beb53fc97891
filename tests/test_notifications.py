"""Status-change messages: to every member of the filing organisation, in their language, once (Telegram's by
the bot process, the terminal's in the terminal chat)."""
from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from sqlmodel import select
from telegram.error import NetworkError

from bot import onem
from bot.dialogs.actions import SHOW_REQUEST
from bot.notifications import deliver, deliver_job
from bot.storage.database import session
from bot.storage.models import Member, Notification, utcnow
from tests.conftest import OTHER_ORG_BCE, Chat, RecordingRequest, enrol, make_app
from tests.test_onem import file_request

LANGS = {1001: "fr", 1002: "nl", 1003: "de", 1004: "en"}
# What each language must show: the status, the ONEM office line and the button.
# The office in each language's own name (Gand in French, Ghent in English).
EXPECTED = {"fr": ("Acceptée", "Bureau de l'ONEM\u00a0: Gand", "Afficher la demande"),
            "nl": ("Aanvaard", "RVA-kantoor: Gent", "Aanvraag bekijken"),
            "de": ("Bewilligt", "LfA-Büro: Gent", "Antrag anzeigen"),
            "en": ("Accepted", "ONEM office: Ghent", "Show the request")}


class FlakyRequest(RecordingRequest):
    """Telegram as it is on a bad day: some users blocked the bot, some chats are gone, the network drops."""

    def __init__(self):
        super().__init__()
        self.blocked: set[int] = set()
        self.gone: set[int] = set()
        self.offline = False
        self.flood = False

    async def do_request(self, url, method, request_data=None, **kwargs):
        name = url.rsplit("/", 1)[-1]
        chat_id = request_data.parameters.get("chat_id") if request_data else None
        if name == "sendMessage":
            if self.offline:
                raise NetworkError("connection reset")
            if self.flood:
                return 429, json.dumps({"ok": False, "error_code": 429, "description": "Too Many Requests",
                                        "parameters": {"retry_after": 3}}).encode()
            if chat_id in self.blocked:
                self.calls.append((name, request_data.parameters))
                return 403, json.dumps({"ok": False, "error_code": 403,
                                        "description": "Forbidden: bot was blocked by the user"}).encode()
            if chat_id in self.gone:
                self.calls.append((name, request_data.parameters))
                return 400, json.dumps({"ok": False, "error_code": 400,
                                        "description": "Bad Request: chat not found"}).encode()
        return await super().do_request(url, method, request_data, **kwargs)


@pytest.fixture
async def flaky(organisations):
    recorder = FlakyRequest()
    application = await make_app(organisations, recorder)
    application.recorder = recorder
    yield application
    await application.shutdown()


def members(db):
    """Four members of ours in four languages, one revoked, one on the terminal, one of another organisation."""
    for user_id, lang in LANGS.items():
        enrol(db, user_id)
    enrol(db, 1005)
    enrol(db, "console-user", channel="console")
    enrol(db, 2001, bce=OTHER_ORG_BCE)
    with session(db) as s:
        for member in s.exec(select(Member)):
            member.locale = LANGS.get(int(member.user_key)) if member.user_key.isdigit() else None
            if member.user_key == "1005":
                member.revoked_at = utcnow()
            s.add(member)
        s.commit()
    file_request(db, 2001)  # the other organisation has a request too: its members hear nothing of ours
    return file_request(db, 1001)


def accept(db, ticket):
    with session(db) as s:
        return onem.set_status(s, ticket, "accepted", office="Gent", effective_date=dt.date(2025, 8, 1))


def sent(app) -> dict[int, dict]:
    return {params["chat_id"]: params for name, params in app.recorder.calls if name == "sendMessage"}


def pending(db, channel="telegram") -> list[Notification]:
    """The messages owed to members of this channel (the terminal's are shown by the terminal chat)."""
    with session(db) as s:
        return list(s.exec(select(Notification).join(Member, Member.id == Notification.member_id)
                           .where(Notification.sent_at.is_(None), Notification.failed_at.is_(None),
                                  Member.channel == channel)))


async def test_every_member_of_the_organisation_is_told_in_their_own_language_once(app):
    db = app.bot_data["engine"].db
    ticket = members(db)
    accept(db, ticket)
    assert len(pending(db)) == 4 and len(pending(db, "console")) == 1  # the terminal's user sees theirs there
    assert await deliver(app, app.bot_data["engine"]) == (4, 0)
    assert len(pending(db, "console")) == 1
    messages = sent(app)
    assert sorted(messages) == sorted(LANGS)
    for chat_id, lang in LANGS.items():
        text, [[button]] = messages[chat_id]["text"], messages[chat_id]["reply_markup"]["inline_keyboard"]
        status, office, show = EXPECTED[lang]
        assert ticket in text and "DUPONT M." in text and f": {status}." in text and office in text
        assert ("01.08.2025" if lang == "de" else "01/08/2025") in text
        assert "85031412302" not in text and "85.03.14-123.02" not in text
        assert (button["text"], button["callback_data"]) == (show, SHOW_REQUEST.pack(ticket))
    calls = len(app.recorder.calls)
    assert await deliver(app, app.bot_data["engine"]) == (0, 0)
    assert len(app.recorder.calls) == calls


async def test_the_button_shows_the_request(app):
    db = app.bot_data["engine"].db
    ticket = members(db)
    accept(db, ticket)
    await deliver(app, app.bot_data["engine"])
    reply = await Chat(app, app.recorder, 1002, "nl").press(SHOW_REQUEST.pack(ticket))
    assert ticket in reply and "Aanvaard" in reply and "RVA-kantoor: Gent" in reply


async def test_a_blocked_bot_or_a_lost_chat_does_not_stop_the_others(flaky):
    db = flaky.bot_data["engine"].db
    ticket = members(db)
    flaky.recorder.blocked.add(1002)
    flaky.recorder.gone.add(1003)
    accept(db, ticket)
    assert await deliver(flaky, flaky.bot_data["engine"]) == (2, 2)
    with session(db) as s:
        outcome = {m.user_key: (n.sent_at is not None, n.failed_at is not None, n.error)
                   for n, m in s.exec(select(Notification, Member).join(Member, Member.id == Notification.member_id))}
    assert outcome["1001"][:2] == outcome["1004"][:2] == (True, False)
    assert outcome["1002"][:2] == outcome["1003"][:2] == (False, True)
    assert "blocked" in outcome["1002"][2] and "not found" in outcome["1003"][2]
    calls = len(flaky.recorder.calls)
    assert await deliver(flaky, flaky.bot_data["engine"]) == (0, 0)
    assert len(flaky.recorder.calls) == calls


@pytest.mark.parametrize("trouble", ["offline", "flood"])
async def test_network_trouble_leaves_the_messages_for_the_next_run(flaky, trouble):
    db = flaky.bot_data["engine"].db
    ticket = members(db)
    accept(db, ticket)
    setattr(flaky.recorder, trouble, True)
    assert await deliver(flaky, flaky.bot_data["engine"]) == (0, 0)
    assert len(pending(db)) == 4
    setattr(flaky.recorder, trouble, False)
    assert await deliver(flaky, flaky.bot_data["engine"]) == (4, 0)
    assert sorted(sent(flaky)) == sorted(LANGS)


async def test_a_member_who_left_before_delivery_is_not_told(app):
    db = app.bot_data["engine"].db
    ticket = members(db)
    accept(db, ticket)
    with session(db) as s:
        member = s.exec(select(Member).where(Member.user_key == "1004")).one()
        member.revoked_at = utcnow()
        s.add(member)
        s.commit()
    assert await deliver(app, app.bot_data["engine"]) == (3, 1)
    assert 1004 not in sent(app)


async def test_the_job_callback_delivers_and_a_no_op_queues_nothing(app):
    db = app.bot_data["engine"].db
    ticket = members(db)
    with session(db) as s:
        assert onem.set_status(s, ticket, "waiting") is None
    assert pending(db) == []
    with session(db) as s:
        onem.set_status(s, ticket, "processing")
    await deliver_job(SimpleNamespace(application=app))
    assert sorted(sent(app)) == sorted(LANGS)
    assert "Date given by ONEM" not in sent(app)[1004]["text"]


async def test_nobody_is_told_of_a_request_their_roles_do_not_show_them(app):
    """The role matrix: an access manager who does not file sees no request, so hears of none; a member whose roles
    changed after the change was queued is not told either."""
    db = app.bot_data["engine"].db
    ticket = members(db)
    enrol(db, 1006, roles=("access-manager",))
    accept(db, ticket)
    with session(db) as s:
        manager = s.exec(select(Member).where(Member.user_key == "1006")).one()
        assert s.exec(select(Notification).where(Notification.member_id == manager.id)).all() == []
        filer = s.exec(select(Member).where(Member.user_key == "1002")).one()
        filer.roles = "access-manager"  # lost the filing role after the change was queued
        s.add(filer)
        s.commit()
    await deliver(app, app.bot_data["engine"])
    told = sent(app)
    assert 1006 not in told and 1002 not in told and 1001 in told
