"""`xinfang leader-circular`: 月通报 — the month's circular of leader receptions and packages."""

from xinfang.analytics.management.circularcommand import CircularCommand
from xinfang.leaders import circular


class Command(CircularCommand):
    help = "领导接访包案工作月通报：按领导、按责任单位统计接访和包案（Word 红头文件、JSON 或文字）"
    circular = circular
