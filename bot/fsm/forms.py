"""The form runner: what a user sends to an open form becomes a trigger of the form's dialog machine.

A form (the intake, the modification of a request, a school) is a list of steps and a summary. Its machine
(bot/fsm/machine.py) is built at import from the steps and declares every move; this module turns a button or a
typed answer into one of them (`answer`, `keep`, `back`, `edit`, `check`, `tick`, `confirm`, `discard`, `resume`,
`restart`), saves where the draft landed, and shows it. What a changed answer invalidates is derived from the
answers each step declares it depends on.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Callable

from bot.core.actions import Number, Text, Word, action
from bot.core.router import Router
from bot.core.views import Button, View, as_views
from bot.domain.answers import local_today
from bot.domain.errors import Invalid
from bot.domain.records import DraftStatus
from bot.fsm.machine import DONE, NEW, SUMMARY, Dialog, Position, Refused, Trigger
from bot.i18n import LANGUAGES, N_, Capitalized, joined, render, t

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

    from bot.core.turn import Turn
    from bot.storage.turns import Actor, DraftState

__all__ = ["DONE", "NEW", "SUMMARY", "Act", "Back", "Choice", "Context", "Do", "Edit", "Filled", "Form", "Step",
           "Trigger", "fill"]
PAUSE = dt.timedelta(days=1)


class Act(StrEnum):
    """The summary's own buttons."""

    ANSWERS = "answers"  # the page of answers, each with its "modify" button
    SUMMARY = "summary"  # back from that page to the summary
    CERTIFY = "certified"  # tick or untick "I certify the data are correct"
    EMAIL = "email"  # tick or untick the confirmation e-mail
    CONFIRM = "confirm"  # file, save the changes, register: the form's end
    DISCARD = "discard"  # leave it: nothing is stored


# Every button of a form carries the draft's version (a button of an older message no longer matches) and one typed
# argument: a step's choice, a move of the machine, an answer to edit, or one of the summary's own buttons.
FORM_PICK = action("form.pick", Number("version"), Text("code", 30, rest=True))
FORM_MOVE = action("form.move", Number("version"), Word("trigger", (Trigger.BACK, Trigger.KEEP, Trigger.RESUME,
                                                                     Trigger.RESTART)))
FORM_EDIT = action("form.edit", Number("version"), Text("step", 24))
FORM_DO = action("form.do", Number("version"), Word("act", tuple(Act)))
FORM_GROUP = action("form.group", Number("version"), Number("group"))  # one group of the answers to modify


@dataclass(frozen=True)
class Choice:
    """One of a step's buttons: the answer it gives (short, language-neutral) and its label."""

    code: str
    label: Any  # T or plain text


@dataclass(frozen=True)
class Do:
    """One of the summary's own buttons."""

    act: Act
    label: Any


@dataclass(frozen=True)
class Back:
    """The summary's "« Back": to the last question answered."""

    label: Any


@dataclass(frozen=True)
class Edit:
    """A button that opens one answer again from the summary."""

    step: str
    label: Any


@dataclass
class Context:
    """What a step's functions may look at: the answers so far, who acts, and data look-ups."""

    answers: dict
    turn: Turn
    cache: dict = field(default_factory=dict)

    @property
    def member(self) -> Actor:
        return self.turn.member

    @property
    def session(self) -> Session:
        return self.turn.session

    @property
    def connection(self) -> Connection:
        """The turn's own connection, for the few Core reads a step makes (no ORM session needed)."""
        return self.turn.connection

    @property
    def today(self) -> dt.date:
        return self.turn.today

    @property
    def lang(self) -> str:
        return self.turn.lang

    @property
    def mail_enabled(self) -> bool:
        return self.turn.options.mail_enabled


@dataclass(frozen=True)
class Step:
    """One question of a form, declared as data.

    parse(text, ctx) turns a typed answer or a button code into the stored (JSON) value and raises Invalid with a
    message id when it is wrong; check(value, ctx) re-checks rules that involve other answers (run again on the
    summary); echo(value, ctx) says back what was understood. `depends_on` names the answers whose change makes
    this one meaningless: it is then asked again.
    """

    name: str
    prompt: Callable[[Context], list]
    parse: Callable[[str, Context], Any]
    choices: Callable[[Context], list[Choice]] | None = None
    applies: Callable[[Context], bool] | None = None
    check: Callable[[Any, Context], list] | None = None  # returns warnings, raises Invalid
    show: Callable[[Any, Context], Any] = lambda value, ctx: str(value)
    echo: Callable[[Any, Context], Any] | None = None  # default: "✓ label: answer"
    label: str = ""  # message id naming the answer on the summary's edit button
    depends_on: tuple[str, ...] = ()
    after: Callable[[Any, Context], list] | None = None  # what taking the answer does (once); returns notes
    typed: bool = True  # False: answered with its buttons only (a typed label works too, but never a number)

    def applies_to(self, ctx: Context) -> bool:
        return self.applies is None or bool(self.applies(ctx))


def dependants(steps: list[Step]) -> dict[str, tuple[str, ...]]:
    """For each answer, every later answer that depends on it, directly or through another."""
    direct = {s.name: {d.name for d in steps if s.name in d.depends_on} for s in steps}
    result = {}
    for name in direct:
        seen, todo = set(), list(direct[name])
        while todo:
            other = todo.pop()
            if other not in seen:
                seen.add(other)
                todo.extend(direct.get(other, ()))
        result[name] = tuple(s.name for s in steps if s.name in seen)
    return result


@dataclass
class Form:
    """A form: its steps, its summary, and what its summary's own buttons do.

    summary(ctx) -> (lines, rows of Choice/Do/Edit); on_summary(turn, ctx, act) -> View or None (show the summary
    again); start(turn) starts it over (the "Start over" button after a pause)."""

    name: str
    steps: list[Step]
    summary: Callable[[Context], tuple[list, list[list]]]
    on_summary: Callable[[Turn, Context, Act], View | None]
    start: Callable[[Turn], list[View]]
    editable: tuple[str, ...] | None = None  # the answers the summary may edit (None: every step)
    summary_hint: str = N_("Use the buttons below: modify an answer, tick the certification, then confirm.")
    title: str = "Form"
    # The answers by group ((title, step names), ...): the summary then carries one "Modify an answer" button
    # (Act.ANSWERS) that opens them, instead of a button per answer.
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    confirmed_as: DraftStatus = DraftStatus.DONE  # what a confirmed draft of this form becomes
    from_summary: bool = False  # it changes what was filed: it starts at its summary (`modify`), not a question

    def __post_init__(self):
        self.step = {s.name: s for s in self.steps}
        self.clears = dependants(self.steps)
        self.dialog = Dialog([s.name for s in self.steps], self._condition, modify=self.from_summary)

    def _condition(self, name: str):
        step = self.step[name]
        return None if step.applies is None else (lambda event: step.applies_to(event.model.context))

    def editable_now(self, name: str, ctx: Context) -> bool:
        return name in (self.editable or self.step) and name in self.step and self.step[name].applies_to(ctx)

    def mermaid(self, title: str) -> str:
        return self.dialog.mermaid(title)


def checked(step: Step, ctx: Context) -> list:
    """The step's check of its answer against the others: its warnings, or Invalid. Run once per turn for the same
    answers (the summary is checked, then shown with its warnings)."""
    checks = ctx.cache.setdefault("checks", {})
    if step.name not in checks:
        try:
            checks[step.name] = step.check(ctx.answers[step.name], ctx)
        except Invalid as wrong:
            checks[step.name] = wrong
    result = checks[step.name]
    if isinstance(result, Invalid):
        raise result
    return result


@dataclass
class Filled:
    """A form answered all at once: the answers, each answer's warnings, and where it stopped, if it did: the first
    answer that was wrong (`wrong`) or not given (`missing`)."""

    answers: dict
    warnings: list[tuple[str, Any]]
    wrong: tuple[str, Invalid] | None = None
    missing: str | None = None


def fill(steps: list[Step], ctx: Context, texts: dict[str, str]) -> Filled:
    """Answer a form's questions (its `steps`) from texts given all at once (a row of a spreadsheet), in their order,
    as if each were typed in the chat: every step that applies parses its text and checks it against the answers
    before it. An answer given beforehand (in `ctx.answers`) stands unless a text is given for it. A step that does
    something when answered (registers a school, sends a code) is never answered here: it is reported `missing`."""
    warnings: list[tuple[str, Any]] = []
    for step in steps:
        if not step.applies_to(ctx) or (step.name in ctx.answers and step.name not in texts):
            continue
        if step.name not in texts or step.after is not None:
            return Filled(ctx.answers, warnings, missing=step.name)
        try:
            value = step.parse(texts[step.name], ctx)
            notes = step.check(value, ctx) if step.check else []
        except Invalid as wrong:
            return Filled(ctx.answers, warnings, wrong=(step.name, wrong))
        ctx.answers[step.name] = value
        ctx.cache.pop("checks", None)
        warnings += [(step.name, note) for note in notes]
    return Filled(ctx.answers, warnings)


def error_line(wrong: Invalid):
    return t(N_("⚠ {error}"), error=t(wrong.message, **wrong.params))


def form_of(turn: Turn) -> Form:
    return turn.routes.forms[turn.draft.form]


def context(turn: Turn) -> Context:
    return Context(answers=turn.draft.answers, turn=turn)


def save(turn: Turn, state: str, history: list | None = None, editing: bool | None = None) -> DraftState:
    """The draft moves on: its version changes (older buttons stop acting) and its pause starts again."""
    draft = turn.draft
    draft.state = state
    if history is not None:
        draft.history = history
    if editing is not None:
        draft.editing = editing
    draft.version = draft.loaded_version + 1
    draft.updated_at = turn.now
    return draft


def move(turn: Turn, ctx: Context, trigger: Trigger, target: str | None = None) -> str:
    """Pull a trigger of the draft's machine and save where it lands (Refused when the move is not declared)."""
    draft = turn.draft
    landed = form_of(turn).dialog.fire(trigger, Position(draft.state, tuple(draft.history), draft.editing), ctx,
                                       target)
    save(turn, landed.state, list(landed.history), landed.editing)
    return landed.state


def tick(turn: Turn, ctx: Context) -> None:
    """A box of the summary changed: the draft stays there, with a new version."""
    move(turn, ctx, Trigger.TICK)


def end(turn: Turn, ctx: Context, trigger: Trigger) -> None:
    """`confirm` or `discard`: the machine ends in `done`, and the draft is closed, as the form says of a confirmed
    one (filed, done) or as abandoned."""
    move(turn, ctx, trigger)
    turn.close_draft(form_of(turn).confirmed_as if trigger == Trigger.CONFIRM else DraftStatus.ABANDONED)


def drop(turn: Turn) -> DraftState | None:
    """/cancel: the open draft, wherever it stands, is discarded (kept as abandoned); None when there is none."""
    draft = turn.draft
    if draft is None:
        return None
    try:
        move(turn, context(turn), Trigger.DISCARD)
    except (Refused, KeyError):  # a draft saved by an older version, in a state or form this one does not know
        pass
    turn.close_draft(DraftStatus.ABANDONED)
    return draft


# --- starting, and what comes in -------------------------------------------------------------------------------

def start(turn: Turn, form: Form, answers: dict, *, notes: list = (), request_id: int | None = None,
          replace: bool = False) -> View:
    """A new draft of `form` (any open one is kept as abandoned): `begin` at its first question that applies, or,
    for a form that changes what was filed, `modify` from its summary."""
    turn.open_draft(form.name, NEW, answers, request_id)
    ctx = context(turn)
    state = move(turn, ctx, Trigger.MODIFY if form.from_summary else Trigger.BEGIN)
    if state == SUMMARY and form.from_summary:
        return summary_view(turn, ctx, list(notes), replace)
    return settle(turn, ctx, list(notes), replace)


def carry_on(turn: Turn, form: Form, answers: dict, *, notes: list = (), replace: bool = False) -> View:
    """A new draft of `form` that starts with most of its answers (another request's, to go on from): it opens at
    its summary, which asks, one by one, every answer missing or no longer fitting the others (`check`), as it does
    for any draft, and is shown once none is."""
    turn.open_draft(form.name, SUMMARY, answers)
    return settle(turn, context(turn), list(notes), replace)


def _guard(turn: Turn, version: int | None, trigger: Trigger | None = None) -> list[View] | None:
    """What a button or a text gets instead of acting: no open form, an older message's button, a long pause."""
    draft = turn.draft
    if draft is None:
        return as_views(turn.routes.text(turn))
    if version is not None and version != draft.version:
        return [current_view(turn, note=t(N_("That button belongs to an earlier message. Here is where you are.")))]
    if turn.now - draft.updated_at > PAUSE and trigger not in (Trigger.RESUME, Trigger.RESTART):
        return [_resume_view(turn)]
    if version is None and draft.unseen:  # a typed text, and the question on screen is not known for sure
        typed = " ".join(turn.inp.text.split())
        save(turn, draft.state)  # the question shown now is the one a typed text answers next
        return [current_view(turn, note=t(N_("Your message \"{typed}\" was not taken: my last question may not "
                                             "have reached you. Here it is; please answer it."),
                                          typed=typed if len(typed) <= 40 else typed[:39] + "…"))]
    return None


def on_text(turn: Turn) -> list[View]:
    stop = _guard(turn, None)
    if stop is not None:
        return stop
    ctx = context(turn)
    if turn.draft.state == SUMMARY:
        return [summary_view(turn, ctx, [t(form_of(turn).summary_hint)], False)]
    return [_step_answer(turn, ctx, None, turn.inp.text[:500])]


def on_pick(turn: Turn, version: int, code: str) -> list[View]:
    stop = _guard(turn, version)
    if stop is not None:
        return stop
    ctx = context(turn)
    if turn.draft.state == SUMMARY:
        return [summary_view(turn, ctx, [t(form_of(turn).summary_hint)], True)]
    return [_step_answer(turn, ctx, code, code)]


def on_move(turn: Turn, version: int, trigger: str) -> list[View]:
    trigger = Trigger(trigger)
    stop = _guard(turn, version, trigger)
    if stop is not None:
        return stop
    ctx = context(turn)
    if trigger == Trigger.RESUME:
        move(turn, ctx, Trigger.RESUME)
        return [current_view(turn, replace=True)]
    if trigger == Trigger.RESTART:
        form = form_of(turn)
        move(turn, ctx, Trigger.RESTART)
        return as_views(form.start(turn))
    if trigger == Trigger.BACK:
        return [_back(turn, ctx)]
    if turn.draft.state == SUMMARY or turn.draft.state not in form_of(turn).step:
        return [current_view(turn, replace=True)]
    return [_step_answer(turn, ctx, Trigger.KEEP, "")]


def on_edit(turn: Turn, version: int, name: str) -> list[View]:
    stop = _guard(turn, version)
    if stop is not None:
        return stop
    ctx = context(turn)
    if turn.draft.state == SUMMARY and form_of(turn).editable_now(name, ctx):
        move(turn, ctx, Trigger.EDIT, name)
        return [step_view(turn, ctx, [], replace=True)]
    return [current_view(turn, replace=True)]


def on_do(turn: Turn, version: int, act: str) -> list[View]:
    stop = _guard(turn, version)
    if stop is not None:
        return stop
    form, ctx, act = form_of(turn), context(turn), Act(act)
    if turn.draft.state != SUMMARY:
        return [current_view(turn, replace=True)]
    if act == Act.ANSWERS and form.groups:
        return [answers_view(turn, ctx)]
    view = form.on_summary(turn, ctx, act)
    return [view if view is not None else summary_view(turn, ctx, [], True)]


def _step_answer(turn: Turn, ctx: Context, code: str | None, text: str) -> View:
    form, draft = form_of(turn), turn.draft
    step = form.step[draft.state]
    replace = code is not None
    keep = code == Trigger.KEEP and step.name in ctx.answers
    try:
        value = ctx.answers[step.name] if keep else step.parse(text, ctx)
        notes = step.check(value, ctx) if step.check else []
    except Invalid as wrong:
        return step_view(turn, ctx, [error_line(wrong)], replace=replace)
    previous = ctx.answers.get(step.name)
    ctx.answers[step.name] = value
    ctx.cache.pop("checks", None)  # the answers changed: what was checked no longer holds
    if previous is not None and previous != value:
        for name in form.clears[step.name]:
            ctx.answers.pop(name, None)
    echo = [step.echo(value, ctx) if step.echo else
            t(N_("✓ {label}: {answer}"), label=t(step.label), answer=step.show(value, ctx)), *notes]
    if step.after:
        echo += step.after(value, ctx)
    move(turn, ctx, Trigger.KEEP if keep else Trigger.ANSWER)
    return settle(turn, ctx, echo, replace)


def settle(turn: Turn, ctx: Context, lines: list, replace: bool) -> View:
    """Show where the draft is. At the summary every answer is checked first: the first that is missing or no longer
    fits the others is asked again (`check`), with why."""
    if turn.draft.state == SUMMARY:
        problem = recheck(form_of(turn), ctx)
        if problem is None:
            return summary_view(turn, ctx, lines, replace)
        name, error = problem
        move(turn, ctx, Trigger.CHECK, name)
        lines = [*lines, error] if error else lines
    return step_view(turn, ctx, lines, replace=replace)


def recheck(form: Form, ctx: Context):
    """The first answer that is missing or no longer fits the others, with why."""
    for step in form.steps:
        if not step.applies_to(ctx):
            continue
        if step.name not in ctx.answers:
            return step.name, None
        try:
            if step.check:
                checked(step, ctx)
        except Invalid as wrong:
            return step.name, error_line(wrong)
    return None


def _back(turn: Turn, ctx: Context) -> View:
    draft = turn.draft
    if not draft.history:
        return current_view(turn, note=t(N_("This is the first question.")), replace=True)
    try:
        state = move(turn, ctx, Trigger.BACK)
        if state == SUMMARY and recheck(form_of(turn), ctx) is not None:
            # The summary was only passed through, on its way to a question it asked again (`check`): it is not shown
            # with an answer missing, and "Back" goes on to the answer given before it.
            move(turn, ctx, Trigger.BACK)
    except Refused:  # a history saved by an older version of the form: forget that step
        save(turn, turn.draft.state, turn.draft.history[:-1])
    return settle(turn, ctx, [], True)


# --- views ------------------------------------------------------------------------------------------------------

def _button(turn: Turn, item) -> Button:
    version = turn.draft.version
    if isinstance(item, Do):
        return FORM_DO.button(item.label, version, item.act)
    if isinstance(item, Edit):
        return FORM_EDIT.button(item.label, version, item.step)
    if isinstance(item, Back):
        return FORM_MOVE.button(item.label, version, Trigger.BACK)
    return FORM_PICK.button(item.label, version, item.code)


def _move_button(turn: Turn, label, trigger: Trigger) -> Button:
    return FORM_MOVE.button(label, turn.draft.version, trigger)


def step_view(turn: Turn, ctx: Context, lines: list, replace=False) -> View:
    step = form_of(turn).step[turn.draft.state]
    lines = [*lines, *step.prompt(ctx)]
    # One choice per row: labels are sentences, readable on a phone only at full width.
    buttons = [[_button(turn, c)] for c in step.choices(ctx)] if step.choices else []
    if step.name in ctx.answers:
        current = step.show(ctx.answers[step.name], ctx)
        lines.append(t(N_("Current answer: {answer}"), answer=current))
        # Back at a question already answered (by "Back", or from the summary): keeping it is one tap, buttons or not.
        buttons.append([_move_button(turn, t(N_("Keep: {answer}"), answer=current), Trigger.KEEP)])
    if turn.draft.history:
        buttons.append([_move_button(turn, t(N_("« Back")), Trigger.BACK)])
    return View(lines, buttons, replace, typed=step.typed)


def summary_view(turn: Turn, ctx: Context, lines: list, replace: bool) -> View:
    form = form_of(turn)
    for step in form.steps:  # warnings (short notice) stay visible until the user confirms, each once
        if step.check and step.applies_to(ctx) and step.name in ctx.answers:
            try:
                lines = [*lines, *(warning for warning in checked(step, ctx) if warning not in lines)]
            except Invalid:
                pass
    body, rows = form.summary(ctx)
    return View([*lines, *body], [[_button(turn, item) for item in row] for row in rows], replace)


def pick(choices):
    """A parser for a step answered with buttons; a typed code or label is accepted too, in the user's language
    first, then in the others (a spreadsheet's lists, or a word typed in another language)."""

    def parse(text: str, ctx: Context) -> str:
        wanted = text.strip().casefold()
        offered = choices(ctx)
        for choice in offered:
            if wanted in (choice.code.casefold(), render(choice.label, ctx.lang).casefold()):
                return choice.code
        for lang in LANGUAGES:
            for choice in offered:
                if lang != ctx.lang and wanted == render(choice.label, lang).casefold():
                    return choice.code
        raise Invalid(N_("Please choose one of the buttons below."))

    return parse


def modify_choice() -> Do:
    return Do(Act.ANSWERS, t(N_("✏ Modify an answer")))


def edit_choice(form: Form, name: str) -> Edit:
    return Edit(name, t(N_("✏ {label}"), label=t(form.step[name].label)))


def _editable(form: Form, ctx: Context, names: tuple[str, ...]) -> list[Step]:
    return [form.step[n] for n in names if form.editable_now(n, ctx) and n in ctx.answers]


def answers_view(turn: Turn, ctx: Context) -> View:
    """The groups of answers first (a handful of buttons on a phone), each opening its answers. Still the summary's
    state: "Back" (or any other summary button) returns to it."""
    form = form_of(turn)
    lines, rows = [t(N_("Which part do you want to modify?"))], []
    for index, (title, names) in enumerate(form.groups):
        steps = _editable(form, ctx, names)
        if steps:
            lines.append(t(N_("• {group}: {answers}"), group=Capitalized(t(title)),
                           answers=joined([t(s.label) for s in steps])))
            rows.append([FORM_GROUP.button(t(N_("✏ {group}"), group=Capitalized(t(title))), turn.draft.version, index)])
    rows.append([_button(turn, Do(Act.SUMMARY, t(N_("« Back to the confirmation page"))))])
    return View(lines, rows, replace=True)


def group_view(turn: Turn, ctx: Context, index: int) -> View:
    """One group's answers, each with its button."""
    form = form_of(turn)
    title, names = form.groups[index]
    steps = _editable(form, ctx, names)
    lines = [t(N_("{group}:"), group=Capitalized(t(title)))]
    lines += [t(N_("• {label}: {answer}"), label=t(s.label), answer=s.show(ctx.answers[s.name], ctx)) for s in steps]
    edits = [edit_choice(form, s.name) for s in steps]
    rows = [edits[i:i + 2] for i in range(0, len(edits), 2)]
    rows.append([Do(Act.ANSWERS, t(N_("« Other parts"))), Do(Act.SUMMARY, t(N_("« Confirmation page")))])
    return View(lines, [[_button(turn, item) for item in row] for row in rows], replace=True)


def on_group(turn: Turn, version: int, index: int) -> list[View]:
    stop = _guard(turn, version)
    if stop is not None:
        return stop
    form, ctx = form_of(turn), context(turn)
    if turn.draft.state != SUMMARY or index >= len(form.groups) or not _editable(form, ctx, form.groups[index][1]):
        return [current_view(turn, replace=True)]
    return [group_view(turn, ctx, index)]


def current_view(turn: Turn, note=None, replace=False) -> View:
    ctx = context(turn)
    lines = [note] if note else []
    if turn.draft.state == SUMMARY:
        return summary_view(turn, ctx, lines, replace)
    return step_view(turn, ctx, lines, replace)


def _resume_view(turn: Turn) -> View:
    draft, form = turn.draft, form_of(turn)
    step = t(form.step[draft.state].label) if draft.state in form.step else t(form.title)
    return View([t(N_("You started a request on {date} and left it at \"{step}\". Continue where you were, "
                      "or start over?"), date=local_today(draft.created_at), step=step)],
                [[_move_button(turn, t(N_("Continue")), Trigger.RESUME),
                  _move_button(turn, t(N_("Start over")), Trigger.RESTART)]])


# --- the runner on a router, like a feature: the engine core does not import it --------------------------------

router = Router("forms")
router.action(FORM_PICK)(on_pick)
router.action(FORM_MOVE)(on_move)
router.action(FORM_EDIT)(on_edit)
router.action(FORM_GROUP)(on_group)
# Confirm files a request or saves its modification: that tap's commit is durable.
router.action(FORM_DO, durable=lambda arguments: arguments[-1] == Act.CONFIRM)(on_do)


@router.typed
def _typed(turn: Turn) -> list[View]:
    return on_text(turn)


@router.current
def _current(turn: Turn) -> View | None:
    return current_view(turn) if turn.draft is not None else None
