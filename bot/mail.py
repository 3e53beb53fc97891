"""E-mail through an outbox table, sent and retried by a job, so that a mail server that is down loses nothing."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import smtplib
import ssl
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from sqlmodel import Session, select

from bot.domain.answers import aware, parse_email
from bot.domain.errors import Invalid
from bot.i18n import N_, render, t
from bot.receipt import TITLE, receipt_filename, receipt_lines, receipt_pdf
from bot.settings import Settings
from bot.storage import request_store
from bot.storage.database import session as open_session
from bot.storage.models import LeaveRequest, Organisation, OutboxMail, utcnow

log = logging.getLogger(__name__)
TIMEOUT = 10  # seconds per SMTP operation: a hung server must not hold the job for long
FIRST_RETRY = dt.timedelta(minutes=1)
LAST_RETRY = dt.timedelta(hours=1)
# What a delivery can raise; ValueError covers a non-ASCII login or address the server cannot take.
DELIVERY_ERRORS = (OSError, smtplib.SMTPException, ValueError)


def checked_address(recipient: str) -> str:
    """The one rule for an address, the chat's (bot.domain.answers.parse_email); ValueError when it fails."""
    try:
        return parse_email(recipient)
    except Invalid:
        raise ValueError("recipient must be one e-mail address") from None


def enqueue_acknowledgement(session: Session, request: LeaveRequest, organisation: Organisation, recipient: str,
                            lang: str) -> OutboxMail:
    """Queue the acknowledgement of a filed request, with its PDF, in the recipient's language.

    Raises ValueError when recipient is not one plain address (a list or a header would be sent as typed).
    """
    recipient = checked_address(recipient)
    subject = render(t(N_("Acknowledgement of request {ticket}"), ticket=request.ticket), lang)
    # E-mail travels and lingers in mailboxes: the NISS in it is masked, in the text and in the PDF.
    lines = [t(TITLE), "", *receipt_lines(session, request, organisation, reveal=False), "",
             t(N_("The acknowledgement is attached as a PDF."))]
    mail = OutboxMail(recipient=recipient, subject=" ".join(subject.split())[:200],
                      body="\n".join(render(line, lang) for line in lines) + "\n",
                      attachment_name=receipt_filename(request.ticket, lang),
                      attachment=receipt_pdf(session, request, organisation, lang, reveal=False))
    session.add(mail)  # stored with the turn that filed the request, or not at all
    return mail


def enqueue_code(session: Session, recipient: str, code: str, minutes: int, lang: str) -> OutboxMail:
    """Queue the code that proves the member owns this address (sent before any acknowledgement goes there)."""
    subject = render(t(N_("Your confirmation code: {code}"), code=code), lang)
    body = [t(N_("Type this code in the chat to confirm that acknowledgements may be sent to this address: {code}"),
              code=code),
            t(N_("It is valid {minutes} minutes. If you did not ask for it, ignore this e-mail."), minutes=minutes)]
    mail = OutboxMail(recipient=checked_address(recipient), subject=subject[:200],
                      body="\n".join(render(line, lang) for line in body) + "\n")
    session.add(mail)  # stored with the turn that asked for it
    return mail


def build_message(mail: OutboxMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    # The date and the Message-ID are the e-mail's, not the attempt's: a message sent again after a server that took
    # it but answered too late is the same message, which mail clients show once.
    message["Date"] = format_datetime(aware(mail.created_at))
    domain = parseaddr(sender)[1].rpartition("@")[2] or "breakbot.invalid"
    message["Message-ID"] = f"<outbox-{mail.id}-{aware(mail.created_at):%Y%m%d%H%M%S%f}@{domain}>"
    # Quoted-printable keeps the body 7-bit, so a server without 8BITMIME still takes the accents.
    message.set_content(mail.body, charset="utf-8", cte="quoted-printable")
    if mail.attachment is not None:
        message.add_attachment(mail.attachment, maintype="application", subtype="pdf",
                               filename=mail.attachment_name or "attachment.pdf")
    return message


def connect(settings: Settings) -> smtplib.SMTP:
    if settings.smtp_tls == "ssl":
        smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT)
    try:
        if settings.smtp_tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_user, password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _quit(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _describe(error: Exception, settings: Settings) -> str:
    text = " ".join(f"{type(error).__name__}: {error}".split())
    if settings.smtp_password and settings.smtp_password.get_secret_value():
        text = text.replace(settings.smtp_password.get_secret_value(), "***")
    return text[:300]


def _failed(mail: OutboxMail, error: str, now: dt.datetime) -> None:
    mail.attempts += 1
    mail.last_error = error
    # 1, 2, 4 ... minutes, then hourly: a short outage clears fast, a long one does not hammer the server.
    mail.next_attempt_at = now + min(FIRST_RETRY * 2 ** min(mail.attempts - 1, 10), LAST_RETRY)
    log.warning("E-mail %s not sent (attempt %s): %s", mail.id, mail.attempts, error)


def deliver_pending(session: Session, settings: Settings, now: dt.datetime | None = None,
                    limit: int = 50) -> tuple[int, int]:
    """Send the queued e-mails that are due; returns (sent, failed). Never raises for a delivery problem."""
    if not settings.mail_enabled:
        return 0, 0
    now = now or utcnow()
    now = now.astimezone(dt.UTC) if now.tzinfo else now.replace(tzinfo=dt.UTC)
    due = session.exec(select(OutboxMail).where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= now)
                       .order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit)).all()
    sent = failed = 0
    smtp = None
    try:
        for index, mail in enumerate(due):
            try:
                message = build_message(mail, settings.smtp_from)
            except (ValueError, TypeError, MessageError) as error:  # a malformed row: it cannot be a message
                _failed(mail, _describe(error, settings), now)
                failed += 1
                session.commit()
                continue
            if smtp is None:
                try:
                    smtp = connect(settings)
                except DELIVERY_ERRORS as error:
                    # The server is down or refuses us: every mail left would fail alike, each after a timeout.
                    for rest in due[index:]:
                        _failed(rest, _describe(error, settings), now)
                    failed += len(due) - index
                    session.commit()
                    break
            try:
                # Only the stored recipient, whatever the headers might be parsed into.
                smtp.send_message(message, to_addrs=[mail.recipient])
            except DELIVERY_ERRORS as error:
                _failed(mail, _describe(error, settings), now)
                failed += 1
                # The connection may be broken or mid-transaction: the next mail gets a fresh one.
                _quit(smtp)
                smtp = None
            else:
                mail.sent_at = now
                if mail.request_id is not None:  # the worker's e-mail: its request's history says it left, with it
                    request_store.worker_mailed(session, mail.request_id, mail.recipient, now)
                sent += 1
            # One commit per mail: a crash later in the batch does not send the earlier ones again.
            session.commit()
    finally:
        _quit(smtp)
    return sent, failed


def _deliver(db, settings: Settings) -> tuple[int, int]:
    with open_session(db) as session:
        return deliver_pending(session, settings)


async def deliver_job(context) -> None:
    """Job of the bot process (telegram.Jobs): send what is due, in a thread so that SMTP waits do not block the bot."""
    settings = context.application.bot_data["settings"]
    if not settings.mail_enabled:
        return
    sent, failed = await asyncio.to_thread(_deliver, context.application.bot_data["engine"].db, settings)
    if sent or failed:
        log.info("E-mail outbox: %s sent, %s failed", sent, failed)
