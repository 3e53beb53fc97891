"""Running it on a server: the Docker image's pinned libraries, its data folder, its health check, an installed (not
editable) package that finds its migrations and catalogs, and the terminal's table on WEBAPP_LISTEN."""
from __future__ import annotations

import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.cli import IMAGE_UID, main
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, equals, version = line.partition("==")
            assert equals and version.strip(), f"constraints.txt: {line!r} is not an exact pin (name==version)"
            pins[canonicalize_name(name)] = version.strip()
    return pins


def test_every_runtime_dependency_is_pinned_in_the_constraints_file():
    """The image installs `pip install -c constraints.txt .`: a dependency of pyproject.toml without its line would
    come unpinned. To add one: install it in the virtual environment, run the tests, and add the `name==version`
    lines `pip freeze` shows for it and for what it pulls in (see the head of constraints.txt)."""
    pins = _pins()
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    missing, outside = [], []
    for requirement in map(Requirement, dependencies):
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            missing.append(requirement.name)
        elif not requirement.specifier.contains(version, prereleases=True):
            outside.append(f"{requirement.name}=={version} (pyproject.toml asks {requirement.specifier})")
    assert not missing, f"add a name==version line to constraints.txt for: {', '.join(missing)}"
    assert not outside, f"constraints.txt pins outside pyproject.toml's range: {'; '.join(outside)}"


def test_the_dockerfile_installs_the_pinned_package_and_says_how_it_runs():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    installs = [line for line in dockerfile.splitlines() if re.match(r"RUN pip install", line)]
    assert installs and all("-e " not in line and "--editable" not in line for line in installs)
    assert any("-c /tmp/build/constraints.txt /tmp/build" in line for line in installs)  # the project, pinned
    settings = Settings(_env_file=None)
    exposed = re.search(r"^EXPOSE (.+)$", dockerfile, re.M).group(1).split()
    assert sorted(exposed) == sorted([str(settings.webhook_port), str(settings.webapp_port)])
    assert re.search(r"^HEALTHCHECK .*CMD \[\"breakbot\", \"health\"\]$", dockerfile, re.M)
    assert f"--uid {IMAGE_UID} " in dockerfile and "\nUSER breakbot\n" in dockerfile
    assert "BOT_DATA_DIR=/data" in dockerfile and "BREAKBOT_HOME=/app" in dockerfile


def _child_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "WEBAPP_URL", "WEBHOOK_URL")}
    return env | {"PYTHONPATH": str(ROOT)} | extra


@pytest.mark.parametrize("argv", [[], ["console"], ["run"], ["db", "upgrade"], ["admin", "invite", "--organisation",
                                                                              "0123456749", "--role", "employer"]])
def test_a_data_folder_it_cannot_write_is_one_line_that_says_what_to_do(tmp_path, argv):
    """As root too (a CI's container), where permissions would not stop it: the folder's parent is a file."""
    (tmp_path / "a-file").write_text("")
    folder = tmp_path / "a-file" / "data"
    env = _child_env(tmp_path, BOT_DATA_DIR=str(folder), TELEGRAM_BOT_TOKEN="123:abc")
    run = subprocess.run([sys.executable, "-m", "bot", *argv], input="", capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=60)
    assert run.returncode == 2 and run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert str(folder) in lines[0] and "BOT_DATA_DIR" in lines[0] and "cannot be written" in lines[0]
    assert f"chown {IMAGE_UID}" in lines[0] and "-v FOLDER:/data" in lines[0]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into a read-only folder: the test above covers root with a file as parent")
def test_a_data_folder_without_write_permission_is_the_same_line(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o555)
    try:
        run = subprocess.run([sys.executable, "-m", "bot", "console"], input="", capture_output=True, text=True,
                             env=_child_env(tmp_path, BOT_DATA_DIR=str(folder)), cwd=tmp_path, timeout=60)
    finally:
        folder.chmod(0o755)
    assert run.returncode == 2 and len(run.stderr.splitlines()) == 1
    assert "Permission denied" in run.stderr and f"uid {os.getuid()}" in run.stderr


@pytest.fixture
def health_env(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "WEBAPP_URL", "WEBHOOK_URL", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return tmp_path


def _one_line(capsys, stream="err") -> str:
    lines = getattr(capsys.readouterr(), stream).splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_health_is_unhealthy_until_the_bot_made_its_database_and_answers_healthz(health_env, monkeypatch, capsys):
    """The bot process serves /healthz whether WEBAPP_URL is set or not (its real server here, on the database)."""
    from bot.storage.database import make_engine
    from bot.webapp.serve import WebServer
    from bot.webapp.server import WebOptions

    monkeypatch.setenv("WEBAPP_PORT", str(_free_port()))
    assert main(["health"]) == 1  # Docker: 1 is unhealthy (2 is reserved)
    assert "no database yet" in _one_line(capsys)
    assert not (health_env / "data" / "breakbot.sqlite3").exists()  # the check creates nothing
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["health"]) == 1  # no bot process answers
    assert "/healthz (WEBAPP_LISTEN, WEBAPP_PORT): nothing answers on 127.0.0.1:" in _one_line(capsys)
    db = make_engine(f"sqlite:///{health_env / 'data' / 'breakbot.sqlite3'}")
    server = WebServer(WebOptions(db=db), "127.0.0.1", 0, mini_app=False).start()
    try:
        monkeypatch.setenv("WEBAPP_PORT", str(server.port))
        assert main(["health"]) == 0
        assert _one_line(capsys, "out") == f"healthy: database, /healthz on 127.0.0.1:{server.port}"
    finally:
        server.stop()
        db.dispose()


def test_health_says_when_the_database_does_not_open(health_env, monkeypatch, capsys):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://nobody:secret@127.0.0.1:{port}/nothing")
    assert main(["health"]) == 1
    line = _one_line(capsys)
    assert "the database does not open" in line and "secret" not in line


class _Page(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def page():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_health_checks_the_ports_the_settings_serve(health_env, monkeypatch, capsys, page):
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("WEBAPP_URL", "https://bot.example.be/")
    monkeypatch.setenv("WEBAPP_LISTEN", "0.0.0.0")  # all interfaces: checked on the loopback
    monkeypatch.setenv("WEBAPP_PORT", str(_free_port()))
    assert main(["health"]) == 1
    assert "the bot process's /healthz (WEBAPP_LISTEN, WEBAPP_PORT): nothing answers on 127.0.0.1:" in \
        _one_line(capsys)
    monkeypatch.setenv("WEBAPP_PORT", str(page))
    assert main(["health"]) == 0
    assert _one_line(capsys, "out") == f"healthy: database, /healthz on 127.0.0.1:{page}"

    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.be/")
    monkeypatch.setenv("WEBHOOK_PORT", str(_free_port()))
    assert main(["health"]) == 1
    assert "the webhook (WEBHOOK_URL is set): nothing answers" in _one_line(capsys)
    monkeypatch.setenv("WEBHOOK_PORT", str(page))
    assert main(["health"]) == 0
    assert _one_line(capsys, "out").endswith(f"webhook on 127.0.0.1:{page}")


@pytest.mark.parametrize("status", [503, 404])  # 503: the process does not reach its database; 404: not the bot
def test_health_fails_when_healthz_does_not_answer_200(health_env, monkeypatch, capsys, page, status):
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(_Page, "status", status)
    monkeypatch.setenv("WEBAPP_PORT", str(page))
    assert main(["health"]) == 1
    assert _one_line(capsys).endswith(f"/healthz answered {status}")


def test_an_installed_package_finds_its_migrations_and_catalogs_in_breakbot_home(tmp_path, cli_db_url):
    """`pip install .` puts the package alone in site-packages, as in the Docker image: migrations/ and locales/
    are found in BREAKBOT_HOME (/app there), and their absence is said, not a missing file deep in Alembic."""
    site = tmp_path / "site-packages"
    shutil.copytree(ROOT / "bot", site / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import sys; from bot.i18n import LOCALES_DIR, translations; "
            "from bot.storage.database import MIGRATIONS, make_engine, upgrade, current_revision; "
            "print(LOCALES_DIR); print(MIGRATIONS); print(translations('nl').gettext('Table')); "
            "e = make_engine(sys.argv[1]); upgrade(e); print(current_revision(e))")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BREAKBOT_HOME")}
    env["PYTHONPATH"] = str(site)
    run = subprocess.run([sys.executable, "-c", code, cli_db_url], capture_output=True, text=True,
                         env=env | {"BREAKBOT_HOME": str(ROOT)}, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    locales, migrations, table, revision = run.stdout.splitlines()
    assert (locales, migrations, table) == (str(ROOT / "locales"), str(ROOT / "migrations"), "Tabel")
    assert revision
    alone = subprocess.run([sys.executable, "-c", code, cli_db_url], capture_output=True, text=True, env=env,
                           cwd=tmp_path, timeout=120)
    assert alone.returncode != 0 and f"The migrations are missing: no {site / 'migrations' / 'env.py'}" in alone.stderr


def _outward_address() -> str | None:
    """This machine's address on its network (no packet is sent), or None when it has only the loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only the route is looked up
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_the_terminals_table_listens_where_webapp_listen_says(app):
    """In a container the terminal's table must listen on every interface (WEBAPP_LISTEN=0.0.0.0) for a published
    port to reach it; its link still names the loopback, which the published port maps to on the host."""
    from bot.cli import local_table
    from tests.conftest import enrol

    engine = app.bot_data["engine"]
    enrol(engine.db, "ada", channel="console")
    table = local_table(Settings(webapp_listen="0.0.0.0", webapp_port=0, _env_file=None), engine, "ada", "en")
    link = table()
    assert link.startswith("http://127.0.0.1:")
    port = int(link.split(":")[2].split("/")[0])
    assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 200
    outward = _outward_address()
    if outward is None:
        pytest.skip("this machine has no address but the loopback to check the other interfaces on")
    assert httpx.get(f"http://{outward}:{port}/").status_code == 200
