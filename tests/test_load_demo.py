"""xinfang load-demo and demo-logins: the demo district goes in once, through the real imports."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from xinfang.accounts.models import Role, User
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import visible_matters
from xinfang.demo.generator import ledger_rows, org_rows
from xinfang.demo.services import DEMO_LOGINS, DEMO_PASSWORD
from xinfang.intake.models import Matter, Registration
from xinfang.organisation.models import OrgUnit

pytestmark = pytest.mark.django_db

END = date(2025, 6, 30)
SIZE = 300


def load(**options: object) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def test_load_demo_loads_tree_ledger_and_logins() -> None:
    text = load(registrations=SIZE, end=END.isoformat())
    assert "演示区已载入" in text and DEMO_PASSWORD in text

    assert OrgUnit.objects.count() == len(org_rows())
    district = OrgUnit.objects.get(code="339102")
    assert district.name == "青山区" and district.parent is not None
    assert district.parent.name == "临江市"
    assert OrgUnit.objects.get(code="339102006").is_within(district)

    rows = list(ledger_rows(end=END, registrations=SIZE))
    assert Registration.objects.count() == SIZE
    assert Matter.objects.count() == len({row["事项编号"] for row in rows})
    first = Registration.objects.get(number=rows[0]["登记编号"])
    assert first.received_on.isoformat() == rows[0]["登记日期"]
    assert first.content == rows[0]["反映内容"]
    joint = sum(row["来信类型"] == "联名信" for row in rows)
    assert joint > 0 and Registration.objects.filter(letter_kind="joint").count() == joint

    users = {user.username: user for user in User.objects.all()}
    assert set(users) == {login.username for login in DEMO_LOGINS}
    for login in DEMO_LOGINS:
        user = users[login.username]
        assert user.role == login.role
        assert user.org_unit is not None and user.org_unit.code == login.unit_code
        assert user.check_password(DEMO_PASSWORD)
        assert user.display_name == login.display_name
    assert users["admin"].is_staff and not users["dengji"].is_staff
    assert users["jiwei"].org_unit.name == "区纪委监委"
    assert users["jiwei"].org_unit.is_discipline_organ
    assert users["zhujian"].org_unit.name == "区住房和城乡建设局"
    assert AuditEvent.objects.filter(action="user.create").count() == len(DEMO_LOGINS)


def test_second_run_changes_nothing() -> None:
    load(registrations=SIZE, end=END.isoformat())
    counts = (
        OrgUnit.objects.count(),
        Registration.objects.count(),
        Matter.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )
    text = load(registrations=SIZE)  # another day's ledger would differ: it must not be read
    assert "演示数据已载入，未作任何更改" in text
    assert counts == (
        OrgUnit.objects.count(),
        Registration.objects.count(),
        Matter.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_demo_ends_today_by_default() -> None:
    load(registrations=120)
    today = timezone.localdate()
    latest = Registration.objects.order_by("-received_on").first()
    assert latest is not None
    assert today - timedelta(days=10) <= latest.received_on <= today


def test_demo_users_see_their_part() -> None:
    load(registrations=SIZE, end=END.isoformat())
    users = {user.username: user for user in User.objects.all()}
    everything = Matter.objects.count()
    district = visible_matters(users["dengji"]).count()
    assert 0 < district < everything  # the siblings' matters are not the district's
    street = visible_matters(users["jiedao"])
    assert 0 < street.count() < district
    accusations = visible_matters(users["jiwei"])
    assert accusations.exists()
    assert not visible_matters(users["jiedao"]).filter(purpose="accusation").exists()
    # The district's leader reads the district, less the accusations (discipline organs only).
    leader = visible_matters(users["lingdao"])
    assert (
        leader.count()
        == district - visible_matters(users["dengji"]).filter(purpose="accusation").count()
    )
    assert not leader.filter(purpose="accusation").exists()


def test_demo_logins_prints_the_table() -> None:
    with pytest.raises(CommandError, match="尚未载入演示数据"):
        call_command("demo_logins", stdout=StringIO())
    load(registrations=120, end=END.isoformat())
    out = StringIO()
    call_command("demo_logins", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 + len(DEMO_LOGINS)  # title, header, rule, one line per login
    for login in DEMO_LOGINS:
        line = next(line for line in lines if line.split()[0] == login.username)
        assert DEMO_PASSWORD in line
        assert login.role.label in line
    assert "登记员" in out.getvalue() and "区纪委监委" in out.getvalue()
    assert Role.ADMIN.label in out.getvalue()


def test_bad_options_are_refused() -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        load(end="2025/06/30")
    with pytest.raises(CommandError, match="正整数"):
        load(registrations=0)
    assert not OrgUnit.objects.exists()
