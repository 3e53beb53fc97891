"""The leave catalogue: availability, forms, durations, hours and notice rules."""
from datetime import date

import pytest

from bot.domain.errors import Invalid
from bot.domain.leaves import (
    CATALOGUE,
    LABEL,
    Capacity,
    Community,
    Employer,
    LeaveType,
    Motive,
    Regime,
    StaffStatus,
    Status,
    allowed_months,
    check_hours,
    check_notice,
    check_period,
    duration_of,
    exceeded_ceilings,
    leave_availability,
    length_warnings,
    needs_employer_agreement,
    period_end,
    regimes_for,
    whole_months,
)
from bot.i18n import T, render, t

L, R = LeaveType, Regime
START = date(2025, 1, 1)


def refusal(check, *args) -> Invalid:
    with pytest.raises(Invalid) as caught:
        check(*args)
    return caught.value


def english(error: Invalid) -> str:
    return render(t(error.message, **error.params), "en")


def test_every_member_has_one_distinct_short_label():
    members = [m for enum in (Capacity, Community, StaffStatus, LeaveType, Regime, Status, Employer, Motive)
               for m in enum]
    assert set(LABEL) == set(members) and len(LABEL) == len(members) == 36
    assert len(set(LABEL.values())) == len(members)
    assert all(len(label) <= 40 for label in LABEL.values())
    assert LABEL[L.PARENTAL] == "parental leave" and LABEL[R.FIFTH] == "1/5 reduction"
    assert LABEL[Status.WAITING] == "waiting for information from the worker"


def test_codes_are_short_and_language_neutral():
    assert [m.value for m in LeaveType] == ["career", "parental", "medical", "palliative", "carer", "timecredit"]
    assert all(len(m.value) <= 12 for m in Motive)  # the column's width
    assert [m.value for m in Regime] == ["full", "half", "third", "quarter", "fifth", "tenth"]


# Availability ----------------------------------------------------------------------------------

def closed_leaves(capacity, community, status, employer=None):
    return {leave for leave, reason in leave_availability(capacity, community, status, employer) if reason}


@pytest.mark.parametrize("status", list(StaffStatus))
@pytest.mark.parametrize("community", list(Community))
def test_availability_for_education_staff(community, status):
    """VL: no career break (zorgkrediet); FWB: only staff appointed for good; DG: all but temporary staff; time credit
    is never education staff's."""
    career_open = {Community.VL: False, Community.FWB: status is StaffStatus.STATUTORY,
                   Community.DG: status is not StaffStatus.TEMPORARY}[community]
    closed = closed_leaves(Capacity.PO, community, status)
    assert closed == ({L.TIME_CREDIT} if career_open else {L.CAREER_BREAK, L.TIME_CREDIT})


@pytest.mark.parametrize("status", list(StaffStatus))
@pytest.mark.parametrize("employer, closed", [
    (Employer.PUBLIC, {L.TIME_CREDIT}),  # the local and provincial administrations' career break
    (Employer.PRIVATE, {L.CAREER_BREAK}),  # time credit with a motive instead
    (None, {L.CAREER_BREAK, L.TIME_CREDIT}),  # not recorded: only what every employer's staff may take
])
def test_availability_for_own_staff_follows_the_kind_of_employer(status, employer, closed):
    assert closed_leaves(Capacity.OWN, None, status, employer) == closed


def test_availability_keeps_catalogue_order_and_says_why():
    rows = leave_availability(Capacity.PO, Community.VL, StaffStatus.STATUTORY)
    assert [leave for leave, _ in rows] == list(LeaveType)
    assert "zorgkrediet" in rows[0][1] and "Departement Werk en Sociale Economie" in rows[0][1]
    reason = dict(leave_availability(Capacity.PO, Community.DG, StaffStatus.TEMPORARY))[L.CAREER_BREAK]
    assert "temporary" in reason
    reason = dict(leave_availability(Capacity.PO, Community.FWB, StaffStatus.CONTRACTUAL))[L.CAREER_BREAK]
    assert "appointed for good" in reason
    reason = dict(leave_availability(Capacity.OWN, None, StaffStatus.STATUTORY))[L.CAREER_BREAK]
    assert "not recorded" in reason


def test_organising_authority_must_name_the_community():
    with pytest.raises(ValueError):
        leave_availability(Capacity.PO, None, StaffStatus.STATUTORY)


@pytest.mark.parametrize("leave, capacity, community, regimes", [
    (L.PARENTAL, Capacity.PO, Community.VL, [R.FULL, R.HALF, R.FIFTH, R.TENTH]),
    (L.PARENTAL, Capacity.OWN, None, [R.FULL, R.HALF, R.FIFTH, R.TENTH]),
    (L.MEDICAL, Capacity.PO, Community.FWB, [R.FULL, R.HALF, R.FIFTH]),
    (L.PALLIATIVE, Capacity.PO, Community.DG, [R.FULL, R.HALF, R.FIFTH]),
    (L.CARER, Capacity.OWN, None, [R.FULL, R.HALF, R.FIFTH]),
    (L.CAREER_BREAK, Capacity.PO, Community.FWB, [R.FULL, R.HALF, R.QUARTER, R.FIFTH]),
    (L.CAREER_BREAK, Capacity.PO, Community.DG, [R.FULL, R.HALF, R.QUARTER, R.FIFTH]),
    (L.CAREER_BREAK, Capacity.PO, Community.VL, []),
    (L.CAREER_BREAK, Capacity.OWN, None, []),
    (L.CAREER_BREAK, Capacity.OWN, Employer.PUBLIC, [R.FULL, R.HALF, R.QUARTER, R.FIFTH]),
    (L.CAREER_BREAK, Capacity.OWN, Employer.PRIVATE, []),
    (L.TIME_CREDIT, Capacity.OWN, Employer.PRIVATE, [R.FULL, R.HALF, R.FIFTH]),
    (L.TIME_CREDIT, Capacity.PO, Community.FWB, []),
])
def test_forms_per_leave(leave, capacity, community, regimes):
    if capacity is Capacity.OWN:
        assert regimes_for(leave, capacity, None, community) == regimes
    else:
        assert regimes_for(leave, capacity, community) == regimes


def test_a_minor_child_in_hospital_is_a_full_interruption_of_one_week():
    assert regimes_for(L.MEDICAL, Capacity.PO, Community.FWB, motive=Motive.HOSPITAL) == [R.FULL]
    week = duration_of(L.MEDICAL, R.FULL, Motive.HOSPITAL)
    assert week.unit == "week" and week.months == [1] and week.end(date(2025, 1, 6), 1) == date(2025, 1, 12)
    assert check_period(L.MEDICAL, R.FULL, date(2025, 1, 6), date(2025, 1, 12), Motive.HOSPITAL) == 1
    error = refusal(check_period, L.MEDICAL, R.FULL, date(2025, 1, 6), date(2025, 1, 19), Motive.HOSPITAL)
    assert "one week" in english(error)
    for end in (date(2025, 1, 10), date(2025, 1, 13), date(2025, 1, 20)):  # short of, or past, a whole week
        error = refusal(check_period, L.MEDICAL, R.FULL, date(2025, 1, 6), end, Motive.HOSPITAL)
        assert english(error) == "This leave lasts whole weeks: starting on 06/01/2025, it ends on 12/01/2025."
    assert check_notice(L.MEDICAL, date(2025, 1, 6), date(2025, 1, 6), date(2025, 1, 6), Motive.HOSPITAL) == []
    earlier = [_earlier("W1", "medical", "full", date(2025, 1, 6), date(2025, 1, 12), "hospital")]
    assert exceeded_ceilings(L.MEDICAL, R.FULL, 1, earlier, Motive.HOSPITAL) == []  # renewable once
    [over] = exceeded_ceilings(L.MEDICAL, R.FULL, 1, earlier * 2, Motive.HOSPITAL)
    assert over.limit.per == "hospital"
    # a week in hospital is not counted among the family case's months, nor the other way round
    months = [_earlier("M", "medical", "full", date(2024, 1, 1), date(2024, 12, 31), "family")]
    assert exceeded_ceilings(L.MEDICAL, R.FULL, 1, months, Motive.HOSPITAL) == []


def _earlier(ticket, leave, regime, start, end, motive=None):
    from types import SimpleNamespace
    return SimpleNamespace(ticket=ticket, leave_type=leave, regime=regime, start_date=start, end_date=end,
                           motive=motive)


def test_a_single_parent_of_a_child_of_16_or_under_has_twice_the_ceiling():
    year = [_earlier("Y", "medical", "full", date(2024, 1, 1), date(2024, 12, 31), "single")]
    assert exceeded_ceilings(L.MEDICAL, R.FULL, 3, year, Motive.SINGLE_PARENT) == []  # 12 + 3 <= 24
    [over] = exceeded_ceilings(L.MEDICAL, R.FULL, 3, year, Motive.FAMILY)  # 12 + 3 > 12 in the ordinary case
    assert over.ceiling == 12
    two = year * 2
    [over] = exceeded_ceilings(L.MEDICAL, R.HALF, 1, two, Motive.SINGLE_PARENT)
    assert (over.ceiling, over.earlier) == (48, 48)


def test_the_career_breaks_maximum_per_request_is_not_confirmed_so_it_only_warns():
    assert check_period(L.CAREER_BREAK, R.FULL, START, period_end(START, 24)) == 24  # taken
    [warning] = length_warnings(L.CAREER_BREAK, R.FULL, 24)
    assert "not confirmed" in render(warning, "en") and "24" in render(warning, "en")
    assert length_warnings(L.CAREER_BREAK, R.FULL, 12) == []
    error = refusal(check_period, L.CAREER_BREAK, R.FULL, START, period_end(START, 2))  # the minimum is a rule
    assert english(error) == "A career break lasts at least 3 whole months per request (2 asked)."


def test_fwb_staff_have_no_part_time_career_ceiling_from_55():
    used = [_earlier("P", "career", "half", date(2010, 1, 1), period_end(date(2010, 1, 1), 60))]
    assert exceeded_ceilings(L.CAREER_BREAK, R.HALF, 12, used, community=Community.FWB, age=54)
    assert exceeded_ceilings(L.CAREER_BREAK, R.HALF, 12, used, community=Community.FWB, age=55) == []
    assert exceeded_ceilings(L.CAREER_BREAK, R.HALF, 12, used, community=Community.DG, age=58)
    full = [_earlier("F", "career", "full", date(2010, 1, 1), period_end(date(2010, 1, 1), 60))]
    assert exceeded_ceilings(L.CAREER_BREAK, R.FULL, 3, full, community=Community.FWB, age=58)  # full: still counted


def test_time_credit_motives_and_their_ceilings():
    assert check_period(L.TIME_CREDIT, R.HALF, START, period_end(START, 51), Motive.CHILD) == 51
    error = refusal(check_period, L.TIME_CREDIT, R.HALF, START, period_end(START, 52), Motive.CHILD)
    assert "51 months" in english(error)
    error = refusal(check_period, L.TIME_CREDIT, R.FULL, START, period_end(START, 37), Motive.TRAINING)
    assert "36 months" in english(error)
    [short] = length_warnings(L.TIME_CREDIT, R.FIFTH, 2, Motive.ILL_RELATIVE)  # an unconfirmed minimum: warned
    assert "at least 3 months" in render(short, "en")
    child = [_earlier("C", "timecredit", "half", date(2020, 1, 1), period_end(date(2020, 1, 1), 46), "child")]
    [over] = exceeded_ceilings(L.TIME_CREDIT, R.HALF, 3, child, Motive.CHILD)  # allowances: 48 months for a child
    assert over.limit.per == "motive"
    [over] = exceeded_ceilings(L.TIME_CREDIT, R.FULL, 6, child, Motive.TRAINING)  # 51 months, whatever the motive
    assert over.limit.per == "career" and over.tickets == ("C",)
    [warning] = check_notice(L.TIME_CREDIT, date(2024, 10, 1), NOV_1, TODAY, Motive.CHILD)
    assert "3 months ahead" in render(warning, "en")





def test_only_parental_one_tenth_needs_the_employer_agreement():
    needing = {(leave, regime) for leave in LeaveType for regime in Regime
               if needs_employer_agreement(leave, regime)}
    assert needing == {(L.PARENTAL, R.TENTH)}


# Months ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("start, end, months", [
    (date(2024, 11, 1), date(2024, 11, 30), 1),
    (date(2024, 11, 15), date(2024, 12, 14), 1),
    (date(2024, 11, 1), date(2025, 2, 28), 4),
    (date(2024, 12, 1), date(2025, 11, 30), 12),
    (date(2025, 1, 31), date(2025, 2, 28), 1),
    (date(2025, 1, 29), date(2025, 2, 28), 1),
    (date(2024, 1, 30), date(2024, 2, 29), 1),
    (date(2025, 1, 28), date(2025, 2, 27), 1),
    (date(2025, 1, 31), date(2025, 3, 30), 2),
    (date(2024, 11, 1), date(2024, 11, 29), None),
    (date(2024, 11, 1), date(2024, 12, 1), None),
    (date(2025, 1, 31), date(2025, 2, 27), None),
    (date(2024, 11, 1), date(2024, 11, 1), None),
])
def test_whole_months(start, end, months):
    assert whole_months(start, end) == months
    if months:
        assert period_end(start, months) == end


def test_end_must_come_after_start():
    for end in (START, date(2024, 12, 31)):
        assert "must come after" in refusal(check_period, L.PARENTAL, R.FULL, START, end).message


def test_not_whole_months_proposes_the_nearest_ends():
    error = refusal(check_period, L.PARENTAL, R.FULL, date(2024, 11, 1), date(2024, 12, 15))
    assert english(error) == ("A leave lasts whole months: starting on 01/11/2024, it can end on "
                              "30/11/2024 or on 31/12/2024, not on 15/12/2024.")
    error = refusal(check_period, L.PARENTAL, R.FULL, date(2024, 11, 1), date(2024, 11, 20))
    assert error.params["after"] == date(2024, 11, 30)


# Durations, at and around every bound -------------------------------------------------------------

DURATIONS = [
    (L.PARENTAL, R.FULL, [1, 2, 3, 4]),
    (L.PARENTAL, R.HALF, [2, 4, 6, 8]),
    (L.PARENTAL, R.FIFTH, [5, 10, 15, 20]),
    (L.PARENTAL, R.TENTH, [10, 20, 30, 40]),
    (L.MEDICAL, R.FULL, [1, 2, 3]),
    (L.MEDICAL, R.HALF, [1, 2, 3]),
    (L.MEDICAL, R.FIFTH, [1, 2, 3]),
    (L.PALLIATIVE, R.FULL, [1]),
    (L.PALLIATIVE, R.HALF, [1]),
    (L.PALLIATIVE, R.FIFTH, [1]),
    (L.CARER, R.FULL, [1, 2, 3]),
    (L.CARER, R.HALF, [2, 4, 6]),
    (L.CARER, R.FIFTH, [2, 4, 6]),
    (L.CAREER_BREAK, R.FULL, list(range(3, 73))),
    (L.CAREER_BREAK, R.HALF, list(range(3, 73))),
    (L.CAREER_BREAK, R.QUARTER, list(range(3, 73))),
    (L.CAREER_BREAK, R.FIFTH, list(range(3, 73))),
]


@pytest.mark.parametrize("leave, regime, months", DURATIONS)
def test_allowed_months(leave, regime, months):
    assert allowed_months(leave, regime) == months


def around_bounds(months):
    low, high = months[0], months[-1]
    step = months[1] - months[0] if len(months) > 1 else 1
    return sorted({m for m in (low - 1, low, low + 1, high - 1, high, high + 1, high + step,
                                low + step // 2) if m >= 1})


@pytest.mark.parametrize("leave, regime, months, asked", [
    (leave, regime, months, asked)
    for leave, regime, months in DURATIONS for asked in around_bounds(months)
])
@pytest.mark.parametrize("start", [date(2025, 1, 1), date(2024, 8, 31)])
def test_duration_rules(leave, regime, months, asked, start):
    end = period_end(start, asked)
    if asked in months:
        assert check_period(leave, regime, start, end) == asked
    else:
        error = refusal(check_period, leave, regime, start, end)
        assert error.message == CATALOGUE[leave].forms[regime].rule
        assert error.params == {"months": asked}


@pytest.mark.parametrize("leave, regime, asked, text", [
    (L.PARENTAL, R.FIFTH, 6, "A parental leave with a 1/5 reduction lasts a multiple of 5 months, "
                             "at most 20 months (6 asked)."),
    (L.PARENTAL, R.FULL, 5, "A full-time parental leave lasts 1 to 4 whole months (5 asked)."),
    (L.PALLIATIVE, R.HALF, 2, "A palliative care leave lasts exactly 1 month; an extension is a "
                              "new request (2 asked)."),
    (L.CARER, R.FIFTH, 3, "A part-time informal carer leave lasts 2, 4 or 6 months (3 asked)."),
    (L.CAREER_BREAK, R.FULL, 2, "A career break lasts at least 3 whole months per request "
                                "(2 asked)."),
])
def test_duration_messages_name_the_rule(leave, regime, asked, text):
    assert english(refusal(check_period, leave, regime, START, period_end(START, asked))) == text


@pytest.mark.parametrize("leave, regime", [
    (L.PARENTAL, R.QUARTER), (L.MEDICAL, R.TENTH), (L.CARER, R.THIRD), (L.PALLIATIVE, R.TENTH),
])
def test_form_that_the_leave_does_not_have(leave, regime):
    error = refusal(check_period, leave, regime, START, period_end(START, 1))
    assert "cannot be taken as" in error.message
    with pytest.raises(Invalid):
        allowed_months(leave, regime)


# Hours -----------------------------------------------------------------------------------------

def test_time_before_cannot_exceed_full_time():
    error = refusal(check_hours, L.PARENTAL, R.FULL, 1230, 1200)
    assert english(error) == ("The worker's weekly time before the leave (20h30) cannot be more "
                              "than a full-time schedule (20h00).")


@pytest.mark.parametrize("leave", list(LeaveType))
def test_full_interruption_is_open_to_part_time_workers(leave):
    check_hours(leave, R.FULL, 600, 1200)
    check_hours(leave, R.FULL, 1200, 1200)


@pytest.mark.parametrize("leave, regime", [
    (leave, regime) for leave in LeaveType for regime in CATALOGUE[leave].forms if regime != R.FULL
])
def test_part_time_forms_are_open_to_full_time_workers(leave, regime):
    check_hours(leave, regime, 1200, 1200)


@pytest.mark.parametrize("leave, regime", [
    (L.PARENTAL, R.HALF), (L.PARENTAL, R.FIFTH), (L.PARENTAL, R.TENTH), (L.CARER, R.HALF),
    (L.CAREER_BREAK, R.QUARTER), (L.MEDICAL, R.FIFTH), (L.PALLIATIVE, R.FIFTH),
])
def test_part_time_forms_need_a_full_time_job(leave, regime):
    error = refusal(check_hours, leave, regime, 1199, 1200)
    assert "needs a full-time job" in error.message
    assert error.params["before"] == "19h59" and error.params["fulltime"] == "20h00"


def test_half_time_reduction_rendered():
    error = refusal(check_hours, L.PARENTAL, R.HALF, 1000, 1200)
    assert english(error) == ("A half-time reduction needs a full-time job, and the worker works "
                              "16h40 of a 20h00 full-time week.")


@pytest.mark.parametrize("leave", [L.MEDICAL, L.PALLIATIVE, L.TIME_CREDIT])
def test_half_time_medical_and_palliative_open_from_three_quarters(leave):
    check_hours(leave, R.HALF, 900, 1200)  # exactly 3/4
    check_hours(leave, R.HALF, 1500, 1920)  # above 3/4 of 32h00
    error = refusal(check_hours, leave, R.HALF, 899, 1200)
    assert english(error) == ("For this leave a half-time reduction is open from 3/4 of a "
                              "full-time job: at least 15h00 of a 20h00 week (14h59 given).")


# Notice ----------------------------------------------------------------------------------------

NOV_1 = date(2024, 11, 1)
TODAY = date(2024, 10, 15)


def test_notice_cannot_be_in_the_future():
    error = refusal(check_notice, L.PARENTAL, date(2024, 10, 16), NOV_1, TODAY)
    assert "future" in error.message and error.params == {"today": TODAY, "example": min(TODAY, NOV_1)}


def test_notice_cannot_be_after_the_start():
    error = refusal(check_notice, L.PARENTAL, date(2024, 11, 2), NOV_1, date(2024, 12, 1))
    assert "after the start" in error.message


@pytest.mark.parametrize("leave, in_time, late", [
    (L.PARENTAL, date(2024, 9, 1), date(2024, 9, 2)),
    (L.MEDICAL, date(2024, 10, 25), date(2024, 10, 26)),
    (L.CARER, date(2024, 10, 25), date(2024, 10, 26)),
])
def test_short_notice_warns_without_refusing(leave, in_time, late):
    today = date(2024, 10, 31)
    assert check_notice(leave, in_time, NOV_1, today) == []
    [warning] = check_notice(leave, late, NOV_1, today)
    assert isinstance(warning, T)
    assert warning.params == {"notice": late, "start": NOV_1, "latest": in_time}
    assert "education" in warning.message


def test_parental_notice_rendered():
    [warning] = check_notice(L.PARENTAL, date(2024, 10, 1), NOV_1, TODAY)
    assert render(warning, "en") == (
        "Parental leave is usually announced in writing 2 months ahead, by 01/09/2024 for a start "
        "on 01/11/2024; this notice is dated 01/10/2024. This may differ in education: check it "
        "before confirming.")


def test_notice_two_months_before_a_month_end():
    [warning] = check_notice(L.PARENTAL, date(2024, 3, 1), date(2024, 4, 30), TODAY)
    assert warning.params["latest"] == date(2024, 2, 29)


@pytest.mark.parametrize("leave", [L.PALLIATIVE])
def test_no_usual_notice(leave):
    assert check_notice(leave, NOV_1, NOV_1, NOV_1) == []
