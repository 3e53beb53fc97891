"""The Alembic migrations: empty → head → base → head on SQLite and PostgreSQL, and they agree with the models.

On PostgreSQL each test works in a schema of its own (search_path), so the database the rest of the suite uses
stays as it is; a new schema is as empty as a new database.
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel, select

from bot.cli import main
from bot.storage.database import (
    MIGRATIONS,
    alembic_config,
    current_revision,
    downgrade,
    make_engine,
    session,
    upgrade,
)
from bot.storage.models import Organisation
from tests.conftest import TEST_DATABASE_URL, require_postgres

ROOT = Path(__file__).resolve().parent.parent
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """The URL of a database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    url = sa.make_url(require_postgres())
    schema = f"migration_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url.render_as_string(hide_password=False))
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def empty(empty_url):
    engine = make_engine(empty_url)
    assert tables(engine) == set()
    yield engine
    engine.dispose()


def tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def differences(engine) -> list:
    """What autogenerate would put in a new revision: nothing when the database is what the models describe."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "compare_server_default": True})
        return compare_metadata(context, SQLModel.metadata)


def test_there_is_one_line_of_revisions():
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert [r.revision for r in script.walk_revisions()][-1] == "0001"


def test_upgrade_downgrade_upgrade_and_the_models_agree(empty):
    upgrade(empty)
    assert current_revision(empty) == HEAD
    assert tables(empty) == set(SQLModel.metadata.tables) | {"alembic_version"}
    assert differences(empty) == []

    downgrade(empty, "base")
    assert tables(empty) <= {"alembic_version"}
    assert current_revision(empty) is None

    upgrade(empty)
    assert current_revision(empty) == HEAD
    assert differences(empty) == []
    upgrade(empty)  # at head: nothing to do
    assert current_revision(empty) == HEAD


def test_a_model_change_without_its_migration_is_noticed(empty):
    """The agreement check is not blind: a column or a table in the models but in no revision shows up."""
    upgrade(empty)
    ahead = sa.MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(ahead)
    ahead.tables["organisation"].append_column(sa.Column("website", sa.String(200)))
    sa.Table("newcomer", ahead, sa.Column("id", sa.Integer, primary_key=True))
    with empty.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), ahead)
    assert {d[0] for d in diff} == {"add_column", "add_table"}, diff


def test_the_rows_survive_and_work_after_migrating(empty):
    upgrade(empty)
    with session(empty) as s:
        s.add(Organisation(bce="0234567873", name="PO Y", created_at=dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC)))
        s.commit()
    upgrade(empty)
    with session(empty) as s:
        organisation = s.exec(select(Organisation)).one()
    assert organisation.created_at == dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC)


def test_a_database_made_before_the_migrations_is_taken_over(empty):
    """Until now the bot created the tables from the models at start: such a database keeps its rows, gets the
    tables it lacks (here the two newest) and is at head, as if it had been migrated."""
    upgrade(empty, "0001")  # the tables as the models stood then (revision 0001 wrote them down as they were)
    with empty.begin() as connection:
        for table in ("alembic_version", "audit_entry", "processed_update"):
            connection.execute(sa.text(f"DROP TABLE {table}"))
    with empty.begin() as connection:  # a row as that schema holds it (today's model has more columns)
        connection.execute(sa.text("INSERT INTO organisation (bce, name, demo, created_at) "
                                   "VALUES ('0234567873', 'PO Y', false, CURRENT_TIMESTAMP)"))
    upgrade(empty)
    assert current_revision(empty) == HEAD
    assert differences(empty) == []
    with session(empty) as s:
        assert s.exec(select(Organisation.name)).all() == ["PO Y"]


def test_breakbot_db_upgrade_migrates_the_configured_database(empty, empty_url, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == "The database schema is up to date.\n"
    assert current_revision(empty) == HEAD


def test_the_migrations_are_found_from_any_working_folder(empty_url, tmp_path):
    """As in the Docker image (/app) or from a service's folder: upgrade() locates them from the package."""
    assert MIGRATIONS == ROOT / "migrations"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"PYTHONPATH": str(ROOT)}
    code = ("import sys; from bot.storage.database import make_engine, upgrade, current_revision; "
            "e = make_engine(sys.argv[1]); upgrade(e); print(current_revision(e))")
    run = subprocess.run([sys.executable, "-c", code, empty_url], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == HEAD


def test_ci_runs_the_suite_on_postgresql(postgres_url):
    """In CI (CI=true) this fails unless the suite runs on PostgreSQL: a CI run that forgot PostgreSQL cannot pass.
    Elsewhere it skips without BREAKBOT_TEST_DATABASE_URL."""
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert connection.dialect.name == "postgresql"
            assert connection.execute(sa.text("SHOW server_version_num")).scalar_one().isdigit()
    finally:
        engine.dispose()
    assert TEST_DATABASE_URL
