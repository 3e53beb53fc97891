"""A spreadsheet of requests (/bulk) through the real Application: the template in each language, filled in by
openpyxl or the csv module and sent back, checked row by row as the chat would, then filed whole after the
certification; and the files a hostile or careless sender makes."""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select
from telegram import Update

from bot.domain.records import BatchStatus
from bot.storage.database import session
from bot.storage.models import LeaveRequest, RequestBatch, RequestEvent
from tests.conftest import SCHOOL_FWB, SCHOOL_VL, Chat, enrol

TODAY = dt.date.today()
START = (TODAY.replace(day=1) + dt.timedelta(days=95)).replace(day=1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def day(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def row(niss="85.03.14-123.02", last="Dupont", first="Marie", start=START, months=3, **changes) -> dict:
    """One request as a member types it into the template (French words), by column name."""
    end = (start.replace(day=1) + dt.timedelta(days=31 * months)).replace(day=1) - dt.timedelta(days=1)
    values = {"community": "Fédération Wallonie-Bruxelles", "school": SCHOOL_FWB, "niss": niss, "last_name": last,
              "first_name": first, "staff_status": "Statutaire", "email": "", "leave_type": "Congé parental",
              "motive": "", "regime": "Interruption complète", "employer_agreement": "", "start_date": day(start),
              "end_date": day(end), "hours_before": "20h00", "fulltime_hours": "38h00",
              "notice_date": day(TODAY), "rtt": "Non"}
    values.update(changes)
    return values


async def upload(chat: Chat, name: str, data: bytes, mime: str = XLSX) -> tuple[str, list[tuple[str, bytes]]]:
    """Send a file as a Telegram document; the texts and the documents the bot sends back."""
    file_id = f"f{len(chat.recorder.files)}"
    chat.recorder.files[file_id] = data
    message = {"message_id": 6000 + len(chat.recorder.files), "date": 0,
               "chat": {"id": chat.user_id, "type": "private"},
               "from": {"id": chat.user_id, "is_bot": False, "first_name": "U", "language_code": chat.language_code},
               "document": {"file_id": file_id, "file_unique_id": "u" + file_id, "file_name": name, "mime_type": mime,
                            "file_size": len(data)}}
    start = len(chat.recorder.calls)
    await chat.app.process_update(Update.de_json({"update_id": 700000 + len(chat.recorder.files),
                                                  "message": message}, chat.app.bot))
    chat._replies(start)  # the keyboard of the last message, for chat.tap
    return replies(chat, start)


def replies(chat: Chat, start: int) -> tuple[str, list[tuple[str, bytes]]]:
    texts, documents = [], []
    for name, params in chat.recorder.calls[start:]:
        if name in ("sendMessage", "editMessageText"):
            texts.append(params["text"])
        elif name == "sendDocument":
            texts.append(params.get("caption") or "")
            [(filename, data, _mime)] = params["files"].values()
            documents.append((filename, data))
            if params.get("reply_markup"):
                chat.keyboard = [b for r in params["reply_markup"]["inline_keyboard"] for b in r]
    return "\n".join(texts), documents


async def templates(chat: Chat) -> dict[str, bytes]:
    start = len(chat.recorder.calls)
    await chat.send("/bulk")
    _text, documents = replies(chat, start)
    return {name.rsplit(".", 1)[1]: data for name, data in documents}


def filled_xlsx(template: bytes, rows: list[dict]) -> bytes:
    """The template filled in as a member would in Excel: under its headers, in its own columns."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    from bot.bulk import HEADERS
    from bot.domain.words import plain
    for line, values in enumerate(rows, start=2):  # under the headers, where the template's lists are
        for column, header in enumerate(headers, start=1):
            sheet.cell(row=line, column=column, value=values.get(HEADERS[plain(header)], "") or None)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filled_csv(template: bytes, rows: list[dict], delimiter=";", encoding="utf-8-sig") -> bytes:
    from bot.bulk import HEADERS
    from bot.domain.words import plain
    headers = next(csv.reader(io.StringIO(template.decode("utf-8-sig")), delimiter=";"))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    for values in rows:
        writer.writerow([values.get(HEADERS[plain(h)], "") for h in headers])
    return out.getvalue().encode(encoding)


def result_rows(data: bytes, kind: str) -> list[list[str]]:
    if kind == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)]


def requests(db) -> list[LeaveRequest]:
    with session(db) as s:
        return list(s.exec(select(LeaveRequest).order_by(LeaveRequest.batch_line)))


async def test_the_template_filled_in_is_checked_then_filed_whole_after_the_certification(chat):
    db = chat.app.bot_data["engine"].db
    files = await templates(chat)
    assert set(files) == {"xlsx", "csv"}
    book = load_workbook(io.BytesIO(files["xlsx"]))
    assert [s.title for s in book.worksheets][:2] == ["Demandes", "Explications"]
    headers = [c.value for c in book.worksheets[0][1]]
    assert headers[:4] == ["Communauté", "Numéro d'entreprise de l'école (BCE)", "NISS", "Nom"]
    assert book.worksheets[0].data_validations.dataValidation  # lists where the chat has buttons
    data = filled_xlsx(files["xlsx"], [row(), row(niss="90.02.01-001.30", last="Martin", first="Luc", months=2)])
    text, documents = await upload(chat, "demandes.xlsx", data)
    assert "2 lignes lues" in text and "✅ 2 prêtes" in text, text
    assert requests(db) == []  # nothing filed before the certification
    [(name, checked)] = documents
    assert name == "demandes-vérifié.xlsx"
    table = result_rows(checked, "xlsx")
    assert table[0][-2:] == ["Résultat", "Numéro de ticket"] and table[1][-2] == "Prête."
    reply = await chat.tap("✅ Introduire 2 demandes")
    assert "Cochez" in reply and requests(db) == []
    await chat.tap(chat.keyboard[0]["text"])  # the certification
    start = len(chat.recorder.calls)
    file_button = chat.button("✅ Introduire 2 demandes")["callback_data"]
    await chat.press(file_button)
    text, documents = replies(chat, start)
    filed = requests(db)
    assert [r.last_name for r in filed] == ["Dupont", "Martin"] and [r.batch_line for r in filed] == [2, 3]
    assert all(r.ticket in text for r in filed)
    [(name, with_tickets)] = documents
    assert [r[-1] for r in result_rows(with_tickets, "xlsx")[1:]] == [r.ticket for r in filed]
    start = len(chat.recorder.calls)
    await chat.tap("📄 Leurs accusés de réception (ZIP de PDF)")
    _text, [(zip_name, zipped)] = replies(chat, start)
    archive = zipfile.ZipFile(io.BytesIO(zipped))
    assert zip_name.endswith(".zip") and sorted(archive.namelist()) == sorted(
        f"accuse-de-reception-{r.ticket}.pdf" for r in filed)
    assert all(archive.read(n).startswith(b"%PDF") for n in archive.namelist())
    with session(db) as s:
        assert {e.source for e in s.exec(select(RequestEvent))} == {"spreadsheet"}
    # The same tap again, and the same file again: nothing is filed twice.
    assert "déjà" in await chat.press(file_button) and len(requests(db)) == 2
    text, documents = await upload(chat, "demandes.xlsx", data)
    assert "rien n'est introduit deux fois" in text and len(requests(db)) == 2
    assert [r[-1] for r in result_rows(documents[0][1], "xlsx")[1:]] == [r.ticket for r in filed]


@pytest.mark.parametrize("lang, words", [
    ("nl", dict(community="Vlaamse Gemeenschap", school=SCHOOL_VL, staff_status="Vastbenoemd",
                leave_type="Ouderschapsverlof", regime="Volledige onderbreking", rtt="Nee")),
    ("de", dict(community="Deutschsprachige Gemeinschaft", staff_status="Statutarisch", leave_type="Elternurlaub",
                regime="Vollständige Unterbrechung", rtt="Nein")),
    ("en", dict(staff_status="Statutory", leave_type="Parental leave", regime="Full interruption", rtt="No")),
    ("fr", {}),
])
async def test_the_template_round_trips_in_every_language_as_csv(app, lang, words):
    enrol(app.bot_data["engine"].db, 2001)
    chat = Chat(app, app.recorder, 2001, language_code=lang)
    files = await templates(chat)
    values = row(**words)
    if lang == "de":  # the German community has no school of ours: a school of the French one is refused for it
        values["school"] = SCHOOL_FWB
    data = filled_csv(files["csv"], [values])
    text, documents = await upload(chat, "requests.csv", data, "text/csv")
    table = result_rows(documents[0][1], "csv")
    if lang == "de":
        assert "❌ 1" in text and "Föderation Wallonie-Brüssel" in table[1][-2], table[1][-2]
        assert "tippen" not in table[1][-2]  # the chat's buttons are not spoken of in a spreadsheet
        return
    assert "✅ 1" in text, (text, table)
    await chat.tap(chat.keyboard[0]["text"])
    await chat.tap(chat.keyboard[1]["text"])
    [filed] = requests(app.bot_data["engine"].db)
    assert filed.leave_type == "parental" and filed.regime == "full"


def xlsx_of(rows: list[list], hidden_first: list[list] | None = None) -> bytes:
    """A workbook made by hand (not from the template): French headers on its first visible sheet."""
    book = Workbook()
    sheet = book.active
    if hidden_first is not None:
        sheet.title = "Cachée"
        for values in hidden_first:
            sheet.append(values)
        sheet.sheet_state = "hidden"
        sheet = book.create_sheet("Demandes")
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _french_headers() -> list[str]:
    from bot.bulk import HEADER, ORDER
    from bot.i18n import render, t

    return [render(t(HEADER[name]), "fr") for name in ORDER if name != "capacity"]


FRENCH = _french_headers()  # as the template writes them for a member who files in one capacity


def french_row(**changes) -> list[str]:
    from bot.bulk import ORDER

    values = row(**changes)
    return [values[name] for name in ORDER if name != "capacity"]


async def test_good_warned_and_refused_rows_and_overlaps_inside_the_file(chat):
    db = chat.app.bot_data["engine"].db
    late = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # the first of last month
    rows = [FRENCH,
            french_row(),  # line 2: ready
            french_row(niss="88.05.12-002.66", last="Leroy", first="Paul", start=late, notice_date=day(late),
                       months=2),  # line 3: late, a warning
            french_row(niss="88.05.12-002.67", last="Faux"),  # line 4: a mistyped NISS
            french_row(start=(START + dt.timedelta(days=40)).replace(day=1), months=1),  # line 5: overlaps line 2
            french_row(niss="75.01.01-003.94", last="Petit", end_date=""),  # line 6: no end date
            french_row(niss="75.01.01-003.94", last="Petit", regime="Réduction d'1/10",
                       employer_agreement="Non")]  # line 7: 1/10 without the employer's agreement
    text, [(name, checked)] = await upload(chat, "rentrée.xlsx", xlsx_of(rows))
    assert "6 lignes lues" in text and "✅ 1 prête" in text and "⚠ 1 prête avec un avertissement" in text
    assert "❌ 4 refusées" in text
    assert "Ligne 4, NISS" in text and "Ligne 5, Date de fin" in text and "la ligne 2 de ce fichier" in text
    assert "Ligne 6, Date de fin\xa0: « Date de fin » est vide" in text
    sheet = load_workbook(io.BytesIO(checked)).worksheets[0]
    result = {r[0].row: r[-2].value for r in sheet.iter_rows(min_row=2)}
    assert result[2] == "Prête." and result[3].startswith("Prête, avec un avertissement\xa0: ⚠ Le congé commence")
    assert result[7].startswith("Refusée, Accord de l'employeur\xa0: Un congé parental avec réduction d'1/10")
    assert "revenez" not in result[7].lower()  # no chat's "go back" in a file
    assert sheet.cell(row=5, column=13).comment is not None  # the end date of line 5 carries why
    await chat.tap(chat.keyboard[0]["text"])
    await chat.tap("✅ Introduire 2 demandes")
    assert [(r.batch_line, r.last_name) for r in requests(db)] == [(2, "Dupont"), (3, "Leroy")]


async def test_rows_that_changed_since_the_check_are_not_filed_half(chat):
    from tests.test_intake_dialog import confirm, to_summary

    db = chat.app.bot_data["engine"].db
    text, _ = await upload(chat, "a.xlsx", xlsx_of([FRENCH, french_row(niss="88.05.12-002.66"), french_row()]))
    assert "✅ 2 prêtes" in text
    certify = chat.keyboard[0]["callback_data"]
    await to_summary(chat)  # meanwhile, Dupont's request is filed in the chat (the same dates as line 3)
    await confirm(chat)
    assert len(requests(db)) == 1
    await chat.press(certify)
    start = len(chat.recorder.calls)
    await chat.press(chat.button("✅ Introduire 2 demandes")["callback_data"])
    text, documents = replies(chat, start)
    assert "rien n'a été introduit" in text and "✅ 1 prête" in text and len(requests(db)) == 1
    assert documents  # the file checked again
    await chat.tap(chat.keyboard[0]["text"])
    await chat.tap("✅ Introduire 1 demande")
    assert len(requests(db)) == 2


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 * 1024 * 1024))
    return out.getvalue()


def with_macros() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx_of([FRENCH, french_row()])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            archive.writestr(item, source.read(item))
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macros")
    return out.getvalue()


def too_many_rows() -> bytes:
    return filled_csv_rows([french_row(niss="85.03.14-123.02", last=f"N{i}") for i in range(1001)])


def filled_csv_rows(rows: list[list[str]], delimiter=";", encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(FRENCH)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.mark.parametrize("name, data, said", [
    ("demandes.xlsm", b"PK\x03\x04 whatever", "macros"),
    ("demandes.xlsx", with_macros(), "contient des macros"),
    ("demandes.xlsx", zip_bomb(), "une fois décompressé"),
    ("demandes.xlsx", b"PK\x03\x04 not really a zip", "pas un tableur lisible"),
    ("demandes.csv", b"%PDF-1.4 a scan", "n'est pas un tableur"),
    ("demandes.xls", b"\xd0\xcf\x11\xe0", "format qui n'est pas lu ici"),
    ("demandes.csv", too_many_rows(), "plus de 1000 demandes"),
    ("demandes.csv", "NISS;Nom;Prénom\n85.03.14-123.02;Dupont;Marie\n".encode(), "Il manque à ce fichier la colonne"),
    ("demandes.csv", "bonjour\n".encode(), "Aucune ligne de ce fichier ne nomme les colonnes"),
    ("demandes.csv", ";".join(FRENCH).encode(), "aucune demande"),
])
async def test_a_file_that_cannot_be_read_gets_one_sentence_and_nothing_is_kept(chat, name, data, said):
    db = chat.app.bot_data["engine"].db
    text, documents = await upload(chat, name, data)
    assert said in text and text.count("\n") == 0 and documents == [], text
    with session(db) as s:
        assert s.exec(select(RequestBatch)).all() == []


async def test_a_file_over_two_megabytes_is_refused_before_it_is_downloaded(chat):
    start = len(chat.recorder.calls)
    text, _ = await upload(chat, "demandes.xlsx", b"PK\x03\x04" + b"0" * (2 * 1024 * 1024 + 1))
    assert "au plus 2\u202fMo" in text, text
    assert "getFile" not in [name for name, _ in chat.recorder.calls[start:]]


async def test_formulas_are_read_as_saved_values_hidden_sheets_are_ignored_and_nothing_written_back_runs(chat):
    visible = [FRENCH, french_row(last="=HYPERLINK(\"http://x\",\"Dupont\")")]
    hidden = [FRENCH, french_row(niss="88.05.12-002.66", last="Caché")]
    text, [(_name, checked)] = await upload(chat, "f.xlsx", xlsx_of(visible, hidden_first=hidden))
    assert "1 ligne lue" in text and "Caché" not in text
    # openpyxl saved the formula without a value: read as empty, never evaluated
    assert "« Nom » est vide" in text
    csv_text, [(_name, back)] = await upload(chat, "f.csv", filled_csv_rows([french_row(last="=1+2")]), "text/csv")
    written = back.decode("utf-8-sig")
    assert "'=1+2" in written and "\n=1+2" not in written and ";=1+2" not in written


async def test_a_windows_1252_csv_with_commas_is_read(chat):
    data = filled_csv_rows([french_row(first="Hélène")], delimiter=",", encoding="cp1252")
    text, _ = await upload(chat, "export excel.csv", data, "text/csv")
    assert "✅ 1 prête" in text, text
    await chat.tap(chat.keyboard[0]["text"])
    await chat.tap("✅ Introduire 1 demande")
    [filed] = requests(chat.app.bot_data["engine"].db)
    assert filed.first_name == "Hélène"


async def test_another_member_or_organisation_cannot_file_a_members_file(app):
    db = app.bot_data["engine"].db
    enrol(db, 3001)
    enrol(db, 3002)
    owner, other = Chat(app, app.recorder, 3001), Chat(app, app.recorder, 3002)
    await upload(owner, "a.xlsx", xlsx_of([FRENCH, french_row()]))
    certify = owner.keyboard[0]["callback_data"]
    file_button = owner.button("✅ Introduire 1 demande")["callback_data"]
    assert "n'attend plus" in await other.press(certify)
    assert "n'attend plus" in await other.press(file_button)
    assert requests(db) == []


def test_the_command_line_checks_then_files_a_spreadsheet_once(organisations, tmp_path, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", str(organisations.url.render_as_string(hide_password=False)))
    monkeypatch.chdir(tmp_path)
    enrol(organisations, 4001)
    path = tmp_path / "requests.csv"
    path.write_bytes(filled_csv_rows([french_row(), french_row(niss="88.05.12-002.67")]))
    assert main(["bulk", str(path), "--organisation", "0234.567.873", "--member", "99"]) == 2
    assert "Members who may: 1" in capsys.readouterr().err
    assert main(["bulk", str(path), "--organisation", "0234.567.873", "--member", "1"]) == 0
    out = capsys.readouterr().out
    assert "2 rows read" in out and "1 refused" in out and requests(organisations) == []
    assert main(["bulk", str(path), "--organisation", "0234.567.873", "--member", "1", "--file"]) == 2
    assert main(["bulk", str(path), "--organisation", "0234.567.873", "--member", "1", "--file", "--certify",
                 "--lang", "nl"]) == 0
    [filed] = requests(organisations)
    back = (tmp_path / "requests-ingediend.csv").read_bytes().decode("utf-8-sig")
    assert filed.ticket in back and "Resultaat" in back
    assert main(["bulk", str(path), "--organisation", "0234.567.873", "--member", "1", "--file", "--certify"]) == 2
    assert "nothing is filed twice" in capsys.readouterr().err and len(requests(organisations)) == 1


async def test_two_processes_tapping_file_at_once_on_postgresql_file_each_row_once(postgres_url, organisations,
                                                                                    tmp_path):
    """The same member's "File 2 requests" reaches two bot processes at the same moment (a double tap that two
    webhook processes took): the file's row is locked, and each line of it is filed once."""
    import asyncio

    from bot.storage.database import make_engine
    from tests.conftest import RecordingRequest, button_update, make_app

    enrol(organisations, 1001)
    second = make_engine(postgres_url)
    recorders = [RecordingRequest(), RecordingRequest()]
    apps = [await make_app(organisations, recorders[0]),
            await make_app(second, recorders[1], attachments_dir=tmp_path / "second")]
    try:
        chat = Chat(apps[0], recorders[0], 1001)
        await upload(chat, "a.xlsx", xlsx_of([FRENCH, french_row(), french_row(niss="88.05.12-002.66")]))
        await chat.tap(chat.keyboard[0]["text"])
        data = chat.button("✅ Introduire 2 demandes")["callback_data"]
        await asyncio.gather(*(app.process_update(button_update(app, 1001, data)) for app in apps))
        filed = requests(organisations)
        assert sorted(r.batch_line for r in filed) == [2, 3]
        said = [p.get("text") or p.get("caption") or "" for recorder in recorders for n, p in recorder.calls
                if n in ("sendMessage", "editMessageText", "sendDocument")]
        assert sum("2 demandes introduites" in text for text in said) == 1, said[-4:]
    finally:
        for app in apps:
            await app.shutdown()
        second.dispose()


async def test_a_file_checked_and_never_filed_is_forgotten_after_two_days_a_filed_one_keeps_its_tickets(chat):
    from bot.channels.telegram import prune_job
    from bot.storage.models import utcnow

    db = chat.app.bot_data["engine"].db
    await upload(chat, "a.xlsx", xlsx_of([FRENCH, french_row()]))
    await chat.tap(chat.keyboard[0]["text"])
    await chat.tap("✅ Introduire 1 demande")
    await upload(chat, "b.xlsx", xlsx_of([FRENCH, french_row(niss="88.05.12-002.66")]))
    with session(db) as s:
        for batch in s.exec(select(RequestBatch)):
            batch.created_at = utcnow() - dt.timedelta(days=3)
            s.add(batch)
        s.commit()

    class Context:
        application = chat.app

    await prune_job(Context())
    with session(db) as s:
        [kept] = s.exec(select(RequestBatch)).all()
    assert kept.status == BatchStatus.FILED and kept.content is None and len(requests(db)) == 1


async def test_the_workers_of_a_spreadsheet_are_sent_their_next_step_in_their_communitys_language(organisations):
    """With a mail server, each row with the worker's e-mail queues that worker's e-mail, as a filing in the chat
    does: French for the French Community's school, Dutch for the Flemish one; never the full NISS."""
    from bot.storage.models import OutboxMail
    from tests.conftest import RecordingRequest, make_app

    enrol(organisations, 1001)
    recorder = RecordingRequest()
    app = await make_app(organisations, recorder, mail_enabled=True)
    try:
        chat = Chat(app, recorder, 1001)
        rows = [FRENCH, french_row(email="marie@example.be"),
                french_row(niss="88.05.12-002.66", last="Peeters", community="Communauté flamande", school=SCHOOL_VL,
                           email="jan@example.be"),
                french_row(niss="75.01.01-003.94", last="Sans")]
        await upload(chat, "a.xlsx", xlsx_of(rows))
        await chat.tap(chat.keyboard[0]["text"])
        await chat.tap("✅ Introduire 3 demandes")
        with session(organisations) as s:
            mails = {m.recipient: m for m in s.exec(select(OutboxMail))}
        assert set(mails) == {"marie@example.be", "jan@example.be"}
        tickets = {r.last_name: r.ticket for r in requests(organisations)}
        assert tickets["Dupont"] in mails["marie@example.be"].subject
        assert "aanvraag" in mails["jan@example.be"].body.lower() and tickets["Peeters"] in mails["jan@example.be"].body
        assert all("85031412302" not in m.body and "85.03.14-123.02" not in m.body for m in mails.values())
    finally:
        await app.shutdown()


def _with_dimension(data: bytes, dimension: str) -> bytes:
    """The same workbook, its first sheet declaring another size (any file can say it spans every column)."""
    import re

    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            body = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>'.encode(), body)
            archive.writestr(item.filename, body)
    return out.getvalue()


async def test_a_sheet_that_declares_every_column_is_read_as_wide_as_its_headers(chat):
    import time

    data = _with_dimension(xlsx_of([FRENCH] + [french_row(niss="88.05.12-002.66")] * 60), "A1:XFD1048576")
    started = time.perf_counter()
    text, [(_name, back)] = await upload(chat, "large.xlsx", data)
    assert time.perf_counter() - started < 5 and len(back) < 200_000, (time.perf_counter() - started, len(back))
    assert "60 lignes lues" in text
    assert len(result_rows(back, "xlsx")[0]) == len(FRENCH) + 2


async def test_a_column_named_twice_is_refused_even_hidden(chat):
    book = Workbook()
    sheet = book.active
    sheet.append([*FRENCH, "NISS"])
    sheet.append([*french_row(), "88.05.12-002.66"])
    sheet.column_dimensions["R"].hidden = True
    out = io.BytesIO()
    book.save(out)
    text, documents = await upload(chat, "deux.xlsx", out.getvalue())
    assert "Les colonnes C & R ont le même en-tête, « NISS »" in text and documents == [], text


async def test_what_excel_does_to_typed_values_is_undone(chat):
    """A NISS kept as a number loses its leading zero (born 2000-2009); 38:00 typed becomes a duration; 20:00 a
    time; a date a date: each is read as the member typed it."""
    book = Workbook()
    sheet = book.active
    sheet.append(FRENCH)
    values = french_row(niss="03.05.12-045.13", last="Jeune")
    sheet.append(values)
    niss, before, fulltime, start = (FRENCH.index(h) + 1 for h in (
        "NISS", "Temps de travail avant", "Horaire à temps plein", "Date de début"))
    sheet.cell(row=2, column=niss, value=int("03051204513"))
    sheet.cell(row=2, column=before, value=dt.time(20, 0))
    sheet.cell(row=2, column=fulltime, value=dt.timedelta(hours=38))
    sheet.cell(row=2, column=start, value=dt.datetime.combine(START, dt.time()))
    out = io.BytesIO()
    book.save(out)
    text, _ = await upload(chat, "excel.xlsx", out.getvalue())
    assert "✅ 1 prête" in text, text
    await chat.tap(chat.keyboard[0]["text"])
    await chat.tap("✅ Introduire 1 demande")
    [filed] = requests(chat.app.bot_data["engine"].db)
    assert (filed.niss, filed.hours_before, filed.fulltime_hours, filed.start_date) == ("03051204513", 1200, 2280,
                                                                                          START)


async def test_a_result_file_sent_back_names_its_own_tickets_and_refuses_a_ticket_copied_to_another_worker(chat):
    db = chat.app.bot_data["engine"].db
    data = xlsx_of([FRENCH, french_row()])
    await upload(chat, "a.xlsx", data)
    await chat.tap(chat.keyboard[0]["text"])
    start = len(chat.recorder.calls)
    await chat.tap("✅ Introduire 1 demande")
    _text, documents = replies(chat, start)
    [filed] = requests(db)
    result = next(d for n, d in documents if n.endswith(".xlsx"))
    # the same file again: its row is filed, by its own ticket, not "refused, overlaps"
    _text, [(_n, again)] = await upload(chat, "a.xlsx", data)
    assert result_rows(again, "xlsx")[1][-2:] == [f"Déjà introduite (ticket {filed.ticket}).", filed.ticket]
    # the result file sent back, with one row copied for another worker, its ticket kept
    book = load_workbook(io.BytesIO(result))
    sheet = book.worksheets[0]
    copied = [c.value for c in sheet[2]]
    copied[FRENCH.index("NISS")] = "88.05.12-002.66"
    sheet.append(copied)
    out = io.BytesIO()
    book.save(out)
    text, [(_n, back)] = await upload(chat, "a-introduit.xlsx", out.getvalue())
    rows = result_rows(back, "xlsx")
    assert len(rows[0]) == len(FRENCH) + 2  # the results replaced, not a second pair of columns
    assert rows[1][-2].startswith("Déjà introduite") and "un autre travailleur" in rows[2][-2], rows[2][-2]


async def test_the_data_may_be_on_any_visible_sheet_and_the_templates_examples_make_a_request(chat):
    files = await templates(chat)
    book = load_workbook(io.BytesIO(files["xlsx"]))
    explanations = book.worksheets[1]
    examples = {r[0].value: r[2].value for r in explanations.iter_rows(min_row=2)}
    book.move_sheet(explanations, offset=-1)  # the explanations first, as a member may leave them
    sheet = book["Demandes"]
    for column, header in enumerate([c.value for c in sheet[1]], start=1):
        sheet.cell(row=2, column=column, value=examples[header])
    out = io.BytesIO()
    book.save(out)
    text, _ = await upload(chat, "modele.xlsx", out.getvalue())
    assert "1 ligne lue" in text and "❌ 0" in text, text
