"""NISS, BCE and ticket numbers: what a user may type and what they are told when it is wrong."""
from datetime import date

import pytest
from stdnum.iso7064 import mod_37_36

from bot.domain.errors import Invalid
from bot.domain.identifiers import (
    TICKET_TYPO,
    Niss,
    format_bce,
    format_niss,
    mask_niss,
    new_ticket,
    parse_bce,
    parse_niss,
    parse_ticket,
)


def with_check(first9: str, born_2000s: bool = False) -> str:
    """A NISS with a right check, to build numbers whose only fault is elsewhere."""
    return f"{first9}{97 - int(('2' if born_2000s else '') + first9) % 97:02d}"


def refusal(parse, text) -> Invalid:
    with pytest.raises(Invalid) as caught:
        parse(text)
    return caught.value


# NISS ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, born, gender, bis", [
    ("85.03.14-123.02", date(1985, 3, 14), "M", False),
    ("90.11.02-246.12", date(1990, 11, 2), "F", False),
    ("03.06.21-058.28", date(2003, 6, 21), "F", False),
    ("90.05.17-048.09", date(1990, 5, 17), "F", False),
    ("75.44.17-201.08", date(1975, 4, 17), "M", True),
])
def test_synthetic_niss_numbers_tell_birth_date_gender_and_kind(text, born, gender, bis):
    niss = parse_niss(text)
    assert niss.formatted == text
    assert niss.number == text.replace(".", "").replace("-", "")
    assert (niss.birth_date, niss.gender, niss.is_bis) == (born, gender, bis)


@pytest.mark.parametrize("text", [
    "85031412302", "850314/123-02", "85 03 14 123 02", " 85.03.14 - 123.02 ", "85.03.14\u2013123.02",
    "850314\t12302",
])
def test_niss_accepts_usual_separators(text):
    assert parse_niss(text) == Niss("85031412302")


def test_check_digits_tell_the_century():
    assert parse_niss(with_check("030621058", born_2000s=True)).birth_date == date(2003, 6, 21)
    assert parse_niss(with_check("030621058")).birth_date == date(1903, 6, 21)


def test_bis_number_without_sex_has_no_gender():
    niss = parse_niss(with_check("752417201"))
    assert niss.is_bis and niss.gender is None and niss.birth_date == date(1975, 4, 17)


def test_unknown_birth_day_gives_no_birth_date():
    assert parse_niss(with_check("850300123")).birth_date is None


@pytest.mark.parametrize("text, fault, params", [
    ("85031412300", "do not match", {}),
    ("8503141230", "11 digits", {"count": 10}),
    ("850314123021", "11 digits", {"count": 12}),
    ("85.03.14-123.AB", "only digits", {}),
    (with_check("851314123"), "impossible birth date", {"birth": "85.13.14"}),
    (with_check("850230123"), "impossible birth date", {"birth": "85.02.30"}),
    (with_check("850431123"), "impossible birth date", {"birth": "85.04.31"}),
    (with_check("850314000"), "never {counter}", {"counter": "000"}),
    (with_check("850314999"), "never {counter}", {"counter": "999"}),
])
def test_wrong_niss_is_refused_with_the_fault_and_an_example(text, fault, params):
    error = refusal(parse_niss, text)
    assert fault in error.message
    assert error.params == params
    assert error.message.endswith("like 85.03.14-123.02.")


def test_29_february_only_in_a_leap_year():
    assert parse_niss(with_check("840229123")).birth_date == date(1984, 2, 29)
    assert "impossible" in refusal(parse_niss, with_check("850229123")).message


def test_niss_display_forms():
    assert format_niss("85031412302") == "85.03.14-123.02"
    assert mask_niss("85031412302") == "85.**.**-***.02"
    assert Niss("90110224612").masked == "90.**.**-***.12"
    assert str(Niss("90110224612")) == "90.11.02-246.12"


def test_age_on_a_day():
    niss = Niss("85031412302")
    assert niss.age_on(date(2025, 3, 13)) == 39
    assert niss.age_on(date(2025, 3, 14)) == 40


# BCE -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, compact", [
    ("0234.567.873", "0234567873"),
    ("0876.543.270", "0876543270"),
    ("1020.304.002", "1020304002"),
    ("BE0234567873", "0234567873"),
    ("be 0234 567 873", "0234567873"),
    ("BE 0234.567.873", "0234567873"),
    ("234567873", "0234567873"),  # the old 9-digit form
])
def test_enterprise_numbers_are_read_in_any_usual_form(text, compact):
    assert parse_bce(text) == compact


def test_enterprise_number_display():
    assert format_bce("0234567873") == "0234.567.873"
    assert format_bce("1020304002") == "1020.304.002"


@pytest.mark.parametrize("text, fault", [
    ("0123456748", "do not match"),
    ("0123.456.748", "do not match"),
    ("2123456789", "establishment unit"),
    ("8123456789", "establishment unit"),
    ("9123456789", "starts with 0 or 1"),
    ("02345678", "10 digits"),
    ("02345678731", "10 digits"),
    ("0234.567.87A", "only digits"),
])
def test_wrong_enterprise_number_is_refused_with_the_fault(text, fault):
    error = refusal(parse_bce, text)
    assert fault in error.message
    assert error.message.endswith("like 0234.567.873.")


def test_establishment_unit_message_shows_the_number():
    assert refusal(parse_bce, "2123456789").params == {"number": "2123.456.789"}


# Tickets ---------------------------------------------------------------------------------------

def test_new_tickets_have_the_shape_and_a_right_check():
    tickets = {new_ticket() for _ in range(200)}
    assert len(tickets) == 200
    for ticket in tickets:
        groups = ticket.split("-")
        assert [len(g) for g in groups] == [3, 7, 2, 1]
        assert mod_37_36.calc_check_digit("".join(groups)[:12]) == groups[3]
        assert parse_ticket(ticket) == ticket


@pytest.mark.parametrize("text", [
    "04W-002WSHH-7K-E", "04w-002wshh-7k-e", "04W002WSHH7KE", " 04W 002WSHH 7K E ", "04w002WSHH-7ke",
])
def test_ticket_is_read_in_any_case_with_or_without_dashes(text):
    assert parse_ticket(text) == "04W-002WSHH-7K-E"


def test_manual_example_ticket_is_a_typo():
    assert refusal(parse_ticket, "04W-002WSHH-7K-Z").message == TICKET_TYPO


def test_every_single_character_typo_is_caught():
    good = "04W002WSHH7KE"
    for i, char in enumerate(good):
        typo = good[:i] + ("X" if char != "X" else "Y") + good[i + 1:]
        assert refusal(parse_ticket, typo).message == TICKET_TYPO
    for i in range(len(good) - 1):
        if good[i] != good[i + 1]:
            swapped = good[:i] + good[i + 1] + good[i] + good[i + 2:]
            assert refusal(parse_ticket, swapped).message == TICKET_TYPO


@pytest.mark.parametrize("text", ["04W-002WSHH-7K", "04W-002WSHH-7K-EE", "04W-002WSHH-7K-É", "", "ticket"])
def test_wrong_ticket_shape_is_explained(text):
    error = refusal(parse_ticket, text)
    assert error.message != TICKET_TYPO
    assert "four groups" in error.message and error.message.endswith("04W-002WSHH-7K-E.")
