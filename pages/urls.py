from django.urls import URLPattern, URLResolver, path

from pages import gallery

urlpatterns: list[URLPattern | URLResolver] = [
    path("lots/<int:pk>/watch/", gallery.watch_lot, name="lot_gallery"),
]
