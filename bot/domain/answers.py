"""Typed answers that are not identifiers: dates, weekly hours, e-mail addresses, names."""
from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from bot.domain.errors import Invalid
from bot.i18n import N_

BRUSSELS = ZoneInfo("Europe/Brussels")
_DAY_FIRST = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})")
_ISO = re.compile(r"(\d{4})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})")


def aware(moment: datetime) -> datetime:
    """A stored time as UTC (SQLite may give it back without its zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def local_today(now: datetime) -> date:
    """The day it is in Belgium at that moment: what "today" means for a notice date or a start date."""
    return now.astimezone(BRUSSELS).date()


def parse_date(text: str, today: date | None = None) -> date:
    """Read a date written day first (01/11/2024, 1.11.24, 01-11-2024) or as 2024-11-01. The example an error gives
    is today's date, not a day long past."""
    example = today or date.today()
    text = text.strip().rstrip(".")  # "1. 11. 2024." is how some German speakers write it
    if match := _ISO.fullmatch(text):
        year, month, day = map(int, match.groups())
    elif match := _DAY_FIRST.fullmatch(text):
        day, month, year = map(int, match.groups())
        if len(match[3]) == 2:
            year += 2000  # leave and notice dates, never birth dates, are typed here
    else:
        raise Invalid(N_("Type the date as day/month/year, like {example}."), example=example)
    if not 1900 <= year <= 2099:
        raise Invalid(N_("The year {year} is not plausible. Type the date like {example}."),
                      year=year, example=example)
    if not 1 <= month <= 12:
        raise Invalid(N_("There is no month {month}: type the date as day/month/year, "
                         "like {example}."), month=month, example=example)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise Invalid(N_("This date does not exist: month {month} of {year} has {days} days. "
                         "Type a real date, like {example}."), month=month, year=year, days=days,
                      example=example)
    return date(year, month, day)


_HOURS = re.compile(r"(\d{1,3})\s*[h:u]\s*(\d{2})?")  # "u" is the Dutch "20u00"
_DECIMAL_HOURS = re.compile(r"(\d{1,3})(?:[.,](\d{1,2}))?")
_AMBIGUOUS_FRACTION = re.compile(r"[1-9]\d|0[1-9]")
MAX_WEEK_MINUTES = 60 * 60


def parse_hours(text: str) -> int:
    """Read a weekly working time (20h00, 19h30, 20:00, 20, 19,5) and return it in minutes."""
    text = text.strip().lower()
    if match := _HOURS.fullmatch(text):
        hours, minutes = int(match[1]), int(match[2] or 0)
    elif match := _DECIMAL_HOURS.fullmatch(text):
        fraction = match[2] or "0"
        # "19.30" is 19h30 to some and 19.3 hours to others: only the unambiguous forms pass.
        if _AMBIGUOUS_FRACTION.fullmatch(fraction):
            raise Invalid(N_("{text} could be read in two ways. Type the weekly working time in "
                             "hours and minutes, like 19h30."), text=text)
        hours, minutes = int(match[1]), round(float("0." + fraction) * 60)
    else:
        raise Invalid(N_("Type the weekly working time in hours and minutes, like 20h00 or 19h30."))
    if minutes >= 60:
        raise Invalid(N_("An hour has 60 minutes, so {minutes} minutes is not possible. "
                         "Type the time like 19h30."), minutes=minutes)
    total = hours * 60 + minutes
    if total == 0:
        raise Invalid(N_("A weekly working time cannot be zero. Type it like 20h00."))
    if total > MAX_WEEK_MINUTES:
        raise Invalid(N_("A week of more than 60 hours ({hours}) is not plausible. "
                         "Type the weekly time like 20h00."), hours=format_hours(total))
    return total


def format_hours(minutes: int) -> str:
    """1170 -> 19h30, the way the manual writes a weekly schedule."""
    return f"{minutes // 60}h{minutes % 60:02d}"


# A teacher's timetable in periods: "11/22" is 11 periods of a 22-period full-time load (education counts a
# timetable so). Loads run from 10 to 40 periods a week.
_PERIODS = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})", re.ASCII)
MOST_PERIODS = 40


def parse_periods(text: str) -> str | None:
    """"11/22" (periods worked / periods of a full-time load), kept as typed, or None when it is not that shape."""
    match = _PERIODS.fullmatch(text.strip())
    if match is None:
        return None
    worked, load = int(match[1]), int(match[2])
    if not 10 <= load <= MOST_PERIODS:
        raise Invalid(N_("A full-time load of {load} periods is not plausible: a teacher's full-time timetable has 10 "
                         "to 40 periods. Type it like 11/22 (11 periods of a 22-period load)."), load=load)
    if not 1 <= worked <= load:
        raise Invalid(N_("{worked} periods of a {load}-period load is not possible: type the periods worked, then "
                         "the full-time load, like 11/22."), worked=worked, load=load)
    return f"{worked}/{load}"


# What a name shown to other people may not hold: control, invisible and bidirectional characters ("\u202e" turns
# "avis\u202efdp.exe" into "avisexe.pdf" on screen), private-use and unassigned ones, line breaks.
_HIDDEN = ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp")
# Letters that print as nothing (Hangul fillers, the blank Braille pattern): a name of them would look empty.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def visible(text: str, limit: int = 200) -> str:
    """A name as typed or as Telegram gives it, without what could make it read as something else, on one line."""
    kept = "".join(ch for ch in text if unicodedata.category(ch) not in _HIDDEN and ch not in BLANK_LETTERS)
    return " ".join(kept.split())[:limit]


def is_periods(value) -> bool:
    return isinstance(value, str) and "/" in value


def format_working_time(value) -> str:
    """A working time as the user typed it: 19h30, or 11/22 in periods."""
    return value if is_periods(value) else format_hours(value)


# The local part as mail servers take it without quoting: letters (any script), digits and !#$%&'*+/=?^_`{|}~.-
# (no parentheses, quotes, commas or angle brackets, which a mail header would read as something else).
_EMAIL = re.compile(r"(?:[^\W_]|[!#$%&'*+/=?^_`{|}~.-]){1,64}@((?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,})")


def parse_email(text: str) -> str:
    """Check the shape of an address (name@school.be); whether it exists is the mail server's job."""
    text = text.strip()
    match = _EMAIL.fullmatch(text) if len(text) <= 254 else None
    hidden = any(unicodedata.category(ch).startswith("C") for ch in text)  # NUL, escapes, RTL overrides
    if not match or ".." in text or hidden or text.startswith(".") or ".@" in text:
        raise Invalid(N_("This does not look like an e-mail address. Type it like name@school.be."))
    local, domain = text[: match.start(1) - 1], match[1].lower()  # only the domain is case-insensitive
    if not _EMAIL.fullmatch(f"{local}@{domain}"):  # "İ" lowers to two characters, one of them a combining dot
        raise Invalid(N_("This does not look like an e-mail address. Type it like name@school.be."))
    return f"{local}@{domain}"


_NAME_PUNCTUATION = " -'."


def _is_letter(ch: str) -> bool:
    # Combining marks stay separate even after NFC in some scripts (Devanagari vowel signs).
    return ch.isalpha() or unicodedata.category(ch).startswith("M")


def parse_name(text: str) -> str:
    """Read a person's name (any script): letters, spaces, hyphens, apostrophes and dots."""
    # Phones type the typographic apostrophe; decomposed accents must count as letters.
    text = unicodedata.normalize("NFC", text.strip()).replace("\u2019", "'").replace("\u02bc", "'")
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise Invalid(N_("A name fits on one line, with letters, spaces, hyphens, apostrophes "
                         "and dots only. Type it like Van den Broeck."))
    name = " ".join(text.split())
    if not name:
        raise Invalid(N_("Type the name, like Van den Broeck."))
    if any(ch.isdigit() for ch in name):
        raise Invalid(N_("A name has no digits. Type it as on the identity card, "
                         "like Van den Broeck."))
    if not all(_is_letter(ch) or ch in _NAME_PUNCTUATION for ch in name) or not any(
            ch.isalpha() for ch in name):
        raise Invalid(N_("A name has only letters, spaces, hyphens, apostrophes and dots. "
                         "Type it like N'Diaye or Marie-Claire."))
    if len(name) > 60:
        raise Invalid(N_("A name has at most 60 characters, not {count}. Type it as on the "
                         "identity card, like Van den Broeck."), count=len(name))
    return name


def parse_school_name(text: str) -> str:
    """A school's name as its documents write it: one line, digits allowed ("Ecole communale n°2")."""
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") or ch in BLANK_LETTERS for ch in name):
        raise Invalid(N_("A school's name fits on one line, without invisible characters. Type it like Athénée "
                         "royal de Namur."))
    if sum(ch.isalpha() for ch in name) < 2:
        raise Invalid(N_("Type the school's name, like Athénée royal de Namur."))
    if len(name) > 120:
        raise Invalid(N_("A school's name has at most 120 characters, not {count}. Type it shorter, like Athénée "
                         "royal de Namur."), count=len(name))
    return name
