"""The `breakbot` command: run the bot (Telegram or terminal) and administer organisations."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import unicodedata

from bot.domain.answers import parse_school_name
from bot.domain.errors import Invalid
from bot.domain.identifiers import format_bce, parse_bce
from bot.domain.roles import Role
from bot.i18n import LANGUAGES, render, t
from bot.settings import Settings
from bot.storage import organisation_store
from bot.storage.database import make_engine, session, upgrade
from bot.usecases import organisations

COMMUNITIES = ("vl", "fwb", "dg")
EMPLOYERS = ("public", "private")


class Refused(Exception):
    """One clear line for the operator; the command exits non-zero and changes nothing."""


class OneLineParser(argparse.ArgumentParser):
    """Wrong arguments are one line on stderr, like every other refusal of the command."""

    def error(self, message: str):
        # Escaped: an argument may hold line breaks or control characters, and the refusal stays on one line.
        self.exit(2, f"breakbot: {message.encode('unicode_escape').decode('ascii')} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="breakbot", description="Career-break requests in a chat.")
    commands = parser.add_subparsers(dest="command")
    console = commands.add_parser("console", help="chat in the terminal on the local database")
    console.add_argument("--lang", choices=LANGUAGES, help="language of the terminal chat")
    run = commands.add_parser("run", help="run the Telegram bot (long polling, or webhooks with --webhook)")
    run.add_argument("--webhook", action="store_true", help="serve Telegram webhooks (WEBHOOK_* settings)")
    for command in (console, run):
        command.add_argument("--new-database", action="store_true",
                             help="the SQLite file is empty or damaged and no backup is to be restored: keep it aside "
                                  "and start on a new, empty database")
    db = commands.add_parser("db", help="the database: schema, backups").add_subparsers(dest="action")
    db.add_parser("upgrade", help="apply every migration not yet applied")
    saved = db.add_parser("backup", help="a consistent copy of the SQLite database into a new file, while the bot runs")
    saved.add_argument("file")
    back = db.add_parser("restore", help="put a backup in the SQLite database's place (the bot must be stopped)")
    back.add_argument("file")
    commands.add_parser("diagram", help="print the intake's dialog machine (every move) as Mermaid")
    commands.add_parser("health", help="exit 0 when the database opens, the bot process answers /healthz and the "
                                       "webhook's port answers when set (the Docker image's health check)")
    admin = commands.add_parser("admin", help="organisations, schools and invitations").add_subparsers(dest="action")
    org = admin.add_parser("add-organisation", help="register an organising authority")
    org.add_argument("--bce", required=True)
    org.add_argument("--name", required=True)
    org.add_argument("--employer", choices=EMPLOYERS,
                     help="a public body (municipality, province, community) or a private-law body (association, "
                          "foundation): its own staff's leaves depend on it")
    kind = admin.add_parser("set-employer", help="record whether an organisation is a public or a private-law body")
    kind.add_argument("--organisation", required=True, help="the organisation's BCE number")
    kind.add_argument("--employer", required=True, choices=EMPLOYERS,
                      help="public: its own staff take the local and provincial career break; private: time credit")
    school = admin.add_parser("add-school", help="register a school of an organisation")
    school.add_argument("--organisation", required=True, help="the organisation's BCE number")
    school.add_argument("--bce", required=True)
    school.add_argument("--community", required=True, choices=COMMUNITIES)
    school.add_argument("--name", required=True)
    invite = admin.add_parser("invite", help="print a one-time enrolment code and link")
    invite.add_argument("--organisation", required=True, help="the organisation's BCE number")
    invite.add_argument("--role", action="append", required=True, choices=[role.value for role in Role])
    invite.add_argument("--json", action="store_true", help="print one JSON object")
    onem = commands.add_parser("onem", help="status changes from ONEM's side").add_subparsers(dest="action")
    status = onem.add_parser("set-status", help="give one request a new status (and ONEM office)")
    status.add_argument("ticket")
    status.add_argument("status", help="waiting, processing, accepted, refused or cancelled (or the official words)")
    status.add_argument("--office", help="the ONEM office handling the request (FR or NL name)")
    status.add_argument("--date", help="the date ONEM gives for the change, DD/MM/YYYY")
    imported = onem.add_parser("import", help="apply a CSV file of ticket,status,office,date (all rows or none)")
    imported.add_argument("file")
    attach = onem.add_parser("attach", help="add a document (an attestation) to a request: PDF, JPEG or PNG, 10 MB")
    attach.add_argument("ticket")
    attach.add_argument("file")
    attach.add_argument("--name", help="the name the organisation sees (default: the file's name)")
    sheet = commands.add_parser("bulk", help="check a spreadsheet of requests (.xlsx or .csv, as /bulk's template) for "
                                             "an organisation, and with --file --certify file its ready rows")
    sheet.add_argument("file")
    sheet.add_argument("--organisation", required=True, help="the organisation's BCE number")
    sheet.add_argument("--member", required=True, type=int,
                       help="the number of the member who files (without it, or wrong, the members who may are listed)")
    sheet.add_argument("--file", dest="do_file", action="store_true", help="file every ready row, all or none")
    sheet.add_argument("--certify", action="store_true",
                       help="with --file: the member certifies that all the data are correct (required to file)")
    sheet.add_argument("--lang", choices=LANGUAGES, default="en", help="the language of the result file")
    sheet.add_argument("--out", help="where the file with each row's result goes (default: beside it, -checked or "
                                     "-filed added to its name)")
    return parser


CLI_LANGUAGE = "en"  # the admin and ONEM command lines speak English throughout, whatever the bot's default


def _bce(text: str) -> str:
    try:
        return parse_bce(text)
    except Invalid as wrong:
        raise Refused(render(t(wrong.message, **wrong.params), CLI_LANGUAGE)) from None


def _organisation(db, bce_text: str):
    bce = _bce(bce_text)
    organisation = organisation_store.organisation_by_bce(db, bce)
    if organisation is None:
        raise Refused(f"No organisation with enterprise number {format_bce(bce)}: add it first with "
                      f"`breakbot admin add-organisation`.")
    return organisation


def _name(text: str) -> str:
    name = " ".join(text.split())
    if not name or len(name) > 200:
        raise Refused("The name must have between 1 and 200 characters.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in name):
        raise Refused("The name contains control or invisible characters (or is not UTF-8 text): type it again.")
    return name


def _school_name(text: str) -> str:
    try:
        return parse_school_name(text)
    except Invalid as wrong:  # the same rule as in the chat, said in the command line's language
        raise Refused(render(t(wrong.message, **wrong.params), CLI_LANGUAGE)) from None


def admin(settings: Settings, args) -> None:
    engine = make_engine(settings.database)
    upgrade(engine)
    with session(engine) as db:
        try:
            if args.action == "add-organisation":
                organisation = organisation_store.add_organisation(db, _bce(args.bce), _name(args.name))
                if args.employer:
                    organisation_store.set_employer(db, organisation, args.employer)
                db.commit()
                kind = f", a {args.employer} body" if args.employer else \
                    " (public or private-law body not recorded: breakbot admin set-employer)"
                print(f"Organisation {organisation.name} ({format_bce(organisation.bce)}) registered{kind}.")
            elif args.action == "set-employer":
                organisation = _organisation(db, args.organisation)
                organisation_store.set_employer(db, organisation, args.employer)
                db.commit()
                print(f"{organisation.name} ({format_bce(organisation.bce)}) is recorded as a {args.employer}"
                      f"{'-law' if args.employer == 'private' else ''} body.")
            elif args.action == "add-school":
                organisation = _organisation(db, args.organisation)
                school = organisation_store.add_school(db, organisation, _bce(args.bce), args.community,
                                               _school_name(args.name))
                db.commit()
                print(f"School {school.name} ({format_bce(school.bce)}, {school.community}) registered for "
                      f"{organisation.name}.")
            elif args.action == "invite":
                organisation = _organisation(db, args.organisation)
                code, invitation = organisation_store.create_invitation(db, organisation, args.role)
                db.commit()
                username = settings.telegram_bot_username or bot_username(settings) or "<bot username>"
                link = f"https://t.me/{username}?start={code}"
                if args.json:
                    print(json.dumps({"code": code, "link": link,
                                      "expires_at": invitation.expires_at.isoformat()}))
                else:
                    print(f"Invitation for {organisation.name}, roles {', '.join(args.role)}, valid until "
                          f"{invitation.expires_at:%d/%m/%Y %H:%M} UTC, single use.")
                    print(f"Code: {code}")
                    print(f"Link: {link}")
            else:
                raise Refused("Say what to do: add-organisation, set-employer, add-school or invite "
                              "(see breakbot admin --help).")
        except organisation_store.Refused as refused:
            db.rollback()
            raise Refused(render(organisations.refusal(refused), CLI_LANGUAGE)) from None


def onem(settings: Settings, args) -> None:
    from sqlmodel import func, select

    from bot import onem as side
    from bot.storage.models import Notification

    engine = make_engine(settings.database)
    upgrade(engine)
    with session(engine) as db:
        try:
            if args.action == "set-status":
                request = side.find_request(db, args.ticket)
                before = (request.status, request.office)
                event = side.set_status(db, args.ticket, args.status, args.office, side.parse_date(args.date))
                if event is None:
                    print(f"Request {request.ticket} is already {request.status}"
                          f"{f' at {request.office}' if request.office else ''}: nothing changed.")
                    return
                told = db.exec(select(func.count()).select_from(Notification)
                               .where(Notification.event_id == event.id)).one()
                print(f"Request {request.ticket}: {before[0]} -> {event.status}, office {before[1] or '-'} -> "
                      f"{event.office or '-'}{f', on {event.effective_date:%d/%m/%Y}' if event.effective_date else ''}"
                      f"; {told} member(s) to notify.")
            elif args.action == "import":
                report = side.import_csv(db, args.file)
                print(f"Imported {args.file}: {report.applied} applied, {report.unchanged} unchanged.")
            elif args.action == "attach":
                attachment, event = side.attach(db, args.ticket, args.file, settings.bot_data_dir / "attachments",
                                                args.name)
                request = db.get(side.LeaveRequest, attachment.request_id)
                told = db.exec(select(func.count()).select_from(Notification)
                               .where(Notification.event_id == event.id)).one()
                print(f"Request {request.ticket}: document {attachment.filename!r} ({attachment.size} bytes) added as "
                      f"{attachment.stored_path}; {told} member(s) to notify.")
            else:
                raise Refused("Say what to do: set-status, import or attach (see breakbot onem --help).")
        except side.Refused as refusal:
            db.rollback()
            raise Refused(str(refusal)) from None


def bulk(settings: Settings, args) -> None:
    """A spreadsheet of requests, checked as the chat checks it, and filed whole with --file --certify."""
    from pathlib import Path

    from bot import bulk as sheets
    from bot.app import options_of
    from bot.core.turn import Turn
    from bot.core.views import Input
    from bot.domain.roles import Permission
    from bot.spreadsheet import MAX_BYTES, Unreadable
    from bot.storage import batch_store
    from bot.storage.models import utcnow
    from bot.storage.turns import Actor

    if args.do_file and not args.certify:
        raise Refused("Filing needs --certify: the member certifies that all the data are correct.")
    path = Path(args.file)
    if not path.is_file():
        raise Refused(f"No file at {args.file}.")
    if path.stat().st_size > MAX_BYTES:
        raise Refused(f"{path.name} is {path.stat().st_size} bytes: a spreadsheet of requests can be at most "
                      f"{MAX_BYTES} bytes. Split it.")
    data = path.read_bytes()
    engine = make_engine(settings.database)
    upgrade(engine)
    with engine.connect() as connection:
        transaction = connection.begin()
        with session(engine) as db:
            organisation = _organisation(db, args.organisation)
            members = [m for m in organisation_store.members_of(db, organisation.id)
                       if Actor.of(m, organisation).may(Permission.FILE)]
            member = next((m for m in members if m.id == args.member), None)
            if member is None:
                listed = ", ".join(f"{m.id} ({m.display_name or m.user_key})" for m in members) or "none"
                raise Refused(f"Member {args.member} may not file for {organisation.name}. Members who may: {listed}.")
            actor = Actor.of(member, organisation)
        turn = Turn(inp=Input("cli", "cli", "cli", "command", command="bulk"), member=actor, lang=args.lang,
                    now=utcnow(), options=options_of(settings), routes=None, connection=connection)
        try:
            checked = sheets.check(turn, sheets.read(path.name, data))
            tickets = None
            if args.do_file:
                digest = sheets.digest_of(data)
                before = batch_store.filed_as(turn.session, organisation.id, digest)
                if before is not None:
                    raise Refused(f"{path.name} was filed on {before.filed_at:%d/%m/%Y}: nothing is filed twice.")
                ready = [row.line for row in checked.ready]
                if ready:
                    batch = batch_store.open_batch(turn.session, actor, digest, path.name, data, ready, turn.now)
                    batch.certified = True
                    checked, tickets = sheets.file_batch(turn, batch)
        except Unreadable as why:
            raise Refused(render(why.message, args.lang)) from None
        document = sheets.result_document(checked, path.name, args.lang, tickets)
        out = Path(args.out) if args.out else path.with_name(document.filename)
        if out.suffix.lower() != f".{checked.sheet.kind}":
            raise Refused(f"The results of a .{checked.sheet.kind} file are a .{checked.sheet.kind} file: give --out "
                          f"a name ending in .{checked.sheet.kind}.")
        out.write_bytes(document.data)
        if turn._session is not None:
            turn._session.flush()
            turn._session.close()
        transaction.commit()
    print(" ".join(render(line, args.lang) for line in sheets.outcome_lines(checked)[:4]))
    if tickets is not None:
        print(f"{len(tickets)} filed; tickets in {out}")
    elif args.do_file:
        print(f"Nothing filed: no row is ready. Results in {out}")
    else:
        print(f"Nothing filed (check only: add --file --certify to file the ready rows). Results in {out}")


def bot_username(settings: Settings) -> str | None:
    """Ask Telegram for the bot's username (for deep links) when a token is set."""
    if not settings.telegram_bot_token:
        return None
    import asyncio

    from telegram import Bot

    async def ask():
        async with Bot(settings.telegram_bot_token, base_url=settings.telegram_base_url) as bot:
            return bot.username

    try:
        return asyncio.run(ask())
    except Exception:  # offline or wrong token: the operator can set TELEGRAM_BOT_USERNAME
        return None


def console(settings: Settings, lang: str | None) -> None:
    from bot import backups
    from bot.app import assemble  # the bot's features are loaded to run the bot, not for an admin command
    from bot.channels import console as terminal
    from bot.demo import seed_and_enrol

    with backups.running(settings.bot_data_dir):
        if settings.backup_dir:
            backups.scheduled(settings.database, settings.backup_dir, settings.backup_keep, _now())
        _console(settings, lang, assemble, terminal, seed_and_enrol)


def _now():
    import datetime as dt

    return dt.datetime.now(dt.UTC)


def _console(settings: Settings, lang, assemble, terminal, seed_and_enrol) -> None:
    bot_engine = assemble(settings)
    user = terminal.console_user()
    with session(bot_engine.db) as db:
        seed_and_enrol(db, terminal.CHANNEL, user)
    terminal.chat(bot_engine, terminal.interactive_lines(), sys.stdout, user, lang,
                  downloads=settings.bot_data_dir / "downloads", table=local_table(settings, bot_engine, user, lang))


def _port_free(host: str, port: int) -> bool:
    """Whether this machine's port can be bound (another terminal may serve its own table there)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


ANY_ADDRESS = ("0.0.0.0", "::", "")
IMAGE_UID = 10001  # the user the Docker image runs as (Dockerfile)


def _reachable_host(listen: str) -> str:
    """An address this machine reaches a server on that listens on `listen` (all interfaces: the loopback)."""
    if listen in ANY_ADDRESS:
        return "::1" if listen == "::" else "127.0.0.1"
    return listen


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def local_table(settings: Settings, bot_engine, user: str, lang: str | None = None):
    """The Mini App on this machine for the terminal's member: served on WEBAPP_LISTEN (127.0.0.1 by default;
    0.0.0.0 in a container whose port is published) at WEBAPP_PORT, or any free port when it is taken; returns what
    makes a fresh one-time link, or None when it cannot be served."""
    from bot.app import web_options
    from bot.channels.console import CHANNEL
    from bot.webapp.auth import Identity, LocalLinks
    from bot.webapp.serve import WebServer

    links = LocalLinks()
    options = web_options(bot_engine, local=links, metrics_token=settings.metrics_secret)
    host = settings.webapp_listen
    server = None
    for port in dict.fromkeys((settings.webapp_port if _port_free(host, settings.webapp_port) else 0, 0)):
        try:
            server = WebServer(options, host, port).start()
            break
        except (RuntimeError, OSError, SystemExit):
            continue
    if server is None:
        return None
    shown = _url_host(_reachable_host(host))
    return lambda: f"http://{shown}:{server.port}/#local={links.link(Identity(CHANNEL, user, lang))}"


def database(settings: Settings, args) -> None:
    """`breakbot db upgrade | backup FILE | restore FILE`."""
    from pathlib import Path

    from bot import backups

    try:
        if args.action == "backup":
            print(backups.backup(settings.database, Path(args.file)))
        elif args.action == "restore":
            print(backups.restore(settings.database, Path(args.file), settings.bot_data_dir))
        else:
            check_database(settings)
            upgrade(make_engine(settings.database))
            print("The database schema is up to date.")
    except backups.Refused as refusal:
        raise Refused(str(refusal)) from None


def check_database(settings: Settings, new: bool = False) -> None:
    """An existing SQLite file that is empty or damaged is a lost database: starting would make it a new, empty
    one and greet every member as a stranger. Refused in one line, unless --new-database asks for exactly that."""
    from bot import backups

    problem = backups.database_problem(settings.database)
    if problem is None:
        return
    if not new:
        raise Refused(problem)
    kept = backups.start_new(settings.database)
    print(f"Starting on a new, empty database; the lost file is kept as {kept}.", file=sys.stderr)


def check_data_dir(settings: Settings) -> None:
    """The data folder (SQLite file, attachments, downloads) must be writable: said in one line before anything
    starts, rather than as the database driver's traceback."""
    import os
    import tempfile

    folder = settings.bot_data_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        uid = os.getuid() if hasattr(os, "getuid") else IMAGE_UID
        who = f"uid {uid}" + (" (the Docker image's user)" if uid == IMAGE_UID else
                              f", the user running breakbot (uid {IMAGE_UID} in the Docker image)")
        raise Refused(f"The data folder {str(folder.resolve())!r} (BOT_DATA_DIR) cannot be written "
                      f"({error.strerror or error}): make it a folder writable by {who}, e.g. `chown {IMAGE_UID} "
                      f"FOLDER` on the host for `docker run -v FOLDER:/data`, or use a named volume "
                      f"(`-v breakbot-data:/data`).") from None


def _answers(host: str, port: int, path: str | None = None, timeout: float = 3.0) -> str | None:
    """Why nothing answers on host:port (an HTTP GET of `path` must answer 200), or None when it does."""
    import http.client
    import socket

    try:
        if path is None:
            socket.create_connection((host, port), timeout=timeout).close()
            return None
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.request("GET", path)
            status = connection.getresponse().status
        finally:
            connection.close()
    except OSError as error:
        return f"nothing answers on {_url_host(host)}:{port} ({error.strerror or error})"
    return f"{_url_host(host)}:{port}{path} answered {status}" if status != 200 else None


def health(settings: Settings) -> list[str]:
    """What the health check looked at (it passed), or Refused with what failed: the database opens (an existing
    SQLite file: the bot makes it at start), the bot process answers 200 on /healthz (WEBAPP_LISTEN:WEBAPP_PORT),
    and the webhook's port answers when WEBHOOK_URL is set."""
    from sqlalchemy import text

    url = settings.database_url
    if url is None:
        path = (settings.bot_data_dir / "breakbot.sqlite3").resolve()
        if not path.is_file():
            raise Refused(f"unhealthy: no database yet at {path} (the bot creates it when it starts)")
        url = f"sqlite:///{path}"
    engine = make_engine(url, busy_seconds=3)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any driver's error: the check says it in one line
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise Refused(f"unhealthy: the database does not open ({first})") from None
    finally:
        engine.dispose()
    checked = ["database"]
    # The bot process serves /healthz on the Mini App's port, WEBAPP_URL set or not: it answers 200 when that process
    # runs and reaches its database.
    host = _reachable_host(settings.webapp_listen)
    if problem := _answers(host, settings.webapp_port, "/healthz"):
        raise Refused(f"unhealthy: the bot process's /healthz (WEBAPP_LISTEN, WEBAPP_PORT): {problem}")
    checked.append(f"/healthz on {_url_host(host)}:{settings.webapp_port}")
    if settings.webhook_url:
        host = _reachable_host(settings.webhook_listen)
        if problem := _answers(host, settings.webhook_port):
            raise Refused(f"unhealthy: the webhook (WEBHOOK_URL is set): {problem}")
        checked.append(f"webhook on {_url_host(host)}:{settings.webhook_port}")
    return checked


def run(settings: Settings, webhook: bool = False) -> None:
    from bot.app import assemble
    from bot.channels.telegram import run_polling, run_webhook

    if not settings.telegram_bot_token:
        raise Refused("TELEGRAM_BOT_TOKEN is not set: put the token BotFather gave you in the environment or in .env.")
    if webhook and not (settings.webhook_url and settings.webhook_secret):
        raise Refused("--webhook needs WEBHOOK_URL (the public https address) and WEBHOOK_SECRET (1-256 characters "
                      "A-Z, a-z, 0-9, _ and -).")
    if settings.webapp_url:
        from bot.webapp.serve import url_problem

        if problem := url_problem(settings.webapp_url):
            raise Refused(problem)
    check_token(settings)
    from bot import backups

    with backups.running(settings.bot_data_dir):
        (run_webhook if webhook else run_polling)(settings, assemble(settings))


def check_token(settings: Settings) -> None:
    """Ask Telegram who we are before polling, so a wrong token or no network is one clear line."""
    import asyncio

    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError

    async def ask():
        async with Bot(settings.telegram_bot_token, base_url=settings.telegram_base_url) as bot:
            return bot.username

    try:
        asyncio.run(ask())
    except InvalidToken:
        raise Refused("Telegram refused TELEGRAM_BOT_TOKEN: check the token BotFather gave you.") from None
    except NetworkError as error:
        raise Refused(f"Could not reach the Telegram Bot API at {settings.telegram_base_url} ({error}).") from None
    except TelegramError as error:
        raise Refused(f"Telegram answered: {error}") from None


def main(argv: list[str] | None = None) -> int:
    from bot.logging_setup import configure

    parser = _parser()
    args = parser.parse_args(argv)
    for name, value in vars(args).items():  # Python 3.11 turns `--option=--` into [] and skips `choices`
        if isinstance(value, list) and not all(isinstance(v, str) and v for v in value) or value == []:
            parser.error(f"argument --{name}: expected a value")
    settings = Settings()
    try:
        # The data folder is checked before logging and migrations start, so that its refusal is one line;
        # `diagram` and `health` write nothing.
        if args.command not in ("diagram", "health") and (
                settings.database_url is None or args.command in ("run", "console", "onem", "bulk", None)):
            check_data_dir(settings)
        if args.command in ("run", "console", "admin", "onem", "bulk", None):
            check_database(settings, getattr(args, "new_database", False))
    except Refused as refusal:
        print(f"breakbot: {refusal}", file=sys.stderr)
        return 2
    if args.command == "health":  # Docker's health check: 0 healthy, 1 unhealthy (2 is reserved)
        try:
            print(f"healthy: {', '.join(health(settings))}")
        except Refused as refusal:
            print(f"breakbot: {refusal}", file=sys.stderr)
            return 1
        return 0
    configure(logging.WARNING if args.command in ("console", "admin", "onem", "bulk", "diagram", "db", None)
              else logging.INFO)
    try:
        if args.command == "admin":
            admin(settings, args)
        elif args.command == "onem":
            onem(settings, args)
        elif args.command == "bulk":
            bulk(settings, args)
        elif args.command == "diagram":
            from bot.app import ROUTERS  # the forms the application includes, not a feature's internals
            from bot.core.router import Routes
            print(Routes(ROUTERS).forms["intake"].mermaid("Intake dialog"))
        elif args.command == "db":
            database(settings, args)
        elif args.command == "run" or (args.command is None and settings.telegram_bot_token):
            run(settings, webhook=getattr(args, "webhook", False))
        else:
            console(settings, getattr(args, "lang", None))
    except Refused as refusal:
        print(f"breakbot: {refusal}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    except Exception as error:  # noqa: BLE001 - the operator gets one line; BREAKBOT_TRACEBACK=1 for the rest
        if os.environ.get("BREAKBOT_TRACEBACK"):
            raise
        print(f"breakbot: {failure(error, settings)}", file=sys.stderr)
        return 1
    return 0


def failure(error: Exception, settings: Settings) -> str:
    """What stopped a command, in one line with what to do: the disk full or read-only, the database server out of
    reach, anything else named by its kind (set BREAKBOT_TRACEBACK=1 to see where)."""
    import errno

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    cause = getattr(error, "orig", None) or error.__cause__ or error
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    if isinstance(cause, OSError) and cause.errno == errno.ENOSPC or "disk is full" in text or "No space left" in text:
        return (f"The disk is full ({settings.bot_data_dir.resolve()} or the database's disk): free some space, "
                f"then start again. Nothing was lost: what was not written was not answered as done.")
    if isinstance(cause, OSError) and cause.errno == errno.EROFS or "readonly" in text.replace("-", "") \
            or "read-only" in text:
        return (f"The database or the data folder is read-only ({text}): make {settings.bot_data_dir.resolve()} and "
                f"the database file writable by the user running breakbot.")
    if isinstance(error, DBAPIError) and make_url(settings.database).get_backend_name() != "sqlite":
        url = make_url(settings.database)
        return (f"The database server at {url.host}:{url.port or 5432} cannot be reached ({text}): start it, or check "
                f"DATABASE_URL. Telegram keeps the updates meanwhile.")
    return f"stopped by {type(cause).__name__}: {text[:200]} (set BREAKBOT_TRACEBACK=1 to see where)"
