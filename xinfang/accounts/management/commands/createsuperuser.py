"""Django's createsuperuser, refused: its user would land as 登记员 without a unit."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "不使用：请用 xinfang create-admin 创建系统管理员。"

    def add_arguments(self, parser: Any) -> None:
        # whatever Django's own command takes, so scripts calling it get our message
        parser.add_argument("args", nargs="*")
        parser.add_argument("--username")
        parser.add_argument("--email")
        parser.add_argument("--database")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args: Any, **options: Any) -> None:
        raise CommandError(
            "本系统不用 createsuperuser：它创建的账号没有角色和单位。请改用\n"
            "  xinfang create-admin --username 用户名 --name 姓名 --unit 单位代码\n"
            "创建系统管理员（系统管理员在 /manage/ 中再创建其他用户）。",
            returncode=1,
        )
