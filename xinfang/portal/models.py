"""The portal's own tables: one row per online submission (its query code, the hash of its
secret, the idempotency key that makes a retried submission the same one) and the files a
petitioner attached to a form that was sent back for correction."""

from django.db import models

from xinfang.core.sealed_fields import SealedCharField
from xinfang.intake.choices import Source
from xinfang.intake.models import attachment_storage


class PortalSubmission(models.Model):
    """An online petition as the petitioner knows it: a query code and a secret."""

    # the caller's key for this submission: the same key again is the same submission
    idempotency_key = models.CharField(max_length=128, unique=True)
    registration = models.OneToOneField(
        "intake.Registration",
        null=True,  # empty only inside the transaction that claims the key
        on_delete=models.PROTECT,
        related_name="portal_submission",
    )
    query_code = models.CharField("查询码", max_length=16, unique=True)
    # an ID number typed online that belongs to a file under another name or phone: not linked
    # to that person (nobody saw the card), kept for the staff to check
    # sealed (xinfang.core.sealing); nothing searches by it
    claimed_id_number = SealedCharField("待核实身份证号", blank=True)
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.PORTAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "网上信访提交"
        verbose_name_plural = "网上信访提交"

    def __str__(self) -> str:
        return self.query_code


class QueryLock(models.Model):
    """Wrong secrets in a row for one query code from one client, and until when that client is
    kept from trying the code again. Keyed by both: a stranger's guesses never lock the petitioner
    out on their own phone; and by a keyed hash of both, so the table holds neither a code nor an
    address, and a code that does not exist is counted exactly like one that does."""

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = "查询码锁定"
        verbose_name_plural = "查询码锁定"

    def __str__(self) -> str:
        return self.key[:12]


class StagedUpload(models.Model):
    """A checked file of a form that came back with errors, kept so it need not be chosen again.

    Found by the form's own random key (its idempotency key); removed when the form is submitted
    or after a day.
    """

    form_key = models.CharField(max_length=128, db_index=True)
    file = models.FileField(storage=attachment_storage, upload_to="portal-staging/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=128)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["form_key", "sha256"], name="staged_upload_once")
        ]

    def __str__(self) -> str:
        return self.original_name
