"""The grounds staff may refuse on: per type only those that apply, the national restriction
(Art. 23) of the organisation's own country only, and the ground's own text, in the
requester's language, always in the answer. "We hold no data about you" is an answer under
Art. 15(1), not a refusal: it completes the request and the reports count it apart."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from reports import figures
from reports import filters as report_filters
from requests_app import outcomes
from requests_app.casework import checklist, workflow
from requests_app.models import (
    AUTHORITY_CONTACTS,
    ChecklistItem,
    DataSystem,
    Event,
    Message,
    RefusalGround,
    Request,
    RequestType,
    Status,
)
from tests.factories import make_request
from tests.support import in_language

G = RefusalGround
State = ChecklistItem.State


def grounds_of(org, request_type) -> set[str]:
    return {g.value for g in outcomes.refusal_grounds(make_request(org, type=request_type))}


def test_each_type_is_offered_only_the_grounds_that_apply_to_it(org_no):
    erasure = grounds_of(org_no, RequestType.ERASURE)
    assert {G.ERASURE_NO_GROUND, G.ERASURE_LEGAL_OBLIGATION, G.ERASURE_LEGAL_CLAIMS} <= erasure
    assert not {G.RECTIFICATION_ACCURATE, G.OBJECTION_COMPELLING_GROUNDS,
                G.RIGHTS_OF_OTHERS, G.NATIONAL_RESTRICTION_NO} & erasure
    assert G.RECTIFICATION_ACCURATE in grounds_of(org_no, RequestType.RECTIFICATION)
    assert G.RESTRICTION_NOT_MET in grounds_of(org_no, RequestType.RESTRICTION)
    objection = grounds_of(org_no, RequestType.OBJECTION)
    assert {G.OBJECTION_COMPELLING_GROUNDS, G.OBJECTION_NOT_APPLICABLE} <= objection
    assert G.ERASURE_NO_GROUND not in objection
    assert G.PORTABILITY_NOT_APPLICABLE in grounds_of(org_no, RequestType.PORTABILITY)
    assert G.PORTABILITY_NOT_APPLICABLE not in grounds_of(org_no, RequestType.ACCESS)
    # Art. 12(5) covers Art. 15-22, not the withdrawal of consent (Art. 7(3)).
    assert grounds_of(org_no, RequestType.CONSENT_WITHDRAWAL) == {G.IDENTITY_NOT_CONFIRMED}
    for request_type in RequestType.values:
        assert G.IDENTITY_NOT_CONFIRMED in grounds_of(org_no, request_type)
        assert "no_data" not in grounds_of(org_no, request_type)


def test_an_objection_to_direct_marketing_is_offered_no_ground_of_article_21_1(org_no):
    marketing = make_request(org_no, type="objection",
                             details={"objection_kind": "direct_marketing"})
    other = make_request(org_no, type="objection", details={"objection_kind": "other"})

    assert G.OBJECTION_COMPELLING_GROUNDS not in outcomes.refusal_grounds(marketing)
    assert G.OBJECTION_NOT_APPLICABLE not in outcomes.refusal_grounds(marketing)
    assert G.OBJECTION_COMPELLING_GROUNDS in outcomes.refusal_grounds(other)


def test_only_the_national_restriction_of_the_organisations_country_is_offered(
        org_no, org_dk):
    assert G.NATIONAL_RESTRICTION_NO in grounds_of(org_no, RequestType.ACCESS)
    assert G.NATIONAL_RESTRICTION_DK not in grounds_of(org_no, RequestType.ACCESS)
    assert G.NATIONAL_RESTRICTION_DK in grounds_of(org_dk, RequestType.ACCESS)
    assert G.NATIONAL_RESTRICTION_NO not in grounds_of(org_dk, RequestType.ACCESS)
    # personopplysningsloven § 16 and databeskyttelsesloven § 22 restrict access, not erasure.
    assert G.NATIONAL_RESTRICTION_NO not in grounds_of(org_no, RequestType.ERASURE)


def test_the_service_refuses_a_ground_that_does_not_apply_to_the_request(org_no, lead):
    access_request = make_request(org_no, status=Status.IN_PROGRESS, type="access")

    for ground in (G.ERASURE_LEGAL_OBLIGATION, G.NATIONAL_RESTRICTION_DK, "no_data", "nonsense"):
        with pytest.raises(ValidationError, match="cannot be refused on this ground"):
            workflow.refuse(access_request, ground=ground, answer="Nei.", actor=lead)

    access_request.refresh_from_db()
    assert access_request.status == Status.IN_PROGRESS and not access_request.refusal_ground
    assert not access_request.messages.exists()


def test_the_refuse_page_offers_only_the_grounds_of_the_request(client, org_no, lead):
    erasure = make_request(org_no, status=Status.IN_PROGRESS, type="erasure")
    client.force_login(lead)

    form = client.get(f"/admin/requests_app/request/{erasure.pk}/refuse/").context["form"]
    offered = [value for value, _label in form.fields["ground"].choices if value]
    refused = client.post(f"/admin/requests_app/request/{erasure.pk}/refuse/",
                          {"ground": G.RIGHTS_OF_OTHERS, "body": "Nei."})

    assert offered == [g.value for g in outcomes.refusal_grounds(erasure)]
    assert G.RIGHTS_OF_OTHERS not in offered and "no_data" not in offered
    assert "ground" in refused.context["form"].errors
    erasure.refresh_from_db()
    assert erasure.status == Status.IN_PROGRESS


@pytest.mark.parametrize("language", ["nb", "da", "en"])
@pytest.mark.parametrize("request_type, ground", [
    ("erasure", G.ERASURE_NO_GROUND),
    ("rectification", G.RECTIFICATION_ACCURATE),
    ("restriction", G.RESTRICTION_NOT_MET),
    ("objection", G.OBJECTION_NOT_APPLICABLE),
    ("access", G.NATIONAL_RESTRICTION_NO),
])
def test_the_grounds_text_reaches_the_requester_in_their_language(
        confirmed, client, lead, language, request_type, ground):
    other = ({"objection_kind": "other", "processing": "Profilering",
              "grounds": "Min situasjon"} if request_type == "objection" else {})
    subject_request, status_path = confirmed(request_type, language=language, **other)

    workflow.refuse(subject_request, ground=ground, answer="Staff's own words.", actor=lead)

    body = subject_request.messages.get(direction=Message.Direction.TO_SUBJECT).body
    explained = in_language(language, outcomes.GROUND_TEXTS[ground])
    assert body.startswith("Staff's own words.\n\n" + explained)
    assert AUTHORITY_CONTACTS["datatilsynet-no"]["address"] in body
    page = client.get(status_path).content.decode()
    assert explained.split(" (")[0].replace("'", "&#x27;") in page


def test_every_ground_has_the_requesters_text():
    assert set(outcomes.GROUND_TEXTS) == set(RefusalGround)


# --- "We hold no data about you" ----------------------------------------------------------------


def nothing_found(org, handler, request_type="access", language="nb"):
    subject_request = make_request(org, type=request_type, status=Status.IN_PROGRESS,
                                   language=language)
    for name in ("CRM", "Nettbutikk"):
        system = DataSystem.objects.create(organisation=org, name=f"{name} {request_type}")
        ChecklistItem.objects.create(request=subject_request, system=system, system_name=name)
    for entry in subject_request.checklist.select_related("request"):
        checklist.mark(entry, state=State.NOTHING_FOUND, actor=handler)
    return subject_request


@pytest.mark.parametrize("language", ["nb", "da", "en"])
def test_no_data_held_completes_the_request_and_shows_completed_to_the_requester(
        org_no, handler, client, language):
    subject_request = nothing_found(org_no, handler, language=language)

    workflow.complete(subject_request, answer="Svar.", actor=handler)  # a handler may

    subject_request.refresh_from_db()
    assert subject_request.status == Status.COMPLETED
    assert subject_request.no_data_held
    assert not subject_request.refusal_ground and not subject_request.partly_refused
    body = subject_request.messages.get().body
    assert in_language(language, "we hold no data about you there.") in body
    assert "complain" not in body


def test_data_found_somewhere_is_not_no_data_held(org_no, handler):
    subject_request = nothing_found(org_no, handler, request_type="erasure")
    checklist.mark(subject_request.checklist.select_related("request").get(system_name="CRM"),
                   state=State.DONE, actor=handler)

    workflow.complete(subject_request, answer="Slettet.", actor=handler)

    subject_request.refresh_from_db()
    assert subject_request.status == Status.COMPLETED and not subject_request.no_data_held


def test_the_reports_count_no_data_held_apart_from_completed_and_from_refusals(
        org_no, handler, lead):
    nothing_found(org_no, handler)
    workflow.complete(Request.objects.get(), answer="Svar.", actor=handler)

    form = report_filters.ReportFilterForm({"year": str(timezone.localdate().year)},
                                           user=lead, now=timezone.now())
    assert form.is_valid(), form.errors
    built = {report.slug: report for report in figures.build(form.filters())}

    total = [row for row in built["outcomes"].data if row.get("_total")][0]
    assert (total["closed"], total["outcome_no_data"], total["outcome_completed"]) == (1, 1, 0)
    refusals = {str(row["ground"]): row for row in built["refusals"].data}
    assert refusals["Refused, in all"]["count"] == 0
    assert refusals["Answered: no data held (not a refusal)"]["count"] == 1


def test_former_no_data_refusals_become_answers(org_no):
    """The data migration: a whole "refusal" on the old ground is completed with no data
    held; a partial one keeps its status without the ground; each gets a note."""
    refused = make_request(org_no, status=Status.REFUSED, refusal_ground="no_data")
    partly = make_request(org_no, status=Status.COMPLETED, refusal_ground="no_data",
                          partly_refused=True)
    other = make_request(org_no, status=Status.REFUSED, refusal_ground="excessive")
    migration = importlib.import_module(
        "requests_app.migrations.0016_grounds_refusal_grounds")

    migration.no_data_is_an_answer(apps, None)

    for row in (refused, partly, other):
        row.refresh_from_db()
    assert (refused.status, refused.no_data_held, refused.refusal_ground) == (
        Status.COMPLETED, True, "")
    assert (partly.status, partly.partly_refused, partly.no_data_held, partly.refusal_ground) == (
        Status.COMPLETED, False, False, "")
    assert (other.status, other.refusal_ground) == (Status.REFUSED, "excessive")
    assert refused.events.filter(kind=Event.Kind.NOTE, to_value="completed").exists()
    assert not other.events.exists()
