"""Records of processing (GDPR Art. 30(1)) for the purposes most small companies have, to
start from (``add_records``): customers, newsletter, job applicants, employees, website
visitors and camera surveillance, each with its legal basis (Art. 6(1)) and written in the
organisation's language.

Each statement the access cover makes is decided, never left to guess
(``ProcessingRecord.undecided``, ``delivery.cover``): recipients are the providers of the
linked systems (and the authorities the purpose names), or "none"; transfers are the
safeguards of the linked systems outside the EEA, or "none" when every linked system keeps
its data in the EEA, and left undecided only when a linked system does not say where it
stores data; the source is the person or written out; automated decisions are "none". Staff
edit what does not fit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from requests_app import access
from requests_app.models import (
    DataSystem,
    LegalBasis,
    Organisation,
    ProcessingRecord,
    ProviderRole,
)
from requests_app.models import Relationship as R


@dataclass(frozen=True)
class Template:
    key: str
    name: Promise
    purposes: Promise
    legal_basis: str
    data_categories: Promise
    relationships: tuple[str, ...]
    retention: Promise
    legitimate_interests: Promise | str = ""
    #: Recipients besides the systems' providers (e.g. the tax authority).
    recipients: Promise | str = ""
    #: Where the data comes from when not (only) from the person; empty: the person only.
    source: Promise | str = ""


TEMPLATES: tuple[Template, ...] = (
    Template(
        "customers", gettext_lazy("Customers"),
        gettext_lazy("Delivering what the customer ordered, invoicing, customer service and "
                     "bookkeeping."),
        LegalBasis.CONTRACT,
        gettext_lazy("Name, contact details, orders, invoices and payments, support cases."),
        (R.CUSTOMER, R.SERVICE_USER),
        gettext_lazy("While the customer relationship lasts, then up to 3 years; accounting "
                     "records 5 years after the end of the financial year (bookkeeping law)."),
    ),
    Template(
        "newsletter", gettext_lazy("Newsletter"),
        gettext_lazy("Sending the newsletter the person signed up for."),
        LegalBasis.CONSENT,
        gettext_lazy("E-mail address, name, when and how consent was given, opens and clicks."),
        (R.NEWSLETTER,),
        gettext_lazy("Until the person unsubscribes or withdraws consent (Art. 7(3)); proof "
                     "of the consent and the withdrawal is kept for 3 years."),
    ),
    Template(
        "job_applicants", gettext_lazy("Job applicants"),
        gettext_lazy("Assessing applications and hiring, steps taken at the applicant's "
                     "request before a contract (Art. 6(1)(b))."),
        LegalBasis.CONTRACT,
        gettext_lazy("Name, contact details, CV, application, references, interview notes."),
        (R.JOB_APPLICANT,),
        gettext_lazy("6 months after the position is filled, longer only with the applicant's "
                     "consent."),
        source=gettext_lazy("The applicant, and the referees the applicant names."),
    ),
    Template(
        "employees", gettext_lazy("Employees"),
        gettext_lazy("Administering employment and paying salaries under the employment "
                     "contract (Art. 6(1)(b)); tax, reporting and bookkeeping required by law "
                     "(Art. 6(1)(c))."),
        LegalBasis.CONTRACT,
        gettext_lazy("Name, contact details, national identity number, bank account, "
                     "salary, tax, pension, absence, the employment contract."),
        (R.EMPLOYEE,),
        gettext_lazy("The employment period, then payroll records 5 years after the end of "
                     "the financial year (bookkeeping law); other records up to 3 years."),
        recipients=gettext_lazy("The tax authority, the pension provider and the insurer, as "
                                "the law and the contract require."),
        source=gettext_lazy("The employee, the tax authority (tax deduction details) and the "
                            "pension provider."),
    ),
    Template(
        "website_visitors", gettext_lazy("Website visitors"),
        gettext_lazy("Keeping the website secure and working, and measuring its use in "
                     "aggregate."),
        LegalBasis.LEGITIMATE_INTERESTS,
        gettext_lazy("IP address, device and browser, pages visited, cookie choices."),
        (R.WEBSITE_VISITOR,),
        gettext_lazy("Server logs 90 days; analytics 14 months."),
        legitimate_interests=gettext_lazy(
            "Protecting the website against attacks and improving it; analytics cookies only "
            "with the visitor's consent."),
    ),
    Template(
        "camera_surveillance", gettext_lazy("Camera surveillance"),
        gettext_lazy("Preventing and investigating crime and protecting employees, visitors "
                     "and property on the premises."),
        LegalBasis.LEGITIMATE_INTERESTS,
        gettext_lazy("Video recordings of people on the premises, with time and place."),
        (R.VISITOR, R.EMPLOYEE),
        gettext_lazy("7 days (Norway) or 30 days (Denmark), longer only when handed to the "
                     "police for an incident."),
        legitimate_interests=gettext_lazy(
            "The safety of employees and visitors and the protection of property, with signs "
            "at the entrances and no cameras where people have a right to privacy."),
        recipients=gettext_lazy("The police, when an incident is reported."),
    ),
)
BY_KEY = {template.key: template for template in TEMPLATES}


def _linked_systems(organisation: Organisation, template: Template) -> list[DataSystem]:
    """The organisation's systems that hold data of the template's people: those for these
    relationships and those for everyone (no relationship named)."""
    wanted = set(template.relationships)
    return [system for system in organisation.systems.order_by("name")
            if not system.relationships or wanted & set(system.relationships)]


def _recipients(template: Template, systems: list[DataSystem]) -> str:
    providers = [s.name for s in systems
                 if s.provider_role in (ProviderRole.PROCESSOR, ProviderRole.CONTROLLER)]
    parts = []
    if providers:
        parts.append(_("Our processors: %(names)s.") % {"names": ", ".join(providers)})
    if template.recipients:
        parts.append(str(template.recipients))
    return " ".join(parts)


def _transfers(systems: list[DataSystem]) -> tuple[str, bool]:
    """(text, "none") of the transfers: written out from the systems outside the EEA;
    "none" only when every linked system says it keeps data in the EEA; undecided (empty,
    not none) when one does not say."""
    outside = [s for s in systems if s.in_eea is False]
    if outside:
        return " ".join(f"{s.name}: {s.transfer_safeguard}." for s in outside), False
    if any(s.in_eea is None for s in systems):
        return "", False
    return "", True


def add_records(*, actor, organisation: Organisation, keys) -> list[ProcessingRecord]:
    """Add the records of ``keys`` to the organisation's records of processing, in its
    language, linked to its systems for those people (``_linked_systems``); one it has
    already (by name) is left as it is. Compliance leads and organisation admins
    (``access.KEEP_RECORDS``). Returns the records added."""
    access.require(actor, access.KEEP_RECORDS, organisation)
    templates = [BY_KEY[key] for key in dict.fromkeys(keys) if key in BY_KEY]
    existing = set(organisation.processing_records.values_list("name", flat=True))
    added = []
    with transaction.atomic(), translation.override(organisation.default_language):
        for template in templates:
            name = str(template.name)
            if name in existing:
                continue
            systems = _linked_systems(organisation, template)
            recipients = _recipients(template, systems)
            transfers, no_transfers = _transfers(systems)
            record = ProcessingRecord.objects.create(
                organisation=organisation, name=name, purposes=str(template.purposes),
                legal_basis=template.legal_basis,
                legitimate_interests=str(template.legitimate_interests),
                data_categories=str(template.data_categories),
                relationships=list(template.relationships),
                recipients=recipients, no_recipients=not recipients,
                transfers=transfers, no_transfers=no_transfers,
                retention=str(template.retention), source=str(template.source),
                source_is_subject=not template.source,
                automated_decisions="", no_automated_decisions=True)
            record.systems.set(systems)
            added.append(record)
    return added
