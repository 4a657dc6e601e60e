from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from reports import views as reports_views
from requests_app.views import identity, public
from staff.auth import StaffAdminSite

# Staff need a second factor: django-otp's documented way to make the default admin site an
# OTPAdminSite (StaffAdminSite is one, with our login page). The class is changed in place, so
# the models registered with @admin.register stay registered and the site keeps its name.
admin.site.__class__ = StaffAdminSite

# The error pages (portal/errors.py): in the visitor's language and the site's layout, and
# without the database or the cache, which may be what failed.
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("staff/", include("reports.urls")),
    path("staff/welcome/", include("staff.urls")),
    path("healthz", public.healthz, name="healthz"),
    # The eID broker's callback: one URL, outside the language prefix, to register with it.
    path("eid/callback/", identity.callback, name="eid_callback"),
    path("logo/<slug:slug>/<str:version>.png", public.logo, name="logo"),
]
urlpatterns += i18n_patterns(
    path("o/<slug:slug>/figures/", reports_views.public_figures, name="public_figures"),
    path("", include("requests_app.urls")),
    prefix_default_language=True,
)
