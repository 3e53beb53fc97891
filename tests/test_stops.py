"""Nothing lost when Telegram or the process misbehaves: replies retried on 5xx and 429, never repeated after a
timeout, a typed answer never stored under a question the user did not see, a slow chat holding back no other, and
a stop that finishes what it took or holds it for the next start."""
from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from sqlmodel import select
from telegram.error import TimedOut

from bot.channels.telegram import STOP_GRACE, replay_held
from bot.notifications import deliver
from bot.storage import held_store
from bot.storage.database import session
from bot.storage.models import Draft, HeldItem
from tests.conftest import SCHOOL_FWB, Chat, enrol, make_app
from tests.fakes import RecordingRequest, text_update
from tests.test_notifications import accept, members

NISS = "85.03.14-123.02"


class Troubled(RecordingRequest):
    """Telegram on a bad day, for sendMessage: answers lost after Telegram took them (a read timeout), 502s, floods of
    429, and chats whose sends hang."""

    def __init__(self):
        super().__init__()
        self.lose = 0  # the next N messages reach Telegram, but its answer never comes back
        self.bad_gateway = 0  # the next N sends get 502
        self.flood = 0  # the next N sends get 429
        self.slow: set[int] = set()  # chats whose sends hang, then time out
        self.attempts: list[tuple[str, dict]] = []

    async def do_request(self, url, method, request_data=None, **kwargs):
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if name == "sendMessage":
            self.attempts.append((name, params))
            if params.get("chat_id") in self.slow:
                await asyncio.sleep(2)
                raise TimedOut() from httpx.ReadTimeout("read")
            if self.flood:
                self.flood -= 1
                return 429, json.dumps({"ok": False, "error_code": 429, "description": "Too Many Requests: retry "
                                        "after 1", "parameters": {"retry_after": 1}}).encode()
            if self.bad_gateway:
                self.bad_gateway -= 1
                return 502, json.dumps({"ok": False, "error_code": 502, "description": "Bad Gateway"}).encode()
            if self.lose:
                self.lose -= 1
                await super().do_request(url, method, request_data, **kwargs)  # Telegram has it, and shows it
                self.calls.pop()  # ... but the bot never hears so: the test's chat does not count it as seen
                raise TimedOut() from httpx.ReadTimeout("read")
        return await super().do_request(url, method, request_data, **kwargs)


@pytest.fixture
async def troubled(organisations):
    recorder = Troubled()
    application = await make_app(organisations, recorder, rate_limited=True)
    application.recorder = recorder
    yield application
    await application.shutdown()


def draft(db, user_id=1001) -> Draft:
    with session(db) as s:
        return s.exec(select(Draft).where(Draft.chat_key == str(user_id), Draft.status == "open")).one()


async def to_last_name(chat: Chat) -> None:
    await chat.send("/new")
    await chat.tap("fwb")
    await chat.tap(SCHOOL_FWB)
    await chat.send(NISS)


async def test_a_retyped_answer_after_a_lost_reply_is_not_stored_under_the_next_question(troubled):
    db = troubled.bot_data["engine"].db
    enrol(db, 1001)
    chat = Chat(troubled, troubled.recorder, 1001)
    await to_last_name(chat)
    troubled.recorder.lose = 1
    assert await chat.send("Dupont") == ""  # stored, but its reply ("Prénom ?") never came back
    assert draft(db).answers["last_name"] == "Dupont" and "first_name" not in draft(db).answers
    assert sum(p.get("text", "").count("Dupont") for _, p in troubled.recorder.attempts[-1:]) == 1  # sent once
    again = await chat.send("Dupont")  # the user, seeing no answer, types it again
    assert "« Dupont » n'a pas été pris" in again and "prénom du travailleur" in again
    assert "first_name" not in draft(db).answers  # not stored as the first name
    await chat.send("Marie")
    answers = draft(db).answers
    assert (answers["last_name"], answers["first_name"]) == ("Dupont", "Marie")


async def test_a_reply_that_arrived_takes_the_next_typed_answer(troubled):
    db = troubled.bot_data["engine"].db
    enrol(db, 1001)
    chat = Chat(troubled, troubled.recorder, 1001)
    await to_last_name(chat)
    await chat.send("Dupont")
    assert "pas été pris" not in await chat.send("Marie")
    assert draft(db).answers["first_name"] == "Marie"


async def test_a_bad_gateway_is_retried_and_the_reply_arrives_once(troubled):
    enrol(troubled.bot_data["engine"].db, 1001)
    chat = Chat(troubled, troubled.recorder, 1001)
    troubled.recorder.bad_gateway = 2
    reply = await chat.send("/help")
    assert "/new" in reply
    helps = [p for name, p in troubled.recorder.attempts if "/new" in p.get("text", "")]
    assert len(helps) == 3  # two 502s, then delivered
    assert sum("/new" in p.get("text", "") for name, p in troubled.recorder.calls if name == "sendMessage") == 1


async def test_a_429_storm_delays_the_replies_but_each_arrives_once_in_order(troubled):
    db = troubled.bot_data["engine"].db
    users = list(range(3001, 3021))
    for user_id in users:
        enrol(db, user_id)
    troubled.recorder.flood = 30  # every send gets 429 until thirty of them were refused
    chats = [Chat(troubled, troubled.recorder, user_id) for user_id in users]
    started = time.monotonic()
    await asyncio.gather(*(c.send("/help") for c in chats))
    await asyncio.gather(*(c.send("/status") for c in chats))
    took = time.monotonic() - started
    delivered = [p for name, p in troubled.recorder.calls if name == "sendMessage"]
    for user_id in users:
        mine = [p["text"] for p in delivered if p["chat_id"] == user_id]
        assert len(mine) == 2 and "/new" in mine[0], mine  # /help's answer, then /status's, each once
    assert troubled.recorder.flood == 0 and took < 20


async def test_a_chat_whose_sends_time_out_holds_back_no_other_notification(flaky_members):
    app, db, ticket = flaky_members
    app.recorder.slow.add(1002)
    accept(db, ticket)
    delivering = asyncio.ensure_future(deliver(app, app.bot_data["engine"]))
    others: set = set()
    while not delivering.done() and others != {1001, 1003, 1004}:
        await asyncio.sleep(0.02)
        others = {p["chat_id"] for name, p in app.recorder.calls if name == "sendMessage"}
    assert others == {1001, 1003, 1004} and not delivering.done()  # while 1002's send still hangs
    assert await delivering == (4, 0)  # 1002's may have arrived (a timeout): counted sent, never repeated
    assert await deliver(app, app.bot_data["engine"]) == (0, 0)
    assert sum(p["chat_id"] == 1002 for _, p in app.recorder.attempts) == 1


@pytest.fixture
async def flaky_members(organisations):
    recorder = Troubled()
    application = await make_app(organisations, recorder)
    application.recorder = recorder
    ticket = members(organisations)
    yield application, organisations, ticket
    await application.shutdown()


# --- a stop ------------------------------------------------------------------------------------------------------

def held(db) -> list[HeldItem]:
    with session(db) as s:
        return list(s.exec(select(HeldItem).order_by(HeldItem.id)))


async def test_a_stop_past_its_budget_holds_what_it_took_and_the_next_start_answers_each_once(organisations):
    """Three hundred strangers write at once (each is owed one answer); replies leave at thirty a second, so a stop
    two seconds later cannot send them all: what is left is held, and the next start answers it."""
    recorder = RecordingRequest()
    first = await make_app(organisations, recorder, rate_limited=True)
    first.bot_data["stopping"].budget = 1.5
    users = list(range(50_001, 50_301))
    await first.start()
    for user_id in users:
        await first.update_queue.put(text_update(first, user_id, "bonjour"))
    await asyncio.sleep(0.5)
    started = time.monotonic()
    await first.stop()
    took = time.monotonic() - started
    await first.shutdown()
    answered = [p["chat_id"] for name, p in recorder.calls if name == "sendMessage"]
    kept = held(organisations)
    assert took < 1.5 + STOP_GRACE, took  # the budget, and the moment it takes to hold the rest
    assert 10 < len(answered) < len(users) and kept  # some answered, the rest held
    kept_chats = [item.chat_id for item in kept]
    assert sorted(answered + kept_chats) == users  # each once: answered, or held (its update or its reply)
    assert {item.kind for item in kept} <= {"update", "reply"}

    second = await make_app(organisations, recorder)  # the next start
    await replay_held(second)
    await second.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answered = [p["chat_id"] for name, p in recorder.calls if name == "sendMessage"]
        if len(answered) >= len(users):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    await second.stop()
    await second.shutdown()
    answered = [p["chat_id"] for name, p in recorder.calls if name == "sendMessage"]
    assert sorted(answered) == users  # every one answered, none twice
    assert held(organisations) == []


async def at_last_name(db) -> tuple:
    """An application, and a member of ours whose request waits for the worker's last name."""
    recorder = RecordingRequest()
    app = await make_app(db, recorder)
    enrol(db, 1001)
    chat = Chat(app, recorder, 1001)
    await to_last_name(chat)
    return app, recorder, chat


async def test_a_held_reply_leaves_its_question_unseen_until_it_is_sent(organisations):
    db = organisations
    app, recorder, chat = await at_last_name(db)
    question = draft(db)
    held_store.hold(db, app.bot.id, [{"kind": "reply", "chat_id": 1001, "draft_id": question.id,
                                      "draft_version": question.version,
                                      "payload": {"method": "sendMessage", "fields": {"chat_id": 1001,
                                                                                      "text": "Nom ?"}}}])
    assert draft(db).unseen_version == question.version
    await replay_held(app)
    await app.bot_data["replaying"]
    assert recorder.calls[-1][1]["text"] == "Nom ?" and draft(db).unseen_version is None
    assert "pas été pris" not in await chat.send("Dupont")
    await app.shutdown()


# --- the same, as real processes: SIGTERM to `breakbot run --webhook`, then a new start ---------------------------

class WebhookBot:
    """One `breakbot run --webhook` process on a SQLite file, talking to the fake Bot API."""

    def __init__(self, api, data_dir, budget: float):
        import os
        import subprocess
        import sys

        from tests.test_processes import ROOT, SECRET, _free_port

        self.port, self.secret = _free_port(), SECRET
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TELEGRAM_", "WEBHOOK_", "SMTP_", "WEBAPP_", "METRICS_", "DATABASE_URL"))}
        env |= {"TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN", "TELEGRAM_BASE_URL": api.base_url,
                "WEBHOOK_URL": f"http://127.0.0.1:{self.port}", "WEBHOOK_LISTEN": "127.0.0.1",
                "WEBHOOK_PORT": str(self.port), "WEBHOOK_SECRET": SECRET, "BOT_DATA_DIR": str(data_dir),
                "PYTHONPATH": str(ROOT), "WEBAPP_PORT": str(_free_port()), "STOP_BUDGET": str(budget)}
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "run", "--webhook"], env=env, cwd=data_dir,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while self.post({"update_id": 1}, secret="wrong") != 403:
            assert self.process.poll() is None and time.monotonic() < deadline, self.output()
            time.sleep(0.1)

    def post(self, update: dict, secret: str | None = None) -> int:
        from tests.test_processes import post_update

        return post_update(self.port, update, secret or self.secret)

    def output(self) -> str:
        if self.process.poll() is None:
            return ""
        return (self.process.stdout.read() or b"").decode(errors="replace")[-4000:]


def _hello(user_id: int, update_id: int) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": "fr"},
        "text": "bonjour"}}


def test_sigterm_with_hundreds_of_replies_queued_loses_none_of_them(tmp_path):
    import concurrent.futures
    import signal

    from tests.fake_bot_api import FakeBotApi

    api = FakeBotApi()
    budget = 2.0
    try:
        bot = WebhookBot(api, tmp_path, budget)
        users = list(range(70_001, 70_401))
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            statuses = list(pool.map(lambda u: bot.post(_hello(u, u)), users))
        assert statuses == [200] * len(users)  # Telegram counts each as delivered: it never sends them again
        stopped = time.monotonic()
        bot.process.send_signal(signal.SIGTERM)
        code = bot.process.wait(timeout=30)
        took = time.monotonic() - stopped
        first_output = bot.output()
        answered_first = [int(p["chat_id"]) for m, p in api.calls if m == "sendMessage"]
        assert code == 0 and took < budget + 4, (code, took, first_output)
        assert len(answered_first) < len(users), "the stop had nothing to hold: the test proves nothing"

        again = WebhookBot(api, tmp_path, budget)  # the next start
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            answered = [int(p["chat_id"]) for m, p in api.calls if m == "sendMessage"]
            if len(answered) >= len(users):
                break
            time.sleep(0.1)
        time.sleep(0.5)
        again.process.send_signal(signal.SIGTERM)
        again.process.wait(timeout=30)
        answered = [int(p["chat_id"]) for m, p in api.calls if m == "sendMessage"]
        assert sorted(answered) == users, (len(answered), len(set(answered)), first_output[-1500:])
        assert "held for the next start" in first_output
    finally:
        api.close()


async def test_after_the_database_server_restarted_a_typed_text_is_checked_against_the_question(postgres_url,
                                                                                                  organisations):
    """PostgreSQL commits a step without waiting for the disk: a crash can undo the last steps while the user has
    seen their questions. A draft last written before the server's start is treated as unseen, once."""
    from sqlalchemy import text

    db = organisations
    app, recorder, chat = await at_last_name(db)
    with db.begin() as connection:  # as if the server had started after this draft's last step
        connection.execute(text("UPDATE draft SET updated_at = pg_postmaster_start_time() - interval '1 minute' "
                                "WHERE status = 'open'"))
    again = await chat.send("Marie")  # typed for the first name, which the crash undid
    assert "« Marie » n'a pas été pris" in again and "Le nom du travailleur" in again
    assert "last_name" not in draft(db).answers
    await chat.send("Dupont")
    assert draft(db).answers["last_name"] == "Dupont"
    await app.shutdown()
