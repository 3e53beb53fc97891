"""Status-change messages to an organisation's members: queued with the change, sent by the bot process."""
from __future__ import annotations

import logging

from sqlmodel import Session, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.dialogs.actions import SHOW_REQUEST
from bot.domain.leaves import Status, label
from bot.i18n import N_, Capitalized, render, resolve_language, t
from bot.storage import repository
from bot.storage.database import session as open_session
from bot.storage.models import LeaveRequest, Member, Notification, RequestEvent, utcnow

log = logging.getLogger(__name__)
CHANNEL = "telegram"


def queue_for(session: Session, request: LeaveRequest, event: RequestEvent) -> list[Notification]:
    """One message owed to each enrolled Telegram member of the request's organisation; the caller commits."""
    queued = [Notification(member_id=member.id, request_id=request.id, event_id=event.id)
              for member in repository.members_of(session, request.organisation_id) if member.channel == CHANNEL]
    session.add_all(queued)
    return queued


def message(request: LeaveRequest, event: RequestEvent, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    """The text and button in one language; the worker is named, never by NISS."""
    worker = f"{request.last_name.upper()} {request.first_name[:1]}."
    lines = [t(N_("The status of request {ticket} ({worker}) is now: {status}."), ticket=request.ticket,
               worker=worker, status=Capitalized(label(Status(event.status))))]
    if event.office:
        lines.append(t(N_("ONEM office: {office}"), office=event.office))
    if event.effective_date:
        lines.append(t(N_("Date given by ONEM: {date}"), date=event.effective_date))
    button = InlineKeyboardButton(render(t(N_("Show the request")), lang),
                                  callback_data=SHOW_REQUEST.pack(request.ticket))
    return "\n".join(render(line, lang) for line in lines), InlineKeyboardMarkup([[button]])


def _give_up(notification: Notification, reason: str) -> None:
    notification.failed_at = utcnow()
    notification.error = reason[:200]


async def deliver(application, engine, limit: int = 100) -> tuple[int, int]:
    """Send pending notifications; return (sent, given up). Network trouble leaves the rest for the next run."""
    sent = failed = 0
    with open_session(engine.db) as db:
        pending = db.exec(select(Notification, Member, LeaveRequest, RequestEvent)
                          .join(Member, Member.id == Notification.member_id)
                          .join(LeaveRequest, LeaveRequest.id == Notification.request_id)
                          .join(RequestEvent, RequestEvent.id == Notification.event_id)
                          .where(Notification.sent_at.is_(None), Notification.failed_at.is_(None))
                          .order_by(Notification.id).limit(limit)).all()
        for notification, member, request, event in pending:
            # Membership may have changed since the change was queued: a former member learns nothing.
            if member.revoked_at is not None or member.organisation_id != request.organisation_id:
                _give_up(notification, "no longer a member of the organisation")
            else:
                text, markup = message(request, event, resolve_language(member, None, engine.default_locale))
                try:
                    await application.bot.send_message(chat_id=int(member.user_key), text=text, reply_markup=markup)
                    notification.sent_at = utcnow()
                except Forbidden as error:  # the user blocked the bot or deleted the account
                    _give_up(notification, str(error))
                except BadRequest as error:
                    # "Chat not found" and any other refusal of this very message: retrying cannot help.
                    _give_up(notification, str(error))
                except (RetryAfter, TelegramError) as error:  # flood control or no network: try next run
                    log.warning("notifications paused: %s", error)
                    break
            sent += notification.sent_at is not None
            failed += notification.failed_at is not None
            db.add(notification)
            db.commit()  # one by one: a crash re-sends at most the message in flight
    if sent or failed:
        log.info("notifications: %d sent, %d given up", sent, failed)
    return sent, failed


async def deliver_job(context) -> None:
    """JobQueue callback: deliver the pending notifications of this application's engine."""
    await deliver(context.application, context.application.bot_data["engine"])
