"""The spreadsheet intake, for the chat (/bulk) and the command line (`breakbot bulk`) alike: the template's columns in
a language, each row of a filled file answered by the intake's own steps and rules as if typed in the chat, the file
with each row's result, and every ready row filed in the caller's one transaction by the intake's use case."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from bot import spreadsheet
from bot.core.turn import Turn
from bot.core.views import Document, View
from bot.dialogs.questions import STEP, STEPS, request_fields
from bot.domain.errors import Invalid
from bot.domain.identifiers import format_bce
from bot.domain.leaves import Community, LeaveType, Motive, Regime, StaffStatus, Status, add_months, label
from bot.domain.records import BatchStatus
from bot.domain.roles import roles_capacities
from bot.domain.words import plain
from bot.fsm import forms
from bot.i18n import LANGUAGES, N_, Capitalized, FileSize, format_day, joined, render, t, tn
from bot.presentation.request_text import ANSWER_LABEL
from bot.spreadsheet import Column, Result, Unreadable
from bot.storage import organisation_store, request_store
from bot.usecases import requests as cases

log = logging.getLogger(__name__)

# The intake's answers, in the chat's order; capacity only for a member who files in both.
ORDER = ("capacity", "community", "school", "niss", "last_name", "first_name", "staff_status", "email", "leave_type",
         "motive", "regime", "employer_agreement", "start_date", "end_date", "hours_before", "fulltime_hours",
         "notice_date", "rtt")
# A header says what a column holds without the chat's question around it.
HEADER = {**ANSWER_LABEL, "school": N_("School's enterprise number (BCE)"), "staff_status": N_("Worker's staff status"),
          "email": N_("Worker's e-mail"), "motive": N_("Case or motive")}
REQUIRED = ("niss", "last_name", "first_name", "staff_status", "leave_type", "regime", "start_date", "end_date",
            "hours_before", "notice_date", "rtt")
TICKET, RESULT = N_("Ticket"), N_("Result")
HEADER["ticket"] = TICKET  # a result file's column, sent back
EXPLANATION = {
    "capacity": N_("As organising authority (the staff of your schools) or on behalf of your organisation (its own "
                   "staff): choose from the list."),
    "community": N_("The community of the school (for the staff of your schools; empty for your own staff)."),
    "school": N_("The school that employs the worker, registered for your organisation (/schools): choose from the "
                 "list or type its enterprise number (empty for your own staff)."),
    "niss": N_("The worker's national number (NISS), 11 digits, with or without dots and dash."),
    "last_name": N_("The worker's last name."),
    "first_name": N_("The worker's first name."),
    "staff_status": N_("The worker's staff status: choose from the list."),
    "email": N_("Optional. The worker's e-mail address: they are sent the ticket and what to do next."),
    "leave_type": N_("The leave: choose from the list. The rules of the chat apply (who may take which leave)."),
    "motive": N_("Only for a medical assistance leave and for time credit: the case or motive, from the list."),
    "regime": N_("Full interruption or the reduction of working time: choose from the list."),
    "employer_agreement": N_("Only for a parental leave with a 1/10 reduction: Yes (it needs the employer's "
                             "agreement)."),
    "start_date": N_("The first day of the leave, day/month/year."),
    "end_date": N_("The last day of the leave, day/month/year."),
    "hours_before": N_("The weekly working time before the leave, in hours (20h00) or, for a teacher, in periods of "
                       "the full-time load (11/22)."),
    "fulltime_hours": N_("The weekly working time of a full-time colleague, in hours (38h00); empty when the time "
                         "before is in periods."),
    "notice_date": N_("The date the worker notified you in writing, day/month/year."),
    "rtt": N_("Is there a working-time reduction scheme (RTT or equivalent)? Yes or No."),
}
SHOWN = 8  # refused rows named in the chat's message; the file says the rest


# --- the columns, in one language ---------------------------------------------------------------------------------

def _columns(turn: Turn) -> list[Column]:
    """The template's columns in the member's language, with the lists the chat offers as buttons."""
    lang = turn.lang
    capacities = roles_capacities(turn.member.role_set)
    schools = organisation_store.schools_of(turn.connection, turn.member.organisation_id)
    words = lambda items: tuple(render(Capitalized(label(item)), lang) for item in items)  # noqa: E731
    yes_no = (render(t(N_("Yes")), lang), render(t(N_("No")), lang))
    start = dt.date(turn.today.year + (turn.today.month == 12), turn.today.month % 12 + 1, 1)
    capacity_words = (render(t(N_("I act as organising authority")), lang),
                      render(t(N_("I act on behalf of the company I am logged in with")), lang))
    school_words = tuple(f"{s.name} ({format_bce(s.bce)})" for s in schools)
    choices = {"capacity": capacity_words, "community": words(Community), "school": school_words,
               "staff_status": words(StaffStatus), "leave_type": words(LeaveType), "motive": words(Motive),
               "regime": words(Regime), "employer_agreement": yes_no, "rtt": yes_no}
    examples = {"capacity": capacity_words[0], "community": words([Community.FWB])[0],
                "school": school_words[0] if school_words else "0812.345.603", "niss": "85.03.14-123.02",
                "last_name": "Dupont", "first_name": "Marie", "staff_status": words([StaffStatus.CONTRACTUAL])[0],
                "email": "marie.dupont@example.be", "leave_type": words([LeaveType.PARENTAL])[0],
                "motive": words([Motive.CHILD])[0], "regime": words([Regime.FULL])[0], "employer_agreement": yes_no[0],
                "start_date": format_day(start, lang), "end_date": format_day(add_months(start, 2)
                                                                             - dt.timedelta(days=1), lang),
                "hours_before": "20h00", "fulltime_hours": "38h00", "notice_date": format_day(turn.today, lang),
                "rtt": yes_no[1]}
    names = [n for n in ORDER if n != "capacity" or len(capacities) > 1]
    return [Column(n, render(t(HEADER[n]), lang), render(t(EXPLANATION[n]), lang), examples[n], choices.get(n, ()))
            for n in names]


def _headers() -> dict[str, str]:
    """Every spelling of every column's header, in every language (a file made in Dutch is read for a French
    member), the chat's short names too; and the result file's ticket column."""
    known = {}
    for lang in LANGUAGES:
        for name in ORDER:
            for word in (HEADER[name], ANSWER_LABEL[name]):
                known[plain(render(t(word), lang))] = name
        known[plain(render(t(TICKET), lang))] = "ticket"
        known[plain(render(t(RESULT), lang))] = "result"
    return known


HEADERS = _headers()


def template_views(turn: Turn) -> list[View]:
    columns = _columns(turn)
    lang = turn.lang
    words = {"title": render(t(N_("Explanations")), lang), "column": render(t(N_("Column")), lang),
             "meaning": render(t(N_("What to write")), lang), "example": render(t(N_("Example")), lang),
             "lists": render(t(N_("Lists")), lang)}
    title = render(t(N_("Requests")), lang)
    name = render(t(N_("requests-template")), lang)
    intro = [t(N_("File many requests at once: one row per request in this template (Excel, or the same columns as "
                  "CSV), the columns in the order of the chat's questions; the second sheet explains each one with "
                  "an example.")),
             t(N_("Send the filled file back here. Every row is checked as in the chat and the file comes back with "
                  "the result of each row; nothing is filed before you certify. At most {count} requests and {size} "
                  "per file."), count=spreadsheet.MAX_ROWS, size=FileSize(spreadsheet.MAX_BYTES))]
    return [View(intro, document=Document(f"{name}.xlsx", data=spreadsheet.template_xlsx(columns, title, words))),
            View([t(N_("The same template as CSV (semicolons, UTF-8).")), ],
                 document=Document(f"{name}.csv", data=spreadsheet.template_csv(columns)))]


# --- checking the rows --------------------------------------------------------------------------------------------

class Line(str):
    """An earlier row of the same file, standing where a filed request's ticket would (its words: "line 5")."""

    line: int


@dataclass
class Row:
    line: int
    answers: dict | None = None  # ready to be filed
    warnings: list = field(default_factory=list)  # (column, note)
    refusal: object = None
    column: str | None = None  # the column the refusal is about
    ticket: str | None = None  # filed already: this file is that request's result file

    @property
    def kind(self) -> str:
        if self.ticket:
            return "filed"
        if self.refusal is not None:
            return "refused"
        return "warned" if self.warnings else "ready"


@dataclass
class Checked:
    sheet: spreadsheet.Sheet
    rows: list[Row]

    @property
    def ready(self) -> list[Row]:
        return [r for r in self.rows if r.kind in ("ready", "warned")]

    def count(self, kind: str) -> int:
        return sum(1 for r in self.rows if r.kind == kind)


def read(filename: str, data: bytes) -> spreadsheet.Sheet:
    return spreadsheet.read(filename, data, HEADERS)


def check(turn: Turn, sheet: spreadsheet.Sheet) -> Checked:
    """Every row through the intake's steps, as if typed in the chat, with the answers before it; a row overlapping an
    earlier row of the file is refused, and earlier rows count in the worker's ceilings."""
    missing = [n for n in REQUIRED if n not in sheet.named.values()]
    capacities = roles_capacities(turn.member.role_set)
    if len(capacities) > 1 and "capacity" not in sheet.named.values():
        missing.insert(0, "capacity")
    if missing:
        named = joined([t(N_("\"{name}\""), name=t(HEADER[n])) for n in missing])
        raise Unreadable(t(N_("Missing from this file: the column {columns}. Send /bulk for the template, which has "
                              "every column."), columns=named))
    turn.session  # noqa: B018 - made now, so that the rows' turn shares it
    rows_turn = dataclasses.replace(turn, draft=None, closed_drafts=[])  # a row is no chat's draft
    given = {"capacity": capacities[0].value} if len(capacities) == 1 else {}
    shared: dict = {}
    filed = _filed_tickets(turn, sheet)
    rows = []
    for line, cells in sheet.rows:
        texts = sheet.texts(cells)
        ticket = texts.pop("ticket", None)
        texts.pop("result", None)
        if ticket and ticket in filed:
            if filed[ticket] == _digits(texts.get("niss", "")):
                rows.append(Row(line, ticket=ticket))
            else:  # a row copied from a filed one and changed: its ticket is not its own
                rows.append(Row(line, refusal=t(N_("This row carries ticket {ticket}, which is another worker's "
                                                   "request: empty the ticket column to file a new request."),
                                                ticket=ticket), column="ticket"))
            continue
        rows.append(_row(rows_turn, line, _prepared(texts), dict(given), shared))
    return Checked(sheet, rows)


def _filed_tickets(turn: Turn, sheet: spreadsheet.Sheet) -> dict[str, str]:
    """The tickets a result file sent back carries that are the organisation's, with their worker's NISS: a row
    with its own request's ticket is filed already."""
    if "ticket" not in sheet.named.values():
        return {}
    found = {}
    for _line, cells in sheet.rows:
        ticket = sheet.texts(cells).get("ticket")
        if ticket and ticket not in found:
            request = request_store.request_by_ticket(turn.session, turn.member.organisation_id, ticket)
            if request is not None:
                found[ticket] = request.niss
    return found


def _digits(text: str) -> str:
    digits = re.sub(r"\D", "", text or "")
    return digits.zfill(11) if len(digits) == 10 else digits


_SCHOOL_CHOICE = re.compile(r"\(([\d. ]{9,14})\)\s*$")


def _prepared(texts: dict) -> dict:
    """A row's cells as the chat's steps read them: a school chosen from the list as its number, an empty e-mail as
    the chat's "No e-mail", a NISS that a spreadsheet kept as a number given back the zero it lost (born 2000-2009:
    03051204513 becomes 3051204513)."""
    if "school" in texts and (match := _SCHOOL_CHOICE.search(texts["school"])):
        texts["school"] = match[1]
    if re.fullmatch(r"\d{10}", texts.get("niss", "")):
        texts["niss"] = "0" + texts["niss"]
    texts.setdefault("email", "skip")
    return texts


def _row(turn: Turn, line: int, texts: dict, given: dict, shared: dict) -> Row:
    shared.pop("checks", None)
    shared.pop("school_search", None)
    ctx = forms.Context(answers=given, turn=turn, cache=shared)
    filled = forms.fill(STEPS, ctx, texts)
    if filled.wrong is not None:
        name, wrong = filled.wrong
        return Row(line, refusal=_refusal(ctx, name, wrong, texts.get(name, "")), column=name)
    if filled.missing is not None:
        return Row(line, refusal=_missing(ctx, filled.missing), column=_missing_column(filled.missing))
    answers = filled.answers
    key = ("history", answers["niss"])  # read by the dates' check, once per worker
    if key not in shared:
        shared[key] = request_store.worker_history(turn.connection, turn.member.organisation_id, answers["niss"])
    history = shared[key]
    history.append(SimpleNamespace(**{k: v for k, v in request_fields(answers).items() if k in _HISTORY_FIELDS},
                                   ticket=_line(turn, line), status=Status.WAITING.value))
    return Row(line, answers=answers, warnings=filled.warnings)


_HISTORY_FIELDS = ("leave_type", "regime", "start_date", "end_date", "last_name", "first_name", "motive")


def _line(turn: Turn, line: int) -> Line:
    marker = Line(render(t(N_("line {line} of this file"), line=line), turn.lang))
    marker.line = line
    return marker


# The chat's messages that speak of its buttons and of going back, as a spreadsheet says them.
SHEET_WORDS = {
    "School {bce} is one of yours, but in the {other}, not in the {community}. Go back to change the community, or "
    "tap one of the schools below.": N_("School {bce} is one of yours, but in the {other}, not in the {community}: "
                                        "correct the community or the school."),
    "A parental leave with a 1/10 reduction is only possible with the employer's agreement. Without it, go back and "
    "choose another form.": N_("A parental leave with a 1/10 reduction is only possible with the employer's "
                               "agreement: write Yes, or choose another form."),
    "The time before the leave was typed in hours ({before}): type the full-time schedule in hours too, like 38h00, "
    "or go back and type the time before in periods, like 11/22.": N_(
        "The time before the leave is in hours ({before}): write the full-time schedule in hours too, like 38h00, or "
        "the time before in periods, like 11/22, and leave this column empty."),
    "{count} schools match \"{text}\": tap one below, or type more of its name.": N_(
        "{count} schools match \"{text}\": write the school's enterprise number (BCE), or choose it from the list."),
}


def _refusal(ctx, name: str, wrong: Invalid, text: str):
    """The step's own message; the chat's "choose a button" becomes the values this column takes for this row, and
    an overlap with an earlier row of the file names that row."""
    if wrong.message == "Please choose one of the buttons below.":
        step = STEP[name]
        offered = [c.label for c in step.choices(ctx)] if step.choices else []
        return t(N_("\"{value}\" is not one of the values this column takes for this row: {choices}."),
                 value=text[:60], choices=joined(offered, " · "))
    earlier = wrong.params.get("ticket")
    if name == "end_date" and isinstance(earlier, Line):
        return t(N_("These dates overlap {line} for the same worker ({start}–{end}): keep one of the two rows, or "
                    "change the dates."), line=str(earlier), start=wrong.params["start"], end=wrong.params["end"])
    return t(SHEET_WORDS.get(wrong.message, wrong.message), **wrong.params)


def _missing(ctx, name: str):
    if name == "school_name":  # a school the chat would register on the way
        return t(N_("School {bce} is not registered for your organisation in the {community}: register it with "
                    "/schools (or file one request for it in the chat), then send the file again."),
                 bce=format_bce(ctx.answers["school"]), community=label(Community(ctx.answers["community"])))
    return t(N_("\"{column}\" is empty, and this row needs it: for example {example}."), column=t(HEADER[name]),
             example=_example(ctx, name))


def _missing_column(name: str) -> str:
    return "school" if name == "school_name" else name


def _example(ctx, name: str) -> str:
    if "columns" not in ctx.cache:
        ctx.cache["columns"] = _columns(ctx.turn)
    column = next((c for c in ctx.cache["columns"] if c.name == name), None)
    return column.example if column is not None else ""


# --- what the member is told ---------------------------------------------------------------------------------------

def _results(checked: Checked, lang: str, tickets: dict[int, str] | None = None) -> dict[int, Result]:
    results = {}
    for row in checked.rows:
        ticket = (tickets or {}).get(row.line) or row.ticket or ""
        if row.ticket or (ticket and tickets and row.refusal is not None):  # this row's own request, filed before
            text = t(N_("Filed already (ticket {ticket})."), ticket=ticket)
        elif row.refusal is not None:
            text = t(N_("Refused, {column}: {reason}"), column=t(HEADER[row.column]), reason=row.refusal)
        elif ticket:
            text = t(N_("Filed: ticket {ticket}."), ticket=ticket)
        elif row.warnings:
            text = t(N_("Ready, with a warning: {warnings}"),
                     warnings=joined([note for _column, note in row.warnings], " "))
        else:
            text = t(N_("Ready."))
        column = row.column or (row.warnings[0][0] if row.warnings and not ticket else None)
        results[row.line] = Result(render(text, lang), column, "filed" if ticket else row.kind, ticket)
    return results


def result_document(checked: Checked, filename: str, lang: str, tickets: dict[int, str] | None = None) -> Document:
    data = spreadsheet.with_results(checked.sheet, _results(checked, lang, tickets), render(t(RESULT), lang),
                                    render(t(TICKET), lang))
    stem = re.sub(r"[^\w.-]+", "-", filename.rsplit(".", 1)[0])[:60] or "requests"
    suffix = render(t(N_("checked")), lang) if not tickets else render(t(N_("filed")), lang)
    return Document(f"{stem}-{suffix}.{checked.sheet.kind}", data=data)


def outcome_lines(checked: Checked) -> list:
    ready, warned, refused = checked.count("ready"), checked.count("warned"), checked.count("refused")
    lines = [tn("{count} row read:", "{count} rows read:", len(checked.rows), count=len(checked.rows)),
             tn("✅ {count} ready", "✅ {count} ready", ready, count=ready),
             tn("⚠ {count} ready with a warning", "⚠ {count} ready with a warning", warned, count=warned),
             tn("❌ {count} refused", "❌ {count} refused", refused, count=refused)]
    if checked.count("filed"):
        lines.append(tn("{count} filed already (their ticket is in the file)",
                        "{count} filed already (their ticket is in the file)", checked.count("filed"),
                        count=checked.count("filed")))
    named = [row for row in checked.rows if row.refusal is not None][:SHOWN]
    if named:
        lines += ["", *(t(N_("Line {line}, {column}: {reason}"), line=row.line, column=t(HEADER[row.column]),
                          reason=row.refusal) for row in named)]
        if checked.count("refused") > SHOWN:
            lines.append(t(N_("… and the others: see the file.")))
    return lines


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_batch(turn: Turn, batch):
    """Every ready row of a checked file, filed in the turn's one transaction, after the file is checked again: the
    rows ready now must be those the member certified, or nothing is filed and the new check is returned (and the
    batch waits again, as checked now). Returns (checked, tickets by line)."""
    checked = check(turn, read(batch.filename, batch.content))
    ready = [row.line for row in checked.ready]
    if ready != list(batch.ready_lines):
        batch.ready_lines, batch.certified, batch.version = ready, False, batch.version + 1
        turn.session.add(batch)
        return checked
    tickets = {}
    for row in checked.ready:
        request = cases.file(turn.connection, turn.session, turn.member, None, request_fields(row.answers),
                             turn.now, lang=turn.lang, batch=(batch.id, row.line), source="spreadsheet",
                             mail_enabled=turn.options.mail_enabled)
        tickets[row.line] = request.ticket
    batch.status, batch.filed_at, batch.content = BatchStatus.FILED, turn.now, None
    batch.version += 1
    turn.session.add(batch)
    log.info("spreadsheet %s: %d requests filed by member %s", batch.id, len(tickets), turn.member.id)
    return checked, tickets
