"""Enrolment with /start, the closed door for strangers, and /status scoped to one organisation."""
from __future__ import annotations

import datetime as dt

from sqlmodel import select

from bot.core.actions import unpack
from bot.dialogs.actions import LISTED_REQUEST, SHOW_REQUEST
from bot.domain.identifiers import TICKET_TYPO, new_ticket
from bot.domain.leaves import period_end
from bot.i18n import render, t
from bot.storage import organisation_store
from bot.storage.database import session
from bot.storage.models import Member
from tests.conftest import ORG_BCE, OTHER_ORG_BCE, Chat, enrol
from tests.test_intake_dialog import START, TICKET, confirm, requests, to_summary


def invitation(db, roles=("po-education",), bce=ORG_BCE, now=None) -> str:
    with session(db) as s:
        organisation = organisation_store.organisation_by_bce(s, bce)
        code, _ = organisation_store.create_invitation(s, organisation, list(roles), now=now)
        s.commit()
    return code


async def test_start_with_a_code_enrols_and_greets_by_the_organisation_name(app):
    db = app.bot_data["engine"].db
    code = invitation(db, ("po-education", "employer"))
    assert len(code) <= 64 and len(code) >= 22
    chat = Chat(app, app.recorder, 3003)
    reply = await chat.send(f"/start {code}")
    assert "PO Y" in reply
    with session(db) as s:
        member = s.exec(select(Member).where(Member.user_key == "3003")).one()
    assert member.role_set == {"po-education", "employer"}


async def test_a_code_works_once(app):
    db = app.bot_data["engine"].db
    code = invitation(db)
    await Chat(app, app.recorder, 3003).send(f"/start {code}")
    stranger = Chat(app, app.recorder, 3004)
    reply = await stranger.send(f"/start {code}")
    assert "PO Y" not in reply
    assert reply == render(t("This invitation code has already been used. Ask your access manager for a new one."),
                           "fr")
    with session(db) as s:
        assert organisation_store.member_for(s, "telegram", "3004") is None


async def test_expired_and_unknown_codes_are_refused(app):
    db = app.bot_data["engine"].db
    old = invitation(db, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
    chat = Chat(app, app.recorder, 3005)
    expired = await chat.send(f"/start {old}")
    unknown = await chat.send("/start not-a-real-code")
    assert "PO Y" not in expired + unknown
    assert expired != unknown
    with session(db) as s:
        assert organisation_store.member_for(s, "telegram", "3005") is None


async def test_invitation_codes_are_stored_hashed(app):
    db = app.bot_data["engine"].db
    code = invitation(db)
    with session(db) as s:
        from bot.storage.models import Invitation
        stored = [i.code_hash for i in s.exec(select(Invitation))]
    assert code not in stored and all(len(h) == 64 for h in stored)


async def test_strangers_only_get_the_way_to_be_invited(app):
    stranger = Chat(app, app.recorder, 4004)
    texts = [await stranger.send(text) for text in ("/new", "/status", "hello", "/start")]
    assert len(set(texts)) == 1
    assert "/start" in texts[0]
    with session(app.bot_data["engine"].db) as s:
        assert s.exec(select(Member).where(Member.user_key == "4004")).first() is None


async def test_status_shows_the_organisations_own_request_and_hides_others(chat, app):
    db = app.bot_data["engine"].db
    await to_summary(chat)
    ticket = TICKET.search(await confirm(chat)).group(0)
    mine = await chat.send(f"/status {ticket.lower().replace('-', '')}")
    assert ticket in mine and "Dupont".upper() in mine and "85.03.14-123.02" in mine

    enrol(db, 5005, bce=OTHER_ORG_BCE)
    other = Chat(app, app.recorder, 5005)
    theirs = await other.send(f"/status {ticket}")
    assert "DUPONT" not in theirs and "85.03.14" not in theirs
    missing = new_ticket()
    nowhere = await other.send(f"/status {missing}")
    assert theirs.replace(ticket, "X") == nowhere.replace(missing, "X")
    forged = await other.press(SHOW_REQUEST.pack(ticket))
    assert "DUPONT" not in forged and "85.03.14" not in forged
    assert len(requests(db)) == 1


async def test_a_ticket_with_a_wrong_check_character_is_called_a_typo(chat):
    ticket = new_ticket()
    wrong = ticket[:-1] + ("A" if ticket[-1] != "A" else "B")
    reply = await chat.send(f"/status {wrong}")
    assert render(t(TICKET_TYPO), "fr").split("{")[0][:15] in reply


async def test_status_alone_lists_the_five_latest_with_status_leave_and_dates_and_masked_niss(chat):
    tickets, starts = [], []
    for month in range(6):
        starts.append(period_end(START, 1 + month) + dt.timedelta(days=1))
        await to_summary(chat, start=starts[-1])
        tickets.append(TICKET.search(await confirm(chat)).group(0))
    listed = await chat.send("/status")
    buttons = [b for b in chat.keyboard if unpack(b["callback_data"])[0] is LISTED_REQUEST]
    assert [unpack(b["callback_data"])[1][0] for b in buttons] == tickets[::-1][:5]
    assert [b["text"] for b in buttons] == ["1", "2", "3", "4", "5"]
    entries = listed.split("\n\n")[1:]
    assert len(entries) == 5 and tickets[0] not in listed
    for entry, ticket, start in zip(entries, tickets[::-1], starts[::-1]):
        assert ticket in entry and "85.**.**-***.02" in entry and "85.03.14-123.02" not in entry
        assert "Congé parental" in entry and start.strftime("%d/%m/%Y") in entry
        assert "En attente d'info du travailleur" in entry
    shown = await chat.press(buttons[0]["callback_data"])
    assert tickets[-1] in shown and "85.03.14-123.02" in shown
