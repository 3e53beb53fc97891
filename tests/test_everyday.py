"""Everyday things a user or an operator meets: switching language, changing one's mind, the spreadsheet, the
command lines' language, ONEM's words, and the terminal chat's notifications and files."""
from __future__ import annotations

import csv
import io

import pytest

from bot import onem
from bot.channels import console
from bot.dialogs.actions import LOGOUT, OVERVIEW_EXPORT, STAY_LOGGED_IN
from bot.domain.leaves import Status
from bot.domain.words import VALUE_WORD
from bot.i18n import render, t
from bot.storage import organisation_store
from bot.storage.database import session
from tests.conftest import enrol
from tests.test_service import filed


@pytest.mark.parametrize("typed, expected", [("nl", "Nederlands"), ("Deutsch", "Deutsch"), ("EN", "English")])
async def test_language_followed_by_a_language_switches_at_once(chat, typed, expected):
    assert expected in await chat.send(f"/language {typed}")
    with session(chat.app.bot_data["engine"].db) as s:
        member = organisation_store.member_for(s, "telegram", str(chat.user_id))
    assert member.locale == {"Nederlands": "nl", "Deutsch": "de", "English": "en"}[expected]


async def test_an_unknown_language_says_which_ones_and_keeps_the_current_one(chat):
    reply = await chat.send("/language klingon")
    assert '"klingon"' in reply or "« klingon »" in reply
    assert "fr, nl, de ou en" in reply  # said in French, the user's language still
    assert {b["text"] for b in chat.keyboard} >= {"Nederlands", "Deutsch"}  # the four are offered as buttons


async def test_logout_asks_and_no_keeps_the_member_in(chat):
    await chat.send("/logout")
    assert [b["text"] for b in chat.keyboard] == ["Oui, me déconnecter", "Non"]
    assert "Rien n'a changé" in await chat.press(STAY_LOGGED_IN.pack())
    with session(chat.app.bot_data["engine"].db) as s:
        assert organisation_store.member_for(s, "telegram", str(chat.user_id)) is not None
    assert "/start" not in await chat.send("/overview")
    await chat.send("/logout")
    await chat.press(LOGOUT.pack())
    with session(chat.app.bot_data["engine"].db) as s:
        assert organisation_store.member_for(s, "telegram", str(chat.user_id)) is None


async def test_the_spreadsheet_names_the_school_and_the_workers_status(chat):
    ticket = await filed(chat)
    await chat.send("/overview")
    start = len(chat.recorder.calls)
    await chat.press(OVERVIEW_EXPORT.pack())
    [(_, params)] = [c for c in chat.recorder.calls[start:] if c[0] == "sendDocument"]
    [(filename, data, _mime)] = params["files"].values()
    assert filename.isascii() and filename.startswith("PO-Y_")
    header, row = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    fields = dict(zip(header, row))
    assert row[0] == ticket
    assert fields["École"] == "École A" and fields["Numéro d'entreprise de l'école (BCE)"] == "0876.543.270"
    assert fields["Statut du travailleur"] in ("Statutaire", "Contractuel")


def test_the_command_lines_speak_english_whatever_the_bots_language(cli_db_url, monkeypatch, tmp_path, capsys):
    from bot.cli import main
    monkeypatch.setenv("DATABASE_URL", cli_db_url)
    monkeypatch.setenv("BOT_DEFAULT_LOCALE", "nl")
    monkeypatch.chdir(tmp_path)
    assert main(["admin", "add-organisation", "--bce", "0234.567.870", "--name", "PO"]) != 0
    error = capsys.readouterr().err
    assert "check" in error.lower() or "number" in error.lower(), error
    assert "nummer" not in error and "numéro" not in error


@pytest.mark.parametrize("status", list(Status))
def test_an_onem_operator_may_type_a_status_in_any_language(status):
    for lang in ("fr", "nl", "de", "en"):
        assert onem.parse_status(render(t(VALUE_WORD[status]), lang).upper()) == status
    with pytest.raises(onem.Refused) as refused:
        onem.parse_status("bientot")
    assert "attente" in str(refused.value) and "wachtend" in str(refused.value)
    # every word the message lists is taken
    import re
    listed = re.search(r"use one of (.*), or the official words", str(refused.value)).group(1)
    for code, words in re.findall(r"(\w+) \(([^)]*)\)", listed):
        assert {onem.parse_status(word) for word in [code, *words.split(", ")]} == {Status(code)}


def test_the_terminal_shows_a_status_change_after_its_next_reply_once(app):
    from tests.test_onem import file_request
    engine = app.bot_data["engine"]
    enrol(engine.db, "ada", channel="console")
    ticket = file_request(engine.db, user_id="ada")
    with session(engine.db) as s:
        onem.set_status(s, ticket, "accepted", office="Gent")
    out = io.StringIO()
    console.chat(engine, ["/help", "/help"], out, "ada", "en")
    shown = out.getvalue()
    assert shown.count("NOTIFICATION") == 1  # once, not after every reply
    assert ticket in shown and "Accepted" in shown and f"/status {ticket}" in shown
    assert shown.index("NOTIFICATION") > shown.index("/new")  # after the reply to the message typed


def test_a_telegram_member_is_not_told_through_the_terminal(app):
    from bot.notifications import take_for
    from tests.test_onem import file_request
    engine = app.bot_data["engine"]
    enrol(engine.db, 1001)
    ticket = file_request(engine.db, user_id=1001)
    with session(engine.db) as s:
        onem.set_status(s, ticket, "accepted")
    assert take_for(engine.db, "console", "1001", "en") == []


def test_attaching_a_file_that_is_not_there_says_so_and_sends_nothing(app, tmp_path):
    engine = app.bot_data["engine"]
    enrol(engine.db, "ada", channel="console")
    out = io.StringIO()
    console.chat(engine, [f"/attach {tmp_path / 'certificat.pdf'}", "/attach"], out, "ada", "en")
    shown = out.getvalue()
    assert shown.count("No file found at") == 1 and "certificat.pdf" in shown
    assert "Type /attach followed by the file's path" in shown  # nothing typed after /attach
    assert "Traceback" not in shown


def test_in_the_terminal_an_options_words_work_like_its_number(app):
    engine = app.bot_data["engine"]
    enrol(engine.db, "ada", channel="console")
    out = io.StringIO()
    console.chat(engine, ["/logout", "non", "/attach"], out, "ada", "fr")
    shown = out.getvalue()
    assert "Vous restez connecté" in shown
    assert "Tapez /attach suivi du chemin du fichier" in shown
    with session(engine.db) as s:
        assert organisation_store.member_for(s, "console", "ada") is not None
