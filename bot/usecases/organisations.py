"""Who acts for an organisation, and its schools, written once for every channel: join (or move to another
organisation), log out, revoke a colleague, invite one, cancel an invitation, register a school. See
bot/usecases/__init__.py for what each one does."""
from __future__ import annotations

import datetime as dt
import logging

from sqlmodel import Session

from bot.domain.records import AuditAction
from bot.domain.roles import Permission
from bot.i18n import N_, t
from bot.storage import audit, chat_store, organisation_store
from bot.storage.models import Invitation, Member, Organisation, School
from bot.usecases.common import needs

log = logging.getLogger(__name__)
Refused = organisation_store.Refused
Why = organisation_store.Why
# What a refused registration or invitation says, in the user's language (the command line's in English).
REFUSED = {
    Why.ORGANISATION_TAKEN: N_("An organisation with enterprise number {bce} is already registered."),
    Why.SCHOOL_NUMBER: N_("{bce} is already registered as a school."),
    Why.SCHOOL_ELSEWHERE: N_("School {bce} is already registered to another organisation."),
    Why.SCHOOL_HERE: N_("School {bce} is already registered to this organisation."),
    Why.ORGANISATION_NUMBER: N_("{bce} is an organisation's own number, not a school's."),
    Why.UNKNOWN_CODE: N_("This invitation code is unknown. Check the link, or ask your access manager for a new one."),
    Why.USED: N_("This invitation code has already been used. Ask your access manager for a new one."),
    Why.CANCELLED: N_("This invitation was cancelled. Ask your access manager for a new one."),
    Why.EXPIRED: N_("This invitation code expired on {date}. Ask your access manager for a new one."),
    Why.MAKER_GONE: N_("This invitation was made by someone who no longer has access. Ask your access manager for a "
                       "new one."),
}


def refusal(refused: Refused):
    """The sentence of a refused registration or invitation."""
    return t(REFUSED[refused.why], **refused.params)


def join(session: Session, channel: str, user_key: str, invitation: Invitation, display_name: str,
         now: dt.datetime, *, member=None, keep_draft: int | None = None) -> tuple[Member, Organisation]:
    """The chat account becomes a member of the invitation's organisation with its roles, and the invitation is
    used. A `member` of another organisation leaves it first: everything they had open there closes (but the turn's
    own draft `keep_draft`, closed by the turn), and the invitations they made and nobody used are cancelled."""
    if member is not None:
        organisation_store.leave_organisation(session, member.id, now)
        chat_store.close_chats_of(session, member.id, now, keep_draft=keep_draft)
        audit.record(session, member, AuditAction.LEFT)
        log.info("member %s left organisation %s", member.id, member.organisation_id)
    joined, organisation = organisation_store.enrol(session, channel, user_key, invitation, display_name, now=now)
    log.info("member %s enrolled in organisation %s", joined.id, organisation.id)
    return joined, organisation


def log_out(session: Session, member, now: dt.datetime) -> None:
    """The member leaves: their access ends, and the invitations they made and nobody used with it."""
    organisation_store.revoke(session, member.id, now)
    audit.record(session, member, AuditAction.LOGGED_OUT)
    log.info("member %s logged out", member.id)


def revoke(session: Session, member, other_id: int, now: dt.datetime) -> Member | None:
    """An access manager ends a colleague's access (and what they made); None when there is no such colleague here
    (or it is the member themself)."""
    needs(member, Permission.REVOKE)
    other = organisation_store.member_of_organisation(session, member.organisation_id, other_id)
    if other is None or other.id == member.id:
        return None
    organisation_store.revoke(session, other.id, now)
    audit.record(session, member, AuditAction.REVOKED, detail=str(other.id))
    log.info("member %s revoked by member %s", other.id, member.id)
    return other


def invite(session: Session, member, roles: list[str], now: dt.datetime) -> tuple[str, Invitation]:
    """A one-time invitation to the member's organisation with these roles: its code (shown once) and its row."""
    needs(member, Permission.INVITE)
    organisation = organisation_store.organisation_of(session, member.organisation_id)
    code, invitation = organisation_store.create_invitation(session, organisation, roles, now=now, made_by=member.id)
    audit.record(session, member, AuditAction.INVITED, detail=",".join(roles))
    return code, invitation


def cancel_invitation(session: Session, member, invitation_id: int, now: dt.datetime) -> bool:
    """Cancel an invitation of the organisation nobody used; False when it can no longer be cancelled."""
    needs(member, Permission.INVITE)
    done = organisation_store.cancel_invitation(session, member.organisation_id, invitation_id, now)
    if done:
        audit.record(session, member, AuditAction.UNINVITED, detail=str(invitation_id))
    return done


def register_school(session: Session, member, bce: str, community: str, name: str, now: dt.datetime) -> School:
    """A school of the member's organisation: checked at once when an access manager registers it; typed by another
    member at the intake, it is registered to be checked by an access manager (who is told)."""
    checked = member.may(Permission.MANAGE_SCHOOLS)
    school = organisation_store.add_school(session, member.organisation_id, bce, community, name, added_by=member.id,
                                           now=now,
                                   to_check=not checked)
    audit.record(session, member, AuditAction.SCHOOL, detail=bce)
    log.info("school registered by member %s%s", member.id, "" if checked else ", to be checked")
    return school


__all__ = ["cancel_invitation", "invite", "join", "log_out", "register_school", "revoke"]
