"""Staff pages outside the model admin, mounted at ``/staff/`` (outside ``i18n_patterns``,
like the admin)."""

from django.urls import path

from requests_app.views import staff

app_name = "staff"
urlpatterns = [
    path("reports/", staff.reports_page, name="reports"),
    path("reports/export/<slug:slug>.csv", staff.report_csv, name="report_csv"),
    path("reports/export/reports.xlsx", staff.reports_xlsx, name="reports_xlsx"),
    path("reports/annual.pdf", staff.annual_pdf, name="annual_pdf"),
    path("reports/register.csv", staff.register_csv, name="register_csv"),
]
