"""The auctions API: the caller's company applies for lots, sees what it owes and bids; and
anyone reads the public lots, events and published results."""

from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from auctions import ceilings, engine, live, proxy, sealed, selectors, services
from auctions.filters import LotFilter
from auctions.models import AuctionEvent, Lot, Result
from auctions.serializers import (
    ApplicationInputSerializer,
    ApplicationSerializer,
    BidAcceptedSerializer,
    BidInputSerializer,
    CeilingSerializer,
    LotStateSerializer,
    MaximumAcceptedSerializer,
    MaximumSerializer,
    PublicEventDetailSerializer,
    PublicEventSerializer,
    PublicLotDetailSerializer,
    PublicLotSerializer,
    PublicResultSerializer,
    SealedBidReceiptSerializer,
)
from bidders.api import NO_COMPANY, NOT_LOGGED_IN, company_of_caller
from core.api_errors import RATE_LIMITED, ErrorSerializer
from core.errors import DomainError
from core.pagination import PublicReadMixin, public_list_responses
from core.parsers import JSONParser
from deposits.filters import StableOrderingFilter

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
        applications = selectors.participants.company_applications(company_of_caller(request))
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
        application = selectors.participants.company_applications(application.company).get(
            pk=application.pk
        )
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
        application = selectors.participants.company_applications(company).filter(pk=pk).first()
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
        responses={
            200: LotStateSerializer,
            429: OpenApiResponse(
                ErrorSerializer,
                description="Too many snapshots of this lot for this user, by this API and "
                "the websocket's resync together (code rate_limited).",
            ),
            **ROOM_REFUSED,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        """Return the caller's view of the lot's state."""
        seat = live.take_seat(user=request.user, lot_id=pk)
        live.spend_snapshot(user_id=request.user.pk, lot_id=pk)
        return Response(live.personal_state(live.lot_state(pk), seat.participant_number))


STAFF_HAVE_NO_CEILING = gettext_lazy("Staff watch the auction; they have no bid ceiling.")


class LotCeilingView(APIView):
    """The caller's company's own bid ceiling in a lot, as the websocket's `ceiling` frame."""

    @extend_schema(
        operation_id="lots_ceiling",
        summary="Show your bid ceiling in a lot",
        description="For the lot's admitted participants. Bids above `amount` are refused "
        "with code above_limit (409); `amount` is null when the lot has no ceiling. A deposit "
        "not yet received counts for nothing.",
        tags=[LIVE_TAG],
        responses={200: CeilingSerializer, **ROOM_REFUSED},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Return the caller's ceiling in the lot."""
        seat = live.take_seat(user=request.user, lot_id=pk)
        own = (
            ceilings.own_frame(user=request.user, lot_id=pk)
            if seat.participant_number is not None
            else None
        )
        if own is None:
            raise DomainError("not_admitted", str(STAFF_HAVE_NO_CEILING))
        return Response(own)


NOT_A_BID = gettext_lazy("Send a JSON object with an amount and a key.")


class BidParser(JSONParser):
    """JSON that does not parse, or nests past the parser's depth, is the contract's malformed.

    The body may first be parsed by the CSRF check, before the view runs; its refusal
    must read the same there.
    """

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except (ParseError, RecursionError):
            raise ParseError(NOT_A_BID, code="malformed") from None


def _amount_and_key(request: Request) -> tuple[object, object]:
    """Return a bid's (or a sealed bid's, or a maximum's) amount and key from the request's
    JSON object, for the engine to judge; raise malformed for a body that is not one."""
    try:
        data = request.data
    except ParseError:
        data = None
    if not isinstance(data, dict):
        raise DomainError("malformed", str(NOT_A_BID))
    return data.get("amount"), data.get("key")


class BidView(APIView):
    """Bids in a live lot, through the same engine as the websocket."""

    parser_classes = [BidParser]

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
                description="The lot moved on: too_low, already_leading or lot_not_live; or "
                "the amount is above the participant's bid ceiling: above_limit.",
            ),
            429: OpenApiResponse(ErrorSerializer, description="Code rate_limited."),
            **ROOM_REFUSED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Place a bid for the caller's company."""
        amount, key = _amount_and_key(request)
        outcome = engine.place_bid(user=request.user, lot_id=pk, amount=amount, key=key)
        return Response(
            live.accepted_frame(outcome.bid, created=outcome.created),
            status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        )


class SealedBidView(APIView):
    """A two-stage lot's sealed round: the caller's company's one sealed bid."""

    parser_classes = [BidParser]

    @extend_schema(
        operation_id="lots_sealed_bid_show",
        summary="Show your sealed bid",
        description="Your company's sealed bid in the lot, with its commitment, and once the "
        "round has closed its rank: the same object as the websocket's `sealed_bid` frame.",
        tags=[LIVE_TAG],
        responses={
            200: SealedBidReceiptSerializer,
            404: OpenApiResponse(
                ErrorSerializer,
                description="No such lot (lot_not_found), or no sealed bid of yours "
                "(no_sealed_bid).",
            ),
            403: ROOM_REFUSED[403],
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        """Return the caller's receipt of its sealed bid."""
        live.take_seat(user=request.user, lot_id=pk)
        sealed_bid = sealed.own_sealed_bid(user=request.user, lot_id=pk)
        if sealed_bid is None:
            raise DomainError("no_sealed_bid", str(NO_SEALED_BID))
        return Response(sealed.receipt(sealed_bid))

    @extend_schema(
        operation_id="lots_sealed_bid",
        summary="Submit your sealed bid",
        description="Once per participant, during the sealed round; at least the starting "
        "price. Stored encrypted until the round closes.",
        tags=[LIVE_TAG],
        request=BidInputSerializer,
        responses={
            201: SealedBidReceiptSerializer,
            200: OpenApiResponse(
                SealedBidReceiptSerializer,
                description="The key was seen before: its first outcome.",
            ),
            400: OpenApiResponse(
                ErrorSerializer, description="Code invalid_amount or malformed (no valid key)."
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description="sealed_bid_exists (one per participant), round_closed, too_low "
                "(below the starting price) or lot_not_live.",
            ),
            429: OpenApiResponse(ErrorSerializer, description="Code rate_limited."),
            **ROOM_REFUSED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Submit the caller's company's sealed bid."""
        amount, key = _amount_and_key(request)
        outcome = engine.submit_sealed_bid(user=request.user, lot_id=pk, amount=amount, key=key)
        return Response(
            sealed.receipt(outcome.sealed_bid, repeated=not outcome.created),
            status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        )


NO_SEALED_BID = gettext_lazy("Your company has submitted no sealed bid in this lot.")


class MaximumView(APIView):
    """The caller's company's private maximum for a live lot: the engine bids for it."""

    parser_classes = [BidParser]

    @extend_schema(
        operation_id="lots_maximum",
        summary="Show your maximum",
        description="Only to the participant that set it (staff neither): the same object "
        "as the websocket's own `maximum` frame.",
        tags=[LIVE_TAG],
        responses={200: MaximumSerializer, **ROOM_REFUSED},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Return the caller's maximum in the lot (amount null: none)."""
        seat = live.take_seat(user=request.user, lot_id=pk)
        if seat.participant_number is None:
            raise DomainError("not_admitted", str(STAFF_HAVE_NO_MAXIMUM))
        return Response(proxy.maximum_frame(user_id=request.user.pk, lot_id=pk))

    @extend_schema(
        operation_id="lots_maximum_set",
        summary="Set or raise your maximum (a proxy bid)",
        description="The engine bids for it whenever you are outbid, one step above, up "
        "to it; not leading, it bids at once. It spends the bid budget.",
        tags=[LIVE_TAG],
        request=BidInputSerializer,
        responses={
            201: MaximumAcceptedSerializer,
            200: OpenApiResponse(
                MaximumAcceptedSerializer, description="The key was seen before: its first outcome."
            ),
            400: OpenApiResponse(
                ErrorSerializer, description="Code invalid_amount or malformed (no valid key)."
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description="too_low (below the lowest bid now), maximum_below_price (below "
                "the price you hold) or lot_not_live.",
            ),
            429: OpenApiResponse(ErrorSerializer, description="Code rate_limited."),
            **ROOM_REFUSED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Set the caller's company's maximum for the lot."""
        amount, key = _amount_and_key(request)
        outcome = engine.set_maximum(user=request.user, lot_id=pk, amount=amount, key=key)
        return Response(
            proxy.accepted_frame(outcome.maximum, created=outcome.created),
            status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        )


STAFF_HAVE_NO_MAXIMUM = gettext_lazy("Staff watch the auction; they do not bid.")


# --- The public catalogue, events and results: anyone may read them -----------------------

CATALOGUE_TAG = "catalogue"
RESULTS_TAG = "results"
NO_SUCH_LOT = OpenApiResponse(ErrorSerializer, description="No public lot with this id.")
NO_SUCH_EVENT = OpenApiResponse(
    ErrorSerializer, description="No event with this code that has public lots."
)


class EventFilter(filters.FilterSet):
    # A choice, not a BooleanFilter, so that "maybe" is refused rather than ignored.
    published = filters.ChoiceFilter(
        label=gettext_lazy("Results published"),
        choices=[("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))],
        method="filter_published",
        help_text=gettext_lazy("true: events whose results are published; false: the others."),
    )
    ordering = StableOrderingFilter(
        label=gettext_lazy("Sort by"),
        default=("-created_at",),
        fields=(("name", "name"), ("code", "code"), ("results_published_at", "published_at")),
    )

    class Meta:
        model = AuctionEvent
        fields = ["published"]

    def filter_published(
        self, queryset: QuerySet[AuctionEvent], name: str, value: str
    ) -> QuerySet[AuctionEvent]:
        return queryset.filter(results_published_at__isnull=value != "true")


class ResultOrderingFilter(StableOrderingFilter):
    """Order by a result's figures with the missing ones last both ways (a failed lot has no
    winning bonus, a cancelled one no result), where SQLite and PostgreSQL would otherwise
    put them at opposite ends."""

    def get_ordering_value(self, param: str) -> str | OrderBy:
        value = super().get_ordering_value(param)
        name = value.removeprefix("-")
        if not name.startswith("published_result__") and name != "ranked_bid_count":
            # A name stays a string, so modeltranslation still reads it in the caller's language.
            return value
        field = F(name)
        return field.desc(nulls_last=True) if value.startswith("-") else field.asc(nulls_last=True)


class ResultFilter(LotFilter):
    """The lot catalogue's filters, over published results, with the outcome."""

    status = None
    event = filters.ModelChoiceFilter(
        label=gettext_lazy("Auction event"),
        queryset=AuctionEvent.objects.filter(results_published_at__isnull=False),
        to_field_name="code",
        help_text=gettext_lazy("Code of an event whose results are published."),
    )
    outcome = filters.ChoiceFilter(
        label=gettext_lazy("Outcome"), choices=Result.Outcome.choices, method="filter_outcome"
    )
    ordering = ResultOrderingFilter(
        label=gettext_lazy("Sort by"),
        default=("-event__results_published_at", "event_id", "number"),
        fields=(
            ("published_result__closed_at", "closed_at"),
            ("published_result__winning_bonus", "winning_bonus"),
            ("ranked_bid_count", "bid_count"),
            ("number", "number"),
            ("deposit__name", "deposit"),
        ),
    )

    class Meta(LotFilter.Meta):
        fields = ["q", "mineral", "mineral_group", "region", "licence_type", "event", "outcome"]

    def filter_outcome(self, queryset: QuerySet[Lot], name: str, value: str) -> QuerySet[Lot]:
        awarded = Lot.objects.filter(selectors.results.published_awarded_lots()).values("pk")
        if value == Result.Outcome.AWARDED:
            return queryset.filter(pk__in=awarded)
        # Failed, cancelled and closed unawarded alike, as the event's totals count them.
        return queryset.exclude(pk__in=awarded)


@extend_schema_view(
    get=extend_schema(
        operation_id="events_list",
        summary="List auction events",
        description="Events with public lots, latest first; `totals` once results are published.",
        tags=[RESULTS_TAG],
        responses=public_list_responses(PublicEventSerializer(many=True)),
    )
)
class EventListView(PublicReadMixin, ListAPIView):
    """The auction events the public may see."""

    serializer_class = PublicEventSerializer
    filterset_class = EventFilter

    def get_queryset(self) -> QuerySet[AuctionEvent]:
        return selectors.results.events_with_public_lots()


@extend_schema_view(
    get=extend_schema(
        operation_id="events_retrieve",
        summary="Show an auction event with its lots",
        tags=[RESULTS_TAG],
        responses={200: PublicEventDetailSerializer, 404: NO_SUCH_EVENT, 429: RATE_LIMITED},
    )
)
class EventDetailView(PublicReadMixin, RetrieveAPIView):
    """One event, by its code, with its public lots in order."""

    serializer_class = PublicEventDetailSerializer
    filter_backends = []
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[AuctionEvent]:
        lots = selectors.catalogue.catalogue_lots().order_by("number")
        return selectors.results.events_with_public_lots().prefetch_related(
            Prefetch("lots", queryset=lots, to_attr="public_lots"),
            Prefetch(
                "errata",
                queryset=selectors.results.published_errata().select_related("lot"),
                to_attr="published_errata",
            ),
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="lots_list",
        summary="List public lots",
        description="The same filters as the lot catalogue page; drafts are never listed. "
        "`ordering` by auction start, application deadline, starting price, deposit or number, "
        "`-` for descending.",
        tags=[RESULTS_TAG],
        responses=public_list_responses(PublicLotSerializer(many=True)),
    )
)
class LotListView(PublicReadMixin, ListAPIView):
    """The lot catalogue."""

    serializer_class = PublicLotSerializer
    filterset_class = LotFilter

    def get_queryset(self) -> QuerySet[Lot]:
        return selectors.catalogue.catalogue_lots()


@extend_schema_view(
    get=extend_schema(
        operation_id="lots_retrieve",
        summary="Show a public lot",
        tags=[CATALOGUE_TAG],
        responses={200: PublicLotDetailSerializer, 404: NO_SUCH_LOT, 429: RATE_LIMITED},
    )
)
class LotDetailView(PublicReadMixin, RetrieveAPIView):
    """One public lot: its terms, prices and schedule, and the record of its pauses."""

    serializer_class = PublicLotDetailSerializer
    filter_backends = []

    def get_queryset(self) -> QuerySet[Lot]:
        return selectors.catalogue.catalogue_lots()


@extend_schema_view(
    get=extend_schema(
        operation_id="results_list",
        summary="List published results by lot",
        description="Each finished lot of an event whose results are published: the outcome and, "
        "when awarded, the winner's name and country and the winning signature bonus, as "
        "published (later corrections only by an erratum, listed on the event).",
        tags=[RESULTS_TAG],
        responses=public_list_responses(PublicResultSerializer(many=True)),
    )
)
class ResultListView(PublicReadMixin, ListAPIView):
    """The published results."""

    serializer_class = PublicResultSerializer
    filterset_class = ResultFilter

    def get_queryset(self) -> QuerySet[Lot]:
        return selectors.results.lots_with_public_result()
