"""The time of receipt of a registered request (the legal clock runs from it, Art. 12(3)) is
checked by the service for every caller: not in the future, not in the hour skipped when the
clocks go forward, and in the hour repeated when they go back only with a choice of which.
The admin's "Register a request" page shows the service's refusal beside its field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from requests_app import access, intake
from requests_app.models import Request

OSLO = ZoneInfo("Europe/Oslo")
ADD = "/admin/requests_app/request/add/"
# In Oslo the clocks went forward at 02:00 on 29 March 2026 and back at 03:00 on 25 October.
SKIPPED = datetime(2026, 3, 29, 2, 30)
REPEATED = datetime(2026, 10, 25, 2, 30)
PHONE_CALL = {
    "channel": "phone", "request_type": "access", "language": "nb",
    "subject_name": "Per Telefon", "subject_email": "", "relationship": "customer",
}
GAP = "This time does not exist there (the clocks were put forward)."
TWICE = ("This time happened twice there (the clocks were put back): say whether it was the "
         "first or the second time.")
FUTURE = "The time of receipt cannot be in the future."


def register(org, actor, received_at, **extra):
    return intake.register_request(organisation=org, actor=actor, received_at=received_at,
                                   **PHONE_CALL, **extra)


def refusal(org, actor, received_at, **extra) -> dict:
    with pytest.raises(ValidationError) as refused:
        register(org, actor, received_at, **extra)
    assert not Request.objects.exists()
    return refused.value.message_dict


# --- The service --------------------------------------------------------------------------


def test_a_time_in_the_future_is_refused(org_no, handler):
    assert refusal(org_no, handler, timezone.now() + timedelta(minutes=5)) == {
        "received_at": [FUTURE]}
    wall_clock = timezone.localtime(timezone.now() + timedelta(hours=1), OSLO)
    assert refusal(org_no, handler, wall_clock.replace(tzinfo=None)) == {
        "received_at": [FUTURE]}


def test_a_wall_clock_time_the_clocks_skipped_is_refused(org_no, handler):
    assert refusal(org_no, handler, SKIPPED) == {"received_at": [GAP]}
    assert refusal(org_no, handler, SKIPPED.replace(tzinfo=OSLO)) == {"received_at": [GAP]}


def test_a_time_that_happened_twice_needs_a_choice(org_no, handler):
    assert refusal(org_no, handler, REPEATED) == {"received_fold": [TWICE]}

    first, _ = register(org_no, handler, REPEATED, received_fold=0)
    second, _ = register(org_no, handler, REPEATED, received_fold=1)

    assert first.received_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # summer time
    assert second.received_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # winter time


def test_a_wall_clock_time_is_read_in_the_organisations_zone(org_no, handler):
    org_no.time_zone = "America/New_York"  # an organisation outside Oslo
    org_no.save()

    registered, _ = register(org_no, handler, datetime(2026, 11, 2, 9, 0))

    assert registered.received_at == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def test_only_staff_who_work_in_the_organisation_register_there(org_no, outsider):
    with pytest.raises(access.NotAllowed):
        register(org_no, outsider, timezone.now() - timedelta(hours=1))
    assert not Request.objects.exists()


# --- The admin page ------------------------------------------------------------------------


@pytest.fixture
def post_register(client, org_no, handler):
    client.force_login(handler)

    def _post(wall: datetime, **extra):
        return client.post(ADD, {"organisation": org_no.pk, **PHONE_CALL,
                                 "received_date": wall.date().isoformat(),
                                 "received_time": wall.strftime("%H:%M"), **extra})

    return _post


def test_the_page_shows_a_skipped_time_beside_the_time_field(post_register):
    response = post_register(SKIPPED)

    assert response.status_code == 200
    assert response.context["form"].errors == {"received_time": [GAP]}
    assert GAP in response.content.decode()
    assert not Request.objects.exists()


def test_the_page_asks_which_time_when_it_happened_twice(post_register):
    response = post_register(REPEATED)

    assert response.status_code == 200
    assert response.context["form"].errors == {"received_fold": [TWICE]}
    assert not Request.objects.exists()

    chosen = post_register(REPEATED, received_fold="1")

    assert chosen.status_code == 302
    assert Request.objects.get().received_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_the_page_shows_a_future_time_as_the_services_message(post_register):
    later = timezone.localtime(timezone.now() + timedelta(hours=2), OSLO).replace(tzinfo=None)

    response = post_register(later)

    assert response.status_code == 200
    assert response.context["form"].errors == {"received_time": [FUTURE]}
    assert not Request.objects.exists()
