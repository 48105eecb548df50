"""Users, each with one role and one unit of the organisation tree."""

from axes.models import AccessAttempt
from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    REGISTRAR = "registrar", "登记员"
    OFFICER = "officer", "信访局经办人"
    UNIT_STAFF = "unit_staff", "承办单位人员"
    LEADER = "leader", "领导"
    SUPERVISOR = "supervisor", "督查人员"
    ADMIN = "admin", "系统管理员"


class User(AbstractUser):
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
    phone = models.CharField("手机号码", max_length=20, blank=True)

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
