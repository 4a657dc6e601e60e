from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from requests_app.views import public

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", public.healthz, name="healthz"),
]
urlpatterns += i18n_patterns(
    path("", include("requests_app.urls")),
    prefix_default_language=True,
)
