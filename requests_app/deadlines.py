"""Response deadlines for data-subject requests (pure date arithmetic, no Django).

Art. 12(3) GDPR gives the controller one month from receipt of a request to act on it,
which "may be extended by two further months where necessary".  The GDPR does not say how to
count a "month"; Regulation (EEC, Euratom) No 1182/71, which applies to EU acts and, through
the EEA Agreement, in Norway, does:

* Art. 3(2)(c): a period in months ends on the day of the last month with the same date as
  the day from which it runs; if that month has no such date, on its last day
  (31 January + 1 month = 28/29 February).
* Art. 3(4): if the last day is a public holiday, a Saturday or a Sunday, the period ends at
  the end of the next working day.
* Art. 2(1): the public holidays are those of the State where the action is to be taken.

The extension can be read two ways: three months counted from receipt, or two further months
counted from the end of the first month.  At month ends they differ (received 31 January:
31 January + 3 months = 30 April, but 31 January + 1 month = 28 February, + 2 months =
28 April).  Where the law can be read two ways we take the reading that can never be late:
the earlier of the two candidate dates, which is always the two further months added to the
one-month date *before* that date is moved to a working day (Art. 3(4) moves only the end of
the whole period), the result then moved to a working day.  Adding the two months to the
already moved one-month date would be later still, so it is never used.

Every result is derived from one core computation (`explain_due_date`), so the due date and
its human explanation can never disagree.  This module imports nothing from Django or from
the app, so that it stays trivially testable and reusable.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from dateutil.relativedelta import relativedelta

#: Supported countries and the time zone in which a receipt date is counted there.
TIME_ZONES: dict[str, str] = {"DK": "Europe/Copenhagen", "NO": "Europe/Oslo"}
SUPPORTED_COUNTRIES: tuple[str, ...] = tuple(sorted(TIME_ZONES))

#: Reasons recorded for skipped weekend days (holidays carry their English name instead).
SATURDAY = "saturday"
SUNDAY = "sunday"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class DueDateExplanation:
    """Every step of a deadline computation, kept as data so a UI layer can translate it.

    ``skipped`` lists the non-working days stepped over under Art. 3(4) of Regulation
    1182/71, each with its reason: ``"saturday"``, ``"sunday"`` or the holiday's English name
    (a public holiday on a weekend is reported by its name, the more specific reason).

    ``months`` is the whole period (1, or 3 when extended).  For an extended period,
    ``one_month`` is the end of the first month before any move to a working day, from which
    the two further months are counted (see the module's docstring); ``nominal`` is then that
    date + 2 months, the earlier reading of Art. 12(3).  ``clamped`` says the receipt's day
    of the month does not exist in a month counted to.
    """

    country: str
    received_local: date
    months: int
    nominal: date
    clamped: bool
    skipped: tuple[tuple[date, str], ...]
    due: date
    one_month: date | None = None

    def explain(self) -> str:
        """Return a short English account, e.g. for logs, e-mails or the admin."""
        text = f"{_fmt(self.received_local)} + 1 month"
        if self.one_month is None:
            text += f" = {_fmt(self.nominal)}{_no_day(self.received_local, self.nominal)}"
        else:
            text += (f" = {_fmt(self.one_month)}{_no_day(self.received_local, self.one_month)}"
                     f" + 2 further months = {_fmt(self.nominal)}"
                     f"{_no_day(self.one_month, self.nominal)}")
        if not self.skipped:
            return f"{text}, a working day ({_WEEKDAYS[self.due.weekday()]})"
        reasons = ", ".join(
            f"{_fmt(day)} is {_reason_text(reason)}" for day, reason in self.skipped
        )
        return f"{text}; {reasons} → {_WEEKDAYS[self.due.weekday()]} {_fmt(self.due)}"


def due_date(received_at: datetime, country: str, *, extended: bool = False,
             zone: str | None = None) -> date:
    """Last day to answer a request received at ``received_at`` in ``country``.

    Art. 12(3) GDPR: one month from receipt, or, when the controller extends it, two further
    months, counted by the reading that can never be late (the earlier candidate date: two
    months added to the one-month date before it is moved to a working day, see
    ``extended_end``).  Counted per Art. 3(2)(c) and 3(4) of Regulation 1182/71.
    """
    return explain_due_date(received_at, country, extended=extended, zone=zone).due


def extension_notice_by(received_at: datetime, country: str, *,
                        zone: str | None = None) -> date:
    """Last day to tell the data subject of an extension and the reasons for it.

    Art. 12(3) GDPR requires that notice "within one month of receipt of the request", i.e.
    by the same day as the ordinary one-month due date.
    """
    return due_date(received_at, country, zone=zone)


def explain_due_date(
    received_at: datetime, country: str, *, extended: bool = False, zone: str | None = None
) -> DueDateExplanation:
    """Compute the Art. 12(3) GDPR due date step by step; the single source of truth.

    The receipt day is the local calendar date in ``zone`` (the organisation's time zone, the
    same one that decides "today" for it; by default the country's), and the hour does not
    matter: Art. 3(2)(c) of Regulation 1182/71 counts whole days).  The period ends on the
    same date of the final month, or that month's last day if it has no such date
    (Art. 3(2)(c)); an extended period ends two further months after the end of the first
    month (``extended_end``).  Only then does the end move past Saturdays, Sundays and
    public holidays (Art. 3(4)).
    """
    country = _check_country(country)
    if not isinstance(received_at, datetime):
        raise TypeError(f"received_at must be a datetime, not {type(received_at).__name__}")
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError(
            "received_at must be timezone-aware (e.g. datetime.now(timezone.utc)); "
            "a naive datetime gives no way to know the local date of receipt"
        )
    received_local = received_at.astimezone(ZoneInfo(zone or TIME_ZONES[country])).date()
    one_month = received_local + relativedelta(months=1)  # clamps to the month's last day
    nominal = extended_end(received_local) if extended else one_month
    due, skipped = _roll_forward(nominal, country)
    return DueDateExplanation(
        country=country,
        received_local=received_local,
        months=3 if extended else 1,
        nominal=nominal,
        clamped=nominal.day != received_local.day,
        skipped=skipped,
        due=due,
        one_month=one_month if extended else None,
    )


def extended_end(received_local: date) -> date:
    """The end of an extended period (Art. 12(3) GDPR: "two further months") before it is
    moved to a working day, for a request received on the local date ``received_local``.

    Art. 12(3) can be read as three months from receipt, or as two further months counted
    from the end of the first month; Art. 3(2)(c) of Regulation 1182/71 clamps a month end
    to the last day of a shorter month, so the two differ at month ends (received 31 January:
    30 April against 28 February + 2 months = 28 April).  A date we meet under either reading
    is never late, so we take the earlier of the two candidates.  The first month's end is
    taken *before* Art. 3(4) moves it to a working day: that move ends the first period only
    where it stands alone, and counting from the moved day could only be later.
    """
    one_month = received_local + relativedelta(months=1)
    candidates = (received_local + relativedelta(months=3),     # three months from receipt
                  one_month + relativedelta(months=2))          # two further months
    return min(candidates)


def explain(received_at: datetime, country: str, *, extended: bool = False,
            zone: str | None = None) -> str:
    """Short English account of the Art. 12(3) GDPR due date, step by step.

    E.g. "31 Jan 2027 + 1 month = 28 Feb 2027 (no 31 Feb); 28 Feb 2027 is a Sunday →
    Mon 1 Mar 2027", so staff and subjects can check the count under Art. 3(2)(c) and 3(4)
    of Regulation 1182/71 themselves.  Use `explain_due_date` to get translatable data.
    """
    return explain_due_date(received_at, country, extended=extended, zone=zone).explain()


def is_working_day(day: date, country: str) -> bool:
    """Whether ``day`` is neither a Saturday, a Sunday nor a public holiday in ``country``.

    Art. 3(4) and Art. 2(1) of Regulation 1182/71: working days exclude weekends and the
    public holidays of the State concerned (``holidays`` default "public" category only).
    """
    return _non_working_reason(_check_day(day), _check_country(country)) is None


def next_working_day(day: date, country: str) -> date:
    """``day`` itself if it is a working day, otherwise the first working day after it.

    Art. 3(4) of Regulation 1182/71: a period ending on a non-working day ends at the end
    of the following working day.
    """
    return _roll_forward(_check_day(day), _check_country(country))[0]


def add_days_then_working_day(due: date, days: int, country: str) -> date:
    """Add ``days`` calendar days to ``due`` (e.g. while the clock was paused waiting for the
    data subject), then move to a working day.

    The new end of the period is again subject to Art. 3(4) of Regulation 1182/71, so it
    cannot fall on a weekend or public holiday; days are calendar days (Art. 3(3)).
    """
    if days < 0:
        raise ValueError(f"days must be zero or positive, not {days}")
    return next_working_day(_check_day(due) + timedelta(days=days), country)


def working_days_before(day: date, count: int, country: str) -> date:
    """The working day ``count`` working days before ``day`` (``day`` itself for 0).

    Used for reminders "N working days before the due date": counting working days, as
    Art. 2(2) of Regulation 1182/71 defines them, keeps a reminder off weekends and holidays.
    """
    if count < 0:
        raise ValueError(f"count must be zero or positive, not {count}")
    country = _check_country(country)
    day = _check_day(day)
    while count:
        day -= timedelta(days=1)
        if _non_working_reason(day, country) is None:
            count -= 1
    return day


#: The `holidays` package's language code for each of our interface languages.
_HOLIDAY_LANGUAGES = {("NO", "nb"): "no", ("DK", "da"): "da"}


def holiday_name(day: date, country: str, language: str) -> str | None:
    """The public holiday's name on ``day`` in the reader's language (nb, da or en), if any.

    Norwegian holidays are named in Norwegian for nb readers and Danish ones in Danish for da
    readers; every other combination gets the English name.
    """
    country = _check_country(country)
    code = _HOLIDAY_LANGUAGES.get((country, language), "en_US")
    if code == "en_US":
        return _public_holidays(country, day.year).get(day)
    return _localised_holidays(country, day.year, code).get(day)


@functools.lru_cache(maxsize=64)
def _localised_holidays(country: str, year: int, language: str) -> holidays.HolidayBase:
    return holidays.country_holidays(
        country, years=year, language=language, categories=(holidays.PUBLIC,), expand=False
    )


# --- internals ---------------------------------------------------------------------------


def _check_country(country: str) -> str:
    code = country.upper() if isinstance(country, str) else country
    if code not in TIME_ZONES:
        raise ValueError(
            f"Unsupported country {country!r}; supported countries: "
            + ", ".join(SUPPORTED_COUNTRIES)
        )
    return code


def _check_day(day: date) -> date:
    # A datetime is a date subclass, but its calendar day depends on a time zone: refuse it.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a datetime.date, not {type(day).__name__}")
    return day


@functools.lru_cache(maxsize=128)  # 2 countries x a few decades of years
def _public_holidays(country: str, year: int) -> holidays.HolidayBase:
    # Names are pinned to English: by default `holidays` picks the language from the
    # process locale (LANG/LANGUAGE), which would make the recorded reasons vary by host.
    # expand=False keeps the cached object from growing if asked about another year.
    return holidays.country_holidays(
        country, years=year, language="en_US", categories=(holidays.PUBLIC,), expand=False
    )


def _non_working_reason(day: date, country: str) -> str | None:
    name = _public_holidays(country, day.year).get(day)
    if name:
        return name
    return {5: SATURDAY, 6: SUNDAY}.get(day.weekday())


def _roll_forward(day: date, country: str) -> tuple[date, tuple[tuple[date, str], ...]]:
    skipped = []
    while (reason := _non_working_reason(day, country)) is not None:
        skipped.append((day, reason))
        day += timedelta(days=1)
    return day, tuple(skipped)


def _reason_text(reason: str) -> str:
    return f"a {reason.capitalize()}" if reason in (SATURDAY, SUNDAY) else reason


def _no_day(start: date, end: date) -> str:
    """" (no 31 Feb)" when a month count from ``start`` was clamped to ``end``'s month end."""
    return "" if end.day == start.day else f" (no {start.day} {_MONTHS[end.month - 1]})"


def _fmt(day: date) -> str:
    # Locale-independent on purpose (strftime's %b follows the process locale).
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
