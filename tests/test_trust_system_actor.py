"""Issue 13: nobody (`None`) may nothing; the system is an explicit actor with its own list."""

import pytest

from xinfang.core import permissions as p
from xinfang.core.commandline import command_actor
from xinfang.core.permissions import SYSTEM, SYSTEM_ACTIONS, Action

from .conftest import District
from .views_support import Matters, make_matters


@pytest.fixture
def matters(district: District) -> Matters:
    return make_matters(district)


@pytest.mark.django_db
def test_none_may_nothing_and_sees_nothing(district: District, matters: Matters) -> None:
    assert not any(p.may(None, action) for action in Action)
    assert not p.may(None, Action.VIEW_MATTER, matters.street_a)
    assert not p.sees_accusations(None)
    for scope in (
        p.visible_matters,
        p.visible_sessions,
        p.visible_packages,
        p.visible_disputes,
        p.visible_batches,
        p.visible_batch_items,
        p.visible_meetings,
        p.visible_bodies,
        p.visible_decision_items,
    ):
        assert not scope(None).exists(), scope.__name__
    assert not p.may_hold_hearing(None, matters.street_a, "handling")


@pytest.mark.django_db
def test_the_system_may_only_its_listed_actions(district: District, matters: Matters) -> None:
    assert {a for a in Action if p.may(SYSTEM, a)} == set(SYSTEM_ACTIONS)
    # accusations and the unplaced too
    assert set(p.visible_matters(SYSTEM)) == set(matters.all().values())
    assert p.sees_accusations(SYSTEM)
    assert p.user_of(SYSTEM) is None  # nothing stores it as a user
    assert p.user_of(district.users["officer"]) == district.users["officer"]


@pytest.mark.django_db
def test_a_command_without_user_acts_as_the_system(district: District) -> None:
    assert command_actor(None, Action.IMPORT_LEDGER) is SYSTEM
    assert command_actor("officer", Action.IMPORT_LEDGER) == district.users["officer"]
