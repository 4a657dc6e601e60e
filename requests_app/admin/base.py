"""The base of the staff side: every permission hook of every admin here asks ``access``, in
the organisation of the object at hand, so a role applies only where it was given.

Django's model permissions and groups play no part: a ModelAdmin says which ``access`` action
each of view, add, change and delete needs (``SUPERUSERS``: superusers only; ``None``:
nobody), and where the object's organisation is (``organisation_path``). Lists show only the
organisations where the user may view; an object outside them answers 404; the organisation a
new or changed object may belong to is chosen among those where the action is allowed.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBase
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

from requests_app import access
from requests_app.models import Organisation, Relationship


def person_label(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "–"


def as_outside_file(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    """Send ``response`` as a download of a file that came from outside (a requester's
    attachment): saved, never shown inline, and neither sniffed into another type nor run
    as a page by the browser."""
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


def organisation_id_of(obj, path: str) -> int | None:
    """The id of the organisation ``obj`` belongs to, reached through ``path`` ("organisation",
    "request__organisation", or "" for an organisation itself); ``None`` if it has none."""
    if isinstance(obj, Organisation) or not path:
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


#: A permission only superusers have (adding an organisation, writing shared templates).
SUPERUSERS = "superusers"


class Permissions:
    """The ``access`` action each permission hook needs; ``SUPERUSERS``: superusers only;
    ``None``: nobody (the parts of a request that only the services write).

    Mixed into ModelAdmins (``PortalAdmin``) and inlines (``ScopedInline``): ``_allows``
    answers for one object's organisation, or, without an object, whether the user may do it
    in any organisation (the index, the list, the "add" button)."""

    view_action: str | None = access.VIEW
    add_action: str | None = None
    change_action: str | None = None
    delete_action: str | None = None

    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def _organisation_of(self, obj) -> int | None:
        raise NotImplementedError

    def _allows(self, request, action: str | None, obj=None) -> bool:
        if action is None:
            return False
        if action == SUPERUSERS:
            return self._superuser(request)
        if obj is None:
            return access.may_anywhere(request.user, action)
        organisation_id = self._organisation_of(obj)
        if organisation_id is None:  # a shared object (a reply template): superusers only
            return self._superuser(request)
        return access.may(request.user, action, organisation_id)


class PortalAdmin(Permissions, admin.ModelAdmin):
    """The base of every admin here: permissions from ``access`` in the object's organisation,
    lists scoped to the organisations where the user may view, and an object outside them
    answers 404, the same as one that does not exist, not Django's redirect to the index."""

    #: Where the object's organisation is ("" for an organisation itself).
    organisation_path = "organisation"

    def _organisation_of(self, obj) -> int | None:
        return organisation_id_of(obj, self.organisation_path)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(gettext("No such %(name)s.") % {"name": opts.verbose_name})

    def has_module_permission(self, request):
        return self._allows(request, self.view_action)

    def has_view_permission(self, request, obj=None):
        return self._allows(request, self.view_action, obj)

    def has_add_permission(self, request):
        return self._allows(request, self.add_action)

    def has_change_permission(self, request, obj=None):
        return self._allows(request, self.change_action, obj)

    def has_delete_permission(self, request, obj=None):
        return self._allows(request, self.delete_action, obj)

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def scope(self, request, qs):
        """``qs`` narrowed to the organisations where the user may view. "organisation IN
        (ids)": no join, so the planner can use the indexes that start with the
        organisation."""
        return access.scope(qs, request.user, self.view_action or access.VIEW,
                            path=self.organisation_path or "pk")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation" and db_field.related_model is Organisation:
            # Where this user may add (or change) such an object; a change form of an object
            # elsewhere is read-only, so it needs no choices.
            action = self.add_action or self.change_action
            kwargs["queryset"] = (
                access.organisations(request.user, action)
                if action not in (None, SUPERUSERS)
                else Organisation.objects.all() if self._allows(request, action)
                else Organisation.objects.none())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """The last word before a save: the object's organisation allows the action (the
        form's choices already say so; this holds for any form a subclass builds)."""
        action = self.change_action if change else self.add_action
        if not self._allows(request, action, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        if not self.has_delete_permission(request, obj):
            raise PermissionDenied
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        """The bulk delete action: only objects whose organisation allows deleting."""
        if any(not self.has_delete_permission(request, obj) for obj in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)


class ScopedInline(Permissions):
    """An inline whose permissions follow its parent's organisation (``parent_path`` from the
    parent object; "" when the parent is the organisation)."""

    parent_path = "organisation"

    def _organisation_of(self, obj) -> int | None:
        return organisation_id_of(obj, self.parent_path)

    def has_view_permission(self, request, obj=None):
        return self._allows(request, self.view_action, obj)

    def has_add_permission(self, request, obj=None):
        return self._allows(request, self.add_action, obj)

    def has_change_permission(self, request, obj=None):
        return self._allows(request, self.change_action, obj)

    def has_delete_permission(self, request, obj=None):
        return self._allows(request, self.delete_action, obj)


def labels(codes, choices) -> str:
    labels = dict(choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or [])


def relationship_labels(codes) -> str:
    """Whose data a system or a processing activity concerns; none named means everyone
    (``DataSystem.applies_to``, ``ProcessingRecord.concerns``)."""
    return labels(codes, Relationship.choices) or gettext("Everyone")
