"""The e-mail outbox against a real SMTP server on 127.0.0.1 (aiosmtpd): delivered once, kept while it is down."""
from __future__ import annotations

import asyncio
import datetime as dt
import email
import socket
from email import policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlmodel import select

from bot.mail import deliver_job, deliver_pending, enqueue_acknowledgement
from bot.settings import Settings
from bot.storage.database import session
from bot.storage.models import OutboxMail
from tests.test_receipt import filed_request, pdf_text

SENDER = "Breakbot <breakbot@example.be>"
# A little ahead of the clock, so that mails queued during the test (due at once) are due at T0.
T0 = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).replace(microsecond=0)


class Mailbox:
    """An aiosmtpd handler that keeps every message and refuses the addresses it is told to."""

    def __init__(self, refuse=()):
        self.envelopes, self.refuse = [], set(refuse)

    async def handle_RCPT(self, server, smtp_session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, smtp_session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        # As a mail client stores it: the SMTP line ends (CRLF) become the local ones.
        return [email.message_from_bytes(e.content.replace(b"\r\n", b"\n"), policy=policy.default)
                for e in self.envelopes]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """Start and stop a real SMTP server on a fixed local port."""

    def __init__(self, port: int, **smtp_parameters):
        self.port, self.smtp_parameters, self.mailbox, self.controller = port, smtp_parameters, Mailbox(), None

    def start(self, mailbox: Mailbox | None = None) -> Mailbox:
        self.mailbox = mailbox or self.mailbox
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **self.smtp_parameters)
        self.controller.start()
        return self.mailbox

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = Server(free_port())
    yield server
    server.stop()


def settings_for(port: int, **extra) -> Settings:
    """The test server speaks plain SMTP (the default is STARTTLS): said so, unless a test asks for TLS."""
    return Settings(_env_file=None, smtp_host="127.0.0.1", smtp_port=port, smtp_from=SENDER,
                    **({"smtp_tls": "none"} | extra))


def outbox(db) -> list[OutboxMail]:
    with session(db) as s:
        return list(s.exec(select(OutboxMail).order_by(OutboxMail.id)))


def queue(db, recipient="secretariat@po-y.be", lang="fr", **fields):
    request, organisation = filed_request(db, **fields)
    with session(db) as s:
        mail = enqueue_acknowledgement(s, request, organisation, recipient, lang)
        s.commit()  # as the turn that files the request does
        return mail, request


def deliver(db, settings, now=T0):
    with session(db) as s:
        return deliver_pending(s, settings, now=now)


def test_a_queued_acknowledgement_is_delivered_once_with_its_pdf(organisations, smtp_server):
    mailbox = smtp_server.start()
    mail, request = queue(organisations)
    settings = settings_for(smtp_server.port)
    assert deliver(organisations, settings) == (1, 0)
    assert deliver(organisations, settings) == (0, 0)
    [envelope] = mailbox.envelopes
    assert envelope.mail_from == "breakbot@example.be" and envelope.rcpt_tos == ["secretariat@po-y.be"]
    [message] = mailbox.messages()
    assert message["Subject"] == mail.subject and request.ticket in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "Accusé de réception" in body and request.ticket in body and "École A (0876.543.270)" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"accuse-de-reception-{request.ticket}.pdf"  # in the recipient's language
    pdf = attachment.get_content()
    assert pdf == mail.attachment and pdf.startswith(b"%PDF-") and request.ticket in pdf_text(pdf)
    [row] = outbox(organisations)
    assert row.sent_at == T0 and row.attempts == 0 and row.last_error is None


def test_utf8_subject_and_body_arrive_intact(organisations, smtp_server):
    mailbox = smtp_server.start()
    with session(organisations) as s:
        s.add(OutboxMail(recipient="secretariat@po-y.be", subject="Accusé de réception – Empfangsbestätigung ’",
                         body="Zoë Müller, Œuvre Saint-Thérèse …\n", next_attempt_at=T0))
        s.commit()
    assert deliver(organisations, settings_for(smtp_server.port)) == (1, 0)
    raw_subject = next(line for line in mailbox.envelopes[0].content.split(b"\r\n") if line.startswith(b"Subject:"))
    assert raw_subject.isascii() and b"utf-8" in raw_subject.lower()  # RFC 2047, readable by any server
    [message] = mailbox.messages()
    assert message["Subject"] == "Accusé de réception – Empfangsbestätigung ’"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == "Zoë Müller, Œuvre Saint-Thérèse …\n"


def test_a_server_that_is_down_loses_nothing(organisations, smtp_server):
    queue(organisations)
    settings = settings_for(smtp_server.port)  # nothing listens on the port yet
    assert deliver(organisations, settings) == (0, 1)
    [row] = outbox(organisations)
    assert row.sent_at is None and row.attempts == 1 and row.next_attempt_at > T0
    assert "Connection" in row.last_error
    mailbox = smtp_server.start()
    assert deliver(organisations, settings, now=T0 + dt.timedelta(seconds=30)) == (0, 0)  # not due yet
    assert mailbox.envelopes == []
    assert deliver(organisations, settings, now=row.next_attempt_at + dt.timedelta(seconds=1)) == (1, 0)
    assert len(mailbox.envelopes) == 1
    assert deliver(organisations, settings, now=row.next_attempt_at + dt.timedelta(hours=5)) == (0, 0)
    assert len(mailbox.envelopes) == 1
    [row] = outbox(organisations)
    assert row.sent_at is not None and row.attempts == 1


def test_retries_back_off_up_to_an_hour(organisations, smtp_server):
    queue(organisations)
    settings, now, waits = settings_for(smtp_server.port), T0, []
    for _ in range(9):
        assert deliver(organisations, settings, now=now) == (0, 1)
        [row] = outbox(organisations)
        waits.append((row.next_attempt_at - now) // dt.timedelta(minutes=1))
        now = row.next_attempt_at
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert row.attempts == 9


def test_a_refused_recipient_does_not_hold_back_the_next_mail(organisations, smtp_server):
    mailbox = smtp_server.start(Mailbox(refuse={"gone@po-y.be"}))
    queue(organisations, recipient="gone@po-y.be")
    queue(organisations, recipient="secretariat@po-y.be")
    assert deliver(organisations, settings_for(smtp_server.port)) == (1, 1)
    refused, delivered = outbox(organisations)
    assert refused.sent_at is None and refused.attempts == 1 and "550" in refused.last_error
    assert delivered.sent_at == T0
    assert [e.rcpt_tos for e in mailbox.envelopes] == [["secretariat@po-y.be"]]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_is_used_and_a_refused_login_does_not_store_the_password(organisations):
    def authenticator(server, smtp_session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (b"po-y", b"right-S3cret")
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 235 or 535 itself

    server = Server(free_port(), authenticator=authenticator, auth_required=True, auth_require_tls=False)
    mailbox = server.start()
    try:
        queue(organisations)
        wrong = settings_for(server.port, smtp_user="po-y", smtp_password="wrong-S3cret")
        assert deliver(organisations, wrong) == (0, 1)
        [row] = outbox(organisations)
        assert "Authentication" in row.last_error and "S3cret" not in row.last_error
        right = settings_for(server.port, smtp_user="po-y", smtp_password="right-S3cret")
        assert deliver(organisations, right, now=row.next_attempt_at) == (1, 0)
        assert len(mailbox.envelopes) == 1
    finally:
        server.stop()


@pytest.mark.parametrize("tls, error", [("starttls", "STARTTLS"), ("ssl", "SSL")])
def test_a_tls_mismatch_is_a_failed_attempt_not_a_crash(organisations, smtp_server, tls, error):
    smtp_server.start()  # plain SMTP, without STARTTLS
    queue(organisations)
    assert deliver(organisations, settings_for(smtp_server.port, smtp_tls=tls)) == (0, 1)
    [row] = outbox(organisations)
    assert row.attempts == 1 and error in row.last_error


def test_nothing_is_sent_or_touched_while_mail_is_disabled(organisations):
    queue(organisations)
    assert deliver(organisations, Settings(_env_file=None, smtp_from=SENDER)) == (0, 0)
    [row] = outbox(organisations)
    assert row.attempts == 0 and row.sent_at is None


def test_enqueue_refuses_anything_but_one_address(organisations):
    for recipient in ("a@po-y.be, b@po-y.be", "a@po-y.be\r\nBcc: b@po-y.be", "not an address"):
        with pytest.raises(ValueError):
            queue(organisations, recipient=recipient)
    assert outbox(organisations) == []


async def test_the_job_delivers_with_the_application_settings(organisations, smtp_server):
    mailbox = smtp_server.start()
    queue(organisations)
    bot_data = {"settings": settings_for(smtp_server.port), "engine": SimpleNamespace(db=organisations)}
    await deliver_job(SimpleNamespace(application=SimpleNamespace(bot_data=bot_data)))
    assert len(mailbox.envelopes) == 1 and outbox(organisations)[0].sent_at is not None


def test_smtp_settings_from_the_environment(monkeypatch):
    for name, value in {"SMTP_HOST": "smtp.po-y.be", "SMTP_PORT": "465", "SMTP_FROM": SENDER, "SMTP_USER": "po-y",
                        "SMTP_PASSWORD": "right-S3cret", "SMTP_TLS": "SSL"}.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_user, settings.smtp_tls) == \
        ("smtp.po-y.be", 465, SENDER, "po-y", "ssl")
    assert settings.smtp_password.get_secret_value() == "right-S3cret" and "S3cret" not in repr(settings)
    assert settings.mail_enabled
    monkeypatch.setenv("SMTP_HOST", " ")
    assert not Settings(_env_file=None).mail_enabled
    monkeypatch.setenv("SMTP_TLS", "tls")
    with pytest.raises(ValueError):
        Settings(_env_file=None)


def test_defaults_leave_mail_off():
    settings = Settings(_env_file=None)
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_tls, settings.mail_enabled) == (None, 25,
                                                                                                   "starttls", False)


class SlowMailbox(Mailbox):
    """A server that stores the message, then answers after the client has given up (once)."""

    def __init__(self):
        super().__init__()
        self.slow = True

    async def handle_DATA(self, server, smtp_session, envelope):
        self.envelopes.append(envelope)
        if self.slow:
            self.slow = False
            await asyncio.sleep(2)
        return "250 Message accepted for delivery"


def test_a_mail_sent_again_after_a_late_answer_is_the_same_message(organisations, smtp_server, monkeypatch):
    """The server kept the mail but answered after the timeout: the outbox sends it again, and both copies carry
    the same Message-ID and Date, so a mail client shows it once."""
    import bot.mail

    monkeypatch.setattr(bot.mail, "TIMEOUT", 0.5)
    mailbox = smtp_server.start(SlowMailbox())
    queue(organisations)
    settings = settings_for(smtp_server.port)
    assert deliver(organisations, settings) == (0, 1)  # timed out: not known to have gone
    [row] = outbox(organisations)
    assert deliver(organisations, settings, now=row.next_attempt_at + dt.timedelta(seconds=1)) == (1, 0)
    first, second = mailbox.messages()
    assert first["Message-ID"] == second["Message-ID"] and first["Date"] == second["Date"]
    assert first["Message-ID"].startswith("<outbox-") and first["Message-ID"].endswith("@example.be>")
