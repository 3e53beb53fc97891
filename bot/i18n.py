"""Translation at the edge: gettext catalogs compiled with babel, dates with babel."""
from __future__ import annotations

import datetime as dt
import gettext
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.units import format_unit

from bot.resources import project_folder

LOCALES_DIR = project_folder("locales")
DOMAIN = "messages"
LANGUAGES = ("fr", "nl", "de", "en")
BABEL_LOCALE = {"fr": "fr_BE", "nl": "nl_BE", "de": "de_BE", "en": "en"}
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "de": "Deutsch", "en": "English"}  # each in itself


def resolve_language(member, language_code: str | None, default: str) -> str:
    """The member's choice, else their Telegram language when we speak it, else the default."""
    locale = getattr(member, "locale", None)
    if locale in LANGUAGES:
        return locale
    code = (language_code or "").split("-")[0].lower()
    return code if code in LANGUAGES else default


def N_(message: str) -> str:
    """Mark a message id for extraction; it is translated later, when a view is rendered."""
    return message


@dataclass(frozen=True)
class T:
    """A message still to be translated: its id, its parameters and, for plurals, the count."""

    message: str
    params: dict = field(default_factory=dict)
    plural: str | None = None
    n: int | None = None

    def __hash__(self) -> int:  # params is a dict; identity is enough for views
        return id(self)


def t(message: str, **params) -> T:
    return T(message, params)


def tn(singular: str, plural: str, n: int, **params) -> T:
    return T(singular, {**params, "n": n}, plural, n)


@lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog; compiled in memory with babel when the .mo is missing or older than the .po."""
    if lang not in LANGUAGES:
        lang = LANGUAGES[0]
    folder = LOCALES_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@dataclass(frozen=True)
class Capitalized:
    """A label shown with a capital first letter (a button), reused lower-case in sentences."""

    item: object


@dataclass(frozen=True)
class FileSize:
    """A number of bytes, written with the language's own units and decimal sign (12,3 Mo / 12.3 MB)."""

    size: int


def _file_size(size: int, lang: str) -> str:
    locale = BABEL_LOCALE.get(lang, "fr_BE")
    if size < 1024:
        return format_unit(size, "digital-byte", length="short", locale=locale)
    if size < 1024 * 1024:
        return format_unit(round(size / 1024), "digital-kilobyte", length="short", locale=locale)
    return format_unit(round(size / 1024 / 1024, 1), "digital-megabyte", length="short", locale=locale)


def joined(items: list, separator: str = ", ") -> list:
    """Items to render one after the other with a separator: a list render() accepts."""
    return [part for i, item in enumerate(items) for part in ([separator] if i else []) + [item]]


def format_day(day: dt.date, lang: str) -> str:
    """A date as users of each language write it, day first, digits only: 14/03/1985, and 14.03.1985 in German
    (babel's format_date with the patterns dd/MM/yyyy and dd.MM.yyyy gives the same, at many times the cost, and a
    screen shows dozens). Typed dates are read in every form whatever the language."""
    separator = "." if lang == "de" else "/"
    return f"{day.day:02d}{separator}{day.month:02d}{separator}{day.year:04d}"


# French typography: a non-breaking space before ":", ";", "?" and "!" (a narrow one is as good). Applied to the
# translated messages, never to what users typed (an e-mail address, a name); a sign with no space before it in a
# template gets one too, but not in "https://", "20:00" or "?start=", where no space follows it.
_FRENCH_SIGN = re.compile(r"(?<=\S) ?([:;?!])(?=\s|$)")
SEMICOLON = N_("; ")  # a list's separator: " ; " in French


@lru_cache(maxsize=4096)
def _french(text: str) -> str:
    return _FRENCH_SIGN.sub("\u00a0\\1", text)


def _translate(item: T, lang: str) -> str:
    tr = translations(lang)
    text = tr.gettext(item.message) if item.plural is None else tr.ngettext(item.message, item.plural, item.n)
    return _french(text) if lang == "fr" else text


def render(item, lang: str) -> str:
    """Translate a T (recursively through its parameters) into the user's language."""
    if isinstance(item, T):
        text = _translate(item, lang)
        if item.params:
            text = text.format(**{k: render(v, lang) for k, v in item.params.items()})
        return text
    if isinstance(item, Capitalized):
        text = render(item.item, lang)
        return text[:1].upper() + text[1:]
    if isinstance(item, FileSize):
        return _file_size(item.size, lang)
    if isinstance(item, dt.date):
        return format_day(item, lang)
    if isinstance(item, (list, tuple)):
        return "".join(render(part, lang) for part in item)
    return "" if item is None else str(item)
