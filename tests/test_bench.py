"""`bash bench/run.sh --quick` runs end to end: every figure printed and written. No timing is asserted."""
from __future__ import annotations

from bench.dataset import Dataset, plan_sizes
from bench.report import (
    BEFORE,
    FIGURE_LINES,
    NOT_MEASURED,
    POSTGRES_LINES,
    RATIO_LINE,
    STATEMENT_LINES,
    STATEMENTS_LINE,
    main,
)
from bench.sizes import QUICK


def _rows(table: str) -> dict[str, list[str]]:
    """The cells of each table row, by its first cell."""
    rows = {}
    for line in table.splitlines():
        if line.startswith("| ") and line.endswith(" |"):
            cells = [cell.strip() for cell in line[2:-2].split(" | ")]
            rows[cells[0]] = cells[1:]
    return rows


def test_the_quick_benchmark_prints_and_writes_every_figure(tmp_path, capsys, monkeypatch):
    for name in ("BENCH_POSTGRES_URL", "BREAKBOT_TEST_DATABASE_URL"):  # PostgreSQL only when run by hand
        monkeypatch.delenv(name, raising=False)
    output = tmp_path / "results.md"

    assert main(quick=True, output=output, data_dir=tmp_path / "data") == 0

    printed, written = capsys.readouterr().out, output.read_text(encoding="utf-8")
    for line in FIGURE_LINES + STATEMENT_LINES:
        assert f"| {line} |" in printed, line
        assert f"| {line} |" in written, line
    rows = _rows(printed)
    for line in FIGURE_LINES:  # before, measured, target, result
        assert len(rows[line]) == 4 and rows[line][1], line
        assert rows[line][0] == BEFORE.get(line, "—"), line
    assert rows[RATIO_LINE][0] == "27.69 ×" and rows[RATIO_LINE][3] in ("PASS", "MISS")
    for line in POSTGRES_LINES:
        assert rows[line][1] == NOT_MEASURED, line
    for line in set(FIGURE_LINES) - set(POSTGRES_LINES) - {STATEMENTS_LINE}:
        assert NOT_MEASURED not in rows[line][1], line
    for line in STATEMENT_LINES:  # how many of the intake's updates, SQLite, PostgreSQL
        assert "COMMIT" in rows[line][1], line
    for figure in ("µs per update", "×", "%", "p95", "rows", "MB", "ChatOrder"):
        assert figure in printed
    assert "CPU:" in written and "SQLite" in written and "bash bench/run.sh --quick" in written
    assert "## Statements per update" in written and "## How each figure is measured" in written
    assert list((tmp_path / "data").glob("overview-*.sqlite3"))  # the generated database is kept for reruns


def test_the_generated_data_are_the_same_for_the_same_seed():
    first, second = Dataset(QUICK, 7), Dataset(QUICK, 7)
    assert next(first.requests(batch=50)) == next(second.requests(batch=50))
    sizes = plan_sizes(2000, 1_000_000, 50_000)
    assert sum(sizes) == 1_000_000 and max(sizes) == sizes[0] == 50_000 and min(sizes) >= 1
