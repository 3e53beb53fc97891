"""Hostile input to the admin and ONEM command-line tools, as property-based tests (hypothesis).

`breakbot admin add-organisation / add-school / invite` and `breakbot onem set-status / import` get random
enterprise numbers, tickets, statuses, offices, dates, names and CSV files (random rows, wrong headers, binary junk,
huge lines). A refused command exits non-zero with one line on stderr and no traceback, and leaves every row of every
table as it was; a command the product's own parsers accept succeeds.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import SQLModel, select
from stdnum.iso7064 import mod_37_36

from bot import onem
from bot.cli import main
from bot.domain.errors import Invalid
from bot.domain.identifiers import TICKET_ALPHABET, format_bce, format_ticket, parse_bce, parse_ticket
from bot.domain.roles import Role
from bot.storage import organisation_store, request_store
from bot.storage.database import make_engine, session, upgrade
from bot.storage.models import Draft, Member, Organisation, School
from tests.conftest import ORG_BCE, OTHER_ORG_BCE, SCHOOL_FWB, SCHOOL_VL

OTHER_SCHOOL = "1000000120"
FREE_BCE = "0123456749"  # valid, registered nowhere
CSV_FIELD_LIMIT = 131072  # the csv module's default field size limit

HOSTILE = settings(deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                          HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                          HealthCheck.large_base_example])

ROLES = [role.value for role in Role]


def ticket_of(body: str) -> str:
    return format_ticket(body + mod_37_36.calc_check_digit(body))


def file_request(db, niss: str) -> str:
    """A request filed by our member, stored as the intake stores it; returns its ticket."""
    with session(db) as s:
        member = s.exec(select(Member)).one()
        draft = Draft(channel=member.channel, chat_key=member.user_key, member_id=member.id, state="summary",
                      status="filed")
        s.add(draft)
        s.flush()
        request = request_store.file_request(s.connection(), member, draft.id, dict(
            capacity="po", community="fwb", school_bce=SCHOOL_FWB, niss=niss, last_name="Dupont", first_name="Marie",
            staff_status="statutory", leave_type="parental", regime="full", start_date=dt.date(2025, 9, 1),
            end_date=dt.date(2025, 9, 30), hours_before=1200, fulltime_hours=1200, notice_date=dt.date(2025, 6, 2),
            rtt=False))
        s.commit()
        return request.ticket


# --- the database, and what running the command did ------------------------------------------------------------

@dataclass
class Cli:
    db: object
    folder: Path
    tickets: list[str]

    def rows(self) -> dict[str, list[tuple]]:
        """Every row of every table."""
        with self.db.connect() as connection:
            return {table.name: [tuple(row) for row in connection.execute(text(f'SELECT * FROM "{table.name}" '
                                                                                 f'ORDER BY rowid'))]
                    for table in SQLModel.metadata.sorted_tables}


@pytest.fixture
def cli(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "breakbot_test_bot")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    db = make_engine(url)
    upgrade(db)  # as the `breakbot` command does
    with session(db) as s:
        ours = organisation_store.add_organisation(s, ORG_BCE, "PO Y")
        organisation_store.add_school(s, ours, SCHOOL_FWB, "fwb", "École A")
        other = organisation_store.add_organisation(s, OTHER_ORG_BCE, "PO Z")
        organisation_store.add_school(s, other, OTHER_SCHOOL, "fwb", "École D")
        code, _ = organisation_store.create_invitation(s, ours, ["po-education"])
        organisation_store.enrol(s, "telegram", "1001", code, "Ursula")
        s.commit()
    tickets = [file_request(db, niss=niss) for niss in ("85031412302", "90110224612")]
    yield Cli(db, tmp_path, tickets)
    db.dispose()


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    by_parser: bool  # argparse refused the command line itself


def run(capsys, argv: list[str]) -> Outcome:
    capsys.readouterr()
    try:
        code, by_parser = main(argv), False
    except SystemExit as exit_:
        code, by_parser = exit_.code, True
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err, by_parser)


def assert_refused(cli: Cli, before: dict, outcome: Outcome) -> None:
    """Non-zero exit, one clear line on stderr (from the argument parser too), no traceback, nothing changed."""
    assert outcome.code not in (0, None)
    assert "Traceback" not in outcome.err + outcome.out
    lines = outcome.err.strip().splitlines()
    assert outcome.out == "" and len(lines) == 1 and lines[0].startswith("breakbot: "), outcome.err[:300]
    assert cli.rows() == before, "a refused command changed the database"


def assert_done(outcome: Outcome) -> None:
    assert outcome.code == 0 and not outcome.by_parser, outcome.err[:300]
    assert outcome.err == "" and outcome.out.strip()


# --- strategies --------------------------------------------------------------------------------------------------

def argument(strategy):
    """What a shell can pass: no NUL byte (argv strings are C strings). Not "--" either: a known bug, see
    test_an_option_given_as_two_dashes_is_refused_in_one_line."""
    return strategy.filter(lambda value: "\x00" not in value and value != "--")


plain_text = st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), max_size=40)
spacing = st.sampled_from(["", " ", "\t", "\n", "  \r\n ", "\u00a0", "\u2003"])
bce_numbers = argument(st.one_of(
    st.sampled_from([ORG_BCE, OTHER_ORG_BCE, SCHOOL_FWB, SCHOOL_VL, OTHER_SCHOOL, FREE_BCE]).flatmap(
        lambda bce: st.sampled_from([bce, format_bce(bce), f"BE {bce}", f"be{bce[1:]}", bce[1:], bce[:-1] + "0",
                                     f" {format_bce(bce)} ", bce.replace("0", "O"), "２" + bce[1:]])),
    st.from_regex(r"(BE|be)?\s?[0-9][0-9 .\-/]{0,14}", fullmatch=True),
    st.text(max_size=20)))
names = argument(st.one_of(
    st.builds(lambda a, s, b: a + s + b, plain_text, spacing, plain_text),
    st.builds(lambda chunk, n: chunk * n, st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")),
                                                  min_size=1, max_size=3), st.integers(60, 120)),
    spacing))
communities = st.one_of(st.sampled_from(["vl", "fwb", "dg"]), st.sampled_from(["VL", "fr", "de", "", "nl", "all"]),
                        argument(st.text(max_size=6)))


def ticket_forms(ticket: str):
    return st.sampled_from([ticket, ticket.lower(), ticket.replace("-", ""), ticket.replace("-", " "),
                            ticket[:-1] + ("A" if ticket[-1] != "A" else "B"), ticket[:-2], f" {ticket} "])


status_words = st.sampled_from(["waiting", "processing", "accepted", "refused", "cancelled", "ACCEPTED", " Refusée ",
                                "En cours de traitement par l’ONEM", "in afwachting van inlichtingen van de werknemer",
                                "bewilligt", "canceled", "Annulee", "pending", "done", "ok", "", "processing!"])
office_words = st.sampled_from(["Liège", "LIEGE", "luik", "Bruxelles", "Brussel", "Bruxelles/Brussel", "Gand", "Gent",
                                "Verviers", "Eupen", "Paris", "", " ", "Namur/Namen", "mons", "Bergen", "Liège/Luik/x"])
date_words = st.one_of(st.sampled_from(["02/12/2026", "2026-12-02", "31/02/2026", "2026-02-30", "00/00/0000",
                                        "1/1/2026", "2026/12/02", "02-12-2026", "02.12.2026", "", "tomorrow",
                                        "99/99/9999", "10000-01-01", "２０２６-１２-０２"]),
                       st.from_regex(r"\d{1,2}/\d{1,2}/\d{1,5}", fullmatch=True),
                       st.from_regex(r"\d{1,5}-\d{1,2}-\d{1,2}", fullmatch=True))
free_text = argument(st.text(max_size=30))
statuses = st.one_of(status_words, status_words, free_text)
offices = st.one_of(office_words, office_words, free_text)
dates = st.one_of(date_words, date_words, free_text)


def known_or_random_ticket(cli: Cli):
    known = st.sampled_from(cli.tickets)
    return st.one_of(known, known.flatmap(ticket_forms),
                     st.builds(ticket_of, st.text(alphabet=TICKET_ALPHABET, min_size=12, max_size=12)),
                     free_text)


# --- admin -------------------------------------------------------------------------------------------------------

def _bce_or_none(value: str) -> str | None:
    try:
        return parse_bce(value)
    except Invalid:
        return None


def _name_ok(value: str) -> bool:
    name = " ".join(value.split())
    hidden = any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in name)
    return 1 <= len(name) <= 200 and not hidden


def _registered(cli: Cli) -> tuple[set, set]:
    with session(cli.db) as s:
        return set(s.exec(select(Organisation.bce))), set(s.exec(select(School.bce)))


@settings(HOSTILE, max_examples=60)
@given(bce=bce_numbers, name=names)
def test_add_organisation_refuses_bad_input_cleanly(cli, capsys, bce, name):
    organisations, schools = _registered(cli)
    number = _bce_or_none(bce)
    accepted = number is not None and number not in organisations | schools and _name_ok(name)
    event("accepted" if accepted else "refused")
    before = cli.rows()
    outcome = run(capsys, ["admin", "add-organisation", f"--bce={bce}", f"--name={name}"])
    if accepted:
        assert_done(outcome)
        assert len(cli.rows()["organisation"]) == len(before["organisation"]) + 1
    else:
        assert_refused(cli, before, outcome)


@settings(HOSTILE, max_examples=60)
@given(organisation=bce_numbers, bce=bce_numbers, community=communities, name=names)
def test_add_school_refuses_bad_input_cleanly(cli, capsys, organisation, bce, community, name):
    organisations, schools = _registered(cli)
    owner, number = _bce_or_none(organisation), _bce_or_none(bce)
    accepted = (community in ("vl", "fwb", "dg") and owner in organisations and number is not None
                and number not in schools | organisations and _name_ok(name))
    event("accepted" if accepted else "refused")
    before = cli.rows()
    outcome = run(capsys, ["admin", "add-school", f"--organisation={organisation}", f"--bce={bce}",
                           f"--community={community}", f"--name={name}"])
    if accepted:
        assert_done(outcome)
        assert len(cli.rows()["school"]) == len(before["school"]) + 1
    else:
        assert_refused(cli, before, outcome)


@settings(HOSTILE, max_examples=40)
@given(organisation=bce_numbers,
       roles=st.lists(st.one_of(st.sampled_from(ROLES), st.sampled_from(["king", "admin", "", "Employer"]),
                                argument(st.text(max_size=12))), min_size=0, max_size=3),
       as_json=st.booleans())
def test_invite_refuses_bad_input_cleanly(cli, capsys, organisation, roles, as_json):
    organisations, _ = _registered(cli)
    accepted = _bce_or_none(organisation) in organisations and roles and all(r in ROLES for r in roles)
    event("accepted" if accepted else "refused")
    before = cli.rows()
    outcome = run(capsys, ["admin", "invite", f"--organisation={organisation}", *(f"--role={r}" for r in roles),
                           *(["--json"] if as_json else [])])
    if accepted:
        assert_done(outcome)
        assert len(cli.rows()["invitation"]) == len(before["invitation"]) + 1
    else:
        assert_refused(cli, before, outcome)


@settings(HOSTILE, max_examples=50)
@given(command=st.sampled_from(["admin", "onem"]),
       tail=st.lists(st.one_of(st.sampled_from(["add-organisation", "add-school", "invite", "set-status", "import",
                                                "--bce", "--name", "--organisation", "--community", "--role", "--json",
                                                "--office", "--date", "--", "-x", "fwb", "employer", ORG_BCE, "PO Q",
                                                "missing.csv"]),
                                argument(st.text(max_size=10))), max_size=6))
def test_any_command_line_is_refused_or_done_never_a_traceback(cli, capsys, command, tail):
    before = cli.rows()
    outcome = run(capsys, [command, *tail])
    note(repr(outcome))
    event("parser" if outcome.by_parser else f"exit {outcome.code}")
    assert "Traceback" not in outcome.err + outcome.out
    if outcome.code not in (0, None):
        assert_refused(cli, before, outcome)


# --- onem set-status ---------------------------------------------------------------------------------------------

@settings(HOSTILE, max_examples=80)
@given(data=st.data(), status=statuses, office=st.one_of(st.none(), offices), date=st.one_of(st.none(), dates))
def test_set_status_refuses_bad_input_cleanly(cli, capsys, data, status, office, date):
    ticket = data.draw(known_or_random_ticket(cli), label="ticket")
    assume(not ticket.startswith("-") and not status.startswith("-"))  # argparse would take them for options
    with session(cli.db) as s:
        try:
            onem.find_request(s, ticket)
            onem.parse_status(status)
            onem.parse_office(office)
            onem.parse_date(date)
            accepted = True
        except onem.Refused:
            accepted = False
    event("accepted" if accepted else "refused")
    before = cli.rows()
    argv = ["onem", "set-status", ticket, status]
    argv += [f"--office={office}"] if office is not None else []
    argv += [f"--date={date}"] if date is not None else []
    outcome = run(capsys, argv)
    if accepted:
        assert_done(outcome)
    else:
        assert_refused(cli, before, outcome)


# --- onem import -------------------------------------------------------------------------------------------------

COLUMNS = ("ticket", "status", "office", "date")
csv_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)  # anything UTF-8 can hold
# ... with something else than spaces in it (a row of blank fields is skipped, as it should be)
filled_text = st.builds(lambda head, tail: head + tail,
                        st.characters(exclude_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), csv_text)


def _refuses(parse, value) -> bool:
    try:
        parse(value)
    except (onem.Refused, Invalid):
        return True
    return False


def _huge(size: int):
    return st.builds(lambda chunk, n: (chunk * n)[:n], st.text(min_size=1, max_size=4).filter(str.strip),
                     st.integers(10_000, size))


def rows_for(cli: Cli):
    """Good rows (every field accepted) and bad rows (each refused for at least one reason), as {column: text}."""
    known = st.sampled_from(cli.tickets).flatmap(lambda t: st.sampled_from([t, t.lower(), t.replace("-", "")]))
    good = st.fixed_dictionaries({
        "ticket": known,
        "status": st.sampled_from(["waiting", "processing", "accepted", "Refusée", "in behandeling bij de RVA"]),
        "office": st.sampled_from(["", "Liège", "Gent", "Namur/Namen"]),
        "date": st.sampled_from(["", "02/12/2026", "2026-01-31"])})
    bad_ticket = st.one_of(filled_text.filter(lambda v: _refuses(parse_ticket, v)),
                           st.builds(ticket_of, st.text(alphabet=TICKET_ALPHABET, min_size=12, max_size=12)),
                           _huge(CSV_FIELD_LIMIT - 1000))
    bad_status = st.one_of(csv_text.filter(lambda v: _refuses(onem.parse_status, v)), _huge(CSV_FIELD_LIMIT - 1000))
    bad_office = filled_text.filter(lambda v: _refuses(onem.parse_office, v))
    bad_date = filled_text.filter(lambda v: _refuses(onem.parse_date, v))
    bad = st.one_of(
        st.builds(lambda row, v: row | {"ticket": v}, good, bad_ticket),
        st.builds(lambda row, v: row | {"status": v}, good, bad_status),
        st.builds(lambda row, v: row | {"office": v}, good, bad_office),
        st.builds(lambda row, v: row | {"date": v}, good, bad_date),
        st.builds(lambda first, others: [first, *others], filled_text, st.lists(csv_text, max_size=6)).filter(
            lambda fields: len(fields) != 4))
    return good, bad


def _header(order, delimiter, case, padding, bom):
    names = [getattr(name, case)() for name in order]
    return ("\ufeff" if bom else "") + delimiter.join(f"{padding}{name}{padding}" for name in names)


headers = st.builds(_header, st.permutations(COLUMNS), st.sampled_from([",", ";"]),
                    st.sampled_from(["lower", "upper", "title"]), st.sampled_from(["", " "]), st.booleans())
wrong_headers = st.one_of(
    st.sampled_from(["", "ticket,status,office", "ticket,status,office,date,extra", "ticket,ticket,status,office",
                     "tickets,status,office,date", "ticket;status,office;date", "ticket status office date",
                     "\ufeff\ufeffticket,status,office,date", "date,office,status", "# ticket,status,office,date"]),
    csv_text.filter(lambda v: "ticket" not in v.casefold()),
    _huge(CSV_FIELD_LIMIT - 1000))


def _write(header: str, rows: list, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    order = [name.strip().lower() for name in header.lstrip("\ufeff").split(delimiter)]
    if sorted(order) != sorted(COLUMNS):  # a wrong header: the rows keep the usual order
        order = list(COLUMNS)
    for row in rows:
        writer.writerow([row[name] for name in order] if isinstance(row, dict) else row)
    return (header + "\r\n" + out.getvalue()).encode("utf-8")


@st.composite
def bad_files(draw, cli: Cli) -> bytes:
    kind = draw(st.sampled_from(["bad rows", "bad rows", "bad rows", "wrong header", "junk"]))
    good, bad = rows_for(cli)
    if kind == "junk":
        return draw(st.one_of(st.binary(max_size=2000),
                              st.binary(max_size=200).map(lambda b: b"\xff\xfe" + b),
                              st.binary(max_size=200).map(lambda b: b"ticket,status,office,date\n\x80" + b)))
    rows = draw(st.permutations(draw(st.lists(good, max_size=4)) + draw(st.lists(bad, min_size=1, max_size=3))))
    if kind == "wrong header":
        return _write(draw(wrong_headers), rows)
    header = draw(headers)
    return _write(header, rows, ";" if ";" in header else ",")


@settings(HOSTILE, max_examples=60)
@given(data=st.data())
def test_import_refuses_bad_files_whole_and_cleanly(cli, capsys, data):
    content = data.draw(bad_files(cli), label="file")
    path = cli.folder / "statuses.csv"
    path.write_bytes(content)
    before = cli.rows()
    outcome = run(capsys, ["onem", "import", str(path)])
    event(outcome.err.split(":")[1].strip()[:20] if ":" in outcome.err else "?")
    assert_refused(cli, before, outcome)


@pytest.mark.parametrize("where", ["missing", "folder"])
def test_import_of_a_missing_file_or_a_folder_is_one_line(cli, capsys, where):
    path = cli.folder / ("nothing.csv" if where == "missing" else "")
    before = cli.rows()
    assert_refused(cli, before, run(capsys, ["onem", "import", str(path)]))


# --- known bugs ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["header", "row"])
def test_an_import_with_a_huge_field_is_refused_in_one_line(cli, capsys, where):
    huge = "x" * (CSV_FIELD_LIMIT + 1)
    header = huge if where == "header" else "ticket,status,office,date"
    path = cli.folder / "huge.csv"
    path.write_text(f"{header}\n{cli.tickets[0]},{huge if where == 'row' else 'accepted'},,\n", encoding="utf-8")
    before = cli.rows()
    try:
        outcome = run(capsys, ["onem", "import", str(path)])
    except Exception as error:  # what the operator sees as a traceback
        pytest.fail(f"{type(error).__name__}: {error}")
    assert_refused(cli, before, outcome)


@pytest.mark.parametrize("command", ["add-organisation", "add-school"])
def test_a_name_that_is_not_utf8_is_refused_in_one_line(cli, capsys, command):
    latin1 = b"\xc9cole".decode("utf-8", "surrogateescape")  # 'École' typed in a Latin-1 terminal
    argv = (["admin", "add-organisation", f"--bce={FREE_BCE}", f"--name={latin1}"] if command == "add-organisation"
            else ["admin", "add-school", f"--organisation={ORG_BCE}", f"--bce={FREE_BCE}", "--community=fwb",
                  f"--name={latin1}"])
    before = cli.rows()
    try:
        outcome = run(capsys, argv)
    except Exception as error:
        pytest.fail(f"{type(error).__name__}: {error}")
    assert_refused(cli, before, outcome)


@pytest.mark.parametrize("name", ["PO \x1b[2J\x1b[31mY", "PO\x07Y", "École\x7f A", "PO \x9b31mY"])
def test_a_name_with_control_characters_is_refused(cli, capsys, name):
    before = cli.rows()
    assert_refused(cli, before, run(capsys, ["admin", "add-organisation", f"--bce={FREE_BCE}", f"--name={name}"]))


@pytest.mark.parametrize("option", ["name", "community", "role", "office", "date"])
def test_an_option_given_as_two_dashes_is_refused_in_one_line(cli, capsys, option):
    argv = {"name": ["admin", "add-organisation", f"--bce={FREE_BCE}", "--name=--"],
            "community": ["admin", "add-school", f"--organisation={ORG_BCE}", f"--bce={FREE_BCE}", "--community=--",
                          "--name=École"],
            "role": ["admin", "invite", f"--organisation={ORG_BCE}", "--role=--"],
            "office": ["onem", "set-status", cli.tickets[0], "accepted", "--office=--"],
            "date": ["onem", "set-status", cli.tickets[0], "accepted", "--date=--"]}[option]
    before = cli.rows()
    try:
        outcome = run(capsys, argv)
    except Exception as error:
        pytest.fail(f"{type(error).__name__}: {error}")
    assert_refused(cli, before, outcome)


@pytest.mark.parametrize("argv", [
    ["admin", "add-school", f"--organisation={ORG_BCE}", f"--bce={FREE_BCE}", "--community=fr", "--name=École"],
    ["admin", "invite", f"--organisation={ORG_BCE}", "--role=king"],
    ["onem", "set-status", "04W-002WSHH-7K-E"],
])
def test_a_command_line_refused_by_the_parser_is_one_line(cli, capsys, argv):
    before = cli.rows()
    outcome = run(capsys, argv)
    assert_refused(cli, before, outcome)
    assert len(outcome.err.strip().splitlines()) == 1
