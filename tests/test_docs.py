"""The README's diagram is the machine's own drawing, and the CI runs the README's test command."""
from pathlib import Path

from bot.dialogs.intake import INTAKE

ROOT = Path(__file__).resolve().parent.parent


def test_readme_diagram_is_drawn_from_the_machine():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- diagram -->")[1].split("<!-- /diagram -->")[0]
    assert block.strip() == f"```mermaid\n{INTAKE.mermaid('Intake dialog').rstrip()}\n```"
    assert "employer_agreement --> start_date" in block


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash test.sh" in readme and "bash test.sh" in (ROOT / ".ci" / "run").read_text()
