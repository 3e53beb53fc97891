"""The documents of a request: those its organisation attaches in the chat, and those ONEM's side adds (its
attestations). One set of rules for both: PDF, JPEG or PNG by their first bytes, 10 MB each, 20 documents and 50 MB
per request; each kept as <ticket>-<n>.<type> under the attachments folder."""
from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from sqlmodel import Session

from bot.core.views import Document, Upload
from bot.domain.answers import visible
from bot.domain.leaves import Status
from bot.i18n import N_, FileSize, t
from bot.storage import request_store
from bot.storage.models import Attachment, LeaveRequest

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS, MAX_REQUEST_BYTES = 20, 50 * 1024 * 1024  # per request: one user cannot fill the disk
# What the first bytes of each accepted type look like: the name and Telegram's MIME type can lie.
SIGNATURES = {"application/pdf": (b"%PDF-",), "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def shown_name(name: str) -> str:
    """A file name as the user typed it, without what could make it read as something else: invisible and
    bidirectional characters (\u202e turns "avis\u202efdp.exe" into "avisexe.pdf" on screen), control characters."""
    return visible(name) or "document"


def attachment_problem(upload: Upload, request: LeaveRequest, stored: list[Attachment],
                       by_member: bool = True) -> object | None:
    """Why a file cannot be attached to the request, or None when it can. Called first with what Telegram
    announces (no bytes yet: nothing is downloaded for a file that will be refused), then with the bytes. A
    cancelled request takes no more documents from its organisation (ONEM's side may still add its own)."""
    if by_member and request.status == Status.CANCELLED:
        return t(N_("Request {ticket} is cancelled: it takes no more documents."), ticket=request.ticket)
    if len(stored) >= MAX_ATTACHMENTS:
        return t(N_("Request {ticket} already has {count} documents, the most it can have."), ticket=request.ticket,
                 count=MAX_ATTACHMENTS)
    size = len(upload.data) if upload.data is not None else upload.size
    if size > MAX_ATTACHMENT_BYTES:
        return t(N_("This file is {size}: attachments can be at most 10 MB. Send a smaller scan, for example as a "
                    "PDF."), size=FileSize(size))
    if sum(a.size for a in stored) + size > MAX_REQUEST_BYTES:
        return t(N_("The documents of request {ticket} would weigh more than {size} in all. Send a smaller scan."),
                 ticket=request.ticket, size=FileSize(MAX_REQUEST_BYTES))
    mime = upload.mime.lower()
    if mime not in SIGNATURES or (upload.data is not None and not upload.data.startswith(SIGNATURES[mime])):
        return t(N_("Only PDF, JPEG or PNG files can be attached; \"{name}\" is not one. Send the document as a PDF "
                    "or a photo."), name=shown_name(upload.filename)[:80])
    return None


def add_document(session: Session, member, request: LeaveRequest, upload: Upload, folder: Path) -> Attachment:
    """Add a checked document to a request, in the caller's transaction (member None: ONEM's side). Its number comes
    after the request's others while the request is locked, so two added at once get two numbers and two files."""
    request_store.lock_request(session, request)
    number = request_store.last_attachment_number(session, request.id) + 1
    return store_attachment(session, member, request, upload, folder, number)


def store_attachment(session: Session, member, request: LeaveRequest, upload: Upload, folder: Path,
                     number: int) -> Attachment:  # member None: ONEM's side
    """Keep a copy named by the request, not by the sender (<ticket>-<n>.<type>), and the Telegram file id."""
    mime = upload.mime.lower()
    relative = Path(str(request.organisation_id)) / str(request.id) / f"{request.ticket}-{number}.{EXTENSIONS[mime]}"
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("xb") as kept:  # never over a file already there
            kept.write(upload.data)
    except FileExistsError:  # left by a turn that was rolled back, or by a race: this one gets a name of its own
        relative = relative.with_name(f"{relative.stem}-{hashlib.sha256(upload.data).hexdigest()[:12]}"
                                      f"{secrets.token_hex(4)}{relative.suffix}")
        target = folder / relative
        with target.open("xb") as kept:
            kept.write(upload.data)
    return request_store.add_attachment(session, Attachment(
        request_id=request.id, member_id=member.id if member is not None else None,
        filename=shown_name(upload.filename), mime=mime, number=number, size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(), stored_path=str(relative),
        telegram_file_id=upload.file_id))


def attachment_name(attachment: Attachment, ticket: str) -> str:
    return f"{ticket}-{attachment.number}.{EXTENSIONS.get(attachment.mime, 'bin')}"


def attachment_document(attachment: Attachment, ticket: str, folder: Path) -> Document:
    """The document as it is sent back: named <ticket>-<n>.<type>, whatever the sender called it."""
    name = attachment_name(attachment, ticket)
    path = folder / attachment.stored_path
    if path.exists():
        return Document(name, data=path.read_bytes())
    return Document(name, file_id=attachment.telegram_file_id)
