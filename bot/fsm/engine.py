"""One path for every message: find the member, load the saved draft, fire the step, save, answer."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from bot.dialogs import consult, intake, members, overview, status
from bot.dialogs.base import Choice, Context
from bot.dialogs.intake import EDITABLE_AFTER_FILING, STEP, STEPS, SUMMARY
from bot.domain.errors import Invalid
from bot.domain.leaves import UNDECIDED
from bot.fsm import machine
from bot.fsm.views import Button, Document, Input, Reply, View
from bot.i18n import LANGUAGES, N_, FileSize, t
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


def _rows(choices: list[Choice], prefix: str) -> list[list[Button]]:
    """One choice per row: labels are sentences, readable on a phone only at full width."""
    return [[Button(c.label, prefix + c.code)] for c in choices]


def small_number(text: str) -> int | None:
    """A record id or page number from callback data: ASCII digits only, small enough for any database."""
    return int(text) if re.fullmatch(r"\d{1,9}", text, re.ASCII) else None


def _error(wrong: Invalid):
    return t(N_("⚠ {error}"), error=t(wrong.message, **wrong.params))


@contextmanager
def chat_lock(db: DbEngine, key: str):
    """One turn at a time per chat across processes: a PostgreSQL advisory lock held for the whole turn.

    A turn commits more than once, so a row lock would be released too early; the advisory lock lives on its
    own connection until the turn is over. SQLite serves one process, where updates are handled in order.
    """
    if db.dialect.name != "postgresql":
        yield
        return
    number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
    with db.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("SELECT pg_advisory_lock(:n)"), {"n": number})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:n)"), {"n": number})


@dataclass
class Turn:
    """One input being handled: its database session, who sent it, and in which language we answer."""

    session: Session
    inp: Input
    member: Member | None
    lang: str


class Engine:
    """Turns Inputs into Views. Holds no per-user state: everything lives in the database."""

    def __init__(self, db: DbEngine, default_locale: str = "fr", clock=utcnow,
                 attachments_dir: Path | None = None, mail_enabled: bool = False):
        self.db = db
        self.default_locale = default_locale if default_locale in LANGUAGES else "fr"
        self.clock = clock
        self.attachments_dir = attachments_dir or Path("data") / "attachments"
        self.mail_enabled = mail_enabled
        self.bot_username: str | None = None  # set by the Telegram channel, for invitation links

    def handle(self, inp: Input) -> Reply:
        with chat_lock(self.db, f"{inp.channel}:{inp.chat_key}"), open_session(self.db) as session:
            if inp.update_id is not None and not repository.first_delivery(session, inp.update_id):
                return Reply([], self.default_locale)  # already applied by this or another process
            member = repository.member_for(session, inp.channel, inp.user_key)
            turn = Turn(session, inp, member, resolve_language(member, inp.language_code, self.default_locale))
            try:
                views = self._dispatch(turn)
                if session.in_transaction() or session.new:
                    session.commit()  # what the turn left pending: the processed update, audit entries
            except Exception:
                session.rollback()
                log.exception("could not handle %s input %r", inp.kind, inp.command or "(answer)")
                views = [View([t(N_("Sorry, something went wrong on our side. Your answers so far are saved: "
                                    "please try again, or type /help."))])]
            # The language may have changed during the turn (enrolment, /language).
            return Reply(views, resolve_language(turn.member, inp.language_code, self.default_locale))

    # --- routing ---------------------------------------------------------------------------------

    def _dispatch(self, turn: Turn) -> list[View]:
        inp = turn.inp
        if inp.kind == "command" and inp.command == "start":
            return self._start(turn)
        if turn.member is None:
            return [status.not_enrolled()]
        if inp.kind == "command":
            handler = {"new": self._new, "cancel": self._cancel, "help": self._help, "status": self._status,
                       "language": self._language, "overview": self._overview, "invite": self._invite,
                       "members": self._members, "logout": self._logout}.get(inp.command)
            if handler is None:
                return [View([t(N_("I do not know the command /{command}. Type /help to see what I can do."),
                                 command=inp.command[:32])])]
            return handler(turn)
        if inp.kind == "upload":
            return self._upload(turn)
        if inp.kind == "other":
            views = [View([t(N_("I can only read typed answers, buttons and documents here."))])]
            dialog = repository.open_dialog(turn.session, inp.channel, inp.chat_key)
            return views + ([self._current_view(turn, dialog)] if dialog else [])
        if inp.kind == "button":
            return self._button(turn, inp.text)
        return self._answer(turn, None, None)

    def _button(self, turn: Turn, data: str) -> list[View]:
        if data.startswith("d") and ":" in data:
            version, _, code = data[1:].partition(":")
            return self._answer(turn, code, version)
        prefix, _, rest = data.partition(":")
        handler = {"c": lambda r: self._new(turn), "l": lambda r: self._set_language(turn, r),
                   "s": lambda r: self._show(turn, r), "o": lambda r: self._overview_action(turn, r),
                   "q": lambda r: self._receipt(turn, r), "m": lambda r: self._modify(turn, r),
                   "x": lambda r: self._request_action(turn, r, consult.ask_cancel),
                   "X": lambda r: self._cancel_request(turn, r), "a": lambda r: self._send_attachment(turn, r),
                   "i": lambda r: self._invite_action(turn, r), "v": lambda r: self._revoke(turn, r, False),
                   "V": lambda r: self._revoke(turn, r, True), "g": lambda r: self._logout(turn, True)}.get(prefix)
        if handler is None:
            return [View([t(N_("This button is no longer valid. Type /help to see what I can do."))])]
        return handler(rest[:64])

    def _today(self) -> dt.date:
        return local_today(self.clock())

    def _context(self, turn: Turn, dialog: Dialog) -> Context:
        return Context(answers=json.loads(dialog.answers), member=turn.member, session=turn.session,
                       today=self._today(), lang=turn.lang, mail_enabled=self.mail_enabled)

    # --- commands --------------------------------------------------------------------------------

    def _start(self, turn: Turn) -> list[View]:
        session, inp = turn.session, turn.inp
        code = inp.text.strip()
        if not code:
            if turn.member is None:
                return [status.not_enrolled()]
            return [status.welcome(session.get(Organisation, turn.member.organisation_id), turn.member)]
        try:
            member, organisation = repository.enrol(session, inp.channel, inp.user_key, code[:64],
                                                    inp.display_name, now=self.clock())
        except repository.NotAllowed as refusal:
            session.rollback()
            return [View([t(refusal.reason, **refusal.params)])]
        turn.member = member
        log.info("member %s enrolled in organisation %s", member.id, organisation.id)
        return [status.welcome(organisation, member)]

    def _new(self, turn: Turn) -> list[View]:
        member = turn.member
        capacities = intake.roles_capacities(member.role_set)
        if not capacities:
            return [View([t(N_("Your roles do not allow you to file requests. Ask your access manager for the role "
                               "\"career break - organising authority for education\" or \"career break\"."))])]
        dialog = repository.start_dialog(turn.session, member, turn.inp.channel, turn.inp.chat_key, STEPS[0].name)
        ctx = self._context(turn, dialog)
        if len(capacities) == 1:
            ctx.answers["capacity"] = capacities[0].value
        if member.email:
            ctx.answers["my_email"] = member.email
        state = machine.first_state(ctx)
        repository.save_dialog(turn.session, dialog, state, ctx.answers, [], False, now=self.clock())
        intro = t(N_("New request. Answer each question; \"Back\" returns to the previous one, /cancel stops."))
        return [self._step_view(dialog, ctx, [], [intro])]

    def _cancel(self, turn: Turn) -> list[View]:
        dialog = repository.abandon_dialog(turn.session, turn.inp.channel, turn.inp.chat_key)
        if dialog is None:
            return [View([t(N_("There is no request in progress. Type /new to start one."))])]
        return [View([t(N_("The request in progress is cancelled. Nothing was sent to ONEM. Type /new to start "
                           "again."))], [[Button(t(N_("New request")), "c:new")]])]

    def _help(self, turn: Turn) -> list[View]:
        dialog = repository.open_dialog(turn.session, turn.inp.channel, turn.inp.chat_key)
        return [status.help_view()] + ([self._current_view(turn, dialog)] if dialog else [])

    def _status(self, turn: Turn) -> list[View]:
        if turn.inp.text.strip():
            return self._show(turn, turn.inp.text)
        return status.latest(turn.session, turn.member)

    def _language(self, turn: Turn) -> list[View]:
        # Each language is named in itself, so a user lost in the wrong one still finds theirs.
        return [View([t(N_("Choose your language:"))],
                     [[Button(name, f"l:{code}") for code, name in LANGUAGE_NAMES.items()]])]

    def _set_language(self, turn: Turn, code: str) -> list[View]:
        if code not in LANGUAGE_NAMES:
            return self._language(turn)
        repository.set_locale(turn.session, turn.member, code)
        turn.lang = code
        views = [View([t(N_("I will now write to you in English."))], replace=True)]
        dialog = repository.open_dialog(turn.session, turn.inp.channel, turn.inp.chat_key)
        if dialog is not None:  # the answers stay; the current question comes again, in the new language
            views.append(self._current_view(turn, dialog))
        return views

    # --- the overview ----------------------------------------------------------------------------

    def _panel(self, turn: Turn) -> tuple[Dialog, dict]:
        row = repository.panel(turn.session, turn.member, turn.inp.channel, turn.inp.chat_key)
        state = overview.default_state(self._today()) | json.loads(row.answers)
        return row, state

    def _overview(self, turn: Turn) -> list[View]:
        row, state = self._panel(turn)
        try:
            state = overview.parse_filters(turn.inp.text[:500], state, self._today())
        except Invalid as wrong:
            return [overview.page_view(turn.session, turn.member, state, notes=[_error(wrong)])]
        repository.save_panel(turn.session, row, state)
        return [overview.page_view(turn.session, turn.member, state)]

    def _overview_action(self, turn: Turn, code: str) -> list[View]:
        row, state = self._panel(turn)
        view, state = overview.act(turn.session, turn.member, state, code, self._today(), turn.lang)
        if view.document is not None:
            filters = {k: v for k, v in state.items() if v and k not in ("page", "focus", "focus_at", "invite")}
            repository.audit(turn.session, turn.member, "exported", detail=json.dumps(filters, sort_keys=True))
        repository.save_panel(turn.session, row, state)
        return [view]

    # --- one request: consultation, receipt, modification, cancellation, attachments -------------

    def _show(self, turn: Turn, typed: str) -> list[View]:
        view, request = consult.show(turn.session, turn.member, typed)
        if request is not None:
            repository.audit(turn.session, turn.member, "consulted", request)
            self._focus(turn, request)
        return [view]

    def _focus(self, turn: Turn, request) -> None:
        """Remember the request on screen: a document sent next is attached to it."""
        row, state = self._panel(turn)
        state |= {"focus": request.id, "focus_at": self.clock().isoformat()}
        repository.save_panel(turn.session, row, state)

    def _request_action(self, turn: Turn, ticket: str, action) -> list[View]:
        request = repository.request_by_ticket(turn.session, turn.member.organisation_id, ticket)
        if request is None:
            return self._show(turn, ticket)  # says there is no such request in this organisation
        return [action(request)]

    def _receipt(self, turn: Turn, ticket: str) -> list[View]:
        from bot.receipt import receipt_pdf

        def make(request):
            organisation = turn.session.get(Organisation, turn.member.organisation_id)
            data = receipt_pdf(turn.session, request, organisation, turn.lang)
            repository.audit(turn.session, turn.member, "receipt", request)
            return View([t(N_("The acknowledgement of request {ticket}."), ticket=request.ticket)],
                        document=Document(f"acknowledgement-{request.ticket}.pdf", data=data))

        return self._request_action(turn, ticket, make)

    def _cancel_request(self, turn: Turn, ticket: str) -> list[View]:
        request = repository.request_by_ticket(turn.session, turn.member.organisation_id, ticket)
        if request is None:
            return self._show(turn, ticket)
        if not repository.cancel_request(turn.session, turn.member, request):
            return [consult.too_late(request)]
        repository.audit(turn.session, turn.member, "cancelled", request)
        log.info("request %s cancelled by member %s", request.ticket, turn.member.id)
        return [consult.consultation(turn.session, turn.member, request,
                                     [t(N_("Request {ticket} is cancelled."), ticket=request.ticket), ""])]

    def _modify(self, turn: Turn, ticket: str) -> list[View]:
        request = repository.request_by_ticket(turn.session, turn.member.organisation_id, ticket)
        if request is None:
            return self._show(turn, ticket)
        if request.status not in UNDECIDED:
            return [consult.too_late(request)]
        dialog = repository.start_dialog(turn.session, turn.member, turn.inp.channel, turn.inp.chat_key, SUMMARY,
                                         kind="modify")
        answers = intake.answers_from_request(request)
        repository.save_dialog(turn.session, dialog, SUMMARY, answers, [], False, now=self.clock())
        return [self._summary_view(turn, dialog, self._context(turn, dialog), [], True)]

    def _save_modification(self, turn: Turn, dialog: Dialog, ctx: Context, history: list) -> View:
        request = repository.request_by_id(turn.session, turn.member.organisation_id, ctx.answers["request_id"])
        if request is None or request.status not in UNDECIDED:
            repository.abandon_dialog(turn.session, turn.inp.channel, turn.inp.chat_key)
            return consult.too_late(request) if request else View([t(N_("This request no longer exists."))])
        if self._recheck(ctx) is not None:
            return self._go(turn, dialog, ctx, history, SUMMARY, [], True)
        fields = intake.request_fields(ctx.answers)
        changes = repository.modify_request(turn.session, turn.member, request,
                                            {name: fields[name] for name in EDITABLE_AFTER_FILING})
        repository.close_dialog(turn.session, dialog)
        if changes:
            repository.audit(turn.session, turn.member, "modified", request, ", ".join(sorted(changes)))
        note = (t(N_("The changes are saved in the request's history.")) if changes
                else t(N_("Nothing was changed.")))
        return consult.consultation(turn.session, turn.member, request, [note, ""])

    def _upload(self, turn: Turn) -> list[View]:
        row, state = self._panel(turn)
        request_id = consult.focus_of(state, self.clock())
        request = request_id and repository.request_by_id(turn.session, turn.member.organisation_id, request_id)
        if not request:
            return [View([t(N_("To attach a document, first open the request: /status followed by its ticket "
                               "number, then send the file."))])]
        problem = consult.attachment_problem(turn.inp.upload)
        if problem is not None:
            return [View([t(N_("⚠ {error}"), error=problem)])]
        attachment = consult.store_attachment(turn.session, turn.member, request, turn.inp.upload,
                                              self.attachments_dir)
        note = t(N_("Attached to request {ticket}: {name} ({size})."), ticket=request.ticket,
                 name=attachment.filename, size=FileSize(attachment.size))
        return [consult.consultation(turn.session, turn.member, request, [note, ""])]

    def _send_attachment(self, turn: Turn, code: str) -> list[View]:
        number = small_number(code)
        attachment = (repository.attachment_by_id(turn.session, turn.member.organisation_id, number)
                      if number is not None else None)
        if attachment is None:
            return [View([t(N_("This document is not available."))])]
        request = repository.request_by_id(turn.session, turn.member.organisation_id, attachment.request_id)
        repository.audit(turn.session, turn.member, "attachment", request, attachment.filename)
        return [View([attachment.filename], document=consult.attachment_document(attachment, self.attachments_dir))]

    # --- members ---------------------------------------------------------------------------------

    def _invite(self, turn: Turn) -> list[View]:
        if members.ACCESS_MANAGER not in turn.member.role_set:
            return [members.only_managers()]
        row, state = self._panel(turn)
        repository.save_panel(turn.session, row, state | {"invite": ["po-education"]})
        return [members.invite_view(["po-education"])]

    def _invite_action(self, turn: Turn, code: str) -> list[View]:
        if members.ACCESS_MANAGER not in turn.member.role_set:
            return [members.only_managers()]
        row, state = self._panel(turn)
        chosen = state.get("invite", [])
        if code.startswith("t:") and code[2:] in repository.ROLES:
            role = code[2:]
            chosen = [r for r in chosen if r != role] if role in chosen else [*chosen, role]
            repository.save_panel(turn.session, row, state | {"invite": chosen})
            return [members.invite_view(chosen, replace=True)]
        if code == "go" and chosen:
            return [members.invitation_made(turn.session, turn.member, chosen, self.bot_username)]
        return [members.invite_view(chosen, replace=True)]

    def _members(self, turn: Turn) -> list[View]:
        return [members.members_view(turn.session, turn.member)]

    def _revoke(self, turn: Turn, code: str, confirmed: bool) -> list[View]:
        if members.ACCESS_MANAGER not in turn.member.role_set:
            return [members.only_managers()]
        number = small_number(code)
        other = (repository.member_of_organisation(turn.session, turn.member.organisation_id, number)
                 if number is not None else None)
        if other is None or other.id == turn.member.id:
            return [members.members_view(turn.session, turn.member, replace=True)]
        if not confirmed:
            return [members.ask_revoke(other)]
        repository.revoke(turn.session, other, self.clock())
        log.info("member %s revoked by member %s", other.id, turn.member.id)
        return [members.members_view(turn.session, turn.member, replace=True,
                                     notes=[t(N_("{name} can no longer use this assistant."),
                                              name=other.display_name or other.user_key)])]

    def _logout(self, turn: Turn, confirmed: bool = False) -> list[View]:
        if not confirmed:
            return [members.ask_logout()]
        repository.abandon_dialog(turn.session, turn.inp.channel, turn.inp.chat_key)
        repository.revoke(turn.session, turn.member, self.clock())
        return [View([t(N_("You are logged out. To come back, ask your access manager for a new invitation."))],
                     replace=True)]

    # --- the dialog ------------------------------------------------------------------------------

    def _answer(self, turn: Turn, code: str | None, version: str | None) -> list[View]:
        session, inp = turn.session, turn.inp
        dialog = repository.open_dialog(session, inp.channel, inp.chat_key)
        if dialog is None:
            return [self._no_dialog(turn)]
        if code is not None and version != str(dialog.version):
            return [self._current_view(turn, dialog,
                                       note=t(N_("That button belongs to an earlier message. Here is where you are.")))]
        if self.clock() - dialog.updated_at > PAUSE and code not in ("resume", "restart"):
            return [self._resume_view(dialog)]
        if code == "resume":
            repository.touch_dialog(session, dialog, self.clock())
            return [self._current_view(turn, dialog, replace=True)]
        if code == "restart":
            return self._new(turn)
        ctx = self._context(turn, dialog)
        history = json.loads(dialog.history)
        if code == "back":
            return [self._back(turn, dialog, ctx, history)]
        if dialog.state == SUMMARY:
            return [self._summary_action(turn, dialog, ctx, history, code)]
        return [self._step_answer(turn, dialog, ctx, history, code, inp.text[:500])]

    def _step_answer(self, turn: Turn, dialog: Dialog, ctx: Context, history: list, code, text) -> View:
        step = STEP[dialog.state]
        replace = code is not None
        try:
            if code == "keep" and step.name in ctx.answers:
                value = ctx.answers[step.name]
            else:
                value = step.parse(code if code is not None else text, ctx)
            notes = step.check(value, ctx) if step.check else []
        except Invalid as wrong:
            return self._step_view(dialog, ctx, history, [_error(wrong)], replace=replace)
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
        return self._go(turn, dialog, ctx, history, state, echo, replace)

    def _go(self, turn: Turn, dialog, ctx, history, state, lines, replace) -> View:
        """Save the draft in its new state and show that state; the summary first re-checks every answer."""
        editing = dialog.editing and state != SUMMARY
        if state == SUMMARY:
            problem = self._recheck(ctx)
            if problem is not None:
                state, error = problem
                editing = True
                history.append(SUMMARY)
                lines = [*lines, error] if error else lines
        repository.save_dialog(turn.session, dialog, state, ctx.answers, history, editing, now=self.clock())
        if state == SUMMARY:
            return self._summary_view(turn, dialog, ctx, lines, replace)
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
                return step.name, _error(wrong)
        return None

    def _back(self, turn: Turn, dialog: Dialog, ctx: Context, history: list) -> View:
        if not history:
            return self._current_view(turn, dialog, note=t(N_("This is the first question.")), replace=True)
        state = history.pop()
        repository.save_dialog(turn.session, dialog, state, ctx.answers, history,
                               dialog.editing and state != SUMMARY, now=self.clock())
        if state == SUMMARY:
            return self._summary_view(turn, dialog, ctx, [], True)
        return self._step_view(dialog, ctx, history, [], replace=True)

    def _summary_action(self, turn: Turn, dialog, ctx, history, code) -> View:
        session, member = turn.session, turn.member
        modifying = dialog.kind == "modify"
        if code is None:
            return self._summary_view(turn, dialog, ctx, [t(N_("Use the buttons below: edit an answer, tick the "
                                                                "certification, then confirm."))], False)
        editable = EDITABLE_AFTER_FILING if modifying else STEP
        if code.startswith("edit:") and code[5:] in editable and STEP[code[5:]].applies_to(ctx):
            history.append(SUMMARY)
            dialog.editing = True
            repository.save_dialog(session, dialog, code[5:], ctx.answers, history, True, now=self.clock())
            return self._step_view(dialog, ctx, history, [], replace=True)
        if modifying and code == "save":
            return self._save_modification(turn, dialog, ctx, history)
        if modifying and code == "discard":
            repository.abandon_dialog(session, turn.inp.channel, turn.inp.chat_key)
            request = repository.request_by_id(session, member.organisation_id, ctx.answers["request_id"])
            return consult.consultation(session, member, request, [t(N_("Nothing was changed.")), ""])
        toggles = ("toggle:confirm_email", "toggle:certified") if self.mail_enabled else ("toggle:certified",)
        if not modifying and code in toggles:
            key = code.split(":")[1]
            ctx.answers[key] = not ctx.answers.get(key)
            if key == "confirm_email" and ctx.answers[key] and "my_email" not in ctx.answers:
                return self._go(turn, dialog, ctx, history, SUMMARY, [], True)  # asks for the address first
            repository.save_dialog(session, dialog, SUMMARY, ctx.answers, history, False, now=self.clock())
            return self._summary_view(turn, dialog, ctx, [], True)
        if not modifying and code == "confirm":
            if not ctx.answers.get("certified"):
                return self._summary_view(turn, dialog, ctx, [t(N_("⚠ Tick \"I certify the data are correct\" "
                                                                    "before you confirm."))], True)
            if self._recheck(ctx) is not None:
                return self._go(turn, dialog, ctx, history, SUMMARY, [], True)
            return self._file(turn, dialog, ctx)
        return self._summary_view(turn, dialog, ctx, [], True)

    def _file(self, turn: Turn, dialog: Dialog, ctx: Context) -> View:
        session, member = turn.session, turn.member
        machine.advance(ctx, SUMMARY, "confirm")
        request = repository.file_request(session, member, dialog, intake.request_fields(ctx.answers))
        log.info("request %s filed by member %s", request.ticket, member.id)
        organisation = session.get(Organisation, member.organisation_id)
        if self.mail_enabled and request.confirmation_email and ctx.answers.get("my_email"):
            from bot.mail import enqueue_acknowledgement

            if member.email != ctx.answers["my_email"]:
                member.email = ctx.answers["my_email"]  # offered again next time
                session.add(member)
                session.commit()
            enqueue_acknowledgement(session, request, organisation, ctx.answers["my_email"], turn.lang)
        self._focus(turn, request)
        return status.acknowledgement(session, request, organisation.name)

    # --- views -----------------------------------------------------------------------------------

    def _step_view(self, dialog: Dialog, ctx: Context, history: list, lines: list, replace=False) -> View:
        step = STEP[dialog.state]
        prefix = f"d{dialog.version}:"
        lines = [*lines, *step.prompt(ctx)]
        buttons = _rows(step.choices(ctx), prefix) if step.choices else []
        if step.name in ctx.answers:
            current = step.show(ctx.answers[step.name], ctx)
            lines.append(t(N_("Current answer: {answer}"), answer=current))
            if not step.choices:
                buttons.append([Button(t(N_("Keep: {answer}"), answer=current), prefix + "keep")])
        if history:
            buttons.append([Button(t(N_("« Back")), prefix + "back")])
        return View(lines, buttons, replace)

    def _summary_view(self, turn: Turn, dialog, ctx, lines, replace) -> View:
        organisation = turn.session.get(Organisation, ctx.member.organisation_id)
        for step in STEPS:  # warnings (short notice) stay visible until the user confirms
            if step.check and step.applies_to(ctx) and step.name in ctx.answers:
                try:
                    lines = [*lines, *step.check(ctx.answers[step.name], ctx)]
                except Invalid:
                    pass
        if dialog.kind == "modify":
            body = intake.modification_lines(ctx, organisation.name, ctx.answers["ticket"])
            rows = intake.modification_buttons(ctx)
        else:
            body = intake.summary_lines(ctx, organisation.name)
            rows = intake.summary_buttons(ctx) + [[Choice("back", t(N_("« Back")))]]
        buttons = [[Button(c.label, f"d{dialog.version}:{c.code}") for c in row] for row in rows]
        return View([*lines, *body], buttons, replace)

    def _current_view(self, turn: Turn, dialog: Dialog, note=None, replace=False) -> View:
        ctx = self._context(turn, dialog)
        lines = [note] if note else []
        if dialog.state == SUMMARY:
            return self._summary_view(turn, dialog, ctx, lines, replace)
        return self._step_view(dialog, ctx, json.loads(dialog.history), lines, replace)

    def _resume_view(self, dialog: Dialog) -> View:
        prefix = f"d{dialog.version}:"
        return View([t(N_("You started a request on {date} and left it at \"{step}\". Continue where you were, "
                          "or start over?"), date=local_today(dialog.created_at),
                       step=t(STEP[dialog.state].label) if dialog.state in STEP else t(N_("Confirmation page")))],
                    [[Button(t(N_("Continue")), prefix + "resume"), Button(t(N_("Start over")), prefix + "restart")]])

    def _no_dialog(self, turn: Turn) -> View:
        last = repository.last_dialog(turn.session, turn.inp.channel, turn.inp.chat_key)
        if turn.inp.kind == "button" and last is not None and last.status == "filed":
            request = repository.request_of_dialog(turn.session, turn.member.organisation_id, last.id)
            if request is not None:
                return View([t(N_("This request has already been filed, with ticket number {ticket}."),
                                ticket=request.ticket)], [[Button(t(N_("Show it")), f"s:{request.ticket}")]])
        return View([t(N_("There is no request in progress. Type /new to file one, or /help."))],
                    [[Button(t(N_("New request")), "c:new")]])
