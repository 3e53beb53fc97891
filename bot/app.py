"""The application: the features' routers, included in the order /help and the command menus list them, and the
engine core that runs them."""
from __future__ import annotations

from sqlalchemy.engine import Engine as Database

from bot.core.engine import Engine
from bot.core.router import Router, Routes
from bot.core.turn import Options
from bot.dialogs import follow_up, help, intake, members, overview, schools
from bot.storage.models import utcnow

ROUTERS: list[Router] = [intake.router, follow_up.router, overview.router, members.router, schools.router,
                         help.router]


def build_engine(db: Database, options: Options | None = None, clock=utcnow,
                 routers: list[Router] | None = None) -> Engine:
    return Engine(db, Routes(routers or ROUTERS), options or Options(), clock)
