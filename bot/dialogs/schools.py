"""The organisation's schools, kept by its access managers in the chat (/schools): register one by its enterprise
number, community and name; rename it; remove it while no request names it. The intake registers one on the spot
(see bot/dialogs/questions.py)."""
from __future__ import annotations

import logging

from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.views import View
from bot.dialogs.actions import (
    ASK_REMOVE_SCHOOL,
    CHECK_SCHOOL,
    PAGE,
    REMOVE_SCHOOL,
    SCHOOL_ADD,
    SCHOOL_RENAME,
    SCHOOLS,
    paged,
)
from bot.domain.answers import aware, local_today, parse_school_name
from bot.domain.errors import Invalid
from bot.domain.identifiers import format_bce, parse_bce
from bot.domain.leaves import Community, Employer, label
from bot.domain.records import DraftStatus
from bot.domain.roles import Permission
from bot.fsm import forms
from bot.fsm.forms import Act, Choice, Context, Do, Form, Step, Trigger
from bot.i18n import N_, Capitalized, t, tn
from bot.storage import organisation_store
from bot.usecases import organisations

log = logging.getLogger(__name__)
router = Router("schools")


def registrable_bce(text: str, ctx: Context) -> str:
    """A school number this organisation may register: valid, and not yet anyone's school or organisation."""
    bce = parse_bce(text)
    school = organisation_store.school_by_bce(ctx.connection, ctx.member.organisation_id, bce)
    if school is not None:
        raise Invalid(N_("{bce} is already registered as {name}. Type another number, like 0876.543.270."),
                      bce=format_bce(bce), name=school.name)
    if organisation_store.bce_taken(ctx.connection, bce):
        raise Invalid(N_("{bce} is registered to another organisation, or is an organisation's own number: it cannot "
                         "be registered here. Check the number on the school's documents."), bce=format_bce(bce))
    return bce


def _community_choices(ctx):
    return [Choice(c.value, Capitalized(label(c))) for c in Community]


def _name_prompt(ctx):
    if "old_name" in ctx.answers:
        return [t(N_("The new name of {name} ({bce})? For example Athénée royal de Namur."),
                  name=ctx.answers["old_name"], bce=format_bce(ctx.answers["bce"]))]
    return [t(N_("The school's name, as on its documents? For example Athénée royal de Namur."))]


BCE_STEP = Step("bce", lambda ctx: [t(N_("The school's enterprise number (BCE)? For example 0876.543.270."))],
                registrable_bce, show=lambda v, ctx: format_bce(v), label=N_("Enterprise number (BCE)"))
COMMUNITY_STEP = Step("community", lambda ctx: [t(N_("In which community does the school teach?"))],
                      forms.pick(_community_choices), choices=_community_choices, typed=False,
                      show=lambda v, ctx: label(Community(v)), label=N_("Community"))
NAME_STEP = Step("name", _name_prompt, lambda text, ctx: parse_school_name(text), label=N_("Name"))


# --- registering a school ---------------------------------------------------------------------------------------

def _new_school_summary(ctx: Context):
    a = ctx.answers
    lines = [t(N_("Register this school for your organisation?")), "",
             t(N_("• {label}: {answer}"), label=t(N_("Name")), answer=a["name"]),
             t(N_("• {label}: {answer}"), label=t(N_("Enterprise number (BCE)")), answer=format_bce(a["bce"])),
             t(N_("• {label}: {answer}"), label=t(N_("Community")), answer=label(Community(a["community"])))]
    edits = [forms.edit_choice(NEW_SCHOOL, name) for name in ("bce", "community", "name")]
    return lines, [edits[:2], edits[2:], [Do(Act.CONFIRM, t(N_("✅ Register"))), Do(Act.DISCARD, t(N_("Cancel")))]]


def _on_new_school(turn: Turn, ctx: Context, act: Act) -> View | None:
    if act == Act.DISCARD:
        forms.end(turn, ctx, Trigger.DISCARD)
        return schools_view(turn, [t(N_("Nothing was registered."))], replace=True)
    if act != Act.CONFIRM:
        return None
    if not turn.member.may(Permission.MANAGE_SCHOOLS):
        forms.end(turn, ctx, Trigger.DISCARD)
        return View([t(N_("Only an access manager of your organisation can do this."))])
    try:
        registrable_bce(ctx.answers["bce"], ctx)  # again: someone may have registered it meanwhile
    except Invalid as wrong:
        return forms.summary_view(turn, ctx, [forms.error_line(wrong)], True)
    a = ctx.answers
    forms.end(turn, ctx, Trigger.CONFIRM)
    organisations.register_school(turn.session, turn.member, a["bce"], a["community"], a["name"], turn.now)
    return schools_view(turn, [t(N_("{name} ({bce}) is registered: it is offered at the school question of new "
                                    "requests in the {community}."), name=a["name"], bce=format_bce(a["bce"]),
                                 community=label(Community(a["community"])))], replace=True)


def _start_new_school(turn: Turn) -> list[View]:
    return [forms.start(turn, NEW_SCHOOL, {})]


NEW_SCHOOL = router.form(Form("school", [BCE_STEP, COMMUNITY_STEP, NAME_STEP], summary=_new_school_summary,
                              on_summary=_on_new_school, start=_start_new_school, title=N_("New school"),
                              summary_hint=N_("Use the buttons below: modify an answer, then register.")))


# --- renaming ---------------------------------------------------------------------------------------------------

def _rename_summary(ctx: Context):
    a = ctx.answers
    return ([t(N_("Rename {old} ({bce}) to {new}?"), old=a["old_name"], bce=format_bce(a["bce"]), new=a["name"])],
            [[forms.edit_choice(RENAME_SCHOOL, "name")],
             [Do(Act.CONFIRM, t(N_("✅ Rename"))), Do(Act.DISCARD, t(N_("Cancel")))]])


def _on_rename(turn: Turn, ctx: Context, act: Act) -> View | None:
    if act == Act.DISCARD:
        forms.end(turn, ctx, Trigger.DISCARD)
        return schools_view(turn, [t(N_("Nothing was changed."))], replace=True)
    if act != Act.CONFIRM:
        return None
    forms.end(turn, ctx, Trigger.CONFIRM)
    if not turn.member.may(Permission.MANAGE_SCHOOLS):
        return View([t(N_("Only an access manager of your organisation can do this."))])
    if not organisation_store.rename_school(turn.connection, turn.member.organisation_id, ctx.answers["bce"],
                                    ctx.answers["name"]):
        return schools_view(turn, [t(N_("This school is no longer registered."))], replace=True)
    return schools_view(turn, [t(N_("{old} is now called {new}."), old=ctx.answers["old_name"],
                                 new=ctx.answers["name"])], replace=True)


def _restart_rename(turn: Turn) -> list[View]:
    turn.close_draft(DraftStatus.ABANDONED)
    return [schools_view(turn)]


RENAME_SCHOOL = router.form(Form("school-rename", [NAME_STEP], summary=_rename_summary, on_summary=_on_rename,
                                 start=_restart_rename, title=N_("Rename a school"),
                                 summary_hint=N_("Use the buttons below: modify the name, then rename.")))


# --- the list -----------------------------------------------------------------------------------------------------

# What the organisation's kind of employer means for its own staff, said to its access managers.
EMPLOYER_LINE = {
    Employer.PUBLIC: N_("{organisation} is recorded as a public body: its own staff may take the career break of the "
                        "local and provincial administrations and the thematic leaves."),
    Employer.PRIVATE: N_("{organisation} is recorded as a private-law body: its own staff may take time credit with a "
                         "motive and the thematic leaves, not a career break."),
    None: N_("Whether {organisation} is a public body or a private-law body is not recorded: its own staff are offered "
             "only the thematic leaves until the administrator records it."),
}


def schools_view(turn: Turn, notes: list | None = None, replace=False, page: int = 0) -> View:
    member = turn.member
    registered = organisation_store.schools_of(turn.connection, member.organisation_id)
    used = organisation_store.school_usage(turn.connection, member.organisation_id)
    shown, page, moves = paged(registered, page, SCHOOLS)
    kind = organisation_store.employer_of(turn.connection, member.organisation_id)
    lines = [*(notes or []), t(EMPLOYER_LINE[Employer(kind) if kind else None], organisation=member.organisation_name),
             ""]
    if not registered:
        lines.append(t(N_("No school is registered for your organisation yet.")))
    else:
        lines.append(t(N_("The schools of your organisation:")))
    buttons = []
    members = organisation_store.members_of(turn.session, member.organisation_id)
    adders = {m.id: m.display_name or m.user_key for m in members}
    for school in shown:
        count = used.get(school.bce, 0)
        lines.append(["• ", school.name, " · ", format_bce(school.bce), " · ", label(Community(school.community)),
                      " · ", tn("{n} request", "{n} requests", count)])
        if school.to_check:
            lines.append(["  ", t(N_("⚠ To be checked: added by {who} on {date} at a request's school question."),
                                  who=adders.get(school.added_by, "-"),
                                  date=local_today(aware(school.added_at)) if school.added_at else "-")])
            buttons.append([CHECK_SCHOOL.button(t(N_("✓ Checked: {name}"), name=school.name[:30]), school.bce)])
        row = [SCHOOL_RENAME.button(t(N_("✏ {name}"), name=school.name[:30]), school.bce)]
        if not count:  # a school named by a request stays: the request must keep saying where the worker works
            row.append(ASK_REMOVE_SCHOOL.button(t(N_("🗑 Remove {name}"), name=school.name[:30]), school.bce))
        buttons.append(row)
    if moves:
        lines.append(t(N_("Page {page} of {pages}."), page=page + 1, pages=-(-len(registered) // PAGE)))
    if registered and any(used.get(s.bce) for s in shown):
        lines.append(t(N_("A school named by a request cannot be removed.")))
    buttons += moves
    buttons.append([SCHOOL_ADD.button(t(N_("➕ Register a school")))])
    return View(lines, buttons, replace)


@router.command("schools", menu=N_("Your organisation's schools (access managers)"),
                help=N_("/schools: the schools of your organisation: register, rename, remove (access managers)"),
                needs=Permission.MANAGE_SCHOOLS)
def schools(turn: Turn) -> View:
    return schools_view(turn)


@router.action(SCHOOLS, needs=Permission.MANAGE_SCHOOLS)
def schools_page(turn: Turn, page: int) -> View:
    return schools_view(turn, replace=True, page=page)


def _busy(turn: Turn) -> View | None:
    """Registering or renaming is a small form: it would close a request in progress, so that comes first."""
    if turn.draft is not None and turn.draft.form not in (NEW_SCHOOL.name, RENAME_SCHOOL.name):
        return View([t(N_("Finish or /cancel the request in progress first: it stays open while you do. A school "
                          "can also be registered at the request's school question, by typing its number."))])
    return None


@router.action(SCHOOL_ADD, needs=Permission.MANAGE_SCHOOLS)
def add(turn: Turn) -> View:
    return _busy(turn) or forms.start(turn, NEW_SCHOOL, {}, replace=True)


@router.action(SCHOOL_RENAME, needs=Permission.MANAGE_SCHOOLS)
def rename(turn: Turn, bce: str) -> View:
    school = organisation_store.school_by_bce(turn.connection, turn.member.organisation_id, bce)
    if school is None:
        return schools_view(turn, [t(N_("This school is no longer registered."))], replace=True)
    return _busy(turn) or forms.start(turn, RENAME_SCHOOL, {"bce": school.bce, "old_name": school.name},
                                      replace=True)


@router.action(CHECK_SCHOOL, needs=Permission.MANAGE_SCHOOLS)
def check(turn: Turn, bce: str) -> View:
    school = organisation_store.school_by_bce(turn.connection, turn.member.organisation_id, bce)
    if school is None:
        return schools_view(turn, [t(N_("This school is no longer registered."))], replace=True)
    organisation_store.check_school(turn.connection, turn.member.organisation_id, bce)
    log.info("school checked by member %s", turn.member.id)
    return schools_view(turn, [t(N_("{name} ({bce}) is checked."), name=school.name, bce=format_bce(bce))],
                        replace=True)


@router.action(ASK_REMOVE_SCHOOL, needs=Permission.MANAGE_SCHOOLS)
def ask_remove(turn: Turn, bce: str) -> View:
    school = organisation_store.school_by_bce(turn.connection, turn.member.organisation_id, bce)
    if school is None:
        return schools_view(turn, [t(N_("This school is no longer registered."))], replace=True)
    return View([t(N_("Remove {name} ({bce}) from your organisation's schools? It will no longer be offered for new "
                      "requests."), name=school.name, bce=format_bce(school.bce))],
                [[REMOVE_SCHOOL.button(t(N_("Yes, remove")), school.bce), SCHOOLS.button(t(N_("No")), 0)]],
                replace=True)


@router.action(REMOVE_SCHOOL, needs=Permission.MANAGE_SCHOOLS)
def remove(turn: Turn, bce: str) -> View:
    school = organisation_store.school_by_bce(turn.connection, turn.member.organisation_id, bce)
    if school is None:
        return schools_view(turn, [t(N_("This school is no longer registered."))], replace=True)
    if not organisation_store.remove_school(turn.connection, turn.member.organisation_id, bce):
        return schools_view(turn, [t(N_("{name} is named by a request, so it stays registered."),
                                     name=school.name)], replace=True)
    log.info("school removed by member %s", turn.member.id)
    return schools_view(turn, [t(N_("{name} ({bce}) is removed."), name=school.name, bce=format_bce(bce))],
                        replace=True)
