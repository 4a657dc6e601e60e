from django.urls import path

from requests_app.views import downloads, identity, public

app_name = "public"
urlpatterns = [
    path("", public.home, name="home"),
    path("o/<slug:slug>/", public.organisation, name="organisation"),
    path("o/<slug:slug>/sent/", public.sent, name="sent"),
    path("o/<slug:slug>/<slug:request_type>/", public.request_form, name="request_form"),
    path("confirm/<str:token>/", public.confirm, name="confirm"),
    path("status/<str:token>/", public.status, name="status"),
    path("status/<str:token>/package/<uuid:public_id>/", downloads.package_link,
         name="package_link"),
    path("status/<str:token>/eid/<slug:method>/", identity.start, name="eid_start"),
    path("package/<str:signed>/", downloads.package_download, name="package_download"),
]
