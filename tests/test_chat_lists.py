"""The chat's lists (issue "On a phone and on paper", point 3): typed filters take the words the lists show, in
every language, and a name; "Modify an answer" opens groups first; a step with an answer offers to keep it; the
terminal numbers only the last message's options; documents and a cancelled request; back to the list."""
from __future__ import annotations

import random

import pytest
from sqlmodel import select

from bot.dialogs.actions import ASK_CANCEL, CANCEL
from bot.storage import organisation_store
from bot.storage.database import session
from bot.storage.models import Attachment
from tests.conftest import OTHER_ORG_BCE, Chat, enrol
from tests.fakes import form_code
from tests.test_follow_up import found, seed
from tests.test_intake_dialog import TICKET, confirm, state, to_leave_type, to_summary


@pytest.fixture
def lists(app):
    """240 requests of ours (a few with names of their own), 160 of another organisation; one member in each
    language we test."""
    db = app.bot_data["engine"].db
    enrol(db, 1001)
    enrol(db, 1002)
    enrol(db, 1003)
    enrol(db, 5005, bce=OTHER_ORG_BCE)
    rng = random.Random(7)
    ours = seed(db, "0234567873", 240, rng)
    seed(db, OTHER_ORG_BCE, 160, rng)
    names = {0: ("Dubois", "Marc"), 1: ("Dubois", "Anne"), 2: ("Van den Broeck", "Marc"), 3: ("Çelik", "Şükrü")}
    with session(db) as s:
        for index, (last, first) in names.items():
            row = s.get(type(ours[index]), ours[index].id)
            row.last_name, row.first_name = last, first
            s.add(row)
        s.commit()
        assert organisation_store.organisation_by_bce(s, OTHER_ORG_BCE) is not None
    chats = {lang: Chat(app, app.recorder, user, lang) for lang, user in (("fr", 1001), ("nl", 1002), ("de", 1003))}
    return chats, ours


@pytest.mark.parametrize("lang, typed, statuses", [
    ("fr", "statut=en attente", {"waiting"}),
    ("fr", "statut=En attente d'info du travailleur", {"waiting"}),
    ("fr", "statut=acceptee,refusée", {"accepted", "refused"}),
    ("nl", "status=in afwachting", {"waiting"}),
    ("nl", "status=behandeling", {"processing"}),
    ("de", "status=Bearbeitung", {"processing"}),
    ("de", "STATUS=abgelehnt", {"refused"}),
])
async def test_a_status_is_typed_with_any_word_the_list_shows(lists, lang, typed, statuses):
    chats, rows = lists
    reply = await chats[lang].send(f"/overview {typed} " + {"fr": "du=-", "nl": "van=-", "de": "von=-"}[lang])
    assert "⚠" not in reply, reply
    assert found(reply) == sum(r.status in statuses for r in rows)


@pytest.mark.parametrize("lang, typed, leave, regime", [
    ("nl", "vorm=halftijds", None, "half"),
    ("nl", "type=ouderschapsverlof vorm=volledig", "parental", "full"),
    ("de", "typ=Eltern form=vollständig", "parental", "full"),
    ("de", "typ=Palliativpflege", "palliative", None),
    ("fr", "type=congé parental régime=1/5", "parental", "fifth"),
])
async def test_a_leave_and_its_form_are_typed_in_each_language(lists, lang, typed, leave, regime):
    chats, rows = lists
    reply = await chats[lang].send(f"/overview {typed} " + {"fr": "du=-", "nl": "van=-", "de": "von=-"}[lang])
    assert "⚠" not in reply, reply
    assert found(reply) == sum((leave is None or r.leave_type == leave) and (regime is None or r.regime == regime)
                               for r in rows)


async def test_a_word_that_fits_two_values_asks_for_more(lists):
    chats, _rows = lists
    reply = await chats["fr"].send("/overview statut=en")
    assert "⚠" in reply and "plusieurs" in reply and "attente" in reply and "traitement" in reply


@pytest.mark.parametrize("lang, key", [("fr", "nom"), ("nl", "naam"), ("de", "name")])
@pytest.mark.parametrize("typed, expected", [("Dubois", 2), ("dubois marc", 1), ("Marc Dubois", 1), ("Broeck", 1),
                                             ("çelik", 1), ("Nobody", 0)])
async def test_a_name_filters_the_list_in_either_order(lists, lang, key, typed, expected):
    chats, _rows = lists
    start = {"fr": "du=-", "nl": "van=-", "de": "von=-"}[lang]
    reply = await chats[lang].send(f"/overview {start} {key}={typed}")
    assert "⚠" not in reply
    assert found(reply) == expected


# --- "Modify an answer": the parts first; keeping an answer after Back ------------------------------------------

def _speaking(app, user: int, lang: str) -> Chat:
    enrol(app.bot_data["engine"].db, user)
    return Chat(app, app.recorder, user, lang)


@pytest.mark.parametrize("lang, part, answer", [("fr", "Travailleur", "Nom : Dupont"),
                                                ("nl", "Werknemer", "Naam: Dupont")])
async def test_modify_an_answer_opens_the_parts_first_then_one_parts_answers(app, lang, part, answer):
    chat = _speaking(app, 1001, lang)
    await to_summary(chat)
    page = await chat.tap("answers")
    assert [form_code(b["callback_data"]) for b in chat.keyboard] == ["group:0", "group:1", "group:2", "group:3",
                                                                      "summary"]
    assert part in page
    page = await chat.tap("group:1")
    assert answer in page.replace("\u00a0", " ")
    codes = [form_code(b["callback_data"]) for b in chat.keyboard]
    assert "edit:last_name" in codes and "edit:leave_type" not in codes
    await chat.tap("answers")  # « Other parts
    assert len(chat.keyboard) == 5


@pytest.mark.parametrize("lang, keep", [("fr", "Conserver"), ("de", "Beibehalten")])
async def test_after_back_a_question_with_buttons_offers_to_keep_its_answer(app, lang, keep):
    db = app.bot_data["engine"].db
    chat = _speaking(app, 1001, lang)
    await to_leave_type(chat)
    await chat.tap("back")  # the e-mail question, answered "skip"
    reply = await chat.tap("back")  # the staff status, answered with a button
    assert state(db).state == "staff_status"
    keeps = [b for b in chat.keyboard if form_code(b["callback_data"]) == "keep"]
    assert len(keeps) == 1 and keeps[0]["text"].startswith(keep), (reply, chat.keyboard)
    await chat.tap("keep")
    assert state(db).state == "email" and state(db).answers["staff_status"] == "statutory"


# --- the terminal: only the last message's options --------------------------------------------------------------

def test_the_terminal_numbers_only_the_last_messages_options():
    import io
    from types import SimpleNamespace

    from bot.channels.console import _show_reply
    from bot.core.views import Button, View

    out = io.StringIO()
    options = _show_reply(SimpleNamespace(lang="en", views=[View(["Pick one"], [[Button("Yes", "yes:1")]]),
                                                            View(["Done."])]), out, None)
    assert options == {} and "[1]" not in out.getvalue() and "· Yes" in out.getvalue()
    options = _show_reply(SimpleNamespace(lang="en", views=[View(["Pick one"], [[Button("Yes", "yes:1")]])]),
                          io.StringIO(), None)
    assert options["1"] == "yes:1"


async def test_in_the_terminal_a_number_typed_after_a_message_without_options_is_text(organisations, tmp_path):
    """`1` typed after a message with no options (/help) pressed the option of an older one (here "New request",
    under the message of /cancel): it is now typed text, and no request is started."""
    import io

    from sqlmodel import select

    from bot.app import build_engine
    from bot.channels import console
    from bot.core.turn import Options
    from bot.storage.models import Draft

    enrol(organisations, "console-user", channel=console.CHANNEL)
    engine = build_engine(organisations, Options(attachments_dir=tmp_path))
    out = io.StringIO()
    console.chat(engine, ["/new", "/cancel", "/help", "1"], out, "console-user", "en")
    with session(organisations) as s:
        drafts = s.exec(select(Draft)).all()
    assert [d.status for d in drafts] == ["abandoned"], out.getvalue()[-600:]


# --- documents: a cancelled request takes none; every document is in the history --------------------------------

async def _upload(chat: Chat, name: str, data: bytes) -> str:
    from telegram import Update

    file_id = f"f{len(chat.recorder.files)}"
    chat.recorder.files[file_id] = data
    message = {"message_id": 7000 + len(chat.recorder.files), "date": 0,
               "chat": {"id": chat.user_id, "type": "private"},
               "from": {"id": chat.user_id, "is_bot": False, "first_name": "U", "language_code": chat.language_code},
               "document": {"file_id": file_id, "file_unique_id": "u" + file_id, "file_name": name,
                            "mime_type": "application/pdf", "file_size": len(data)}}
    start = len(chat.recorder.calls)
    await chat.app.process_update(Update.de_json({"update_id": 950000 + len(chat.recorder.files),
                                                  "message": message}, chat.app.bot))
    return "\n".join(p.get("text", "") for n, p in chat.recorder.calls[start:] if n == "sendMessage")


@pytest.mark.parametrize("lang, added, cancelled", [("fr", "document ajouté par", "annulée"),
                                                    ("nl", "document toegevoegd door", "geannuleerd")])
async def test_a_document_is_a_line_of_the_history_and_a_cancelled_request_takes_none(app, lang, added, cancelled):
    chat = _speaking(app, 1001, lang)
    await to_summary(chat)
    ticket = TICKET.search(await confirm(chat)).group(0)
    await chat.send(f"/status {ticket}")
    reply = await _upload(chat, "preavis.pdf", b"%PDF-1.4\n% notice\n")
    assert added in reply and "preavis.pdf" in reply  # the history shows it, with who added it
    await chat.press(ASK_CANCEL.pack(ticket))
    reply = await chat.press(CANCEL.pack(ticket))
    assert "PDF, JPEG" not in reply  # no more invitation to attach
    reply = await _upload(chat, "second.pdf", b"%PDF-1.4\n% more\n")
    assert "⚠" in reply and cancelled in reply and ticket in reply
    with session(app.bot_data["engine"].db) as s:
        assert [a.filename for a in s.exec(select(Attachment))] == ["preavis.pdf"]


# --- a request's screen leads back to its list ------------------------------------------------------------------

@pytest.mark.parametrize("lang, back", [("fr", "Retour à la liste"), ("de", "Zurück zur Liste")])
async def test_a_request_opened_from_a_list_leads_back_to_it(lists, lang, back):
    chats, _rows = lists
    chat = chats[lang]
    page_two = await chat.send("/overview " + {"fr": "du=-", "de": "von=-"}[lang])
    await chat.tap("Next ▶" if lang == "en" else next(b["text"] for b in chat.keyboard if "▶" in b["text"]))
    listed = [b for b in chat.keyboard if b["text"].isdigit()]
    assert listed[0]["text"] == "11"
    await chat.press(listed[0]["callback_data"])
    assert chat.button(f"« {back}")
    again = await chat.tap(f"« {back}")
    assert "2" in again.splitlines()[2] and [b["text"] for b in chat.keyboard if b["text"].isdigit()][0] == "11"
    assert page_two
    await chat.send("/status")
    await chat.press(next(b["callback_data"] for b in chat.keyboard if b["text"] == "1"))
    latest = await chat.tap(f"« {back}")
    assert [b["text"] for b in chat.keyboard if b["text"].isdigit()] == ["1", "2", "3", "4", "5"] and latest


# --- after a try as a new user -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, shown", [("fr", "nom : Dubois"), ("de", "name: Dubois")])
async def test_the_name_filter_reads_like_the_others(lists, lang, shown):
    chats, _rows = lists
    reply = await chats[lang].send(f"/overview {'nom' if lang == 'fr' else 'name'}=Dubois")
    assert shown in reply.replace("\u00a0", " ")


def test_schools_are_listed_as_people_read_their_names(organisations):
    """The database puts an accented capital after every plain letter ("School B" before "École A")."""
    with session(organisations) as s:
        organisation = organisation_store.organisation_by_bce(s, "0234567873")
        organisation_store.add_school(s, organisation, "0203430576", "fwb", "Athénée Z")
        s.commit()
        names = [row.name for row in organisation_store.schools_of(s.connection(), organisation.id)]
    assert names == ["Athénée Z", "École A", "School B"]


@pytest.mark.parametrize("lang, moved_to", [("fr", "/overview"), ("de", "/status"), ("fr", "/new")])
async def test_a_document_goes_only_to_the_request_on_screen(app, lang, moved_to):
    """A request opened, then a list or a new request shown: a file sent next went to that old request."""
    chat = _speaking(app, 1001, lang)
    await to_summary(chat)
    ticket = TICKET.search(await confirm(chat)).group(0)
    await chat.send(f"/status {ticket}")
    await chat.send(moved_to)
    if moved_to == "/new":
        await chat.send("/cancel")
    reply = await _upload(chat, "preavis.pdf", b"%PDF-1.4\n% notice\n")
    assert "/status" in reply and ticket not in reply
    with session(app.bot_data["engine"].db) as s:
        assert s.exec(select(Attachment)).all() == []
    await chat.send(f"/status {ticket}")
    reply = await _upload(chat, "preavis.pdf", b"%PDF-1.4\n% notice\n")
    assert ticket in reply and "preavis.pdf" in reply
