"""Reply templates: choosing the right one and filling in its placeholders."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet
from django.utils import formats, translation

from requests_app.models import ReplyTemplate, Request

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def templates_for(request: Request, outcome: str) -> QuerySet[ReplyTemplate]:
    """Templates for this request's type (or any type) and outcome, in the requester's
    language; the organisation's own first, then the shared ones."""
    return (
        ReplyTemplate.objects.filter(outcome=outcome, language=request.language)
        .filter(Q(organisation_id=request.organisation_id) | Q(organisation__isnull=True))
        .filter(Q(request_type=request.type) | Q(request_type=""))
        .order_by("organisation_id", "-request_type", "name")  # NULLs (shared) last
    )


def render(template: ReplyTemplate | str, request: Request) -> str:
    """The template's text with {reference}, {name}, {organisation}, {type}, {due_date} and
    {received_date} filled in, in the requester's language. Only these bare names are
    replaced (no attribute access), so a template can never reach into other data; an unknown
    placeholder is left as it is for staff to see and fix before sending."""
    text = template.body if isinstance(template, ReplyTemplate) else template
    with translation.override(request.language):
        values = {
            "reference": request.reference,
            "name": request.subject_name,
            "organisation": request.organisation.name,
            "type": str(request.get_type_display()),
            "due_date": formats.date_format(request.due_date) if request.due_date else "",
            "received_date": formats.date_format(request.received_at.date()),
        }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
