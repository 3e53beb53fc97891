"""Backups an administrator can trust, through the `breakbot` command itself: a copy made while the bot writes, a
restore after a stop that left a write-ahead log (the obvious copy over the file did not restore, or corrupted it),
a restore refused while a bot runs or from a file that is not a backup of this bot, and a lost database (empty,
damaged) refused at start rather than taken for a new one."""
from __future__ import annotations

import datetime as dt
import shutil
import sqlite3

import pytest

from bot import backups
from bot.cli import main
from bot.storage.database import make_engine, upgrade


@pytest.fixture
def bot_home(tmp_path, monkeypatch):
    """A laptop install: its data folder, its SQLite file made by the migrations, in the working folder."""
    data = tmp_path / "data"
    monkeypatch.setenv("BOT_DATA_DIR", str(data))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    data.mkdir()
    engine = make_engine(f"sqlite:///{data / 'breakbot.sqlite3'}")
    upgrade(engine)
    engine.dispose()
    return data


def add_requests(path, count: int, start: int = 0) -> None:
    """Requests written as the bot writes them (WAL, commits), the connection left open so the WAL stays."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    if not connection.execute("SELECT count(*) FROM organisation").fetchone()[0]:
        connection.execute("INSERT INTO organisation (bce, name, demo, created_at) VALUES ('0234567873', 'PO Y', 0, "
                           "'2026-01-01')")
        connection.execute("INSERT INTO member (organisation_id, channel, user_key, display_name, roles, enrolled_at,"
                           " reminders) VALUES (1, 'telegram', '1', '', 'po-education', '2026-01-01', 1)")
    for n in range(start, start + count):
        connection.execute(
            "INSERT INTO leave_request (ticket, organisation_id, member_id, capacity, niss, last_name, first_name, "
            "staff_status, leave_type, regime, start_date, end_date, hours_before, fulltime_hours, time_unit, "
            "notice_date, rtt, confirmation_email, status, filed_at, version) VALUES (?, 1, 1, 'po', '85031412302', "
            "'Dupont', 'Marie', 'statutory', 'parental', 'full', '2027-01-01', '2027-01-31', 1200, 1200, 'hours', "
            "'2026-12-01', 0, 0, 'waiting', '2026-12-01 10:00:00', 0)", (f"T{n:05d}",))
        connection.commit()
    return connection


def count(path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM leave_request").fetchone()[0]


def test_a_backup_made_while_the_bot_writes_restores_after_a_stop_that_left_its_write_ahead_log(bot_home, capsys):
    database = bot_home / "breakbot.sqlite3"
    writer = add_requests(database, 21)  # the bot runs: its last commits are in the WAL, not yet in the file
    assert main(["db", "backup", str(bot_home.parent / "monday.sqlite3")]) == 0
    assert "21 requests" in capsys.readouterr().out
    more = add_requests(database, 4, start=21)  # after the backup, four more; then the bot stops uncleanly
    assert count(database) == 25 and (bot_home / "breakbot.sqlite3-wal").stat().st_size > 0
    writer.close(), more.close()
    # the obvious restore (a copy over the file, the old WAL beside it) did not restore: 25 requests, not 21
    assert main(["db", "restore", str(bot_home.parent / "monday.sqlite3")]) == 0
    said = capsys.readouterr().out
    assert said.count("\n") == 1 and "21 requests" in said and "kept as" in said
    assert count(database) == 21
    assert not (bot_home / "breakbot.sqlite3-wal").exists()
    kept = next(bot_home.glob("breakbot.sqlite3.before-restore-*"))
    assert count(kept) == 25  # the database it replaced, its WAL included, is kept


def test_a_restore_is_refused_while_a_bot_runs_and_from_a_file_that_is_not_a_backup(bot_home, tmp_path, capsys):
    database = bot_home / "breakbot.sqlite3"
    add_requests(database, 3).close()
    assert main(["db", "backup", str(tmp_path / "good.sqlite3")]) == 0
    assert main(["db", "backup", str(tmp_path / "good.sqlite3")]) == 2  # never over a file
    capsys.readouterr()
    with backups.running(bot_home):  # a bot process holds the data folder
        assert main(["db", "restore", str(tmp_path / "good.sqlite3")]) == 2
    assert "A bot process is running" in capsys.readouterr().err
    (tmp_path / "notes.sqlite3").write_bytes(b"hello, not a database" * 100)
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    newer = tmp_path / "newer.sqlite3"
    shutil.copyfile(tmp_path / "good.sqlite3", newer)
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    for bad, said in ((tmp_path / "notes.sqlite3", "not a readable SQLite database"),
                      (other, "not one of this bot"), (newer, "migration 9999"),
                      (tmp_path / "missing.sqlite3", "No backup file")):
        before = database.read_bytes()
        assert main(["db", "restore", str(bad)]) == 2
        err = capsys.readouterr().err
        assert said in err and err.count("\n") == 1, err
        assert database.read_bytes() == before  # nothing replaced


@pytest.mark.parametrize("damage", ["empty", "garbage"])
def test_a_lost_database_is_refused_at_start_unless_a_new_one_is_asked_for(bot_home, capsys, damage):
    database = bot_home / "breakbot.sqlite3"
    database.write_bytes(b"" if damage == "empty" else b"\x00garbage" * 512)
    assert main(["admin", "add-organisation", "--bce", "0234.567.873", "--name", "PO Y"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Restore a backup" in err and "--new-database" in err, err
    assert ("0 bytes" in err) == (damage == "empty")
    assert database.stat().st_size == (0 if damage == "empty" else 8 * 512)  # untouched
    # --new-database keeps the lost file aside and starts on a new one
    from bot.cli import check_database
    from bot.settings import Settings

    check_database(Settings(_env_file=None), new=True)
    assert not database.exists() and len(list(bot_home.glob("breakbot.sqlite3.lost-*"))) == 1
    assert main(["admin", "add-organisation", "--bce", "0234.567.873", "--name", "PO Y"]) == 0


def test_the_laptop_install_keeps_its_own_copies(bot_home, tmp_path):
    database = bot_home / "breakbot.sqlite3"
    add_requests(database, 2).close()
    folder = tmp_path / "copies"
    now = dt.datetime.now(dt.UTC)
    first = backups.scheduled(f"sqlite:///{database}", folder, 2, now)
    assert first is not None and count(first) == 2
    assert backups.scheduled(f"sqlite:///{database}", folder, 2, now) is None  # one a day
    made = [backups.scheduled(f"sqlite:///{database}", folder, 2, now + dt.timedelta(days=d), dt.timedelta(0))
            for d in (1, 2)]
    assert all(made) and sorted(folder.glob("breakbot-*.sqlite3")) == sorted(made)  # the two newest kept


def test_a_database_on_a_server_is_backed_up_with_its_own_tools(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://bot:secret@db.example:5432/breakbot")
    monkeypatch.chdir(tmp_path)
    assert main(["db", "backup", str(tmp_path / "b.dump")]) == 2
    assert "pg_dump --format=custom" in capsys.readouterr().err


def test_a_database_server_out_of_reach_is_one_line_at_start(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://bot:secret@127.0.0.1:9/breakbot?connect_timeout=2")
    monkeypatch.delenv("BREAKBOT_TRACEBACK", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["admin", "add-organisation", "--bce", "0234.567.873", "--name", "PO Y"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "127.0.0.1:9 cannot be reached" in err and "Traceback" not in err, err
    assert "secret" not in err
