"""Schools kept in the chat by access managers (/schools), and registered on the spot at the intake's school step."""
from __future__ import annotations

from sqlmodel import select

from bot.dialogs.actions import CHECK_SCHOOL, REMOVE_SCHOOL, SCHOOL_RENAME
from bot.notifications import deliver
from bot.storage.database import session
from bot.storage.models import LeaveRequest, Organisation, School
from tests.conftest import Chat, enrol
from tests.fakes import ORG_BCE, SCHOOL_FWB
from tests.test_intake_dialog import TICKET, confirm, to_summary

NEW_SCHOOL = "0876540005"  # a valid enterprise number nobody has registered


def manager(chat, roles=("access-manager",), user=2001) -> Chat:
    enrol(chat.app.bot_data["engine"].db, user, roles=roles)
    member = Chat(chat.app, chat.recorder, user)
    member.language_code = "en"
    return member


def schools(db) -> dict[str, str]:
    with session(db) as s:
        return {school.bce: school.name for school in s.exec(select(School)).all()}


async def test_an_access_manager_registers_renames_and_removes_a_school(chat):
    db = chat.app.bot_data["engine"].db
    boss = manager(chat)
    listed = await boss.send("/schools")
    assert "École A" in listed and "0876.543.270" in listed
    await boss.tap("➕ Register a school")
    assert "already registered" in await boss.send(SCHOOL_FWB)  # explained, and asked again
    assert "enterprise number" in await boss.send("0876.540.006")  # a wrong check digit
    await boss.send("0876.540.005")
    await boss.tap("fwb")
    summary = await boss.send("Athénée royal  de Namur")
    assert "Register this school" in summary and "Athénée royal de Namur" in summary
    done = await boss.tap("confirm")
    assert "is registered" in done and schools(db)[NEW_SCHOOL] == "Athénée royal de Namur"
    await boss.press(SCHOOL_RENAME.pack(NEW_SCHOOL))
    await boss.send("Athénée royal Namur 1")
    assert "is now called Athénée royal Namur 1" in await boss.tap("confirm")
    assert schools(db)[NEW_SCHOOL] == "Athénée royal Namur 1"
    await boss.tap(f"school.remove?:{NEW_SCHOOL}")
    assert "is removed" in await boss.tap(f"school.remove!:{NEW_SCHOOL}")
    assert NEW_SCHOOL not in schools(db)


async def test_a_school_named_by_a_request_is_not_removed_even_by_a_forged_button(chat):
    db = chat.app.bot_data["engine"].db
    await to_summary(chat)
    assert TICKET.search(await confirm(chat))
    boss = manager(chat)
    listed = await boss.send("/schools")
    assert "1 request" in listed and f"school.remove?:{SCHOOL_FWB}" not in [b["callback_data"] for b in boss.keyboard]
    assert "stays registered" in await boss.press(REMOVE_SCHOOL.pack(SCHOOL_FWB))
    assert SCHOOL_FWB in schools(db)


async def test_a_filer_types_an_unregistered_school_which_is_added_to_be_checked_and_the_managers_told_once(chat):
    """The manual lets whoever files type the school's number: a member who is not an access manager goes on, and the
    school is added as "to be checked", with who added it and when; the access managers see it so in /schools and are
    told once."""
    db = chat.app.bot_data["engine"].db
    boss = manager(chat, user=2002)
    chat.language_code = "en"
    assert "Only an access manager" in await chat.send("/schools")  # managing schools stays theirs
    assert "Only an access manager" in await chat.press(REMOVE_SCHOOL.pack(SCHOOL_FWB))
    await chat.send("/new")
    await chat.tap("fwb")
    asked = await chat.send("0876.540.005")
    assert "not registered yet" in asked and "name" in asked
    added = await chat.send("Athénée royal de Namur")
    assert "to be checked by an access manager" in added and "NISS" in added  # and on to the next question
    with session(db) as s:
        school = s.exec(select(School).where(School.bce == NEW_SCHOOL)).one()
    assert school.to_check and school.added_by is not None and school.added_at is not None and school.told_at is None
    start = len(chat.recorder.calls)
    assert await deliver(chat.app, chat.app.bot_data["engine"]) == (1, 0)  # the one access manager, once
    [(_, told)] = [c for c in chat.recorder.calls[start:] if c[0] == "sendMessage"]
    assert told["chat_id"] == 2002 and "Athénée royal de Namur" in told["text"] and "à vérifier" in told["text"]
    assert await deliver(chat.app, chat.app.bot_data["engine"]) == (0, 0)
    listed = await boss.send("/schools")
    assert "To be checked: added by 1001" in listed
    done = await boss.press(CHECK_SCHOOL.pack(NEW_SCHOOL))
    assert "is checked" in done and "To be checked" not in done
    with session(db) as s:
        assert not s.exec(select(School).where(School.bce == NEW_SCHOOL)).one().to_check


async def test_access_managers_see_what_kind_of_employer_their_organisation_is(chat):
    db = chat.app.bot_data["engine"].db
    boss = manager(chat)
    assert "is not recorded" in await boss.send("/schools")
    with session(db) as s:
        organisation = s.exec(select(Organisation)).first()
        organisation.employer = "private"
        s.add(organisation)
        s.commit()
    assert "recorded as a private-law body" in await boss.send("/schools")


async def test_an_access_manager_who_files_registers_an_unknown_school_on_the_way(chat):
    db = chat.app.bot_data["engine"].db
    both = manager(chat, roles=("po-education", "access-manager"), user=2003)
    await both.send("/new")
    await both.tap("fwb")
    asked = await both.send("0876 540 005")
    assert "not registered yet" in asked and "name" in asked
    assert "name" in await both.send("\u200b")  # nothing readable: asked again
    registered = await both.send("Ecole communale n°2")
    assert "now registered" in registered and "national number" in registered
    assert schools(db)[NEW_SCHOOL] == "Ecole communale n°2"
    from bot.domain.leaves import period_end
    from tests.test_intake_dialog import START, TODAY
    for answer in ("85.03.14-123.02", "Dupont", "Marie"):
        await both.send(answer)
    await both.tap("statutory")
    await both.tap("skip")
    await both.tap("parental")
    await both.tap("full")
    await both.send(START.strftime("%d/%m/%Y"))
    await both.tap("m1")
    await both.send("20h00")
    await both.tap("same")
    await both.send(TODAY.strftime("%d/%m/%Y"))
    summary = await both.tap("no")
    assert "Ecole communale n°2" in summary
    assert period_end(START, 1)
    assert TICKET.search(await confirm(both))
    with session(db) as s:
        assert s.exec(select(LeaveRequest)).one().school_bce == NEW_SCHOOL


async def test_another_organisations_school_or_number_cannot_be_registered(chat):
    boss = manager(chat)
    await boss.send("/schools")
    await boss.tap("➕ Register a school")
    assert "another organisation" in await boss.send("1000000120")  # the other organisation's school
    assert "another organisation" in await boss.send(ORG_BCE)  # an organisation's own number


def valid_bce(i: int) -> str:
    """The i-th of a series of valid enterprise numbers: 0 and seven digits, then 97 minus their rest mod 97."""
    first = f"0{4_000_000 + i * 13:07d}"
    return first + f"{97 - int(first) % 97:02d}"


async def test_an_organisation_with_more_schools_than_telegram_shows_finds_them_by_typing(chat):
    """112 schools in one community: the question carries a handful of buttons and is told to type; part of a name
    (or the number) finds the school; the message always fits Telegram, so a step never moves on unseen."""
    db = chat.app.bot_data["engine"].db
    with session(db) as s:
        organisation = s.exec(select(Organisation).where(Organisation.bce == ORG_BCE)).one()
        for i in range(112):
            s.add(School(organisation_id=organisation.id, bce=valid_bce(i), community="fwb",
                         name=f"École communale n° {i:03d}"))
        s.commit()
    chat.language_code = "en"
    await chat.send("/new")
    asked = await chat.tap("fwb")
    assert len(chat.keyboard) <= 12 and "113 schools" in asked and "part of its name" in asked
    narrowed = await chat.send("n° 05")  # ten schools match: they are the buttons now
    assert "10 schools match" in narrowed and len(chat.keyboard) == 11  # and "Back"
    assert chat.button(valid_bce(57))
    picked = await chat.send("n° 057")
    assert "École communale n° 057" in picked and "NISS" in picked
    with session(db) as s:
        from bot.storage.models import Draft
        draft = s.exec(select(Draft).where(Draft.status == "open")).one()
    assert draft.answers["school"] == valid_bce(57)
    await chat.tap("back")
    nothing = await chat.send("Lycée imaginaire")
    assert "No school of your organisation" in nothing and "Lycée imaginaire" in nothing


async def test_a_school_registered_elsewhere_while_its_name_is_asked_is_said_not_failed(chat):
    db = chat.app.bot_data["engine"].db
    chat.language_code = "en"
    await chat.send("/new")
    await chat.tap("fwb")
    await chat.send("0876.540.005")
    with session(db) as s:  # another organisation registers that number meanwhile
        from bot.storage import organisation_store
        theirs = organisation_store.organisation_by_bce(s, "0555055576")
        organisation_store.add_school(s, theirs, NEW_SCHOOL, "fwb", "Theirs")
        s.commit()
    reply = await chat.send("Athénée royal de Namur")
    assert "registered meanwhile" in reply and "Sorry" not in reply
    assert schools(db)[NEW_SCHOOL] == "Theirs"


async def test_a_school_registered_on_the_way_and_removed_before_filing_is_typed_again(chat):
    db = chat.app.bot_data["engine"].db
    boss = manager(chat)
    chat.language_code = "en"
    await chat.send("/new")
    await chat.tap("fwb")
    await chat.send("0876.540.005")
    await chat.send("Athénée royal de Namur")
    await chat.send("85.03.14-123.02")
    await chat.send("Dupont")
    await chat.send("Marie")
    await chat.tap("statutory")
    await chat.tap("skip")
    await chat.tap("parental")
    await chat.tap("full")
    from tests.test_intake_dialog import START, TODAY
    await chat.send(START.strftime("%d/%m/%Y"))
    await chat.tap("m1")
    await chat.send("20h00")
    await chat.tap("same")
    await chat.send(TODAY.strftime("%d/%m/%Y"))
    await chat.tap("no")
    await boss.press(REMOVE_SCHOOL.pack(NEW_SCHOOL))
    assert NEW_SCHOOL not in schools(db)
    await chat.tap("certified")
    asked = await chat.tap("confirm")
    assert "no longer registered" in asked and "type its name again" in asked
    summary = await chat.send("Athénée royal de Namur")
    assert NEW_SCHOOL in schools(db) and "Athénée royal de Namur" in summary
    assert TICKET.search(await chat.tap("confirm"))
