"""The intake: a new request from the first question to the ticket number (/new, /cancel), as the manual walks it."""
from __future__ import annotations

import datetime as dt
import logging

from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.views import Button, View
from bot.dialogs.actions import EXTEND, NEW_REQUEST, SHOW_REQUEST
from bot.dialogs.questions import STEPS, answers_from_request, draft_request, request_fields
from bot.domain.answers import aware
from bot.domain.errors import Invalid
from bot.domain.identifiers import parse_ticket
from bot.domain.leaves import LIVE, Capacity, Status, label
from bot.domain.records import DraftStatus
from bot.domain.roles import Permission, roles_capacities
from bot.fsm import forms
from bot.fsm.forms import Act, Back, Context, Do, Form, Trigger
from bot.i18n import N_, Capitalized, t
from bot.presentation.request_text import (
    ACKNOWLEDGED,
    CERTIFY,
    CITIZEN_REMINDER,
    INFORMATION,
    LEGAL_NOTICE,
    box,
    request_lines,
    short_name,
)
from bot.storage import chat_store, request_store
from bot.usecases import requests as cases

log = logging.getLogger(__name__)
router = Router("intake")
FILED_RECENTLY = dt.timedelta(hours=1)
NOT_FILED = N_("This request was started for another organisation, or in a capacity your roles no longer give you: "
               "nothing was filed. Type /new to start again.")


def new_request_button() -> list[Button]:
    return [NEW_REQUEST.button(t(N_("New request")))]


# --- the summary, in sentences like the manual's confirmation page --------------------------------------------

def _summary(ctx: Context) -> tuple[list, list[list]]:
    """The manual's confirmation page: the legal notice first, the request in sentences, the confirmation e-mail's
    box (said unavailable where no mail server is set, rather than hidden), the certification."""
    a = ctx.answers
    worded = request_lines(ctx.connection, draft_request(ctx), ctx.member.organisation_name)
    lines = [t(N_("Confirmation page")), "", t(LEGAL_NOTICE), "", *worded, ""]
    if ctx.mail_enabled and a.get("email"):  # an address nobody proved: the member reads it once more
        lines += [t(N_("Once you confirm, the worker is sent the ticket and their next step at {email}."),
                    email=a["email"]), ""]
    if ctx.mail_enabled:
        lines.append(t(N_("{box} I wish to receive a confirmation e-mail."), box=box(a.get("confirm_email"))))
        if a.get("confirm_email") and a.get("email_proved"):
            lines.append(t(N_("It will be sent to {email}."), email=a["email_proved"]))
    else:
        lines.append(t(N_("☐ I wish to receive a confirmation e-mail. (Not available here: this bot has no mail "
                          "server. Keep the acknowledgement shown after confirming, or /status.)")))
    lines.append(t(CERTIFY, box=box(a.get("certified"))))
    rows = [[forms.modify_choice()]]
    if ctx.mail_enabled:
        rows.append([Do(Act.EMAIL, t(N_("{box} Confirmation e-mail"), box=box(a.get("confirm_email"))))])
    rows.append([Do(Act.CERTIFY, t(N_("{box} I certify the data are correct"), box=box(a.get("certified"))))])
    rows.append([Do(Act.CONFIRM, t(N_("✅ Confirm")))])
    rows.append([Back(t(N_("« Back")))])
    return lines, rows


TICKS = {Act.EMAIL: "confirm_email", Act.CERTIFY: "certified"}  # the summary's boxes, and the answer each ticks


def _on_summary(turn: Turn, ctx: Context, act: Act) -> View | None:
    if act in TICKS and (act != Act.EMAIL or ctx.mail_enabled):
        key = TICKS[act]
        ctx.answers[key] = not ctx.answers.get(key)
        forms.tick(turn, ctx)
        if key == "confirm_email" and ctx.answers[key] and "email_proved" not in ctx.answers:
            return forms.settle(turn, ctx, [], True)  # asks for the address, and proves it, first
        return None
    if act == Act.CONFIRM:
        if not ctx.answers.get("certified"):
            return forms.summary_view(turn, ctx, [t(N_("⚠ Tick \"I certify the data are correct\" before you "
                                                       "confirm."))], True)
        if turn.draft.organisation_id not in (None, turn.member.organisation_id):  # the member moved meanwhile
            return _not_filed(turn, ctx)
        if forms.recheck(INTAKE, ctx) is not None:
            return forms.settle(turn, ctx, [], True)
        return _file(turn, ctx)
    return None


def _not_filed(turn: Turn, ctx: Context) -> View:
    forms.end(turn, ctx, Trigger.DISCARD)
    return View([t(NOT_FILED)], [new_request_button()])


def _file(turn: Turn, ctx: Context) -> View:
    email = ctx.answers.get("email_proved") if turn.options.mail_enabled else None
    try:
        request = cases.file(turn.connection, turn.session, turn.member, turn.draft.id, request_fields(ctx.answers),
                             turn.now, email=email, lang=turn.lang, mail_enabled=turn.options.mail_enabled)
    except cases.NotAllowed:  # their roles changed since they began (no longer filing, or not in this capacity)
        return _not_filed(turn, ctx)
    forms.end(turn, ctx, Trigger.CONFIRM)
    chat_store.set_focus(turn.connection, turn.member, turn.inp.channel, turn.inp.chat_key, request, turn.now)
    return acknowledgement(turn, request)


def acknowledgement(turn: Turn, request) -> View:
    return View([t(N_("Acknowledgement of receipt")),
                 t(ACKNOWLEDGED, ticket=request.ticket),
                 t(N_("Keep it: /status {ticket} shows the request at any time."), ticket=request.ticket), "",
                 t(INFORMATION), *request_lines(turn.connection, request, turn.member.organisation_name), "",
                 t(CITIZEN_REMINDER)],
                [[SHOW_REQUEST.button(t(N_("Show the request")), request.ticket), *new_request_button()]],
                replace=True)


def _start(turn: Turn) -> list[View]:
    member = turn.member
    chat_store.clear_focus(turn.connection, turn.inp.channel, turn.inp.chat_key)  # a new request, not a filed one
    answers = {}
    capacities = roles_capacities(member.role_set)
    if len(capacities) == 1:
        answers["capacity"] = capacities[0].value
    if member.email:  # proved before: confirmation e-mails go there without asking
        answers["my_email"] = answers["email_proved"] = member.email
    intro = t(N_("New request. Answer each question; \"Back\" returns to the previous one, /cancel stops."))
    return [forms.start(turn, INTAKE, answers, notes=[intro])]


GROUPS = ((N_("who files"), ("capacity", "community", "school")),
          (N_("worker"), ("niss", "last_name", "first_name", "staff_status", "email")),
          (N_("leave"), ("leave_type", "motive", "regime", "employer_agreement")),
          (N_("dates and hours"), ("start_date", "end_date", "hours_before", "fulltime_hours", "notice_date", "rtt")))
INTAKE = router.form(Form("intake", STEPS, summary=_summary, on_summary=_on_summary, start=_start,
                          editable=tuple(s.name for s in STEPS
                                         if s.name not in ("school_name", "my_email", "email_code")),
                          groups=GROUPS, confirmed_as=DraftStatus.FILED,
                          title=N_("Confirmation page")))


# --- commands and buttons -------------------------------------------------------------------------------------

@router.command("new", menu=N_("File a new request"), help=N_("/new: file the employer part of a new request"),
                needs=Permission.FILE)
def new(turn: Turn) -> list[View]:
    return _start(turn)


@router.action(NEW_REQUEST, needs=Permission.FILE)
def new_button(turn: Turn) -> list[View]:
    return _start(turn)


def _extension(turn: Turn, typed: str) -> View:
    """A new request that continues a live leave: the same worker, leave and answers, from the day after it ends.
    The end date and the written notice are left out, so the confirmation page asks them (and checks the ceilings
    and the overlap at the end date, as for any request); the rest is shown there, and can be modified."""
    try:
        ticket = parse_ticket(typed[:64])
    except Invalid as wrong:
        return View([forms.error_line(wrong)])
    request = request_store.request_by_ticket(turn.session, turn.member.organisation_id, ticket)
    if request is None:
        return View([t(N_("There is no request with number {ticket} in your organisation."), ticket=ticket)])
    if request.status not in LIVE:
        return View([t(N_("Request {ticket} is \"{status}\": only a request waiting for the worker, being processed or "
                          "accepted can be extended. /new files a new request."), ticket=request.ticket,
                       status=Capitalized(label(Status(request.status))))], [new_request_button()])
    if Capacity(request.capacity) not in roles_capacities(turn.member.role_set):
        return View([t(N_("Request {ticket} was filed in a capacity your roles do not give you: ask your access "
                          "manager, or /new to file another request."), ticket=request.ticket)])
    chat_store.clear_focus(turn.connection, turn.inp.channel, turn.inp.chat_key)  # a new request, not a filed one
    answers = {name: value for name, value in answers_from_request(request).items()
               if name not in ("ticket", "end_date", "notice_date")}
    start = request.end_date + dt.timedelta(days=1)
    answers["start_date"] = start.isoformat()
    if turn.member.email:
        answers["my_email"] = answers["email_proved"] = turn.member.email
    intro = t(N_("Extension of request {ticket} ({worker}): a new request from {start}, the day after the leave ends, "
                 "with the same answers. Only what changes is asked; the confirmation page shows everything before "
                 "you confirm."), ticket=request.ticket, worker=short_name(request.last_name, request.first_name),
              start=start)
    return forms.carry_on(turn, INTAKE, answers, notes=[intro])


@router.action(EXTEND, needs=Permission.FILE)
def extend_button(turn: Turn, ticket: str) -> View:
    return _extension(turn, ticket)


@router.command("extend", help=N_("/extend followed by a ticket number: a new request that continues that leave, from "
                                  "the day after it ends"), needs=Permission.FILE)
def extend(turn: Turn) -> View:
    if not turn.inp.text.strip():
        return View([t(N_("Type /extend followed by the ticket number of the request whose leave goes on, for "
                          "example /extend 04W-002WSHH-7K-E."))])
    return _extension(turn, turn.inp.text)


@router.command("cancel", menu=N_("Stop the request in progress"),
                help=N_("/cancel: stop the request in progress (it is kept as a draft, nothing is sent)"))
def cancel(turn: Turn) -> View:
    form = turn.draft.form if turn.draft is not None else None
    if forms.drop(turn) is None:
        return View([t(N_("There is no request in progress. Type /new to start one."))])
    if form not in (INTAKE.name, "modify"):  # a school being registered or renamed
        return View([t(N_("Stopped: nothing was registered or changed."))])
    return View([t(N_("The request in progress is cancelled. Nothing was sent to ONEM. Type /new to start again."))],
                [new_request_button()])


@router.text
def no_request_in_progress(turn: Turn) -> View:
    """Typed text, or a button of a form, while no form is open."""
    last = chat_store.last_draft(turn.session, turn.inp.channel, turn.inp.chat_key)
    # A late button of the filed draft, or anything typed soon after a filing whose answer may never have been seen
    # (the process stopped right after the commit): the ticket, so that nobody files the same request twice.
    recent = last is not None and turn.now - aware(last.updated_at) < FILED_RECENTLY
    if last is not None and last.status == DraftStatus.FILED and (turn.inp.kind == "button" or recent):
        request = request_store.request_of_draft(turn.session, turn.member.organisation_id, last.id)
        if request is not None and turn.inp.kind == "button":
            return View([t(N_("This request has already been filed, with ticket number {ticket}."),
                           ticket=request.ticket)], [[SHOW_REQUEST.button(t(N_("Show it")), request.ticket)]])
        if request is not None:
            return View([t(N_("This request has already been filed, with ticket number {ticket}."),
                           ticket=request.ticket),
                         t(N_("There is no request in progress. Type /new to file one, or /help."))],
                        [[SHOW_REQUEST.button(t(N_("Show it")), request.ticket), *new_request_button()]])
    return View([t(N_("There is no request in progress. Type /new to file one, or /help."))], [new_request_button()])
