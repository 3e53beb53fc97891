"""Status changes from ONEM's side: one by hand, a CSV file all or nothing, and the `breakbot onem` command."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import func, select

from bot import onem
from bot.cli import main
from bot.domain.identifiers import new_ticket
from bot.storage import organisation_store, request_store
from bot.storage.database import make_engine, session, upgrade
from bot.storage.models import Draft, LeaveRequest, Member, Notification, RequestEvent
from tests.conftest import ORG_BCE, SCHOOL_FWB, enrol

START = dt.date(2025, 9, 1)


def file_request(db, user_id=1001, last_name="Dupont", niss="85031412302", now=None, **fields) -> str:
    """A filed request of the member's organisation, stored as the intake stores it (`fields` changes its answers,
    `now` the moment it is filed); returns its ticket."""
    with session(db) as s:
        member = s.exec(select(Member).where(Member.user_key == str(user_id))).one()
        draft = Draft(channel=member.channel, chat_key=member.user_key, member_id=member.id, state="summary",
                      status="filed")
        s.add(draft)
        s.flush()
        request = request_store.file_request(s.connection(), member, draft.id, dict(
            capacity="po", community="fwb", school_bce=SCHOOL_FWB, niss=niss, last_name=last_name,
            first_name="Marie", staff_status="statutory", leave_type="parental", regime="full", start_date=START,
            end_date=dt.date(2025, 9, 30), hours_before=1200, fulltime_hours=1200,
            notice_date=dt.date(2025, 6, 2), rtt=False) | fields, now=now)
        s.commit()
        return request.ticket


@pytest.fixture
def ticket(organisations):
    enrol(organisations, 1001)
    return file_request(organisations)


def snapshot(db):
    """Everything a status change may touch."""
    with session(db) as s:
        return (sorted((r.ticket, r.status, r.office) for r in s.exec(select(LeaveRequest))),
                s.exec(select(func.count()).select_from(RequestEvent)).one(),
                s.exec(select(func.count()).select_from(Notification)).one())


def request(db, ticket) -> LeaveRequest:
    with session(db) as s:
        return s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one()


def history(db, ticket) -> list[RequestEvent]:
    with session(db) as s:
        return request_store.history_of(s, request(db, ticket))


# --- one change ---------------------------------------------------------------------------------

def test_a_status_change_updates_the_request_and_writes_its_history(organisations, ticket):
    with session(organisations) as s:
        event = onem.set_status(s, ticket.lower().replace("-", " "), "accepted", office="gent",
                                effective_date=dt.date(2025, 8, 1))
    assert (event.kind, event.status, event.office, event.source) == ("status", "accepted", "Gent", "onem-cli")
    assert event.member_id is None and event.effective_date == dt.date(2025, 8, 1)
    assert json.loads(event.changes) == {"status": ["waiting", "accepted"], "office": [None, "Gent"]}
    assert (request(organisations, ticket).status, request(organisations, ticket).office) == ("accepted", "Gent")
    assert [(e.kind, e.status) for e in history(organisations, ticket)] == [("filed", "waiting"),
                                                                            ("status", "accepted")]


@pytest.mark.parametrize("typed, code", [
    ("PROCESSING", "processing"), ("En cours de traitement par l’ONEM", "processing"),
    ("In behandeling bij de RVA", "processing"), ("bewilligt", "accepted"), ("Acceptee", "accepted"),
    ("Geweigerd", "refused"), ("refused", "refused"), ("Annulée", "cancelled"),
    ("being processed by ONEM", "processing"),
])
def test_the_official_status_words_are_understood(organisations, ticket, typed, code):
    with session(organisations) as s:
        assert onem.set_status(s, ticket, typed).status == code


@pytest.mark.parametrize("typed, office", [
    ("Bruxelles", "Bruxelles/Brussel"), ("BRUSSEL", "Bruxelles/Brussel"), ("namen", "Namur/Namen"),
    ("la louviere", "La Louvière"), ("Luik", "Liège/Luik"), ("Liège/Luik", "Liège/Luik"), ("Verviers", "Verviers"),
])
def test_offices_are_read_in_french_or_dutch_and_stored_in_one_spelling(organisations, ticket, typed, office):
    with session(organisations) as s:
        assert onem.set_status(s, ticket, "processing", office=typed).office == office
    assert request(organisations, ticket).office == office


def test_a_change_that_changes_nothing_writes_nothing(organisations, ticket):
    with session(organisations) as s:
        assert onem.set_status(s, ticket, "waiting") is None
        onem.set_status(s, ticket, "processing", office="Gent")
    before = snapshot(organisations)
    with session(organisations) as s:
        assert onem.set_status(s, ticket, "processing") is None  # no office: the current one stays
        assert onem.set_status(s, ticket, "En cours de traitement par l'ONEM", office="gand") is None
    assert snapshot(organisations) == before
    with session(organisations) as s:
        moved = onem.set_status(s, ticket, "processing", office="Leuven")
    assert json.loads(moved.changes) == {"office": ["Gent", "Leuven"]}


@pytest.mark.parametrize("ticket_text, status, office, says", [
    ("04W-002WSHH-7K-Z", "accepted", None, "typo"),
    (None, "accepted", None, "No request has ticket"),
    ("", "approved", None, "Unknown status 'approved'"),
    ("", "accepted", "Paris", "Unknown ONEM office 'Paris'"),
])
def test_wrong_input_is_refused_and_changes_nothing(organisations, ticket, ticket_text, status, office, says):
    typed = new_ticket() if ticket_text is None else ticket_text or ticket
    before = snapshot(organisations)
    with session(organisations) as s, pytest.raises(onem.Refused) as refusal:
        onem.set_status(s, typed, status, office=office)
    assert says in str(refusal.value)
    assert snapshot(organisations) == before


# --- CSV import -----------------------------------------------------------------------------------

@pytest.fixture
def two(organisations):
    enrol(organisations, 1001)
    return file_request(organisations), file_request(organisations, last_name="Martin", niss="90110224612")


def write(tmp_path, text: str, name="onem.csv", encoding="utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_a_good_file_is_applied_in_order(organisations, two, tmp_path):
    first, second = two
    path = write(tmp_path, f"ticket,status,office,date\n{first},processing,Gent,2025-06-10\n"
                           f"{first},accepted,,12/07/2025\n{second},waiting,,\n")
    with session(organisations) as s:
        assert onem.import_csv(s, path) == onem.ImportReport(applied=2, unchanged=1)
    events = history(organisations, first)
    assert [(e.status, e.office, e.effective_date, e.source) for e in events[1:]] == [
        ("processing", "Gent", dt.date(2025, 6, 10), "onem-import"),
        ("accepted", "Gent", dt.date(2025, 7, 12), "onem-import")]
    assert (request(organisations, first).status, request(organisations, second).status) == ("accepted", "waiting")


def test_the_same_file_twice_changes_nothing_the_second_time(organisations, two, tmp_path):
    first, second = two
    path = write(tmp_path, f"ticket,status,office,date\n{first},processing,Gent,2025-06-10\n"
                           f"{first},accepted,,\n{second},refused,Namur,01/08/2025\n")
    with session(organisations) as s:
        assert onem.import_csv(s, path) == onem.ImportReport(applied=3, unchanged=0)
    after_first = snapshot(organisations)
    with session(organisations) as s:
        assert onem.import_csv(s, path) == onem.ImportReport(applied=0, unchanged=3)
    assert snapshot(organisations) == after_first


def test_an_old_file_imported_again_does_not_undo_a_later_change(organisations, two, tmp_path):
    first, _ = two
    path = write(tmp_path, f"ticket,status,office,date\n{first},processing,Gent,2025-06-10\n")
    with session(organisations) as s:
        onem.import_csv(s, path)
        onem.set_status(s, first, "accepted")
        assert onem.import_csv(s, path) == onem.ImportReport(applied=0, unchanged=1)
    assert request(organisations, first).status == "accepted"


def test_one_bad_row_changes_nothing_and_every_bad_line_is_named(organisations, two, tmp_path):
    first, second = two
    path = write(tmp_path, f"ticket,status,office,date\n{first},processing,Gent,2025-06-10\n"
                           f"{second},approved,Gent,\n\n{first},accepted,Paris,31/02/2025\n"
                           f"{new_ticket()},accepted,,\n{first},accepted\n")
    before = snapshot(organisations)
    with session(organisations) as s, pytest.raises(onem.Refused) as refusal:
        onem.import_csv(s, path)
    problems = dict(refusal.value.problems)
    assert sorted(problems) == [3, 5, 6, 7]
    assert "approved" in problems[3]
    assert "Paris" in problems[5] and "31/02/2025" in problems[5]
    assert "No request has ticket" in problems[6] and "fields" in problems[7]
    assert "line 3:" in str(refusal.value) and "\n" not in str(refusal.value)
    assert snapshot(organisations) == before


def test_semicolons_and_a_byte_order_mark_as_excel_saves_them(organisations, two, tmp_path):
    first, second = two
    path = write(tmp_path, f"\ufeffTicket;Status;Office;Date\r\n{first};Acceptée;Liège;05/09/2025\r\n"
                           f"{second};In behandeling bij de RVA;Brussel;\r\n")
    with session(organisations) as s:
        assert onem.import_csv(s, path) == onem.ImportReport(applied=2, unchanged=0)
    assert (request(organisations, first).status, request(organisations, first).office) == ("accepted", "Liège/Luik")
    assert request(organisations, second).office == "Bruxelles/Brussel"


@pytest.mark.parametrize("content, encoding, says", [
    ("ticket,status\nX,accepted\n", "utf-8", "header"),
    ("", "utf-8", "header"),
    ("ticket,status,office,date\n{t},Acceptée,,\n", "latin-1", "UTF-8"),
])
def test_an_unreadable_file_is_refused(organisations, two, tmp_path, content, encoding, says):
    path = write(tmp_path, content.format(t=two[0]), encoding=encoding)
    before = snapshot(organisations)
    with session(organisations) as s, pytest.raises(onem.Refused, match=says):
        onem.import_csv(s, path)
    assert snapshot(organisations) == before


# --- the command line -----------------------------------------------------------------------------

@pytest.fixture
def cli_db(cli_db_url, tmp_path, monkeypatch):
    url = cli_db_url
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    engine = make_engine(url)
    upgrade(engine)
    with session(engine) as s:
        organisation_store.add_organisation(s, ORG_BCE, "PO Y")
        s.commit()
    enrol(engine, 1001)
    enrol(engine, 1002)
    yield engine
    engine.dispose()


def test_set_status_prints_what_changed(cli_db, capsys):
    ticket = file_request(cli_db)
    assert main(["onem", "set-status", ticket, "accepted", "--office", "gand", "--date", "01/08/2025"]) == 0
    out = capsys.readouterr().out
    assert out == (f"Request {ticket}: waiting -> accepted, office - -> Gent, on 01/08/2025; "
                   f"2 member(s) to notify.\n")
    assert main(["onem", "set-status", ticket, "Aanvaard"]) == 0
    assert capsys.readouterr().out == f"Request {ticket} is already accepted at Gent: nothing changed.\n"


def test_import_prints_the_counts(cli_db, capsys, tmp_path):
    ticket = file_request(cli_db)
    path = write(tmp_path, f"ticket;status;office;date\n{ticket};processing;Hasselt;2025-06-01\n"
                           f"{ticket};Processing;hasselt;\n")
    assert main(["onem", "import", path]) == 0
    assert capsys.readouterr().out == f"Imported {path}: 1 applied, 1 unchanged.\n"


@pytest.mark.parametrize("argv", [
    ["onem", "set-status", "04W-002WSHH-7K-Z", "accepted"],
    ["onem", "set-status", "{unknown}", "accepted"],
    ["onem", "set-status", "{ticket}", "approved"],
    ["onem", "set-status", "{ticket}", "accepted", "--office", "Paris"],
    ["onem", "set-status", "{ticket}", "accepted", "--date", "2025-13-01"],
    ["onem", "import", "{bad_file}"],
    ["onem", "import", "missing.csv"],
    ["onem"],
])
def test_wrong_onem_input_is_one_clear_line_and_changes_nothing(cli_db, capsys, tmp_path, argv):
    ticket = file_request(cli_db)
    bad_file = write(tmp_path, f"ticket,status,office,date\n{ticket},accepted,,\n{ticket},approved,,\n")
    before = snapshot(cli_db)
    argv = [a.format(ticket=ticket, unknown=new_ticket(), bad_file=bad_file) for a in argv]
    assert main(argv) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith("breakbot: ") and "Traceback" not in captured.err
    assert snapshot(cli_db) == before
