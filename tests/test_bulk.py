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
    from bot.dialogs.bulk import HEADERS
    from bot.domain.words import plain
    for line, values in enumerate(rows, start=2):  # under the headers, where the template's lists are
        for column, header in enumerate(headers, start=1):
            sheet.cell(row=line, column=column, value=values.get(HEADERS[plain(header)], "") or None)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filled_csv(template: bytes, rows: list[dict], delimiter=";", encoding="utf-8-sig") -> bytes:
    from bot.dialogs.bulk import HEADERS
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
