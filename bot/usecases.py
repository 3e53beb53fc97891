"""A request's life, written once for every channel (the chat and the Mini App so far): each use case checks the
member's permission from the role matrix, works in the caller's transaction (it never commits), writes its audit line
and logs what happened (never a NISS). A refusal is an exception the channel words in its own way."""
from __future__ import annotations

import logging
from pathlib import Path

from sqlmodel import Session

from bot.core.views import Document
from bot.documents import attachment_document
from bot.domain.roles import Permission
from bot.storage import repository
from bot.storage.models import Attachment, LeaveRequest, Organisation

log = logging.getLogger(__name__)


class NotAllowed(Exception):
    """The member's roles do not allow this."""

    def __init__(self, permission: Permission):
        super().__init__(permission)
        self.permission = permission


class TooLate(Exception):
    """ONEM has decided (or the request is cancelled): the organisation can no longer change it."""

    def __init__(self, request: LeaveRequest):
        super().__init__(request.ticket)
        self.request = request


def _needs(member, permission: Permission) -> None:
    if not member.may(permission):
        raise NotAllowed(permission)


def consult(session: Session, member, ticket: str) -> LeaveRequest | None:
    """A request of the member's organisation by its (checked) ticket, its consultation audited; None for any other
    ticket, answered like one that does not exist."""
    _needs(member, Permission.FOLLOW)
    request = repository.request_by_ticket(session, member.organisation_id, ticket)
    if request is not None:
        repository.audit(session, member, "consulted", request)
    return request


def cancel(session: Session, member, request: LeaveRequest, channel: str) -> None:
    """Cancel a request ONEM has not decided on yet (its row locked while it is checked); TooLate otherwise."""
    _needs(member, Permission.CANCEL)
    if not repository.cancel_request(session, member, request):
        raise TooLate(request)
    repository.audit(session, member, "cancelled", request)
    log.info("request %s cancelled by member %s (%s)", request.ticket, member.id, channel)


def receipt(session: Session, member, request: LeaveRequest, lang: str) -> Document:
    """The acknowledgement as a PDF in the member's language, the NISS masked unless their roles show it."""
    from bot.receipt import receipt_pdf  # fpdf2 is loaded only when someone asks for a receipt

    _needs(member, Permission.FOLLOW)
    organisation = session.get(Organisation, member.organisation_id)
    data = receipt_pdf(session, request, organisation, lang, reveal=member.may(Permission.READ_NISS))
    repository.audit(session, member, "receipt", request)
    return Document(f"acknowledgement-{request.ticket}.pdf", data=data)


def document(session: Session, member, attachment_id: int, folder: Path
             ) -> tuple[Attachment, LeaveRequest, Document] | None:
    """One document of a request of the member's organisation, sent back as <ticket>-<n>.<type>; None when there is
    no such document there."""
    _needs(member, Permission.FOLLOW)
    attachment = repository.attachment_by_id(session, member.organisation_id, attachment_id)
    if attachment is None:
        return None
    request = repository.request_by_id(session, member.organisation_id, attachment.request_id)
    repository.audit(session, member, "attachment", request, attachment.filename)
    return attachment, request, attachment_document(attachment, request.ticket, folder)
