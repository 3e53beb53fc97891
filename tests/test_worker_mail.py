"""The worker's next step by e-mail: queued when a request is filed, in the language of the worker's Community,
delivered through the outbox to a real SMTP server, written in the request's history, and sent again on request (the
chat and the Mini App)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from bot.dialogs.actions import ASK_CANCEL, CANCEL, WORKER_MAIL
from bot.storage import organisation_store
from bot.storage.database import session
from bot.storage.models import AuditEntry, LeaveRequest, OutboxMail, RequestEvent
from bot.webapp.server import WebOptions, create_app
from tests.conftest import ORG_BCE, SCHOOL_FWB, SCHOOL_VL, Chat, RecordingRequest, enrol, make_app
from tests.test_intake_dialog import TICKET, confirm, to_summary
from tests.test_mail import Server, deliver, free_port, outbox, settings_for
from tests.test_webapp_api import TOKEN, as_user

SCHOOL_DG = "0200000043"
WORKER = "marie.dupont@example.be"
FULL_NISS = ("85.03.14-123.02", "85031412302")
MASKED_NISS = "85.**.**-***.02"


@pytest.fixture
def smtp():
    """A real SMTP server on a local port, started by the test when it wants the mail taken."""
    server = Server(free_port())
    yield server
    server.stop()


@pytest.fixture
async def mail_app(organisations):
    """The application with a mail server configured, and a school of each Community."""
    with session(organisations) as s:
        organisation_store.add_school(s, organisation_store.organisation_by_bce(s, ORG_BCE), SCHOOL_DG, "dg",
                                      "Schule C")
        s.commit()
    now = [dt.datetime.now(dt.UTC)]
    recorder = RecordingRequest()
    app = await make_app(organisations, recorder, clock=lambda: now[0], mail_enabled=True)
    app.recorder, app.now = recorder, now
    yield app
    await app.shutdown()


async def file(chat: Chat, email: str | None = WORKER, community="fwb", school=SCHOOL_FWB,
               niss="85.03.14-123.02") -> str:
    """The intake to its end, with the worker's e-mail (or none); returns the ticket."""
    await to_confirmation(chat, email, community, school, niss)
    return TICKET.search(await confirm(chat)).group(0)


async def to_confirmation(chat: Chat, email: str | None = WORKER, community="fwb", school=SCHOOL_FWB,
                          niss="85.03.14-123.02") -> str:
    """The intake up to its confirmation page, which it returns."""
    return await to_summary(chat, community=community, school=school, niss=niss, email=email,
                            status="statutory" if community else "contractual")


def worker_mails(db) -> list[OutboxMail]:
    return [mail for mail in outbox(db) if mail.request_id is not None]


# What each language says, as the worker reads it: the subject, the citizens' application by its name there, the
# status the request waits in.
SAID = {
    "fr": ("complétez votre partie auprès de l'ONEM", "Dossier Interruption de carrière et crédit-temps",
           "En attente d'info du travailleur", "Bonjour Marie DUPONT"),
    "nl": ("vul uw deel aan bij de RVA", "Dossier Loopbaanonderbreking en tijdskrediet",
           "In afwachting van inlichtingen van de werknemer", "Beste Marie DUPONT"),
    "de": ("Ergänzen Sie Ihren Teil beim LfA", "Akte Laufbahnunterbrechung und Zeitkredit",
           "Wartet auf Angaben des Arbeitnehmers", "Guten Tag Marie DUPONT"),
}


@pytest.mark.parametrize("community, school, lang", [("fwb", SCHOOL_FWB, "fr"), ("vl", SCHOOL_VL, "nl"),
                                                      ("dg", SCHOOL_DG, "de")])
async def test_the_worker_gets_the_ticket_and_their_next_step_in_their_communitys_language(
        mail_app, smtp, community, school, lang):
    db = mail_app.bot_data["engine"].db
    enrol(db, 1001)
    chat = Chat(mail_app, mail_app.recorder, 1001, "fr")  # the member speaks French, whatever the school's language
    ticket = await file(chat, community=community, school=school)
    [queued] = worker_mails(db)
    assert queued.recipient == WORKER and queued.sent_at is None
    mailbox = smtp.start()
    assert deliver(db, settings_for(smtp.port), now=mail_app.now[0] + dt.timedelta(seconds=1)) == (1, 0)
    [envelope] = mailbox.envelopes
    assert envelope.rcpt_tos == [WORKER]
    [message] = mailbox.messages()
    body = message.get_body(("plain",)).get_content()
    subject, application, waiting, greeting = SAID[lang]
    assert ticket in message["Subject"] and subject in message["Subject"]
    assert ticket in body and application in body and waiting in body and greeting in body
    assert MASKED_NISS in body and not any(niss in body for niss in FULL_NISS)
    assert not any(niss in message["Subject"] for niss in FULL_NISS)
    others = [said for other, said in SAID.items() if other != lang]
    assert not any(application in body for _s, application, _w, _g in others)  # one language, not a mix


async def test_the_history_says_when_the_e_mail_left(mail_app, smtp):
    db = mail_app.bot_data["engine"].db
    enrol(db, 1001)
    chat = Chat(mail_app, mail_app.recorder, 1001, "fr")
    summary = await to_confirmation(chat)
    assert f"le travailleur reçoit le numéro de ticket et sa prochaine étape à l'adresse {WORKER}" in summary
    ticket = TICKET.search(await confirm(chat)).group(0)
    shown = await chat.send(f"/status {ticket}")
    assert f"E-mail au travailleur en attente d'envoi ({WORKER})" in shown
    assert "envoyé au travailleur" not in shown
    with session(db) as s:
        assert [e.kind for e in s.exec(select(RequestEvent))] == ["filed"]
    settings = settings_for(smtp.port)
    assert deliver(db, settings, now=mail_app.now[0] + dt.timedelta(seconds=1)) == (0, 1)  # the server is down
    with session(db) as s:
        assert [e.kind for e in s.exec(select(RequestEvent))] == ["filed"]  # not sent: not in the history
    smtp.start()
    assert deliver(db, settings, now=mail_app.now[0] + dt.timedelta(minutes=2)) == (1, 0)
    with session(db) as s:
        events = s.exec(select(RequestEvent).order_by(RequestEvent.id)).all()
    assert [e.kind for e in events] == ["filed", "worker mail"] and events[1].member_id is None
    shown = await chat.send(f"/status {ticket}")
    assert f"e-mail envoyé au travailleur avec sa prochaine étape ({WORKER})" in shown
    assert "en attente d'envoi" not in shown


async def test_own_staff_are_written_to_in_the_language_of_the_member_who_files(mail_app, smtp):
    db = mail_app.bot_data["engine"].db
    enrol(db, 2002, roles=("employer",))
    chat = Chat(mail_app, mail_app.recorder, 2002, "nl")
    ticket = await file(chat, community=None)
    mailbox = smtp.start()
    assert deliver(db, settings_for(smtp.port), now=mail_app.now[0] + dt.timedelta(seconds=1)) == (1, 0)
    [message] = mailbox.messages()
    body = message.get_body(("plain",)).get_content()
    assert ticket in message["Subject"] and SAID["nl"][0] in message["Subject"] and SAID["nl"][1] in body
    assert "PO Y, uw werkgever" in body


async def test_no_e_mail_without_the_workers_address(mail_app):
    db = mail_app.bot_data["engine"].db
    enrol(db, 1001)
    chat = Chat(mail_app, mail_app.recorder, 1001)
    ticket = await file(chat, email=None)
    assert worker_mails(db) == []
    await chat.send(f"/status {ticket}")
    assert not any(b["callback_data"] == WORKER_MAIL.pack(ticket) for b in chat.keyboard)
    reply = await chat.press(WORKER_MAIL.pack(ticket))  # a forged or stale button
    assert "Cette demande ne mentionne pas d'adresse e-mail pour le travailleur." in reply and worker_mails(db) == []


async def test_nothing_is_queued_or_offered_without_a_mail_server(chat):
    db = chat.app.bot_data["engine"].db
    assert "prochaine étape" not in await to_confirmation(chat)  # nothing will go to the worker: not said
    ticket = TICKET.search(await confirm(chat)).group(0)
    with session(db) as s:
        assert s.exec(select(LeaveRequest)).one().email == WORKER
    assert outbox(db) == []
    await chat.send(f"/status {ticket}")
    assert not any(b["callback_data"] == WORKER_MAIL.pack(ticket) for b in chat.keyboard)
    reply = await chat.press(WORKER_MAIL.pack(ticket))
    assert "pas de serveur de messagerie" in reply and outbox(db) == []


async def test_sending_again_is_offered_audited_and_not_twice_in_a_few_minutes(mail_app):
    db = mail_app.bot_data["engine"].db
    enrol(db, 1001)
    chat = Chat(mail_app, mail_app.recorder, 1001)
    ticket = await file(chat)
    await chat.send(f"/status {ticket}")
    reply = await chat.tap(WORKER_MAIL.pack(ticket))
    assert "patientez" in reply.casefold() and len(worker_mails(db)) == 1  # the filing's own, a moment ago
    mail_app.now[0] += dt.timedelta(minutes=6)
    await chat.send(f"/status {ticket}")
    reply = await chat.tap(WORKER_MAIL.pack(ticket))
    assert f"en route vers le travailleur ({WORKER})" in reply
    first, again = worker_mails(db)
    assert again.body == first.body and again.subject == first.subject and again.sent_at is None
    reply = await chat.press(WORKER_MAIL.pack(ticket))  # a second tap
    assert "patientez" in reply.casefold() and len(worker_mails(db)) == 2
    with session(db) as s:
        [entry] = s.exec(select(AuditEntry).where(AuditEntry.action == "worker mail")).all()
    assert entry.member_id is not None and entry.detail == WORKER


async def test_a_cancelled_request_is_not_sent_again(mail_app):
    db = mail_app.bot_data["engine"].db
    enrol(db, 1001)
    chat = Chat(mail_app, mail_app.recorder, 1001)
    ticket = await file(chat)
    await chat.press(ASK_CANCEL.pack(ticket))
    shown = await chat.tap(CANCEL.pack(ticket))
    assert "annulée" in shown and not any(b["callback_data"] == WORKER_MAIL.pack(ticket) for b in chat.keyboard)
    mail_app.now[0] += dt.timedelta(minutes=6)
    reply = await chat.press(WORKER_MAIL.pack(ticket))
    assert "Annulée" in reply and "attend" in reply and len(worker_mails(db)) == 1


async def test_the_mini_app_sends_it_again_through_the_same_use_case(mail_app):
    db = mail_app.bot_data["engine"].db
    enrol(db, 1001)
    chat = Chat(mail_app, mail_app.recorder, 1001)
    with_address, without = await file(chat), await file(chat, email=None, niss="90.11.02-246.12")
    options = WebOptions(db=db, bot_token=TOKEN, mail_enabled=True, now=lambda: mail_app.now[0])
    with TestClient(create_app(options)) as web:
        assert web.get(f"/api/requests/{without}", headers=as_user(1001)).json()["may_mail_worker"] is False
        refused = web.post(f"/api/requests/{without}/worker-mail", headers=as_user(1001))
        assert refused.status_code == 409 and "pas d'adresse e-mail" in refused.json()["error"]
        assert web.get(f"/api/requests/{with_address}", headers=as_user(1001)).json()["may_mail_worker"] is True
        too_soon = web.post(f"/api/requests/{with_address}/worker-mail", headers=as_user(1001))
        assert too_soon.status_code == 429 and "Patientez" in too_soon.json()["error"]
        mail_app.now[0] += dt.timedelta(minutes=6)
        sent = web.post(f"/api/requests/{with_address}/worker-mail", headers=as_user(1001)).json()
        assert f"en route vers le travailleur ({WORKER})" in sent["message"] and sent["ticket"] == with_address
        assert len(worker_mails(db)) == 2
    options.mail_enabled = False
    with TestClient(create_app(options)) as web:
        assert web.get(f"/api/requests/{with_address}", headers=as_user(1001)).json()["may_mail_worker"] is False
        refused = web.post(f"/api/requests/{with_address}/worker-mail", headers=as_user(1001))
        assert refused.status_code == 409 and "pas de serveur de messagerie" in refused.json()["error"]
    assert len(worker_mails(db)) == 2
