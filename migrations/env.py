"""Alembic's entry point: migrate the connection bot.storage.database.upgrade() hands over.

`bot.storage.database.upgrade(engine)` passes an open connection in `config.attributes["connection"]`; the
`alembic` command line (alembic.ini at the root, for writing new revisions) gets none, and then this file
connects to the bot's own database (DATABASE_URL, else the SQLite file in BOT_DATA_DIR).
"""
from __future__ import annotations

import logging.config

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from bot.storage import models  # noqa: F401  (registers the tables in SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def render_item(type_, obj, autogen_context):
    """Write SQLModel's column types as the plain SQLAlchemy types they stand for in the database.

    AutoString is a String (VARCHAR(n)); UTCDateTime is a DateTime(timezone=True) that converts to UTC in
    Python. A revision must not depend on how a library happens to spell its types, so neither appears in one.
    """
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length!r})" if obj.length is not None else "sa.String()"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        render_item=render_item,
        compare_type=True,
        compare_server_default=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    # The alembic command line: the bot's own database.
    if config.config_file_name is not None:
        logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)
    from bot.settings import Settings
    from bot.storage.database import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or Settings().database)
    try:
        with engine.connect() as connection:
            configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported: run them against a database.")
run_migrations_online()
