"""Public pages: organisations, the rights explained, the forms, confirmation and status.

Thin views: validation is in ``forms``, the rules in ``intake``. Nothing here shows an
enumerable identifier: requests are reached only through signed or secret tokens.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from requests_app import intake, links, outcomes, selectors
from requests_app.casework import workflow
from requests_app.clock import legal
from requests_app.forms import FORMS, ReplyForm, render_stamp
from requests_app.models import Message, Organisation, RequestType, Status
from requests_app.views import downloads, shared_pages


def home(request):
    # The names, countries and addresses of the list: one query, and the page's key.
    listed = list(Organisation.objects.values_list("slug", "name", "country"))
    return shared_pages.render_shared(
        request, "requests_app/home.html",
        lambda: {"organisations": Organisation.objects.all()},
        key=("home", shared_pages.fingerprint(listed)))


def organisation(request, slug):
    state = selectors.organisation_state(slug)
    if state is None:
        raise Http404
    return shared_pages.render_shared(
        request, "requests_app/organisation.html",
        lambda: {"organisation": get_object_or_404(Organisation, slug=slug),
                 "rights": selectors.rights_explained()},
        key=("organisation", shared_pages.fingerprint(state)))


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=lambda group, request: settings.INTAKE_RATE_LIMIT, method="POST",
           block=True)
def request_form(request, slug, request_type):
    form_class = FORMS.get(request_type)
    if request.method == "GET":
        # The empty form is the same for everyone: rendered once (``shared_pages``).
        state = selectors.organisation_state(slug)
        if state is None or form_class is None:
            raise Http404
        return shared_pages.render_shared(
            request, "requests_app/request_form.html",
            lambda: _empty_form_context(slug, form_class, request_type),
            key=("request_form", shared_pages.fingerprint(state)),
            fresh={"rendered": render_stamp})
    org = get_object_or_404(Organisation, slug=slug)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, country=org.country)
    if request.method == "POST" and form.is_valid():
        if not form.is_bot:
            data = form.cleaned_data
            intake.submit_request(
                organisation=org, request_type=request_type,
                language=translation.get_language(), subject_name=data["subject_name"],
                subject_email=data["subject_email"], subject_phone=data["subject_phone"],
                relationship=data["relationship"], description=data["description"],
                details=form.details(),
            )
        return redirect("public:sent", slug=org.slug)
    return render(request, "requests_app/request_form.html",
                  {"organisation": org, "form": form,
                   "type_label": RequestType(request_type).label}, status=400)


def _empty_form_context(slug, form_class, request_type) -> dict:
    org = get_object_or_404(Organisation, slug=slug)
    return {"organisation": org, "form": form_class(country=org.country),
            "type_label": RequestType(request_type).label}


def sent(request, slug):
    org = get_object_or_404(Organisation, slug=slug)
    return render(request, "requests_app/sent.html",
                  {"organisation": org, "ttl_days": settings.UNCONFIRMED_REQUEST_TTL_DAYS})


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """GET shows a button; only the POST confirms, so mail scanners that open links cannot
    confirm a request the subject never meant to file."""
    subject_request = links.request_for_confirmation(token)
    if subject_request is None:
        raise Http404
    if request.method == "POST":
        status_token = intake.confirm_request(subject_request)
        if status_token is None:
            return render(request, "requests_app/already_confirmed.html",
                          {"subject_request": subject_request})
        messages.success(request, _("Thank you: your e-mail address is confirmed and your "
                                    "request has been received."))
        return redirect(links.status_path(subject_request, status_token))
    return render(request, "requests_app/confirm.html", {"subject_request": subject_request})


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=lambda group, request: settings.INTAKE_RATE_LIMIT, method="POST",
           block=True)
def status(request, token):
    """The requester's private page: where the request stands, the conversation with the
    organisation, and (while the request is open) a form to answer. The URL is the key."""
    subject_request = links.request_for_status_token(token)
    if subject_request is None:
        raise Http404
    form = ReplyForm() if workflow.takes_messages(subject_request) else None
    refused = []  # the service's reasons when it will not take the answer
    http_status = 200
    if request.method == "POST":
        http_status = 400
        if form is None:
            # The same words as ``workflow.subject_replied``; a closed request stays closed.
            refused = [_("This request is closed; it no longer takes messages.")]
        else:
            form = ReplyForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    workflow.subject_replied(subject_request, body=form.cleaned_data["body"],
                                             files=form.cleaned_data["files"])
                except ValidationError as error:
                    if getattr(error, "code", None) == "attachment_quota":
                        form.add_error("files", error)  # shown beside the files
                    else:  # closed meanwhile
                        refused = error.messages
                        subject_request.refresh_from_db()
                        form = form if workflow.takes_messages(subject_request) else None
                else:
                    messages.success(request, _("Your answer has been sent."))
                    return _private(redirect(request.path))
    return _private(render(request, "requests_app/status.html", {
        "subject_request": subject_request,
        "organisation": subject_request.organisation,
        "timeline": selectors.public_timeline(subject_request),
        "clock": legal.explain(subject_request),
        "conversation": _conversation(subject_request),
        "question": _latest_question(subject_request),
        "form": form,
        "refused": refused,
        "files_lost": bool(request.FILES) and form is not None and bool(form.errors),
        "lift_from": outcomes.announced_lift(subject_request),
        "packages": downloads.for_status_page(subject_request),
        "status_token": token,
    }, status=http_status))


def _private(response):
    # The URL is the key to the page: keep it out of other sites' referrers and out of
    # shared caches. ("same-origin" rather than "no-referrer": with no referrer at all,
    # browsers send "Origin: null" with the page's own form, which the CSRF check refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def _conversation(subject_request) -> list[Message]:
    """Every message, oldest first, with the requester's files (names only: the files
    themselves are for staff)."""
    return list(subject_request.messages.order_by("created_at", "id")
                .prefetch_related("attachments"))


def _latest_question(subject_request) -> Message | None:
    """The question the organisation waits for an answer to, to quote above the form."""
    if subject_request.status != Status.WAITING_FOR_SUBJECT:
        return None
    return (subject_request.messages.filter(direction=Message.Direction.TO_SUBJECT)
            .order_by("-created_at", "-id").first())


def rate_limited(request, exception=None):
    return HttpResponse(render_to_string("requests_app/rate_limited.html", request=request),
                        status=429)


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
