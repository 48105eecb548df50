"""Files whose report prints seed 000's first section, imported through the real importers.

Seed 000 (栖霞区, 2023年1-6月): "我区群众进京上访24批52人次，其中，马群街道进京上访11批37人次，
尧化街道进京上访5批10人次，燕子矶街道进京3批4人次，栖霞街道2批2人次，迈皋桥街道进京上访2批2人次，
靖安街道1批1人次。到省上访2批40人次;去市38批270人次，其中，个访26批35人次，集体访12批235人次;
来区上访170批490人次，其中集体访17批280人次。今年以来，共受理人民来信118件，其中领导批示件3件，
求决类初信3件，联名信2件，异常信1件，国家投诉受理办公室交办件1件;受理网上信访8件。" and "涉及征地
拆迁矛盾仍居榜首，房产纠纷、劳动保障、三农问题有所上升".

The seed disagrees with itself once: its streets' 进京 rows add up to 24 batches of 56 people
(37 + 10 + 4 + 2 + 2 + 1), not 52. The data set keeps every street's figures, so the district's
进京 is 24批56人次. The default category tree names 三农 (not "三农问题").

`write_files(folder)` writes the organisation file (南京市, five districts, 栖霞区's six streets
and a seventh without 进京) and the ledger (contract A); `import_files` loads them with
`xinfang import-org` and `xinfang import-ledger`. Each row below is built from the arithmetic in
the comments, never from what the product computes.
"""

import csv
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from tests.ledger_rows import row, write_csv

QIXIA = "320113"
ORG_HEADER = ["编码", "名称", "上级编码", "类型"]
# code order is the tree's order: 栖霞街道 (2批2人次) is named before 迈皋桥街道 (2批2人次)
STREETS = [
    ("32011301", "马群街道"),
    ("32011302", "尧化街道"),
    ("32011303", "燕子矶街道"),
    ("32011304", "栖霞街道"),
    ("32011305", "迈皋桥街道"),
    ("32011306", "靖安街道"),
    ("32011307", "仙林街道"),
]
SIBLINGS = [("320102", "玄武区"), ("320106", "鼓楼区"), ("320115", "江宁区"), ("320111", "浦口区")]
ORG = [
    ["3201", "南京市", "", "市"],
    [QIXIA, "栖霞区", "3201", "区县"],
    *[[code, name, QIXIA, "街道乡镇"] for code, name in STREETS],
    *[[code, name, "3201", "区县"] for code, name in SIBLINGS],
]

# 进京 visits per street, the people of each row: 马群 7×3 + 4×4 = 37 in 11 rows; 尧化 5×2 = 10;
# 燕子矶 1 + 1 + 2 = 4; 栖霞 1 + 1; 迈皋桥 1 + 1; 靖安 1. 24 rows, 56 people, each under 5: 个访.
NATIONAL = {
    "马群街道": [3] * 7 + [4] * 4,
    "尧化街道": [2] * 5,
    "燕子矶街道": [1, 1, 2],
    "栖霞街道": [1, 1],
    "迈皋桥街道": [1, 1],
    "靖安街道": [1],
}
# 到省: 2 rows of 20 (集体访 by the threshold of 5): 2批40人次.
PROVINCIAL = [20, 20]
# 去市: 个访 17 rows of 1 + 9 of 2 = 26批35人次; 集体访 11 rows of 20 + 1 of 15 = 12批235人次.
CITY_INDIVIDUAL = [1] * 17 + [2] * 9
CITY_COLLECTIVE = [20] * 11 + [15]
# 来区: 个访 96 rows of 1 + 57 of 2 = 153批210人次; 集体访 16 rows of 16 + 1 of 24 = 17批280人次;
# together 170批490人次.
LOCAL_INDIVIDUAL = [1] * 96 + [2] * 57
LOCAL_COLLECTIVE = [16] * 16 + [24]
# Letters, one person each, 118 in all: 领导批示件 3 (建议意见), 联名信 2 (检举控告),
# 异常信 1 (no purpose), 国家投诉受理办公室交办件 1 (检举控告), ordinary first letters 3 of
# 申诉求决 (求决类初信 3) and 88 of 建议意见, and 20 ordinary letters of 申诉求决 that repeat a
# 来区 visit matter of March (重信): 初信 98, 重信 20.
LETTER_KINDS = [("领导批示件", 3, "建议意见"), ("联名信", 2, "检举控告"), ("异常信", 1, "")]
LETTER_KINDS += [
    ("国家投诉受理办公室交办件", 1, "检举控告"),
    ("", 3, "申诉求决"),
    ("", 88, "建议意见"),
]
REPEAT_LETTERS = 20
ONLINE = 8
# 2023's 360 rows (24 + 2 + 38 + 170 + 118 + 8) by category, in this order: 征地拆迁 120,
# 房产纠纷 60, 劳动保障 50, 三农 40, 物业管理 30, 其他 60. 2022's 285 rows (180 来区 visits, 100
# letters, 5 online): 征地拆迁 100, 房产纠纷 30, 劳动保障 25, 三农 20, 物业管理 50, 其他 60. So
# 征地拆迁 leads in both; 房产纠纷 +30, 劳动保障 +25, 三农 +20 rise; 物业管理 −20 falls; 其他 stays.
CATEGORIES_2023 = [("征地拆迁", 120), ("房产纠纷", 60), ("劳动保障", 50), ("三农", 40)]
CATEGORIES_2023 += [("物业管理", 30), ("其他", 60)]
CATEGORIES_2022 = [("征地拆迁", 100), ("房产纠纷", 30), ("劳动保障", 25), ("三农", 20)]
CATEGORIES_2022 += [("物业管理", 50), ("其他", 60)]
# Each sibling district: 进京 visits of one person, so that 栖霞区's 56 is second of five by people
# (鼓楼区 60 first): 玄武区 30, 鼓楼区 60, 江宁区 10, 浦口区 5 rows.
SIBLING_NATIONAL = {"玄武区": 30, "鼓楼区": 60, "江宁区": 10, "浦口区": 5}


def _categories(spec: list[tuple[str, int]]) -> list[str]:
    return [name for name, n in spec for _ in range(n)]


def _spread(start: date, index: int) -> str:
    """Rows spread over the first 180 days of the half year (2023: Jan 1 – Jun 29)."""
    return (start + timedelta(days=index % 180)).isoformat()


def ledger_2023() -> list[dict[str, str]]:
    start = date(2023, 1, 1)
    rows: list[dict[str, str]] = []

    def visit(level: str, people: int, town: str, form: str = "") -> None:
        number = f"QX23-{len(rows) + 1:04d}"
        rows.append(
            row(登记编号=number, 登记日期=_spread(start, len(rows)), 渠道="来访", 层级=level,
                人数=str(people), 形式=form, 问题属地=town, 信访目的="申诉求决")
        )  # fmt: skip

    for town, people in NATIONAL.items():
        for n in people:
            visit("进京", n, town)
    for n in PROVINCIAL:
        visit("赴省", n, "仙林街道")
    for n in CITY_INDIVIDUAL:
        visit("去市", n, "仙林街道", "个访")
    for n in CITY_COLLECTIVE:
        visit("去市", n, "马群街道", "集体访")
    local_first = len(rows)
    for n in LOCAL_INDIVIDUAL:
        visit("来区", n, "尧化街道", "个访")
    for n in LOCAL_COLLECTIVE:
        visit("来区", n, "栖霞区", "集体访")
    for kind, count, purpose in LETTER_KINDS:
        for _ in range(count):
            number = f"QX23-{len(rows) + 1:04d}"
            rows.append(
                row(登记编号=number, 登记日期=_spread(start, len(rows)), 渠道="来信",
                    来信类型=kind, 信访目的=purpose, 问题属地="燕子矶街道")
            )  # fmt: skip
    # repeats: the first 20 来区 visits (rows 65–84: received Mar 6 – Mar 25) written again by
    # letter on 2023-06-20: their matters' second registrations
    for i in range(REPEAT_LETTERS):
        visit_row = rows[local_first + i]
        visit_row["事项编号"] = f"QX23-SX{i + 1:02d}"
        rows.append(
            row(登记编号=f"QX23-{len(rows) + 1:04d}", 事项编号=f"QX23-SX{i + 1:02d}",
                登记日期="2023-06-20", 渠道="来信", 信访目的="申诉求决", 问题属地="尧化街道")
        )  # fmt: skip
    for _ in range(ONLINE):
        rows.append(
            row(登记编号=f"QX23-{len(rows) + 1:04d}", 登记日期=_spread(start, len(rows)),
                渠道="网上", 问题属地="靖安街道")
        )  # fmt: skip
    for r, category in zip(rows, _categories(CATEGORIES_2023), strict=True):
        r["内容分类"] = category
    return rows


def ledger_2022() -> list[dict[str, str]]:
    start = date(2022, 1, 1)
    channels = ["来访"] * 180 + ["来信"] * 100 + ["网上"] * 5
    return [
        row(登记编号=f"QX22-{i + 1:04d}", 登记日期=_spread(start, i), 渠道=channel,
            问题属地="马群街道", 内容分类=category)
        for i, (channel, category) in enumerate(
            zip(channels, _categories(CATEGORIES_2022), strict=True)
        )
    ]  # fmt: skip


def ledger_siblings() -> list[dict[str, str]]:
    return [
        row(登记编号=f"NJ-{name}-{i + 1:03d}", 登记日期=_spread(date(2023, 1, 1), i),
            渠道="来访", 层级="进京", 问题属地=name)
        for name, count in SIBLING_NATIONAL.items()
        for i in range(count)
    ]  # fmt: skip


def write_files(folder: Path) -> dict[str, Path]:
    org = folder / "组织机构.csv"
    with org.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(ORG_HEADER)
        writer.writerows(ORG)
    rows = ledger_2022() + ledger_2023() + ledger_siblings()
    return {"org": org, "ledger": write_csv(folder / "信访台账.csv", rows)}


def import_files(paths: dict[str, Path]) -> dict[str, str]:
    said = {}
    for key, command in (("org", "import_org"), ("ledger", "import_ledger")):
        out = StringIO()
        call_command(command, str(paths[key]), stdout=out, stderr=StringIO())
        said[key] = out.getvalue()
    return said
