"""Staff roles as Django groups: what each role may do in the admin.

Which organisations a user sees is decided by ``Membership`` (see ``selectors``); what they
may do there by the group of their role.
"""

from django.contrib.auth.models import Group, Permission

from requests_app.models import Membership

_HANDLER = [
    "requests_app.view_request", "requests_app.change_request", "requests_app.view_event",
    "requests_app.view_organisation", "requests_app.view_datasystem",
    "requests_app.view_outgoingemail", "requests_app.view_reminder",
    "requests_app.view_replytemplate", "requests_app.add_replytemplate",
    "requests_app.change_replytemplate", "requests_app.view_processingrecord",
]
# The records of processing (Art. 30(1)) are kept by compliance leads and organisation admins;
# handlers read them. Which organisation's records one may edit: ``may_edit_records``.
_RECORDS = [
    "requests_app.add_processingrecord", "requests_app.change_processingrecord",
    "requests_app.delete_processingrecord",
]
ROLE_PERMISSIONS = {
    Membership.Role.HANDLER: _HANDLER,
    Membership.Role.COMPLIANCE_LEAD: _HANDLER + _RECORDS,
    Membership.Role.ORG_ADMIN: _HANDLER + [
        "requests_app.change_organisation", "requests_app.add_datasystem",
        "requests_app.change_datasystem", "requests_app.delete_datasystem",
        "requests_app.delete_replytemplate",
    ] + _RECORDS,
}


def group_name(role: str) -> str:
    return f"role: {role}"


def ensure_groups() -> None:
    """Create or update one group per role with exactly its permissions."""
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name(role))
        perms = [Permission.objects.get(content_type__app_label=code.split(".")[0],
                                        codename=code.split(".")[1]) for code in codes]
        group.permissions.set(perms)


def grant(user, role: str) -> None:
    ensure_groups()
    user.groups.add(Group.objects.get(name=group_name(role)))


def may_see_requests(user) -> bool:
    """Whether ``user``'s role lets them see requests and their parts (checklist, outcome,
    the suppression entries requests made); which organisations' requests: ``selectors``."""
    return user.has_perm("requests_app.view_request") or may_work_on_requests(user)


def may_work_on_requests(user) -> bool:
    return user.has_perm("requests_app.change_request")


# The roles that may take the decisions with legal effect that the requester is told about:
# extending the time limit (Art. 12(3)) and refusing (Art. 12(4), 12(5), 17(3), 21(1)).
DECIDING_ROLES = (Membership.Role.COMPLIANCE_LEAD, Membership.Role.ORG_ADMIN)


def may_decide(user, organisation) -> bool:
    """Whether ``user`` may extend or refuse ``organisation``'s requests."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, organisation=organisation,
                                     role__in=DECIDING_ROLES).exists()


# The roles that keep the records of processing (Art. 30(1)).
RECORD_KEEPING_ROLES = (Membership.Role.COMPLIANCE_LEAD, Membership.Role.ORG_ADMIN)


def record_keeping_org_ids(user) -> frozenset[int]:
    """The organisations whose records of processing ``user`` may edit. The permission of the
    group is per user, not per organisation: a handler here may be a lead elsewhere."""
    if not user.is_active:
        return frozenset()
    return frozenset(Membership.objects.filter(user=user, role__in=RECORD_KEEPING_ROLES)
                     .values_list("organisation_id", flat=True))
