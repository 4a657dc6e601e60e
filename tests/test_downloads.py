"""The requester downloads the access package or portability archive from the private status
page: a POST from the page gives a short-lived signed link (``PACKAGE_LINK_MINUTES``) that
carries only the package's public id; every download is logged; forged, expired, foreign and
deleted links answer with a clear page in the requester's language, never a 500.

Packages are built for real (``packages``); portability archives here, which need no PDF.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from requests_app import events
from requests_app.casework import checklist, workflow
from requests_app.delivery import packages
from requests_app.models import (
    ChecklistItem,
    DataSystem,
    Event,
    ExportFile,
    Package,
    Request,
)
from requests_app.views import downloads
from tests.support import ORDERS_CSV, delete_stored_files


def _in(language: str, text: str) -> str:
    """``text`` as the pages render it in ``language`` (translated once the catalogue has
    it), HTML-escaped."""
    with translation.override(language):
        return escape(translation.gettext(text))


def add_export(subject_request, actor, *, name="orders.csv", content=ORDERS_CSV, item=None):
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    return packages.save_export(subject_request, upload, checklist_item=item, actor=actor)


def build_ready(subject_request, actor, capture, kind=None) -> Package:
    """Queue the build and run it (Celery is eager in tests; it is queued on commit)."""
    with capture(execute=True):
        package = packages.request_build(subject_request, kind or subject_request.type,
                                         actor=actor)
    package.refresh_from_db()
    assert package.state == Package.State.READY, package.error
    return package


@pytest.fixture(autouse=True)
def _remove_stored_files(db):
    yield
    delete_stored_files()


@pytest.fixture
def ready(confirmed, handler, org_no, django_capture_on_commit_callbacks):
    """A confirmed portability request of org_no with one export and a ready archive, and
    the path of its status page."""
    DataSystem.objects.create(organisation=org_no, name="Nettbutikken",
                              relationships=["customer"])
    subject_request, status_path = confirmed("portability")
    item = subject_request.checklist.get()
    add_export(subject_request, handler, item=item)
    package = build_ready(subject_request, handler, django_capture_on_commit_callbacks)
    deliver(subject_request, handler, django_capture_on_commit_callbacks)
    package.refresh_from_db()
    return subject_request, status_path, package


def deliver(subject_request, handler, capture):
    """Finish the checklist and complete the request: the package goes to the requester."""
    for item in subject_request.checklist.all():
        checklist.mark(item, state=ChecklistItem.State.DONE, actor=handler)
    with capture(execute=True):
        workflow.complete(subject_request, answer="Her er opplysningene dine.", actor=handler)


def test_a_ready_package_reaches_the_requester_only_with_the_completed_request(
        confirmed, handler, org_no, client, django_capture_on_commit_callbacks):
    """Staff may still rebuild a package until they answer; the requester's period of
    ``package_days`` starts when the request is completed, not when the package was built."""
    DataSystem.objects.create(organisation=org_no, name="Nettbutikken",
                              relationships=["customer"])
    subject_request, status_path = confirmed("portability")
    add_export(subject_request, handler, item=subject_request.checklist.get())
    package = build_ready(subject_request, handler, django_capture_on_commit_callbacks)
    assert 'data-testid="package"' not in client.get(status_path).content.decode()
    assert client.post(_link_path(status_path, package)).status_code == 410

    with time_machine.travel(timezone.now() + timedelta(days=20)):
        deliver(subject_request, handler, django_capture_on_commit_callbacks)
        package.refresh_from_db()
        assert package.expires_at - timezone.now() > timedelta(days=org_no.package_days - 1)
        assert 'data-testid="package"' in client.get(status_path).content.decode()


def _link_path(status_path: str, package: Package) -> str:
    return f"{status_path}package/{package.public_id}/"


def _signed_link(client, status_path, package) -> str:
    response = client.post(_link_path(status_path, package))
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def _downloads(package) -> list[Event]:
    return list(package.request.events.filter(kind=Event.Kind.PACKAGE_DOWNLOADED))


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- The status page -------------------------------------------------------------------------


def test_the_status_page_lists_a_ready_package_with_its_size_and_end_date(client, ready):
    subject_request, status_path, package = ready

    response = client.get(status_path)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="package"' in html and 'data-kind="portability"' in html
    assert 'data-available="true"' in html
    assert _in("nb", "Portability archive") in html
    assert f'datetime="{timezone.localtime(package.expires_at).isoformat()}"' in html
    assert f'action="{_link_path(status_path, package)}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    closed_at = Request.objects.get(pk=subject_request.pk).closed_at
    assert abs(package.expires_at - (closed_at + timedelta(
        days=subject_request.organisation.package_days))) < timedelta(seconds=5)


def test_a_package_that_is_not_ready_is_not_shown_to_the_requester(client, confirmed, handler):
    subject_request, status_path = confirmed("portability")
    Package.objects.create(request=subject_request, kind="portability",
                           state=Package.State.BUILDING, bytes_total=100, bytes_done=40)

    html = client.get(status_path).content.decode()

    assert 'data-testid="packages"' not in html


# --- The signed link ------------------------------------------------------------------------


def test_the_download_button_gives_a_signed_link_without_the_status_token(client, ready):
    subject_request, status_path, package = ready
    status_token = status_path.rstrip("/").rsplit("/", 1)[-1]

    location = _signed_link(client, status_path, package)

    assert re.fullmatch(r"/nb/package/[^/]+/", location)
    assert status_token not in location
    assert signing.TimestampSigner(salt=downloads.LINK_SALT).unsign(
        location.split("/")[3]) == str(package.public_id)


def test_a_signed_link_works_within_its_minutes_and_each_download_is_logged(client, ready):
    subject_request, status_path, package = ready
    link = _signed_link(client, status_path, package)

    with time_machine.travel(timezone.now() + timedelta(
            minutes=settings.PACKAGE_LINK_MINUTES - 1)):
        first = client.get(link)
        first_body = _body(first)
        second = client.get(link)
        second_body = _body(second)

    assert first.status_code == second.status_code == 200
    assert first_body == second_body == b"".join(packages.stream(package))
    assert "README.txt" in zipfile.ZipFile(io.BytesIO(first_body)).namelist()
    assert first["Content-Type"] == "application/zip"
    assert first["Content-Disposition"] == (
        f'attachment; filename="{packages.download_name(package)}"')
    assert subject_request.reference in packages.download_name(package)
    assert first["Cache-Control"] == "no-store"
    assert first["Referrer-Policy"] == "same-origin"
    assert first["X-Content-Type-Options"] == "nosniff"
    logged = _downloads(package)
    assert len(logged) == 2
    assert {event.actor_label for event in logged} == {events.SUBJECT}
    package.refresh_from_db()
    assert package.download_count == 2


def test_an_expired_link_answers_410_with_a_clear_page_in_the_requesters_language(client,
                                                                                   ready):
    subject_request, status_path, package = ready
    link = _signed_link(client, status_path, package)

    with time_machine.travel(timezone.now() + timedelta(
            minutes=settings.PACKAGE_LINK_MINUTES + 1)):
        response = client.get(link)

    html = response.content.decode()
    assert response.status_code == 410
    assert '<html lang="nb">' in html
    assert _in("nb", "This download link has expired. Go back to your request's status page "
                     "and press Download again.") in html
    assert response["Cache-Control"] == "no-store"
    assert _downloads(package) == []


@pytest.mark.parametrize("forge", ["signature", "salt", "unknown_package", "garbage"])
def test_a_forged_link_answers_404_with_a_clear_page(client, ready, forge):
    subject_request, status_path, package = ready
    genuine = _signed_link(client, status_path, package).split("/")[3]
    value = {
        "signature": genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"),
        # A signature the server made for something else (another salt) is no download link.
        "salt": signing.TimestampSigner(salt="requests_app.other").sign(
            str(package.public_id)),
        "unknown_package": signing.TimestampSigner(salt=downloads.LINK_SALT).sign(
            "00000000-0000-4000-8000-000000000000"),
        "garbage": "not-a-link",
    }[forge]

    response = client.get(f"/da/package/{value}/")

    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="da">' in html
    assert _in("da", "There is no file at this address. Open your request's status page and "
                     "use the download button there.") in html
    assert _downloads(package) == []


def test_another_requests_status_token_gets_no_link_to_this_package(client, ready, confirmed):
    subject_request, status_path, package = ready
    other, other_status_path = confirmed("portability", subject_email="per@example.no")
    assert other.pk != subject_request.pk

    response = client.post(_link_path(other_status_path, package))

    assert response.status_code == 404
    assert "Location" not in response
    assert not Request.objects.filter(pk=other.pk, packages__isnull=False).exists()


def test_an_unknown_status_token_gets_no_link(client, ready):
    subject_request, status_path, package = ready

    response = client.post(f"/nb/status/not-a-token/package/{package.public_id}/")

    assert response.status_code == 404


def test_a_deleted_package_answers_410_and_shows_as_no_longer_available(
        client, ready, django_capture_on_commit_callbacks):
    subject_request, status_path, package = ready
    link = _signed_link(client, status_path, package)  # still within its minutes below
    stored = package.file.name

    with django_capture_on_commit_callbacks(execute=True):
        assert packages.expire(now=package.expires_at + timedelta(seconds=1)) == 1

    assert not package.file.storage.exists(stored)

    package.refresh_from_db()
    assert package.state == Package.State.DELETED
    response = client.get(link)
    assert response.status_code == 410
    assert _in("nb", "This file is no longer available. Files can be downloaded for a "
                     "limited time after they are ready; then they are deleted. Contact the "
                     "organisation if you still need them.") in response.content.decode()
    assert client.post(_link_path(status_path, package)).status_code == 410
    html = client.get(status_path).content.decode()
    assert 'data-testid="package-gone"' in html and 'data-available="false"' in html
    assert _link_path(status_path, package) not in html  # no button
    assert _downloads(package) == []


def test_a_package_past_its_end_is_refused_before_the_expiry_task_has_run(client, ready):
    subject_request, status_path, package = ready
    link = _signed_link(client, status_path, package)
    Package.objects.filter(pk=package.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get(link).status_code == 410
    assert client.post(_link_path(status_path, package)).status_code == 410
    assert 'data-available="false"' in client.get(status_path).content.decode()
    assert _downloads(package) == []


@pytest.mark.parametrize("damage", ["removed", "altered"])
def test_a_package_file_gone_or_altered_on_disk_gives_the_clear_page_not_a_500(client, ready,
                                                                              damage):
    subject_request, status_path, package = ready
    link = _signed_link(client, status_path, package)
    storage, name = package.file.storage, package.file.name
    if damage == "removed":
        storage.delete(name)
    else:
        with open(storage.path(name), "r+b") as stored:
            stored.seek(40)
            byte = stored.read(1)
            stored.seek(40)
            stored.write(bytes([byte[0] ^ 1]))

    response = client.get(link)

    assert response.status_code == 410
    assert 'data-testid="package-unavailable"' in response.content.decode()
    assert _downloads(package) == []


def test_the_download_button_needs_the_csrf_token(ready):
    subject_request, status_path, package = ready
    strict = Client(enforce_csrf_checks=True)

    refused = strict.post(_link_path(status_path, package))
    strict.get(status_path)  # sets the CSRF cookie, as the page does for a browser
    accepted = strict.post(_link_path(status_path, package),
                           {"csrfmiddlewaretoken": strict.cookies["csrftoken"].value})

    assert refused.status_code == 403
    assert accepted.status_code == 302


def test_the_link_is_made_by_post_only(client, ready):
    subject_request, status_path, package = ready

    assert client.get(_link_path(status_path, package)).status_code == 405


# --- The staff endpoints ---------------------------------------------------------------------


def _admin_url(name, subject_request):
    return reverse(f"admin:requests_app_request_{name}", args=[subject_request.pk])


def test_a_handler_of_another_organisation_cannot_reach_the_export_and_package_endpoints(
        client, ready, outsider, handler):
    subject_request, status_path, package = ready
    exports_before = ExportFile.objects.count()
    packages_before = Package.objects.count()
    client.force_login(outsider)

    status = client.get(_admin_url("packages", subject_request))
    added = client.post(_admin_url("add_export", subject_request),
                        {"file": SimpleUploadedFile("x.csv", b"a,b\n")})
    built = client.post(_admin_url("build_package", subject_request))
    page = client.get(_admin_url("change", subject_request))

    assert (status.status_code, added.status_code, built.status_code,
            page.status_code) == (404, 404, 404, 404)
    assert str(package.public_id) not in status.content.decode()
    assert (ExportFile.objects.count(), Package.objects.count()) == (exports_before,
                                                                      packages_before)
    client.force_login(handler)
    mine = client.get(_admin_url("packages", subject_request)).json()
    assert mine["packages"][0]["id"] == str(package.public_id)
    assert mine["packages"][0]["state"] == Package.State.READY
