"""Watched in production: /healthz and /metrics on the Mini App's real Starlette server, the real Application's
turns moving the counters, the database's gauges read at scrape time, and no personal data in what is scraped."""
from __future__ import annotations

import datetime as dt
import logging
import socket

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine
from sqlmodel import select
from starlette.testclient import TestClient

from bot import mail
from bot.core.engine import FAILED, Engine
from bot.domain.records import ReminderKind
from bot.i18n import render, t
from bot.settings import Settings
from bot.storage import turns
from bot.storage.database import session
from bot.storage.models import Member, Reminder
from bot.webapp.server import WebOptions, create_app
from tests.conftest import Chat, enrol
from tests.test_intake_dialog import TICKET, to_summary
from tests.test_webapp_api import TOKEN, as_user

METRICS_TOKEN = "scrape-me-0123456789"
BEARER = {"Authorization": f"Bearer {METRICS_TOKEN}"}
NAMES = ["breakbot_updates", "breakbot_turn_seconds", "breakbot_turns_failed", "breakbot_turns_busy",
         "breakbot_turns_retried", "breakbot_webapp_requests", "breakbot_webapp_request_seconds",
         "breakbot_database_up", "breakbot_outbox_mails", "breakbot_outbox_oldest_seconds", "breakbot_reminders_unsent"]
NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


def client_for(db, **options) -> TestClient:
    return TestClient(create_app(WebOptions(db=db, bot_token=TOKEN, metrics_token=METRICS_TOKEN, **options)))


def scrape(client: TestClient) -> dict[tuple[str, frozenset], float]:
    """Every sample of /metrics, parsed by Prometheus' own parser: (name, labels) -> value."""
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


# --- /healthz ---------------------------------------------------------------------------------------------------

def test_healthz_is_200_when_the_database_answers_and_503_when_it_is_gone(db, tmp_path, caplog):
    with client_for(db) as client:
        response = client.get("/healthz")
        assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})
    gone = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'breakbot.sqlite3'}")
    with client_for(gone) as client, caplog.at_level(logging.WARNING):
        response = client.get("/healthz")
        assert (response.status_code, response.json()) == (503, {"status": "unavailable", "database": "unreachable"})
        assert "no-such-folder" not in response.text  # the reason is logged, not told
        samples = scrape(client)  # /metrics still answers, and says the database is out of reach
        assert value(samples, "breakbot_database_up") == 0
        assert ("breakbot_outbox_mails", frozenset()) not in samples
    assert "the database cannot be reached" in caplog.text


# --- /metrics: off, guarded, its content -----------------------------------------------------------------------

def test_metrics_are_off_without_a_token_and_need_the_token_with_one(db):
    with TestClient(create_app(WebOptions(db=db))) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers=BEARER).status_code == 404
    with client_for(db) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/metrics", headers={"Authorization": f"tma {METRICS_TOKEN}"}).status_code == 401
        refused = client.get("/metrics", headers={"Authorization": "Bearer"})
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert client.get("/api/me").status_code == 401  # one Mini App request, so that its metrics have a sample
        names = {name for name, _labels in scrape(client)}
    for name in NAMES:
        assert any(found == name or found.startswith(f"{name}_") for found in names), name
    assert not any(name.endswith("_created") for name in names)


def test_the_outbox_and_the_reminders_are_read_at_scrape_time(organisations):
    db = organisations
    enrol(db, 1001)
    with client_for(db, now=lambda: NOW) as client:
        empty = scrape(client)
        assert [value(empty, name) for name in ("breakbot_database_up", "breakbot_outbox_mails",
                                                "breakbot_outbox_oldest_seconds", "breakbot_reminders_unsent")] == \
            [1, 0, 0, 0]
        with session(db) as s:
            for minutes in (90, 5):
                queued = mail.enqueue_code(s, "marie.dupont@example.be", "482913", 15, "fr")
                queued.created_at = NOW - dt.timedelta(minutes=minutes)
            sent = mail.enqueue_code(s, "marc.martin@example.be", "111111", 15, "fr")
            sent.created_at, sent.sent_at = NOW - dt.timedelta(days=3), NOW - dt.timedelta(days=3)
            member = s.exec(select(Member)).first()
            s.add(Reminder(kind=ReminderKind.WAITING, subject_id=1, member_id=member.id, created_at=NOW))
            s.add(Reminder(kind=ReminderKind.ENDING, subject_id=1, member_id=member.id, created_at=NOW, sent_at=NOW))
            s.add(Reminder(kind=ReminderKind.DRAFT, subject_id=1, member_id=member.id, created_at=NOW, failed_at=NOW,
                           error="Forbidden"))
            s.commit()
        samples = scrape(client)
        text = client.get("/metrics", headers=BEARER).text
    assert value(samples, "breakbot_outbox_mails") == 2  # the sent one is not waiting
    assert value(samples, "breakbot_outbox_oldest_seconds") == 90 * 60
    assert value(samples, "breakbot_reminders_unsent") == 1  # neither the sent one nor the one given up
    assert "example.be" not in text and "482913" not in text and "marie" not in text.lower()


# --- the engine's turns -----------------------------------------------------------------------------------------

async def test_updates_move_the_counters_and_the_latency_by_exactly_the_turns(chat):
    db = chat.app.bot_data["engine"].db
    with client_for(db) as client:
        before = scrape(client)
        await chat.send("/help")
        await chat.send("/new")
        await chat.tap("fwb")
        await chat.send("hello there")
        await chat.send("/status")
        after = scrape(client)
    moved = {kind: value(after, "breakbot_updates_total", kind=kind) - value(before, "breakbot_updates_total",
                                                                              kind=kind)
             for kind in ("text", "button", "command", "upload", "other")}
    assert moved == {"text": 1, "button": 1, "command": 3, "upload": 0, "other": 0}
    assert value(after, "breakbot_turn_seconds_count") - value(before, "breakbot_turn_seconds_count") == 5
    assert value(after, "breakbot_turn_seconds_sum") > value(before, "breakbot_turn_seconds_sum")
    assert value(after, "breakbot_turn_seconds_bucket", le="+Inf") - \
        value(before, "breakbot_turn_seconds_bucket", le="+Inf") == 5
    for name in ("breakbot_turns_failed_total", "breakbot_turns_retried_total", "breakbot_turns_busy_total"):
        assert value(after, name) == value(before, name), name


async def test_a_failed_turn_and_a_turn_run_again_are_counted(chat, monkeypatch):
    db = chat.app.bot_data["engine"].db
    real_save, real_dispatch = turns.save, Engine._dispatch
    raced = []

    def save_after_a_race(*args, **kwargs):
        if not raced:  # another process changed the chat's draft meanwhile: the turn is run again, once
            raced.append(True)
            raise turns.Conflict()
        return real_save(*args, **kwargs)

    with client_for(db) as client:
        start = scrape(client)
        monkeypatch.setattr(turns, "save", save_after_a_race)
        reply = await chat.send("/new")
        assert raced == [True] and reply  # answered, on the second run
        monkeypatch.setattr(turns, "save", real_save)
        raced_scrape = scrape(client)

        def broken(self, turn):
            raise RuntimeError("the disk is full")

        monkeypatch.setattr(Engine, "_dispatch", broken)
        assert render(t(FAILED), "fr") in await chat.tap("fwb")
        monkeypatch.setattr(Engine, "_dispatch", real_dispatch)
        failed_scrape = scrape(client)
    assert value(raced_scrape, "breakbot_turns_retried_total") - value(start, "breakbot_turns_retried_total") == 1
    assert value(raced_scrape, "breakbot_turns_failed_total") == value(start, "breakbot_turns_failed_total")
    assert value(raced_scrape, "breakbot_turn_seconds_count") - value(start, "breakbot_turn_seconds_count") == 1
    assert value(failed_scrape, "breakbot_turns_failed_total") - value(raced_scrape, "breakbot_turns_failed_total") == 1
    assert value(failed_scrape, "breakbot_turns_retried_total") == value(raced_scrape, "breakbot_turns_retried_total")
    assert value(failed_scrape, "breakbot_updates_total", kind="button") - \
        value(raced_scrape, "breakbot_updates_total", kind="button") == 1


# --- the Mini App's requests, and no personal data ---------------------------------------------------------------

async def test_mini_app_requests_are_counted_by_route_template_and_status_and_nothing_personal_shows(app):
    """A worker filed through the real chat (her NISS, her name), then her request opened in the Mini App by its
    ticket and searched by her NISS: /metrics shows route templates and counts, none of those."""
    user_id = 7340019  # the chat's id, as Telegram gives it
    db = app.bot_data["engine"].db
    enrol(db, user_id)
    chat = Chat(app, app.recorder, user_id)
    await to_summary(chat)
    await chat.tap("certified")
    ticket = TICKET.search(await chat.tap("confirm")).group(0)
    with client_for(db) as client:
        before = scrape(client)
        assert client.get(f"/api/requests/{ticket}", headers=as_user(user_id)).status_code == 200
        assert client.get(f"/api/requests/{ticket}", headers=as_user(user_id)).status_code == 200
        assert client.get(f"/api/requests/{ticket}").status_code == 401
        assert client.get(f"/api/requests/{ticket[:-1]}X", headers=as_user(user_id)).status_code in (400, 404)
        assert client.get("/api/requests", params={"q": "85031412302"}, headers=as_user(user_id)).status_code == 200
        assert client.get("/api/requests", params={"q": "Dupont Marie"}, headers=as_user(user_id)).status_code == 200
        assert client.post(f"/api/requests/{ticket}").status_code == 405
        assert client.get("/wp-login.php").status_code == 404
        assert client.get("/healthz").status_code == 200
        after = scrape(client)
        text = client.get("/metrics", headers=BEARER).text

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    detail = "/api/requests/{ticket}"
    assert moved("breakbot_webapp_requests_total", route=detail, method="GET", status="200") == 2
    assert moved("breakbot_webapp_requests_total", route=detail, method="GET", status="401") == 1
    assert moved("breakbot_webapp_requests_total", route=detail, method="POST", status="405") == 1
    assert moved("breakbot_webapp_requests_total", route="/api/requests", method="GET", status="200") == 2
    assert moved("breakbot_webapp_requests_total", route="unmatched", method="GET", status="404") == 1
    assert moved("breakbot_webapp_request_seconds_count", route=detail) == 5
    assert not any(labels and dict(labels).get("route") in ("/healthz", "/metrics") for _name, labels in after)
    routes = {dict(labels)["route"] for name, labels in after if name == "breakbot_webapp_requests_total"}
    assert all(route == "unmatched" or route.startswith("/") for route in routes)
    for personal in (ticket, ticket.replace("-", ""), "85031412302", "85.03.14", "Dupont", "Marie", str(user_id),
                     "wp-login"):
        assert personal.lower() not in text.lower(), personal


# --- the bot process serves them, WEBAPP_URL or not --------------------------------------------------------------

def test_the_bot_process_serves_healthz_and_metrics_without_webapp_url(app, caplog):
    from bot.channels.telegram import serve_webapp

    engine = app.bot_data["engine"]
    settings = Settings(telegram_bot_token=TOKEN, webapp_port=0, metrics_token=METRICS_TOKEN, _env_file=None)
    server = serve_webapp(app, settings, engine)
    try:
        base = f"http://127.0.0.1:{server.port}"
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok", "database": "ok"}
        assert httpx.get(f"{base}/metrics", headers=BEARER).status_code == 200
        assert httpx.get(f"{base}/").status_code == 404  # no Mini App without WEBAPP_URL
        assert httpx.get(f"{base}/api/me").status_code == 404
        assert "webapp" not in app.bot_data
        with socket.socket() as taken:  # another process of the bot on this machine holds the port: it runs on
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            busy = settings.model_copy(update={"webapp_port": taken.getsockname()[1]})
            with caplog.at_level(logging.WARNING):
                assert serve_webapp(app, busy, engine) is None
            assert "give this process its own WEBAPP_PORT" in caplog.text
    finally:
        server.stop()


@pytest.mark.parametrize("raw", ["", "   "])
def test_a_blank_metrics_token_leaves_metrics_off(raw, monkeypatch):
    monkeypatch.setenv("METRICS_TOKEN", raw)
    assert Settings(_env_file=None).metrics_secret is None
