"""Uploads a form accepted, held privately for the same session's next attempt.

A registration refused for one bad document used to lose all three files: browsers never
refill a file input. The accepted files are stored here, under a random token, beside the
other private files (never under a public URL). The page carries only the token; the
session maps it to the stored file, so a token from another session, or a path a client
made up, opens nothing. Held files are deleted when the form succeeds, when replaced, and
by anyone's next hold once they are a day old.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils import timezone

SESSION_KEY = "held_uploads"
HELD_DIRECTORY = "held-uploads"
MAX_AGE = timedelta(days=1)
# A session never holds more than this many files: the oldest go first.
MAX_PER_SESSION = 6


@dataclass(frozen=True)
class HeldUpload:
    """A file held for this session: the token the page carries, and what the user chose."""

    token: str
    name: str
    size: int
    content_type: str


def _held(request: HttpRequest) -> dict[str, dict]:
    return dict(request.session.get(SESSION_KEY, {}))


def _describe(token: str, entry: dict) -> HeldUpload:
    return HeldUpload(
        token=token, name=entry["name"], size=entry["size"], content_type=entry["content_type"]
    )


def hold_upload(request: HttpRequest, upload: UploadedFile) -> HeldUpload:
    """Store an accepted upload privately for this session; return what names it.

    Raises OSError when the file cannot be stored.
    """
    purge_stale_held_uploads()
    token = secrets.token_urlsafe(24)
    upload.seek(0)
    path = default_storage.save(f"{HELD_DIRECTORY}/{token}", upload)
    held = _held(request)
    held[token] = {
        "path": path,
        "name": (upload.name or "document")[-255:],
        "size": default_storage.size(path),
        "content_type": upload.content_type or "application/octet-stream",
        "held_at": timezone.now().isoformat(),
    }
    for stale in sorted(held, key=lambda key: held[key]["held_at"])[:-MAX_PER_SESSION]:
        default_storage.delete(held.pop(stale)["path"])
    request.session[SESSION_KEY] = held
    return _describe(token, held[token])


def held_upload(request: HttpRequest, token: object) -> HeldUpload | None:
    """Return the upload this session holds under `token`, or None for any other token."""
    if not isinstance(token, str) or not token:
        return None
    entry = _held(request).get(token)
    if entry is None or not default_storage.exists(entry["path"]):
        return None
    return _describe(token, entry)


def open_held_upload(request: HttpRequest, held: HeldUpload) -> UploadedFile:
    """Open a held upload as the file the user chose, for the form to check again."""
    entry = _held(request)[held.token]
    return UploadedFile(
        file=default_storage.open(entry["path"], "rb"),
        name=held.name,
        content_type=held.content_type,
        size=held.size,
    )


def release_held_uploads(request: HttpRequest, tokens: list[str]) -> None:
    """Delete these held uploads of this session, files included."""
    held = _held(request)
    for token in tokens:
        entry = held.pop(token, None)
        if entry is not None:
            default_storage.delete(entry["path"])
    request.session[SESSION_KEY] = held


def purge_stale_held_uploads() -> None:
    """Delete every session's held files older than MAX_AGE (abandoned attempts)."""
    try:
        _directories, names = default_storage.listdir(HELD_DIRECTORY)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - MAX_AGE
    for name in names:
        path = f"{HELD_DIRECTORY}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except FileNotFoundError:
            continue  # another request purged it first
