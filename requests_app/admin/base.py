"""The base of the staff side: every admin here answers 404 for what lies outside the user's
organisations, and lists only their organisations' objects."""


from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils.translation import gettext

from requests_app import (
    selectors,
)
from requests_app.models import Membership, Relationship


def member_org_ids(request) -> frozenset[int]:
    """The ids of the organisations the user is a member of, read once per HTTP request."""
    cached = getattr(request, "_requests_app_member_org_ids", None)
    if cached is None:
        cached = frozenset(Membership.objects.filter(user=request.user)
                           .values_list("organisation_id", flat=True))
        request._requests_app_member_org_ids = cached
    return cached


def staff_members(organisation_ids):
    """Active staff users who are members of any of these organisations."""
    return (get_user_model().objects
            .filter(is_staff=True, is_active=True,
                    memberships__organisation_id__in=organisation_ids)
            .distinct().order_by("username"))


def person_label(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "–"


class PortalAdmin(admin.ModelAdmin):
    """The base of every admin here: an object outside the user's scope answers 404, the
    same as one that does not exist, not Django's redirect to the index."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(gettext("No such %(name)s.") % {"name": opts.verbose_name})


class OrganisationScopedAdmin(PortalAdmin):
    """Shows only objects of the user's organisations; ``organisation_path`` leads there."""

    organisation_path = "organisation"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        # "organisation IN (the user's organisations)": no join, so the planner can use the
        # indexes that start with the organisation.
        mine = Membership.objects.filter(user=request.user).values("organisation_id")
        return qs.filter(**{f"{self.organisation_path}__in": mine})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation":
            kwargs["queryset"] = selectors.organisations_of(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def labels(codes, choices) -> str:
    labels = dict(choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or [])


def relationship_labels(codes) -> str:
    """Whose data a system or a processing activity concerns; none named means everyone
    (``DataSystem.applies_to``, ``ProcessingRecord.concerns``)."""
    return labels(codes, Relationship.choices) or gettext("Everyone")
