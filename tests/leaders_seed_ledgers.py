"""Ledgers (contract A) and reception ledgers (A3) whose reports print the seeds' leader sentences.

Seed 003 (a district, 1—9月 2024): "区级领导干部参与公开接访128人次，接待群众来访232批次345人次，
其中党政主要领导参与接待群众来访61批次111人次".
Seed 002 (a county of seven towns, 1—6月 2019): "32次县领导接访活动，参与接访的县各套班子领导
129人次，县直机关领导139人次，七镇领导1210人次，共接访群众125批347人次".

Each generator returns (ledger rows, reception rows); the test writes them as files and imports
them with `xinfang import-ledger` and `xinfang import-receptions`. Every count is built from the
arithmetic in the comments, not from what the product computes.
"""

from datetime import date, timedelta

from tests.ledger_rows import row

RECEPTION_HEADER = [
    "接访编号", "接访日期", "接访形式", "地点", "接访领导", "领导层级", "登记编号", "接访结果",
    "交办日期",
]  # fmt: skip
TIER_LABEL = {"P": "党政主要领导", "M": "班子成员", "D": "部门领导", "T": "镇街领导"}


def _session_rows(
    number: str,
    held: date,
    kind: str,
    leaders: list[tuple[str, str]],
    registrations: list[str],
) -> list[list[str]]:
    """One session's rows: one per registration received, or one empty row when nobody came.
    The session's facts are written on its first row only (the others leave them empty)."""
    names = "、".join(name for name, _ in leaders)
    tiers = "、".join(TIER_LABEL[t] for _, t in leaders)
    first = [number, held.isoformat(), kind, "接待中心", names, tiers]
    rest = [number, "", "", "", "", ""]
    if not registrations:
        return [[*first, "", "", ""]]
    out = []
    for i, reg in enumerate(registrations):
        # every other one is settled on the spot, the rest counselled and routed the next day
        spot = i % 2 == 0
        outcome = ["当场解决", ""] if spot else ["教育疏导", (held + timedelta(days=1)).isoformat()]
        out.append((first if i == 0 else rest) + [reg, *outcome])
    return out


def _spread(total: int, parts: int) -> list[int]:
    """`total` over `parts` as evenly as can be, the larger parts first: 7 over 3 = [3, 2, 2]."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def seed003(locality: str) -> tuple[list[dict[str, str]], list[list[str]]]:
    """64 sessions of two district leaders each (64 × 2 = 128 人次), 2024-01-02 … 2024-09-12.

    Sessions 1–32 seat 党政主要领导 (张书记 or 刘区长) with a 班子成员: 61 receptions there
    (29 sessions × 2 + 1 × 3, two with nobody), 111 people (50 groups of 2, 11 of 1). Sessions
    33–64 seat two 班子成员: 171 receptions (11 × 6 + 21 × 5), 234 people (63 groups of 2, 108
    of 1). Together 232 batches, 345 people.
    """
    principals = ["张书记", "刘区长"]
    members = ["李副区长", "赵副区长", "钱副书记", "孙副区长", "周部长"]
    principal_counts = [2] * 29 + [3, 0, 0]
    other_counts = [6] * 11 + [5] * 21
    principal_people = [2] * 50 + [1] * 11
    other_people = [2] * 63 + [1] * 108
    ledger: list[dict[str, str]] = []
    receptions: list[list[str]] = []
    for i in range(64):
        held = date(2024, 1, 2) + timedelta(days=4 * i)
        if i < 32:
            leaders = [(principals[i % 2], "P"), (members[i % 5], "M")]
            count, people = principal_counts[i], principal_people
        else:
            leaders = [(members[i % 5], "M"), (members[(i + 1) % 5], "M")]
            count, people = other_counts[i - 32], other_people
        regs = []
        for _ in range(count):
            number = f"S3-{len(ledger) + 1:04d}"
            ledger.append(
                row(登记编号=number, 登记日期=held.isoformat(), 渠道="来访", 问题属地=locality,
                    人数=str(people.pop()))
            )  # fmt: skip
            regs.append(number)
        receptions += _session_rows(f"JF3-{i + 1:03d}", held, "定期接访", leaders, regs)
    assert not principal_people and not other_people  # every group placed
    return ledger, receptions


def seed002(locality: str) -> tuple[list[dict[str, str]], list[list[str]]]:
    """32 sessions, 2019-01-03 … 2019-06-23 (every 5.5 days or so), of the county's leaders:

    县各套班子领导 (2 党政主要领导 + 10 班子成员) 129 人次 = 31 sessions × 4 + 1 × 5;
    县直机关领导 (20 部门领导) 139 人次 = 11 × 5 + 21 × 4;
    七镇领导 (42 镇街领导, six a town) 1210 人次 = 26 × 38 + 6 × 37.
    125 receptions = 29 × 4 + 3 × 3; 347 people = 111 groups of 3 + 14 of 1.
    """
    county = [("县委书记", "P"), ("县长", "P")] + [
        (f"副县长{c}", "M") for c in "甲乙丙丁戊己庚辛壬癸"
    ]
    departments = [(f"局长{i:02d}", "D") for i in range(1, 21)]
    towns = [(f"镇长{i:02d}", "T") for i in range(1, 43)]
    county_n = _spread(129, 32)
    department_n = _spread(139, 32)
    town_n = _spread(1210, 32)
    reception_n = _spread(125, 32)
    people = [3] * 111 + [1] * 14
    ledger: list[dict[str, str]] = []
    receptions: list[list[str]] = []
    for i in range(32):
        held = date(2019, 1, 3) + timedelta(days=(i * 11) // 2)
        leaders = (
            [county[(i + k) % len(county)] for k in range(county_n[i])]
            + [departments[(i + k) % len(departments)] for k in range(department_n[i])]
            + [towns[(i + k) % len(towns)] for k in range(town_n[i])]
        )
        regs = []
        for _ in range(reception_n[i]):
            number = f"S2-{len(ledger) + 1:04d}"
            ledger.append(
                row(登记编号=number, 登记日期=held.isoformat(), 渠道="来访", 问题属地=locality,
                    人数=str(people.pop()))
            )  # fmt: skip
            regs.append(number)
        receptions += _session_rows(f"JF2-{i + 1:03d}", held, "下访", leaders, regs)
    assert not people
    return ledger, receptions
