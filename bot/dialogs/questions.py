"""The questions of a request, in the manual's order (who files, which worker, which leave, its questions), as form
steps: the intake asks them all, a modification the leave's own."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from types import SimpleNamespace

from bot.domain.answers import (
    aware,
    format_hours,
    format_working_time,
    is_periods,
    parse_date,
    parse_email,
    parse_hours,
    parse_name,
    parse_periods,
    parse_school_name,
)
from bot.domain.errors import Invalid
from bot.domain.identifiers import format_bce, format_niss, niss_of, parse_bce, parse_niss
from bot.domain.leaves import (
    LIVE,
    Capacity,
    Community,
    Employer,
    Exceeded,
    LeaveType,
    Motive,
    Regime,
    StaffStatus,
    add_months,
    check_hours,
    check_notice,
    check_period,
    duration_of,
    exceeded_ceilings,
    label,
    leave_availability,
    length_warnings,
    motives_of,
    needs_employer_agreement,
    regimes_for,
    status_word,
    unmentioned,
)
from bot.domain.roles import Permission, roles_capacities
from bot.domain.words import plain
from bot.fsm.forms import Choice, Context, Step, pick
from bot.i18n import N_, SEMICOLON, Capitalized, T, joined, render, t, tn
from bot.presentation.request_text import ANSWER_LABEL, born, gender_of
from bot.storage import chat_store, organisation_store, request_store
from bot.storage.models import LeaveRequest
from bot.usecases import organisations

YES, NO = "yes", "no"


# --- small pieces shared by the steps ----------------------------------------------------------

_pick = pick  # a parser for a step answered with buttons


def _yes_no(_ctx: Context) -> list[Choice]:
    return [Choice(YES, t(N_("Yes"))), Choice(NO, t(N_("No")))]


def _label(enum):
    return lambda value, ctx: label(enum(value))


def _yes_no_label(value, ctx):
    return t(N_("Yes")) if value == YES else t(N_("No"))


def _day(value) -> dt.date:
    return dt.date.fromisoformat(value)


def _is_po(ctx: Context) -> bool:
    return ctx.answers.get("capacity") == Capacity.PO


def _leave(ctx: Context) -> LeaveType:
    return LeaveType(ctx.answers["leave_type"])


def _regime(ctx: Context) -> Regime:
    return Regime(ctx.answers["regime"])


def _motive(ctx: Context) -> str | None:
    return ctx.answers.get("motive") if motives_of(_leave(ctx)) else None


def _employer(ctx: Context) -> Employer | None:
    """What kind of employer the organisation is (its own staff's leaves depend on it), once per turn; read only
    for its own staff (a school's staff follow their community)."""
    if ctx.answers.get("capacity") != Capacity.OWN:
        return None
    if "employer" not in ctx.cache:
        kind = organisation_store.employer_of(ctx.connection, ctx.member.organisation_id)
        ctx.cache["employer"] = Employer(kind) if kind else None
    return ctx.cache["employer"]


def _community(ctx: Context) -> Community | None:
    code = ctx.answers.get("community")
    return Community(code) if code and _is_po(ctx) else None


def _schools(ctx: Context):
    key = ("schools", ctx.answers.get("community"))
    if key not in ctx.cache:
        ctx.cache[key] = organisation_store.schools_of(ctx.connection, ctx.member.organisation_id,
                                               ctx.answers.get("community"))
    return ctx.cache[key]


# --- capacity, community, school ----------------------------------------------------------------

def _capacity_choices(ctx):
    return [Choice(Capacity.PO, t(N_("I act as organising authority"))),
            Choice(Capacity.OWN, t(N_("I act on behalf of the company I am logged in with")))]


def _capacity_prompt(ctx):
    return [t(N_("In which capacity do you file this request?")),
            t(N_("As organising authority: for the staff of your schools (teachers and other education staff, linked "
                 "to a community). On behalf of the company you are logged in with: for the own staff of "
                 "{organisation} (its administration, for example), not the schools' teachers."),
              organisation=ctx.member.organisation_name)]


def _community_choices(ctx):
    return [Choice(c.value, Capitalized(label(c))) for c in Community]


def _may_register(ctx) -> bool:
    return ctx.member.may(Permission.MANAGE_SCHOOLS)


def _school_prompt(ctx):
    community = label(Community(ctx.answers["community"]))
    if not _schools(ctx):
        return [t(N_("Your organisation has no school registered in the {community} yet. Type the enterprise "
                     "number (BCE) of the school that employs the worker, for example 0876.543.270: you will "
                     "register it here."), community=community)]
    if len(_schools(ctx)) > SCHOOL_BUTTONS and "school_search" not in ctx.cache:
        return [t(N_("Which school employs the worker? Your organisation has {count} schools in the {community}: type "
                     "the school's enterprise number (BCE), like {example}, or a part of its name to find it; the "
                     "first ones are below. A school not listed yet is registered on the way."),
                  count=len(_schools(ctx)), community=community, example=format_bce(_schools(ctx)[0].bce))]
    return [t(N_("Which school employs the worker? Tap it, or type its enterprise number (BCE), for example "
                 "{example}; a school not listed yet is registered on the way."),
              example=format_bce(_schools(ctx)[0].bce))]


SCHOOL_BUTTONS = 10  # more would not fit a phone (nor Telegram, past 100): beyond, the school is found by typing


def _school_matches(ctx) -> list:
    """The schools whose name holds what was typed to find one (all of them before anything was typed)."""
    wanted = plain(ctx.cache.get("school_search", ""))
    return [s for s in _schools(ctx) if wanted in plain(s.name)]


def _school_choices(ctx):
    return [Choice(s.bce, f"{s.name} ({format_bce(s.bce)})") for s in _school_matches(ctx)[:SCHOOL_BUTTONS]]


def _find_school(text, ctx) -> str:
    """A school found by a part of its name: the one that matches, or else the matches as the buttons."""
    typed = " ".join(text.split())[:60]
    ctx.cache["school_search"] = typed
    matches = _school_matches(ctx)
    if len(matches) == 1:
        return matches[0].bce
    if not matches:
        ctx.cache.pop("school_search")
        raise Invalid(N_("No school of your organisation in the {community} has \"{text}\" in its name. Type its "
                         "enterprise number (BCE), like 0876.543.270, or another part of its name."),
                      community=label(Community(ctx.answers["community"])), text=typed)
    raise Invalid(N_("{count} schools match \"{text}\": tap one below, or type more of its name."),
                  count=len(matches), text=typed)


def _registered(ctx, bce=None) -> bool:
    bce = bce or ctx.answers.get("school")
    return any(s.bce == bce for s in _schools(ctx))


def _parse_school(text, ctx):
    try:
        bce = parse_bce(text)
    except Invalid:
        if not re.search(r"[^\W\d_]", re.sub(r"^\s*BE", "", text, flags=re.IGNORECASE)):
            raise  # a mistyped number
        return _find_school(text, ctx)
    if _registered(ctx, bce):
        return bce
    community = label(Community(ctx.answers["community"]))
    others = organisation_store.schools_of(ctx.connection, ctx.member.organisation_id)
    elsewhere = next((s for s in others if s.bce == bce), None)
    if elsewhere is not None:
        raise Invalid(N_("School {bce} is one of yours, but in the {other}, not in the {community}. "
                         "Go back to change the community, or tap one of the schools below."),
                      bce=format_bce(bce), other=label(Community(elsewhere.community)), community=community)
    if organisation_store.bce_taken(ctx.connection, bce):
        raise Invalid(N_("{bce} is registered to another organisation, or is an organisation's own number: it cannot "
                         "be registered here. Check the number on the school's documents."), bce=format_bce(bce))
    return bce  # the next question asks its name, and registers it (to be checked, if typed by a non-manager)


def _check_school(value, ctx) -> list:
    """Still registered when the summary is shown again (an access manager may have removed it meanwhile); one
    being registered on the way is checked by its name's step."""
    if _registered(ctx, value) or ctx.turn.draft is None or ctx.turn.draft.state in ("school", "school_name"):
        # Being answered (in the chat, or in a spreadsheet's row, which has no draft): a number not registered yet
        # is registered at its name's question.
        return []
    if "school_name" in ctx.answers:
        return []  # registered on the way and removed since: its name's question asks for it again
    raise Invalid(N_("School {bce} is no longer registered for your organisation. Tap one of the schools below, or "
                     "type its number again."), bce=format_bce(value))


def _new_school(ctx) -> bool:
    return _is_po(ctx) and "school" in ctx.answers and not _registered(ctx)


def _register_school(name, ctx) -> list:
    """The school typed at the previous question becomes one of the organisation's, in this turn: checked at once
    when an access manager typed it, to be checked by one otherwise (they are told)."""
    bce, community = ctx.answers["school"], ctx.answers["community"]
    manager = _may_register(ctx)
    if not _registered(ctx, bce):
        organisations.register_school(ctx.session, ctx.member, bce, community, name, ctx.turn.now)
        ctx.cache.pop(("schools", community), None)
    if manager:
        return [t(N_("✓ {name} ({bce}) is now registered as a school of your organisation in the {community}; "
                     "/schools lists them."), name=name, bce=format_bce(bce), community=label(Community(community)))]
    return [t(N_("✓ {name} ({bce}) is added to your organisation's schools in the {community}, to be checked by an "
                 "access manager; they are told. You can go on."), name=name, bce=format_bce(bce),
              community=label(Community(community)))]


def _check_school_name(value, ctx) -> list:
    if ctx.turn.draft.state == "school_name" and not _registered(ctx) and \
            organisation_store.bce_taken(ctx.connection, ctx.answers["school"]):  # registered meanwhile, elsewhere
        raise Invalid(N_("School {bce} was registered meanwhile, for another organisation or in another community. Go "
                         "back to the school question and choose it again."), bce=format_bce(ctx.answers["school"]))
    if ctx.turn.draft.state != "school_name" and not _registered(ctx):  # removed since it was registered
        raise Invalid(N_("School {bce} is no longer registered: type its name again to register it."),
                      bce=format_bce(ctx.answers["school"]))
    return []


def _show_school(value, ctx):
    school = next((s for s in _schools(ctx) if s.bce == value), None)
    return f"{school.name} ({format_bce(value)})" if school else format_bce(value)


# --- worker -------------------------------------------------------------------------------------

def _parse_niss(text, ctx):
    return parse_niss(text).number


def echo_niss(value, ctx):
    return born(value)


def _check_age(value, ctx) -> list:
    """A worker younger than 16 or older than 70 is almost surely a typo in the NISS: said, not refused."""
    age = niss_of(value).age_on(ctx.today)
    if age is not None and not 16 <= age <= 70:
        return [t(N_("⚠ By this NISS the worker is {age} years old: check the number against the worker's documents "
                     "(it is probably mistyped)."), age=age)]
    return []


def _check_start(value, ctx) -> list:
    """A start in the past is a late request: ONEM decides what it means, the bot only says so (more than two months
    late, the allowance runs only from the day ONEM receives it)."""
    start = _day(value)
    if add_months(start, 2) < ctx.today:
        return [t(N_("⚠ The leave starts on {start}, more than two months ago: a request that reaches ONEM more than "
                     "two months after the start gives allowances only from the day ONEM receives it. It can be "
                     "filed."), start=start)]
    if start < ctx.today:
        return [t(N_("⚠ The leave starts on {start}, in the past: this is a late request. It can be filed; ONEM "
                     "decides what the delay means for the allowances."), start=start)]
    return []


def _gender(ctx) -> str | None:
    return gender_of(ctx.answers["niss"]) if "niss" in ctx.answers else None


def _status_choices(ctx):
    """The statuses in the form that agrees with the worker (contractuelle), known from the NISS by now."""
    return [Choice(s.value, Capitalized(status_word(s, _gender(ctx)))) for s in StaffStatus]


def _parse_status(text, ctx):
    """A button, or a status typed in either form (contractuel or contractuelle)."""
    wanted = text.strip().casefold()
    for status in StaffStatus:
        spelt = (label(status), status_word(status, "F"))
        if wanted in (render(word, ctx.lang).casefold() for word in spelt):
            return status.value
    return _pick(_status_choices)(text, ctx)


def _parse_email(text, ctx):
    return "" if text.strip().casefold() == "skip" else parse_email(text)


# --- leave type and form ------------------------------------------------------------------------

def _availability(ctx):
    return leave_availability(Capacity(ctx.answers["capacity"]), _community(ctx),
                              StaffStatus(ctx.answers["staff_status"]), _employer(ctx))


# The leave question in the manual's words (what tells medical assistance and palliative care apart); the button
# carries the short name.
LEAVE_DESCRIPTION = {
    LeaveType.CAREER_BREAK: N_("to take a career break"),
    LeaveType.PARENTAL: N_("to take a parental leave"),
    LeaveType.MEDICAL: N_("to assist or give care to a seriously ill member of their household or family"),
    LeaveType.PALLIATIVE: N_("to assist or give care to a person suffering from an incurable illness in the terminal "
                             "phase"),
    LeaveType.CARER: N_("to take an informal carer leave"),
    LeaveType.TIME_CREDIT: N_("to take time credit with a motive"),
}


def _leave_prompt(ctx):
    lines = [t(N_("The worker would like to interrupt (partially or completely) their career:"))]
    closed = []
    quiet = unmentioned(Capacity(ctx.answers["capacity"]), _community(ctx), StaffStatus(ctx.answers["staff_status"]),
                        _employer(ctx))
    for leave, reason in _availability(ctx):
        if reason and leave in quiet:
            continue
        if reason:
            closed.append(t(N_("Not offered: {leave}. {reason}"), leave=label(leave), reason=t(reason)))
        else:
            lines.append(t(N_("• {leave}: {description}"), leave=Capitalized(label(leave)),
                           description=t(LEAVE_DESCRIPTION[leave])))
    return [*lines, *closed]


def _check_leave(value, ctx) -> list:
    """Still open to this worker (the organisation's kind may have been recorded since, or a rule changed)."""
    reason = dict(_availability(ctx)).get(LeaveType(value))
    if reason:
        raise Invalid(reason)
    return []


def _check_regime(value, ctx) -> list:
    if value not in {choice.code for choice in _regime_choices(ctx)}:
        raise Invalid(N_("A {leave} cannot be taken as a {regime}."), leave=label(_leave(ctx)),
                      regime=label(Regime(value)))
    return []


def _leave_choices(ctx):
    return [Choice(leave.value, Capitalized(label(leave))) for leave, reason in _availability(ctx) if not reason]


def _parse_leave(text, ctx):
    wanted = text.strip().casefold()
    for leave, reason in _availability(ctx):
        if wanted in (leave.value, render(label(leave), ctx.lang).casefold()) and reason:
            raise Invalid(reason)
    return _pick(_leave_choices)(text, ctx)


# The cases a leave is asked for, where its rules differ: a short name on the button, what it means in the message.
MOTIVE_DESCRIPTION = {
    Motive.FAMILY: N_("a seriously ill member of the household or family (up to 12 months of full interruption, or "
                      "24 part-time, per patient)"),
    Motive.SINGLE_PARENT: N_("the worker's own child of 16 or under, the worker living alone with the child (up to 24 "
                             "months of full interruption, or 48 part-time)"),
    Motive.HOSPITAL: N_("the worker's minor child in hospital (a full interruption of one week, renewable once by one "
                        "week)"),
    Motive.CHILD: N_("to care for their child under 8 (allowances for at most 48 months)"),
    Motive.PALLIATIVE_CARE: N_("to give palliative care (at most 51 months)"),
    Motive.ILL_RELATIVE: N_("to assist or care for a seriously ill member of the household or family (at most 51 "
                            "months)"),
    Motive.DISABLED_CHILD: N_("to care for their disabled child under 21 (at most 51 months)"),
    Motive.ILL_CHILD: N_("to give medical care to their seriously ill minor child (at most 51 months)"),
    Motive.TRAINING: N_("to follow a recognised training (at most 36 months)"),
}


def _motive_prompt(ctx):
    question = (N_("Whom does the worker assist?") if _leave(ctx) is LeaveType.MEDICAL else
                N_("For which motive does the worker take time credit?"))
    return [t(question), *(t(N_("• {motive}: {description}"), motive=Capitalized(label(motive)),
                            description=t(MOTIVE_DESCRIPTION[motive])) for motive in motives_of(_leave(ctx)))]


def _motive_choices(ctx):
    return [Choice(motive.value, Capitalized(label(motive))) for motive in motives_of(_leave(ctx))]


def _regime_choices(ctx):
    return [Choice(r.value, Capitalized(label(r))) for r in regimes_for(
        _leave(ctx), Capacity(ctx.answers["capacity"]), _community(ctx), _employer(ctx), _motive(ctx))]


def _parse_agreement(text, ctx):
    if _pick(_yes_no)(text, ctx) == NO:
        raise Invalid(N_("A parental leave with a 1/10 reduction is only possible with the employer's agreement. "
                         "Without it, go back and choose another form."))
    return YES


# --- dates and hours ----------------------------------------------------------------------------

def _parse_day(text, ctx):
    return parse_date(text, ctx.today).isoformat()


def _duration(ctx):
    return duration_of(_leave(ctx), _regime(ctx), _motive(ctx))


def _end_prompt(ctx):
    duration = _duration(ctx)
    return [t(N_("Last day of the leave? Tap a duration or type the date, for example {example}."),
              example=duration.end(_day(ctx.answers["start_date"]), duration.months[0]))]


def _end_choices(ctx):
    start, duration = _day(ctx.answers["start_date"]), _duration(ctx)
    if duration.unit == "week":
        return [Choice(f"m{n}", tn("{n} week, until {end}", "{n} weeks, until {end}", n, end=duration.end(start, n)))
                for n in duration.months[:4]]
    return [Choice(f"m{n}", tn("{n} month, until {end}", "{n} months, until {end}", n, end=duration.end(start, n)))
            for n in duration.months[:4]]


def _parse_end(text, ctx):
    months = re.fullmatch(r"m(\d{1,3})", text.strip(), re.ASCII)
    if months:  # a duration button (or its code typed)
        duration = _duration(ctx)
        if int(months[1]) not in duration.months:
            raise Invalid(N_("Please choose one of the buttons below."))
        return duration.end(_day(ctx.answers["start_date"]), int(months[1])).isoformat()
    return _parse_day(text, ctx)


def _history(ctx) -> list:
    """The organisation's requests for this worker, once per turn (a modification leaves its own request out)."""
    key = ("history", ctx.answers["niss"])
    if key not in ctx.cache:
        modified = ctx.turn.draft.request_id if ctx.turn.draft else None
        ctx.cache[key] = request_store.worker_history(ctx.connection, ctx.member.organisation_id, ctx.answers["niss"],
                                                   exclude=modified)
    return ctx.cache[key]


def _live(ctx) -> list:
    return [r for r in _history(ctx) if r.status in LIVE]


def _check_end(value, ctx):
    start, end = _day(ctx.answers["start_date"]), _day(value)
    months = check_period(_leave(ctx), _regime(ctx), start, end, _motive(ctx))
    other = next((r for r in _live(ctx) if r.start_date <= end and r.end_date >= start), None)
    if other is not None:
        raise Invalid(N_("This worker already has a request from {start} to {end} (ticket {ticket}) that overlaps "
                         "these dates. Choose other dates, or cancel that request first."),
                      start=other.start_date, end=other.end_date, ticket=other.ticket)
    age = niss_of(ctx.answers["niss"]).age_on(start)
    over = exceeded_ceilings(_leave(ctx), _regime(ctx), months, _live(ctx), _motive(ctx), _community(ctx), age)
    return [*length_warnings(_leave(ctx), _regime(ctx), months, _motive(ctx)),
            *(_ceiling_warning(limit, ctx) for limit in over)]


_PER = {"child": N_("per child"), "patient": N_("per patient"), "person": N_("per person cared for"),
        "career": N_("over the whole career"), "hospital": N_("per stay in hospital"),
        "motive": N_("for this motive over the whole career")}


def _months(value) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.1f}"


def _ceiling_warning(over: Exceeded, ctx) -> T:
    """Names the earlier requests and what they left; never refuses: the bot does not know the child, the patient
    or the worker's other employers."""
    earlier = {r.ticket: r for r in _live(ctx)}
    tickets = joined([t(N_("{ticket} ({start}–{end}, {form})"), ticket=ticket, start=earlier[ticket].start_date,
                        end=earlier[ticket].end_date, form=label(Regime(earlier[ticket].regime)))
                      for ticket in over.tickets], t(SEMICOLON))
    why = (N_("ONEM counts the whole career, with other employers' requests too: check with the worker.")
           if over.limit.per in ("career", "motive") else
           N_("It can still be filed if it concerns another child or patient: the bot cannot know. Check with the "
              "worker."))
    if _duration(ctx).unit == "week":
        return t(N_("⚠ Ceiling: a {leave} for a child in hospital is limited to {ceiling} weeks {per}. Already filed "
                    "here for this worker: {tickets}. It can still be filed if it concerns another stay: the bot "
                    "cannot know. Check with the worker."), leave=label(_leave(ctx)), ceiling=_months(over.ceiling),
                 per=t(_PER[over.limit.per]), tickets=tickets)
    return t(N_("⚠ Ceiling: a {leave} is limited to {ceiling} months of {form} {per}. Already filed here for this "
                "worker: {tickets}. Months left before this request: {left}; it asks for {months}. {why}"),
             leave=label(_leave(ctx)), ceiling=_months(over.ceiling), form=label(_regime(ctx)),
             per=t(_PER[over.limit.per]), tickets=tickets, left=_months(over.left), months=over.months, why=t(why))


def _check_name(value, ctx) -> list:
    """The same NISS filed before under another name is shown back: one of the two is probably a typo."""
    typed = (ctx.answers.get("last_name", ""), value)
    before = next(iter(_history(ctx)), None)
    if before is not None and (before.last_name.casefold(), before.first_name.casefold()) != \
            tuple(part.casefold() for part in typed):
        return [t(N_("⚠ This NISS was filed before as {last} {first} (ticket {ticket}). Check the name, or the "
                     "NISS."), last=before.last_name.upper(), first=before.first_name, ticket=before.ticket)]
    return []


def _parse_hours(text, ctx):
    return parse_hours(text)


def _parse_before(text, ctx):
    """Hours and minutes a week (20h00), or a teacher's periods (11/22: 11 of a 22-period full-time load)."""
    return parse_periods(text) or parse_hours(text)


def _check_before(value, ctx) -> list:
    """In periods, the full-time load is part of the answer: the form's rules are checked at once."""
    if is_periods(value):
        worked, load = (int(part) for part in value.split("/"))
        check_hours(_leave(ctx), _regime(ctx), worked, load, _motive(ctx), show=_periods)
    return []


def _periods(n: int):
    return tn("{n} period", "{n} periods", n)


def _show_hours(value, ctx):
    return format_working_time(value)


def _fulltime_choices(ctx):
    before = ctx.answers.get("hours_before")
    return [Choice("same", t(N_("Same: {hours}"), hours=format_hours(before)))] if before else []


def _parse_fulltime(text, ctx):
    if text.strip().casefold() == "same" and ctx.answers.get("hours_before"):
        return ctx.answers["hours_before"]
    try:
        return parse_hours(text)
    except Invalid:
        if _looks_like_periods(text):  # periods here, hours before: one unit for both
            raise Invalid(N_("The time before the leave was typed in hours ({before}): type the full-time schedule in "
                             "hours too, like 38h00, or go back and type the time before in periods, like 11/22."),
                          before=format_hours(ctx.answers["hours_before"])) from None
        raise


def _looks_like_periods(text) -> bool:
    try:
        return parse_periods(text) is not None
    except Invalid:
        return True  # periods' shape, if not plausible ones


def _check_fulltime(value, ctx):
    check_hours(_leave(ctx), _regime(ctx), ctx.answers["hours_before"], value, _motive(ctx))
    return []


def _check_notice(value, ctx):
    return check_notice(_leave(ctx), _day(value), _day(ctx.answers["start_date"]), ctx.today, _motive(ctx))


def _show_day(value, ctx):
    return _day(value)


# --- the address for the confirmation e-mail, proved by a code sent to it ---------------------------------

EMAIL_CODE_MINUTES = 30


def _parse_my_email(text, ctx):
    """An address our mail server can deliver to: one with accents or non-Latin letters needs SMTPUTF8."""
    address = parse_email(text)
    if not address.isascii() and not ctx.turn.options.mail_utf8:
        raise Invalid(N_("This bot's mail server cannot deliver to an address with accents or non-Latin letters "
                         "({email}). Type another address, like secretariat@school.be."), email=address)
    return address


def _code_hash(address: str, code: str) -> str:
    return hashlib.sha256(f"{address}\n{code}".encode()).hexdigest()


def _send_email_code(address, ctx) -> list:
    """A six-digit code, sent to the address (through the outbox, in this turn's transaction); kept hashed."""
    from bot.mail import enqueue_code  # only with a mail server

    code = f"{secrets.randbelow(10 ** 6):06d}"
    chat_store.start_email_check(ctx.session, ctx.member, ctx.turn.inp.channel, ctx.turn.inp.chat_key, address,
                                 _code_hash(address, code), ctx.turn.now)
    enqueue_code(ctx.session, address, code, EMAIL_CODE_MINUTES, ctx.lang)
    return []


def _email_code_prompt(ctx):
    return [t(N_("We sent a six-digit code to {email}. Type it here (it is valid {minutes} minutes). No e-mail? "
                 "Check the address with \"Back\"."), email=ctx.answers["my_email"], minutes=EMAIL_CODE_MINUTES)]


def _parse_email_code(text, ctx):
    code = re.sub(r"\s", "", text)
    screen = chat_store.screen(ctx.session, ctx.member, ctx.turn.inp.channel, ctx.turn.inp.chat_key)
    address = ctx.answers["my_email"]
    sent = screen.email_code_sent_at
    fresh = sent is not None and ctx.turn.now - aware(sent) < dt.timedelta(minutes=EMAIL_CODE_MINUTES)
    if not re.fullmatch(r"\d{6}", code, re.ASCII) or screen.email_pending != address or not fresh \
            or not secrets.compare_digest(screen.email_code_hash or "", _code_hash(address, code)):
        raise Invalid(N_("This is not the code we sent to {email}, or it is more than {minutes} minutes old. Type "
                         "the six digits of the last e-mail, for example 042517, or go back to send a new code."),
                      email=address, minutes=EMAIL_CODE_MINUTES)
    return address


def _email_proved(address, ctx) -> list:
    ctx.answers["email_proved"] = address
    organisation_store.prove_email(ctx.session, ctx.member.id, address, ctx.turn.now)
    ctx.member.email = address
    return []


# --- the steps, in the manual's order ------------------------------------------------------------

STEPS: list[Step] = [
    Step("capacity", _capacity_prompt, _pick(_capacity_choices),
         choices=_capacity_choices, applies=lambda ctx: len(roles_capacities(ctx.member.role_set)) > 1, typed=False,
         show=lambda v, ctx: {c.code: c.label for c in _capacity_choices(ctx)}[v], label=ANSWER_LABEL["capacity"]),
    Step("community", lambda ctx: [t(N_("For which community do you act as organising authority?"))],
         _pick(_community_choices), choices=_community_choices, applies=_is_po, show=_label(Community), typed=False,
         label=ANSWER_LABEL["community"], depends_on=("capacity",)),
    Step("school", _school_prompt, _parse_school, choices=_school_choices, applies=_is_po, show=_show_school,
         check=_check_school, label=ANSWER_LABEL["school"], depends_on=("capacity", "community")),
    Step("school_name", lambda ctx: [t(N_("School {bce} is not registered yet. Its name, as on its documents? For "
                                          "example Athénée royal de Namur. It will be registered for your "
                                          "organisation in the {community}."),
                                       bce=format_bce(ctx.answers["school"]),
                                       community=label(Community(ctx.answers["community"])))],
         lambda text, ctx: parse_school_name(text), applies=_new_school, check=_check_school_name,
         after=_register_school, label=ANSWER_LABEL["school_name"], depends_on=("school",)),
    Step("niss", lambda ctx: [t(N_("The worker's national number (NISS)? Type it, do not copy it from a list. "
                                   "For example 85.03.14-123.02."))],
         _parse_niss, check=_check_age, show=lambda v, ctx: format_niss(v), echo=echo_niss, label=ANSWER_LABEL["niss"]),
    Step("last_name", lambda ctx: [t(N_("The worker's last name? For example Dupont."))],
         lambda text, ctx: parse_name(text), label=ANSWER_LABEL["last_name"]),
    Step("first_name", lambda ctx: [t(N_("The worker's first name? For example Marie."))],
         lambda text, ctx: parse_name(text), check=_check_name, label=ANSWER_LABEL["first_name"]),
    Step("staff_status", lambda ctx: [t(N_("The worker's staff status?"))], _parse_status,
         choices=_status_choices, show=lambda v, ctx: status_word(StaffStatus(v), _gender(ctx)),
         label=ANSWER_LABEL["staff_status"], typed=False),
    Step("email", lambda ctx: [t(N_("The worker's e-mail address (optional)? For example marie.dupont@example.be, "
                                    "or tap \"No e-mail\"."))],
         _parse_email, choices=lambda ctx: [Choice("skip", t(N_("No e-mail")))],
         show=lambda v, ctx: v or t(N_("none")), label=ANSWER_LABEL["email"]),
    Step("leave_type", _leave_prompt, _parse_leave, choices=_leave_choices, show=_label(LeaveType), typed=False,
         check=_check_leave,
         label=ANSWER_LABEL["leave_type"], depends_on=("capacity", "community", "staff_status")),
    Step("motive", _motive_prompt, _pick(_motive_choices), choices=_motive_choices, show=_label(Motive),
         label=ANSWER_LABEL["motive"], typed=False, applies=lambda ctx: bool(motives_of(_leave(ctx))),
         depends_on=("leave_type",)),
    Step("regime", lambda ctx: [t(N_("Which form does the {leave} take?"), leave=label(_leave(ctx)))],
         _pick(_regime_choices), choices=_regime_choices, show=_label(Regime), label=ANSWER_LABEL["regime"],
         typed=False, check=_check_regime,
         depends_on=("capacity", "community", "leave_type", "motive")),
    Step("employer_agreement", lambda ctx: [t(N_("A 1/10 reduction needs the employer's agreement. "
                                                 "Does the employer agree?"))],
         _parse_agreement, choices=_yes_no, show=_yes_no_label, label=ANSWER_LABEL["employer_agreement"], typed=False,
         applies=lambda ctx: needs_employer_agreement(_leave(ctx), _regime(ctx)), depends_on=("leave_type", "regime")),
    Step("start_date", lambda ctx: [t(N_("First day of the leave? For example {example}."),
                                      example=dt.date(ctx.today.year + (ctx.today.month == 12),
                                                      ctx.today.month % 12 + 1, 1))],
         _parse_day, check=_check_start, show=_show_day, label=ANSWER_LABEL["start_date"]),
    Step("end_date", _end_prompt, _parse_end, choices=_end_choices, check=_check_end, show=_show_day,
         label=ANSWER_LABEL["end_date"], depends_on=("niss", "leave_type", "motive", "regime", "start_date")),
    Step("hours_before", lambda ctx: [t(N_("The worker's weekly working time before the leave? For example 20h00 "
                                           "or 19h30; a teacher's timetable in periods, like 11/22 (11 periods of a "
                                           "22-period full-time load)."))],
         _parse_before, check=_check_before, show=_show_hours, label=ANSWER_LABEL["hours_before"]),
    Step("fulltime_hours", lambda ctx: [t(N_("The weekly working time of a full-time colleague (a full-time "
                                             "schedule is ...)? For example 20h00."))],
         _parse_fulltime, choices=_fulltime_choices, check=_check_fulltime, show=_show_hours,
         label=ANSWER_LABEL["fulltime_hours"], depends_on=("leave_type", "regime", "hours_before"),
         applies=lambda ctx: not is_periods(ctx.answers.get("hours_before"))),
    Step("notice_date", lambda ctx: [t(N_("On which date did the worker notify you in writing? For example {example}."),
                                       example=ctx.today)],
         _parse_day, check=_check_notice, show=_show_day, label=ANSWER_LABEL["notice_date"]),
    Step("rtt", lambda ctx: [t(N_("Is there a working-time reduction scheme (RTT or equivalent)?"))],
         _pick(_yes_no), choices=_yes_no, show=_yes_no_label, label=ANSWER_LABEL["rtt"], typed=False),
    # Asked only when the user ticks "confirmation e-mail" on the summary and has no proved address yet.
    Step("my_email", lambda ctx: [t(N_("To which address should the confirmation e-mail go? For example "
                                       "secretariat@school.be. We will first send a code to it, to be sure it is "
                                       "yours."))],
         _parse_my_email, label=ANSWER_LABEL["my_email"], after=_send_email_code,
         applies=lambda ctx: bool(ctx.mail_enabled and ctx.answers.get("confirm_email")
                                  and "email_proved" not in ctx.answers)),
    Step("email_code", _email_code_prompt, _parse_email_code, label=ANSWER_LABEL["email_code"],
         after=_email_proved, depends_on=("my_email",),
         applies=lambda ctx: bool(ctx.mail_enabled and ctx.answers.get("confirm_email") and ctx.answers.get("my_email")
                                  and ctx.answers.get("email_proved") != ctx.answers.get("my_email"))),
]
STEP = {step.name: step for step in STEPS}
# What a modification may change after filing: the leave's own answers, not the worker nor the school.
LEAVE_ANSWERS = ("motive", "regime", "employer_agreement", "start_date", "end_date", "hours_before", "fulltime_hours")


def draft_request(ctx: Context) -> SimpleNamespace:
    """The answers as a request not yet filed, to be worded like a filed one (not a table row: only read)."""
    return SimpleNamespace(organisation_id=ctx.member.organisation_id, **request_fields(ctx.answers))


def request_fields(answers: dict) -> dict:
    """The columns of the filed request, from the dialog's answers (a timetable in periods, 11/22, is kept as its
    two numbers and its unit)."""
    before = answers["hours_before"]
    if is_periods(before):
        worked, load = (int(part) for part in before.split("/"))
        time = dict(hours_before=worked, fulltime_hours=load, time_unit="periods")
    else:
        time = dict(hours_before=before, fulltime_hours=answers["fulltime_hours"], time_unit="hours")
    return dict(
        capacity=answers["capacity"], community=answers.get("community") if answers["capacity"] == "po" else None,
        school_bce=answers.get("school") if answers["capacity"] == "po" else None, niss=answers["niss"],
        last_name=answers["last_name"], first_name=answers["first_name"], staff_status=answers["staff_status"],
        email=answers.get("email") or None, leave_type=answers["leave_type"], regime=answers["regime"],
        motive=answers.get("motive") if motives_of(LeaveType(answers["leave_type"])) else None,
        start_date=_day(answers["start_date"]), end_date=_day(answers["end_date"]), **time,
        notice_date=_day(answers["notice_date"]), rtt=answers["rtt"] == YES,
        employer_agreement=(answers.get("employer_agreement") == YES) if answers.get("employer_agreement") else None,
        confirmation_email=bool(answers.get("confirm_email")))


def answers_from_request(request: LeaveRequest) -> dict:
    """The answers a modification dialog starts from: the request as filed."""
    answers = {"capacity": request.capacity, "niss": request.niss, "last_name": request.last_name,
               "first_name": request.first_name, "staff_status": request.staff_status, "email": request.email or "",
               "leave_type": request.leave_type, "regime": request.regime,
               "start_date": request.start_date.isoformat(), "end_date": request.end_date.isoformat(),
               "hours_before": request.hours_before, "fulltime_hours": request.fulltime_hours,
               "notice_date": request.notice_date.isoformat(), "rtt": YES if request.rtt else NO,
               "ticket": request.ticket}
    if request.capacity == Capacity.PO:
        answers |= {"community": request.community, "school": request.school_bce}
    if request.employer_agreement is not None:
        answers["employer_agreement"] = YES if request.employer_agreement else NO
    if request.motive:
        answers["motive"] = request.motive
    if request.time_unit == "periods":  # as typed: 11/22
        answers["hours_before"] = f"{request.hours_before}/{request.fulltime_hours}"
        del answers["fulltime_hours"]
    return answers
