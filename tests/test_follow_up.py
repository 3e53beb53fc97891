"""Following requests up: overview, export, consultation, modification, cancellation, attachments, members."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re

import pytest
from sqlmodel import select

from bot.core.actions import unpack
from bot.dialogs.actions import (
    ASK_CANCEL,
    ASK_REVOKE,
    ATTACHMENT,
    CANCEL,
    INVITE_CREATE,
    INVITE_ROLE,
    LOGOUT,
    MODIFY,
    OVERVIEW_DONE,
    OVERVIEW_EXPORT,
    OVERVIEW_MENU,
    OVERVIEW_PAGE,
    OVERVIEW_TOGGLE,
    RECEIPT,
    REVOKE,
    SHOW_REQUEST,
)
from bot.domain.identifiers import new_ticket
from bot.domain.leaves import period_end
from bot.storage import organisation_store
from bot.storage.database import session
from bot.storage.models import Attachment, LeaveRequest, Member, RequestEvent
from tests.conftest import ORG_BCE, OTHER_ORG_BCE, SCHOOL_FWB, Chat, enrol
from tests.test_intake_dialog import START, TICKET, confirm, to_summary

NISS_POOL = ["85031412302", "90110224612", "03062105828", "90051704809"]


def seed(db, bce: str, count: int, rng: random.Random) -> list[LeaveRequest]:
    """`count` varied requests filed by the organisation, straight into the database."""
    with session(db) as s:
        organisation = organisation_store.organisation_by_bce(s, bce)
        member = organisation_store.members_of(s, organisation.id)[0]
        rows = []
        base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        for i in range(count):
            start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 1000))
            leave, regime = rng.choice([("parental", "full"), ("parental", "fifth"), ("medical", "half"),
                                        ("palliative", "full"), ("carer", "half"), ("career", "full")])
            rows.append(LeaveRequest(
                ticket=new_ticket(), organisation_id=organisation.id, member_id=member.id, capacity="po",
                community="fwb", school_bce=SCHOOL_FWB if bce == ORG_BCE else "1000000120",
                niss=rng.choice(NISS_POOL), last_name=f"Name{i:03d}", first_name="Test", staff_status="statutory",
                leave_type=leave, regime=regime, start_date=start, end_date=period_end(start, rng.randint(1, 3)),
                hours_before=1200, fulltime_hours=1200, notice_date=start - dt.timedelta(days=60), rtt=False,
                status=rng.choice(["waiting", "processing", "accepted", "refused", "cancelled"]),
                office=rng.choice([None, "Liège", "Namur"]), filed_at=base + dt.timedelta(hours=i)))
        s.add_all(rows)
        s.commit()
        return rows


@pytest.fixture
def busy(app):
    """Our organisation with 240 requests, the other with 160; a member in each."""
    db = app.bot_data["engine"].db
    enrol(db, 1001)
    enrol(db, 5005, bce=OTHER_ORG_BCE)
    rng = random.Random(7)
    ours, theirs = seed(db, ORG_BCE, 240, rng), seed(db, OTHER_ORG_BCE, 160, rng)
    return Chat(app, app.recorder, 1001), {r.ticket for r in ours}, {r.ticket for r in theirs}, ours


def tickets_in(text: str) -> set[str]:
    return set(TICKET.findall(text)) - {"04W-002WSHH-7K-E"}  # the example in the hint


def found(text: str) -> int:
    return int(re.search(r"(\d+)", text.splitlines()[0]).group(1))


async def test_overview_pages_through_the_organisations_requests_only(busy):
    chat, ours, theirs, rows = busy
    first = await chat.send("/overview from=all")
    assert found(first) == 240
    seen, pages = set(), 0
    page = first
    while True:
        shown = tickets_in(page)
        assert len(shown) == 10 or (pages == 23 and len(shown) == 0) or len(seen) + len(shown) == 240
        assert not shown & theirs
        seen |= shown
        pages += 1
        if not any(b["callback_data"].startswith(OVERVIEW_PAGE.name) and "▶" in b["text"] for b in chat.keyboard):
            break
        page = await chat.press(next(b["callback_data"] for b in chat.keyboard if "▶" in b["text"]))
    assert seen == ours and pages == 24
    newest = sorted(rows, key=lambda r: r.filed_at, reverse=True)[:10]
    assert tickets_in(first) == {r.ticket for r in newest}


async def test_overview_filters_typed_and_with_buttons(busy):
    chat, ours, theirs, rows = busy
    reply = await chat.send("/overview from=all status=waiting,processing type=parental")
    expected = {r.ticket for r in rows if r.status in ("waiting", "processing") and r.leave_type == "parental"}
    assert found(reply) == len(expected) and tickets_in(reply) <= expected
    await chat.press(OVERVIEW_MENU.pack("form"))
    await chat.press(OVERVIEW_TOGGLE.pack("form", "fifth"))
    reply = await chat.press(OVERVIEW_DONE.pack())
    expected = {r.ticket for r in rows if r.ticket in expected and r.regime == "fifth"}
    assert found(reply) == len(expected)
    reply = await chat.send("/overview reset from=01/01/2026 to=31/03/2026")
    window = {r.ticket for r in rows
              if r.end_date >= dt.date(2026, 1, 1) and r.start_date <= dt.date(2026, 3, 31)}
    assert found(reply) == len(window)
    niss = rows[0].niss
    reply = await chat.send(f"/overview reset from=all niss={niss[:6]}/{niss[6:9]}-{niss[9:]}")
    assert found(reply) == sum(r.niss == niss for r in rows) and niss not in reply  # masked in the list
    reply = await chat.send(f"/overview ticket={rows[5].ticket.lower()}")
    assert found(reply) == 1 and tickets_in(reply) == {rows[5].ticket}
    reply = await chat.send(f"/overview ticket={next(iter(theirs))}")
    assert found(reply) == 0


async def test_overview_default_period_is_the_last_two_years(busy):
    chat, ours, theirs, rows = busy
    reply = await chat.send("/overview reset")
    limit = dt.date.today().replace(year=dt.date.today().year - 2)
    assert found(reply) == sum(r.end_date >= limit for r in rows)


async def test_a_wrong_filter_is_explained(busy):
    chat, *_ = busy
    reply = await chat.send("/overview status=pending")
    assert "⚠" in reply and "attente" in reply and "pending" in reply  # the values it knows, in French


async def test_export_has_every_matching_request_with_full_niss_for_excel(busy):
    chat, ours, theirs, rows = busy
    await chat.send("/overview from=all status=accepted")
    start = len(chat.recorder.calls)
    await chat.press(OVERVIEW_EXPORT.pack())
    [(name, params)] = [c for c in chat.recorder.calls[start:] if c[0] == "sendDocument"]
    [(filename, data, _mime)] = params["files"].values()
    assert filename.startswith("PO-Y_") and filename.endswith(".csv")
    assert data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    accepted = [r for r in rows if r.status == "accepted"]
    assert len(table) == 1 + len(accepted)
    assert {line[0] for line in table[1:]} == {r.ticket for r in accepted}
    assert table[0][1] == "NISS" and re.fullmatch(r"\d\d\.\d\d\.\d\d-\d{3}\.\d\d", table[1][1])
    assert not {line[0] for line in table[1:]} & theirs


async def filed(chat: Chat) -> str:
    await to_summary(chat)
    return TICKET.search(await confirm(chat)).group(0)


async def test_consultation_shows_history_and_the_allowed_actions(chat):
    ticket = await filed(chat)
    reply = await chat.send(f"/status {ticket}")
    assert ticket in reply and "85.03.14-123.02" in reply
    codes = {b["callback_data"] for b in chat.keyboard}
    assert {RECEIPT.pack(ticket), MODIFY.pack(ticket), ASK_CANCEL.pack(ticket)} <= codes


async def test_modification_checks_the_rules_and_records_what_changed(chat):
    db = chat.app.bot_data["engine"].db
    ticket = await filed(chat)
    await chat.press(MODIFY.pack(ticket))
    await chat.tap("edit:start_date")
    new_start = period_end(START, 2) + dt.timedelta(days=1)
    await chat.send(new_start.strftime("%d/%m/%Y"))  # the end date depends on it: asked again
    reply = await chat.send((new_start + dt.timedelta(days=10)).strftime("%d/%m/%Y"))
    assert "⚠" in reply
    await chat.tap("m2")
    await chat.tap("certified")
    reply = await chat.tap("confirm")
    assert ticket in reply
    assert f"{START:%d/%m/%Y} → {new_start:%d/%m/%Y}" in reply  # the history says what it was before
    with session(db) as s:
        request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one()
        events = s.exec(select(RequestEvent).where(RequestEvent.request_id == request.id)).all()
    assert request.start_date == new_start and request.end_date == period_end(new_start, 2)
    [change] = [e for e in events if e.kind == "modified"]
    assert json.loads(change.changes)["start_date"] == [START.isoformat(), new_start.isoformat()]
    assert change.member_id is not None


async def test_no_modification_or_cancellation_after_a_decision(chat):
    db = chat.app.bot_data["engine"].db
    ticket = await filed(chat)
    with session(db) as s:
        request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one()
        request.status = "accepted"
        s.add(request)
        s.commit()
    for data in (MODIFY.pack(ticket), ASK_CANCEL.pack(ticket), CANCEL.pack(ticket)):
        reply = await chat.press(data)
        assert ticket in reply
    with session(db) as s:
        assert s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one().status == "accepted"


async def test_cancellation_asks_first_then_cancels_once(chat):
    db = chat.app.bot_data["engine"].db
    ticket = await filed(chat)
    await chat.press(ASK_CANCEL.pack(ticket))
    with session(db) as s:
        assert s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one().status == "waiting"
    await chat.tap(CANCEL.pack(ticket))
    await chat.press(CANCEL.pack(ticket))
    with session(db) as s:
        request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one()
        kinds = [e.kind for e in s.exec(select(RequestEvent).where(RequestEvent.request_id == request.id))]
    assert request.status == "cancelled" and kinds == ["filed", "cancelled"]


async def upload(chat: Chat, name: str, mime: str, data: bytes, announced: int | None = None) -> str:
    from telegram import Update

    file_id = f"f{len(chat.recorder.files)}"
    chat.recorder.files[file_id] = data
    message = {"message_id": 5000 + len(chat.recorder.files), "date": 0,
               "chat": {"id": chat.user_id, "type": "private"},
               "from": {"id": chat.user_id, "is_bot": False, "first_name": "U", "language_code": "fr"},
               "document": {"file_id": file_id, "file_unique_id": "u" + file_id, "file_name": name, "mime_type": mime,
                            "file_size": announced if announced is not None else len(data)}}
    start = len(chat.recorder.calls)
    await chat.app.process_update(Update.de_json({"update_id": 900000 + len(chat.recorder.files),
                                                  "message": message}, chat.app.bot))
    return "\n".join(p.get("text", "") for n, p in chat.recorder.calls[start:] if n == "sendMessage")


async def test_a_pdf_is_attached_kept_and_sent_back_and_other_files_are_refused(chat, tmp_path):
    db = chat.app.bot_data["engine"].db
    ticket = await filed(chat)
    await chat.send(f"/status {ticket}")
    pdf = b"%PDF-1.4\n% the written notice\n"
    reply = await upload(chat, "avertissement.pdf", "application/pdf", pdf)
    assert "avertissement.pdf" in reply
    with session(db) as s:
        [attachment] = s.exec(select(Attachment)).all()
    stored = chat.app.bot_data["engine"].options.attachments_dir / attachment.stored_path
    assert stored.read_bytes() == pdf and attachment.telegram_file_id == "f0"
    refused = await upload(chat, "virus.exe", "application/x-msdownload", b"MZ\x90\x00")
    assert "⚠" in refused
    calls_before = len(chat.recorder.calls)
    too_big = await upload(chat, "scan.pdf", "application/pdf", b"%PDF-", announced=11 * 1024 * 1024)
    assert "⚠" in too_big and "10" in too_big
    assert not any(name == "getFile" for name, _ in chat.recorder.calls[calls_before:])
    liar = await upload(chat, "photo.png", "image/png", b"not a png")
    assert "⚠" in liar
    with session(db) as s:
        assert len(s.exec(select(Attachment)).all()) == 1
    start = len(chat.recorder.calls)
    await chat.press(ATTACHMENT.pack(attachment.id))
    assert [n for n, _ in chat.recorder.calls[start:]].count("sendDocument") == 1


async def test_a_file_without_an_open_request_is_not_attached(chat):
    reply = await upload(chat, "avertissement.pdf", "application/pdf", b"%PDF-1.4\n")
    assert "/status" in reply


async def test_forged_buttons_never_reach_another_organisations_request(chat, app):
    db = app.bot_data["engine"].db
    ticket = await filed(chat)
    await chat.send(f"/status {ticket}")
    await upload(chat, "avertissement.pdf", "application/pdf", b"%PDF-1.4\n")
    with session(db) as s:
        attachment_id = s.exec(select(Attachment)).one().id
    enrol(db, 5005, bce=OTHER_ORG_BCE, roles=("po-education", "access-manager"))
    intruder = Chat(app, app.recorder, 5005)
    for data in (*(action.pack(ticket) for action in (SHOW_REQUEST, MODIFY, ASK_CANCEL, CANCEL, RECEIPT)),
                 ATTACHMENT.pack(attachment_id), ASK_REVOKE.pack(1), REVOKE.pack(1), OVERVIEW_EXPORT.pack(),
                 OVERVIEW_TOGGLE.pack("status", "waiting")):
        start = len(app.recorder.calls)
        reply = await intruder.press(data)
        assert "DUPONT" not in reply and "85.03.14" not in reply
        documents = [p for n, p in app.recorder.calls[start:] if n == "sendDocument"]
        for params in documents:
            for _name, content, _mime in params.get("files", {}).values():
                assert ticket.encode() not in content and b"85.03.14" not in content
    with session(db) as s:
        request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one()
        assert request.status == "waiting"
        assert s.get(Member, 1).revoked_at is None


async def test_an_access_manager_invites_lists_and_revokes(app):
    db = app.bot_data["engine"].db
    enrol(db, 1001, roles=("po-education", "access-manager"))
    enrol(db, 1002)
    manager, colleague = Chat(app, app.recorder, 1001), Chat(app, app.recorder, 1002)
    assert "PO Y" not in await colleague.send("/invite")
    await manager.send("/invite")
    await manager.press(INVITE_ROLE.pack("employer"))
    reply = await manager.press(INVITE_CREATE.pack())
    code = re.search(r"start=([\w-]+)", reply).group(1)
    assert "t.me/breakbot_test_bot" in reply
    newcomer = Chat(app, app.recorder, 1003)
    assert "PO Y" in await newcomer.send(f"/start {code}")
    with session(db) as s:
        assert organisation_store.member_for(s, "telegram", "1003").role_set == {"po-education", "employer"}
    listing = await manager.send("/members")
    assert "User1002" in listing or "1002" in listing
    revoke = next(b["callback_data"] for b in manager.keyboard if unpack(b["callback_data"])[0] is ASK_REVOKE
                  and b["text"].endswith("1002"))
    await manager.press(revoke)
    await manager.press(REVOKE.pack(*unpack(revoke)[1]))
    shut_out = await colleague.send("/status")
    assert "/start" in shut_out and "PO Y" not in shut_out


async def test_logout_shuts_the_user_out(chat):
    await chat.send("/logout")
    await chat.tap(LOGOUT.pack())
    reply = await chat.send("/overview")
    assert "/start" in reply
    with session(chat.app.bot_data["engine"].db) as s:
        assert organisation_store.member_for(s, "telegram", "1001") is None


async def test_the_acknowledgement_is_sent_as_a_pdf(chat):
    ticket = await filed(chat)
    await chat.send(f"/status {ticket}")
    start = len(chat.recorder.calls)
    await chat.tap(RECEIPT.pack(ticket))
    [(name, params)] = [c for c in chat.recorder.calls[start:] if c[0] == "sendDocument"]
    [(filename, data, _mime)] = params["files"].values()
    assert filename == f"accuse-de-reception-{ticket}.pdf" and data.startswith(b"%PDF")  # the chat speaks French


async def test_the_confirmation_email_goes_only_to_an_address_proved_by_a_code(organisations):
    from bot.storage.models import OutboxMail
    from tests.conftest import RecordingRequest, make_app

    recorder = RecordingRequest()
    app = await make_app(organisations, recorder, mail_enabled=True)
    enrol(organisations, 1001)
    chat = Chat(app, recorder, 1001)
    try:
        await to_summary(chat)
        await chat.tap("email")
        reply = await chat.send("not an address")
        assert "⚠" in reply
        reply = await chat.send("secretariat(ecole)@school.be")  # a comment, which a mail header reads otherwise
        assert "⚠" in reply
        reply = await chat.send("secretariat@ecole-a.be")
        assert "secretariat@ecole-a.be" in reply and not any(b["callback_data"].endswith("confirm")
                                                            for b in chat.keyboard)
        with session(organisations) as s:
            [code_mail] = s.exec(select(OutboxMail)).all()
        code = re.search(r"\b\d{6}\b", code_mail.body).group(0)
        assert code_mail.recipient == "secretariat@ecole-a.be" and code in code_mail.subject
        wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
        assert "⚠" in await chat.send(wrong)
        reply = await chat.send(code)
        assert "secretariat@ecole-a.be" in reply and chat.button("confirm")
        ticket = TICKET.search(await confirm(chat)).group(0)
        with session(organisations) as s:
            [mail] = s.exec(select(OutboxMail).where(OutboxMail.id != code_mail.id)).all()
            member = organisation_store.member_for(s, "telegram", "1001")
        assert mail.recipient == "secretariat@ecole-a.be" and ticket in mail.subject and mail.sent_at is None
        assert "85.**.**-***.02" in mail.body and "85.03.14-123.02" not in mail.body  # masked in e-mail
        # The PDF made in the filing's own transaction already documents who filed and certified it.
        from tests.test_receipt import pdf_text

        attached = pdf_text(mail.attachment)
        assert mail.attachment_name == f"accuse-de-reception-{ticket}.pdf" and ticket in attached
        assert "Demande introduite par" in attached and "Certification cochée par" in attached
        assert "85.**.**-***.02" in attached and "85.03.14-123.02" not in attached
        assert "Demande introduite par" in mail.body and "Statut" not in mail.body
        assert member.email == "secretariat@ecole-a.be" and member.email_verified_at is not None
        await to_summary(chat, start=period_end(START, 1) + dt.timedelta(days=1))
        await chat.tap("email")  # the address is proved now: straight back to the summary
        assert chat.button("confirm")
    finally:
        await app.shutdown()


async def test_without_smtp_the_confirmation_email_is_not_offered(chat):
    await to_summary(chat)
    assert not any("confirm_email" in b["callback_data"] for b in chat.keyboard)


async def test_consulting_exporting_modifying_and_cancelling_are_audited(chat):
    from bot.storage.models import AuditEntry

    db = chat.app.bot_data["engine"].db
    ticket = await filed(chat)
    await chat.send(f"/status {ticket}")
    await chat.send("/overview")
    await chat.press(OVERVIEW_EXPORT.pack())
    await chat.press(MODIFY.pack(ticket))
    await chat.tap("edit:hours_before")
    await chat.send("19h00")
    await chat.tap("same")  # the full-time schedule depends on it: asked again
    await chat.tap("certified")
    await chat.tap("confirm")
    await chat.press(ASK_CANCEL.pack(ticket))
    await chat.tap(CANCEL.pack(ticket))
    with session(db) as s:
        entries = s.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
        request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one()
    assert [e.action for e in entries] == ["consulted", "exported", "modified", "cancelled"]
    assert all(e.member_id is not None and e.at is not None for e in entries)
    assert [e.request_id for e in entries] == [request.id, None, request.id, request.id]


@pytest.mark.parametrize("utf8", [False, True])
async def test_an_address_the_mail_server_cannot_take_is_refused_when_typed(organisations, utf8):
    """Without SMTPUTF8 (SMTP_UTF8 not set), a non-ASCII address would never get its code: said at once."""
    from bot.storage.models import OutboxMail
    from tests.conftest import RecordingRequest, make_app

    recorder = RecordingRequest()
    app = await make_app(organisations, recorder, mail_enabled=True, mail_utf8=utf8)
    enrol(organisations, 1001)
    chat = Chat(app, recorder, 1001, "en")
    try:
        await to_summary(chat)
        await chat.tap("email")
        reply = await chat.send("élève@école.be")
        with session(organisations) as s:
            queued = s.exec(select(OutboxMail)).all()
        if utf8:
            assert "élève@école.be" in reply and len(queued) == 1
        else:
            assert "cannot deliver to an address with accents" in reply and "secretariat@school.be" in reply
            assert queued == []
    finally:
        await app.shutdown()
