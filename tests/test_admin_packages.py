"""Staff add the exports of an access or portability request and build its package on the
request's admin page; the page shows each package's state and progress (updated by a static
script that polls a staff-only JSON view) and the error of a failed build, in a fixed number
of queries however many exports and packages there are."""

from __future__ import annotations

from itertools import count

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from requests_app.models import (
    ChecklistItem,
    DataSystem,
    Event,
    ExportFile,
    Package,
    Status,
)
from tests.factories import make_request
from tests.support import ORDERS_CSV, delete_stored_files, settled_record

_serial = count()


@pytest.fixture(autouse=True)
def _remove_stored_files(db):
    yield
    delete_stored_files()


def _url(name, subject_request):
    return reverse(f"admin:requests_app_request_{name}", args=[subject_request.pk])


@pytest.fixture
def access_request(org_no, handler):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, type="access",
                                   assignee=handler)
    system = DataSystem.objects.create(organisation=org_no, name="Nettbutikken")
    ChecklistItem.objects.create(request=subject_request, system_name="Nettbutikken",
                                 system=system)
    settled_record(system)
    return subject_request


def test_a_handler_adds_an_export_and_builds_the_package_on_the_request_page(
        client, handler, access_request, django_capture_on_commit_callbacks):
    item = access_request.checklist.get()
    client.force_login(handler)

    page = client.get(_url("change", access_request)).content.decode()
    assert 'id="add-export-form"' in page and 'enctype="multipart/form-data"' in page
    assert f'action="{_url("add_export", access_request)}"' in page
    assert f'action="{_url("build_package", access_request)}"' in page
    assert "Build the access package" in page
    assert 'src="/static/requests_app/admin_packages.js"' in page

    added = client.post(_url("add_export", access_request),
                        {"file": SimpleUploadedFile("ordrer.csv", ORDERS_CSV),
                         "checklist_item": item.pk})
    assert added.status_code == 302
    assert added["Location"] == _url("change", access_request) + "#packages"
    export = ExportFile.objects.get(request=access_request)
    assert (export.original_name, export.size, export.checklist_item) == (
        "ordrer.csv", len(ORDERS_CSV), item)
    assert access_request.events.filter(kind=Event.Kind.EXPORT_ADDED).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        built = client.post(_url("build_package", access_request))
    assert built.status_code == 302
    package = Package.objects.get(request=access_request)
    assert (package.kind, package.state, package.created_by) == (
        Package.Kind.ACCESS, Package.State.READY, handler)

    status = client.get(_url("packages", access_request))
    assert "no-store" in status["Cache-Control"]
    [row] = status.json()["packages"]
    assert {key: row[key] for key in ("id", "state", "progress", "size", "error")} == {
        "id": str(package.public_id), "state": "ready", "progress": 100,
        "size": package.size, "error": ""}
    assert row["size_label"] and row["expires"]
    page = client.get(_url("change", access_request)).content.decode()
    assert "ordrer.csv" in page
    assert f'data-package="{package.public_id}" data-state="ready"' in page
    assert 'value="100"' in page
    assert 'data-polling="true"' not in page


def test_an_export_refused_by_the_service_is_reported_on_the_page(client, handler, settings,
                                                                   access_request):
    settings.EXPORT_MAX_BYTES = 10
    client.force_login(handler)

    response = client.post(_url("add_export", access_request),
                           {"file": SimpleUploadedFile("big.csv", ORDERS_CSV)}, follow=True)

    assert response.status_code == 200
    assert not ExportFile.objects.exists()
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1 and "10" in errors[0]  # the service's refusal, with the limit


def test_the_page_shows_progress_while_building_and_the_error_of_a_failed_build(
        client, handler, access_request):
    building = Package.objects.create(request=access_request, kind="access",
                                      state=Package.State.BUILDING, bytes_total=1000,
                                      bytes_done=420)
    failed = Package.objects.create(request=access_request, kind="access",
                                    state=Package.State.FAILED,
                                    error="The export ordrer.csv could not be read.")
    client.force_login(handler)

    page = client.get(_url("change", access_request)).content.decode()
    status = client.get(_url("packages", access_request)).json()["packages"]

    assert 'data-polling="true"' in page
    assert f'data-package="{building.public_id}" data-state="building"' in page
    assert '<progress class="package-progress" max="100" value="42"' in page
    assert "The export ordrer.csv could not be read." in page
    by_id = {row["id"]: row for row in status}
    assert by_id[str(building.public_id)]["progress"] == 42
    assert by_id[str(failed.public_id)]["error"] == "The export ordrer.csv could not be read."
    assert by_id[str(failed.public_id)]["state"] == "failed"


def test_a_closed_request_shows_its_packages_but_no_upload_or_build(client, handler,
                                                                    access_request):
    access_request.status = Status.COMPLETED
    access_request.save()
    Package.objects.create(request=access_request, kind="access", state=Package.State.READY,
                           size=1234)
    client.force_login(handler)

    page = client.get(_url("change", access_request)).content.decode()

    assert 'id="request-packages"' in page
    assert 'id="add-export-form"' not in page and 'id="build-package-form"' not in page


def test_requests_of_other_types_have_no_package_section_or_endpoints(client, handler,
                                                                      org_no):
    erasure = make_request(org_no, status=Status.IN_PROGRESS, type="erasure")
    client.force_login(handler)

    page = client.get(_url("change", erasure)).content.decode()
    added = client.post(_url("add_export", erasure),
                        {"file": SimpleUploadedFile("x.csv", b"a,b\n")})
    built = client.post(_url("build_package", erasure))

    assert 'id="packages"' not in page
    assert (added.status_code, built.status_code) == (404, 404)
    assert not ExportFile.objects.exists() and not Package.objects.exists()


def test_the_endpoints_take_only_their_method(client, handler, access_request):
    client.force_login(handler)

    assert client.get(_url("add_export", access_request)).status_code == 405
    assert client.get(_url("build_package", access_request)).status_code == 405
    assert client.post(_url("packages", access_request)).status_code == 405


def _exports_and_packages(subject_request, n, user):
    for _ in range(n):
        i = next(_serial)
        item = ChecklistItem.objects.create(request=subject_request, system_name=f"System {i}")
        ExportFile.objects.create(request=subject_request, checklist_item=item,
                                  file=f"exports/{subject_request.pk}/{i}.enc",
                                  original_name=f"eksport-{i}.csv", size=100 + i,
                                  uploaded_by=user if i % 2 else None)
        Package.objects.create(request=subject_request, kind="access",
                               state=[Package.State.READY, Package.State.FAILED,
                                      Package.State.BUILDING][i % 3],
                               error="Feil" if i % 3 == 1 else "", created_by=user)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Not named "page": that is pytest-playwright's fixture, and would make this a browser test.
@pytest.mark.parametrize("view", ["change", "packages"])
def test_the_request_page_and_its_status_run_the_same_queries_for_3_and_20_exports_and_packages(
        client, handler, access_request, view):
    client.force_login(handler)
    url = _url(view, access_request)
    _exports_and_packages(access_request, 3, handler)
    _queries(client, url)  # warm up sessions, content types and permissions
    few = _queries(client, url)

    _exports_and_packages(access_request, 17, handler)
    many = _queries(client, url)

    assert many == few
    if view == "change":
        html = client.get(url).content.decode()
        assert html.count('class="export-row"') == 20
        assert html.count('class="package-row"') == 20


def test_the_package_endpoints_send_anonymous_visitors_to_the_staff_login(client,
                                                                           access_request):
    for name in ("packages", "add_export", "build_package"):
        response = (client.get if name == "packages" else client.post)(
            _url(name, access_request))
        assert response.status_code == 302, name
        assert response["Location"].startswith("/admin/login/"), name
    assert not Package.objects.exists() and not ExportFile.objects.exists()


def test_the_export_form_preselects_the_only_system_on_the_checklist(client, handler,
                                                                      access_request):
    """With one system to search, an export is from it: the form says so unless changed."""
    client.force_login(handler)
    item = access_request.checklist.get()

    html = client.get(_url("change", access_request)).content.decode()
    assert f'<option value="{item.pk}" selected>Nettbutikken</option>' in html

    ChecklistItem.objects.create(request=access_request, system_name="CRM")
    html = client.get(_url("change", access_request)).content.decode()
    assert f'<option value="{item.pk}">Nettbutikken</option>' in html
