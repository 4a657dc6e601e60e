"""Optional per organisation: a public page with its yearly figures from the anonymous
register, computed by the reports' own figures; off by default."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reports import public
from requests_app import intake
from requests_app.models import RequestType


def test_the_page_is_off_by_default(client, org_no):
    assert client.get(f"/nb/o/{org_no.slug}/figures/").status_code == 404
    assert b'data-testid="figures-link"' not in client.get(f"/nb/o/{org_no.slug}/").content


def test_the_figures_are_the_reports_figures_without_test_requests(
        client, org_no, org_admin, confirmed):
    org_no.publish_figures = True
    org_no.save()
    for _ in range(5):
        confirmed(request_type="erasure")
    intake.file_test_request(organisation=org_no, actor=org_admin)

    figures = public.year_figures(org_no, timezone.localdate().year)
    assert figures.received == 5 and not figures.too_few
    assert dict(figures.by_type) == {RequestType.ERASURE.label: 5}
    assert figures.answered == 0 and figures.on_time_rate is None  # none answered yet

    page = client.get(f"/en/o/{org_no.slug}/figures/")
    assert page.status_code == 200
    assert b'data-testid="received">5<' in page.content
    assert b'data-testid="figures-link"' in client.get(f"/en/o/{org_no.slug}/").content


def test_few_requests_show_no_breakdown(client, org_no, confirmed):
    org_no.publish_figures = True
    org_no.save()
    confirmed()
    page = client.get(f"/en/o/{org_no.slug}/figures/?year=abc")
    assert page.status_code == 200
    assert page.context["figures"].too_few
    assert b'data-testid="on-time"' not in page.content


@pytest.mark.parametrize("year", ["1999", "-1", "99999999999999999999"])
def test_a_bad_year_shows_the_current_one(client, org_no, year):
    org_no.publish_figures = True
    org_no.save()
    page = client.get(f"/en/o/{org_no.slug}/figures/", {"year": year})
    assert page.status_code == 200
    assert page.context["figures"].year == timezone.localdate().year
