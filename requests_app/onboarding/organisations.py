"""A new organisation, created by its own admin on the guided page, and what it puts in its
privacy policy.

Who may create one (``create_organisation``): a superuser, or the invitee of an accepted
"new organisation" invitation, once (the invitation then points at the organisation). The
creator becomes its organisation admin.
"""

from __future__ import annotations

from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _

from requests_app import access, links
from requests_app.models import (
    Country,
    Invitation,
    Membership,
    Organisation,
    SupervisoryAuthority,
)
from requests_app.onboarding import invitations

#: What the country decides by default: language, time zone and supervisory authority
#: (GDPR Art. 51, 77). The guided page fills them in; the admin may change each.
COUNTRY_DEFAULTS = {
    Country.NORWAY: {"default_language": "nb", "time_zone": "Europe/Oslo",
                     "supervisory_authority": SupervisoryAuthority.DATATILSYNET_NO},
    Country.DENMARK: {"default_language": "da", "time_zone": "Europe/Copenhagen",
                      "supervisory_authority": SupervisoryAuthority.DATATILSYNET_DK},
}

#: The fields the guided page asks for.
FIELDS = ("name", "country", "default_language", "time_zone", "supervisory_authority",
          "contact_email", "phone", "postal_address", "privacy_policy_url")


def defaults_for(country: str) -> dict:
    return dict(COUNTRY_DEFAULTS.get(country, {}))


def may_create(actor) -> bool:
    if actor is None or not actor.is_active or not actor.is_staff:
        return False
    return actor.is_superuser or invitations.pending_new_organisation(actor) is not None


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40].strip("-") or "organisation"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_organisation(*, actor, **values) -> Organisation:
    """Create the organisation from the guided page's ``values`` (``FIELDS``; missing
    language, time zone and authority come from the country) and make ``actor`` its
    organisation admin. Raises ``NotAllowed`` for anyone but a superuser or the holder of an
    unused "new organisation" invitation, ``ValidationError`` for bad values."""
    if not may_create(actor):
        raise access.NotAllowed(_("Only the person invited to set up a new organisation (or a "
                                  "superuser) may create one."))
    country = values.get("country")
    if country not in Country.values:
        raise ValidationError({"country": _("Choose Norway or Denmark.")})
    fields = {**defaults_for(country),
              **{k: v for k, v in values.items() if k in FIELDS and v not in (None, "")}}
    if fields.get("time_zone") not in available_timezones():
        raise ValidationError({"time_zone": _("Unknown time zone.")})
    organisation = Organisation(slug=_unique_slug(fields.get("name", "")), **fields)
    organisation.full_clean()
    with transaction.atomic():
        invitation = None
        if not actor.is_superuser:
            invitation = (Invitation.objects.select_for_update()
                          .filter(pk=invitations.pending_new_organisation(actor).pk,
                                  organisation=None).first())
            if invitation is None:  # used by another tab a moment ago
                raise access.NotAllowed(_("This invitation has created its organisation "
                                          "already."))
        try:
            with transaction.atomic():  # a savepoint: PostgreSQL aborts the rest otherwise
                organisation.save()
        except IntegrityError:  # a slug taken between the check and the save
            organisation.slug = _unique_slug(f"{organisation.name} {organisation.country}")
            organisation.save()
        Membership.objects.create(user=actor, organisation=organisation,
                                  role=Membership.Role.ORG_ADMIN,
                                  language=organisation.default_language)
        if invitation is not None:
            Invitation.objects.filter(pk=invitation.pk).update(organisation=organisation)
    access.forget(actor)
    return organisation


# --- The privacy policy's link and text ------------------------------------------------------


def portal_url(organisation: Organisation, language: str) -> str:
    with translation.override(language):
        return links.absolute_url(reverse("public:organisation",
                                          kwargs={"slug": organisation.slug}))


def policy_text(organisation: Organisation, language: str) -> str:
    """A paragraph for the organisation's privacy policy in ``language``: the rights
    (GDPR Art. 15-22, 7(3)), where to use them and the time limit (Art. 12(3))."""
    with translation.override(language):
        return _("You have the right to access, correct and erase your personal data, to "
                 "restrict or object to its processing, to take a copy with you, and to "
                 "withdraw consent (GDPR Articles 7(3) and 15-22). Use these rights through "
                 "our privacy portal: %(url)s. We answer within one month (Article 12(3)). "
                 "You may also complain to %(authority)s.") % {
            "url": portal_url(organisation, language),
            "authority": organisation.get_supervisory_authority_display()}


def policy_snippet(organisation: Organisation, language: str) -> str:
    """The same as HTML to paste into the privacy policy: escaped, no script, no style."""
    with translation.override(language):
        url = portal_url(organisation, language)
        return str(format_html(
            '<p>{}</p>\n<p><a href="{}">{}</a></p>',
            policy_text(organisation, language), url,
            _("Use your privacy rights: %(name)s") % {"name": organisation.name}))
