"""Staff pages outside the admin's model pages: the reports for compliance leads.

Thin views: the filters, figures and files are made in ``reports``. Every view needs a staff
user verified with a second factor (django-otp), and then a compliance lead (or a
superuser): anyone else gets 403. The organisations offered, and so everything counted, are
the ones the user leads (``filters.report_organisations``).
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import date

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reports import exports, figures, filters, querysets

try:
    from django_otp.decorators import otp_required
except ImportError:  # pragma: no cover - django-otp is a dependency of the project
    otp_required = None

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def compliance_leads_only(view):
    """Staff, verified with OTP, and a compliance lead of at least one organisation."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not filters.may_see_reports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    checked = require_GET(wrapped)
    if otp_required is not None:
        checked = otp_required(checked, login_url=reverse_lazy("admin:login"))
    return staff_member_required(checked)


def _form(request) -> filters.ReportFilterForm:
    return filters.ReportFilterForm(request.GET, user=request.user)


def _page(request, form, reports_list=None, *, status=200):
    return TemplateResponse(request, "reports/reports.html", {
        **admin.site.each_context(request),
        "title": _("Reports"),
        "form": form,
        "reports": reports_list or [],
        "filters": reports_list[0].filters if reports_list else None,
        "querystring": form.querystring() if reports_list is not None else "",
        "definitions": figures.DEFINITIONS,
    }, status=status)


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@compliance_leads_only
def reports_page(request):
    form = _form(request)
    if not form.is_valid():
        return _page(request, form, status=400)
    return _page(request, form, figures.build(form.filters()))


@compliance_leads_only
def report_csv(request, slug):
    report_class = figures.BY_SLUG.get(slug)
    if report_class is None:
        raise Http404
    form = _form(request)
    if not form.is_valid():
        return _page(request, form, status=400)
    filters = form.filters()
    report = report_class(filters)
    if isinstance(report, figures.Overdue):
        report.limit = None
    with querysets.snapshot():
        body = exports.report_csv(report)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    return _attachment(response, f"{slug}_{filters.file_stem()}.csv")


@compliance_leads_only
def reports_xlsx(request):
    form = _form(request)
    if not form.is_valid():
        return _page(request, form, status=400)
    filters = form.filters()
    body = exports.reports_xlsx(filters, figures.build(filters, full=True))
    return _attachment(HttpResponse(body, content_type=XLSX),
                       f"reports_{filters.file_stem()}.xlsx")


@compliance_leads_only
def annual_pdf(request):
    """The chosen year (whatever period the page shows), for the accountability file."""
    form = _form(request)
    if not form.is_valid():
        return _page(request, form, status=400)
    year = form.cleaned_data["year"]
    filters = dataclasses.replace(form.filters(), period="year", start=date(year, 1, 1),
                                  end=date(year, 12, 31))
    body = exports.annual_pdf(filters, figures.build(filters))
    return _attachment(HttpResponse(body, content_type="application/pdf"),
                       f"annual-report_{filters.file_stem()}.pdf")


@compliance_leads_only
def register_csv(request):
    """One row per request received in the period, without personal data."""
    form = _form(request)
    if not form.is_valid():
        return _page(request, form, status=400)
    filters = form.filters()
    response = StreamingHttpResponse(exports.register_lines(filters),
                                     content_type="text/csv; charset=utf-8")
    return _attachment(response, f"register_{filters.file_stem()}.csv")


def public_figures(request, slug):
    """The public yearly figures of an organisation that publishes them (404 otherwise):
    ``?year=`` one of the last five years, the current one by default."""
    from django.shortcuts import get_object_or_404
    from django.utils import timezone

    from reports import public
    from requests_app.models import Organisation

    organisation = get_object_or_404(Organisation, slug=slug, publish_figures=True)
    this_year = timezone.localdate().year
    years = list(range(this_year, this_year - 5, -1))
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    if year not in years:
        year = this_year
    return TemplateResponse(request, "reports/public_figures.html", {
        "organisation": organisation, "figures": public.year_figures(organisation, year),
        "years": years})
