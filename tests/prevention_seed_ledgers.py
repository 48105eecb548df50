"""Files whose reports print the seeds' prevention sentences, imported through the real importers.

Seed 002 (郎溪县, 2020): "2020年中央信联办、国家xxx第一批交办我县重复信访和历史积案化解21件，已按要求
全部化解并通过审核，化解率100%。已化解后回流2件"; "我县开展信访听证25件，信访事项办理、复查、复核中
听证占比达到".
Seed 000 (栖霞区, 2023年1-6月): "共组织召开会办会29场次，听证会1次".
Seed 002 line 155 (a district of 乡 and 村, 截止11月底): "我区共排查出重点集体上访隐患和苗头单件共17件，
重排2件" — here 城南区 in 2022, with November as the screening month shown by level.

`write_files(folder)` writes the organisation tree, the matter ledger (contract A), the batch file,
the hearings file, the meetings file and the dispute ledger (A4); `import_files(paths)` loads them
with `xinfang import-org`, `import-ledger`, `import-handed-down`, `import-hearings`,
`import-meetings` and `import-disputes`. Every count the tests expect is built from the arithmetic
in the comments below, not from what the product computes.
"""

# ruff: noqa: E501 (the dispute rows are kept one to a line, as a spreadsheet shows them)

import csv
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from tests.ledger_rows import row, write_csv

ORG_HEADER = ["编码", "名称", "上级编码", "类型"]
TOWNS = ["建平镇", "十字镇", "梅渚镇", "新发镇", "涛城镇", "东夏镇", "飞鲤镇"]
ORG = [
    ["3418", "宣城市", "", "市"],
    ["341821", "郎溪县", "3418", "区县"],
    *[[f"3418210{i}", name, "341821", "街道乡镇"] for i, name in enumerate(TOWNS, start=1)],
    ["34182190", "郎溪县信访局", "341821", "部门"],
    ["3201", "南京市", "", "市"],
    ["320113", "栖霞区", "3201", "区县"],
    ["32011301", "马群街道", "320113", "街道乡镇"],
    ["32011302", "尧化街道", "320113", "街道乡镇"],
    ["32011390", "栖霞区信访局", "320113", "部门"],
    ["9901", "江北市", "", "市"],
    ["990101", "城南区", "9901", "区县"],
    ["99010101", "杨庄乡", "990101", "街道乡镇"],
    ["99010102", "五尧乡", "990101", "街道乡镇"],
    ["9901010101", "东高庄村", "99010101", "村社区"],
    ["9901010102", "王范庄村", "99010101", "村社区"],
    ["9901010103", "下闸村", "99010101", "村社区"],
    ["9901010201", "西小庄村", "99010102", "村社区"],
    ["9901010202", "乌马庄村", "99010102", "村社区"],
]
COUNTY, QIXIA, CHENGNAN = "341821", "320113", "990101"


def _d(day: date) -> str:
    return day.isoformat()


# --- 郎溪县, 2020: the 中央 batch of 21 and 25 hearings ------------------------------------------
#
# Batch: 21 matters LX-JA-01 … 21, first registered in 2018 (one a week from 2018-03-05) and
# answered in 2018 (受理 3 days later, 答复 40 days later): old cases, none decided in 2020.
# Handed down 2020-03-10 (办结期限 2020-09-30) as 中央 "中央信联办、国家信访局第一批"; every one
# 化解 (matter i on 2020-04-01 + 5·(i-1) days: 04-01 … 07-10) and 通过审核 ten days later.
# So matters 21, resolved 21, verified 21, 化解率 100%.
# 回流 2: LX-JA-03 (化解 04-11) registered again 2020-10-12, LX-JA-11 (化解 05-21) again
# 2020-11-03 — registrations after the 化解日期.
BATCH_NAME = "中央信联办、国家信访局第一批"
REFLOWS = {3: date(2020, 10, 12), 11: date(2020, 11, 3)}


def batch_resolved(i: int) -> date:
    return date(2020, 4, 1) + timedelta(days=5 * (i - 1))


# Hearings held in 2020: 办理 15 + 复查 6 + 复核 4 = 25.
# - 办理: LX-TZ-01 … 15 registered 2020-01-06 + 10·(i-1) days, 受理 2 days later, heard 20 days
#   after registering, answered 45 days after (all in 2020). LX-BL-01 … 05 answered in 2020
#   without a hearing. Decided in 2020 in 办理: 15 + 5 = 20 (the batch's were answered in 2018,
#   the 复查/复核 matters' in 2019), with a hearing 15 → 75.0%.
# - 复查: LX-FC-01 … 08 answered in 2019, 复查申请 2020-02-03 + 14·(i-1) days, 复查答复 25 days
#   after; 01 … 06 heard 10 days after the request. 6 / 8 → 75.0%.
# - 复核: LX-FH-01 … 05 through 复查 in 2019, 复核申请 2020-03-02 + 14·(i-1) days, 复核答复 25
#   days after; 01 … 04 heard 10 days after the request. 4 / 5 → 80.0%.
# - Not counted: LX-TZ-00, heard in 办理 2019-04-10 and answered 2019-05-06 (all in 2019).
HANDLING_HEARD, HANDLING_PLAIN, REVIEW_HEARD, REVIEW_ALL, REREVIEW_HEARD, REREVIEW_ALL = (
    15, 5, 6, 8, 4, 5,
)  # fmt: skip


def _town(i: int) -> str:
    return TOWNS[i % len(TOWNS)]


def _handled(number: str, matter: str, received: date, replied: date, town: str) -> dict[str, str]:
    return row(
        登记编号=number, 事项编号=matter, 登记日期=_d(received), 渠道="来访", 问题属地=town,
        处理方式="受理", 处理日期=_d(received + timedelta(days=2)), 答复日期=_d(replied),
    )  # fmt: skip


def county_ledger() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for i in range(1, 22):
        received = date(2018, 3, 5) + timedelta(days=7 * (i - 1))
        first = _handled(
            f"LX-2018-{i:03d}", f"LX-JA-{i:02d}", received, received + timedelta(days=40), _town(i)
        )
        rows.append(first | {"化解日期": _d(batch_resolved(i))})
        if i in REFLOWS:  # registered again after its 化解日期: a 回流
            rows.append(
                row(登记编号=f"LX-2020-R{i:02d}", 事项编号=f"LX-JA-{i:02d}",
                    登记日期=_d(REFLOWS[i]), 渠道="来访", 问题属地=_town(i))
            )  # fmt: skip
    for i in range(1, HANDLING_HEARD + 1):
        received = date(2020, 1, 6) + timedelta(days=10 * (i - 1))
        rows.append(
            _handled(f"LX-TZ-D{i:02d}", f"LX-TZ-{i:02d}", received,
                     received + timedelta(days=45), _town(i))
        )  # fmt: skip
    rows.append(_handled("LX-TZ-D00", "LX-TZ-00", date(2019, 3, 4), date(2019, 5, 6), _town(0)))
    for i in range(1, HANDLING_PLAIN + 1):
        received = date(2020, 2, 3) + timedelta(days=20 * (i - 1))
        rows.append(
            _handled(f"LX-BL-D{i:02d}", f"LX-BL-{i:02d}", received,
                     received + timedelta(days=30), _town(i))
        )  # fmt: skip
    for i in range(1, REVIEW_ALL + 1):
        received = date(2019, 5, 6) + timedelta(days=7 * (i - 1))
        asked = date(2020, 2, 3) + timedelta(days=14 * (i - 1))
        rows.append(
            _handled(f"LX-FC-D{i:02d}", f"LX-FC-{i:02d}", received,
                     received + timedelta(days=30), _town(i))
            | {"复查申请日期": _d(asked), "复查答复日期": _d(asked + timedelta(days=25))}
        )  # fmt: skip
    for i in range(1, REREVIEW_ALL + 1):
        received = date(2019, 1, 7) + timedelta(days=7 * (i - 1))
        asked = date(2020, 3, 2) + timedelta(days=14 * (i - 1))
        rows.append(
            _handled(f"LX-FH-D{i:02d}", f"LX-FH-{i:02d}", received,
                     received + timedelta(days=30), _town(i))
            | {
                "复查申请日期": _d(received + timedelta(days=40)),
                "复查答复日期": _d(received + timedelta(days=60)),
                "复核申请日期": _d(asked),
                "复核答复日期": _d(asked + timedelta(days=25)),
            }
        )  # fmt: skip
    return rows


BATCH_HEADER = ["来源", "批次名称", "交办日期", "办结期限", "登记编号", "事项编号", "化解日期",
                "审核结果", "审核日期"]  # fmt: skip


def county_batch() -> list[list[str]]:
    out = []
    for i in range(1, 22):
        resolved = batch_resolved(i)
        out.append(
            ["中央", BATCH_NAME, "2020-03-10", "2020-09-30", f"LX-2018-{i:03d}", "",
             _d(resolved), "通过审核", _d(resolved + timedelta(days=10))]
        )  # fmt: skip
    return out


HEARING_HEADER = ["事项编号", "阶段", "听证日期", "结束日期", "地点", "主持单位", "是否公开",
                  "参加人", "听证笔录", "结论"]  # fmt: skip


def _hearing(matter: str, stage: str, held: date, host: str, n: int) -> list[str]:
    people = f"信访人：信访人{n:02d}；人大代表：代表{n:02d}；有关部门：县人社局"
    return [matter, stage, _d(held), _d(held), "县信访局听证室", host, "是", people,
            "各方陈述意见并质证", "维持原处理意见"]  # fmt: skip


def county_hearings() -> list[list[str]]:
    host = "郎溪县信访局"
    out = [_hearing("LX-TZ-00", "办理", date(2019, 4, 10), host, 0)]  # 2019: not counted
    for i in range(1, HANDLING_HEARD + 1):
        received = date(2020, 1, 6) + timedelta(days=10 * (i - 1))
        out.append(_hearing(f"LX-TZ-{i:02d}", "办理", received + timedelta(days=20), host, i))
    for i in range(1, REVIEW_HEARD + 1):
        asked = date(2020, 2, 3) + timedelta(days=14 * (i - 1))
        out.append(_hearing(f"LX-FC-{i:02d}", "复查", asked + timedelta(days=10), host, 20 + i))
    for i in range(1, REREVIEW_HEARD + 1):
        asked = date(2020, 3, 2) + timedelta(days=14 * (i - 1))
        out.append(_hearing(f"LX-FH-{i:02d}", "复核", asked + timedelta(days=10), host, 30 + i))
    return out


# --- 栖霞区, 2023年1-6月: 会办会 29场次, 听证会 1次 ----------------------------------------------
#
# 29 会办会 of 栖霞区信访局会办会 every 6 days from 2023-01-04 (the 29th on 2023-06-21: 4 + 6·28
# = 172 days into the year), and a 30th on 2023-07-06, after the period.
# One hearing: QX-01 (马群街道) in 办理, 2023-03-15, answered 2023-04-10. QX-02 … 04 answered in
# 1-6月 without one: 办理 share 1 / 4 → 25.0%; no 复查/复核 decided: 无.
MEETINGS_HELD = 29
MEETING_HEADER = ["会议名称", "会议类型", "会议日期", "地点", "会议纪要"]


def district_ledger() -> list[dict[str, str]]:
    rows = [_handled("QX-D01", "QX-01", date(2023, 2, 6), date(2023, 4, 10), "马群街道")]
    for i, received in enumerate((date(2023, 1, 9), date(2023, 3, 6), date(2023, 4, 3)), start=2):
        rows.append(
            _handled(f"QX-D{i:02d}", f"QX-{i:02d}", received, received + timedelta(days=30),
                     "尧化街道")
        )  # fmt: skip
    return rows


def district_meetings() -> list[list[str]]:
    out = []
    for i in range(MEETINGS_HELD):
        held = date(2023, 1, 4) + timedelta(days=6 * i)
        out.append(["栖霞区信访局会办会", "会办会", _d(held), "区信访局", f"第{i + 1}次会办"])
    out.append(["栖霞区信访局会办会", "会办会", "2023-07-06", "区信访局", "下半年第一次"])
    return out


def district_hearings() -> list[list[str]]:
    h = _hearing("QX-01", "办理", date(2023, 3, 15), "栖霞区信访局", 1)
    h[4] = "区信访局听证室"
    return [h]


# --- 城南区, 2022: the dispute ledger (A4) -----------------------------------------------------
#
# Found 1-11月 2022: 17 (E01 … E07 before November, N01 … N10 in November); 重排 2 (E04 repeats
# D21-01 of 2021 at 下闸村, N03 repeats E02 at 王范庄村). D21-01 (2021) counts in no 2022 figure.
#
# November (the screening month), by the level that found it (a risen one: where it started):
#   村社区 6 (N01 … N06), 街道乡镇 3 (N07, N08, N09), 区县 1 (N10);
#   settled in November at the level it stood: 村社区 3 (N01, N02, N03), 街道乡镇 2 (N05 after
#   rising, N07), 区县 0 — 5, all found in November: 化解率 5 / 10 = 50.0%;
#   risen: N05 and N06 to 街道乡镇 (11-16, 11-17), N09 to 区县 (11-29) — 3; 重排 1 (N03);
#   by source: 日常排查 7, 专项排查 1 (N04), 网格上报 1 (N08), 群众反映 1 (N10);
#   by unit: 城南区 本级 1 / 0 (N10), 杨庄乡 5 / 5 (N01 N02 N03 N05 N07), 五尧乡 4 / 0.
# 1-11月: found 村社区 10 (E01 … E04, N01 … N06), 街道乡镇 5 (E05, E06, N07 … N09), 区县 2
#   (E07, N10); settled 村社区 7, 街道乡镇 3 (E05, N05, N07), 区县 1 (E06 after rising) — 11,
#   11 / 17 → 64.7%; risen 4 (街道乡镇 2, 区县 2: E06 09-27 and N09); 重排 2;
#   by source 日常排查 13, 专项排查 1, 网格上报 1, 群众反映 2 (E07, N10);
#   by unit: 本级 2 / 0 (E07, N10), 杨庄乡 9 / 9, 五尧乡 6 / 2 (E03, E06).
DISPUTE_HEADER = ["纠纷编号", "排查日期", "来源", "问题属地", "内容分类", "涉及人数", "风险等级",
                  "责任单位", "情况", "当前层级", "调解类型", "调解结果", "化解日期",
                  "转信访登记编号", "升级记录", "重排"]  # fmt: skip
SUCCESS, FAILED = "调解成功", "调解不成"


def _dispute(
    number: str,
    found: str,
    source: str,
    place: str,
    level: str,
    about: str,
    *,
    settled: str = "",
    mediation: str = "",
    result: str = "",
    raised: str = "",
    again: bool = False,
) -> list[str]:
    return [number, found, source, place, "", "3", "中", "", about, level, mediation, result,
            settled, "", raised, "是" if again else "否"]  # fmt: skip


def disputes() -> list[list[str]]:
    V, S, D = "村社区", "街道乡镇", "区县"  # noqa: N806 (the three levels, short in this table)
    R = "日常排查"  # noqa: N806
    P, A = "人民调解", "行政调解"  # noqa: N806
    return [
        _dispute("D21-01", "2021-10-05", R, "下闸村", V, "风挡玻璃厂噪声扰民", settled="2021-10-15", mediation=P, result=SUCCESS),
        _dispute("E01", "2022-03-02", R, "东高庄村", V, "村道占用纠纷", settled="2022-03-10", mediation=P, result=SUCCESS),
        _dispute("E02", "2022-05-10", R, "王范庄村", V, "宅基地界址纠纷", settled="2022-06-20", mediation=P, result=SUCCESS),
        _dispute("E03", "2022-06-01", R, "西小庄村", V, "灌溉用水纠纷", settled="2022-06-12", mediation=P, result=SUCCESS),
        _dispute("E04", "2022-07-05", R, "下闸村", V, "风挡玻璃厂噪声扰民（再次反映）", settled="2022-07-20", mediation=P, result=SUCCESS, again=True),
        _dispute("E05", "2022-08-03", R, "杨庄乡", S, "乡办企业拖欠货款", settled="2022-08-25", mediation=A, result=SUCCESS),
        _dispute("E06", "2022-09-12", R, "五尧乡", D, "氧气瓶爆炸善后赔偿", settled="2022-10-20", mediation="司法调解", result=SUCCESS, raised="2022-09-27 区县"),
        _dispute("E07", "2022-10-08", "群众反映", "城南区", D, "建材公司归属争议"),
        _dispute("N01", "2022-11-02", R, "东高庄村", V, "邻里排水纠纷", settled="2022-11-08", mediation=P, result=SUCCESS),
        _dispute("N02", "2022-11-03", R, "东高庄村", V, "承包地边界纠纷", settled="2022-11-10", mediation=P, result=SUCCESS),
        _dispute("N03", "2022-11-04", R, "王范庄村", V, "宅基地界址纠纷（再次反映）", settled="2022-11-15", mediation=P, result=SUCCESS, again=True),
        _dispute("N04", "2022-11-07", "专项排查", "西小庄村", V, "土地流转租金纠纷"),
        _dispute("N05", "2022-11-01", R, "下闸村", S, "拆迁补偿分配纠纷", settled="2022-11-25", mediation=A, result=SUCCESS, raised="2022-11-16 街道乡镇"),
        _dispute("N06", "2022-11-02", R, "乌马庄村", S, "山林权属纠纷", mediation=P, result=FAILED, raised="2022-11-17 街道乡镇"),
        _dispute("N07", "2022-11-09", R, "杨庄乡", S, "集贸市场摊位纠纷", settled="2022-11-20", mediation=A, result=SUCCESS),
        _dispute("N08", "2022-11-10", "网格上报", "五尧乡", S, "养殖场污染纠纷"),
        _dispute("N09", "2022-11-14", R, "五尧乡", D, "企业改制职工安置", raised="2022-11-29 区县"),
        _dispute("N10", "2022-11-21", "群众反映", "城南区", D, "电工机械厂拆迁补偿"),
    ]  # fmt: skip


# --- writing and importing ---------------------------------------------------------------------


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_files(folder: Path) -> dict[str, Path]:
    """Every file of the data set, as a bureau would keep them (CSV, UTF-8 with a BOM)."""
    return {
        "org": _write(folder / "组织机构.csv", ORG_HEADER, ORG),
        "ledger": write_csv(folder / "信访台账.csv", county_ledger() + district_ledger()),
        "batch": _write(folder / "交办积案清单.csv", BATCH_HEADER, county_batch()),
        "hearings": _write(
            folder / "听证台账.csv", HEARING_HEADER, county_hearings() + district_hearings()
        ),
        "meetings": _write(folder / "会议台账.csv", MEETING_HEADER, district_meetings()),
        "disputes": _write(folder / "纠纷台账.csv", DISPUTE_HEADER, disputes()),
    }


def import_files(paths: dict[str, Path]) -> dict[str, str]:
    """Load the files through the commands, in the order their references need; each command's
    own summary by file."""
    steps = [
        ("org", "import_org", []),
        ("ledger", "import_ledger", []),
        ("batch", "import_handed_down", ["--org", COUNTY]),
        ("hearings", "import_hearings", []),
        ("meetings", "import_meetings", ["--org", QIXIA]),
        ("disputes", "import_disputes", []),
    ]
    said = {}
    for key, command, extra in steps:
        out = StringIO()
        call_command(command, str(paths[key]), *extra, stdout=out, stderr=StringIO())
        said[key] = out.getvalue()
    return said
