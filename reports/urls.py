"""Staff pages outside the model admin, mounted at ``/staff/`` (outside ``i18n_patterns``,
like the admin)."""

from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.reports_page, name="reports"),
    path("reports/export/<slug:slug>.csv", views.report_csv, name="report_csv"),
    path("reports/export/reports.xlsx", views.reports_xlsx, name="reports_xlsx"),
    path("reports/annual.pdf", views.annual_pdf, name="annual_pdf"),
    path("reports/register.csv", views.register_csv, name="register_csv"),
]
