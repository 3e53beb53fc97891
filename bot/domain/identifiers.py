"""The numbers users type: a worker's NISS, a school's BCE enterprise number, a request's ticket."""
from __future__ import annotations

import calendar
import re
import secrets
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from stdnum.be import nn, ssn, vat
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.iso7064 import mod_37_36
from stdnum.util import clean

from bot.domain.errors import Invalid
from bot.i18n import N_


def _compact(text: str, separators: str) -> str:
    # stdnum's clean maps look-alike dashes, dots and spaces from phone keyboards to ASCII ones,
    # but leaves tabs and line breaks, hence the second pass.
    return re.sub(r"\s", "", clean(text, separators))


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


# NISS ----------------------------------------------------------------------------------------

def format_niss(number: str) -> str:
    """85031412302 -> 85.03.14-123.02 (python-stdnum's layout, written out: an export formats tens of thousands)"""
    n = _compact(number, " -./")
    return f"{n[:2]}.{n[2:4]}.{n[4:6]}-{n[6:9]}.{n[9:]}" if len(n) == 11 else ssn.format(n)


def mask_niss(number: str) -> str:
    """85031412302 -> 85.**.**-***.02, for lists and logs where the full number is not needed."""
    n = _compact(number, " -./")
    return f"{n[:2]}.**.**-***.{n[-2:]}"


@dataclass(frozen=True)
class Niss:
    """A valid NISS (national register or BIS number), kept as its 11 digits."""

    number: str

    def __str__(self) -> str:
        return self.formatted

    @property
    def formatted(self) -> str:
        return format_niss(self.number)

    @property
    def masked(self) -> str:
        return mask_niss(self.number)

    @property
    def birth_date(self) -> date | None:
        """None when the number does not encode the full date (day or month 00)."""
        return ssn.get_birth_date(self.number)

    @property
    def gender(self) -> str | None:
        """M or F; None for a BIS number issued without the sex (month + 20)."""
        return ssn.get_gender(self.number)

    @property
    def is_bis(self) -> bool:
        return ssn.guess_type(self.number) == "bis"

    def age_on(self, day: date) -> int | None:
        born = self.birth_date
        if born is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@lru_cache(maxsize=256)
def niss_of(number: str) -> Niss:
    """What a stored (valid) NISS says, read once: a draft's screens read the same number again and again."""
    return parse_niss(number)


def parse_niss(text: str) -> Niss:
    """Read a NISS typed with or without dots, dashes, slashes and spaces (850314/123-02)."""
    number = _compact(text, " -./")
    if not _is_digits(number):
        raise Invalid(N_("A NISS has only digits (dots, dashes and spaces are fine). "
                         "Type it like 85.03.14-123.02."))
    if len(number) != 11:
        raise Invalid(N_("A NISS has 11 digits, not {count}. Type it like 85.03.14-123.02."),
                      count=len(number))
    birth = f"{number[:2]}.{number[2:4]}.{number[4:6]}"
    impossible = Invalid(N_("This NISS starts with an impossible birth date ({birth}). Check the "
                            "first six digits and type it like 85.03.14-123.02."), birth=birth)
    try:
        ssn.validate(number)
    except InvalidChecksum:
        raise Invalid(N_("The last two digits of this NISS do not match the others: there is "
                         "probably a typo. Type it like 85.03.14-123.02.")) from None
    except ValidationError:
        raise impossible from None
    # stdnum reads an impossible day (31/02) as "day unknown"; the register never issues it.
    month, day = int(number[2:4]) % 20, int(number[4:6])
    days = calendar.monthrange(nn.get_birth_year(number) or 2000, month)[1] if month else 31
    if day > days:
        raise impossible
    if number[6:9] in ("000", "999"):
        raise Invalid(N_("The counter of a NISS (digits 7 to 9) is never {counter}: check them "
                         "and type the number like 85.03.14-123.02."), counter=number[6:9])
    return Niss(number)


# BCE / KBO enterprise number -------------------------------------------------------------------

def format_bce(number: str) -> str:
    """0234567873 -> 0234.567.873"""
    return f"{number[:4]}.{number[4:7]}.{number[7:]}"


def parse_bce(text: str) -> str:
    """Read an enterprise number typed with or without BE, dots and spaces; return its 10 digits."""
    number = vat.compact(_compact(text, " -./"))  # drops BE and pads the old 9-digit form
    if not _is_digits(number):
        raise Invalid(N_("An enterprise number has only digits, after an optional BE. "
                         "Type it like 0234.567.873."))
    if len(number) != 10:
        raise Invalid(N_("An enterprise number has 10 digits, not {count}. "
                         "Type it like 0234.567.873."), count=len(number))
    if number[0] in "2345678":
        raise Invalid(N_("{number} is the number of an establishment unit, not of an enterprise. "
                         "Type the school's enterprise number, which starts with 0 or 1, "
                         "like 0234.567.873."), number=format_bce(number))
    if number[0] == "9":
        raise Invalid(N_("An enterprise number starts with 0 or 1. Type it like 0234.567.873."))
    try:
        return vat.validate(number)
    except ValidationError:
        raise Invalid(N_("The last two digits of this enterprise number do not match the others: "
                         "there is probably a typo. Type it like 0234.567.873.")) from None


# Ticket numbers --------------------------------------------------------------------------------

TICKET_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TICKET_TYPO = N_("The last character of this ticket number does not match the others: there is "
                 "probably a typo. Check it and type it again, like 04W-002WSHH-7K-E.")


def format_ticket(compact: str) -> str:
    """04W002WSHH7KE -> 04W-002WSHH-7K-E"""
    return f"{compact[:3]}-{compact[3:10]}-{compact[10:12]}-{compact[12:]}"


def new_ticket() -> str:
    """A random ticket, so a ticket reveals neither how many requests exist nor the next one."""
    body = "".join(secrets.choice(TICKET_ALPHABET) for _ in range(12))
    return format_ticket(body + mod_37_36.calc_check_digit(body))


def parse_ticket(text: str) -> str:
    """Read a ticket typed in any case, with or without dashes; return it formatted."""
    compact = _compact(text, " -").upper()
    if not re.fullmatch(r"[0-9A-Z]{13}", compact):
        raise Invalid(N_("A ticket number has 13 letters and digits in four groups, "
                         "like 04W-002WSHH-7K-E."))
    if not mod_37_36.is_valid(compact):
        raise Invalid(TICKET_TYPO)
    return format_ticket(compact)
