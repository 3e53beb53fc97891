"""Engine and session set-up; SQLite gets WAL, durable writes and foreign keys."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from bot.storage import models  # noqa: F401  (registers the tables)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def create_schema(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (to be replaced by Alembic)."""
    create_schema(engine)


def session(engine: Engine) -> Session:
    # Objects stay readable after commit: views are built from them once the transaction is over.
    return Session(engine, expire_on_commit=False)
