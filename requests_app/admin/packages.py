"""The staff side of access packages and portability archives, on the request's admin page.

For an access (Art. 15) or portability (Art. 20) request staff add the export of each system
on the checklist, then build the package; a Celery task builds it and reports its progress,
which the page polls through a small JSON view (``static/requests_app/admin_packages.js``).

Thin: saving, building and the rules of both are in ``packages``. Every view goes through
``RequestAdmin.get_object`` (or ``_get_changeable``), so staff reach only the requests of
their own organisations, and a request outside them answers 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from requests_app.delivery import packages
from requests_app.models import ChecklistItem, Package, Request

BUILD_LABELS = {
    Package.Kind.ACCESS: _("Build the access package"),
    Package.Kind.PORTABILITY: _("Build the portability archive"),
}

#: States in which the page keeps polling for progress.
IN_PROGRESS = (Package.State.QUEUED, Package.State.BUILDING)


class ExportForm(forms.Form):
    """One export file and the system on the checklist it was taken from."""

    file = forms.FileField(label=_("Export file"))
    checklist_item = forms.ModelChoiceField(
        label=_("From the system"), queryset=ChecklistItem.objects.none(), required=False,
        empty_label=_("(no system on the checklist)"),
    )

    def __init__(self, *args, subject_request: Request, **kwargs):
        super().__init__(*args, **kwargs)
        items = subject_request.checklist.order_by("system_name", "id")
        self.fields["checklist_item"].queryset = items
        self.fields["checklist_item"].label_from_instance = lambda item: item.system_name
        # One system on the checklist: the export is from it, unless staff say otherwise.
        only = list(items[:2])
        if len(only) == 1:
            self.fields["checklist_item"].initial = only[0].pk


def _url(model_admin, name: str, obj) -> str:
    return reverse(f"{model_admin.admin_site.name}:requests_app_request_{name}", args=[obj.pk])


def _change_url(model_admin, obj) -> str:
    return _url(model_admin, "change", obj) + "#packages"


def tools(model_admin, request, obj: Request) -> dict:
    """The context of the packages section on the request's page (empty for other types).

    A fixed number of queries however many exports and packages there are: one each for the
    exports, the packages and the checklist the upload form offers."""
    kind = packages.KIND_FOR_TYPE.get(obj.type)
    if kind is None:
        return {"package_tools": None}
    may_change = obj.is_open and model_admin.has_change_permission(request, obj)
    package_list = list(obj.packages.select_related("created_by"))
    return {"package_tools": {
        "kind": kind,
        "build_label": BUILD_LABELS[kind],
        "exports": list(obj.exports.select_related("checklist_item", "uploaded_by")),
        "packages": package_list,
        "polling": any(p.state in IN_PROGRESS for p in package_list),
        "may_change": may_change,
        "export_form": ExportForm(subject_request=obj) if may_change else None,
        "add_export_url": _url(model_admin, "add_export", obj),
        "build_url": _url(model_admin, "build_package", obj),
        "status_url": _url(model_admin, "packages", obj),
    }}


def _package_kind_or_404(obj: Request) -> str:
    kind = packages.KIND_FOR_TYPE.get(obj.type)
    if kind is None:
        raise Http404(gettext("This request has no package."))
    return kind


def add_export_view(model_admin, request, object_id):
    """POST one export file (multipart) through ``packages.save_export``."""
    obj = model_admin._get_changeable(request, object_id)
    _package_kind_or_404(obj)
    form = ExportForm(request.POST, request.FILES, subject_request=obj)
    if not form.is_valid():
        for errors in form.errors.values():
            model_admin.message_user(request, " ".join(errors), messages.ERROR)
        return HttpResponseRedirect(_change_url(model_admin, obj))
    try:
        export = packages.save_export(obj, form.cleaned_data["file"],
                                      checklist_item=form.cleaned_data["checklist_item"],
                                      actor=request.user)
    except ValidationError as exc:
        model_admin.message_user(request, " ".join(exc.messages), messages.ERROR)
    else:
        model_admin.message_user(request, gettext("%(file)s is added (%(size)s).") % {
            "file": export.original_name, "size": filesizeformat(export.size)},
            messages.SUCCESS)
    return HttpResponseRedirect(_change_url(model_admin, obj))


def build_view(model_admin, request, object_id):
    """POST: queue the build of the request's package (``packages.request_build``)."""
    obj = model_admin._get_changeable(request, object_id)
    kind = _package_kind_or_404(obj)
    try:
        packages.request_build(obj, kind, actor=request.user)
    except ValidationError as exc:
        model_admin.message_user(request, " ".join(exc.messages), messages.ERROR)
    else:
        model_admin.message_user(request, gettext(
            "The build has started; its progress is shown below. The requester can download "
            "it from the status page once the request is completed."), messages.SUCCESS)
    return HttpResponseRedirect(_change_url(model_admin, obj))


def _describe(package: Package) -> dict:
    return {
        "id": str(package.public_id),
        "state": package.state,
        "state_label": str(package.get_state_display()),
        "progress": package.progress,
        "size": package.size,
        "size_label": filesizeformat(package.size) if package.size else "",
        # In the current time zone, as the page's own cells (templates convert; this does not).
        "expires": (formats.date_format(timezone.localtime(package.expires_at),
                                        "DATETIME_FORMAT") if package.expires_at else ""),
        "error": package.error,
    }


def status_view(model_admin, request, object_id):
    """GET, for the page's progress bars: the request's packages as JSON. Staff of the
    request's organisation only (404 otherwise, as for the page itself)."""
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None or not model_admin.has_view_or_change_permission(request, obj):
        raise Http404(gettext("No such request."))
    response = JsonResponse({"packages": [_describe(p) for p in obj.packages.all()]})
    response["Cache-Control"] = "no-store"
    return response


def urls(model_admin) -> list:
    """The routes of the views above, for ``RequestAdmin.get_urls``."""

    def view(func, method, suffix, route):
        def bound(request, object_id):
            return func(model_admin, request, object_id)

        return path(route, model_admin.admin_site.admin_view(method(bound)),
                    name=f"requests_app_request_{suffix}")

    return [
        view(add_export_view, require_POST, "add_export", "<path:object_id>/exports/add/"),
        view(build_view, require_POST, "build_package", "<path:object_id>/packages/build/"),
        view(status_view, require_GET, "packages", "<path:object_id>/packages/"),
    ]
