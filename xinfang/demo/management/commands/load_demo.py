"""`xinfang load-demo`: load the demo district once (its tree, two years of ledger, its logins)."""

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinfang.core.errors import XinfangError
from xinfang.core.permissions import SYSTEM
from xinfang.demo.generator import DEFAULT_REGISTRATIONS, DEFAULT_SEED
from xinfang.demo.services import DEMO_PASSWORD, demo_load, demo_year_warnings


class Command(BaseCommand):
    help = (
        "载入演示区（临江市青山区）：组织机构、截至今天的两年信访台账和各角色演示账号；"
        "已载入时不作任何更改"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--registrations",
            type=int,
            default=DEFAULT_REGISTRATIONS,
            help=f"台账登记数（默认{DEFAULT_REGISTRATIONS}）",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子")
        parser.add_argument("--end", help="台账截止日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        end = timezone.localdate()
        if options["end"]:
            try:
                end = date.fromisoformat(options["end"])
            except ValueError as exc:
                raise CommandError(f"截止日期“{options['end']}”应为YYYY-MM-DD格式") from exc
        if options["registrations"] < 1:
            raise CommandError("台账登记数应为正整数")
        self.stdout.write("正在载入演示区……")
        try:
            result = demo_load(
                actor=SYSTEM,  # the operator at the server's console
                end=end,
                seed=options["seed"],
                registrations=options["registrations"],
                stdout=self.stdout if options["verbosity"] > 1 else None,
            )
        except XinfangError as exc:
            raise CommandError(exc.message) from exc
        if result.already_loaded:
            self.stdout.write("演示数据已载入，未作任何更改。")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"演示区已载入：组织机构{result.units}个单位，台账{result.registrations}条登记"
                f"（截至{end:%Y-%m-%d}），新建演示账号{result.users_created}个，"
                f"密码均为 {DEMO_PASSWORD}"
            )
        )
        live = result.live
        if live is not None and live.matters:
            self.stdout.write(
                f"在办流程：最近{live.matters}件事项已由演示账号按流程办理（{live.steps}步），"
                f"其中超期督办{live.notices}件"
            )
        work = result.leaders
        if work is not None and work.leaders:
            self.stdout.write(
                f"领导接访：领导{work.leaders}名，近三个月接访{work.sessions_held}场、"
                f"接待{work.receptions}批，今后五周安排{work.sessions_coming}场（含约访1场），"
                f"预约{work.bookings}个；领导包案{work.packages}件（回流{work.reflows}件）"
            )
        done = result.prevention
        if done is not None and done.disputes:
            self.stdout.write(
                f"矛盾纠纷与积案：上月排查矛盾纠纷{done.disputes}件（调解化解{done.settled}件，"
                f"调解不成升级{done.escalated}件），月排查报送{done.lists}个单位、零报告{done.zero}个、"
                f"未报送{done.silent}个；听证{done.hearings}场；会办会{done.meetings}场交办"
                f"{done.assigned}件；省第一批交办积案{done.batch}件，已化解{done.resolved}件，"
                f"通过审核{done.verified}件，回流{done.reflows}件"
            )
        for line in demo_year_warnings():
            self.stdout.write(self.style.WARNING(line))
