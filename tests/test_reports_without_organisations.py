"""A superuser on a new installation (no organisation yet) gets an empty reports page, not a
500: the filters that match nothing must not reach the database as SQL at all."""

import pytest


@pytest.mark.django_db
def test_the_reports_page_with_no_organisation_is_empty_not_an_error(admin_client):
    response = admin_client.get("/staff/reports/")
    assert response.status_code == 200
    assert b"Server Error" not in response.content
