"""Language and help: /language with each language named in itself, and /help made from the registered commands."""
from __future__ import annotations

from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.views import View
from bot.dialogs.actions import LANGUAGE
from bot.fsm import forms
from bot.i18n import LANGUAGE_NAMES, N_, t
from bot.storage import organisation_store

router = Router("help")


def help_lines(turn: Turn) -> list:
    """One line per command any router registered with a help text, in the order they were included."""
    return [t(N_("What I can do:")), *(t(command.help) for command in turn.routes.help()),
            t(N_("During a request, answer each question by tapping a button or typing the answer; "
                 "\"Back\" returns to the previous question."))]


@router.command("language", menu=N_("Choose your language"), help=N_("/language: choose your language"))
def language(turn: Turn) -> View | list[View]:
    """/language alone offers the four; /language nl (or its name, Nederlands) switches at once."""
    wanted = turn.inp.text.strip().casefold()
    chosen = next((code for code, name in LANGUAGE_NAMES.items() if wanted in (code, name.casefold())), None)
    if chosen is not None:
        return set_language(turn, chosen)
    # Each language is named in itself, so a user lost in the wrong one still finds theirs.
    lines = [t(N_("Choose your language:"))]
    if wanted:
        lines.insert(0, t(N_("\"{text}\" is not a language I speak: tap one below, or type /language fr, nl, de or "
                             "en."), text=turn.inp.text.strip()[:20]))
    return View(lines, [[LANGUAGE.button(name, code) for code, name in LANGUAGE_NAMES.items()]])


@router.action(LANGUAGE)
def set_language(turn: Turn, code: str) -> list[View]:
    organisation_store.set_locale(turn.session, turn.member.id, code)
    turn.member.locale = code
    turn.lang = code
    views = [View([t(N_("I will now write to you in English."))], replace=True)]
    if turn.draft is not None:  # the answers stay; the current question comes again, in the new language
        views.append(forms.current_view(turn))
    return views


@router.command("help", menu=N_("What this assistant can do"), help=N_("/help: this help"))
def help_(turn: Turn) -> list[View]:
    return [View(help_lines(turn))] + ([forms.current_view(turn)] if turn.draft is not None else [])
