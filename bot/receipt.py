"""The acknowledgement of a filed request: an A4 document (fpdf2) and the same content in plain text (the e-mail).

It documents what was filed and what the organisation changed since, each with who did it and when: the answers as
filed, the legal notice and its certification, then every later modification with its values before and after. No
status: ONEM's decisions move, and the request's screen shows them.
"""
from __future__ import annotations

import datetime as dt
import json
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlmodel import Session

from bot.domain.identifiers import format_bce, format_niss, mask_niss
from bot.domain.leaves import Community, LeaveType, Motive, Regime, StaffStatus, label, status_word
from bot.domain.records import EventKind
from bot.i18n import N_, SEMICOLON, Capitalized, joined, render, t
from bot.presentation.history import field_changes
from bot.presentation.request_text import (
    ACKNOWLEDGED,
    CERTIFY,
    CITIZEN_REMINDER,
    INFORMATION,
    LEGAL_NOTICE,
    box,
    gender_of,
    request_lines,
    time_before,
    working_time,
)
from bot.storage import organisation_store, request_store
from bot.storage.models import LeaveRequest, Member, Organisation, RequestEvent

SERVICE = "Breakbot"  # the service's name, in the footer and the PDF's creator
TITLE = N_("Acknowledgement of receipt")
FILENAME = N_("acknowledgement-{ticket}.pdf")  # translated in plain ASCII: accuse-de-reception-{ticket}.pdf
BRUSSELS = ZoneInfo("Europe/Brussels")

# A font with every European script (Latin with all its accents, Greek, Cyrillic), shipped with a Python package
# so that an install has it wherever it runs; without it, the PDF's core fonts (cp1252) with stand-ins.
FONT_PACKAGE = "fontpkg_fira_sans"
FONT_FILES = {"": "FiraSans-Regular.ttf", "B": "FiraSans-Bold.ttf"}
FAMILY = "FiraSans"
CORE_FAMILY = "Helvetica"
ENCODING = "cp1252"  # the core fonts are written with WinAnsiEncoding: all FR/NL/DE letters plus ’ – … € œ
# Characters that neither font has, that the bot itself writes or phones produce, with a readable stand-in.
STAND_INS = {"☑": "[x]", "✅": "[x]", "✓": "v", "✔": "v", "☐": "[ ]", "⚠": "!", "→": "->", "←": "<-",
             "≥": ">=", "≤": "<=", "−": "-", "‐": "-", "‑": "-", "‒": "-", "―": "-", "′": "'", "″": '"',
             "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "\t": " ",
             "\u200b": "", "\u200d": "", "\ufeff": ""}

# The page: A4, in millimetres.
MARGIN = 18
BAND = 25  # the issuer's band across the top
BODY = 10  # the body's size, in points
TICKET_SIZE = 24  # the ticket's: read aloud on the phone, typed in ONEM's application
NAVY, GREY, RULE, SHADE = (22, 52, 96), (90, 98, 110), (196, 202, 210), (239, 242, 246)
NOTICE_FILL, NOTICE_RULE = (253, 246, 227), (214, 168, 60)


# --- the text, shared by the document and the e-mail -------------------------------------------------------------

def _moment(when: dt.datetime) -> tuple[dt.date, str]:
    """A stored time as the day and the hour in Brussels (the database's times are UTC)."""
    local = (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(BRUSSELS)
    return local.date(), f"{local:%H:%M}"


def _who(session: Session, member_id: int | None) -> str:
    person = session.get(Member, member_id) if member_id else None
    return (person.display_name or person.user_key) if person else "-"


def filed_values(request: LeaveRequest, events: list[RequestEvent]) -> SimpleNamespace:
    """The request as it was filed: its row, with each recorded modification undone, the newest first."""
    values = {name: getattr(request, name, None) for name in LeaveRequest.model_fields}  # a filing: no version
    for event in reversed(events):
        if event.kind != EventKind.MODIFIED:
            continue
        for name, (before, _after) in json.loads(event.changes).items():
            if name in values:
                values[name] = dt.date.fromisoformat(before) if name.endswith("_date") and before else before
    return SimpleNamespace(**values)


class Record:
    """What the acknowledgement documents: the request as filed, its filing and its later modifications."""

    def __init__(self, session: Session, request: LeaveRequest, organisation: Organisation, reveal: bool):
        self.session, self.request, self.organisation, self.reveal = session, request, organisation, reveal
        events = request_store.history_of(session, request) if request.id else []
        self.filed = filed_values(request, events)
        filing = next((e for e in events if e.kind == EventKind.FILED), None)
        self.filed_by = _who(session, filing.member_id if filing else request.member_id)
        self.certified_by = _who(session, filing.certified_by) if filing and filing.certified_by else None
        self.filed_day, self.filed_time = _moment(request.filed_at)
        # What the organisation did since: modifications and a cancellation, not ONEM's side.
        self.later = [e for e in events if e.kind in (EventKind.MODIFIED, EventKind.CANCELLED)]
        self.last_change = max([request.filed_at, *(e.happened_at for e in self.later)],
                               key=lambda when: when if when.tzinfo else when.replace(tzinfo=dt.UTC))

    def filed_line(self):
        return t(N_("Filed by {who} on {date} at {time}."), who=self.filed_by, date=self.filed_day,
                 time=self.filed_time)

    def certified_line(self):
        if self.certified_by is None:
            return None
        return t(N_("Certification ticked by {who} on {date} at {time}."), who=self.certified_by,
                 date=self.filed_day, time=self.filed_time)

    def change_heading(self, event: RequestEvent):
        day, time = _moment(event.happened_at)
        who = _who(self.session, event.member_id)
        if event.kind == EventKind.CANCELLED:
            return t(N_("Cancelled by {who} on {date} at {time}."), who=who, date=day, time=time)
        if event.certified_by == event.member_id:
            return t(N_("Modified and certified by {who} on {date} at {time}."), who=who, date=day, time=time)
        if event.certified_by:
            return t(N_("Modified by {who} on {date} at {time}, certification ticked by {certifier}."), who=who,
                     date=day, time=time, certifier=_who(self.session, event.certified_by))
        return t(N_("Modified by {who} on {date} at {time}."), who=who, date=day, time=time)

    def changes(self, event: RequestEvent) -> list[tuple]:
        return field_changes(event) if event.kind == EventKind.MODIFIED else []

    def groups(self) -> list[tuple]:
        """The answers as filed, in the form's groups: (heading, [(label, value), ...])."""
        r, reveal = self.filed, self.reveal
        gender = gender_of(r.niss) if reveal else None
        worker = [(t(N_("Last name")), r.last_name.upper()), (t(N_("First name")), r.first_name),
                  (t(N_("NISS")), format_niss(r.niss) if reveal else mask_niss(r.niss)),
                  (t(N_("Staff status")), Capitalized(status_word(StaffStatus(r.staff_status), gender)))]
        if r.email:
            worker.append((t(N_("E-mail")), r.email))
        if r.school_bce:
            school = organisation_store.school_by_bce(self.session, r.organisation_id, r.school_bce)
            name = f"{school.name} ({format_bce(r.school_bce)})" if school else format_bce(r.school_bce)
            place = [(t(N_("School")), name), (t(N_("Community")), Capitalized(label(Community(r.community))))]
        else:
            place = [(t(N_("Capacity")), t(N_("Own staff of {organisation}."), organisation=self.organisation.name))]
        leave = LeaveType(r.leave_type)
        rows = [(t(N_("Leave")), Capitalized(label(leave)))]
        if r.motive:
            rows.append((t(N_("Case")), Capitalized(label(Motive(r.motive)))))
        rows.append((t(N_("Form")), Capitalized(label(Regime(r.regime)))))
        if r.employer_agreement is not None:
            rows.append((t(N_("Employer's agreement")), _yes_no(r.employer_agreement)))
        rows += [(t(N_("Start date")), r.start_date), (t(N_("End date")), r.end_date)]
        unit = r.time_unit or "hours"
        hours = [(t(N_("Working time before")), time_before(r)),
                 (t(N_("Full-time schedule")), working_time(r.fulltime_hours, unit)),
                 (t(N_("RTT scheme")), _yes_no(r.rtt))]
        return [(t(N_("The worker")), worker), (t(N_("The school")), place), (t(N_("The leave")), rows),
                (t(N_("Working time")), hours), (t(N_("The notice")), [(t(N_("Written notice")), r.notice_date)])]


def _yes_no(value) -> object:
    return t(N_("Yes")) if value else t(N_("No"))


AS_FILED = N_("As filed on {date}. The modifications made since are listed at the end.")
LATER = N_("Modifications since the filing")


def receipt_lines(session: Session, request: LeaveRequest, organisation: Organisation, reveal: bool = True) -> list:
    """What the acknowledgement says, after its title, as translatable items ("" is a blank line); without
    `reveal`, the NISS masked. The same content as the PDF, in sentences."""
    record = Record(session, request, organisation, reveal)
    lines = [t(N_("Organisation: {name} (BCE {bce})"), name=organisation.name, bce=format_bce(organisation.bce)),
             t(N_("Ticket number: {ticket}"), ticket=request.ticket), record.filed_line(), "",
             t(ACKNOWLEDGED, ticket=request.ticket), "", t(INFORMATION)]
    if record.later:
        lines.append(t(AS_FILED, date=record.filed_day))
    lines += [*request_lines(session, record.filed, organisation.name, reveal), "",
              t(LEGAL_NOTICE), t(CERTIFY, box=box(record.certified_by is not None))]
    lines += [line for line in (record.certified_line(),) if line]
    if record.later:
        lines += ["", t(LATER)]
        for event in record.later:
            changes = [t(N_("{field}: {before} → {after}"), field=field, before=before, after=after)
                       for field, before, after in record.changes(event)]
            lines.append(["- ", record.change_heading(event), [" ", joined(changes, t(SEMICOLON))] if changes else ""])
    return [*lines, "", t(CITIZEN_REMINDER)]


def receipt_filename(ticket: str, lang: str) -> str:
    """The acknowledgement's file name in the member's language, in plain ASCII (any mail client or phone keeps it)."""
    name = unicodedata.normalize("NFKD", render(t(FILENAME, ticket=ticket), lang))
    name = "".join(c for c in name if c.isascii() and (c.isalnum() or c in "-_."))
    return name if name.endswith(f"{ticket}.pdf") else f"acknowledgement-{ticket}.pdf"


# --- the characters a font can draw ------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def font_files() -> dict[str, Path] | None:
    """The Unicode font's regular and bold files, or None when its package is not installed."""
    try:
        folder = resources.files(FONT_PACKAGE) / "files"
    except ModuleNotFoundError:
        return None
    files = {style: Path(str(folder / name)) for style, name in FONT_FILES.items()}
    return files if all(path.is_file() for path in files.values()) else None


@lru_cache(maxsize=1)
def _font_characters() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # fpdf2's own dependency

    files = font_files()
    if files is None:
        return frozenset()
    with TTFont(files[""], lazy=True) as font:
        return frozenset(font.getBestCmap())


def _encodable(char: str) -> bool:
    try:
        char.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _in_font(char: str) -> bool:
    return ord(char) in _font_characters()


def to_pdf_text(text: str, drawable=_encodable) -> str:
    """Text a font can draw (by default the core fonts, cp1252): what it has kept, known symbols replaced, other
    accents dropped, the rest '?'."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char == "\n" or (char.isprintable() and drawable(char)):
            out.append(char)
        elif char in STAND_INS:
            out.append(STAND_INS[char])
        elif not char.isprintable() and unicodedata.category(char) != "Co":
            out.append(" " if char.isspace() else "")
        else:  # e.g. ő, ễ -> o, e in the core fonts; a name in another script or an emoji -> ?
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(base if base and all(drawable(c) and c.isprintable() for c in base) else "?")
    return "".join(out)


# --- the document ------------------------------------------------------------------------------------------------

class Acknowledgement(FPDF):
    """An A4 page with the service's footer; writes translatable items in one language with one font."""

    def __init__(self, lang: str, footer: str):
        super().__init__(format="A4")
        self.lang, self.footer_text = lang, footer
        files = font_files()
        if files:
            for style, path in files.items():
                self.add_font(FAMILY, style, path)
            self.family, self.drawable = FAMILY, _in_font
        else:
            self.core_fonts_encoding = "windows-1252"
            self.family, self.drawable = CORE_FAMILY, _encodable
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()

    def words(self, item) -> str:
        return to_pdf_text(render(item, self.lang), self.drawable)

    def style(self, size: float, bold: bool = False, color=(0, 0, 0)) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*color)

    def paragraph(self, item, size: float = BODY, bold: bool = False, color=(0, 0, 0), height: float = 5,
                  indent: float = 0) -> None:
        self.style(size, bold, color)
        self.set_x(self.l_margin + indent)
        self.multi_cell(self.epw - indent, height, self.words(item).strip(), align="L", new_x="LMARGIN",
                        new_y="NEXT")

    def heading(self, item) -> None:
        if self.will_page_break(22):
            self.add_page()
        self.ln(3)
        self.paragraph(item, 12, bold=True, color=NAVY, height=6)
        self.set_draw_color(*NAVY)
        self.set_line_width(0.4)
        self.line(self.l_margin, self.get_y() + 0.5, self.l_margin + self.epw, self.get_y() + 0.5)
        self.ln(2.5)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())
        self.ln(1.5)
        self.style(8, color=GREY)
        self.cell(self.epw * 0.75, 4, self.words(self.footer_text))
        self.cell(self.epw * 0.25, 4, self.words(t(N_("Page {page}/{pages}"), page=self.page_no(), pages="{nb}")),
                  align="R")


def receipt_pdf(session: Session, request: LeaveRequest, organisation: Organisation, lang: str,
                compress: bool = True, reveal: bool = True) -> bytes:
    """The acknowledgement as an A4 PDF in `lang`; compress=False leaves the text readable in the file, for tests.
    Without `reveal`, the NISS masked."""
    record = Record(session, request, organisation, reveal)
    title = render(t(TITLE), lang)
    pdf = Acknowledgement(lang, [SERVICE, " · ", t(TITLE), " ", request.ticket])
    pdf.set_compression(compress)
    # Metadata strings are Unicode in the PDF itself: no font is involved, so no stand-ins needed.
    pdf.set_title(f"{title} {request.ticket}")
    pdf.set_subject(render(Capitalized(label(LeaveType(record.filed.leave_type))), lang))
    pdf.set_author(organisation.name)
    pdf.set_creator(SERVICE)
    pdf.set_lang(lang)
    # The time of the last thing documented rather than now: the same record always gives the same document.
    last = record.last_change
    pdf.set_creation_date(last if last.tzinfo else last.replace(tzinfo=dt.UTC))
    pdf.add_page()
    _issuer(pdf, organisation)
    _title(pdf, record)
    _ticket(pdf, record)
    pdf.heading(t(INFORMATION))
    if record.later:
        pdf.paragraph(t(AS_FILED, date=record.filed_day), 9, color=GREY)
        pdf.ln(1.5)
    _answers(pdf, record)
    _certification(pdf, record)
    if record.later:
        _modifications(pdf, record)
    pdf.ln(4)
    pdf.paragraph(t(CITIZEN_REMINDER), 9, color=GREY, height=4.5)
    return bytes(pdf.output())


def _issuer(pdf: Acknowledgement, organisation: Organisation) -> None:
    """The band across the top: who issues the document, by name and company number."""
    pdf.set_fill_color(*NAVY)
    pdf.rect(0, 0, pdf.w, BAND, style="F")
    pdf.set_xy(MARGIN, 5)
    pdf.style(8, color=(196, 210, 230))
    pdf.cell(pdf.epw, 4, pdf.words(t(N_("Issued by"))).upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.style(13, bold=True, color=(255, 255, 255))
    pdf.cell(pdf.epw, 7, pdf.words(organisation.name), new_x="LMARGIN", new_y="NEXT")  # a long name is cut
    pdf.style(9, color=(255, 255, 255))
    pdf.cell(pdf.epw, 5, pdf.words(t(N_("BCE number {bce}"), bce=format_bce(organisation.bce))),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(BAND + 7)


def _title(pdf: Acknowledgement, record: Record) -> None:
    pdf.paragraph(t(TITLE), 20, bold=True, color=NAVY, height=9)
    filed = record.filed
    pdf.paragraph([Capitalized(label(LeaveType(filed.leave_type))), " · ", label(Regime(filed.regime))], 11,
                  color=GREY, height=6)
    pdf.ln(3)


def _ticket(pdf: Acknowledgement, record: Record) -> None:
    """The ticket in large type with its QR code, in a framed box."""
    import segno

    top, height, qr_side = pdf.get_y(), 31, 26
    pdf.set_draw_color(*RULE)
    pdf.set_fill_color(*SHADE)
    pdf.set_line_width(0.3)
    pdf.rect(pdf.l_margin, top, pdf.epw, height, style="DF", round_corners=True, corner_radius=2)
    text_width = pdf.epw - qr_side - 14
    pdf.set_xy(pdf.l_margin + 5, top + 3)
    pdf.style(9, color=GREY)
    pdf.cell(text_width, 4, pdf.words(t(N_("Ticket number"))).upper(), new_x="LEFT", new_y="NEXT")
    pdf.style(TICKET_SIZE, bold=True, color=NAVY)
    pdf.cell(text_width, 11, record.request.ticket, new_x="LEFT", new_y="NEXT")
    pdf.style(9, color=(0, 0, 0))
    pdf.multi_cell(text_width, 4.2, pdf.words(t(N_("A unique number given to this request: it is used to follow up "
                                                   "your electronic request."))), align="L", new_x="LEFT",
                   new_y="NEXT")
    pdf.multi_cell(text_width, 4.2, pdf.words(t(N_("Filed on {date}"), date=record.filed_day)), align="L",
                   new_x="LEFT", new_y="NEXT")
    # The QR code drawn as squares (vector, sharp at any size), each row's dark modules merged into bars.
    qr = segno.make(record.request.ticket, error="m", micro=False)
    rows = [list(row) for row in qr.matrix]
    module = qr_side / len(rows)
    left, qr_top = pdf.l_margin + pdf.epw - qr_side - 3, top + (height - qr_side) / 2
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(left - 1.5, qr_top - 1.5, qr_side + 3, qr_side + 3, style="F")
    pdf.set_fill_color(0, 0, 0)
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            if row[x]:
                end = x
                while end < len(row) and row[end]:
                    end += 1
                pdf.rect(left + x * module, qr_top + y * module, (end - x) * module, module, style="F")
                x = end
            else:
                x += 1
    pdf.set_y(top + height + 2)


def _answers(pdf: Acknowledgement, record: Record) -> None:
    """The answers as filed, in a table by group."""
    group_style = FontFace(family=pdf.family, emphasis="BOLD", color=NAVY, fill_color=SHADE, size_pt=BODY)
    label_style = FontFace(family=pdf.family, color=GREY, size_pt=BODY)
    value_style = FontFace(family=pdf.family, color=(0, 0, 0), size_pt=BODY)
    _table_pen(pdf, BODY)
    with pdf.table(col_widths=(58, 116), first_row_as_headings=False, borders_layout="HORIZONTAL_LINES",
                   line_height=4.5, padding=(0.7, 2), text_align="LEFT", v_align="TOP",
                   cell_fill_mode="NONE") as table:
        for heading, rows in record.groups():
            table.row().cell(pdf.words(heading), colspan=2, style=group_style)
            for name, value in rows:
                row = table.row()
                row.cell(pdf.words(name), style=label_style)
                row.cell(pdf.words(value), style=value_style)


def _table_pen(pdf: Acknowledgement, size: float) -> None:
    """What a table starts from: the body's font, thin grey rules, no fill but the one a row's style gives."""
    pdf.style(size)
    pdf.set_draw_color(*RULE)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_line_width(0.2)


def _checkbox(pdf: Acknowledgement, x: float, y: float, ticked: bool) -> None:
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    pdf.rect(x, y, 3.6, 3.6)
    if ticked:
        pdf.set_line_width(0.5)
        pdf.polyline([(x + 0.7, y + 1.9), (x + 1.5, y + 2.8), (x + 3.0, y + 0.8)])


def _certification(pdf: Acknowledgement, record: Record) -> None:
    """The legal notice, the certification as ticked, and who filed and certified the request, when."""
    if pdf.will_page_break(44):
        pdf.add_page()
    pdf.ln(5)
    notice = render(t(LEGAL_NOTICE), pdf.lang).lstrip("⚠").strip()  # a framed notice rather than a sign
    top = pdf.get_y()
    pdf.set_x(pdf.l_margin + 4)
    pdf.style(BODY, bold=True)
    pdf.multi_cell(pdf.epw - 8, 5, to_pdf_text(notice, pdf.drawable), align="L", new_x="LMARGIN", new_y="NEXT",
                   padding=(2, 0))
    bottom = pdf.get_y()
    pdf.set_fill_color(*NOTICE_RULE)
    pdf.rect(pdf.l_margin, top, 1.2, bottom - top, style="F")
    pdf.ln(4)
    certified = record.certified_by is not None
    y = pdf.get_y()
    _checkbox(pdf, pdf.l_margin + 1, y + 0.7, certified)
    pdf.paragraph(t(CERTIFY, box=""), indent=7)
    pdf.ln(2)
    for line in (record.certified_line(), record.filed_line()):
        if line:
            pdf.paragraph(line, bold=True, indent=7)


def _modifications(pdf: Acknowledgement, record: Record) -> None:
    """Every later modification: when, by whom, and each answer before and after."""
    pdf.heading(t(LATER))
    head = FontFace(family=pdf.family, emphasis="BOLD", color=GREY, fill_color=SHADE, size_pt=9)
    for event in record.later:
        if pdf.will_page_break(20):
            pdf.add_page()
        pdf.paragraph(record.change_heading(event), bold=True)
        changes = record.changes(event)
        pdf.ln(1)
        if changes:
            _table_pen(pdf, 9)
            with pdf.table(col_widths=(58, 58, 58), first_row_as_headings=True, headings_style=head,
                           borders_layout="HORIZONTAL_LINES", line_height=4.4, padding=(0.9, 2), text_align="LEFT",
                           v_align="TOP", cell_fill_mode="NONE") as table:
                row = table.row()
                for word in (N_("Answer"), N_("Before"), N_("After")):
                    row.cell(pdf.words(t(word)))
                for field, before, after in changes:
                    row = table.row()
                    for item in (field, before, after):
                        row.cell(pdf.words(item))
        pdf.ln(3)
