"""What the driver runs for each kind of update: the statements inside the turn's transaction and the COMMITs,
counted by the tests' probe (`tests.fakes.Statements`) over one whole intake and a few follow-up updates."""
from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

from bench.intake import bot_application, intake_script, record_intake, setup_intake_organisation
from bot.core.actions import unpack
from bot.dialogs.actions import LISTED_REQUEST
from bot.storage.database import make_engine, upgrade
from tests.fakes import SCHOOL_FWB, Statements, button_update, text_update

NEW = "intake: /new (opens a draft)"
SCHOOLS = "intake: tap that shows the school list"
TYPED = "intake: plain typed answer"
TAPPED = "intake: plain tap answer"
CHECKED = "intake: tap checked against stored rows (school, overlapping leave)"
TO_SUMMARY = "intake: last answer (shows the summary)"
SUMMARY = "intake: summary (a box ticked)"
CONFIRM = "confirm (files the request)"
STATUS = "/status (the latest requests)"
OPEN = "opening a request by its button"
OVERVIEW = "/overview (first page and count)"
STATUS_TICKET = "/status TICKET"
STATEMENTS_USER = 7_000_101  # a chat of its own, apart from the timed intakes' on a shared database
KINDS = [NEW, SCHOOLS, TYPED, TAPPED, CHECKED, TO_SUMMARY, SUMMARY, CONFIRM, STATUS, OPEN, OVERVIEW, STATUS_TICKET]


def intake_kinds(today: dt.date) -> list[str]:
    """The kind of each update of the recorded intake, from what it answers."""
    script = intake_script(today)
    kinds = []
    for i, (kind, value) in enumerate(script):
        following = script[i + 1][1] if i + 1 < len(script) else None
        kinds.append({"/new": NEW, "fwb": SCHOOLS, SCHOOL_FWB: CHECKED, "m1": CHECKED, "certified": SUMMARY,
                      "confirm": CONFIRM}.get(value) or
                     (TO_SUMMARY if following == "certified" else TYPED if kind == "text" else TAPPED))
    return kinds


def _counted(update: list[str]) -> dict:
    """One update's record: the statements inside its transaction, its COMMITs, and what ran outside (SQLite's
    durability setting before a transaction)."""
    inside = Statements.inside(update)
    commits = update.count("COMMIT")
    begins = sum(s.startswith("BEGIN") for s in update)
    return {"inside": len(inside), "commits": commits, "outside": len(update) - len(inside) - commits - begins}


async def statements_per_kind(db, folder: Path, niss_index: int, user_id: int = STATEMENTS_USER) -> dict:
    """Drive one intake and the follow-ups with the probe on the bot's engine; the counts per kind of update."""
    setup_intake_organisation(db, [user_id])
    today = dt.date.today()
    probe = Statements(db)  # before the bot takes a connection: every one it takes is watched
    app = await bot_application(db, folder / "attachments", watch_keyboard=True)
    records: list[tuple[str, list[str]]] = []
    kinds = intake_kinds(today)

    def after(step: int) -> None:
        records.append((kinds[step], probe.updates[-1]))
        probe.mark()

    async def follow_up(kind: str, update) -> None:
        await app.process_update(update)
        records.append((kind, probe.updates[-1]))
        probe.mark()

    try:
        probe.mark()
        await record_intake(app, user_id, niss_index, today, after_each=after)
        await follow_up(STATUS, text_update(app, user_id, "/status"))
        shown = next(d for d in app.recorder.keyboard if (unpack(d) or (None,))[0] is LISTED_REQUEST)
        ticket = unpack(shown)[1][0]
        await follow_up(OPEN, button_update(app, user_id, shown, app.recorder.keyboard_message))
        await follow_up(OVERVIEW, text_update(app, user_id, "/overview"))
        await follow_up(STATUS_TICKET, text_update(app, user_id, f"/status {ticket}"))
    finally:
        await app.shutdown()
        probe.close()
    per_kind = {kind: [] for kind in KINDS}
    for kind, update in records:
        per_kind[kind].append(_counted(update))
    intake = [_counted(update) for _kind, update in records[:len(kinds)]]
    return {"kinds": per_kind, "updates_per_intake": len(kinds),
            "intake_inside": statistics.mean(c["inside"] for c in intake),
            "intake_commits": statistics.mean(c["commits"] for c in intake),
            "intake_outside": statistics.mean(c["outside"] for c in intake)}


async def statements_on_sqlite(folder: Path, niss_index: int) -> dict:
    """The counts on a new SQLite file, migrated as the bot migrates its database at start."""
    db = make_engine(f"sqlite:///{folder / 'statements.sqlite3'}")
    try:
        upgrade(db)
        return await statements_per_kind(db, folder, niss_index)
    finally:
        db.dispose()
