"""The intake's database as a busy product has it: the generated requests, and thousands of other drafts open."""
from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

from sqlalchemy import insert, select

from bench.dataset import as_the_bot_opens_it
from bench.intake import INTAKE_USER, setup_intake_organisation
from bot.storage.database import make_engine
from bot.storage.models import Draft, Member, ProcessedUpdate
from tests.fakes import BOT_USER

FIRST_OTHER_USER = 8_500_000
FIRST_WEEK_UPDATE = 3_000_000_000  # above the benchmark's own update ids: none of them is taken for done


def loaded_database(dataset: Path, folder: Path, drafts: list[dict], count: int, week_updates: int = 0) -> dict:
    """A copy of the generated database (the cached file stays as it was built) with the intake organisation,
    `count` of its members each with an open draft, copied in turn from `drafts` (the steps of a recorded intake),
    inserted as rows, and a week of processed updates (`week_updates` of them, spread over the last seven days, as
    the prune keeps them); then opened as the bot opens it at start (migrations, ANALYZE)."""
    started = time.perf_counter()
    copy = folder / "loaded.sqlite3"
    for suffix in ("", "-wal"):  # no process writes the cached file now: the two together are consistent
        if Path(f"{dataset}{suffix}").exists():
            shutil.copyfile(f"{dataset}{suffix}", f"{copy}{suffix}")
    db = make_engine(f"sqlite:///{copy}")
    others = [FIRST_OTHER_USER + n for n in range(count)]
    organisation_id = setup_intake_organisation(db, [INTAKE_USER, *others])
    member = Member.__table__
    with db.connect() as connection:
        ids = dict(connection.execute(select(member.c.user_key, member.c.id)
                                      .where(member.c.organisation_id == organisation_id)).all())
    now = dt.datetime.now(dt.UTC)
    rows = [drafts[n % len(drafts)] | {"channel": "telegram", "chat_key": str(user), "member_id": ids[str(user)],
                                       "status": "open", "created_at": now, "updated_at": now}
            for n, user in enumerate(others)]
    with db.begin() as connection:
        for i in range(0, len(rows), 5000):
            connection.execute(insert(Draft.__table__), rows[i:i + 5000])
        week = [{"bot_id": BOT_USER["id"], "update_id": FIRST_WEEK_UPDATE + n,
                 "processed_at": now - dt.timedelta(seconds=7 * 86400 * (week_updates - n) / max(week_updates, 1))}
                for n in range(week_updates)]
        for i in range(0, len(week), 20000):
            connection.execute(insert(ProcessedUpdate.__table__), week[i:i + 20000])
        requests = connection.exec_driver_sql("SELECT count(*) FROM leave_request").scalar()
        processed = connection.exec_driver_sql("SELECT count(*) FROM processed_update").scalar()
        open_drafts = connection.exec_driver_sql("SELECT count(*) FROM draft WHERE status = 'open'").scalar()
    db.dispose()
    as_the_bot_opens_it(copy)
    return {"path": copy, "organisation_id": organisation_id, "requests": requests, "open_drafts": open_drafts,
            "processed_updates": processed,
            "steps": len({d["state"] for d in drafts}), "seconds": time.perf_counter() - started}
