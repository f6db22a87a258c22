"""A lot's data room: the papers staff attach to a lot, and who may take the restricted ones.

Public papers are for anyone. Restricted ones are for the representatives of companies
with an admitted application for that lot; staff read them in the admin. Every download
of a restricted paper is logged per company, and since that log says which companies are
admitted to a lot, staff see it only once the event's results are published, when the
public learns the participants' names too (auctions.identity).

Published means frozen: a lot's papers can be added or changed only while the lot is a
draft; once it is offered, applicants rely on what it holds, so nothing changes silently
(a correction is a new paper, added until the event's results are published).
"""

import filetype
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from auctions.models import Application, Lot, LotDocument, LotDocumentDownload
from bidders.models import Company
from bidders.services import readable_size
from core.errors import DomainError
from core.uploads import OversizedUpload

# What a paper may be: its name's extension, and what its bytes must really be.
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}
# Office files are zip archives: filetype tells a document from a spreadsheet by the
# names of the first entries, which lie past the first few hundred bytes.
SNIFF_BYTES = 8192


def check_upload(upload: UploadedFile) -> str:
    """Return the upload's real content type; raise DomainError unless it is an allowed
    type within the upload size limit."""
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in DOCUMENT_TYPES:
        raise DomainError(
            "invalid_document", _("Upload a PDF, Word (DOCX), Excel (XLSX), JPEG or PNG file.")
        )
    if isinstance(upload, OversizedUpload) or (upload.size or 0) > settings.UPLOAD_MAX_BYTES:
        raise DomainError(
            "invalid_document",
            _("The file is larger than %(size)s.")
            % {"size": readable_size(settings.UPLOAD_MAX_BYTES)},
        )
    if not upload.size:
        raise DomainError("invalid_document", _("The file is empty."))
    upload.seek(0)
    sniffed = filetype.guess_mime(upload.read(SNIFF_BYTES))
    upload.seek(0)
    if sniffed != DOCUMENT_TYPES[extension]:
        raise DomainError(
            "invalid_document",
            _("The file's content is not what its name says (.%(extension)s).")
            % {"extension": extension},
        )
    return sniffed


def _require_draft(lot: Lot) -> None:
    if lot.status != Lot.Status.DRAFT:
        raise DomainError(
            "data_room_frozen",
            _(
                "Lot %(number)s is %(status)s: its papers no longer change. Add a new paper "
                "to correct one."
            )
            % {"number": lot.number, "status": lot.get_status_display().lower()},
        )


@transaction.atomic
def attach_document(
    *,
    lot_id: int,
    kind: str,
    title: str,
    access: str,
    upload: UploadedFile,
    uploaded_by: User,
) -> LotDocument:
    """Store a paper in the lot's data room; raises DomainError for a bad file, or once the
    event's results are published."""
    # Locked so a paper is never added while the results are being published.
    lot = Lot.objects.select_for_update().select_related("event").get(pk=lot_id)
    if lot.event.are_results_published:
        raise DomainError(
            "data_room_frozen",
            _("The results of this event are published: the lot's data room is closed."),
        )
    if kind not in LotDocument.Kind.values or access not in LotDocument.Access.values:
        raise DomainError("invalid_document", _("Unknown kind of paper or access."))
    content_type = check_upload(upload)
    document = LotDocument(
        lot=lot,
        kind=kind,
        title=title,
        access=access,
        original_name=(upload.name or "document")[-255:],
        content_type=content_type,
        # check_upload refused an upload without a size.
        size=upload.size or 0,
        uploaded_by=uploaded_by,
    )
    document.file.save(upload.name or "document", upload, save=False)
    document.save()
    return document


@transaction.atomic
def describe_document(*, document_id: int, kind: str, title: str, access: str) -> LotDocument:
    """Change a paper's kind, title or access; raises DomainError unless its lot is a draft."""
    document = LotDocument.objects.select_related("lot").get(pk=document_id)
    lot = Lot.objects.select_for_update().get(pk=document.lot_id)
    _require_draft(lot)
    document.kind, document.title, document.access = kind, title, access
    document.full_clean(exclude=["file", "lot", "uploaded_by"])
    document.save(update_fields=["kind", "title", "access"])
    return document


@transaction.atomic
def remove_document(*, document_id: int) -> None:
    """Delete a paper and its file; raises DomainError unless its lot is a draft."""
    document = LotDocument.objects.get(pk=document_id)
    lot = Lot.objects.select_for_update().get(pk=document.lot_id)
    _require_draft(lot)
    stored, name = document.file, document.file.name
    document.delete()
    # The file goes only once the row is gone for good.
    if name:
        transaction.on_commit(lambda: stored.storage.delete(name))


def admitted_company(user: User | AnonymousUser, lot: Lot) -> Company | None:
    """Return the company the user represents if it holds an admitted application for
    the lot, else None."""
    if not user.is_authenticated or user.is_staff:
        return None
    return (
        Company.objects.filter(
            representatives__user=user,
            applications__lot=lot,
            applications__status=Application.Status.ADMITTED,
        )
        .distinct()
        .first()
    )


def documents_of(lot: Lot) -> QuerySet[LotDocument]:
    """Return the lot's papers in the order the lot page lists them."""
    return LotDocument.objects.filter(lot=lot).order_by("kind", "pk")


@transaction.atomic
def take_document(*, document: LotDocument, user: User | AnonymousUser) -> LotDocument:
    """Return the paper if the user may download it, logging a restricted one against the
    user's company; raises DomainError (`not_admitted`) otherwise."""
    if document.is_public:
        return document
    company = admitted_company(user, document.lot)
    # Only a signed-in user has a company; the isinstance says so to the type checker.
    if company is None or isinstance(user, AnonymousUser):
        raise DomainError(
            "not_admitted",
            _("This paper is only for the representatives of companies admitted to the lot."),
        )
    LotDocumentDownload.objects.create(document=document, company=company, user=user)
    return document


def download_log() -> QuerySet[LotDocumentDownload]:
    """Return the downloads staff may see: those of lots whose event's results are
    published, when the public learns who took part too."""
    return LotDocumentDownload.objects.filter(
        document__lot__event__results_published_at__isnull=False
    ).select_related("document", "document__lot", "document__lot__event", "company", "user")
