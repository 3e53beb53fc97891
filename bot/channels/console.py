"""The terminal chat: the same engine and views, with numbered options instead of buttons."""
from __future__ import annotations

import getpass
import mimetypes
import re
import sys
from pathlib import Path
from typing import Callable, Iterable, TextIO

from bot import notifications, reminders
from bot.core.engine import Engine
from bot.core.views import Input, Upload, View
from bot.domain.words import plain
from bot.i18n import N_, render, t

CHANNEL = "console"


def console_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "console"


LETTERS = "abcdefghijklmnopqrstuvwxyz"


def show(view: View, lang: str, out: TextIO, downloads: Path | None = None, numbered: bool = True) -> dict[str, str]:
    """Print a view (a document is saved to the downloads folder); returns the data behind each key shown. Options
    are numbered, except where a value is typed (a date, hours, a NISS): there they are lettered, so that a typed
    number is always the answer, never an option. Only the last message's options are numbered (`numbered`): an
    earlier one's are listed, not offered."""
    for line in view.lines:
        out.write(render(line, lang) + "\n")
    if view.document is not None and view.document.produce is not None:
        view.document.data = view.document.produce()
    if view.document is not None and view.document.data is not None and downloads is not None:
        downloads.mkdir(parents=True, exist_ok=True)
        target = downloads / Path(view.document.filename).name
        target.write_bytes(view.document.data)
        out.write(render(t(N_("Saved: {path}"), path=str(target)), lang) + "\n")
    buttons = [button for row in view.buttons for button in row if not button.web_app]
    if not numbered:
        for button in buttons:
            out.write(f"  · {render(button.label, lang)}\n")
        return {}
    keys = LETTERS if view.typed and len(buttons) <= len(LETTERS) else [str(n) for n in range(1, len(buttons) + 1)]
    options = {}
    for key, button in zip(keys, buttons):
        out.write(f"  [{key}] {render(button.label, lang)}\n")
        options[key] = button.data
    if not view.typed:  # where only the options answer, an option's words work as well as its number ("non")
        labels: dict[str, list[str]] = {}
        for button in buttons:
            labels.setdefault(_words(render(button.label, lang)), []).append(button.data)
        options |= {words: data for words, (data, *others) in labels.items() if words and not others
                    and words not in options}
    return options


def _words(text: str) -> str:
    """A label or a typed line as its words only: no case, accents, emoji or punctuation."""
    return " ".join(re.findall(r"\w+", plain(text)))


def to_input(line: str, options: dict[str, str], user: str, lang: str | None) -> Input:
    line = line.strip()
    common = dict(channel=CHANNEL, user_key=user, chat_key=user, language_code=lang, display_name=user)
    if line.startswith("/attach "):  # the terminal's way to send a document
        path = Path(line[8:].strip()).expanduser()
        data = path.read_bytes() if path.is_file() else b""
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return Input(kind="upload", upload=Upload(path.name, mime, len(data), data), **common)
    if line.startswith("/"):
        head, _, args = line.partition(" ")
        return Input(kind="command", command=head[1:].lower(), text=args.strip(), **common)
    if line.lower() in options:
        return Input(kind="button", text=options[line.lower()], **common)
    if _words(line) in options and not line.isdigit():
        return Input(kind="button", text=options[_words(line)], **common)
    return Input(kind="text", text=line, **common)


def chat(engine: Engine, lines: Iterable[str], out: TextIO, user: str, lang: str | None = None,
         prompt: str = "> ", downloads: Path | None = None, table: Callable[[], str] | None = None) -> None:
    """Run a conversation: each line typed is one message; numbers press the options shown last."""
    options: dict[str, str] = {}
    reply = engine.handle(Input(CHANNEL, user, user, "command", command="help", language_code=lang))
    # The commands come with /help, from the routers; these two are the terminal's own.
    intro = t(N_("Terminal chat. Type the number or letter shown in [ ] to choose an option, /attach followed by a "
                 "file's path to send a document, /quit to leave."))
    out.write(render(intro, reply.lang) + "\n")
    if table is not None:
        out.write(_table_line(table, reply.lang))
    out.write("\n")
    options = _show_reply(reply, out, downloads)
    for line in lines:
        if line.strip() in ("/quit", "/exit"):
            break
        if not line.strip():
            continue
        if line.strip() == "/table" and table is not None:  # a new link: each one works once
            out.write("\n" + _table_line(table, reply.lang) + prompt)
            out.flush()
            continue
        missing = _missing_file(line)
        if missing is not None:  # said here, not sent: the step waiting for the document stays as it was
            said = t(N_("No file found at \"{path}\": type /attach followed by the file's path, for example /attach "
                        "~/Documents/certificate.pdf"), path=missing) if missing else t(N_(
                "Type /attach followed by the file's path, for example /attach ~/Documents/certificate.pdf"))
            out.write("\n" + render(said, reply.lang) + "\n" + prompt)
            out.flush()
            continue
        reply = engine.handle(to_input(line, options, user, lang))
        out.write("\n")
        options = _show_reply(reply, out, downloads)  # a message without options clears the older ones
        _notifications(engine, user, reply.lang, out)
        out.write(prompt)
        out.flush()


def _show_reply(reply, out: TextIO, downloads: Path | None) -> dict[str, str]:
    """Every message of a reply; the options of the last one only answer to their keys."""
    options: dict[str, str] = {}
    for index, view in enumerate(reply.views):
        options = show(view, reply.lang, out, downloads, numbered=index == len(reply.views) - 1)
    return options


def _table_line(table: Callable[[], str], lang: str) -> str:
    return render(t(N_("The overview as a table, in your browser (this link works once, for 5 minutes; /table gives "
                       "another): {link}"), link=table()), lang) + "\n"


def _missing_file(line: str) -> str | None:
    line = line.strip()
    if line.startswith("/attach"):
        typed = line[len("/attach"):].strip()
        if not typed or not Path(typed).expanduser().is_file():
            return typed
    return None


def _notifications(engine: Engine, user: str, lang: str, out: TextIO) -> None:
    """Status changes made meanwhile (breakbot onem ...) and reminders due are shown to the terminal's user after the
    reply, the way Telegram shows them between messages."""
    for text in notifications.take_for(engine.db, CHANNEL, user, lang):
        out.write("\n" + render(t(N_("Notification")), lang).upper() + "\n" + text + "\n")
    for text in reminders.take_for(engine.db, CHANNEL, user, lang, engine.clock(), engine.default_locale):
        out.write("\n" + render(t(N_("Reminder")), lang).upper() + "\n" + text + "\n")


def interactive_lines(prompt: str = "> "):
    sys.stdout.write(prompt)
    sys.stdout.flush()
    for line in sys.stdin:
        yield line
