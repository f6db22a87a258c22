"""The ministry's signature on Nedra's documents: PAdES in PDFs, detached CMS beside files.

The key and its certificate come from the environment (a PKCS#12 file with its password,
or a PEM key and certificate). Embedded mode may instead make a self-signed demonstration
key on first use, kept under var/signing/ (never in git); every document it signs says so.
Verification trusts the configured root (NEDRA_SIGNING_TRUST_ROOT, else the signing
certificate itself), never whatever certificate a document carries.
"""

import asyncio
import datetime
import functools
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# pyHanko (with aiohttp, which it brings) is loaded where a document is signed or checked,
# not with the module: 40 MiB of every web process, most of which serve only sockets and
# pages (issue 12: a process holding 2,000 sockets stays under 300 MiB).
if TYPE_CHECKING:
    from pyhanko.sign import signers
    from pyhanko.sign.validation.status import PdfSignatureStatus

DEMO_COMMON_NAME = "Nedra demonstration key (not the Ministry's)"
SIGNATURE_FIELD = "NedraSignature"


@dataclass(frozen=True)
class SigningIdentity:
    """The signer of Nedra's documents and the roots a verification trusts."""

    signer: "signers.SimpleSigner"
    certificate: asn1_x509.Certificate
    trust_roots: tuple[asn1_x509.Certificate, ...]
    is_demonstration: bool

    @property
    def certificate_pem(self) -> bytes:
        """Return the signing certificate as PEM, for anyone checking a signature offline."""
        return _pem(self.certificate)

    @property
    def trust_root_pem(self) -> bytes:
        """Return the trusted root(s) as PEM: what `openssl cms -verify -CAfile` needs."""
        return b"".join(_pem(root) for root in self.trust_roots)

    @property
    def subject(self) -> str:
        return self.certificate.subject.human_friendly


class SigningNotConfigured(ImproperlyConfigured):
    """No signing key is configured and the demonstration key is not allowed."""


def signing_identity() -> SigningIdentity:
    """Return the configured signer, loading it once per configuration."""
    return _load_identity(
        p12=settings.NEDRA_SIGNING_P12,
        p12_password=settings.NEDRA_SIGNING_P12_PASSWORD,
        key=settings.NEDRA_SIGNING_KEY,
        cert=settings.NEDRA_SIGNING_CERT,
        key_password=settings.NEDRA_SIGNING_KEY_PASSWORD,
        trust_root=settings.NEDRA_SIGNING_TRUST_ROOT,
        allow_demo=settings.NEDRA_SIGNING_DEMO_KEY,
        demo_dir=str(settings.NEDRA_SIGNING_DEMO_DIR),
    )


def is_configured() -> bool:
    """Say whether documents can be signed: a key is configured or the demo key allowed."""
    return bool(
        settings.NEDRA_SIGNING_P12
        or (settings.NEDRA_SIGNING_KEY and settings.NEDRA_SIGNING_CERT)
        or settings.NEDRA_SIGNING_DEMO_KEY
    )


@functools.cache
def _load_identity(
    *,
    p12: str,
    p12_password: str,
    key: str,
    cert: str,
    key_password: str,
    trust_root: str,
    allow_demo: bool,
    demo_dir: str,
) -> SigningIdentity:
    from pyhanko.sign import signers

    is_demonstration = False
    if p12:
        signer = signers.SimpleSigner.load_pkcs12(
            p12, passphrase=p12_password.encode() if p12_password else None
        )
    elif key and cert:
        signer = signers.SimpleSigner.load(
            key, cert, key_passphrase=key_password.encode() if key_password else None
        )
    elif allow_demo:
        demo_key, demo_cert = _demonstration_key(Path(demo_dir))
        signer = signers.SimpleSigner.load(str(demo_key), str(demo_cert))
        is_demonstration = True
    else:
        raise SigningNotConfigured(
            "No signing key: set NEDRA_SIGNING_P12 and NEDRA_SIGNING_P12_PASSWORD, or "
            "NEDRA_SIGNING_KEY and NEDRA_SIGNING_CERT (NEDRA_SIGNING_DEMO_KEY=true allows a "
            "self-signed demonstration key, never for real documents)."
        )
    if signer is None or signer.signing_cert is None:
        raise SigningNotConfigured("The signing key or certificate could not be read.")
    if trust_root:
        roots = tuple(_read_certificates(Path(trust_root)))
        if not roots:
            raise SigningNotConfigured(f"No certificate in NEDRA_SIGNING_TRUST_ROOT {trust_root}.")
    else:
        roots = (signer.signing_cert,)
    return SigningIdentity(
        signer=signer,
        certificate=signer.signing_cert,
        trust_roots=roots,
        is_demonstration=is_demonstration,
    )


def _demonstration_key(folder: Path) -> tuple[Path, Path]:
    """Return the demonstration key and certificate files, making them on first use."""
    key_path, cert_path = folder / "demo-signing-key.pem", folder / "demo-signing-cert.pem"
    if key_path.exists() and cert_path.exists():
        return key_path, cert_path
    folder.mkdir(parents=True, exist_ok=True)
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Nedra demonstration"),
            x509.NameAttribute(NameOID.COMMON_NAME, DEMO_COMMON_NAME),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(private_key.public_key()), critical=False
        )
        .sign(private_key, hashes.SHA256())
    )
    key_bytes = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Two processes starting at once: each writes its own pair aside and the first rename
    # wins both files; the loser then reads the winner's pair, never a mix of the two.
    stamp = f"{os.getpid()}-{now.timestamp()}"
    key_tmp, cert_tmp = folder / f".key-{stamp}", folder / f".cert-{stamp}"
    key_tmp.write_bytes(key_bytes)
    key_tmp.chmod(0o600)
    cert_tmp.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    try:
        os.link(key_tmp, key_path)
    except FileExistsError:
        key_tmp.unlink()
        cert_tmp.unlink()
        return key_path, cert_path
    os.replace(cert_tmp, cert_path)
    key_tmp.unlink()
    return key_path, cert_path


def _read_certificates(path: Path) -> list[asn1_x509.Certificate]:
    data = path.read_bytes()
    loaded = (
        x509.load_pem_x509_certificates(data)
        if b"-----BEGIN" in data
        else [x509.load_der_x509_certificate(data)]
    )
    return [
        asn1_x509.Certificate.load(item.public_bytes(serialization.Encoding.DER)) for item in loaded
    ]


def _pem(certificate: asn1_x509.Certificate) -> bytes:
    return x509.load_der_x509_certificate(certificate.dump()).public_bytes(
        serialization.Encoding.PEM
    )


def sign_pdf(document: bytes, *, reason: str, location: str = "Astana") -> bytes:
    """Return the PDF with a PAdES signature over all of it, by the configured key."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    identity = signing_identity()
    writer = IncrementalPdfFileWriter(io.BytesIO(document), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    output = signers.sign_pdf(writer, metadata, signer=identity.signer)
    return output.getvalue()


def sign_detached(data: bytes) -> bytes:
    """Return a detached CMS (PKCS#7) signature of the bytes, DER-encoded.

    Anyone checks it with `openssl cms -verify -binary -inform DER -in FILE.sig
    -content FILE -CAfile nedra-signing-root.pem -purpose any -out /dev/null`.
    """
    identity = signing_identity()
    signed = asyncio.run(identity.signer.async_sign_general_data(data, "sha256", detached=True))
    return signed.dump()


class SignatureRefused(Exception):
    """A PDF whose signature does not hold; `code` says why, for the page to explain."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def check_pdf_signature(document: bytes) -> "PdfSignatureStatus":
    """Validate the PDF's signature against the configured trust roots; return its status.

    Raises SignatureRefused: unreadable (not a PDF pyHanko can parse), unsigned,
    tampered (the signed bytes changed, or anything was added after signing),
    untrusted (a valid signature by a key that is not the ministry's).
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    identity = signing_identity()
    try:
        reader = PdfFileReader(io.BytesIO(document), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # an upload may break the parser in any way it likes
        raise SignatureRefused("unreadable") from None
    if not signatures:
        raise SignatureRefused("unsigned")
    context = ValidationContext(
        trust_roots=list(identity.trust_roots), allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        status = validate_pdf_signature(signatures[-1], context)
    except Exception:  # a forged signature dictionary breaks validation
        raise SignatureRefused("tampered") from None
    if not (status.intact and status.valid):
        raise SignatureRefused("tampered")
    if len(signatures) != 1 or status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        # Nedra signs once, over the whole file: bytes appended after it are a change.
        raise SignatureRefused("tampered")
    if not status.trusted:
        raise SignatureRefused("untrusted")
    return status
