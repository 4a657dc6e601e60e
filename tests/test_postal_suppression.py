"""An objection to direct marketing by post or by phone (Art. 21(3)): Post & Reklameservice
sends letters, so the suppression list must also hold postal addresses and phone numbers, as
keyed hashes of their normalised forms, and staff must be able to check them one at a time and
as a whole marketing list, however they are written."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from requests_app import intake, outcomes
from requests_app.casework import workflow
from requests_app.models import Channel, Event, Request, Status, SuppressionEntry, SuppressionKind
from tests.factories import make_request

POSTAL, PHONE, EMAIL = SuppressionKind.POSTAL, SuppressionKind.PHONE, SuppressionKind.EMAIL
CHECK_URL = "/admin/requests_app/suppressionentry/check/"
LIST_URL = "/admin/requests_app/suppressionentry/check-list/"


# --- The same value, written another way ------------------------------------------------------


@pytest.mark.parametrize("written", [
    "Storgata 1, 0150 Oslo",
    "storgata 1\n0150 OSLO",
    "  Storgata  1,  N-0150  Oslo ",
    "STORGATA 1, NO-0150 OSLO, Norge",
    "Storgata 1, 150, Oslo",  # a spreadsheet dropped the postcode's leading zero
])
def test_a_norwegian_postal_address_is_the_same_however_it_is_written(written):
    assert (outcomes.normalise_postal_address(written)
            == outcomes.normalise_postal_address("Storgata 1, 0150 Oslo"))


@pytest.mark.parametrize("written", [
    "Carl Jacobsens Vej 35, 2. th., DK-2500 Valby",
    "carl jacobsens vej 35 2 th\n2500 Valby, Danmark",
    "CARL JACOBSENS VEJ 35, 2 TH, DK 2500 VALBY",
])
def test_a_danish_postal_address_is_the_same_however_it_is_written(written):
    assert (outcomes.normalise_postal_address(written)
            == outcomes.normalise_postal_address("Carl Jacobsens Vej 35, 2. th., 2500 Valby"))


def test_different_postal_addresses_stay_different():
    base = outcomes.normalise_postal_address("Storgata 1, 0150 Oslo")
    assert outcomes.normalise_postal_address("Storgata 12, 0150 Oslo") != base
    assert outcomes.normalise_postal_address("Storgata 1B, 0150 Oslo") != base
    assert (outcomes.normalise_postal_address("Storgata 1 B, 0150 Oslo")
            == outcomes.normalise_postal_address("storgata 1b 0150 oslo"))
    assert outcomes.normalise_postal_address(" ,. \n") == ""


@pytest.mark.parametrize(("written", "country", "e164"), [
    ("+47 912 34 567", "NO", "+4791234567"),
    ("0047 91 23 45 67", "DK", "+4791234567"),
    ("912 34 567", "NO", "+4791234567"),
    ("47 91234567", "DK", "+4791234567"),
    ("+45 12 34 56 78", "NO", "+4512345678"),
    ("12-34-56-78", "DK", "+4512345678"),
    ("(+45) 12 34 56 78", "DK", "+4512345678"),
    ("912 34 567", "DK", "+4591234567"),  # eight digits: a number of the organisation's country
])
def test_a_phone_number_is_hashed_in_its_e164_form(written, country, e164):
    assert outcomes.normalise_phone(written, country=country) == e164


@pytest.mark.parametrize("written", ["", "ring meg", "123", "912 34 567 ext 2", "+12"])
def test_what_is_no_phone_number_is_not_hashed(written):
    assert outcomes.normalise_phone(written, country="NO") == ""


def test_the_hash_is_keyed_per_kind_and_per_organisation(org_no, org_dk):
    postal = outcomes.value_hash(org_no, "Storgata 1, 0150 Oslo", kind=POSTAL)

    assert postal == outcomes.value_hash(org_no, "STORGATA 1, N-0150 OSLO", kind=POSTAL)
    assert postal != outcomes.value_hash(org_dk, "Storgata 1, 0150 Oslo", kind=POSTAL)
    assert postal != outcomes.value_hash(org_no, "Storgata 1, 0150 Oslo", kind=EMAIL)
    assert (outcomes.value_hash(org_no, "912 34 567", kind=PHONE)
            == outcomes.value_hash(org_no.pk, "+47 91234567", kind=PHONE))
    # E-mail hashes are those of the list from before the kinds: old entries still match.
    assert outcomes.value_hash(org_no, "kari@example.no") == outcomes.email_hash(
        org_no, "kari@example.no")


def test_a_postal_address_and_a_phone_number_go_on_the_list_only_as_hashes(org_no):
    subject_request = make_request(org_no, type="objection", status=Status.IN_PROGRESS)

    entry = outcomes.suppress(org_no, "Storgata 1\n0150 Oslo", kind=POSTAL,
                              request=subject_request)
    outcomes.suppress(org_no, "Storgata 1, N-0150 OSLO", kind=POSTAL, request=subject_request)
    outcomes.suppress(org_no, "+47 912 34 567", kind=PHONE, request=subject_request)

    assert SuppressionEntry.objects.count() == 2
    assert entry.kind == POSTAL and len(entry.email_hash) == 64
    assert outcomes.is_suppressed(org_no, "storgata 1, 0150 oslo", kind=POSTAL, actor=None)
    assert outcomes.is_suppressed(org_no, "91234567", kind=PHONE, actor=None)
    assert not outcomes.is_suppressed(org_no, "Storgata 1, 0150 Oslo", actor=None)  # e-mail
    logged = list(subject_request.events.filter(kind=Event.Kind.SUPPRESSED)
                  .values_list("to_value", "from_value", "message"))
    assert len(logged) == 2  # once per value
    assert not any("Storgata" in str(row) or "912" in str(row) for row in logged)
    with pytest.raises(Exception, match="phone number"):
        outcomes.suppress(org_no, "ring meg", kind=PHONE)


# --- The objection: from the public form and from a letter -----------------------------------


def test_the_objection_form_asks_for_the_postal_address_when_marketing_comes_by_post(
        submit, org_no):
    response = submit(org_no, "objection", "en", marketing_channels=["post"])

    assert response.status_code == 400
    assert "Please give the postal address the marketing is sent to." in (
        response.content.decode())
    assert not Request.objects.exists()


def test_the_objection_form_asks_for_a_phone_number_when_marketing_comes_by_phone(
        submit, org_no):
    response = submit(org_no, "objection", "en", marketing_channels=["phone"],
                      subject_phone="ring meg")

    assert response.status_code == 400
    assert not Request.objects.exists()


def test_another_objection_keeps_no_postal_address(submit, org_no):
    submit(org_no, "objection", "en", objection_kind="other", processing="Analyse",
           grounds="Min situasjon", marketing_channels=["post"],
           postal_address="Storgata 1, 0150 Oslo")

    details = Request.objects.get().details
    assert "postal_address" not in details and "marketing_channels" not in details


def test_an_objection_to_postal_marketing_lists_the_postal_address_and_the_phone(
        confirmed, handler, org_no):
    subject_request, _status = confirmed(
        "objection", "en", marketing_channels=["post", "phone"],
        postal_address="Storgata 1\n0150 Oslo", subject_phone="912 34 567")
    assert subject_request.details["postal_address"] == "Storgata 1\n0150 Oslo"

    outcomes.record(subject_request, actor=handler, direct_marketing=True)

    assert outcomes.is_suppressed(org_no, "STORGATA 1, N-0150 OSLO", kind=POSTAL, actor=None)
    assert outcomes.is_suppressed(org_no, "+4791234567", kind=PHONE, actor=None)
    assert outcomes.is_suppressed(org_no, "kari@example.no", actor=None)
    assert sorted(SuppressionEntry.objects.values_list("kind", flat=True)) == [
        EMAIL, PHONE, POSTAL]
    summary = outcomes.summary(subject_request)
    assert "your e-mail address, your postal address and your phone number" in summary


def _letter(org, handler, **fields):
    return intake.register_request(
        organisation=org, channel=Channel.LETTER,
        received_at=timezone.now() - timedelta(hours=2), request_type="objection",
        language="nb", subject_name="Kari Nordmann", subject_email="",
        relationship="customer", actor=handler, **fields)[0]


def test_an_objection_by_letter_is_completed_with_the_postal_address_alone(org_no, handler):
    subject_request = _letter(org_no, handler,
                              details={"postal_address": "Storgata 1, 0150 Oslo"})
    workflow.start_work(subject_request, actor=handler)
    outcomes.record(subject_request, actor=handler, direct_marketing=True)

    assert outcomes.missing(subject_request) == []
    assert outcomes.is_suppressed(org_no, "Storgata 1, 150 Oslo", kind=POSTAL, actor=None)


def test_an_objection_with_no_address_or_number_cannot_be_completed(org_no, handler):
    subject_request = _letter(org_no, handler)
    outcomes.record(subject_request, actor=handler, direct_marketing=True)

    gaps = outcomes.missing(subject_request)

    assert len(gaps) == 1 and "postal address or phone number" in gaps[0]
    assert not SuppressionEntry.objects.exists()


def test_staff_register_a_letter_with_its_postal_address(client, handler, org_no):
    client.force_login(handler)
    now = timezone.localtime()
    client.post("/admin/requests_app/request/add/", {
        "organisation": org_no.pk, "channel": "letter", "received_date": now.date(),
        "received_time": (now - timedelta(minutes=5)).strftime("%H:%M"),
        "request_type": "objection", "language": "nb", "subject_name": "Kari Nordmann",
        "postal_address": "Storgata 1\n0150 Oslo", "relationship": "customer"})

    assert Request.objects.get().details == {"postal_address": "Storgata 1\n0150 Oslo"}


# --- Checking: one at a time, and a whole list ------------------------------------------------


def test_staff_check_one_postal_address_or_phone_number(client, handler, org_no):
    outcomes.suppress(org_no, "Storgata 1, 0150 Oslo", kind=POSTAL)
    outcomes.suppress(org_no, "+47 912 34 567", kind=PHONE)
    client.force_login(handler)

    def check(kind, value):
        html = client.post(CHECK_URL, {"organisation": org_no.pk, "kind": kind,
                                       "value": value}).content.decode()
        assert value not in html
        return 'data-listed="yes"' in html

    assert check("postal", "STORGATA 1, N-0150 OSLO")
    assert not check("postal", "Storgata 2, 0150 Oslo")
    assert check("phone", "0047 91234567")
    assert not check("email", "91234567")


MARKETING_LIST = (b"Navn;Adresse;Postnr;Sted;Mobil;Kundenr\n"
                  b"Kari Nordmann;Storgata 1;150;OSLO;912 34 567;12345678\n"
                  b"Ola Nordmann;Storgata 2;0150;Oslo;+47 41234567;91234567\n")


def test_a_marketing_list_is_checked_by_its_postal_address_columns(client, handler, org_no):
    outcomes.suppress(org_no, "Storgata 1, 0150 Oslo", kind=POSTAL)
    client.force_login(handler)

    response = client.post(LIST_URL, {"organisation": org_no.pk, "kind": "postal",
                                      "file": SimpleUploadedFile("liste.csv", MARKETING_LIST)},
                           HTTP_ACCEPT_LANGUAGE="en")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[-1] for row in rows] == ["On the suppression list", "yes", "no"]
    assert SuppressionEntry.objects.count() == 1


def test_a_marketing_list_is_checked_by_its_phone_column_never_a_customer_number(
        client, handler, org_no):
    outcomes.suppress(org_no, "912 34 567", kind=PHONE)
    outcomes.suppress(org_no, "12345678", kind=PHONE)  # Kari's customer number, as a phone
    client.force_login(handler)

    response = client.post(LIST_URL, {"organisation": org_no.pk, "kind": "phone",
                                      "file": SimpleUploadedFile("liste.csv", MARKETING_LIST)},
                           HTTP_ACCEPT_LANGUAGE="en")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[-1] for row in rows] == ["On the suppression list", "yes", "no"]


def test_named_columns_are_used_by_number(client, handler, org_no):
    outcomes.suppress(org_no, "+47 41234567", kind=PHONE)
    client.force_login(handler)

    response = client.post(LIST_URL, {"organisation": org_no.pk, "kind": "phone",
                                      "columns": "5",
                                      "file": SimpleUploadedFile("liste.csv", MARKETING_LIST)},
                           HTTP_ACCEPT_LANGUAGE="en")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[-1] for row in rows] == ["On the suppression list", "no", "yes"]


def test_a_list_without_a_recognisable_column_is_refused_not_guessed(client, handler,
                                                                      org_no):
    client.force_login(handler)
    headless = b"Kari Nordmann;912 34 567\nOla Nordmann;41234567\n"

    response = client.post(LIST_URL, {"organisation": org_no.pk, "kind": "phone",
                                      "file": SimpleUploadedFile("liste.csv", headless)},
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)

    assert "text/csv" not in response["Content-Type"]
    assert "name the columns" in response.content.decode()
