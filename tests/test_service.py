"""Faithful to the service and easy on a phone: modification, entitlements, schools, words and lists."""
from __future__ import annotations

import datetime as dt
import json

from sqlmodel import select

from bot.dialogs.actions import MODIFY
from bot.storage.database import session
from bot.storage.models import LeaveRequest, RequestEvent
from tests.fakes import form_code
from tests.test_intake_dialog import TICKET, TODAY, confirm, to_summary


async def filed(chat) -> str:
    await to_summary(chat)
    return TICKET.search(await confirm(chat)).group(0)


async def test_a_modification_keeps_the_notice_date_it_asked_again(chat):
    db = chat.app.bot_data["engine"].db
    ticket = await filed(chat)
    await chat.press(MODIFY.pack(ticket))
    await chat.tap("edit:start_date")
    start = TODAY - dt.timedelta(days=10)  # before the written notice (today): the notice is asked again
    await chat.send(start.strftime("%d/%m/%Y"))
    await chat.tap("m1")
    notice = TODAY - dt.timedelta(days=20)
    reply = await chat.send(notice.strftime("%d/%m/%Y"))
    assert notice.strftime("%d/%m/%Y") in reply
    await chat.tap("certified")
    assert ticket in await chat.tap("confirm")
    with session(db) as s:
        request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one()
        [change] = s.exec(select(RequestEvent).where(RequestEvent.kind == "modified")).all()
    assert (request.start_date, request.notice_date) == (start, notice)
    assert json.loads(change.changes)["notice_date"] == [TODAY.isoformat(), notice.isoformat()]


async def test_a_modification_may_change_the_rtt_answer(chat):
    db = chat.app.bot_data["engine"].db
    ticket = await filed(chat)
    await chat.press(MODIFY.pack(ticket))
    await chat.tap("edit:rtt")
    await chat.tap("yes")
    await chat.tap("certified")
    reply = await chat.tap("confirm")
    assert ticket in reply
    with session(db) as s:
        assert s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one().rtt is True


# --- entitlements: ceilings over the organisation's own requests, warned, never refused ------------------------

def _earlier(ticket, leave, regime, start, months):
    from types import SimpleNamespace

    from bot.domain.leaves import period_end
    return SimpleNamespace(ticket=ticket, leave_type=leave, regime=regime, start_date=start,
                           end_date=period_end(start, months))


def test_parental_ceiling_counts_full_time_equivalent():
    from fractions import Fraction

    from bot.domain.leaves import LeaveType as L
    from bot.domain.leaves import Regime as R
    from bot.domain.leaves import exceeded_ceilings
    start = dt.date(2026, 1, 1)
    earlier = [_earlier("A", "parental", "full", start, 3), _earlier("B", "parental", "half", start, 2),
               _earlier("C", "medical", "full", start, 3)]  # another leave does not count
    assert exceeded_ceilings(L.PARENTAL, R.FIFTH, 0, earlier) == []  # 3 + 1 = 4: at the ceiling, not over
    [over] = exceeded_ceilings(L.PARENTAL, R.FIFTH, 5, earlier)
    assert over.tickets == ("A", "B") and (over.ceiling, over.earlier, over.left) == (20, 20, 0)
    assert exceeded_ceilings(L.PARENTAL, R.FULL, 1, earlier[:1]) == []  # 3 + 1: exactly the 4 months
    [over] = exceeded_ceilings(L.PARENTAL, R.FULL, 2, earlier[:1])
    assert (over.ceiling, over.left, over.months) == (4, Fraction(1), 2)


def test_medical_and_carer_ceilings_weigh_part_time_months_and_career_counts_apart():
    from bot.domain.leaves import LeaveType as L
    from bot.domain.leaves import Regime as R
    from bot.domain.leaves import exceeded_ceilings
    start = dt.date(2026, 1, 1)
    medical = [_earlier(str(i), "medical", "full", start, 3) for i in range(3)]  # 9 full of 12
    assert exceeded_ceilings(L.MEDICAL, R.HALF, 3, medical) == []  # 9 + 1.5 <= 12
    [over] = exceeded_ceilings(L.MEDICAL, R.FULL, 3, medical + [_earlier("x", "medical", "half", start, 2)])
    assert (over.ceiling, over.earlier) == (12, 10)
    carer = [_earlier("c", "carer", "full", start, 3)]  # the person's 3 full months are used
    [person] = exceeded_ceilings(L.CARER, R.HALF, 2, carer)
    assert person.limit.per == "person" and (person.ceiling, person.left) == (6, 0)
    career = [_earlier("k", "career", "full", start, 60)]  # full and part-time months have a ceiling each
    assert exceeded_ceilings(L.CAREER_BREAK, R.HALF, 12, career) == []
    assert [o.limit.per for o in exceeded_ceilings(L.CAREER_BREAK, R.FULL, 3, career)] == ["career"]
    palliative = [_earlier(p, "palliative", "full", start, 1) for p in "pq"]
    assert exceeded_ceilings(L.PALLIATIVE, R.FIFTH, 1, palliative) == []  # two extensions: 3 months
    assert len(exceeded_ceilings(L.PALLIATIVE, R.FULL, 1, palliative * 2)) == 1


async def test_a_ceiling_is_warned_at_the_end_date_and_on_the_summary_naming_the_earlier_requests(chat):
    chat.language_code = "en"
    from bot.domain.leaves import period_end
    from tests.test_intake_dialog import START
    first = await filed_with(chat, months=3)
    second_start = period_end(START, 3) + dt.timedelta(days=1)
    await to_leave_type_again(chat)
    await chat.tap("parental")
    await chat.tap("full")
    await chat.send(second_start.strftime("%d/%m/%Y"))
    reply = await chat.tap("m2")  # 3 + 2 > 4 months per child
    assert "Ceiling" in reply and first in reply and "left before this request: 1; it asks for 2" in reply
    await chat.send("20h00")
    await chat.tap("same")
    await chat.send(TODAY.strftime("%d/%m/%Y"))
    summary = await chat.tap("no")
    assert summary.count("Ceiling") == 1 and first in summary
    assert TICKET.search(await confirm(chat))  # warned, not refused


async def test_a_ceiling_is_said_in_french_too(chat):
    from bot.domain.leaves import period_end
    from tests.test_intake_dialog import START
    first = await filed_with(chat, months=4)  # the chat speaks French
    await to_leave_type_again(chat)
    await chat.tap("parental")
    await chat.tap("full")
    await chat.send((period_end(START, 4) + dt.timedelta(days=1)).strftime("%d/%m/%Y"))
    reply = await chat.tap("m1")
    assert "Plafond" in reply and first in reply and "par enfant" in reply


async def test_the_same_niss_filed_before_under_another_name_is_shown_back(chat):
    chat.language_code = "en"
    await filed_with(chat, months=1)
    await chat.send("/new")
    await chat.tap("fwb")
    await chat.tap("0876543270")
    await chat.send("85.03.14-123.02")
    await chat.send("Dubois")
    reply = await chat.send("Marie-Claire")
    assert "filed before as DUPONT Marie" in reply
    await chat.send("/cancel")
    await chat.send("/new")
    await chat.tap("fwb")
    await chat.tap("0876543270")
    await chat.send("85.03.14-123.02")
    await chat.send("dupont")
    assert "filed before" not in await chat.send("Marie")  # the same name, whatever its case


async def filed_with(chat, months: int) -> str:
    await to_summary(chat, months=months)
    return TICKET.search(await confirm(chat)).group(0)


async def to_leave_type_again(chat):
    from tests.test_intake_dialog import to_leave_type
    return await to_leave_type(chat)


# --- the manual's words and French typography ---------------------------------------------------------------------

async def test_french_screens_put_a_non_breaking_space_before_double_signs(chat):
    """Every message a French user sees, through an intake, the summary, a modification, the history and the
    overview: ":", ";", "?" and "!" followed by a space (or ending a line) have a non-breaking space before them."""
    import re

    seen = [await chat.send("/help")]
    await to_summary(chat)
    seen.append(await chat.edit_answer("notice_date"))
    seen.append(await chat.send("31/02/2026"))  # an error message too
    seen.append(await chat.send(TODAY.strftime("%d/%m/%Y")))
    ticket = TICKET.search(await confirm(chat)).group(0)
    await chat.press(MODIFY.pack(ticket))
    await chat.tap("edit:rtt")
    await chat.tap("yes")
    await chat.tap("certified")
    seen.append(await chat.tap("confirm"))
    seen.append(await chat.send(f"/status {ticket}"))
    seen.append(await chat.send("/overview"))
    text = "\n".join(seen)
    bare = [text[max(0, m.start() - 30):m.end()] for m in re.finditer(r"(?<![\u00a0\u202f])[:;?!](?=[ \n]|$)", text)]
    assert bare == []
    assert "\u00a0;" in seen[-2] or "\u00a0:" in seen[-2]  # the history's change line was built from parts


# --- the summary on a phone, and options in the terminal ------------------------------------------------------------

async def test_the_confirmation_page_keeps_a_handful_of_buttons_and_opens_the_answers_by_group(chat):
    chat.language_code = "en"
    await to_summary(chat)
    assert len(chat.keyboard) <= 5
    page = await chat.tap("answers")
    for group in ("Who files:", "Worker:", "Leave:", "Dates and hours:"):
        assert group in page
    codes = [form_code(b["callback_data"]) for b in chat.keyboard]
    assert codes == ["group:0", "group:1", "group:2", "group:3", "summary"]  # the parts first: a handful of buttons
    page = await chat.tap("group:1")
    assert "• Last name: Dupont" in page
    codes = [form_code(b["callback_data"]) for b in chat.keyboard]
    assert "edit:niss" in codes and "edit:rtt" not in codes and "answers" in codes and "summary" in codes
    back = await chat.tap("summary")
    assert "Confirmation page" in back and len(chat.keyboard) <= 5
    await chat.edit_answer("last_name")
    assert "Confirmation page" in await chat.send("Durand")  # an edit returns to the confirmation page


def test_every_answer_of_the_intake_is_in_a_group():
    from bot.dialogs.intake import GROUPS, INTAKE
    grouped = [name for _, names in GROUPS for name in names]
    assert sorted(grouped) == sorted(INTAKE.editable) and len(set(grouped)) == len(grouped)


def test_in_the_terminal_a_typed_number_is_an_answer_where_a_value_is_asked():
    import io

    from bot.channels.console import show, to_input
    from bot.core.views import Button, View
    out = io.StringIO()
    asked = show(View(["Hours?"], [[Button("Same: 20h00", "same")], [Button("« Back", "back")]], typed=True), "en", out)
    assert "[a] Same: 20h00" in out.getvalue() and "[b] « Back" in out.getvalue()
    assert (to_input("2", asked, "u", "en").kind, to_input("2", asked, "u", "en").text) == ("text", "2")
    assert to_input("B", asked, "u", "en").text == "back"
    picked = show(View(["Status?"], [[Button("Statutory", "statutory")], [Button("« Back", "back")]]), "en", out)
    assert to_input("2", picked, "u", "en").text == "back"


async def test_a_short_notice_warning_is_shown_once_at_its_step_and_once_after_an_edit(chat):
    chat.language_code = "en"
    from tests.test_intake_dialog import to_leave_type
    start = TODAY + dt.timedelta(days=20)  # parental leave is announced 2 months ahead: any notice now is short
    await to_leave_type(chat)
    await chat.tap("parental")
    await chat.tap("full")
    await chat.send(start.strftime("%d/%m/%Y"))
    await chat.tap("m1")
    await chat.send("20h00")
    await chat.tap("same")
    reply = await chat.send(TODAY.strftime("%d/%m/%Y"))
    assert reply.count("usually announced") == 1
    summary = await chat.tap("no")
    assert summary.count("usually announced") == 1
    await chat.edit_answer("notice_date")
    again = await chat.send((TODAY - dt.timedelta(days=1)).strftime("%d/%m/%Y"))
    assert again.count("usually announced") == 1 and "Confirmation page" in again


# --- the overview as the manual shows it -------------------------------------------------------------------------

def _own_staff_request(db, ticket_body="OWNS00000001"):
    """A request filed for the organisation's own staff, straight into the database."""
    from stdnum.iso7064 import mod_37_36

    from bot.domain.identifiers import format_ticket
    from bot.domain.leaves import period_end
    from bot.storage import organisation_store
    with session(db) as s:
        organisation = organisation_store.organisation_by_bce(s, "0234567873")
        member = organisation_store.members_of(s, organisation.id)[0]
        ticket = format_ticket(ticket_body + mod_37_36.calc_check_digit(ticket_body))
        start = TODAY.replace(day=1)
        s.add(LeaveRequest(ticket=ticket, organisation_id=organisation.id, member_id=member.id, capacity="own",
                           niss="90010112345", last_name="Owenstaff", first_name="Olga", staff_status="contractual",
                           leave_type="parental", regime="full", start_date=start, end_date=period_end(start, 1),
                           hours_before=2280, fulltime_hours=2280, notice_date=start, rtt=False, status="processing"))
        s.commit()
    return ticket


async def test_an_organising_authority_sees_its_capacity_first_and_its_own_staff_as_a_filter(chat):
    chat.language_code = "en"
    db = chat.app.bot_data["engine"].db
    po_ticket = TICKET.search(await confirm_after_summary(chat)).group(0)
    own_ticket = _own_staff_request(db)
    first = await chat.send("/overview")
    assert po_ticket in first and own_ticket not in first and "capacity: as organising authority" in first
    own = await chat.send("/overview capacity=own")
    assert own_ticket in own and po_ticket not in own
    await chat.tap("overview.menu:capacity")
    await chat.tap("overview.toggle:capacity:po")  # both capacities now
    both = await chat.tap("overview.done")
    assert po_ticket in both and own_ticket in both
    reset = await chat.tap("overview.reset")
    assert po_ticket in reset and own_ticket not in reset


async def confirm_after_summary(chat):
    await to_summary(chat)
    return await confirm(chat)


async def test_typed_filters_speak_the_users_language(chat):
    db = chat.app.bot_data["engine"].db
    ticket = TICKET.search(await confirm_after_summary(chat)).group(0)
    _own_staff_request(db)
    found = await chat.send("/overview statut=attente type=parental du=01/01/2020")  # French
    assert ticket in found and "statut\u00a0: en attente d'info du travailleur" in found
    assert ticket not in await chat.send("/overview statut=Acceptée")  # case and accents do not matter
    chat.language_code = "nl"
    await chat.send("/language nl")
    found = await chat.send("/overview status=wachtend type=ouderschap van=01/01/2020")
    assert ticket in found and "status: in afwachting" in found.lower()
    wrong = await chat.send("/overview status=bezig")
    assert "bezig" in wrong and "wachtend" in wrong and "behandeling" in wrong  # the values it knows, in Dutch
    chat.language_code = "de"
    await chat.send("/language de")
    assert ticket in await chat.send("/overview status=wartend art=eltern von=01/01/2020")
    assert ticket in await chat.send("/overview zurücksetzen")
    assert ticket in await chat.send("/overview status=waiting type=parental")  # the English codes always work


def test_no_typed_word_means_two_things():
    from bot.dialogs.overview import FILTERS
    from bot.domain.words import KEY_WORD, RESET_WORD, VALUE_WORD
    from bot.domain.words import spellings as _spellings
    keys = [(spelling, key) for key, word in {**KEY_WORD, "reset": RESET_WORD}.items()
            for spelling in _spellings(word, key)]
    assert len({s for s, _ in keys}) == len(set(keys))
    for members in FILTERS.values():
        values = [(spelling, m) for m in members for spelling in _spellings(VALUE_WORD[m], m.value)]
        assert len({s for s, _ in values}) == len(set(values))


async def test_an_overview_without_match_says_so_without_offering_to_open_one(chat):
    chat.language_code = "en"
    reply = await chat.send("/overview status=refused")
    assert "No request matches these filters" in reply and "Tap a number" not in reply
    from bot.core.actions import unpack
    from bot.dialogs.actions import SHOW_REQUEST
    assert not [b for b in chat.keyboard if unpack(b["callback_data"])[0] is SHOW_REQUEST]


async def test_the_confirmation_page_and_acknowledgement_use_the_manuals_sentences_fitted_to_the_case(chat):
    summary = await to_summary(chat)  # statutory, parental leave, full interruption; the chat speaks French
    assert ("La demande concerne un congé parental, interruption complète des prestations, du "
            f"{START_TEXT()} au") in summary
    assert "contrat de travail" not in summary and "réduire ses prestations" not in summary
    assert "d'interrompre ses prestations" in summary and "à raison de 20h00 par semaine" in summary
    assert "(R.T.T. ou équivalent)\u00a0?\u00a0: Non" in summary
    done = await confirm(chat)
    assert "Il sert à assurer le suivi de votre demande électronique\u00a0: " in done
    assert "Informations concernant l'interruption" in done
    ticket = TICKET.search(done).group(0)
    shown = await chat.send(f"/status {ticket}")
    assert f"Numéro de ticket\u00a0: {ticket}" in shown and "Date d'introduction\u00a0: " in shown
    assert "Statut\u00a0: En attente d'info du travailleur" in shown


async def test_a_contractual_half_time_request_speaks_of_its_contract_and_of_reducing(chat):
    from tests.test_intake_dialog import to_leave_type
    await to_leave_type(chat, status="contractual")
    await chat.tap("medical")
    await chat.tap("family")
    await chat.tap("half")
    from tests.test_intake_dialog import START
    await chat.send(START.strftime("%d/%m/%Y"))
    await chat.tap("m1")
    await chat.send("38h00")
    await chat.tap("same")
    await chat.send(TODAY.strftime("%d/%m/%Y"))
    summary = await chat.tap("no")
    assert "un congé pour assistance médicale, réduction à mi-temps des prestations" in summary
    assert "Avant cette demande d'assistance médicale, le travailleur était occupé dans le cadre d'un contrat de " \
           "travail de 38h00" in summary and "réduire ses prestations" in summary


async def test_the_manuals_words_on_buttons_in_three_languages(chat, app):
    from tests.conftest import Chat as TestChat
    from tests.conftest import enrol
    await chat.send("/overview")
    labels = [b["text"] for b in chat.keyboard]
    assert "Type d'interruption" in labels and "Réinitialiser" in labels
    chat.language_code = "nl"
    await chat.send("/overview")
    assert "Type onderbreking" in [b["text"] for b in chat.keyboard]
    enrol(app.bot_data["engine"].db, 2010, roles=("po-education", "employer"))
    both = TestChat(app, app.recorder, 2010)
    await both.send("/new")
    assert "J'agis au nom de la société avec laquelle je suis connecté" in [b["text"] for b in both.keyboard]
    both.language_code = "de"
    await both.send("/language de")
    await both.send("/new")
    await both.tap("own")
    for answer in ("85.03.14-123.02", "Dupont", "Marie"):
        await both.send(answer)
    await both.tap("contractual")
    await both.tap("skip")
    await both.tap("parental")
    await both.tap("full")
    from tests.test_intake_dialog import START
    await both.send(START.strftime("%d/%m/%Y"))
    await both.tap("m1")
    await both.send("38h00")
    await both.tap("same")
    assert "AZV" in await both.send(TODAY.strftime("%d/%m/%Y"))  # the German name of the R.T.T.


def START_TEXT() -> str:  # noqa: N802
    from tests.test_intake_dialog import START
    return START.strftime("%d/%m/%Y")
