"""Websocket routes. Each app's consumers are mounted here."""

from django.urls import URLPattern, path

from auctions.consumers import LotConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/lots/<int:lot_id>/", LotConsumer.as_asgi()),
]
