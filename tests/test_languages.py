"""Four languages: the user's choice, else their Telegram language, else the default; everywhere."""
from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from bot.dialogs.actions import LANGUAGE
from bot.domain.errors import Invalid
from bot.domain.identifiers import parse_niss
from bot.i18n import LANGUAGES, LOCALES_DIR, render, resolve_language, t, tn, translations
from bot.storage.models import Member
from tests.conftest import SCHOOL_FWB, Chat, RecordingRequest, enrol, make_app
from tests.test_intake_dialog import TICKET, confirm, state, to_summary

# A word each language has and the others do not, in the acknowledgement and in /status.
ACK_WORD = {"fr": "congé parental", "nl": "ouderschapsverlof", "de": "Elternurlaub", "en": "parental leave"}
NISS_WORD = {"fr": "NISS", "nl": "INSZ", "de": "ENSS", "en": "NISS"}
TELEGRAM_CODE = {"fr": "fr", "nl": "nl-BE", "de": "de", "en": "en-GB"}


def _niss_error(lang: str) -> str:
    with pytest.raises(Invalid) as wrong:
        parse_niss("85031412300")
    return render(t(wrong.value.message, **wrong.value.params), lang)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_whole_intake_status_and_error_in_each_language(app, lang):
    enrol(app.bot_data["engine"].db, 7000)
    chat = Chat(app, app.recorder, 7000, TELEGRAM_CODE[lang])
    await chat.send("/new")
    await chat.tap("fwb")
    niss_prompt = await chat.tap(SCHOOL_FWB)
    assert NISS_WORD[lang] in niss_prompt
    wrong = await chat.send("85031412300")
    assert _niss_error(lang) in wrong
    await chat.send("/cancel")
    await to_summary(chat)
    ack = await confirm(chat)
    assert ACK_WORD[lang] in ack
    for other, word in ACK_WORD.items():
        if other != lang and word not in ACK_WORD[lang]:
            assert word not in ack
    ticket = TICKET.search(ack).group(0)
    shown = await chat.send(f"/status {ticket}")
    waiting = render(t("waiting for information from the worker"), lang)
    assert waiting[1:] in shown and ticket in shown


def test_each_language_has_its_own_words():
    words = {lang: render(t("The worker's national number (NISS)? Type it, do not copy it from a list. "
                            "For example 85.03.14-123.02."), lang) for lang in LANGUAGES}
    assert len(set(words.values())) == 4
    assert "INSZ" in words["nl"] and "ENSS" in words["de"]


@pytest.mark.parametrize("lang, one, many", [("fr", "1 demande", "3 demandes"), ("nl", "1 aanvraag", "3 aanvragen"),
                                             ("de", "1 Antrag", "3 Anträge"), ("en", "1 request", "3 requests")])
def test_plural_forms(lang, one, many):
    singular, plural = "Your organisation has filed {n} request.", "Your organisation has filed {n} requests."
    assert one in render(tn(singular, plural, 1), lang)
    assert many in render(tn(singular, plural, 3), lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_running_bot_finds_every_translation_of_its_catalog(lang):
    """What the bot loads (compiled .mo or in-memory) gives each entry's translation, never the English id."""
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    loaded = translations(lang)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            assert loaded.ngettext(*message.id, 1) == message.string[0]
            assert loaded.ngettext(*message.id, 5) == message.string[-1]
        else:
            assert loaded.gettext(message.id) == message.string


@pytest.mark.parametrize("chosen, telegram, default, expected", [
    ("de", "nl-BE", "fr", "de"),   # the user's choice wins
    (None, "nl-BE", "fr", "nl"),   # then the Telegram language
    (None, "de", "fr", "de"),
    (None, "en-US", "fr", "en"),
    (None, "pt-BR", "fr", "fr"),   # a language we do not speak: the default
    (None, "pt-BR", "nl", "nl"),
    (None, None, "de", "de"),
])
def test_language_resolution_order(chosen, telegram, default, expected):
    member = Member(organisation_id=1, channel="telegram", user_key="1", roles="", locale=chosen)
    assert resolve_language(member, telegram, default) == expected


async def test_an_unsupported_telegram_language_gets_the_default(app):
    enrol(app.bot_data["engine"].db, 7100)
    chat = Chat(app, app.recorder, 7100, "pt-BR")
    reply = await chat.send("/help")
    assert reply.startswith(render(t("What I can do:"), "fr"))


async def test_language_in_the_middle_of_a_dialog_keeps_every_answer(app):
    db = app.bot_data["engine"].db
    enrol(db, 7200)
    chat = Chat(app, app.recorder, 7200, "fr")
    await chat.send("/new")
    await chat.tap("fwb")
    await chat.tap(SCHOOL_FWB)
    await chat.send("85.03.14-123.02")
    before = state(db, 7200)
    await chat.send("/language")
    assert [b["text"] for b in chat.keyboard] == ["Français", "Nederlands", "Deutsch", "English"]
    reply = await chat.tap(LANGUAGE.pack("nl"))
    after = state(db, 7200)
    assert after.state == before.state == "last_name"
    assert after.answers == before.answers
    assert render(t("The worker's last name? For example Dupont."), "nl") in reply
    # the choice is kept, and wins over the Telegram language from then on
    assert render(t("What I can do:"), "nl") in await chat.send("/help")


async def test_the_choice_survives_a_restart(organisations):
    enrol(organisations, 7300)
    first = RecordingRequest()
    app = await make_app(organisations, first)
    try:
        chat = Chat(app, first, 7300, "fr")
        await chat.send("/language")
        await chat.tap(LANGUAGE.pack("de"))
    finally:
        await app.shutdown()
    second = RecordingRequest()
    app2 = await make_app(organisations, second)
    try:
        reply = await Chat(app2, second, 7300, "fr").send("/help")
    finally:
        await app2.shutdown()
    assert render(t("What I can do:"), "de") in reply
