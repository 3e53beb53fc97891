"""One request in full: history, attachments, and what may still be done with it."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from sqlmodel import Session

from bot.dialogs.intake import STEP
from bot.dialogs.status import filed_on, request_lines
from bot.domain.answers import format_hours
from bot.domain.errors import Invalid
from bot.domain.identifiers import parse_ticket
from bot.domain.leaves import UNDECIDED, Regime, Status, label
from bot.fsm.views import Button, Document, Upload, View
from bot.i18n import N_, Capitalized, FileSize, joined, t
from bot.storage import repository
from bot.storage.models import Attachment, LeaveRequest, Member, Organisation, RequestEvent

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# What the first bytes of each accepted type look like: the name and Telegram's MIME type can lie.
SIGNATURES = {"application/pdf": (b"%PDF-",), "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}
FOCUS_HOURS = 24


def _shown(field: str, value):
    """A stored value as the user reads it: dates, hours and codes in words."""
    if value is None:
        return "-"
    if field.endswith("_date"):
        return dt.date.fromisoformat(value)
    if field.endswith("_hours") or field == "hours_before":
        return format_hours(value)
    if field == "regime":
        return label(Regime(value))
    if field == "employer_agreement":
        return t(N_("Yes")) if value else t(N_("No"))
    return str(value)


def _event_line(session: Session, event: RequestEvent) -> object:
    day = event.effective_date or event.happened_at.date()
    who = session.get(Member, event.member_id).display_name if event.member_id else t(N_("ONEM"))
    if event.kind == "filed":
        return t(N_("{date}: filed by {who}"), date=day, who=who or "-")
    if event.kind == "cancelled":
        return t(N_("{date}: cancelled by {who}"), date=day, who=who or "-")
    if event.kind == "modified":
        changes = [[t(STEP[name].label), ": ", _shown(name, before), " → ", _shown(name, after)]
                   for name, (before, after) in json.loads(event.changes).items() if name in STEP]
        return t(N_("{date}: modified by {who} ({fields})"), date=day, who=who or "-", fields=joined(changes, "; "))
    status = Capitalized(label(Status(event.status)))
    if event.office:
        return t(N_("{date}: {status}, ONEM office {office}"), date=day, status=status, office=event.office)
    return t(N_("{date}: {status}"), date=day, status=status)


def consultation(session: Session, member: Member, request: LeaveRequest, notes: list | None = None) -> View:
    organisation = session.get(Organisation, member.organisation_id)
    lines = [*(notes or []),
             t(N_("Request {ticket}"), ticket=request.ticket),
             t(N_("Status: {status}"), status=Capitalized(label(Status(request.status)))),
             t(N_("Filed on {date}"), date=filed_on(request))]
    if request.office:
        lines.append(t(N_("ONEM office: {office}"), office=request.office))
    lines += ["", *request_lines(session, request, organisation.name), "", t(N_("History:"))]
    lines += [["• ", _event_line(session, e)] for e in repository.history_of(session, request)]
    attachments = repository.attachments_of(session, request)
    buttons = [[Button(t(N_("📄 Acknowledgement (PDF)")), f"q:{request.ticket}")]]
    if request.status in UNDECIDED:
        buttons.append([Button(t(N_("✏ Modify")), f"m:{request.ticket}"),
                        Button(t(N_("✖ Cancel the request")), f"x:{request.ticket}")])
    lines.append("")
    if attachments:
        lines.append(t(N_("Attachments:")))
        for attachment in attachments:
            lines.append(["• ", attachment.filename, " (", FileSize(attachment.size), ")"])
            buttons.append([Button(f"📎 {attachment.filename[:40]}", f"a:{attachment.id}")])
    lines.append(t(N_("To attach a document (for example the written notice), send a PDF, JPEG or PNG file of at "
                      "most 10 MB now.")))
    return View(lines, buttons)


def show(session: Session, member: Member, typed: str) -> tuple[View, LeaveRequest | None]:
    """A request typed or tapped by its ticket, looked up in the member's organisation only."""
    try:
        ticket = parse_ticket(typed[:64])
    except Invalid as wrong:
        return View([t(N_("⚠ {error}"), error=t(wrong.message, **wrong.params))]), None
    request = repository.request_by_ticket(session, member.organisation_id, ticket)
    if request is None:
        return View([t(N_("There is no request with number {ticket} in your organisation."), ticket=ticket)]), None
    return consultation(session, member, request), request


def ask_cancel(request: LeaveRequest) -> View:
    if request.status not in UNDECIDED:
        return too_late(request)
    return View([t(N_("Cancel request {ticket} ({last} {first}, from {start} to {end})? ONEM will see it as "
                      "cancelled; this cannot be undone."), ticket=request.ticket, last=request.last_name.upper(),
                   first=request.first_name, start=request.start_date, end=request.end_date)],
                [[Button(t(N_("Yes, cancel it")), f"X:{request.ticket}"),
                  Button(t(N_("No, keep it")), f"s:{request.ticket}")]], replace=True)


def too_late(request: LeaveRequest) -> View:
    return View([t(N_("Request {ticket} can no longer be changed: its status is \"{status}\"."),
                   ticket=request.ticket, status=label(Status(request.status)))],
                [[Button(t(N_("Show the request")), f"s:{request.ticket}")]])


def attachment_problem(upload: Upload) -> object | None:
    """Why a file cannot be attached, or None when it can."""
    if upload.size > MAX_ATTACHMENT_BYTES or (upload.data is not None and len(upload.data) > MAX_ATTACHMENT_BYTES):
        return t(N_("This file is {size}: attachments can be at most 10 MB. Send a smaller scan, for example as a "
                    "PDF."), size=FileSize(upload.size))
    mime = upload.mime.lower()
    if mime not in SIGNATURES or upload.data is None or not upload.data.startswith(SIGNATURES[mime]):
        return t(N_("Only PDF, JPEG or PNG files can be attached; \"{name}\" is not one. Send the document as a PDF "
                    "or a photo."), name=upload.filename[:80])
    return None


def store_attachment(session: Session, member: Member, request: LeaveRequest, upload: Upload,
                     folder: Path) -> Attachment:
    """Keep a local copy (named by content, so a resend does not clutter the folder) and the Telegram file id."""
    digest = hashlib.sha256(upload.data).hexdigest()
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", upload.filename)[-80:] or "document"
    relative = Path(str(request.organisation_id)) / str(request.id) / f"{digest[:16]}-{safe}"
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(upload.data)
    return repository.add_attachment(session, Attachment(
        request_id=request.id, member_id=member.id, filename=upload.filename.replace("\x00", "")[:200] or safe,
        mime=upload.mime.lower()[:60],
        size=len(upload.data), sha256=digest, stored_path=str(relative), telegram_file_id=upload.file_id))


def attachment_document(attachment: Attachment, folder: Path) -> Document:
    path = folder / attachment.stored_path
    if path.exists():
        return Document(attachment.filename, data=path.read_bytes())
    return Document(attachment.filename, file_id=attachment.telegram_file_id)


def focus_of(state: dict, now: dt.datetime) -> int | None:
    """The request last opened in this chat, if opened recently enough for a file to be meant for it."""
    if not state.get("focus"):
        return None
    opened = dt.datetime.fromisoformat(state["focus_at"])
    return state["focus"] if now - opened < dt.timedelta(hours=FOCUS_HOURS) else None
