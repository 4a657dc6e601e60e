"""The concrete outcome of each right: what the law needs before a request can be completed,
and what the requester is told was done.

Per-system outcomes live on the checklist (``ChecklistItem``: corrected, erased or kept,
recipients told); the others on ``RequestOutcome`` (restriction, objection, consent
withdrawal), written only by ``record`` so that every change is logged. ``check_complete`` is
called by ``workflow`` before a request is completed, ``summary`` is appended to the answer.

What is refused, and on which grounds, is decided here too: ``refusal_grounds`` (the grounds
a request of its type may be refused on), ``grants_less_than_asked`` (the one rule that makes
completing a partial refusal, Art. 12(4)), ``holds_no_data`` ("we hold no data about you",
an answer under Art. 15(1), not a refusal) and ``refusal_notice`` (each ground explained and
the right to complain, in the requester's language).

The suppression list (Art. 21(3)) keeps a keyed hash of each e-mail address, postal address and
phone number that objected to direct marketing, so it outlives the purge of the request without
keeping the value; each kind has its normaliser, so the same value written another way matches.
Restriction (Art. 18) ends only after the requester was told (Art. 18(3)): ``notify_lift``
first, then, once the organisation's notice period has passed, ``lift_restriction``; until then
the requester can answer on the status page (``restriction_in_force``).
``remind_restrictions_ending`` reminds staff when the end date nears.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from requests_app import access, events, notifications, selectors
from requests_app.clock import legal
from requests_app.delivery import packages
from requests_app.models import (
    ERASURE_EXEMPTIONS,
    ChecklistItem,
    Country,
    Event,
    Organisation,
    Package,
    RefusalGround,
    Reminder,
    Request,
    RequestOutcome,
    RequestType,
    RestrictionGround,
    SuppressionEntry,
    SuppressionKind,
)

logger = logging.getLogger(__name__)

State = ChecklistItem.State

#: The ``RequestOutcome`` fields each type records; other types record theirs per system.
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    RequestType.RESTRICTION: ("restricted_processing", "restriction_ground",
                              "restricted_until"),
    RequestType.OBJECTION: ("direct_marketing", "balancing", "objection_upheld"),
    RequestType.CONSENT_WITHDRAWAL: ("consent_withdrawn", "consent_withdrawn_at"),
}

#: The package an access or portability request is answered with.
PACKAGE_KIND = {RequestType.ACCESS: Package.Kind.ACCESS,
                RequestType.PORTABILITY: Package.Kind.PORTABILITY}

#: Checklist states that mean "no data of the requester there".
NO_DATA = frozenset({State.NOTHING_FOUND, State.NOT_APPLICABLE})

#: The ``Reminder`` kind of the reminder before a restriction ends (one per end date).
RESTRICTION_REMINDER = "restriction_end"

# What the public form calls the Art. 18(1) grounds, and what the outcome calls them.
_FORM_RESTRICTION_GROUNDS = {
    "accuracy_contested": RestrictionGround.ACCURACY_CONTESTED,
    "unlawful": RestrictionGround.UNLAWFUL,
    "legal_claim": RestrictionGround.LEGAL_CLAIMS,
    "objection_pending": RestrictionGround.OBJECTION_PENDING,
}


# --- The outcome record ------------------------------------------------------------------------


def asked_for_direct_marketing(request: Request) -> bool:
    """Whether the requester's own form says the objection is to direct marketing."""
    return (request.type == RequestType.OBJECTION
            and (request.details or {}).get("objection_kind") == "direct_marketing")


def outcome_of(request: Request) -> RequestOutcome:
    """The saved outcome, or an unsaved one with what the request itself says.

    An objection the requester filed as one to direct marketing counts as one until staff
    record otherwise: it needs no assessment (Art. 21(2)-(3)), so nothing has to be typed in.
    """
    outcome = RequestOutcome.objects.filter(request_id=request.pk).first()
    if outcome is None:
        outcome = RequestOutcome(request=request,
                                 direct_marketing=asked_for_direct_marketing(request))
    return outcome


def requested(request: Request) -> dict:
    """The requester's own words for the outcome fields, to show staff beside the form."""
    details = request.details or {}
    if request.type == RequestType.RESTRICTION:
        ground = _FORM_RESTRICTION_GROUNDS.get(details.get("restriction_ground", ""))
        return {"restricted_processing": details.get("processing", ""),
                "restriction_ground": ground.label if ground else ""}
    if request.type == RequestType.OBJECTION:
        return {"processing": details.get("processing", ""),
                "grounds": details.get("grounds", "")}
    if request.type == RequestType.CONSENT_WITHDRAWAL:
        return {"consent_withdrawn": details.get("consent", "")}
    return {}


@transaction.atomic
def record(request: Request, *, actor: AbstractBaseUser | None, now: datetime | None = None,
           **fields) -> RequestOutcome:
    """Record the outcome fields of a restriction, objection or consent withdrawal, logged as
    one ``OUTCOME`` event naming what changed.

    Only the fields of the request's own type are accepted, and only while the request is
    open: a closed request's outcome is the record of what was decided (lifting a restriction
    has its own steps, ``notify_lift`` and ``lift_restriction``). An objection recorded as one
    to direct marketing puts the address on the suppression list at once (see ``finish``).

    Whoever works on the organisation's requests records the outcome; finding that an
    objection is not upheld refuses it (Art. 21(1)) and is a decision (``access.DECIDE``).
    ``now``: when (default this instant), for a caller that acts at a given moment.
    """
    access.require(actor, access.WORK, request.organisation_id)
    allowed = TYPE_FIELDS.get(request.type, ())
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError(
            _("These outcome fields do not belong to a request of this type: %(fields)s.")
            % {"fields": ", ".join(unknown)})
    locked = Request.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise ValidationError(_("The request is closed; its outcome can no longer change."))
    ground = fields.get("restriction_ground")
    if ground and ground not in RestrictionGround.values:
        raise ValidationError(_("Unknown ground for restriction."))
    outcome = outcome_of(locked)
    changed = []
    for name, value in fields.items():
        if value is None and name in ("restricted_processing", "restriction_ground",
                                      "balancing", "consent_withdrawn"):
            value = ""
        if getattr(outcome, name) != value:
            setattr(outcome, name, value)
            changed.append(name)
    if not changed and outcome.pk is not None:
        return outcome
    if "objection_upheld" in changed and outcome.objection_upheld is False:
        access.require(actor, access.DECIDE, request.organisation_id)
    outcome.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    outcome.updated_at = now or timezone.now()
    outcome.save()
    events.record(locked, Event.Kind.OUTCOME, actor=actor, to_value=", ".join(changed),
                  message="\n".join(_describe(outcome, name) for name in changed),
                  at=outcome.updated_at)
    if request.type == RequestType.OBJECTION and outcome.direct_marketing:
        _suppress_requester(locked, now=outcome.updated_at)
    return outcome


def _describe(outcome: RequestOutcome, name: str) -> str:
    """"label: value" of one outcome field, for the event log (purged with the request)."""
    field = RequestOutcome._meta.get_field(name)
    value = getattr(outcome, name)
    if field.choices and value:
        value = dict(field.choices).get(value, value)
    elif isinstance(value, bool):
        value = _("yes") if value else _("no")
    elif value is None:
        value = "–"
    return f"{field.verbose_name}: {value}"


# --- What completing needs -----------------------------------------------------------------------


def missing(request: Request, *, today: date | None = None) -> list[str]:
    """What is still missing before ``request`` may be completed, in words for staff."""
    today = today or legal.today_for(request)
    items = list(request.checklist.all())
    outcome = outcome_of(request)
    check = {
        RequestType.RECTIFICATION: _missing_rectification,
        RequestType.ERASURE: _missing_erasure,
        RequestType.RESTRICTION: _missing_restriction,
        RequestType.OBJECTION: _missing_objection,
        RequestType.CONSENT_WITHDRAWAL: _missing_consent,
        RequestType.ACCESS: _missing_package,
        RequestType.PORTABILITY: _missing_package,
    }[request.type]
    return check(request, items, outcome, today)


def check_complete(request: Request, *, today: date | None = None) -> None:
    """Refuse (``ValidationError``, one message per gap) to complete a request whose outcome
    the law's article does not yet have. Called by ``workflow`` before it completes, with
    the day it completes where the organisation is (default: today)."""
    gaps = missing(request, today=today)
    if gaps:
        raise ValidationError(gaps)


def _missing_rectification(request, items, outcome, today) -> list[str]:
    # Art. 16: what was wrong and what it says now, per system corrected; a system whose
    # data was found accurate is left unchanged (``kept_ground``), a partial refusal.
    return [_("%(system)s: write what was wrong and what it says now (GDPR Art. 16).")
            % {"system": item.system_name}
            for item in items if item.state == State.DONE and not item.kept_ground
            and not (item.value_before.strip() and item.value_after.strip())]


def _missing_erasure(request, items, outcome, today) -> list[str]:
    # Art. 17(1): erased; or Art. 17(3): kept on a named ground, until a named date.
    gaps = []
    for item in items:
        if item.state in NO_DATA:
            continue
        if item.kept_ground and not item.kept_until:
            gaps.append(_("%(system)s: say until when the data is kept (GDPR Art. 17(3)).")
                        % {"system": item.system_name})
        elif item.kept_ground and item.kept_until < today:
            gaps.append(_("%(system)s: the data was to be kept only until %(date)s; erase it "
                          "now.") % {"system": item.system_name,
                                     "date": formats.date_format(item.kept_until)})
        elif item.kept_until and not item.kept_ground:
            gaps.append(_("%(system)s: name the ground on which the data is kept (GDPR "
                          "Art. 17(3)), or clear the date if it was erased.")
                        % {"system": item.system_name})
        elif not item.kept_ground and item.state != State.DONE:
            gaps.append(_("%(system)s: erase the data (and mark it done), or name the ground "
                          "and date until which it is kept (GDPR Art. 17(3)).")
                        % {"system": item.system_name})
    return gaps


def _missing_restriction(request, items, outcome, today) -> list[str]:
    # Art. 18: which processing, on which ground of 18(1), until when.
    gaps = []
    if not outcome.restricted_processing.strip():
        gaps.append(_("Say which processing is restricted (GDPR Art. 18)."))
    if not outcome.restriction_ground:
        gaps.append(_("Name the ground for the restriction (GDPR Art. 18(1)(a)-(d))."))
    if outcome.restricted_until is None:
        gaps.append(_("Say until when the processing is restricted."))
    elif outcome.restricted_until < today:
        gaps.append(_("The restriction's end date has passed; set the date it really ends."))
    return gaps


def _missing_objection(request, items, outcome, today) -> list[str]:
    # Art. 21(2)-(3): direct marketing always succeeds, with no assessment.
    if outcome.direct_marketing:
        if (not request.purged_at and not suppression_values(request)
                and not request.events.filter(kind=Event.Kind.SUPPRESSED).exists()):
            return [_("No e-mail address, postal address or phone number of the requester is "
                      "known, so nothing can go on the suppression list: add what the "
                      "requester wants kept free of marketing.")]
        return []
    # Art. 21(1): the balancing of the requester's situation against the grounds.
    gaps = []
    if not outcome.balancing.strip():
        gaps.append(_("Write the balancing of the requester's situation against the "
                      "organisation's grounds (GDPR Art. 21(1))."))
    if outcome.objection_upheld is None:
        gaps.append(_("Record whether the objection is upheld."))
    elif outcome.objection_upheld is False:
        gaps.append(_("The objection is not upheld: refuse the request on the ground "
                      "“%(ground)s” instead; the refusal tells the requester of the right to "
                      "complain.") % {"ground": RefusalGround.OBJECTION_COMPELLING_GROUNDS.label})
    return gaps


def _missing_consent(request, items, outcome, today) -> list[str]:
    # Art. 7(3): which consent, when withdrawn; the checklist says where it was updated.
    gaps = []
    if not outcome.consent_withdrawn.strip():
        gaps.append(_("Say which consent was withdrawn (GDPR Art. 7(3))."))
    if outcome.consent_withdrawn_at is None:
        gaps.append(_("Say when the consent was withdrawn."))
    if items and not any(item.state == State.DONE for item in items):
        gaps.append(_("Mark the systems where the consent was recorded and has been updated "
                      "as done."))
    return gaps


def _missing_package(request, items, outcome, today) -> list[str]:
    # Art. 15(3) and 20(1): the copy itself, unless no system holds anything.
    if all(item.state in NO_DATA for item in items):
        return []
    kind = PACKAGE_KIND[request.type]
    if ready_package(request) is None:
        return [_("Build the “%(package)s” for the requester; it must be ready before the "
                  "request is completed.") % {"package": Package.Kind(kind).label}]
    return []


def ready_package(request: Request) -> Package | None:
    """The newest ready package of the kind the request's type is answered with."""
    kind = PACKAGE_KIND.get(request.type)
    if kind is None:
        return None
    return (Package.objects.filter(request_id=request.pk, kind=kind,
                                   state=Package.State.READY)
            .order_by("-ready_at", "-id").first())


# --- Completing ------------------------------------------------------------------------------


def finish(request: Request, *, actor: AbstractBaseUser | None,
           now: datetime | None = None) -> None:
    """What completing does beyond the answer: the ready packages go to the requester
    (``packages.deliver``), and an objection to direct marketing puts the requester's e-mail
    address, postal address and phone number on the suppression list
    (``suppression_values``).

    When: at the latest on completion, and already when staff record the objection as one to
    direct marketing (``record``). Not at confirmation: the list is kept for good (it survives
    the purge), so an entry is only made once a handler has seen that the request really is an
    objection to direct marketing, from the address it was filed with; a withdrawn or
    mistaken request leaves nothing behind. The one-month limit of Art. 12(3) applies to this
    as to any request, and the handler can make it effective the same day.
    """
    if request.type == RequestType.OBJECTION and outcome_of(request).direct_marketing:
        _suppress_requester(request, now=now)
    packages.deliver(request, now)


def _suppress_requester(request: Request, *, now: datetime | None = None) -> None:
    for kind, value in suppression_values(request):
        suppress(request.organisation, value, kind=kind, request=request, now=now)


def suppression_values(request: Request) -> list[tuple[str, str]]:
    """(kind, value) of each contact detail of the requester that an objection to direct
    marketing puts on the suppression list: the e-mail address, the postal address (the
    public form asks for it when the marketing comes by post; staff register it from a
    letter) and the phone number, where known and readable.

    All of them, whichever channel the requester named: Art. 21(3) says the data "shall no
    longer be processed" for direct marketing, so an objection stops marketing by every
    channel, not only the one it was sent about."""
    country = request.organisation.country
    found = [(SuppressionKind.EMAIL, request.subject_email),
             (SuppressionKind.POSTAL, (request.details or {}).get("postal_address", "")),
             (SuppressionKind.PHONE, request.subject_phone)]
    return [(kind, value) for kind, value in found
            if value and normalise(kind, value, country=country)]


# --- The suppression list ------------------------------------------------------------------

#: The international calling codes of the countries whose organisations the portal serves.
CALLING_CODES = {"NO": "47", "DK": "45"}
#: What people put between the digits of a phone number.
_PHONE_SEPARATORS = re.compile(r"[\s().\-/]+")
#: "N-0150", "NO-0150", "NO 0150", "DK-2500", "DK2500": a country prefix before a postcode.
_POSTCODE_PREFIX = re.compile(r"\b(?:n|no|nor|dk|dnk)[\s-]*(?=\d{4}\b)")
#: A country name written at the end of an address.
_COUNTRY_AT_END = re.compile(r"\s(?:norge|noreg|norway|danmark|denmark)$")


def normalise_email(email: str) -> str:
    """The form an address is hashed in: no surrounding space, lower case."""
    return (email or "").strip().lower()


def normalise_phone(phone: str, *, country: str = "") -> str:
    """The E.164 form a phone number is hashed in (``+4791234567``), or "" if it is none.

    Spaces, dots, dashes, slashes and parentheses are dropped and ``00`` counts as ``+``.
    Norwegian and Danish numbers have eight digits and no trunk prefix, so eight digits are
    a national number of ``country`` (the organisation's) and ten digits starting with 47
    or 45 a Norwegian or Danish number written without its plus sign."""
    text = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", phone or ""))
    if text.startswith("00"):
        text = "+" + text[2:]
    international = text.startswith("+")
    digits = text[1:] if international else text
    if not re.fullmatch(r"[0-9]+", digits):
        return ""
    if international:
        return f"+{digits}" if 7 <= len(digits) <= 15 else ""
    if len(digits) == 10 and digits[:2] in CALLING_CODES.values():
        return f"+{digits}"
    if len(digits) == 8 and country in CALLING_CODES:
        return f"+{CALLING_CODES[country]}{digits}"
    return ""


def normalise_postal_address(address: str) -> str:
    """The form a postal address is hashed in, so that the same address written another way
    (on the requester's letter, in the form, in the columns of a marketing list) gives the
    same hash.

    Steps: Unicode compatibility forms and case folded; a country prefix before a postcode
    dropped (``N-0150``, ``NO-0150``, ``DK-2500``); every punctuation mark and line break
    made a space (``Storgata 1, 0150 Oslo`` = ``Storgata 1\n0150 OSLO``); runs of spaces
    made one; a country name at the end dropped; a house letter joined to its number
    (``12 B`` = ``12b``); and a last number of three digits after an earlier number given
    back the leading zero that spreadsheets take from Norwegian postcodes (``150 Oslo`` =
    ``0150 Oslo``; Danish postcodes never start with 0). Words are not expanded: "gt." and
    "gate" stay different, so check a list in the form the marketing is addressed in."""
    text = unicodedata.normalize("NFKC", address or "").casefold()
    text = _POSTCODE_PREFIX.sub("", text)
    text = " ".join(re.sub(r"[\W_]+", " ", text).split())
    text = _COUNTRY_AT_END.sub("", text)
    text = re.sub(r"\b(\d+) ([a-zæøå])\b", r"\1\2", text)
    numbers = list(re.finditer(r"\b\d+\b", text))
    if len(numbers) >= 2 and len(numbers[-1].group()) == 3:
        last = numbers[-1]
        text = f"{text[:last.start()]}0{last.group()}{text[last.end():]}"
    return text


def normalise(kind: str, value: str, *, country: str = "") -> str:
    """``value`` in the form its kind is hashed in ("" if it is not one of that kind)."""
    if kind == SuppressionKind.POSTAL:
        return normalise_postal_address(value)
    if kind == SuppressionKind.PHONE:
        return normalise_phone(value, country=country)
    return normalise_email(value)


def value_hash(organisation: Organisation | int, value: str, *,
               kind: str = SuppressionKind.EMAIL) -> str:
    """HMAC-SHA256 of the organisation's id, the kind and the normalised value.

    The key is ``SUPPRESSION_HASH_KEY`` or, if that is empty, one derived from ``SECRET_KEY``
    (so set ``SUPPRESSION_HASH_KEY`` in production: rotating ``SECRET_KEY`` would otherwise
    make every entry unmatchable). Without the key the hashes cannot be tried against a list
    of addresses or numbers; with the organisation in the message two organisations' lists
    cannot be joined to see who objected to both. The kind is in the message of postal
    addresses and phone numbers (not of e-mail addresses, whose hashes predate the kinds and
    must stay matchable), so values of two kinds never share an entry."""
    if isinstance(organisation, int) and kind == SuppressionKind.PHONE:
        organisation = Organisation.objects.only("pk", "country").get(pk=organisation)
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    country = "" if isinstance(organisation, int) else organisation.country
    normalised = normalise(kind, value, country=country)
    message = (f"{org_id}\n{normalised}" if kind == SuppressionKind.EMAIL
               else f"{org_id}\n{kind}\n{normalised}")
    secret = settings.SUPPRESSION_HASH_KEY or settings.SECRET_KEY
    return salted_hmac("requests_app.outcomes.suppression", message,
                       secret=secret, algorithm="sha256").hexdigest()


def email_hash(organisation: Organisation | int, email: str) -> str:
    """The keyed hash of an e-mail address (``value_hash`` of kind e-mail)."""
    return value_hash(organisation, email, kind=SuppressionKind.EMAIL)


def _unreadable(kind: str) -> str:
    return {
        SuppressionKind.EMAIL: _("An e-mail address is needed for the suppression list."),
        SuppressionKind.POSTAL: _("A postal address is needed for the suppression list."),
        SuppressionKind.PHONE: _("This is not a phone number the suppression list can keep: "
                                 "give it with its country code, for example +47 912 34 567."),
    }[kind]


def suppress(organisation: Organisation, value: str, *, kind: str = SuppressionKind.EMAIL,
             request: Request | None = None, now: datetime | None = None) -> SuppressionEntry:
    """Put an e-mail address, postal address or phone number on the organisation's
    suppression list (Art. 21(3)). Idempotent: a value already listed keeps its entry; each
    request logs ``SUPPRESSED`` once per value. ``now``: when (default this instant)."""
    now = now or timezone.now()
    if kind not in SuppressionKind.values:
        raise ValidationError(_("Unknown kind of value for the suppression list."))
    if not normalise(kind, value, country=organisation.country):
        raise ValidationError(_unreadable(kind))
    digest = value_hash(organisation, value, kind=kind)
    with transaction.atomic():
        try:
            with transaction.atomic():
                entry, created = SuppressionEntry.objects.get_or_create(
                    organisation=organisation, email_hash=digest,
                    defaults={"request": request, "kind": kind, "added_at": now})
        except IntegrityError:  # listed by a concurrent call a moment ago
            entry, created = SuppressionEntry.objects.get(organisation=organisation,
                                                          email_hash=digest), False
        if request is not None and not request.events.filter(
                kind=Event.Kind.SUPPRESSED, to_value=digest[:12]).exists():
            # The hash prefix identifies the entry; the value is never logged, its kind is.
            events.record(request, Event.Kind.SUPPRESSED, to_value=digest[:12],
                          from_value="" if created else "already listed",
                          message=str(SuppressionKind(kind).label), at=now)
    return entry


def is_suppressed(organisation: Organisation, value: str, *,
                  kind: str = SuppressionKind.EMAIL,
                  actor: AbstractBaseUser | None) -> bool:
    """Whether an e-mail address, postal address or phone number is on the organisation's
    suppression list: for whoever may see the organisation's requests."""
    access.require(actor, access.VIEW, organisation)
    if not normalise(kind, value, country=organisation.country):
        return False
    return SuppressionEntry.objects.filter(
        organisation=organisation,
        email_hash=value_hash(organisation, value, kind=kind)).exists()


def suppressed_among(organisation: Organisation, values: Iterable[str], *,
                     kind: str = SuppressionKind.EMAIL,
                     actor: AbstractBaseUser | None) -> set[str]:
    """The values of ``values`` (all of one kind) that are on the organisation's list
    (Art. 21(3)), for a marketing list checked before a mailing: one query per thousand
    values, nothing stored. Values are returned as given. For whoever may see the
    organisation's requests."""
    access.require(actor, access.VIEW, organisation)
    suppressed: set[str] = set()
    batch: dict[str, list[str]] = {}

    def check() -> None:
        found = SuppressionEntry.objects.filter(organisation=organisation,
                                                email_hash__in=list(batch))
        for digest in found.values_list("email_hash", flat=True):
            suppressed.update(batch[digest])
        batch.clear()

    for value in values:
        if normalise(kind, value, country=organisation.country):
            batch.setdefault(value_hash(organisation, value, kind=kind), []).append(value)
            if len(batch) >= 1000:
                check()
    if batch:
        check()
    return suppressed


# --- Restriction: telling the requester, lifting, and the reminder --------------------------


def _restriction(request: Request, *, lock: bool) -> RequestOutcome:
    qs = RequestOutcome.objects.filter(request_id=request.pk)
    if lock:
        qs = qs.select_for_update()
    outcome = qs.first()
    if (request.type != RequestType.RESTRICTION or outcome is None
            or not outcome.restricted_processing):
        raise ValidationError(_("No restriction of processing is recorded for this request."))
    if outcome.lifted_at is not None:
        raise ValidationError(_("The restriction was lifted on %(date)s.") % {
            "date": formats.date_format(timezone.localtime(outcome.lifted_at))})
    return outcome


def restriction_in_force(request: Request) -> bool:
    """Whether ``request`` restricted processing (Art. 18) that is not lifted yet.

    Such a request takes the requester's messages on the status page although it is closed:
    the notice before lifting (Art. 18(3)) asks them to answer there, and the answer must
    reach staff until the restriction is lifted."""
    return (request.type == RequestType.RESTRICTION
            and RequestOutcome.objects.filter(request_id=request.pk, lifted_at__isnull=True)
            .exclude(restricted_processing="").exists())


def lift_from(outcome: RequestOutcome, organisation: Organisation) -> date | None:
    """The first day the restriction may be lifted, or None before the requester is told.

    The date the notice stated (``lift_not_before``); for a notice sent before that date was
    kept, the organisation's notice period counted from the day it was sent."""
    if outcome.lift_notice_sent_at is None:
        return None
    if outcome.lift_not_before is not None:
        return outcome.lift_not_before
    return (legal.today_in(organisation.time_zone, outcome.lift_notice_sent_at)
            + timedelta(days=organisation.restriction_lift_notice_days))


def announced_lift(request: Request) -> date | None:
    """For the status page: the day from which a restriction in force may be lifted, as the
    requester was told, or None (no notice yet, lifted already, or no restriction)."""
    if request.type != RequestType.RESTRICTION:
        return None
    outcome = RequestOutcome.objects.filter(request_id=request.pk,
                                            lifted_at__isnull=True).first()
    return lift_from(outcome, request.organisation) if outcome else None


@transaction.atomic
def notify_lift(request: Request, *, actor: AbstractBaseUser | None) -> RequestOutcome:
    """Tell the requester, by e-mail, that the restriction will be lifted (Art. 18(3)), and
    from which day: today plus the organisation's ``restriction_lift_notice_days``, so they
    have time to answer on the status page, which takes their messages until the lifting.
    Needs an e-mail address: without one, tell them by phone or letter first and record it
    on the request's address before using this. Announcing the end of a restriction is a
    decision (``access.DECIDE``), as is lifting it."""
    access.require(actor, access.DECIDE, request.organisation_id)
    outcome = _restriction(request, lock=True)
    if outcome.lift_notice_sent_at is not None:
        raise ValidationError(_("The requester was already told, on %(date)s.") % {
            "date": formats.date_format(timezone.localtime(outcome.lift_notice_sent_at))})
    request = Request.objects.select_related("organisation").get(pk=request.pk)
    if not request.subject_email:
        raise ValidationError(_("No e-mail address is known for the requester: the notice "
                                "cannot be sent."))
    organisation = request.organisation
    outcome.lift_notice_sent_at = timezone.now()
    outcome.lift_not_before = (legal.organisation_today(organisation)
                               + timedelta(days=organisation.restriction_lift_notice_days))
    notifications.restriction_lift_email(request, outcome)
    outcome.save(update_fields=["lift_notice_sent_at", "lift_not_before"])
    events.record(request, Event.Kind.RESTRICTION_LIFT_NOTICE, actor=actor,
                  to_value=outcome.restricted_until or "",
                  message=f"lift from {outcome.lift_not_before.isoformat()}")
    return outcome


@transaction.atomic
def lift_restriction(request: Request, *, actor: AbstractBaseUser | None) -> RequestOutcome:
    """Lift the restriction: a decision (``access.DECIDE``), refused until the requester was
    told (Art. 18(3)) and the notice period the notice stated has passed (``lift_from``),
    so the requester had time to answer."""
    access.require(actor, access.DECIDE, request.organisation_id)
    outcome = _restriction(request, lock=True)
    if outcome.lift_notice_sent_at is None:
        raise ValidationError(_("Tell the requester first: a restriction may only be lifted "
                                "after the requester was told (GDPR Art. 18(3))."))
    organisation = Organisation.objects.get(pk=request.organisation_id)
    earliest = lift_from(outcome, organisation)
    if legal.organisation_today(organisation) < earliest:
        raise ValidationError(
            _("The requester was told on %(told)s that the restriction will be lifted on "
              "%(date)s at the earliest, so that they can answer first (GDPR Art. 18(3)). "
              "It can be lifted from that day.") % {
                "told": formats.date_format(legal.today_in(organisation.time_zone,
                                                           outcome.lift_notice_sent_at)),
                "date": formats.date_format(earliest)})
    outcome.lifted_at = timezone.now()
    outcome.save(update_fields=["lifted_at"])
    events.record(request, Event.Kind.RESTRICTION_LIFTED, actor=actor)
    return outcome


def restrictions_ending(now: datetime | None = None) -> list[int]:
    """Requests whose restriction is in force (not lifted, requester not yet told) and ends
    within the organisation's ``restriction_notice_days``, not yet reminded of that date.

    One condition per organisation (there are few), on the partial index over
    ``restricted_until``."""
    now = now or timezone.now()
    condition = Q(pk__in=[])
    for org in Organisation.objects.only("pk", "time_zone", "restriction_notice_days"):
        horizon = (legal.organisation_today(org, now)
                   + timedelta(days=org.restriction_notice_days))
        condition |= Q(request__organisation_id=org.pk, restricted_until__lte=horizon)
    reminded = Reminder.objects.filter(request_id=OuterRef("request_id"),
                                       kind=RESTRICTION_REMINDER,
                                       for_due_date=OuterRef("restricted_until"))
    return list(RequestOutcome.objects
                .filter(restricted_until__isnull=False, lifted_at__isnull=True,
                        lift_notice_sent_at__isnull=True, request__purged_at__isnull=True,
                        request__type=RequestType.RESTRICTION)
                .filter(condition).filter(~Exists(reminded))
                .values_list("request_id", flat=True))


def remind_restrictions_ending(now: datetime | None = None) -> int:
    """Remind staff once per restriction end date, so the requester is told before the
    restriction is lifted (Art. 18(3)). Returns how many reminders were sent.

    Exactly once, as in ``reminders``: the unique ``Reminder`` row (request, kind, end date)
    is inserted in the same transaction as the outbox e-mails and the event; a second sweep,
    a retried task or a second beat finds it taken. A new end date gives a new key."""
    sent = 0
    for request_id in restrictions_ending(now):
        with transaction.atomic():
            request = (Request.objects.select_for_update(of=("self",))
                       .select_related("organisation", "assignee").get(pk=request_id))
            outcome = RequestOutcome.objects.get(request_id=request_id)
            if outcome.lifted_at or outcome.lift_notice_sent_at or not outcome.restricted_until:
                continue
            try:
                with transaction.atomic():
                    claim = Reminder.objects.create(request=request, kind=RESTRICTION_REMINDER,
                                                    for_due_date=outcome.restricted_until)
            except IntegrityError:
                continue
            people = selectors.staff_recipients(request)
            for email, language in people:
                notifications.restriction_end_email(request, outcome, to=email,
                                                    language=language)
            claim.recipients = ", ".join(email for email, _lang in people)
            claim.save(update_fields=["recipients"])
            events.record(request, Event.Kind.REMINDER_SENT, to_value=claim.recipients,
                          message=RESTRICTION_REMINDER)
            sent += 1
    if sent:
        logger.info("Restriction reminders sent: %d.", sent)
    return sent


# --- What the requester is told ----------------------------------------------------------------


def summary(request: Request) -> str:
    """What was done, in plain text in the requester's language: appended to the answer.

    One template per type (``requests_app/outcomes/<type>.txt``). Empty when there is
    nothing to report beyond the answer itself (e.g. no system was searched)."""
    context = summary_context(request)
    with translation.override(request.language):
        text = render_to_string(f"requests_app/outcomes/{request.type}.txt", context)
    return _tidy(text)


def summary_context(request: Request) -> dict:
    items = list(request.checklist.order_by("system_name", "id"))
    with_data = [item for item in items if item.state not in NO_DATA]
    package = ready_package(request)
    package_until = None
    if package is not None and package.expires_at:
        zone = ZoneInfo(request.organisation.time_zone)
        package_until = package.expires_at.astimezone(zone).date()
    return {
        "request": request,
        "organisation": request.organisation,
        "outcome": outcome_of(request),
        "items": items,
        "with_data": with_data,
        "without_data": [item for item in items if item.state in NO_DATA],
        "done": [item for item in items if item.state == State.DONE],
        "kept": [item for item in with_data if item.kept_ground],
        "erased": [item for item in with_data
                   if item.state == State.DONE and not item.kept_ground],
        "corrected": [item for item in with_data
                      if item.state == State.DONE and not item.kept_ground],
        "told": [item for item in with_data if item.recipients_told.strip()],
        "package": package,
        "package_until": package_until,
        **_listed(request),
    }


def _listed(request: Request) -> dict:
    """What of the requester is on the suppression list, in words for the objection's
    answer: ``listed`` ("your postal address and your phone number"), and whether it goes
    beyond the e-mail address (the answer then names each)."""
    if request.type != RequestType.OBJECTION:
        return {}
    words = {SuppressionKind.EMAIL: _("your e-mail address"),
             SuppressionKind.POSTAL: _("your postal address"),
             SuppressionKind.PHONE: _("your phone number")}
    kinds = [kind for kind, _value in suppression_values(request)]
    return {"listed": get_text_list([words[kind] for kind in kinds], _("and")),
            "listed_beyond_email": any(kind != SuppressionKind.EMAIL for kind in kinds)}


def _tidy(text: str) -> str:
    """Templates leave blank lines and trailing spaces where tags were: tidy them away."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- Refusals: the grounds per type, what grants less than was asked, what the requester is told


G = RefusalGround

#: The grounds a request of each type may be refused on, wholly or in part, beyond those of
#: every right (``COMMON_GROUNDS``). Art. 12(5) covers the rights of Art. 15-22, not the
#: withdrawal of consent (Art. 7(3)), which the requester may always make; the national
#: restrictions (Art. 23) of Norway and Denmark restrict the right of access
#: (personopplysningsloven § 16 and databeskyttelsesloven § 22 cover Art. 13-15), so they are
#: offered for access only, and only the one of the organisation's own country.
TYPE_GROUNDS: dict[str, tuple[RefusalGround, ...]] = {
    RequestType.ACCESS: (G.RIGHTS_OF_OTHERS,),
    RequestType.RECTIFICATION: (G.RECTIFICATION_ACCURATE,),
    RequestType.ERASURE: (G.ERASURE_NO_GROUND,
                          *(RefusalGround(value) for value, _label in ERASURE_EXEMPTIONS)),
    RequestType.RESTRICTION: (G.RESTRICTION_NOT_MET,),
    RequestType.PORTABILITY: (G.PORTABILITY_NOT_APPLICABLE, G.RIGHTS_OF_OTHERS),
    RequestType.OBJECTION: (G.OBJECTION_COMPELLING_GROUNDS, G.OBJECTION_NOT_APPLICABLE),
    RequestType.CONSENT_WITHDRAWAL: (),
}
COMMON_GROUNDS = (G.MANIFESTLY_UNFOUNDED, G.EXCESSIVE)
NATIONAL_GROUNDS = {Country.NORWAY: G.NATIONAL_RESTRICTION_NO,
                    Country.DENMARK: G.NATIONAL_RESTRICTION_DK}
NATIONAL_GROUND_TYPES = frozenset({RequestType.ACCESS})


def refusal_grounds(request: Request) -> list[RefusalGround]:
    """The grounds on which ``request`` may be refused, wholly or in part: the identity
    (Art. 11(2), 12(2) and 12(6), every right), Art. 12(5) (the rights of Art. 15-22), and the
    grounds of its own right (none for an objection to direct marketing). ``workflow.refuse``
    accepts no other; the refusal page offers only these."""
    grounds: list[RefusalGround] = [G.IDENTITY_NOT_CONFIRMED]
    if request.type != RequestType.CONSENT_WITHDRAWAL:
        grounds += COMMON_GROUNDS
    # An objection to direct marketing always succeeds (Art. 21(2)-(3)): no ground of
    # Art. 21(1) applies to it.
    marketing = (request.type == RequestType.OBJECTION
                 and outcome_of(request).direct_marketing)
    if not marketing:
        grounds += TYPE_GROUNDS[request.type]
    national = NATIONAL_GROUNDS.get(request.organisation.country)
    if national and request.type in NATIONAL_GROUND_TYPES:
        grounds.append(national)
    return grounds


#: What the requester is told of each ground, in their language: the law in plain words, so
#: the refusal's reasons (Art. 12(4)) never rest on the staff's own text alone.
GROUND_TEXTS = {
    G.MANIFESTLY_UNFOUNDED: gettext_lazy(
        "We have found your request manifestly unfounded. The GDPR allows us to refuse to act "
        "on such a request (Article 12(5))."),
    G.EXCESSIVE: gettext_lazy(
        "We have found your request excessive, in particular because it repeats earlier "
        "requests. The GDPR allows us to refuse to act on such a request (Article 12(5))."),
    G.IDENTITY_NOT_CONFIRMED: gettext_lazy(
        "We could not confirm that you are the person the data is about. We may not act on a "
        "request until we know who is asking, so that no one else receives or changes your "
        "data (GDPR Articles 11(2), 12(2) and 12(6)). You are welcome to ask again with the "
        "information we asked for."),
    G.ERASURE_NO_GROUND: gettext_lazy(
        "The right to erasure applies only in the cases GDPR Article 17(1) lists, for "
        "example when the data is no longer needed for the purpose it was collected for, or "
        "when you withdraw the consent the processing rests on. None of them applies: we "
        "still need the data for the purpose it was collected for."),
    G.ERASURE_FREEDOM_OF_EXPRESSION: gettext_lazy(
        "The right to erasure does not apply where the processing is necessary for "
        "exercising the right of freedom of expression and information (GDPR "
        "Article 17(3)(a))."),
    G.ERASURE_LEGAL_OBLIGATION: gettext_lazy(
        "The right to erasure does not apply where the law requires us to keep the data, for "
        "example the bookkeeping rules (GDPR Article 17(3)(b))."),
    G.ERASURE_PUBLIC_HEALTH: gettext_lazy(
        "The right to erasure does not apply where the processing is necessary for reasons "
        "of public interest in the area of public health (GDPR Article 17(3)(c))."),
    G.ERASURE_ARCHIVING: gettext_lazy(
        "The right to erasure does not apply where the data is needed for archiving in the "
        "public interest, for scientific or historical research or for statistics, and "
        "erasing it would make that impossible or seriously impair it (GDPR "
        "Article 17(3)(d))."),
    G.ERASURE_LEGAL_CLAIMS: gettext_lazy(
        "The right to erasure does not apply where the data is needed to establish, exercise "
        "or defend legal claims (GDPR Article 17(3)(e))."),
    G.RECTIFICATION_ACCURATE: gettext_lazy(
        "You have the right to have inaccurate data about you corrected (GDPR Article 16). "
        "We have checked the data and found it accurate, so we have not changed it."),
    G.RESTRICTION_NOT_MET: gettext_lazy(
        "The right to restriction of processing applies only in the cases GDPR Article 18(1) "
        "lists: while you contest the accuracy of the data, when the processing is unlawful, "
        "when we no longer need the data but you need it for legal claims, or while your "
        "objection is being assessed. None of them applies to your request."),
    G.OBJECTION_COMPELLING_GROUNDS: gettext_lazy(
        "We have weighed your objection against our grounds for the processing (GDPR "
        "Article 21(1)). We have compelling legitimate grounds that override your interests, "
        "rights and freedoms, or we need the data for legal claims, so the processing "
        "continues."),
    G.OBJECTION_NOT_APPLICABLE: gettext_lazy(
        "The right to object under GDPR Article 21(1) applies only to processing that rests "
        "on a task in the public interest or on legitimate interests (Article 6(1)(e) or "
        "(f)). The processing you objected to rests on another legal basis, so the right to "
        "object does not apply to it. An objection to direct marketing always applies "
        "(Article 21(2))."),
    G.PORTABILITY_NOT_APPLICABLE: gettext_lazy(
        "The right to data portability applies only to data you gave us that we process by "
        "automated means on the basis of your consent or a contract with you (GDPR "
        "Article 20(1)). That is not the case for the data your request concerns."),
    G.RIGHTS_OF_OTHERS: gettext_lazy(
        "We may not give you a copy that would adversely affect the rights and freedoms of "
        "others, for example data about other people (GDPR Articles 15(4) and 20(4))."),
    G.NATIONAL_RESTRICTION_NO: gettext_lazy(
        "The Norwegian Personal Data Act (personopplysningsloven) section 16 restricts the "
        "right of access for certain data, as GDPR Article 23 allows, and it applies to the "
        "data your request concerns."),
    G.NATIONAL_RESTRICTION_DK: gettext_lazy(
        "The Danish Data Protection Act (databeskyttelsesloven) section 22 restricts the "
        "right of access where your interest in the information must yield to decisive "
        "considerations of private or public interests, as GDPR Article 23 allows, and it "
        "applies to the data your request concerns."),
}


def ground_text(ground: str) -> str:
    """The requester's explanation of one ground, in the active language."""
    return str(GROUND_TEXTS[RefusalGround(ground)])


def grants_less_than_asked(request: Request) -> list[str]:
    """The grounds on which completing ``request`` as recorded grants less than was asked;
    empty when it grants everything. The one rule that makes completing a partial refusal
    (Art. 12(4)): ``workflow.complete`` then needs ``access.DECIDE``, tells the requester the
    grounds and the right to complain, and records it as partly refused.

    - Erasure: a system keeps data on an Art. 17(3) ground.
    - Rectification: a system's data was left unchanged because it is accurate (Art. 16).

    An objection found not upheld grants nothing: it is refused wholly, through
    ``workflow.refuse`` (``missing`` says so), as is a restriction whose Art. 18(1) conditions
    are not met.
    """
    if request.type not in (RequestType.ERASURE, RequestType.RECTIFICATION):
        return []
    grounds: list[str] = []
    for item in request.checklist.order_by("system_name", "id"):
        if item.kept_ground and item.state not in NO_DATA and item.kept_ground not in grounds:
            grounds.append(item.kept_ground)
    return grounds


#: The rights whose answer is per system: searching every system and finding nothing answers
#: them with "we hold no data about you".
PER_SYSTEM_TYPES = frozenset({RequestType.ACCESS, RequestType.PORTABILITY,
                              RequestType.RECTIFICATION, RequestType.ERASURE})


def holds_no_data(request: Request) -> bool:
    """Whether the answer to ``request`` is "we hold no data about you": every system on its
    checklist was searched and none holds any. An answer under Art. 15(1), not a refusal:
    the request is completed, and ``Request.no_data_held`` lets the reports count it apart."""
    if request.type not in PER_SYSTEM_TYPES:
        return False
    states = [item.state for item in request.checklist.all()]
    return (bool(states) and all(state in NO_DATA for state in states)
            and State.NOTHING_FOUND in states)


def refusal_notice(request: Request, *, grounds: Iterable[str]) -> str:
    """What ends every answer that refuses something, wholly or in part (Art. 12(4)), in
    the requester's language: each ground explained (``GROUND_TEXTS``), then the right to
    complain to the supervisory authority, also that of the member state where the requester
    lives or works (Art. 77(1)), and to seek a judicial remedy (Art. 79)."""
    with translation.override(request.language):
        paragraphs = [ground_text(ground) for ground in dict.fromkeys(grounds)]
        paragraphs.append(render_to_string("requests_app/complaint_rights.txt", {
            "organisation": request.organisation,
            "authority": request.organisation.authority_contact}).strip())
    return "\n\n".join(paragraphs)
