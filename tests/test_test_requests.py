"""A test request, filed from the organisation's page, is in the queue marked as a test and
counted nowhere: no report figure, export, register row or public figure, and no reminder or
escalation."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from reports import exports, figures, public
from reports.filters import Filters
from requests_app import access, intake
from requests_app.clock import reminders
from requests_app.models import Reminder, Request


@pytest.fixture
def test_request(org_admin, org_no, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return intake.file_test_request(organisation=org_no, actor=org_admin)


def _filters(org) -> Filters:
    today = timezone.localdate()
    return Filters(start=today.replace(month=1, day=1), end=today.replace(month=12, day=31),
                   organisation_ids=(org.pk,), organisation=org,
                   organisation_zones=((org.pk, org.time_zone),), now=timezone.now())


def _numbers(reports) -> list:
    """Every number in every table of every report."""
    found = []
    for report in reports:
        for row in report.rows():
            found += [v for v in row.values() if isinstance(v, int | float)
                      and not isinstance(v, bool)]
    return found


def test_a_test_request_is_in_the_queue_marked(test_request, org_admin, client):
    assert test_request.is_test and test_request.status == "new"
    assert test_request.due_date is not None and test_request.subject_email == org_admin.email
    client.force_login(org_admin)
    html = client.get("/admin/requests_app/request/").content.decode()
    assert test_request.reference in html
    assert html.count('<strong class="test-request">') == 1


def _everything(f: Filters) -> tuple:
    """Every figure of every report, every report's CSV, and the register CSV."""
    reports = figures.build(f, full=True)
    return (_numbers(reports), [exports.report_csv(report) for report in reports],
            "".join(exports.register_lines(f)))


def test_a_test_request_is_absent_from_every_figure_export_and_the_register(
        test_request, org_no, confirmed):
    confirmed()
    f = _filters(org_no)
    with_test = _everything(f)
    Request.objects.filter(pk=test_request.pk).delete()

    assert _everything(f) == with_test  # the test request changed nothing anywhere
    assert sum(with_test[0]) > 0  # while the real request is counted
    assert len(list(csv.reader(io.StringIO(with_test[2])))) == 2  # header + the real one


def test_a_test_request_is_not_in_the_public_figures(test_request, org_no):
    assert public.year_figures(org_no, timezone.localdate().year).received == 0


def test_no_reminder_or_escalation_is_sent_for_a_test_request(test_request, time_machine):
    assert test_request.next_reminder_at is None
    Request.objects.filter(pk=test_request.pk).update(
        next_reminder_at=timezone.now() - timedelta(minutes=1))  # even if one were scheduled
    time_machine.move_to(timezone.now() + timedelta(days=60))
    reminders.process(test_request.pk)
    assert not Reminder.objects.filter(request=test_request, skipped=False).exists()


def test_only_the_organisations_admin_files_a_test_request(handler, mixed, org_no):
    for actor in (handler, mixed):
        with pytest.raises(access.NotAllowed):
            intake.file_test_request(organisation=org_no, actor=actor)
    assert not Request.objects.exists()


def test_the_share_page_files_a_test_request_and_opens_it(client, org_admin, org_no):
    client.force_login(org_admin)
    response = client.post(f"/admin/requests_app/organisation/{org_no.pk}/share/")
    saved = Request.objects.get()
    assert saved.is_test
    assert response.status_code == 302
    assert response["Location"].endswith(f"/admin/requests_app/request/{saved.pk}/change/")


def test_the_share_page_gives_the_link_text_and_snippet_in_three_languages(
        client, handler, org_no):
    client.force_login(handler)
    page = client.get(f"/admin/requests_app/organisation/{org_no.pk}/share/")
    assert page.status_code == 200
    html = page.content.decode()
    for language in ("nb", "da", "en"):
        assert f"/{language}/o/{org_no.slug}/" in html
        assert f'data-testid="snippet-{language}"' in html
    assert 'data-testid="test-request"' not in html  # a handler may not file one
    assert "&lt;a href=" in html  # the snippet is shown as text to copy, not as HTML
