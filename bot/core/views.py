"""What goes in and out of the engine, whatever the channel: an Input and Views."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Input:
    """One thing the user did: typed text, tapped a button, or sent a command."""

    channel: str
    user_key: str
    chat_key: str
    kind: str  # "text", "button", "command", "upload" or "other"
    text: str = ""  # the typed text, the button's callback data, or the command's arguments
    command: str = ""
    language_code: str | None = None
    display_name: str = ""
    upload: Upload | None = None
    update_id: int | None = None  # Telegram's, so that a redelivered update is applied once
    bot_id: int = 0  # whose numbering update_id follows (Telegram numbers each bot's updates)


@dataclass
class Upload:
    """A file the user sent: its bytes (None when refused before download) and what Telegram says of it."""

    filename: str
    mime: str
    size: int
    data: bytes | None = None
    file_id: str | None = None


@dataclass
class Document:
    """A file to send: bytes we made or kept, a Telegram file id to send again, or a way to make it that takes
    long (an export): the channel runs `produce` off the event loop, after the turn, and sends what it gives."""

    filename: str
    data: bytes | None = None
    file_id: str | None = None
    produce: Callable[[], bytes] | None = None


@dataclass
class Button:
    label: Any  # T or plain text
    data: str  # callback data, at most 64 bytes
    web_app: str | None = None  # opens this page as a Telegram Mini App instead (Telegram only)


@dataclass
class View:
    """A message to show: lines (T, text or dates) and rows of buttons."""

    lines: list = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    replace: bool = False  # replaces the message whose button was tapped
    document: Document | None = None
    typed: bool = False  # it asks for a typed value (a date, hours): a typed number is that value, never an option


@dataclass
class Reply:
    views: list[View]
    lang: str
    asks: tuple[int, int] | None = None  # (draft id, version) of the open draft whose question these views show


def as_views(result: View | list[View]) -> list[View]:
    """What a handler returned, as a list: a handler may return one View or several."""
    return [result] if isinstance(result, View) else list(result)
