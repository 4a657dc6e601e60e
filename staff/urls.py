from django.urls import path

from staff import views

app_name = "staff_welcome"
urlpatterns = [
    path("<str:token>/", views.accept, name="accept"),
    path("<str:token>/second-factor/", views.second_factor, name="second_factor"),
]
