"""A request in sentences, as the manual's confirmation page words it: shared by the summary, the consultation, the
acknowledgement, the receipt and the e-mail."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from sqlalchemy.engine import Connection
from sqlmodel import Session

from bot.domain.answers import aware, format_hours, local_today
from bot.domain.identifiers import format_bce, mask_niss, niss_of
from bot.domain.leaves import Community, LeaveType, Motive, Regime, StaffStatus, Status, label, status_word
from bot.i18n import N_, Capitalized, t, tn
from bot.storage import organisation_store

# The acknowledgement's words, as the manual shows them.
ACKNOWLEDGED = N_("A unique ticket number has been given to this request. It is used to follow up your electronic "
                  "request: {ticket}")
INFORMATION = N_("Information about the interruption")
# The confirmation page's legal notice and certification, for a filing and a modification alike.
LEGAL_NOTICE = N_("⚠ Legal notice: any incorrect declaration may lead to prosecution.")
CERTIFY = N_("{box} I certify that all the data on this form are correct. I undertake to report any change "
             "immediately.")
CITIZEN_REMINDER = N_("The worker must now complete this request through the citizen web application "
                      "\"Dossier Interruption de carrière et crédit-temps\".")

def short_name(last_name: str | None, first_name: str | None = None) -> str:
    """A worker as messages outside the request name them, never by NISS: DUBOIS M. (the last name alone when the
    first is not known yet)."""
    initial = f" {first_name.strip()[:1].upper()}." if first_name and first_name.strip() else ""
    return f"{(last_name or '').upper()}{initial}"


# What each answer of a request is called (the summary's buttons, the history's changes, the acknowledgement).
ANSWER_LABEL = {
    "capacity": N_("Capacity"),
    "community": N_("Community"),
    "school": N_("School"),
    "school_name": N_("School's name"),
    "niss": N_("NISS"),
    "last_name": N_("Last name"),
    "first_name": N_("First name"),
    "staff_status": N_("Staff status"),
    "email": N_("E-mail"),
    "leave_type": N_("Leave"),
    "motive": N_("Case"),
    "regime": N_("Form"),
    "employer_agreement": N_("Employer's agreement"),
    "start_date": N_("Start date"),
    "end_date": N_("End date"),
    "hours_before": N_("Working time before"),
    "fulltime_hours": N_("Full-time schedule"),
    "notice_date": N_("Written notice"),
    "rtt": N_("RTT scheme"),
    "my_email": N_("Your e-mail"),
    "email_code": N_("Code received by e-mail"),
}



# The leave and its form as the confirmation page's sentence words them ("La demande concerne un congé parental,
# interruption complète des prestations, du ... au ...").
LEAVE_PHRASE = {LeaveType.CAREER_BREAK: N_("a career break"), LeaveType.PARENTAL: N_("a parental leave"),
                LeaveType.MEDICAL: N_("a leave for medical assistance"),
                LeaveType.PALLIATIVE: N_("a leave for palliative care"), LeaveType.CARER: N_("an informal carer leave"),
                LeaveType.TIME_CREDIT: N_("a time credit")}
THIS_REQUEST = {LeaveType.CAREER_BREAK: N_("this career break request"),
                LeaveType.TIME_CREDIT: N_("this time credit request"),
                LeaveType.PARENTAL: N_("this parental leave request"),
                LeaveType.MEDICAL: N_("this medical assistance request"),
                LeaveType.PALLIATIVE: N_("this palliative care request"),
                LeaveType.CARER: N_("this informal carer leave request")}
REGIME_PHRASE = {Regime.FULL: N_("full interruption of work"), Regime.HALF: N_("half-time reduction of work"),
                 Regime.THIRD: N_("reduction of work by 1/3"), Regime.QUARTER: N_("reduction of work by 1/4"),
                 Regime.FIFTH: N_("reduction of work by 1/5"), Regime.TENTH: N_("reduction of work by 1/10")}


def filed_on(request) -> dt.date:
    return local_today(aware(request.filed_at))


def box(ticked) -> str:
    return "☑" if ticked else "☐"


def working_time(minutes_or_periods: int, unit: str):
    """A weekly working time as stored: 19h30, or a number of a teacher's periods."""
    if unit == "periods":
        return tn("{n} period", "{n} periods", minutes_or_periods)
    return format_hours(minutes_or_periods)


def periods_as_typed(worked: int, load: int):
    """A timetable in periods as the user typed it: 11/22 periods."""
    return t(N_("{typed} periods"), typed=f"{worked}/{load}")


def time_before(request):
    """The worker's time before the leave, as typed: 19h30, or 11/22 periods."""
    if getattr(request, "time_unit", "hours") == "periods":
        return periods_as_typed(request.hours_before, request.fulltime_hours)
    return format_hours(request.hours_before)


def request_lines(db: Session | Connection, request, organisation_name: str, reveal: bool = True) -> list:
    """The request in sentences, as on the manual's confirmation page (a draft or a filed request). Without
    `reveal` (a member whose roles do not show the full NISS), the NISS is masked and what it says is left out."""
    who = born(request.niss) if reveal else t(N_("NISS {niss}"), niss=mask_niss(request.niss))
    gender = gender_of(request.niss) if reveal else None
    lines = [t(N_("Worker: {last} {first}, {status}."), last=request.last_name.upper(), first=request.first_name,
               status=status_word(StaffStatus(request.staff_status), gender)), who]
    if request.school_bce:
        school = organisation_store.school_by_bce(db, request.organisation_id, request.school_bce)
        name = f"{school.name} ({format_bce(request.school_bce)})" if school else format_bce(request.school_bce)
        lines.append(t(N_("School: {school}, {community}."), school=name,
                       community=label(Community(request.community))))
    else:
        lines.append(t(N_("Own staff of {organisation}."), organisation=organisation_name))
    if request.email:
        lines.append(t(N_("Worker's e-mail: {email}"), email=request.email))
    leave, regime = LeaveType(request.leave_type), Regime(request.regime)
    lines += ["", t(N_("The request concerns {leave}, {regime}, from {start} to {end}."), leave=t(LEAVE_PHRASE[leave]),
                    regime=t(REGIME_PHRASE[regime]), start=request.start_date, end=request.end_date)]
    motive = getattr(request, "motive", None)
    if motive:
        lines.append(t(N_("Motive: {motive}.") if leave is LeaveType.TIME_CREDIT else N_("Case: {motive}."),
                       motive=label(Motive(motive))))
    if request.employer_agreement:
        lines.append(t(N_("The employer agrees to the 1/10 reduction.")))
    # The manual's sentences, fitted to the case: only a contractual worker has an employment contract ("contrat de
    # travail de 20h00"), and a full interruption reduces nothing.
    before = (N_("Before {this_request}, the worker was employed under an employment contract of {hours} a week.")
              if request.staff_status == StaffStatus.CONTRACTUAL else
              N_("Before {this_request}, the worker worked {hours} a week."))
    notice = (N_("The worker notified me in writing on {date} of their intention to interrupt their work.")
              if regime is Regime.FULL else
              N_("The worker notified me in writing on {date} of their intention to reduce their working time."))
    unit = getattr(request, "time_unit", "hours")
    lines += [t(before, this_request=t(THIS_REQUEST[leave]), hours=time_before(request)),
              t(N_("A full-time schedule amounts to {hours}."), hours=working_time(request.fulltime_hours, unit)),
              t(notice, date=request.notice_date),
              t(N_("Is there a working-time reduction scheme (RTT or equivalent)? {answer}"),
                answer=t(N_("Yes")) if request.rtt else t(N_("No")))]
    return lines


@lru_cache(maxsize=64)
def gender_of(niss_number: str) -> str | None:
    """"M", "F" or None (a BIS number may not say), from the NISS: the words agree with it (née, contractuelle)."""
    return niss_of(niss_number).gender


@lru_cache(maxsize=64)
def born(niss_number: str):
    """What the NISS says of the worker, shown back so that a typo is caught (the same sentence for every screen of
    a draft: the last few workers' are kept, not every worker's). The sentence agrees with the sex (né / née)."""
    niss = niss_of(niss_number)
    if niss.birth_date is None:
        return t(N_("NISS {niss}: a number whose birth date is not known. Check it against the worker's documents."),
                 niss=niss.formatted)
    if niss.gender == "M":
        return t(N_("NISS {niss}: born {birth}, male."), niss=niss.formatted, birth=niss.birth_date)
    if niss.gender == "F":
        return t(N_("NISS {niss}: born {birth}, female."), niss=niss.formatted, birth=niss.birth_date)
    return t(N_("NISS {niss}: born {birth}, sex not known."), niss=niss.formatted, birth=niss.birth_date)


def request_entry(index: int, request) -> list:
    """A request as a numbered entry of a list (the overview, /status): who, ticket, leave, dates, status."""
    return [f"{index}. {request.last_name.upper()} {request.first_name} · {mask_niss(request.niss)}",
            f"   {request.ticket}",
            ["   ", Capitalized(label(LeaveType(request.leave_type))), ", ", label(Regime(request.regime)),
             " · ", request.start_date, " – ", request.end_date],
            ["   ", t(N_("filed {date}"), date=filed_on(request)), " · ", Capitalized(label(Status(request.status))),
             [" · ", t(request.office)] if request.office else ""]]
