from django.urls import URLPattern, URLResolver, path

from pages import observer

urlpatterns: list[URLPattern | URLResolver] = [
    path("results/<slug:code>/observer/", observer.observer_report, name="observer_report"),
]
