"""The demo district generator: deterministic, complete, consistent with the clocks, and quick."""

import csv
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from xinfang.demo.generator import (
    LEDGER_COLUMNS,
    ORG_COLUMNS,
    ledger_rows,
    ledger_tuples,
    org_rows,
    two_years_before,
    write_csv,
    write_ledger_csv,
)
from xinfang.demo.ledger import MATTER_COLUMNS, default_category_names
from xinfang.intake.idcard import parse_id_number

END = date(2025, 6, 30)
Row = dict[str, str]
EVENT_DATES = (
    "登记日期",
    "处理日期",
    "答复日期",
    "评价日期",
    "复查申请日期",
    "复查答复日期",
    "复核申请日期",
    "复核答复日期",
    "包案日期",
    "督办日期",
    "化解日期",
)
DEADLINES = ("办理期限", "延期至", "督办期限")


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return list(ledger_rows(end=END))


@pytest.fixture(scope="module")
def matters(rows: list[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["事项编号"]].append(row)
    return grouped


@pytest.fixture(scope="module")
def units() -> dict[str, Row]:
    return {row["名称"]: row for row in org_rows()}


def first_rows(matters: dict[str, list[Row]]) -> list[Row]:
    return [group[0] for group in matters.values()]


# ---- determinism and size ---------------------------------------------------------------


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    one = list(ledger_tuples(end=END, seed=7, registrations=800))
    two = list(ledger_tuples(end=END, seed=7, registrations=800))
    other = list(ledger_tuples(end=END, seed=8, registrations=800))
    assert one == two
    assert len(one) == len(other) == 800
    assert sum(a != b for a, b in zip(one, other, strict=True)) > 700


def test_files_are_byte_identical(tmp_path: Path) -> None:
    write_ledger_csv(tmp_path / "a.csv", end=END, seed=3, registrations=500)
    write_csv(tmp_path / "b.csv", ledger_rows(end=END, seed=3, registrations=500))
    write_ledger_csv(tmp_path / "c.csv", end=END, seed=4, registrations=500)
    a, b, c = ((tmp_path / f"{n}.csv").read_bytes() for n in "abc")
    assert a == b
    assert a != c
    with (tmp_path / "a.csv").open(encoding="utf-8", newline="") as handle:
        read = list(csv.DictReader(handle))
    assert tuple(read[0]) == LEDGER_COLUMNS
    assert read == list(ledger_rows(end=END, seed=3, registrations=500))


def test_exact_count_unique_numbers_sorted_by_date(rows: list[Row]) -> None:
    assert len(rows) == 2500
    assert len({row["登记编号"] for row in rows}) == 2500
    dates = [row["登记日期"] for row in rows]
    assert dates == sorted(dates)
    assert d(dates[0]) >= two_years_before(END) == date(2023, 7, 1)
    assert d(dates[-1]) >= END - timedelta(days=7)
    assert set(rows[0]) == set(LEDGER_COLUMNS)
    assert all(isinstance(value, str) for row in rows[:50] for value in row.values())


def test_two_years_before_handles_leap_day() -> None:
    assert two_years_before(date(2024, 2, 29)) == date(2022, 3, 1)
    assert len(list(ledger_tuples(end=date(2024, 2, 29), registrations=50))) == 50


def test_a_thousand_rows_are_quick() -> None:
    started = time.perf_counter()
    made = sum(1 for _ in ledger_tuples(end=END, seed=11, registrations=1000))
    assert made == 1000
    assert time.perf_counter() - started < 1.0


# ---- every value, in believable proportions ---------------------------------------------


def test_every_channel_level_form_category_purpose_and_method(rows: list[Row]) -> None:
    def seen(column: str) -> set[str]:
        return {row[column] for row in rows}

    assert seen("渠道") == {"来信", "来访", "网上", "来电"}
    assert seen("层级") == {"进京", "赴省", "到市", "来区"}
    assert seen("形式") == {"个访", "集体访"}
    assert seen("内容分类") == set(default_category_names())
    assert seen("信访目的") == {"建议意见", "检举控告", "申诉求决"}
    assert seen("处理方式") - {""} == {"受理", "不予受理", "转送", "交办", "依法分类"}
    assert seen("评价") - {""} == {"满意", "基本满意", "不满意"}
    assert seen("督办级别") - {""} == {"中央", "省", "市", "区"}


def test_proportions_look_like_a_district(rows: list[Row]) -> None:
    levels = Counter(row["层级"] for row in rows)
    assert 0.55 < levels["来区"] / len(rows) < 0.80  # mostly local, a share going up
    assert levels["进京"] < levels["赴省"] < levels["到市"]
    categories = Counter(row["内容分类"] for row in rows)
    top = {name for name, _ in categories.most_common(5)}
    assert {"征地拆迁", "拖欠工资", "物业管理"} <= top
    assert categories["征地拆迁"] > 5 * categories["涉军"]
    purposes = Counter(row["信访目的"] for row in rows)
    assert purposes["申诉求决"] > 0.75 * len(rows)


def test_collective_visits_and_joint_letters(
    rows: list[Row], matters: dict[str, list[Row]]
) -> None:
    collective = [row for row in rows if row["形式"] == "集体访"]
    assert len(collective) > 20
    assert all(row["渠道"] == "来访" and int(row["人数"]) >= 5 for row in collective)
    individual_visits = [r for r in rows if r["渠道"] == "来访" and r["形式"] == "个访"]
    assert all(int(row["人数"]) < 5 for row in individual_visits)
    joint = [row for row in first_rows(matters) if row["备注"] == "联名信"]
    assert joint
    assert all(row["渠道"] == "来信" and int(row["人数"]) >= 2 for row in joint)


def test_letter_kinds_are_filled_where_the_remark_names_them(
    rows: list[Row], matters: dict[str, list[Row]]
) -> None:
    kinds = Counter(row["来信类型"] for row in rows)
    assert set(kinds) == {"", "联名信", "领导批示件", "国家投诉受理办公室交办件", "转送件"}
    assert kinds["联名信"] > 20
    assert all(row["渠道"] == "来信" for row in rows if row["来信类型"])
    letters = [row for row in rows if row["渠道"] == "来信"]
    assert all((row["来信类型"] == "联名信") == (int(row["人数"]) > 1) for row in letters)
    first_letters = [row for row in first_rows(matters) if row["渠道"] == "来信"]
    for remark, kind in (
        ("联名信", "联名信"),
        ("领导批示件", "领导批示件"),
        ("国家信访局转送件", "转送件"),
        ("国家投诉受理办公室交办件", "国家投诉受理办公室交办件"),
    ):
        marked = [row for row in first_letters if row["备注"] == remark]
        assert marked and all(row["来信类型"] == kind for row in marked), remark
    # Hotline transfers (12345) are calls, not letters: they stay in 备注 only.
    hotline = [row for row in rows if row["备注"] == "12345热线转办件" and row["渠道"] == "来电"]
    assert hotline and not any(row["来信类型"] for row in hotline)


# ---- people and places ------------------------------------------------------------------


def test_id_numbers_are_valid_and_belong_to_one_person(rows: list[Row]) -> None:
    names: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["身份证号"]:
            facts = parse_id_number(row["身份证号"], today=END)
            assert 20 <= (END - facts.birth_date).days / 365.25 <= 81
            names[facts.number].add(row["信访人"])
    assert len(names) > 1000
    assert all(len(found) == 1 for found in names.values())
    regions = Counter(number[:6] for number in names)
    assert regions.most_common(1)[0][0] == "339102"  # most petitioners live in 青山区
    assert len(regions) > 8


def test_phones_names_and_addresses(rows: list[Row]) -> None:
    named = [row for row in rows if row["信访人"]]
    assert len(named) > 0.9 * len(rows)
    assert all(len(row["联系电话"]) == 11 and row["联系电话"][0] == "1" for row in named)
    assert all(row["住址"].startswith("临江市") for row in named)
    assert len({row["信访人"] for row in named}) > 500
    anonymous = [row for row in rows if not row["信访人"]]
    assert anonymous
    assert all(row["信访目的"] == "检举控告" for row in anonymous)


def test_places_and_units_are_in_the_tree(rows: list[Row], units: dict[str, Row]) -> None:
    kinds = Counter(units[row["问题属地"]]["类型"] for row in rows)
    assert set(kinds) == {"街道乡镇", "村社区"}
    for row in rows:
        assert units[row["责任单位"]]["类型"] in {"街道乡镇", "部门"}
    accusations = [row for row in rows if row["信访目的"] == "检举控告"]
    assert accusations
    assert all(row["责任单位"].endswith("纪委监委") for row in accusations)
    education = [r for r in rows if r["内容分类"] == "教育" and r["信访目的"] != "检举控告"]
    assert {row["责任单位"] for row in education} <= {
        "区教育局",
        *(name for name, unit in units.items() if unit["类型"] == "街道乡镇"),
    }


# ---- matters: repeats, parallel letters and visits, agreeing facts ----------------------


def test_repeats_and_parallel_letter_and_visit(
    matters: dict[str, list[Row]], rows: list[Row]
) -> None:
    repeated = [group for group in matters.values() if len(group) >= 3]
    assert len(repeated) > 30
    gaps = [(d(group[-1]["登记日期"]) - d(group[0]["登记日期"])).days for group in repeated]
    assert max(gaps) > 180 and sorted(gaps)[len(gaps) // 2] > 60  # months apart
    parallel = [
        group
        for group in matters.values()
        if {"来访"} & {r["渠道"] for r in group} and {"来信", "网上"} & {r["渠道"] for r in group}
    ]
    share = sum(len(group) for group in parallel) / len(rows)
    assert 0.15 < share < 0.35  # "信访并行": about a quarter of the volume
    assert all(len({r["信访人"] for r in group}) == 1 for group in matters.values())
    assert 1.3 < len(rows) / len(matters) < 2.0  # 件数 against 纯件数


def test_rows_of_a_matter_agree_on_the_matter_columns(matters: dict[str, list[Row]]) -> None:
    for group in matters.values():
        for column in MATTER_COLUMNS:
            assert len({row[column] for row in group}) == 1, (group[0]["事项编号"], column)


def test_content_reads_like_petitions_and_rarely_repeats(rows: list[Row]) -> None:
    contents = [row["反映内容"] for row in rows]
    assert all(len(text) > 25 for text in contents)
    assert len(set(contents)) > 0.98 * len(contents)
    assert sum("要求" in text for text in contents) > 0.6 * len(contents)
    accusation = next(row for row in rows if row["信访目的"] == "检举控告")
    assert "检举" in accusation["反映内容"]


# ---- the clocks -------------------------------------------------------------------------


def test_nothing_happens_after_the_end_date(rows: list[Row]) -> None:
    for row in rows:
        for column in EVENT_DATES:
            if row[column]:
                assert d(row[column]) <= END, (row["登记编号"], column)
        for column in DEADLINES:
            if row[column]:
                assert d(row[column]) <= END + timedelta(days=120)


def test_decisions_mostly_within_fifteen_days(matters: dict[str, list[Row]]) -> None:
    decided = [r for r in first_rows(matters) if r["处理日期"]]
    days = [(d(r["处理日期"]) - d(r["登记日期"])).days for r in decided]
    assert min(days) >= 1
    on_time = sum(day <= 15 for day in days) / len(days)
    assert 0.85 < on_time < 0.99  # mostly on time, some late


def test_replies_mostly_within_sixty_days_or_the_extension(matters: dict[str, list[Row]]) -> None:
    handled = [r for r in first_rows(matters) if r["处理方式"] in {"受理", "交办", "转送"}]
    replied = [r for r in handled if r["答复日期"]]
    assert not [r for r in first_rows(matters) if r["处理方式"] == "依法分类" and r["答复日期"]]

    def deadline(row: Row) -> date:
        if row["延期至"]:
            return d(row["延期至"])
        if row["办理期限"]:
            return d(row["办理期限"])
        return d(row["处理日期"]) + timedelta(days=60)

    on_time = sum(d(r["答复日期"]) <= deadline(r) for r in replied) / len(replied)
    assert 0.80 < on_time < 0.97
    extended = [r for r in replied if r["延期至"]]
    assert extended
    for row in extended:
        limit = d(row["办理期限"]) if row["办理期限"] else d(row["处理日期"]) + timedelta(days=60)
        assert 10 <= (d(row["延期至"]) - limit).days <= 30  # one extension of at most 30 days
    recent = [r for r in handled if d(r["处理日期"]) > END - timedelta(days=60)]
    assert any(not r["答复日期"] for r in recent)  # some still open near the end


def test_evaluations_and_reviews(matters: dict[str, list[Row]]) -> None:
    firsts = first_rows(matters)
    evaluated = [r for r in firsts if r["评价"]]
    assert all(r["答复日期"] and r["评价日期"] >= r["答复日期"] for r in evaluated)
    satisfied = sum(r["评价"] in {"满意", "基本满意"} for r in evaluated) / len(evaluated)
    assert 0.75 < satisfied < 0.95
    reviews = [r for r in firsts if r["复查申请日期"]]
    rereviews = [r for r in firsts if r["复核申请日期"]]
    assert len(reviews) > 10 and 0 < len(rereviews) < len(reviews)
    for row in reviews:
        assert 0 < (d(row["复查申请日期"]) - d(row["答复日期"])).days <= 30
        if row["复查答复日期"]:
            assert d(row["复查答复日期"]) > d(row["复查申请日期"])
    for row in rereviews:
        assert 0 < (d(row["复核申请日期"]) - d(row["复查答复日期"])).days <= 30


def test_packages_and_supervision(matters: dict[str, list[Row]]) -> None:
    firsts = first_rows(matters)
    packaged = [r for r in firsts if r["包案领导"]]
    supervised = [r for r in firsts if r["督办级别"]]
    assert 15 <= len(packaged) <= 80  # a few dozen
    assert len(supervised) >= 20
    assert all(r["包案日期"] > r["登记日期"] for r in packaged)
    assert all(r["督办日期"] < r["督办期限"] for r in supervised)
    involved = {r["事项编号"]: r for r in packaged + supervised}.values()
    resolved = [r for r in involved if r["化解日期"]]
    assert len(resolved) > 0.6 * len(involved)
    assert not [r for r in firsts if r["化解日期"] and not (r["包案领导"] or r["督办级别"])]
    on_time = sum(bool(r["化解日期"]) and r["化解日期"] <= r["督办期限"] for r in supervised)
    assert 0.4 < on_time / len(supervised) < 0.95


# ---- the organisation tree --------------------------------------------------------------


def test_organisation_tree() -> None:
    units = org_rows()
    assert all(tuple(unit) == ORG_COLUMNS for unit in units)
    codes = [unit["编码"] for unit in units]
    assert len(set(codes)) == len(codes)
    names = [unit["名称"] for unit in units]
    assert len(set(names)) == len(names)  # unique in the whole tree: a ledger may use names
    seen: set[str] = set()
    for unit in units:
        assert unit["上级编码"] == "" or unit["上级编码"] in seen  # parents first
        seen.add(unit["编码"])
    by_code = {unit["编码"]: unit for unit in units}
    districts = [u for u in units if u["类型"] == "区县"]
    assert {u["名称"] for u in districts} >= {"青山区"} and len(districts) == 5
    children = Counter(u["上级编码"] for u in units)
    streets = [u for u in units if u["类型"] == "街道乡镇" and u["上级编码"] == "339102"]
    assert len(streets) == 9
    assert all(children[street["编码"]] >= 5 for street in streets)
    departments = [u for u in units if u["类型"] == "部门" and u["上级编码"] == "339102"]
    assert len(departments) >= 25
    assert {"区信访局", "区纪委监委", "区住房和城乡建设局"} <= {u["名称"] for u in departments}
    assert by_code["339102"]["上级编码"] == "3391"
    assert org_rows() == units  # stable


# Contract A's columns in its order, written out from the contract (never renamed, only extended).
CONTRACT_A = [
    "登记编号",
    "事项编号",
    "登记日期",
    "渠道",
    "层级",
    "人数",
    "形式",
    "信访人",
    "身份证号",
    "联系电话",
    "住址",
    "问题属地",
    "内容分类",
    "信访目的",
    "反映内容",
    "责任单位",
    "处理方式",
    "处理日期",
    "办理期限",
    "延期至",
    "答复日期",
    "评价",
    "评价日期",
    "复查申请日期",
    "复查答复日期",
    "复核申请日期",
    "复核答复日期",
    "包案领导",
    "包案日期",
    "督办级别",
    "督办日期",
    "督办期限",
    "化解日期",
    "备注",
]


def test_columns_match_the_ledger_contract() -> None:
    from xinfang.intake.ledger.columns import COLUMNS
    from xinfang.intake.ledger.columns import MATTER_COLUMNS as CONTRACT_MATTER

    assert tuple(column.name for column in COLUMNS) == LEDGER_COLUMNS
    assert tuple(column.name for column in CONTRACT_MATTER) == MATTER_COLUMNS
    extensions = [column.name for column in COLUMNS if column.extension]
    assert extensions == ["来信类型"]
    assert [name for name in LEDGER_COLUMNS if name not in extensions] == CONTRACT_A
    # A registration's column: after the registration columns, before the matter's.
    assert LEDGER_COLUMNS.index("来信类型") == LEDGER_COLUMNS.index("责任单位") + 1
    assert LEDGER_COLUMNS.index("来信类型") < LEDGER_COLUMNS.index(MATTER_COLUMNS[0])


# ---- the open window: the latest matters left for the live workflow -----------------------


def test_the_open_window_blanks_only_the_latest_matters_of_our_district() -> None:
    from xinfang.demo.generator import OpenWindow
    from xinfang.demo.ledger import REGISTRATION_COLUMNS
    from xinfang.demo.org import build_tree

    window = OpenWindow(since=END - timedelta(days=90), all_since=END - timedelta(days=14), every=5)
    plain = list(ledger_rows(end=END, seed=5, registrations=1500))
    opened = list(ledger_rows(end=END, seed=5, registrations=1500, open_window=window))
    assert len(plain) == len(opened)
    ours = {place.name for place in build_tree().places}
    first: dict[str, date] = {}
    for row in plain:
        first.setdefault(row["事项编号"], d(row["登记日期"]))
    handling = [c for c in MATTER_COLUMNS if c != "备注"]
    changed: set[str] = set()
    for before, after in zip(plain, opened, strict=True):
        # the draws are the same: every registration column is as it was
        assert [before[c] for c in REGISTRATION_COLUMNS] == [after[c] for c in REGISTRATION_COLUMNS]
        number = before["事项编号"]
        is_open = before["问题属地"] in ours and window.leaves_open(
            first[number], int(number.rsplit("-", 1)[1])
        )
        if is_open:
            assert all(after[c] == "" for c in handling)
            if any(before[c] for c in handling):
                changed.add(number)
        else:
            assert before == after
    assert changed  # some matters that had been decided are left open
    assert all(first[n] >= window.since for n in changed)
