"""Screens outside the intake: welcome, help, /status and the acknowledgement of a filed request."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.answers import format_hours
from bot.domain.identifiers import format_bce, mask_niss, parse_niss
from bot.domain.leaves import Community, LeaveType, Regime, StaffStatus, label
from bot.fsm.views import Button, View
from bot.i18n import N_, joined, t, tn
from bot.storage import repository
from bot.storage.models import LeaveRequest, Member, Organisation

ROLE_LABEL = {"po-education": N_("organising authority for education"), "employer": N_("employer (own staff)"),
              "access-manager": N_("access manager")}
CITIZEN_REMINDER = N_("The worker must now complete this request through the citizen web application "
                      "\"Dossier Interruption de carrière et crédit-temps\".")


def filed_on(request: LeaveRequest) -> dt.date:
    return request.filed_at.astimezone(ZoneInfo("Europe/Brussels")).date()


def not_enrolled() -> View:
    return View([t(N_("Hello! This assistant lets organising authorities file the employer part of career-break "
                      "requests with ONEM.")),
                 t(N_("You are not enrolled yet. Ask your organisation's access manager for an invitation link and "
                      "open it, or type /start followed by the invitation code."))])


def welcome(organisation: Organisation, member: Member) -> View:
    roles = joined([t(ROLE_LABEL[r]) for r in sorted(member.role_set) if r in ROLE_LABEL])
    return View([t(N_("Welcome! You act for {organisation}."), organisation=organisation.name),
                 t(N_("Your roles: {roles}."), roles=roles),
                 t(N_("Type /new to file a request, /status to follow one, /help for help."))],
                [[Button(t(N_("New request")), "c:new")]])


def help_view() -> View:
    return View([t(N_("What I can do:")),
                 t(N_("/new: file the employer part of a new request")),
                 t(N_("/status: your organisation's latest requests; /status followed by a ticket number shows "
                      "one request")),
                 t(N_("/overview: all your organisation's requests, with filters, pages and a CSV export")),
                 t(N_("/cancel: stop the request in progress (it is kept as a draft, nothing is sent)")),
                 t(N_("/members: who is enrolled in your organisation; /invite: invite a colleague (access "
                      "managers)")),
                 t(N_("/language: choose your language")),
                 t(N_("/logout: log out of this assistant")),
                 t(N_("/help: this help")),
                 t(N_("During a request, answer each question by tapping a button or typing the answer; "
                      "\"Back\" returns to the previous question."))])


def latest(session: Session, member: Member) -> list[View]:
    requests = repository.latest_requests(session, member.organisation_id, 5)
    if not requests:
        return [View([t(N_("Your organisation has not filed any request yet. Type /new to file one."))],
                     [[Button(t(N_("New request")), "c:new")]])]
    buttons = [[Button(f"{r.ticket} · {r.last_name.upper()} {r.first_name[:1]}. · {mask_niss(r.niss)}",
                       f"s:{r.ticket}")] for r in requests]
    total = repository.count_requests(session, member.organisation_id)
    return [View([tn("Your organisation has filed {n} request.", "Your organisation has filed {n} requests.", total),
                  t(N_("The latest are below: tap one to see it, or type /status followed by a ticket number."))],
                 buttons)]


def request_lines(session: Session, request: LeaveRequest, organisation_name: str) -> list:
    """The request in sentences, as on the manual's confirmation page (a draft or a filed request)."""
    lines = [t(N_("Worker: {last} {first}, {status}."), last=request.last_name.upper(), first=request.first_name,
               status=label(StaffStatus(request.staff_status))), born(request.niss)]
    if request.school_bce:
        school = repository.school_by_bce(session, request.organisation_id, request.school_bce)
        name = f"{school.name} ({format_bce(request.school_bce)})" if school else format_bce(request.school_bce)
        lines.append(t(N_("School: {school}, {community}."), school=name,
                       community=label(Community(request.community))))
    else:
        lines.append(t(N_("Own staff of {organisation}."), organisation=organisation_name))
    if request.email:
        lines.append(t(N_("Worker's e-mail: {email}"), email=request.email))
    leave = label(LeaveType(request.leave_type))
    lines += ["", t(N_("The request concerns a {leave}, {regime}, from {start} to {end}."), leave=leave,
                    regime=label(Regime(request.regime)), start=request.start_date, end=request.end_date)]
    if request.employer_agreement:
        lines.append(t(N_("The employer agrees to the 1/10 reduction.")))
    lines += [t(N_("Before this {leave}, the worker was employed under a contract of {hours} a week."), leave=leave,
                hours=format_hours(request.hours_before)),
              t(N_("A full-time schedule amounts to {hours}."), hours=format_hours(request.fulltime_hours)),
              t(N_("The worker notified me in writing on {date} of their intention to reduce their working time."),
                date=request.notice_date),
              t(N_("Is there a working-time reduction scheme (RTT or equivalent)? {answer}"),
                answer=t(N_("Yes")) if request.rtt else t(N_("No")))]
    return lines


def born(niss_number: str):
    """What the NISS says of the worker, shown back so that a typo is caught."""
    niss = parse_niss(niss_number)
    if niss.birth_date is None:
        return t(N_("NISS {niss}: a number whose birth date is not known. Check it against the worker's documents."),
                 niss=niss.formatted)
    sex = {"M": t(N_("male")), "F": t(N_("female"))}.get(niss.gender, t(N_("sex not known")))
    return t(N_("NISS {niss}: born {birth}, {sex}."), niss=niss.formatted, birth=niss.birth_date, sex=sex)


def acknowledgement(session: Session, request: LeaveRequest, organisation_name: str) -> View:
    return View([t(N_("Acknowledgement of receipt")),
                 t(N_("A unique ticket number has been given to this request: {ticket}"), ticket=request.ticket),
                 t(N_("Keep it: /status {ticket} shows the request at any time."), ticket=request.ticket), "",
                 *request_lines(session, request, organisation_name), "",
                 t(CITIZEN_REMINDER)],
                [[Button(t(N_("Show the request")), f"s:{request.ticket}"), Button(t(N_("New request")), "c:new")]],
                replace=True)
