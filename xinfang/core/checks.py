"""`xinfang check --deploy`: personal data sealed with keys derived from SECRET_KEY is warned."""

from typing import Any

from django.core.checks import Tags, Warning, register

from xinfang.core.sealing import KEYS_VARIABLE, LOOKUP_VARIABLE, keys_derived


@register(Tags.security, deploy=True)
def sealing_keys_set(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    from django.conf import settings

    if not keys_derived() and settings.XINFANG_LOOKUP_KEY:
        return []
    return [
        Warning(
            f"未设置 {KEYS_VARIABLE} 或 {LOOKUP_VARIABLE}：电话和身份证号用由 SECRET_KEY "
            "推出的开发密钥加密，密钥与数据放在一起。",
            hint="正式部署请设置这两个变量（各为 base64 编码的32字节，"
            "xinfang rotate-data-key --new-key 可生成）；推出的密钥只用于开发和 bin/demo。",
            id="core.W001",
        )
    ]
