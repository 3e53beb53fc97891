"""The export of an organisation's requests as a CSV file (every column, full NISS), one at a time per member: the
same file from the chat and from the Mini App."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import threading
import time
import unicodedata
from functools import lru_cache

from sqlmodel import Session

from bot.domain.answers import aware, format_hours, local_today
from bot.domain.identifiers import format_bce, format_niss
from bot.domain.leaves import Community, LeaveType, Motive, Regime, StaffStatus, Status, label
from bot.i18n import N_, Capitalized, render, t, tn
from bot.presentation.filters import Filters
from bot.storage import organisation_store, request_store
from bot.storage.models import Organisation


def json_of(value: dict) -> str:
    return json.dumps(value, sort_keys=True)


# One column per fact, each named once in every language (the request's status is "Status"; the worker's is named
# apart, French calling both "statut").
COLUMNS = (N_("Ticket"), N_("NISS"), N_("Last name"), N_("First name"), N_("Leave"), N_("Form"), N_("Start date"),
           N_("End date"), N_("Filed on"), N_("Status"), N_("ONEM office"), N_("Community"), N_("School"),
           N_("School's enterprise number (BCE)"), N_("Worker's staff status"), N_("Working time before"),
           N_("Full-time schedule"), N_("Written notice"), N_("RTT scheme"), N_("Employer's agreement"), N_("E-mail"),
           N_("Case or motive"))


def cell(text: str | None) -> str:
    """A typed value as a spreadsheet cell that cannot run: one that a spreadsheet would read as a formula (=, +,
    -, @, a tab or a carriage return first) gets a leading apostrophe, as OWASP advises for CSV files."""
    if not text:
        return ""
    return "'" + text if text[0] in "=+-@\t\r" else text


def export_csv(session: Session, member, filters: Filters, lang: str) -> bytes:
    """Every matching request, every column, full NISS: UTF-8 with a BOM and semicolons, as Belgian Excel reads it."""
    rows = request_store.request_rows(session, member.organisation_id, **filters.query())
    # Tens of thousands of rows share few dates, labels and numbers: each is rendered once.
    day = lru_cache(maxsize=None)(lambda d: render(d, lang) if d else "")
    word = lru_cache(maxsize=None)(lambda enum, code: render(Capitalized(label(enum(code))), lang) if code else "")
    niss, hours, school = (lru_cache(maxsize=None)(format_niss), lru_cache(maxsize=None)(format_hours),
                           lru_cache(maxsize=None)(lambda bce: format_bce(bce) if bce else ""))
    school_names = {s.bce: s.name for s in organisation_store.schools_of(session.connection(), member.organisation_id)}
    # Brussels is a whole number of hours from UTC: the day of a filing depends only on its hour (SQLite gives the
    # stored text, whose first 13 characters are that hour; PostgreSQL a datetime).
    filed = lru_cache(maxsize=None)(lambda hour: day(local_today(
        dt.datetime.fromisoformat(hour + ":00").replace(tzinfo=dt.UTC) if isinstance(hour, str) else aware(hour))))
    yes_no = {None: "", True: render(t(N_("Yes")), lang), False: render(t(N_("No")), lang)}

    office_name = lru_cache(maxsize=None)(lambda office: cell(render(t(office), lang)) if office else "")
    periods = lru_cache(maxsize=None)(lambda n: render(tn("{n} period", "{n} periods", n), lang))

    def line(r) -> list:
        (ticket, number, last, first, leave, regime, start, end, filed_at, status, office, community, bce, staff,
         before, fulltime, notice, rtt, agreement, email, motive, unit) = r
        time = (f"{before}/{fulltime}", periods(fulltime)) if unit == "periods" else (hours(before), hours(fulltime))
        return [ticket, niss(number), cell(last), cell(first), word(LeaveType, leave), word(Regime, regime),
                day(start), day(end), filed(filed_at[:13] if isinstance(filed_at, str) else
                                            filed_at.replace(minute=0, second=0, microsecond=0)),
                word(Status, status), office_name(office), word(Community, community), cell(school_names.get(bce, "")),
                school(bce), word(StaffStatus, staff),
                *time, day(notice), yes_no[rtt], yes_no[agreement], cell(email), word(Motive, motive)]

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([render(t(c), lang) for c in COLUMNS])
    writer.writerows(map(line, rows))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


EXPORT_WAIT = N_("An export of yours is being made or was made a moment ago: try again in {seconds} s.")


class Exports:
    """One export at a time per member, and a pause between two: an export reads every matching request, and one
    user must not keep the others waiting. Kept by this process (several processes each apply it)."""

    STALE = 300.0  # an export whose turn failed is never made: after this, it no longer counts as running

    def __init__(self, pause: float = 10.0):
        self.pause, self._lock = pause, threading.Lock()
        self._running: dict[int, float] = {}
        self._finished: dict[int, float] = {}

    def start(self, member_id: int) -> int:
        """0 when this member may export now (and is then counted as exporting), else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            if now - self._running.get(member_id, -self.STALE) < self.STALE:
                return round(self.pause)
            waited = now - self._finished.get(member_id, -self.pause)
            if waited < self.pause:
                return max(1, round(self.pause - waited))
            self._running[member_id] = now
            return 0

    def finish(self, member_id: int) -> None:
        with self._lock:
            self._running.pop(member_id, None)
            self._finished[member_id] = time.monotonic()


def export_filename(organisation: Organisation, today: dt.date) -> str:
    """An ASCII file name every system keeps as it is: accents dropped, not the letter ("Données" -> "Donnees")."""
    ascii_name = unicodedata.normalize("NFKD", organisation.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-")[:40] or organisation.bce
    return f"{slug}_{today.isoformat()}.csv"
