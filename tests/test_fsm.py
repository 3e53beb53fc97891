"""The dialog machine (bot/fsm/): every move of a form is a declared trigger, and the runner moves only through it."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.engine import FAILED as GENERIC
from bot.dialogs.follow_up import MODIFICATION
from bot.dialogs.intake import INTAKE
from bot.domain.leaves import period_end
from bot.fsm.machine import DONE, FORWARD, NEW, SUMMARY, Dialog, Position, Refused, Trigger
from bot.i18n import render, t
from tests.conftest import SCHOOL_FWB, Chat, enrol
from tests.test_intake_dialog import START, state, to_leave_type, to_summary

NAMES = ["a", "b", "c", "d"]


def _asked_if(name: str):
    """b and c are asked when the answers say so; a and d always."""
    return (lambda event: event.model.context.get(name, True)) if name in ("b", "c") else None


DIALOG = Dialog(NAMES, _asked_if)


def test_begin_goes_to_the_first_question_that_applies():
    assert DIALOG.fire(Trigger.BEGIN, Position(NEW), {}).state == "a"
    assert Dialog(NAMES, _asked_if, modify=True).fire(Trigger.MODIFY, Position(NEW), {}).state == SUMMARY
    with pytest.raises(Refused):  # a new request does not start at a summary
        DIALOG.fire(Trigger.MODIFY, Position(NEW), {})


def test_answer_skips_what_does_not_apply_and_back_returns():
    assert DIALOG.fire(Trigger.ANSWER, Position("a"), {}).state == "b"
    at = DIALOG.fire(Trigger.ANSWER, Position("a"), {"b": False, "c": False})
    assert at == Position("d", ("a",), False)
    assert DIALOG.fire(Trigger.BACK, at, {}) == Position("a", (), False)


def test_an_edit_from_the_summary_returns_to_it():
    at = DIALOG.fire(Trigger.EDIT, Position(SUMMARY, ("d",)), {}, target="b")
    assert at == Position("b", ("d", SUMMARY), True)
    after = DIALOG.fire(Trigger.ANSWER, at, {})
    assert after == Position(SUMMARY, ("d", SUMMARY, "b"), False)
    assert DIALOG.fire(Trigger.BACK, after, {}).state == "b"


@pytest.mark.parametrize("trigger, at, target", [
    (Trigger.CONFIRM, Position("a"), None),  # only the summary confirms
    (Trigger.EDIT, Position(SUMMARY), "nowhere"),  # not a question of this form
    (Trigger.EDIT, Position("a"), "b"),  # an edit starts at the summary
    (Trigger.BACK, Position("b", ("c",)), None),  # c never leads to b
    (Trigger.BACK, Position("b", ()), None),  # nothing to go back to
    (Trigger.ANSWER, Position(DONE), None),  # a closed draft does not move
    (Trigger.RESUME, Position(NEW), None),
])
def test_a_move_the_machine_does_not_declare_is_refused(trigger, at, target):
    with pytest.raises(Refused):
        DIALOG.fire(trigger, at, {}, target)


@given(st.sampled_from([m for m in DIALOG.moves if m["trigger"] in FORWARD]),
       st.lists(st.sampled_from(NAMES + [SUMMARY]), max_size=3), st.booleans(), st.booleans())
def test_back_undoes_every_forward_move(move, history, b_applies, c_applies):
    """Whatever the answers and the history, `back` after a forward move returns to where the draft was."""
    answers = {"b": b_applies, "c": c_applies}
    target = move["dest"] if move["trigger"] in (Trigger.EDIT, Trigger.CHECK) else None
    at = Position(move["source"], tuple(history), editing=move["dest"] == SUMMARY)
    try:
        there = DIALOG.fire(move["trigger"], at, answers, target)
    except Refused:  # under these answers, another move of the same trigger is taken from there
        return
    back = DIALOG.fire(Trigger.BACK, there, answers)
    assert (back.state, back.history) == (at.state, at.history)


async def test_the_chat_moves_only_through_the_machine(chat, monkeypatch):
    """Without its `back` moves, the intake's Back button no longer moves: the runner does not decide by itself."""
    await to_leave_type(chat)
    await chat.tap("back")
    assert state(chat.app.bot_data["engine"].db).state == "email"
    crippled = Dialog(INTAKE.dialog.names, INTAKE._condition)
    crippled.machine.remove_transition(Trigger.BACK)
    monkeypatch.setattr(INTAKE, "dialog", crippled)
    await chat.tap("back")
    assert state(chat.app.bot_data["engine"].db).state == "email"


def test_every_trigger_is_drawn():
    drawn = INTAKE.mermaid("Intake dialog") + MODIFICATION.mermaid("Modification")
    for trigger in Trigger:
        assert trigger.value in drawn, trigger


async def test_cancel_discards_the_draft_through_the_machine(chat):
    """/cancel at any question is the machine's `discard`: the draft ends in `done`, kept as abandoned."""
    await to_leave_type(chat)
    await chat.send("/cancel")
    draft = state(chat.app.bot_data["engine"].db)
    assert (draft.state, draft.status) == (DONE, "abandoned")


# --- after a try as a hostile user ------------------------------------------------------------------------------

@pytest.fixture
def en(app):
    enrol(app.bot_data["engine"].db, 1001)
    return Chat(app, app.recorder, 1001, "en")


@pytest.mark.parametrize("edited, answer", [("leave_type", "medical"), ("start_date", "later")])
async def test_back_from_a_question_the_summary_asked_again_returns_to_the_edited_answer(en, edited, answer):
    """An answer changed from the summary clears what depended on it, and the summary asks for it (`check`); Back
    there went to a summary with an answer missing, which failed ("something went wrong") at every Back since."""
    db = en.app.bot_data["engine"].db
    await to_summary(en)
    await en.edit_answer(f"{edited}")
    if answer == "later":
        reply = await en.send(period_end(START, 2).strftime("%d/%m/%Y"))
    else:
        reply = await en.tap(answer)
    asked = state(db).state
    assert asked not in (edited, SUMMARY) and "⚠" not in reply
    reply = await en.tap("back")
    assert render(t(GENERIC), "en") not in reply
    assert state(db).state == edited
    assert "Current answer" in reply
    await (en.tap(answer) if answer != "later" else en.send(period_end(START, 2).strftime("%d/%m/%Y")))
    assert state(db).state == asked  # and on from there, as before


async def test_an_answer_edited_again_after_back_from_the_summary_returns_to_it(en):
    db = en.app.bot_data["engine"].db
    await to_summary(en)
    await en.edit_answer("last_name")
    await en.send("Martin")
    await en.tap("back")
    assert state(db).state == "last_name"
    await en.send("Martens")
    assert state(db).state == SUMMARY


async def test_a_button_of_the_previous_version_of_the_bot_is_no_longer_valid_not_an_answer(en):
    """Before the dialog machine every form button was form:<version>:<code>, Back included: such a button, still
    on a user's screen after an update, must not be read as the answer "back"."""
    db = en.app.bot_data["engine"].db
    await en.send("/new")
    await en.tap("fwb")
    await en.tap(SCHOOL_FWB)
    await en.send("85.03.14-123.02")
    draft = state(db)
    reply = await en.press(f"form:{draft.version}:back")
    assert "no longer valid" in reply and "last name" in reply.lower()
    after = state(db)
    assert (after.state, after.answers.get("last_name")) == ("last_name", None)


async def test_cancel_in_a_school_form_does_not_speak_of_a_request(app):
    enrol(app.bot_data["engine"].db, 1002, roles=("access-manager",))
    manager = Chat(app, app.recorder, 1002, "en")
    await manager.send("/schools")
    await manager.tap("➕ Register a school")
    reply = await manager.send("/cancel")
    assert "request" not in reply.lower() and "nothing" in reply.lower()
