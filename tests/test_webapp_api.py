"""The Mini App's API: who is asking (Telegram's signed launch data, the terminal's one-time link), the
organisation's requests only, the role matrix, filters, sorting, paging, counts, and the chat's very export."""
from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from bot.dialogs.actions import OVERVIEW_EXPORT
from bot.receipt import receipt_filename
from bot.storage import organisation_store, request_store
from bot.storage.database import session
from bot.storage.models import LeaveRequest, Member, RequestEvent, utcnow
from bot.webapp.auth import Identity, LocalLinks, check_init_data, sign_init_data
from bot.webapp.server import STATIC, WebOptions, create_app
from tests.conftest import OTHER_ORG_BCE, Chat, data_dir, enrol
from tests.test_onem import file_request

TOKEN = "123456:TEST-TOKEN"  # the token the test application is built with


def launch_data(user_id: int, age: float = 0, token: str = TOKEN, language: str = "fr", **extra) -> str:
    fields = {"auth_date": str(int(time.time() - age)), "query_id": "AAH", "user": json.dumps(
        {"id": user_id, "first_name": "Ursula", "language_code": language}, separators=(",", ":"))} | extra
    return sign_init_data(fields, token)


def as_user(user_id: int, **kwargs) -> dict:
    return {"Authorization": f"tma {launch_data(user_id, **kwargs)}"}


@pytest.fixture
def web(organisations):
    options = WebOptions(db=organisations, bot_token=TOKEN, attachments_dir=data_dir(organisations) / "attachments",
                         bot_username="breakbot_test_bot", local=LocalLinks())
    with TestClient(create_app(options)) as client:
        client.options = options
        yield client


@pytest.fixture
def filed(web):
    """Ours: five requests of 1001's organisation with three statuses; theirs: one of another organisation."""
    db = web.options.db
    enrol(db, 1001)
    enrol(db, 2001, bce=OTHER_ORG_BCE)
    names = ["Dupont", "Martin", "Peeters", "Janssens", "Dubois"]
    ours = [file_request(db, 1001, name, niss) for name, niss in
            zip(names, ["85031412302", "90110224612", "85031412401", "85031412597", "85031412696"])]
    with session(db) as s:
        for ticket, status in zip(ours, ["accepted", "accepted", "processing", "waiting", "waiting"]):
            request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one()
            request.status = status
            s.add(request)
        s.commit()
    theirs = file_request(db, 2001, "Zeeman", "85031412795")
    return dict(zip(names, ours)), theirs


# --- who is asking -----------------------------------------------------------------------------------------------

def test_the_signature_is_checked_as_telegram_documents_it():
    data = launch_data(1001)
    assert check_init_data(data, TOKEN) == Identity("telegram", "1001")
    assert check_init_data(data, "123456:OTHER-TOKEN") is None
    assert check_init_data(data.replace("1001", "1002"), TOKEN) is None  # another user: the hash no longer fits
    assert check_init_data(data + "&extra=1", TOKEN) is None
    assert check_init_data(launch_data(1001, age=3601), TOKEN) is None  # older than an hour
    assert check_init_data(launch_data(1001, age=-120), TOKEN) is None  # from the future
    # A phone's clock may run ahead of the server's: up to 30 seconds "from the future" is the same moment.
    assert check_init_data(launch_data(1001, age=-30), TOKEN) == Identity("telegram", "1001")
    assert check_init_data(launch_data(1001, age=-32), TOKEN) is None
    assert check_init_data("", TOKEN) is None and check_init_data("hash=&&&", TOKEN) is None


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "tma "}, {"Authorization": "tma garbage"}, {"Authorization": "Bearer x"},
    as_user(1001, age=3700), as_user(1001, token="999:FORGED"), as_user(4242),  # 4242 is enrolled nowhere
    {"Authorization": "local not-a-session"},
])
def test_anyone_but_a_member_gets_401_and_nothing_else(web, filed, headers):
    for path in ("/api/me", "/api/requests", f"/api/requests/{filed[0]['Dupont']}", "/api/export",
                 f"/api/requests/{filed[0]['Dupont']}/receipt"):
        response = web.get(path, headers=headers)
        assert response.status_code == 401, path
        assert set(response.json()) == {"error", "lang"} and "Dupont" not in response.text
    assert web.post(f"/api/requests/{filed[0]['Dupont']}/cancel", headers=headers).status_code == 401


def test_a_revoked_member_is_refused_at_once(web, filed):
    assert web.get("/api/requests", headers=as_user(1001)).status_code == 200
    with session(web.options.db) as s:
        member = s.exec(select(Member).where(Member.user_key == "1001")).one()
        member.revoked_at = utcnow()
        s.add(member)
        s.commit()
    assert web.get("/api/requests", headers=as_user(1001)).status_code == 401


def test_another_organisations_request_is_answered_as_a_missing_one(web, filed):
    ours, theirs = filed
    missing = web.get("/api/requests/04W-002WSHH-7K-E", headers=as_user(1001))
    for path in (f"/api/requests/{theirs}", f"/api/requests/{theirs}/receipt"):
        other = web.get(path, headers=as_user(1001))
        assert (other.status_code, other.json()) == (missing.status_code, missing.json()) == (404, missing.json())
    assert web.post(f"/api/requests/{theirs}/cancel", headers=as_user(1001)).status_code == 404
    rows = web.get("/api/requests?from=2000-01-01", headers=as_user(1001)).json()["rows"]
    assert theirs not in {row["ticket"] for row in rows} and len(rows) == 5
    with session(web.options.db) as s:
        attachment_id = s.exec(select(RequestEvent.id)).first()  # any number: documents are looked up per org
    assert web.get(f"/api/documents/{attachment_id}", headers=as_user(1001)).status_code == 404
    assert web.get(f"/api/requests?q={theirs}", headers=as_user(1001)).json()["total"] == 0


def test_the_role_matrix_applies(web, filed):
    ours, _ = filed
    enrol(web.options.db, 1003, roles=("access-manager",))
    manager = as_user(1003)
    assert web.get("/api/me", headers=manager).json()["may"] == {"follow": False, "export": False, "cancel": False,
                                                                 "modify": False}
    for path in ("/api/requests", f"/api/requests/{ours['Dupont']}", "/api/export"):
        assert web.get(path, headers=manager).status_code == 403
    assert web.post(f"/api/requests/{ours['Dupont']}/cancel", headers=manager).status_code == 403
    # the organising authority sees the NISS in full on one request, masked in the table
    detail = web.get(f"/api/requests/{ours['Dupont']}", headers=as_user(1001)).json()
    assert any("14/03/1985" in line for line in detail["lines"])
    rows = web.get("/api/requests", headers=as_user(1001)).json()["rows"]
    assert {row["niss"] for row in rows} == {"85.**.**-***.02", "90.**.**-***.12", "85.**.**-***.01",
                                             "85.**.**-***.97", "85.**.**-***.96"}


# --- the table -----------------------------------------------------------------------------------------------------

def tickets(web, query: str) -> list[str]:
    response = web.get(f"/api/requests?{query}", headers=as_user(1001))
    assert response.status_code == 200, response.text
    return [row["ticket"] for row in response.json()["rows"]]


def test_filters_search_and_counts(web, filed):
    ours, _ = filed
    body = web.get("/api/requests?status=waiting", headers=as_user(1001)).json()
    assert body["total"] == 2 and {r["ticket"] for r in body["rows"]} == {ours["Janssens"], ours["Dubois"]}
    # the counts leave the status filter out, so that each can be tapped
    assert {c["code"]: c["count"] for c in body["counts"]} == {"waiting": 2, "processing": 1, "accepted": 2,
                                                                "refused": 0, "cancelled": 0}
    assert [c["label"] for c in body["counts"]][:2] == ["En attente d'info du travailleur",
                                                         "En cours de traitement par l'ONEM"]
    assert set(tickets(web, "status=accepted,processing")) == {ours["Dupont"], ours["Martin"], ours["Peeters"]}
    assert tickets(web, "type=medical") == [] and len(tickets(web, "type=parental&form=full&capacity=po")) == 5
    assert tickets(web, "from=2026-01-01") == [] and len(tickets(web, "from=2025-09-15&to=2025-09-20")) == 5
    assert set(tickets(web, "q=du")) == {ours["Dupont"], ours["Dubois"]}  # a name's beginning, case ignored
    assert tickets(web, f"q={ours['Martin'].lower()}") == [ours["Martin"]]  # a ticket typed in the search box
    assert tickets(web, "q=90.11.02-246.12") == [ours["Martin"]]  # a NISS, as written
    assert tickets(web, "q=50%25") == [] and tickets(web, "q=_") == []  # no wildcard gets through
    for wrong in ("status=sleeping", "from=yesterday", "sort=niss;drop", "page=x"):
        response = web.get(f"/api/requests?{wrong}", headers=as_user(1001))
        assert response.status_code == 400 and "n'est pas compris" in response.json()["error"], wrong


def test_sorting_and_paging(web, filed):
    ours, _ = filed
    by_name = tickets(web, "sort=name&dir=asc")
    assert by_name == [ours[n] for n in sorted(ours)]
    assert tickets(web, "sort=name&dir=desc") == by_name[::-1]
    assert set(tickets(web, "sort=status&dir=asc")[:2]) == {ours["Dupont"], ours["Martin"]}  # "accepted" first
    pages = [tickets(web, f"sort=name&dir=asc&size=2&page={page}") for page in range(3)]
    assert sum(pages, []) == by_name
    body = web.get("/api/requests?size=2&page=99", headers=as_user(1001)).json()
    assert body["rows"] == [] and body["pages"] == 3
    for column in ("niss", "ticket", "type", "form", "start", "end", "filed", "office"):
        assert sorted(tickets(web, f"sort={column}")) == sorted(by_name)


async def test_the_export_is_byte_for_byte_the_chats(web, filed, app):
    chat = Chat(app, app.recorder, 1001)
    await chat.send("/overview status=waiting,processing")
    start = len(chat.recorder.calls)
    await chat.press(OVERVIEW_EXPORT.pack())
    [(_, params)] = [c for c in chat.recorder.calls[start:] if c[0] == "sendDocument"]
    [(filename, data, _mime)] = params["files"].values()
    defaults = web.get("/api/me", headers=as_user(1001)).json()["defaults"]
    response = web.get(f"/api/export?status=waiting,processing&capacity={defaults['capacity']}"
                       f"&from={defaults['from']}", headers=as_user(1001))
    assert response.status_code == 200
    assert response.content == data
    assert f'filename="{filename}"' in response.headers["content-disposition"]
    assert web.get("/api/export?q=Dupont", headers=as_user(1001)).status_code == 400
    # one export at a time and a pause between two, as in the chat: it reads every matching request
    again = web.get("/api/export", headers=as_user(1001))
    assert again.status_code == 429 and "réessayez dans" in again.json()["error"]


def test_one_request_its_documents_and_its_cancellation(web, filed):
    ours, _ = filed
    ticket = ours["Janssens"]
    detail = web.get(f"/api/requests/{ticket}", headers=as_user(1001)).json()
    assert detail["may_cancel"] and detail["may_modify"]
    assert detail["chat_link"] == f"https://t.me/breakbot_test_bot?start=ticket-{ticket}"
    assert any("introduite" in line for line in detail["history"])
    assert detail["documents"][0]["kind"] == "receipt"
    receipt = web.get(f"/api/requests/{ticket}/receipt", headers=as_user(1001))
    assert receipt.content.startswith(b"%PDF") and ticket in receipt.headers["content-disposition"]
    cancelled = web.post(f"/api/requests/{ticket}/cancel", headers=as_user(1001)).json()
    assert cancelled["status"] == "cancelled" and not cancelled["may_cancel"] and not cancelled["may_modify"]
    again = web.post(f"/api/requests/{ticket}/cancel", headers=as_user(1001))
    assert again.status_code == 409 and "Annulée" in again.json()["error"]
    decided = web.get(f"/api/requests/{ours['Dupont']}", headers=as_user(1001)).json()
    assert not decided["may_cancel"]  # ONEM decided: nothing to change


def test_without_a_choice_the_page_speaks_the_language_of_the_members_telegram(web, filed):
    assert web.get("/api/me", headers=as_user(1001, language="de")).json()["texts"]["reset"] == "Filter zurücksetzen"
    assert web.get("/api/me", headers=as_user(1001, language="pt-BR")).json()["lang"] == "fr"  # ours by default


def test_the_page_speaks_the_members_language_and_weighs_little(web, filed):
    with session(web.options.db) as s:
        organisation_store.set_locale(s, s.exec(select(Member.id).where(Member.user_key == "1001")).one(), "nl")
        s.commit()
    me = web.get("/api/me", headers=as_user(1001)).json()
    assert me["lang"] == "nl" and me["texts"]["reset"] == "Filters wissen"
    assert me["options"]["status"][0] == {"code": "waiting",
                                          "label": "In afwachting van inlichtingen van de werknemer"}
    rows = web.get("/api/requests", headers=as_user(1001)).json()["rows"]
    assert {row["status_label"] for row in rows} == {"Aanvaard", "In behandeling bij de RVA",
                                                     "In afwachting van inlichtingen van de werknemer"}
    assert web.get("/api/requests?status=nope", headers=as_user(1001)).json()["error"].startswith("De waarde")
    page = web.get("/")
    assert page.status_code == 200 and "app.js" in page.text
    assert "http" not in page.text.replace('"http-equiv"', "")  # nothing from elsewhere
    weight = sum((STATIC / name).stat().st_size for name in ("index.html", "app.js", "app.css"))
    print(f"page weight: {weight} bytes")
    assert weight <= 150 * 1024
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_the_terminals_link_works_once_and_only_for_minutes(web, filed):
    enrol(web.options.db, "ada", channel="console")
    links = web.options.local
    token = links.link(Identity("console", "ada"))
    traded = web.post("/api/local-session", headers={"Authorization": f"link {token}"})
    assert traded.status_code == 200
    session_token = traded.json()["session"]
    assert web.get("/api/me", headers={"Authorization": f"local {session_token}"}).status_code == 200
    assert web.post("/api/local-session", headers={"Authorization": f"link {token}"}).status_code == 401  # once
    clock = [0.0]
    timed = LocalLinks(clock=lambda: clock[0])
    late = timed.link(Identity("console", "ada"))
    clock[0] += LocalLinks.LINK_SECONDS + 1
    assert timed.trade(late) is None
    # a terminal link never stands for a Telegram user, nor the reverse
    assert web.get("/api/me", headers={"Authorization": f"tma {session_token}"}).status_code == 401


# --- what a hostile caller tried (each once answered badly) -----------------------------------------------------

def test_launch_data_must_be_exactly_what_telegram_signs():
    good = launch_data(1001)
    assert check_init_data('user={"id":2001}&' + good, TOKEN) is None  # a key given twice
    for user in ('{"id":1001.9}', '{"id":"1001"}', '{"id":1e400}', '{"id":true}', '{"id":-5}', "[" * 100_000):
        fields = {"auth_date": str(int(time.time())), "user": user}
        assert check_init_data(sign_init_data(fields, TOKEN), TOKEN) is None, user[:20]
    plus = {"auth_date": f"+{int(time.time())}", "user": '{"id":1001}'}
    assert check_init_data(sign_init_data(plus, TOKEN), TOKEN) is None


def test_odd_paths_and_searches_are_answered_not_failed(web, filed):
    for number in ("99999999999999999999", "2147483648", "85031412302", "-1", "١٢"):
        assert web.get(f"/api/documents/{number}", headers=as_user(1001)).status_code == 404
    for q in ("%00", "a%00b", "85.03.14-123.02%00"):
        assert web.get(f"/api/requests?q={q}", headers=as_user(1001)).status_code == 200
    assert web.get("/api/requests", headers={"Authorization": "TMA " + launch_data(1001)}).status_code == 200
    for method, path in (("DELETE", "/api/requests"), ("GET", "/api/requests/X/cancel"), ("GET", "/api/nothing")):
        response = web.request(method, path, headers=as_user(1001))
        assert response.status_code in (404, 405)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"


def test_a_failure_logs_the_route_not_what_was_typed(web, filed, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(request_store, "requests_table", broken)
    response = web.get("/api/requests?q=85031412302", headers=as_user(1001))
    assert response.status_code == 500 and "boom" not in response.text and "Réessayez" in response.json()["error"]
    assert "Mini App call table failed" in caplog.text and "85031412302" not in caplog.text


def test_a_busy_database_says_so(web, filed, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def locked(*args, **kwargs):
        raise OperationalError("UPDATE", {}, Exception("database is locked"))
    monkeypatch.setattr(request_store, "cancel_request", locked)
    response = web.post(f"/api/requests/{filed[0]['Dupont']}/cancel", headers=as_user(1001))
    assert response.status_code == 503 and "occupé" in response.json()["error"]


@pytest.mark.parametrize("path, read", [("/api/requests/{ticket}", "member_for"),
                                        ("/api/requests/{ticket}/receipt", "member_for"),
                                        ("/api/export", "request_rows")])
def test_a_chat_writing_meanwhile_does_not_make_the_table_answer_busy(web, filed, monkeypatch, path, read):
    """On SQLite a read that then writes its audit line failed at once when a chat had committed in between (5 of 5
    receipts while a chat sent /help). Reads are plain reads; the audit line waits for the lock like a turn."""
    import sqlalchemy as sa

    store = organisation_store if read == "member_for" else request_store
    db, reading = web.options.db, getattr(store, read)

    def a_chat_commits_meanwhile(*args, **kwargs):
        found = reading(*args, **kwargs)  # the endpoint has read; a chat's turn commits before it writes
        with db.begin() as connection:
            connection.execute(sa.text("UPDATE member SET locale = 'fr' WHERE user_key = '2001'"))
        return found
    monkeypatch.setattr(store, read, a_chat_commits_meanwhile)
    response = web.get(path.format(ticket=filed[0]["Dupont"]), headers=as_user(1001))
    assert response.status_code == 200, response.text


# --- the phone's table: search by beginnings, files by signed links or sent by the bot, the chart ----------------

def test_search_finds_beginnings_and_names_in_either_order(web, filed):
    ours, theirs = filed
    assert set(tickets(web, "q=85.03.14-12")) == {ours[n] for n in ("Dupont", "Peeters", "Janssens", "Dubois")}
    assert tickets(web, "q=8503141240") == tickets(web, "q=85 03 14 124") == [ours["Peeters"]]
    assert tickets(web, "q=9011") == [ours["Martin"]]
    assert tickets(web, "q=85031412795") == [] and tickets(web, "q=8503141279") == []  # theirs: not ours
    ticket = ours["Martin"]
    for typed in (ticket[:5], ticket[:9].replace("-", ""), ticket[:12].lower(), ticket[:11]):
        assert ticket in tickets(web, f"q={typed}"), typed
    assert theirs not in tickets(web, f"q={theirs[:9]}")
    assert tickets(web, "q=Dubois Marie") == tickets(web, "q=marie%20DUBOIS") == [ours["Dubois"]]
    assert tickets(web, "q=marie dup") == [ours["Dupont"]] and tickets(web, "q=dupont  ma") == [ours["Dupont"]]
    assert tickets(web, "q=Marie Zeeman") == [] and tickets(web, "q=50%25") == []


@pytest.mark.parametrize("resolved", [0, 1, 5000])
def test_a_search_finds_the_same_whether_its_matches_are_looked_up_first_or_not(web, filed, monkeypatch, resolved):
    """A search's few matches are given to the query as their ids; past RESOLVED matches, as a subquery: the same
    requests and counts either way."""
    from bot.storage import request_store

    ours, _ = filed
    monkeypatch.setattr(request_store, "RESOLVED", resolved)
    assert set(tickets(web, "q=85.03.14-12")) == {ours[n] for n in ("Dupont", "Peeters", "Janssens", "Dubois")}
    assert tickets(web, "q=Dubois Marie") == [ours["Dubois"]] and tickets(web, "q=Zeeman") == []
    body = web.get("/api/requests?q=85.03.14-12&from=2000-01-01", headers=as_user(1001)).json()
    assert body["total"] == 4 and sum(c["count"] for c in body["counts"]) == 4, body


def test_the_range_of_a_beginning():
    from bot.domain.identifiers import TICKET_ALPHABET
    from bot.storage.request_store import _successor, ticket_prefix

    assert _successor("8503", "0123456789") == "8504" and _successor("8599", "0123456789") == "86"
    assert _successor("99", "0123456789") is None
    assert _successor("04Z", TICKET_ALPHABET) == "05" and _successor("049", TICKET_ALPHABET) == "04A"
    assert ticket_prefix("04W002WSHH7K") == "04W-002WSHH-7K" and ticket_prefix("04W") == "04W"


def test_a_signed_link_serves_one_member_for_a_few_minutes(web, filed):
    ours, _ = filed
    ticket = ours["Dupont"]
    link = web.post(f"/api/files/link?kind=receipt&target={ticket}", headers=as_user(1001))
    assert link.status_code == 200 and link.json()["file_name"] == receipt_filename(ticket, "fr")
    url = link.json()["url"]
    fetched = web.get(url)  # no Authorization: Telegram's downloader has none
    assert fetched.status_code == 200 and fetched.content.startswith(b"%PDF")
    assert f'filename="{receipt_filename(ticket, "fr")}"' in fetched.headers["content-disposition"]
    body, signature = url.rsplit("/", 1)[1].split(".")
    assert web.get(f"/api/download/{body}.{signature[:-2]}AA").status_code == 401  # altered
    assert web.get(f"/api/download/{body[:-4]}.{signature}").status_code == 401
    # a few minutes, then never
    later = web.options.now
    web.options.now = lambda: later() + dt.timedelta(minutes=6)
    assert web.get(url).status_code == 410
    web.options.now = later
    # the member's, while still a member
    with session(web.options.db) as s:
        member = s.exec(select(Member).where(Member.user_key == "1001")).one()
        member.revoked_at = utcnow()
        s.add(member)
        s.commit()
    assert web.get(url).status_code == 401


def test_links_are_scoped_and_checked(web, filed):
    ours, theirs = filed
    assert web.post(f"/api/files/link?kind=receipt&target={theirs}", headers=as_user(1001)).status_code == 404
    assert web.post("/api/files/link?kind=receipt&target=x").status_code == 401
    assert web.post("/api/files/link?kind=passwd&target=x", headers=as_user(1001)).status_code == 400
    assert web.post("/api/files/link?kind=document&target=99", headers=as_user(1001)).status_code == 404
    assert web.post("/api/files/link?kind=export&target=q%3DDupont", headers=as_user(1001)).status_code == 400
    export = web.post("/api/files/link?kind=export&target=status%3Dwaiting", headers=as_user(1001)).json()
    data = web.get(export["url"])
    assert data.status_code == 200 and data.content.count(b"\r\n") == 3 and export["file_name"].endswith(".csv")
    # another bot's links (another token) are not ours
    other = WebOptions(db=web.options.db, bot_token="999:OTHER")
    with TestClient(create_app(other)) as client:
        assert client.get(export["url"]).status_code == 401


def test_the_bot_sends_the_file_into_the_chat_when_asked(web, filed):
    ours, _ = filed
    ticket = ours["Dupont"]
    assert web.post(f"/api/files/send?kind=receipt&target={ticket}", headers=as_user(1001)).status_code == 409
    sent = []
    web.options.send_document = lambda user, name, data: sent.append((user, name, data[:4]))
    answer = web.post(f"/api/files/send?kind=receipt&target={ticket}", headers=as_user(1001))
    assert answer.status_code == 200 and "Envoyé dans votre conversation" in answer.json()["message"]
    assert sent == [("1001", receipt_filename(ticket, "fr"), b"%PDF")]


def test_the_chart_counts_twelve_months(web, filed):
    months = web.get("/api/glance", headers=as_user(1001)).json()["months"]
    assert len(months) == 12 and months[-1]["month"] == utcnow().strftime("%Y-%m")
    assert [m["count"] for m in months] == [0] * 11 + [5]  # ours, not theirs
    assert web.get("/api/glance").status_code == 401


def test_a_request_links_to_its_modification(web, filed):
    ours, _ = filed
    detail = web.get(f"/api/requests/{ours['Dupont']}", headers=as_user(1001)).json()
    assert detail["modify_link"] == f"https://t.me/breakbot_test_bot?start=modify-{ours['Dupont']}"


def test_each_beginning_is_a_range_of_an_index(web, filed):
    """50,000 requests per organisation: a name, NISS or ticket beginning reads its index's range, not every row."""
    from sqlalchemy import func
    from sqlalchemy import select as sa_select

    db = web.options.db
    if db.dialect.name != "sqlite":
        pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN")
    searches = {"ix_request_org_name": request_store.Search(name="dubois ma"),
                "ix_request_org_first_name": request_store.Search(name="marie du"),
                "ix_request_org_niss": request_store.Search(niss_prefix="8503"),
                "ix_leave_request_ticket": request_store.Search(ticket_prefix="04W-00")}
    for index, search in searches.items():
        query = sa_select(func.count()).select_from(LeaveRequest).where(
            *request_store._request_filters(1), *request_store._searched(1, search))
        sql = str(query.compile(db, compile_kwargs={"literal_binds": True}))
        with db.connect() as connection:
            plan = " ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
        assert f"INDEX {index} (" in plan and "SCAN leave_request" not in plan, (index, plan)
