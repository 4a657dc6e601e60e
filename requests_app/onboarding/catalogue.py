"""The catalogue of services small Nordic companies use, from which an organisation admin
picks its systems (``add_systems``): what each typically holds, for whom, the provider's
role, whether data stays in the EEA and the safeguard of a transfer (GDPR Art. 44-46), and a
typical retention. Everything is a starting point: the systems it makes are the
organisation's own, and editable.

Where the data is stored is the provider's default for European customers as it stood when
written (Microsoft's and Google's EU Data Boundary and the like still allow access from the
US for support, hence the transfer safeguard). Staff should check their own contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from requests_app import access
from requests_app.models import DataSystem, Organisation, ProviderRole
from requests_app.models import Relationship as R

DPF = _("EU-US Data Privacy Framework (adequacy decision, Art. 45), with standard "
        "contractual clauses as fallback (Art. 46(2)(c))")
SCC = _("Standard contractual clauses (Art. 46(2)(c))")
BCR = _("Binding corporate rules (Art. 47) and the EU-US Data Privacy Framework (Art. 45)")
BOOKKEEPING = _("5 years after the end of the financial year (bookkeeping law), longer only "
                "where another law requires it")
CUSTOMER_PLUS_3 = _("While the customer relationship lasts, then up to 3 years")


@dataclass(frozen=True)
class Entry:
    key: str
    name: str | Promise
    holds: Promise
    relationships: tuple[str, ...]
    retention: Promise
    in_eea: bool
    safeguard: Promise | str = ""
    role: str = ProviderRole.PROCESSOR
    request_types: tuple[str, ...] = field(default=())


CATALOGUE: tuple[Entry, ...] = (
    Entry("hubspot", "HubSpot",
          _("Contact details, company, e-mails and calls logged, deals, newsletter sign-ups "
            "and website visits of known contacts"),
          (R.CUSTOMER, R.NEWSLETTER, R.WEBSITE_VISITOR), CUSTOMER_PLUS_3, False, DPF),
    Entry("pipedrive", "Pipedrive",
          _("Contact details, company, deals and notes of sales conversations"),
          (R.CUSTOMER,), CUSTOMER_PLUS_3, True),
    Entry("zendesk", "Zendesk",
          _("Support tickets: name, e-mail, phone, what the person wrote and the answers"),
          (R.CUSTOMER, R.SERVICE_USER), _("3 years after the ticket is closed"), False, BCR),
    Entry("freshdesk", "Freshdesk",
          _("Support tickets: name, e-mail, phone, what the person wrote and the answers"),
          (R.CUSTOMER, R.SERVICE_USER), _("3 years after the ticket is closed"), False, SCC),
    Entry("microsoft365", "Microsoft 365",
          _("E-mail, calendars, documents, Teams chats and the staff's user accounts"),
          (), _("Mailboxes and files as long as needed for their purpose; accounts until "
                "30 days after the employee leaves"), False, DPF),
    Entry("google_workspace", "Google Workspace",
          _("E-mail, calendars, documents, chats and the staff's user accounts"),
          (), _("Mailboxes and files as long as needed for their purpose; accounts until "
                "30 days after the employee leaves"), False, DPF),
    Entry("tripletex", "Tripletex",
          _("Accounting: invoices, customer and supplier details, payments, expenses"),
          (R.CUSTOMER, R.EMPLOYEE), BOOKKEEPING, True),
    Entry("fiken", "Fiken",
          _("Accounting: invoices, customer and supplier details, payments, expenses"),
          (R.CUSTOMER, R.EMPLOYEE), BOOKKEEPING, True),
    Entry("visma", "Visma",
          _("Accounting and payroll: invoices, customer details, salaries, tax, bank "
            "accounts, absence"),
          (R.CUSTOMER, R.EMPLOYEE), BOOKKEEPING, True),
    Entry("poweroffice", "PowerOffice",
          _("Accounting: invoices, customer and supplier details, payments, expenses"),
          (R.CUSTOMER, R.EMPLOYEE), BOOKKEEPING, True),
    Entry("mailchimp", "Mailchimp",
          _("Newsletter list: e-mail, name, sign-up date and consent, opens and clicks"),
          (R.NEWSLETTER,), _("Until the person unsubscribes; the unsubscription itself is "
                             "kept as proof"), False, DPF),
    Entry("shopify", "Shopify",
          _("Online shop: customer accounts, addresses, orders, payments and returns"),
          (R.CUSTOMER,), BOOKKEEPING, False,
          _("Adequacy decision for Canada (Art. 45) and standard contractual clauses for the "
            "US (Art. 46(2)(c))")),
    Entry("phone_system", _("Phone system (switchboard)"),
          _("Call logs with phone numbers and times, voicemail, and recordings if turned on"),
          (R.CUSTOMER, R.OTHER), _("Call logs 3 months; recordings 30 days"), True),
    Entry("camera", _("Camera surveillance"),
          _("Video recordings of people on the premises, with time and place"),
          (R.VISITOR, R.EMPLOYEE),
          _("7 days (Norway) or 30 days (Denmark), longer only when handed to the police"),
          True),
    Entry("payroll", _("Payroll system"),
          _("Salaries, tax, bank accounts, pension, absence and national identity numbers"),
          (R.EMPLOYEE,), BOOKKEEPING, True),
    Entry("recruitment", _("Recruitment system"),
          _("Applications, CVs, references and interview notes"),
          (R.JOB_APPLICANT,), _("6 months after the position is filled, longer only with the "
                                "applicant's consent"), True),
    Entry("website_analytics", _("Website analytics"),
          _("Pages visited, device and browser, shortened IP address, consent given to "
            "cookies"),
          (R.WEBSITE_VISITOR,), _("14 months"), False, DPF),
)
BY_KEY = {entry.key: entry for entry in CATALOGUE}


def entry_name(entry: Entry, language: str) -> str:
    with translation.override(language):
        return str(entry.name)


def add_systems(*, actor, organisation: Organisation, keys) -> list[DataSystem]:
    """Add the catalogue entries ``keys`` to the organisation's systems, in its language;
    one it has already (by name) is left as it is. Organisation admins only (systems are
    the organisation's settings, ``access.ADMINISTER``). Returns the systems added."""
    access.require(actor, access.ADMINISTER, organisation)
    entries = [BY_KEY[key] for key in dict.fromkeys(keys) if key in BY_KEY]
    language = organisation.default_language
    existing = set(organisation.systems.values_list("name", flat=True))
    added = []
    with transaction.atomic(), translation.override(language):
        for entry in entries:
            name = str(entry.name)
            if name in existing:
                continue
            added.append(DataSystem.objects.create(
                organisation=organisation, name=name, holds=str(entry.holds),
                relationships=list(entry.relationships), retention=str(entry.retention),
                request_types=list(entry.request_types), provider_role=entry.role,
                in_eea=entry.in_eea, transfer_safeguard=str(entry.safeguard),
                catalogue_key=entry.key))
    return added
