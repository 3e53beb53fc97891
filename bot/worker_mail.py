"""The e-mail that tells a worker their employer filed its part and what they must do next, in their language."""
from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from bot.domain.answers import parse_email
from bot.domain.errors import Invalid
from bot.domain.identifiers import mask_niss
from bot.domain.leaves import LeaveType, Regime, Status, label, worker_language
from bot.i18n import N_, Capitalized, render, t
from bot.presentation.request_text import LEAVE_PHRASE, REGIME_PHRASE, filed_on
from bot.storage import organisation_store
from bot.storage.models import LeaveRequest, Organisation, OutboxMail, utcnow

SUBJECT = N_("Request {ticket}: complete your part with ONEM")
FILED_BY_PO = N_("{organisation}, the organising authority of your school ({school}), filed the employer part of "
                 "your request with ONEM on {date}.")
FILED_BY_EMPLOYER = N_("{organisation}, your employer, filed the employer part of your request with ONEM on {date}.")
# The manual's reminder (CITIZEN_REMINDER), said to the worker; how to log in and where the decision goes are
# ONEM's own procedure (docs/rules.md, "The worker's e-mail").
NEXT_STEP = N_("You must now complete this request through the citizen web application \"Dossier Interruption de "
               "carrière et crédit-temps\" (Break@Work). You log in with a digital key, such as your eID card or "
               "itsme.")
UNTIL_THEN = N_("ONEM handles the request once your part is complete; until then its status is \"{status}\". ONEM "
                "sends its decision to your eBox.")


def worker_mail_text(session: Session, request: LeaveRequest) -> tuple[object, list]:
    """The subject and the lines of the e-mail, to be rendered in the worker's language; the NISS masked (e-mail
    travels and lingers in mailboxes)."""
    organisation = session.get(Organisation, request.organisation_id).name
    if request.school_bce:
        school = organisation_store.school_by_bce(session, request.organisation_id, request.school_bce)
        filed = t(FILED_BY_PO, organisation=organisation, school=school.name if school else request.school_bce,
                  date=filed_on(request))
    else:
        filed = t(FILED_BY_EMPLOYER, organisation=organisation, date=filed_on(request))
    leave, regime = LeaveType(request.leave_type), Regime(request.regime)
    lines = [t(N_("Hello {first} {last},"), first=request.first_name, last=request.last_name.upper()), "", filed,
             t(N_("The request concerns {leave}, {regime}, from {start} to {end}."), leave=t(LEAVE_PHRASE[leave]),
               regime=t(REGIME_PHRASE[regime]), start=request.start_date, end=request.end_date),
             t(N_("Ticket number: {ticket}"), ticket=request.ticket),
             t(N_("NISS: {niss}"), niss=mask_niss(request.niss)), "",
             t(N_("What you must do now")), t(NEXT_STEP),
             t(UNTIL_THEN, status=Capitalized(label(Status.WAITING))), "",
             t(N_("Keep the ticket number: it identifies your request. If something in it is wrong, tell "
                  "{organisation}: they can modify or cancel it until ONEM decides."), organisation=organisation),
             "", t(N_("This e-mail was sent automatically on behalf of {organisation}."), organisation=organisation)]
    return t(SUBJECT, ticket=request.ticket), lines


def enqueue_worker_mail(session: Session, request: LeaveRequest, member_language: str,
                        now: dt.datetime | None = None) -> OutboxMail:
    """Queue the e-mail to the request's worker, in their Community's language (own staff: `member_language`).

    Raises ValueError when the request has no address that is one plain address."""
    try:
        recipient = parse_email(request.email or "")
    except Invalid:
        raise ValueError("the request has no worker e-mail address") from None
    lang = worker_language(request.community, member_language)
    subject, lines = worker_mail_text(session, request)
    mail = OutboxMail(recipient=recipient, subject=" ".join(render(subject, lang).split())[:200],
                      body="\n".join(render(line, lang) for line in lines) + "\n", request_id=request.id,
                      created_at=now or utcnow())
    session.add(mail)  # stored with the turn that files the request, or asks again, or not at all
    return mail


def last_worker_mail(session: Session, request: LeaveRequest) -> OutboxMail | None:
    """The e-mail last queued for the request's worker, sent or not."""
    return session.exec(select(OutboxMail).where(OutboxMail.request_id == request.id)
                        .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc()).limit(1)).first()
