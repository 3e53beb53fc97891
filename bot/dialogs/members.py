"""Members and account: enrolment by invitation (/start), the welcome, /members, invitations and revocations by an
access manager, and logging out."""
from __future__ import annotations

import logging

from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.views import View
from bot.dialogs.actions import (
    ASK_REVOKE,
    CANCEL_INVITATION,
    INVITATIONS,
    INVITE_CREATE,
    INVITE_ROLE,
    JOIN,
    LOGOUT,
    MEMBERS,
    MODIFY,
    NEW_REQUEST,
    PAGE,
    REVOKE,
    SHOW_REQUEST,
    STAY,
    STAY_LOGGED_IN,
    paged,
)
from bot.domain.answers import aware, local_today
from bot.domain.records import DraftStatus
from bot.domain.roles import ROLE_LABEL, Permission, Role
from bot.i18n import N_, Capitalized, joined, t
from bot.storage import chat_store, organisation_store
from bot.storage.turns import Actor
from bot.usecases import organisations

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
    if code.startswith(("ticket-", "modify-")) and turn.member is not None:  # the Mini App's way back to the chat
        kind, _, typed = code.partition("-")
        ticket = "".join(ch for ch in typed[:20].upper() if ch.isascii() and (ch.isalnum() or ch == "-"))
        if kind == "modify":  # the table's "Modify": one tap more here, where the modification lives
            return View([t(N_("Request {ticket}: modify it here."), ticket=ticket)],
                        [[MODIFY.button(t(N_("✏ Modify")), ticket), SHOW_REQUEST.button(t(N_("Show the request")),
                                                                                        ticket)]])
        return View([t(N_("Request {ticket}: open it here to modify it."), ticket=ticket)],
                    [[SHOW_REQUEST.button(t(N_("Show the request")), ticket)]])
    try:
        invitation = organisation_store.invitation_for_code(turn.session, code[:64], turn.now)
    except organisation_store.Refused as refused:
        return View([organisations.refusal(refused)])
    member = turn.member
    if member is None:
        return _enrol(turn, invitation)
    if invitation.organisation_id == member.organisation_id and set(_roles_of(invitation)) == set(member.role_set):
        return View([t(N_("You already act for {organisation} with these roles: nothing changes."),
                       organisation=member.organisation_name)])  # the code stays unused
    # Joining another organisation, or other roles, is a decision: asked first, and nothing changes until then.
    _screen(turn).pending_invitation_id = invitation.id
    other = organisation_store.organisation_of(turn.session, invitation.organisation_id)
    return View([t(N_("This invitation is for {other}, with the roles: {new_roles}. You now act for {organisation}, "
                      "with the roles: {roles}."), other=other.name, new_roles=_roles(_roles_of(invitation)),
                   organisation=member.organisation_name, roles=_roles(member.role_set)),
                 t(N_("If you accept, the requests in progress and the screens you have open here are closed, and "
                      "your roles become the new ones."))],
                [[JOIN.button(t(N_("Accept: act for {other}"), other=other.name[:60]))],
                 [STAY.button(t(N_("Stay with {organisation}"), organisation=member.organisation_name[:60]))]])


def _roles_of(invitation) -> list[Role]:
    return [role for role in Role if role in invitation.roles]


def _enrol(turn: Turn, invitation, keep_draft: int | None = None) -> View:
    member, organisation = organisations.join(turn.session, turn.inp.channel, turn.inp.user_key, invitation,
                                              turn.inp.display_name, turn.now, member=turn.member,
                                              keep_draft=keep_draft)
    turn.member = Actor.of(member, organisation)
    return welcome(turn)


@router.action(JOIN)
def join(turn: Turn) -> View:
    invitation_id = _screen(turn).pending_invitation_id
    if invitation_id is None:
        return welcome(turn)
    try:
        invitation = organisation_store.usable_invitation(turn.session, invitation_id, turn.now)
    except organisation_store.Refused as refused:
        _screen(turn).pending_invitation_id = None
        return View([organisations.refusal(refused)], replace=True)
    draft = turn.close_draft(DraftStatus.ABANDONED)
    return _enrol(turn, invitation, keep_draft=draft.id if draft else None)


@router.action(STAY)
def stay(turn: Turn) -> View:
    _screen(turn).pending_invitation_id = None
    return View([t(N_("Nothing changed: you still act for {organisation}."),
                   organisation=turn.member.organisation_name)], replace=True)


# --- the members of the organisation -----------------------------------------------------------------------------

def members_view(turn: Turn, notes: list | None = None, replace=False, page: int = 0) -> View:
    member = turn.member
    everyone = organisation_store.members_of(turn.session, member.organisation_id)
    shown, page, moves = paged(everyone, page, MEMBERS)
    lines = [*(notes or []), t(N_("Enrolled members of your organisation:"))]
    buttons = []
    for other in shown:
        lines.append(["• ", other.display_name or other.user_key, " · ", *_roles(other.role_set), " · ",
                      t(N_("since {date}"), date=local_today(aware(other.enrolled_at)))])
        if other.id != member.id and member.may(Permission.REVOKE):
            buttons.append([ASK_REVOKE.button(t(N_("Revoke {name}"), name=(other.display_name or other.user_key)[:30]),
                                              other.id)])
    if moves:
        lines.append(t(N_("Page {page} of {pages}."), page=page + 1, pages=-(-len(everyone) // PAGE)))
    return View(lines, buttons + moves, replace)


@router.command("members", menu=N_("The members of your organisation"),
                help=N_("/members: who is enrolled in your organisation"))
def members(turn: Turn) -> View:
    return members_view(turn)


@router.action(MEMBERS)
def members_button(turn: Turn, page: int) -> View:
    return members_view(turn, replace=True, page=page)


@router.action(ASK_REVOKE, needs=Permission.REVOKE)
def ask_revoke(turn: Turn, number: int) -> View:
    other = organisation_store.member_of_organisation(turn.session, turn.member.organisation_id, number)
    if other is None or other.id == turn.member.id:
        return members_view(turn, replace=True)
    return View([t(N_("Revoke the access of {name}? They will no longer see anything of your organisation."),
                   name=other.display_name or other.user_key)],
                [[REVOKE.button(t(N_("Yes, revoke")), other.id), MEMBERS.button(t(N_("No")), 0)]], replace=True)


@router.action(REVOKE, needs=Permission.REVOKE)
def revoke(turn: Turn, number: int) -> View:
    other = organisations.revoke(turn.session, turn.member, number, turn.now)
    if other is None:
        return members_view(turn, replace=True)
    return members_view(turn, replace=True, notes=[t(N_("{name} can no longer use this assistant."),
                                                     name=other.display_name or other.user_key)])


# --- invitations ----------------------------------------------------------------------------------------------

def invite_view(chosen: list[str], replace=False) -> View:
    buttons = [[INVITE_ROLE.button([("☑ " if role in chosen else "☐ "), Capitalized(t(ROLE_LABEL[role]))], role)]
               for role in Role]
    buttons.append([INVITE_CREATE.button(t(N_("Create the invitation link")))])
    return View([t(N_("Invite a colleague: choose the roles, then create the link. It works once, for 7 days."))],
                buttons, replace)


def _screen(turn: Turn):
    return chat_store.screen(turn.session, turn.member, turn.inp.channel, turn.inp.chat_key)


@router.command("invite", menu=N_("Invite a colleague (access managers)"),
                help=N_("/invite: invite a colleague (access managers)"), needs=Permission.INVITE)
def invite(turn: Turn) -> View:
    _screen(turn).invite_roles = frozenset({Role.PO_EDUCATION})
    return invite_view([Role.PO_EDUCATION])


@router.action(INVITE_ROLE, needs=Permission.INVITE)
def invite_role(turn: Turn, role: str) -> View:
    screen = _screen(turn)
    screen.invite_roles = screen.invite_roles ^ {Role(role)}
    chosen = [r for r in Role if r in screen.invite_roles]
    return invite_view(chosen, replace=True)


@router.action(INVITE_CREATE, needs=Permission.INVITE)
def invite_create(turn: Turn) -> View:
    chosen = [r for r in Role if r in _screen(turn).invite_roles]
    if not chosen:
        return invite_view(chosen, replace=True)
    code, invitation = organisations.invite(turn.session, turn.member, chosen, turn.now)
    username = turn.options.bot_username
    link = f"https://t.me/{username}?start={code}" if username else None
    lines = [t(N_("Invitation for {organisation}, roles: {roles}. Valid once, until {date}."),
               organisation=turn.member.organisation_name, roles=_roles(chosen),
               date=local_today(aware(invitation.expires_at)))]
    lines.append(t(N_("Send this link to your colleague: {link}"), link=link) if link else
                 t(N_("Your colleague types: /start {code}"), code=code))
    return View(lines, replace=True)


def invitations_view(turn: Turn, notes: list | None = None, replace=False, page: int = 0) -> View:
    pending = organisation_store.pending_invitations(turn.session, turn.member.organisation_id, turn.now)
    if not pending:
        return View([*(notes or []), t(N_("There is no invitation waiting to be used."))], replace=replace)
    shown, page, moves = paged(pending, page, INVITATIONS)
    lines = [*(notes or []), t(N_("Invitations not used yet:"))]
    buttons = []
    for number, (invitation, maker) in enumerate(shown, 1 + page * PAGE):
        lines.append([f"{number}. ", *_roles(_roles_of(invitation)), " · ",
                      t(N_("made by {name}, valid until {date}"),
                        name=(maker.display_name or maker.user_key) if maker else t(N_("the administrator")),
                        date=local_today(aware(invitation.expires_at)))])
        buttons.append([CANCEL_INVITATION.button(t(N_("Cancel invitation {number}"), number=number), invitation.id)])
    return View(lines, buttons + moves, replace)


@router.command("invitations", menu=N_("Invitations not used yet (access managers)"),
                help=N_("/invitations: the invitations not used yet, to cancel one (access managers)"),
                needs=Permission.INVITE)
def invitations(turn: Turn) -> View:
    return invitations_view(turn)


@router.action(INVITATIONS, needs=Permission.INVITE)
def invitations_page(turn: Turn, page: int) -> View:
    return invitations_view(turn, replace=True, page=page)


@router.action(CANCEL_INVITATION, needs=Permission.INVITE)
def cancel_invitation(turn: Turn, number: int) -> View:
    done = organisations.cancel_invitation(turn.session, turn.member, number, turn.now)
    note = t(N_("The invitation is cancelled: its link no longer works.")) if done else \
        t(N_("This invitation can no longer be cancelled (used, cancelled or expired)."))
    return invitations_view(turn, [note, ""], replace=True)


# --- logging out ------------------------------------------------------------------------------------------------

@router.command("logout", menu=N_("Log out"), help=N_("/logout: log out of this assistant"))
def logout(turn: Turn) -> View:
    return View([t(N_("Log out? You will need a new invitation to use this assistant again."))],
                [[LOGOUT.button(t(N_("Yes, log out"))), STAY_LOGGED_IN.button(t(N_("No")))]])


@router.action(STAY_LOGGED_IN)
def stay_logged_in(turn: Turn) -> View:
    return View([t(N_("You stay logged in. Nothing changed."))], replace=True)


@router.action(LOGOUT)
def logout_confirmed(turn: Turn) -> View:
    turn.close_draft(DraftStatus.ABANDONED)
    organisations.log_out(turn.session, turn.member, turn.now)
    return View([t(N_("You are logged out. To come back, ask your access manager for a new invitation."))],
                replace=True)
