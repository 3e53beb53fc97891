"""Reminders for oneself: /reminders turns them off, and on again."""
from __future__ import annotations

from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.views import View
from bot.fsm import forms
from bot.i18n import N_, t
from bot.storage import reminder_store

router = Router("reminders")
ON = N_("Reminders are on. I will remind you of a new request left unfinished for three days, of a request still "
        "waiting for the worker's part fourteen days after it was filed, and of a leave that ends within thirty days "
        "(with a button to extend it). /reminders turns them off.")
OFF = N_("Reminders are off: I will not remind you of unfinished requests, of requests waiting for the worker or of "
         "leaves ending soon. /reminders turns them on again.")


@router.command("reminders", menu=N_("Turn reminders off or on"),
                help=N_("/reminders: turn reminders off or on (requests left unfinished, requests waiting for the "
                        "worker, leaves ending soon)"))
def reminders(turn: Turn) -> list[View]:
    """Each /reminders turns them the other way; the member's own, stored with the member."""
    on = not reminder_store.reminders_on(turn.session, turn.member.id)
    reminder_store.set_reminders(turn.session, turn.member.id, on)
    return [View([t(ON if on else OFF)])] + ([forms.current_view(turn)] if turn.draft is not None else [])
