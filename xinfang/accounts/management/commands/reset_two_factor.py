"""xinfang reset-two-factor: the console's reset of a user's two-factor sign-in (a lost phone when
no other administrator can do it in /manage/)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.accounts.models import User
from xinfang.accounts.second_factor import (
    ENROLMENT_CODE_HOURS,
    enrolment_code_issue,
    second_factor_reset,
)
from xinfang.core.permissions import SYSTEM, requires_second_factor


class Command(BaseCommand):
    help = (
        "重置一个用户的双因素认证（删除其手机验证器和恢复码，记入审计），并签发新的开通码"
        "（只显示一次）；该用户下次登录时凭开通码重新设置。"
        "系统管理员也可在 /manage/ 的用户列表中重置。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有用户名为“{options['username']}”的用户", returncode=1)
        if second_factor_reset(actor=SYSTEM, user=user):
            self.stdout.write(
                f"已重置 {user.username} 的双因素认证，下次登录时重新设置手机验证器。"
            )
        else:
            self.stdout.write(f"{user.username} 尚未设置双因素认证，无需重置。")
        if requires_second_factor(user):
            code = enrolment_code_issue(actor=SYSTEM, user=user)
            self.stdout.write(
                f"新的开通码：{code}（只显示这一次，{ENROLMENT_CODE_HOURS}小时内有效，"
                "此前签发的开通码作废）"
            )
