"""The chat's lists (issue "On a phone and on paper", point 3): typed filters take the words the lists show, in
every language, and a name; "Modify an answer" opens groups first; a step with an answer offers to keep it; the
terminal numbers only the last message's options; documents and a cancelled request; back to the list."""
from __future__ import annotations

import random

import pytest

from bot.storage import organisation_store
from bot.storage.database import session
from tests.conftest import OTHER_ORG_BCE, Chat, enrol
from tests.test_follow_up import found, seed


@pytest.fixture
def lists(app):
    """240 requests of ours (a few with names of their own), 160 of another organisation; one member in each
    language we test."""
    db = app.bot_data["engine"].db
    enrol(db, 1001)
    enrol(db, 1002)
    enrol(db, 1003)
    enrol(db, 5005, bce=OTHER_ORG_BCE)
    rng = random.Random(7)
    ours = seed(db, "0234567873", 240, rng)
    seed(db, OTHER_ORG_BCE, 160, rng)
    names = {0: ("Dubois", "Marc"), 1: ("Dubois", "Anne"), 2: ("Van den Broeck", "Marc"), 3: ("Çelik", "Şükrü")}
    with session(db) as s:
        for index, (last, first) in names.items():
            row = s.get(type(ours[index]), ours[index].id)
            row.last_name, row.first_name = last, first
            s.add(row)
        s.commit()
        assert organisation_store.organisation_by_bce(s, OTHER_ORG_BCE) is not None
    chats = {lang: Chat(app, app.recorder, user, lang) for lang, user in (("fr", 1001), ("nl", 1002), ("de", 1003))}
    return chats, ours


@pytest.mark.parametrize("lang, typed, statuses", [
    ("fr", "statut=en attente", {"waiting"}),
    ("fr", "statut=En attente d'info du travailleur", {"waiting"}),
    ("fr", "statut=acceptee,refusée", {"accepted", "refused"}),
    ("nl", "status=in afwachting", {"waiting"}),
    ("nl", "status=behandeling", {"processing"}),
    ("de", "status=Bearbeitung", {"processing"}),
    ("de", "STATUS=abgelehnt", {"refused"}),
])
async def test_a_status_is_typed_with_any_word_the_list_shows(lists, lang, typed, statuses):
    chats, rows = lists
    reply = await chats[lang].send(f"/overview {typed} " + {"fr": "du=-", "nl": "van=-", "de": "von=-"}[lang])
    assert "⚠" not in reply, reply
    assert found(reply) == sum(r.status in statuses for r in rows)


@pytest.mark.parametrize("lang, typed, leave, regime", [
    ("nl", "vorm=halftijds", None, "half"),
    ("nl", "type=ouderschapsverlof vorm=volledig", "parental", "full"),
    ("de", "typ=Eltern form=vollständig", "parental", "full"),
    ("de", "typ=Palliativpflege", "palliative", None),
    ("fr", "type=congé parental régime=1/5", "parental", "fifth"),
])
async def test_a_leave_and_its_form_are_typed_in_each_language(lists, lang, typed, leave, regime):
    chats, rows = lists
    reply = await chats[lang].send(f"/overview {typed} " + {"fr": "du=-", "nl": "van=-", "de": "von=-"}[lang])
    assert "⚠" not in reply, reply
    assert found(reply) == sum((leave is None or r.leave_type == leave) and (regime is None or r.regime == regime)
                               for r in rows)


async def test_a_word_that_fits_two_values_asks_for_more(lists):
    chats, _rows = lists
    reply = await chats["fr"].send("/overview statut=en")
    assert "⚠" in reply and "plusieurs" in reply and "attente" in reply and "traitement" in reply


@pytest.mark.parametrize("lang, key", [("fr", "nom"), ("nl", "naam"), ("de", "name")])
@pytest.mark.parametrize("typed, expected", [("Dubois", 2), ("dubois marc", 1), ("Marc Dubois", 1), ("Broeck", 1),
                                             ("çelik", 1), ("Nobody", 0)])
async def test_a_name_filters_the_list_in_either_order(lists, lang, key, typed, expected):
    chats, _rows = lists
    start = {"fr": "du=-", "nl": "van=-", "de": "von=-"}[lang]
    reply = await chats[lang].send(f"/overview {start} {key}={typed}")
    assert "⚠" not in reply
    assert found(reply) == expected
