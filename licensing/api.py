"""The public licence registry API: what the registry page lists, filtered the same way."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.generics import ListAPIView, RetrieveAPIView

from core.api_errors import RATE_LIMITED, ErrorSerializer
from core.pagination import PublicReadMixin, public_list_responses
from licensing import selectors
from licensing.filters import LicenceFilter
from licensing.models import Licence
from licensing.serializers import LicenceSerializer

TAG = "licences"


@extend_schema_view(
    get=extend_schema(
        operation_id="licences_list",
        summary="List the licence registry",
        description="Active licences unless `status` says otherwise (`all` for every status). "
        "An offer still awaiting payment is listed only once its event's results are published.",
        tags=[TAG],
        responses=public_list_responses(LicenceSerializer(many=True)),
    )
)
class LicenceListView(PublicReadMixin, ListAPIView):
    """The public licence registry."""

    serializer_class = LicenceSerializer
    filterset_class = LicenceFilter

    def get_queryset(self) -> QuerySet[Licence]:
        return selectors.registry_licences()


@extend_schema_view(
    get=extend_schema(
        operation_id="licences_retrieve",
        summary="Show a licence of the registry",
        tags=[TAG],
        responses={
            200: LicenceSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No licence the registry lists."),
            429: RATE_LIMITED,
        },
    )
)
class LicenceDetailView(PublicReadMixin, RetrieveAPIView):
    """One licence of the registry, whatever its status, by its number."""

    serializer_class = LicenceSerializer
    filter_backends = []
    lookup_field = "number"

    def get_queryset(self) -> QuerySet[Licence]:
        return selectors.registry_licences()
