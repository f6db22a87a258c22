"""Serving a paper of a lot's data room: one response, for the public page and the admin."""

from django.http import FileResponse, Http404

from auctions.models import LotDocument


def document_response(document: LotDocument) -> FileResponse:
    """Return the paper as an attachment the browser will neither render nor sniff;
    Http404 if its file is gone."""
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
    response["X-Content-Type-Options"] = "nosniff"
    if not document.is_public:
        # Never kept by a shared cache or the browser's: these are the admitted
        # applicants' papers.
        response["Cache-Control"] = "private, no-store"
    return response
