"""The reference project's two pages."""

from django.urls import path

from bench.reference import views

urlpatterns = [
    path("hello/", views.hello),
    path("insert/", views.insert),
]
