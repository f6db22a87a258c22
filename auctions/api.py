"""The applications API: the caller's company applies for lots and sees what it owes."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from auctions import engine, live, selectors, services
from auctions.serializers import (
    ApplicationInputSerializer,
    ApplicationSerializer,
    BidAcceptedSerializer,
    BidInputSerializer,
    LotStateSerializer,
)
from bidders.api import NO_COMPANY, NOT_LOGGED_IN, company_of_caller
from core.api_errors import ErrorSerializer
from core.errors import DomainError

TAG = "applications"
LIVE_TAG = "live auction"


class ApplicationListView(GenericAPIView):
    """The caller's company's applications: list them, apply for a lot."""

    parser_classes = [JSONParser]
    serializer_class = ApplicationSerializer

    @extend_schema(
        operation_id="applications_list",
        summary="List the caller's company's applications",
        tags=[TAG],
        responses={200: ApplicationSerializer(many=True), 403: NOT_LOGGED_IN, 404: NO_COMPANY},
    )
    def get(self, request: Request) -> Response:
        """List the caller's company's applications with their payments."""
        applications = selectors.company_applications(company_of_caller(request))
        page = self.paginate_queryset(applications)
        return self.get_paginated_response(ApplicationSerializer(page, many=True).data)

    @extend_schema(
        operation_id="applications_create",
        summary="Apply for a lot",
        description="Creates the application and the payments it owes (participation fee "
        "and guarantee deposit), each with the reference to quote in the transfer.",
        tags=[TAG],
        request=ApplicationInputSerializer,
        responses={
            201: ApplicationSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Invalid fields or an unknown lot (code invalid); or "
                "terms_not_accepted, not_a_representative, company_not_approved, "
                "lot_not_open, deadline_passed.",
            ),
            403: NOT_LOGGED_IN,
            409: OpenApiResponse(
                ErrorSerializer,
                description="The company already applied for this lot (code already_applied).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Apply for a lot for the caller's company."""
        serializer = ApplicationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.apply_for_lot(
            user=request.user,
            lot_id=serializer.validated_data["lot"].pk,
            accept_terms=serializer.validated_data["accept_terms"],
        )
        application = selectors.company_applications(application.company).get(pk=application.pk)
        return Response(ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


class ApplicationDetailView(APIView):
    """One of the caller's company's applications."""

    @extend_schema(
        operation_id="applications_retrieve",
        summary="Show one of the caller's company's applications",
        tags=[TAG],
        responses={
            200: ApplicationSerializer,
            403: NOT_LOGGED_IN,
            404: OpenApiResponse(
                ErrorSerializer,
                description="No such application of the caller's company, or no company.",
            ),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        """Show the application with its payments."""
        company = company_of_caller(request)
        application = selectors.company_applications(company).filter(pk=pk).first()
        if application is None:
            raise NotFound
        return Response(ApplicationSerializer(application).data)


ROOM_REFUSED = {
    403: OpenApiResponse(
        ErrorSerializer,
        description="Not logged in, or not an admitted participant of the lot nor staff "
        "(code not_admitted).",
    ),
    404: OpenApiResponse(ErrorSerializer, description="No such lot (code lot_not_found)."),
}


class LotStateView(APIView):
    """A lot's live state, as the websocket's first frame carries it."""

    @extend_schema(
        operation_id="lots_state",
        summary="Show a lot's live state",
        description="For the lot's admitted participants and for staff. The same object as "
        "the websocket /ws/lots/<id>/ sends on connect and after every change.",
        tags=[LIVE_TAG],
        responses={200: LotStateSerializer, **ROOM_REFUSED},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Return the caller's view of the lot's state."""
        seat = live.take_seat(user=request.user, lot_id=pk)
        return Response(live.personal_state(live.lot_state(pk), seat.participant_number))


class BidView(APIView):
    """Bids in a live lot, through the same engine as the websocket."""

    parser_classes = [JSONParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "bids"

    @extend_schema(
        operation_id="lots_bid",
        summary="Place a bid",
        tags=[LIVE_TAG],
        request=BidInputSerializer,
        responses={
            201: BidAcceptedSerializer,
            200: OpenApiResponse(
                BidAcceptedSerializer, description="The key was seen before: its first outcome."
            ),
            400: OpenApiResponse(
                ErrorSerializer, description="Code invalid_amount or malformed (no valid key)."
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description="The lot moved on: too_low, already_leading or lot_not_live.",
            ),
            429: OpenApiResponse(ErrorSerializer, description="Code rate_limited."),
            **ROOM_REFUSED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Place a bid for the caller's company."""
        try:
            data = request.data
        except RecursionError:
            data = None
        if not isinstance(data, dict):
            raise DomainError("malformed", _("Send a JSON object with an amount and a key."))
        outcome = engine.place_bid(
            user=request.user, lot_id=pk, amount=data.get("amount"), key=data.get("key")
        )
        return Response(
            live.accepted_frame(outcome.bid, created=outcome.created),
            status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        )
