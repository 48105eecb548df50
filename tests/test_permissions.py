"""The one permission question: who sees which matter, and accusations never reach the accused."""

import pytest

from tests.conftest import District, make_user, register
from xinfang.core.errors import InputError
from xinfang.core.permissions import Action, may, visible_matters
from xinfang.intake.choices import Purpose


@pytest.fixture
def matters(district: District) -> dict[str, object]:
    d = district
    return {
        "street_a": register(d, locality=d.village_a),
        "street_b": register(d, locality=d.street_b, name="李四"),
        "housing": register(d, locality=d.street_b, responsible=d.housing, name="赵六"),
        "unplaced": register(d, locality=None, name="钱七"),
        "accusation": register(
            d,
            locality=d.street_a,
            responsible=d.discipline,
            purpose=Purpose.ACCUSATION,
            name="孙八",
            content="检举东风街道某干部",
        ),
    }


def visible(district: District, who: str) -> set[str]:
    return set(visible_matters(district.users[who]).values_list("number", flat=True))


def test_bureau_roles_see_the_whole_district(district: District, matters: dict) -> None:
    everything = {m.number for m in matters.values()}
    for role in ("registrar", "officer"):
        assert visible(district, role) == everything, role
    # Leaders and supervisors: the district, but accusations only reach discipline organs.
    for role in ("leader", "supervisor"):
        assert visible(district, role) == everything - {matters["accusation"].number}, role


def test_a_desk_arrival_without_locality_is_the_registrars_area(
    district: District, matters: dict
) -> None:
    assert matters["unplaced"].locality == district.district


def test_a_matter_with_no_locality_belongs_to_the_root(district: District, matters: dict) -> None:
    from xinfang.intake.models import Matter

    Matter.objects.filter(pk=matters["street_b"].pk).update(locality=None)
    assert matters["street_b"].number not in visible(district, "officer")
    city_officer = make_user("city_officer", "officer", district.city)
    assert matters["street_b"].number in set(
        visible_matters(city_officer).values_list("number", flat=True)
    )

    # a second tree imported beside the first: its bureau does not list the first one's unplaced
    # matters (the reports count them once, under the first root — counting.Scope)
    from xinfang.organisation.models import UnitKind
    from xinfang.organisation.services import unit_create

    other = unit_create(code="3301", name="另一市", kind=UnitKind.CITY)
    other_officer = make_user("other_officer", "officer", other)
    assert not visible_matters(other_officer).filter(pk=matters["street_b"].pk).exists()
    assert visible_matters(city_officer).filter(pk=matters["street_b"].pk).exists()


def test_an_accusation_arriving_as_a_repeat_of_an_ordinary_matter_is_refused(
    district: District, matters: dict
) -> None:
    # joined, it would sit with a unit that may be the accused; it must be registered as its own
    # matter and go to the discipline organ (a ledger's history still joins: tests/test_ledgerfix)
    plain = matters["street_a"]
    with pytest.raises(InputError, match="检举控告须另行登记为新事项"):
        register(
            district,
            locality=district.village_a,
            purpose=Purpose.ACCUSATION,
            matter=plain,
            content="检举社区干部收受好处",
        )
    plain.refresh_from_db()
    assert plain.purpose != Purpose.ACCUSATION
    assert plain.number in visible(district, "street_a_staff")


def test_admin_sees_no_petitions(district: District, matters: dict) -> None:
    assert visible(district, "admin") == set()
    assert not may(district.users["admin"], Action.VIEW_MATTER, matters["street_a"])


def test_units_see_only_their_own(district: District, matters: dict) -> None:
    assert visible(district, "street_a_staff") == {matters["street_a"].number}
    assert visible(district, "street_b_staff") == {
        matters["street_b"].number,
        matters["housing"].number,
    }
    assert visible(district, "housing_staff") == {matters["housing"].number}


def test_accusation_reaches_only_the_discipline_organ(district: District, matters: dict) -> None:
    accusation = matters["accusation"]
    # The accused street is the locality, yet its staff never see the accusation.
    assert not may(district.users["street_a_staff"], Action.VIEW_MATTER, accusation)
    assert may(district.users["discipline_staff"], Action.VIEW_MATTER, accusation)
    assert visible(district, "discipline_staff") == {accusation.number}


def test_reveal_only_for_roles_that_need_it(district: District, matters: dict) -> None:
    m = matters["street_a"]
    assert may(district.users["registrar"], Action.REVEAL_PERSONAL_DATA, m)
    assert may(district.users["street_a_staff"], Action.REVEAL_PERSONAL_DATA, m)
    assert not may(district.users["street_b_staff"], Action.REVEAL_PERSONAL_DATA, m)
    assert not may(district.users["leader"], Action.REVEAL_PERSONAL_DATA, m)
    assert not may(district.users["supervisor"], Action.REVEAL_PERSONAL_DATA, m)
