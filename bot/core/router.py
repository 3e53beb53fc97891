"""Routers: each feature declares its commands, button actions, forms, and what it does with a text or a document,
with the permission each needs. `Routes` gathers the routers the application includes; the core dispatches to it.

A command carries its help line and its menu text, so `/help`, Telegram's per-language command menus and the
terminal's list are generated from what is registered, and cannot drift from the code.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from bot.core.actions import Action
from bot.domain.roles import Permission


class Form(Protocol):
    """A form of the dialog machine (bot/fsm/, above the core): the core knows only its name."""

    name: str

Handler = Callable[..., object]  # (turn, *arguments) -> a View or a list of Views


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    menu: str | None  # short description (message id) for the command menu; None: not in the menu
    help: str | None  # the line of /help (message id); None: not listed
    needs: Permission | None
    public: bool  # also for someone who is not enrolled (/start)


@dataclass(frozen=True)
class ActionRoute:
    action: Action
    handler: Handler
    needs: Permission | None
    durable: Callable[[tuple], bool]  # does this tap file, change or cancel a request (see Routes.durable)


class Router:
    """What one feature handles. Register with the decorators; the application includes the router."""

    def __init__(self, name: str):
        self.name = name
        self.commands: list[Command] = []
        self.actions: list[ActionRoute] = []
        self.forms: list[Form] = []
        self.text_handler: Handler | None = None
        self.typed_handler: Handler | None = None
        self.current_handler: Handler | None = None
        self.upload_handler: tuple[Handler, Permission | None, Handler | None] | None = None
        self.upload_accepts: Callable[[object], bool] | None = None  # the documents it takes before the general one
        self.anonymous_handler: Handler | None = None

    def command(self, name: str, *, menu: str | None = None, help: str | None = None,
                needs: Permission | None = None, public: bool = False):
        def register(handler: Handler) -> Handler:
            self.commands.append(Command(name, handler, menu, help, needs, public))
            return handler
        return register

    def action(self, action: Action, *, needs: Permission | None = None,
               durable: bool | Callable[[tuple], bool] = False):
        """`durable`: whether a tap files, changes or cancels a request (or, given its arguments, says whether)."""
        def register(handler: Handler) -> Handler:
            said = durable if callable(durable) else (lambda _args: durable)
            self.actions.append(ActionRoute(action, handler, needs, said))
            return handler
        return register

    def form(self, form: Form) -> Form:
        """A form whose drafts this feature owns; the form runner answers their steps."""
        self.forms.append(form)
        return form

    def text(self, handler: Handler) -> Handler:
        """A typed text when no form is open."""
        self.text_handler = handler
        return handler

    def typed(self, handler: Handler) -> Handler:
        """A typed text first (the dialog machine: an open form's step, else the `text` handler)."""
        self.typed_handler = handler
        return handler

    def current(self, handler: Handler) -> Handler:
        """The open form's screen again (after a command, or what cannot be read), or None."""
        self.current_handler = handler
        return handler

    def upload(self, *, needs: Permission | None = None, check: Handler | None = None,
               accepts: Callable[[object], bool] | None = None):
        """A document sent. `check(turn)` says, before anything is downloaded, why the file would be refused (a
        View), or None: it sees what Telegram announces (name, type, size), not the bytes. `accepts(upload)`: this
        handler takes only such documents (a spreadsheet of requests), before the one that takes the others."""
        def register(handler: Handler) -> Handler:
            self.upload_handler = (handler, needs, check)
            self.upload_accepts = accepts
            return handler
        return register

    def anonymous(self, handler: Handler) -> Handler:
        """What someone who is not enrolled gets, whatever they send (but a public command)."""
        self.anonymous_handler = handler
        return handler


def _one(routers: list[Router], attribute: str):
    found = [(r.name, getattr(r, attribute)) for r in routers if getattr(r, attribute) is not None]
    if len(found) != 1:
        raise ValueError(f"exactly one router must handle {attribute}, not {[name for name, _ in found]}")
    return found[0][1]


class Routes:
    """Every router the application includes, merged; a name registered twice is an error at start."""

    def __init__(self, routers: list[Router]):
        self.routers = list(routers)
        self.commands: dict[str, Command] = {}
        self.actions: dict[str, ActionRoute] = {}
        self.forms: dict[str, Form] = {}
        for router in self.routers:
            for table, items, key in ((self.commands, router.commands, lambda c: c.name),
                                      (self.actions, router.actions, lambda a: a.action.name),
                                      (self.forms, router.forms, lambda f: f.name)):
                for item in items:
                    if key(item) in table:
                        raise ValueError(f"{key(item)!r} is registered twice (router {router.name})")
                    table[key(item)] = item
        self.text = _one(self.routers, "text_handler")
        self.typed = _one(self.routers, "typed_handler")
        self.current = _one(self.routers, "current_handler")
        self.special_uploads = [(r.upload_accepts, r.upload_handler) for r in self.routers
                                if r.upload_handler is not None and r.upload_accepts is not None]
        self.upload = _one([r for r in self.routers if r.upload_accepts is None], "upload_handler")
        self.anonymous = _one(self.routers, "anonymous_handler")

    def upload_for(self, upload) -> tuple[Handler, Permission | None, Handler | None]:
        """The handler, permission and check of the documents like this one."""
        return next((route for accepts, route in self.special_uploads if accepts(upload)), self.upload)

    def menu(self) -> list[Command]:
        """The commands of the menu, in the order the routers registered them."""
        return [c for c in self.commands.values() if c.menu]

    def help(self) -> list[Command]:
        return [c for c in self.commands.values() if c.help]
