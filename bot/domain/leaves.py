"""The leave catalogue: who may take which leave, in which forms, for how long, with what notice."""
from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field
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


class StaffStatus(StrEnum):
    STATUTORY = "statutory"
    CONTRACTUAL = "contractual"
    TEMPORARY = "temporary"


class LeaveType(StrEnum):
    CAREER_BREAK = "career"
    PARENTAL = "parental"
    MEDICAL = "medical"
    PALLIATIVE = "palliative"
    CARER = "carer"


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
}

def label(member: StrEnum) -> T:
    """The translatable name of a code (leave type, form, status, community, ...)."""
    return t(LABEL[member])


# A column of the availability table: a community's education staff, or Capacity.OWN.
Column = Community | Capacity


@dataclass(frozen=True)
class Duration:
    """The lengths one request may have, in whole months: least, least + step, ... up to most."""

    least: int
    most: int
    step: int
    rule: str  # names the rule and its values; {months} is the length asked

    @property
    def months(self) -> list[int]:
        return list(range(self.least, self.most + 1, self.step))


@dataclass(frozen=True)
class Closed:
    """Workers for whom a leave cannot be filed here, and the reason the user is given."""

    column: Column
    reason: str
    statuses: frozenset[StaffStatus] = frozenset(StaffStatus)


@dataclass(frozen=True)
class Limit:
    """A ceiling over several requests of one worker. Only warned about: the bot does not know the child, the
    patient or the worker's other employers.

    partial None: one counter in full-time equivalent (a month at 1/5 counts 1/5 month). partial given: months of a
    part-time form count full/partial of a month (12 full or 24 partial: a partial month is half a full one), unless
    `separate`: then full and part-time months have a ceiling each (60 full + 60 partial over the career)."""

    per: str  # "child", "patient", "person" or "career"
    full: int  # months of full interruption
    partial: int | None = None
    separate: bool = False


@dataclass(frozen=True)
class Leave:
    """One row of the catalogue."""

    forms: dict[Regime, Duration]  # in the order they are offered
    forms_in: dict[Column, tuple[Regime, ...]] = field(default_factory=dict)  # narrower, per column
    closed: tuple[Closed, ...] = ()
    open_from: dict[Regime, Fraction] = field(default_factory=dict)  # part-time forms open below full time
    agreement: frozenset[Regime] = frozenset()  # forms that need the employer's agreement
    notice: tuple[int, int] = (0, 0)  # usual written notice before the start: (months, days)
    short_notice: str | None = None  # warning when the notice is later; {notice} {start} {latest}
    limits: tuple[Limit, ...] = ()


_FULL_AND_PARTIAL = (Regime.FULL, Regime.HALF, Regime.QUARTER, Regime.FIFTH)

CATALOGUE: dict[LeaveType, Leave] = {
    LeaveType.CAREER_BREAK: Leave(
        # One request is capped by the career limit, since the table sets no other maximum.
        forms=dict.fromkeys(
            (Regime.FULL, Regime.HALF, Regime.THIRD, Regime.QUARTER, Regime.FIFTH),
            Duration(3, 60, 1, N_("A career break lasts from 3 to 60 whole months per request "
                                  "({months} asked)."))),
        forms_in={
            Community.FWB: _FULL_AND_PARTIAL,  # unconfirmed; the service's own filter also shows 1/3
            Community.DG: _FULL_AND_PARTIAL,
        },
        closed=(
            Closed(Community.VL, N_("In Flemish education the career break is replaced by the "
                                    "zorgkrediet, which is filed elsewhere, not in this service.")),
            Closed(Community.DG, N_("In the German-speaking Community the career break is not "
                                    "open to temporary staff."), frozenset({StaffStatus.TEMPORARY})),
            Closed(Capacity.OWN, N_("The career break cannot be filed for the organisation's own "
                                    "staff.")),
        ),
        limits=(Limit("career", 60, 60, separate=True),),
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
        forms=dict.fromkeys((Regime.FULL, Regime.HALF, Regime.FIFTH), Duration(1, 3, 1, N_(
            "A medical assistance leave lasts 1 to 3 whole months per request ({months} asked)."))),
        open_from={Regime.HALF: Fraction(3, 4)},
        notice=(0, 7),  # private sector; unconfirmed for education
        short_notice=N_("Medical assistance is usually announced in writing 7 days ahead, by "
                        "{latest} for a start on {start}; this notice is dated {notice}. This may "
                        "differ in education: check it before confirming."),
        limits=(Limit("patient", 12, 24),),
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
}


# Who may take what -----------------------------------------------------------------------------

def _column(capacity: Capacity, community: Community | None) -> Column:
    if capacity is Capacity.OWN:
        return Capacity.OWN
    if community is None:
        raise ValueError("an organising authority files for the staff of a community")
    return community


def _why_closed(leave: LeaveType, column: Column, status: StaffStatus) -> str | None:
    return next((c.reason for c in CATALOGUE[leave].closed
                 if c.column == column and status in c.statuses), None)


def leave_availability(capacity: Capacity, community: Community | None,
                       staff_status: StaffStatus) -> list[tuple[LeaveType, str | None]]:
    """Every leave in catalogue order, with None when it can be filed or the reason why not."""
    column = _column(capacity, community)
    return [(leave, _why_closed(leave, column, staff_status)) for leave in CATALOGUE]


def regimes_for(leave: LeaveType, capacity: Capacity, community: Community | None) -> list[Regime]:
    """The forms offered for a leave to that column of the table; none where it is closed to all."""
    column = _column(capacity, community)
    if all(_why_closed(leave, column, status) for status in StaffStatus):
        return []
    return list(CATALOGUE[leave].forms_in.get(column, CATALOGUE[leave].forms))


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


def _duration(leave: LeaveType, regime: Regime) -> Duration:
    try:
        return CATALOGUE[leave].forms[regime]
    except KeyError:
        raise Invalid(N_("A {leave} cannot be taken as a {regime}."),
                      leave=t(LABEL[leave]), regime=t(LABEL[regime])) from None


def allowed_months(leave: LeaveType, regime: Regime) -> list[int]:
    return _duration(leave, regime).months


def check_period(leave: LeaveType, regime: Regime, start: date, end: date) -> int:
    """Check the dates of one request against the rules of its leave and form; return its months."""
    if end <= start:
        raise Invalid(N_("The end date ({end}) must come after the start date ({start})."),
                      end=end, start=start)
    months = whole_months(start, end)
    duration = _duration(leave, regime)
    if months is None:
        # The ends offered are ends this leave and form allow: the allowed durations around the date typed.
        earlier = [n for n in duration.months if period_end(start, n) < end]
        later = [n for n in duration.months if period_end(start, n) > end]
        if not earlier:
            raise Invalid(N_("A leave lasts whole months: starting on {start}, it can end on {after} at the "
                             "earliest."), start=start, after=period_end(start, later[0]))
        if not later:  # past the longest this leave allows
            raise Invalid(duration.rule, months=(end.year - start.year) * 12 + end.month - start.month)
        raise Invalid(N_("A leave lasts whole months: starting on {start}, it can end on {before} "
                         "or on {after}, not on {end}."), start=start, end=end,
                      before=period_end(start, earlier[-1]), after=period_end(start, later[0]))
    if months not in duration.months:
        raise Invalid(duration.rule, months=months)
    return months


# Hours and notice -----------------------------------------------------------------------------

def check_hours(leave: LeaveType, regime: Regime, before_minutes: int, fulltime_minutes: int) -> None:
    """Check the worker's weekly time before the leave against the full-time schedule and form."""
    hours = {"before": format_hours(before_minutes), "fulltime": format_hours(fulltime_minutes)}
    if before_minutes > fulltime_minutes:
        raise Invalid(N_("The worker's weekly time before the leave ({before}) cannot be more than "
                         "a full-time schedule ({fulltime})."), **hours)
    if regime is Regime.FULL or before_minutes == fulltime_minutes:
        return
    share = CATALOGUE[leave].open_from.get(regime)
    if share is None:
        raise Invalid(N_("A {regime} needs a full-time job, and the worker works {before} of a "
                         "{fulltime} full-time week."), regime=t(LABEL[regime]), **hours)
    if Fraction(before_minutes, fulltime_minutes) < share:
        raise Invalid(N_("For this leave a {regime} is open from {share} of a full-time job: at "
                         "least {least} of a {fulltime} week ({before} given)."),
                      regime=t(LABEL[regime]), share=str(share),
                      least=format_hours(math.ceil(fulltime_minutes * share)), **hours)


def check_notice(leave: LeaveType, notice: date, start: date, today: date) -> list[T]:
    """Refuse an impossible notice date; warn (without refusing) about a short notice."""
    if notice > today:
        raise Invalid(N_("The written notice cannot be dated in the future (today is {today}). "
                         "Type the date of the worker's letter, like {example}."), today=today,
                      example=min(today, start))
    if notice > start:
        raise Invalid(N_("The written notice ({notice}) cannot be dated after the start of the "
                         "leave ({start}). Type the date of the worker's letter, like {example}."),
                      notice=notice, start=start, example=min(today, start))
    rules = CATALOGUE[leave]
    months, days = rules.notice
    latest = add_months(start, -months) - timedelta(days=days)
    if rules.short_notice and notice > latest:
        return [t(rules.short_notice, notice=notice, start=start, latest=latest)]
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


def exceeded_ceilings(leave: LeaveType, regime: Regime, months: int, earlier) -> list[Exceeded]:
    """The ceilings of the leave that earlier live requests of the same worker (objects with ticket, leave_type,
    regime, start_date, end_date) plus this one go over."""
    over = []
    for limit in CATALOGUE[leave].limits:
        per_month = _weight(limit, regime, regime)
        counted = [(r, _weight(limit, Regime(r.regime), regime)) for r in earlier if r.leave_type == leave]
        counted = [(r, w) for r, w in counted if w]
        used = sum((w * (whole_months(r.start_date, r.end_date) or 0) for r, w in counted), Fraction(0))
        ceiling = limit.full if not (limit.separate and regime is not Regime.FULL) else limit.partial
        if used + per_month * months > ceiling:
            over.append(Exceeded(limit, ceiling / per_month, used / per_month, months,
                                 tuple(r.ticket for r, _ in counted)))
    return over
