"""The intake's state machine, built once from the steps and shared by every user's draft."""
from __future__ import annotations

from transitions import Machine

from bot.dialogs.base import Context, Step
from bot.dialogs.intake import DONE, STEPS, SUMMARY


class Draft:
    """The model a machine moves: one user's step name plus the context its conditions read."""

    def __init__(self, ctx: Context):
        self.ctx = ctx


def _applies(step: Step):
    return lambda event: step.applies_to(event.model.ctx)


def forward_transitions(steps: list[Step]) -> list[dict]:
    """`proceed` from each step to the next one that applies: conditional steps become branches."""
    names = [s.name for s in steps] + [SUMMARY]
    result = []
    for i, source in enumerate(steps):
        for target in steps[i + 1:]:
            if target.applies is None:
                result.append(dict(trigger="proceed", source=source.name, dest=target.name))
                break
            result.append(dict(trigger="proceed", source=source.name, dest=target.name,
                               conditions=[_applies(target)]))
        else:
            result.append(dict(trigger="proceed", source=source.name, dest=names[-1]))
    result.append(dict(trigger="confirm", source=SUMMARY, dest=DONE))
    return result


STATES = [s.name for s in STEPS] + [SUMMARY, DONE]
TRANSITIONS = forward_transitions(STEPS)
MACHINE = Machine(model=None, states=STATES, transitions=TRANSITIONS, initial=STEPS[0].name,
                  auto_transitions=False, send_event=True)


def first_state(ctx: Context) -> str:
    return next(s.name for s in STEPS if s.applies_to(ctx))


def advance(ctx: Context, state: str, trigger: str = "proceed") -> str:
    """Fire a trigger on the shared machine for this draft and return the state it lands in."""
    draft = Draft(ctx)
    MACHINE.add_model(draft, initial=state)
    try:
        draft.trigger(trigger)
        return draft.state
    finally:
        MACHINE.remove_model(draft)


def mermaid() -> str:
    """The dialog's diagram, drawn by transitions from the same states and transitions."""
    from transitions.extensions import GraphMachine

    def label(t):
        return {k: v for k, v in t.items() if k != "conditions"} | (
            {"conditions": [f"applies_{t['dest']}"]} if "conditions" in t else {})

    graph = GraphMachine(model=Draft(None), title="Intake dialog", states=STATES,
                         transitions=[label(t) for t in TRANSITIONS],
                         initial=STEPS[0].name, auto_transitions=False, graph_engine="mermaid",
                         show_conditions=True)
    return graph.model.get_graph().draw(None)
