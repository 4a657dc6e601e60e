"""Bad input gets a clear message in the user's language and a 4xx, never a 500, and the form
keeps what was typed."""

import pytest

from requests_app.models import Request
from tests.support import TYPE_DETAILS, VALID


def post(client, org, request_type, language="en", **changes):
    data = {**VALID, **TYPE_DETAILS[request_type], **changes}
    return client.post(f"/{language}/o/{org.slug}/{request_type}/", data)


@pytest.mark.parametrize("field", ["subject_name", "subject_email", "relationship"])
def test_a_missing_required_field_is_refused_with_its_message(client, org_no, field):
    response = post(client, org_no, "access", **{field: ""})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Request.objects.count() == 0


def test_an_invalid_email_is_refused_and_the_rest_is_kept(client, org_no):
    response = post(client, org_no, "rectification", subject_email="not-an-email",
                    what_is_wrong="Gammel adresse")

    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid email address." in html
    assert 'value="Kari Nordmann"' in html
    assert "Gammel adresse" in html
    assert 'value="not-an-email"' in html


@pytest.mark.parametrize(("language", "message"), [
    ("nb", "Feltet er påkrevet."),
    ("da", "Dette felt er påkrævet."),
    ("en", "This field is required."),
])
def test_errors_are_in_the_language_of_the_form(client, org_no, language, message):
    response = post(client, org_no, "access", language=language, subject_name="")

    assert response.status_code == 400
    assert message in response.content.decode()


def test_over_long_text_is_refused(client, org_no):
    response = post(client, org_no, "access", description="x" * 5001)

    assert response.status_code == 400
    assert "Ensure this value has at most 5000 characters" in response.content.decode()


@pytest.mark.parametrize("value", ["Kari\x00Nordmann", "Kari\x1bNordmann", "Kari\x7f",
                                   "Ka\u0085ri"])
def test_control_characters_are_refused(client, org_no, value):
    response = post(client, org_no, "access", subject_name=value)

    assert response.status_code == 400
    assert Request.objects.count() == 0


def test_line_breaks_and_tabs_in_text_areas_are_fine(client, org_no):
    response = post(client, org_no, "access", description="Linje 1\r\nLinje 2\tslutt")

    assert response.status_code == 302
    assert Request.objects.get().description == "Linje 1\r\nLinje 2\tslutt"


@pytest.mark.parametrize(("request_type", "changes", "field"), [
    ("erasure", {"erasure_scope": "named", "named_data": ""}, "named_data"),
    ("erasure", {"erasure_scope": "all-of-it"}, "erasure_scope"),
    ("objection", {"objection_kind": "other", "grounds": ""}, "grounds"),
    ("restriction", {"restriction_ground": "because"}, "restriction_ground"),
    ("portability", {"preferred_format": "exe"}, "preferred_format"),
    ("rectification", {"correct_value": ""}, "correct_value"),
    ("consent_withdrawal", {"consent": ""}, "consent"),
])
def test_wrong_type_specific_data_is_refused(client, org_no, request_type, changes, field):
    response = post(client, org_no, request_type, **changes)

    assert response.status_code == 400
    assert f'id="error_1_id_{field}"' in response.content.decode()
    assert Request.objects.count() == 0


def test_a_direct_marketing_objection_needs_no_grounds(client, org_no):
    response = post(client, org_no, "objection", objection_kind="direct_marketing",
                    processing="", grounds="")

    assert response.status_code == 302
    assert Request.objects.get().details == {"objection_kind": "direct_marketing"}


@pytest.mark.parametrize("path", [
    "/en/o/testfirma/?q=%ff%fe",
    "/en/o/testfirma/access/?x=%C3%28",
    "/en/?%80=%81",
])
def test_invalid_utf8_in_the_query_string_is_not_an_error(client, org_no, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", [
    "/en/o/testfirma/burn-it-all/",
    "/en/o/no-such-organisation/access/",
    "/en/o/%ff%fe/",
    "/xx/o/testfirma/",
])
def test_unknown_types_organisations_and_garbage_paths_are_404(client, org_no, path):
    assert client.get(path).status_code == 404


def test_a_post_without_csrf_token_is_refused(org_no):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"/en/o/{org_no.slug}/access/", {**VALID, "scope": ""})

    assert response.status_code == 403
    assert Request.objects.count() == 0
