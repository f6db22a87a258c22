"""Serving a private company document: one response, for the page and the API alike."""

from django.http import FileResponse, Http404

from bidders.models import CompanyDocument


def document_response(document: CompanyDocument) -> FileResponse:
    """Return the document as a private attachment; Http404 if its file is gone."""
    try:
        stored = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    # Never kept by a shared cache or the browser's: these are private papers.
    response["Cache-Control"] = "private, no-store"
    return response
