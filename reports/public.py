"""An organisation's yearly figures for the public, where it has chosen to publish them
(``Organisation.publish_figures``): requests received by type, the share answered on time
and the median days to answer (GDPR Art. 12(3) is one month), counted from the anonymous
register by the same figures as the staff reports (``figures``), so the two never differ.
Test requests are not counted (``querysets.requests_for``). Nothing personal is shown, and a
year with fewer than ``MIN_REQUESTS`` requests shows no breakdown: with two or three
requests a type could point at a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from reports import figures
from reports.filters import Filters
from requests_app.models import Organisation, RequestType

MIN_REQUESTS = 5


@dataclass(frozen=True)
class YearFigures:
    year: int
    received: int
    by_type: list[tuple[str, int]]
    answered: int
    on_time_rate: float | None
    median_days: float | None
    too_few: bool


def year_figures(organisation: Organisation, year: int) -> YearFigures:
    """The figures of ``year`` (to today, for the current year) in the organisation's time
    zone: ``figures.Aggregates`` counts, ``OnTimeByType`` and ``TimeToClose`` compute."""
    today = timezone.localdate()
    f = Filters(start=date(year, 1, 1), end=min(date(year, 12, 31), today),
                organisation_ids=(organisation.pk,), organisation=organisation,
                organisation_zones=((organisation.pk, organisation.time_zone),))
    aggregates = figures.Aggregates(f)
    by_type = [(RequestType(t).label,
                sum(month.get(f"t_{t}", 0) for month in aggregates.received.values()))
               for t in RequestType.values]
    received = sum(n for _label, n in by_type)
    on_time = figures.OnTimeByType(f, aggregates).rows()[-1]
    timing = figures.TimeToClose(f, aggregates).rows()[-1]
    return YearFigures(year=year, received=received, by_type=[p for p in by_type if p[1]],
                       answered=on_time["answered"], on_time_rate=on_time["rate"],
                       median_days=timing["median"], too_few=received < MIN_REQUESTS)
