"""Completing with less than was asked is a partial refusal (GDPR Art. 12(4)): data kept after
an erasure request (Art. 17(3)), data left unchanged because it is accurate (Art. 16). One rule
(``outcomes.grants_less_than_asked``) makes ``workflow.complete`` ask for the role that may
refuse, tell the requester each ground and the right to complain (also in the member state
where they live or work, Art. 77(1)), and record it so the reports count it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from reports import figures
from reports import filters as report_filters
from requests_app import access, outcomes
from requests_app.casework import checklist, workflow
from requests_app.models import (
    AUTHORITY_CONTACTS,
    ChecklistItem,
    DataSystem,
    Event,
    Message,
    RefusalGround,
    Status,
)
from tests.factories import make_request
from tests.support import in_language

State = ChecklistItem.State
KEPT = RefusalGround.ERASURE_LEGAL_OBLIGATION
ACCURATE = RefusalGround.RECTIFICATION_ACCURATE
DECIDE_ONLY = "Only a compliance lead or an organisation admin of this organisation may"
COMPLAINT_WHERE_YOU_LIVE = ("or to the data protection authority of the EU or EEA country "
                            "where you live or work")


def with_systems(org, request_type, names, **fields):
    subject_request = make_request(org, type=request_type, status=Status.IN_PROGRESS, **fields)
    for name in names:
        ChecklistItem.objects.create(request=subject_request, system_name=name)
    return subject_request


def item(subject_request, name):
    return subject_request.checklist.select_related("request").get(system_name=name)


def answer_of(subject_request) -> str:
    return subject_request.messages.get(direction=Message.Direction.TO_SUBJECT).body


def keep_invoices(subject_request, lead):
    """Nyhetsbrev erased; Regnskap kept under the bookkeeping rules until a date to come."""
    checklist.mark(item(subject_request, "Nyhetsbrev"), state=State.DONE, actor=lead)
    checklist.mark(item(subject_request, "Regnskap"), state=State.DATA_FOUND, actor=lead,
                   kept_ground=KEPT, kept_until=timezone.localdate() + timedelta(days=400))


@pytest.mark.parametrize("language", ["nb", "da", "en"])
def test_completing_an_erasure_that_keeps_data_needs_a_lead_and_tells_of_the_right_to_complain(
        org_no, handler, lead, language):
    subject_request = with_systems(org_no, "erasure", ["Nyhetsbrev", "Regnskap"],
                                   language=language)
    keep_invoices(subject_request, lead)
    assert outcomes.grants_less_than_asked(subject_request) == [KEPT]

    with pytest.raises(access.NotAllowed, match=DECIDE_ONLY):
        workflow.complete(subject_request, answer="Ferdig.", actor=handler)
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IN_PROGRESS and not subject_request.messages.exists()

    workflow.complete(subject_request, answer="Ferdig.", actor=lead)

    subject_request.refresh_from_db()
    assert subject_request.status == Status.COMPLETED
    assert subject_request.partly_refused and subject_request.refusal_ground == KEPT
    assert not subject_request.no_data_held
    answer = answer_of(subject_request)
    assert answer.startswith("Ferdig.\n\n")
    assert in_language(language, outcomes.GROUND_TEXTS[KEPT]) in answer
    assert AUTHORITY_CONTACTS["datatilsynet-no"]["address"] in answer
    # Art. 77(1) (the authority where the requester lives or works), cited as each language
    # cites articles.
    assert {"en": "77(1)", "nb": "77 nr. 1", "da": "77, stk. 1"}[language] in answer
    assert "79" in answer
    moved = subject_request.events.get(kind=Event.Kind.STATUS_CHANGED, to_value="completed")
    assert str(KEPT.label) in moved.message


def test_a_partial_refusal_on_its_own_ground_logs_every_ground_its_answer_explains(
        org_no, lead):
    subject_request = with_systems(org_no, "erasure", ["Nyhetsbrev", "Regnskap"], language="en")
    keep_invoices(subject_request, lead)

    workflow.refuse(subject_request, ground=RefusalGround.EXCESSIVE, answer="Partly.",
                    actor=lead, partly=True)

    subject_request.refresh_from_db()
    # The ground given first; the others its answer explains recorded beside it.
    assert subject_request.refusal_ground == RefusalGround.EXCESSIVE
    assert subject_request.further_grounds == KEPT
    answer = answer_of(subject_request)
    moved = subject_request.events.get(kind=Event.Kind.STATUS_CHANGED, to_value="completed")
    for ground in (RefusalGround.EXCESSIVE, KEPT):
        assert in_language("en", outcomes.GROUND_TEXTS[ground]) in answer
        assert str(ground.label) in moved.message


def test_the_complaint_paragraph_names_the_authority_where_the_requester_lives_or_works(
        org_no, lead):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, language="en")

    workflow.refuse(subject_request, ground=RefusalGround.MANIFESTLY_UNFOUNDED,
                    answer="No.", actor=lead)

    answer = answer_of(subject_request)
    assert "Datatilsynet (Norway)" in answer
    assert COMPLAINT_WHERE_YOU_LIVE in answer


def test_an_erasure_that_erases_everything_is_no_refusal(org_no, handler):
    subject_request = with_systems(org_no, "erasure", ["Nyhetsbrev"], language="en")
    checklist.mark(item(subject_request, "Nyhetsbrev"), state=State.DONE, actor=handler)

    workflow.complete(subject_request, answer="Erased.", actor=handler)

    subject_request.refresh_from_db()
    assert subject_request.status == Status.COMPLETED
    assert not subject_request.partly_refused and not subject_request.refusal_ground
    assert "complain" not in answer_of(subject_request)


def test_the_complete_page_says_it_refuses_in_part_and_a_handler_gets_a_message(
        client, org_no, handler, lead):
    subject_request = with_systems(org_no, "erasure", ["Nyhetsbrev", "Regnskap"])
    keep_invoices(subject_request, lead)
    client.force_login(handler)
    url = f"/admin/requests_app/request/{subject_request.pk}/complete/"

    page = client.get(url).content.decode()
    response = client.post(url, {"body": "Ferdig."})

    assert "refuses the request in part" in page and str(KEPT.label) in page
    assert response.status_code == 200
    assert any(error.startswith(DECIDE_ONLY)
               for error in response.context["form"].non_field_errors())
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IN_PROGRESS


@pytest.mark.parametrize("language", ["nb", "da", "en"])
def test_a_rectification_left_unchanged_because_the_data_is_accurate_is_a_partial_refusal(
        org_no, handler, lead, language):
    subject_request = with_systems(org_no, "rectification", ["CRM", "Nettbutikk"],
                                   language=language)
    checklist.mark(item(subject_request, "Nettbutikk"), state=State.DONE, actor=handler,
                   value_before="Gamleveien 9", value_after="Storgata 1")
    # Finding the data accurate is a decision: not a handler's.
    with pytest.raises(access.NotAllowed):
        checklist.mark(item(subject_request, "CRM"), state=State.DATA_FOUND, actor=handler,
                       kept_ground=ACCURATE)
    checklist.mark(item(subject_request, "CRM"), state=State.DATA_FOUND, actor=lead,
                   kept_ground=ACCURATE)
    assert checklist.unfinished(subject_request) == []

    with pytest.raises(access.NotAllowed):
        workflow.complete(subject_request, answer="Rettet.", actor=handler)
    workflow.complete(subject_request, answer="Rettet.", actor=lead)

    subject_request.refresh_from_db()
    assert subject_request.partly_refused and subject_request.refusal_ground == ACCURATE
    answer = answer_of(subject_request)
    assert "Nettbutikk: " in answer and "Storgata 1" in answer
    assert "CRM: " + in_language(
        language, "not changed: we checked the data and found it accurate.") in answer
    assert in_language(language, outcomes.GROUND_TEXTS[ACCURATE]) in answer
    assert AUTHORITY_CONTACTS["datatilsynet-no"]["email"] in answer


def test_a_rectification_cannot_keep_data_on_an_erasure_ground_nor_an_erasure_as_accurate(
        org_no, lead):
    rectification = with_systems(org_no, "rectification", ["CRM"])
    erasure = with_systems(org_no, "erasure", ["CRM"])

    with pytest.raises(ValidationError, match="only because it is accurate"):
        checklist.mark(item(rectification, "CRM"), state=State.DATA_FOUND, actor=lead,
                       kept_ground=KEPT)
    with pytest.raises(ValidationError, match="Unknown ground"):
        checklist.mark(item(erasure, "CRM"), state=State.DATA_FOUND, actor=lead,
                       kept_ground=ACCURATE, kept_until=date(2030, 1, 1))
    assert not item(rectification, "CRM").kept_ground and not item(erasure, "CRM").kept_ground


def test_the_checklist_offers_a_rectification_only_the_accurate_ground(client, org_no, lead):
    subject_request = with_systems(org_no, "rectification", ["CRM"])
    DataSystem.objects.create(organisation=org_no, name="CRM")
    client.force_login(lead)

    page = client.get(f"/admin/requests_app/request/{subject_request.pk}/change/")

    html = page.content.decode()
    assert f'value="{ACCURATE.value}"' in html
    assert f'value="{KEPT.value}"' not in html


def test_the_reports_count_a_kept_erasure_as_partly_refused_on_its_ground(org_no, lead):
    subject_request = with_systems(org_no, "erasure", ["Nyhetsbrev", "Regnskap"])
    keep_invoices(subject_request, lead)
    workflow.complete(subject_request, answer="Ferdig.", actor=lead)

    now = timezone.now()
    form = report_filters.ReportFilterForm({"year": str(timezone.localdate().year)},
                                           user=lead, now=now)
    assert form.is_valid(), form.errors
    built = {report.slug: report for report in figures.build(form.filters())}

    total = [row for row in built["outcomes"].data if row.get("_total")][0]
    assert (total["outcome_partly_refused"], total["outcome_completed"]) == (1, 0)
    refusals = {str(row["ground"]): row for row in built["refusals"].data}
    assert refusals[str(KEPT.label)]["partly"] == 1


def _built_reports(lead) -> dict:
    form = report_filters.ReportFilterForm({"year": str(timezone.localdate().year)},
                                           user=lead, now=timezone.now())
    assert form.is_valid(), form.errors
    return {report.slug: report for report in figures.build(form.filters())}


def test_the_reports_count_a_refusal_under_each_of_its_grounds_and_once_in_the_total(
        client, org_no, lead):
    """An erasure keeping one system's data for a legal obligation and another's for legal
    claims rests on two grounds: each ground's row counts it, the total counts one request."""
    claims = RefusalGround.ERASURE_LEGAL_CLAIMS
    subject_request = with_systems(org_no, "erasure", ["Nyhetsbrev", "Regnskap", "Tvist"])
    keep_invoices(subject_request, lead)
    checklist.mark(item(subject_request, "Tvist"), state=State.DATA_FOUND, actor=lead,
                   kept_ground=claims, kept_until=timezone.localdate() + timedelta(days=400))
    workflow.complete(subject_request, answer="Ferdig.", actor=lead)
    subject_request.refresh_from_db()
    assert (subject_request.refusal_ground, subject_request.further_grounds) == (KEPT, claims)
    client.force_login(lead)
    page = client.get(f"/admin/requests_app/request/{subject_request.pk}/change/")
    assert "further refusal grounds" in page.content.decode().lower()
    assert str(claims.label) in page.content.decode()

    refusals = {str(row["ground"]): row for row in _built_reports(lead)["refusals"].data}
    assert refusals[str(KEPT.label)]["partly"] == 1
    assert refusals[str(claims.label)]["partly"] == 1
    in_all = refusals["Refused, in all"]
    assert (in_all["wholly"], in_all["partly"], in_all["count"]) == (0, 1, 1)
