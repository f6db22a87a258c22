"""The REST API under /api/: every app's endpoints, the OpenAPI schema and its docs page."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from auctions import api as auctions_api
from bidders import api as bidders_api
from core.api_errors import unknown_endpoint
from deposits import api as deposits_api
from licensing import api as licensing_api
from pages import ocds

urlpatterns = [
    # Public: anyone may read these.
    path("regions/", deposits_api.RegionListView.as_view(), name="api-regions"),
    path("minerals/", deposits_api.MineralListView.as_view(), name="api-minerals"),
    path("deposits/", deposits_api.DepositListView.as_view(), name="api-deposits"),
    path("deposits/<str:code>/", deposits_api.DepositDetailView.as_view(), name="api-deposit"),
    path("events/", auctions_api.EventListView.as_view(), name="api-events"),
    path("events/<str:code>/", auctions_api.EventDetailView.as_view(), name="api-event"),
    path("lots/", auctions_api.LotListView.as_view(), name="api-lots"),
    path("lots/<int:pk>/", auctions_api.LotDetailView.as_view(), name="api-lot"),
    path("results/", auctions_api.ResultListView.as_view(), name="api-results"),
    path("licences/", licensing_api.LicenceListView.as_view(), name="api-licences"),
    path(
        "licences/<str:number>/",
        licensing_api.LicenceDetailView.as_view(),
        name="api-licence",
    ),
    path("ocds/", ocds.OcdsIndexView.as_view(), name="api-ocds"),
    path("ocds/all/", ocds.BulkReleasePackageView.as_view(), name="api-ocds-bulk"),
    path(
        "ocds/<slug:code>/releases/",
        ocds.EventReleasePackageView.as_view(),
        name="api-ocds-releases",
    ),
    path("ocds/<slug:code>/record/", ocds.EventRecordPackageView.as_view(), name="api-ocds-record"),
    # The caller's own company, applications and bids.
    path("company/", bidders_api.CompanyView.as_view(), name="api-company"),
    path(
        "company/documents/",
        bidders_api.DocumentListView.as_view(),
        name="api-company-documents",
    ),
    path(
        "company/documents/<int:pk>/download/",
        bidders_api.DocumentDownloadView.as_view(),
        name="api-company-document-download",
    ),
    path("applications/", auctions_api.ApplicationListView.as_view(), name="api-applications"),
    path(
        "applications/<int:pk>/",
        auctions_api.ApplicationDetailView.as_view(),
        name="api-application",
    ),
    path("lots/<int:pk>/state/", auctions_api.LotStateView.as_view(), name="api-lot-state"),
    path("lots/<int:pk>/bids/", auctions_api.BidView.as_view(), name="api-lot-bids"),
    path(
        "lots/<int:pk>/sealed-bids/",
        auctions_api.SealedBidView.as_view(),
        name="api-lot-sealed-bids",
    ),
    path("lots/<int:pk>/maximum/", auctions_api.MaximumView.as_view(), name="api-lot-maximum"),
    path("lots/<int:pk>/ceiling/", auctions_api.LotCeilingView.as_view(), name="api-lot-ceiling"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's start-up script served from its own address, not inline: the
    # Content-Security-Policy runs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Last: any other address ending in a slash (a slashless one still gets its redirect).
    re_path(r"^(?P<path>.*/)$", unknown_endpoint),
]
