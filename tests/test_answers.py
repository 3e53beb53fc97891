"""Typed dates, hours, e-mail addresses and names."""
from datetime import date

import pytest

from bot.domain.answers import format_hours, parse_date, parse_email, parse_hours, parse_name
from bot.domain.errors import Invalid


def refusal(parse, text) -> Invalid:
    with pytest.raises(Invalid) as caught:
        parse(text)
    return caught.value


@pytest.mark.parametrize("text", [
    "01/11/2024", "1/11/2024", "1.11.2024", "01-11-2024", "2024-11-01", "01/11/24", " 01/11/2024 ",
    "1. 11. 2024", "1.11.2024.", "2024/11/01",
])
def test_dates_in_usual_forms(text):
    assert parse_date(text) == date(2024, 11, 1)


def test_leap_day():
    assert parse_date("29/02/2024") == date(2024, 2, 29)


@pytest.mark.parametrize("text, fault, params", [
    ("31/02/2024", "does not exist", {"month": 2, "year": 2024, "days": 29}),
    ("29/02/2025", "does not exist", {"month": 2, "year": 2025, "days": 28}),
    ("31/04/2025", "does not exist", {"month": 4, "year": 2025, "days": 30}),
    ("00/04/2025", "does not exist", {"month": 4, "year": 2025, "days": 30}),
    ("01/13/2024", "no month", {"month": 13}),
    ("01/11/1024", "not plausible", {"year": 1024}),
    ("tomorrow", "day/month/year", {}),
    ("01112024", "day/month/year", {}),
    ("1/11", "day/month/year", {}),
])
def test_wrong_dates_are_explained_with_an_example(text, fault, params):
    today = date(2026, 11, 30)
    with pytest.raises(Invalid) as caught:
        parse_date(text, today)
    error = caught.value
    assert fault in error.message
    assert error.params == {**params, "example": today}  # an example near the dates being typed, not a fixed one
    assert error.message.endswith("like {example}.")


@pytest.mark.parametrize("text, minutes", [
    ("20h00", 1200), ("20h", 1200), ("20H00", 1200), ("20 h 00", 1200), ("20:00", 1200),
    ("20", 1200), ("20u00", 1200), ("19h30", 1170), ("19,5", 1170), ("19.5", 1170),
    ("19,00", 1140), ("0h01", 1), ("60h00", 3600), ("7h05", 425),
])
def test_weekly_hours(text, minutes):
    assert parse_hours(text) == minutes


@pytest.mark.parametrize("text, fault", [
    ("0", "cannot be zero"), ("0h00", "cannot be zero"), ("60h01", "more than 60 hours"),
    ("61", "more than 60 hours"), ("19h60", "60 minutes"), ("19h75", "60 minutes"),
    ("19.30", "two ways"), ("19,25", "two ways"), ("twenty", "hours and minutes"),
    ("19h5", "hours and minutes"), ("-20", "hours and minutes"),
])
def test_wrong_hours_are_explained(text, fault):
    error = refusal(parse_hours, text)
    assert fault in error.message
    assert error.message.rstrip(".").endswith(("20h00", "19h30"))


def test_format_hours():
    assert [format_hours(m) for m in (1200, 1170, 425, 3600)] == ["20h00", "19h30", "7h05", "60h00"]


@pytest.mark.parametrize("text, address", [
    ("jan.peeters@school.be", "jan.peeters@school.be"),
    (" Jan.Peeters@School.BE ", "Jan.Peeters@school.be"),
    ("secretariaat+ouders@sint-jozef.kbo.be", "secretariaat+ouders@sint-jozef.kbo.be"),
    ("élève@école.be", "élève@école.be"),
])
def test_email_addresses(text, address):
    assert parse_email(text) == address


@pytest.mark.parametrize("text", [
    "jan.peeters", "jan@school", "jan@@school.be", "jan peeters@school.be", "@school.be",
    "jan@.school.be", "jan@school..be", "jan@-school.be", "jan@school.b", "jan@school.be1",
    "a" * 250 + "@school.be", "0@0.aİ",  # "İ" lowers to i and a combining dot: not a domain any more
])
def test_wrong_email_addresses(text):
    error = refusal(parse_email, text)
    assert error.message.endswith("like name@school.be.")


@pytest.mark.parametrize("text, name", [
    ("Peeters", "Peeters"),
    ("  Van   den  Broeck ", "Van den Broeck"),
    ("N\u2019Diaye", "N'Diaye"),
    ("Marie-Claire", "Marie-Claire"),
    ("St. John", "St. John"),
    ("Müller", "Müller"),
    ("Zoe\u0301", "Zoé"),
    ("Łukasz Żółć", "Łukasz Żółć"),
    ("Βασίλειος", "Βασίλειος"),
    ("Иванов", "Иванов"),
    ("a" * 60, "a" * 60),
])
def test_names_in_any_script(text, name):
    assert parse_name(text) == name


@pytest.mark.parametrize("text, fault", [
    ("", "Type the name"),
    ("   ", "Type the name"),
    ("Peeters2", "no digits"),
    ("Jan\nPeeters", "one line"),
    ("Jan\x00", "one line"),
    ("Jan_Peeters", "only letters"),
    ("Jan@Peeters", "only letters"),
    ("--", "only letters"),
    ("a" * 61, "at most 60"),
])
def test_wrong_names(text, fault):
    assert fault in refusal(parse_name, text).message
