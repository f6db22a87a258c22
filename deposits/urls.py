from django.urls import URLPattern, path

from deposits import views

app_name = "deposits"

urlpatterns: list[URLPattern] = [
    path("deposits/", views.catalogue, name="catalogue"),
]
