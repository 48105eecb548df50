"""`xinfang demo-logins`: print the demo logins as a table (bin/demo shows it after loading)."""

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.core.permissions import SYSTEM, Action, may
from xinfang.demo.services import DEMO_PASSWORD, demo_logins, demo_year_warnings

HEADER = ("用户名", "密码", "角色", "单位", "姓名")


class Command(BaseCommand):
    help = "列出演示账号：用户名、密码、角色和所属单位"

    def handle(self, *args: Any, **options: Any) -> None:
        if not may(SYSTEM, Action.MANAGE_USERS):
            raise CommandError("您没有查看用户的权限")
        users = demo_logins()
        if not users:
            raise CommandError("尚未载入演示数据：请先运行 xinfang load-demo")
        rows = [
            (
                user.username,
                DEMO_PASSWORD,
                user.get_role_display(),
                user.org_unit.name if user.org_unit else "",
                _name(user),
            )
            for user in users
        ]
        self.stdout.write("演示账号：")
        for line in table([HEADER, *rows]):
            self.stdout.write(line)
        for line in demo_year_warnings():
            self.stdout.write(line)


def _name(user: Any) -> str:
    """The name, and for a leader's login the post it receives and packages as (区长)."""
    from xinfang.leaders.models import Leader

    leader = Leader.objects.filter(user=user).first()
    return f"{user.display_name}（{leader.post}）" if leader and leader.post else user.display_name


def width(text: str) -> int:
    """Columns a terminal gives the text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(row)]
        lines.append("  " + "  ".join(cells).rstrip())
        if index == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines
