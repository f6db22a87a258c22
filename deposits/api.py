"""The public catalogue API: regions, minerals and deposits with their reserves."""

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.generics import ListAPIView, RetrieveAPIView

from core.api_errors import RATE_LIMITED, ErrorSerializer
from core.pagination import PublicReadMixin, public_list_responses
from deposits import selectors
from deposits.filters import DepositFilter
from deposits.models import Deposit, Mineral, Region
from deposits.serializers import (
    DepositDetailSerializer,
    DepositSerializer,
    MineralSerializer,
    RegionSerializer,
)

TAG = "catalogue"
NO_SUCH_DEPOSIT = OpenApiResponse(ErrorSerializer, description="No deposit with this code.")


def api_deposits() -> QuerySet[Deposit]:
    """Return the catalogue's deposits with their reserves, in a fixed number of queries."""
    return selectors.catalogue_deposits().prefetch_related(
        Prefetch("reserves", queryset=selectors.ranked_reserves())
    )


@extend_schema_view(
    get=extend_schema(
        operation_id="regions_list",
        summary="List the regions of Kazakhstan",
        tags=[TAG],
        responses=public_list_responses(RegionSerializer(many=True)),
    )
)
class RegionListView(PublicReadMixin, ListAPIView):
    """The regions, by name in the caller's language."""

    serializer_class = RegionSerializer
    filter_backends = []

    def get_queryset(self) -> QuerySet[Region]:
        return Region.objects.order_by("name", "pk")


@extend_schema_view(
    get=extend_schema(
        operation_id="minerals_list",
        summary="List the minerals with their group",
        tags=[TAG],
        responses=public_list_responses(MineralSerializer(many=True)),
    )
)
class MineralListView(PublicReadMixin, ListAPIView):
    """The minerals, by name in the caller's language."""

    serializer_class = MineralSerializer
    filter_backends = []

    def get_queryset(self) -> QuerySet[Mineral]:
        return Mineral.objects.order_by("name", "pk")


@extend_schema_view(
    get=extend_schema(
        operation_id="deposits_list",
        summary="List deposits with their reserves",
        description="The same filters as the catalogue page: a search term, a mineral or mineral "
        "group, a region and a status; `ordering` by name, region or code, `-` for descending.",
        tags=[TAG],
        responses=public_list_responses(DepositSerializer(many=True)),
    )
)
class DepositListView(PublicReadMixin, ListAPIView):
    """The deposit catalogue."""

    serializer_class = DepositSerializer
    filterset_class = DepositFilter

    def get_queryset(self) -> QuerySet[Deposit]:
        return api_deposits()


@extend_schema_view(
    get=extend_schema(
        operation_id="deposits_retrieve",
        summary="Show a deposit with its reserves",
        tags=[TAG],
        responses={200: DepositDetailSerializer, 404: NO_SUCH_DEPOSIT, 429: RATE_LIMITED},
    )
)
class DepositDetailView(PublicReadMixin, RetrieveAPIView):
    """One deposit, by its cadastre code."""

    serializer_class = DepositDetailSerializer
    filter_backends = []
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Deposit]:
        return api_deposits()
