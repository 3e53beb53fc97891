"""A request's history in lines (filed, modified and certified with what changed, a status, a document from ONEM, the
worker's e-mail): shared by the request's screen, a save refused for a change made meanwhile, and the Mini App."""
from __future__ import annotations

import datetime as dt
import json

from sqlmodel import Session

from bot.domain.answers import aware, local_today
from bot.domain.leaves import Motive, Regime, Status, label
from bot.domain.records import EventKind
from bot.i18n import N_, SEMICOLON, Capitalized, joined, t
from bot.presentation.request_text import ANSWER_LABEL, periods_as_typed, working_time
from bot.storage.models import Member, RequestEvent


def _shown(field: str, value, unit: str = "hours", load: int | None = None):
    """A stored value as the user reads it: dates, hours (or periods, 11/22 as typed) and codes in words."""
    if value is None:
        return "-"
    if field.endswith("_date"):
        return dt.date.fromisoformat(value)
    if field == "hours_before" and unit == "periods" and load:
        return periods_as_typed(value, load)
    if field.endswith("_hours") or field == "hours_before":
        return working_time(value, unit)
    if field == "regime":
        return label(Regime(value))
    if field == "motive":
        return label(Motive(value))
    if field in ("employer_agreement", "rtt"):
        return t(N_("Yes")) if value else t(N_("No"))
    return str(value)


def event_line(session: Session, event: RequestEvent) -> object:
    day = event.effective_date or local_today(aware(event.happened_at))  # the day in Brussels, not in UTC
    person = session.get(Member, event.member_id) if event.member_id else None
    who = (person.display_name or person.user_key) if person else t(N_("ONEM"))
    if event.kind == EventKind.FILED:
        return t(N_("{date}: filed by {who}"), date=day, who=who or "-")
    if event.kind == EventKind.CANCELLED:
        return t(N_("{date}: cancelled by {who}"), date=day, who=who or "-")
    if event.kind == EventKind.MODIFIED:
        changes = [t(N_("{field}: {before} → {after}"), field=field, before=before, after=after)
                   for field, before, after in field_changes(event)]
        if event.certified_by:
            return t(N_("{date}: modified and certified by {who} ({fields})"), date=day, who=who or "-",
                     fields=joined(changes, t(SEMICOLON)))
        return t(N_("{date}: modified by {who} ({fields})"), date=day, who=who or "-",
                 fields=joined(changes, t(SEMICOLON)))
    if event.kind == EventKind.WORKER_MAIL:  # the mail server took it: who asked for it is in the audit
        return t(N_("{date}: e-mail sent to the worker with their next step ({email})"), date=day,
                 email=_changes(event)["email"][1])
    if event.kind == EventKind.DOCUMENT:
        name = _changes(event)["document"][1]
        if person is not None:
            return t(N_("{date}: document added by {who}: {name}"), date=day, who=who or "-", name=name)
        return t(N_("{date}: document added by ONEM: {name}"), date=day, name=name)
    status = Capitalized(label(Status(event.status)))
    if event.office:
        return t(N_("{date}: {status}, ONEM office {office}"), date=day, status=status, office=t(event.office))
    return t(N_("{date}: {status}"), date=day, status=status)


def field_changes(event: RequestEvent) -> list[tuple]:
    """What a modification changed, as (question, before, after) in words: the answers a user gives only."""
    changed = _changes(event)
    units = changed.get("time_unit", ("hours", "hours"))
    loads = changed.get("fulltime_hours", (None, None))
    return [(t(ANSWER_LABEL[name]), _shown(name, before, units[0], loads[0]), _shown(name, after, units[1], loads[1]))
            for name, (before, after) in changed.items() if name in ANSWER_LABEL and before != after]


def _changes(event: RequestEvent) -> dict:
    return json.loads(event.changes)
