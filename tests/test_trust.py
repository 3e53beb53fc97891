"""Trust: who may do what (the role matrix), joining another organisation, revocation, concurrent changes, files
and cells that cannot deceive, privacy, and Telegram's limits; all through the real Application."""
from __future__ import annotations

import csv
import io
import itertools
import json
import re

import pytest
from sqlalchemy import update
from sqlmodel import select
from telegram import Update

from bot import onem
from bot.core.actions import unpack
from bot.core.engine import BUSY, FAILED
from bot.dialogs import intake
from bot.dialogs.actions import (
    ASK_CANCEL,
    ASK_REVOKE,
    ATTACHMENT,
    CANCEL_INVITATION,
    INVITE_CREATE,
    JOIN,
    MODIFY,
    OVERVIEW_EXPORT,
    REVOKE,
    STAY,
    WORKER_MAIL,
)
from bot.domain.roles import MATRIX, Permission, Role, allows, refusal
from bot.i18n import render, t
from bot.storage import chat_store, organisation_store, request_store
from bot.storage.database import session
from bot.storage.models import (
    Attachment,
    ChatScreen,
    Draft,
    Invitation,
    LeaveRequest,
    Member,
    RequestEvent,
    utcnow,
)
from tests.conftest import OTHER_ORG_BCE, Chat, enrol, text_update
from tests.fakes import ORG_BCE
from tests.test_intake_dialog import TICKET, confirm, requests, to_leave_type, to_summary

ROLE_SETS = [frozenset(c) for n in (1, 2, 3) for c in itertools.combinations(Role, n)]
FULL_NISS, MASKED_NISS = "85.03.14-123.02", "85.**.**-***.02"


async def upload(chat: Chat, name: str, mime: str, data: bytes) -> str:
    file_id = f"f{len(chat.recorder.files)}"
    chat.recorder.files[file_id] = data
    message = {"message_id": 7000 + len(chat.recorder.files), "date": 0,
               "chat": {"id": chat.user_id, "type": "private"},
               "from": {"id": chat.user_id, "is_bot": False, "first_name": "U", "language_code": "fr"},
               "document": {"file_id": file_id, "file_unique_id": "u" + file_id, "file_name": name,
                            "mime_type": mime, "file_size": len(data)}}
    start = len(chat.recorder.calls)
    await chat.app.process_update(Update.de_json({"update_id": 800000 + len(chat.recorder.files),
                                                  "message": message}, chat.app.bot))
    return "\n".join(p.get("text", "") for n, p in chat.recorder.calls[start:] if n == "sendMessage")


def test_every_permission_is_given_by_some_role_and_the_access_manager_alone_files_nothing():
    assert set().union(*MATRIX.values()) == set(Permission)
    alone = frozenset({Role.ACCESS_MANAGER})
    for permission in (Permission.FILE, Permission.MODIFY, Permission.CANCEL, Permission.EXPORT,
                       Permission.READ_NISS, Permission.FOLLOW):
        assert not allows(alone, permission)


@pytest.fixture
async def filed(chat):
    """A request filed by member 1001 (a filer) and a colleague 1002 to revoke; returns the ticket."""
    await to_summary(chat)
    ticket = TICKET.search(await confirm(chat)).group(0)
    enrol(chat.app.bot_data["engine"].db, 1002)
    return ticket


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda roles: "+".join(sorted(roles)))
async def test_every_role_against_every_action(filed, chat, roles):
    """What each handler does for a member with exactly these roles is what the role matrix says."""
    db = chat.app.bot_data["engine"].db
    enrol(db, 3000, roles=tuple(roles))
    member = Chat(chat.app, chat.recorder, 3000)
    with session(db) as s:
        colleague = organisation_store.member_for(s, "telegram", "1002").id
    said = {permission: render(t(refusal(permission)), "fr") for permission in Permission}

    async def calls(coroutine) -> list[str]:
        start = len(chat.recorder.calls)
        await coroutine
        return [name for name, _ in chat.recorder.calls[start:]]

    outcomes = {
        Permission.FILE: said[Permission.FILE] not in await member.send("/new"),
        Permission.FOLLOW: said[Permission.FOLLOW] not in await member.send("/status"),
        Permission.MODIFY: "Modification" in await member.press(MODIFY.pack(filed)),
        Permission.CANCEL: "Annuler la demande" in await member.press(ASK_CANCEL.pack(filed)),
        Permission.EXPORT: "sendDocument" in await calls(member.press(OVERVIEW_EXPORT.pack())),
        Permission.INVITE: said[Permission.INVITE] not in await member.send("/invite"),
        Permission.REVOKE: said[Permission.REVOKE] not in await member.press(ASK_REVOKE.pack(colleague)),
        Permission.MANAGE_SCHOOLS: said[Permission.MANAGE_SCHOOLS] not in await member.send("/schools"),
        Permission.ATTACH: said[Permission.ATTACH] not in await upload(member, "a.pdf", "application/pdf",
                                                                       b"%PDF-1.4\n"),
        Permission.MAIL_WORKER: said[Permission.MAIL_WORKER] not in await member.press(WORKER_MAIL.pack(filed)),
    }
    shown = await member.send(f"/status {filed}")
    outcomes[Permission.READ_NISS] = FULL_NISS in shown
    assert outcomes == {permission: allows(roles, permission) for permission in Permission}
    if allows(roles, Permission.FOLLOW) and not allows(roles, Permission.READ_NISS):
        assert MASKED_NISS in shown


# --- 1. joining another organisation is a decision ---------------------------------------------------------------

def invitation(db, bce: str = OTHER_ORG_BCE, roles=("po-education",)) -> str:
    with session(db) as s:
        code, _ = organisation_store.create_invitation(s, organisation_store.organisation_by_bce(s, bce), list(roles))
        s.commit()
    return code


def member_row(db, user_id: int = 1001) -> Member:
    with session(db) as s:
        return s.exec(select(Member).where(Member.user_key == str(user_id))).one()


def open_drafts(db, user_id: int = 1001) -> list[Draft]:
    with session(db) as s:
        return s.exec(select(Draft).where(Draft.chat_key == str(user_id), Draft.status == "open")).all()


async def test_another_organisations_invitation_is_asked_first_and_staying_changes_nothing(chat):
    db = chat.app.bot_data["engine"].db
    await to_leave_type(chat)
    code = invitation(db)
    reply = await chat.send(f"/start {code}")
    assert "PO Z" in reply and "PO Y" in reply  # both organisations named, and the roles
    assert member_row(db).organisation_id == 1 and len(open_drafts(db)) == 1
    reply = await chat.tap(STAY.pack())
    assert "PO Y" in reply
    assert member_row(db).organisation_id == 1 and len(open_drafts(db)) == 1
    with session(db) as s:
        assert s.exec(select(Invitation).where(Invitation.organisation_id == 2)).one().used_at is None


async def test_joining_closes_what_was_open_and_old_buttons_file_nothing(chat):
    db = chat.app.bot_data["engine"].db
    await to_summary(chat)
    await chat.tap("certified")
    old_confirm = chat.button("confirm")["callback_data"]
    await chat.send("/overview from=all")
    await chat.send(f"/start {invitation(db)}")
    reply = await chat.tap(JOIN.pack())
    assert "PO Z" in reply
    assert member_row(db).organisation_id == 2 and open_drafts(db) == []
    with session(db) as s:
        assert s.exec(select(ChatScreen)).all() == []
    reply = await chat.press(old_confirm)  # the draft of the old organisation cannot be filed any more
    assert not TICKET.search(reply) and requests(db) == []


async def test_leaving_for_another_organisation_cancels_the_invitations_the_member_made(chat):
    """Like revocation: the links they made can no longer bring anyone, themselves included, back in, and the
    organisation's access managers, who can no longer see them, have nothing left to revoke."""
    db = chat.app.bot_data["engine"].db
    with session(db) as s:
        me = s.exec(select(Member).where(Member.user_key == "1001")).one()
        ours = organisation_store.organisation_by_bce(s, ORG_BCE)
        back_in, _ = organisation_store.create_invitation(s, ours, ["po-education"], made_by=me.id)
        s.commit()
    await chat.send(f"/start {invitation(db)}")
    await chat.tap(JOIN.pack())
    assert member_row(db).organisation_id == 2
    with session(db) as s:
        made = s.exec(select(Invitation).where(Invitation.created_by == me.id)).one()
    assert made.cancelled_at is not None and made.used_at is None
    await chat.send(f"/start {back_in}")
    assert JOIN.pack() not in [b["callback_data"] for b in chat.keyboard]  # nothing to accept
    assert member_row(db).organisation_id == 2
    with session(db) as s:
        assert s.exec(select(Invitation).where(Invitation.created_by == me.id)).one().used_at is None


async def test_filing_checks_that_the_draft_still_belongs_to_the_members_organisation(chat):
    db = chat.app.bot_data["engine"].db
    await to_summary(chat)
    await chat.tap("certified")
    with session(db) as s:  # moved behind the bot's back (e.g. by an operator): the draft stayed open
        member = s.exec(select(Member).where(Member.user_key == "1001")).one()
        member.organisation_id = 2
        s.add(member)
        s.commit()
    reply = await chat.tap("confirm")
    assert render(t(intake.NOT_FILED), "fr") in reply and requests(db) == []
    assert not TICKET.search(reply)


async def test_a_modification_left_open_when_joining_is_closed_not_a_crash(filed, chat):
    await chat.press(MODIFY.pack(filed))
    save = chat.button("confirm")["callback_data"]
    await chat.send(f"/start {invitation(chat.app.bot_data['engine'].db)}")
    await chat.tap(JOIN.pack())
    reply = await chat.press(save)
    assert reply and render(t(FAILED), "fr") not in reply


# --- 2. revocation sticks ------------------------------------------------------------------------------------------

async def made_invitation(manager: Chat) -> str:
    await manager.send("/invite")
    reply = await manager.press(INVITE_CREATE.pack())
    return re.search(r"start=([\w-]+)|/start ([\w-]+)", reply).group(1) or ""


async def test_revoking_an_access_manager_cancels_the_invitations_they_made(app):
    db = app.bot_data["engine"].db
    enrol(db, 1001, roles=("po-education", "access-manager"))
    enrol(db, 1002, roles=("access-manager",))
    spare = await made_invitation(Chat(app, app.recorder, 1001))
    boss = Chat(app, app.recorder, 1002)
    await boss.send("/members")
    revoke = next(b["callback_data"] for b in boss.keyboard if b["text"].endswith("1001"))
    await boss.press(REVOKE.pack(*unpack(revoke)[1]))
    # the revoked manager comes back with the spare code: refused, and cannot revoke anyone
    back = Chat(app, app.recorder, 1001)
    assert "PO Y" not in await back.send(f"/start {spare}")
    assert member_row(db, 1001).revoked_at is not None
    newcomer = Chat(app, app.recorder, 3333)
    assert "PO Y" not in await newcomer.send(f"/start {spare}")
    assert member_row(db, 1002).revoked_at is None


async def test_a_code_made_by_someone_revoked_since_cannot_be_used(app):
    db = app.bot_data["engine"].db
    enrol(db, 1001, roles=("access-manager",))
    code = await made_invitation(Chat(app, app.recorder, 1001))
    with session(db) as s:  # revoked, its invitations somehow still standing
        s.execute(update(Member).where(Member.user_key == "1001").values(revoked_at=utcnow()))
        s.commit()
    assert "PO Y" not in await Chat(app, app.recorder, 4444).send(f"/start {code}")


async def test_access_managers_see_and_cancel_the_invitations_not_used_yet(app):
    db = app.bot_data["engine"].db
    enrol(db, 1001, roles=("access-manager",))
    manager = Chat(app, app.recorder, 1001)
    code = await made_invitation(manager)
    listing = await manager.send("/invitations")
    assert "1001" in listing  # who made it
    cancel = next(b for b in manager.keyboard if unpack(b["callback_data"])[0] is CANCEL_INVITATION)
    await manager.press(cancel["callback_data"])
    assert "PO Y" not in await Chat(app, app.recorder, 5555).send(f"/start {code}")
    enrol(db, 1003)
    assert render(t(refusal(Permission.INVITE)), "fr") in await Chat(app, app.recorder, 1003).send("/invitations")


# --- 4. no lost update ---------------------------------------------------------------------------------------------

async def test_a_save_based_on_an_outdated_request_is_refused_with_what_changed(filed, chat):
    db = chat.app.bot_data["engine"].db
    enrol(db, 1004)
    colleague = Chat(chat.app, chat.recorder, 1004)
    await chat.press(MODIFY.pack(filed))
    await colleague.press(MODIFY.pack(filed))
    await colleague.tap("edit:hours_before")
    await colleague.send("19h00")
    await colleague.tap("same")
    await colleague.tap("certified")
    assert filed in await colleague.tap("confirm")
    await chat.tap("edit:rtt")
    await chat.tap("yes")
    await chat.tap("certified")
    reply = await chat.tap("confirm")
    assert "1004" in reply  # who changed it meanwhile
    with session(db) as s:
        request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == filed)).one()
        events = s.exec(select(RequestEvent).where(RequestEvent.kind == "modified")).all()
    assert request.hours_before == 19 * 60 and request.rtt is False  # the colleague's change, not written over
    assert len(events) == 1 and set(json.loads(events[0].changes)) == {"hours_before", "fulltime_hours", "time_unit"}
    await chat.press(MODIFY.pack(filed))  # again, on the request as it is now: only what this member changes
    await chat.tap("edit:rtt")
    await chat.tap("yes")
    await chat.tap("certified")
    await chat.tap("confirm")
    with session(db) as s:
        events = s.exec(select(RequestEvent).where(RequestEvent.kind == "modified").order_by(RequestEvent.id)).all()
        member = s.exec(select(Member).where(Member.user_key == "1001")).one()
    assert set(json.loads(events[-1].changes)) == {"rtt"} and events[-1].member_id == member.id


async def test_an_onem_decision_between_opening_and_saving_a_modification_is_not_overwritten(filed, chat):
    db = chat.app.bot_data["engine"].db
    await chat.press(MODIFY.pack(filed))
    await chat.tap("edit:rtt")
    await chat.tap("yes")
    with session(db) as s:
        onem.set_status(s, filed, "accepted")
    await chat.tap("certified")
    reply = await chat.tap("confirm")
    assert filed in reply
    with session(db) as s:
        request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == filed)).one()
    assert request.status == "accepted" and request.rtt is False


# --- 6. one user cannot stall the others ---------------------------------------------------------------------------

async def send_document(chat: Chat, name: str, mime: str, data: bytes, announced: int | None = -1) -> tuple[str, list]:
    """A document sent in the chat; returns what was answered and the Bot API methods called."""
    file_id = f"doc{len(chat.recorder.files)}"
    chat.recorder.files[file_id] = data
    document = {"file_id": file_id, "file_unique_id": "u" + file_id, "file_name": name, "mime_type": mime}
    if announced is not None:
        document["file_size"] = len(data) if announced == -1 else announced
    message = {"message_id": 9000 + len(chat.recorder.files), "date": 0,
               "chat": {"id": chat.user_id, "type": "private"},
               "from": {"id": chat.user_id, "is_bot": False, "first_name": "U", "language_code": "fr"},
               "document": document}
    start = len(chat.recorder.calls)
    await chat.app.process_update(Update.de_json({"update_id": 700000 + len(chat.recorder.files),
                                                  "message": message}, chat.app.bot))
    calls = chat.recorder.calls[start:]
    return "\n".join(p.get("text", "") for n, p in calls if n == "sendMessage"), [n for n, _ in calls]


PDF = b"%PDF-1.4\n% a written notice\n"


async def test_a_document_is_refused_before_anything_is_downloaded(app, organisations):
    stranger = Chat(app, app.recorder, 6006)
    reply, calls = await send_document(stranger, "a.pdf", "application/pdf", PDF)
    assert "/start" in reply and "getFile" not in calls  # not enrolled
    enrol(organisations, 1001)
    member = Chat(app, app.recorder, 1001)
    reply, calls = await send_document(member, "a.pdf", "application/pdf", PDF)
    assert "/status" in reply and "getFile" not in calls  # no request open


async def test_the_size_limit_holds_when_telegram_announces_no_size(filed, chat):
    await chat.send(f"/status {filed}")
    chat.recorder.silent_sizes = True
    reply, calls = await send_document(chat, "big.pdf", "application/pdf", PDF + b"0" * (11 * 1024 * 1024),
                                       announced=None)
    assert "⚠" in reply and "10" in reply
    with session(chat.app.bot_data["engine"].db) as s:
        assert s.exec(select(Attachment)).all() == []


async def test_a_requests_documents_weigh_at_most_fifty_megabytes(filed, chat):
    db = chat.app.bot_data["engine"].db
    await chat.send(f"/status {filed}")
    with session(db) as s:
        request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == filed)).one()
        for number in range(1, 20):
            s.add(Attachment(request_id=request.id, member_id=request.member_id, filename=f"{number}.pdf",
                             mime="application/pdf", size=5 * 1024 * 1024 // 2, sha256="0" * 64, number=number,
                             stored_path=f"x/{number}.pdf"))
        s.commit()
    # 19 documents of 2.5 MB and one of 9 MB: each allowed, 56.5 MB together is not
    reply, calls = await send_document(chat, "20.pdf", "application/pdf", PDF + b"0" * (9 * 1024 * 1024))
    assert "⚠" in reply and "50" in reply and "getFile" not in calls


async def test_the_twenty_first_document_is_refused(filed, chat):
    db = chat.app.bot_data["engine"].db
    await chat.send(f"/status {filed}")
    with session(db) as s:
        request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == filed)).one()
        for number in range(1, 21):
            s.add(Attachment(request_id=request.id, member_id=request.member_id, filename=f"{number}.pdf",
                             mime="application/pdf", size=1000, sha256="0" * 64, number=number,
                             stored_path=f"x/{number}.pdf"))
        s.commit()
    reply, calls = await send_document(chat, "21.pdf", "application/pdf", PDF)
    assert "20" in reply and "getFile" not in calls


async def test_exports_of_one_member_come_one_at_a_time_with_a_pause(organisations):
    from tests.conftest import RecordingRequest, make_app

    recorder = RecordingRequest()
    app = await make_app(organisations, recorder, export_pause=60)
    enrol(organisations, 1001)
    chat = Chat(app, recorder, 1001)
    try:
        await chat.send("/overview")
        first, calls = await chat.press(OVERVIEW_EXPORT.pack()), len(recorder.calls)
        assert any(name == "sendDocument" for name, _ in recorder.calls)
        second = await chat.press(OVERVIEW_EXPORT.pack())
        assert "60" in second and not any(name == "sendDocument" for name, _ in recorder.calls[calls:])
        assert first != second
    finally:
        await app.shutdown()


async def test_a_button_pressed_late_still_acts(chat):
    chat.recorder.refused["answerCallbackQuery"] = "Bad Request: query is too old and response timeout expired"
    await chat.send("/new")
    reply = await chat.tap("fwb")
    assert "0876.543.270" in reply  # the school question: the tap was taken


async def test_a_chat_that_meets_a_busy_database_is_told_to_try_again_and_keeps_its_answer(organisations, tmp_path):
    from bot.app import build_engine
    from bot.core.turn import Options
    from bot.core.views import Input
    from bot.storage.database import make_engine

    if organisations.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock: PostgreSQL locks rows, and a turn waits only on its own chat's")
    enrol(organisations, 1001)
    engine = build_engine(make_engine(str(organisations.url), busy_seconds=0.2),
                          Options(attachments_dir=tmp_path))
    first = engine.handle(Input("telegram", "1001", "1001", "command", command="new", update_id=1))
    assert first.views
    blocker = organisations.connect()  # a command line's long write
    blocker.exec_driver_sql("UPDATE member SET locale = locale")  # holds the write lock until it ends
    try:
        busy = engine.handle(Input("telegram", "1001", "1001", "button", text="form.pick:1:fwb", update_id=2))
        assert render(t(BUSY), "fr") in render(busy.views[0].lines[0], "fr")
    finally:
        blocker.rollback()
        blocker.close()
    again = engine.handle(Input("telegram", "1001", "1001", "button", text="form.pick:1:fwb", update_id=3))
    assert "0876.543.270" in "\n".join(render(line, "fr") for view in again.views for line in view.lines)
    engine.close()


# --- 7. files and cells that cannot deceive --------------------------------------------------------------------------

async def test_a_document_is_kept_and_sent_back_under_the_requests_name_and_its_name_shown_plainly(filed, chat):
    db = chat.app.bot_data["engine"].db
    await chat.send(f"/status {filed}")
    reply, _ = await send_document(chat, "avis\u202efdp.exe", "application/pdf", PDF)
    assert "avisfdp.exe" in reply and "\u202e" not in reply
    with session(db) as s:
        [attachment] = s.exec(select(Attachment)).all()
    assert attachment.stored_path.endswith(f"{filed}-1.pdf") and attachment.filename == "avisfdp.exe"
    start = len(chat.recorder.calls)
    await chat.press(ATTACHMENT.pack(attachment.id))
    [(_, params)] = [c for c in chat.recorder.calls[start:] if c[0] == "sendDocument"]
    [(filename, data, _)] = params["files"].values()
    assert filename == f"{filed}-1.pdf" and data == PDF


async def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(filed, chat):
    db = chat.app.bot_data["engine"].db
    with session(db) as s:
        request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == filed)).one()
        request.last_name, request.first_name = '=HYPERLINK("http://evil.example","x")', "@SUM(A1)"
        request.email, request.office = "+x@example.be", "-2+3"
        s.add(request)
        s.commit()
    await chat.send("/overview from=all")
    start = len(chat.recorder.calls)
    await chat.press(OVERVIEW_EXPORT.pack())
    [(_, params)] = [c for c in chat.recorder.calls[start:] if c[0] == "sendDocument"]
    [(_, data, _)] = params["files"].values()
    [header, row] = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    cells = dict(zip(header, row))
    assert cells["Nom"].startswith("'=") and cells["Prénom"] == "'@SUM(A1)"
    assert cells["E-mail"] == "'+x@example.be" and cells["Bureau de l'ONEM"] == "'-2+3"
    assert not any(value[:1] in "=+-@\t\r" for value in row if value)


# --- 8. privacy --------------------------------------------------------------------------------------------------

async def test_a_database_error_logs_no_value_of_the_statement(chat, monkeypatch, caplog):
    import logging

    from sqlalchemy import text as sql

    await to_summary(chat)
    await chat.tap("certified")

    def broken(connection, member, draft_id, fields, now=None, **_where):
        connection.execute(sql("SELECT * FROM no_such_table WHERE name = :name"), {"name": fields["last_name"]})

    monkeypatch.setattr(request_store, "file_request", broken)
    with caplog.at_level(logging.ERROR):
        await chat.tap("confirm")
    assert "no_such_table" in caplog.text and "Dupont" not in caplog.text


async def test_the_audit_of_an_export_keeps_the_niss_masked(chat):
    from bot.storage.models import AuditEntry

    await chat.send("/overview niss=85.03.14-123.02")
    await chat.press(OVERVIEW_EXPORT.pack())
    with session(chat.app.bot_data["engine"].db) as s:
        [entry] = s.exec(select(AuditEntry).where(AuditEntry.action == "exported")).all()
    assert "85.**.**-***.02" in entry.detail and "85031412302" not in entry.detail


def test_mail_goes_out_encrypted_unless_told_otherwise():
    from bot.settings import Settings

    assert Settings(_env_file=None).smtp_tls == "starttls"
    assert Settings(_env_file=None, smtp_tls="").smtp_tls == "starttls"


# --- 9. Telegram's limits ------------------------------------------------------------------------------------------

async def test_a_long_member_list_is_paged_under_telegrams_hundred_buttons(app, organisations):
    enrol(organisations, 1001, roles=("access-manager",))
    for user in range(2000, 2130):
        enrol(organisations, user)
    manager = Chat(app, app.recorder, 1001)
    seen, page = set(), await manager.send("/members")
    while True:
        assert len(manager.keyboard) <= 100
        seen |= {b["text"] for b in manager.keyboard if unpack(b["callback_data"])[0] is ASK_REVOKE}
        following = [b for b in manager.keyboard if "▶" in b["text"]]
        if not following:
            break
        page = await manager.press(following[0]["callback_data"])
    assert len(seen) == 130 and page


def test_messages_are_cut_by_telegrams_own_count():
    from bot.channels.telegram import split_text, utf16_length

    text = "\n".join("🙂" * 50 for _ in range(200))  # 10,000 characters, 20,000 UTF-16 units
    parts = split_text(text)
    assert len(parts) >= 5 and all(utf16_length(part) <= 4096 for part in parts)
    assert sum(part.count("🙂") for part in parts) == 10_000  # nothing lost at the cuts


async def test_processed_updates_are_told_apart_per_bot_and_forgotten_after_a_week(chat):
    import datetime as dt

    from bot.storage.models import ProcessedUpdate

    db = chat.app.bot_data["engine"].db
    with session(db) as s:  # another bot's update 41 on the same database, and an old one of ours
        s.add(ProcessedUpdate(bot_id=12345, update_id=41, processed_at=utcnow()))
        s.add(ProcessedUpdate(bot_id=999000, update_id=40, processed_at=utcnow() - dt.timedelta(days=8)))
        s.commit()
    update = text_update(chat.app, 1001, "/help")
    update._unfreeze()
    update.update_id = 41
    start = len(chat.recorder.calls)
    await chat.app.process_update(update)
    assert len(chat.recorder.calls) > start  # not mistaken for the other bot's
    assert chat_store.prune_processed_updates(db, utcnow()) == 1
    with session(db) as s:
        kept = {(row.bot_id, row.update_id) for row in s.exec(select(ProcessedUpdate))}
    assert (12345, 41) in kept and (999000, 41) in kept and (999000, 40) not in kept


async def test_a_long_telegram_file_id_is_kept(filed, chat):
    await chat.send(f"/status {filed}")
    file_id = "A" * 400
    chat.recorder.files[file_id] = PDF
    message = {"message_id": 9999, "date": 0, "chat": {"id": 1001, "type": "private"},
               "from": {"id": 1001, "is_bot": False, "first_name": "U", "language_code": "fr"},
               "document": {"file_id": file_id, "file_unique_id": "long", "file_name": "a.pdf",
                            "mime_type": "application/pdf", "file_size": len(PDF)}}
    await chat.app.process_update(Update.de_json({"update_id": 654321, "message": message}, chat.app.bot))
    with session(chat.app.bot_data["engine"].db) as s:
        assert s.exec(select(Attachment)).one().telegram_file_id == file_id


async def test_a_display_name_loses_bidirectional_and_invisible_characters_like_a_file_name(chat):
    """A Telegram name is the user's to choose: "\u202e" would turn what the access managers read around."""
    import datetime as dt

    from telegram import Update

    from tests.fakes import next_update_id
    db = chat.app.bot_data["engine"].db
    code = invitation(db, bce=ORG_BCE)
    sender = {"id": 4242, "is_bot": False, "first_name": "Eve\u202eLIAM\u200b", "last_name": "\u2066Adams\u2069"}
    message = {"message_id": next_update_id(), "date": int(dt.datetime.now().timestamp()),
               "chat": {"id": 4242, "type": "private"}, "from": sender, "text": f"/start {code}",
               "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}
    await chat.app.process_update(Update.de_json({"update_id": next_update_id(), "message": message}, chat.app.bot))
    assert member_row(db, 4242).display_name == "EveLIAM Adams"
