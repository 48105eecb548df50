"""Issue 14, item 5: the desk's person look-up answers the same whichever way the database is
asked — the many people's matters walked from the newest (selectors._matters_walked), or the few
people's gathered and sorted (selectors._recent_gathered) — and the same as a count by hand:
every matter the actor may see, looked at one by one here in Python.

The people share the ten characters 320102 1980; their matters lie in two streets, one is an
accusation, one is the housing bureau's, one has a later registration (it becomes the most
recent), one is reached through a representative and one through a phone given on the day only.
Each actor sees a different part, so that a limit of 3 must skip the matters it may not see."""

import math
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from tests.conftest import District, register
from xinfang.core.permissions import visible_matters
from xinfang.intake import selectors
from xinfang.intake.choices import Purpose
from xinfang.intake.idcard import make_id_number
from xinfang.intake.models import Matter, Petitioner, Registration, Representative
from xinfang.intake.selectors import person_matches
from xinfang.organisation.models import OrgUnit

TZ = ZoneInfo("Asia/Shanghai")
R = "320102"
NUMBERS = [
    make_id_number(R, date(1980, 1, 15), 17),
    make_id_number(R, date(1980, 1, 15), 18),
    make_id_number(R, date(1980, 1, 25), 17),
    make_id_number(R, date(1980, 3, 5), 17),
    make_id_number(R, date(1980, 11, 15), 17),
    make_id_number(R, date(1981, 1, 15), 17),
]
ACTORS = ["registrar", "officer", "leader", "street_a_staff", "housing_staff", "discipline_staff"]


@pytest.fixture
def matters(district: District) -> list[Matter]:
    """Nine matters of six people, the newest on 2026-03-09."""
    a, b = district.street_a, district.street_b
    accusation = {"purpose": Purpose.ACCUSATION, "responsible": district.discipline}
    # (street, name, whose number, phone, day of March, what else): the person of NUMBERS[0]
    # changed phone on the 8th, so the old one is only what was given on the 1st and the 7th
    rows: list[tuple[OrgUnit, str, int, str, int, dict[str, Any]]] = [
        (a, "张三", 0, "13900000001", 1, {}),
        (b, "李四", 1, "13900000002", 2, {}),
        (a, "张三", 2, "13900000003", 3, accusation),
        (b, "王五", 3, "13900000004", 4, {"responsible": district.housing}),
        (a, "李四", 4, "13900000005", 5, {}),
        (b, "赵六", 5, "13900000006", 6, {}),
        (a, "张三", 0, "13900000001", 7, {}),
        (b, "张三", 0, "13900000009", 8, {}),
        (b, "李四", 1, "13900000002", 9, {"matter": 1}),  # the second matter, now the newest
    ]
    made: list[Matter] = []
    for street, name, whose, phone, day, more in rows:
        if "matter" in more:
            more = {**more, "matter": made[more["matter"]]}
        matter = register(
            district,
            locality=street,
            name=name,
            id_number=NUMBERS[whose],
            phone=phone,
            when=datetime(2026, 3, day, 9, 30, tzinfo=TZ),
            **more,
        )
        if matter not in made:
            made.append(matter)
    # the sixth person (1981) represents the fourth matter's registration
    Representative.objects.create(
        registration=Registration.objects.get(matter=made[3]),
        petitioner=Registration.objects.get(matter=made[5]).petitioner,
        position=1,
    )
    return [Matter.objects.get(pk=m.pk) for m in made]


def _by_hand(
    actor: object, *, id_number: str = "", phone: str = "", name: str = "", limit: int
) -> list[tuple[int, list[str]]]:
    """Each matter the actor may see, read whole, in the order the desk shows them."""

    def of(registration: Registration) -> list[str]:
        people = [registration.petitioner] + [
            r.petitioner for r in Representative.objects.filter(registration=registration)
        ]
        reasons = []
        if len(id_number) == 18 and any(p and p.id_number == id_number for p in people):
            reasons.append("身份证号相同")
        if 10 <= len(id_number) < 18 and any(
            p and p.id_number and p.id_number.startswith(id_number) for p in people
        ):
            reasons.append("身份证号开头相同")
        if len(phone) >= 7 and (
            registration.petitioner_phone == phone or any(p and p.phone == phone for p in people)
        ):
            reasons.append("电话相同")
        if len(name) >= 2 and (
            registration.petitioner_name == name or any(p and p.name == name for p in people)
        ):
            reasons.append("姓名相同")
        return reasons

    found = []
    for matter in visible_matters(actor).order_by("-last_received_on", "-id"):  # type: ignore[arg-type]
        reasons = {r for reg in matter.registrations.all() for r in of(reg)}
        if reasons:
            order = ["身份证号相同", "身份证号开头相同", "电话相同", "姓名相同"]
            found.append((matter.pk, [r for r in order if r in reasons]))
    # each probe shows its own `limit` most recent; a matter found by several keeps all reasons
    shown: dict[int, list[str]] = {}
    for reason in ["身份证号相同", "身份证号开头相同", "电话相同", "姓名相同"]:
        for pk, _reasons in [f for f in found if reason in f[1]][:limit]:
            shown.setdefault(pk, []).append(reason)
    return list(shown.items())[:limit]


def _typed() -> list[dict[str, str]]:
    ids = [
        {"id_number": n[:length]} for n in (*NUMBERS[:2], NUMBERS[5]) for length in range(10, 19)
    ]
    phones = [{"phone": p} for p in ("13900000001", "13900000002", "13900000009", "1390000")]
    names = [{"name": n} for n in ("张三", "李四", "赵六", "钱七")]
    both = [{"id_number": NUMBERS[0][:12], "phone": "13900000002", "name": "王五"}]
    return ids + phones + names + both


@pytest.mark.parametrize("walk_from", [1, 10**6], ids=["walked", "gathered"])
@pytest.mark.parametrize("limit", [3, 8])
def test_each_way_finds_what_a_count_by_hand_finds(
    district: District,
    matters: list[Matter],
    walk_from: int,
    limit: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(selectors, "WALK_FROM", walk_from)
    monkeypatch.setattr(selectors, "WALK_RATIO", walk_from**2)  # not by the number of people
    for who in ACTORS:
        actor = district.users[who]
        for typed in _typed():
            found = [
                (m.matter.pk, m.reasons) for m in person_matches(actor=actor, limit=limit, **typed)
            ]
            assert found == _by_hand(actor, limit=limit, **typed), (who, typed)


def test_the_count_by_hand_is_not_empty(district: District, matters: list[Matter]) -> None:
    """The cases above ask something: the registrar sees the newest first and the limit cuts,
    the street sees only its own, the person's old phone finds the matter it was given on."""
    registrar, street = district.users["registrar"], district.users["street_a_staff"]
    ten = NUMBERS[0][:10]
    assert [pk for pk, _ in _by_hand(registrar, id_number=ten, limit=3)] == [
        matters[1].pk,
        matters[7].pk,
        matters[6].pk,
    ]
    street_found = [pk for pk, _ in _by_hand(street, id_number=ten, limit=3)]
    assert street_found == [matters[6].pk, matters[4].pk, matters[0].pk]
    assert [pk for pk, _ in _by_hand(registrar, phone="13900000001", limit=8)] == [
        matters[6].pk,
        matters[0].pk,
    ]
    assert [pk for pk, _ in _by_hand(registrar, id_number=NUMBERS[5][:10], limit=8)] == [
        matters[5].pk,
        matters[3].pk,
    ]


def test_the_planner_settings_stay_with_the_look_up(
    district: District, matters: list[Matter]
) -> None:
    """PostgreSQL: the look-up's own settings (selectors.PROBING) do not outlive it, inside a
    caller's transaction or not."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner settings")

    def settings() -> tuple[str, ...]:
        with connection.cursor() as cursor:
            names = list(selectors.PROBING)
            cursor.execute("SELECT " + ", ".join("current_setting(%s)" for _ in names), names)
            row = cursor.fetchone()
            assert row is not None
            return tuple(row)

    before = settings()
    assert before != tuple(selectors.PROBING.values())
    registrar = district.users["registrar"]
    assert person_matches(actor=registrar, id_number=NUMBERS[0][:10])
    assert settings() == before
    with transaction.atomic():
        assert person_matches(actor=registrar, id_number=NUMBERS[0][:10])
        assert settings() == before


def test_which_way_grows_with_the_number_of_people(
    district: District, matters: list[Matter], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Walked for from √(WALK_RATIO × everyone) people (everyone: the highest person id), from
    WALK_FROM whatever the rest; never when so few that the root must be above them."""
    everyone = Petitioner.objects.order_by("-pk").values_list("pk", flat=True)[0]
    monkeypatch.setattr(selectors, "WALK_FROM", 2000)
    monkeypatch.setattr(selectors, "WALK_RATIO", 10)
    assert selectors._walks(2000) and selectors._walks(5000)
    assert not selectors._walks(7) and not selectors._walks(0)
    monkeypatch.setattr(selectors, "WALK_RATIO", 1)  # the root of everyone: walk from it on
    root = math.isqrt(everyone)
    assert selectors._walks(root) and (root < 2 or not selectors._walks(root - 1)), everyone
    walked: list[object] = []
    real = selectors._matters_walked
    monkeypatch.setattr(selectors, "_matters_walked", lambda *a: walked.append(a) or real(*a))
    person_matches(actor=district.users["registrar"], id_number=NUMBERS[0][:10])
    assert bool(walked) is (root <= 5), (everyone, root)  # the five born in 1980
