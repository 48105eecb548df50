"""How fast the staff matter list answers at scale: first page, filters, search, deep pages.

Run: .venv/bin/python benchmarks/matter_list.py [--registrations N] [--database-url URL] [--runs N]
Without --database-url it uses a scratch SQLite file; a PostgreSQL URL names a scratch database
that is created, filled and dropped again. Prints a Markdown table for results/.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--registrations", type=int, default=1_000_000)
parser.add_argument("--database-url", default="")
parser.add_argument("--runs", type=int, default=5)
parser.add_argument("--keep", action="store_true", help="keep the data to study query plans")
parser.add_argument(
    "--reuse",
    action="store_true",
    help="time the data kept by an earlier --keep run (a sqlite:/// URL or the PostgreSQL one)",
)
parser.add_argument("--data-dir", default="", help="with --reuse: the data folder it printed")
args = parser.parse_args()
args.keep = args.keep or args.reuse

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/: _support
from _support import scratch_setup  # noqa: E402

place = scratch_setup(
    "xf-bench-list.",
    args.database_url,
    keep=args.keep,
    create=not args.reuse,
    data_dir=args.data_dir,
)
scratch, POSTGRES = place.dir, place.postgres

import django  # noqa: E402

django.setup()

from _support import raw_insert as _insert  # noqa: E402  (benchmarks/, the script's own directory)
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from xinfang.accounts.models import Role, User  # noqa: E402
from xinfang.intake import word_index  # noqa: E402
from xinfang.intake.models import Category  # noqa: E402
from xinfang.intake.selectors import Cursor, MatterFilters, matter_page  # noqa: E402
from xinfang.organisation.models import OrgUnit, UnitKind  # noqa: E402
from xinfang.organisation.services import unit_create  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
FIRST_DAY, DAYS = date(2016, 1, 1), 3834  # 2016-01-01 .. 2026-06-30
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = ("建国", "秀英", "伟", "芳", "志强", "丽", "德明", "海涛", "桂兰", "军", "敏", "静")
TOPICS = [
    "小区物业不履行维修义务，电梯多次故障",
    "建筑工地拖欠农民工工资",
    "征地补偿款未足额发放",
    "企业排放废气影响周边居民",
    "学校周边交通拥堵存在安全隐患",
    "老旧小区改造进度缓慢",
    "医保报销比例有异议",
    "村务财务不公开",
    "违章建筑占用公共通道",
    "公交线路调整出行不便",
    "拆迁安置房迟迟未交付",
    "检举某干部在项目审批中收受好处费",
]


def build(n: int) -> dict[str, Any]:
    """Units, users and n registrations of about 0.7 n matters and 0.4 n people, in bulk."""
    call_command("migrate", verbosity=0)
    word_index.uninstall(connection)  # built once after the inserts, as a restore would
    city = unit_create(code="B1", name="基准市", kind=UnitKind.CITY)
    district = unit_create(code="B101", name="基准区", kind=UnitKind.DISTRICT, parent=city)
    places: list[OrgUnit] = []
    streets = []
    for s in range(12):
        street = unit_create(
            code=f"B101{s:02d}", name=f"第{s + 1}街道", kind=UnitKind.STREET, parent=district
        )
        streets.append(street)
        places.append(street)
        for v in range(8):
            places.append(
                unit_create(
                    code=f"B101{s:02d}{v:02d}",
                    name=f"第{s + 1}街道第{v + 1}社区",
                    kind=UnitKind.VILLAGE,
                    parent=street,
                )
            )
    departments = [
        unit_create(
            code=f"B1019{d:02d}", name=f"第{d + 1}局", kind=UnitKind.DEPARTMENT, parent=district
        )
        for d in range(20)
    ]
    discipline = unit_create(
        code="B101999",
        name="区纪委监委",
        kind=UnitKind.DEPARTMENT,
        parent=district,
        is_discipline_organ=True,
    )
    for username, role, unit in (
        ("officer", Role.OFFICER, district),
        ("street_staff", Role.UNIT_STAFF, streets[2]),
        ("discipline_staff", Role.UNIT_STAFF, discipline),
    ):
        User.objects.create_user(username, role=role, org_unit=unit)
    categories = list(Category.objects.values_list("pk", flat=True))
    rng = random.Random(20261121)
    n_people, n_matters = max(n * 2 // 5, 1), max(n * 7 // 10, 1)
    now = datetime.now(TZ)
    people = []
    with connection.cursor() as cur, transaction.atomic():
        for pk in range(1, n_people + 1):
            # unique; born 1940..2005 in one district, so a 10-digit prefix (district and year
            # of birth) is shared by ~6,000 people as at a real desk; the checksum is not checked
            born, rest = 1940 + pk % 66, pk // 66
            birthday = date(born, 1, 1) + timedelta(days=rest % 365)
            id_number = f"320102{birthday:%Y%m%d}{rest // 365:03d}X"
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            phone = f"13{pk:09d}"
            people.append((pk, name, id_number, phone))
        _insert(
            cur,
            "intake_petitioner",
            ["id", "name", "id_number", "phone", "address", "sex", "created_at", "updated_at"],
            [(pk, name, idn, phone, "", "", now, now) for pk, name, idn, phone in people],
        )
        matters: list[list[Any]] = []
        for pk in range(1, n_matters + 1):
            day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            accusation = rng.random() < 0.05
            place = rng.choice(places) if rng.random() > 0.02 else None
            responsible = (
                discipline
                if accusation
                else (rng.choice(departments) if rng.random() < 0.4 else None)
            )
            people_count = rng.choice((1, 1, 1, 1, 1, 1, 2, 3, 6, 12))
            matters.append(
                [
                    pk,
                    f"XF{pk:09d}",
                    rng.choice(("registered", "in_handling", "replied", "replied", "final")),
                    day,
                    day,
                    1,
                    rng.choice(("letter", "visit", "visit", "online", "online", "phone")),
                    rng.choice(("local",) * 7 + ("city", "city", "provincial", "national")),
                    "collective" if people_count >= 5 else "individual",
                    "accusation" if accusation else rng.choice(("request",) * 4 + ("suggestion",)),
                    rng.choice(categories),
                    place.pk if place else None,
                    responsible.pk if responsible else None,
                    rng.randrange(1, n_people + 1),
                    people_count,
                ]
            )
        registrations = []
        for pk in range(1, n + 1):
            if pk <= n_matters:
                m = matters[pk - 1]
                day, first = m[3], True
            else:
                m = matters[rng.randrange(n_matters)]
                day, first = m[4] + timedelta(days=rng.randrange(1, 90)), False
                m[4], m[5] = day, m[5] + 1
            person = people[m[13] - 1]
            topic = TOPICS[-1] if m[9] == "accusation" else rng.choice(TOPICS[:-1])
            content = f"{person[1]}反映{topic}，编号{pk}，要求有关部门尽快处理。"
            registrations.append(
                (
                    *(pk, f"DJ{pk:09d}", m[0], first, m[6], m[7], m[8], m[14]),
                    *(datetime(day.year, day.month, day.day, 9, tzinfo=TZ), day, "", m[13]),
                    *(person[1], person[3], "", content, m[10], m[9], m[11], m[12], "ledger", now),
                )
            )
        _insert(
            cur,
            "intake_matter",
            [
                "id",
                "number",
                "status",
                "first_received_on",
                "last_received_on",
                "registration_count",
                "channel",
                "level",
                "form",
                "purpose",
                "category_id",
                "locality_id",
                "responsible_unit_id",
                "petitioner_id",
                "handling_method",
                "evaluation",
                "package_leader",
                "supervision_level",
                "remark",
                "version",
                "created_at",
                "updated_at",
            ],
            [(*m[:14], "", "", "", "", "", 1, now, now) for m in matters],
        )
        _insert(
            cur,
            "intake_registration",
            [
                "id",
                "number",
                "matter_id",
                "is_first",
                "channel",
                "level",
                "form",
                "people",
                "received_at",
                "received_on",
                "letter_kind",
                "petitioner_id",
                "petitioner_name",
                "petitioner_phone",
                "petitioner_address",
                "content",
                "category_id",
                "purpose",
                "locality_id",
                "responsible_unit_id",
                "source",
                "created_at",
            ],
            registrations,
        )
        if POSTGRES:
            for table in ("intake_petitioner", "intake_matter", "intake_registration"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
    indexed = time.perf_counter()
    if POSTGRES:  # a GIN build sorts in this much memory: 64 MB (the default) makes it slow
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '1GB'")
    word_index.install(connection, build=True)
    print(f"Word index built in {time.perf_counter() - indexed:.0f} s.", file=sys.stderr)
    with connection.cursor() as cur:
        # as a live database is between writes (autovacuum): statistics, visibility map
        cur.execute("VACUUM ANALYZE" if POSTGRES else "ANALYZE")
    return _world()


def _world() -> dict[str, Any]:
    """What the cases name, found in the data build() made."""
    from xinfang.intake.models import Petitioner

    person = Petitioner.objects.get(pk=max(args.registrations * 2 // 5, 1) // 3 + 1)
    return {
        "users": {u.username: u for u in User.objects.filter(username__in=USERS)},
        "street": OrgUnit.objects.get(code="B10105"),
        "department": OrgUnit.objects.get(code="B101903"),
        "category": Category.objects.get(name="城乡建设"),
        "person": (person.pk, person.name, person.id_number, person.phone),
    }


USERS = ("officer", "street_staff", "discipline_staff")


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    fn()  # warm the caches the way a second visitor finds them
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    started = time.perf_counter()
    world = _world() if args.reuse else build(args.registrations)
    built = time.perf_counter() - started
    officer = world["users"]["officer"]
    deep = matter_page(actor=officer, filters=MatterFilters(), size=50)
    cursor: Cursor | None = deep.next_cursor
    last = 1  # walk to page 200 once, to time the page there (the last page in a small run)
    while last < 199 and cursor is not None:
        following = matter_page(actor=officer, filters=MatterFilters(), after=cursor).next_cursor
        if following is None:
            break
        cursor, last = following, last + 1
    assert cursor is not None, "too few matters for a second page: use more --registrations"
    month = (date(2025, 3, 1), date(2025, 3, 31))
    name, id_number, phone = world["person"][1:]
    cases: list[tuple[str, Any, MatterFilters, Any]] = [
        ("no filter, page 1", officer, MatterFilters(), None),
        (f"no filter, page {last + 1} (keyset)", officer, MatterFilters(), cursor),
        ("channel = letter", officer, MatterFilters(channel="letter"), None),
        ("level = national", officer, MatterFilters(level="national"), None),
        ("form = collective", officer, MatterFilters(form="collective"), None),
        ("purpose = accusation", officer, MatterFilters(purpose="accusation"), None),
        (
            "category 城乡建设 (with children)",
            officer,
            MatterFilters(category=world["category"]),
            None,
        ),
        ("locality = a street (subtree)", officer, MatterFilters(locality=world["street"]), None),
        ("responsible unit", officer, MatterFilters(responsible_unit=world["department"]), None),
        ("status = final", officer, MatterFilters(status="final"), None),
        ("one month", officer, MatterFilters(received_from=month[0], received_to=month[1]), None),
        (
            "visit + street + 2025",
            officer,
            MatterFilters(
                channel="visit",
                locality=world["street"],
                received_from=date(2025, 1, 1),
                received_to=date(2025, 12, 31),
            ),
            None,
        ),
        (
            "rare: national + accusation + collective",
            officer,
            MatterFilters(level="national", purpose="accusation", form="collective"),
            None,
        ),
        ("street staff, no filter", world["users"]["street_staff"], MatterFilters(), None),
        ("discipline staff, no filter", world["users"]["discipline_staff"], MatterFilters(), None),
        ("search: ID number", officer, MatterFilters(person=id_number), None),
        ("search: phone", officer, MatterFilters(person=phone), None),
        ("search: name", officer, MatterFilters(person=name), None),
        # content words, through the word index (intake.word_search): rare, common, absent
        (
            "words: rare (编号777777, 1 registration)",
            officer,
            MatterFilters(words="编号777777"),
            None,
        ),
        ("words: common (要求, every registration)", officer, MatterFilters(words="要求"), None),
        ("words: 拆迁安置房 (~9 %)", officer, MatterFilters(words="拆迁安置房"), None),
        ("words: 2 characters (物业, ~9 %)", officer, MatterFilters(words="物业"), None),
        ("words: 1 character (梯, ~9 %)", officer, MatterFilters(words="梯"), None),
        ("words: absent, 2 characters (地铁)", officer, MatterFilters(words="地铁"), None),
        ("words: absent, common pairs (部门要求)", officer, MatterFilters(words="部门要求"), None),
        ("words: two words (物业 电梯)", officer, MatterFilters(words="物业 电梯"), None),
        (
            "words + one month (拆迁安置房)",
            officer,
            MatterFilters(words="拆迁安置房", received_from=month[0], received_to=month[1]),
            None,
        ),
        (
            "words + one month, absent (地铁)",
            officer,
            MatterFilters(words="地铁", received_from=month[0], received_to=month[1]),
            None,
        ),
        (
            "words, street staff (物业)",
            world["users"]["street_staff"],
            MatterFilters(words="物业"),
            None,
        ),
        (
            "words, street staff, rare (编号777777)",
            world["users"]["street_staff"],
            MatterFilters(words="编号777777"),
            None,
        ),
        (
            "words + street + visit (物业)",
            officer,
            MatterFilters(words="物业", channel="visit", locality=world["street"]),
            None,
        ),
        ("words: page 2 of 要求", officer, MatterFilters(words="要求"), "words-next"),
    ]
    client = Client()
    client.force_login(officer)
    # the officer's login confirmed by a phone app, as after its code (django-otp's mark)
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    session = client.session
    app = TOTPDevice.objects.create(user=officer, name="benchmark", confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = app.persistent_id
    session.save()
    vendor = "PostgreSQL" if POSTGRES else "SQLite"
    print(f"# Matter list at {args.registrations:,} registrations ({vendor})\n")
    print(f"Built in {built:.0f} s. Median / worst of {args.runs} runs after one warm-up, in ms.")
    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print()
    print("| case | rows | count shown | selector median | selector worst |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, actor, filters, after in cases:
        if after == "words-next":  # the second page of a word search
            after = matter_page(actor=actor, filters=filters).next_cursor
        page = matter_page(actor=actor, filters=filters, after=after)
        median, worst = timed(
            lambda actor=actor, filters=filters, after=after: matter_page(
                actor=actor, filters=filters, after=after
            ),
            args.runs,
        )
        shown = f"{page.total}+" if page.total_capped else str(page.total)
        if page.estimate is not None:  # estimated from the walk (selectors._word_total)
            shown = f"≈{shown}"
        print(f"| {label} | {len(page.rows)} | {shown} | {median:.1f} | {worst:.1f} |")
    print()
    print("Whole page through the Django test client (session, user, form, query, template):\n")
    print("| page | median | worst |")
    print("| --- | ---: | ---: |")
    pages = [
        ("/intake/matters/", "list, no filter"),
        (f"/intake/matters/?locality={world['street'].pk}&channel=visit", "list, street + visit"),
        ("/intake/matters/?words=物业", "list, words 物业 (marked excerpts)"),
        ("/intake/matters/?words=编号777777", "list, words 编号777777"),
        # a phone is posted, never put in the address: the list answers at the address it gives
        (client.post("/intake/matters/", {"person": phone})["Location"], "list, search by phone"),
    ]
    for url, label in pages:
        status = client.get(url).status_code
        assert status == 200, f"{url}: {status}"  # time the page, not a refusal
        median, worst = timed(lambda url=url: client.get(url), args.runs)
        print(f"| {label} | {median:.1f} | {worst:.1f} |")
    from _support import commit

    print(f"\n{date.today():%Y-%m-%d}, commit {commit()}")


if __name__ == "__main__":
    main()
