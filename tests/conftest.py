"""Shared factories: a real Application on a real database, fed updates, recording what it sends.

The fakes themselves (the offline Bot API, the updates) are in tests/fakes.py, shared with the benchmark; test
modules may take them from here with the fixtures.

The database is a new SQLite file per test, copied from one that the migrations built at the start of the run.
With BREAKBOT_TEST_DATABASE_URL=postgresql+psycopg://user:password@host:port/name the whole suite runs on that
PostgreSQL database instead: it is emptied and migrated once per run, and every table is truncated before each
test. Tests that need PostgreSQL take the `postgres_url` fixture: it skips without that variable, except in CI
(CI=true), where a PostgreSQL suite that does not run is a failure.
"""
from __future__ import annotations

import os
import shutil
import weakref
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings
from sqlmodel import SQLModel

from bot.app import build_engine
from bot.channels.telegram import build_application
from bot.core.turn import Options
from bot.settings import Settings
from bot.storage import organisation_store
from bot.storage.database import make_engine, session, upgrade
from tests.fakes import ORG_BCE, SCHOOL_FWB, SCHOOL_VL, RecordingRequest, button_update, form_code, text_update

# CI explores the same examples on every run, so a landing never depends on the draw.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

OTHER_ORG_BCE = "0555055576"


class Chat:
    """One Telegram user talking to the application; remembers the last message with buttons."""

    def __init__(self, app, recorder: RecordingRequest, user_id: int, language_code: str | None = "fr"):
        self.app, self.recorder, self.user_id, self.language_code = app, recorder, user_id, language_code
        self.keyboard: list[dict] = []
        self.keyboard_message = 1

    def _replies(self, start: int) -> list[str]:
        texts = []
        for name, params in self.recorder.calls[start:]:
            if name in ("sendMessage", "editMessageText"):
                texts.append(params["text"])
                markup = params.get("reply_markup")
                if markup:
                    self.keyboard = [b for row in markup["inline_keyboard"] for b in row]
                    self.keyboard_message = params.get("message_id", self.keyboard_message)
        return texts

    async def send(self, text: str) -> str:
        start = len(self.recorder.calls)
        await self.app.process_update(text_update(self.app, self.user_id, text, self.language_code))
        return "\n".join(self._replies(start))

    def button(self, code: str) -> dict:
        """The button of the last keyboard whose callback data, form code (after the draft's version) or label
        matches."""
        for button in self.keyboard:
            data = button["callback_data"]
            if code in (data, form_code(data), button["text"]):
                return button
        raise AssertionError(f"no button {code!r} in {[b['callback_data'] for b in self.keyboard]}")

    async def tap(self, code: str) -> str:
        return await self.press(self.button(code)["callback_data"])

    async def edit_answer(self, name: str, form_groups=None) -> str:
        """From the confirmation page: "Modify an answer", the part the answer belongs to, then the answer."""
        from bot.dialogs.intake import INTAKE

        await self.tap("answers")
        index = next(i for i, (_title, names) in enumerate(form_groups or INTAKE.groups) if name in names)
        await self.tap(f"group:{index}")
        return await self.tap(f"edit:{name}")

    async def press(self, data: str) -> str:
        start = len(self.recorder.calls)
        await self.app.process_update(button_update(self.app, self.user_id, data, self.keyboard_message,
                                                    self.language_code))
        return "\n".join(self._replies(start))


# --- the database under test ------------------------------------------------------------------------------------

TEST_DATABASE_URL = os.environ.get("BREAKBOT_TEST_DATABASE_URL", "").strip() or None
IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
# CI's SQLite leg (.ci/run), whose PostgreSQL leg runs next: here the PostgreSQL-only tests may skip.
SQLITE_LEG = os.environ.get("BREAKBOT_TEST_SQLITE_LEG", "").strip() == "1"
_data_dirs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> the test's folder for files


def _database_line() -> str:
    """Which database this run uses, for the top of the output."""
    if not TEST_DATABASE_URL:
        fate = "FAIL (CI=true)" if IN_CI and not SQLITE_LEG else "skip"
        return (f"database: SQLite (a migrated file per test); BREAKBOT_TEST_DATABASE_URL is not set, so the "
                f"PostgreSQL-only tests {fate}")
    url = sa.make_url(TEST_DATABASE_URL)
    try:
        engine = make_engine(TEST_DATABASE_URL)
        with engine.connect() as connection:
            server = connection.execute(sa.text("SELECT version()")).scalar_one().split(",")[0]
        engine.dispose()
    except Exception as error:  # the session fixture fails on it with the details
        server = f"NOT REACHABLE ({type(error).__name__})"
    return (f"database: {url.render_as_string(hide_password=True)} ({url.get_backend_name()}, "
            f"driver {url.get_driver_name()}): {server}")


def pytest_report_header(config):
    return [_database_line()]


def pytest_sessionstart(session):
    """With -q (or --no-header) pytest shows no header: say which database anyway."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and (reporter.verbosity < 0 or reporter.no_header):
        reporter.write_line(_database_line())


def _empty(engine) -> None:
    """Drop every table, alembic_version included: the migrations then start from nothing."""
    reflected = sa.MetaData()
    reflected.reflect(engine)
    reflected.drop_all(engine)


@pytest.fixture(scope="session")
def _migrated_database(tmp_path_factory):
    """The database every test starts from, built by the migrations once per run.

    PostgreSQL: an engine on the given database, emptied then migrated. SQLite: a template file each test copies.
    """
    if TEST_DATABASE_URL:
        engine = make_engine(TEST_DATABASE_URL)
        if engine.dialect.name != "postgresql":
            pytest.exit(f"BREAKBOT_TEST_DATABASE_URL must be a PostgreSQL URL, not {engine.dialect.name}", 2)
        _empty(engine)
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    template = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    engine = make_engine(f"sqlite:///{template}")
    upgrade(engine)
    with engine.connect() as connection:  # everything in the file itself, nothing left in the WAL
        connection.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # outside a transaction
    engine.dispose()
    yield template


def _clear(engine) -> None:
    """Empty every table and restart every id at 1, as in a new database.

    DELETE rather than TRUNCATE: on tables of a few rows it takes ~4 ms against ~100-250 ms for TRUNCATE, which
    gives each table and index a new file and syncs them all at commit (600 tests: seconds against minutes).
    """
    deletes = "; ".join(f"DELETE FROM {engine.dialect.identifier_preparer.quote(table.name)}"
                        for table in reversed(SQLModel.metadata.sorted_tables))  # children first
    with engine.begin() as connection:
        # A connection a test left inside a transaction would make this wait for ever: fail instead.
        connection.exec_driver_sql("SET LOCAL lock_timeout = '20s'")
        connection.exec_driver_sql(deletes)
        connection.exec_driver_sql("SELECT setval(quote_ident(schemaname) || '.' || quote_ident(sequencename), 1, "
                                   "false) FROM pg_sequences WHERE schemaname = current_schema()")


@pytest.fixture
def db_url(_migrated_database, tmp_path):
    """The URL of an empty database at the newest migration, this test's alone."""
    if TEST_DATABASE_URL:
        _clear(_migrated_database)
        return TEST_DATABASE_URL
    path = tmp_path / "bot.sqlite3"
    shutil.copyfile(_migrated_database, path)
    return f"sqlite:///{path}"


@pytest.fixture
def db(db_url, tmp_path):
    engine = make_engine(db_url)
    _data_dirs[engine] = tmp_path
    yield engine
    engine.dispose()


def data_dir(engine) -> Path:
    """The folder for a test's files next to its database (attachments): never the working folder."""
    if engine in _data_dirs:
        return _data_dirs[engine]
    assert engine.url.get_backend_name() == "sqlite", "give the engine a folder for its files (db fixture)"
    return Path(engine.url.database).parent


@pytest.fixture
def cli_db_url(request, tmp_path):
    """For code that migrates the database itself, as the `breakbot` command does: on SQLite a new file with no
    tables at all; on PostgreSQL the emptied test database (already at head)."""
    if TEST_DATABASE_URL:
        return request.getfixturevalue("db_url")
    return f"sqlite:///{tmp_path / 'cli.sqlite3'}"


def require_postgres() -> str:
    """The PostgreSQL test database's URL; without one, skip the test, or fail it in CI."""
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    message = "BREAKBOT_TEST_DATABASE_URL is not set: no PostgreSQL to test against"
    if IN_CI and not SQLITE_LEG:
        pytest.fail(f"{message}, and CI=true: in CI the suite must also run on PostgreSQL (see .ci/run)")
    pytest.skip(message)


@pytest.fixture
def postgres_url(request):
    """The PostgreSQL test database, emptied, for tests that only make sense there (see require_postgres)."""
    require_postgres()
    return request.getfixturevalue("db_url")


def enrol(engine, user_id: int | str, bce: str = ORG_BCE, roles=("po-education",), channel="telegram"):
    with session(engine) as s:
        organisation = organisation_store.organisation_by_bce(s, bce)
        code, _ = organisation_store.create_invitation(s, organisation, list(roles))
        organisation_store.enrol(s, channel, str(user_id), code)
        s.commit()


@pytest.fixture
def organisations(db):
    """Two organising authorities: ours with a school in FWB and one in VL, and another one."""
    with session(db) as s:
        ours = organisation_store.add_organisation(s, ORG_BCE, "PO Y")
        organisation_store.add_school(s, ours, SCHOOL_FWB, "fwb", "École A")
        organisation_store.add_school(s, ours, SCHOOL_VL, "vl", "School B")
        other = organisation_store.add_organisation(s, OTHER_ORG_BCE, "PO Z")
        organisation_store.add_school(s, other, "1000000120", "fwb", "École D")
        s.commit()
    return db


async def make_app(engine, recorder: RecordingRequest, clock=None, rate_limited=False, routers=None, **options):
    settings = Settings(telegram_bot_token="123456:TEST-TOKEN", _env_file=None)
    if "attachments_dir" not in options:
        options["attachments_dir"] = data_dir(engine) / "attachments"
    options.setdefault("export_pause", 0)  # tests export several times in a row; the pause has a test of its own
    bot_engine = build_engine(engine, Options(default_locale="fr", **options), routers=routers,
                              **({"clock": clock} if clock else {}))
    app = build_application(settings, bot_engine, request=recorder, rate_limited=rate_limited)
    await app.initialize()
    return app


@pytest.fixture
async def app(organisations):
    recorder = RecordingRequest()
    application = await make_app(organisations, recorder)
    application.recorder = recorder
    yield application
    await application.shutdown()


@pytest.fixture
def chat(app):
    enrol(app.bot_data["engine"].db, 1001)
    return Chat(app, app.recorder, 1001)
