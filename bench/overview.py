"""The overview screen's query and the CSV export, timed for the largest organisation of the generated data."""
from __future__ import annotations

import csv
import io
import math
import statistics
import time

from sqlmodel import select

from bench.dataset import ANCHOR, Dataset
from bot import export
from bot.dialogs import overview
from bot.domain.leaves import LeaveType, Status
from bot.presentation.filters import Filters
from bot.storage.database import session
from bot.storage.models import LeaveRequest, Member


def worker_with_recent_requests(db, organisation_id: int) -> str:
    """The NISS of the organisation's latest request: a worker with requests in the default period."""
    with session(db) as s:
        return s.exec(select(LeaveRequest.niss).where(LeaveRequest.organisation_id == organisation_id)
                      .order_by(LeaveRequest.filed_at.desc()).limit(1)).one()


def overview_states(data: Dataset, niss: str) -> dict[str, Filters]:
    default = Filters.default(ANCHOR)
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
    """The export of every request of the largest organisation, and a bare `csv.writer` writing the same rows (read
    back from the export, so the same strings) from memory with the same dialect: what the export costs beyond
    writing CSV."""
    with session(db) as s:
        member = s.exec(select(Member).where(Member.organisation_id == data.largest_id)).first()
    state = Filters.default(ANCHOR).model_copy(update={"period_from": None})
    timings, content = [], b""
    for _ in range(runs):
        started = time.perf_counter()
        with session(db) as s:
            content = export.export_csv(s, member, state, "fr")
        timings.append(time.perf_counter() - started)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    bare, written = [], b""
    for _ in range(max(runs, 5)):
        started = time.perf_counter()
        out = io.StringIO()
        csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerows(rows)
        written = ("\ufeff" + out.getvalue()).encode("utf-8")
        bare.append(time.perf_counter() - started)
    if written != content:
        raise RuntimeError("the bare csv.writer did not write the export's bytes: the comparison is wrong")
    seconds, bare_seconds = statistics.median(timings), statistics.median(bare)
    return {"seconds": seconds, "rows": len(rows) - 1, "bytes": len(content), "runs": runs,
            "bare_seconds": bare_seconds, "bare_runs": len(bare), "ratio": seconds / bare_seconds}


WEBAPP_TOKEN = "123456:BENCH-TOKEN"


def time_webapp(db, data: Dataset, runs: int) -> dict:
    """The Mini App's first call for a table, on the server's side: the endpoint of /api/requests called with the
    request as Starlette hands it over (no network, no HTTP client), with the member's default filters (first page
    of 50, the count and the counts by status), the member looked up on each call, the answer encoded as JSON; and
    the page's weight (its three files, uncompressed). The generated members have no Telegram user id, so the call
    carries a session of the terminal's kind; checking Telegram's signed launch data instead is timed on its own
    (`check_init_data`, microseconds)."""
    import datetime as dt
    import json

    from starlette.requests import Request

    from bot.domain.roles import roles_capacities
    from bot.webapp.auth import Identity, LocalLinks, check_init_data, sign_init_data
    from bot.webapp.server import STATIC, WebOptions, create_app

    with session(db) as s:
        member = s.exec(select(Member).where(Member.organisation_id == data.largest_id,
                                             Member.channel == "telegram")).first()
    default = Filters.default(ANCHOR, roles_capacities(member.role_set))
    query = "&".join(filter(None, [f"capacity={default.capacities[0].value}" if default.capacities else "",
                                   f"from={default.period_from.isoformat()}"]))
    anchor = dt.datetime.combine(ANCHOR, dt.time(12), tzinfo=dt.UTC)
    links = LocalLinks()
    options = WebOptions(db=db, bot_token=WEBAPP_TOKEN, local=links, now=lambda: anchor)
    headers = {"Authorization": "local " + links.trade(links.link(Identity(member.channel, member.user_key)))}
    signed = sign_init_data({"auth_date": str(int(anchor.timestamp())), "user": '{"id":7,"first_name":"B"}'},
                            WEBAPP_TOKEN)
    checks = []
    for _ in range(1000):
        started = time.perf_counter()
        check_init_data(signed, WEBAPP_TOKEN, anchor.timestamp())
        checks.append((time.perf_counter() - started) * 1e6)
    [endpoint] = [route.endpoint for route in create_app(options).routes if route.path == "/api/requests"]
    scope = {"type": "http", "method": "GET", "path": "/api/requests", "query_string": query.encode(),
             "headers": [(b"authorization", headers["Authorization"].encode())]}
    timings, body = [], {}
    for run in range(runs + 5):
        started = time.perf_counter()
        response = endpoint(Request(dict(scope)))
        if run >= 5:
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"the Mini App's API answered {response.status_code}: {bytes(response.body)[:200]}")
        body = json.loads(response.body)
    weight = sum((STATIC / name).stat().st_size for name in ("index.html", "app.js", "app.css"))
    return {"p50": statistics.median(timings), "p95": _percentile(timings, 95), "total": body["total"],
            "rows": len(body["rows"]), "runs": runs, "page_bytes": weight, "check_us": statistics.median(checks)}


def time_table_searches(db, data: Dataset, runs: int, clients: int = 8) -> dict:
    """The table's first page with a search, `clients` at once: each client (a thread, as Starlette runs the
    endpoint in its thread pool) calls /api/requests of the largest organisation with a search by a name's
    beginning, a NISS's beginning and a ticket's beginning in turn, `runs` times; p95 of every call."""
    import concurrent.futures
    import datetime as dt

    from starlette.requests import Request

    from bot.storage.models import LeaveRequest
    from bot.webapp.auth import Identity, LocalLinks
    from bot.webapp.server import WebOptions, create_app

    with session(db) as s:
        member = s.exec(select(Member).where(Member.organisation_id == data.largest_id,
                                             Member.channel == "telegram")).first()
        sample = s.exec(select(LeaveRequest).where(LeaveRequest.organisation_id == data.largest_id)
                        .order_by(LeaveRequest.id.desc()).limit(20)).all()
    searches = [text for request in sample for text in (request.last_name[:4], request.niss[:6], request.ticket[:5])]
    anchor = dt.datetime.combine(ANCHOR, dt.time(12), tzinfo=dt.UTC)
    links = LocalLinks()
    options = WebOptions(db=db, bot_token=WEBAPP_TOKEN, local=links, now=lambda: anchor)
    [endpoint] = [route.endpoint for route in create_app(options).routes if route.path == "/api/requests"]

    def client(index: int) -> list[float]:
        authorization = "local " + links.trade(links.link(Identity(member.channel, member.user_key)))
        timings = []
        for run in range(runs):
            search = searches[(index * 7 + run) % len(searches)]
            scope = {"type": "http", "method": "GET", "path": "/api/requests",
                     "query_string": f"from=2000-01-01&q={search}".encode(),
                     "headers": [(b"authorization", authorization.encode())]}
            started = time.perf_counter()
            response = endpoint(Request(scope))
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"the Mini App's API answered {response.status_code}")
        return timings

    client(0)  # warm-up
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        timings = [t for result in pool.map(client, range(clients)) for t in result]
    return {"p50": statistics.median(timings), "p95": _percentile(timings, 95), "calls": len(timings),
            "clients": clients, "largest": data.sizes.largest, "requests": data.sizes.requests}
