"""Backups an administrator can trust: a consistent copy of the SQLite database while the bot runs, a restore that
checks what it puts back and leaves no stale write-ahead log beside it, a lost database (empty, damaged) refused at
start rather than taken for a new one, and the copies a laptop install keeps by itself. The operator's words are
English, as the rest of the command line's."""
from __future__ import annotations

import datetime as dt
import fcntl
import os
import sqlite3
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

LOCK_NAME = "breakbot.lock"  # held by every bot process on the data folder while it runs
TABLES = {"organisation", "member", "leave_request", "alembic_version"}


class Refused(Exception):
    """One line for the operator; nothing was changed."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, None for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _known_revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    from bot.storage.database import alembic_config

    return [script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()]


@contextmanager
def _checked(path: Path):
    """A read-only connection to a SQLite file that is not empty and passes SQLite's own check; Refused otherwise
    (sqlite3.DatabaseError for a file that is no database)."""
    if path.stat().st_size == 0:
        raise Refused(f"{path} is empty (0 bytes)")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        check = connection.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise Refused(f"{path} is damaged (SQLite's check: {check[:120]})")
        yield connection


def _inspect(path: Path) -> tuple[str | None, int]:
    """A SQLite file of this product, read without writing: its migration level and its number of requests; Refused
    with why for anything else (empty, not a database, damaged, another program's)."""
    try:
        with _checked(path) as connection:
            tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not TABLES <= tables:
                raise Refused(f"{path} is a SQLite database, but not one of this bot (no {sorted(TABLES - tables)[0]} "
                              f"table)")
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            requests = connection.execute("SELECT count(*) FROM leave_request").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise Refused(f"{path} is not a readable SQLite database ({error})") from None
    return (revision[0] if revision else None), requests


def database_problem(url: str) -> str | None:
    """Why the bot must not start on this database, in one line, or None. Only an existing SQLite file is looked
    at: a file that is missing is a new install; one that is empty or damaged is a lost database, which starting
    would silently replace by an empty one (members greeted as strangers)."""
    path = sqlite_path(url)
    if path is None or not path.exists():
        return None
    try:
        if path.stat().st_size == 0:
            raise Refused(f"{path} is empty (0 bytes)")
        # Its header and schema, not SQLite's whole check: that reads every page (7 s for a million requests), at
        # every command's start. A restore checks the whole file it puts in place.
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        return (f"The database {path} cannot be read ({error}): it is damaged or is not a database. Restore a "
                f"backup with `breakbot db restore FILE`, or move the file away and start with --new-database to "
                f"begin with an empty one.")
    except Refused as why:
        return (f"The database {why}: it was probably lost or cut short. Restore a backup with `breakbot db restore "
                f"FILE`, or start with --new-database to begin with an empty one (the file is then replaced).")
    return None


def start_new(url: str) -> Path | None:
    """--new-database: the lost file is kept aside (never deleted), so that the bot starts on a new one."""
    path = sqlite_path(url)
    if path is None or not path.exists():
        return None
    kept = path.with_name(f"{path.name}.lost-{dt.datetime.now():%Y%m%d-%H%M%S}")
    path.rename(kept)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return kept


@contextmanager
def running(data_dir: Path):
    """Held by a bot process for as long as it runs: a restore refuses while any holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOCK_NAME, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)  # several bot processes may share it
        except OSError:
            raise Refused(f"{data_dir / LOCK_NAME} is held by a restore in progress: start the bot once it is "
                          f"done.") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def _alone(data_dir: Path):
    """No bot process runs on this data folder while the restore holds this."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOCK_NAME, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise Refused("A bot process is running on this database: stop it first (docker stop, systemctl "
                          "stop, or Ctrl-C in its terminal), then restore.") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy, whatever writes meanwhile, into a file of its own, then synced."""
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as origin, \
            closing(sqlite3.connect(partial)) as copy:
        origin.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    with open(partial, "rb") as written:
        os.fsync(written.fileno())
    partial.replace(target)


def backup(url: str, target: Path) -> str:
    """A consistent copy of the running bot's database into `target` (a new file); what it holds, in one line."""
    path = sqlite_path(url)
    if path is None:
        name = make_url(url).database
        raise Refused(f"The database is on a server, not in a file: back it up with `pg_dump --format=custom "
                      f"--file {target} {name}` (and restore with `pg_restore --clean --dbname {name} {target}` "
                      f"once the bot is stopped).")
    if not path.exists():
        raise Refused(f"There is no database at {path} yet: nothing to back up.")
    if target.exists():
        raise Refused(f"{target} exists already: give a new file's name (a backup never replaces a file).")
    _copy(path, target)
    revision, requests = _inspect(target)
    return (f"Backed up {path} to {target}: {requests} requests, migration {revision}, "
            f"{target.stat().st_size / 1e6:.1f} MB.")


def restore(url: str, source: Path, data_dir: Path) -> str:
    """Put a backup in the database's place while no bot runs: checked first (a SQLite database of this bot, not
    damaged, of a migration level this version knows), then copied beside the database and moved over it, the old
    write-ahead files removed (a WAL left beside a restored file would be replayed over it, or corrupt it). The
    database replaced is kept beside it. One line says what was done."""
    path = sqlite_path(url)
    if path is None:
        raise Refused("The database is on a server, not in a file: restore a `pg_dump` backup with `pg_restore "
                      "--clean --dbname DATABASE FILE` once the bot is stopped.")
    if not source.is_file():
        raise Refused(f"No backup file at {source}.")
    try:
        revision, requests = _inspect(source)
    except Refused as why:
        raise Refused(f"Not restored: {why}. Nothing was changed.") from None
    if revision not in _known_revisions():
        raise Refused(f"Not restored: {source} is at migration {revision}, which this version of the bot does not "
                      f"know (made by a newer version?). Nothing was changed.")
    with _alone(data_dir):
        kept = None
        staged = path.with_name(f".{path.name}.restoring")
        _copy(source, staged)
        if path.exists():
            kept = path.with_name(f"{path.name}.before-restore-{dt.datetime.now():%Y%m%d-%H%M%S}")
            _copy(path, kept)  # the replaced database, with what its WAL held, in one file
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        staged.replace(path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    before = f"; the database it replaced is kept as {kept}" if kept else ""
    return (f"Restored {source} into {path}: {requests} requests, migration {revision} (the bot applies newer "
            f"migrations when it starts){before}.")


def scheduled(url: str, folder: Path, keep: int, now: dt.datetime, every: dt.timedelta = dt.timedelta(days=1)
              ) -> Path | None:
    """The laptop install's own copies: one into `folder` when the last is older than `every`, the `keep` newest
    kept. None when no copy was due (or the database is a server's)."""
    path = sqlite_path(url)
    if path is None or not path.exists() or keep < 1:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    copies = sorted(folder.glob("breakbot-*.sqlite3"))
    if copies and now - dt.datetime.fromtimestamp(copies[-1].stat().st_mtime, dt.UTC) < every:
        return None
    target = folder / f"breakbot-{now:%Y%m%d-%H%M%S}.sqlite3"
    _copy(path, target)
    for old in sorted(folder.glob("breakbot-*.sqlite3"))[:-keep]:
        old.unlink()
    return target
