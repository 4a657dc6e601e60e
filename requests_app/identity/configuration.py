"""An organisation's eID broker: its organisation admins connect it, and the requester's
pages ask whether (and with which methods) it is on.

The client secret is sealed (``crypto.seal_text``) before it is stored and opened only to
talk to the broker. Saving checks the broker's discovery document
(``.well-known/openid-configuration``): an issuer that does not answer, or answers as
another issuer, is refused there, not on a requester's first try.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from requests_app import access, crypto
from requests_app.identity import methods as eid_methods
from requests_app.models import (
    AssuranceLevel,
    EidSettings,
    Message,
    Organisation,
    Request,
    Status,
)

_SECRET_PURPOSE = "EidSettings.client_secret"


def client_secret(eid: EidSettings) -> str:
    return crypto.open_text(eid.client_secret_sealed, purpose=_SECRET_PURPOSE)


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def check_discovery(issuer: str) -> dict:
    """The broker's discovery document, checked: it answers, names the same issuer (OpenID
    Connect Discovery 1.0 §4.3), and offers the code flow with PKCE S256. Raises
    ``ValidationError`` (keyed ``issuer``) for staff otherwise."""
    import requests

    try:
        response = requests.get(discovery_url(issuer), timeout=10)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError):
        raise ValidationError({"issuer": _(
            "The broker's discovery document could not be read from %(url)s.")
            % {"url": discovery_url(issuer)}}) from None
    if str(document.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        raise ValidationError({"issuer": _(
            "The discovery document names another issuer (%(other)s).")
            % {"other": document.get("issuer", "")}})
    if "S256" not in document.get("code_challenge_methods_supported", ["S256"]):
        raise ValidationError({"issuer": _("The broker does not offer PKCE with S256.")})
    return document


def check(organisation: Organisation, *, issuer: str, client_id: str,
          client_secret: str | None, methods: list[str], level: str,
          discover: bool = True) -> None:
    """Refuse (``ValidationError`` keyed by field, for the staff form) a connection that
    cannot work: no issuer URL or client id, no method or one that cannot reach the level,
    no secret for a new connection, and (``discover``) a broker whose discovery document
    does not answer as that issuer."""
    issuer = issuer.strip()
    errors: dict[str, str] = {}
    try:
        URLValidator(schemes=["https", "http"])(issuer)
    except ValidationError:
        errors["issuer"] = _("Give the broker's issuer URL, e.g. https://yourcompany.criipto.id.")
    if not client_id.strip():
        errors["client_id"] = _("Give the client id the broker gave you.")
    unknown = [code for code in methods if code not in eid_methods.METHODS]
    if not methods or unknown:
        errors["methods"] = _("Choose at least one method.")
    if level not in AssuranceLevel.values:
        errors["level"] = _("Choose the assurance level.")
    elif methods and not unknown and not eid_methods.offered(methods, level):
        errors["methods"] = _("None of these methods reaches the assurance level "
                              "“%(level)s”.") % {"level": AssuranceLevel(level).label}
    if not client_secret and not EidSettings.objects.filter(organisation=organisation).exists():
        errors["client_secret"] = _("Give the client secret the broker gave you.")
    if errors:
        raise ValidationError(errors)
    if discover:
        check_discovery(issuer)


@transaction.atomic
def configure(organisation: Organisation, *, actor: AbstractBaseUser | None, issuer: str,
              client_id: str, client_secret: str | None, methods: list[str], level: str,
              enabled: bool = True, offer_after_confirmation: bool = True,
              advance_when_verified: bool = False, discover: bool = True) -> EidSettings:
    """Connect (or change) the organisation's broker, once ``check`` passes. Only its
    organisation admins (``access.ADMINISTER``). ``client_secret`` None or empty keeps the
    stored one (the form never shows it back); a new connection needs one.
    ``discover=False`` skips the discovery check (the demo data, written before any broker
    runs)."""
    access.require(actor, access.ADMINISTER, organisation)
    existing = EidSettings.objects.select_for_update().filter(organisation=organisation).first()
    check(organisation, issuer=issuer, client_id=client_id, client_secret=client_secret,
          methods=methods, level=level, discover=discover)
    eid = existing or EidSettings(organisation=organisation)
    eid.issuer, eid.client_id = issuer.strip(), client_id.strip()
    if client_secret:
        eid.client_secret_sealed = crypto.seal_text(client_secret, purpose=_SECRET_PURPOSE)
    eid.methods = ",".join(methods)
    eid.level = level
    eid.enabled = enabled
    eid.offer_after_confirmation = offer_after_confirmation
    eid.advance_when_verified = advance_when_verified
    eid.save()
    return eid


def active(organisation: Organisation) -> EidSettings | None:
    """The organisation's broker if it is connected and on."""
    return EidSettings.objects.filter(organisation=organisation, enabled=True).first()


def offered_methods(eid: EidSettings) -> list[eid_methods.Method]:
    return eid_methods.offered(eid.method_codes, eid.level)


def wanted(request: Request) -> bool:
    """Whether the status page asks the requester to confirm their identity with eID now:
    staff asked for identity (the request waits on an identity question, or is in the
    identity check), or the organisation offers it from the start, while the request is
    open and the requester is not verified yet."""
    if not request.is_open or request.verifications.exists():
        return False
    if request.status == Status.IDENTITY_CHECK:
        return True
    if request.status == Status.WAITING_FOR_SUBJECT:
        asked = (request.messages.filter(direction=Message.Direction.TO_SUBJECT)
                 .order_by("-created_at", "-id").first())
        if asked is not None and asked.purpose == Message.Purpose.IDENTITY:
            return True
    eid = getattr(request.organisation, "eid", None)
    return bool(eid and eid.offer_after_confirmation)
