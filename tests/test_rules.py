"""Right by the rules (docs/rules.md), as a school administrator meets them in the chat, in the four languages where
the words change: who may take which leave, the cases of medical assistance, time credit for a private-law body's own
staff, unconfirmed limits that only warn, a modification certified like a filing, the confirmation page as the manual
draws it, a teacher's periods, and the words (gender, offices, German dates)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import select

from bot.dialogs.actions import MODIFY
from bot.domain.leaves import period_end
from bot.i18n import LANGUAGES, render, t
from bot.storage.database import session
from bot.storage.models import LeaveRequest, Member, Organisation, RequestEvent
from tests.conftest import Chat, enrol
from tests.fakes import ORG_BCE
from tests.test_intake_dialog import START, TICKET, TODAY, confirm, to_leave_type, to_summary

TELEGRAM_CODE = {"fr": "fr", "nl": "nl-BE", "de": "de", "en": "en-GB"}


def said(message: str, lang: str, **params) -> str:
    return render(t(message, **params), lang)


def set_employer(db, employer: str | None) -> None:
    with session(db) as s:
        organisation = s.exec(select(Organisation).where(Organisation.bce == ORG_BCE)).one()
        organisation.employer = employer
        s.add(organisation)
        s.commit()


def request_of(db, ticket: str) -> LeaveRequest:
    with session(db) as s:
        return s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ticket)).one()


def codes(chat: Chat) -> list[str]:
    return [b["callback_data"].split(":")[-1] for b in chat.keyboard]


async def finish(chat: Chat, end_code="m1", hours="20h00", same=True) -> str:
    """From the end date to the confirmation page."""
    await chat.tap(end_code)
    await chat.send(hours)
    if same:
        await chat.tap("same")
    await chat.send(TODAY.strftime("%d/%m/%Y"))
    return await chat.tap("no")


# --- 1. the ordinary career break in FWB: staff appointed for good only -----------------------------------------

FWB_REASON = ("In the Wallonia-Brussels Federation's education, the ordinary career break is open only to staff "
              "appointed for good (statutory), not to contractual or temporary staff.")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("status", ["contractual", "temporary"])
async def test_a_fwb_contract_or_temporary_worker_is_not_offered_the_career_break_and_is_told_why(chat, lang, status):
    chat.language_code = TELEGRAM_CODE[lang]
    prompt = await to_leave_type(chat, status=status)
    assert "career" not in codes(chat) and "parental" in codes(chat)
    assert said(FWB_REASON, lang) in prompt
    refused = await chat.send(said("career break", lang))  # typed anyway: the reason, and the user stays
    assert said(FWB_REASON, lang) in refused


async def test_a_fwb_statutory_worker_files_a_career_break(chat):
    chat.language_code = "en"
    await to_leave_type(chat, status="statutory")
    assert "career" in codes(chat)
    summary = await to_summary(chat, leave="career", regime="half", months=3)
    assert "career break" in summary
    assert TICKET.search(await confirm(chat))


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_flemish_education_is_sent_to_the_flemish_department_for_the_zorgkrediet(chat, lang):
    from tests.conftest import SCHOOL_VL
    chat.language_code = TELEGRAM_CODE[lang]
    prompt = await to_leave_type(chat, school=SCHOOL_VL, community="vl")
    assert "Departement Werk en Sociale Economie" in prompt or "Departement für Arbeit" in prompt
    assert "career" not in codes(chat)


# --- 2. own staff: what kind of employer the organisation is ----------------------------------------------------

async def own_staff_leaves(app, employer, user=3001, lang="en") -> tuple[Chat, str]:
    db = app.bot_data["engine"].db
    set_employer(db, employer)
    enrol(db, user, roles=("employer",))
    chat = Chat(app, app.recorder, user, TELEGRAM_CODE[lang])
    await chat.send("/new")
    await chat.send("85.03.14-123.02")
    await chat.send("Dupont")
    await chat.send("Jean")
    await chat.tap("contractual")
    return chat, await chat.tap("skip")


async def test_a_public_bodys_own_staff_are_offered_the_career_break_not_time_credit(app):
    chat, prompt = await own_staff_leaves(app, "public")
    assert "career" in codes(chat) and "timecredit" not in codes(chat)
    assert "The own staff of a public body take a career break, not time credit." in prompt
    await chat.tap("career")
    assert codes(chat)[:4] == ["full", "half", "quarter", "fifth"]
    await chat.tap("full")
    await chat.send(START.strftime("%d/%m/%Y"))
    summary = await finish(chat, "m3")
    assert "Own staff of PO Y" in summary and "career break" in summary
    ticket = TICKET.search(await confirm(chat)).group(0)
    request = request_of(app.bot_data["engine"].db, ticket)
    assert (request.capacity, request.leave_type, request.school_bce) == ("own", "career", None)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_private_law_bodys_own_staff_take_time_credit_with_a_motive(app, lang):
    chat, prompt = await own_staff_leaves(app, "private", lang=lang)
    assert "timecredit" in codes(chat) and "career" not in codes(chat)
    assert said("to take time credit with a motive", lang) in prompt
    motives = await chat.tap("timecredit")
    assert said("For which motive does the worker take time credit?", lang) in motives
    assert codes(chat)[:6] == ["child", "palcare", "ill", "disabled", "illchild", "training"]
    await chat.tap("child")
    assert codes(chat)[:3] == ["full", "half", "fifth"]
    await chat.tap("half")
    await chat.send(START.strftime("%d/%m/%Y"))
    summary = await finish(chat, "m3", hours="38h00")
    assert said("Motive: {motive}.", lang, motive=t("care for a child")) in summary
    ticket = TICKET.search(await confirm(chat)).group(0)
    request = request_of(app.bot_data["engine"].db, ticket)
    assert (request.leave_type, request.motive, request.regime) == ("timecredit", "child", "half")


async def test_an_organisation_whose_kind_is_not_recorded_offers_its_own_staff_the_thematic_leaves(app):
    chat, prompt = await own_staff_leaves(app, None)
    assert "career" not in codes(chat) and "timecredit" not in codes(chat) and "parental" in codes(chat)
    assert "not recorded yet" in prompt and "ask the administrator" in prompt


# --- 3. limits: an unconfirmed maximum warns -------------------------------------------------------------------

async def to_career_break_end(chat) -> None:
    """A statutory FWB worker's full career break, at the end date."""
    chat.language_code = "en"
    await to_leave_type(chat, status="statutory")
    await chat.tap("career")
    await chat.tap("full")
    await chat.send(START.strftime("%d/%m/%Y"))


async def test_a_long_career_break_is_warned_about_not_refused(chat):
    await to_career_break_end(chat)
    warned = await chat.send(period_end(START, 24).strftime("%d/%m/%Y"))
    assert "asks for 24 months in one request" in warned and "not confirmed" in warned
    following = await chat.send("fin")  # the date was taken: what comes next answers the working-time question
    assert "working time" in following.lower()


async def test_a_career_break_under_three_months_is_refused_naming_the_rule(chat):
    await to_career_break_end(chat)
    refused = await chat.send(period_end(START, 2).strftime("%d/%m/%Y"))
    assert "at least 3 whole months per request (2 asked)" in refused
    assert any(b["text"].startswith("3 months, until") for b in chat.keyboard)  # the allowed ends are offered


# --- 4. medical assistance: the case that sets the rules --------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_minor_child_in_hospital_is_one_week_of_full_interruption(chat, lang):
    chat.language_code = TELEGRAM_CODE[lang]
    await to_leave_type(chat, status="contractual")
    cases = await chat.tap("medical")
    assert said("Whom does the worker assist?", lang) in cases
    assert codes(chat)[:3] == ["family", "single", "hospital"]
    await chat.tap("hospital")
    assert codes(chat)[0] == "full" and "half" not in codes(chat)  # a full interruption only
    await chat.tap("full")
    start = TODAY + dt.timedelta(days=3)
    ends = await chat.send(start.strftime("%d/%m/%Y"))
    week = start + dt.timedelta(days=6)
    assert render(week, lang) in ends and codes(chat)[0] == "m1"
    refused = await chat.send((start + dt.timedelta(days=13)).strftime("%d/%m/%Y"))  # two weeks at once
    assert "⚠" in refused
    await chat.tap("m1")
    await chat.send("38h00")
    await chat.tap("same")
    noticed = await chat.send(TODAY.strftime("%d/%m/%Y"))  # three days before the start: no notice period is due
    assert "⚠" not in noticed
    summary = await chat.tap("no")
    assert said("Case: {motive}.", lang, motive=t("own minor child in hospital")) in summary
    ticket = TICKET.search(await confirm(chat)).group(0)
    request = request_of(chat.app.bot_data["engine"].db, ticket)
    assert (request.motive, request.end_date - request.start_date) == ("hospital", dt.timedelta(days=6))


async def test_a_single_parent_has_the_higher_ceiling_warned_per_patient(chat):
    chat.language_code = "en"
    first = TICKET.search(await confirm_filed(chat, motive="single", months=3)).group(0)
    for month in (3, 6, 9):  # 12 months filed, all for this single parent's child
        await to_leave_type(chat)
        await chat.tap("medical")
        await chat.tap("single")
        await chat.tap("full")
        await chat.send((period_end(START, month) + dt.timedelta(days=1)).strftime("%d/%m/%Y"))
        reply = await chat.tap("m3")
        assert "Ceiling" not in reply  # 24 months for a single parent, not 12
        await chat.send("20h00")
        await chat.tap("same")
        await chat.send(TODAY.strftime("%d/%m/%Y"))
        await chat.tap("no")
        await confirm(chat)
    await to_leave_type(chat)
    await chat.tap("medical")
    await chat.tap("family")  # the ordinary case: 12 months per patient, already used
    await chat.tap("full")
    await chat.send((period_end(START, 12) + dt.timedelta(days=1)).strftime("%d/%m/%Y"))
    reply = await chat.tap("m1")
    assert "Ceiling" in reply and "12 months" in reply and first in reply


async def confirm_filed(chat, **answers) -> str:
    await to_summary(chat, leave="medical", **answers)
    return await confirm(chat)


# --- 5. a modification is certified like a filing ---------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_modification_shows_the_legal_notice_and_is_saved_only_once_certified(chat, lang):
    chat.language_code = TELEGRAM_CODE[lang]
    await to_summary(chat)
    ticket = TICKET.search(await confirm(chat)).group(0)
    page = await chat.press(MODIFY.pack(ticket))
    notice = said("⚠ Legal notice: any incorrect declaration may lead to prosecution.", lang)
    assert notice in page and page.index(notice) < page.index(said("Worker: {last} {first}, {status}.", lang,
                                                                     last="DUPONT", first="Marie",
                                                                     status=t("statutory")))
    await chat.tap("edit:rtt")
    await chat.tap("yes")
    refused = await chat.tap("confirm")
    assert said('⚠ Tick "I certify the data are correct" before you save.', lang) in refused
    button = said("{box} I certify the data are correct", lang, box="☐")[2:]
    assert button in refused.replace('"', "").replace("« ", "").replace(" »", "").replace("„", "").replace("“", "") \
        or button.lower() in refused.lower()  # the warning quotes the very button
    db = chat.app.bot_data["engine"].db
    assert request_of(db, ticket).rtt is False  # nothing saved
    await chat.tap("certified")
    saved = await chat.tap("confirm")
    assert request_of(db, ticket).rtt is True
    with session(db) as s:
        [event] = s.exec(select(RequestEvent).where(RequestEvent.kind == "modified")).all()
        member = s.exec(select(Member).where(Member.user_key == "1001")).one()
    assert event.certified_by == member.id and json.loads(event.changes) == {"rtt": [False, True]}
    who = member.display_name or member.user_key
    assert said("{date}: modified and certified by {who} ({fields})", lang, date=TODAY, who=who,
                fields=[said("{field}: {before} → {after}", lang, field=t("RTT scheme"), before=t("No"),
                             after=t("Yes"))]) in saved


# --- 6. the confirmation page as the manual draws it ------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_confirmation_page_puts_the_legal_notice_first_and_always_shows_the_email_box(chat, lang):
    chat.language_code = TELEGRAM_CODE[lang]
    page = await to_summary(chat)
    notice = said("⚠ Legal notice: any incorrect declaration may lead to prosecution.", lang)
    concerns = said("The request concerns {leave}, {regime}, from {start} to {end}.", lang,
                    leave=t("a parental leave"), regime=t("full interruption of work"), start=START,
                    end=period_end(START, 1))
    assert page.index(notice) < page.index(concerns)
    mail = said("☐ I wish to receive a confirmation e-mail. (Not available here: this bot has no mail server. Keep the "
                "acknowledgement shown after confirming, or /status.)", lang)
    assert mail in page and page.index(mail) < page.index(said(
        "{box} I certify that all the data on this form are correct. I undertake to report any change immediately.",
        lang, box="☐"))


@pytest.mark.parametrize("status, contract", [("statutory", False), ("temporary", False), ("contractual", True)])
async def test_only_a_contractual_worker_is_said_to_have_an_employment_contract(chat, status, contract):
    chat.language_code = "fr"
    page = await to_summary(chat, status=status, leave="carer")
    assert ("contrat de travail de 20h00" in page) is contract
    assert "Un horaire à temps plein s'élève à 20h00" in page or "temps plein" in page


# --- 7. the leave question in the manual's words ----------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_leave_question_is_the_manuals_with_a_description_per_leave(chat, lang):
    chat.language_code = TELEGRAM_CODE[lang]
    prompt = await to_leave_type(chat, status="statutory")
    assert said("The worker would like to interrupt (partially or completely) their career:", lang) in prompt
    medical = said("to assist or give care to a seriously ill member of their household or family", lang)
    palliative = said("to assist or give care to a person suffering from an incurable illness in the terminal phase",
                      lang)
    assert medical in prompt and palliative in prompt
    assert all(len(b["text"]) <= 40 for b in chat.keyboard)  # short names on the buttons
    if lang == "fr":
        assert "Le travailleur voudrait interrompre (partiellement ou complètement) sa carrière" in prompt


# --- 9. a teacher's working time in periods ----------------------------------------------------------------------

async def test_a_timetable_in_periods_is_kept_and_shown_as_typed_and_checked_by_the_same_rules(chat):
    chat.language_code = "en"
    await to_leave_type(chat)
    await chat.tap("parental")
    await chat.tap("half")
    await chat.send(START.strftime("%d/%m/%Y"))
    await chat.tap("m2")
    refused = await chat.send("11/22")  # a half-time parental leave needs a full-time job
    assert "needs a full-time job" in refused and "11 periods of a 22 periods" in refused
    assert "A full-time load of 9 periods is not plausible" in await chat.send("11/9")
    assert "12 periods of a 11-period load is not possible" in await chat.send("12/11")
    summary = await chat.send("22/22")  # no full-time question: the load is in the answer
    assert "On which date did the worker notify you" in summary
    await chat.send(TODAY.strftime("%d/%m/%Y"))
    page = await chat.tap("no")
    assert "worked 22/22 periods a week" in page and "A full-time schedule amounts to 22 periods." in page
    ticket = TICKET.search(await confirm(chat)).group(0)
    request = request_of(chat.app.bot_data["engine"].db, ticket)
    assert (request.hours_before, request.fulltime_hours, request.time_unit) == (22, 22, "periods")
    modifying = await chat.press(MODIFY.pack(ticket))
    assert "22/22 periods" in modifying
    asked = await chat.tap("edit:hours_before")
    assert "Current answer: 22/22" in asked
    await chat.send("20h00")  # back to hours: the full-time schedule is asked again
    page = await chat.tap("same")
    await chat.tap("certified")
    saved = await chat.tap("confirm")
    request = request_of(chat.app.bot_data["engine"].db, ticket)
    assert (request.hours_before, request.fulltime_hours, request.time_unit) == (1200, 1200, "hours")
    assert "Working time before: 22/22 periods → 20h00" in saved
    await chat.press(MODIFY.pack(ticket))  # and back to periods, then another timetable in periods
    await chat.tap("edit:hours_before")
    await chat.send("22/22")
    await chat.tap("certified")
    await chat.tap("confirm")
    await chat.press(MODIFY.pack(ticket))
    await chat.tap("edit:hours_before")
    await chat.send("24/24")
    await chat.tap("certified")
    saved = await chat.tap("confirm")
    assert "Working time before: 22/22 periods → 24/24 periods" in saved
    assert "Full-time schedule: 22 periods → 24 periods" in saved  # the load changed too
    await chat.press(MODIFY.pack(ticket))
    await chat.tap("edit:hours_before")
    await chat.send("24/24")
    await chat.tap("edit:rtt")
    await chat.tap("yes")
    await chat.tap("certified")
    saved = await chat.tap("confirm")
    assert "RTT scheme: No → Yes" in saved and "24 periods → 24 periods" not in saved


async def test_a_medical_half_time_leave_accepts_three_quarters_of_a_timetable_in_periods(chat):
    chat.language_code = "fr"
    await to_leave_type(chat)
    await chat.tap("medical")
    await chat.tap("family")
    await chat.tap("half")
    await chat.send(START.strftime("%d/%m/%Y"))
    await chat.tap("m1")
    refused = await chat.send("16/22")  # under 3/4
    assert "3/4" in refused and "17 périodes" in refused
    await chat.send("17/22")
    await chat.send(TODAY.strftime("%d/%m/%Y"))
    page = await chat.tap("no")
    assert "17/22 périodes" in page and "22 périodes" in page
    ticket = TICKET.search(await confirm(chat)).group(0)
    await chat.press(MODIFY.pack(ticket))
    await chat.tap("edit:hours_before")
    await chat.send("18/22")
    await chat.tap("certified")
    saved = (await chat.tap("confirm")).replace("\xa0", " ")
    assert "Temps de travail avant : 17/22 périodes → 18/22 périodes" in saved
    assert "Horaire à temps plein" not in saved.split("Historique")[-1]  # the load did not change: not listed


# --- 10. words ----------------------------------------------------------------------------------------------------

async def test_a_woman_is_nee_and_contractuelle_in_french(chat):
    await chat.send("/new")
    await chat.tap("fwb")
    from tests.conftest import SCHOOL_FWB
    await chat.tap(SCHOOL_FWB)
    shown = await chat.send("90.11.02-246.12")
    assert "née le 02/11/1990" in shown
    await chat.send("Durand")
    buttons = await chat.send("Anne")
    assert [b["text"] for b in chat.keyboard][:3] == ["Statutaire", "Contractuelle", "Temporaire"]
    assert "Statut : contractuelle" in (await chat.send("contractuel")).replace("\xa0", " ")  # either form typed
    await chat.tap("back")
    assert buttons
    await chat.tap("contractual")
    await chat.tap("skip")
    await chat.tap("parental")
    await chat.tap("full")
    await chat.send(START.strftime("%d/%m/%Y"))
    page = await finish(chat)
    assert "DURAND Anne, contractuelle." in page and "née le 02/11/1990" in page


async def test_a_man_is_ne_in_french(chat):
    page = await to_summary(chat, status="contractual")
    assert "né le 14/03/1985" in page and "DUPONT Marie, contractuel." in page


@pytest.mark.parametrize("lang, office", [("fr", "Liège"), ("nl", "Luik"), ("de", "Lüttich"), ("en", "Liège")])
async def test_an_office_is_named_in_the_users_language_only(chat, lang, office):
    from bot import onem
    chat.language_code = TELEGRAM_CODE[lang]
    await to_summary(chat)
    ticket = TICKET.search(await confirm(chat)).group(0)
    with session(chat.app.bot_data["engine"].db) as s:
        onem.set_status(s, ticket, "processing", office="Luik")
    shown = await chat.send(f"/status {ticket}")
    assert office in shown and "Liège/Luik" not in shown
    other = {"fr": "Luik", "nl": "Liège", "de": "Luik", "en": "Luik"}[lang]
    assert other not in shown


async def test_german_speaks_of_medical_assistance_officially_and_writes_dates_with_dots(chat):
    chat.language_code = "de"
    start = len(chat.recorder.calls)
    await to_leave_type(chat)
    assert "Urlaub wegen medizinischen Beistands" in " ".join(b["text"] for b in chat.keyboard)
    conversation = "\n".join(p["text"] for name, p in chat.recorder.calls[start:] if "text" in p)
    assert "ENSS" in conversation and "INSZ" not in conversation
    page = await to_summary(chat)
    assert START.strftime("%d.%m.%Y") in page and START.strftime("%d/%m/%Y") not in page
    assert " 14.03.1985" in page


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_capacity_question_keeps_the_manuals_words_and_says_who_is_meant(app, lang):
    db = app.bot_data["engine"].db
    enrol(db, 3100, roles=("po-education", "employer"))
    chat = Chat(app, app.recorder, 3100, TELEGRAM_CODE[lang])
    prompt = await chat.send("/new")
    assert said("I act on behalf of the company I am logged in with", lang) in [b["text"] for b in chat.keyboard]
    assert said("As organising authority: for the staff of your schools (teachers and other education staff, linked "
                "to a community). On behalf of the company you are logged in with: for the own staff of "
                "{organisation} (its administration, for example), not the schools' teachers.", lang,
                organisation="PO Y") in prompt
    if lang == "fr":
        assert "J'agis au nom de la société avec laquelle je suis connecté" in [b["text"] for b in chat.keyboard]


async def test_the_leave_question_does_not_name_time_credit_to_education_staff_but_says_why_if_typed(chat):
    chat.language_code = "en"
    prompt = await to_leave_type(chat, status="statutory")
    assert "time credit" not in prompt.lower() and "timecredit" not in codes(chat)
    refused = await chat.send("time credit")
    assert "Time credit is for the staff of private-law employers" in refused


async def test_periods_typed_at_the_full_time_question_after_hours_get_a_way_out(chat):
    chat.language_code = "en"
    await to_summary(chat)  # 20h00 before the leave
    await chat.edit_answer("fulltime_hours")
    refused = await chat.send("22/22")
    assert "typed in hours (20h00)" in refused and "like 11/22" in refused


async def test_a_leave_closed_since_it_was_answered_is_not_filed(app):
    """The organisation's kind recorded (or changed) while a draft waits on its summary: confirming asks the leave
    again, saying why."""
    chat, _prompt = await own_staff_leaves(app, "public")
    await chat.tap("career")
    await chat.tap("full")
    await chat.send(START.strftime("%d/%m/%Y"))
    await finish(chat, "m3")
    set_employer(app.bot_data["engine"].db, "private")
    await chat.tap("certified")
    reply = await chat.tap("confirm")
    assert not TICKET.search(reply) and "take time credit instead of a career break" in reply
    assert "timecredit" in codes(chat)
