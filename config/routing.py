"""Websocket routes. Each app's consumers are mounted here."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
