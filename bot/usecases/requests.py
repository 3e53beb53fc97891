"""A request's life, written once for every channel: file, consult, modify, cancel, give the acknowledgement, attach
a document and send one back, send the worker their next step, record ONEM's decision, export. See
bot/usecases/__init__.py for what each one does."""
from __future__ import annotations

import datetime as dt
import json
import logging
import math
from pathlib import Path

from sqlalchemy.engine import Connection
from sqlmodel import Session

from bot import documents, notifications
from bot.core.views import Document, Upload
from bot.domain.answers import aware
from bot.domain.leaves import UNDECIDED, Capacity, Status, label
from bot.domain.records import AuditAction, EventKind
from bot.domain.roles import Permission, roles_capacities
from bot.export import Exports, export_csv, export_filename, json_of
from bot.i18n import N_, Capitalized, t
from bot.presentation.filters import Filters
from bot.storage import audit, request_store
from bot.storage.models import Attachment, LeaveRequest, Organisation, OutboxMail, RequestEvent
from bot.usecases.common import Busy, NotAllowed, TooLate, Unacceptable, needs
from bot.worker_mail import enqueue_worker_mail, last_worker_mail

log = logging.getLogger(__name__)
Outdated = request_store.Outdated  # a modification begun on a version of the request that changed since
WORKER_MAIL_PAUSE = dt.timedelta(minutes=5)  # a second tap, or a colleague's, does not send the worker two e-mails
# What every channel says when the worker's e-mail is queued again, or refused as too soon (Busy).
WORKER_MAIL_QUEUED = N_("The e-mail with their next step is on its way to the worker ({email}): the history will "
                        "show when it has left.")
WORKER_MAIL_WAIT = N_("The worker was sent this e-mail less than {minutes} minutes ago. Wait a few minutes before "
                      "sending it again.")


def file(connection: Connection, session: Session, member, draft_id: int | None, fields: dict, now: dt.datetime, *,
         email: str | None = None, lang: str = "fr", batch: tuple[int, int] | None = None, source: str = "chat",
         mail_enabled: bool = False):
    """Store a request once per draft, or per line of a spreadsheet (`batch`) (its "filed" event is its audit line),
    and queue the confirmation e-mail to a proved `email`, if any. The member must be allowed to file, in that
    capacity. With a mail server (`mail_enabled`), the worker is sent their next step at the address the request
    gives, if any."""
    needs(member, Permission.FILE)
    if Capacity(fields["capacity"]) not in roles_capacities(member.role_set):
        raise NotAllowed(Permission.FILE)
    request = request_store.file_request(connection, member, draft_id, fields, now, batch=batch, source=source)
    log.info("request %s filed by member %s", request.ticket, member.id)
    if email and request.confirmation_email:
        from bot.mail import enqueue_acknowledgement  # the PDF library is loaded only with a mail server

        enqueue_acknowledgement(session, request, session.get(Organisation, member.organisation_id), email, lang)
    if mail_enabled and request.email:
        try:
            enqueue_worker_mail(session, request, lang, now)
        except ValueError:  # an address that is not one plain address: the filing stands, without the e-mail
            log.warning("request %s: the worker's e-mail address is not usable, nothing sent", request.ticket)
    return request


def send_worker_mail(session: Session, member, request: LeaveRequest, lang: str, now: dt.datetime, *,
                     mail_enabled: bool) -> OutboxMail:
    """Queue again the e-mail that tells the worker their next step, audited. Refused without a mail server, without
    the worker's address, once the request no longer waits for the worker (cancelled, or their part done), and
    within WORKER_MAIL_PAUSE of the last one (Busy)."""
    needs(member, Permission.MAIL_WORKER)
    if not mail_enabled:
        raise Unacceptable(t(N_("This bot has no mail server: it cannot send e-mails.")))
    if not request.email:
        raise Unacceptable(t(N_("This request has no e-mail address for the worker.")))
    request_store.lock_request(session, request)  # two taps at once queue one e-mail
    session.refresh(request)
    if request.status != Status.WAITING:
        raise Unacceptable(t(N_("Request {ticket} is \"{status}\": the worker is sent their next step only while "
                                "the request waits for them."), ticket=request.ticket,
                             status=Capitalized(label(Status(request.status)))))
    last = last_worker_mail(session, request)
    if last is not None and now - aware(last.created_at) < WORKER_MAIL_PAUSE:
        raise Busy(math.ceil((WORKER_MAIL_PAUSE - (now - aware(last.created_at))).total_seconds()))
    mail = enqueue_worker_mail(session, request, lang, now)
    audit.record(session, member, AuditAction.WORKER_MAIL, request, mail.recipient)
    log.info("request %s: worker's e-mail queued again by member %s", request.ticket, member.id)
    return mail


def consult(session: Session, member, ticket: str) -> LeaveRequest | None:
    """A request of the member's organisation by its (checked) ticket, its consultation audited; None for any other
    ticket, answered like one that does not exist."""
    needs(member, Permission.FOLLOW)
    request = request_store.request_by_ticket(session, member.organisation_id, ticket)
    if request is not None:
        audit.record(session, member, AuditAction.CONSULTED, request)
    return request


def modify(session: Session, member, request: LeaveRequest, changed: dict, version: int) -> dict:
    """Write what the member changed onto the request as they saw it (`version`): the changes, each [before,
    after]. TooLate once ONEM has decided; Outdated when the request changed since."""
    needs(member, Permission.MODIFY)
    if request.status not in UNDECIDED:
        raise TooLate(request)
    changes = request_store.modify_request(session, member, request, changed, version)
    if changes:
        audit.record(session, member, AuditAction.MODIFIED, request, ", ".join(sorted(changes)))
        log.info("request %s modified by member %s", request.ticket, member.id)
    return changes


def cancel(session: Session, member, request: LeaveRequest, channel: str) -> None:
    """Cancel a request ONEM has not decided on yet (its row locked while it is checked); TooLate otherwise."""
    needs(member, Permission.CANCEL)
    if not request_store.cancel_request(session, member, request):
        raise TooLate(request)
    audit.record(session, member, AuditAction.CANCELLED, request)
    log.info("request %s cancelled by member %s (%s)", request.ticket, member.id, channel)


def receipt(session: Session, member, request: LeaveRequest, lang: str) -> Document:
    """The acknowledgement as a PDF in the member's language, the NISS masked unless their roles show it."""
    from bot.receipt import receipt_filename, receipt_pdf  # fpdf2 is loaded only when someone asks for one

    needs(member, Permission.FOLLOW)
    organisation = session.get(Organisation, member.organisation_id)
    data = receipt_pdf(session, request, organisation, lang, reveal=member.may(Permission.READ_NISS))
    audit.record(session, member, AuditAction.RECEIPT, request)
    return Document(receipt_filename(request.ticket, lang), data=data)


def receipts(session: Session, member, requests: list[LeaveRequest], lang: str, filename: str) -> Document:
    """The acknowledgements of several requests of the member's organisation (a spreadsheet's), as one ZIP of PDFs,
    each audited in this turn; the PDFs are made when the channel asks for the bytes, in a session of their own (a
    thousand take seconds: the chat makes them after its turn, off the event loop)."""
    import io
    import zipfile

    from bot.receipt import receipt_filename, receipt_pdf

    needs(member, Permission.FOLLOW)
    mine = [r for r in requests if r.organisation_id == member.organisation_id]
    for request in mine:
        audit.record(session, member, AuditAction.RECEIPT, request)
    reveal, ids = member.may(Permission.READ_NISS), [r.id for r in mine]
    engine = session.get_bind().engine

    def produce() -> bytes:
        out = io.BytesIO()
        with Session(engine) as own, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            organisation = own.get(Organisation, member.organisation_id)
            for request_id in ids:
                request = own.get(LeaveRequest, request_id)
                archive.writestr(receipt_filename(request.ticket, lang),
                                 receipt_pdf(own, request, organisation, lang, reveal=reveal))
        return out.getvalue()

    return Document(filename, produce=produce)


def document(session: Session, member, attachment_id: int, folder: Path
             ) -> tuple[Attachment, LeaveRequest, Document] | None:
    """One document of a request of the member's organisation, sent back as <ticket>-<n>.<type>; None when there is
    no such document there."""
    needs(member, Permission.FOLLOW)
    attachment = request_store.attachment_by_id(session, member.organisation_id, attachment_id)
    if attachment is None:
        return None
    request = request_store.request_by_id(session, member.organisation_id, attachment.request_id)
    audit.record(session, member, AuditAction.ATTACHMENT, request, attachment.filename)
    return attachment, request, documents.attachment_document(attachment, request.ticket, folder)


def attach(session: Session, member, request: LeaveRequest, upload: Upload, folder: Path,
           source: str = "chat") -> tuple[Attachment, RequestEvent | None]:
    """Add a document to a request: checked (type, size, how many) while the request is locked, numbered after its
    others, kept under a name of its own. `member` None is ONEM's side (an attestation): the request's history
    then says so and its organisation is told, as for a status change."""
    if member is not None:
        needs(member, Permission.ATTACH)
    request_store.lock_request(session, request)
    problem = documents.attachment_problem(upload, request, request_store.attachments_of(session, request),
                                           by_member=member is not None)
    if problem is not None:
        raise Unacceptable(problem)
    attachment = documents.add_document(session, member, request, upload, folder)
    # Every document is a line of the request's history, whoever added it.
    event = RequestEvent(request_id=request.id, kind=EventKind.DOCUMENT, status=request.status, office=request.office,
                         member_id=member.id if member is not None else None, source=source,
                         changes=json.dumps({"document": [None, attachment.filename]}, ensure_ascii=False))
    session.add(event)
    session.flush()
    if member is None:  # ONEM's side: the organisation is told, as for a status change
        notifications.queue_for(session, request, event)
    else:
        audit.record(session, member, AuditAction.ATTACHED, request, attachment.filename)
    log.info("document %s added to request %s (%s)", attachment.number, request.ticket, source)
    return attachment, event


def decide(session: Session, request: LeaveRequest, status: Status, office: str | None,
           effective_date: dt.date | None, source: str) -> RequestEvent | None:
    """ONEM's side: a new status (and office) for a request, its history line, and its organisation told; None when
    that changes nothing."""
    office = office or request.office
    changes = {name: [before, after] for name, before, after in
               (("status", request.status, status.value), ("office", request.office, office)) if before != after}
    if not changes:
        return None
    request.status, request.office = status.value, office
    request.version += 1  # a modification begun before this change is refused, not written over it
    event = RequestEvent(request_id=request.id, kind=EventKind.STATUS, status=status.value, office=office,
                         changes=json.dumps(changes, ensure_ascii=False), member_id=None, source=source,
                         effective_date=effective_date)
    session.add(request)
    session.add(event)
    session.flush()  # the notifications point at the event's id
    notifications.queue_for(session, request, event)
    log.info("request %s: status %s (%s)", request.ticket, status.value, source)
    return event


def export(session: Session, member, filters: Filters, lang: str, exports: Exports, today: dt.date) -> Document:
    """Every request matching `filters` as a spreadsheet, full NISS, audited. One export at a time per member and a
    pause between two (Busy otherwise). The file is made when the channel asks for its bytes, in a session of its
    own (it may take seconds: the chat makes it after its turn, off the event loop)."""
    needs(member, Permission.EXPORT)
    wait = exports.start(member.id)
    if wait:
        raise Busy(wait)
    organisation = session.get(Organisation, member.organisation_id)
    audit.record(session, member, AuditAction.EXPORTED, detail=json_of(filters.described()))
    engine = session.get_bind().engine

    def produce() -> bytes:
        try:
            with Session(engine) as own:
                return export_csv(own, member, filters, lang)
        finally:
            exports.finish(member.id)

    return Document(export_filename(organisation, today), produce=produce)


__all__ = ["Busy", "NotAllowed", "Outdated", "TooLate", "Unacceptable", "attach", "cancel", "consult", "decide",
           "document", "export", "file", "modify", "receipt", "receipts", "send_worker_mail"]
