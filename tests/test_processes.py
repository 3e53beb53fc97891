"""Two real bot processes serving webhooks on one PostgreSQL database keep every chat consistent."""
from __future__ import annotations

import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.domain.leaves import period_end
from bot.fsm.forms import FORM_DO
from bot.storage import organisation_store
from bot.storage.database import session
from bot.storage.models import Draft, LeaveRequest
from tests.conftest import ORG_BCE, SCHOOL_FWB, enrol, form_code
from tests.fake_bot_api import FakeBotApi
from tests.test_intake_dialog import START, TICKET

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cret-token_for-tests"
METRICS_TOKEN = "metrics-token-for-tests"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post_update(port: int, update: dict, secret: str = SECRET) -> int:
    """An update posted to a bot's webhook, as Telegram does: the HTTP status it got (0: nobody listens)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/telegram", data=json.dumps(update).encode(),
                                     headers={"Content-Type": "application/json",
                                              "X-Telegram-Bot-Api-Secret-Token": secret})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, ConnectionError):
        return 0


class Bots:
    """Two `breakbot run --webhook` processes and the fake Bot API they talk to."""

    def __init__(self, database_url: str, tmp_path: Path):
        self.api = FakeBotApi()
        self.ports = [_free_port(), _free_port()]
        self.web_ports = [_free_port(), _free_port()]  # each process's /healthz and /metrics
        self.processes = []
        self.update_ids = iter(range(10_000, 10_000_000))
        for port, web_port in zip(self.ports, self.web_ports):
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("TELEGRAM_", "WEBHOOK_", "SMTP_", "WEBAPP_", "METRICS_"))}
            env |= {"TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN", "TELEGRAM_BASE_URL": self.api.base_url,
                    "DATABASE_URL": database_url, "WEBHOOK_URL": f"http://127.0.0.1:{port}",
                    "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port), "WEBHOOK_SECRET": SECRET,
                    "BOT_DATA_DIR": str(tmp_path / f"data{port}"), "PYTHONPATH": str(ROOT),
                    "WEBAPP_PORT": str(web_port), "METRICS_TOKEN": METRICS_TOKEN}
            self.processes.append(subprocess.Popen([sys.executable, "-m", "bot", "run", "--webhook"], env=env,
                                                   cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        for port in self.ports:
            self._wait_listening(port)

    def _wait_listening(self, port: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.post(port, {"update_id": 1}, secret="wrong") == 403:
                return
            if any(p.poll() is not None for p in self.processes):
                break
            time.sleep(0.1)
        output = b"".join(p.stdout.read() or b"" for p in self.processes if p.poll() is not None)
        raise AssertionError(f"the bot on port {port} did not start: {output.decode(errors='replace')[-3000:]}")

    def post(self, port: int, update: dict, secret: str = SECRET) -> int:
        return post_update(port, update, secret)

    def get(self, web_port: int, path: str, token: str | None = None) -> tuple[int, str]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = urllib.request.Request(f"http://127.0.0.1:{web_port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, ""

    def text(self, user: int, text: str, update_id: int | None = None) -> dict:
        message = {"message_id": next(self.update_ids), "date": int(time.time()),
                   "chat": {"id": user, "type": "private"},
                   "from": {"id": user, "is_bot": False, "first_name": f"U{user}", "language_code": "fr"},
                   "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": update_id or next(self.update_ids), "message": message}

    def button(self, user: int, data: str, update_id: int | None = None) -> dict:
        return {"update_id": update_id or next(self.update_ids),
                "callback_query": {"id": str(next(self.update_ids)), "chat_instance": "x", "data": data,
                                   "from": {"id": user, "is_bot": False, "first_name": f"U{user}",
                                            "language_code": "fr"},
                                   "message": {"message_id": 1, "date": 0, "chat": {"id": user, "type": "private"},
                                               "text": "…"}}}

    def close(self):
        for process in self.processes:
            process.terminate()
        if os.environ.get("SHOW_BOT_OUTPUT"):
            for process in self.processes:
                print(process.stdout.read().decode(errors="replace")[-5000:])
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.api.close()


@pytest.fixture
def bots(postgres_url, organisations, tmp_path):
    running = Bots(postgres_url, tmp_path)
    yield running
    running.close()


def _buttons(reply: dict) -> dict[str, str]:
    rows = (reply.get("reply_markup") or {}).get("inline_keyboard", [])
    return {form_code(b["callback_data"]) or b["callback_data"]: b["callback_data"] for row in rows for b in row}


def test_two_processes_alternating_on_one_chat_keep_one_dialog(bots, organisations):
    enrol(organisations, 4242)
    start = START.strftime("%d/%m/%Y")
    end = period_end(START, 1).strftime("%d/%m/%Y")
    script = [("text", "/new"), ("tap", "fwb"), ("tap", SCHOOL_FWB), ("text", "85.03.14-123.02"),
              ("text", "Dupont"), ("text", "Marie"), ("tap", "statutory"), ("tap", "skip"), ("tap", "parental"),
              ("tap", "full"), ("text", start), ("text", end), ("text", "20h00"), ("tap", "same"),
              ("text", "01/01/2026"), ("tap", "no"), ("tap", "certified"), ("tap", "confirm")]
    replies = 0
    for index, (kind, value) in enumerate(script):
        port = bots.ports[index % 2]  # alternate between the two processes
        if kind == "text":
            update = bots.text(4242, value)
        else:
            update = bots.button(4242, _buttons(bots.api.replies(4242)[-1])[value])
        assert bots.post(port, update) == 200
        replies = len(bots.api.wait_for_replies(4242, replies + 1))
        if index == 5:  # redelivered to the other process: applied once, answered once
            assert bots.post(bots.ports[(index + 1) % 2], update) == 200
            time.sleep(0.5)
            assert len(bots.api.replies(4242)) == replies
    ack = bots.api.replies(4242)[-1]["text"]
    ticket = TICKET.search(ack).group(0)
    with session(organisations) as s:
        [request] = s.exec(select(LeaveRequest)).all()
        dialog = s.exec(select(Draft).where(Draft.chat_key == "4242", Draft.form == "intake")).one()
    assert request.ticket == ticket and request.last_name == "Dupont" and request.first_name == "Marie"
    assert dialog.status == "filed"
    assert dialog.version == len(script)  # one saved version per accepted answer, none lost or doubled


def test_a_wrong_webhook_secret_is_refused(bots, organisations):
    enrol(organisations, 4343)
    assert bots.post(bots.ports[0], bots.text(4343, "/new"), secret="not-the-secret") == 403
    time.sleep(0.3)
    assert bots.api.replies(4343) == []


def test_fifty_users_confirming_at_once_through_two_processes_get_fifty_tickets(bots, organisations):
    users = list(range(6000, 6050))
    answers = {"capacity": "po", "community": "fwb", "school": SCHOOL_FWB, "niss": "85031412302",
               "last_name": "Dupont", "first_name": "Marie", "staff_status": "statutory", "email": "",
               "leave_type": "parental", "regime": "full", "start_date": START.isoformat(),
               "end_date": period_end(START, 1).isoformat(), "hours_before": 1200, "fulltime_hours": 1200,
               "notice_date": "2026-01-01", "rtt": "no", "certified": True}
    niss_pool = ["85031412302", "90110224612", "03062105828", "90051704809", "75441720108"]
    with session(organisations) as s:
        for index, user in enumerate(users):
            enrol(organisations, user)
            member = organisation_store.member_for(s, "telegram", str(user))
            # different workers and periods, so no request overlaps another
            start = period_end(START, 1 + index // len(niss_pool) * 2)
            s.add(Draft(channel="telegram", chat_key=str(user), member_id=member.id, state="summary", version=1,
                        history=["rtt"], answers=answers | {
                            "niss": niss_pool[index % len(niss_pool)], "start_date": start.isoformat(),
                            "end_date": period_end(start, 1).isoformat()}))
        s.commit()
    with session(organisations) as s:
        versions = {d.chat_key: d.version for d in s.exec(select(Draft))}
    updates = [(bots.ports[i % 2], bots.button(user, FORM_DO.pack(versions[str(user)], "confirm")))
               for i, user in enumerate(users)]
    # the first user taps twice, each tap reaching a different process
    updates.append((bots.ports[1], bots.button(users[0], FORM_DO.pack(versions[str(users[0])], "confirm"))))
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda pu: bots.post(*pu), updates))
    assert set(statuses) == {200}
    for user in users:
        bots.api.wait_for_replies(user, 1, timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with session(organisations) as s:
            if s.exec(select(func.count()).select_from(LeaveRequest)).one() >= 50:
                break
        time.sleep(0.2)
    time.sleep(1)  # let the double tap land too
    with session(organisations) as s:
        requests = s.exec(select(LeaveRequest)).all()
    assert len(requests) == 50
    assert len({r.ticket for r in requests}) == 50
    assert len({r.member_id for r in requests}) == 50
    org = None
    with session(organisations) as s:
        org = organisation_store.organisation_by_bce(s, ORG_BCE)
    assert all(r.organisation_id == org.id for r in requests)


def test_each_process_answers_healthz_and_serves_its_own_metrics(bots, organisations):
    """Without WEBAPP_URL each webhook process serves /healthz and /metrics on its WEBAPP_PORT; the counters are the
    process's own: the updates posted to one move only its count."""
    from prometheus_client.parser import text_string_to_metric_families

    def commands(web_port: int) -> float:
        status, text = bots.get(web_port, "/metrics", METRICS_TOKEN)
        assert status == 200
        return next(s.value for f in text_string_to_metric_families(text) for s in f.samples
                    if s.name == "breakbot_updates_total" and s.labels == {"kind": "command"})

    enrol(organisations, 4343)
    for web_port in bots.web_ports:
        assert bots.get(web_port, "/healthz") == (200, '{"status":"ok","database":"ok"}')
        assert bots.get(web_port, "/metrics")[0] == 401
        assert bots.get(web_port, "/")[0] == 404  # no Mini App without WEBAPP_URL
    before = [commands(web_port) for web_port in bots.web_ports]
    for _ in range(3):
        assert bots.post(bots.ports[0], bots.text(4343, "/help")) == 200
    deadline = time.monotonic() + 30
    while commands(bots.web_ports[0]) < before[0] + 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [commands(web_port) for web_port in bots.web_ports] == [before[0] + 3, before[1]]
