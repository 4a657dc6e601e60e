"""A submission whose random reference is already taken is saved under a new one: the whole
transaction runs again (``intake.submit_request`` keeps no savepoint per attempt)."""

from django.core import mail

from requests_app import intake
from requests_app.models import Event, OutgoingEmail, Request
from tests.factories import make_request


def test_a_taken_reference_is_drawn_again_and_the_submission_is_saved_once(
        org_no, monkeypatch, django_capture_on_commit_callbacks):
    taken = make_request(org_no).reference
    drawn = iter([taken, "NEW-REFR-ENCE"])
    monkeypatch.setattr(intake, "new_reference", lambda: next(drawn))

    with django_capture_on_commit_callbacks(execute=True):
        saved = intake.submit_request(
            organisation=org_no, request_type="erasure", language="nb",
            subject_name="Kari Nordmann", subject_email="kari@example.no",
            relationship="customer")

    assert saved.reference == "NEW-REFR-ENCE"
    assert Request.objects.filter(subject_email="kari@example.no").count() == 1
    assert Event.objects.filter(request=saved, kind=Event.Kind.CREATED).count() == 1
    assert OutgoingEmail.objects.filter(request=saved).count() == 1
    assert len(mail.outbox) == 1
