"""Reminders in each member's language, once per event: a new request left unfinished, a request still waiting for
the worker's part, a leave that ends soon (with "Extend"). Claimed in the database, sent by the bot process; the
terminal chat shows its user's own after each reply."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.dialogs.actions import EXTEND, SHOW_REQUEST
from bot.domain.answers import aware, local_today
from bot.domain.leaves import Capacity, LeaveType, label
from bot.domain.records import ReminderKind
from bot.domain.roles import Permission, Role, allows, roles_capacities
from bot.fsm.forms import FORM_MOVE, Trigger
from bot.i18n import N_, render, resolve_language, t
from bot.presentation.request_text import ANSWER_LABEL, short_name
from bot.storage import reminder_store
from bot.storage.database import session as open_session
from bot.storage.models import Draft, LeaveRequest, Member

log = logging.getLogger(__name__)
CHANNEL = "telegram"
DRAFT_LEFT = dt.timedelta(days=3)  # a new request untouched this long is reminded to its member
WAITING = dt.timedelta(days=14)  # a request still waiting for the worker's part this long after filing
ENDING_DAYS = 30  # a live leave that ends within this many days: "Extend"


@dataclass
class Owed:
    """One reminder claimed for one member, in their language: its text, its buttons (label, callback data) and,
    for the terminal, the command that does what the buttons do."""

    reminder_id: int
    user_key: str
    text: str
    buttons: list[tuple[str, str]]
    command: str

    def markup(self) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton(label_, callback_data=data)]
                                     for label_, data in self.buttons])


def _roles(permission: Permission) -> list[str]:
    """The roles the role matrix gives `permission` to."""
    return [role.value for role in Role if allows(frozenset({role}), permission)]


def _draft_reminder(draft: Draft, lang: str) -> tuple[str, list[tuple[str, str]], str]:
    answers = draft.answers or {}
    step = ANSWER_LABEL.get(draft.state, N_("Confirmation page"))  # the summary is the confirmation page
    left = local_today(aware(draft.updated_at))
    if answers.get("last_name"):
        text = t(N_("Your request for {worker} is waiting at \"{step}\": you left it on {date}."),
                 worker=short_name(answers["last_name"], answers.get("first_name")), step=t(step), date=left)
    else:
        text = t(N_("Your new request is waiting at \"{step}\": you left it on {date}."), step=t(step), date=left)
    # The form's own "Continue" of a paused draft: it opens the draft where it was (a newer version of the draft
    # makes it show where the draft is now).
    button = (render(t(N_("Continue")), lang), FORM_MOVE.pack(draft.version, Trigger.RESUME))
    return render(text, lang), [button], render(t(N_("Send any message to continue it.")), lang)


def _waiting_reminder(request: LeaveRequest, lang: str) -> tuple[str, list[tuple[str, str]], str]:
    lines = [t(N_("Request {ticket} ({worker}), filed on {date}, is still waiting for the worker's part: the worker "
                  "completes it in the citizen web application \"Dossier Interruption de carrière et "
                  "crédit-temps\"."), ticket=request.ticket, worker=short_name(request.last_name, request.first_name),
               date=local_today(aware(request.filed_at)))]
    if request.email:  # the request's screen sends it again
        lines.append(t(N_("The worker can be sent their e-mail again from the request's screen.")))
    show = (render(t(N_("Show the request")), lang), SHOW_REQUEST.pack(request.ticket))
    return ("\n".join(render(line, lang) for line in lines), [show],
            render(t(N_("To see it: /status {ticket}"), ticket=request.ticket), lang))


def _ending_reminder(request: LeaveRequest, member: Member, lang: str) -> tuple[str, list[tuple[str, str]], str]:
    extensible = allows(member.roles, Permission.FILE) and \
        Capacity(request.capacity) in roles_capacities(member.roles)
    worker = short_name(request.last_name, request.first_name)
    text = t(N_("The leave of request {ticket} ({worker}, {leave}) ends on {end}."),
             leave=label(LeaveType(request.leave_type)), worker=worker, ticket=request.ticket, end=request.end_date)
    lines, buttons = [text], []
    command = t(N_("To see it: /status {ticket}"), ticket=request.ticket)
    if extensible:
        lines.append(t(N_("To continue the leave, a new request starts on {start}: \"Extend\" prepares it with the "
                          "same answers and asks only what changes."), start=request.end_date + dt.timedelta(days=1)))
        buttons.append((render(t(N_("Extend")), lang), EXTEND.pack(request.ticket)))
        command = t(N_("To see it: /status {ticket}; to extend it: /extend {ticket}"), ticket=request.ticket)
    buttons.append((render(t(N_("Show the request")), lang), SHOW_REQUEST.pack(request.ticket)))
    return "\n".join(render(line, lang) for line in lines), buttons, render(command, lang)


def claim_due(db, channel: str, now: dt.datetime, default_locale: str, user_key: str | None = None,
              lang: str | None = None, limit: int = 100, sent: bool = False) -> list[Owed]:
    """The reminders due now to the members of `channel` (one of them: `user_key`), claimed in one transaction:
    those another process claimed first are not ours. `lang`: the language to write in (else each member's);
    `sent`: marked sent as they are claimed (the terminal prints them at once)."""
    today = local_today(now)
    owed: list[Owed] = []
    with open_session(db) as session:
        due = [(ReminderKind.DRAFT, draft, member) for draft, member in reminder_store.drafts_left(
            session, channel, now - DRAFT_LEFT, _roles(Permission.FILE), user_key, limit)]
        due += [(ReminderKind.WAITING, request, member) for request, member in reminder_store.requests_due(
            session, channel, ReminderKind.WAITING, _roles(Permission.FOLLOW), filed_before=now - WAITING,
            user_key=user_key, limit=limit)]
        due += [(ReminderKind.ENDING, request, member) for request, member in reminder_store.requests_due(
            session, channel, ReminderKind.ENDING, _roles(Permission.FOLLOW),
            ending=(today, today + dt.timedelta(days=ENDING_DAYS)), user_key=user_key, limit=limit)]
        # Claimed in one order in every process (the queries sort by id): two processes' inserts wait for each other,
        # one at a time, and never lock each other out.
        for kind, subject, member in due[:limit]:
            # The matrix itself decides (the query only narrowed by role names).
            if not allows(member.roles, Permission.FILE if kind == ReminderKind.DRAFT else Permission.FOLLOW):
                continue
            reminder_id = reminder_store.claim(session, kind, subject.id, member.id, now)
            if reminder_id is None:  # claimed meanwhile by another process: it sends it
                continue
            language = lang or resolve_language(member, None, default_locale)
            if kind == ReminderKind.DRAFT:
                text, buttons, command = _draft_reminder(subject, language)
            elif kind == ReminderKind.WAITING:
                text, buttons, command = _waiting_reminder(subject, language)
            else:
                text, buttons, command = _ending_reminder(subject, member, language)
            if sent:
                reminder_store.mark_sent(session, reminder_id, now)
            owed.append(Owed(reminder_id, member.user_key, text, buttons, command))
        session.commit()
    return owed


def take_for(db, channel: str, user_key: str, lang: str, now: dt.datetime, default_locale: str) -> list[str]:
    """The reminders due to one member of another channel (the terminal chat), each with the command that does what
    its buttons do, marked sent as they are taken."""
    return [f"{owed.text}\n{owed.command}" for owed in claim_due(db, channel, now, default_locale, user_key, lang,
                                                               sent=True)]


def _record(db, reminder_id: int, failure: str | None, now: dt.datetime) -> None:
    with open_session(db) as session:
        if failure is None:
            reminder_store.mark_sent(session, reminder_id, now)
        else:
            reminder_store.mark_failed(session, reminder_id, now, failure)
        session.commit()


def _release(db, reminder_ids: list[int]) -> None:
    with open_session(db) as session:
        reminder_store.release(session, reminder_ids)
        session.commit()


async def deliver(application, engine, limit: int = 100) -> tuple[int, int]:
    """Claim the reminders due and send them; return (sent, given up). A crash between the claim and the message
    loses that reminder rather than risk sending it twice; no network gives the claims back for the next run."""
    sent = failed = 0
    owed = await engine.offload(partial(claim_due, engine.db, CHANNEL, engine.clock(), engine.default_locale,
                                        limit=limit))
    for index, reminder in enumerate(owed):
        failure = None
        try:
            await application.bot.send_message(chat_id=int(reminder.user_key), text=reminder.text,
                                               reply_markup=reminder.markup())
        except (Forbidden, BadRequest) as error:  # blocked, or the chat is gone: retrying cannot help
            failure = str(error)
        except (RetryAfter, TelegramError) as error:  # flood control or no network: the next run sends them
            log.warning("reminders paused: %s", error)
            await engine.offload(_release, engine.db, [r.reminder_id for r in owed[index:]])
            break
        await engine.offload(_record, engine.db, reminder.reminder_id, failure, engine.clock())
        sent += failure is None
        failed += failure is not None
    if sent or failed:
        log.info("reminders: %d sent, %d given up", sent, failed)
    return sent, failed


async def deliver_job(context) -> None:
    """Job of the bot process (telegram.Jobs): the reminders due, from this application's engine."""
    await deliver(context.application, context.application.bot_data["engine"])
