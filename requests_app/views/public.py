"""Public pages: organisations, the rights explained, the forms, confirmation and status.

Thin views: validation is in ``forms``, the rules in ``intake``. Nothing here shows an
enumerable identifier: requests are reached only through signed or secret tokens.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from portal.errors import render_error
from requests_app import intake, links, outcomes, selectors
from requests_app.casework import workflow
from requests_app.clock import legal
from requests_app.forms import FORMS, ReplyForm, render_stamp
from requests_app.models import Message, Organisation, RequestType, Status
from requests_app.onboarding import branding
from requests_app.views import downloads, identity, resilience, shared_pages


def home(request):
    # The names, countries and addresses of the list: one query, and the page's key.
    listed = list(Organisation.objects.values_list("slug", "name", "country"))
    return shared_pages.render_shared(
        request, "requests_app/home.html",
        lambda: {"organisations": Organisation.objects.all()},
        key=("home", shared_pages.fingerprint(listed)))


def logo(request, slug, version):
    """An organisation's logo: the PNG made by ``onboarding.branding.clean_logo``, never an
    upload as it came, with headers that keep a browser from reading it as anything else
    (no sniffing, no script even if opened on its own). The version in the URL changes with
    the logo, so it may be cached for long."""
    org = get_object_or_404(Organisation, slug=slug)
    if not org.logo or branding.logo_version(org) != version:
        raise Http404
    with org.logo.open("rb") as stored:
        data = stored.read()
    response = HttpResponse(data, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = 'inline; filename="logo.png"'
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # shown in e-mails, too
    return response


def _organisation_page(request, slug: str, template_name: str,
                       context: Callable[[Organisation], dict], *, fresh=None):
    """A page of one organisation that is the same for every visitor (``shared_pages``),
    kept until the organisation's row changes. ``context(organisation)`` adds to the
    organisation when the page is rendered; ``fresh`` as for ``render_shared``."""
    state = selectors.organisation_state(slug)
    if state is None:
        raise Http404

    def rendered_context() -> dict:
        org = get_object_or_404(Organisation, slug=slug)
        return {"organisation": org, **context(org)}

    return shared_pages.render_shared(
        request, template_name, rendered_context,
        key=(template_name, shared_pages.fingerprint(state)), fresh=fresh)


def organisation(request, slug):
    return _organisation_page(request, slug, "requests_app/organisation.html",
                              lambda org: {"rights": selectors.rights_explained()})


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=lambda group, request: settings.INTAKE_RATE_LIMIT, method="POST",
           block=True)
@resilience.retried_once(on_failure=resilience.request_form_unavailable)
def request_form(request, slug, request_type):
    """The form of one right. Run once more on a lost database connection (``resilience``):
    safe because the submission is idempotent (its token)."""
    form_class = FORMS.get(request_type)
    if request.method == "GET":
        # The empty form is the same for everyone: rendered once (``shared_pages``).
        if form_class is None:
            raise Http404
        return _organisation_page(
            request, slug, "requests_app/request_form.html",
            lambda org: {"form": form_class(country=org.country),
                         "type_label": RequestType(request_type).label},
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
                details=form.details(), submission_token=data["submission_token"],
            )
        return redirect("public:sent", slug=org.slug)
    return render(request, "requests_app/request_form.html",
                  {"organisation": org, "form": form,
                   "type_label": RequestType(request_type).label}, status=400)


def sent(request, slug):
    """"Check your e-mail": the page after every submission, the same for everyone in one
    language, so rendered once, like the form before it."""
    return _organisation_page(request, slug, "requests_app/sent.html",
                              lambda org: {"ttl_days": settings.UNCONFIRMED_REQUEST_TTL_DAYS})


@require_http_methods(["GET", "POST"])
@resilience.retried_once(on_failure=resilience.unavailable)
def confirm(request, token):
    """GET shows a button; only the POST confirms, so mail scanners that open links cannot
    confirm a request the subject never meant to file. Run once more on a lost database
    connection: confirming twice is harmless (the second finds it confirmed)."""
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
@resilience.unavailable_without_retry(on_failure=resilience.reply_unavailable)
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
        "eid": identity.for_status_page(subject_request, token),
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
    """``RATELIMIT_VIEW``: 429, rendered like the error pages (no database, no cache)."""
    return render_error(request, "requests_app/rate_limited.html", 429)


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
