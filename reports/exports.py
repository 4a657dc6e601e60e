"""The reports as files: CSV per table, one XLSX workbook, the annual PDF and the anonymous
register CSV. Every cell a requester could have typed is escaped against formulas."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterator
from datetime import UTC, date

from django.db.models import (
    Case,
    CharField,
    Q,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.expressions import ANSWERED_STATUSES, ON_TIME, LocalDate
from reports.figures import DEFINITIONS, Report
from reports.filters import Filters
from reports.querysets import Zones, received_in
from requests_app.csvfiles import escape_cell
from requests_app.models import (
    Channel,
    ExtensionReason,
    RefusalGround,
    Relationship,
    RequestType,
    Status,
)

#: The roles that see the reports of an organisation (superusers see every organisation).

# --- Exports -------------------------------------------------------------------------------

def export_value(value, kind: str):
    """A cell for CSV or XLSX: numbers stay numbers, months are YYYY-MM, dates ISO."""
    if value is None:
        return ""
    if kind == "month" and isinstance(value, date):
        return value.strftime("%Y-%m")
    if isinstance(value, date):
        return value.isoformat()
    return escape_cell(str(value)) if not isinstance(value, int | float) else value


def table(report: Report) -> Iterator[list]:
    """The header and the rows of a report, ready for a writer."""
    columns = report.columns()
    yield [escape_cell(str(column.label)) for column in columns]
    for row in report.data:
        yield [export_value(row.get(column.key), column.kind) for column in columns]


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(table(report))
    return out.getvalue()


def _sheet_title(title: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:28] or "Sheet"
    candidate, number = name, 2
    while candidate.lower() in taken:
        candidate, number = f"{name[:26]} {number}", number + 1
    taken.add(candidate.lower())
    return candidate


def reports_xlsx(filters: Filters, reports: list[Report]) -> bytes:
    """Every table in one workbook (openpyxl's write-only mode): an "About" sheet with the
    filters, then one sheet per report."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    taken: set[str] = set()
    about = workbook.create_sheet(_sheet_title(_("About"), taken))
    about.append([escape_cell(_("Reports on data-subject requests"))])
    about.append([escape_cell(_("Generated")), timezone.localtime(filters.now).strftime(
        "%Y-%m-%d %H:%M")])
    for label, value in filters.describe():
        about.append([escape_cell(label), escape_cell(value)])
    for report in reports:
        sheet = workbook.create_sheet(_sheet_title(str(report.title), taken))
        rows = table(report)
        header = []
        for label in next(rows):
            cell = WriteOnlyCell(sheet, value=label)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# The register: one row per request, never a personal field (name, address, phone,
# description, details, status link, assignee).
REGISTER_COLUMNS = [
    ("reference", gettext_lazy("Reference")),
    ("organisation__slug", gettext_lazy("Organisation")),
    ("organisation__country", gettext_lazy("Country")),
    ("type", gettext_lazy("Type")),
    ("channel", gettext_lazy("Channel")),
    ("relationship", gettext_lazy("Relationship")),
    ("received_at", gettext_lazy("Received (UTC)")),
    ("received_on", gettext_lazy("Received (local date)")),
    ("statutory_due_date", gettext_lazy("Statutory due date")),
    ("due_date", gettext_lazy("Due date")),
    ("extended_on", gettext_lazy("Extended (local date)")),
    ("extension_reason", gettext_lazy("Reason for extension")),
    ("status", gettext_lazy("Status")),
    ("closed_on", gettext_lazy("Closed (local date)")),
    ("on_time", gettext_lazy("Answered on time")),
    ("refusal_ground", gettext_lazy("Refusal ground")),
    ("further_grounds", gettext_lazy("Further refusal grounds")),
    ("partly_refused", gettext_lazy("Partly refused")),
    ("forwarded_to_name", gettext_lazy("Forwarded to (controller)")),
    ("purged_on", gettext_lazy("Personal data erased (date)")),
    # "We hold no data about you": an answer (Art. 15(1)), not a refusal.
    ("no_data_held", gettext_lazy("No data held")),
]
_LABELS = {"type": RequestType, "channel": Channel, "relationship": Relationship,
           "status": Status, "extension_reason": ExtensionReason,
           "refusal_ground": RefusalGround}


def register_queryset(f: Filters):
    """The requests received in the period, oldest first, as tuples of REGISTER_COLUMNS."""
    on_time = Case(
        When(~Q(status__in=ANSWERED_STATUSES), then=Value("")),
        When(ON_TIME, then=Value("yes")),
        default=Value("no"), output_field=CharField(),
    )
    zones = Zones.of(f)
    zone = zones.expression
    return (received_in(f, zones)
            .annotate(received_on=LocalDate("received_at", zone),
                      closed_on=LocalDate("closed_at", zone),
                      extended_on=LocalDate("extended_at", zone),
                      purged_on=LocalDate("purged_at", zone), on_time=on_time)
            .order_by("received_at", "pk")
            .values_list(*[key for key, _label in REGISTER_COLUMNS]))


def register_lines(f: Filters, chunk_size: int = 5000) -> Iterator[str]:
    """The register as CSV lines, streamed in blocks of about 1,000 rows.

    Only the cells that need it are converted (the csv module writes NULL as an empty cell
    and dates as ISO dates): codes become labels, yes/no, the UTC time, and the texts anyone
    could have typed (the slug, the controller's name) are escaped against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([escape_cell(str(label)) for _key, label in REGISTER_COLUMNS])
    yield flush()
    yes, no = _("yes"), _("no")
    convert = {key: functools.partial(_label, {code: escape_cell(str(label))
                                               for code, label in choices.choices})
               for key, choices in _LABELS.items()}
    convert.update({
        "organisation__slug": escape_cell, "forwarded_to_name": escape_cell,
        "on_time": {"yes": yes, "no": no, "": ""}.get,
        "further_grounds": lambda value: "; ".join(
            convert["refusal_ground"](g) for g in value.split(",") if g),
        "partly_refused": lambda value: yes if value else "",
        "no_data_held": lambda value: yes if value else "",
        "received_at": lambda value: value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    })
    converters = [(index, convert[key]) for index, (key, _label) in enumerate(REGISTER_COLUMNS)
                  if key in convert]
    for count, values in enumerate(register_queryset(f).iterator(chunk_size=chunk_size), 1):
        row = list(values)
        for index, function in converters:
            row[index] = function(row[index])
        writer.writerow(row)
        if count % 1000 == 0:
            yield flush()
    yield flush()


def _label(labels: dict, code: str) -> str:
    return labels.get(code, code)


def annual_pdf(filters: Filters, reports: list[Report]) -> bytes:
    """The annual report for the accountability file (Art. 5(2)): every table, per type, with
    its chart, rendered by WeasyPrint from ``reports/reports_annual.html``.

    Like the access package's cover (``requests_app.delivery.cover``), WeasyPrint may fetch
    only ``data:`` URLs: the charts are inline SVG and the fonts come from the system, so
    nothing needs a ``file:`` or ``http:`` URL, and a URL that reached the HTML could
    otherwise read files of the server into the PDF or make the server call other hosts.
    """
    from django.template.loader import render_to_string
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string("reports/reports_annual.html", {
        "filters": filters, "reports": reports, "definitions": DEFINITIONS,
        "generated": timezone.localtime(filters.now)})
    fetcher = URLFetcher(allowed_protocols=("data",))
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()

