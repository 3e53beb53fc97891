"""The run and its report: every measurement in turn, the tables printed, the report written with the machine."""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy
import telegram

from bench.bulk import time_bulk
from bench.chats import chats_on_postgres
from bench.dataset import ANCHOR, SEED, YEARS, first_build_seconds, sqlite_dataset
from bench.intake import INTAKE_NISS_BASE
from bench.memory import measure_memory, measure_users
from bench.overview import time_export, time_overview, time_table_searches, time_webapp
from bench.postgres import (
    intake_on_postgres,
    postgres_dataset,
    postgres_round_trip_ms,
    postgres_url,
    processes_on_postgres,
    statements_on_postgres,
)
from bench.rounds import fsync_sample, intake_on_sqlite
from bench.sizes import FULL, QUICK
from bench.statements import KINDS, statements_on_sqlite
from bot.storage.database import make_engine

BENCH_DIR = Path(__file__).resolve().parent

# The lines of the table, in order (tests check that each is printed and written).
INTAKE_LINE = "intake step, SQLite file (the product's own durability)"
ECHO_LINE = "bare python-telegram-bot echo"
FILING_LINE = "intake step: the filing update (synchronous=FULL) / the other updates"
PEERS_LINE = ("intake step ÷ echo, SQLite, durable, the peers' way (Update.de_json timed; the echo answers with "
              "reply_text once per update)")
PEERS_US_LINE = "intake step and echo, the peers' way: µs per update"
DISK_LINE = "the disk's sync (4 KiB written and waited for) before, during and after the rounds"
RATIO_LINE = "intake step ÷ echo, SQLite, durable (today's protocol: updates as objects, the echo edits or replies)"
LOADED_LINE = "intake step ÷ echo, SQLite, with other drafts open and the generated requests"
PG_RATIO_LINE = "intake step ÷ echo, PostgreSQL on this machine"
STATEMENTS_LINE = "statements and COMMITs per update (whole intake; per kind below)"
OVERVIEW_LINES = {  # key -> label
    "default": "overview page + count: default (last 2 years)",
    "all": "overview page + count: all periods",
    "status_type": "overview page + count: status waiting,processing + type parental",
    "niss": "overview page + count: one NISS",
}
EXPORT_LINE = "CSV export, largest organisation, all periods"
WEBAPP_LINE = "Mini App API: first page (50 rows) + count + counts by status, default filters"
WEBAPP_WEIGHT_LINE = "Mini App page weight (HTML + JS + CSS, uncompressed)"
EXPORT_RATIO_LINE = "CSV export ÷ a bare csv.writer writing the same rows from memory"
MEMORY_LINE = "resident memory: open dialogs minus none"
SEARCH_LINE = "Mini App table: first page with a search (name, NISS or ticket beginning), eight clients at once"
PG_SEARCH_LINE = "PostgreSQL " + SEARCH_LINE
USERS_LINE = "resident memory: distinct users who each sent one update, many minus 1,000"
BULK_CHECK_LINE = "spreadsheet of 1,000 requests (.xlsx), SQLite: read and every row checked"
BULK_FILE_LINE = "spreadsheet of 1,000 requests (.xlsx), SQLite: checked again and every row filed, one transaction"
PG_OVERVIEW_PREFIX = "PostgreSQL "
TWO_PROCESS_LINE = "two processes on one PostgreSQL: updates/s"
CHATS_LINE = "one process with concurrent updates on PostgreSQL: updates/s"
POSTGRES_LINES = [PG_RATIO_LINE, *(PG_OVERVIEW_PREFIX + label for label in OVERVIEW_LINES.values()),
                  PG_SEARCH_LINE, TWO_PROCESS_LINE, CHATS_LINE]
FIGURE_LINES = [PEERS_LINE, PEERS_US_LINE, DISK_LINE, INTAKE_LINE, ECHO_LINE, FILING_LINE, RATIO_LINE, LOADED_LINE,
                PG_RATIO_LINE, STATEMENTS_LINE,
                *OVERVIEW_LINES.values(), EXPORT_LINE, EXPORT_RATIO_LINE, WEBAPP_LINE, WEBAPP_WEIGHT_LINE, SEARCH_LINE,
                MEMORY_LINE, USERS_LINE, BULK_CHECK_LINE, BULK_FILE_LINE,
                *(PG_OVERVIEW_PREFIX + label for label in OVERVIEW_LINES.values()), PG_SEARCH_LINE, TWO_PROCESS_LINE,
                CHATS_LINE]
STATEMENTS_TOTAL = "whole intake, mean per update"
STATEMENT_LINES = [*KINDS, STATEMENTS_TOTAL]  # the rows of the table of statements, also checked by the tests
NOT_MEASURED = "not measured (no PostgreSQL configured)"
# What bench/results.md said before the engine core was reworked (the full run of 27/11/2026), shown beside each
# figure; "—" where it had no such figure.
BEFORE = {INTAKE_LINE: "5906 µs (synchronous=FULL throughout)", ECHO_LINE: "213 µs", RATIO_LINE: "27.69 ×",
          OVERVIEW_LINES["default"]: "p95 5.19 ms", OVERVIEW_LINES["all"]: "p95 6.68 ms",
          OVERVIEW_LINES["status_type"]: "p95 8.84 ms", OVERVIEW_LINES["niss"]: "p95 0.90 ms",
          EXPORT_LINE: "1.79 s", MEMORY_LINE: "+1.66 MB",
          PG_OVERVIEW_PREFIX + OVERVIEW_LINES["default"]: "p95 11.14 ms",
          PG_OVERVIEW_PREFIX + OVERVIEW_LINES["all"]: "p95 11.09 ms",
          PG_OVERVIEW_PREFIX + OVERVIEW_LINES["status_type"]: "p95 9.92 ms",
          PG_OVERVIEW_PREFIX + OVERVIEW_LINES["niss"]: "p95 4.65 ms", TWO_PROCESS_LINE: "115 updates/s"}
LOADED_LIMIT_PCT = 10


def fsync_ms(folder: Path, times: int = 30) -> float:
    """The disk's latency for writing 4 KiB and waiting for it (what a durable commit waits for at least)."""
    return fsync_sample(folder, times)


def machine() -> dict:
    """What the figures were measured on: processor, memory, system and the versions that matter."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "os": platform.platform(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "python-telegram-bot": telegram.__version__, "sqlalchemy": sqlalchemy.__version__}


def verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "—"
    return "PASS" if value <= limit else "MISS"


def verdict_at_least(value: float | None, limit: float) -> str:
    if value is None:
        return "—"
    return "PASS" if value >= limit else "MISS"


def _intakes(count: int) -> str:
    return f"{count} intake{'s' if count != 1 else ''}"


def _us(values) -> str:
    return ", ".join(str(round(v)) for v in values)


def missing(pg: dict, key: str) -> str:
    """Why a PostgreSQL figure is not there: not configured, or how its measurement failed."""
    if not pg:
        return NOT_MEASURED
    return pg.get("error") or pg.get("errors", {}).get(key) or "not measured"


def _statements(counted: dict) -> str:
    """The whole intake's mean statements and COMMITs per update, on one database."""
    return f"{counted['intake_inside']:.2f} statements + {counted['intake_commits']:.2f} COMMIT"


def table_rows(r: dict) -> list[tuple[str, str, str, str, str]]:
    """(figure, before, measured, target, result) for every line of FIGURE_LINES, in order."""
    intake, rows = r["intake"], []
    loaded = intake["loaded"]
    pg = r.get("postgres") or {}

    def row(line, measured, target="", result=""):
        rows.append((line, BEFORE.get(line, "—"), measured, target, result))

    peers, disk = intake["peers"], intake["disk_ms"]
    row(PEERS_LINE, f"{peers['ratio']:.2f} × (median of the per-round ratios; rounds "
                    f"{min(peers['ratios']):.2f}–{max(peers['ratios']):.2f} ×)", "≤ 2 × (aim: 1.5 ×)",
        verdict(peers["ratio"], 2))
    row(PEERS_US_LINE, f"{peers['us']:.0f} µs / {peers['echo_us']:.0f} µs (the filing update "
                       f"{peers['filing_us']:.0f} µs, the others {peers['rest_us']:.0f} µs)")
    row(DISK_LINE, f"{disk[0]:.2f} ms before, {statistics.median(disk[1:-1] or disk):.2f} ms median during "
                   f"({min(disk):.2f}–{max(disk):.2f}), {disk[-1]:.2f} ms after", "printed", "—")
    row(INTAKE_LINE, f"{intake['us']:.0f} µs per update (median of {intake['rounds']} rounds of "
                     f"{_intakes(intake['intakes_per_round'])} of {intake['updates_per_intake']} updates)")
    row(ECHO_LINE, f"{intake['echo_us']:.0f} µs per update (the same updates, the same rounds)")
    row(FILING_LINE, f"{intake['filing_us']:.0f} µs / {intake['rest_us']:.0f} µs per update (same rounds)",
        "reported", "—")
    row(RATIO_LINE, f"{intake['ratio']:.2f} × (median of the per-round ratios)", "≤ 3 × (aim: 2 ×)",
        verdict(intake["ratio"], 3))
    row(LOADED_LINE, f"{loaded['ratio']:.2f} × ({intake['difference_pct']:+.1f} % against the empty file; "
                     f"{loaded['open_drafts']:,} drafts open, {loaded['requests']:,} requests, "
                     f"{loaded['processed_updates']:,} processed updates of a week; "
                     f"{loaded['us']:.0f} µs per update)",
        f"within {LOADED_LIMIT_PCT} % of an empty database", verdict(intake["difference_pct"], LOADED_LIMIT_PCT))
    if "intake" in pg:
        p = pg["intake"]
        row(PG_RATIO_LINE, f"{p['ratio']:.2f} × ({p['us']:.0f} µs per update, echo {p['echo_us']:.0f} µs; "
                           f"filing update {p['filing_us']:.0f} µs, the others {p['rest_us']:.0f} µs)",
            "≤ 5 ×", verdict(p["ratio"], 5))
    else:
        row(PG_RATIO_LINE, missing(pg, "intake"), "≤ 5 ×", "—")
    row(STATEMENTS_LINE, f"SQLite: {_statements(r['statements'])}; PostgreSQL: "
                         f"{_statements(pg['statements']) if 'statements' in pg else missing(pg, 'statements')}",
        "printed", "—")
    for key, label in OVERVIEW_LINES.items():
        o = r["overview"][key]
        row(label, f"p50 {o['p50']:.2f} ms, p95 {o['p95']:.2f} ms ({o['total']:,} match)", "p95 ≤ 10 ms",
            verdict(o["p95"], 10))
    e = r["export"]
    row(EXPORT_LINE, f"{e['seconds']:.2f} s ({e['rows']:,} rows, {e['bytes'] / 1e6:.1f} MB)", "≤ 2 s",
        verdict(e["seconds"], 2))
    row(EXPORT_RATIO_LINE, f"{e['ratio']:.1f} × (bare writer {e['bare_seconds']:.2f} s)", "printed", "—")
    w = r["webapp"]
    row(WEBAPP_LINE, f"p50 {w['p50']:.2f} ms, p95 {w['p95']:.2f} ms ({w['total']:,} match, {w['rows']} rows; "
                     f"checking Telegram's launch data: {w['check_us']:.0f} µs more)", "p95 ≤ 20 ms",
        verdict(w["p95"], 20))
    row(WEBAPP_WEIGHT_LINE, f"{w['page_bytes'] / 1024:.1f} KB", "≤ 150 KB", verdict(w["page_bytes"] / 1024, 150))
    q = r["search"]
    row(SEARCH_LINE, f"p50 {q['p50']:.1f} ms, p95 {q['p95']:.1f} ms ({q['calls']:,} calls by {q['clients']} clients; "
                     f"{q['largest']:,} requests of {q['requests']:,})", "p95 ≤ 50 ms", verdict(q["p95"], 50))
    u = r["users"]
    row(USERS_LINE, f"{u['mb']:+.2f} MB ({u['many']:,} users minus {u['few']:,}; Python's heap "
                    f"{u['python_blocks']:+,} blocks, SQLite's page cache bounded at {u['sqlite_cache_kib']} KiB)",
        "≤ 2 MB", verdict(u["mb"], 2))
    b = r["bulk"]
    row(BULK_CHECK_LINE, f"{b['check']:.2f} s (best of {b['runs']}, worst {b['check_max']:.2f} s; "
                         f"{b['bytes'] / 1024:.0f} KB)", "≤ 2 s", verdict(b["check"], 2))
    row(BULK_FILE_LINE, f"{b['file']:.2f} s (best of {b['runs']}, worst {b['file_max']:.2f} s)", "≤ 5 s",
        verdict(b["file"], 5))
    m = r["memory"]
    row(MEMORY_LINE, f"{m['mb']:+.2f} MB ({m['open_dialogs'] - 1:,} dialogs, through the product's "
                     f"{m['processor']})", "≤ 2 MB", verdict(m["mb"], 2))
    for key, label in OVERVIEW_LINES.items():
        if "overview" in pg:
            o = pg["overview"][key]
            row(PG_OVERVIEW_PREFIX + label, f"p50 {o['p50']:.2f} ms, p95 {o['p95']:.2f} ms",
                "p95 ≤ 10 ms", verdict(o["p95"], 10))
        else:
            row(PG_OVERVIEW_PREFIX + label, missing(pg, "overview"), "reported", "—")
    if "search" in pg:
        q = pg["search"]
        row(PG_SEARCH_LINE, f"p50 {q['p50']:.1f} ms, p95 {q['p95']:.1f} ms ({q['calls']:,} calls by {q['clients']} "
                            "clients)", "p95 ≤ 50 ms", verdict(q["p95"], 50))
    else:
        row(PG_SEARCH_LINE, missing(pg, "search"), "p95 ≤ 50 ms", "—")
    if "two" in pg and "one" in pg:
        t, one = pg["two"], pg["one"]
        row(TWO_PROCESS_LINE, f"{t['per_second']:,.0f} updates/s ({' + '.join(map(str, t['per_process']))}; "
                              f"{t['filed']:,} requests filed in {t['seconds']:.1f} s; one process alone: "
                              f"{one['per_second']:,.0f} updates/s)", "≥ 1,500",
            verdict_at_least(t["per_second"], 1500))
    else:
        row(TWO_PROCESS_LINE, missing(pg, "two" if "one" in pg else "one"), "≥ 1,500", "—")
    if "chats" in pg:
        c = pg["chats"]
        row(CHATS_LINE, f"{c['per_second']:,.0f} updates/s ({c['chats']} chats, up to {c['most_in_progress']} in "
                        f"progress at once; {c['intakes']:,} intakes filed)", "reported", "—")
    else:
        row(CHATS_LINE, missing(pg, "chats"), "reported", "—")
    return rows


def _counts(counted: list[dict]) -> str:
    """One kind of update on one database: statements inside the transaction and COMMITs (a range when its updates
    differ), and what ran outside the transaction."""

    def span(key):
        low, high = min(c[key] for c in counted), max(c[key] for c in counted)
        return f"{low}" if low == high else f"{low}–{high}"

    outside = max(c["outside"] for c in counted)
    return (f"{span('inside')} + {span('commits')} COMMIT"
            + (f" (+{outside} outside the transaction)" if outside else ""))


def statement_rows(r: dict) -> list[tuple[str, str, str, str]]:
    """(kind of update, how many of the intake's updates are of that kind, SQLite, PostgreSQL)."""
    sqlite = r["statements"]
    pg = r.get("postgres") or {}
    pg_counted = pg.get("statements")
    rows = []
    for kind in KINDS:
        counted = sqlite["kinds"][kind]
        in_intake = str(len(counted)) if kind.startswith("intake") or kind.startswith("confirm") else "—"
        rows.append((kind, in_intake, _counts(counted), _counts(pg_counted["kinds"][kind]) if pg_counted else "—"))
    total = sqlite["updates_per_intake"]

    def mean(counted):
        return (f"{counted['intake_inside']:.2f} + {counted['intake_commits']:.2f} COMMIT"
                + (f" (+{counted['intake_outside']:.2f} outside)" if counted["intake_outside"] else ""))

    rows.append((STATEMENTS_TOTAL, str(total), mean(sqlite),
                 mean(pg_counted) if pg_counted else missing(pg, "statements")))
    return rows


def render_table(rows) -> str:
    lines = ["| figure | before | measured | target | result |", "|---|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)


def render_statements(rows) -> str:
    lines = ["| update | of the intake's | SQLite: statements in the transaction + COMMITs | PostgreSQL: the same |",
             "|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)


def render_report(r: dict, quick: bool) -> str:
    m, s = r["machine"], r["sizes"]
    intake, memory, build, export = r["intake"], r["memory"], r["dataset"], r["export"]
    loaded = intake["loaded"]
    pg = r.get("postgres") or {}
    command = "bash bench/run.sh" + (" --quick" if quick else "")
    built = (f"built in {build['seconds']:.0f} s" if build["seconds"] is not None else "reused from bench/.data/")
    lines = [
        f"# Benchmark{' (quick sizes)' if quick else ''}",
        "",
        f"Run on {r['started']:%Y-%m-%d %H:%M} UTC, in {r['elapsed']:.0f} s, with `{command}`. PostgreSQL figures "
        "need `BENCH_POSTGRES_URL` naming an empty database (or one this benchmark filled), e.g. "
        f"`BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench {command}`. \"Before\" is what "
        "bench/results.md said before the engine core was reworked (27/11/2026).",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory']}; {m['os']}",
        f"- Python {m['python']}, SQLite {m['sqlite']}, python-telegram-bot {m['python-telegram-bot']}, "
        f"SQLAlchemy {m['sqlalchemy']}" + (f", PostgreSQL {pg['version']}" if pg.get("version") else
                                           ", no PostgreSQL"),
        f"- Disk: a 4 KiB write + fsync takes {r['fsync_ms']:.2f} ms (median of 30) in the temporary folder."
        + (f" PostgreSQL (same machine, TCP on 127.0.0.1): `SELECT 1` takes {pg['round_trip_ms']:.2f} ms "
           "(median of 200)." if pg.get("round_trip_ms") else ""),
        f"- Load average (1 min) at the start {r['load'][0]:.2f}, at the end {r['load'][1]:.2f}: other work on the "
        "machine slows every figure alike, the ratio less.",
        "",
        "## Figures",
        "",
        render_table(table_rows(r)),
        "",
        "## Statements per update",
        "",
        "What the bot's engine sends its database for each kind of update: the statements between the turn's BEGIN "
        "and its COMMIT, and the COMMITs (a range where updates of one kind differ).",
        "",
        render_statements(statement_rows(r)),
        "",
        "## How each figure is measured",
        "",
        "- The headline, the peers' way: in the same rounds as today's protocol (below), the bot on a SQLite file of "
        "its own and a plain python-telegram-bot echo (one `TypeHandler` answering every update, text or tap, once "
        "with `reply_text`, so the answer is parsed into a `Message` as PTB does) are each handed every update as "
        "the JSON Telegram posts, `Update.de_json` inside the timing; both talk to the same offline Bot API, which "
        "encodes every call's parameters as the real HTTP client does (`RequestData.json_parameters`, form-encoded). "
        "The disk's sync is sampled (median of 5 writes of 4 KiB each waited for) before the rounds, after each "
        f"round and after: {', '.join(f'{d:.2f}' for d in intake['disk_ms'])} ms.",
        f"- Intake step: {intake['rounds']} rounds of {_intakes(intake['intakes_per_round'])} each (/new to "
        f"ticket, {intake['updates_per_intake']} updates: texts, and taps answered by answerCallbackQuery + "
        "editMessageText), after one untimed intake, through the real `Application` of `build_application` "
        "(`rate_limited=False`), the updates built before each round and handed to `Application.process_update`, "
        "a request object answering the Bot API without network. The bot's SQLite file is opened by the product's "
        "`make_engine` and migrated as at start, its settings untouched: WAL, and the product's own choice per "
        "turn (synchronous=NORMAL for a draft's step, FULL for a turn that files, modifies or cancels a request). "
        "The echo is a bare `Application` with `MessageHandler(filters.TEXT)` replying the text and "
        "`CallbackQueryHandler` answering and editing, fed the same number and kind of updates. In each round the "
        "bot on the empty file, the bot on the loaded copy (below) and the echo each go first in turn, and every "
        "update is timed on its own. µs per update are medians over the rounds; the ratio is the median of the "
        "per-round ratios (bot ÷ echo of the same round), which a slow moment of the machine moves little. Per "
        f"round, µs per update: bot {_us(intake['rounds_us'])}; echo {_us(intake['echo_rounds_us'])}; ratios "
        f"{', '.join(map(str, intake['ratios']))}.",
        f"- The filing update: from the same rounds, the time of the update that files (Confirm: it writes the "
        "request, its history and the chat's screen, and its commit waits for the disk, synchronous=FULL) against "
        f"the mean of the intake's other updates: {intake['filing_us']:.0f} µs against "
        f"{intake['rest_us']:.0f} µs. It replaces the former \"bot without disk syncs\", a third application that "
        "no longer showed what the syncs cost once the product chose the durability per turn.",
        f"- Other drafts open: a copy of the generated database ({loaded['requests']:,} requests; the cached file "
        "is left as built) with the intake's organisation and "
        f"{loaded['open_drafts']:,} of its members, each with an open draft, inserted as rows into `member` and "
        f"`draft`, the drafts copied in turn from the {loaded['steps']} steps a recorded intake went through up to "
        "the summary; then opened as the bot opens its database at start (migrations, ANALYZE); prepared in "
        f"{loaded['seconds']:.0f} s. The bot on it runs in the same rounds: {loaded['us']:.0f} µs per update, "
        f"ratio {loaded['ratio']:.2f} × against {intake['ratio']:.2f} × on the empty file "
        f"({intake['difference_pct']:+.1f} %). Per round, µs per update: {_us(loaded['rounds_us'])}.",
    ]
    if "intake" in pg:
        p = pg["intake"]
        lines.append(
            "- PostgreSQL intake step: the same rounds, the bot's engine (the product's `make_engine`) on "
            "`BENCH_POSTGRES_URL` (holding the generated data), its turns in the engine's thread pool, against a "
            f"fresh echo. Per round, µs per update: bot {_us(p['rounds_us'])}; echo {_us(p['echo_rounds_us'])}; "
            f"ratios {', '.join(map(str, p['ratios']))}. The filing update (synchronous_commit on) "
            f"{p['filing_us']:.0f} µs, the others (off) {p['rest_us']:.0f} µs.")
    lines += [
        "- Statements per update: the tests' probe `tests.fakes.Statements` attached to a fresh engine of the "
        "product before the bot takes a connection, `mark()` before each update: one whole intake, then /status, "
        "a tap on the first request it lists, /overview and /status with that ticket; on a new SQLite file, and on "
        "PostgreSQL when configured. What runs outside a transaction is SQLite's `PRAGMA synchronous` being "
        "switched (to FULL before the filing turn, back to NORMAL on the next turn).",
        f"- Overview: {s.organisations:,} organisations, {s.requests:,} requests (Zipf-like, the largest "
        f"{s.largest:,}), filed over {YEARS} years up to {ANCHOR:%d/%m/%Y}, with workers' NISS drawn from a pool "
        f"per organisation, seed {r['seed']} ({built}). `bot.dialogs.overview._query` (first page of 10 + total "
        "count, as the screen asks them) for the largest organisation, each call in a new session, "
        f"{s.query_runs} timed calls after 5 warm-up calls; \"today\" is {ANCHOR:%d/%m/%Y} for the default "
        "period. SQLite is opened as the product leaves it at start (migrated to the newest revision, then "
        "ANALYZE). The NISS is that of the organisation's latest request.",
        f"- Export: `bot.export.export_csv(session, member, state, 'fr')` for the largest organisation, "
        f"all periods, median of {export['runs']}. The bare writer: the export's rows read back into lists of the "
        "same strings, then written from memory by `csv.writer` with the same dialect (semicolons, minimal "
        "quoting, CRLF) and encoded the same way (UTF-8 with a BOM), which must give the export's bytes; median of "
        f"{export['bare_runs']}: {export['bare_seconds']:.3f} s.",
        f"- Mini App: `bench.overview.time_webapp`: the server's side of GET /api/requests, its endpoint called "
        "with the request as Starlette hands it over (no network, no HTTP client), with the largest organisation's "
        "member's default filters (its capacity, the last two years; first page of 50 rows, the count and the "
        f"counts by status) and the answer encoded as JSON, {s.query_runs} timed calls after 5 warm-up calls, the "
        "member looked up on each call. The generated members have no Telegram user id, "
        "so the calls carry a session of the terminal's kind; checking Telegram's signed launch data is timed apart "
        "(median of 1,000) and shown beside. The page's weight is its three files as served, uncompressed.",
        "- Spreadsheet: `bench.bulk.time_bulk`: the French template's columns filled by openpyxl with 1,000 parental "
        "leaves of different workers (72 KB), on a new SQLite file per run (three runs, the best shown, the worst "
        "beside): `bot.bulk.read` + `bot.bulk.check` (every row through the intake's steps, as the chat's upload "
        "does), then `bot.bulk.file_batch` (read and checked again, every row filed by the intake's use case) and "
        "the commit, as the certified \"File N requests\" tap does.",
        "- Memory against users: a fresh process (spawn) starts the Application on a new SQLite file; after a "
        "warm-up of 200 users, distinct users who are not enrolled each send one text (the invitation's explanation "
        "is their answer), through the update queue as polling hands them over; VmRSS after gc.collect() once 1,000 "
        "have, and once all have. python-telegram-bot keeps no set of chat and user ids (the product's "
        "`Stateless` Application); what grows is SQLite's page cache (bounded per connection) as the file grows.",
        f"- Memory: a fresh process (spawn) builds the Application and engine on a SQLite file, starts it "
        "(`app.start()`), and hands every update to the update queue, whence the Application's update processor "
        f"(the product's {memory['processor']}, {memory['max_concurrent']} at once) takes them, as polling and "
        "webhooks do; a warm-up (a full intake and an open draft); VmRSS after gc.collect(); then "
        f"{s.dialogs:,} enrolled users each send 1 to {intake['updates_per_intake'] - 2} updates of an intake, "
        "so that drafts are open at every step up to the summary, 50 users' updates queued together "
        f"({memory['updates']:,} updates in {memory['seconds']:.0f} s, the product's own durability); VmRSS "
        f"again after gc.collect(): {memory['before_kb'] / 1024:.1f} MB before, {memory['after_kb'] / 1024:.1f} MB "
        f"after; halfway: {(memory['middle_kb'] - memory['before_kb']) / 1024:+.2f} MB; Python memory blocks still "
        f"allocated at the end: {memory['blocks']:+,}; chats left in the processor: {memory['chats_in_progress']}.",
        "- Two processes: two OS processes (spawn), each with its own Application, engine (the product's "
        "`make_engine`) and request object on the same PostgreSQL database (holding the generated data), each "
        f"driving full intakes for 10 users of one organisation, their steps interleaved, for {s.pg_seconds:.0f} s "
        "after a warm-up, both started together; each process hands its updates to `Application.process_update` "
        "one after the other (the update processor is bypassed); the sum of the updates divided by the time; "
        "every finished intake must have filed its request. Then the same with one process alone, for comparison. "
        "The database server runs on the same machine and shares its cores.",
        f"- Concurrent updates: one OS process (spawn) with the Application of `build_application` (update "
        "processor: the product's ChatOrder, 64 updates at once; turns in the engine's thread pool), started with "
        f"`app.start()`; {s.chats} chats, each putting a whole intake's updates on `app.update_queue` (the chats' "
        "puts mixed, as Telegram delivers them), waiting until its last update is handled, then starting the next "
        f"intake; the updates handled within {s.pg_seconds:.0f} s after a warm-up intake, counted by a handler in "
        "a group after the product's, divided by that time. Every finished intake must have filed its request "
        "(an update handled out of its chat's order would break the intake).",
        "",
        "For scale (from the issue): the same 12-step form measured this way costs 1.6 × its echo in "
        "python-telegram-bot's ConversationHandler and 1.9–2.6 × in aiogram and aiogram_dialog, all keeping state "
        "in memory only; PicklePersistence writing every update costs 12.6 ×; those frameworks take 7–27 MB for "
        "10,000 open dialogs.",
    ]
    if r.get("notes"):
        lines += ["", "## Notes", "", *[f"- {note}" for note in r["notes"]]]
    return "\n".join(lines) + "\n"


def _attempt(pg: dict, key: str, measure) -> None:
    """One PostgreSQL measurement: a failure is reported on its own lines, and the next measurement still runs."""
    try:
        pg[key] = measure()
    except Exception as error:  # noqa: BLE001 - reported in the table; the other figures still stand
        pg.setdefault("errors", {})[key] = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:160]}"


def measure_postgres(url: str, sizes, data, recorded, folder: Path, notes: list[str]) -> dict:
    pg: dict = {}
    say("PostgreSQL: loading the generated data…")
    try:
        load_seconds, loaded_now, pg["version"] = postgres_dataset(url, sizes, SEED, data)
    except Exception as error:  # noqa: BLE001 - without the data no PostgreSQL figure stands
        pg["error"] = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:160]}"
        return pg
    notes.append(f"PostgreSQL: the generated data {'were' if loaded_now else 'had been'} loaded in "
                 f"{load_seconds:.0f} s (COPY, then VACUUM ANALYZE as autovacuum would)"
                 f"{'' if loaded_now else ' by an earlier run'}.")
    _attempt(pg, "round_trip_ms", lambda: postgres_round_trip_ms(url))

    def overview():
        db = make_engine(url)
        try:
            return time_overview(db, data, sizes.query_runs)
        finally:
            db.dispose()

    def searches():
        db = make_engine(url)
        try:
            return time_table_searches(db, data, max(10, sizes.query_runs // 8))
        finally:
            db.dispose()

    say("PostgreSQL: overview…")
    _attempt(pg, "overview", overview)
    say("PostgreSQL: the table searched by eight clients at once…")
    _attempt(pg, "search", searches)
    say("PostgreSQL: intake step and echo…")
    _attempt(pg, "intake", lambda: asyncio.run(intake_on_postgres(url, sizes, recorded, folder)))
    say("PostgreSQL: statements per update…")
    _attempt(pg, "statements", lambda: asyncio.run(statements_on_postgres(url, folder)))
    say(f"PostgreSQL: one process with {sizes.chats} chats at once…")
    _attempt(pg, "chats", lambda: chats_on_postgres(url, sizes, recorded))
    say("PostgreSQL: one process, then two…")
    _attempt(pg, "one", lambda: processes_on_postgres(url, sizes, recorded, 1))
    _attempt(pg, "two", lambda: processes_on_postgres(url, sizes, recorded, 2))
    return pg


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(quick: bool = False, output: Path | str | None = None,
         data_dir: Path | str | None = None) -> int:
    """Run every measurement, print the tables, write the report; 0 when it ran (targets are not asserted).

    `output` (or env BENCH_OUTPUT) is the report's path, `data_dir` (or env BENCH_DATA_DIR) where the generated
    SQLite database is kept."""
    sizes = QUICK if quick else FULL
    output = Path(output or os.environ.get("BENCH_OUTPUT")
                  or BENCH_DIR / ("results-quick.md" if quick else "results.md"))
    data_dir = Path(data_dir or os.environ.get("BENCH_DATA_DIR") or BENCH_DIR / ".data")
    started_at, started = dt.datetime.now(dt.UTC), time.perf_counter()
    results: dict = {"machine": machine(), "sizes": sizes, "seed": SEED, "started": started_at, "notes": []}
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="breakbot-bench-") as temporary:
        folder = Path(temporary)
        results["fsync_ms"] = fsync_ms(folder)
        say(f"generated data ({sizes.requests:,} requests)…")
        path, data, seconds = sqlite_dataset(sizes, SEED, data_dir)
        results["dataset"] = {"path": str(path), "seconds": seconds}
        say(f"intake step and echo, on an empty file and with {sizes.dialogs:,} other drafts open…")
        results["intake"], recorded = asyncio.run(intake_on_sqlite(sizes, folder, path))
        say("statements per update…")
        results["statements"] = asyncio.run(statements_on_sqlite(folder, INTAKE_NISS_BASE))
        db = make_engine(f"sqlite:///{path}")
        try:
            say("overview on SQLite…")
            results["overview"] = time_overview(db, data, sizes.query_runs)
            say("CSV export…")
            results["export"] = time_export(db, data, sizes.export_runs)
            say("the Mini App's first page…")
            results["webapp"] = time_webapp(db, data, sizes.query_runs)
            say("the table searched by eight clients at once…")
            results["search"] = time_table_searches(db, data, max(10, sizes.query_runs // 8))
        finally:
            db.dispose()
        say("a spreadsheet of 1,000 requests…")
        results["bulk"] = time_bulk(folder, rows=1000, runs=3)
        say(f"memory with {sizes.dialogs:,} open dialogs…")
        results["memory"] = measure_memory(sizes, recorded, folder)
        say(f"memory with {sizes.users:,} distinct users…")
        results["users"] = measure_users(folder, min(1_000, sizes.users // 3), sizes.users)
        url = postgres_url()
        if url:
            results["postgres"] = measure_postgres(url, sizes, data, recorded, folder, results["notes"])
    built = seconds if seconds is not None else first_build_seconds(path)
    results["notes"].append(f"The generated SQLite database ({path.stat().st_size / 1e6:.0f} MB) "
                            + (f"was built in {seconds:.0f} s by this run" if seconds is not None else
                               f"was reused from {data_dir.name}/" + (f" (built in {built:.0f} s when first made)"
                                                                       if built is not None else ""))
                            + "; the rest of the run took "
                            f"{time.perf_counter() - started - (seconds or 0):.0f} s.")
    results["load"] = (load_at_start, os.getloadavg()[0])
    results["elapsed"] = time.perf_counter() - started
    print(render_table(table_rows(results)))
    print()
    print(render_statements(statement_rows(results)))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_report(results, quick), encoding="utf-8")
    print(f"\nWritten to {output} (the whole run took {results['elapsed']:.0f} s).")
    return 0
