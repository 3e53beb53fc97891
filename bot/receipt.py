"""The acknowledgement of a filed request, as a PDF (fpdf2) and as the same lines in plain text."""
from __future__ import annotations

import datetime as dt
import unicodedata

from fpdf import FPDF
from sqlmodel import Session

from bot.dialogs.request_text import ACKNOWLEDGED, CITIZEN_REMINDER, INFORMATION, filed_on, request_lines
from bot.domain.identifiers import format_bce
from bot.domain.leaves import Status, label
from bot.i18n import N_, Capitalized, render, t
from bot.storage.models import LeaveRequest, Organisation

TITLE = N_("Acknowledgement of receipt")
# The core PDF fonts are written with WinAnsiEncoding, i.e. cp1252: all FR/NL/DE letters plus ’ – … € œ.
# No Unicode TTF ships with an installed Python package, and a system font would make the PDF depend on the host.
ENCODING = "cp1252"
# Characters outside cp1252 that the bot itself writes, or that phones produce, with a readable stand-in.
STAND_INS = {"☑": "[x]", "✅": "[x]", "✓": "v", "✔": "v", "☐": "[ ]", "⚠": "!", "→": "->", "←": "<-",
             "≥": ">=", "≤": "<=", "−": "-", "‐": "-", "‑": "-", "‒": "-", "―": "-", "′": "'", "″": '"',
             "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "\t": " ",
             "\u200b": "", "\u200d": "", "\ufeff": ""}


def receipt_lines(session: Session, request: LeaveRequest, organisation: Organisation, reveal: bool = True) -> list:
    """What the acknowledgement says, after its title, as translatable items ("" is a blank line); without
    `reveal`, the NISS masked."""
    return [t(N_("Organisation: {name} (BCE {bce})"), name=organisation.name, bce=format_bce(organisation.bce)),
            t(N_("Ticket number: {ticket}"), ticket=request.ticket),
            t(N_("Filed on {date}"), date=filed_on(request)),
            t(N_("Status: {status}"), status=Capitalized(label(Status(request.status)))), "",
            t(ACKNOWLEDGED, ticket=request.ticket), "", t(INFORMATION),
            *request_lines(session, request, organisation.name, reveal), "",
            t(CITIZEN_REMINDER)]


def to_pdf_text(text: str) -> str:
    """Text the core fonts can draw: cp1252 kept, known symbols replaced, other accents dropped, the rest '?'."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char in STAND_INS:
            out.append(STAND_INS[char])
        elif char == "\n" or (char.isprintable() and _encodable(char)):
            out.append(char)
        elif not char.isprintable() and unicodedata.category(char) != "Co":
            out.append(" " if char.isspace() else "")
        else:  # e.g. ő, ł, ễ -> o, l, e; a name in another script or an emoji -> ?
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(base if base and all(_encodable(c) and c.isprintable() for c in base) else "?")
    return "".join(out)


def _encodable(char: str) -> bool:
    try:
        char.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def receipt_pdf(session: Session, request: LeaveRequest, organisation: Organisation, lang: str,
                compress: bool = True, reveal: bool = True) -> bytes:
    """The acknowledgement as an A4 PDF; compress=False leaves the text readable in the file, for tests."""
    title = render(t(TITLE), lang)
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_compression(compress)
    # Metadata strings are Unicode in the PDF itself: no font is involved, so no stand-ins needed.
    pdf.set_title(f"{title} {request.ticket}")
    pdf.set_subject(title)
    pdf.set_author(organisation.name)
    pdf.set_creator("Breakbot")
    pdf.set_lang(lang)
    # The filing time rather than now: the same request always gives the same document.
    pdf.set_creation_date(request.filed_at if request.filed_at.tzinfo else request.filed_at.replace(tzinfo=dt.UTC))
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, to_pdf_text(title), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 11)
    for item in receipt_lines(session, request, organisation, reveal):
        text = render(item, lang)
        if text:
            pdf.multi_cell(0, 6, to_pdf_text(text), align="L", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(4)
    return bytes(pdf.output())
