"""One path for every message: find the member, load the saved draft, fire the step, save, answer."""
from __future__ import annotations

import datetime as dt
import json
import logging
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from bot.dialogs import intake, status
from bot.dialogs.base import Choice, Context
from bot.dialogs.intake import DONE, STEP, STEPS, SUMMARY
from bot.domain.errors import Invalid
from bot.fsm import machine
from bot.fsm.views import Button, Input, Reply, View
from bot.i18n import LANGUAGES, N_, t
from bot.storage import repository
from bot.storage.database import session as open_session
from bot.storage.models import Dialog, Member, Organisation, utcnow

log = logging.getLogger(__name__)
BRUSSELS = ZoneInfo("Europe/Brussels")
PAUSE = dt.timedelta(days=1)
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "de": "Deutsch", "en": "English"}


def local_today(now: dt.datetime) -> dt.date:
    return now.astimezone(BRUSSELS).date()


def resolve_language(member: Member | None, language_code: str | None, default: str) -> str:
    """The member's choice, else their Telegram language when we speak it, else the default."""
    if member is not None and member.locale in LANGUAGES:
        return member.locale
    code = (language_code or "").split("-")[0].lower()
    return code if code in LANGUAGES else default


def _rows(choices: list[Choice], columns: int, prefix: str) -> list[list[Button]]:
    buttons = [Button(c.label, prefix + c.code) for c in choices]
    return [buttons[i:i + columns] for i in range(0, len(buttons), columns)]


class Engine:
    """Turns Inputs into Views. Holds no per-user state: everything lives in the database."""

    def __init__(self, db: DbEngine, default_locale: str = "fr", clock=utcnow):
        self.db = db
        self.default_locale = default_locale if default_locale in LANGUAGES else "fr"
        self.clock = clock

    def handle(self, inp: Input) -> Reply:
        with open_session(self.db) as session:
            member = repository.member_for(session, inp.channel, inp.user_key)
            try:
                views, member = self._dispatch(session, inp, member)
            except Exception:
                session.rollback()
                log.exception("could not handle %s input %r", inp.kind, inp.command or "(answer)")
                views = [View([t(N_("Sorry, something went wrong on our side. Your answers so far are saved: "
                                    "please try again, or type /help."))])]
            return Reply(views, resolve_language(member, inp.language_code, self.default_locale))

    # --- routing ---------------------------------------------------------------------------------

    def _dispatch(self, session: Session, inp: Input, member: Member | None):
        if inp.kind == "command" and inp.command == "start":
            return self._start(session, inp, member)
        if member is None:
            return [status.not_enrolled()], None
        if inp.kind == "command":
            handler = {"new": self._new, "cancel": self._cancel, "help": self._help,
                       "status": self._status, "language": self._language}.get(inp.command)
            if handler is None:
                return [View([t(N_("I do not know the command /{command}. Type /help to see what I can do."),
                                 command=inp.command[:32])])], member
            return handler(session, inp, member), member
        if inp.kind == "other":
            views = [View([t(N_("I can only read typed answers and buttons here."))])]
            dialog = repository.open_dialog(session, inp.channel, inp.chat_key)
            if dialog is not None:
                lang = resolve_language(member, inp.language_code, self.default_locale)
                views.append(self._current_view(session, member, dialog, lang))
            return views, member
        if inp.kind == "button":
            data = inp.text
            if data == "c:new":
                return self._new(session, inp, member), member
            if data.startswith("l:"):
                return self._set_language(session, inp, member, data[2:]), member
            if data.startswith("s:"):
                return status.show(session, member, data[2:], self._today()), member
            if data.startswith("d") and ":" in data:
                version, _, code = data[1:].partition(":")
                return self._answer(session, inp, member, code, version), member
            return [View([t(N_("This button is no longer valid. Type /help to see what I can do."))])], member
        return self._answer(session, inp, member, None, None), member

    def _today(self) -> dt.date:
        return local_today(self.clock())

    def _context(self, session, member, dialog: Dialog, lang: str) -> Context:
        return Context(answers=json.loads(dialog.answers), member=member, session=session, today=self._today(),
                       lang=lang)

    # --- commands --------------------------------------------------------------------------------

    def _start(self, session, inp: Input, member):
        code = inp.text.strip()
        if not code:
            if member is None:
                return [status.not_enrolled()], None
            return [status.welcome(session.get(Organisation, member.organisation_id), member)], member
        try:
            member, organisation = repository.enrol(session, inp.channel, inp.user_key, code[:64],
                                                    inp.display_name, now=self.clock())
        except repository.NotAllowed as refusal:
            session.rollback()
            return [View([t(refusal.reason, **refusal.params)])], member
        log.info("member %s enrolled in organisation %s", member.id, organisation.id)
        return [status.welcome(organisation, member)], member

    def _new(self, session, inp: Input, member: Member) -> list[View]:
        capacities = intake.roles_capacities(member.role_set)
        if not capacities:
            return [View([t(N_("Your roles do not allow you to file requests. Ask your access manager for the role "
                               "\"career break - organising authority for education\" or \"career break\"."))])]
        dialog = repository.start_dialog(session, member, inp.channel, inp.chat_key, STEPS[0].name)
        ctx = self._context(session, member, dialog, resolve_language(member, inp.language_code, self.default_locale))
        if len(capacities) == 1:
            ctx.answers["capacity"] = capacities[0].value
        state = machine.first_state(ctx)
        repository.save_dialog(session, dialog, state, ctx.answers, [], False, now=self.clock())
        intro = t(N_("New request. Answer each question; \"Back\" returns to the previous one, /cancel stops."))
        return [self._step_view(dialog, ctx, [], [intro])]

    def _cancel(self, session, inp: Input, member) -> list[View]:
        dialog = repository.abandon_dialog(session, inp.channel, inp.chat_key)
        if dialog is None:
            return [View([t(N_("There is no request in progress. Type /new to start one."))])]
        return [View([t(N_("The request in progress is cancelled. Nothing was sent to ONEM. Type /new to start "
                           "again."))], [[Button(t(N_("New request")), "c:new")]])]

    def _help(self, session, inp: Input, member) -> list[View]:
        views = [status.help_view()]
        dialog = repository.open_dialog(session, inp.channel, inp.chat_key)
        if dialog is not None:
            lang = resolve_language(member, inp.language_code, self.default_locale)
            views.append(self._current_view(session, member, dialog, lang))
        return views

    def _status(self, session, inp: Input, member) -> list[View]:
        if inp.text.strip():
            return status.show(session, member, inp.text, self._today())
        return status.latest(session, member)

    def _language(self, session, inp: Input, member) -> list[View]:
        # Each language is named in itself, so a user lost in the wrong one still finds theirs.
        return [View([t(N_("Choose your language:"))],
                     [[Button(name, f"l:{code}") for code, name in LANGUAGE_NAMES.items()]])]

    def _set_language(self, session, inp: Input, member: Member, code: str) -> list[View]:
        if code not in LANGUAGE_NAMES:
            return self._language(session, inp, member)
        repository.set_locale(session, member, code)
        views = [View([t(N_("I will now write to you in English."))], replace=True)]
        dialog = repository.open_dialog(session, inp.channel, inp.chat_key)
        if dialog is not None:  # the answers stay; the current question comes again, in the new language
            views.append(self._current_view(session, member, dialog, code))
        return views

    # --- the dialog ------------------------------------------------------------------------------

    def _answer(self, session, inp: Input, member: Member, code: str | None, version: str | None) -> list[View]:
        lang = resolve_language(member, inp.language_code, self.default_locale)
        dialog = repository.open_dialog(session, inp.channel, inp.chat_key)
        if dialog is None:
            return [self._no_dialog(session, inp, member, lang)]
        if code is not None and version != str(dialog.version):
            return [self._current_view(session, member, dialog, lang,
                                       note=t(N_("That button belongs to an earlier message. Here is where you are.")))]
        if self.clock() - dialog.updated_at > PAUSE and code not in ("resume", "restart"):
            return [self._resume_view(dialog)]
        if code == "resume":
            repository.touch_dialog(session, dialog, self.clock())
            return [self._current_view(session, member, dialog, lang, replace=True)]
        if code == "restart":
            return self._new(session, inp, member)
        ctx = self._context(session, member, dialog, lang)
        history = json.loads(dialog.history)
        if code == "back":
            return [self._back(session, dialog, ctx, history)]
        if dialog.state == SUMMARY:
            return [self._summary_action(session, member, dialog, ctx, history, code, inp.text)]
        return [self._step_answer(session, dialog, ctx, history, code, inp.text[:500])]

    def _step_answer(self, session, dialog: Dialog, ctx: Context, history: list, code, text) -> View:
        step = STEP[dialog.state]
        replace = code is not None
        try:
            if code == "keep" and step.name in ctx.answers:
                value = ctx.answers[step.name]
            else:
                value = step.parse(code if code is not None else text, ctx)
            notes = step.check(value, ctx) if step.check else []
        except Invalid as wrong:
            return self._step_view(dialog, ctx, history, [t(N_("⚠ {error}"), error=t(wrong.message, **wrong.params))],
                                   replace=replace)
        previous = ctx.answers.get(step.name)
        ctx.answers[step.name] = value
        if previous is not None and previous != value:
            for name in step.clears:
                ctx.answers.pop(name, None)
        history.append(step.name)
        echo = [step.echo(value, ctx) if step.echo else
                t(N_("✓ {label}: {answer}"), label=t(step.label), answer=step.show(value, ctx)), *notes]
        if dialog.editing:
            state = next((s.name for s in STEPS if s.applies_to(ctx) and s.name not in ctx.answers), SUMMARY)
        else:
            state = machine.advance(ctx, step.name)
        return self._go(session, dialog, ctx, history, state, echo, replace)

    def _go(self, session, dialog, ctx, history, state, lines, replace) -> View:
        """Save the draft in its new state and show that state; the summary first re-checks every answer."""
        editing = dialog.editing and state != SUMMARY
        if state == SUMMARY:
            problem = self._recheck(ctx)
            if problem is not None:
                state, error = problem
                editing = True
                history.append(SUMMARY)
                lines = [*lines, error] if error else lines
        repository.save_dialog(session, dialog, state, ctx.answers, history, editing, now=self.clock())
        if state == SUMMARY:
            return self._summary_view(session, dialog, ctx, lines, replace)
        return self._step_view(dialog, ctx, history, lines, replace=replace)

    def _recheck(self, ctx: Context):
        """The first answer that is missing or no longer fits the others, with why."""
        for step in STEPS:
            if not step.applies_to(ctx):
                continue
            if step.name not in ctx.answers:
                return step.name, None
            try:
                if step.check:
                    step.check(ctx.answers[step.name], ctx)
            except Invalid as wrong:
                return step.name, t(N_("⚠ {error}"), error=t(wrong.message, **wrong.params))
        return None

    def _back(self, session, dialog: Dialog, ctx: Context, history: list) -> View:
        if not history:
            return self._step_view(dialog, ctx, history, [t(N_("This is the first question."))], replace=True)
        state = history.pop()
        repository.save_dialog(session, dialog, state, ctx.answers, history, dialog.editing and state != SUMMARY, now=self.clock())
        if state == SUMMARY:
            return self._summary_view(session, dialog, ctx, [], True)
        return self._step_view(dialog, ctx, history, [], replace=True)

    def _summary_action(self, session, member, dialog, ctx, history, code, text) -> View:
        if code is None:
            return self._summary_view(session, dialog, ctx, [t(N_("Use the buttons below: edit an answer, tick the "
                                                                   "certification, then confirm."))], False)
        if code.startswith("edit:") and code[5:] in STEP and STEP[code[5:]].applies_to(ctx):
            history.append(SUMMARY)
            dialog.editing = True
            repository.save_dialog(session, dialog, code[5:], ctx.answers, history, True, now=self.clock())
            return self._step_view(dialog, ctx, history, [], replace=True)
        if code in ("toggle:confirm_email", "toggle:certified"):
            key = code.split(":")[1]
            ctx.answers[key] = not ctx.answers.get(key)
            repository.save_dialog(session, dialog, SUMMARY, ctx.answers, history, False, now=self.clock())
            return self._summary_view(session, dialog, ctx, [], True)
        if code == "confirm":
            if not ctx.answers.get("certified"):
                return self._summary_view(session, dialog, ctx, [t(N_("⚠ Tick \"I certify the data are correct\" "
                                                                       "before you confirm."))], True)
            problem = self._recheck(ctx)
            if problem is not None:
                return self._go(session, dialog, ctx, history, SUMMARY, [], True)
            machine.advance(ctx, SUMMARY, "confirm")
            request = repository.file_request(session, member, dialog, intake.request_fields(ctx.answers))
            log.info("request %s filed by member %s", request.ticket, member.id)
            organisation = session.get(Organisation, member.organisation_id)
            return status.acknowledgement(session, request, organisation.name)
        return self._summary_view(session, dialog, ctx, [], True)

    # --- views -----------------------------------------------------------------------------------

    def _step_view(self, dialog: Dialog, ctx: Context, history: list, lines: list, replace=False) -> View:
        step = STEP[dialog.state]
        prefix = f"d{dialog.version}:"
        lines = [*lines, *step.prompt(ctx)]
        buttons = _rows(step.choices(ctx), step.columns, prefix) if step.choices else []
        if step.name in ctx.answers:
            current = step.show(ctx.answers[step.name], ctx)
            lines.append(t(N_("Current answer: {answer}"), answer=current))
            if not step.choices:
                buttons.append([Button(t(N_("Keep: {answer}"), answer=current), prefix + "keep")])
        if history:
            buttons.append([Button(t(N_("« Back")), prefix + "back")])
        return View(lines, buttons, replace)

    def _summary_view(self, session, dialog, ctx, lines, replace) -> View:
        organisation = session.get(Organisation, ctx.member.organisation_id)
        for step in STEPS:  # warnings (short notice) stay visible until the user confirms
            if step.check and step.applies_to(ctx) and step.name in ctx.answers:
                try:
                    lines = [*lines, *step.check(ctx.answers[step.name], ctx)]
                except Invalid:
                    pass
        buttons = [[Button(c.label, f"d{dialog.version}:{c.code}") for c in row]
                   for row in intake.summary_buttons(ctx)]
        buttons.append([Button(t(N_("« Back")), f"d{dialog.version}:back")])
        return View([*lines, *intake.summary_lines(ctx, organisation.name)], buttons, replace)

    def _current_view(self, session, member, dialog: Dialog, lang: str, note=None, replace=False) -> View:
        ctx = self._context(session, member, dialog, lang)
        lines = [note] if note else []
        if dialog.state == SUMMARY:
            return self._summary_view(session, dialog, ctx, lines, replace)
        return self._step_view(dialog, ctx, json.loads(dialog.history), lines, replace)

    def _resume_view(self, dialog: Dialog) -> View:
        prefix = f"d{dialog.version}:"
        return View([t(N_("You started a request on {date} and left it at \"{step}\". Continue where you were, "
                          "or start over?"), date=local_today(dialog.created_at),
                       step=t(STEP[dialog.state].label) if dialog.state in STEP else t(N_("Confirmation page")))],
                    [[Button(t(N_("Continue")), prefix + "resume"), Button(t(N_("Start over")), prefix + "restart")]])

    def _no_dialog(self, session, inp: Input, member, lang) -> View:
        last = repository.last_dialog(session, inp.channel, inp.chat_key)
        if inp.kind == "button" and last is not None and last.status == "filed":
            request = repository.request_of_dialog(session, member.organisation_id, last.id)
            if request is not None:
                return View([t(N_("This request has already been filed, with ticket number {ticket}."),
                                ticket=request.ticket)], [[Button(t(N_("Show it")), f"s:{request.ticket}")]])
        return View([t(N_("There is no request in progress. Type /new to file one, or /help."))],
                    [[Button(t(N_("New request")), "c:new")]])

