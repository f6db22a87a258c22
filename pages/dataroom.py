"""Downloading a paper from a lot's data room: public ones for anyone, restricted ones for
the lot's admitted applicants (each download logged), never from a public media URL."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from auctions import dataroom
from auctions.documents import document_response
from auctions.models import LotDocument
from auctions.selectors.catalogue import offered_lots
from core.errors import DomainError


@require_GET
def lot_document(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    """Serve a paper of a public lot's data room to whoever may take it."""
    document = get_object_or_404(
        LotDocument.objects.select_related("lot"), pk=pk, lot__in=offered_lots()
    )
    if not document.is_public and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        dataroom.take_document(document=document, user=request.user)
    except DomainError as refusal:
        raise PermissionDenied(refusal.message) from None
    return document_response(document)
