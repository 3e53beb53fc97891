"""The Mini App from the chat's side: the buttons that open it, the menu button, the way back to a request, the
address it may have, and the terminal's own link."""
from __future__ import annotations

import io
import json

import httpx
import pytest

from bot.channels import console
from bot.channels.telegram import register_menu
from bot.dialogs.actions import MODIFY, SHOW_REQUEST
from bot.webapp.serve import url_problem
from tests.conftest import Chat, RecordingRequest, enrol, make_app
from tests.test_onem import file_request

URL = "https://breakbot.example.be/"


@pytest.fixture
async def webapp_app(organisations):
    recorder = RecordingRequest()
    application = await make_app(organisations, recorder, webapp_url=URL)
    application.recorder = recorder
    yield application
    await application.shutdown()


def web_buttons(chat: Chat) -> list[dict]:
    return [b for b in chat.keyboard if "web_app" in b]


async def test_overview_and_status_open_the_table_when_it_is_served(webapp_app, chat):
    enrol(webapp_app.bot_data["engine"].db, 1001)
    file_request(webapp_app.bot_data["engine"].db, 1001)
    served = Chat(webapp_app, webapp_app.recorder, 1001)
    for command in ("/overview", "/status"):
        await served.send(command)
        assert web_buttons(served) == [{"text": "📊 Ouvrir en tableau", "web_app": {"url": URL}}], command
    # without WEBAPP_URL, no such button
    file_request(chat.app.bot_data["engine"].db, 1001)
    for command in ("/overview", "/status"):
        await chat.send(command)
        assert web_buttons(chat) == [] and all("callback_data" in b for b in chat.keyboard)


async def test_the_menu_button_opens_it_too(webapp_app):
    await register_menu(webapp_app)
    [(_, params)] = [c for c in webapp_app.recorder.calls if c[0] == "setChatMenuButton"]
    menu_button = params["menu_button"]
    menu_button = json.loads(menu_button) if isinstance(menu_button, str) else menu_button
    assert menu_button == {"type": "web_app", "text": "Tableau", "web_app": {"url": URL}}


async def test_the_way_back_from_the_table_to_a_request(chat):
    ticket = file_request(chat.app.bot_data["engine"].db, 1001)
    reply = await chat.send(f"/start ticket-{ticket}")
    assert ticket in reply and "modifier" in reply
    assert chat.keyboard[0]["callback_data"] == SHOW_REQUEST.pack(ticket)
    assert ticket in await chat.press(SHOW_REQUEST.pack(ticket))
    assert "✏ Modifier" in [b["text"] for b in chat.keyboard]
    odd = await chat.send("/start ticket-<b>x</b>")
    assert "<b>" not in odd


async def test_the_tables_modify_leads_to_the_modification_in_one_tap(chat):
    ticket = file_request(chat.app.bot_data["engine"].db, 1001)
    reply = await chat.send(f"/start modify-{ticket}")
    assert ticket in reply and chat.keyboard[0]["callback_data"] == MODIFY.pack(ticket)
    page = await chat.press(MODIFY.pack(ticket))
    assert "Modification de la demande" in page or "Modification" in page


@pytest.mark.parametrize("url, fine", [
    ("https://breakbot.example.be/", True), ("https://breakbot.example.be/app/", True),
    ("http://127.0.0.1:8081/", True), ("http://localhost:8081/", True),
    ("http://breakbot.example.be/", False), ("ftp://x/", False), ("breakbot.example.be", False),
    ("https://", False),
])
def test_the_address_must_be_https_except_on_this_machine(url, fine):
    assert (url_problem(url) is None) == fine


def test_a_wrong_address_stops_the_bot_in_one_line(monkeypatch, tmp_path, capsys):
    from bot.cli import main
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("WEBAPP_URL", "http://breakbot.example.be/")
    assert main(["run"]) != 0
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "https" in error[0]


def test_the_terminal_prints_a_one_time_link_to_the_table(app, monkeypatch, tmp_path):
    from bot.cli import local_table
    from bot.settings import Settings
    engine = app.bot_data["engine"]
    enrol(engine.db, "ada", channel="console")
    table = local_table(Settings(webapp_port=0, _env_file=None), engine, "ada", "en")
    out = io.StringIO()
    console.chat(engine, ["/table"], out, "ada", "en", table=table)
    links = [word for word in out.getvalue().split() if word.startswith("http://127.0.0.1:")]
    assert len(links) == 2 and links[0] != links[1]  # one at the start, a new one for /table
    base, _, token = links[1].partition("/#local=")
    assert httpx.get(base + "/").status_code == 200
    traded = httpx.post(base + "/api/local-session", headers={"Authorization": f"link {token}"})
    session = traded.json()["session"]
    me = httpx.get(base + "/api/me", headers={"Authorization": f"local {session}"}).json()
    assert me["organisation"] == "PO Y" and me["lang"] == "en"  # the terminal's language, as its chat
    assert httpx.post(base + "/api/local-session", headers={"Authorization": f"link {token}"}).status_code == 401
