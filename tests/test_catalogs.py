"""The catalogs: every message of the template translated, none fuzzy, placeholders kept."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALES_DIR

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")
SHIPPED = [lang for lang in LANGUAGES if (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").exists()]


def _catalog(path: Path):
    with path.open("rb") as source:
        return read_po(source)


def test_french_is_shipped():
    assert "fr" in SHIPPED


def test_the_template_is_up_to_date_with_the_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    pybabel = [sys.executable, "-c", "from babel.messages.frontend import main; main()"]
    subprocess.run([*pybabel, "-q", "extract", "-F", "babel.cfg", "-k", "N_", "-k", "t", "-k", "tn:1,2",
                    "--no-default-keywords", "-o", str(fresh), "."], cwd=ROOT, check=True)
    assert {m.id for m in _catalog(fresh) if m.id} == {m.id for m in _catalog(LOCALES_DIR / "messages.pot") if m.id}


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_message_is_translated_with_the_same_placeholders(lang):
    template = {m.id for m in _catalog(LOCALES_DIR / "messages.pot") if m.id}
    catalog = _catalog(LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po")
    translated = {m.id: m for m in catalog if m.id}
    assert template - set(translated) == set()
    for message_id in template:
        message = translated[message_id]
        assert not message.fuzzy, message_id
        ids = message_id if isinstance(message_id, tuple) else (message_id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for string in strings:
            assert string, message_id
            assert set(PLACEHOLDER.findall(string)) == wanted, message_id


def test_compiled_catalogs_are_not_committed():
    tracked = subprocess.run(["git", "ls-files", "*.mo"], cwd=ROOT, capture_output=True, text=True).stdout
    assert tracked.strip() == ""
    assert "*.mo" in (ROOT / ".gitignore").read_text()
