"""How fast the CSV export could be: `overview.export_csv` next to a variant that reads plain rows (no ORM
objects) and renders each distinct date, label and NISS once, on the benchmark's generated database. The two
files must be byte for byte the same.

    .venv/bin/python bench/export_experiment.py [--quick]

Nothing in the product changes; this only measures the suggestion written in the benchmark report.
"""
from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import time
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bot import bench  # noqa: E402
from bot.dialogs import overview  # noqa: E402
from bot.dialogs.status import filed_on  # noqa: E402
from bot.domain.answers import format_hours  # noqa: E402
from bot.domain.identifiers import format_niss  # noqa: E402
from bot.domain.leaves import Community, LeaveType, Regime, StaffStatus, Status, label  # noqa: E402
from bot.i18n import N_, render, t  # noqa: E402
from bot.storage.database import make_engine, session  # noqa: E402
from bot.storage.models import LeaveRequest, Member  # noqa: E402


def export_rows_cached(session, member, state, lang: str) -> bytes:
    """The same file as overview.export_csv (all periods, no other filter), each distinct value rendered once."""
    assert not any(state[k] for k in ("types", "forms", "statuses", "from", "to", "ticket", "niss"))
    table = LeaveRequest.__table__
    rows = session.execute(select(table).where(table.c.organisation_id == member.organisation_id)
                           .order_by(table.c.filed_at.desc(), table.c.id.desc()))
    day = lru_cache(maxsize=None)(lambda d: render(d, lang) if d else "")
    name = lru_cache(maxsize=None)(lambda enum, code: render(label(enum(code)), lang) if code else "")
    hours = lru_cache(maxsize=None)(format_hours)
    yes, no = render(t(N_("Yes")), lang), render(t(N_("No")), lang)
    yes_no = {None: "", True: yes, False: no}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([render(t(c), lang) for c in overview.COLUMNS])
    for r in rows:
        n = r.niss
        writer.writerow([r.ticket, f"{n[:2]}.{n[2:4]}.{n[4:6]}-{n[6:9]}.{n[9:]}", r.last_name, r.first_name,
                         name(LeaveType, r.leave_type), name(Regime, r.regime), day(r.start_date), day(r.end_date),
                         day(filed_on(r)), name(Status, r.status), r.office or "", name(Community, r.community),
                         overview.format_bce(r.school_bce) if r.school_bce else "",
                         name(StaffStatus, r.staff_status), hours(r.hours_before), hours(r.fulltime_hours),
                         day(r.notice_date), yes_no[r.rtt], yes_no[r.employer_agreement], r.email or ""])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = bench.QUICK if args.quick else bench.FULL
    path, data, _ = bench.sqlite_dataset(sizes, bench.SEED, bench.BENCH_DIR / ".data")
    db = make_engine(f"sqlite:///{path}")
    with session(db) as s:
        member = s.execute(select(Member).where(Member.organisation_id == data.largest_id)).scalars().first()
    state = overview.default_state(bench.ANCHOR) | {"from": None}
    assert format_niss("85031412302") == "85.03.14-123.02"
    outputs, timings = {}, {}
    for label_, function in (("overview.export_csv", overview.export_csv), ("plain rows + cached", export_rows_cached)):
        runs = []
        for _ in range(args.runs):
            started = time.perf_counter()
            with session(db) as s:
                outputs[label_] = function(s, member, state, "fr")
            runs.append(time.perf_counter() - started)
        timings[label_] = statistics.median(runs)
    same = len(set(outputs.values())) == 1
    for label_, seconds in timings.items():
        rows = outputs[label_].count(b"\r\n") - 1
        print(f"{label_}: {seconds:.2f} s ({rows:,} rows)")
    print("identical files" if same else "THE FILES DIFFER")
    db.dispose()


if __name__ == "__main__":
    main()
