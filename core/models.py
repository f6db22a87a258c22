from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IssuedDocument(models.Model):
    """A signed document as it was issued: its exact bytes, their hash and its public code.

    Issued once and never changed: a correction issues a new document that names the one
    it supersedes. Anyone checks a copy at /verify/<code>/ against the hash stored here.
    """

    class Kind(models.TextChoices):
        RESULTS_PROTOCOL = "results_protocol", _("Results protocol")
        LICENCE_CERTIFICATE = "licence_certificate", _("Licence certificate")

    code = models.CharField(_("verification code"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    # What the document is about, e.g. "lot:42" or "licence:KZ-P-2026-0001".
    subject = models.CharField(_("subject"), max_length=64)
    language = models.CharField(_("language"), max_length=10)
    # What the document says, as the verification page shows it; its digest tells whether
    # the same content was already issued (then that document is served again).
    facts = models.JSONField(_("what the document says"))
    content_digest = models.CharField(_("content digest"), max_length=64)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, unique=True)
    pdf = models.BinaryField(_("signed file"))
    filename = models.CharField(_("file name"), max_length=120)
    signer = models.CharField(_("signed by"), max_length=255)
    is_demonstration = models.BooleanField(_("signed with the demonstration key"))
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    issued_at = models.DateTimeField(_("issued"))

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject", "language", "content_digest"],
                name="issued_document_once_per_content",
                violation_error_message=_("This content was already issued."),
            ),
            models.CheckConstraint(
                condition=~Q(code="") & ~Q(subject=""),
                name="issued_document_has_code_and_subject",
                violation_error_message=_("An issued document has a code and a subject."),
            ),
        ]
        indexes = [models.Index(fields=["kind", "subject", "language"], name="issued_doc_subject")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject} ({self.code})"
