"""What a successful eID verification records and what it does to the request.

Recorded (Art. 5(1)(c), data minimisation): the party's role, the method, the level of
assurance, the time, the verified name, and the broker's subject identifier only as a keyed
hash (HMAC-SHA256 with ``EID_SUBJECT_HASH_KEY``, or a key derived from ``SECRET_KEY``), with
the organisation and the issuer in the message, so two verifications of one person at one
organisation can be seen to match, yet the hashes cannot be joined across organisations nor
tried against a list of identifiers without the key. The event log says that the identity
was verified, how, and at which level; never the identifier, nor the name.

Then the request moves through the workflow's one door (``workflow.identity_verified``): a
request waiting for the answer to an identity question stops waiting at once, so a paused
clock (Art. 12(6)) resumes the same way as when the requester answers in writing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from requests_app import events
from requests_app.casework import workflow
from requests_app.identity import methods as eid_methods
from requests_app.identity.broker import Identity
from requests_app.models import (
    AssuranceLevel,
    EidSettings,
    Event,
    IdentityVerification,
    Request,
)


def subject_hash(organisation_id: int, issuer: str, subject: str) -> str:
    """The keyed hash of the broker's subject identifier (see the module's docstring)."""
    secret = settings.EID_SUBJECT_HASH_KEY or settings.SECRET_KEY
    return salted_hmac("requests_app.identity.subject",
                       f"{organisation_id}\n{issuer.rstrip('/')}\n{subject}",
                       secret=secret, algorithm="sha256").hexdigest()


@transaction.atomic
def record(subject_request: Request, identity: Identity, *, eid: EidSettings,
           role: str = IdentityVerification.Role.REQUESTER) -> IdentityVerification:
    """Keep the verification of one party of ``subject_request`` and move the request on
    (``workflow.identity_verified``; ``EidSettings.advance_when_verified`` says whether it
    goes straight to work). No staff actor: the broker vouches for the person and the
    status link is their authority. Refused (``ValidationError``) on a closed request."""
    locked = Request.objects.select_for_update().get(pk=subject_request.pk)
    if not locked.is_open:
        raise ValidationError(_("This request is closed; it no longer takes messages."))
    verification = IdentityVerification.objects.create(
        request=locked, role=role, method=identity.method, level=identity.level,
        verified_name=identity.name,
        subject_hash=subject_hash(locked.organisation_id, eid.issuer, identity.subject))
    method = eid_methods.METHODS[identity.method]
    events.record(locked, Event.Kind.IDENTITY_VERIFIED, actor_label=events.SUBJECT,
                  from_value=IdentityVerification.Role(role).label,
                  to_value=str(method.label),
                  message=_("Level of assurance: %(level)s") % {
                      "level": AssuranceLevel(identity.level).label})
    workflow.identity_verified(subject_request, advance=eid.advance_when_verified)
    return verification
