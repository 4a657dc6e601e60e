"""An access package and a portability archive, from the handler's upload to the requester's
download, in a real browser (Debian's chromium, driven by Playwright), on the demo
organisations, in Norwegian, Danish and English.

The handler adds the exports and builds the package on the request's admin page (Celery is
eager in tests: the build runs when the request that queued it commits) and completes the
request on the answer page; the requester opens the status page, presses Download and gets
the ZIP, which the test reads back. The launch settings and ``_in`` are those of
``tests/test_browser.py``.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from requests_app.casework import checklist
from requests_app.models import ChecklistItem, Event, Organisation, Package, Status
from tests.factories import make_request
from tests.support import SCREENSHOTS, delete_stored_files, in_language, staff_page

# The live server needs committed data: these tests run after the others (pytest-django
# orders transactional tests last) and each flushes the database at its end. The serialized
# rollback loads what the migrations wrote (groups, shared reply templates) before each one,
# since the one before it flushed them.
pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Exports as systems give them: a CSV from the help desk, a JSON list from the CRM.
TICKETS_CSV = ("id;opened;subject\r\n"
               "501;2025-02-01;Kasse virker ikke\r\n"
               "502;2025-04-12;Faktura spørsmål\r\n").encode()
CONTACT_JSON = json.dumps([{"email": "kari@example.no", "name": "Kari Nordmann",
                            "newsletter": True}], ensure_ascii=False).encode()

#: The demo organisation each language's requester writes to.
DEMO = {"nb": ("onlinepos-no", "Freshdesk", "HubSpot", "Firmafonen (Relatel)"),
        "da": ("onlinepos-dk", "Zendesk", "Pipedrive", "Firmafonen"),
        "en": ("onlinepos-no", "Freshdesk", "HubSpot", "Firmafonen (Relatel)")}



@pytest.fixture(autouse=True)
def _remove_stored_files():
    yield
    delete_stored_files()


def _add_export(page: Page, system: str, name: str, mime: str, content: bytes) -> None:
    form = page.locator("#add-export-form")
    form.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}])
    form.locator("select[name=checklist_item]").select_option(label=system)
    form.locator("input[name=add_export]").click()
    expect(page.locator("#request-exports")).to_contain_text(name)


@pytest.mark.parametrize("language", ["nb", "da", "en"])
@pytest.mark.parametrize("request_type", ["access", "portability"])
def test_the_requester_downloads_the_package_the_handler_built(
        page, new_context, live_server, client, confirmed, request_type, language):
    call_command("load_demo", "--no-history", stdout=io.StringIO())
    slug, desk, crm, phone = DEMO[language]
    org = Organisation.objects.get(slug=slug)
    handler = get_user_model().objects.get(username=f"{slug}-handler")
    subject_request, status_path = confirmed(request_type, language, org=org)
    items = {item.system_name: item for item in subject_request.checklist.all()}
    assert {desk, crm, phone} <= set(items)

    # The handler: exports, the build, the checklist, the answer.
    staff = staff_page(new_context, live_server, client, handler)
    change_url = live_server.url + reverse("admin:requests_app_request_change",
                                           args=[subject_request.pk])
    staff.goto(change_url)
    _add_export(staff, desk, "tickets.csv", "text/csv", TICKETS_CSV)
    _add_export(staff, crm, "contact.json", "application/json", CONTACT_JSON)
    # In tests the build runs eagerly inside this POST (a PDF and a ZIP): on a loaded machine
    # it takes longer than one page step, so this one step waits longer.
    staff.locator("#build-package-form input[name=build_package]").click(timeout=30_000)
    row = staff.locator("#request-packages tr.package-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-state", "ready")
    expect(row.locator("progress")).to_have_attribute("value", "100")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    staff.locator("#packages").screenshot(
        path=str(SCREENSHOTS / f"admin-packages-{request_type}-{language}.png"))
    for name, item in items.items():
        state = (ChecklistItem.State.DONE if name in (desk, crm)
                 else ChecklistItem.State.NOTHING_FOUND)
        checklist.mark(item, state=state, actor=handler)
    staff.goto(live_server.url + reverse("admin:requests_app_request_complete",
                                         args=[subject_request.pk]))
    staff.locator("textarea[name=body]").fill("Her er opplysningene vi har om deg.")
    staff.locator(".answer-form input[type=submit]").click()
    expect(staff).to_have_url(change_url)
    subject_request.refresh_from_db()
    assert subject_request.status == Status.COMPLETED

    # The requester: the status page, Download, the ZIP.
    page.goto(live_server.url + status_path)
    expect(page.locator("html")).to_have_attribute("lang", language)
    files = page.get_by_test_id("package")
    expect(files).to_have_count(1)
    expect(files).to_have_attribute("data-kind", request_type)
    expect(files).to_contain_text(in_language(language, Package.Kind(request_type).label))
    page.screenshot(path=str(SCREENSHOTS / f"status-package-{request_type}-{language}.png"),
                    full_page=True)
    with page.expect_download() as downloading:
        files.get_by_role("button", name=in_language(language, "Download")).click()
    download = downloading.value
    assert download.suggested_filename == f"{request_type}-{subject_request.reference}.zip"
    archive = zipfile.ZipFile(Path(download.path()))
    names = set(archive.namelist())

    if request_type == "access":
        assert names == {"cover.pdf", f"{desk}/tickets.csv", f"{crm}/contact.json"}
        assert archive.read(f"{desk}/tickets.csv") == TICKETS_CSV
        assert archive.read(f"{crm}/contact.json") == CONTACT_JSON
        cover = PdfReader(io.BytesIO(archive.read("cover.pdf")))
        text = " ".join(p.extract_text() for p in cover.pages)
        assert subject_request.reference in text
        assert org.name in text
    else:
        assert {"README.txt", "data.json", f"{desk}.csv", f"{desk}.json", f"{crm}.csv",
                f"{crm}.json"} <= names
        assert subject_request.reference in archive.read("README.txt").decode()
        data = json.loads(archive.read("data.json"))
        assert data["reference"] == subject_request.reference
        assert data["systems"][desk][1] == {"id": "502", "opened": "2025-04-12",
                                            "subject": "Faktura spørsmål"}
        assert data["systems"][crm] == json.loads(CONTACT_JSON)
        tickets = list(csv.DictReader(io.StringIO(archive.read(f"{desk}.csv").decode())))
        assert [t["id"] for t in tickets] == ["501", "502"]
        assert json.loads(archive.read(f"{crm}.json"))[0]["email"] == "kari@example.no"

    assert subject_request.events.filter(kind=Event.Kind.PACKAGE_DOWNLOADED).count() == 1
    assert Package.objects.get(request=subject_request).download_count == 1


def test_the_progress_bar_follows_the_build_without_reloading_the_page(
        new_context, live_server, client, handler, org_no):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, type="portability")
    package = Package.objects.create(request=subject_request, kind="portability",
                                     state=Package.State.BUILDING, bytes_total=1000,
                                     bytes_done=250)
    staff = staff_page(new_context, live_server, client, handler)
    failures = []  # the script's requests (and any other) must not fail
    staff.on("response", lambda r: failures.append(r.url) if r.status >= 400 else None)
    staff.goto(live_server.url + reverse("admin:requests_app_request_change",
                                         args=[subject_request.pk]))
    row = staff.locator(f'tr[data-package="{package.public_id}"]')
    expect(row.locator("progress")).to_have_attribute("value", "25")

    Package.objects.filter(pk=package.pk).update(bytes_done=600)
    expect(row.locator("progress")).to_have_attribute("value", "60")
    Package.objects.filter(pk=package.pk).update(state=Package.State.FAILED,
                                                 error="contact.json could not be read")

    expect(row).to_have_attribute("data-state", "failed")
    expect(staff.locator(f'tr[data-package-error="{package.public_id}"]')).to_contain_text(
        "contact.json could not be read")
    expect(staff.locator("#packages")).not_to_have_attribute("data-polling", "true")
    assert failures == []
