"""xinfang create-admin: the first 系统管理员, with a unit of the organisation tree."""

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.accounts.second_factor import ENROLMENT_CODE_HOURS, enrolment_code_issue
from xinfang.accounts.services import admin_create, password_problems
from xinfang.core.errors import InputError
from xinfang.core.permissions import SYSTEM, requires_second_factor


class Command(BaseCommand):
    help = (
        "创建系统管理员（角色“系统管理员”，属于组织机构中的一个单位）。密码输入两次且不回显，"
        "或用 --password-stdin 从标准输入读取一行。"
    )

    stealth_options = ("stdin",)  # tests hand the password in as call_command(stdin=…)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="用户名")
        parser.add_argument("--name", required=True, help="姓名")
        parser.add_argument("--unit", required=True, help="所属单位的代码（组织机构）")
        parser.add_argument(
            "--password-stdin", action="store_true", help="从标准输入读取密码（一行）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = self._password(options)
        try:
            user = admin_create(
                username=options["username"],
                display_name=options["name"],
                unit_code=options["unit"],
                password=password,
            )
        except InputError as error:
            raise CommandError(error.message, returncode=1) from error
        assert user.org_unit is not None
        self.stdout.write(
            f"已创建系统管理员 {user.username}（{user.display_name}，{user.org_unit.name}），"
            "请用此账号登录 /manage/。"
        )
        if requires_second_factor(user):
            # the password alone does not set up the phone app: this code, shown once, does
            code = enrolment_code_issue(actor=SYSTEM, user=user)
            self.stdout.write(
                f"首次登录须设置双因素认证，开通码：{code}"
                f"（只显示这一次，{ENROLMENT_CODE_HOURS}小时内有效）"
            )

    def _password(self, options: dict[str, Any]) -> str:
        if options["password_stdin"]:
            stdin = options.get("stdin") or sys.stdin
            return str(stdin.readline()).rstrip("\r\n")
        for _ in range(3):
            first = getpass.getpass("密码：")
            problems = password_problems(first)
            if problems:  # said at once, before asking again (the final check knows the user too)
                self.stderr.write("密码不符合要求：" + "；".join(problems))
                continue
            if getpass.getpass("再次输入密码：") != first:
                self.stderr.write("两次输入的密码不一致。")
                continue
            return first
        raise CommandError("三次都未能设定密码，未创建账号。", returncode=1)
