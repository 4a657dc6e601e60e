"""Tests for requests_app.deadlines (pure; no Django, no database).

Every expected date in CASES was worked out by hand from Art. 12(3) GDPR and Art. 3 of
Regulation 1182/71, with a printed calendar for the weekdays, never by calling the code.
"""

import ast
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from requests_app import deadlines
from requests_app.deadlines import (
    DueDateExplanation,
    add_days_then_working_day,
    due_date,
    explain,
    explain_due_date,
    extension_notice_by,
    is_working_day,
    next_working_day,
)

MODULE_PATH = Path(__file__).resolve().parent.parent / "requests_app" / "deadlines.py"


def utc(y, m, d, hh=12, mm=0):
    """A receipt instant in UTC; noon UTC is the same calendar day in Oslo and Copenhagen."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


D = date
# (id, received_at, country, extended, expected due date)
CASES = [
    # Month ends: Art. 3(2)(c) clamps to the last day of a shorter month.
    ("31jan_to_28feb_sunday_then_monday_NO", utc(2027, 1, 31), "NO", False, D(2027, 3, 1)),
    ("31jan_to_28feb_sunday_then_monday_DK", utc(2027, 1, 31), "DK", False, D(2027, 3, 1)),
    ("28jan_to_28feb_sunday_then_monday", utc(2027, 1, 28), "NO", False, D(2027, 3, 1)),
    ("31jan_leap_year_clamps_to_29feb", utc(2028, 1, 31), "NO", False, D(2028, 2, 29)),
    ("30jan_leap_year_clamps_to_29feb", utc(2028, 1, 30), "DK", False, D(2028, 2, 29)),
    ("29jan_leap_year_same_date_29feb", utc(2028, 1, 29), "NO", False, D(2028, 2, 29)),
    ("received_on_leap_day_29feb_to_29mar", utc(2028, 2, 29), "DK", False, D(2028, 3, 29)),
    ("31mar_to_30apr", utc(2026, 3, 31), "DK", False, D(2026, 4, 30)),
    # Plain and weekend cases.
    ("plain_working_day_unchanged", utc(2027, 1, 15), "NO", False, D(2027, 2, 15)),
    ("saturday_moves_to_monday", utc(2027, 1, 13), "DK", False, D(2027, 2, 15)),
    ("sunday_moves_to_monday", utc(2026, 2, 15), "NO", False, D(2026, 3, 16)),
    # Easter: Maundy Thursday, Good Friday, Easter Monday (both countries).
    ("maundy_thursday_chain_to_tuesday_NO", utc(2027, 2, 25), "NO", False, D(2027, 3, 30)),
    ("maundy_thursday_chain_to_tuesday_DK", utc(2027, 2, 25), "DK", False, D(2027, 3, 30)),
    ("maundy_thursday_2024_leap_february", utc(2024, 2, 28), "NO", False, D(2024, 4, 2)),
    ("good_friday_chain_to_tuesday_NO", utc(2026, 3, 3), "NO", False, D(2026, 4, 7)),
    ("good_friday_chain_to_tuesday_DK", utc(2026, 3, 3), "DK", False, D(2026, 4, 7)),
    ("easter_monday_to_tuesday", utc(2028, 3, 17), "DK", False, D(2028, 4, 18)),
    ("easter_sunday_2018_then_easter_monday", utc(2018, 3, 1), "NO", False, D(2018, 4, 3)),
    # Ascension Day and Whit Monday.
    ("ascension_day_to_friday_NO", utc(2026, 4, 14), "NO", False, D(2026, 5, 15)),
    ("ascension_day_to_friday_DK", utc(2025, 4, 29), "DK", False, D(2025, 5, 30)),
    ("whit_monday_to_tuesday_DK", utc(2026, 4, 25), "DK", False, D(2026, 5, 26)),
    ("whit_monday_to_tuesday_NO", utc(2025, 5, 9), "NO", False, D(2025, 6, 10)),
    # 17 May, 1 May, 5 June.
    ("17may_NO_chains_into_whitsun", utc(2024, 4, 17), "NO", False, D(2024, 5, 21)),
    ("17may_is_a_working_day_in_DK", utc(2024, 4, 17), "DK", False, D(2024, 5, 17)),
    ("17may_2027_is_also_whit_monday_NO", utc(2027, 4, 17), "NO", False, D(2027, 5, 18)),
    ("17may_2027_whit_monday_DK", utc(2027, 4, 17), "DK", False, D(2027, 5, 18)),
    ("1may_is_a_holiday_in_NO", utc(2024, 4, 1), "NO", False, D(2024, 5, 2)),
    ("1may_is_a_working_day_in_DK", utc(2024, 4, 1), "DK", False, D(2024, 5, 1)),
    ("5june_grundlovsdag_is_a_working_day_DK", utc(2024, 5, 5), "DK", False, D(2024, 6, 5)),
    ("5june_is_a_working_day_NO", utc(2024, 5, 5), "NO", False, D(2024, 6, 5)),
    # Store Bededag (DK): a holiday up to 2023, abolished from 2024.
    ("store_bededag_2023_is_a_holiday_DK", utc(2023, 4, 5), "DK", False, D(2023, 5, 8)),
    ("store_bededag_2023_date_works_in_NO", utc(2023, 4, 5), "NO", False, D(2023, 5, 5)),
    ("store_bededag_date_2024_is_working_DK", utc(2024, 3, 26), "DK", False, D(2024, 4, 26)),
    # Christmas and New Year.
    ("christmas_25_26_dec_to_27_NO", utc(2024, 11, 25), "NO", False, D(2024, 12, 27)),
    ("christmas_25_26_dec_to_27_DK", utc(2024, 11, 25), "DK", False, D(2024, 12, 27)),
    ("24dec_is_a_working_day_NO", utc(2024, 11, 24), "NO", False, D(2024, 12, 24)),
    ("24dec_is_a_working_day_DK", utc(2024, 11, 24), "DK", False, D(2024, 12, 24)),
    ("christmas_on_weekend_to_monday", utc(2027, 11, 25), "DK", False, D(2027, 12, 27)),
    ("christmas_2040", utc(2040, 11, 25), "NO", False, D(2040, 12, 27)),
    ("new_year_friday_then_weekend_NO", utc(2026, 12, 1), "NO", False, D(2027, 1, 4)),
    ("new_year_friday_then_weekend_DK", utc(2026, 12, 1), "DK", False, D(2027, 1, 4)),
    # Local date of receipt: summer time (UTC+2) and winter time (UTC+1).
    ("summer_2230_utc_is_next_day_in_oslo", utc(2026, 5, 31, 22, 30), "NO", False, D(2026, 7, 1)),
    ("summer_2130_utc_is_same_day_in_oslo", utc(2026, 5, 31, 21, 30), "NO", False, D(2026, 6, 30)),
    ("31mar_2330_utc_is_1apr_in_oslo", utc(2027, 3, 31, 23, 30), "NO", False, D(2027, 5, 3)),
    ("31mar_2130_utc_is_31mar_in_oslo", utc(2027, 3, 31, 21, 30), "NO", False, D(2027, 4, 30)),
    ("winter_2330_utc_is_next_day_dk", utc(2027, 2, 9, 23, 30), "DK", False, D(2027, 3, 10)),
    ("winter_2259_utc_is_same_day_dk", utc(2027, 2, 9, 22, 59), "DK", False, D(2027, 3, 9)),
    (
        "new_york_evening_is_next_day_in_oslo",
        datetime(2027, 2, 9, 18, 30, tzinfo=ZoneInfo("America/New_York")),
        "NO",
        False,
        D(2027, 3, 10),
    ),
    # Extensions: two further months counted from the one-month date before it is moved to a
    # working day (the earlier reading of Art. 12(3)), then moved to a working day.
    ("extended_30nov_to_30dec_to_28feb", utc(2024, 11, 30), "NO", True, D(2025, 2, 28)),
    ("extended_30nov_to_29feb_leap", utc(2027, 11, 30), "DK", True, D(2028, 2, 29)),
    ("extended_30nov_28feb_sunday_to_monday", utc(2026, 11, 30), "NO", True, D(2027, 3, 1)),
    ("extended_31oct_to_30nov_to_30jan_not_31jan", utc(2024, 10, 31), "DK", True,
     D(2025, 1, 30)),
    ("extended_31oct_to_30jan_friday_not_monday_2feb", utc(2025, 10, 31), "NO", True,
     D(2026, 1, 30)),
    ("extended_31jan_to_28feb_to_28apr_not_30apr", utc(2027, 1, 31), "NO", True,
     D(2027, 4, 28)),
    ("extended_31may_to_30jun_to_30aug_not_31aug", utc(2027, 5, 31), "DK", True,
     D(2027, 8, 30)),
    ("extended_31dec_to_31jan_to_31mar", utc(2026, 12, 31), "NO", True, D(2027, 3, 31)),
    # 13 Jan 2027 + 1 month = Saturday 13 Feb (the one-month due date moves to Monday 15 Feb),
    # but the two further months count from 13 Feb: Tuesday 13 April, not 15 April.
    ("extended_counts_from_the_unmoved_one_month_date", utc(2027, 1, 13), "NO", True,
     D(2027, 4, 13)),
    ("extended_into_maundy_thursday_chain", utc(2025, 1, 17), "DK", True, D(2025, 4, 22)),
    ("extended_leap_day_to_29may", utc(2028, 2, 29), "NO", True, D(2028, 5, 29)),
    ("extended_across_year_end_2040", utc(2040, 10, 31), "NO", True, D(2041, 1, 30)),
    # Lower-case country codes are accepted.
    ("lowercase_country_code", utc(2027, 1, 31), "no", False, D(2027, 3, 1)),
]


@pytest.mark.parametrize(
    ("received_at", "country", "extended", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_due_date_matches_hand_worked_calendar(received_at, country, extended, expected):
    assert due_date(received_at, country, extended=extended) == expected


def test_case_table_has_at_least_30_cases():
    assert len(CASES) >= 30


# --- explanation ----------------------------------------------------------------------------


def test_explanation_of_month_end_clamped_to_a_sunday():
    explanation = explain_due_date(utc(2027, 1, 31), "NO")
    assert explanation == DueDateExplanation(
        country="NO",
        received_local=D(2027, 1, 31),
        months=1,
        nominal=D(2027, 2, 28),
        clamped=True,
        skipped=((D(2027, 2, 28), "sunday"),),
        due=D(2027, 3, 1),
    )
    assert explanation.explain() == (
        "31 Jan 2027 + 1 month = 28 Feb 2027 (no 31 Feb); 28 Feb 2027 is a Sunday → Mon 1 Mar 2027"
    )


def test_explain_function_gives_the_same_text_as_the_explanation():
    received = utc(2027, 2, 25)
    assert explain(received, "DK") == explain_due_date(received, "DK").explain()
    assert explain(received, "NO", extended=True) == (
        "25 Feb 2027 + 1 month = 25 Mar 2027 + 2 further months = 25 May 2027, "
        "a working day (Tue)"
    )


def test_explanation_lists_the_whole_easter_chain_with_holiday_names():
    explanation = explain_due_date(utc(2027, 2, 25), "DK")
    assert not explanation.clamped
    assert explanation.skipped == (
        (D(2027, 3, 25), "Maundy Thursday"),
        (D(2027, 3, 26), "Good Friday"),
        (D(2027, 3, 27), "saturday"),
        (D(2027, 3, 28), "Easter Sunday"),
        (D(2027, 3, 29), "Easter Monday"),
    )
    assert explanation.explain().endswith("29 Mar 2027 is Easter Monday → Tue 30 Mar 2027")


def test_explanation_of_a_working_nominal_date_has_no_skipped_days():
    explanation = explain_due_date(utc(2027, 1, 15), "NO", extended=True)
    assert explanation.months == 3
    assert explanation.one_month == D(2027, 2, 15)
    assert explanation.skipped == ()
    assert explanation.due == explanation.nominal == D(2027, 4, 15)
    assert explanation.explain() == (
        "15 Jan 2027 + 1 month = 15 Feb 2027 + 2 further months = 15 Apr 2027, "
        "a working day (Thu)"
    )


def test_an_extension_counts_two_further_months_from_the_clamped_one_month_date():
    # Art. 12(3) read safely: 31 Jan + 1 month = 28 Feb (Regulation 1182/71 Art. 3(2)(c)),
    # + 2 months = 28 April, earlier than 31 Jan + 3 months = 30 April.
    explanation = explain_due_date(utc(2027, 1, 31), "NO", extended=True)
    assert explanation == DueDateExplanation(
        country="NO",
        received_local=D(2027, 1, 31),
        months=3,
        nominal=D(2027, 4, 28),
        clamped=True,
        skipped=(),
        due=D(2027, 4, 28),
        one_month=D(2027, 2, 28),
    )
    assert explanation.explain() == (
        "31 Jan 2027 + 1 month = 28 Feb 2027 (no 31 Feb) + 2 further months = 28 Apr 2027, "
        "a working day (Wed)"
    )


def test_the_second_count_notes_a_clamp_of_its_own():
    explanation = explain_due_date(utc(2024, 11, 30), "NO", extended=True)
    assert explanation.explain() == (
        "30 Nov 2024 + 1 month = 30 Dec 2024 + 2 further months = 28 Feb 2025 (no 30 Feb), "
        "a working day (Fri)"
    )


def test_the_extended_end_is_the_earlier_of_the_two_readings():
    assert deadlines.extended_end(D(2027, 1, 31)) == D(2027, 4, 28)  # not 30 April
    assert deadlines.extended_end(D(2027, 1, 13)) == D(2027, 4, 13)
    assert deadlines.extended_end(D(2028, 2, 29)) == D(2028, 5, 29)


def test_explanation_uses_local_receipt_date():
    explanation = explain_due_date(utc(2027, 3, 31, 23, 30), "NO")
    assert explanation.received_local == D(2027, 4, 1)


def test_explanation_is_frozen():
    explanation = explain_due_date(utc(2027, 1, 31), "NO")
    with pytest.raises(AttributeError):
        explanation.due = D(2000, 1, 1)


def test_holiday_names_do_not_depend_on_process_locale(monkeypatch):
    # holidays picks the name language from LANGUAGE/LANG unless told; we pin English.
    monkeypatch.setenv("LANGUAGE", "da")
    monkeypatch.setenv("LANG", "da_DK.UTF-8")
    deadlines._public_holidays.cache_clear()
    try:
        explanation = explain_due_date(utc(2024, 11, 25), "DK")
        assert explanation.skipped[0] == (D(2024, 12, 25), "Christmas Day")
    finally:
        deadlines._public_holidays.cache_clear()


# --- extension notice, working days -------------------------------------------------------


def test_extension_notice_is_due_with_the_one_month_deadline():
    received = utc(2027, 1, 31)
    assert extension_notice_by(received, "NO") == due_date(received, "NO") == D(2027, 3, 1)


@pytest.mark.parametrize(
    ("day", "country", "expected"),
    [
        (D(2024, 5, 1), "NO", False),  # Labour Day, a Norwegian public holiday
        (D(2024, 5, 1), "DK", True),  # only "optional" in Denmark
        (D(2024, 5, 17), "NO", False),  # Constitution Day
        (D(2024, 6, 5), "DK", True),  # Grundlovsdag: optional only
        (D(2024, 12, 24), "DK", True),
        (D(2024, 12, 24), "NO", True),
        (D(2024, 12, 31), "DK", True),
        (D(2023, 5, 5), "DK", False),  # Store Bededag 2023
        (D(2024, 4, 26), "DK", True),  # Store Bededag abolished from 2024
        (D(2024, 12, 25), "DK", False),
        (D(2024, 12, 26), "NO", False),
        (D(2027, 2, 27), "NO", False),  # Saturday
        (D(2027, 2, 28), "DK", False),  # Sunday
        (D(2027, 3, 1), "dk", True),
    ],
)
def test_is_working_day(day, country, expected):
    assert is_working_day(day, country) is expected


def test_next_working_day_returns_the_day_itself_when_working():
    assert next_working_day(D(2027, 3, 1), "NO") == D(2027, 3, 1)


def test_next_working_day_skips_christmas_and_weekend():
    assert next_working_day(D(2027, 12, 24), "NO") == D(2027, 12, 24)  # Friday, not a holiday
    assert next_working_day(D(2027, 12, 25), "NO") == D(2027, 12, 27)


def test_add_days_then_working_day_adds_calendar_days_then_rolls_forward():
    assert add_days_then_working_day(D(2027, 3, 1), 0, "NO") == D(2027, 3, 1)
    assert add_days_then_working_day(D(2027, 3, 1), 10, "NO") == D(2027, 3, 11)
    # 1 Mar + 24 days = Thu 25 Mar 2027, Maundy Thursday -> Tue 30 Mar.
    assert add_days_then_working_day(D(2027, 3, 1), 24, "DK") == D(2027, 3, 30)
    # Crossing a year: 20 Dec 2024 + 11 days = Tue 31 Dec (working in DK).
    assert add_days_then_working_day(D(2024, 12, 20), 11, "DK") == D(2024, 12, 31)


def test_add_days_rejects_negative_days():
    with pytest.raises(ValueError, match="zero or positive"):
        add_days_then_working_day(D(2027, 3, 1), -1, "NO")


# --- errors -----------------------------------------------------------------------------------


def test_naive_datetime_is_rejected():
    with pytest.raises(ValueError, match="received_at must be timezone-aware"):
        due_date(datetime(2027, 1, 31, 12, 0), "NO")


def test_naive_datetime_is_rejected_for_extension_notice():
    with pytest.raises(ValueError, match="timezone-aware"):
        extension_notice_by(datetime(2027, 1, 31, 12, 0), "DK")


@pytest.mark.parametrize("country", ["SE", "", "NOR", "Norway", None])
def test_unknown_country_is_rejected_with_the_supported_list(country):
    with pytest.raises(ValueError, match="supported countries: DK, NO"):
        due_date(utc(2027, 1, 31), country)


def test_unknown_country_is_rejected_by_working_day_helpers():
    with pytest.raises(ValueError, match="DK, NO"):
        is_working_day(D(2027, 1, 4), "SE")
    with pytest.raises(ValueError, match="DK, NO"):
        next_working_day(D(2027, 1, 4), "")


def test_plain_date_instead_of_datetime_is_rejected():
    with pytest.raises(TypeError):
        due_date(D(2027, 1, 31), "NO")


def test_datetime_instead_of_date_is_rejected_by_day_helpers():
    with pytest.raises(TypeError):
        is_working_day(utc(2027, 1, 4), "NO")


# --- what holidays 0.108 really contains --------------------------------------------------


def _names(country, year):
    h = holidays.country_holidays(country, years=year, language="en_US")
    return {day: name for day, name in h.items()}


def test_holidays_data_norway_2024():
    assert _names("NO", 2024) == {
        D(2024, 1, 1): "New Year's Day",
        D(2024, 3, 28): "Maundy Thursday",
        D(2024, 3, 29): "Good Friday",
        D(2024, 3, 31): "Easter Sunday",
        D(2024, 4, 1): "Easter Monday",
        D(2024, 5, 1): "Labor Day",
        D(2024, 5, 9): "Ascension Day",
        D(2024, 5, 17): "Constitution Day",
        D(2024, 5, 19): "Pentecost",
        D(2024, 5, 20): "Pentecost Monday",
        D(2024, 12, 25): "Christmas Day",
        D(2024, 12, 26): "Second Day of Christmas",
    }


def test_holidays_data_denmark_2024_has_no_store_bededag_nor_optional_days():
    assert _names("DK", 2024) == {
        D(2024, 1, 1): "New Year's Day",
        D(2024, 3, 28): "Maundy Thursday",
        D(2024, 3, 29): "Good Friday",
        D(2024, 3, 31): "Easter Sunday",
        D(2024, 4, 1): "Easter Monday",
        D(2024, 5, 9): "Ascension Day",
        D(2024, 5, 19): "Pentecost",
        D(2024, 5, 20): "Pentecost Monday",
        D(2024, 12, 25): "Christmas Day",
        D(2024, 12, 26): "Second Day of Christmas",
    }


def test_holidays_data_denmark_2023_has_store_bededag():
    assert _names("DK", 2023)[D(2023, 5, 5)] == "Great Prayer Day"


def test_holidays_data_2027_17_may_coincides_with_whit_monday_in_norway():
    assert _names("NO", 2027)[D(2027, 5, 17)] == "Constitution Day; Pentecost Monday"
    assert len(_names("NO", 2027)) == 11  # two holidays share one date
    assert len(_names("DK", 2027)) == 10


def test_holidays_data_norway_default_does_not_list_every_sunday():
    # Norway's class can add all Sundays (include_sundays=True); the default does not.
    sundays = [d for d in _names("NO", 2024) if d.weekday() == 6]
    assert sundays == [D(2024, 3, 31), D(2024, 5, 19)]  # Easter Sunday, Pentecost


# --- properties -------------------------------------------------------------------------------

receipts = st.datetimes(
    min_value=datetime(2018, 1, 1),
    max_value=datetime(2040, 12, 31, 23, 59, 59),
    timezones=st.just(UTC),
)
countries = st.sampled_from(["NO", "DK"])
# No deadline: the first call per year builds the holiday table.  No example database, so
# the tests leave no .hypothesis/ files behind in the working tree.
PROPERTY_SETTINGS = settings(deadline=None, database=None)


def local_receipt(received_at, country):
    return received_at.astimezone(ZoneInfo(deadlines.TIME_ZONES[country])).date()


def nominal(received_at, country, extended):
    """One month from receipt; extended, two further months from that (unmoved) date."""
    one_month = local_receipt(received_at, country) + relativedelta(months=1)
    return one_month + relativedelta(months=2) if extended else one_month


@PROPERTY_SETTINGS
@given(received_at=receipts, country=countries, extended=st.booleans())
def test_property_due_date_is_a_working_day_within_five_days_of_nominal(
    received_at, country, extended
):
    due = due_date(received_at, country, extended=extended)
    start = nominal(received_at, country, extended)
    assert is_working_day(due, country)
    assert due.weekday() < 5
    assert start <= due <= start + timedelta(days=5)


@PROPERTY_SETTINGS
@given(a=receipts, b=receipts, country=countries, extended=st.booleans())
def test_property_due_date_is_monotone_in_receipt_time(a, b, country, extended):
    earlier, later = sorted((a, b))
    assert due_date(earlier, country, extended=extended) <= due_date(
        later, country, extended=extended
    )


@PROPERTY_SETTINGS
@given(received_at=receipts, country=countries, extended=st.booleans())
def test_property_explanation_agrees_with_due_date(received_at, country, extended):
    explanation = explain_due_date(received_at, country, extended=extended)
    assert explanation.due == due_date(received_at, country, extended=extended)
    assert [day for day, _ in explanation.skipped] == [
        explanation.nominal + timedelta(days=i) for i in range(len(explanation.skipped))
    ]
    assert explanation.due == explanation.nominal + timedelta(days=len(explanation.skipped))


@PROPERTY_SETTINGS
@given(received_at=receipts, country=countries)
def test_property_extended_due_date_is_never_earlier(received_at, country):
    assert due_date(received_at, country, extended=True) >= due_date(received_at, country)


@PROPERTY_SETTINGS
@given(received_at=receipts, country=countries)
def test_property_the_extended_date_is_never_later_than_three_months_from_receipt(
    received_at, country
):
    # The reading used before: one three-month period from receipt, moved to a working day.
    three_months = next_working_day(
        local_receipt(received_at, country) + relativedelta(months=3), country
    )
    assert due_date(received_at, country, extended=True) <= three_months


@PROPERTY_SETTINGS
@given(received_at=receipts, country=countries)
def test_property_the_extended_date_is_never_later_than_two_months_after_the_moved_date(
    received_at, country
):
    # A third reading, two months after the one-month due date once moved: never earlier.
    from_moved = next_working_day(due_date(received_at, country) + relativedelta(months=2),
                                  country)
    assert due_date(received_at, country, extended=True) <= from_moved


@PROPERTY_SETTINGS
@given(received_at=receipts, country=countries)
def test_property_the_extended_date_is_at_least_two_months_after_the_one_month_date(
    received_at, country
):
    one_month = local_receipt(received_at, country) + relativedelta(months=1)
    extended = due_date(received_at, country, extended=True)
    assert extended >= one_month + relativedelta(months=2)
    assert extended > due_date(received_at, country)


@PROPERTY_SETTINGS
@given(
    received_at=receipts,
    country=countries,
    offset_minutes=st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_property_same_instant_in_any_time_zone_gives_same_due_date(
    received_at, country, offset_minutes
):
    elsewhere = received_at.astimezone(timezone(timedelta(minutes=offset_minutes)))
    assert due_date(elsewhere, country) == due_date(received_at, country)


@pytest.mark.parametrize("country", ["NO", "DK"])
def test_every_receipt_day_2018_to_2040_meets_the_invariants(country):
    # Exhaustive companion to the property tests: one receipt per day, drifting through
    # every hour of the day, so no rare holiday chain can hide from random sampling.
    previous = {False: date.min, True: date.min}
    received = datetime(2018, 1, 1, tzinfo=UTC)
    while received < datetime(2041, 1, 1, tzinfo=UTC):
        for extended in (False, True):
            explanation = explain_due_date(received, country, extended=extended)
            assert is_working_day(explanation.due, country)
            assert 0 <= (explanation.due - explanation.nominal).days <= 5
            assert explanation.due >= previous[extended]
            previous[extended] = explanation.due
        assert previous[True] >= previous[False]
        received += timedelta(hours=23)


# --- purity -----------------------------------------------------------------------------------


def test_deadlines_module_imports_nothing_from_django_or_the_app():
    tree = ast.parse(MODULE_PATH.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative imports would pull in the app"
            imported.add(node.module)
    top_level = {name.split(".")[0] for name in imported}
    assert top_level <= {
        "__future__",
        "dataclasses",
        "datetime",
        "functools",
        "zoneinfo",
        "holidays",
        "dateutil",
    }, top_level


# --- working days before a date, and holiday names in the reader's language ---------------


@pytest.mark.parametrize(
    ("day", "count", "country", "expected"),
    [
        (date(2027, 3, 1), 0, "NO", date(2027, 3, 1)),
        (date(2027, 3, 1), 1, "NO", date(2027, 2, 26)),  # Mon → previous Fri
        (date(2027, 3, 1), 7, "NO", date(2027, 2, 18)),  # seven working days back (Thu)
        (date(2026, 5, 19), 1, "NO", date(2026, 5, 18)),  # 17 May 2026 is a Sunday anyway
        (date(2026, 5, 19), 2, "NO", date(2026, 5, 15)),  # over the weekend
        (date(2026, 5, 15), 1, "NO", date(2026, 5, 13)),  # over Ascension Day, Thu 14 May
        (date(2027, 3, 30), 3, "DK", date(2027, 3, 22)),  # over Easter: 29, 26, 25 Mar
    ],
)
def test_working_days_before_counts_back_over_weekends_and_holidays(day, count, country,
                                                                    expected):
    assert deadlines.working_days_before(day, count, country) == expected


def test_holiday_names_follow_the_readers_language():
    assert deadlines.holiday_name(date(2027, 3, 25), "DK", "da") == "Skærtorsdag"
    assert deadlines.holiday_name(date(2027, 3, 25), "NO", "nb") == "Skjærtorsdag"
    assert deadlines.holiday_name(date(2027, 3, 25), "NO", "en") == "Maundy Thursday"
    assert deadlines.holiday_name(date(2027, 3, 24), "NO", "nb") is None
