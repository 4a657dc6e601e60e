"""Five of the seven rights from request to delivered outcome, on the demo organisations, in
nb, da and en: filed through the public form, confirmed, worked by a handler through the admin
pages, completed, and the outcome told on the requester's status page in their language.
(Access and portability, with their packages, are in the delivery tests.)"""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import formats, timezone, translation
from django.utils.html import escape

from requests_app import outcomes
from requests_app.admin import outcomes as admin_outcomes
from requests_app.demo_data import ORGANISATIONS
from requests_app.models import (
    DataSystem,
    Event,
    Membership,
    Organisation,
    RefusalGround,
    Request,
    RequestOutcome,
    Status,
    SuppressionEntry,
)
from tests.support import DIRECT_MARKETING_DONE, staff_user


def said(language: str, msgid: str, **values) -> str:
    """What the status page shows for ``msgid`` in ``language`` (from the catalogue, escaped
    as the page escapes it)."""
    with translation.override(language):
        text = translation.gettext(msgid)
    return escape(text % values if values else text)

LIST = "/admin/requests_app/request/"
#: Each language on a demo organisation of its own country.
DEMO_ORG = {"nb": "onlinepos-no", "da": "onlinepos-dk", "en": "poweroffice"}
ANSWER = {"nb": "Vi har behandlet forespørselen din.", "da": "Vi har behandlet din anmodning.",
          "en": "We have dealt with your request."}
LANGUAGES = ["nb", "da", "en"]


@pytest.fixture
def demo(db, django_user_model):
    """The demo organisation for a language, as ``load_demo`` makes it, and a handler of it
    (or a member in another ``role``)."""

    def _demo(language, role=Membership.Role.HANDLER):
        data = dict(next(o for o in ORGANISATIONS if o["slug"] == DEMO_ORG[language]))
        systems = data.pop("systems")
        org = Organisation.objects.create(**data)
        for name, holds, relationships, retention in systems:
            DataSystem.objects.create(organisation=org, name=name, holds=holds,
                                      relationships=relationships, retention=retention)
        staff = staff_user(django_user_model, f"{org.slug}-{role}", org, role)
        return org, staff

    return _demo


def change_url(subject_request) -> str:
    return f"{LIST}{subject_request.pk}/change/"


def day(value: date, language: str) -> str:
    with translation.override(language):
        return formats.date_format(value, "DATE_FORMAT")


def page_post(subject_request, *, items=None, outcome=None) -> dict:
    """The request's page as the handler posts it: the checklist with the changes in
    ``items`` (by system name), and the outcome form filled with ``outcome``."""
    items = items or {}
    rows = list(subject_request.checklist.order_by("system_name", "id"))
    extra = admin_outcomes.checklist_fields(subject_request)
    data = {"assignee": subject_request.assignee_id or "",
            "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
            "reminders-TOTAL_FORMS": "0", "reminders-INITIAL_FORMS": "0",
            "checklist-TOTAL_FORMS": str(len(rows)),
            "checklist-INITIAL_FORMS": str(len(rows))}
    for n, row in enumerate(rows):
        fields = {"id": row.pk, "request": subject_request.pk, "state": row.state,
                  "note": row.note, **{name: getattr(row, name) or "" for name in extra}}
        fields.update(items.get(row.system_name, {}))
        data.update({f"checklist-{n}-{name}": value for name, value in fields.items()})
    if outcome is not None:
        saved = RequestOutcome.objects.filter(request=subject_request).first()
        data.update({"outcome-TOTAL_FORMS": "1", "outcome-INITIAL_FORMS": str(int(bool(saved))),
                     "outcome-MIN_NUM_FORMS": "0", "outcome-MAX_NUM_FORMS": "1",
                     "outcome-0-id": saved.pk if saved else "",
                     "outcome-0-request": subject_request.pk})
        data.update({f"outcome-0-{name}": value for name, value in outcome.items()})
    return data


def work(client, staff, subject_request, *, items=None, outcome=None, language):
    """Start work, fill in the request's page, complete with an answer: all as the handler,
    through the admin pages."""
    client.force_login(staff)
    started = client.post(LIST, {"action": "start_work",
                                 "_selected_action": [subject_request.pk]})
    assert started.status_code == 302
    page = client.get(change_url(subject_request))
    assert page.status_code == 200
    saved = client.post(change_url(subject_request),
                        page_post(subject_request, items=items, outcome=outcome))
    assert saved.status_code == 302, saved.content.decode()[:3000]
    messages = [str(m) for m in saved.wsgi_request._messages]
    assert not [m for m in messages if "error" in m.lower()], messages
    completed = client.post(f"{LIST}{subject_request.pk}/complete/",
                            {"body": ANSWER[language]})
    assert completed.status_code == 302, completed.context["form"].errors
    subject_request.refresh_from_db()
    assert subject_request.status == Status.COMPLETED
    client.logout()
    return page.content.decode()


def status_page(client, status_path, language) -> str:
    page = client.get(status_path)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'lang="{language}"' in html
    assert ANSWER[language] in html
    return html


def systems_of(subject_request) -> list[str]:
    return list(subject_request.checklist.order_by("system_name")
                .values_list("system_name", flat=True))


@pytest.mark.parametrize("language", LANGUAGES)
def test_rectification_from_the_form_to_the_corrected_values_on_the_status_page(
        client, confirmed, demo, language):
    org, staff = demo(language)
    subject_request, status_path = confirmed(
        "rectification", language, org=org, what_is_wrong="Gamleveien 9",
        correct_value="Storgata 1")
    first, *others = systems_of(subject_request)

    page = work(client, staff, subject_request, language=language, items={
        first: {"state": "done", "value_before": "Gamleveien 9", "value_after": "Storgata 1",
                "recipients_told": "Posten Norge"},
        **{name: {"state": "nothing_found"} for name in others}})

    assert 'name="checklist-0-value_before"' in page and 'name="outcome-' not in page
    html = status_page(client, status_path, language)
    assert f"{first}: " + said(language, "it said “%(before)s”; it now says “%(after)s”.",
                              before="Gamleveien 9", after="Storgata 1") in html
    assert "Posten Norge" in html
    assert all(name in html for name in others)


@pytest.mark.parametrize("language", LANGUAGES)
def test_erasure_from_the_form_to_erased_and_kept_until_on_the_status_page(
        client, confirmed, demo, language):
    # Keeping data on an Art. 17(3) ground is a decision: a compliance lead works this one.
    org, staff = demo(language, Membership.Role.COMPLIANCE_LEAD)
    subject_request, status_path = confirmed("erasure", language, org=org)
    kept, *erased = systems_of(subject_request)
    until = timezone.localdate() + timedelta(days=400)

    work(client, staff, subject_request, language=language, items={
        kept: {"state": "data_found", "kept_ground": "erasure_legal_obligation",
               "kept_until": until.isoformat()},
        **{name: {"state": "done", "recipients_told": "Regnskapsbyrå"} for name in erased}})

    html = status_page(client, status_path, language)
    assert kept in html and day(until, language) in html
    with translation.override(language):
        assert str(RefusalGround.ERASURE_LEGAL_OBLIGATION.label) in html
    assert all(f"{name}: " + said(language, "erased.") in html for name in erased)
    assert "Regnskapsbyrå" in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_restriction_from_the_form_to_the_notice_before_it_is_lifted(
        client, confirmed, demo, language, mailoutbox, django_capture_on_commit_callbacks,
        django_user_model):
    org, staff = demo(language)
    subject_request, status_path = confirmed("restriction", language, org=org)
    until = timezone.localdate() + timedelta(days=90)

    page = work(client, staff, subject_request, language=language, outcome={
        "restricted_processing": "Nyhetsbrev og markedsføring",
        "restriction_ground": "accuracy", "restricted_until": until.isoformat()},
        items={name: {"state": "done"} for name in systems_of(subject_request)})

    assert 'name="outcome-0-restricted_processing"' in page
    assert "Markedsføring" in page  # what the requester asked for, beside the form
    html = status_page(client, status_path, language)
    assert "Nyhetsbrev og markedsføring" in html and day(until, language) in html
    assert said(language, "We will tell you before the restriction is lifted "
                          "(Article 18(3)).") in html
    assert subject_request.events.filter(kind=Event.Kind.OUTCOME, actor=staff).exists()

    # Later: the requester is told, then the restriction is lifted, from the request's page,
    # by a compliance lead (ending a restriction is a decision; the handler is not offered it).
    notice = f"{LIST}{subject_request.pk}/restriction/notice/"
    lift = f"{LIST}{subject_request.pk}/restriction/lift/"
    client.force_login(staff)
    assert notice not in client.get(change_url(subject_request)).content.decode()
    lead = staff_user(django_user_model, f"{org.slug}-lead", org,
                      Membership.Role.COMPLIANCE_LEAD)
    client.force_login(lead)
    closed_page = client.get(change_url(subject_request)).content.decode()
    assert notice in closed_page and lift not in closed_page
    assert "Tell the requester first" in client.post(lift).content.decode()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(notice).status_code == 302
    assert lift in client.get(change_url(subject_request)).content.decode()
    # Not yet: the requester has the organisation's notice period to answer (Art. 18(3)).
    lift_from = timezone.localdate() + timedelta(days=org.restriction_lift_notice_days)
    refused = client.post(lift)
    assert refused.status_code == 200 and 'data-testid="lift-from"' in refused.content.decode()
    assert RequestOutcome.objects.get(request=subject_request).lifted_at is None
    [told] = mailoutbox
    assert told.to == ["kari@example.no"] and day(until, language) in told.body
    assert day(lift_from, language) in told.body
    assert f"/{language}/status/" in told.body
    html = status_page(client, status_path, language)
    assert 'data-testid="reply-form"' in html and day(lift_from, language) in html

    with time_machine.travel(timezone.now() + timedelta(days=org.restriction_lift_notice_days),
                             tick=False):
        client.force_login(lead)  # days later: a staff session lasts a working day
        assert client.post(lift).status_code == 302
    outcome = RequestOutcome.objects.get(request=subject_request)
    assert outcome.lift_notice_sent_at and outcome.lifted_at


@pytest.mark.parametrize("language", LANGUAGES)
def test_objection_to_direct_marketing_succeeds_without_assessment_and_is_listed(
        client, confirmed, demo, language):
    org, staff = demo(language)
    subject_request, status_path = confirmed("objection", language, org=org,
                                             subject_email="Kari@Example.no")

    page = work(client, staff, subject_request, language=language,
                items={name: {"state": "done"} for name in systems_of(subject_request)})

    assert 'name="outcome-0-direct_marketing"' in page
    html = status_page(client, status_path, language)
    assert said(language, DIRECT_MARKETING_DONE) in html
    assert outcomes.is_suppressed(org, "kari@example.no", actor=None)
    entry = SuppressionEntry.objects.get()
    assert entry.organisation == org and entry.request == subject_request

    # Staff can check an address without it being stored anywhere.
    client.force_login(staff)
    answer = client.post("/admin/requests_app/suppressionentry/check/",
                         {"organisation": org.pk, "kind": "email", "value": "KARI@example.no"})
    assert 'data-listed="yes"' in answer.content.decode()
    assert "KARI@example.no" not in answer.content.decode()
    other = client.post("/admin/requests_app/suppressionentry/check/",
                        {"organisation": org.pk, "kind": "email", "value": "ola@example.no"})
    assert 'data-listed="no"' in other.content.decode()
    assert SuppressionEntry.objects.count() == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_other_objection_records_the_balancing_and_its_result(client, confirmed, demo,
                                                              language):
    org, staff = demo(language)
    subject_request, status_path = confirmed(
        "objection", language, org=org, objection_kind="other",
        processing="Kundeanalyse", grounds="Jeg er i en sårbar situasjon")
    assert not outcomes.asked_for_direct_marketing(subject_request)

    work(client, staff, subject_request, language=language, outcome={
        "balancing": "Kundens situasjon veier tyngre enn analysen", "objection_upheld": "true"},
        items={name: {"state": "done"} for name in systems_of(subject_request)})

    html = status_page(client, status_path, language)
    assert "Kundens situasjon veier tyngre enn analysen" in html
    assert said(language, "We have weighed your objection against our grounds for the "
                          "processing (GDPR Article 21(1)) and upheld it: we have stopped the "
                          "processing you objected to.") in html
    assert not SuppressionEntry.objects.exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_consent_withdrawal_says_which_consent_when_and_where_on_the_status_page(
        client, confirmed, demo, language):
    org, staff = demo(language)
    subject_request, status_path = confirmed("consent_withdrawal", language, org=org)
    updated, *untouched = systems_of(subject_request)
    withdrawn = timezone.localdate() - timedelta(days=1)

    work(client, staff, subject_request, language=language, outcome={
        "consent_withdrawn": "Nyhetsbrev på e-post",
        "consent_withdrawn_at_0": withdrawn.isoformat(), "consent_withdrawn_at_1": "10:00"},
        items={updated: {"state": "done"},
               **{name: {"state": "not_applicable"} for name in untouched}})

    html = status_page(client, status_path, language)
    assert "Nyhetsbrev på e-post" in html and day(withdrawn, language) in html
    assert updated in html.split("Nyhetsbrev på e-post", 1)[1]


def test_the_request_page_refuses_an_incomplete_outcome_and_says_what_is_missing(
        client, confirmed, demo):
    org, staff = demo("nb")
    subject_request, _ = confirmed("restriction", "nb", org=org)
    client.force_login(staff)
    client.post(change_url(subject_request), page_post(
        subject_request, items={name: {"state": "done"} for name in systems_of(subject_request)},
        outcome={"restricted_processing": "Alt"}))

    shown = client.get(f"{LIST}{subject_request.pk}/complete/").content.decode()
    refused = client.post(f"{LIST}{subject_request.pk}/complete/", {"body": ANSWER["nb"]})

    assert "outcome-missing" in shown and "Say until when the processing" in shown
    assert refused.status_code == 200
    errors = refused.context["form"].non_field_errors()
    assert any("Art. 18(1)" in error for error in errors)
    assert Request.objects.get().status == Status.NEW


def test_another_organisations_staff_cannot_reach_the_outcome_pages(client, confirmed, demo,
                                                                    outsider):
    org, staff = demo("nb")
    subject_request, _ = confirmed("restriction", "nb", org=org)
    outcomes.record(subject_request, actor=staff, restricted_processing="Alt",
                    restriction_ground="accuracy",
                    restricted_until=timezone.localdate() + timedelta(days=30))
    outcomes.suppress(org, "kari@example.no", request=subject_request)
    client.force_login(outsider)

    for step in ("notice", "lift"):
        assert client.post(f"{LIST}{subject_request.pk}/restriction/{step}/").status_code == 404
    listing = client.get("/admin/requests_app/suppressionentry/").content.decode()
    assert subject_request.reference not in listing
    check = client.post("/admin/requests_app/suppressionentry/check/",
                        {"organisation": org.pk, "kind": "email", "value": "kari@example.no"})
    assert 'data-listed' not in check.content.decode()  # not their organisation: no answer
    assert RequestOutcome.objects.get().lift_notice_sent_at is None
    assert Membership.objects.filter(user=outsider, organisation=org).count() == 0
