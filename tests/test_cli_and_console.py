"""The `breakbot` command: admin set-up that refuses bad input cleanly, and the terminal chat."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.cli import main
from bot.domain.leaves import period_end
from bot.storage.database import make_engine, session
from bot.storage.models import Invitation, LeaveRequest, Organisation, School
from tests.conftest import TEST_DATABASE_URL
from tests.test_intake_dialog import START, TICKET

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(cli_db_url, tmp_path, monkeypatch):
    url = cli_db_url  # a new SQLite file the command migrates itself, or the emptied PostgreSQL test database
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "breakbot_test_bot")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return url


@pytest.fixture
def child_env(tmp_path, request):
    """The environment of a `python -m bot` child process: its data folder in tmp_path, where it makes its SQLite
    file as in real use; or, on PostgreSQL, DATABASE_URL of the (emptied) test database."""
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    env |= {"BOT_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    if TEST_DATABASE_URL:
        env["DATABASE_URL"] = request.getfixturevalue("db_url")
    return env


def database_of(env: dict) -> str:
    return env.get("DATABASE_URL") or f"sqlite:///{Path(env['BOT_DATA_DIR']) / 'breakbot.sqlite3'}"


def counts(url):
    with session(make_engine(url)) as s:
        return tuple(s.exec(select(func.count()).select_from(model)).one()
                     for model in (Organisation, School, Invitation))


def test_admin_registers_an_organisation_its_schools_and_invites(env, capsys):
    assert main(["admin", "add-organisation", "--bce", "0234.567.873", "--name", "PO Y"]) == 0
    assert main(["admin", "add-school", "--organisation", "BE 0234567873", "--bce", "0876.543.270",
                 "--community", "fwb", "--name", "École A"]) == 0
    capsys.readouterr()
    assert main(["admin", "invite", "--organisation", "0234.567.873", "--role", "po-education",
                 "--role", "employer", "--json"]) == 0
    invitation = json.loads(capsys.readouterr().out)
    assert set(invitation) == {"code", "link", "expires_at"}
    assert invitation["link"] == f"https://t.me/breakbot_test_bot?start={invitation['code']}"
    assert len(invitation["code"]) <= 64
    expires = dt.datetime.fromisoformat(invitation["expires_at"])
    assert dt.timedelta(days=6, hours=23) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=7)
    assert counts(env) == (1, 1, 1)


def test_admin_records_whether_an_organisation_is_a_public_or_a_private_law_body(env, capsys):
    assert main(["admin", "add-organisation", "--bce", "0234.567.873", "--name", "Commune de Namur",
                 "--employer", "public"]) == 0
    assert main(["admin", "add-organisation", "--bce", "1000000120", "--name", "ASBL Écoles libres"]) == 0
    out = capsys.readouterr().out
    assert "a public body" in out and "not recorded: breakbot admin set-employer" in out
    assert main(["admin", "set-employer", "--organisation", "1000000120", "--employer", "private"]) == 0
    assert "is recorded as a private-law body" in capsys.readouterr().out
    with session(make_engine(env)) as s:
        kinds = dict(s.exec(select(Organisation.name, Organisation.employer)).all())
    assert kinds == {"Commune de Namur": "public", "ASBL Écoles libres": "private"}
    with pytest.raises(SystemExit):  # only the two kinds
        main(["admin", "set-employer", "--organisation", "1000000120", "--employer", "church"])
    assert main(["admin", "set-employer", "--organisation", "1020.304.002", "--employer", "public"]) != 0
    assert "No organisation with enterprise number 1020.304.002" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["admin", "add-organisation", "--bce", "0123456748", "--name", "Bad checksum"],
    ["admin", "add-organisation", "--bce", "2123456789", "--name", "Establishment unit"],
    ["admin", "add-organisation", "--bce", "0234.567.873", "--name", "Twice"],
    ["admin", "add-school", "--organisation", "0876.543.270", "--bce", "1020.304.002", "--community", "vl",
     "--name", "Unknown organisation"],
    ["admin", "add-school", "--organisation", "0234.567.873", "--bce", "0555.055.576", "--community", "dg",
     "--name", "Already another organisation's"],
    ["admin", "invite", "--organisation", "1020.304.002", "--role", "employer"],
])
def test_wrong_admin_input_is_one_clear_line_and_changes_nothing(env, capsys, argv):
    main(["admin", "add-organisation", "--bce", "0234.567.873", "--name", "PO Y"])
    main(["admin", "add-organisation", "--bce", "1000000120", "--name", "PO Z"])
    main(["admin", "add-school", "--organisation", "1000000120", "--bce", "0555.055.576", "--community", "dg",
          "--name", "Schule"])
    before = counts(env)
    capsys.readouterr()
    assert main(argv) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err
    assert counts(env) == before


def test_an_unknown_role_is_refused_by_the_parser(env, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["admin", "invite", "--organisation", "0234.567.873", "--role", "king"])
    assert exit_.value.code != 0


def test_the_terminal_chat_walks_a_newcomer_to_a_ticket(tmp_path, child_env):
    start = START.strftime("%d/%m/%Y")
    # Options are numbered where they are the only answers, lettered where a value is typed (school, e-mail, hours).
    script = ["/new", "1", "2", "a", "85.03.14-123.02", "Dupont", "Marie", "1", "a", "parental", "full", start,
              period_end(START, 1).strftime("%d/%m/%Y"), "20h00", "a", dt.date.today().strftime("%d/%m/%Y"),
              "2"]
    env = child_env
    run = subprocess.run([sys.executable, "-m", "bot"], input="\n".join(script) + "\n", capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    # the summary offers its buttons by number: certify, then confirm
    lines = run.stdout.splitlines()
    certify = next(line for line in reversed(lines) if "☐" in line and "[" in line and "certif" in line.lower())
    confirm = next(line for line in reversed(lines) if "✅" in line)
    number = lambda line: line.split("[")[1].split("]")[0]  # noqa: E731
    again = subprocess.run([sys.executable, "-m", "bot", "console"], input=f"{number(certify)}\n", capture_output=True,
                           text=True, env=env, cwd=tmp_path, timeout=60)
    assert "Traceback" not in again.stdout + again.stderr
    # the summary was saved: a new process continues it; the options keep their numbers
    final = subprocess.run([sys.executable, "-m", "bot", "console"], input=f"/help\n{number(confirm)}\n",
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert TICKET.search(final.stdout), final.stdout[-2000:]
    with session(make_engine(database_of(env))) as s:
        assert s.exec(select(func.count()).select_from(LeaveRequest)).one() == 1


def _fake_bot_api(status: int, body: dict):
    """A local HTTP server answering every Bot API call the same way."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize("case", ["missing", "refused", "unreachable"])
def test_a_missing_or_wrong_token_is_one_clear_line(env, monkeypatch, capsys, case):
    server = None
    if case == "refused":
        server = _fake_bot_api(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        monkeypatch.setenv("TELEGRAM_BASE_URL", f"http://127.0.0.1:{server.server_port}/bot")
    if case == "unreachable":
        monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")
    if case != "missing":
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:WRONG")
    try:
        assert main(["run"]) != 0
    finally:
        if server:
            server.shutdown()
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert {"missing": "not set", "refused": "refused", "unreachable": "reach"}[case] in err


async def test_the_command_menu_is_registered_per_language(app):
    from bot.channels.telegram import register_menu

    await register_menu(app)
    menus = [params for name, params in app.recorder.calls if name == "setMyCommands"]
    assert {m.get("language_code") for m in menus} == {None, "fr", "nl", "de", "en"}
    expected = {"new", "bulk", "overview", "status", "cancel", "language", "members", "schools", "invite",
                "invitations", "logout", "reminders", "help"}
    assert all({c["command"] for c in m["commands"]} == expected for m in menus)


@pytest.mark.parametrize("lang", ["nl", "de"])
def test_the_terminal_chat_takes_a_language(tmp_path, child_env, lang):
    from bot.i18n import render, t

    env = child_env
    run = subprocess.run([sys.executable, "-m", "bot", "console", "--lang", lang], input="/new\n", capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=60)
    assert render(t("What I can do:"), lang) in run.stdout
    assert render(t("In which capacity do you file this request?"), lang) in run.stdout
