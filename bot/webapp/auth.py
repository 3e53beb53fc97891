"""Who is asking the Mini App's API.

In Telegram, every call carries the launch data Telegram signed (`initData`), checked as Telegram documents it:
the key is HMAC-SHA256 of the bot token keyed with "WebAppData", the data's `hash` is HMAC-SHA256 of its other
fields, sorted and joined by new lines, keyed with that key; data older than an hour is refused.

On a laptop (`breakbot console`), the terminal prints a one-time link; the page trades it once, within a few
minutes, for a session of the terminal's member, kept in this process's memory.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

MAX_AGE = 3600  # seconds: Telegram launch data older than this is refused
CLOCK_SKEW = 30  # seconds: a phone's clock may run this far ahead of the server's


@dataclass(frozen=True)
class Identity:
    channel: str
    user_key: str
    language_code: str | None = field(default=None, compare=False)  # the app's language, when the member chose none


def _secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """Launch data as Telegram makes it (for tests, and to document the format)."""
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    digest = hmac.new(_secret_key(bot_token), check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def check_init_data(init_data: str, bot_token: str, now: float | None = None) -> Identity | None:
    """The Telegram user behind signed launch data, or None when it is forged, altered, too old or not a user."""
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    fields = dict(pairs)
    if len(fields) != len(pairs):  # a key given twice: not what Telegram signed
        return None
    given = fields.pop("hash", "")
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    expected = hmac.new(_secret_key(bot_token), check.encode(), hashlib.sha256).hexdigest()
    if not given or not hmac.compare_digest(given, expected):
        return None
    try:
        signed_at = fields["auth_date"]
        user = json.loads(fields["user"])
        user_id = user["id"]
    except (KeyError, ValueError, TypeError, RecursionError, OverflowError):
        return None
    # Telegram writes a user id as a JSON integer and the date as plain digits: anything else is not its data.
    if not (signed_at.isascii() and signed_at.isdigit() and len(signed_at) <= 12):
        return None
    if type(user_id) is not int or not 0 < user_id < 2**63:
        return None
    age = (time.time() if now is None else now) - int(signed_at)
    if not -CLOCK_SKEW <= age <= MAX_AGE:  # too old, or from further in the future than clocks differ
        return None
    language = user.get("language_code")
    return Identity("telegram", str(user_id), language if isinstance(language, str) else None)


class LocalLinks:
    """One-time links of the terminal chat's member, traded once for a session of this process."""

    LINK_SECONDS = 300
    SESSION_SECONDS = 12 * 3600

    def __init__(self, clock=time.monotonic):
        self._clock, self._lock = clock, threading.Lock()
        self._links: dict[str, tuple[Identity, float]] = {}
        self._sessions: dict[str, tuple[Identity, float]] = {}

    def link(self, identity: Identity) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            now = self._clock()  # what has expired goes
            for kept in (self._links, self._sessions):
                for key in [key for key, (_, until) in kept.items() if until < now]:
                    del kept[key]
            self._links[token] = (identity, self._clock() + self.LINK_SECONDS)
        return token

    def trade(self, token: str) -> str | None:
        """A session token for a link not used yet and not expired; the link is spent either way."""
        with self._lock:
            identity, until = self._links.pop(token, (None, 0.0))
            if identity is None or self._clock() > until:
                return None
            session = secrets.token_urlsafe(24)
            self._sessions[session] = (identity, self._clock() + self.SESSION_SECONDS)
            return session

    def identity(self, session: str) -> Identity | None:
        with self._lock:
            identity, until = self._sessions.get(session, (None, 0.0))
            return identity if identity is not None and self._clock() <= until else None
