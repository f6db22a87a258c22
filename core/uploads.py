"""Uploads refused while they stream: no file past the limit is kept, in memory or on disk.

Django writes an upload to a temporary file as it arrives and only then lets a form look
at its size, so a 300 MB upload was stored whole before the 10 MB rule refused it. The
handler here stops storing a file the moment it passes UPLOAD_MAX_BYTES and hands the
form an empty stand-in that still says how large the file was, so the form's own size
rule (bidders.services.check_document) gives its usual clear error.
"""

import io
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.utils.translation import gettext
from import_export.forms import ImportForm


class OversizedUpload(UploadedFile):
    """A file refused for its size: its name and the size it reached, none of its bytes."""

    def __init__(
        self, *, name: str | None, content_type: str | None, size: int, charset: str | None
    ) -> None:
        super().__init__(io.BytesIO(), name, content_type, size, charset)

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> "OversizedUpload":
        return self


class SizeLimitedUploadHandler(TemporaryFileUploadHandler):
    """Stream an upload to a temporary file, dropping it as soon as it passes the limit.

    Django's MemoryFileUploadHandler, before this one, takes only requests smaller than
    FILE_UPLOAD_MAX_MEMORY_SIZE; every larger upload comes here.
    """

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.is_oversized = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.is_oversized:
            return
        if self.received > settings.UPLOAD_MAX_BYTES:
            # Delete what was written so far; the rest is read and discarded.
            self.is_oversized = True
            self.upload_interrupted()
            return
        super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.is_oversized:
            return OversizedUpload(
                name=self.file_name,
                content_type=self.content_type,
                size=self.received,
                charset=self.charset,
            )
        return super().file_complete(file_size)


def too_large_message() -> str:
    """Say how large an uploaded file may be."""
    megabytes = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
    return gettext("The file is larger than %(megabytes)s MB.") % {"megabytes": f"{megabytes:g}"}


class SizeLimitedImportForm(ImportForm):
    """The admin's import form, saying a file refused for its size was too large.

    Without it, the empty stand-in of an oversized file reads as "no valid data".
    """

    def clean_import_file(self) -> UploadedFile:
        upload = self.cleaned_data["import_file"]
        if isinstance(upload, OversizedUpload):
            raise forms.ValidationError(too_large_message(), code="too_large")
        return upload
