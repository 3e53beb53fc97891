"""Messages to an organisation's members about its requests (a new status, a document from ONEM): queued with the
change, sent by the bot process."""
from __future__ import annotations

import asyncio
import json
import logging

from sqlmodel import Session, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError

from bot.dialogs.actions import SCHOOLS, SHOW_REQUEST
from bot.domain.identifiers import format_bce
from bot.domain.leaves import Community, Status, label
from bot.domain.records import EventKind
from bot.domain.roles import Permission, Role, allows
from bot.i18n import N_, Capitalized, render, resolve_language, t
from bot.presentation.request_text import short_name
from bot.storage import organisation_store
from bot.storage.database import session as open_session
from bot.storage.models import LeaveRequest, Member, Notification, RequestEvent, School, utcnow

log = logging.getLogger(__name__)
CHANNEL = "telegram"


def _may_follow(member: Member) -> bool:
    """The role matrix: only a member whose roles show the organisation's requests hears of them."""
    return allows(member.role_set, Permission.FOLLOW)


def queue_for(session: Session, request: LeaveRequest, event: RequestEvent) -> list[Notification]:
    """One message owed to each enrolled member of the request's organisation whose roles show its requests; the
    caller commits. The bot process sends those of Telegram members; the terminal chat shows its user's own after
    each reply (take_for)."""
    queued = [Notification(member_id=member.id, request_id=request.id, event_id=event.id)
              for member in organisation_store.members_of(session, request.organisation_id) if _may_follow(member)]
    session.add_all(queued)
    return queued


def message(request: LeaveRequest, event: RequestEvent, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    """The text and button in one language; the worker is named, never by NISS."""
    worker = short_name(request.last_name, request.first_name)
    if event.kind == EventKind.DOCUMENT:  # an attestation added by ONEM's side
        lines = [t(N_("ONEM added a document to request {ticket} ({worker}): {name}."), ticket=request.ticket,
                   worker=worker, name=json.loads(event.changes)["document"][1])]
    else:
        lines = [t(N_("The status of request {ticket} ({worker}) is now: {status}."), ticket=request.ticket,
                   worker=worker, status=Capitalized(label(Status(event.status))))]
    if event.office and event.kind != "document":
        lines.append(t(N_("ONEM office: {office}"), office=t(event.office)))
    if event.effective_date and event.kind != "document":
        lines.append(t(N_("Date given by ONEM: {date}"), date=event.effective_date))
    button = InlineKeyboardButton(render(t(N_("Show the request")), lang),
                                  callback_data=SHOW_REQUEST.pack(request.ticket))
    return "\n".join(render(line, lang) for line in lines), InlineKeyboardMarkup([[button]])


def _owed(*where):
    """The messages not yet sent nor given up, oldest first, with their member, request and event."""
    return (select(Notification, Member, LeaveRequest, RequestEvent)
            .join(Member, Member.id == Notification.member_id)
            .join(LeaveRequest, LeaveRequest.id == Notification.request_id)
            .join(RequestEvent, RequestEvent.id == Notification.event_id)
            .where(Notification.sent_at.is_(None), Notification.failed_at.is_(None), *where)
            .order_by(Notification.id))


def _pending(db, limit: int, default_locale: str) -> list[tuple[int, int | None, str, InlineKeyboardMarkup | None]]:
    """The messages owed, as (notification id, chat id or None when the member left, text, button)."""
    with open_session(db) as session:
        rows = session.exec(_owed(Member.channel == CHANNEL).limit(limit)).all()
        owed = []
        for notification, member, request, event in rows:
            # Membership or roles may have changed since the change was queued: a former member learns nothing.
            if member.revoked_at is not None or member.organisation_id != request.organisation_id \
                    or not _may_follow(member):
                owed.append((notification.id, None, "", None))
                continue
            text, markup = message(request, event, resolve_language(member, None, default_locale))
            owed.append((notification.id, int(member.user_key), text, markup))
        return owed


def take_for(db, channel: str, user_key: str, lang: str) -> list[str]:
    """The messages owed to one member of another channel (the terminal chat), in the language its chat speaks,
    marked sent as they are taken; each ends with the command that shows the request. A former member's are dropped
    unread."""
    texts: list[str] = []
    with open_session(db) as session:
        rows = session.exec(_owed(Member.channel == channel, Member.user_key == user_key)).all()
        for notification, member, request, event in rows:
            if member.revoked_at is not None or member.organisation_id != request.organisation_id \
                    or not _may_follow(member):
                notification.failed_at, notification.error = utcnow(), "no longer a member of the organisation"
            else:
                text, _ = message(request, event, lang)
                texts.append(text + "\n" + render(t(N_("To see it: /status {ticket}"), ticket=request.ticket), lang))
                notification.sent_at = utcnow()
            session.add(notification)
        session.commit()
    texts += [text for _, text, _ in _schools_to_tell(db, channel, lang, user_key)]
    return texts


def _record(db, notification_id: int, failure: str | None) -> None:
    """One by one: a crash re-sends at most the message in flight."""
    with open_session(db) as session:
        notification = session.get(Notification, notification_id)
        if failure is None:
            notification.sent_at = utcnow()
        else:
            notification.failed_at, notification.error = utcnow(), failure[:200]
        session.add(notification)
        session.commit()


# --- a school typed at the intake by a member who is not an access manager: the access managers are told once ------

def school_message(school: School, who: str, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    text = render(t(N_("{who} added the school {name} ({bce}, {community}) at the school question of a request: it is "
                       "to be checked. /schools shows it; tap \"✓ Checked\" there once its number and name are "
                       "right."), who=who, name=school.name, bce=format_bce(school.bce),
                    community=label(Community(school.community))), lang)
    button = InlineKeyboardButton(render(t(N_("Schools")), lang), callback_data=SCHOOLS.pack(0))
    return text, InlineKeyboardMarkup([[button]])


def _schools_to_tell(db, channel: str, default_locale: str, user_key: str | None = None) -> list:
    """Schools to be checked that nobody was told of yet, marked told (once, whoever reads them first), with what to
    send to each access manager of their organisation on `channel`: [(user key, text, markup)]."""
    owed = []
    with open_session(db) as session:
        for school in session.exec(select(School).where(School.to_check, School.told_at.is_(None))).all():
            adder = session.get(Member, school.added_by) if school.added_by else None
            who = (adder.display_name or adder.user_key) if adder else "-"
            managers = [m for m in organisation_store.members_of(session, school.organisation_id)
                        if Role.ACCESS_MANAGER in m.role_set and m.channel == channel
                        and (user_key is None or m.user_key == user_key)]
            if not managers:
                continue
            owed += [(m.user_key, *school_message(school, who, resolve_language(m, None, default_locale)))
                     for m in managers]
            school.told_at = utcnow()
            session.add(school)
        session.commit()
    return owed


CHATS_AT_ONCE = 16  # chats sent to at the same time: one whose sends time out holds back none of the others


async def deliver(application, engine, limit: int = 100) -> tuple[int, int]:
    """Send pending notifications; return (sent, given up). Each chat's in order, chats side by side; a send that
    fails for the network or flood control is left for the next run, and so are that chat's later ones. The database
    work runs where the engine runs turns (SQLite's one thread, a pool on a database server), not on the event
    loop."""
    from bot.channels import delivery
    from bot.channels.delivery import NOT_STOPPING, Outcome

    stopping = application.bot_data.get("stopping") or NOT_STOPPING
    owed = await engine.offload(_pending, engine.db, limit, engine.default_locale)
    by_chat: dict[int | None, list] = {}
    for item in owed:
        by_chat.setdefault(item[1], []).append(item)
    counts = {"sent": 0, "failed": 0}
    slots = asyncio.Semaphore(CHATS_AT_ONCE)

    async def chat(items) -> None:
        async with slots:
            for notification_id, chat_id, text, markup in items:
                failure, reasons = None, []
                if chat_id is None:
                    failure = "no longer a member of the organisation"
                else:
                    try:
                        outcome = await delivery.post(
                            application.bot, "sendMessage", {"chat_id": chat_id, "text": text,
                                                             "reply_markup": markup.to_dict()},
                            stopping, attempts=1, reasons=reasons)
                    except BadRequest as error:  # "chat not found", or another refusal of this very message
                        outcome, reasons = Outcome.FAILED, [str(error)]
                    if outcome in (Outcome.GAVE_UP, Outcome.HELD):  # the network, flood control, a stop: next run
                        return
                    # A send that may have arrived (a timeout) counts as sent: it is not repeated blindly.
                    failure = (reasons[0] if reasons else "refused by Telegram") if outcome is Outcome.FAILED \
                        else None
                await engine.offload(_record, engine.db, notification_id, failure)
                counts["failed" if failure else "sent"] += 1

    await asyncio.gather(*(chat(items) for items in by_chat.values()))
    sent, failed = counts["sent"], counts["failed"]
    for user_key, text, markup in await engine.offload(_schools_to_tell, engine.db, CHANNEL, engine.default_locale):
        try:
            await application.bot.send_message(chat_id=int(user_key), text=text, reply_markup=markup)
            sent += 1
        except TelegramError as error:  # told in /schools anyway: the school stays marked "to be checked"
            log.warning("a school to check could not be told: %s", error)
    if sent or failed:
        log.info("notifications: %d sent, %d given up", sent, failed)
    return sent, failed


async def deliver_job(context) -> None:
    """Job of the bot process (telegram.Jobs): deliver the pending notifications of this application's engine."""
    await deliver(context.application, context.application.bot_data["engine"])
