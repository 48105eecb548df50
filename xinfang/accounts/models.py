"""Users, each with one role and one unit of the organisation tree."""

from axes.models import AccessAttempt
from django.contrib.auth.models import AbstractUser
from django.db import models
from django_otp.models import Device

from xinfang.core.sealed_fields import SealedCharField


class Role(models.TextChoices):
    REGISTRAR = "registrar", "登记员"
    OFFICER = "officer", "信访局经办人"
    UNIT_STAFF = "unit_staff", "承办单位人员"
    LEADER = "leader", "领导"
    SUPERVISOR = "supervisor", "督查人员"
    ADMIN = "admin", "系统管理员"


class User(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp devices
    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.REGISTRAR)
    org_unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    display_name = models.CharField("姓名", max_length=64, blank=True)
    # where the clock scan's SMS digests go (staff's work phone; petitioners' data is elsewhere)
    # sealed (xinfang.core.sealing) like the petitioners' phones; nothing searches by it
    phone = SealedCharField("手机号码", blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class LoginAttempt(AccessAttempt):
    """django-axes' record of failed logins (an account from an address), shown in /manage/."""

    class Meta:
        proxy = True
        verbose_name = "登录失败与锁定"
        verbose_name_plural = "登录失败与锁定"


class RecoveryCodes(Device):
    """A user's one-time recovery codes, as a django-otp device (so a session confirmed by one is
    verified the same way as by the phone app): ten made at enrolment, shown once, kept only as
    salted hashes (xinfang.accounts.second_factor), each accepted once."""

    class Meta:
        verbose_name = "恢复码"
        verbose_name_plural = "恢复码"

    def verify_token(self, token: str) -> bool:
        from xinfang.accounts.second_factor import recovery_code_use

        return recovery_code_use(self, token)


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="codes")
    salt = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)  # SHA-256 of the salt and the normalised code
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "恢复码"
        verbose_name_plural = "恢复码"

    def __str__(self) -> str:
        return f"恢复码 #{self.pk}"  # never the code: only its hash is kept


class EnrolmentCode(models.Model):
    """开通码: the one-time code the administrator hands a user for their first two-factor
    enrolment, so that a password alone never sets up the phone app. One per user (a new one
    replaces it), kept only as a salted hash, valid until `expires_at`, voided after a few wrong
    tries, deleted once used (xinfang.accounts.second_factor)."""

    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="enrolment_code"
    )
    salt = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)  # SHA-256 of the salt and the normalised code
    issued_at = models.DateTimeField("签发时间", auto_now_add=True)
    expires_at = models.DateTimeField("有效期至")
    failures = models.PositiveSmallIntegerField("输错次数", default=0)

    class Meta:
        verbose_name = "开通码"
        verbose_name_plural = "开通码"

    def __str__(self) -> str:
        return f"开通码 #{self.pk}"  # never the code: only its hash is kept
