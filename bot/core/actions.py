"""Button actions: a readable name and typed arguments, packed into callback data and read back in one place.

Like aiogram's `CallbackData`: a feature declares `SHOW = action("request.show", Text("ticket", 16))` once, makes
buttons with `SHOW.button(label, ticket)` and registers its handler for `SHOW`; the engine unpacks what a button
sends back with `unpack`. Telegram carries at most 64 bytes; `ACTIONS` lists every declared action so that a test
packs each with its longest arguments.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.views import Button

SEPARATOR = ":"
MAX_BYTES = 64  # Telegram's limit on callback data


class Param:
    """One argument of an action: how it is written into callback data and read back (None: not acceptable)."""

    name: str
    longest: str  # the longest value a button may carry, for the size test

    def pack(self, value) -> str:
        return str(value)

    def unpack(self, text: str):
        raise NotImplementedError


@dataclass(frozen=True)
class Number(Param):
    """A record id or a page: ASCII digits only, small enough for any database."""

    name: str
    longest: str = "9" * 9

    def unpack(self, text: str) -> int | None:
        return int(text) if re.fullmatch(r"\d{1,9}", text, re.ASCII) else None


@dataclass(frozen=True)
class Text(Param):
    """Free text up to `size` characters, checked by the handler (a ticket someone may have forged)."""

    name: str
    size: int
    rest: bool = False  # the last argument may itself contain the separator

    @property
    def longest(self) -> str:
        return "W" * self.size

    def unpack(self, text: str) -> str | None:
        return text if len(text) <= self.size else None


@dataclass(frozen=True)
class Word(Param):
    """One of a fixed set of words."""

    name: str
    words: tuple[str, ...]

    @property
    def longest(self) -> str:
        return max(self.words, key=len)

    def unpack(self, text: str) -> str | None:
        return text if text in self.words else None


@dataclass(frozen=True)
class Action:
    """A kind of button. Its name is also what callback data begin with."""

    name: str
    params: tuple[Param, ...] = ()

    def pack(self, *values) -> str:
        if len(values) != len(self.params):
            raise TypeError(f"{self.name} takes {len(self.params)} arguments, not {len(values)}")
        return SEPARATOR.join([self.name, *(p.pack(v) for p, v in zip(self.params, values))])

    def button(self, label, *values) -> Button:
        return Button(label, self.pack(*values))

    def longest(self) -> str:
        return SEPARATOR.join([self.name, *(p.longest for p in self.params)])


ACTIONS: dict[str, Action] = {}


def action(name: str, *params: Param) -> Action:
    """Declare an action once; its name must be unique and free of the separator."""
    if name in ACTIONS or SEPARATOR in name:
        raise ValueError(f"action name {name!r} is taken or contains {SEPARATOR!r}")
    if any(isinstance(p, Text) and p.rest for p in params[:-1]):
        raise ValueError("only the last argument may contain the separator")
    declared = Action(name, params)
    ACTIONS[name] = declared
    return declared


def unpack(data: str) -> tuple[Action, tuple] | None:
    """The action and arguments a button carries, or None when the data is not one of ours (old or forged)."""
    name, _, rest = data.partition(SEPARATOR)
    declared = ACTIONS.get(name)
    if declared is None or len(data.encode()) > MAX_BYTES:
        return None
    if not declared.params:
        return (declared, ()) if not rest and SEPARATOR not in data else None
    last = declared.params[-1]
    parts = rest.split(SEPARATOR, len(declared.params) - 1) if isinstance(last, Text) and last.rest \
        else rest.split(SEPARATOR)
    if len(parts) != len(declared.params):
        return None
    values = tuple(p.unpack(part) for p, part in zip(declared.params, parts))
    return None if any(v is None for v in values) else (declared, values)
