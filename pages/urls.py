from django.urls import URLPattern, URLResolver, path

from pages import dataroom

urlpatterns: list[URLPattern | URLResolver] = [
    path("lot-documents/<int:pk>/", dataroom.lot_document, name="lot_document"),
]
