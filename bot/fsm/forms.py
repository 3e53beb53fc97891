"""The form runner: answer, back, keep, edit from the summary, confirm, for any form declared as steps.

A form (the intake, the modification of a request) is a list of steps and a summary. Each form has one
`transitions` machine built at import and one model reused with `set_state`; `proceed` goes from each step to the
next one that applies. "Back" and "edit from the summary" jump through the draft's saved history instead. What a
changed answer invalidates is derived from the answers each step declares it depends on.
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from transitions import Machine

from bot.core.actions import Number, Text, action
from bot.core.router import Router
from bot.core.views import Button, View, as_views
from bot.domain.answers import local_today
from bot.domain.errors import Invalid
from bot.i18n import N_, Capitalized, render, t

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

    from bot.core.turn import Turn
    from bot.storage.turns import Actor, DraftState

SUMMARY, DONE = "summary", "done"
ANSWERS, SHOW_SUMMARY = "answers", "summary"  # summary codes: the page of answers, and back from it
PAUSE = dt.timedelta(days=1)
# Every button of a form: the draft's version (a button of an older message no longer matches) and a code.
FORM_ANSWER = action("form", Number("version"), Text("code", 30, rest=True))


@dataclass(frozen=True)
class Choice:
    code: str  # short, language-neutral
    label: Any  # T or plain text


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


class _Model:
    """The one object the form's machine moves; `ctx` is the draft being answered."""

    ctx: Context | None = None


def _applies(step: Step):
    return lambda event: step.applies_to(event.model.ctx)


def forward_transitions(steps: list[Step]) -> list[dict]:
    """`proceed` from each step to the next one that applies: conditional steps become branches."""
    result = []
    for i, source in enumerate(steps):
        for target in steps[i + 1:]:
            if target.applies is None:
                result.append(dict(trigger="proceed", source=source.name, dest=target.name))
                break
            result.append(dict(trigger="proceed", source=source.name, dest=target.name,
                               conditions=[_applies(target)]))
        else:
            result.append(dict(trigger="proceed", source=source.name, dest=SUMMARY))
    result.append(dict(trigger="confirm", source=SUMMARY, dest=DONE))
    return result


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

    summary(ctx) -> (lines, rows of Choice); on_summary(turn, ctx, code) -> View or None (show the summary again);
    start(turn) starts it over (the "Start over" button after a pause)."""

    name: str
    steps: list[Step]
    summary: Callable[[Context], tuple[list, list[list[Choice]]]]
    on_summary: Callable[[Turn, Context, str], View | None]
    start: Callable[[Turn], list[View]]
    editable: tuple[str, ...] | None = None  # the answers the summary may edit (None: every step)
    durable_codes: tuple[str, ...] = ()  # summary codes that file or change a request (durable commit)
    summary_hint: str = N_("Use the buttons below: modify an answer, tick the certification, then confirm.")
    title: str = "Form"
    # The answers by group ((title, step names), ...): the summary then carries one "Modify an answer" button (code
    # ANSWERS) that opens them, instead of a button per answer.
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __post_init__(self):
        DURABLE_CODES.update(self.durable_codes)
        self.step = {s.name: s for s in self.steps}
        self.clears = dependants(self.steps)
        self.states = [s.name for s in self.steps] + [SUMMARY, DONE]
        self.transitions = forward_transitions(self.steps)
        self.machine = Machine(model=None, states=self.states, transitions=self.transitions,
                               initial=self.steps[0].name, auto_transitions=False, send_event=True)
        self._model = _Model()
        self.machine.add_model(self._model)
        self._lock = threading.Lock()  # turns of different chats may run in threads: one model, one at a time

    def first_state(self, ctx: Context) -> str:
        return next((s.name for s in self.steps if s.applies_to(ctx)), SUMMARY)

    def advance(self, ctx: Context, state: str, trigger: str = "proceed") -> str:
        """Fire a trigger on the form's machine from `state` for this draft; the state it lands in."""
        with self._lock:
            self._model.ctx = ctx
            try:
                self.machine.set_state(state, model=self._model)
                self._model.trigger(trigger)
                return self._model.state
            finally:
                self._model.ctx = None

    def editable_now(self, name: str, ctx: Context) -> bool:
        return name in (self.editable or self.step) and name in self.step and self.step[name].applies_to(ctx)

    def mermaid(self, title: str) -> str:
        """The form's diagram, drawn by transitions from the same states and transitions."""
        from transitions.extensions import GraphMachine

        def label(transition):
            return {k: v for k, v in transition.items() if k != "conditions"} | (
                {"conditions": [f"applies_{transition['dest']}"]} if "conditions" in transition else {})

        graph = GraphMachine(model=_Model(), title=title, states=self.states,
                             transitions=[label(x) for x in self.transitions], initial=self.steps[0].name,
                             auto_transitions=False, graph_engine="mermaid", show_conditions=True)
        return graph.model.get_graph().draw(None)


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


# --- starting, and what comes in -------------------------------------------------------------------------------

def start(turn: Turn, form: Form, answers: dict, *, notes: list = (), state: str | None = None,
          request_id: int | None = None, replace: bool = False) -> View:
    """A new draft of `form` (any open one is kept as abandoned), at its first step or at `state`."""
    turn.open_draft(form.name, state or SUMMARY, answers, request_id)
    ctx = context(turn)
    if state is None:
        turn.draft.state = form.first_state(ctx)
    if turn.draft.state == SUMMARY:
        return summary_view(turn, ctx, list(notes), replace)
    return step_view(turn, ctx, list(notes), replace=replace)


def on_button(turn: Turn, version: int, code: str) -> list[View]:
    return _answer(turn, code, version)


def on_text(turn: Turn) -> list[View]:
    return _answer(turn, None, None)


def _answer(turn: Turn, code: str | None, version: int | None) -> list[View]:
    draft = turn.draft
    if draft is None:
        return as_views(turn.routes.text(turn))
    form = form_of(turn)
    if code is not None and version != draft.version:
        return [current_view(turn, note=t(N_("That button belongs to an earlier message. Here is where you are.")))]
    if turn.now - draft.updated_at > PAUSE and code not in ("resume", "restart"):
        return [_resume_view(turn)]
    if code == "resume":
        save(turn, draft.state)
        return [current_view(turn, replace=True)]
    if code == "restart":
        return as_views(form.start(turn))
    ctx = context(turn)
    if code == "back":
        return [_back(turn, ctx)]
    if draft.state == SUMMARY:
        return [_summary_action(turn, form, ctx, code)]
    return [_step_answer(turn, form, ctx, code, turn.inp.text[:500])]


def _step_answer(turn: Turn, form: Form, ctx: Context, code: str | None, text: str) -> View:
    draft = turn.draft
    step = form.step[draft.state]
    replace = code is not None
    try:
        if code == "keep" and step.name in ctx.answers:
            value = ctx.answers[step.name]
        else:
            value = step.parse(code if code is not None else text, ctx)
        notes = step.check(value, ctx) if step.check else []
    except Invalid as wrong:
        return step_view(turn, ctx, [error_line(wrong)], replace=replace)
    previous = ctx.answers.get(step.name)
    ctx.answers[step.name] = value
    ctx.cache.pop("checks", None)  # the answers changed: what was checked no longer holds
    if previous is not None and previous != value:
        for name in form.clears[step.name]:
            ctx.answers.pop(name, None)
    history = [*draft.history, step.name]
    echo = [step.echo(value, ctx) if step.echo else
            t(N_("✓ {label}: {answer}"), label=t(step.label), answer=step.show(value, ctx)), *notes]
    if step.after:
        echo += step.after(value, ctx)
    if draft.editing:
        state = next((s.name for s in form.steps if s.applies_to(ctx) and s.name not in ctx.answers), SUMMARY)
    else:
        state = form.advance(ctx, step.name)
    return go(turn, ctx, state, echo, replace, history)


def go(turn: Turn, ctx: Context, state: str, lines: list, replace: bool, history: list | None = None) -> View:
    """Save the draft in its new state and show that state; the summary first re-checks every answer."""
    draft = turn.draft
    history = list(draft.history if history is None else history)
    editing = draft.editing and state != SUMMARY
    if state == SUMMARY:
        problem = recheck(form_of(turn), ctx)
        if problem is not None:
            state, error = problem
            editing = True
            history.append(SUMMARY)
            lines = [*lines, error] if error else lines
    save(turn, state, history, editing)
    if state == SUMMARY:
        return summary_view(turn, ctx, lines, replace)
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
    history = draft.history[:-1]
    state = draft.history[-1]
    save(turn, state, history, draft.editing and state != SUMMARY)
    if state == SUMMARY:
        return summary_view(turn, ctx, [], True)
    return step_view(turn, ctx, [], replace=True)


def _summary_action(turn: Turn, form: Form, ctx: Context, code: str | None) -> View:
    if code is None:
        return summary_view(turn, ctx, [t(form.summary_hint)], False)
    if code.startswith("edit:") and form.editable_now(code[5:], ctx):
        save(turn, code[5:], [*turn.draft.history, SUMMARY], True)
        return step_view(turn, ctx, [], replace=True)
    if code == ANSWERS and form.groups:
        return answers_view(turn, ctx)
    view = form.on_summary(turn, ctx, code)
    return view if view is not None else summary_view(turn, ctx, [], True)


# --- views ------------------------------------------------------------------------------------------------------

def _button(turn: Turn, label, code: str) -> Button:
    return FORM_ANSWER.button(label, turn.draft.version, code)


def step_view(turn: Turn, ctx: Context, lines: list, replace=False) -> View:
    step = form_of(turn).step[turn.draft.state]
    lines = [*lines, *step.prompt(ctx)]
    # One choice per row: labels are sentences, readable on a phone only at full width.
    buttons = [[_button(turn, c.label, c.code)] for c in step.choices(ctx)] if step.choices else []
    if step.name in ctx.answers:
        current = step.show(ctx.answers[step.name], ctx)
        lines.append(t(N_("Current answer: {answer}"), answer=current))
        if not step.choices:
            buttons.append([_button(turn, t(N_("Keep: {answer}"), answer=current), "keep")])
    if turn.draft.history:
        buttons.append([_button(turn, t(N_("« Back")), "back")])
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
    return View([*lines, *body], [[_button(turn, c.label, c.code) for c in row] for row in rows], replace)


def pick(choices):
    """A parser for a step answered with buttons; a typed code or label is accepted too."""

    def parse(text: str, ctx: Context) -> str:
        wanted = text.strip().casefold()
        for choice in choices(ctx):
            if wanted in (choice.code.casefold(), render(choice.label, ctx.lang).casefold()):
                return choice.code
        raise Invalid(N_("Please choose one of the buttons below."))

    return parse


def modify_choice() -> Choice:
    return Choice(ANSWERS, t(N_("✏ Modify an answer")))


def answers_view(turn: Turn, ctx: Context) -> View:
    """Every answer, by group, each with its button: a page of its own, so the summary keeps a handful of buttons.
    Still the summary's state: "Back" (or any other summary code) returns to it."""
    form = form_of(turn)
    lines, rows = [t(N_("Which answer do you want to modify?"))], []
    for title, names in form.groups:
        steps = [form.step[n] for n in names if form.editable_now(n, ctx) and n in ctx.answers]
        if not steps:
            continue
        lines += ["", t(N_("{group}:"), group=Capitalized(t(title)))]
        lines += [t(N_("• {label}: {answer}"), label=t(s.label), answer=s.show(ctx.answers[s.name], ctx))
                  for s in steps]
        edits = [Choice(f"edit:{s.name}", t(N_("✏ {label}"), label=t(s.label))) for s in steps]
        rows += [edits[i:i + 2] for i in range(0, len(edits), 2)]
    rows.append([Choice(SHOW_SUMMARY, t(N_("« Back to the confirmation page")))])
    return View(lines, [[_button(turn, c.label, c.code) for c in row] for row in rows], replace=True)


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
                [[_button(turn, t(N_("Continue")), "resume"), _button(turn, t(N_("Start over")), "restart")]])


# --- the runner on a router, like a feature: the engine core does not import it --------------------------------

router = Router("forms")
DURABLE_CODES: set[str] = set()  # every form's summary codes that file or change a request


@router.action(FORM_ANSWER, durable=lambda arguments: arguments[-1] in DURABLE_CODES)
def _form_button(turn: Turn, version: int, code: str) -> list[View]:
    return on_button(turn, version, code)


@router.typed
def _typed(turn: Turn) -> list[View]:
    return on_text(turn)


@router.current
def _current(turn: Turn) -> View | None:
    return current_view(turn) if turn.draft is not None else None
