from django.urls import URLPattern, path

from auctions import views

app_name = "auctions"

urlpatterns: list[URLPattern] = [
    path("lots/<int:pk>/room/", views.room, name="room"),
    path("results/", views.results, name="results"),
    path("results/<slug:code>/", views.event_results, name="event_results"),
    path("results.csv", views.results_csv, name="results_csv"),
    path("results/<slug:code>.csv", views.event_results_csv, name="event_results_csv"),
    path("lots/<int:pk>/bids/", views.bid_log, name="bid_log"),
    path("lots/<int:pk>/bids.csv", views.bid_log_csv, name="bid_log_csv"),
    path("lots/<int:pk>/bids.json", views.bid_log_json, name="bid_log_json"),
    path(
        "lots/<int:pk>/bids.csv.sig",
        views.bid_log_signature,
        {"extension": "csv"},
        name="bid_log_csv_signature",
    ),
    path(
        "lots/<int:pk>/bids.json.sig",
        views.bid_log_signature,
        {"extension": "json"},
        name="bid_log_json_signature",
    ),
    path("lots/<int:pk>/protocol.pdf", views.protocol, name="protocol"),
    path("lots/", views.lot_catalogue, name="catalogue"),
    path("payments/<str:reference>/invoice.pdf", views.payment_invoice, name="invoice"),
]
