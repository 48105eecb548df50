"""Issue 14, item 5: the desk's person look-up at each keystroke of an ID number, answered by the
database through keyed hashes of the first 10, 11, 12, 13 and 14 characters.

Ten people whose numbers were chosen so that each keystroke's answer is known by hand: each has
one matter, received on 2026-03-0N for person N, so that the most recent comes first; person 2
is also a representative in person 10's matter."""

import base64
from datetime import date, datetime
from importlib import import_module
from io import StringIO
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from tests.conftest import District, register
from tests.views_support import client_for
from xinfang.core.models import AuditEvent
from xinfang.intake import selectors
from xinfang.intake.idcard import make_id_number
from xinfang.intake.models import Matter, Petitioner, Registration, Representative
from xinfang.intake.selectors import person_matches, person_matter_ids

TZ = ZoneInfo("Asia/Shanghai")
R = "320102"
PEOPLE = {
    1: make_id_number(R, date(1980, 1, 15), 17),
    2: make_id_number(R, date(1980, 1, 15), 18),  # shares 16 characters with 1
    3: make_id_number(R, date(1980, 1, 15), 117),  # shares 14 (the birth day) with 1
    4: make_id_number(R, date(1980, 1, 25), 17),  # shares 12 (the month)
    5: make_id_number(R, date(1980, 1, 5), 17),  # shares 12
    6: make_id_number(R, date(1980, 1, 19), 17),  # shares 13 (day 1x)
    7: make_id_number(R, date(1980, 11, 15), 17),  # shares 10 (the year) with 1
    8: make_id_number(R, date(1980, 10, 15), 17),  # shares 10 with 1, 11 with 7
    9: make_id_number(R, date(1981, 1, 15), 17),  # shares 9 with 1: never found by its prefixes
    10: make_id_number("320103", date(1980, 1, 15), 17),  # another region: shares 5
}
ID_1 = PEOPLE[1]

# Person 1's number typed: who is found at each length, the most recent matter first. "10" is
# person 10's matter, found through its representative, person 2. At 10 characters nine matters
# match and the desk shows eight: person 1's, the oldest, is the one left out.
EXPECTED = {
    6: [],  # the desk searches from the tenth character (district and year of birth)
    7: [],
    8: [],
    9: [],
    10: [10, 8, 7, 6, 5, 4, 3, 2],
    11: [10, 6, 5, 4, 3, 2, 1],
    12: [10, 6, 5, 4, 3, 2, 1],
    13: [10, 6, 3, 2, 1],
    14: [10, 3, 2, 1],
    15: [10, 2, 1],
    16: [10, 2, 1],
    17: [1],
    18: [1],
}


@pytest.fixture
def people(district: District) -> dict[int, Matter]:
    matters = {
        n: register(
            district,
            locality=district.street_a,
            name=f"信访人{n}",
            id_number=number,
            phone=f"1390000{n:04d}",
            when=datetime(2026, 3, n, 9, 30, tzinfo=TZ),
        )
        for n, number in PEOPLE.items()
    }
    person_2 = Petitioner.objects.get(pk=matters[2].petitioner_id)
    Representative.objects.create(
        registration=Registration.objects.get(matter=matters[10]), petitioner=person_2, position=1
    )
    return matters


def _found(district: District, matters: dict[int, Matter], typed: str) -> list[int]:
    by_pk = {m.pk: n for n, m in matters.items()}
    found = person_matches(actor=district.users["registrar"], id_number=typed)
    reason = "身份证号相同" if len(typed) == 18 else "身份证号开头相同"
    assert all(m.reasons == [reason] for m in found), [m.reasons for m in found]
    return [by_pk[m.matter.pk] for m in found]


@pytest.mark.parametrize("walk_from", [1000, 1])  # matters gathered, or walked from the newest
def test_each_keystroke_of_an_id_number_finds_who_shares_it(
    district: District, people: dict[int, Matter], walk_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "WALK_FROM", walk_from)
    for length, expected in EXPECTED.items():
        assert _found(district, people, ID_1[:length]) == expected, length
    # by name and by phone alike (person 2's matter, and person 10's that it represents)
    registrar = district.users["registrar"]
    by_pk = {m.pk: n for n, m in people.items()}
    for typed in ({"name": "信访人2"}, {"phone": "13900000002"}):
        assert [by_pk[m.matter.pk] for m in person_matches(actor=registrar, **typed)] == [10, 2]


def test_other_prefixes_and_the_matter_list(district: District, people: dict[int, Matter]) -> None:
    seven = PEOPLE[7]
    assert _found(district, people, seven[:11]) == [8, 7]  # 1980-1x
    assert _found(district, people, seven[:12]) == [7]
    assert _found(district, people, PEOPLE[9][:10]) == [9]  # 1981: only person 9
    assert _found(district, people, ID_1[:12] + "3") == []  # no one born on the 30th or 31st
    assert _found(district, people, ID_1[:14] + "9") == []
    wrong = "0" if ID_1[17] != "0" else "1"
    assert _found(district, people, ID_1[:17] + wrong) == []  # a wrong check digit: nobody
    # the matter list's person filter takes prefixes of 15+ (shorter ones read as a phone)
    listed = person_matter_ids(ID_1[:15]) or []
    assert sorted(listed) == sorted(people[n].pk for n in (1, 2, 10))
    assert Petitioner.objects.id_number_starting(ID_1[:13]).count() == 4  # people 1, 2, 3, 6
    assert Petitioner.objects.id_number_starting(ID_1[:16]).count() == 2  # people 1 and 2


def test_person_10_by_its_own_region(district: District, people: dict[int, Matter]) -> None:
    # person 10 is the only one of 320103: every prefix of 10+ finds its matter alone
    for length in range(10, 19):
        assert _found(district, people, PEOPLE[10][:length]) == [10], length


def test_the_migration_fills_the_new_prefix_hashes(
    district: District, people: dict[int, Matter]
) -> None:
    migration = import_module("xinfang.intake.migrations.0019_id_prefix_lengths")
    columns = ", ".join(f"{c} = ''" for c in migration.COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE intake_petitioner SET {columns}")  # as before the migration
    assert _found(district, people, ID_1[:13]) == []
    migration.fill(None, SimpleNamespace(connection=connection))
    for length, expected in EXPECTED.items():
        assert _found(district, people, ID_1[:length]) == expected, length


def _key(byte: int) -> str:
    return base64.urlsafe_b64encode(bytes([byte]) * 32).decode()


def test_rotating_the_data_key_keeps_the_look_up_working(district: District) -> None:
    with override_settings(XINFANG_DATA_KEYS=[_key(1)]):
        matters = {
            n: register(
                district,
                locality=district.street_a,
                id_number=PEOPLE[n],
                phone=f"1390000{n:04d}",
                when=datetime(2026, 3, n, 9, 30, tzinfo=TZ),
            )
            for n in (1, 2, 3)
        }
    with override_settings(XINFANG_DATA_KEYS=[_key(2), _key(1)]):
        call_command("rotate_data_key", stdout=StringIO(), stderr=StringIO())
    with override_settings(XINFANG_DATA_KEYS=[_key(2)]):  # the old key gone
        by_pk = {m.pk: n for n, m in matters.items()}
        for typed, expected in ((ID_1[:12], [3, 2, 1]), (ID_1[:16], [2, 1]), (ID_1, [1])):
            found = person_matches(actor=district.users["registrar"], id_number=typed)
            assert [by_pk[m.matter.pk] for m in found] == expected, typed


@pytest.mark.parametrize("who", ["leader", "supervisor", "street_a_staff", "housing_staff"])
def test_roles_that_may_not_reveal_are_refused_the_desk_look_up(
    district: District, people: dict[int, Matter], who: str
) -> None:
    response = client_for(district, who).post(
        "/intake/register/lookup/", {"petitioner_id_number": ID_1[:12]}
    )
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="personal_data.search").exists()


def test_each_prefix_searched_is_logged_and_never_in_an_address(
    district: District, people: dict[int, Matter]
) -> None:
    registrar = client_for(district, "registrar")
    by_address = registrar.get("/intake/register/lookup/", {"petitioner_id_number": ID_1[:12]})
    assert by_address.status_code == 400
    for length in (9, 12, 16):
        html = registrar.post(
            "/intake/register/lookup/", {"petitioner_id_number": ID_1[:length]}
        ).content.decode()
        for n in EXPECTED[length]:
            assert (people[n].number in html) is True, (length, n)
        assert ID_1[:length] not in html
    events = AuditEvent.objects.filter(action="personal_data.search").order_by("id")
    # nine characters are not searched, so not logged; 12 and 16 once each, without the number
    assert [e.data["where"] for e in events] == ["register_lookup", "register_lookup"]
    assert all(ID_1[:12] not in str(e.data) for e in events)
