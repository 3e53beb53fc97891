"""The acknowledgement as a document: the text really drawn on its pages (read back with pypdf), in French and
German, before and after a modification, with names in any European script, the ticket's size against the body's."""
from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter

import pytest
from pypdf import PdfReader
from sqlmodel import select

from bot.dialogs.actions import MODIFY, RECEIPT
from bot.domain.identifiers import new_ticket
from bot.domain.leaves import Status, label, period_end
from bot.i18n import render, t
from bot.presentation.request_text import CITIZEN_REMINDER, LEGAL_NOTICE
from bot.receipt import BODY, receipt_filename, receipt_lines, receipt_pdf, to_pdf_text
from bot.storage import organisation_store
from bot.storage.database import session
from bot.storage.models import Draft, LeaveRequest, Member, Organisation, RequestEvent
from tests.conftest import ORG_BCE, SCHOOL_FWB, Chat
from tests.test_intake_dialog import START, TICKET, confirm, to_summary

# 22:30 UTC on 31 March is already 1 April in Brussels (summer time): 00:30.
FILED_AT = dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC)


def filed_request(db, bce: str = ORG_BCE, member_name: str = "Anne Lambert", **fields) -> tuple[LeaveRequest,
                                                                                                 Organisation]:
    """A filed request of the organisation, made directly in the tables as the filing writes them: the member, the
    draft, the request and the first line of its history (filed and certified by that member)."""
    with session(db) as s:
        organisation = organisation_store.organisation_by_bce(s, bce)
        member = Member(organisation_id=organisation.id, channel="telegram", user_key=new_ticket(),
                        roles="po-education", display_name=member_name)
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
        s.flush()
        s.add(RequestEvent(request_id=request.id, kind="filed", status="waiting", member_id=member.id,
                           certified_by=member.id, happened_at=request.filed_at))
        s.commit()
        return request, organisation


def rename(db, organisation: Organisation, name: str) -> Organisation:
    with session(db) as s:
        row = s.get(Organisation, organisation.id)
        row.name = name
        s.commit()
        return row


def pdf_pages(data: bytes) -> list[str]:
    """The text drawn on each page, as a reader extracts it, with single spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    return " ".join(pdf_pages(data))


def font_sizes(data: bytes) -> dict[str, float]:
    """Each piece of text drawn on the first page with the size it is drawn at, in points."""
    sizes: dict[str, float] = {}

    def visit(text, cm, tm, _font, size):
        if text.strip():
            sizes[text.strip()] = size * abs(tm[3]) * abs(cm[3])

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    return sizes


def said(message, lang, **params) -> str:
    """A message as the PDF shows it, whatever the catalog holds today."""
    return " ".join(render(t(message, **params), lang).split())


def receipt(db, request, organisation, lang, **options) -> bytes:
    with session(db) as s:
        return receipt_pdf(s, s.get(LeaveRequest, request.id), organisation, lang, **options)


def test_french_acknowledgement_is_a_document_from_its_issuer_with_answers_certification_and_filer(organisations):
    request, organisation = filed_request(organisations)
    data = receipt(organisations, request, organisation, "fr")
    assert data.startswith(b"%PDF-")
    [text] = pdf_pages(data)
    # The issuer, then the title and the ticket.
    assert text.index("ÉMIS PAR") < text.index("PO Y") < text.index("Numéro BCE 0234.567.873")
    assert text.index("Numéro BCE") < text.index("Accusé de réception") < text.index(request.ticket)
    assert "Date d'introduction : 01/04/2026" in text
    # The answers by group, as filed.
    groups = ["Travailleur", "École", "Interruption", "Temps de travail", "Avertissement"]
    assert [text.index(group) for group in groups] == sorted(text.index(group) for group in groups)
    assert "Nom DUPONT" in text and "Prénom Marie" in text and "NISS 85.03.14-123.02" in text
    assert "École A (0876.543.270)" in text and "Fédération Wallonie-Bruxelles" in text
    assert "Date de début 01/09/2026" in text and "Date de fin 30/11/2026" in text
    assert "Avertissement écrit 02/03/2026" in text
    # The legal notice and the certification, with who ticked it and who filed, when (Brussels time).
    assert said(LEGAL_NOTICE, "fr").lstrip("⚠ ") in text
    assert "Je certifie que toutes les données" in text
    assert "Certification cochée par Anne Lambert le 01/04/2026 à 00:30." in text
    assert "Demande introduite par Anne Lambert le 01/04/2026 à 00:30." in text
    assert said(CITIZEN_REMINDER, "fr") in text
    # No status: it would go stale. No modification yet.
    assert "attente" not in text and "Statut :" not in text and "Modifications" not in text
    # The footer: the service, the document, the page.
    assert f"Breakbot · Accusé de réception {request.ticket}" in text and "Page 1/1" in text
    info = PdfReader(io.BytesIO(data))
    assert info.metadata.title == f"Accusé de réception {request.ticket}"
    assert info.metadata.creator == "Breakbot" and info.metadata.author == "PO Y"
    assert info.trailer["/Root"]["/Lang"] == "fr"


def test_german_acknowledgement_in_german_words_dates_and_footer(organisations):
    request, organisation = filed_request(organisations, last_name="Müller-Lüdenscheidt", first_name="Jürgen",
                                          community="dg", capacity="own", school_bce=None, member_name="Önder Kühn")
    organisation = rename(organisations, organisation, "Schulträger Sankt Vith – Öffentliche Schulen")
    data = receipt(organisations, request, organisation, "de", compress=False)
    assert b"/FlateDecode" not in data.split(b"/FontFile2")[0]  # the page's content is left readable
    text = pdf_text(data)
    assert "Schulträger Sankt Vith – Öffentliche Schulen" in text and "ZDU-Nummer 0234.567.873" in text
    assert "Empfangsbestätigung" in text and request.ticket in text
    assert "Nachname MÜLLER-LÜDENSCHEIDT" in text and "Vorname Jürgen" in text
    assert "Eigenes Personal von Schulträger Sankt Vith" in text
    assert "Beginndatum 01.09.2026" in text  # German writes dates dd.MM.yyyy
    assert "Antrag eingereicht von Önder Kühn am 01.04.2026 um 00:30 Uhr." in text
    assert said(CITIZEN_REMINDER, "de") in text
    assert f"Breakbot · Empfangsbestätigung {request.ticket}" in text and "Seite 1/1" in text
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == f"Empfangsbestätigung {request.ticket}"
    assert reader.trailer["/Root"]["/Lang"] == "de"


@pytest.mark.parametrize("last, first, member", [("Żółć", "Łukasz", "Małgorzata Wiśniewska"),
                                                  ("Işık", "Şükrü", "İlkay Doğan")])
def test_names_in_polish_or_turkish_letters_print_as_they_are(organisations, last, first, member):
    request, organisation = filed_request(organisations, last_name=last, first_name=first, member_name=member)
    organisation = rename(organisations, organisation, "PO Świętokrzyskie – Gökçeada")
    for lang in ("fr", "de"):
        text = pdf_text(receipt(organisations, request, organisation, lang))
        assert f"{last.upper()} {first}" not in text  # two rows of the table, not a sentence
        assert last.upper() in text and first in text and member in text
        assert "PO Świętokrzyskie – Gökçeada" in text


def test_the_ticket_is_printed_at_least_half_again_as_large_as_the_body(organisations):
    request, organisation = filed_request(organisations)
    sizes = font_sizes(receipt(organisations, request, organisation, "fr"))
    body = Counter(round(size, 1) for size in sizes.values()).most_common(1)[0][0]
    assert body == BODY
    assert sizes[request.ticket] >= 1.5 * body


def test_the_niss_is_masked_unless_revealed(organisations):
    request, organisation = filed_request(organisations)
    text = pdf_text(receipt(organisations, request, organisation, "fr", reveal=False))
    assert "85.03.14-123.02" not in text and "NISS 85.**.**-***.02" in text
    with session(organisations) as s:
        lines = " ".join(render(line, "fr") for line in receipt_lines(s, s.get(LeaveRequest, request.id),
                                                                      organisation, reveal=False))
    assert "85.03.14-123.02" not in lines and request.ticket in lines


def modify(db, request, member_name: str, when: dt.datetime, **changes) -> None:
    """A modification as the chat saves it: the row changed and the event with each field before and after."""
    with session(db) as s:
        row = s.get(LeaveRequest, request.id)
        member = Member(organisation_id=row.organisation_id, channel="telegram", user_key=new_ticket(),
                        roles="po-education", display_name=member_name)
        s.add(member)
        s.flush()
        recorded = {}
        for name, value in changes.items():
            before = getattr(row, name)
            recorded[name] = [before.isoformat() if isinstance(before, dt.date) else before,
                              value.isoformat() if isinstance(value, dt.date) else value]
            setattr(row, name, value)
        s.add(RequestEvent(request_id=row.id, kind="modified", status=row.status, member_id=member.id,
                           certified_by=member.id, changes=json.dumps(recorded), happened_at=when))
        s.commit()


def test_modifications_are_listed_with_when_who_and_what_and_the_answers_stay_as_filed(organisations):
    request, organisation = filed_request(organisations)
    modify(organisations, request, "Luc Peeters", dt.datetime(2026, 4, 10, 8, 15, tzinfo=dt.UTC),
           end_date=dt.date(2026, 12, 31))
    modify(organisations, request, "Zoë Martin", dt.datetime(2026, 4, 20, 12, 0, tzinfo=dt.UTC),
           start_date=dt.date(2026, 10, 1), end_date=dt.date(2027, 1, 31), rtt=True)
    # ONEM's side moves the status: the document does not say it.
    with session(organisations) as s:
        s.add(RequestEvent(request_id=request.id, kind="status", status="processing", office="Charleroi"))
        s.commit()
    data = receipt(organisations, request, organisation, "fr")
    text = pdf_text(data)
    table, _, later = text.partition("Modifications depuis l'introduction")
    assert "Date de début 01/09/2026" in table and "Date de fin 30/11/2026" in table  # as filed
    assert "Telle qu'introduite le 01/04/2026" in table
    assert "Régime R.T.T. Non" in table
    assert later.index("Modifiée et certifiée par Luc Peeters le 10/04/2026 à 10:15") < later.index(
        "Modifiée et certifiée par Zoë Martin le 20/04/2026 à 14:00")
    first, _, second = later.partition("Zoë Martin")
    assert "Date de fin 30/11/2026 31/12/2026" in first
    assert "Date de début 01/09/2026 01/10/2026" in second and "Date de fin 31/12/2026 31/01/2027" in second
    assert "Régime R.T.T. Non Oui" in second
    assert render(label(Status.PROCESSING), "fr") not in text and "Charleroi" not in text
    # The e-mail's text says the same.
    with session(organisations) as s:
        lines = [render(line, "fr").replace("\u00a0", " ")
                 for line in receipt_lines(s, s.get(LeaveRequest, request.id), organisation)]
    assert any("Date de fin : 30/11/2026 → 31/12/2026" in line and "Luc Peeters" in line for line in lines)
    assert any("01/09/2026" in line and "30/11/2026" in line for line in lines)  # the sentence, as filed


def test_many_modifications_go_on_to_numbered_pages(organisations):
    request, organisation = filed_request(organisations)
    for day in range(1, 16):
        modify(organisations, request, f"Membre {day}", dt.datetime(2026, 4, day, 9, tzinfo=dt.UTC),
               notice_date=dt.date(2026, 3, day), hours_before=(10 + day) * 60)
    pages = pdf_pages(receipt(organisations, request, organisation, "fr"))
    assert len(pages) >= 2
    for number, page in enumerate(pages, 1):
        assert f"Page {number}/{len(pages)}" in page and "Breakbot · Accusé de réception" in page
    assert "Modifiée et certifiée par Membre 15" in pages[-1]


async def test_the_acknowledgement_in_the_chat_before_and_after_a_modification(chat: Chat):
    await to_summary(chat)
    ticket = TICKET.search(await confirm(chat)).group(0)
    first_end = period_end(START, 1)

    async def acknowledgement() -> tuple[str, str]:
        await chat.send(f"/status {ticket}")
        start = len(chat.recorder.calls)
        await chat.tap(RECEIPT.pack(ticket))
        [(_name, params)] = [c for c in chat.recorder.calls[start:] if c[0] == "sendDocument"]
        [(filename, data, _mime)] = params["files"].values()
        return filename, pdf_text(data)

    filename, before = await acknowledgement()
    assert filename == f"accuse-de-reception-{ticket}.pdf"
    assert f"Date de début {START:%d/%m/%Y}" in before and f"Date de fin {first_end:%d/%m/%Y}" in before
    assert "Demande introduite par" in before and "Certification cochée par" in before
    assert "Modifications depuis" not in before

    await chat.press(MODIFY.pack(ticket))
    await chat.tap("edit:start_date")
    new_start = period_end(START, 2) + dt.timedelta(days=1)
    await chat.send(new_start.strftime("%d/%m/%Y"))
    await chat.tap("m2")
    await chat.tap("certified")
    assert ticket in await chat.tap("confirm")
    with session(chat.app.bot_data["engine"].db) as s:
        row = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one()
    assert row.start_date == new_start

    _filename, after = await acknowledgement()
    table, _, later = after.partition("Modifications depuis l'introduction")
    assert f"Date de début {START:%d/%m/%Y}" in table and f"Date de fin {first_end:%d/%m/%Y}" in table
    assert f"Date de début {START:%d/%m/%Y} {new_start:%d/%m/%Y}" in later
    assert f"Date de fin {first_end:%d/%m/%Y} {period_end(new_start, 2):%d/%m/%Y}" in later
    assert "Modifiée et certifiée par" in later


def test_the_file_name_is_in_the_members_language_and_plain_ascii():
    assert receipt_filename("ABC-1234567-89-0", "fr") == "accuse-de-reception-ABC-1234567-89-0.pdf"
    assert receipt_filename("ABC-1234567-89-0", "nl") == "ontvangstbewijs-ABC-1234567-89-0.pdf"
    assert receipt_filename("ABC-1234567-89-0", "de") == "Empfangsbestaetigung-ABC-1234567-89-0.pdf"
    assert receipt_filename("ABC-1234567-89-0", "en") == "acknowledgement-ABC-1234567-89-0.pdf"


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
    assert "PO ‘Sainte-Thérèse’ … [x] ! →" in text
    assert "ŁUKASIEWICZ" in text and "Zoë ? Nguyễn ?" in text


def test_without_the_unicode_font_the_core_fonts_print_with_stand_ins(organisations, monkeypatch):
    import bot.receipt

    monkeypatch.setattr(bot.receipt, "font_files", lambda: None)
    request, organisation = filed_request(organisations, last_name="Żółć", first_name="Łukasz")
    data = receipt(organisations, request, organisation, "fr")
    text = pdf_text(data)
    assert "Łukasz" not in text and "ZÓLC" in text and "Lukasz" in text
    assert request.ticket in text and "Page 1/1" in text and "Accusé de réception" in text


def test_stand_ins_for_text_outside_the_core_fonts():
    assert to_pdf_text("Œuvre – d’art … 5 €") == "Œuvre – d’art … 5 €"  # all in cp1252
    assert to_pdf_text("☑ ok ⚠ ő ł\u202f€\u200b") == "[x] ok ! o l €"
    assert to_pdf_text("a\u0007b\nc") == "ab\nc"
    assert to_pdf_text("日本 🙂") == "?? ?"


def test_a_cancellation_is_documented_with_who_and_when_in_dutch(organisations):
    request, organisation = filed_request(organisations)
    with session(organisations) as s:
        member = Member(organisation_id=organisation.id, channel="telegram", user_key=new_ticket(),
                        roles="po-education", display_name="Jan De Smet")
        s.add(member)
        s.flush()
        row = s.get(LeaveRequest, request.id)
        row.status = "cancelled"
        s.add(RequestEvent(request_id=row.id, kind="cancelled", status="cancelled", member_id=member.id,
                           happened_at=dt.datetime(2026, 5, 4, 7, 45, tzinfo=dt.UTC)))
        s.commit()
    data = receipt(organisations, request, organisation, "nl")
    text = pdf_text(data)
    assert "Ontvangstbewijs" in text and "KBO-nummer 0234.567.873" in text
    assert "Aanvraag ingediend door Anne Lambert op 01/04/2026 om 00:30." in text
    assert "Wijzigingen sinds de indiening" in text
    assert "Aanvraag geannuleerd door Jan De Smet op 04/05/2026 om 09:45." in text
    assert "Pagina 1/" in text
