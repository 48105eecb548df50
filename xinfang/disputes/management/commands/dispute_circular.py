"""`xinfang dispute-circular`: 矛盾纠纷排查化解通报 — the month's circular of disputes."""

from xinfang.analytics.management.circularcommand import CircularCommand
from xinfang.disputes import circular


class Command(CircularCommand):
    help = (
        "矛盾纠纷排查化解月通报：按单位、按层级统计排查和化解，报送和零报告情况，需反馈的事项"
        "（Word 红头文件、JSON 或文字）"
    )
    circular = circular
