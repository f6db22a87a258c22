from django.urls import URLPattern, path

from licensing import views

app_name = "licensing"

urlpatterns: list[URLPattern] = [
    path("licences/", views.registry, name="registry"),
    path("licences/<str:number>/certificate.pdf", views.certificate, name="certificate"),
    path("licences/<str:number>/invoice.pdf", views.bonus_invoice, name="invoice"),
    path("licences/<str:number>/area.geojson", views.licence_area, name="area"),
]
