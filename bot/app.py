"""The application, assembled in one place for every entry point (long polling, webhook, terminal, the Mini App): the
features' routers, included in the order /help and the command menus list them, the engine core that runs them on
the migrated database, and the Mini App's options."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine as Database

from bot.core.engine import Engine
from bot.core.router import Router, Routes
from bot.core.turn import Options
from bot.dialogs import bulk, follow_up, help, intake, members, overview, reminders, schools
from bot.fsm import forms
from bot.settings import Settings
from bot.storage.database import make_engine, upgrade
from bot.storage.models import utcnow

ROUTERS: list[Router] = [intake.router, bulk.router, follow_up.router, overview.router, members.router, schools.router,
                         reminders.router, help.router, forms.router]
# A chat waits this long at most for a command line's write on SQLite, then is told to try again; the event loop
# (other chats) waits with it, so it is short. Commands wait longer, and keep their own transactions short.
BOT_BUSY_SECONDS = 2


def build_engine(db: Database, options: Options | None = None, clock=utcnow,
                 routers: list[Router] | None = None) -> Engine:
    return Engine(db, Routes(routers or ROUTERS), options or Options(), clock)


def options_of(settings: Settings) -> Options:
    return Options(default_locale=settings.bot_default_locale, attachments_dir=settings.bot_data_dir / "attachments",
                   mail_enabled=settings.mail_enabled, mail_utf8=settings.smtp_utf8, webapp_url=settings.webapp_url)


def assemble(settings: Settings) -> Engine:
    """The bot's engine on the configured database, migrated first: what every entry point of the bot runs."""
    db = make_engine(settings.database, busy_seconds=BOT_BUSY_SECONDS)
    upgrade(db)
    return build_engine(db, options_of(settings))


def web_options(engine: Engine, bot_token: str | None = None, local=None, attachments_dir: Path | None = None,
                metrics_token: str | None = None):
    """The Mini App's options on the bot's engine: Telegram's identities (its token), or the terminal's links;
    METRICS_TOKEN for /metrics."""
    from bot.webapp.server import WebOptions  # Starlette is loaded only where the table is served

    return WebOptions(db=engine.db, bot_token=bot_token, local=local, default_locale=engine.default_locale,
                      attachments_dir=attachments_dir or engine.options.attachments_dir,
                      mail_enabled=engine.options.mail_enabled, metrics_token=metrics_token)
