"""An intake step against a bare python-telegram-bot echo, in short interleaved rounds: on an empty SQLite file, on
a loaded copy of the generated database, and (in `postgres`) on PostgreSQL."""
from __future__ import annotations

import datetime as dt
import gc
import itertools
import os
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from telegram import Update

from bench.intake import (
    INTAKE_NISS_BASE,
    INTAKE_USER,
    Recorded,
    bot_application,
    count_filed,
    echo_application,
    open_draft,
    peer_echo_application,
    record_intake,
    setup_intake_organisation,
)
from bench.loaded import loaded_database
from bench.sizes import Sizes
from bot.storage.database import make_engine, upgrade


@dataclass
class Contender:
    """An application timed in the rounds: the bot on one database (with its organisation), or the echo."""

    app: object
    niss: Iterator[int]  # a new worker for every intake: the overlap rule would refuse a second leave
    db: object = None
    organisation_id: int | None = None
    filed_before: int = 0
    intakes: int = 0
    rounds: list[dict] = field(default_factory=list)  # per round: µs per update, of the filing ones, of the rest
    # The peers' way: each update handed over as the JSON Telegram posts, Update.de_json inside the timing.
    peers: bool = False

    def start(self) -> None:
        if self.db is not None:
            self.filed_before = count_filed(self.db, self.organisation_id)

    def check_filed(self) -> None:
        if self.db is None:
            return
        filed = count_filed(self.db, self.organisation_id) - self.filed_before
        if filed != self.intakes:
            raise RuntimeError(f"the intakes filed {filed} requests instead of {self.intakes}: the benchmark is "
                               "wrong, or the bot refused updates")


async def warm_up(contenders: dict[str, Contender], recorded: Recorded) -> None:
    """One intake each, untimed: first calls fill caches and compile statements."""
    for contender in contenders.values():
        contender.start()
        for update in recorded.updates(contender.app, INTAKE_USER, next(contender.niss)):
            await contender.app.process_update(update)
        contender.intakes += 1


def fsync_sample(folder: Path, times: int = 5) -> float:
    """The disk's latency now: the median of a few 4 KiB writes each waited for (this machine's sync switches between
    about 0.05 ms and about 4 ms within minutes, so it is sampled through the run, not once)."""
    path, timings = folder / "fsync.sample", []
    with open(path, "wb") as probe:
        for _ in range(times):
            probe.write(os.urandom(4096))
            probe.flush()
            started = time.perf_counter()
            os.fsync(probe.fileno())
            timings.append((time.perf_counter() - started) * 1000)
    path.unlink()
    return statistics.median(timings)


async def timed_rounds(contenders: dict[str, Contender], recorded: Recorded, rounds: int, intakes: int,
                       disk: list | None = None, disk_folder: Path | None = None) -> None:
    """Short rounds, each contender going first in turn, so that a slow moment of a noisy machine falls on all of
    them: in each round every contender handles `intakes` whole intakes, each update timed on its own."""
    names = list(contenders)
    per_intake = len(recorded.steps)
    for round_ in range(rounds):
        batches = {name: [u for _ in range(intakes) for u in recorded.updates(c.app, INTAKE_USER, next(c.niss))]
                   for name, c in contenders.items()}
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            contender, updates = contenders[name], batches[name]
            timings = []
            if contender.peers:
                updates = [update.to_dict() for update in updates]
            bot = contender.app.bot
            gc.collect()
            for update in updates:
                started = time.perf_counter()
                if contender.peers:
                    await contender.app.process_update(Update.de_json(update, bot))
                else:
                    await contender.app.process_update(update)
                timings.append(time.perf_counter() - started)
            if disk is not None:
                disk.append(fsync_sample(disk_folder))
            filing = [s for i, s in enumerate(timings) if i % per_intake == per_intake - 1]
            rest = [s for i, s in enumerate(timings) if i % per_intake != per_intake - 1]
            contender.rounds.append({"us": sum(timings) / len(timings) * 1e6,
                                     "filing_us": sum(filing) / len(filing) * 1e6,
                                     "rest_us": sum(rest) / len(rest) * 1e6})
            contender.intakes += intakes
    for contender in contenders.values():
        contender.check_filed()


def compared(bot: Contender, echo: Contender) -> dict:
    """The bot's figures against the echo's: medians of the rounds, and the median of the per-round ratios."""
    return {"us": statistics.median(r["us"] for r in bot.rounds),
            "echo_us": statistics.median(r["us"] for r in echo.rounds),
            "ratio": statistics.median(b["us"] / e["us"] for b, e in zip(bot.rounds, echo.rounds)),
            "ratios": [round(b["us"] / e["us"], 2) for b, e in zip(bot.rounds, echo.rounds)],
            "filing_us": statistics.median(r["filing_us"] for r in bot.rounds),
            "rest_us": statistics.median(r["rest_us"] for r in bot.rounds),
            "rounds_us": [round(r["us"]) for r in bot.rounds],
            "echo_rounds_us": [round(r["us"]) for r in echo.rounds]}


def niss_from(first: int) -> Iterator[int]:
    return itertools.count(first)


async def intake_on_sqlite(sizes: Sizes, folder: Path, dataset: Path) -> tuple[dict, Recorded]:
    """The bot on an empty SQLite file and on a loaded copy of the generated database, and the echo, in the same
    rounds; also the intake's updates, for the other measurements (the callback data carry the draft's version,
    the same in every new draft)."""
    empty = make_engine(f"sqlite:///{folder / 'intake.sqlite3'}")
    upgrade(empty)  # as the bot opens its database at start
    organisation_id = setup_intake_organisation(empty, [INTAKE_USER])
    loaded_db, peer_db, apps = None, None, []
    try:
        bot = await bot_application(empty, folder / "attachments", watch_keyboard=True)
        apps.append(bot)
        drafts = []
        recorded = await record_intake(bot, INTAKE_USER, INTAKE_NISS_BASE, dt.date.today(),
                                       after_each=lambda _step: drafts.append(open_draft(empty, INTAKE_USER)))
        bot.recorder.watch_keyboard = False
        loaded = loaded_database(dataset, folder, [d for d in drafts if d], sizes.dialogs, sizes.week_updates)
        loaded_db = make_engine(f"sqlite:///{loaded['path']}")
        apps.append(await bot_application(loaded_db, folder / "attachments"))
        apps.append(await echo_application())
        peer_db = make_engine(f"sqlite:///{folder / 'intake-peers.sqlite3'}")  # its own file: its own chat's drafts
        upgrade(peer_db)
        peer_organisation = setup_intake_organisation(peer_db, [INTAKE_USER])
        apps.append(await bot_application(peer_db, folder / "attachments", encode=True))
        apps.append(await peer_echo_application())
        first = INTAKE_NISS_BASE + 1
        contenders = {"bot": Contender(apps[0], niss_from(first), empty, organisation_id),
                      "loaded": Contender(apps[1], niss_from(first), loaded_db, loaded["organisation_id"]),
                      "echo": Contender(apps[2], niss_from(first)),
                      "peer_bot": Contender(apps[3], niss_from(first), peer_db, peer_organisation, peers=True),
                      "peer_echo": Contender(apps[4], niss_from(first), peers=True)}
        await warm_up(contenders, recorded)
        disk = [fsync_sample(folder)]
        await timed_rounds(contenders, recorded, sizes.rounds, sizes.intakes_per_round, disk, folder)
        disk.append(fsync_sample(folder))
    finally:
        for app in apps:
            await app.shutdown()
        empty.dispose()
        for db in (loaded_db, peer_db):
            if db is not None:
                db.dispose()
    result = compared(contenders["bot"], contenders["echo"])
    result["peers"] = compared(contenders["peer_bot"], contenders["peer_echo"])
    result["disk_ms"] = disk
    result["loaded"] = compared(contenders["loaded"], contenders["echo"]) | {
        k: loaded[k] for k in ("requests", "open_drafts", "processed_updates", "steps", "seconds")}
    result["difference_pct"] = (result["loaded"]["ratio"] / result["ratio"] - 1) * 100
    result |= {"updates_per_intake": len(recorded.steps), "rounds": sizes.rounds,
               "intakes_per_round": sizes.intakes_per_round, "intakes": sizes.rounds * sizes.intakes_per_round}
    return result, recorded
