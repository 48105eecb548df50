"""A small deterministic ledger generator (rows keyed by contract A's column names) and snapshots.

Rows use every spelling the contract allows (aliases, codes and names, category paths, dates
with and without a time), matters spread over several rows in any file order, and facts on
some rows of a matter while the others leave them empty.
"""

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from xinfang.intake.idcard import make_id_number
from xinfang.intake.ledger.columns import COLUMNS

HEADER = [column.name for column in COLUMNS]

# Units of tests/conftest.py's `district`, by code and by name.
DISTRICT_UNITS = [
    "320101",
    "示范区",
    "32010101",
    "东风街道",
    "32010102",
    "西湖街道",
    "3201010101",
    "东风社区",
]
DISTRICT_HANDLERS = ["32010190", "区住房和城乡建设局", "32010191", "区纪委监委", ""]
CATEGORIES = ["征地拆迁", "城乡建设/征地拆迁", "物业管理", "劳动保障/拖欠工资", "拖欠工资", "三农"]
CATEGORIES += ["涉法涉诉", "环境保护", "教育", "其他", "城乡建设", "交通"]
CHANNELS = ["来信", "来访", "走访", "网上", "网上信访", "来电", "电话"]
LEVELS = ["", "进京", "赴省", "到市", "去市", "来区", "来县", "本级"]
PURPOSES = ["", "建议意见", "检举控告", "申诉求决", "申诉求决"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
METHODS = ["受理", "受理", "交办", "转送", "不予受理", "依法分类", "依法分类处理"]
# A letter's 来信类型, by the last digit of its 登记编号 (no random draw: rows stay as before).
LETTER_KINDS = ["", "联名信", "领导批示件", "交办件", "转送件", "普通来信"]
CONTENTS = [
    "反映小区物业管理问题",
    '反映征地补偿款未到位，要求"依法补偿"',
    "反映拖欠工资，金额12,000元",
    "反映道路施工噪音扰民\n夜间仍在施工",
    "建议增设公交线路",
    "=SUM(A1:A2) 开头的内容也只是文字",
]


def _day(base: date, rng: random.Random, span: int) -> date:
    return base + timedelta(days=rng.randrange(span))


def ledger_rows(
    count: int,
    *,
    seed: int = 1,
    units: list[str] | None = None,
    handlers: list[str] | None = None,
    start: date = date(2023, 1, 1),
    span_days: int = 700,
    prefix: str = "T",
) -> Iterator[dict[str, str]]:
    """`count` rows; about a quarter are repeat registrations of an earlier matter."""
    rng = random.Random(seed)
    units = units or DISTRICT_UNITS
    handlers = handlers if handlers is not None else DISTRICT_HANDLERS
    people = [_person(rng, i) for i in range(max(10, count // 3))]
    matters: list[dict[str, Any]] = []
    made = 0
    for index in range(count):
        number = f"{prefix}DJ{seed:02d}{index:07d}"
        if matters and rng.random() < 0.25:
            matter = rng.choice(matters)
            received = matter["first"] + timedelta(days=rng.randrange(-20, 200))
            received = min(received, date.today())
        else:
            received = _day(start, rng, span_days)
            matter = _matter(rng, number, received, prefix, seed, made, people)
            matters.append(matter)
            made += 1
            if len(matters) > 5000:  # keep memory flat for a million rows
                matters = matters[-2500:]
        yield _row(rng, number, matter, received, units, handlers)


def _person(rng: random.Random, index: int) -> dict[str, str]:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if index % 2 else "")
    with_id = rng.random() < 0.6
    birth = date(1940, 1, 1) + timedelta(days=rng.randrange(25000))
    return {
        "信访人": name,
        "身份证号": make_id_number("320101", birth, index % 1000) if with_id else "",
        "联系电话": f"13{rng.randrange(10**9):09d}" if rng.random() < 0.9 else "",
        "住址": f"示范区{rng.choice(['东风', '西湖'])}路{rng.randrange(1, 300)}号",
    }


def _matter(
    rng: random.Random,
    number: str,
    received: date,
    prefix: str,
    seed: int,
    index: int,
    people: list[dict[str, str]],
) -> dict[str, Any]:
    # A matter of its own leaves 事项编号 empty: its number is then the first 登记编号.
    own = rng.random() < 0.3
    matter_number = number if own else f"{prefix}SX{seed:02d}{index:07d}"
    facts: dict[str, str] = {}
    roll = rng.random()
    if roll < 0.75:
        method = rng.choice(METHODS)
        decided = received + timedelta(days=rng.randrange(1, 20))
        facts["处理方式"] = method
        facts["处理日期"] = decided.isoformat()
        if method in {"受理", "交办", "转送"} and rng.random() < 0.7:
            facts["答复日期"] = (decided + timedelta(days=rng.randrange(5, 80))).isoformat()
            if rng.random() < 0.6:
                facts["评价"] = rng.choice(["满意", "基本满意", "不满意"])
                facts["评价日期"] = facts["答复日期"]
            if rng.random() < 0.1:
                facts["复查申请日期"] = (decided + timedelta(days=90)).isoformat()
                facts["复查答复日期"] = (decided + timedelta(days=110)).isoformat()
        if rng.random() < 0.1:
            facts["办理期限"] = (decided + timedelta(days=45)).isoformat()
            facts["延期至"] = (decided + timedelta(days=75)).isoformat()
        if rng.random() < 0.05:
            facts["包案领导"] = rng.choice(["李区长", "王书记"])
            facts["包案日期"] = decided.isoformat()
        if rng.random() < 0.05:
            facts["督办级别"] = rng.choice(["中央", "省", "市", "区", "省级"])
            facts["督办日期"] = decided.isoformat()
            facts["督办期限"] = (decided + timedelta(days=30)).isoformat()
            facts["化解日期"] = (decided + timedelta(days=25)).isoformat()
        if rng.random() < 0.05:
            facts["备注"] = "已电话回访"
    return {
        "number": "" if own else matter_number,
        "first": received,
        "person": rng.choice(people),
        "facts": facts,
        "category": rng.choice(CATEGORIES),
        "purpose": rng.choice(PURPOSES),
        "rows": 0,
    }


def _row(
    rng: random.Random,
    number: str,
    matter: dict[str, Any],
    received: date,
    units: list[str],
    handlers: list[str],
) -> dict[str, str]:
    matter["rows"] += 1
    if not matter["number"] and matter["rows"] > 1:
        matter["number"] = matter["first_number"]
    matter.setdefault("first_number", number)
    people = 1 if rng.random() < 0.85 else rng.randrange(2, 40)
    when = received.isoformat()
    if rng.random() < 0.2:
        when += f" {rng.randrange(8, 18):02d}:{rng.randrange(60):02d}"
        when += f":{rng.randrange(60):02d}" if rng.random() < 0.5 else ""
    row = dict.fromkeys(HEADER, "")
    row.update(
        {
            "登记编号": number,
            "事项编号": matter["number"],
            "登记日期": when,
            "渠道": rng.choice(CHANNELS),
            "层级": rng.choice(LEVELS),
            "人数": str(people) if people > 1 or rng.random() < 0.5 else "",
            "形式": rng.choice(["", "", "集体访" if people > 1 else "个访"]),
            "问题属地": rng.choice(units),
            "内容分类": matter["category"],
            "信访目的": matter["purpose"],
            "反映内容": rng.choice(CONTENTS),
            "责任单位": rng.choice(handlers),
        }
    )
    if row["渠道"] == "来信":
        row["来信类型"] = LETTER_KINDS[int(number[-1]) % len(LETTER_KINDS)]
    if rng.random() < 0.95:
        row.update(matter["person"])
    # The first row of a matter states its facts; later ones repeat them or leave them empty.
    if matter["rows"] == 1 or rng.random() < 0.5:
        row.update(matter["facts"])
    return row


def write_csv(
    path: Path, rows: Iterator[dict[str, str]] | list[dict[str, str]], *, bom: bool = True
) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    from openpyxl import Workbook

    header = header or HEADER
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(name, "") for name in header])
    book.save(path)
    return path


REGISTRATION_SNAPSHOT = (
    "number",
    "matter__number",
    "is_first",
    "channel",
    "level",
    "form",
    "people",
    "received_at",
    "received_on",
    "petitioner__name",
    "petitioner__id_number",
    "petitioner_name",
    "petitioner_phone",
    "petitioner_address",
    "content",
    "category__path",
    "purpose",
    "locality__code",
    "responsible_unit__code",
    "letter_kind",
)
MATTER_SNAPSHOT = (
    "number",
    "status",
    "first_received_on",
    "last_received_on",
    "registration_count",
    "channel",
    "level",
    "form",
    "purpose",
    "category__path",
    "locality__code",
    "responsible_unit__code",
    "petitioner__name",
    "petitioner__id_number",
    "handling_method",
    "decided_on",
    "handling_deadline",
    "extended_to",
    "replied_on",
    "evaluation",
    "evaluated_on",
    "review_requested_on",
    "review_replied_on",
    "rereview_requested_on",
    "rereview_replied_on",
    "package_leader",
    "package_started_on",
    "supervision_level",
    "supervision_started_on",
    "supervision_due",
    "resolved_on",
    "remark",
)


def snapshot() -> tuple[dict[str, tuple[Any, ...]], dict[str, tuple[Any, ...]]]:
    """Every registration and matter by number, field by field (ids left out)."""
    from xinfang.intake.models import Matter, Registration

    registrations = {
        row[0]: row for row in Registration.objects.values_list(*REGISTRATION_SNAPSHOT)
    }
    matters = {row[0]: row for row in Matter.objects.values_list(*MATTER_SNAPSHOT)}
    return registrations, matters


def wipe_intake() -> None:
    """Empty the intake tables (an empty database for a round trip; the tree stays)."""
    from django.db import connection

    from xinfang.core import chain
    from xinfang.core.models import AuditEvent
    from xinfang.intake.models import ImportBatch, Matter, Petitioner, Registration

    # the database refuses to delete audit rows one by one (core/chain.py); the test's own reset
    # empties the whole table in the flush window, as the flush between transactional tests does
    with chain.flush_window(connection), connection.cursor() as cursor:
        table = AuditEvent._meta.db_table
        pg = connection.vendor == "postgresql"
        if pg:  # the test's transaction still has foreign-key checks pending: run them first
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {table} CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute(f"DELETE FROM {table}")
    # the leader work the ledger brought in (packages from 包案领导) goes with it
    from xinfang.leaders.models import Leader, Package, PackageReflow, Reception, ReceptionSession

    PackageReflow.objects.all().delete()
    Package.objects.all().delete()
    Reception.objects.all().delete()
    ReceptionSession.objects.all().delete()
    Leader.objects.all().delete()
    Registration.objects.all().delete()
    Matter.objects.all().delete()
    Petitioner.objects.all().delete()
    ImportBatch.objects.all().delete()


def row(**cells: str) -> dict[str, str]:
    """One ledger row with sensible required cells, overridden by `cells` (Chinese names)."""
    base = {"登记编号": "DJ1", "登记日期": "2024-03-01", "渠道": "来访"}
    return base | cells
