"""The bidders' API: the caller's own company, its owners and its private documents."""

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bidders import selectors, services
from bidders.documents import document_response
from bidders.models import Company
from bidders.serializers import (
    CompanyRegistrationSerializer,
    CompanySerializer,
    CompanyUpdateSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
)
from core.api_errors import ErrorSerializer
from core.parsers import JSONParser

TAG = "company"
LOGIN_REQUIRED = OpenApiResponse(
    ErrorSerializer, description="Not logged in, or the CSRF token is missing or wrong."
)
# The caller's own company and applications: for bidders, never for staff.
NOT_LOGGED_IN = OpenApiResponse(
    ErrorSerializer,
    description="Not logged in, or the CSRF token is missing or wrong; or the caller is "
    "ministry staff, who never represent a company (code staff_not_bidder).",
)
NO_COMPANY = OpenApiResponse(
    ErrorSerializer, description="The caller represents no company (code no_company)."
)
REFUSED = OpenApiResponse(
    ErrorSerializer,
    description="Invalid fields (code invalid, with errors per field) or a refusal of the "
    "domain with its code.",
)
ALREADY_REGISTERED = OpenApiResponse(
    ErrorSerializer,
    description="The caller already represents a company (already_registered), or the "
    "registration number is taken in that country (company_exists).",
)


class NoCompany(NotFound):
    """The caller represents no company, so there is nothing of theirs to show."""

    default_detail = _("You do not represent a company yet; register one first.")
    default_code = "no_company"


def company_of_caller(request: Request) -> Company:
    """Return the company the caller represents; raise NoCompany (404) when there is none.

    Ministry staff are refused (403, staff_not_bidder) rather than told they have none.
    """
    services.refuse_staff(request.user)
    company = selectors.company_of(request.user)
    if company is None:
        raise NoCompany
    return company


class CompanyView(APIView):
    """The caller's company: read it, register it, correct it."""

    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="company_retrieve",
        summary="Show the caller's company",
        tags=[TAG],
        responses={200: CompanySerializer, 403: NOT_LOGGED_IN, 404: NO_COMPANY},
    )
    def get(self, request: Request) -> Response:
        """Show the caller's company with its owners, documents and decisions."""
        company = company_of_caller(request)
        return Response(CompanySerializer(company, context={"request": request}).data)

    @extend_schema(
        operation_id="company_register",
        summary="Register the caller's company for review",
        tags=[TAG],
        request=CompanyRegistrationSerializer,
        responses={
            201: CompanySerializer,
            400: REFUSED,
            403: NOT_LOGGED_IN,
            409: ALREADY_REGISTERED,
        },
    )
    def post(self, request: Request) -> Response:
        """Register a company with the caller as its representative."""
        # Staff hear why before any field is judged: no input would make them a bidder.
        services.refuse_staff(request.user)
        serializer = CompanyRegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        company = services.register_company(
            user=request.user,
            details=serializer.company_details(),
            owners=serializer.owner_details(),
            position=serializer.validated_data["position"],
        )
        body = CompanySerializer(company, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="company_update",
        summary="Correct the caller's company",
        description="Replaces the details and owners of a pending or rejected company; "
        "a rejected company goes back for review.",
        tags=[TAG],
        request=CompanyUpdateSerializer,
        responses={
            200: CompanySerializer,
            400: REFUSED,
            403: NOT_LOGGED_IN,
            404: NO_COMPANY,
            409: ALREADY_REGISTERED,
        },
    )
    def put(self, request: Request) -> Response:
        """Replace the details and owners of the caller's company."""
        company = company_of_caller(request)
        serializer = CompanyUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        company = services.update_company(
            user=request.user,
            company_id=company.pk,
            details=serializer.company_details(),
            owners=serializer.owner_details(),
        )
        return Response(CompanySerializer(company, context={"request": request}).data)


class DocumentListView(GenericAPIView):
    """The caller's company's documents: list them, upload one."""

    parser_classes = [MultiPartParser]
    serializer_class = DocumentSerializer

    @extend_schema(
        operation_id="company_documents_list",
        summary="List the caller's company's documents",
        tags=[TAG],
        responses={200: DocumentSerializer(many=True), 403: NOT_LOGGED_IN, 404: NO_COMPANY},
    )
    def get(self, request: Request) -> Response:
        """List the documents of the caller's company, newest first within each kind."""
        documents = company_of_caller(request).documents.all()
        page = self.paginate_queryset(documents)
        serializer = DocumentSerializer(page, many=True, context={"request": request})
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        operation_id="company_documents_upload",
        summary="Upload a document for the company's approval",
        tags=[TAG],
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={
            201: DocumentSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Missing fields or unknown kind (code invalid), or a file of the "
                "wrong type, size or content (code invalid_document).",
            ),
            403: NOT_LOGGED_IN,
            404: NO_COMPANY,
        },
    )
    def post(self, request: Request) -> Response:
        """Store a document privately for the caller's company."""
        company = company_of_caller(request)
        serializer = DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.upload_document(
            user=request.user,
            company_id=company.pk,
            kind=serializer.validated_data["kind"],
            upload=serializer.validated_data["file"],
        )
        body = DocumentSerializer(document, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class DocumentDownloadView(APIView):
    """One document's file, for its company's representatives and staff only."""

    @extend_schema(
        operation_id="company_documents_download",
        summary="Download a document",
        tags=[TAG],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file as an attachment, with its stored content type.",
            ),
            403: LOGIN_REQUIRED,
            404: OpenApiResponse(
                ErrorSerializer, description="No such document among those the caller may see."
            ),
        },
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        """Send the document's file as an attachment."""
        document = selectors.documents_visible_to(request.user).filter(pk=pk).first()
        if document is None:
            raise NotFound
        return document_response(document)
