"""What indexes would bring the overview under 10 ms: each candidate applied with raw SQL to a copy of the
benchmark's generated SQLite database, then `overview._query` timed exactly as `breakbot bench` times it.

    .venv/bin/python bench/index_experiment.py [--quick] [--runs 100] [--only NAME ...]

Nothing in the product changes; the copies are deleted afterwards.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import bench  # noqa: E402
from bot.storage.database import make_engine  # noqa: E402

WIDE = ("CREATE INDEX ix_request_org_filed ON leave_request "
        "(organisation_id, filed_at, end_date, start_date, status, leave_type, regime, niss)")
COUNT = ("CREATE INDEX ix_request_org_end ON leave_request "
         "(organisation_id, end_date, status, leave_type, regime, start_date)")
ORG_NISS = "CREATE INDEX ix_request_org_niss ON leave_request (organisation_id, niss)"
CANDIDATES = {
    "as is": [],
    "as is + ANALYZE": ["ANALYZE"],
    "count index + (org, niss)": [COUNT, ORG_NISS],
    "count index + (org, niss) + ANALYZE": [COUNT, ORG_NISS, "ANALYZE"],
    "count index + ANALYZE": [COUNT, "ANALYZE"],
    "count index + PRAGMA optimize=0x10002": [COUNT, "PRAGMA optimize=0x10002"],
    "wide (org, filed_at, ...) instead of (org, filed_at)": ["DROP INDEX ix_request_org_filed", WIDE],
    "wide + (org, niss)": ["DROP INDEX ix_request_org_filed", WIDE, ORG_NISS],
    "wide + (org, niss) + ANALYZE": ["DROP INDEX ix_request_org_filed", WIDE, ORG_NISS, "ANALYZE"],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    sizes = bench.QUICK if args.quick else bench.FULL
    source, data, _ = bench.sqlite_dataset(sizes, bench.SEED, bench.BENCH_DIR / ".data")
    print(f"| candidate | size MB | build s | {' | '.join(bench.OVERVIEW_LINES)} |")
    print("|---|---|---|" + "---|" * len(bench.OVERVIEW_LINES))
    for name, statements in CANDIDATES.items():
        if args.only and name not in args.only:
            continue
        with tempfile.TemporaryDirectory(prefix="breakbot-index-") as folder:
            copy = Path(folder) / "copy.sqlite3"
            shutil.copyfile(source, copy)
            import sqlite3

            started = time.perf_counter()
            with sqlite3.connect(copy) as connection:
                for statement in statements:
                    connection.execute(statement)
            built = time.perf_counter() - started
            db = make_engine(f"sqlite:///{copy}")
            try:
                timings = bench.time_overview(db, data, args.runs)
            finally:
                db.dispose()
            cells = [f"{t['p50']:.2f} / {t['p95']:.2f}" for t in timings.values()]
            print(f"| {name} | {copy.stat().st_size / 1e6:.0f} | {built:.1f} | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()
