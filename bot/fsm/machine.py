"""A form's dialog machine: its states and every move between them, declared once as a `transitions` machine.

A form's states are its questions (the steps, by name), plus `new` (a draft not begun), `summary` (the confirmation
page) and `done` (filed, saved or dropped). Every move a user can make is a trigger of the machine:

- `begin` goes from `new` to the first question that applies; `modify` (a filed request) straight to the summary;
- `answer` and `keep` (the current answer kept) go to the next question that applies, or back to the summary when
  the answer was edited from it;
- `edit` goes from the summary to the answer chosen there; `check` from the summary to the first answer that is
  missing or no longer fits the others;
- `back` undoes the last of those moves (the draft's history says which);
- `tick` changes a box of the summary and stays there; `confirm` files or saves (from the summary), `discard` drops
  the draft (from anywhere: the summary's Cancel, /cancel): both end in `done`;
- `resume` continues a paused draft where it was; `restart` leaves it for a new one.

The machine keeps the draft's history and its "editing" flag in its callbacks, so a move that is not declared does
not happen: the runner (bot/fsm/forms.py) only says which trigger the user pulled and, for `edit` and `check`, which
answer. The diagram (`breakbot diagram`) is drawn from the same machine.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Callable

from transitions import Machine
from transitions.core import MachineError

NEW, SUMMARY, DONE = "new", "summary", "done"


class Trigger(StrEnum):
    BEGIN = "begin"
    MODIFY = "modify"
    ANSWER = "answer"
    KEEP = "keep"
    EDIT = "edit"
    CHECK = "check"
    BACK = "back"
    TICK = "tick"
    CONFIRM = "confirm"
    DISCARD = "discard"
    RESUME = "resume"
    RESTART = "restart"


FORWARD = (Trigger.ANSWER, Trigger.KEEP, Trigger.EDIT, Trigger.CHECK)  # the moves `back` undoes


class Refused(Exception):
    """A move the machine does not declare from where the draft is (a bug, or a draft saved by an older version)."""


@dataclass(frozen=True)
class Position:
    """Where a draft is: its state, the states it came through (for `back`), and whether an answer is being edited
    from the summary (answering it then returns there)."""

    state: str
    history: tuple[str, ...] = ()
    editing: bool = False


class _Model:
    """The one object a form's machine moves; `context` is what conditions look at (the draft's answers)."""

    def __init__(self):
        self.context: Any = None
        self.history: list[str] = []
        self.editing = False
        self.target: str | None = None


def _came_through(event) -> None:
    event.model.history.append(event.transition.source)


def _went_back(event) -> None:
    event.model.history.pop()


def _arrived(event) -> None:
    """A question is being edited when it was reached from the summary (by `edit` or `check`, or by `back` to where
    the summary had sent it): answering it then returns there."""
    history = event.model.history
    event.model.editing = event.transition.dest != SUMMARY and bool(history) and history[-1] == SUMMARY


def _editing(event) -> bool:
    return event.model.editing


def _target(dest: str) -> Callable:
    return lambda event: event.model.target == dest


def _came_from(dest: str) -> Callable:
    return lambda event: bool(event.model.history) and event.model.history[-1] == dest


class Dialog:
    """The machine of one form, built once at import from its steps: `names` in order, and `applies(name)` giving
    the condition under which a conditional step is asked (None: always)."""

    def __init__(self, names: list[str], applies: Callable[[str], Callable | None], modify: bool = False):
        self.names = list(names)
        self.states = [NEW, *self.names, SUMMARY, DONE]
        moves: list[dict] = []
        # (trigger, source, dest) of the moves taken only under a condition on the answers or the editing flag (the
        # conditions of `back`, `edit` and `check` are where the draft comes from or which answer was chosen)
        self.conditional: set[tuple[str, str, str]] = set()

        def first_of(trigger: str, source: str, candidates: list[str]) -> None:
            """`trigger` from `source` to the first of `candidates` that applies, else to the summary."""
            for name in candidates:
                condition = applies(name)
                moves.append(dict(trigger=trigger, source=source, dest=name,
                                  conditions=[condition] if condition else []))
                if condition is None:
                    return
                self.conditional.add((trigger, source, name))
            moves.append(dict(trigger=trigger, source=source, dest=SUMMARY))

        if modify:  # a form that changes what was filed starts at its summary
            moves.append(dict(trigger=Trigger.MODIFY, source=NEW, dest=SUMMARY))
        else:
            first_of(Trigger.BEGIN, NEW, self.names)
        for i, name in enumerate(self.names):
            for trigger in (Trigger.ANSWER, Trigger.KEEP):
                moves.append(dict(trigger=trigger, source=name, dest=SUMMARY, conditions=[_editing]))
                self.conditional.add((trigger, name, SUMMARY))
                first_of(trigger, name, self.names[i + 1:])
        for name in self.names:
            moves.append(dict(trigger=Trigger.EDIT, source=SUMMARY, dest=name, conditions=[_target(name)]))
            moves.append(dict(trigger=Trigger.CHECK, source=SUMMARY, dest=name, conditions=[_target(name)]))
        for move in moves:
            if move["trigger"] in FORWARD:
                move["before"] = [_came_through]
                move["after"] = [_arrived]
        undone = list(dict.fromkeys((m["dest"], m["source"]) for m in moves if m["trigger"] in FORWARD))
        moves += [dict(trigger=Trigger.BACK, source=source, dest=dest, conditions=[_came_from(dest)],
                       before=[_went_back], after=[_arrived]) for source, dest in undone]
        open_states = [*self.names, SUMMARY]
        moves += [dict(trigger=Trigger.TICK, source=SUMMARY, dest=None),
                  dict(trigger=Trigger.CONFIRM, source=SUMMARY, dest=DONE),
                  dict(trigger=Trigger.DISCARD, source=open_states, dest=DONE),
                  dict(trigger=Trigger.RESUME, source=open_states, dest="="),
                  dict(trigger=Trigger.RESTART, source=open_states, dest=NEW)]
        self.moves = moves
        self.machine = Machine(model=None, states=self.states, transitions=moves, initial=NEW,
                               auto_transitions=False, send_event=True)
        self._model = _Model()
        self.machine.add_model(self._model)
        self._lock = threading.Lock()  # turns of different chats may run in threads: one model, one at a time

    def fire(self, trigger: Trigger, at: Position, context: Any = None, target: str | None = None) -> Position:
        """Pull `trigger` for a draft at `at`; where it lands. Refused when the machine declares no such move."""
        with self._lock:
            model = self._model
            model.context, model.history, model.editing, model.target = context, list(at.history), at.editing, target
            try:
                self.machine.set_state(at.state, model=model)
                moved = model.trigger(trigger)  # False: declared from here, but no move's condition holds
            except (MachineError, AttributeError):  # not declared from here, or by this form at all
                moved = False
            finally:
                model.context = None
            if not moved:
                raise Refused(f"{trigger} from {at.state}" + (f" to {target}" if target else ""))
            return Position(model.state, tuple(model.history), model.editing)

    def triggers(self) -> set[str]:
        return set(self.machine.events)

    def mermaid(self, title: str) -> str:
        """The machine as a Mermaid flowchart, drawn from the moves it was built with: a move declared both ways is
        one two-headed arrow (its label says "there → / ← back"), a move from every open state starts at one "any
        state" node, and a move taken only under a condition (the question applies to the answers; to the summary:
        the answer was edited from it, or no later question applies) ends with "?"."""
        open_states = {*self.names, SUMMARY}
        edges: dict[tuple[str, str], list[str]] = {}
        for move in self.moves:
            sources = move["source"] if isinstance(move["source"], list) else [move["source"]]
            if len(sources) > 1 and set(sources) == open_states:
                sources = ["any state"]
            for source in sources:
                dest = source if move["dest"] in (None, "=") else move["dest"]
                label = str(move["trigger"]) + ("?" if (move["trigger"], source, dest) in self.conditional else "")
                labels = edges.setdefault((source, dest), [])
                if label not in labels:
                    labels.append(label)
        names = [*self.states, "any state"]
        node = {name: f"s{i}" for i, name in enumerate(names)}
        lines = ["---", f"title: {title}", "---", "flowchart TD", *(f'    {node[n]}["{n}"]' for n in names)]
        drawn: set[tuple[str, str]] = set()
        for key, labels in edges.items():  # a move taken always need not also be drawn as taken under a condition
            edges[key] = [label for label in labels if not (label.endswith("?") and label[:-1] in labels)]
        for (source, dest), labels in edges.items():
            if (source, dest) in drawn:
                continue
            drawn.add((source, dest))
            other = edges.get((dest, source)) if dest != source else None
            if other:
                drawn.add((dest, source))
                lines.append(f'    {node[source]} <-->|"{", ".join(labels)} → / ← {", ".join(other)}"| {node[dest]}')
            else:
                lines.append(f'    {node[source]} -->|"{", ".join(labels)}"| {node[dest]}')
        return "\n".join(lines) + "\n"
