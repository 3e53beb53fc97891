"""One update being handled: who sent it, in which language, the chat's open draft, and the turn's transaction."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection
from sqlmodel import Session

from bot.core.views import Input
from bot.domain.answers import local_today
from bot.domain.records import DraftStatus
from bot.storage.turns import Actor, DraftState


@dataclass
class Options:
    """What the engine was started with and features may read."""

    default_locale: str = "fr"
    attachments_dir: Path = Path("data") / "attachments"
    mail_enabled: bool = False
    mail_utf8: bool = False  # the mail server takes addresses with non-ASCII characters (SMTPUTF8)
    bot_username: str | None = None  # for invitation links; set once the Telegram bot knows its name
    export_pause: float = 10.0  # seconds between two exports of one member
    webapp_url: str | None = None  # the Mini App's public address: /overview and /status offer it as a button
    process: dict = field(default_factory=dict)  # what features keep for this process, not per user


@dataclass
class Turn:
    """What a handler receives. Repository functions get `turn.session`; nothing in a turn commits: the core
    commits once when the handler is done, or rolls everything back."""

    inp: Input
    member: Actor | None
    lang: str
    now: dt.datetime
    options: Options
    routes: Any  # the application's Routes (bot/core/router.py, which sits above this module)
    connection: Connection
    draft: DraftState | None = None
    closed_drafts: list[DraftState] = field(default_factory=list)  # drafts this turn filed, abandoned or ended
    _session: Session | None = None

    @property
    def today(self) -> dt.date:
        return local_today(self.now)

    @property
    def session(self) -> Session:
        """An ORM session inside the turn's transaction, made when a handler first needs one."""
        if self._session is None:
            self._session = Session(bind=self.connection, expire_on_commit=False, autoflush=True)
        return self._session

    def open_draft(self, form: str, state: str, answers: dict, request_id: int | None = None) -> DraftState:
        """A fresh draft; the one open in this chat, if any, is kept as abandoned (never deleted)."""
        self.close_draft(DraftStatus.ABANDONED)
        self.draft = DraftState(id=0, form=form, state=state, answers=answers, history=[], editing=False, version=1,
                           request_id=request_id, created_at=self.now, updated_at=self.now, loaded_version=0,
                           new=True, organisation_id=self.member.organisation_id)
        return self.draft

    def close_draft(self, status: DraftStatus) -> DraftState | None:
        """The open draft ends (filed, abandoned, done): its buttons no longer act."""
        draft = self.draft
        if draft is not None:
            draft.status = status
            draft.version = draft.loaded_version + 1
            draft.updated_at = self.now
            self.closed_drafts.append(draft)
            self.draft = None
        return draft
