"""Who may do what, where: the one answer to "may this user do this to this organisation's
thing", asked by every service, admin permission hook, view, report and command.

Rights come from ``Membership`` rows alone, one per user and organisation, so a role applies
only in the organisation it was given for (a handler of A who is organisation admin of B has
no admin rights in A), and a changed or removed membership changes the rights at the next
HTTP request. No Django group or model permission carries a role.

A role's actions are one table (``ROLE_ACTIONS``). Superusers may do everything everywhere;
inactive users nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from requests_app.models import Membership, Organisation, Request

Role = Membership.Role

#: See requests and their parts (checklist, messages, outcome, packages), the organisation's
#: systems, records of processing and reply templates.
VIEW = "view"
#: Work on requests: assign, checklist, ask the requester, complete, forward, record
#: outcomes, add exports, build packages; add and edit the organisation's reply templates.
WORK = "work"
#: The decisions with legal effect the requester is told of: extending the time limit
#: (Art. 12(3)), refusing wholly or partly (Art. 12(4), 12(5)), which includes keeping data
#: an erasure asked for on an Art. 17(3) ground and finding that an objection is not upheld
#: (Art. 21(1)), and ending a restriction (the requester is told first, Art. 18(3)).
DECIDE = "decide"
#: Keep the records of processing (Art. 30(1)).
KEEP_RECORDS = "keep_records"
#: Read the reports of the organisation.
REPORTS = "reports"
#: Change the organisation itself: its settings, systems, members and reply templates.
ADMINISTER = "administer"

_HANDLER = frozenset({VIEW, WORK})
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.HANDLER: _HANDLER,
    Role.COMPLIANCE_LEAD: _HANDLER | {DECIDE, KEEP_RECORDS, REPORTS},
    Role.ORG_ADMIN: _HANDLER | {DECIDE, KEEP_RECORDS, ADMINISTER},
}
ACTIONS = frozenset().union(*ROLE_ACTIONS.values())


class NotAllowed(PermissionDenied, ValidationError):
    """The actor's role in the organisation does not allow the action.

    A ``PermissionDenied`` (a view answers 403) and a ``ValidationError`` (an admin page or
    action shows its message), so no caller needs to know which it is."""

    def __init__(self, message: str):
        ValidationError.__init__(self, message)


def _roles(user) -> dict[int, str]:
    """{organisation id: role} of the user, read once per user object (one HTTP request)."""
    cached = getattr(user, "_access_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user_id=user.pk)
                      .values_list("organisation_id", "role"))
        try:
            user._access_roles = cached
        except AttributeError:  # pragma: no cover - AnonymousUser is immutable enough
            pass
    return cached


def forget(user) -> None:
    """Drop the roles read for ``user`` (after changing its memberships in the same request)."""
    if hasattr(user, "_access_roles"):
        del user._access_roles


def _org_id(organisation: Organisation | int) -> int:
    return organisation if isinstance(organisation, int) else organisation.pk


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def may(user, action: str, organisation: Organisation | int) -> bool:
    """Whether ``user`` may do ``action`` in ``organisation``."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    role = _roles(user).get(_org_id(organisation))
    return role is not None and action in ROLE_ACTIONS[role]


def require(user, action: str, organisation: Organisation | int) -> None:
    """Raise ``NotAllowed`` unless ``user`` may do ``action`` in ``organisation``.

    A ``None`` actor is the system itself (a task, the requester's own page): services are
    called with ``actor=None`` only from such paths, which check their own conditions."""
    if user is None:
        return
    if not may(user, action, organisation):
        raise NotAllowed(str(_MESSAGES.get(action) or _("Your role does not allow this here.")))


_MESSAGES = {
    VIEW: gettext_lazy("You are not a member of this organisation."),
    WORK: gettext_lazy("Your role does not allow you to work on this organisation's "
                       "requests."),
    DECIDE: gettext_lazy("Only a compliance lead or an organisation admin of this "
                         "organisation may decide this: extend the time limit, refuse a "
                         "request in whole or in part, or lift a restriction."),
    ADMINISTER: gettext_lazy("Only an organisation admin of this organisation may change it."),
    KEEP_RECORDS: gettext_lazy("Only a compliance lead or an organisation admin of this "
                               "organisation may keep its records of processing."),
    REPORTS: gettext_lazy("Only a compliance lead of this organisation may read its reports."),
}


def organisation_ids(user, action: str) -> frozenset[int] | None:
    """The organisations where ``user`` may do ``action``; ``None`` means every one (a
    superuser)."""
    if not _active(user):
        return frozenset()
    if user.is_superuser:
        return None
    return frozenset(org for org, role in _roles(user).items() if action in ROLE_ACTIONS[role])


def may_anywhere(user, action: str) -> bool:
    """Whether ``user`` may do ``action`` in at least one organisation."""
    ids = organisation_ids(user, action)
    return ids is None or bool(ids)


def organisations(user, action: str = VIEW) -> QuerySet[Organisation]:
    """The organisations where ``user`` may do ``action``."""
    ids = organisation_ids(user, action)
    qs = Organisation.objects.all()
    return qs if ids is None else qs.filter(pk__in=ids)


def visible_requests(user, qs: QuerySet[Request] | None = None) -> QuerySet[Request]:
    """The requests ``user`` may see: the one definition of visibility."""
    qs = Request.objects.all() if qs is None else qs
    ids = organisation_ids(user, VIEW)
    return qs if ids is None else qs.filter(organisation_id__in=ids)


def scope(qs: QuerySet, user, action: str = VIEW, *,
          path: str = "organisation") -> QuerySet:
    """``qs`` narrowed to the rows whose organisation (reached through ``path``) allows
    ``action`` to ``user``."""
    ids = organisation_ids(user, action)
    return qs if ids is None else qs.filter(**{f"{path}__in": ids})


def members(organisation_ids: Iterable[int] | None):
    """Active staff users who are members of any of these organisations (``None``: of any
    organisation, as ``organisation_ids`` answers for a superuser)."""
    from django.contrib.auth import get_user_model

    qs = get_user_model().objects.filter(is_staff=True, is_active=True)
    if organisation_ids is None:
        return qs.filter(memberships__isnull=False).distinct().order_by("username")
    return (qs.filter(memberships__organisation_id__in=list(organisation_ids))
            .distinct().order_by("username"))
