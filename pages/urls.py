from django.urls import URLPattern, URLResolver, path

from pages import dashboard, dataroom, deposit, gallery, home, lot, observer, verify

# Paths as they were when these pages lived in core, deposits and bidders; the names carry
# no namespace, as the front page's never did.
urlpatterns: list[URLPattern | URLResolver] = [
    path("", home.home, name="home"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("deposits/<slug:code>/", deposit.deposit_detail, name="deposit"),
    path("lots/<int:pk>/", lot.lot_detail, name="lot"),
    path("lots/<int:pk>/calendar.ics", lot.lot_calendar, name="lot_calendar"),
    path("lots/<int:pk>/apply/", lot.lot_apply, name="lot_apply"),
    path("lots/<int:pk>/watch/", gallery.watch_lot, name="lot_gallery"),
    path("verify/", verify.verify, name="verify"),
    # Before the code pattern: a code is never this long.
    path("verify/nedra-signing-root.pem", verify.trust_root, name="verify_trust_root"),
    path("verify/<str:code>/", verify.verify_document, name="verify_document"),
    path("results/<slug:code>/observer/", observer.observer_report, name="observer_report"),
    path("lot-documents/<int:pk>/", dataroom.lot_document, name="lot_document"),
]
