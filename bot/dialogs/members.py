"""Membership in the chat: invitations and revocations by an access manager, and logging out."""
from __future__ import annotations

from sqlmodel import Session

from bot.dialogs.status import ROLE_LABEL
from bot.fsm.views import Button, View
from bot.i18n import N_, Capitalized, joined, t
from bot.storage import repository
from bot.storage.models import Member, Organisation

ACCESS_MANAGER = "access-manager"


def only_managers() -> View:
    return View([t(N_("Only an access manager of your organisation can do this."))])


def _roles(roles) -> list:
    return joined([t(ROLE_LABEL[r]) for r in repository.ROLES if r in roles]) or ["-"]


def invite_view(chosen: list[str], replace=False) -> View:
    buttons = [[Button([("☑ " if role in chosen else "☐ "), Capitalized(t(ROLE_LABEL[role]))], f"i:t:{role}")]
               for role in repository.ROLES]
    buttons.append([Button(t(N_("Create the invitation link")), "i:go")])
    return View([t(N_("Invite a colleague: choose the roles, then create the link. It works once, for 7 days."))],
                buttons, replace)


def invitation_made(session: Session, member: Member, roles: list[str], bot_username: str | None) -> View:
    organisation = session.get(Organisation, member.organisation_id)
    code, invitation = repository.create_invitation(session, organisation, roles)
    link = f"https://t.me/{bot_username}?start={code}" if bot_username else None
    lines = [t(N_("Invitation for {organisation}, roles: {roles}. Valid once, until {date}."),
               organisation=organisation.name, roles=_roles(roles), date=invitation.expires_at.date())]
    lines.append(t(N_("Send this link to your colleague: {link}"), link=link) if link else
                 t(N_("Your colleague types: /start {code}"), code=code))
    return View(lines, replace=True)


def members_view(session: Session, member: Member, notes: list | None = None, replace=False) -> View:
    members = repository.members_of(session, member.organisation_id)
    lines = [*(notes or []), t(N_("Enrolled members of your organisation:"))]
    buttons = []
    for other in members:
        lines.append(["• ", other.display_name or other.user_key, " · ", *_roles(other.role_set), " · ",
                      t(N_("since {date}"), date=other.enrolled_at.date())])
        if other.id != member.id and ACCESS_MANAGER in member.role_set:
            buttons.append([Button(t(N_("Revoke {name}"), name=(other.display_name or other.user_key)[:30]),
                                   f"v:{other.id}")])
    return View(lines, buttons, replace)


def ask_revoke(other: Member) -> View:
    return View([t(N_("Revoke the access of {name}? They will no longer see anything of your organisation."),
                   name=other.display_name or other.user_key)],
                [[Button(t(N_("Yes, revoke")), f"V:{other.id}"), Button(t(N_("No")), "v:list")]], replace=True)


def ask_logout() -> View:
    return View([t(N_("Log out? You will need a new invitation to use this assistant again."))],
                [[Button(t(N_("Yes, log out")), "g:yes")]])
