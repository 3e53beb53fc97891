"""Members and account: enrolment by invitation (/start), the welcome, /members, invitations and revocations by an
access manager, and logging out."""
from __future__ import annotations

import logging

from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.views import View
from bot.dialogs.actions import ASK_REVOKE, INVITE_CREATE, INVITE_ROLE, LOGOUT, MEMBERS, NEW_REQUEST, REVOKE
from bot.domain.identifiers import format_bce
from bot.domain.leaves import Community, label
from bot.domain.roles import ROLE_LABEL, Permission, Role
from bot.i18n import N_, Capitalized, joined, t
from bot.storage import repository
from bot.storage.turns import Actor

log = logging.getLogger(__name__)
router = Router("members")


def _roles(roles) -> list:
    return joined([t(ROLE_LABEL[r]) for r in Role if r in roles]) or ["-"]


@router.anonymous
def not_enrolled(turn: Turn) -> View:
    return View([t(N_("Hello! This assistant lets organising authorities file the employer part of career-break "
                      "requests with ONEM.")),
                 t(N_("You are not enrolled yet. Ask your organisation's access manager for an invitation link and "
                      "open it, or type /start followed by the invitation code."))])


def welcome(turn: Turn) -> View:
    member = turn.member
    return View([t(N_("Welcome! You act for {organisation}."), organisation=member.organisation_name),
                 t(N_("Your roles: {roles}."), roles=_roles(member.role_set)),
                 t(N_("Type /new to file a request, /status to follow one, /help for help."))],
                [[NEW_REQUEST.button(t(N_("New request")))]])


@router.command("start", public=True)
def start(turn: Turn) -> View:
    code = turn.inp.text.strip()
    if not code:
        return not_enrolled(turn) if turn.member is None else welcome(turn)
    try:
        member, organisation = repository.enrol(turn.session, turn.inp.channel, turn.inp.user_key, code[:64],
                                                turn.inp.display_name, now=turn.now)
    except repository.NotAllowed as refusal:
        return View([t(refusal.reason, **refusal.params)])
    turn.member = Actor(id=member.id, organisation_id=organisation.id, organisation_name=organisation.name,
                        roles=member.roles, channel=member.channel, user_key=member.user_key,
                        display_name=member.display_name, locale=member.locale, email=member.email)
    log.info("member %s enrolled in organisation %s", member.id, organisation.id)
    return welcome(turn)


# --- the members of the organisation -----------------------------------------------------------------------------

def members_view(turn: Turn, notes: list | None = None, replace=False) -> View:
    member = turn.member
    lines = [*(notes or []), t(N_("Enrolled members of your organisation:"))]
    buttons = []
    for other in repository.members_of(turn.session, member.organisation_id):
        lines.append(["• ", other.display_name or other.user_key, " · ", *_roles(other.role_set), " · ",
                      t(N_("since {date}"), date=other.enrolled_at.date())])
        if other.id != member.id and member.may(Permission.REVOKE):
            buttons.append([ASK_REVOKE.button(t(N_("Revoke {name}"), name=(other.display_name or other.user_key)[:30]),
                                              other.id)])
    return View(lines, buttons, replace)


@router.command("members", menu=N_("The members of your organisation"),
                help=N_("/members: who is enrolled in your organisation"))
def members(turn: Turn) -> View:
    return members_view(turn)


@router.action(MEMBERS)
def members_button(turn: Turn) -> View:
    return members_view(turn, replace=True)


@router.action(ASK_REVOKE, needs=Permission.REVOKE)
def ask_revoke(turn: Turn, number: int) -> View:
    other = repository.member_of_organisation(turn.session, turn.member.organisation_id, number)
    if other is None or other.id == turn.member.id:
        return members_view(turn, replace=True)
    return View([t(N_("Revoke the access of {name}? They will no longer see anything of your organisation."),
                   name=other.display_name or other.user_key)],
                [[REVOKE.button(t(N_("Yes, revoke")), other.id), MEMBERS.button(t(N_("No")))]], replace=True)


@router.action(REVOKE, needs=Permission.REVOKE)
def revoke(turn: Turn, number: int) -> View:
    other = repository.member_of_organisation(turn.session, turn.member.organisation_id, number)
    if other is None or other.id == turn.member.id:
        return members_view(turn, replace=True)
    repository.revoke(turn.session, other, turn.now)
    log.info("member %s revoked by member %s", other.id, turn.member.id)
    return members_view(turn, replace=True, notes=[t(N_("{name} can no longer use this assistant."),
                                                     name=other.display_name or other.user_key)])


# --- schools ---------------------------------------------------------------------------------------------

@router.command("schools", menu=N_("Your organisation's schools (access managers)"),
                help=N_("/schools: the schools registered for your organisation (access managers)"),
                needs=Permission.MANAGE_SCHOOLS)
def schools(turn: Turn) -> View:
    registered = repository.schools_of(turn.connection, turn.member.organisation_id)
    if not registered:
        return View([t(N_("No school is registered for your organisation yet."))])
    return View([t(N_("The schools of your organisation:")),
                 *(["• ", school.name, " · ", format_bce(school.bce), " · ", label(Community(school.community))]
                   for school in registered)])


# --- invitations ----------------------------------------------------------------------------------------------

def invite_view(chosen: list[str], replace=False) -> View:
    buttons = [[INVITE_ROLE.button([("☑ " if role in chosen else "☐ "), Capitalized(t(ROLE_LABEL[role]))], role)]
               for role in Role]
    buttons.append([INVITE_CREATE.button(t(N_("Create the invitation link")))])
    return View([t(N_("Invite a colleague: choose the roles, then create the link. It works once, for 7 days."))],
                buttons, replace)


def _screen(turn: Turn):
    return repository.screen(turn.session, turn.member, turn.inp.channel, turn.inp.chat_key)


@router.command("invite", menu=N_("Invite a colleague (access managers)"),
                help=N_("/invite: invite a colleague (access managers)"), needs=Permission.INVITE)
def invite(turn: Turn) -> View:
    _screen(turn).invite_roles = Role.PO_EDUCATION.value
    return invite_view([Role.PO_EDUCATION])


@router.action(INVITE_ROLE, needs=Permission.INVITE)
def invite_role(turn: Turn, role: str) -> View:
    screen = _screen(turn)
    chosen = [r for r in screen.invite_roles.split(",") if r]
    chosen = [r for r in chosen if r != role] if role in chosen else [*chosen, role]
    screen.invite_roles = ",".join(chosen)
    return invite_view(chosen, replace=True)


@router.action(INVITE_CREATE, needs=Permission.INVITE)
def invite_create(turn: Turn) -> View:
    chosen = [r for r in _screen(turn).invite_roles.split(",") if r]
    if not chosen:
        return invite_view(chosen, replace=True)
    organisation = repository.organisation_of(turn.session, turn.member.organisation_id)
    code, invitation = repository.create_invitation(turn.session, organisation, chosen, now=turn.now)
    username = turn.options.bot_username
    link = f"https://t.me/{username}?start={code}" if username else None
    lines = [t(N_("Invitation for {organisation}, roles: {roles}. Valid once, until {date}."),
               organisation=organisation.name, roles=_roles(chosen), date=invitation.expires_at.date())]
    lines.append(t(N_("Send this link to your colleague: {link}"), link=link) if link else
                 t(N_("Your colleague types: /start {code}"), code=code))
    return View(lines, replace=True)


# --- logging out ------------------------------------------------------------------------------------------------

@router.command("logout", menu=N_("Log out"), help=N_("/logout: log out of this assistant"))
def logout(turn: Turn) -> View:
    return View([t(N_("Log out? You will need a new invitation to use this assistant again."))],
                [[LOGOUT.button(t(N_("Yes, log out")))]])


@router.action(LOGOUT)
def logout_confirmed(turn: Turn) -> View:
    turn.close_draft("abandoned")
    repository.revoke_by_id(turn.session, turn.member.id, turn.now)
    return View([t(N_("You are logged out. To come back, ask your access manager for a new invitation."))],
                replace=True)
