"""Requests built directly in the database, for tests that are not about the public intake."""

from datetime import timedelta

from django.utils import timezone

from requests_app import deadlines
from requests_app.models import Request, Status
from requests_app.references import new_reference


def make_request(organisation, *, status=Status.NEW, days_ago=0, assignee=None, **fields):
    received = fields.pop("received_at", None) or timezone.now() - timedelta(days=days_ago)
    due = (None if status == Status.AWAITING_CONFIRMATION
           else deadlines.due_date(received, organisation.country))
    defaults = {
        "type": "access", "language": "nb", "subject_name": "Ola Nordmann",
        "subject_email": "ola@example.no", "relationship": "customer",
        "received_at": received, "due_date": due, "statutory_due_date": due,
    }
    return Request.objects.create(reference=new_reference(), organisation=organisation,
                                  status=status, assignee=assignee, **{**defaults, **fields})
