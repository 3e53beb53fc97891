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
from bot.storage.models import Draft, Member

FIRST_OTHER_USER = 8_500_000


def loaded_database(dataset: Path, folder: Path, drafts: list[dict], count: int) -> dict:
    """A copy of the generated database (the cached file stays as it was built) with the intake organisation, and
    `count` of its members each with an open draft, copied in turn from `drafts` (the steps of a recorded intake),
    inserted as rows; then opened as the bot opens it at start (migrations, ANALYZE)."""
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
        requests = connection.exec_driver_sql("SELECT count(*) FROM leave_request").scalar()
        open_drafts = connection.exec_driver_sql("SELECT count(*) FROM draft WHERE status = 'open'").scalar()
    db.dispose()
    as_the_bot_opens_it(copy)
    return {"path": copy, "organisation_id": organisation_id, "requests": requests, "open_drafts": open_drafts,
            "steps": len({d["state"] for d in drafts}), "seconds": time.perf_counter() - started}
