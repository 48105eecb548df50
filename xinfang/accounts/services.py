"""Writes to accounts: the first administrator."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from xinfang.accounts.models import Role, User
from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError
from xinfang.core.permissions import SYSTEM
from xinfang.organisation.models import OrgUnit


def password_problems(password: str, user: User | None = None) -> list[str]:
    """The password validators' objections, in Chinese; empty when the password is good."""
    with translation.override("zh-hans"):
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            return [str(message) for message in error.messages]
    return []


def admin_create(*, username: str, display_name: str, unit_code: str, password: str) -> User:
    """A 系统管理员 of a unit of the organisation tree (the server's operator creates it:
    `xinfang create-admin`). Refused, with nothing written, for a taken username, an unknown
    unit or a weak password."""
    username = username.strip()
    display_name = display_name.strip()
    if not username:
        raise InputError("请填写用户名", field="username")
    if not display_name:
        raise InputError("请填写姓名", field="display_name")
    if User.objects.filter(username=username).exists():
        raise InputError(f"用户名“{username}”已被使用", field="username")
    unit = OrgUnit.objects.filter(code=unit_code.strip()).first()
    if unit is None:
        raise InputError(
            f"组织机构中没有代码为“{unit_code}”的单位（先用 xinfang import-org 导入组织机构）",
            field="unit",
        )
    user = User(username=username, display_name=display_name, role=Role.ADMIN, org_unit=unit)
    problems = password_problems(password, user)
    if problems:
        raise InputError("密码不符合要求：" + "；".join(problems), field="password")
    with transaction.atomic():
        user.set_password(password)
        user.save()
        audit_record(
            actor=SYSTEM,  # the first admin is made at the console (xinfang create-admin)
            action="user.create",
            obj=user,
            data={
                "username": username,
                "role": Role.ADMIN.value,
                "org_unit": unit.code,
                "via": "create-admin",
                "secret_fields_changed": ["password"],
            },
        )
    return user
