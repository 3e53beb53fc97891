"""The leave catalogue: who may take which leave, in which forms, for how long, with what notice."""
from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from bot.domain.answers import format_hours
from bot.domain.errors import Invalid
from bot.i18n import N_, T, t


class Capacity(StrEnum):
    PO = "po"  # files for the community-linked staff of the schools it runs
    OWN = "own"  # files for the organisation's own staff


class Community(StrEnum):
    VL = "vl"
    FWB = "fwb"
    DG = "dg"


# The language a school's staff are written to in: its Community's (docs/rules.md, "Language of the worker's
# e-mail").
COMMUNITY_LANGUAGE = {Community.FWB: "fr", Community.VL: "nl", Community.DG: "de"}


def worker_language(community: str | None, member_language: str) -> str:
    """The language of the e-mail to a worker: their Community's; for the organisation's own staff (no Community,
    and no region recorded for the organisation), the language of the member who files or sends it again."""
    return COMMUNITY_LANGUAGE[Community(community)] if community else member_language


class StaffStatus(StrEnum):
    STATUTORY = "statutory"
    CONTRACTUAL = "contractual"
    TEMPORARY = "temporary"


class Employer(StrEnum):
    """What kind of employer an organisation is: its own staff's rules follow from it (docs/rules.md)."""

    PUBLIC = "public"  # a municipality, a province, a community: the local and provincial career break
    PRIVATE = "private"  # an association, a foundation: time credit with a motive


class LeaveType(StrEnum):
    CAREER_BREAK = "career"
    PARENTAL = "parental"
    MEDICAL = "medical"
    PALLIATIVE = "palliative"
    CARER = "carer"
    TIME_CREDIT = "timecredit"


class Motive(StrEnum):
    """The case a leave is asked for, where the rules differ by case: medical assistance's three, and the motives of
    time credit."""

    FAMILY = "family"  # medical assistance to a seriously ill member of the household or family
    SINGLE_PARENT = "single"  # ... to one's child of 16 or under, living alone with them: a higher ceiling
    HOSPITAL = "hospital"  # ... to one's minor child in hospital: one week, renewable once
    CHILD = "child"  # time credit: care for one's child
    PALLIATIVE_CARE = "palcare"  # time credit: palliative care
    ILL_RELATIVE = "ill"  # time credit: a seriously ill member of the household or family
    DISABLED_CHILD = "disabled"  # time credit: care for one's disabled child under 21
    ILL_CHILD = "illchild"  # time credit: medical care of one's seriously ill minor child
    TRAINING = "training"  # time credit: a recognised training


class Regime(StrEnum):
    FULL = "full"
    HALF = "half"
    THIRD = "third"
    QUARTER = "quarter"
    FIFTH = "fifth"
    TENTH = "tenth"


class Status(StrEnum):
    WAITING = "waiting"
    PROCESSING = "processing"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    CANCELLED = "cancelled"


# The lifecycle: the organisation may modify or cancel until ONEM decides; a request not cancelled or refused
# is live, and a new request may not overlap it.
UNDECIDED = (Status.WAITING, Status.PROCESSING)
LIVE = (Status.WAITING, Status.PROCESSING, Status.ACCEPTED)


LABEL: dict[StrEnum, str] = {
    Capacity.PO: N_("I act as organising authority"),
    Capacity.OWN: N_("I act for my own organisation"),
    Community.VL: N_("Flemish Community"),
    Community.FWB: N_("Wallonia-Brussels Federation"),
    Community.DG: N_("German-speaking Community"),
    StaffStatus.STATUTORY: N_("statutory"),
    StaffStatus.CONTRACTUAL: N_("contractual"),
    StaffStatus.TEMPORARY: N_("temporary"),
    LeaveType.CAREER_BREAK: N_("career break"),
    LeaveType.PARENTAL: N_("parental leave"),
    LeaveType.MEDICAL: N_("medical assistance"),
    LeaveType.PALLIATIVE: N_("palliative care"),
    LeaveType.CARER: N_("informal carer leave"),
    LeaveType.TIME_CREDIT: N_("time credit"),
    Regime.FULL: N_("full interruption"),
    Regime.HALF: N_("half-time reduction"),
    Regime.THIRD: N_("1/3 reduction"),
    Regime.QUARTER: N_("1/4 reduction"),
    Regime.FIFTH: N_("1/5 reduction"),
    Regime.TENTH: N_("1/10 reduction"),
    Status.WAITING: N_("waiting for information from the worker"),
    Status.PROCESSING: N_("being processed by ONEM"),
    Status.ACCEPTED: N_("accepted"),
    Status.REFUSED: N_("refused"),
    Status.CANCELLED: N_("cancelled"),
    Employer.PUBLIC: N_("public body"),
    Employer.PRIVATE: N_("private-law body"),
    Motive.FAMILY: N_("a seriously ill relative"),
    Motive.SINGLE_PARENT: N_("own child, single parent"),
    Motive.HOSPITAL: N_("own minor child in hospital"),
    Motive.CHILD: N_("care for a child"),
    Motive.PALLIATIVE_CARE: N_("palliative care of a person"),
    Motive.ILL_RELATIVE: N_("care for a seriously ill relative"),
    Motive.DISABLED_CHILD: N_("care for a disabled child"),
    Motive.ILL_CHILD: N_("care for a seriously ill minor child"),
    Motive.TRAINING: N_("training"),
}

# The worker's status in a sentence about a woman, where the language marks it (contractuelle).
FEMININE: dict[StaffStatus, str] = {
    StaffStatus.STATUTORY: N_("statutory (woman)"),
    StaffStatus.CONTRACTUAL: N_("contractual (woman)"),
    StaffStatus.TEMPORARY: N_("temporary (woman)"),
}


def label(member: StrEnum) -> T:
    """The translatable name of a code (leave type, form, status, community, ...)."""
    return t(LABEL[member])


def status_word(status: StaffStatus, gender: str | None) -> T:
    """The worker's status, in the form that agrees with the worker (gender from the NISS: "F", "M" or None)."""
    return t(FEMININE[status]) if gender == "F" else label(status)


# A column of the availability table: a community's education staff, or the own staff of a public or private-law
# organisation (Capacity.OWN: an organisation whose kind is not recorded yet).
Column = Community | Employer | Capacity


@dataclass(frozen=True)
class Duration:
    """The lengths one request may have, in whole months (or weeks): least, least + step, ... up to most.

    `confirmed` False: the upper bound is not confirmed by a source (docs/rules.md): a longer request is warned
    about with `beyond`, never refused; the least is always a rule."""

    least: int
    most: int
    step: int
    rule: str  # names the rule and its values; {months} is the length asked
    unit: str = "month"  # "month" or "week"
    confirmed: bool = True
    beyond: str | None = None  # the warning past an unconfirmed `most`; {months}
    usual_least: int | None = None  # an unconfirmed minimum: shorter is warned about with `short`, not refused
    short: str | None = None

    @property
    def months(self) -> list[int]:
        """The lengths offered and accepted (an unconfirmed bound accepts up to the longest any rule knows)."""
        return list(range(self.least, (self.most if self.confirmed else LONGEST) + 1, self.step))

    def end(self, start: date, n: int) -> date:
        return start + timedelta(days=7 * n - 1) if self.unit == "week" else period_end(start, n)

    def count(self, start: date, end: date) -> int | None:
        """How many whole units run from start to end (inclusive), or None."""
        if self.unit == "week":
            days = (end - start).days + 1
            return days // 7 if days > 0 and days % 7 == 0 else None
        return whole_months(start, end)


LONGEST = 72  # months: no request, whatever its rule, is accepted past this (the longest ceiling over a career)


@dataclass(frozen=True)
class Closed:
    """Workers for whom a leave cannot be filed here, and the reason the user is given (at the leave question, unless
    it is no news to anyone there: `mention` False; typed anyway, it is said)."""

    column: Column
    reason: str
    statuses: frozenset[StaffStatus] = frozenset(StaffStatus)
    mention: bool = True


@dataclass(frozen=True)
class Limit:
    """A ceiling over several requests of one worker. Only warned about: the bot does not know the child, the
    patient or the worker's other employers.

    partial None: one counter in full-time equivalent (a month at 1/5 counts 1/5 month). partial given: months of a
    part-time form count full/partial of a month (12 full or 24 partial: a partial month is half a full one), unless
    `separate`: then full and part-time months have a ceiling each (60 full + 60 partial over the career).
    `partial_free_from`: (community, age): no ceiling on part-time months for that community's staff from that age at
    the leave's start. `every_case`: requests of every case (motive) of the leave count, not only this one's."""

    per: str  # "child", "patient", "person", "career", "motive" (over the career) or "hospital"
    full: int  # months (weeks for a leave counted in weeks) of full interruption
    partial: int | None = None
    separate: bool = False
    partial_free_from: tuple[Community, int] | None = None
    every_case: bool = False


@dataclass(frozen=True)
class Leave:
    """One row of the catalogue (or of one of its cases, for a leave whose rules differ by case)."""

    forms: dict[Regime, Duration]  # in the order they are offered
    forms_in: dict[Column, tuple[Regime, ...]] = field(default_factory=dict)  # narrower, per column
    closed: tuple[Closed, ...] = ()
    open_from: dict[Regime, Fraction] = field(default_factory=dict)  # part-time forms open below full time
    agreement: frozenset[Regime] = frozenset()  # forms that need the employer's agreement
    notice: tuple[int, int] = (0, 0)  # usual written notice before the start: (months, days)
    short_notice: str | None = None  # warning when the notice is later; {notice} {start} {latest}
    limits: tuple[Limit, ...] = ()
    motives: tuple[Motive, ...] = ()  # the cases asked, in order; their own rules are in CASES


_FULL_AND_PARTIAL = (Regime.FULL, Regime.HALF, Regime.QUARTER, Regime.FIFTH)
_CAREER_BREAK = Duration(3, 12, 1, N_("A career break lasts at least 3 whole months per request ({months} asked)."),
                         confirmed=False, beyond=N_(
                             "⚠ This career break asks for {months} months in one request. The 3-month minimum is a "
                             "rule; a maximum per request is not confirmed by our sources (periods of 3 to 12 months "
                             "are usual): it can be filed, check with the worker and ONEM."))
_TIME_CREDIT_51 = Duration(1, 51, 1, N_("Time credit for this motive lasts at most 51 months ({months} asked)."),
                           usual_least=3, short=N_(
                               "⚠ Time credit is usually taken by periods of at least 3 months ({months} asked); our "
                               "sources do not confirm it for every motive and form: it can be filed, check with the "
                               "worker."))
# 51 months over the career whatever the motive, a part-time month counting as a month.
_TIME_CREDIT_CAREER = Limit("career", 51, 51, every_case=True)
_MEDICAL = N_("A medical assistance leave lasts 1 to 3 whole months per request ({months} asked).")
_MEDICAL_NOTICE = N_("Medical assistance is usually announced in writing 7 days ahead, by {latest} for a start on "
                     "{start}; this notice is dated {notice}. This may differ in education: check it before "
                     "confirming.")

CATALOGUE: dict[LeaveType, Leave] = {
    LeaveType.CAREER_BREAK: Leave(
        forms=dict.fromkeys((Regime.FULL, Regime.HALF, Regime.THIRD, Regime.QUARTER, Regime.FIFTH), _CAREER_BREAK),
        forms_in={
            Community.FWB: _FULL_AND_PARTIAL,  # the service's own filter also shows 1/3
            Community.DG: _FULL_AND_PARTIAL,
            Employer.PUBLIC: _FULL_AND_PARTIAL,
        },
        closed=(
            Closed(Community.VL, N_("In Flemish education the career break is replaced by the zorgkrediet, which is "
                                    "requested from the Flemish Department of Work and Social Economy (Departement "
                                    "Werk en Sociale Economie), not from ONEM.")),
            Closed(Community.FWB, N_("In the Wallonia-Brussels Federation's education, the ordinary career break is "
                                     "open only to staff appointed for good (statutory), not to contractual or "
                                     "temporary staff."), frozenset({StaffStatus.CONTRACTUAL, StaffStatus.TEMPORARY})),
            Closed(Community.DG, N_("In the German-speaking Community the career break is not "
                                    "open to temporary staff."), frozenset({StaffStatus.TEMPORARY})),
            Closed(Employer.PRIVATE, N_("The own staff of a private-law body (an association, a foundation) take time "
                                        "credit instead of a career break.")),
            Closed(Capacity.OWN, N_("Whether your organisation is a public body or a private-law body is not "
                                    "recorded yet, and its own staff's career break depends on it: ask the "
                                    "administrator to record it.")),
        ),
        notice=(3, 0),  # the local and provincial administrations' rule; unconfirmed elsewhere
        short_notice=N_("A career break is usually announced in writing 3 months ahead, by {latest} for a start on "
                        "{start}; this notice is dated {notice}. Your rules may differ: check it before confirming."),
        # 60 months full and 60 part-time over the career; FWB staff have no part-time ceiling from age 55.
        limits=(Limit("career", 60, 60, separate=True, partial_free_from=(Community.FWB, 55)),),
    ),
    LeaveType.PARENTAL: Leave(
        forms={
            Regime.FULL: Duration(1, 4, 1, N_(
                "A full-time parental leave lasts 1 to 4 whole months ({months} asked).")),
            Regime.HALF: Duration(2, 8, 2, N_(
                "A half-time parental leave lasts a multiple of 2 months, at most 8 months "
                "({months} asked).")),
            Regime.FIFTH: Duration(5, 20, 5, N_(
                "A parental leave with a 1/5 reduction lasts a multiple of 5 months, at most "
                "20 months ({months} asked).")),
            Regime.TENTH: Duration(10, 40, 10, N_(
                "A parental leave with a 1/10 reduction lasts a multiple of 10 months, at most "
                "40 months ({months} asked).")),
        },
        agreement=frozenset({Regime.TENTH}),
        notice=(2, 0),  # private sector; unconfirmed for education
        short_notice=N_("Parental leave is usually announced in writing 2 months ahead, by "
                        "{latest} for a start on {start}; this notice is dated {notice}. This may "
                        "differ in education: check it before confirming."),
        limits=(Limit("child", 4),),
    ),
    LeaveType.MEDICAL: Leave(
        forms=dict.fromkeys((Regime.FULL, Regime.HALF, Regime.FIFTH), Duration(1, 3, 1, _MEDICAL)),
        open_from={Regime.HALF: Fraction(3, 4)},
        notice=(0, 7),  # private sector; unconfirmed for education
        short_notice=_MEDICAL_NOTICE,
        limits=(Limit("patient", 12, 24),),
        motives=(Motive.FAMILY, Motive.SINGLE_PARENT, Motive.HOSPITAL),
    ),
    LeaveType.PALLIATIVE: Leave(
        forms=dict.fromkeys((Regime.FULL, Regime.HALF, Regime.FIFTH), Duration(1, 1, 1, N_(
            "A palliative care leave lasts exactly 1 month; an extension is a new request "
            "({months} asked)."))),
        open_from={Regime.HALF: Fraction(3, 4)},
        limits=(Limit("patient", 3, 3),),  # 1 month and at most 2 extensions, whatever the form
    ),
    LeaveType.CARER: Leave(  # FWB and DG open: unconfirmed
        forms={
            Regime.FULL: Duration(1, 3, 1, N_(
                "A full-time informal carer leave lasts 1 to 3 whole months ({months} asked).")),
            **dict.fromkeys((Regime.HALF, Regime.FIFTH), Duration(2, 6, 2, N_(
                "A part-time informal carer leave lasts 2, 4 or 6 months ({months} asked)."))),
        },
        notice=(0, 7),  # private sector; unconfirmed for education
        short_notice=N_("Informal carer leave is usually announced in writing 7 days ahead, by "
                        "{latest} for a start on {start}; this notice is dated {notice}. This may "
                        "differ in education: check it before confirming."),
        limits=(Limit("person", 3, 6), Limit("career", 6, 12)),
    ),
    LeaveType.TIME_CREDIT: Leave(  # the own staff of a private-law body: collective agreement 103 (docs/rules.md)
        forms=dict.fromkeys((Regime.FULL, Regime.HALF, Regime.FIFTH), _TIME_CREDIT_51),
        closed=(
            *(Closed(community, N_("Time credit is for the staff of private-law employers; education staff take a "
                                   "career break or a thematic leave."), mention=False) for community in Community),
            Closed(Employer.PUBLIC, N_("The own staff of a public body take a career break, not time credit.")),
            Closed(Capacity.OWN, N_("Whether your organisation is a public body or a private-law body is not "
                                    "recorded yet, and its own staff's time credit depends on it: ask the "
                                    "administrator to record it.")),
        ),
        open_from={Regime.HALF: Fraction(3, 4)},
        notice=(3, 0),  # 3 months (6 with 20 workers or fewer): only warned
        short_notice=N_("Time credit is announced in writing 3 months ahead (6 months where the employer has 20 "
                        "workers or fewer), by {latest} for a start on {start}; this notice is dated {notice}. "
                        "Check it before confirming."),
        limits=(_TIME_CREDIT_CAREER,),
        motives=(Motive.CHILD, Motive.PALLIATIVE_CARE, Motive.ILL_RELATIVE, Motive.DISABLED_CHILD, Motive.ILL_CHILD,
                 Motive.TRAINING),
    ),
}

# The cases whose rules differ from their leave's row: what they change, the rest is the row's.
CASES: dict[tuple[LeaveType, Motive], dict] = {
    (LeaveType.MEDICAL, Motive.SINGLE_PARENT): dict(limits=(Limit("patient", 24, 48),)),
    (LeaveType.MEDICAL, Motive.HOSPITAL): dict(
        forms={Regime.FULL: Duration(1, 1, 1, N_("For a minor child in hospital, a medical assistance leave is a full "
                                                 "interruption of exactly one week; a second week is a new request "
                                                 "({months} asked)."), unit="week")},
        notice=(0, 0), short_notice=None, limits=(Limit("hospital", 2),)),
    # For a child, the allowances stop at 48 months (since 01/02/2023).
    (LeaveType.TIME_CREDIT, Motive.CHILD): dict(limits=(_TIME_CREDIT_CAREER, Limit("motive", 48, 48))),
    (LeaveType.TIME_CREDIT, Motive.TRAINING): dict(
        forms=dict.fromkeys((Regime.FULL, Regime.HALF, Regime.FIFTH), Duration(1, 36, 1, N_(
            "Time credit for training lasts at most 36 months ({months} asked)."), usual_least=3,
            short=_TIME_CREDIT_51.short)), limits=(_TIME_CREDIT_CAREER, Limit("motive", 36, 36))),
}


# Each case's rules, made once from its row and what the case changes.
_CASE_RULES = {key: replace(CATALOGUE[key[0]], **change) for key, change in CASES.items()}


def rules(leave: LeaveType, motive: str | None = None) -> Leave:
    """The rules of a leave for its case (the row itself when the case changes nothing)."""
    return _CASE_RULES.get((leave, motive), CATALOGUE[leave]) if motive else CATALOGUE[leave]


def motives_of(leave: LeaveType) -> tuple[Motive, ...]:
    return CATALOGUE[leave].motives


# Who may take what -----------------------------------------------------------------------------

def _column(capacity: Capacity, community: Community | None, employer: Employer | None = None) -> Column:
    if capacity is Capacity.OWN:
        return Employer(employer) if employer else Capacity.OWN
    if community is None:
        raise ValueError("an organising authority files for the staff of a community")
    return community


def _closed(leave: LeaveType, column: Column, status: StaffStatus) -> Closed | None:
    return next((c for c in CATALOGUE[leave].closed if c.column == column and status in c.statuses), None)


def _why_closed(leave: LeaveType, column: Column, status: StaffStatus) -> str | None:
    closed = _closed(leave, column, status)
    return closed.reason if closed else None


def unmentioned(capacity: Capacity, community: Community | None, staff_status: StaffStatus,
                employer: Employer | None = None) -> set[LeaveType]:
    """The leaves closed to this worker that the leave question need not name (time credit, to education staff)."""
    column = _column(capacity, community, employer)
    return {leave for leave in CATALOGUE
            if (closed := _closed(leave, column, staff_status)) is not None and not closed.mention}


def leave_availability(capacity: Capacity, community: Community | None, staff_status: StaffStatus,
                       employer: Employer | None = None) -> list[tuple[LeaveType, str | None]]:
    """Every leave in catalogue order, with None when it can be filed or the reason why not."""
    column = _column(capacity, community, employer)
    return [(leave, _why_closed(leave, column, staff_status)) for leave in CATALOGUE]


def regimes_for(leave: LeaveType, capacity: Capacity, community: Community | None, employer: Employer | None = None,
                motive: str | None = None) -> list[Regime]:
    """The forms offered for a leave (and case) to that column of the table; none where it is closed to all."""
    column = _column(capacity, community, employer)
    if all(_why_closed(leave, column, status) for status in StaffStatus):
        return []
    wanted = CATALOGUE[leave].forms_in.get(column, CATALOGUE[leave].forms)
    return [regime for regime in wanted if regime in rules(leave, motive).forms]


def needs_employer_agreement(leave: LeaveType, regime: Regime) -> bool:
    return regime in CATALOGUE[leave].agreement


# Months ----------------------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """The same date some months later (or earlier), or that month's last day if it has no such date."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(start: date, months: int) -> date:
    """Last day of a period of whole months: 01/11/2024 + 1 -> 30/11/2024.

    When the month that ends the period has no such date, the period runs to that month's last
    day (31/01/2025 + 1 -> 28/02/2025): every month of a leave then covers a whole calendar
    month's worth of days, and the 29th, 30th and 31st of January all end on 28 February.
    """
    later = add_months(start, months)
    return later if later.day < start.day else later - timedelta(days=1)


def whole_months(start: date, end: date) -> int | None:
    """How many whole months run from start to end (inclusive), or None if not whole months."""
    guess = (end.year - start.year) * 12 + end.month - start.month
    return next((n for n in (guess, guess + 1) if n >= 1 and period_end(start, n) == end), None)


def duration_of(leave: LeaveType, regime: Regime, motive: str | None = None) -> Duration:
    """The lengths one request of this leave, form and case may have."""
    try:
        return rules(leave, motive).forms[regime]
    except KeyError:
        raise Invalid(N_("A {leave} cannot be taken as a {regime}."),
                      leave=t(LABEL[leave]), regime=t(LABEL[regime])) from None


def allowed_months(leave: LeaveType, regime: Regime, motive: str | None = None) -> list[int]:
    return duration_of(leave, regime, motive).months


def check_period(leave: LeaveType, regime: Regime, start: date, end: date, motive: str | None = None) -> int:
    """Check the dates of one request against the rules of its leave and form; return its months (or weeks)."""
    if end <= start:
        raise Invalid(N_("The end date ({end}) must come after the start date ({start})."),
                      end=end, start=start)
    duration = duration_of(leave, regime, motive)
    months = duration.count(start, end)
    if months is None and duration.unit == "week":
        raise Invalid(N_("This leave lasts whole weeks: starting on {start}, it ends on {after}."),
                      start=start, after=duration.end(start, duration.least))
    if months is None:
        # The ends offered are ends this leave and form allow: the allowed durations around the date typed.
        earlier = [n for n in duration.months if duration.end(start, n) < end]
        later = [n for n in duration.months if duration.end(start, n) > end]
        if not later:  # past the longest this leave allows
            raise Invalid(duration.rule, months=(end.year - start.year) * 12 + end.month - start.month)
        if not earlier:
            raise Invalid(N_("A leave lasts whole months: starting on {start}, it can end on {after} at the "
                             "earliest."), start=start, after=period_end(start, later[0]))
        raise Invalid(N_("A leave lasts whole months: starting on {start}, it can end on {before} "
                         "or on {after}, not on {end}."), start=start, end=end,
                      before=period_end(start, earlier[-1]), after=period_end(start, later[0]))
    if months not in duration.months:
        raise Invalid(duration.rule, months=months)
    return months


def length_warnings(leave: LeaveType, regime: Regime, months: int, motive: str | None = None) -> list[T]:
    """A length past a bound no source confirms: said, never refused."""
    duration = duration_of(leave, regime, motive)
    if not duration.confirmed and months > duration.most and duration.beyond:
        return [t(duration.beyond, months=months)]
    if duration.usual_least and months < duration.usual_least and duration.short:
        return [t(duration.short, months=months)]
    return []


# Hours and notice -----------------------------------------------------------------------------

def check_hours(leave: LeaveType, regime: Regime, before_minutes: int, fulltime_minutes: int,
                motive: str | None = None, show=format_hours) -> None:
    """Check the worker's weekly time before the leave against the full-time schedule and form (in minutes, or in
    periods of a teacher's timetable with `show` writing them)."""
    hours = {"before": show(before_minutes), "fulltime": show(fulltime_minutes)}
    if before_minutes > fulltime_minutes:
        raise Invalid(N_("The worker's weekly time before the leave ({before}) cannot be more than "
                         "a full-time schedule ({fulltime})."), **hours)
    if regime is Regime.FULL or before_minutes == fulltime_minutes:
        return
    share = rules(leave, motive).open_from.get(regime)
    if share is None:
        raise Invalid(N_("A {regime} needs a full-time job, and the worker works {before} of a "
                         "{fulltime} full-time week."), regime=t(LABEL[regime]), **hours)
    if Fraction(before_minutes, fulltime_minutes) < share:
        raise Invalid(N_("For this leave a {regime} is open from {share} of a full-time job: at "
                         "least {least} of a {fulltime} week ({before} given)."),
                      regime=t(LABEL[regime]), share=str(share),
                      least=show(math.ceil(fulltime_minutes * share)), **hours)


def check_notice(leave: LeaveType, notice: date, start: date, today: date, motive: str | None = None) -> list[T]:
    """Refuse an impossible notice date; warn (without refusing) about a short notice."""
    if notice > today:
        raise Invalid(N_("The written notice cannot be dated in the future (today is {today}). "
                         "Type the date of the worker's letter, like {example}."), today=today,
                      example=min(today, start))
    if notice > start:
        raise Invalid(N_("The written notice ({notice}) cannot be dated after the start of the "
                         "leave ({start}). Type the date of the worker's letter, like {example}."),
                      notice=notice, start=start, example=min(today, start))
    row = rules(leave, motive)
    months, days = row.notice
    latest = add_months(start, -months) - timedelta(days=days)
    if row.short_notice and notice > latest:
        return [t(row.short_notice, notice=notice, start=start, latest=latest)]
    return []


# Ceilings over several requests ---------------------------------------------------------------

_OFF = {Regime.FULL: Fraction(1), Regime.HALF: Fraction(1, 2), Regime.THIRD: Fraction(1, 3),
        Regime.QUARTER: Fraction(1, 4), Regime.FIFTH: Fraction(1, 5), Regime.TENTH: Fraction(1, 10)}


def _weight(limit: Limit, regime: Regime, mine: Regime) -> Fraction:
    """What one month in `regime` counts against the limit, in months of full interruption; 0 when it is counted
    apart from a request in `mine` (a separate ceiling)."""
    if limit.partial is None:
        return _OFF[regime]
    if limit.separate:
        return Fraction(1) if (regime is Regime.FULL) == (mine is Regime.FULL) else Fraction(0)
    return Fraction(1) if regime is Regime.FULL else Fraction(limit.full, limit.partial)


@dataclass(frozen=True)
class Exceeded:
    """A ceiling this request goes over, counted in months of its own form."""

    limit: Limit
    ceiling: Fraction  # the ceiling, in months of this request's form
    earlier: Fraction  # what the earlier requests used, in months of this form
    months: int  # this request's months
    tickets: tuple[str, ...]  # the earlier requests that count

    @property
    def left(self) -> Fraction:
        return max(self.ceiling - self.earlier, Fraction(0))


def exceeded_ceilings(leave: LeaveType, regime: Regime, months: int, earlier, motive: str | None = None,
                      community: Community | None = None, age: int | None = None) -> list[Exceeded]:
    """The ceilings of the leave that earlier live requests of the same worker (objects with ticket, leave_type,
    regime, start_date, end_date and maybe motive) plus this one go over. Time credit counts each motive apart (but
    for its ceiling over every motive); a leave counted in weeks (a child in hospital) apart from its months."""
    row, over = rules(leave, motive), []

    def case(motive_of_request) -> str | None:
        if leave is LeaveType.TIME_CREDIT:
            return motive_of_request
        return next(iter(rules(leave, motive_of_request).forms.values())).unit

    own_case = case(motive)
    for limit in row.limits:
        free = limit.partial_free_from
        if free and regime is not Regime.FULL and community == free[0] and age is not None and age >= free[1]:
            continue
        per_month = _weight(limit, regime, regime)
        counted = [(r, _weight(limit, Regime(r.regime), regime)) for r in earlier
                   if r.leave_type == leave and (limit.every_case or case(getattr(r, "motive", None)) == own_case)]
        counted = [(r, w) for r, w in counted if w]
        duration = next(iter(row.forms.values()))
        used = sum((w * (duration.count(r.start_date, r.end_date) or 0) for r, w in counted), Fraction(0))
        ceiling = limit.full if not (limit.separate and regime is not Regime.FULL) else limit.partial
        if used + per_month * months > ceiling:
            over.append(Exceeded(limit, ceiling / per_month, used / per_month, months,
                                 tuple(r.ticket for r, _ in counted)))
    return over
