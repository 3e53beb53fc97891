"""The acknowledgement PDF: the text really in the file, in French and German, with accents and odd names."""
from __future__ import annotations

import datetime as dt
import re
import zlib

import pytest

from bot.dialogs.request_text import CITIZEN_REMINDER
from bot.domain.identifiers import new_ticket
from bot.i18n import render, t
from bot.receipt import receipt_pdf, to_pdf_text
from bot.storage import organisation_store
from bot.storage.database import session
from bot.storage.models import Draft, LeaveRequest, Member, Organisation
from tests.conftest import ORG_BCE, SCHOOL_FWB

# 22:30 UTC on 31 March is already 1 April in Brussels (summer time).
FILED_AT = dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC)


def filed_request(db, bce: str = ORG_BCE, **fields) -> tuple[LeaveRequest, Organisation]:
    """A filed request of the organisation, made directly in the tables (member and draft included)."""
    with session(db) as s:
        organisation = organisation_store.organisation_by_bce(s, bce)
        member = Member(organisation_id=organisation.id, channel="telegram", user_key=new_ticket(),
                        roles="po-education")
        s.add(member)
        s.flush()
        draft = Draft(channel="telegram", chat_key=member.user_key, member_id=member.id, state="done",
                      status="filed")
        s.add(draft)
        s.flush()
        values = dict(ticket=new_ticket(), organisation_id=organisation.id, member_id=member.id, draft_id=draft.id,
                      capacity="po", community="fwb", school_bce=SCHOOL_FWB, niss="85031412302", last_name="Dupont",
                      first_name="Marie", staff_status="statutory", email=None, leave_type="parental",
                      regime="half", start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 11, 30),
                      hours_before=20 * 60, fulltime_hours=20 * 60, notice_date=dt.date(2026, 3, 2), rtt=False,
                      filed_at=FILED_AT)
        request = LeaveRequest(**{**values, **fields})
        s.add(request)
        s.commit()
        return request, organisation


def rename(db, organisation: Organisation, name: str) -> Organisation:
    with session(db) as s:
        row = s.get(Organisation, organisation.id)
        row.name = name
        s.commit()
        return row


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages: every (string) Tj of every content stream, inflated when compressed."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            stream = zlib.decompress(stream)
        except zlib.error:
            pass
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", stream, re.S):
            literal = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8)]), literal)
            literal = re.sub(rb"\\(.)", lambda m: {b"r": b"\r", b"n": b"\n", b"t": b"\t"}.get(m.group(1), m.group(1)),
                             literal)
            shown.append(literal.decode("cp1252"))
    return " ".join(" ".join(shown).split())  # lines wrapped by the layout become single spaces


def pdf_title(data: bytes) -> str:
    match = re.search(rb"/Title\s*(?:<([0-9a-fA-F]+)>|\(((?:\\.|[^\\)])*)\))", data)
    if match.group(1):
        return bytes.fromhex(match.group(1).decode()).decode("utf-16")
    return match.group(2).decode("latin-1")


def said(message, lang, **params) -> str:
    """A message as the PDF shows it, whatever the catalog holds today."""
    return " ".join(to_pdf_text(render(t(message, **params), lang)).split())


def test_french_receipt_has_title_organisation_ticket_date_status_lines_and_reminder(organisations):
    request, organisation = filed_request(organisations)
    with session(organisations) as s:
        data = receipt_pdf(s, request, organisation, "fr")
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Accusé de réception" in text
    assert "PO Y" in text and "0234.567.873" in text
    assert request.ticket in text
    assert "01/04/2026" in text and "31/03/2026" not in text
    assert "En attente d'info du travailleur" in text  # the status label, from the French catalog
    assert "École A (0876.543.270)" in text  # from request_lines, rendered in French
    assert "DUPONT Marie" in text and "85.03.14-123.02" in text
    assert "01/09/2026" in text and "30/11/2026" in text
    assert said(CITIZEN_REMINDER, "fr") in text
    assert "Dossier Interruption de carrière et crédit-temps" in text
    assert pdf_title(data) == f"Accusé de réception {request.ticket}"


def test_german_receipt_keeps_umlauts_of_the_catalog_and_of_names(organisations):
    request, organisation = filed_request(organisations, last_name="Müller-Lüdenscheidt", first_name="Jürgen",
                                          community="dg", capacity="own", school_bce=None)
    organisation = rename(organisations, organisation, "Schulträger Sankt Vith – Öffentliche Schulen")
    with session(organisations) as s:
        data = receipt_pdf(s, request, organisation, "de", compress=False)
    assert b"/FlateDecode" not in data
    text = pdf_text(data)
    assert "Empfangsbestätigung" in text
    assert "Schulträger Sankt Vith – Öffentliche Schulen" in text
    assert "MÜLLER-LÜDENSCHEIDT Jürgen" in text
    assert request.ticket in text and "01.04.2026" in text  # German writes dates dd.MM.yyyy
    assert said(CITIZEN_REMINDER, "de") in text
    assert pdf_title(data) == f"Empfangsbestätigung {request.ticket}"


@pytest.mark.parametrize("lang", ["fr", "nl", "de", "en"])
def test_odd_characters_in_names_never_break_the_pdf(organisations, lang):
    request, organisation = filed_request(organisations, last_name="Łukasiewicz", first_name="Zoë 😀 Nguyễn\t王",
                                          email="zoë@exämple.be")
    # A NUL only in memory: PostgreSQL refuses it in a text column (the intake refuses control characters anyway).
    request.last_name += "\u0000"
    # curly quotes, symbols, a narrow space, an endless word (a line holds about 90 x; a name at most 200 characters)
    name = "PO ‘Sainte-Thérèse’ … ☑ ⚠ →\u202f" + "x" * 170
    organisation = rename(organisations, organisation, name)
    with session(organisations) as s:
        data = receipt_pdf(s, request, organisation, lang)
    text = pdf_text(data)
    assert data.startswith(b"%PDF-") and request.ticket in text
    assert "PO ‘Sainte-Thérèse’ … [x] ! ->" in text
    assert "LUKASIEWICZ" in text and "Zoë ? Nguyen ?" in text


def test_stand_ins_for_text_outside_the_core_fonts():
    assert to_pdf_text("Œuvre – d’art … 5 €") == "Œuvre – d’art … 5 €"  # all in cp1252
    assert to_pdf_text("☑ ok ⚠ ő ł\u202f€\u200b") == "[x] ok ! o l €"
    assert to_pdf_text("a\u0007b\nc") == "ab\nc"
    assert to_pdf_text("日本 🙂") == "?? ?"
