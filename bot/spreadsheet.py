"""Spreadsheets, with nothing of leaves in them: a template to fill (.xlsx or .csv), what a member sends back read as
text within limits (never a macro, never a formula evaluated, never a hidden sheet), and the same rows written back
with a result per row. What the columns mean is bot/dialogs/bulk.py's."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

from bot.domain.words import plain
from bot.export import cell
from bot.i18n import N_, FileSize, t

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
MAX_COLUMNS = 60  # beyond the template's columns: what a sheet declares wider is not read (nor written back)
MAX_EXPANDED = 30 * 1024 * 1024  # what an .xlsx's compressed parts may expand to (a 2 MB file of rows: about 20 MB)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPES = ("text/csv", "text/comma-separated-values", "application/csv", "text/x-csv")
# The names and types a spreadsheet comes with: taken by this module (and refused here with why) rather than
# attached to a request as a document.
EXTENSIONS = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods", ".csv", ".tsv", ".numbers")
TYPES = (XLSX, *CSV_TYPES, "application/vnd.ms-excel", "application/vnd.ms-excel.sheet.macroenabled.12",
         "application/vnd.oasis.opendocument.spreadsheet")


class Unreadable(Exception):
    """Why a file cannot be read, in one sentence for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Column:
    """A column of the template, rendered in one language: its header, what it means, an example, and the values
    to choose from where the chat offers buttons."""

    name: str
    header: str
    explanation: str
    example: str
    choices: tuple[str, ...] = ()


@dataclass
class Sheet:
    """What was read: the headers as written, which column each names, and the rows (line number, cells as text)."""

    kind: str  # "xlsx" or "csv"
    headers: list[str]
    named: dict[int, str]  # position -> column name
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    delimiter: str = ";"

    def texts(self, cells: list[str]) -> dict[str, str]:
        """A row's non-empty cells by column name."""
        return {name: cells[i] for i, name in self.named.items() if i < len(cells) and cells[i]}


def is_spreadsheet(upload) -> bool:
    name = (upload.filename or "").lower()
    return name.endswith(EXTENSIONS) or (upload.mime or "").lower() in TYPES


def announced_problem(filename: str, size: int):
    """Why a file is refused from what is announced (its name and size), before it is downloaded; or None."""
    name = filename.lower()
    if name.endswith((".xlsm", ".xltm", ".xlsb")):
        return t(N_("\"{name}\" can hold macros, which are never opened here: save it as an Excel workbook (.xlsx) "
                    "or as CSV, and send it again."), name=filename[:80])
    if name.endswith((".xls", ".ods", ".numbers")):
        return t(N_("\"{name}\" is in a format that is not read here: save it as an Excel workbook (.xlsx) or as "
                    "CSV, and send it again."), name=filename[:80])
    if size > MAX_BYTES:
        return t(N_("This file is {size}: a spreadsheet of requests can be at most {limit}. Split it in two and "
                    "send each part."), size=FileSize(size), limit=FileSize(MAX_BYTES))
    return None


def read(filename: str, data: bytes, headers: dict[str, str]) -> Sheet:
    """The rows of an .xlsx or .csv file, as text. `headers`: every spelling of a column's header (plainly compared)
    -> the column's name. Unreadable, with why, for anything else."""
    problem = announced_problem(filename, len(data))
    if problem is not None:
        raise Unreadable(problem)
    if data.startswith(b"PK\x03\x04"):
        rows, kind, delimiter = _xlsx_rows(data, headers), "xlsx", ";"
    elif data.startswith((b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\xff\xd8")) or b"\x00" in data[:4096]:
        raise Unreadable(t(N_("\"{name}\" is not a spreadsheet: send the template filled in, as .xlsx or .csv."),
                           name=filename[:80]))
    else:
        (rows, delimiter), kind = _csv_rows(data, filename), "csv"
    return _sheet(kind, rows, headers, delimiter)


def _header(cells: list[str], headers: dict[str, str]) -> dict[int, str]:
    return {i: headers[plain(text)] for i, text in enumerate(cells) if text and plain(text) in headers}


def _sheet(kind: str, rows, headers: dict[str, str], delimiter: str) -> Sheet:
    """The first row that names known columns is the header; the rows under it are read, empty ones skipped. A
    column named twice is refused: which of the two would be filed is not for the reader to guess (one may be
    hidden)."""
    sheet = None
    for line, cells in rows:
        if sheet is None:
            named = _header(cells, headers)
            if len(named) >= 3:
                twice = next((name for name in named.values() if list(named.values()).count(name) > 1), None)
                if twice is not None:
                    columns = [_letter(i + 1) for i, name in named.items() if name == twice]
                    raise Unreadable(t(N_("The columns {columns} have the same header, \"{header}\": keep one, and "
                                          "send the file again."), columns=" & ".join(columns),
                                       header=cells[next(i for i, n in named.items() if n == twice)]))
                last = max(named) + 1
                sheet = Sheet(kind, [c for c in cells[:last]], named, delimiter=delimiter)
            elif line > 20:
                break
            continue
        if any(cells):
            if len(sheet.rows) >= MAX_ROWS:
                raise Unreadable(t(N_("This file has more than {count} requests: split it and send each part."),
                                   count=MAX_ROWS))
            sheet.rows.append((line, list(cells[:len(sheet.headers)])))
    if sheet is None:
        raise Unreadable(t(N_("No row of this file names the template's columns (such as NISS, Last name, Start "
                              "date): send /bulk for the template, fill it in and send it back.")))
    if not sheet.rows:
        raise Unreadable(t(N_("This file has the template's columns but no request in it: fill one row per request "
                              "under the headers.")))
    return sheet


def _xlsx_rows(data: bytes, headers: dict[str, str]):
    """The rows of the first visible sheet that has the template's headers, read by openpyxl without evaluating
    anything: a formula gives the value the spreadsheet saved with it. The archive is measured before anything is
    read from it, and no row is read wider than MAX_COLUMNS, whatever width the sheet declares."""
    from openpyxl import load_workbook  # only when a spreadsheet comes

    unreadable = t(N_("This file is not a spreadsheet that can be read: save it as an Excel workbook (.xlsx) or as "
                      "CSV, and send it again."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Unreadable(unreadable) from None
    names = {member.filename.lower() for member in members}
    if any(name.endswith("vbaproject.bin") for name in names):
        raise Unreadable(t(N_("This workbook holds macros, which are never opened here: save it as an Excel "
                              "workbook without macros (.xlsx) or as CSV, and send it again.")))
    if sum(member.file_size for member in members) > MAX_EXPANDED or len(members) > 1000:
        raise Unreadable(t(N_("This file expands to more than {limit} once opened: it cannot be a template of at "
                              "most {count} requests. Send the filled template only."),
                           limit=FileSize(MAX_EXPANDED), count=MAX_ROWS))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception:  # noqa: BLE001 - whatever openpyxl cannot read, the user gets one sentence
        raise Unreadable(unreadable) from None
    try:
        for sheet in workbook.worksheets:
            if sheet.sheet_state != "visible":
                continue
            rows, found = [], False
            for line, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
                if line > MAX_ROWS + 40:  # header, blank lines: beyond, the sheet has too many rows anyway
                    raise Unreadable(t(N_("This file has more than {count} requests: split it and send each part."),
                                       count=MAX_ROWS))
                cells = [_text(value) for value in values]
                while cells and not cells[-1]:
                    cells.pop()
                rows.append((line, cells))
                found = found or len(_header(cells, headers)) >= 3
                if not found and line >= 20:
                    break  # not this sheet: the explanations, notes
            if found:
                return rows
        return []
    except Unreadable:
        raise
    except Exception:  # noqa: BLE001 - a damaged part inside a readable archive
        raise Unreadable(unreadable) from None
    finally:
        workbook.close()


def _text(value) -> str:
    """A cell as the text a user would have typed: a date as a date, a time as hours, a whole number without .0."""
    if value is None:
        return ""
    if isinstance(value, dt.timedelta):  # 38:00 typed in Excel is a duration
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60}h{minutes % 60:02d}"
    if isinstance(value, dt.datetime) and value.date() in (dt.date(1899, 12, 30), dt.date(1899, 12, 31)):
        return f"{value.hour}h{value.minute:02d}"  # a time of day that some files keep as Excel's day zero
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return f"{value.hour}h{value.minute:02d}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _csv_rows(data: bytes, filename: str):
    """A CSV file's rows, and its delimiter: UTF-8 (with or without its BOM) or Windows-1252, commas or semicolons
    (as the header row has most of)."""
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
                if re.search("Ã[\u0080-\u00bf\u0152-\u2122]", text):  # UTF-8 letters read one byte at a time
                    raise UnicodeDecodeError("cp1252", data, 0, 1, "UTF-8 and Windows-1252 mixed")
            except UnicodeDecodeError:
                raise Unreadable(t(N_("\"{name}\" is not a text file that can be read: save it as CSV UTF-8, or as "
                                      "an Excel workbook (.xlsx)."), name=filename[:80])) from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(";,\t", key=first.count)
    rows = []
    try:
        for line, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if line > MAX_ROWS + 40:
                raise Unreadable(t(N_("This file has more than {count} requests: split it and send each part."),
                                   count=MAX_ROWS))
            rows.append((line, [" ".join(c.split()) for c in cells[:60]]))
    except csv.Error:
        raise Unreadable(t(N_("\"{name}\" is not a CSV file that can be read: save it again as CSV, or as an Excel "
                              "workbook (.xlsx)."), name=filename[:80])) from None
    return rows, delimiter


# --- writing ------------------------------------------------------------------------------------------------------

HEADER_FILL, READY_FILL, WARNED_FILL, REFUSED_FILL = "DDE6F0", "E2F0D9", "FFF2CC", "F8D7DA"


def template_xlsx(columns: list[Column], title: str, explanations: dict[str, str]) -> bytes:
    """The template: one sheet to fill (headers, lists to choose from, text cells where a spreadsheet would change
    what is typed), and one that explains each column with an example. `explanations`: the second sheet's title and
    its three headers (column, meaning, example)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    lists = book.create_sheet(explanations["lists"][:31])
    sheet.append([c.header for c in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        head = sheet.cell(row=1, column=index)
        head.font, head.fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
        head.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[letter].width = max(14, min(36, len(column.header) + 4))
        # The whole column is text (its default style, not a thousand cells): a NISS keeps its zeros, 11/22 is no date
        sheet.column_dimensions[letter].number_format = "@"
        if column.choices:
            for position, choice in enumerate(column.choices, start=1):
                lists.cell(row=position, column=index, value=choice).data_type = "s"
            source = f"{quote_sheetname(lists.title)}!${letter}$1:${letter}${len(column.choices)}"
            rule = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=False)
            rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet(explanations["title"][:31], 1)
    help_sheet.append([explanations["column"], explanations["meaning"], explanations["example"]])
    for head in help_sheet[1]:
        head.font, head.fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    for column in columns:
        help_sheet.append([column.header, column.explanation, column.example])
    for row in help_sheet.iter_rows(min_row=2):
        for item in row:
            item.data_type, item.alignment = "s", Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABC", (28, 80, 30)):
        help_sheet.column_dimensions[letter].width = width
    lists.sheet_state = "hidden"  # the lists behind the drop-downs: read by nothing here
    return _saved(book)


def template_csv(columns: list[Column]) -> bytes:
    """The same columns as a CSV file: semicolons and a BOM, as Belgian Excel opens it (no example row: one left in
    would be filed)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class Result:
    """One row's result: its words, the column it is about (or None), how it went, and its ticket once filed."""

    text: str
    column: str | None
    kind: str  # "ready", "warned", "refused", "filed"
    ticket: str = ""


def with_results(sheet: Sheet, results: dict[int, Result], result_header: str, ticket_header: str) -> bytes:
    """The rows as they were read, each with its result and its ticket: .xlsx for an .xlsx (the cell at fault
    coloured), .csv for a .csv (same delimiter, UTF-8 with a BOM). A result file sent back gets its results replaced,
    not a second pair of columns. Nothing written can run as a formula."""
    keep = [i for i in range(len(sheet.headers)) if sheet.named.get(i) not in ("result", "ticket")]
    headers = [*(sheet.headers[i] for i in keep), result_header, ticket_header]
    rows = [(line, [cells[i] if i < len(cells) else "" for i in keep]) for line, cells in sheet.rows]
    width = len(keep)
    if sheet.kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=sheet.delimiter, lineterminator="\r\n")
        writer.writerow([cell(h) for h in headers])
        for line, cells in rows:
            result = results.get(line)
            writer.writerow([cell(c) for c in cells] + ([cell(result.text), result.ticket] if result else ["", ""]))
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    out_sheet = book.active
    out_sheet.append(headers)
    for head in out_sheet[1]:
        head.data_type, head.font = "s", Font(bold=True)
    position = {sheet.named[i]: column for column, i in enumerate(keep) if i in sheet.named}
    fills = {"ready": READY_FILL, "filed": READY_FILL, "warned": WARNED_FILL, "refused": REFUSED_FILL}
    for row, (line, cells) in enumerate(rows, start=2):
        result = results.get(line)
        values = [*cells, result.text if result else "", result.ticket if result else ""]
        for column, value in enumerate(values, start=1):
            if value:  # empty cells are not written: a row is as wide as what it holds
                item = out_sheet.cell(row=row, column=column, value=value)
                item.data_type = "s"  # a value beginning with "=" stays text
        if result is not None:
            fill = PatternFill("solid", fgColor=fills[result.kind])
            out_sheet.cell(row=row, column=width + 1).fill = fill
            if result.column in position:
                faulty = out_sheet.cell(row=row, column=position[result.column] + 1)
                faulty.fill = fill
                faulty.comment = Comment(result.text[:1000], "Breakbot")
    for column in range(1, len(headers) + 1):  # text, as in the template: a NISS keeps its zeros when sent back
        out_sheet.column_dimensions[_letter(column)].number_format = "@"
    out_sheet.freeze_panes = "A2"
    out_sheet.column_dimensions[_letter(width + 1)].width = 70
    out_sheet.column_dimensions[_letter(width + 2)].width = 16
    return _saved(book)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
