"""Production settings: safe by default, and `check --deploy` finds nothing to warn about.

Each test runs Django in a fresh interpreter, because the settings are read from the
environment once per process and this process already runs the test settings.
"""

import datetime
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[1]

# Variables that change what the production settings come out as; a developer's shell or
# the CI job may have any of them set.
SETTINGS_VARIABLES = {
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "NEDRA_SIGNING_P12",
    "NEDRA_SIGNING_P12_PASSWORD",
    "NEDRA_SIGNING_KEY",
    "NEDRA_SIGNING_CERT",
    "NEDRA_SIGNING_KEY_PASSWORD",
    "NEDRA_SIGNING_TRUST_ROOT",
    "NEDRA_SIGNING_DEMO_KEY",
    "SEALED_BID_KEY",
}


def production_environment(**variables: str) -> dict[str, str]:
    """Return the inherited environment without settings variables, plus `variables`."""
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings"
    environment.update(variables)
    return environment


def run_python(*args: str, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run this interpreter in the repository root and capture what it prints."""
    return subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_settings(**variables: str) -> dict[str, Any]:
    """Import config.settings in a fresh interpreter and return its security settings."""
    script = (
        "import json\n"
        "from config import settings as s\n"
        "print(json.dumps({name: getattr(s, name) for name in ("
        "'DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
        " 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_PROXY_SSL_HEADER')}))"
    )
    completed = run_python("-c", script, environment=production_environment(**variables))
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_check_deploy_reports_no_issues_with_production_environment(tmp_path: Path) -> None:
    key, certificate = ministry_key_files(tmp_path)
    completed = run_python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        environment=production_environment(
            SECRET_KEY=secrets.token_urlsafe(64),
            ALLOWED_HOSTS="nedra.example.kz",
            NEDRA_SIGNING_KEY=str(key),
            NEDRA_SIGNING_CERT=str(certificate),
            SEALED_BID_KEY=SEALED_BID_KEY,
        ),
    )

    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "no issues" in output


# A Fernet key made for these tests only.
SEALED_BID_KEY = "cHJvZHVjdGlvbi1zaGFwZWQtdGVzdC1rZXktMzJieXQ="


def test_production_refuses_to_start_without_a_sealed_bid_key(tmp_path: Path) -> None:
    key, certificate = ministry_key_files(tmp_path)
    completed = run_python(
        "manage.py",
        "check",
        environment=production_environment(
            SECRET_KEY=secrets.token_urlsafe(64),
            NEDRA_SIGNING_KEY=str(key),
            NEDRA_SIGNING_CERT=str(certificate),
        ),
    )

    assert completed.returncode != 0
    assert "auctions.E001" in completed.stderr
    assert "SEALED_BID_KEY" in completed.stderr


def test_production_refuses_a_sealed_bid_key_that_is_not_a_fernet_key(tmp_path: Path) -> None:
    key, certificate = ministry_key_files(tmp_path)
    completed = run_python(
        "manage.py",
        "check",
        environment=production_environment(
            SECRET_KEY=secrets.token_urlsafe(64),
            NEDRA_SIGNING_KEY=str(key),
            NEDRA_SIGNING_CERT=str(certificate),
            SEALED_BID_KEY="too-short",
        ),
    )

    assert completed.returncode != 0
    assert "auctions.E002" in completed.stderr


def test_production_refuses_to_start_without_a_signing_key() -> None:
    completed = run_python(
        "manage.py",
        "check",
        "--deploy",
        environment=production_environment(
            SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="nedra.example.kz"
        ),
    )

    assert completed.returncode != 0
    assert "core.E001" in completed.stderr
    assert "NEDRA_SIGNING_P12" in completed.stderr


def test_production_names_a_signing_key_it_cannot_read(tmp_path: Path) -> None:
    completed = run_python(
        "manage.py",
        "check",
        environment=production_environment(
            SECRET_KEY=secrets.token_urlsafe(64),
            NEDRA_SIGNING_P12=str(tmp_path / "missing.p12"),
            NEDRA_SIGNING_P12_PASSWORD="wrong",
        ),
    )

    assert completed.returncode != 0
    assert "core.E002" in completed.stderr


def ministry_key_files(folder: Path) -> tuple[Path, Path]:
    """Write a PEM key and self-signed certificate standing for the ministry's."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ministry test key")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, certificate_path = folder / "key.pem", folder / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, certificate_path


def test_settings_refuse_to_load_without_secret_key_when_debug_is_off() -> None:
    completed = run_python("-c", "import config.settings", environment=production_environment())

    assert completed.returncode != 0
    assert "ImproperlyConfigured" in completed.stderr
    assert "SECRET_KEY" in completed.stderr


def test_debug_is_off_unless_asked_for() -> None:
    settings = production_settings(SECRET_KEY=secrets.token_urlsafe(64))

    assert settings["DEBUG"] is False


def test_transport_security_is_on_when_debug_is_off() -> None:
    settings = production_settings(SECRET_KEY=secrets.token_urlsafe(64), DEBUG="false")

    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    # The proxy terminates TLS: without this header Django would redirect forever.
    assert settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
