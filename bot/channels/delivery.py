"""Getting messages to Telegram: retried when Telegram or the network asks for it, never repeated when they may
have arrived, and held for the next start when the process stops before they could go.

- 429 (flood control): the rate limiter waits `retry_after` and pauses every other send meanwhile, as Telegram
  asks; past its own retries, the send waits once more and tries again, up to ATTEMPTS.
- 5xx, a refused connection, a connect timeout: nothing arrived; tried again after 0.5, 1, 2 s.
- A read timeout: Telegram may have the message. It is not sent again (the user would see it twice); the reply's
  question is marked as maybe unseen, so a typed text does not land under it (bot.fsm.forms._guard).
- 400 (Bad Request) goes to the caller (an edit refused is sent as a new message); 403 (the user blocked the bot)
  is given up.
"""
from __future__ import annotations

import asyncio
import enum
import logging
from dataclasses import dataclass, field

import httpx
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)
ATTEMPTS = 4
BACKOFF = 0.5  # seconds before the second attempt; doubled each time
MAX_WAIT = 30.0  # a retry_after longer than this is not waited for: the send is given up (and the question unseen)


class Outcome(enum.Enum):
    SENT = "sent"
    UNSURE = "unsure"  # may have arrived: not sent again
    FAILED = "failed"  # refused for good (the user blocked the bot, the chat is gone): never sent again
    GAVE_UP = "gave up"  # did not arrive after every attempt (the network, Telegram's servers): may be sent later
    HELD = "held"  # did not leave before the stop's budget was spent: kept for the next start


class Marker:
    """Set by the rate limiter when the request leaves for Telegram (it was waiting in the limiter before)."""

    __slots__ = ("sending",)

    def __init__(self):
        self.sending = False

    def __bool__(self) -> bool:  # python-telegram-bot passes rate limiter arguments only when they are true
        return True


class Limiter(AIORateLimiter):
    """python-telegram-bot's limiter (30 messages a second, one a second per chat, 20 a minute per group), which
    also tells a Marker whether its request left."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        marker = rate_limit_args if isinstance(rate_limit_args, Marker) else None
        if marker is None:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)

        async def marked(*arguments, **keywords):
            marker.sending = True
            try:
                return await callback(*arguments, **keywords)
            except (RetryAfter, BadRequest, Forbidden):
                marker.sending = False  # Telegram answered: refused, not delivered
                raise
            except NetworkError as error:
                marker.sending = maybe_sent(error)
                raise

        return await super().process_request(marked, args, kwargs, endpoint, data, None)


def maybe_sent(error: Exception) -> bool:
    """Whether Telegram may have the message although the send failed: a timeout while its answer was awaited.
    A connection never made, a pool full, or an error answer (5xx) mean it never arrived."""
    if not isinstance(error, TimedOut):
        return False
    cause = error.__cause__
    if isinstance(cause, (httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout)):
        return False
    return "pool timeout" not in str(error).lower()


@dataclass
class Stopping:
    """A stop in progress: the budget, and whether it is spent (then nothing new is sent or handled: it is held)."""

    budget: float
    expired: bool = False
    deadline: float | None = None
    event: asyncio.Event = field(default_factory=asyncio.Event)

    def expire(self) -> None:
        self.expired = True
        self.event.set()


NOT_STOPPING = Stopping(budget=0)  # what a send is given when no stop is planned (tests, the command line)


async def post(bot, method: str, fields: dict, stopping: Stopping | None = None, *, attempts: int = ATTEMPTS,
               reasons: list[str] | None = None, watcher=None) -> Outcome:
    """One Bot API call, retried as the module says (`attempts` in all; the notifications' job, which comes back
    every few seconds, tries once). Raises BadRequest (the caller decides). A refusal's reason is added to
    `reasons`. `watcher.marker` is each attempt's Marker: a stop does not cut short a request on the wire."""
    stopping = stopping or NOT_STOPPING
    delay = BACKOFF
    for attempt in range(attempts):
        if stopping.expired:
            return Outcome.HELD
        marker = Marker()
        if watcher is not None:
            watcher.marker = marker
        try:
            await bot.do_api_request(method, api_kwargs=dict(fields), return_type=None,
                                     rate_limit_args=marker if bot.rate_limiter else None)
            return Outcome.SENT
        except asyncio.CancelledError:
            if not stopping.expired:  # not the stop's doing: whoever cancelled decides
                raise
            # The stop's budget is spent: a request still in the limiter never left; one on the wire may arrive.
            return Outcome.UNSURE if marker.sending or not bot.rate_limiter else Outcome.HELD
        except BadRequest:
            raise
        except Forbidden as error:
            log.info("%s refused for good: %s", method, error)
            if reasons is not None:
                reasons.append(str(error))
            return Outcome.FAILED
        except RetryAfter as error:  # the limiter's own retries are spent: wait as Telegram says, once more
            wait = error._retry_after.total_seconds()  # noqa: SLF001 - the public one warns of its type change
            if wait > MAX_WAIT:
                log.warning("%s given up: Telegram asks to wait %s s", method, wait)
                return Outcome.GAVE_UP
            delay = max(delay, wait + 0.1)
        except TimedOut as error:
            if maybe_sent(error):
                log.warning("%s timed out waiting for Telegram's answer: not sent again", method)
                return Outcome.UNSURE
        except NetworkError as error:  # 5xx, connection refused or reset
            log.info("%s failed (%s): attempt %d of %d", method, error, attempt + 1, ATTEMPTS)
        except TelegramError as error:
            log.warning("%s refused: %s", method, error)
            if reasons is not None:
                reasons.append(str(error))
            return Outcome.FAILED
        if attempt + 1 < attempts:
            await _sleep(delay, stopping)
            delay *= 2
    log.warning("%s given up after %d attempts", method, attempts)
    return Outcome.GAVE_UP


async def _sleep(seconds: float, stopping: Stopping) -> None:
    """A wait between attempts that a stop's spent budget ends at once."""
    if stopping is NOT_STOPPING:
        await asyncio.sleep(seconds)
        return
    try:
        await asyncio.wait_for(stopping.event.wait(), seconds)
    except asyncio.TimeoutError:
        pass
