"""Attestations: the documents about a request in one place, our acknowledgement and what ONEM's side adds with
`breakbot onem attach`, checked like an upload and told to the organisation like a status change."""
from __future__ import annotations

import pytest
from sqlmodel import func, select

from bot.cli import main
from bot.dialogs.actions import ATTACHMENT, RECEIPT, SHOW_REQUEST
from bot.notifications import deliver
from bot.storage.database import session
from bot.storage.models import Attachment, Notification, RequestEvent
from tests.conftest import Chat, enrol
from tests.test_notifications import LANGS, members

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SHOWN = {"fr": ("Attestations", "De l'ONEM\u00a0: attestation-onem.pdf", "document ajouté par l'ONEM"),
         "nl": ("Attesten", "Van de RVA: attestation-onem.pdf", "document toegevoegd door de RVA"),
         "de": ("Bescheinigungen", "Vom LfA: attestation-onem.pdf", "Dokument vom LfA hinzugefügt"),
         "en": ("Attestations", "From ONEM: attestation-onem.pdf", "document added by ONEM")}
TOLD = {"fr": "L'ONEM a ajouté un document à la demande", "nl": "De RVA heeft een document toegevoegd aan aanvraag",
        "de": "Das LfA hat dem Antrag", "en": "ONEM added a document to request"}


@pytest.fixture
def operator(app, db_url, tmp_path, monkeypatch):
    """`breakbot onem ...` on the bot's database and data folder, as an operator runs it."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))  # the app's attachments are in tmp_path / "attachments"
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def counts(db) -> tuple[int, int, int]:
    with session(db) as s:
        return tuple(s.exec(select(func.count()).select_from(table)).one()
                     for table in (Attachment, RequestEvent, Notification))


async def test_an_attestation_from_onem_reaches_every_member_in_their_language(app, operator, capsys):
    db = app.bot_data["engine"].db
    ticket = members(db)
    (operator / "scan.pdf").write_bytes(PDF)
    assert main(["onem", "attach", ticket, str(operator / "scan.pdf"), "--name", "attestation-onem.pdf"]) == 0
    out = capsys.readouterr().out
    assert ticket in out and "attestation-onem.pdf" in out and "5 member(s) to notify" in out  # 4 + the terminal's
    assert await deliver(app, app.bot_data["engine"]) == (4, 0)
    told = {params["chat_id"]: params for name, params in app.recorder.calls if name == "sendMessage"}
    for user_id, lang in LANGS.items():
        assert TOLD[lang] in told[user_id]["text"] and "attestation-onem.pdf" in told[user_id]["text"]
        [[button]] = told[user_id]["reply_markup"]["inline_keyboard"]
        chat = Chat(app, app.recorder, user_id, lang)
        shown = await chat.press(button["callback_data"])
        heading, line, history = SHOWN[lang]
        assert heading in shown and line in shown and history in shown
        labels = [b["text"] for b in chat.keyboard]
        assert "📜 attestation-onem.pdf" in labels and any(b["callback_data"] == RECEIPT.pack(ticket)
                                                            for b in chat.keyboard)
    # the document comes back as sent, named by the request
    start = len(app.recorder.calls)
    await chat.tap("📜 attestation-onem.pdf")
    [(_, params)] = [c for c in app.recorder.calls[start:] if c[0] == "sendDocument"]
    [(filename, data, _mime)] = params["files"].values()
    assert (filename, data) == (f"{ticket}-1.pdf", PDF)


async def test_another_organisation_never_gets_the_document(app, operator, capsys):
    db = app.bot_data["engine"].db
    ticket = members(db)  # 2001 is a member of the other organisation
    (operator / "scan.pdf").write_bytes(PDF)
    assert main(["onem", "attach", ticket, str(operator / "scan.pdf")]) == 0
    with session(db) as s:
        [attachment] = s.exec(select(Attachment)).all()
    stranger = Chat(app, app.recorder, 2001, "en")
    assert "not available" in await stranger.press(ATTACHMENT.pack(attachment.id))
    assert "no request" in await stranger.press(SHOW_REQUEST.pack(ticket))
    start = len(app.recorder.calls)
    assert await deliver(app, app.bot_data["engine"]) == (4, 0)
    assert all(params["chat_id"] != 2001 for name, params in app.recorder.calls[start:] if name == "sendMessage")


@pytest.mark.parametrize("case", ["missing", "folder", "not a pdf", "too big", "unknown ticket", "too many"])
def test_a_document_onem_cannot_add_is_one_line_and_changes_nothing(app, operator, capsys, case):
    db = app.bot_data["engine"].db
    ticket = members(db)
    path = operator / "scan.pdf"
    path.write_bytes(PDF)
    if case == "missing":
        path = operator / "nothing.pdf"
    elif case == "folder":
        path = operator
    elif case == "not a pdf":
        path.write_bytes(b"MZ\x90\x00 an executable named .pdf")
    elif case == "too big":
        with path.open("wb") as big:
            big.write(PDF)
            big.truncate(10 * 1024 * 1024 + 1)
    elif case == "unknown ticket":
        ticket = "04W-002WSHH-7K-E"  # well formed, filed nowhere
    elif case == "too many":
        for _ in range(20):
            assert main(["onem", "attach", ticket, str(path)]) == 0
    before = counts(db)
    capsys.readouterr()
    assert main(["onem", "attach", ticket, str(path)]) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.err
    expected = {"missing": "No file found", "folder": "No file found", "not a pdf": "Only PDF, JPEG or PNG",
                "too big": "at most 10 MB", "unknown ticket": "No request has ticket", "too many": "20 documents"}
    assert expected[case] in captured.err
    assert counts(db) == before


async def test_the_consultation_keeps_our_uploads_apart_from_onems_attestations(app, operator):
    from tests.test_service import filed
    enrol(app.bot_data["engine"].db, 1001)
    chat = Chat(app, app.recorder, 1001, "en")
    ticket = await filed(chat)
    shown = await chat.send(f"/status {ticket}")
    assert "Attestations:" in shown and "Acknowledgement of the request (PDF)" in shown
    assert "Attachments:" not in shown  # nothing sent yet


def test_two_documents_added_to_one_request_at_once_get_two_numbers_and_two_files(postgres_url, organisations,
                                                                                   tmp_path):
    """Two members (or a member and ONEM's side) adding a document to the same request at the same moment, in two
    transactions on PostgreSQL: each gets its own number and its own file; neither is written over."""
    import threading
    import time

    from bot.core.views import Upload
    from bot.documents import add_document
    from bot.storage.database import make_engine
    from tests.test_onem import file_request

    db = make_engine(postgres_url)
    enrol(db, 1001)
    ticket = file_request(db, 1001)
    first_stored, done = threading.Event(), []

    def add(content: bytes, wait_before: threading.Event | None, hold: float):
        with session(db) as s:
            from bot.storage.models import LeaveRequest
            request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one()
            if wait_before is not None:
                wait_before.wait(5)
            attachment = add_document(s, None, request, Upload("a.pdf", "application/pdf", len(content), content),
                                      tmp_path)
            if wait_before is None:
                first_stored.set()
            time.sleep(hold)
            s.commit()
            done.append(attachment.number)

    one = threading.Thread(target=add, args=(PDF + b"%one", None, 0.5))
    two = threading.Thread(target=add, args=(PDF + b"%two", first_stored, 0))
    one.start(), two.start()
    one.join(10), two.join(10)
    assert sorted(done) == [1, 2]
    with session(db) as s:
        stored = s.exec(select(Attachment).order_by(Attachment.number)).all()
    assert [a.number for a in stored] == [1, 2] and len({a.stored_path for a in stored}) == 2
    assert {(tmp_path / a.stored_path).read_bytes()[-4:] for a in stored} == {b"%one", b"%two"}


def test_a_document_is_never_written_over_a_file_already_there(organisations, tmp_path):
    """A file left where the next document would go (by a turn rolled back after writing it) stays as it was; the
    document gets a name of its own, recorded with it."""
    from bot.core.views import Upload
    from bot.documents import add_document
    from bot.storage.models import LeaveRequest
    from tests.test_onem import file_request

    enrol(organisations, 1001)
    ticket = file_request(organisations, 1001)
    with session(organisations) as s:
        request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one()
        orphan = tmp_path / str(request.organisation_id) / str(request.id) / f"{ticket}-1.pdf"
        orphan.parent.mkdir(parents=True)
        orphan.write_bytes(PDF + b"%orphan")
        attachment = add_document(s, None, request, Upload("a.pdf", "application/pdf", len(PDF), PDF), tmp_path)
        s.commit()
    assert attachment.number == 1 and orphan.read_bytes().endswith(b"%orphan")
    assert (tmp_path / attachment.stored_path).read_bytes() == PDF and attachment.stored_path != str(
        orphan.relative_to(tmp_path))
