"""Websocket routes. Each app's consumers are mounted here."""

from django.urls import URLPattern, path

from auctions.consumers import GalleryConsumer, LotConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/lots/<int:lot_id>/", LotConsumer.as_asgi()),
    # The public gallery: anyone watches the same lot, by participant numbers, never bidding.
    path("ws/lots/<int:lot_id>/gallery/", GalleryConsumer.as_asgi()),
]
