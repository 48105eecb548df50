"""Loading the demo district: its tree and ledger through the import commands, then its logins."""

import tempfile
from dataclasses import dataclass
from datetime import date
from io import StringIO, TextIOBase
from pathlib import Path

from django.core.management import call_command
from django.db import transaction

from xinfang.accounts.models import Role, User
from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.permissions import Action, Actor, may
from xinfang.demo.generator import write_ledger_csv, write_org_csv
from xinfang.demo.leaderwork import LeaderWorkResult, leader_work, leader_work_done
from xinfang.demo.live import (
    DEMO_YEAR_NOTE,
    LiveResult,
    live_workflow,
    live_workflow_done,
    open_window,
)
from xinfang.demo.org import DISCIPLINE_CODE, DISTRICT_CODE
from xinfang.demo.prevention import PreventionResult, prevention_done, prevention_work
from xinfang.intake.models import Registration
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.models import CalendarYear

DEMO_PASSWORD = "xinfang-demo"
# The demo ledger's registration numbers ("DJ-2025-000123") start with this.
LEDGER_PREFIX = "DJ-"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    unit_code: str
    display_name: str
    is_staff: bool = False


# The bureau's own staff sit at the district: the permission rule gives bureau roles the subtree
# of their unit, and the bureau (a department) has nothing below it.
DEMO_LOGINS = (
    DemoLogin("dengji", Role.REGISTRAR, DISTRICT_CODE, "周晓燕"),
    DemoLogin("jingban", Role.OFFICER, DISTRICT_CODE, "陈立新"),
    DemoLogin("jiedao", Role.UNIT_STAFF, f"{DISTRICT_CODE}006", "孙海涛"),  # 新城街道
    DemoLogin("zhujian", Role.UNIT_STAFF, f"{DISTRICT_CODE}BM02", "郑文斌"),  # 区住建局
    DemoLogin("jiwei", Role.UNIT_STAFF, DISCIPLINE_CODE, "冯建军"),
    DemoLogin("lingdao", Role.LEADER, DISTRICT_CODE, "李振华"),  # also a 包案领导 in the ledger
    DemoLogin("ducha", Role.SUPERVISOR, DISTRICT_CODE, "吴敏"),
    DemoLogin("admin", Role.ADMIN, DISTRICT_CODE, "钱志远", is_staff=True),
)


@dataclass(frozen=True)
class DemoLoadResult:
    already_loaded: bool
    units: int = 0
    registrations: int = 0
    users_created: int = 0
    live: LiveResult | None = None
    leaders: LeaderWorkResult | None = None
    prevention: PreventionResult | None = None


def demo_is_loaded() -> bool:
    """Loaded once every demo login exists and the live workflow, the leader work and the
    prevention work were made: they come last (a demo loaded before one of them existed gets it
    on the next run)."""
    names = [login.username for login in DEMO_LOGINS]
    logins = User.objects.filter(username__in=names).count() == len(names)
    return logins and live_workflow_done() and leader_work_done() and prevention_done()


def demo_year_warnings() -> list[str]:
    """One line per holiday year the demo entered itself (marked by its note)."""
    years = CalendarYear.objects.filter(note=DEMO_YEAR_NOTE).order_by("year")
    return [
        f"注意：{y.year}年节假日安排为演示数据（仅周末和元旦、劳动节、国庆节），"
        "不是国务院公布的安排；公布后请管理员在“节假日安排（年度）”中更正。"
        for y in years
    ]


def demo_load(
    *,
    actor: Actor,
    end: date,
    seed: int,
    registrations: int,
    stdout: TextIOBase | None = None,
) -> DemoLoadResult:
    """Load the demo once: the tree, the ledger ending on `end`, the logins. Again: nothing."""
    if not may(actor, Action.MANAGE_ORGANISATION) or not may(actor, Action.IMPORT_LEDGER):
        raise PermissionRefusedError("您没有载入演示数据的权限")
    if demo_is_loaded():
        return DemoLoadResult(already_loaded=True)
    imported = 0
    stdout = stdout or StringIO()  # the import commands' own report, shown only when asked
    with tempfile.TemporaryDirectory(prefix="xinfang-demo-") as folder:
        org_path = Path(folder) / "演示区组织机构.csv"
        units = write_org_csv(org_path)
        call_command("import_org", str(org_path), stdout=stdout)
        # A run that stopped after the ledger went in must not import it again: on another day
        # the ledger would differ and clash with the stored rows.
        if not Registration.objects.filter(number__startswith=LEDGER_PREFIX).exists():
            ledger_path = Path(folder) / "演示区信访台账.csv"
            imported = write_ledger_csv(
                ledger_path,
                end=end,
                seed=seed,
                registrations=registrations,
                open_window=open_window(end),
            )
            call_command("import_ledger", str(ledger_path), stdout=stdout)
    created = demo_users_create(actor=actor)
    # the ledger's open matters, walked by the demo logins up to `end`; nothing when done before
    live = live_workflow(end=end, seed=seed)
    # the district's leaders, rotas, sessions, receptions and packages; nothing when done before
    leaders = leader_work(end=end, seed=seed)
    # a screening month, a hearing, a 会办会, a batch handed down; nothing when done before
    prevention = prevention_work(end=end)
    return DemoLoadResult(
        already_loaded=False,
        units=units,
        registrations=imported,
        users_created=len(created),
        live=live,
        leaders=leaders,
        prevention=prevention,
    )


@transaction.atomic
def demo_users_create(*, actor: Actor) -> list[User]:
    """One login per role with the demo password; existing usernames are left as they are."""
    if not may(actor, Action.MANAGE_USERS):
        raise PermissionRefusedError("您没有创建用户的权限")
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=[x.unit_code for x in DEMO_LOGINS])}
    created = []
    for login in DEMO_LOGINS:
        if User.objects.filter(username=login.username).exists():
            continue
        unit = units.get(login.unit_code)
        if unit is None:
            raise InputError(f"组织机构中没有编码为{login.unit_code}的单位，无法创建演示账号")
        user = User.objects.create_user(
            username=login.username,
            password=DEMO_PASSWORD,
            role=login.role,
            org_unit=unit,
            display_name=login.display_name,
            is_staff=login.is_staff,
        )
        audit_record(
            actor=actor,
            action="user.create",
            obj=user,
            data={"role": login.role.value, "unit": unit.code, "demo": True},
        )
        created.append(user)
    return created


def demo_logins() -> list[User]:
    """The demo logins that exist, in the order of DEMO_LOGINS."""
    order = {login.username: index for index, login in enumerate(DEMO_LOGINS)}
    users = User.objects.filter(username__in=list(order)).select_related("org_unit")
    return sorted(users, key=lambda user: order[user.username])
