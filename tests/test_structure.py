"""The layout the README draws, checked on the imports themselves: the engine core imports neither the dialog
machine nor a feature, no channel imports a feature, storage says nothing to users, and every import (the late
ones inside functions too) names something that exists."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
FEATURES = {f"bot.dialogs.{name}" for name in ("intake", "bulk", "follow_up", "overview", "members", "schools", "help")}


def _imports(path: Path) -> list[tuple[str, tuple[str, ...], int]]:
    """Every `from bot... import names` and `import bot...` of a file, wherever it stands: (module, names, line)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot"):
            found.append((node.module, tuple(alias.name for alias in node.names), node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, (), node.lineno) for alias in node.names if alias.name.startswith("bot")]
    return found


def _modules(folder: str) -> list[Path]:
    return sorted((BOT / folder).rglob("*.py")) if (BOT / folder).is_dir() else [BOT / folder]


def _imported(path: Path) -> set[str]:
    result = set()
    for module, names, _line in _imports(path):
        result.add(module)
        result |= {f"{module}.{name}" for name in names}
    return result


@pytest.mark.parametrize("path", sorted(BOT.rglob("*.py")), ids=lambda p: str(p.relative_to(BOT)))
def test_every_import_names_something_that_exists(path):
    """A late import (inside a function) runs only when that function does: one that names a module moved away
    fails in production, not at start."""
    for module, names, line in _imports(path):
        imported = importlib.import_module(module)
        for name in names:
            assert hasattr(imported, name) or importlib.util.find_spec(f"{module}.{name}") is not None, \
                f"{path.name}:{line} imports {name} from {module}, which has none"


def test_the_engine_core_imports_neither_the_dialog_machine_nor_a_feature():
    for path in _modules("core"):
        wrong = {m for m in _imported(path) if m.startswith(("bot.fsm", "bot.dialogs", "bot.usecases"))}
        assert not wrong, f"{path.name} imports {sorted(wrong)}"


@pytest.mark.parametrize("entry", ["channels", "webapp", "cli.py", "onem.py"])
def test_no_channel_imports_a_feature(entry):
    """The chat's features are routers the application includes (bot/app.py); the channels, the Mini App and the
    command line reach the request's life through the use cases."""
    for path in _modules(entry):
        wrong = {m for m in _imported(path) if m in FEATURES}
        assert not wrong, f"{path.relative_to(BOT)} imports {sorted(wrong)}"


def test_storage_says_nothing_to_users():
    """Storage raises reasons; the use cases and the channels word them."""
    for path in _modules("storage"):
        assert "bot.i18n" not in _imported(path), f"{path.name} words a message"


@pytest.mark.parametrize("entry", ["webapp", "usecases", "presentation", "export.py", "receipt.py"])
def test_the_table_the_use_cases_and_the_documents_import_nothing_of_the_chat(entry):
    """They reach a request's words through bot/presentation/, not through the chat's dialogs."""
    for path in _modules(entry):
        wrong = {m for m in _imported(path) if m.startswith("bot.dialogs")}
        assert not wrong, f"{path.relative_to(BOT)} imports {sorted(wrong)}"
