"""Engine and session set-up; SQLite gets WAL, durable writes and foreign keys. The schema is Alembic's."""
from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, create_engine

from bot.resources import project_folder
from bot.storage import models  # noqa: F401  (registers the tables)

# The migrations live next to the package (the repository's root), or in BREAKBOT_HOME for an installed package
# (/app in the Docker image): found from there, so that any working folder will do.
MIGRATIONS = project_folder("migrations")
BEGIN = "sqlite_begin"  # a connection's own BEGIN statement on SQLite, in its info (see make_engine)
# Any fixed number: the PostgreSQL advisory lock that keeps two processes from migrating at once.
_MIGRATION_LOCK = 0x6272_6B62


def make_engine(url: str, busy_seconds: float = 30) -> Engine:
    """The database engine. Its errors and logs never show the values of a statement (a worker's name, a NISS):
    hide_parameters. `busy_seconds`: how long SQLite waits for another process's write before giving up (the
    bot waits little, and says "busy, try again"; a command line waits longer)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_seconds},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            # SQLAlchemy emits BEGIN itself (below): the driver's own, deferred until the first write, would let a
            # turn read before it holds the write lock.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # A draft's step survives a crash of the process; a turn that files, modifies or cancels a request asks
            # for FULL before it begins (storage.turns.prepare), and so survives a power loss too.
            cursor.execute("PRAGMA synchronous=NORMAL")
            _record.info["synchronous"] = "NORMAL"
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection):
            # A turn takes the write lock at once (BEGIN IMMEDIATE, asked for on its connection): two turns never
            # both read, then both wait to write (which SQLite can only end by failing one). Other work begins
            # deferred, so that reading (a command's checks, a job) never holds the lock. Sent to the driver
            # directly: SQLAlchemy's statement machinery would cost more than SQLite's own work.
            # A caller may ask for it per transaction too, as an execution option of the connection it begins on.
            connection.connection.driver_connection.execute(
                connection.get_execution_options().get(BEGIN) or connection.info.get(BEGIN, "BEGIN"))

    else:
        # No ping at checkout (a round trip per turn): a connection the server dropped fails its turn, which the
        # engine runs again on a fresh one; connections are recycled before a server or proxy would drop them.
        engine = create_engine(url, pool_size=16, max_overflow=16, pool_recycle=1800, hide_parameters=True)
    return engine


def create_schema(engine: Engine) -> None:
    """The tables straight from the models, without migrations: only for throwaway databases."""
    SQLModel.metadata.create_all(engine)


def alembic_config(connection: Connection | None = None):
    from alembic.config import Config

    if not (MIGRATIONS / "env.py").is_file():
        raise RuntimeError(f"The migrations are missing: no {MIGRATIONS / 'env.py'}.")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _migrate(engine: Engine, action: str, revision: str) -> None:
    from alembic import command

    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # a migration may copy a table others point at: SQLite checks the keys once it is done
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":  # held until the migration's transaction ends
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
                getattr(command, action)(alembic_config(connection), revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration not yet applied (`alembic upgrade head`), in one transaction where the database
    allows it. The bot does this at start; `breakbot db upgrade` does only this."""
    _migrate(engine, "upgrade", revision)
    if engine.dialect.name == "sqlite":
        # SQLite plans with statistics only when asked to gather them (PostgreSQL's autovacuum does it itself):
        # without them the overview's count walks the page index instead of its own.
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Undo migrations down to `revision` (`base`: no tables left but alembic_version). For tests."""
    _migrate(engine, "downgrade", revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def session(engine: Engine) -> Session:
    # Objects stay readable after commit: views are built from them once the transaction is over.
    return Session(engine, expire_on_commit=False)
