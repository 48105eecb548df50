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
from xinfang.demo.live import DEMO_YEAR_NOTE, LIVE_DAYS
from xinfang.demo.services import DEMO_LOGINS, DEMO_PASSWORD
from xinfang.intake.models import Matter, Registration
from xinfang.organisation.models import OrgUnit
from xinfang.workflow import calendar
from xinfang.workflow.calendar import package_years
from xinfang.workflow.models import Assignment, CalendarYear, MatterWorkflow, SupervisionNotice
from xinfang.workflow.selectors import queues_for

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
    # the ledger's own rows (the leader work registers its receptions at the desk besides)
    ledger = Registration.objects.filter(source="ledger")
    assert ledger.count() == SIZE
    assert Matter.objects.filter(registrations__in=ledger).distinct().count() == len(
        {row["事项编号"] for row in rows}
    )
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
    text = load(registrations=400)
    today = timezone.localdate()
    latest = Registration.objects.order_by("-received_on").first()
    assert latest is not None
    assert today - timedelta(days=10) <= latest.received_on <= today
    # a clock the demo started may need a year nobody has entered: the demo enters it, marked
    demo_years = list(CalendarYear.objects.filter(note=DEMO_YEAR_NOTE))
    shipped = set(package_years())
    assert all(y.year not in shipped for y in demo_years)
    deadlines = Matter.objects.exclude(handling_deadline=None).values_list("handling_deadline")
    needed = {d.year for (d,) in deadlines if d > today - timedelta(days=90)}
    assert needed - shipped <= {y.year for y in demo_years}
    logins = StringIO()
    call_command("demo_logins", stdout=logins)
    for y in demo_years:
        assert not y.days.filter(kind="workday").exists()  # no 调休 is guessed
        warning = f"{y.year}年节假日安排为演示数据"
        assert warning in text and warning in logins.getvalue()
    if not demo_years:
        assert "演示数据" not in logins.getvalue()


def test_the_latest_matters_are_walked_so_every_role_has_work() -> None:
    load(registrations=1500, end=END.isoformat())
    users = {user.username: user for user in User.objects.all()}
    window = END - timedelta(days=LIVE_DAYS)
    walked = visible_matters(users["jingban"]).filter(first_received_on__gte=window)
    # every open matter was taken on, except the newest (待处理)
    waiting = walked.filter(status="registered")
    assert waiting.exists()
    assert all((END - m.first_received_on).days <= 7 for m in waiting)
    # each role's queues hold something on the demo's last day
    for name in ("dengji", "jingban", "jiedao", "zhujian", "jiwei", "lingdao", "ducha"):
        queues = {q.key: q.total for q in queues_for(users[name], END)}
        assert sum(queues.values()) > 0, (name, queues)
    for name in ("jiedao", "zhujian", "jiwei"):
        assert {q.key: q.total for q in queues_for(users[name], END)}["new"] > 0, name
    jingban = {q.key: q.total for q in queues_for(users["jingban"], END)}
    assert jingban["to_route"] and jingban["extensions"] and jingban["supervised"]
    assert jingban["due_soon"] and jingban["overdue"]
    # the clocks were set by the calendar: every assignment's limit is 60 days on, or extended
    for a in Assignment.objects.select_related("matter"):
        assert a.due in (calendar.deadline(a.assigned_on, 60), a.matter.extended_to)
        if a.received_on:
            assert a.return_due == calendar.add_working_days(a.received_on, 5)
    # overdue ones carry the clock's district supervision notice, raised the day after
    notices = SupervisionNotice.objects.filter(source="clock").select_related("matter")
    assert notices.exists()
    for n in notices:
        assert n.matter.replied_on is None and n.raised_by is None
        assert n.raised_on == n.matter.handling_deadline + timedelta(days=1)
    # the rest of a bureau's month: a return, an extension waiting, a review, a final matter
    assert Assignment.objects.filter(returned_on__isnull=False).exists()
    assert MatterWorkflow.objects.filter(
        extension_requested_on__isnull=False, extension_approved=None
    ).exists()
    assert walked.filter(status="under_review").exists()
    assert walked.filter(status="final", workflow__final_on__isnull=False).exists()
    assert walked.filter(status="replied").exists()
    # done by the demo logins (or the clock), one event per step, never after the last day
    steps = AuditEvent.objects.filter(action__startswith="workflow.")
    assert steps.exists()
    assert set(steps.exclude(actor=None).values_list("actor__username", flat=True)) <= {
        login.username for login in DEMO_LOGINS
    }
    assert all(date.fromisoformat(e.data["on"]) <= END for e in steps)
    assert not CalendarYear.objects.exists()  # 2023–2025 are all shipped: nothing entered
    assert "演示数据已载入" in load(registrations=1500, end=END.isoformat())


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
