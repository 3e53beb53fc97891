"""Following a filed request: /status, one request in full with its history and documents, its receipt, its
modification (a form on the intake's questions), its cancellation, the documents attached to it, and the worker's
e-mail sent again."""
from __future__ import annotations

import datetime as dt
import logging

from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.views import View
from bot.dialogs.actions import (
    ASK_CANCEL,
    ATTACHMENT,
    CANCEL,
    LATEST,
    LISTED_REQUEST,
    MODIFY,
    NEW_REQUEST,
    OVERVIEW_PAGE,
    OVERVIEW_START,
    RECEIPT,
    SHOW_REQUEST,
    WORKER_MAIL,
    request_table_button,
    table_button,
)
from bot.dialogs.questions import LEAVE_ANSWERS, STEP, answers_from_request, draft_request, request_fields
from bot.documents import attachment_problem
from bot.domain.answers import aware
from bot.domain.errors import Invalid
from bot.domain.identifiers import parse_ticket
from bot.domain.leaves import UNDECIDED, Status, label
from bot.domain.records import DraftStatus
from bot.domain.roles import Permission, refusal
from bot.fsm import forms
from bot.fsm.forms import Act, Context, Do, Form, Trigger
from bot.i18n import N_, Capitalized, FileSize, t, tn
from bot.presentation.history import event_line
from bot.presentation.request_text import CERTIFY, LEGAL_NOTICE, box, filed_on, request_entry, request_lines
from bot.storage import chat_store, request_store
from bot.storage.models import LeaveRequest
from bot.usecases import requests as cases
from bot.worker_mail import last_worker_mail

log = logging.getLogger(__name__)
router = Router("follow-up")
FOCUS_HOURS = 24


# --- one request in full ----------------------------------------------------------------------------------------

def consultation(turn: Turn, request: LeaveRequest, notes: list | None = None, back: list | None = None) -> View:
    """One request in full; `back`: the button row that leads to the list it was opened from."""
    session = turn.session
    lines = [*(notes or []),
             t(N_("Ticket number: {ticket}"), ticket=request.ticket),
             t(N_("Status: {status}"), status=Capitalized(label(Status(request.status)))),
             t(N_("Filed on {date}"), date=filed_on(request))]
    if request.office:
        lines.append(t(N_("ONEM office: {office}"), office=t(request.office)))
    lines += ["", *request_lines(session, request, turn.member.organisation_name,
                                 reveal=turn.member.may(Permission.READ_NISS)), "", t(N_("History:"))]
    lines += [["• ", event_line(session, e)] for e in request_store.history_of(session, request)]
    waiting = last_worker_mail(session, request) if request.email else None
    if waiting is not None and waiting.sent_at is None:  # the history says it only once the mail server took it
        lines.append(["• ", t(N_("E-mail to the worker waiting to be sent ({email})"), email=waiting.recipient)])
    attachments = request_store.attachments_of(session, request)
    buttons = [[RECEIPT.button(t(N_("📄 Acknowledgement (PDF)")), request.ticket)]]
    changes = [button for permission, button in (
        (Permission.MODIFY, MODIFY.button(t(N_("✏ Modify")), request.ticket)),
        (Permission.CANCEL, ASK_CANCEL.button(t(N_("✖ Cancel the request")), request.ticket)))
        if turn.member.may(permission)]
    if request.status in UNDECIDED and changes:  # only what the member's roles allow
        buttons.append(changes)
    if _may_mail_worker(turn, request):
        buttons.append([WORKER_MAIL.button(t(N_("✉ Send the worker's e-mail again")), request.ticket)])
    lines.append("")
    # As in the service's menu: "Attestations", the documents about the request (our acknowledgement, and those
    # ONEM's side adds), apart from the "Attachments" the organisation sent.
    attestations = [a for a in attachments if a.member_id is None]
    sent = [a for a in attachments if a.member_id is not None]
    lines += [t(N_("Attestations:")), ["• ", t(N_("Acknowledgement of the request (PDF)"))]]
    for attachment in attestations:
        lines.append(["• ", t(N_("From ONEM: {name}"), name=attachment.filename), " (", FileSize(attachment.size),
                      ")"])
        buttons.append([ATTACHMENT.button(f"📜 {attachment.filename[:40]}", attachment.id)])
    if sent:
        lines += ["", t(N_("Attachments:"))]
        for attachment in sent:
            lines.append(["• ", attachment.filename, " (", FileSize(attachment.size), ")"])
            buttons.append([ATTACHMENT.button(f"📎 {attachment.filename[:40]}", attachment.id)])
    if request.status != Status.CANCELLED and turn.member.may(Permission.ATTACH):
        lines += ["", t(N_("To attach a document (for example the written notice), send a PDF, JPEG or PNG file of "
                          "at most 10 MB now."))]
    buttons += request_table_button(turn.options.webapp_url, request.ticket)
    return View(lines, [*buttons, *([back] if back else [])])


def _focus(turn: Turn, request: LeaveRequest) -> None:
    """Remember the request on screen: a document sent next is attached to it."""
    chat_store.set_focus(turn.connection, turn.member, turn.inp.channel, turn.inp.chat_key, request, turn.now)


def show(turn: Turn, typed: str, back: list | None = None) -> View:
    """A request typed or tapped by its ticket, looked up in the member's organisation only."""
    try:
        ticket = parse_ticket(typed[:64])
    except Invalid as wrong:
        return View([forms.error_line(wrong)])
    request = cases.consult(turn.session, turn.member, ticket)
    if request is None:
        return View([t(N_("There is no request with number {ticket} in your organisation."), ticket=ticket)])
    _focus(turn, request)
    return consultation(turn, request, back=back)


def _request(turn: Turn, ticket: str) -> LeaveRequest | None:
    return request_store.request_by_ticket(turn.session, turn.member.organisation_id, ticket)


def _changeable(turn: Turn, ticket: str) -> tuple[LeaveRequest | None, View | None]:
    """The request if it may still be changed (ONEM has not decided), else why not."""
    request = _request(turn, ticket)
    if request is None:
        return None, show(turn, ticket)  # says there is no such request in this organisation
    if request.status not in UNDECIDED:
        return None, too_late(request)
    return request, None


def too_late(request: LeaveRequest) -> View:
    return View([t(N_("Request {ticket} can no longer be changed: its status is \"{status}\"."),
                   ticket=request.ticket, status=Capitalized(label(Status(request.status))))],
                [[SHOW_REQUEST.button(t(N_("Show the request")), request.ticket)]])


@router.command("status", menu=N_("One request by its ticket number"),
                help=N_("/status: your organisation's latest requests; /status followed by a ticket number shows one "
                        "request"), needs=Permission.FOLLOW)
def status(turn: Turn) -> View:
    if turn.inp.text.strip():
        return show(turn, turn.inp.text)
    return latest_view(turn)


def latest_view(turn: Turn) -> View:
    """The organisation's latest requests, each a button that opens it (and leads back here)."""
    session, member = turn.session, turn.member
    chat_store.clear_focus(turn.connection, turn.inp.channel, turn.inp.chat_key)  # a list, not a request, is shown
    requests = request_store.latest_requests(session, member.organisation_id, 5)
    if not requests:
        return View([t(N_("Your organisation has not filed any request yet. Type /new to file one."))],
                    [[NEW_REQUEST.button(t(N_("New request")))]])
    total = request_store.count_requests(session, member.organisation_id)
    lines = [tn("Your organisation has filed {n} request.", "Your organisation has filed {n} requests.", total),
             t(N_("The latest, newest first: tap a number to open one, or type /status followed by a ticket "
                  "number."))]
    for index, request in enumerate(requests, 1):
        lines += ["", *request_entry(index, request)]
    opened = [LISTED_REQUEST.button(str(index), r.ticket, "status", 0) for index, r in enumerate(requests, 1)]
    return View(lines, [opened,
                        [OVERVIEW_START.button(t(N_("All requests (overview)")))],
                        *table_button(turn.options.webapp_url)])


@router.action(SHOW_REQUEST, needs=Permission.FOLLOW)
def show_button(turn: Turn, ticket: str) -> View:
    return show(turn, ticket)


@router.action(LISTED_REQUEST, needs=Permission.FOLLOW)
def show_listed(turn: Turn, ticket: str, listed: str, page: int) -> View:
    """A request opened from a list: its screen leads back there (the overview at the page it was on)."""
    back = [LATEST.button(t(N_("« Back to the list")))] if listed == "status" else \
        [OVERVIEW_PAGE.button(t(N_("« Back to the list")), page)]
    return show(turn, ticket, back)


@router.action(LATEST, needs=Permission.FOLLOW)
def latest(turn: Turn) -> View:
    return latest_view(turn)


@router.action(RECEIPT, needs=Permission.FOLLOW)
def receipt(turn: Turn, ticket: str) -> View:
    request = _request(turn, ticket)
    if request is None:
        return show(turn, ticket)  # says there is no such request in this organisation
    return View([t(N_("The acknowledgement of request {ticket}."), ticket=request.ticket)],
                document=cases.receipt(turn.session, turn.member, request, turn.lang))


# --- the worker's e-mail: their next step, sent at filing, and again on request -----------------------------------

def _may_mail_worker(turn: Turn, request: LeaveRequest) -> bool:
    """Offered where it can go: a mail server, the worker's address, a request still waiting for the worker."""
    return bool(turn.options.mail_enabled and request.email and request.status == Status.WAITING
                and turn.member.may(Permission.MAIL_WORKER))


@router.action(WORKER_MAIL, needs=Permission.MAIL_WORKER)
def mail_worker(turn: Turn, ticket: str) -> View:
    request = _request(turn, ticket)
    if request is None:
        return show(turn, ticket)  # says there is no such request in this organisation
    again = [[SHOW_REQUEST.button(t(N_("Show the request")), request.ticket)]]
    try:
        mail = cases.send_worker_mail(turn.session, turn.member, request, turn.lang, turn.now,
                                      mail_enabled=turn.options.mail_enabled)
    except cases.Unacceptable as wrong:
        return View([t(N_("⚠ {error}"), error=wrong.message)], again)
    except cases.Busy:
        return View([t(cases.WORKER_MAIL_WAIT, minutes=cases.WORKER_MAIL_PAUSE // dt.timedelta(minutes=1))], again)
    _focus(turn, request)
    return consultation(turn, request, [t(cases.WORKER_MAIL_QUEUED, email=mail.recipient), ""])


# --- cancellation -----------------------------------------------------------------------------------------------

@router.action(ASK_CANCEL, needs=Permission.CANCEL)
def ask_cancel(turn: Turn, ticket: str) -> View:
    request, refusal = _changeable(turn, ticket)
    if refusal:
        return refusal
    return View([t(N_("Cancel request {ticket} ({last} {first}, from {start} to {end})? ONEM will see it as "
                      "cancelled; this cannot be undone."), ticket=request.ticket, last=request.last_name.upper(),
                   first=request.first_name, start=request.start_date, end=request.end_date)],
                [[CANCEL.button(t(N_("Yes, cancel it")), request.ticket),
                  SHOW_REQUEST.button(t(N_("No, keep it")), request.ticket)]], replace=True)


@router.action(CANCEL, needs=Permission.CANCEL, durable=True)
def cancel(turn: Turn, ticket: str) -> View:
    request = _request(turn, ticket)
    if request is None:
        return show(turn, ticket)
    try:
        cases.cancel(turn.session, turn.member, request, "chat")
    except cases.TooLate:
        return too_late(request)
    return consultation(turn, request, [t(N_("Request {ticket} is cancelled."), ticket=request.ticket), ""])


# --- modification: the leave's questions, on the same form runner as the intake ----------------------------------

def _modification_summary(ctx: Context) -> tuple[list, list[list]]:
    """Like the confirmation page of a filing: the legal notice, the request in sentences, and the certification
    to tick before saving."""
    lines = [t(N_("Modification of request {ticket}"), ticket=ctx.answers["ticket"]), "", t(LEGAL_NOTICE), "",
             *request_lines(ctx.connection, draft_request(ctx), ctx.member.organisation_name), "",
             t(N_("Change the form, the dates or the working time with the buttons, tick the certification, then "
                  "save. The same rules as for a new request apply.")),
             t(CERTIFY, box=box(ctx.answers.get("certified")))]
    edits = [forms.edit_choice(MODIFICATION, name) for name in MODIFIABLE if STEP[name].applies_to(ctx)]
    rows = [edits[i:i + 2] for i in range(0, len(edits), 2)]
    rows.append([Do(Act.CERTIFY, t(N_("{box} I certify the data are correct"), box=box(ctx.answers.get("certified"))))])
    rows.append([Do(Act.CONFIRM, t(N_("💾 Save the changes"))), Do(Act.DISCARD, t(N_("Leave unchanged")))])
    return lines, rows


def _on_modification_summary(turn: Turn, ctx: Context, act: Act) -> View | None:
    if act == Act.CERTIFY:
        ctx.answers["certified"] = not ctx.answers.get("certified")
        forms.tick(turn, ctx)
        return None
    if act == Act.CONFIRM:
        if not ctx.answers.get("certified"):
            return forms.summary_view(turn, ctx, [t(N_("⚠ Tick \"I certify the data are correct\" before you "
                                                       "save."))], True)
        return _save_modification(turn, ctx)
    if act == Act.DISCARD:
        request_id = turn.draft.request_id
        forms.end(turn, ctx, Trigger.DISCARD)
        request = request_store.request_by_id(turn.session, turn.member.organisation_id, request_id)
        if request is None:
            return View([t(N_("This request no longer exists."))])
        return consultation(turn, request, [t(N_("Nothing was changed.")), ""])
    return None


def _save_modification(turn: Turn, ctx: Context) -> View:
    request = request_store.request_by_id(turn.session, turn.member.organisation_id, turn.draft.request_id)
    if request is None:
        forms.end(turn, ctx, Trigger.DISCARD)
        return View([t(N_("This request no longer exists."))])
    if forms.recheck(MODIFICATION, ctx) is not None:
        return forms.settle(turn, ctx, [], True)
    # Only what this member changed is written, and only onto the request as they saw it.
    fields, filed = request_fields(ctx.answers), ctx.answers.get("filed", {})
    changed = {name: fields[name] for name in SAVED if ctx.answers.get(name) != filed.get(name)}
    if {"hours_before", "fulltime_hours"} & set(changed):  # a working time is its two numbers and their unit (the
        # history reads the numbers in that unit)
        changed |= {name: fields[name] for name in ("hours_before", "fulltime_hours", "time_unit")}
    try:
        changes = cases.modify(turn.session, turn.member, request, changed,
                               ctx.answers.get("request_version", request.version))
    except cases.NotAllowed:  # the member's roles changed since the modification began
        forms.end(turn, ctx, Trigger.DISCARD)
        return View([t(refusal(Permission.MODIFY))])
    except cases.TooLate:
        forms.end(turn, ctx, Trigger.DISCARD)
        return too_late(request)
    except cases.Outdated:
        forms.end(turn, ctx, Trigger.DISCARD)
        meanwhile = request_store.events_since(turn.session, request.id, ctx.answers.get("last_event", 0))
        return consultation(turn, request, [
            t(N_("Request {ticket} was changed meanwhile, so your changes were not saved:"), ticket=request.ticket),
            *(["• ", event_line(turn.session, event)] for event in meanwhile),
            t(N_("Here it is as it is now: modify it again if it still needs it.")), ""])
    forms.end(turn, ctx, Trigger.CONFIRM)
    note = t(N_("The changes are saved in the request's history.")) if changes else t(N_("Nothing was changed."))
    return consultation(turn, request, [note, ""])


def _restart_modification(turn: Turn) -> list[View]:
    request = request_store.request_by_id(turn.session, turn.member.organisation_id, turn.draft.request_id)
    if request is None:
        turn.close_draft(DraftStatus.ABANDONED)
        return [View([t(N_("This request no longer exists."))])]
    return [_start_modification(turn, request)]


def _start_modification(turn: Turn, request: LeaveRequest) -> View:
    answers = answers_from_request(request)
    # What the request was when the member began: a save writes only what differs from it, and only if the
    # request is still at this version (otherwise, what happened after the last event is shown).
    answers |= {"filed": {name: answers.get(name) for name in SAVED}, "request_version": request.version,
                "last_event": request_store.last_event_id(turn.session, request.id)}
    return forms.start(turn, MODIFICATION, answers, request_id=request.id, replace=True)


# What a modification asks again when the rules want it, and saves: every answer of the leave.
MODIFIABLE = (*LEAVE_ANSWERS, "notice_date", "rtt")
SAVED = {"motive", "regime", "employer_agreement", "start_date", "end_date", "hours_before", "fulltime_hours",
         "notice_date", "rtt"}
MODIFICATION = router.form(Form("modify", [STEP[name] for name in MODIFIABLE], summary=_modification_summary,
                                on_summary=_on_modification_summary, start=_restart_modification,
                                title=N_("Confirmation page"), from_summary=True,
                                summary_hint=N_("Use the buttons below: change an answer, then save.")))


@router.action(MODIFY, needs=Permission.MODIFY)
def modify(turn: Turn, ticket: str) -> View:
    request, refusal = _changeable(turn, ticket)
    return refusal or _start_modification(turn, request)


# --- attachments ------------------------------------------------------------------------------------------------

def focus_of(turn: Turn) -> LeaveRequest | None:
    """The request last opened in this chat, if opened recently enough for a file to be meant for it."""
    screen = chat_store.screen(turn.session, turn.member, turn.inp.channel, turn.inp.chat_key)
    if screen.focus_request_id is None or screen.focus_at is None:
        return None
    if turn.now - aware(screen.focus_at) >= dt.timedelta(hours=FOCUS_HOURS):
        return None
    return request_store.request_by_id(turn.session, turn.member.organisation_id, screen.focus_request_id)


NO_FOCUS = N_("To attach a document, first open the request: /status followed by its ticket number, then send "
             "the file.")


def _upload_refusal(turn: Turn) -> View | None:
    """Before the file is downloaded, from what Telegram announces: the request it is meant for, its type, its size."""
    request = focus_of(turn)
    if request is None:
        return View([t(NO_FOCUS)])
    problem = attachment_problem(turn.inp.upload, request, request_store.attachments_of(turn.session, request))
    return View([t(N_("⚠ {error}"), error=problem)]) if problem is not None else None


@router.upload(needs=Permission.ATTACH, check=_upload_refusal)
def upload(turn: Turn) -> View:
    request = focus_of(turn)
    if request is None:
        return View([t(NO_FOCUS)])
    try:  # checked again, now with the bytes: their type, and the request's limits
        attachment, _event = cases.attach(turn.session, turn.member, request, turn.inp.upload,
                                          turn.options.attachments_dir)
    except cases.Unacceptable as wrong:  # the request's limits, checked again while it is locked
        return View([t(N_("⚠ {error}"), error=wrong.message)])
    note = t(N_("Attached to request {ticket}: {name} ({size})."), ticket=request.ticket, name=attachment.filename,
             size=FileSize(attachment.size))
    return consultation(turn, request, [note, ""])


@router.action(ATTACHMENT, needs=Permission.FOLLOW)
def send_attachment(turn: Turn, number: int) -> View:
    found = cases.document(turn.session, turn.member, number, turn.options.attachments_dir)
    if found is None:
        return View([t(N_("This document is not available."))])
    attachment, _request_of, document = found
    return View([attachment.filename], document=document)
