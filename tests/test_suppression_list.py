"""Checking a marketing list against the suppression list (Art. 21(3)) before a mailing: the
file comes back with a verdict per row, nothing of it is stored, and staff check only their
own organisations' lists."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from requests_app import outcomes
from requests_app.models import SuppressionEntry

URL = "/admin/requests_app/suppressionentry/check-list/"
MARKETING_LIST = (b"navn;epost;notat\n"
                  b"Kari Nordmann; KARI@example.no ;=HYPERLINK(\"x\")\n"
                  b"Ola Nordmann;ola@example.no;\n"
                  b"Uten adresse;;\n")


def test_the_listed_addresses_are_found_in_batches_of_a_thousand(
        org_no, org_dk, django_assert_num_queries):
    outcomes.suppress(org_no, "kari@example.no")
    outcomes.suppress(org_dk, "ola@example.no")
    emails = [f"person{i}@example.no" for i in range(2500)] + [" Kari@Example.no", "ola@example.no"]

    with django_assert_num_queries(3):
        found = outcomes.suppressed_among(org_no, emails, actor=None)

    assert found == {" Kari@Example.no"}  # as given; Ola objected to the other organisation


def test_a_marketing_list_comes_back_with_a_verdict_per_row_and_nothing_is_stored(
        client, handler, org_no):
    outcomes.suppress(org_no, "kari@example.no")
    client.force_login(handler)

    response = client.post(URL, {"organisation": org_no.pk,
                                 "file": SimpleUploadedFile("liste.csv", MARKETING_LIST)},
                           HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[-1] for row in rows] == ["On the suppression list", "yes", "no", "no"]
    assert rows[1][:3] == ["Kari Nordmann", " KARI@example.no ", "'=HYPERLINK(\"x\")"]
    assert SuppressionEntry.objects.count() == 1


def test_staff_cannot_check_another_organisations_list(client, outsider, org_no):
    outcomes.suppress(org_no, "kari@example.no")
    client.force_login(outsider)

    response = client.post(URL, {"organisation": org_no.pk,
                                 "file": SimpleUploadedFile("liste.csv", MARKETING_LIST)})

    assert response.status_code == 302
    assert "text/csv" not in response.get("Content-Type", "")
