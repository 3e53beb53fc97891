"""The shape of a dialog step and the context its functions see."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlmodel import Session

from bot.storage.models import Member


@dataclass(frozen=True)
class Choice:
    code: str  # short, language-neutral
    label: Any  # T or plain text


@dataclass
class Context:
    """What a step's functions may look at: the answers so far, who acts, and data look-ups."""

    answers: dict
    member: Member
    session: Session
    today: dt.date
    lang: str = "fr"
    mail_enabled: bool = False  # the confirmation e-mail is only offered when SMTP is set up
    cache: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One question of a dialog, declared as data.

    parse(text, ctx) turns a typed answer or a button code into the stored (JSON) value and raises
    Invalid with a message id when it is wrong; check(value, ctx) re-checks rules that involve other
    answers (run again on the summary); echo(value, ctx) says back what was understood.
    """

    name: str
    prompt: Callable[[Context], list]
    parse: Callable[[str, Context], Any]
    choices: Callable[[Context], list[Choice]] | None = None
    applies: Callable[[Context], bool] | None = None
    check: Callable[[Any, Context], list] | None = None  # returns warnings, raises Invalid
    show: Callable[[Any, Context], Any] = lambda value, ctx: str(value)
    echo: Callable[[Any, Context], Any] | None = None  # default: "✓ label: answer"
    label: str = ""  # message id naming the answer on the summary's edit button
    clears: tuple[str, ...] = ()  # answers that depend on this one

    def applies_to(self, ctx: Context) -> bool:
        return self.applies is None or bool(self.applies(ctx))
