"""The REST API under /api/: every app's endpoints, the OpenAPI schema and its docs page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from auctions import api as auctions_api
from bidders import api as bidders_api

urlpatterns = [
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
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
