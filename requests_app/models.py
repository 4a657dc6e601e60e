"""The domain: organisations (controllers), the requests people file with them, and the
append-only event log that proves what happened to each request.

Business rules do not live here: status changes go through ``workflow``, events through
``events.record``, e-mails through ``notifications``.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def private_storage():
    """Where requesters' attachments live: outside the web root, never served by URL."""
    return storages["private"]


class Country(models.TextChoices):
    NORWAY = "NO", _("Norway")
    DENMARK = "DK", _("Denmark")


class SupervisoryAuthority(models.TextChoices):
    """Where a subject may complain (GDPR Art. 77); named in refusals (Art. 12(4))."""

    DATATILSYNET_NO = "datatilsynet-no", _("Datatilsynet (Norway)")
    DATATILSYNET_DK = "datatilsynet-dk", _("Datatilsynet (Denmark)")


# Contact details of each authority, as published by the authorities themselves.
AUTHORITY_CONTACTS = {
    SupervisoryAuthority.DATATILSYNET_NO: {
        "address": "Postboks 458 Sentrum, 0105 Oslo, Norge",
        "email": "postkasse@datatilsynet.no",
        "url": "https://www.datatilsynet.no",
    },
    SupervisoryAuthority.DATATILSYNET_DK: {
        "address": "Carl Jacobsens Vej 35, 2500 Valby, Danmark",
        "email": "dt@datatilsynet.dk",
        "url": "https://www.datatilsynet.dk",
    },
}


class Relationship(models.TextChoices):
    """How the subject relates to the organisation: selects the systems to search."""

    CUSTOMER = "customer", _("Customer")
    SERVICE_USER = "service_user", _("User of a service")
    NEWSLETTER = "newsletter", _("Newsletter subscriber")
    JOB_APPLICANT = "job_applicant", _("Job applicant")
    EMPLOYEE = "employee", _("Employee or former employee")
    VISITOR = "visitor", _("Visitor to the premises")
    WEBSITE_VISITOR = "website_visitor", _("Website visitor")
    OTHER = "other", _("Other")


class RequestType(models.TextChoices):
    """The rights a subject can exercise, with the article that grants each."""

    ACCESS = "access", _("Access to my data")  # Art. 15
    RECTIFICATION = "rectification", _("Correction of my data")  # Art. 16
    ERASURE = "erasure", _("Erasure of my data")  # Art. 17
    RESTRICTION = "restriction", _("Restriction of processing")  # Art. 18
    PORTABILITY = "portability", _("A copy of my data to take elsewhere")  # Art. 20
    OBJECTION = "objection", _("Objection to processing")  # Art. 21
    CONSENT_WITHDRAWAL = "consent_withdrawal", _("Withdrawal of consent")  # Art. 7(3)


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")


#: How staff may tell a requester who has no e-mail address (``casework.notice``).
NOTICE_CHANNELS = (Channel.LETTER, Channel.PHONE, Channel.IN_PERSON)


class ForwardedBy(models.TextChoices):
    """How a forwarded request reached the controller (Art. 28(3)(e)): sent by the portal, or
    by staff themselves, who say when."""

    PORTAL = "portal", _("E-mailed by the portal")
    EMAIL = "email", _("E-mail sent by staff")
    LETTER = "letter", _("Letter sent by staff")


class Status(models.TextChoices):
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Awaiting e-mail confirmation")
    NEW = "new", _("New")
    IDENTITY_CHECK = "identity_check", _("Identity check")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_FOR_SUBJECT = "waiting_for_subject", _("Waiting for the requester")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    FORWARDED = "forwarded", _("Forwarded to the controller")


CLOSED_STATUSES = frozenset(
    {Status.COMPLETED, Status.REFUSED, Status.WITHDRAWN, Status.FORWARDED}
)
OPEN_STATUSES = frozenset(
    {Status.NEW, Status.IDENTITY_CHECK, Status.IN_PROGRESS, Status.WAITING_FOR_SUBJECT}
)


class ExtensionReason(models.TextChoices):
    """The two reasons Art. 12(3) GDPR accepts for extending the time limit ("taking into
    account the complexity and number of the requests"). The number is of the requester's
    own requests, as guidance reads it: a busy month for the organisation is not a reason
    the requester should bear."""

    COMPLEXITY = "complexity", _("The request is complex")
    NUMBER_OF_REQUESTS = "number_of_requests", _("The requester has made many requests")


class RefusalGround(models.TextChoices):
    """The grounds on which a request may be refused in whole or part, with the article.

    Which grounds a request of each type may be refused on, and what the requester is told of
    each in their language, is ``outcomes.refusal_grounds`` and ``outcomes.ground_text``.
    "We hold no data about you" is none of them: it answers the request (Art. 15(1)), it does
    not refuse it (``Request.no_data_held``)."""

    MANIFESTLY_UNFOUNDED = "manifestly_unfounded", _(
        "Manifestly unfounded (Art. 12(5))")
    EXCESSIVE = "excessive", _("Excessive, in particular repetitive (Art. 12(5))")
    IDENTITY_NOT_CONFIRMED = "identity_not_confirmed", _(
        "The requester's identity could not be confirmed (Art. 11(2) and 12(2), 12(6))")
    ERASURE_NO_GROUND = "erasure_no_ground", _(
        "Erasure: none of the grounds of Art. 17(1) applies; the data is still needed for "
        "its purpose")
    ERASURE_FREEDOM_OF_EXPRESSION = "erasure_expression", _(
        "Erasure: freedom of expression and information (Art. 17(3)(a))")
    ERASURE_LEGAL_OBLIGATION = "erasure_legal_obligation", _(
        "Erasure: a legal obligation to keep the data, e.g. bookkeeping (Art. 17(3)(b))")
    ERASURE_PUBLIC_HEALTH = "erasure_public_health", _(
        "Erasure: public health (Art. 17(3)(c))")
    ERASURE_ARCHIVING = "erasure_archiving", _(
        "Erasure: archiving, research or statistics (Art. 17(3)(d))")
    ERASURE_LEGAL_CLAIMS = "erasure_legal_claims", _(
        "Erasure: needed for legal claims (Art. 17(3)(e))")
    RECTIFICATION_ACCURATE = "rectification_accurate", _(
        "Rectification: the data is accurate (Art. 16)")
    RESTRICTION_NOT_MET = "restriction_not_met", _(
        "Restriction: the conditions of Art. 18(1) are not met")
    OBJECTION_COMPELLING_GROUNDS = "objection_compelling", _(
        "Objection: compelling legitimate grounds or legal claims (Art. 21(1))")
    OBJECTION_NOT_APPLICABLE = "objection_not_applicable", _(
        "Objection: the processing does not rest on Art. 6(1)(e) or (f), so Art. 21(1) does "
        "not apply")
    PORTABILITY_NOT_APPLICABLE = "portability_not_applicable", _(
        "Portability: the processing is not based on consent or contract, or not automated "
        "(Art. 20(1))")
    RIGHTS_OF_OTHERS = "rights_of_others", _(
        "The rights and freedoms of others (Art. 15(4), 20(4))")
    NATIONAL_RESTRICTION_NO = "national_restriction_no", _(
        "A national restriction: personopplysningsloven § 16 (Art. 23)")
    NATIONAL_RESTRICTION_DK = "national_restriction_dk", _(
        "A national restriction: databeskyttelsesloven § 22 (Art. 23)")


#: The Art. 17(3) grounds on which data may be kept despite an erasure request.
ERASURE_EXEMPTIONS = [
    (ground.value, ground.label) for ground in RefusalGround
    if ground.value.startswith("erasure_") and ground != RefusalGround.ERASURE_NO_GROUND
]
#: What a checklist item may record as the reason its data was left as it was: an Art. 17(3)
#: ground (erasure), or that the data is accurate (rectification, Art. 16).
KEPT_GROUNDS = [*ERASURE_EXEMPTIONS, (RefusalGround.RECTIFICATION_ACCURATE.value,
                                      RefusalGround.RECTIFICATION_ACCURATE.label)]


def parse_day_list(value: str) -> list[int]:
    """"7, 2" → [7, 2]; duplicates removed, largest first."""
    days = {int(part) for part in value.replace(" ", "").split(",") if part}
    return sorted(days, reverse=True)


def validate_day_list(value: str) -> None:
    try:
        days = parse_day_list(value)
    except ValueError:
        raise ValidationError(_("Write whole numbers separated by commas, e.g. 7,2.")) from None
    if any(day < 1 or day > 60 for day in days):
        raise ValidationError(_("Each number must be between 1 and 60."))


class Organisation(models.Model):
    """A controller that receives requests. Its country decides the holidays of the legal clock
    and the supervisory authority; its time zone decides the local date of receipt."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    default_language = models.CharField(
        _("default language"), max_length=5, choices=settings.LANGUAGES, default="nb"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Oslo")
    contact_email = models.EmailField(_("contact e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    privacy_policy_url = models.URLField(_("privacy policy URL"), blank=True)
    supervisory_authority = models.CharField(
        _("supervisory authority"), max_length=32, choices=SupervisoryAuthority.choices
    )
    acts_mostly_as_processor = models.BooleanField(
        _("acts mostly as a processor"),
        default=False,
        help_text=_("Requests about its customers' data must go to the customer, who is the "
                    "controller (Art. 28)."),
    )
    intro = models.TextField(
        _("introduction"), blank=True, help_text=_("Shown on the organisation's public page.")
    )
    # The legal clock and its reminders.
    pause_clock_while_waiting = models.BooleanField(
        _("pause the clock while waiting for the requester"), default=False,
        help_text=_("When on, the days spent waiting for the requester to confirm their "
                    "identity (Art. 12(6)) are added to the due date. The statutory date stays "
                    "visible beside it."),
    )
    reminder_days_before = models.CharField(
        _("reminders, working days before the due date"), max_length=50, default="7,2",
        validators=[validate_day_list],
        help_text=_("Comma-separated, e.g. 7,2. Empty for none."),
    )
    remind_on_due_date = models.BooleanField(_("reminder on the due date"), default=True)
    escalate_when_overdue = models.BooleanField(
        _("escalate overdue requests"), default=True,
        help_text=_("To the compliance leads the morning after the due date, then weekly."),
    )
    retention_days = models.PositiveIntegerField(
        _("keep closed requests (days)"), default=3 * 365,
        help_text=_("After this many days a closed request's personal data is erased; an "
                    "anonymous row stays for reports and accountability (Art. 5(1)(e), 5(2))."),
    )
    attachment_retention_days = models.PositiveIntegerField(
        _("keep attachments (days)"), default=30,
        help_text=_("Files the requester sent are deleted this many days after the request "
                    "is closed."),
    )
    package_days = models.PositiveIntegerField(
        _("keep download packages (days)"), default=30,
        help_text=_("The requester can download an access package or portability archive "
                    "this many days after it is ready; then its files are deleted."),
    )
    restriction_notice_days = models.PositiveIntegerField(
        _("restriction reminder (days before it ends)"), default=14,
        help_text=_("Staff are reminded this many days before a restriction's end date, so "
                    "the requester is told before it is lifted (Art. 18(3))."),
    )
    restriction_lift_notice_days = models.PositiveIntegerField(
        _("notice before a restriction is lifted (days)"), default=14,
        validators=[MinValueValidator(1)],
        help_text=_("A restriction can be lifted only this many days after the requester is "
                    "told, so they can answer on their status page first (Art. 18(3)). The "
                    "notice states the date."),
    )
    reminder_hour = models.PositiveSmallIntegerField(
        _("hour of reminders"), default=8, validators=[MaxValueValidator(23)],
        help_text=_("Local time at which reminders are sent."),
    )
    # Branding (``onboarding.branding``): shown on the public pages and in the e-mails.
    brand_colour = models.CharField(
        _("brand colour"), max_length=7, blank=True,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$",
                                   _("Write the colour as # and six hex digits, e.g. #1f5f8b."))],
        help_text=_("Used for links, headings and buttons (with white text) on the public "
                    "pages and in e-mails; it must contrast 4.5:1 with white (WCAG AA)."),
    )
    welcome_text = models.TextField(
        _("welcome text"), max_length=300, blank=True,
        help_text=_("One or two sentences shown on the public pages and in e-mails."),
    )
    #: A PNG re-encoded from the upload (``onboarding.branding.clean_logo``), in private
    #: storage, served by ``views.public.logo``: never the uploaded bytes themselves.
    logo = models.FileField(_("logo"), storage=private_storage, upload_to="logos/",
                            blank=True, editable=False, max_length=200)
    publish_figures = models.BooleanField(
        _("publish yearly figures"), default=False,
        help_text=_("Show a public page with the year's figures from the anonymous register: "
                    "requests by type, share answered on time, median time to answer."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": _("Unknown time zone.")}) from None

    @property
    def authority_contact(self) -> dict:
        return AUTHORITY_CONTACTS.get(self.supervisory_authority, {})

    @property
    def reminder_days(self) -> list[int]:
        return parse_day_list(self.reminder_days_before)


class ProviderRole(models.TextChoices):
    """Who the provider of a system is under the GDPR, for the organisation's data."""

    PROCESSOR = "processor", _("Processor (works on our instructions, Art. 28)")
    CONTROLLER = "controller", _("Separate controller")
    OWN = "own", _("Our own system, no provider")


class DataSystem(models.Model):
    """A system where the organisation keeps personal data (its records of processing).

    Later the per-request checklist is built from the systems whose ``relationships`` match
    the subject's relationship."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="systems",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    holds = models.TextField(_("what it holds"), blank=True)
    relationships = models.JSONField(
        _("relationships"), default=list, blank=True,
        help_text=_("Relationship codes whose data this system holds."),
    )
    retention = models.CharField(_("retention"), max_length=200, blank=True)
    request_types = models.JSONField(
        _("request types"), default=list, blank=True,
        help_text=_("Request type codes this system must be checked for; empty for all."),
    )
    provider_role = models.CharField(
        _("the provider's role"), max_length=12, choices=ProviderRole.choices, blank=True)
    in_eea = models.BooleanField(
        _("data stored in the EEA"), null=True, blank=True,
        help_text=_("Unknown until you say; outside the EEA needs a transfer safeguard."))
    transfer_safeguard = models.CharField(
        _("transfer safeguard"), max_length=300, blank=True,
        help_text=_("Where data leaves the EEA: the safeguard the transfer rests on, e.g. the "
                    "EU-US Data Privacy Framework (Art. 45) or standard contractual clauses "
                    "(Art. 46(2)(c))."))
    #: The catalogue entry the system was made from (``onboarding.catalogue``), if any.
    catalogue_key = models.CharField(max_length=40, blank=True, editable=False)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="unique_system_name")
        ]
        verbose_name = _("system")
        verbose_name_plural = _("systems")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.in_eea is False and not self.transfer_safeguard.strip():
            raise ValidationError({"transfer_safeguard": _(
                "Data stored outside the EEA needs the safeguard the transfer rests on "
                "(GDPR Art. 44-46).")})

    def applies_to(self, relationship: str, request_type: str) -> bool:
        """Whether a request of this type from someone with this relationship must be checked
        here. A system that names no relationship (or "other") is checked for everyone."""
        relationships = set(self.relationships or [])
        by_relationship = (not relationships or "other" in relationships
                           or relationship in relationships or relationship == "other")
        by_type = not self.request_types or request_type in self.request_types
        return by_relationship and by_type


class Membership(models.Model):
    """Staff belong to organisations; everything staff see is scoped through this."""

    class Role(models.TextChoices):
        HANDLER = "handler", _("Handler")
        COMPLIANCE_LEAD = "compliance_lead", _("Compliance lead")
        ORG_ADMIN = "org_admin", _("Organisation admin")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.HANDLER)
    language = models.CharField(
        _("language of e-mails"), max_length=5, choices=settings.LANGUAGES, default="nb"
    )
    queue_contact = models.BooleanField(
        _("queue contact"), default=False,
        help_text=_("Receives the reminders of requests nobody is assigned to."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"


class Request(models.Model):
    """A data-subject request.

    The public ``reference`` is random, so it reveals neither volume nor order. The status page
    is reached through a separate secret token of which only the SHA-256 hash is stored.
    """

    reference = models.CharField(_("reference"), max_length=16, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="requests",
        verbose_name=_("organisation"),
    )
    type = models.CharField(_("type"), max_length=24, choices=RequestType.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.AWAITING_CONFIRMATION
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices,
                               default=Channel.WEB)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)

    subject_name = models.CharField(_("name"), max_length=200)
    # Blank only for requests staff register from a letter or a call without an address.
    subject_email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    subject_phone = models.CharField(_("phone"), max_length=40, blank=True)
    relationship = models.CharField(_("relationship"), max_length=20,
                                    choices=Relationship.choices)
    description = models.TextField(_("description"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    received_at = models.DateTimeField(_("received"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # The date the law sets (one month, or three when extended) before any pause is added.
    statutory_due_date = models.DateField(_("statutory due date"), null=True, blank=True)
    extended_at = models.DateTimeField(_("extended"), null=True, blank=True)
    extension_reason = models.CharField(_("reason for extension"), max_length=24, blank=True,
                                        choices=ExtensionReason.choices)
    extension_explanation = models.TextField(_("explanation of the extension"), blank=True)
    waiting_since = models.DateTimeField(_("waiting for the requester since"), null=True,
                                         blank=True)
    paused_days = models.PositiveIntegerField(_("days the clock was paused"), default=0)
    # When the reminder sweep should next look at this request; NULL when nothing is due
    # (closed, or the clock is paused). Indexed for the sweep's single query.
    next_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="assigned_requests", verbose_name=_("assignee"),
    )
    # NULL until confirmed: unique among the requests that have one.
    status_token_hash = models.CharField(  # noqa: DJ001
        max_length=64, unique=True, null=True, editable=False
    )
    # With the server's key this gives the status token again, for later e-mails ("there is
    # news"); the database alone gives nothing (see ``references.status_token``).
    status_token_salt = models.CharField(max_length=32, blank=True, editable=False)
    # The random token of the web form this request was sent with (``forms.RequestForm``):
    # the same form sent again (a double click, or a resend after an error page whose
    # transaction had in fact committed) finds this row instead of filing a second request.
    # NULL for requests staff register; unique among the others.
    submission_token = models.CharField(  # noqa: DJ001
        max_length=32, unique=True, null=True, editable=False
    )

    # The outcome.
    refusal_ground = models.CharField(_("refusal ground"), max_length=32, blank=True,
                                      choices=RefusalGround.choices)
    partly_refused = models.BooleanField(_("partly refused"), default=False)
    # A refusal can rest on several grounds (a partial erasure: one system keeps data for a
    # legal obligation, another for legal claims). ``refusal_ground`` is the one given; these
    # are the others its answer explains, comma separated, so the reports count each ground
    # (``workflow._record_refusal``). No personal data: kept when the request is purged.
    further_grounds = models.CharField(_("further refusal grounds"), max_length=255,
                                       blank=True)
    # "We hold no data about you": an answer under Art. 15(1), not a refusal. Set when a
    # request is completed and every system on its checklist was searched without finding
    # any (``outcomes.holds_no_data``); the reports count it apart.
    no_data_held = models.BooleanField(_("no data held"), default=False)
    forwarded_to_name = models.CharField(_("forwarded to (controller)"), max_length=200,
                                         blank=True)
    forwarded_to_contact = models.CharField(_("controller's contact"), max_length=300,
                                            blank=True)
    forwarded_by = models.CharField(_("forwarded by"), max_length=12, blank=True,
                                    choices=ForwardedBy.choices)
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    # A requester without an e-mail address hears of the extension and of the answer the way
    # staff recorded (letter, phone, in person: ``NOTICE_CHANNELS``), at that time; blank
    # when the portal's e-mail told them (``casework.notice``).
    extension_told_by = models.CharField(_("told of the extension by"), max_length=12,
                                         blank=True, choices=Channel.choices)
    extension_told_at = models.DateTimeField(_("told of the extension at"), null=True,
                                             blank=True)
    answer_told_by = models.CharField(_("told of the answer by"), max_length=12, blank=True,
                                      choices=Channel.choices)
    answer_told_at = models.DateTimeField(_("told of the answer at"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates",
        verbose_name=_("duplicate of"),
        help_text=_("An open request from the same address to the same organisation."),
    )

    # Set when the personal data was erased; the row stays as the anonymous register entry.
    purged_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)
    #: Filed by staff from the organisation's page to try the portal
    #: (``onboarding.organisations.file_test_request``): shown in the queue, marked, and
    #: counted nowhere: not in the reports, the register or the public figures
    #: (``reports.querysets.requests_for``), and never reminded or escalated
    #: (``clock.reminders``).
    is_test = models.BooleanField(_("test request"), default=False, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        indexes = [
            models.Index(fields=["organisation", "status", "due_date"], name="req_queue_idx"),
            models.Index(fields=["status", "created_at"], name="req_status_created_idx"),
            models.Index(fields=["subject_email"], name="req_email_idx"),
            models.Index(fields=["next_reminder_at"], name="req_next_reminder_idx",
                         condition=models.Q(next_reminder_at__isnull=False)),
            # The staff queue's order (admin RequestAdmin.ordering), without the requests
            # that still wait for e-mail confirmation.
            models.Index(fields=["due_date", "received_at", "-id"], name="req_queue_order_idx",
                         condition=~models.Q(status="awaiting_confirmation")),
            models.Index(fields=["organisation", "due_date", "received_at", "-id"],
                         name="req_org_queue_order_idx",
                         condition=~models.Q(status="awaiting_confirmation")),
            # Reports: requests received in a period, for all organisations or one. The first
            # two carry every field the reports count (index-only scans; bench/scenarios/reports).
            models.Index(fields=["received_at"], name="req_received_cover_idx",
                         include=["organisation", "status", "type", "channel", "relationship",
                                  "is_test"]),
            models.Index(fields=["closed_at"], name="req_closed_cover_idx",
                         include=["organisation", "status", "type", "channel", "relationship",
                                  "received_at", "due_date", "extended_at", "extension_reason",
                                  "partly_refused", "refusal_ground", "further_grounds",
                                  "no_data_held", "forwarded_to_name", "purged_at",
                                  "is_test"],
                         condition=models.Q(status__in=["completed", "refused", "withdrawn",
                                                        "forwarded"])),
            models.Index(fields=["organisation", "received_at"], name="req_org_received_idx"),
            # The open queue (status filters, overdue): stops after one page instead of
            # walking past every closed request (bench/scenarios/admin_list.py).
            models.Index(fields=["due_date", "received_at", "-id"],
                         name="req_open_queue_order_idx",
                         condition=models.Q(status__in=["new", "identity_check", "in_progress",
                                                        "waiting_for_subject"])),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def further_ground_labels(self) -> list[str]:
        """The labels of the further grounds its refusal rests on (``further_grounds``)."""
        return [str(RefusalGround(g).label) for g in self.further_grounds.split(",") if g]

    @property
    def is_extended(self) -> bool:
        return self.extended_at is not None

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class Event(models.Model):
    """One row per change of a request: the legal record of what happened, by whom, when.

    Append-only: rows are written by ``events.record`` only and are never edited or deleted
    (the database-level guard is in ``save``/``delete``; the admin shows them read-only).
    """

    class Kind(models.TextChoices):
        CREATED = "created", pgettext_lazy("event", "Request received")
        EMAIL_CONFIRMED = "email_confirmed", _("E-mail address confirmed")
        STATUS_CHANGED = "status_changed", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        NOTE = "note", _("Note")
        EMAIL_SENT = "email_sent", _("E-mail sent")
        DUE_DATE_SET = "due_date_set", _("Due date set")
        DUE_DATE_CHANGED = "due_date_changed", _("Due date changed")
        EXTENDED = "extended", _("Time limit extended")
        CLOCK_PAUSED = "clock_paused", _("Waiting for the requester")
        CLOCK_RESUMED = "clock_resumed", _("Answer received from the requester")
        REMINDER_SENT = "reminder_sent", _("Reminder sent")
        ESCALATED = "escalated", _("Escalated")
        MESSAGE_TO_SUBJECT = "message_to_subject", _("Message to the requester")
        MESSAGE_FROM_SUBJECT = "message_from_subject", _("Message from the requester")
        CHECKLIST = "checklist", _("Checklist")
        DUPLICATE = "duplicate", _("Possible duplicate")
        FORWARDED = "forwarded", _("Forwarded to the controller")
        ATTACHMENT_VIEWED = "attachment_viewed", _("Attachment opened")
        ATTACHMENTS_DELETED = "attachments_deleted", _("Attachments deleted")
        PURGED = "purged", _("Personal data erased")
        OUTCOME = "outcome", _("Outcome recorded")
        EXPORT_ADDED = "export_added", _("Export added")
        PACKAGE_QUEUED = "package_queued", _("Package requested")
        PACKAGE_READY = "package_ready", _("Package ready")
        PACKAGE_FAILED = "package_failed", _("Package failed")
        PACKAGE_DOWNLOADED = "package_downloaded", _("Package downloaded")
        PACKAGE_DELETED = "package_deleted", _("Package deleted")
        SUPPRESSED = "suppressed", _("Added to the suppression list")
        RESTRICTION_LIFT_NOTICE = "restriction_notice", _(
            "Requester told the restriction will be lifted")
        RESTRICTION_LIFTED = "restriction_lifted", _("Restriction lifted")
        TOLD = "told", _("Requester told without e-mail")
        IDENTITY_VERIFIED = "identity_verified", _("Identity verified electronically")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("by"),
    )
    actor_label = models.CharField(_("by"), max_length=100, blank=True,
                                   help_text=_("Who acted when it was not a staff user."))
    kind = models.CharField(_("what"), max_length=24, choices=Kind.choices)
    from_value = models.CharField(_("from"), max_length=200, blank=True)
    to_value = models.CharField(_("to"), max_length=200, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("event log")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Events are append-only and cannot be deleted.")

    @property
    def who(self) -> str:
        return str(self.actor) if self.actor_id else self.actor_label


class ChecklistItem(models.Model):
    """One system to search for the requester's data, and what was done there."""

    class State(models.TextChoices):
        OPEN = "open", _("Not yet searched")
        SEARCHED = "searched", _("Searched")
        DATA_FOUND = "data_found", _("Data found")
        NOTHING_FOUND = "nothing_found", _("Nothing found")
        DONE = "done", _("Done (erased, corrected, restricted or exported)")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    #: States that let the request be completed.
    FINISHED = frozenset({State.NOTHING_FOUND, State.DONE, State.NOT_APPLICABLE})

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="checklist")
    system = models.ForeignKey(DataSystem, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    system_name = models.CharField(_("system"), max_length=200)
    state = models.CharField(_("state"), max_length=20, choices=State.choices,
                             default=State.OPEN)
    note = models.TextField(_("note"), blank=True)
    # Rectification (Art. 16): what the system said and what it says now.
    value_before = models.TextField(_("what was wrong"), blank=True)
    value_after = models.TextField(_("what it says now"), blank=True)
    # Erasure (Art. 17): data kept in this system despite the request, on which ground, until
    # when (Art. 17(3)). Empty ground: erased.
    # Rectification (Art. 16): left unchanged because the data is accurate (no date).
    kept_ground = models.CharField(_("kept on the ground"), max_length=32, blank=True,
                                   choices=KEPT_GROUNDS)
    kept_until = models.DateField(_("kept until"), null=True, blank=True)
    # Art. 19: the recipients who were told of the rectification, erasure or restriction.
    recipients_told = models.TextField(
        _("recipients told"), blank=True,
        help_text=_("Who received the data and was told of the change (Art. 19); empty if "
                    "nobody received it."),
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("by"))
    updated_at = models.DateTimeField(_("when"), null=True, blank=True)

    class Meta:
        ordering = ["system_name", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist")

    def __str__(self) -> str:
        return f"{self.system_name}: {self.get_state_display()}"

    @property
    def is_finished(self) -> bool:
        return self.state in self.FINISHED


class Message(models.Model):
    """A message between staff and the requester, shown on the private status page. E-mails
    only say that there is news, so no personal data travels by e-mail."""

    class Direction(models.TextChoices):
        TO_SUBJECT = "to_subject", _("To the requester")
        FROM_SUBJECT = "from_subject", _("From the requester")

    class Purpose(models.TextChoices):
        IDENTITY = "identity", _("Confirm identity")
        CLARIFICATION = "clarification", _("Clarify the request")
        ANSWER = "answer", _("Answer")
        REPLY = "reply", _("Reply from the requester")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    body = models.TextField(_("message"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.created_at:%Y-%m-%d}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random name: the original name is personal data and stays in the database only.
    return f"attachments/{instance.request_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file the requester sent. Stored outside the web root (``PRIVATE_STORAGE``), served
    only to staff of the organisation, and deleted with the request's personal data."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to=attachment_path,
                            max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class ReplyTemplate(models.Model):
    """A reply text staff start from. Placeholders: {reference}, {name}, {organisation},
    {due_date}, {received_date}, {type}. An organisation's own template beats the shared one
    (no organisation) for the same type, outcome and language."""

    class Outcome(models.TextChoices):
        INFORMATION_REQUEST = "information_request", _("Ask for more information")
        COMPLETED = "completed", _("Completed")
        REFUSED = "refused", _("Refused")
        PARTLY_REFUSED = "partly_refused", _("Partly refused")
        FORWARDED = "forwarded", _("Forwarded to the controller")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="reply_templates",
                                     verbose_name=_("organisation"))
    request_type = models.CharField(_("request type"), max_length=24, blank=True,
                                    choices=RequestType.choices,
                                    help_text=_("Empty for every type."))
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=200)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["outcome", "request_type", "language", "name"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")

    def __str__(self) -> str:
        return self.name


class Reminder(models.Model):
    """The claim on one reminder: at most one row per request, kind and due date.

    The row is inserted, in the same transaction as the e-mails it causes, before anything is
    sent; the unique constraint makes a second sweep, a retried task or a second beat find it
    taken. A new due date (after an extension or a pause) gives new keys, so its reminders
    follow.
    """

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=24)
    for_due_date = models.DateField(_("for due date"))
    recipients = models.TextField(_("recipients"), blank=True)
    skipped = models.BooleanField(
        _("skipped"), default=False,
        help_text=_("Superseded by a later reminder that was due at the same time."),
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["request", "kind", "for_due_date"],
                                    name="one_reminder_per_kind_and_due_date")
        ]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self) -> str:
        return f"{self.kind} ({self.for_due_date})"


class OutgoingEmail(models.Model):
    """The outbox: every e-mail is saved here before it is handed to the broker.

    The database, not the broker, remembers what must be sent: a periodic task drains rows
    that were never queued (broker down) or whose worker died. A row is claimed with a
    conditional update before sending so that two workers never send it twice.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    request = models.ForeignKey(
        Request, on_delete=models.CASCADE, null=True, blank=True, related_name="emails"
    )
    kind = models.CharField(max_length=40)
    to = models.EmailField(max_length=254)
    language = models.CharField(max_length=5)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # A private link in the body (confirmation, status page): removed from the stored body once
    # the message is sent, so the outbox never keeps a working secret.
    secret_url = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"], name="outbox_pending_idx")]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")

    def __str__(self) -> str:
        return f"{self.kind} → {self.to}"


class RestrictionGround(models.TextChoices):
    """When processing must be restricted (GDPR Art. 18(1)(a)-(d))."""

    ACCURACY_CONTESTED = "accuracy", _(
        "The requester contests the accuracy of the data (Art. 18(1)(a))")
    UNLAWFUL = "unlawful", _(
        "The processing is unlawful and the requester wants restriction, not erasure "
        "(Art. 18(1)(b))")
    LEGAL_CLAIMS = "legal_claims", _(
        "We no longer need the data, but the requester needs it for legal claims "
        "(Art. 18(1)(c))")
    OBJECTION_PENDING = "objection_pending", _(
        "The requester objected and the balancing is pending (Art. 18(1)(d))")


class RequestOutcome(models.Model):
    """What was decided for the rights whose outcome is not per system: restriction (Art. 18),
    objection (Art. 21) and consent withdrawal (Art. 7(3)). Per-system outcomes (corrected,
    erased or kept, recipients told) are on the checklist items. Written by ``outcomes``."""

    request = models.OneToOneField(Request, on_delete=models.CASCADE, related_name="outcome")
    # Restriction (Art. 18).
    restricted_processing = models.TextField(_("processing restricted"), blank=True)
    restriction_ground = models.CharField(_("why"), max_length=20, blank=True,
                                          choices=RestrictionGround.choices)
    restricted_until = models.DateField(_("restricted until"), null=True, blank=True)
    lift_notice_sent_at = models.DateTimeField(
        _("requester told of the lifting"), null=True, blank=True)
    #: The first day the restriction may be lifted, as the notice told the requester
    #: (``outcomes.notify_lift``): kept, so a later change of the organisation's notice period
    #: cannot shorten what the requester was promised.
    lift_not_before = models.DateField(_("may be lifted from"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("restriction lifted"), null=True, blank=True)
    # Objection (Art. 21).
    direct_marketing = models.BooleanField(
        _("objection to direct marketing"), default=False,
        help_text=_("Always succeeds, with no assessment (Art. 21(2)-(3)): the address goes "
                    "on the suppression list."),
    )
    balancing = models.TextField(
        _("balancing"), blank=True,
        help_text=_("The requester's situation weighed against the organisation's grounds "
                    "(Art. 21(1))."),
    )
    objection_upheld = models.BooleanField(_("objection upheld"), null=True, blank=True)
    # Consent withdrawal (Art. 7(3)).
    consent_withdrawn = models.TextField(_("consent withdrawn"), blank=True,
                                         help_text=_("Which consent was withdrawn."))
    consent_withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("by"))
    updated_at = models.DateTimeField(_("when"), null=True, blank=True)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        indexes = [
            # The restriction reminder sweep: restrictions still in force, by end date.
            models.Index(fields=["restricted_until"], name="outcome_restricted_until_idx",
                         condition=models.Q(restricted_until__isnull=False,
                                            lifted_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return str(self.request)


class SuppressionKind(models.TextChoices):
    """What a suppression list entry stands for: marketing reaches people by e-mail, by post
    or by phone, and an objection (Art. 21(3)) must stop each of them."""

    EMAIL = "email", _("E-mail address")
    POSTAL = "postal", _("Postal address")
    PHONE = "phone", _("Phone number")


class SuppressionEntry(models.Model):
    """An e-mail address, postal address or phone number that objected to direct marketing
    (Art. 21(3)), kept as a keyed hash of its normalised form (HMAC-SHA256 with
    ``SUPPRESSION_HASH_KEY``, see ``outcomes.value_hash``): marketing tools can check a value
    against it, yet it survives the purge of the request without keeping the value itself.
    ``kind`` says which sort of value the hash is of, so a list of one kind is checked
    against the entries of that kind."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="suppressions",
                                     verbose_name=_("organisation"))
    # The name stays from when the list held only e-mail addresses; the kind says what it is.
    email_hash = models.CharField(_("address (keyed hash)"), max_length=64)
    kind = models.CharField(_("kind"), max_length=8, choices=SuppressionKind.choices,
                            default=SuppressionKind.EMAIL)
    request = models.ForeignKey(Request, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("request"))
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["-added_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "email_hash"],
                                    name="one_suppression_per_address")
        ]
        verbose_name = _("suppression list entry")
        verbose_name_plural = _("suppression list")

    def __str__(self) -> str:
        return self.email_hash[:12]


class LegalBasis(models.TextChoices):
    """GDPR Art. 6(1)(a)-(f)."""

    CONSENT = "consent", _("Consent (Art. 6(1)(a))")
    CONTRACT = "contract", _("Contract (Art. 6(1)(b))")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (Art. 6(1)(c))")
    VITAL_INTERESTS = "vital_interests", _("Vital interests (Art. 6(1)(d))")
    PUBLIC_TASK = "public_task", _("Public task (Art. 6(1)(e))")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests (Art. 6(1)(f))")


class ProcessingRecord(models.Model):
    """One processing activity of the organisation's records of processing (Art. 30(1)).

    The access package's cover document is made from the records linked to the systems where
    the requester's data was found and that concern the requester's relationship:
    Art. 15(1)(a) purposes, (b) categories, (c) recipients, (d) retention, (g) source,
    (h) automated decisions, and Art. 15(2) transfers (``delivery.cover``)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="processing_records",
                                     verbose_name=_("organisation"))
    name = models.CharField(_("processing activity"), max_length=200)
    purposes = models.TextField(_("purposes"))
    legal_basis = models.CharField(_("legal basis"), max_length=24,
                                   choices=LegalBasis.choices)
    legitimate_interests = models.TextField(
        _("legitimate interests"), blank=True,
        help_text=_("Only when the legal basis is legitimate interests (Art. 13(1)(d)).")
    )
    data_categories = models.TextField(_("categories of personal data"))
    relationships = models.JSONField(
        _("whose data"), default=list, blank=True,
        help_text=_("Relationship codes of the people concerned; empty for everyone."),
    )
    # Recipients, transfers, source and automated decisions are each either written out or
    # explicitly "none": an empty field is undecided, never read as "none" (``undecided``).
    recipients = models.TextField(_("recipients"), blank=True)
    no_recipients = models.BooleanField(
        _("no recipients"), default=False,
        help_text=_("Tick only if the data is disclosed to no one, not even to a processor "
                    "(Art. 15(1)(c)); otherwise name the recipients."),
    )
    transfers = models.TextField(
        _("transfers outside the EEA and safeguards"), blank=True,
        help_text=_("Each country or recipient outside the EEA and the safeguard the transfer "
                    "rests on (Art. 15(2), 45, 46)."),
    )
    no_transfers = models.BooleanField(
        _("no transfers outside the EEA"), default=False,
        help_text=_("Tick only if the data stays in the EEA, with every recipient."),
    )
    retention = models.TextField(_("how long the data is kept"))
    source = models.TextField(
        _("source of the data"), blank=True,
        help_text=_("Where the data comes from when not from the person themself "
                    "(Art. 15(1)(g))."),
    )
    source_is_subject = models.BooleanField(
        _("collected from the person only"), default=False,
        help_text=_("Tick only if all the data comes from the person themself."),
    )
    automated_decisions = models.TextField(
        _("automated decisions and profiling"), blank=True,
        help_text=_("The logic involved and the consequences for the person "
                    "(Art. 15(1)(h), 22)."),
    )
    no_automated_decisions = models.BooleanField(
        _("no automated decisions or profiling"), default=False,
        help_text=_("Tick only if no decision is made by automated means alone and there is "
                    "no profiling."),
    )
    note = models.TextField(
        _("internal note"), blank=True,
        help_text=_("For staff only, never shown to the requester: for example what the "
                    "privacy policy says where the record departs from it."),
    )
    systems = models.ManyToManyField(DataSystem, blank=True, related_name="processing_records",
                                     verbose_name=_("systems"))

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("processing activity")
        verbose_name_plural = _("records of processing")

    def __str__(self) -> str:
        return self.name

    def concerns(self, relationship: str) -> bool:
        """Whether this activity processes data of people with this relationship."""
        return not self.relationships or relationship in self.relationships

    #: (text field, its explicit "none") of each statement the access cover makes from the
    #: record: Art. 15(1)(c) recipients, 15(2) transfers, 15(1)(g) source, 15(1)(h) automated
    #: decisions.
    STATEMENTS = (("recipients", "no_recipients"), ("transfers", "no_transfers"),
                  ("source", "source_is_subject"),
                  ("automated_decisions", "no_automated_decisions"))

    def undecided(self) -> list[str]:
        """The statements nobody has made: neither written out nor marked "none". The cover
        must not guess them (an empty recipients field is not "disclosed to no one"), so the
        access package is not built while one is undecided (``cover.missing``)."""
        return [str(self._meta.get_field(text).verbose_name)
                for text, none in self.STATEMENTS
                if not getattr(self, text).strip() and not getattr(self, none)]


def export_path(instance: ExportFile, filename: str) -> str:
    return f"exports/{instance.request_id}/{uuid.uuid4().hex}.enc"


class ExportFile(models.Model):
    """An export staff took from one system for an access or portability request. The file
    is encrypted at rest (``crypto``); ``size`` is the plaintext size."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="exports")
    checklist_item = models.ForeignKey(ChecklistItem, on_delete=models.SET_NULL, null=True,
                                       blank=True, related_name="exports",
                                       verbose_name=_("system"))
    file = models.FileField(storage=private_storage, upload_to=export_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("by"))
    uploaded_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("export file")
        verbose_name_plural = _("export files")

    def __str__(self) -> str:
        return self.original_name


def package_path(instance: Package, filename: str) -> str:
    return f"packages/{instance.request_id}/{uuid.uuid4().hex}.enc"


class Package(models.Model):
    """What the requester downloads: the access package (Art. 15(3): cover PDF and the
    exports, one ZIP) or the portability archive (Art. 20(1): JSON, CSV and a README).

    Built by a Celery task that reports progress in ``bytes_done``; encrypted at rest; served
    only through a short-lived signed link carrying ``public_id`` (never the row id); deleted
    ``Organisation.package_days`` after it is ready."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access package")
        PORTABILITY = "portability", _("Portability archive")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Building")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        DELETED = "deleted", _("Deleted")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="packages")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.QUEUED)
    file = models.FileField(storage=private_storage, upload_to=package_path, max_length=300,
                            blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    bytes_total = models.PositiveBigIntegerField(default=0)
    bytes_done = models.PositiveBigIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("by"))
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    download_count = models.PositiveIntegerField(_("downloads"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["expires_at"], name="package_expiry_idx",
                         condition=models.Q(state="ready")),
        ]
        verbose_name = _("package")
        verbose_name_plural = _("packages")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"

    @property
    def progress(self) -> int:
        """Per cent built, for the staff page."""
        if self.state == self.State.READY:
            return 100
        if not self.bytes_total:
            return 0
        return min(99, self.bytes_done * 100 // self.bytes_total)


# --- Electronic identity (BankID, MitID) through an OpenID Connect broker --------------------


class AssuranceLevel(models.TextChoices):
    """eIDAS levels of assurance (Regulation 910/2014 Art. 8), as the brokers' ``acr`` values
    name them. Ordered: a higher level satisfies a lower requirement."""

    SUBSTANTIAL = "substantial", _("Substantial")
    HIGH = "high", _("High")


class EidSettings(models.Model):
    """An organisation's connection to an OpenID Connect broker (Idura/Criipto, Signicat,
    Signaturgruppen) for strong identity: written by its organisation admins through
    ``identity.configuration.configure`` only. The client secret is stored encrypted
    (``crypto.seal_text``), never in clear."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE,
                                        related_name="eid", verbose_name=_("organisation"))
    enabled = models.BooleanField(_("enabled"), default=True)
    issuer = models.URLField(
        _("issuer URL"), max_length=300,
        help_text=_("The broker's issuer; its .well-known/openid-configuration is read from "
                    "there."))
    client_id = models.CharField(_("client id"), max_length=200)
    client_secret_sealed = models.TextField(editable=False)
    #: Method codes (``identity.methods.METHODS``), comma-separated.
    methods = models.CharField(_("accepted methods"), max_length=200)
    level = models.CharField(_("assurance level"), max_length=12,
                             choices=AssuranceLevel.choices, default=AssuranceLevel.SUBSTANTIAL)
    offer_after_confirmation = models.BooleanField(
        _("offer it right after the e-mail is confirmed"), default=True,
        help_text=_("Off: the status page offers it only when staff ask the requester to "
                    "confirm their identity."))
    advance_when_verified = models.BooleanField(
        _("move the request on when verified"), default=False,
        help_text=_("On: a request waiting for the identity check goes to “in progress” as "
                    "soon as the requester is verified, without staff action."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("electronic identity (eID)")
        verbose_name_plural = _("electronic identity (eID)")

    def __str__(self) -> str:
        return str(self.organisation)

    @property
    def method_codes(self) -> list[str]:
        return [code for code in self.methods.split(",") if code]


class IdentityVerification(models.Model):
    """One party of a request verified with an electronic identity (Art. 12(6)). Data
    minimisation (Art. 5(1)(c)): the method, the level, when, the verified name, and the
    broker's subject identifier only as a keyed hash (to see that two verifications are the
    same person); never a national identity number. A request may carry several parties
    (the requester, and later the person a request is filed for)."""

    class Role(models.TextChoices):
        REQUESTER = "requester", _("Requester")
        DATA_SUBJECT = "data_subject", _("The person the request is about")

    request = models.ForeignKey(Request, on_delete=models.CASCADE,
                                related_name="verifications", verbose_name=_("request"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices,
                            default=Role.REQUESTER)
    method = models.CharField(_("method"), max_length=24)
    level = models.CharField(_("assurance level"), max_length=12,
                             choices=AssuranceLevel.choices)
    verified_at = models.DateTimeField(_("verified"), default=timezone.now)
    verified_name = models.CharField(_("verified name"), max_length=200)
    subject_hash = models.CharField(_("broker's subject (keyed hash)"), max_length=64)

    class Meta:
        ordering = ["-verified_at", "-id"]
        verbose_name = _("identity verification")
        verbose_name_plural = _("identity verifications")

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.verified_at:%Y-%m-%d}"


class Invitation(models.Model):
    """An e-mailed invitation to become staff (``onboarding.invitations``): for a role in an
    organisation, or (``new_organisation``) as the organisation admin of an organisation
    the invitee will create on the guided page.

    Only a hash of the link's secret is stored. The link is single use: the invitation is
    accepted once, when the invitee has set a password and a second factor; it expires
    ``expires_at``."""

    email = models.EmailField(_("e-mail"), max_length=254)
    role = models.CharField(_("role"), max_length=20, choices=Membership.Role.choices,
                            default=Membership.Role.HANDLER)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True,
        related_name="invitations", verbose_name=_("organisation"),
        help_text=_("Empty: the invitee is the admin of a new organisation, which they "
                    "create themselves after signing in."))
    new_organisation = models.BooleanField(_("for a new organisation"), default=False,
                                           editable=False)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES,
                                default="nb")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("invited by"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="invitations", verbose_name=_("account"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.email


# --- The privacy mailbox (``requests_app.mailbox``) -----------------------------------------


class Mailbox(models.Model):
    """An organisation's privacy mailbox, read over IMAP so that a request sent by e-mail is
    registered from the day it arrived (GDPR Art. 12(3)) and never lost.

    The secrets (password, OAuth2 client secret and refresh token) are kept encrypted at rest
    (``crypto.encrypt_bytes``); only ``mailbox.fetch`` reads them. ``uidvalidity`` and
    ``last_uid`` say how far the folder has been read: the last UID advances only in the
    transaction that saved its message (``mailbox.fetch``)."""

    class Security(models.TextChoices):
        TLS = "tls", _("TLS (IMAPS, usually port 993)")
        STARTTLS = "starttls", _("STARTTLS (usually port 143)")
        NONE = "none", _("None (only for a server on this machine)")

    class Auth(models.TextChoices):
        PASSWORD = "password", _("Password")
        MICROSOFT = "microsoft", _("OAuth2 with Microsoft 365 (XOAUTH2)")
        GOOGLE = "google", _("OAuth2 with Google Workspace (XOAUTH2)")

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE,
                                        related_name="mailbox", verbose_name=_("organisation"))
    enabled = models.BooleanField(_("read this mailbox"), default=True)
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993,
                                       validators=[MinValueValidator(1),
                                                   MaxValueValidator(65535)])
    security = models.CharField(_("connection security"), max_length=10,
                                choices=Security.choices, default=Security.TLS)
    username = models.CharField(_("user name"), max_length=255)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    auth = models.CharField(_("sign-in"), max_length=12, choices=Auth.choices,
                            default=Auth.PASSWORD)
    password_encrypted = models.BinaryField(blank=True, default=b"", editable=False)
    oauth_client_id = models.CharField(_("OAuth2 client id"), max_length=255, blank=True)
    oauth_tenant = models.CharField(
        _("Microsoft tenant"), max_length=255, blank=True,
        help_text=_("The directory (tenant) id or domain; blank for “organizations”."))
    oauth_client_secret_encrypted = models.BinaryField(blank=True, default=b"",
                                                       editable=False)
    oauth_refresh_token_encrypted = models.BinaryField(blank=True, default=b"",
                                                       editable=False)
    move_to_folder = models.CharField(
        _("move saved messages to folder"), max_length=255, blank=True,
        help_text=_("Blank: messages stay where they are. Otherwise each message is moved "
                    "there on the server once it is saved in the portal."))
    not_request_days = models.PositiveIntegerField(
        _("keep messages that are not requests (days)"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)])
    triage_reminder_hours = models.PositiveIntegerField(
        _("remind of untouched mail after (hours)"), default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)])
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    last_success_at = models.DateTimeField(_("last read"), null=True, blank=True,
                                           editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True,
                                         editable=False)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0, editable=False)
    next_fetch_at = models.DateTimeField(_("next read"), null=True, blank=True,
                                         editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return f"{self.username}@{self.host}/{self.folder}"


class IncomingMessage(models.Model):
    """One e-mail read from a mailbox, saved (raw, encrypted) before anything else happens.

    Unique per (mailbox, UIDVALIDITY, UID): two fetches that overlap, or a fetch redone after a
    worker died, find the row there and save nothing twice. ``fingerprint`` (the Message-ID,
    or the content's digest, with the arrival time) finds the same message again when the
    server renumbers the folder (a new UIDVALIDITY)."""

    class State(models.TextChoices):
        NEW = "new", _("Waiting in triage")
        REGISTERED = "registered", _("Made a request")
        ATTACHED = "attached", _("Attached to a request")
        NOT_REQUEST = "not_request", _("Not a request")

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="messages")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="incoming_messages",
                                     verbose_name=_("organisation"))
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    fingerprint = models.CharField(max_length=64)
    received_at = models.DateTimeField(_("arrived"))
    sender_email = models.CharField(_("from (address)"), max_length=254, blank=True)
    sender_name = models.CharField(_("from (name)"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    raw_encrypted = models.BinaryField(default=b"", editable=False)
    size = models.PositiveIntegerField(_("size"), default=0)
    oversized = models.BooleanField(
        _("too large"), default=False,
        help_text=_("Only the headers were saved; read the message in the mail program."))
    automatic = models.CharField(
        _("sent automatically"), max_length=40, blank=True,
        help_text=_("Why the message looks automatic (an auto-reply, a list, a bounce): "
                    "it is never answered automatically."))
    suggested_type = models.CharField(_("suggested type"), max_length=24, blank=True,
                                      choices=RequestType.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices,
                             default=State.NEW)
    request = models.ForeignKey(Request, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="incoming_messages", verbose_name=_("request"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("by"))
    moved_at = models.DateTimeField(null=True, blank=True, editable=False)
    #: When the automatic triage (a reply carrying a reference) looked at it: once.
    checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    raw_deleted_at = models.DateTimeField(_("content erased"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"],
                                    name="incoming_once_per_uid"),
            models.UniqueConstraint(fields=["mailbox", "fingerprint"],
                                    name="incoming_once_per_fingerprint"),
        ]
        indexes = [
            models.Index(fields=["organisation", "state", "received_at"],
                         name="incoming_triage_idx"),
        ]
        verbose_name = _("incoming e-mail")
        verbose_name_plural = _("incoming e-mail")

    def __str__(self) -> str:
        return self.subject or f"#{self.pk}"
