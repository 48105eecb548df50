"""`xinfang check --deploy`: a deployment with two-factor sign-in turned off is warned about."""

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def two_factor_on(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if settings.XINFANG_TWO_FACTOR == "required":
        return []
    return [
        Warning(
            "XINFANG_TWO_FACTOR=off：需要双因素认证的角色（登记员、经办人、承办单位人员、"
            "系统管理员）只凭密码即可登录。",
            hint="正式部署请删去该变量（默认 required）；off 只用于 bin/demo。",
            id="accounts.W001",
        )
    ]
