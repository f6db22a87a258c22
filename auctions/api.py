"""The applications API: the caller's company applies for lots and sees what it owes."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from auctions import selectors, services
from auctions.serializers import ApplicationInputSerializer, ApplicationSerializer
from bidders.api import NO_COMPANY, NOT_LOGGED_IN, company_of_caller
from core.api_errors import ErrorSerializer

TAG = "applications"


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
