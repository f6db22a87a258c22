"""Uploads past the limit are refused while they stream: nothing past it is ever stored.

The bodies here are generated as they are read, so a test can send far more than the
limit without holding it in memory, and look at the disk between two reads.
"""

import asyncio
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.conf import LazySettings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.client import ClientHandler
from django.urls import reverse

from bidders.models import Company, CompanyDocument
from bidders.tests.factories import PDF_BYTES, CompanyFactory, RepresentativeFactory
from config.asgi import application
from deposits.models import Deposit

pytestmark = pytest.mark.django_db

LIMIT = 1024 * 1024
# Django reads a body in chunks of 64 KiB: at most one chunk past the limit is ever read
# into memory before the file is dropped.
CHUNK = 64 * 1024
BOUNDARY = "nedra-upload-boundary"


@pytest.fixture(autouse=True)
def small_limit(settings: LazySettings, tmp_path: Path) -> None:
    """A 1 MB limit, and private and temporary files in directories the test can watch."""
    settings.DOCUMENT_MAX_BYTES = LIMIT
    settings.UPLOAD_MAX_BYTES = LIMIT
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()


class GeneratedBody(io.RawIOBase):
    """A multipart body with one file of `size` bytes, made as it is read.

    Before each read it calls `watch`, so the test sees the disk while the upload streams.
    """

    def __init__(self, fields: dict[str, str], file_field: str, size: int, watch: Callable) -> None:
        head = "".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        )
        head += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; '
            'filename="huge.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        )
        self.head = head.encode() + PDF_BYTES
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.filler = size - len(PDF_BYTES)
        self.length = len(self.head) + self.filler + len(self.tail)
        self.position = 0
        self.watch = watch

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.watch()
        if size < 0:
            size = self.length - self.position
        out = bytearray()
        while len(out) < size and self.position < self.length:
            want = size - len(out)
            head_end, filler_end = len(self.head), len(self.head) + self.filler
            if self.position < head_end:
                piece = self.head[self.position : self.position + want]
            elif self.position < filler_end:
                piece = b"\0" * min(want, filler_end - self.position)
            else:
                offset = self.position - filler_end
                piece = self.tail[offset : offset + want]
            out += piece
            self.position += len(piece)
        return bytes(out)


class DiskWatch:
    """The largest total size of the files under some directories, seen at any moment."""

    def __init__(self, *directories: Path) -> None:
        self.directories = directories
        self.largest = 0

    def __call__(self) -> None:
        total = sum(
            path.stat().st_size
            for directory in self.directories
            if directory.exists()
            for path in directory.rglob("*")
            if path.is_file()
        )
        self.largest = max(self.largest, total)


def post_streamed(
    url: str, user: AbstractBaseUser, fields: dict[str, str], file_field: str, size: int
) -> tuple[HttpResponse, DiskWatch]:
    """POST a generated multipart body as the user, watching private and temporary files."""
    from django.conf import settings

    watch = DiskWatch(Path(settings.MEDIA_ROOT), Path(settings.FILE_UPLOAD_TEMP_DIR))
    body = GeneratedBody(fields, file_field, size, watch)
    client = Client()
    client.force_login(user)
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    environ = RequestFactory()._base_environ(
        PATH_INFO=url,
        REQUEST_METHOD="POST",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(body.length),
        HTTP_COOKIE=cookie,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    environ["wsgi.input"] = body
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    watch()
    return response, watch


@pytest.fixture
def pending_bidder() -> AbstractBaseUser:
    company = CompanyFactory(status=Company.Status.PENDING)
    return RepresentativeFactory(company=company, user__username="pending-bidder").user


def test_a_huge_document_upload_is_a_form_error_and_never_stored_past_the_limit(
    pending_bidder: AbstractBaseUser,
) -> None:
    response, disk = post_streamed(
        reverse("bidders:upload_document"),
        pending_bidder,
        {"kind": CompanyDocument.Kind.POWER_OF_ATTORNEY},
        "file",
        size=30 * LIMIT,
    )

    assert response.status_code == 400
    assert "The file is larger than 1 MB." in response.content.decode(), re.findall(
        r"errorlist.*", response.content.decode()
    )
    assert disk.largest <= LIMIT + CHUNK
    assert not CompanyDocument.objects.exists()


def test_a_huge_document_upload_to_the_api_is_a_400_and_never_stored_past_the_limit(
    pending_bidder: AbstractBaseUser,
) -> None:
    response, disk = post_streamed(
        "/api/company/documents/",
        pending_bidder,
        {"kind": CompanyDocument.Kind.REGISTRATION_CERTIFICATE},
        "file",
        size=30 * LIMIT,
    )

    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["code"] in {"invalid_document", "invalid"}
    assert "larger than" in str(body)
    assert disk.largest <= LIMIT + CHUNK
    assert not CompanyDocument.objects.exists()


def test_a_huge_admin_import_is_refused_and_imports_nothing(staff_clerk: AbstractBaseUser) -> None:
    response, disk = post_streamed(
        reverse("admin:deposits_deposit_import"),
        staff_clerk,
        {"format": "0"},
        "import_file",
        size=30 * LIMIT,
    )

    assert response.status_code == 200
    assert "The file is larger than 1 MB." in response.content.decode(), re.findall(
        r"errorlist.*|class=\"error.*", response.content.decode()
    )
    assert disk.largest <= LIMIT + CHUNK
    assert not Deposit.objects.exists()


def test_a_document_within_the_limit_is_still_stored(pending_bidder: AbstractBaseUser) -> None:
    response, _ = post_streamed(
        reverse("bidders:upload_document"),
        pending_bidder,
        {"kind": CompanyDocument.Kind.POWER_OF_ATTORNEY},
        "file",
        size=LIMIT - 1024,
    )

    assert response.status_code == 302
    assert CompanyDocument.objects.get().file.size == LIMIT - 1024


# --- Before Django: the ASGI application refuses a body past REQUEST_BODY_MAX_BYTES ---------


def http_scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def refusal(path: str, headers: list[tuple[bytes, bytes]], chunks: int) -> tuple[int, bytes, int]:
    """Send the body in 64 KiB chunks until the app answers; return status, body, chunks sent."""

    async def exchange() -> tuple[int, bytes, int]:
        app = ApplicationCommunicator(application, http_scope(path, headers))
        sent = 0
        while sent < chunks:
            if not app.output_queue.empty():
                break
            await app.send_input(
                {"type": "http.request", "body": b"\0" * CHUNK, "more_body": sent < chunks - 1}
            )
            sent += 1
            # Let the application read what was sent, as a server would between packets.
            await asyncio.sleep(0.001)
        start = await app.receive_output(10)
        body = await app.receive_output(10)
        await app.wait(10)
        return start["status"], body["body"], sent

    return async_to_sync(exchange)()


def test_a_body_declared_too_large_is_refused_before_any_of_it_is_read(
    settings: LazySettings,
) -> None:
    settings.REQUEST_BODY_MAX_BYTES = 3 * LIMIT
    declared = str(300 * 1024 * 1024).encode()

    # Not one byte of the body is sent: the answer comes from the headers alone.
    status, body, _ = refusal("/api/company/documents/", [(b"content-length", declared)], chunks=0)

    assert status == 413
    assert b'"code": "too_large"' in body
    assert b"larger than 3 MB" in body


def test_a_body_that_grows_too_large_while_streaming_is_cut_off(settings: LazySettings) -> None:
    settings.REQUEST_BODY_MAX_BYTES = 3 * LIMIT

    status, body, sent = refusal("/company/documents/", [], chunks=1000)

    assert status == 413
    assert b"larger than 3 MB" in body
    assert sent * CHUNK <= 3 * LIMIT + 2 * CHUNK
