"""How fast the desk's person look-up answers at each keystroke (issue 14, item 5): an ID number
typed character by character (6th to 18th), a phone digit by digit, a name character by
character — intake.selectors.person_matches, as the desk's /intake/register/lookup/ calls it,
and beside it the code it replaced (the people sharing ten digits loaded, opened and compared
here, their matters sent back as IN-lists), in the same process on the same data.

Run: .venv/bin/python benchmarks/person_lookup.py [--registrations N] [--database-url URL]
     [--people N] [--runs N] [--years N] [--keep | --reuse --data-dir DIR]
Without --database-url it uses a SQLite file in the data folder; a PostgreSQL URL names a scratch
database that is created, filled and (without --keep) dropped again. The people are those of
benchmarks/matter_list.py: 0.4 per registration, one district (320102), born 1940–2005, so that
ten digits (district and year of birth) are shared by ~6,000 people at 1,000,000 registrations
(`--registrations 100000 --years 6` gives a tenth of the data with the same prefix densities).
Prints Markdown for results/person_lookup.md.
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
parser.add_argument("--people", type=int, default=20, help="people whose numbers are typed")
parser.add_argument("--runs", type=int, default=3, help="times each person's typing is timed")
parser.add_argument("--keep", action="store_true", help="keep the data for --reuse")
parser.add_argument("--reuse", action="store_true", help="time the data an earlier --keep built")
parser.add_argument("--data-dir", default="", help="the data folder (kept with --keep)")
parser.add_argument("--no-reference", action="store_true", help="skip the replaced code path")
parser.add_argument(
    "--years",
    type=int,
    default=66,
    help="years of birth (from 1940): fewer give a smaller build the 1,000,000's prefix densities",
)
args = parser.parse_args()
args.keep = args.keep or args.reuse

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/: _support
from _support import scratch_setup  # noqa: E402

place = scratch_setup(
    "xf-bench-lookup.",
    args.database_url,
    keep=args.keep,
    create=not args.reuse,
    data_dir=args.data_dir,
    sqlite_name="lookup.sqlite3",
)
scratch, POSTGRES = place.dir, place.postgres

import django  # noqa: E402

django.setup()

from _support import commit, raw_insert  # noqa: E402  (benchmarks/, the script's directory)
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q, QuerySet  # noqa: E402

from xinfang.accounts.models import Role, User  # noqa: E402
from xinfang.core.permissions import visible_matters  # noqa: E402
from xinfang.core.sealing import id_prefix_hash, normalise  # noqa: E402
from xinfang.intake import word_index  # noqa: E402
from xinfang.intake.models import (  # noqa: E402
    Category,
    Matter,
    Petitioner,
    Registration,
    Representative,
)
from xinfang.intake.selectors import PersonMatch, _snapshot_phone, person_matches  # noqa: E402
from xinfang.organisation.models import UnitKind  # noqa: E402
from xinfang.organisation.services import unit_create  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
FIRST_DAY, DAYS = date(2016, 1, 1), 3834  # 2016-01-01 .. 2026-06-30
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = ("建国", "秀英", "伟", "芳", "志强", "丽", "德明", "海涛", "桂兰", "军", "敏", "静")


def person(pk: int, rng: random.Random) -> tuple[int, str, str, str]:
    """As benchmarks/matter_list.py makes them: unique, born 1940..2005 in one district."""
    born, rest = 1940 + pk % args.years, pk // args.years
    birthday = date(born, 1, 1) + timedelta(days=rest % 365)
    id_number = f"320102{birthday:%Y%m%d}{rest // 365:03d}X"
    return pk, rng.choice(SURNAMES) + rng.choice(GIVEN), id_number, f"13{pk:09d}"


def build(n: int) -> None:
    """A district with its streets, a registrar, and n registrations of about 0.7 n matters and
    0.4 n people (5 % of the registrations with two representatives), in bulk."""
    call_command("migrate", verbosity=0)
    word_index.uninstall(connection)  # the content index plays no part in a person look-up
    city = unit_create(code="B1", name="基准市", kind=UnitKind.CITY)
    district = unit_create(code="B101", name="基准区", kind=UnitKind.DISTRICT, parent=city)
    places = [
        unit_create(
            code=f"B101{s:02d}", name=f"第{s + 1}街道", kind=UnitKind.STREET, parent=district
        )
        for s in range(12)
    ]
    User.objects.create_user("registrar", role=Role.REGISTRAR, org_unit=district)
    categories = list(Category.objects.values_list("pk", flat=True))
    rng = random.Random(20261207)
    n_people, n_matters = max(n * 2 // 5, 1), max(n * 7 // 10, 1)
    now = datetime.now(TZ)
    people = [person(pk, rng) for pk in range(1, n_people + 1)]
    with connection.cursor() as cur, transaction.atomic():
        raw_insert(
            cur,
            "intake_petitioner",
            ["id", "name", "id_number", "phone", "address", "sex", "created_at", "updated_at"],
            [(pk, name, idn, phone, "", "", now, now) for pk, name, idn, phone in people],
        )
        matters: list[list[Any]] = []
        for pk in range(1, n_matters + 1):
            day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            matters.append(
                [
                    pk,
                    f"XF{pk:09d}",
                    rng.choice(("registered", "in_handling", "replied", "final")),
                    day,
                    day,
                    1,
                    rng.choice(("letter", "visit", "online", "phone")),
                    "local",
                    "individual",
                    "request",
                    rng.choice(categories),
                    rng.choice(places).pk,
                    None,
                    rng.randrange(1, n_people + 1),
                ]
            )
        registrations, representatives = [], []
        for pk in range(1, n + 1):
            if pk <= n_matters:
                m = matters[pk - 1]
                day, first = m[3], True
            else:
                m = matters[rng.randrange(n_matters)]
                day, first = m[4] + timedelta(days=rng.randrange(1, 90)), False
                m[4], m[5] = day, m[5] + 1
            _, name, _, phone = people[m[13] - 1]
            registrations.append(
                (
                    *(pk, f"DJ{pk:09d}", m[0], first, m[6], m[7], m[8], 1),
                    *(datetime(day.year, day.month, day.day, 9, tzinfo=TZ), day, "", m[13]),
                    *(name, phone, "", f"{name}反映问题，编号{pk}。", m[10], m[9], m[11]),
                    *(m[12], "ledger", now),
                )
            )
            if rng.random() < 0.05:
                one = rng.randrange(1, n_people + 1)
                for position, who in ((1, one), (2, one % n_people + 1)):
                    representatives.append((len(representatives) + 1, pk, who, position))
        raw_insert(
            cur,
            "intake_matter",
            [
                *("id", "number", "status", "first_received_on", "last_received_on"),
                *("registration_count", "channel", "level", "form", "purpose", "category_id"),
                *("locality_id", "responsible_unit_id", "petitioner_id", "version"),
                *("created_at", "updated_at"),
            ],
            [(*m, 1, now, now) for m in matters],
        )
        del matters[:]
        raw_insert(
            cur,
            "intake_registration",
            [
                *("id", "number", "matter_id", "is_first", "channel", "level", "form", "people"),
                *("received_at", "received_on", "letter_kind", "petitioner_id"),
                *("petitioner_name", "petitioner_phone", "petitioner_address", "content"),
                *("category_id", "purpose", "locality_id", "responsible_unit_id", "source"),
                "created_at",
            ],
            registrations,
        )
        del registrations[:]
        raw_insert(
            cur,
            "intake_representative",
            ["id", "registration_id", "petitioner_id", "position"],
            representatives,
        )
        if POSTGRES:
            for table in (
                "intake_petitioner",
                "intake_matter",
                "intake_registration",
                "intake_representative",
            ):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
    with connection.cursor() as cur:
        # PostgreSQL's autovacuum would, after so many rows inserted: without it the look-up's
        # index-only scans (registration_person_matter …) still read every row they name
        cur.execute("VACUUM ANALYZE" if POSTGRES else "ANALYZE")


# ---- the code person_matches replaced (at acf8f46), kept here as the reference ----


def _old_id_number_starting(prefix: str) -> QuerySet[Petitioner]:
    prefix = normalise(prefix)
    if len(prefix) < 10:
        return Petitioner.objects.none()
    rows = Petitioner.objects.filter(id_prefix_hash=id_prefix_hash(prefix)).values_list(
        "pk", "id_number"
    )
    return Petitioner.objects.filter(
        pk__in=[pk for pk, number in rows if number and number.startswith(prefix)]
    )


def _old_matter_ids(people: QuerySet[Petitioner], snapshot: Q | None = None) -> list[int]:
    ids = list(people.values_list("pk", flat=True))
    represented = list(
        Representative.objects.filter(petitioner_id__in=ids).values_list(
            "registration_id", flat=True
        )
    )
    found = Q(petitioner_id__in=ids) | Q(pk__in=represented)
    if snapshot is not None:
        found |= snapshot
    rows = Registration.objects.filter(found).order_by().values_list("matter_id", flat=True)
    return list(rows.distinct())


def old_person_matches(
    *, actor: Any, name: str = "", id_number: str = "", phone: str = "", limit: int = 8
) -> list[PersonMatch]:
    id_number = id_number.strip().upper()
    phone = phone.strip().replace(" ", "")
    name = name.strip()
    probes: list[tuple[str, list[int]]] = []
    if len(id_number) == 18:
        people = Petitioner.objects.with_id_number(id_number)
        probes.append(("身份证号相同", _old_matter_ids(people)))
    elif len(id_number) >= 10 and id_number.isdigit():
        probes.append(("身份证号开头相同", _old_matter_ids(_old_id_number_starting(id_number))))
    if len(phone) >= 7:
        people = Petitioner.objects.with_phone(phone)
        probes.append(("电话相同", _old_matter_ids(people, _snapshot_phone(phone))))
    if len(name) >= 2:
        people = Petitioner.objects.filter(name=name)
        probes.append(("姓名相同", _old_matter_ids(people, Q(petitioner_name=name))))
    found: dict[int, PersonMatch] = {}
    for reason, matter_ids in probes:
        if not matter_ids:
            continue
        matters = (
            visible_matters(actor)
            .filter(pk__in=matter_ids)
            .select_related("petitioner", "category", "locality")
            .order_by("-last_received_on", "-id")[:limit]
        )
        for matter in matters:
            found.setdefault(matter.pk, PersonMatch(matter)).reasons.append(reason)
    return list(found.values())[:limit]


# ---- timing ----


def _ms(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return (time.perf_counter() - started) * 1000, out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def typing(
    actor: Any, field: str, texts: list[str], lengths: range, reference: bool
) -> dict[int, dict[str, Any]]:
    """Each text typed one character at a time: the look-up at each length in `lengths`, new and
    old, each text `args.runs` times after one warm-up; the answers of both compared."""
    out: dict[int, dict[str, Any]] = {
        n: {"new": [], "old": [], "rows": [], "same": True} for n in lengths
    }
    for text in texts:
        for run in range(args.runs + 1):
            for n in lengths:
                typed = {field: text[:n]}
                new_ms, new = _ms(lambda typed=typed: person_matches(actor=actor, **typed))
                if reference:
                    old_ms, old = _ms(lambda typed=typed: old_person_matches(actor=actor, **typed))
                if run == 0:  # the warm-up: caches as the registrar's second keystroke finds them
                    out[n]["rows"].append(len(new))
                    if reference:
                        same = [(m.matter.pk, m.reasons) for m in new] == [
                            (m.matter.pk, m.reasons) for m in old
                        ]
                        out[n]["same"] = out[n]["same"] and same
                    continue
                out[n]["new"].append(new_ms)
                if reference:
                    out[n]["old"].append(old_ms)
    return out


def table(title: str, label: str, results: dict[int, dict[str, Any]], reference: bool) -> None:
    print(f"\n### {title}\n")
    print("| typed | matters shown (median) | p50 ms | p95 ms | old p50 ms | old p95 ms | same |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | :---: |")
    for n, r in results.items():
        shown = statistics.median(r["rows"])
        old = f"{statistics.median(r['old']):.1f} | {p95(r['old']):.1f}" if reference else "— | —"
        same = ("yes" if r["same"] else "NO") if reference else "—"
        print(
            f"| {label} {n} | {shown:g} | {statistics.median(r['new']):.1f} | {p95(r['new']):.1f} "
            f"| {old} | {same} |"
        )


def main() -> None:
    started = time.perf_counter()
    if not args.reuse:
        build(args.registrations)
    built = time.perf_counter() - started
    actor = User.objects.get(username="registrar")
    n_people = Petitioner.objects.count()
    rng = random.Random(7)
    # people with a matter of their own (a sixth of them have none): at 18 characters, found
    chosen: set[int] = set()
    while len(chosen) < min(args.people, n_people):
        pk = rng.randrange(1, n_people + 1)
        if Matter.objects.filter(petitioner_id=pk).exists():
            chosen.add(pk)
    people = list(
        Petitioner.objects.filter(pk__in=chosen).values_list("name", "id_number", "phone")
    )
    reference = not args.no_reference
    vendor = "PostgreSQL" if POSTGRES else "SQLite"
    load = os.getloadavg()
    print(f"## {vendor}: {n_people:,} people of {args.registrations:,} registrations\n")
    print(
        f"{'Built' if not args.reuse else 'Reused'} in {built:.0f} s. {len(people)} people's "
        f"numbers and names typed, each {args.runs} times after one warm-up: p50 / p95 over "
        "those timings of person_matches (new) and of the code it replaced (old), in ms. "
        "'same': both gave the same matters with the same reasons."
    )
    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; load average before: {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f}"
    )
    ids = typing(actor, "id_number", [p[1] for p in people], range(6, 19), reference)
    table("ID number, typed from the 6th to the 18th character", "ID", ids, reference)
    phones = typing(actor, "phone", [p[2] for p in people], range(1, 12), reference)
    table("Phone, typed digit by digit", "phone", phones, reference)
    names = typing(actor, "name", [p[0] for p in people], range(1, 4), reference)
    table("Name, typed character by character (2 or 3 characters)", "name", names, reference)
    load = os.getloadavg()
    print(f"\nLoad average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    worst = max(
        p95(r["new"]) for results in (ids, phones, names) for r in results.values() if r["new"]
    )
    print(f"Worst p95 of the new look-up at any keystroke: {worst:.1f} ms (target 50 ms)")
    print(f"\n{date.today():%Y-%m-%d}, commit {commit()}")


if __name__ == "__main__":
    main()
