"""The overview screen's query and the CSV export, timed for the largest organisation of the generated data."""
from __future__ import annotations

import math
import statistics
import time

from sqlmodel import select

from bench.dataset import ANCHOR, Dataset
from bot.dialogs import overview
from bot.domain.leaves import LeaveType, Status
from bot.storage.database import session
from bot.storage.models import LeaveRequest, Member


def worker_with_recent_requests(db, organisation_id: int) -> str:
    """The NISS of the organisation's latest request: a worker with requests in the default period."""
    with session(db) as s:
        return s.exec(select(LeaveRequest.niss).where(LeaveRequest.organisation_id == organisation_id)
                      .order_by(LeaveRequest.filed_at.desc()).limit(1)).one()


def overview_states(data: Dataset, niss: str) -> dict[str, overview.Filters]:
    default = overview.Filters.default(ANCHOR)
    return {"default": default, "all": default.model_copy(update={"period_from": None}),
            "status_type": default.model_copy(update={"statuses": [Status.WAITING, Status.PROCESSING],
                                                      "types": [LeaveType.PARENTAL]}),
            "niss": default.model_copy(update={"niss": niss})}


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def time_overview(db, data: Dataset, runs: int) -> dict[str, dict]:
    """`overview._query` as the screen calls it (first page of 10 and the count), each run in its own session."""
    with session(db) as s:
        member = s.exec(select(Member).where(Member.organisation_id == data.largest_id)).first()
    results = {}
    for key, state in overview_states(data, worker_with_recent_requests(db, data.largest_id)).items():
        timings, total = [], 0
        for run in range(runs + 5):
            started = time.perf_counter()
            with session(db) as s:
                rows, total = overview._query(s, member, state)
            if run >= 5:  # the first five warm the caches
                timings.append((time.perf_counter() - started) * 1000)
        results[key] = {"p50": statistics.median(timings), "p95": _percentile(timings, 95), "total": total,
                        "runs": runs}
    return results


def time_export(db, data: Dataset, runs: int) -> dict:
    with session(db) as s:
        member = s.exec(select(Member).where(Member.organisation_id == data.largest_id)).first()
    state = overview.Filters.default(ANCHOR).model_copy(update={"period_from": None})
    timings, size, rows = [], 0, 0
    for _ in range(runs):
        started = time.perf_counter()
        with session(db) as s:
            content = overview.export_csv(s, member, state, "fr")
        timings.append(time.perf_counter() - started)
        size, rows = len(content), content.count(b"\r\n") - 1
    return {"seconds": statistics.median(timings), "rows": rows, "bytes": size, "runs": runs}
