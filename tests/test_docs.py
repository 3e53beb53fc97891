"""The README's diagram is the machine's own drawing, and the CI runs the README's test command."""
from pathlib import Path

from bot.dialogs.intake import INTAKE

ROOT = Path(__file__).resolve().parent.parent


def test_readme_diagram_is_drawn_from_the_machine():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- diagram -->")[1].split("<!-- /diagram -->")[0]
    assert block.strip() == f"```mermaid\n{INTAKE.mermaid('Intake dialog').rstrip()}\n```"
    assert '["employer_agreement"]' in block and '|"answer, keep → / ← back"|' in block


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash test.sh" in readme and "bash test.sh" in (ROOT / ".ci" / "run").read_text()


def test_the_rules_page_has_a_section_for_every_leave_and_every_column_of_the_table():
    """docs/rules.md keeps each rule the product applies with its source: every leave, every column, every case."""
    from bot.domain.leaves import LABEL, Community, LeaveType, Motive

    rules = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8").lower()
    for leave in LeaveType:
        assert LABEL[leave].split()[0] in rules, leave
    for name in ("flemish education", "fwb education", "german-speaking community education",
                 "own staff of a public", "own staff of a private-law"):
        assert name in rules
    assert all(word in rules for word in ("hospital", "single parent", "training", "palliative", "disabled"))
    assert len(Community) == 3 and len(Motive) == 9  # a new column or case needs its rows here
    assert "sources checked on" in rules and "open points" in rules
