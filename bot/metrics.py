"""What a bot process tells Prometheus: counters the engine and the Mini App move as they work, and a few gauges read
from the database when Prometheus asks (one short query per scrape, never per update).

Labels are fixed words only (an input's kind, a route's template, a status code): never a name, a NISS, a ticket, a
chat or an e-mail address. Each process keeps its own counters and serves them itself (no multiprocess mode).
"""
from __future__ import annotations

import datetime as dt
import hmac

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.storage.models import OutboxMail, Reminder, utcnow

disable_created_metrics()  # no `_created` series beside each counter: Prometheus does not need them
KINDS = ("text", "button", "command", "upload", "other")
SCRAPE_TIMEOUT_MS = 2000
SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

UPDATES = Counter("breakbot_updates", "Updates the engine answered, by kind of input", ["kind"])
TURN_SECONDS = Histogram("breakbot_turn_seconds", "Time to answer one update (its turn, retries included)",
                         buckets=SECONDS)
TURNS_FAILED = Counter("breakbot_turns_failed", "Turns that failed and answered 'something went wrong' (rolled back)")
TURNS_BUSY = Counter("breakbot_turns_busy", "Turns that answered 'busy, send it again' (the database was held)")
TURNS_RETRIED = Counter("breakbot_turns_retried",
                        "Turns run again after a race with another process or a lost database connection")
WEB_REQUESTS = Counter("breakbot_webapp_requests", "Requests to the Mini App's server, by route template and status",
                       ["route", "method", "status"])
WEB_SECONDS = Histogram("breakbot_webapp_request_seconds", "Time to answer a request to the Mini App's server",
                        ["route"], buckets=SECONDS)
_UPDATES = {kind: UPDATES.labels(kind) for kind in KINDS}  # every kind shows from the start, at 0


def answered(kind: str, seconds: float) -> None:
    """One update answered (by a turn, or refused before one), in `seconds`."""
    _UPDATES.get(kind, _UPDATES["other"]).inc()
    TURN_SECONDS.observe(seconds)


class DatabaseGauges:
    """The outbox and the reminders, counted when Prometheus scrapes: partial indexes keep each count to the rows
    still unsent (migration 0014)."""

    def __init__(self, db: Engine, now=utcnow):
        self.db, self.now = db, now

    def collect(self):
        up = GaugeMetricFamily("breakbot_database_up", "1 when the gauges below could be read from the database")
        try:
            with self.db.connect() as connection:
                if connection.dialect.name == "postgresql":  # a scrape waits seconds at most, never on a lock
                    connection.exec_driver_sql(f"SET LOCAL statement_timeout = {SCRAPE_TIMEOUT_MS}")
                mails, oldest = connection.execute(
                    select(func.count(), func.min(OutboxMail.created_at)).where(OutboxMail.sent_at.is_(None))).one()
                reminders = connection.execute(
                    select(func.count()).select_from(Reminder)
                    .where(Reminder.sent_at.is_(None), Reminder.failed_at.is_(None))).scalar_one()
        except Exception:  # noqa: BLE001 - a scrape says the database is out of reach, it does not fail
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("breakbot_outbox_mails", "E-mails waiting in the outbox (not sent yet)", value=mails)
        if isinstance(oldest, str):  # SQLite hands a raw column back as text
            oldest = dt.datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=dt.UTC)
        age = max(0.0, (self.now() - oldest).total_seconds()) if oldest is not None else 0.0
        yield GaugeMetricFamily("breakbot_outbox_oldest_seconds",
                                "Age of the oldest e-mail not sent yet (0 when the outbox is empty)", value=age)
        yield GaugeMetricFamily("breakbot_reminders_unsent",
                                "Reminders claimed and neither sent nor given up (in flight, or left by a process "
                                "that stopped)", value=reminders)


class _Process:
    """This process's counters (and Python's own process and garbage-collector metrics)."""

    def collect(self):
        yield from REGISTRY.collect()


def registry_for(db: Engine, now=utcnow) -> CollectorRegistry:
    """What one server's /metrics shows: the process's counters and its database's gauges."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Process())
    registry.register(DatabaseGauges(db, now))
    return registry


def exposition(registry: CollectorRegistry) -> tuple[bytes, str]:
    return generate_latest(registry), CONTENT_TYPE_LATEST


def token_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
