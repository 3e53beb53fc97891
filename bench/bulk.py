"""A spreadsheet of 1,000 requests on SQLite: checked (read and every row through the intake's steps) and filed (read
and checked again, then every row filed in one transaction), as the chat's /bulk and `breakbot bulk` do it."""
from __future__ import annotations

import datetime as dt
import io
import time
from pathlib import Path

from bench.dataset import niss_number
from bench.intake import setup_intake_organisation
from bot import bulk
from bot.core.turn import Options, Turn
from bot.core.views import Input
from bot.domain.records import BatchStatus
from bot.i18n import render, t
from bot.storage import batch_store, organisation_store
from bot.storage.database import make_engine, session, upgrade
from bot.storage.models import Member, Organisation, utcnow
from bot.storage.turns import Actor


def _workbook(rows: int, today: dt.date) -> bytes:
    """The French template filled with `rows` requests of different workers, as a member would fill it."""
    from openpyxl import Workbook

    headers = [render(t(bulk.HEADER[name]), "fr") for name in bulk.ORDER if name != "capacity"]
    start = dt.date(today.year + 1, 9, 1)
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for index in range(rows):
        niss = niss_number(900_000 + index)
        name = "Nom" + "".join("abcdefghij"[int(d)] for d in f"{index:04d}")  # a name has no digits
        values = {"community": "Fédération Wallonie-Bruxelles", "school": "0876.543.270", "niss": niss,
                  "last_name": name, "first_name": "Marie", "staff_status": "Statutaire", "email": "",
                  "leave_type": "Congé parental", "motive": "", "regime": "Interruption complète",
                  "employer_agreement": "", "start_date": start.strftime("%d/%m/%Y"),
                  "end_date": (start.replace(month=11) - dt.timedelta(days=1)).strftime("%d/%m/%Y"),
                  "hours_before": "20h00", "fulltime_hours": "38h00", "notice_date": today.strftime("%d/%m/%Y"),
                  "rtt": "Non"}
        sheet.append([values[name] for name in bulk.ORDER if name != "capacity"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def time_bulk(folder: Path, rows: int = 1000, runs: int = 3) -> dict:
    """Seconds to check and to file a file of `rows` requests, the best of `runs` (each on a new database)."""
    checks, filings, size = [], [], 0
    for run in range(runs):
        db = make_engine(f"sqlite:///{folder / f'bulk-{run}.sqlite3'}")
        upgrade(db)
        setup_intake_organisation(db, [5_000_000])
        with session(db) as s:
            member = s.exec(Member.__table__.select().where(Member.user_key == "5000000")).first()
            organisation = s.get(Organisation, member.organisation_id)
            actor = Actor.of(s.get(Member, member.id), organisation)
            assert organisation_store.schools_of(s.connection(), organisation.id)
        data = _workbook(rows, dt.date.today())
        size = len(data)
        with db.connect() as connection:
            transaction = connection.begin()
            turn = Turn(inp=Input("cli", "bench", "bench", "command", command="bulk"), member=actor, lang="fr",
                        now=utcnow(), options=Options(), routes=None, connection=connection)
            started = time.perf_counter()
            checked = bulk.check(turn, bulk.read("requests.xlsx", data))
            checks.append(time.perf_counter() - started)
            assert len(checked.ready) == rows, [r.refusal for r in checked.rows if r.refusal][:3]
            batch = batch_store.open_batch(turn.session, actor, bulk.digest_of(data), "requests.xlsx", data,
                                           [row.line for row in checked.ready], turn.now)
            batch.certified = True
            started = time.perf_counter()
            _checked, tickets = bulk.file_batch(turn, batch)
            turn.session.flush()
            transaction.commit()
            filings.append(time.perf_counter() - started)
            assert len(tickets) == rows and batch.status == BatchStatus.FILED
            turn.session.close()
        db.dispose()
    return {"rows": rows, "bytes": size, "check": min(checks), "check_max": max(checks), "file": min(filings),
            "file_max": max(filings), "runs": runs}
