"""Issued documents: signed once, stored with their hash, checked by anyone by their code.

A document is issued the first time its content is asked for: rendered with its
verification code and QR code, signed (PAdES), stored whole with its SHA-256, and served
as stored from then on. Different content for the same subject and language (an erratum,
a licence coming into force) issues a new document that supersedes the last one; nothing
issued ever changes.
"""

import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import signing
from core.models import IssuedDocument

logger = logging.getLogger(__name__)

# Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper is not
# misread; 12 characters are 60 random bits, more than anyone can guess.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
# The public address of a document's check, printed on it: part of the paper contract.
VERIFY_PATH = "/verify/{code}/"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


@dataclass(frozen=True)
class Seal:
    """What a signed document prints about itself: its code, where to check it, and
    whether it is signed with the demonstration key."""

    code: str
    url: str
    is_demonstration: bool

    @property
    def display_code(self) -> str:
        return display_code(self.code)


def new_code() -> str:
    """Return a fresh random verification code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    """Write a code in groups of four, as printed: 'K7QP-3MX9-2TZ4'."""
    return "-".join(code[index : index + 4] for index in range(0, len(code), 4))


def normalise_code(text: str) -> str | None:
    """Return the code a person typed (any case, dashes or spaces, O for 0), or None."""
    code = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


def verification_url(code: str, base_url: str) -> str:
    """Return the absolute address of the code's check page."""
    base = (settings.NEDRA_PUBLIC_URL or base_url).rstrip("/")
    return base + VERIFY_PATH.format(code=code)


def content_digest(facts: dict[str, object]) -> str:
    """Return the digest that identifies a document's content (its facts, canonically)."""
    canonical = json.dumps(facts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def issue_document(
    *,
    kind: str,
    subject: str,
    language: str,
    facts: dict[str, object],
    filename: str,
    reason: str,
    base_url: str,
    render: Callable[[Seal], bytes],
) -> IssuedDocument:
    """Return the issued document with this content, issuing (rendering, signing and
    storing) it first if it is new. Raises signing.SigningNotConfigured without a key."""
    digest = content_digest(facts)
    found = _issued(kind, subject, language, digest)
    if found is not None:
        return found
    identity = signing.signing_identity()
    code = new_code()
    seal = Seal(
        code=code,
        url=verification_url(code, base_url),
        is_demonstration=identity.is_demonstration,
    )
    # Rendering and signing take a few hundred milliseconds: outside any transaction.
    signed = signing.sign_pdf(render(seal), reason=reason)
    try:
        with transaction.atomic():
            # Lock the subject's last issue: two new contents at once must not both claim
            # to supersede it (the one-to-one would refuse the second anyway).
            previous = (
                IssuedDocument.objects.select_for_update()
                .filter(kind=kind, subject=subject, language=language)
                .order_by("-issued_at", "-pk")
                .first()
            )
            document = IssuedDocument.objects.create(
                code=code,
                kind=kind,
                subject=subject,
                language=language,
                facts=facts,
                content_digest=digest,
                sha256=hashlib.sha256(signed).hexdigest(),
                pdf=signed,
                filename=filename,
                signer=identity.subject,
                is_demonstration=identity.is_demonstration,
                supersedes=previous,
                issued_at=timezone.now(),
            )
    except IntegrityError:
        # Another request issued the same content first: serve that one, drop this copy.
        found = _issued(kind, subject, language, digest)
        if found is None:
            raise
        return found
    logger.info("Issued %s %s as %s", kind, subject, code)
    return document


def _issued(kind: str, subject: str, language: str, digest: str) -> IssuedDocument | None:
    return IssuedDocument.objects.filter(
        kind=kind, subject=subject, language=language, content_digest=digest
    ).first()


def latest_issue(document: IssuedDocument) -> IssuedDocument:
    """Return the newest document that supersedes this one (itself if none does)."""
    current = document
    while True:
        following = IssuedDocument.objects.filter(supersedes=current).first()
        if following is None:
            return current
        current = following


def check_uploaded_pdf(data: bytes) -> IssuedDocument:
    """Return the issued document these bytes are, exactly, if its signature holds.

    Raises signing.SignatureRefused: unreadable, unsigned, tampered, untrusted, or unknown
    (a sound signature on a file Nedra never issued).
    """
    signing.check_pdf_signature(data)
    document = IssuedDocument.objects.filter(sha256=hashlib.sha256(data).hexdigest()).first()
    if document is None:
        raise signing.SignatureRefused("unknown")
    return document
