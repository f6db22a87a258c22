from django.urls import URLPattern, path

from auctions import views

app_name = "auctions"

urlpatterns: list[URLPattern] = [
    path("lots/<int:pk>/room/", views.room, name="room"),
]
