"""`bash bench/run.sh --quick` runs end to end: every figure printed and written. No timing is asserted."""
from __future__ import annotations

from bench.dataset import Dataset, plan_sizes
from bench.report import FIGURE_LINES, NOT_MEASURED, OVERVIEW_LINES, main
from bench.sizes import QUICK


def test_the_quick_benchmark_prints_and_writes_every_figure(tmp_path, capsys, monkeypatch):
    for name in ("BENCH_POSTGRES_URL", "BREAKBOT_TEST_DATABASE_URL"):  # PostgreSQL only when run by hand
        monkeypatch.delenv(name, raising=False)
    output = tmp_path / "results.md"

    assert main(quick=True, output=output, data_dir=tmp_path / "data") == 0

    printed, written = capsys.readouterr().out, output.read_text(encoding="utf-8")
    for line in FIGURE_LINES:
        assert f"| {line} |" in printed, line
        assert f"| {line} |" in written, line
    assert printed.count(NOT_MEASURED) == 1 + len(OVERVIEW_LINES)
    for figure in ("µs per update", "×", "p95", "rows", "MB"):
        assert figure in printed
    assert "CPU:" in written and "SQLite" in written and "bash bench/run.sh --quick" in written
    assert list((tmp_path / "data").glob("overview-*.sqlite3"))  # the generated database is kept for reruns


def test_the_generated_data_are_the_same_for_the_same_seed():
    first, second = Dataset(QUICK, 7), Dataset(QUICK, 7)
    assert next(first.requests(batch=50)) == next(second.requests(batch=50))
    sizes = plan_sizes(2000, 1_000_000, 50_000)
    assert sum(sizes) == 1_000_000 and max(sizes) == sizes[0] == 50_000 and min(sizes) >= 1
