"""The staff pages of leader work: sessions and the day's sheet, the registrar's screen at a
session, packages (六定) and their progress, Leader in /manage/.

Dates are typed from the State Council's 2026 arrangement (10-01 … 10-07 off for 国庆); the pages
see 2026-09-28 (a Monday) as today. Every count below is counted by hand.
"""

from datetime import date, time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import District, register
from tests.views_support import client_for
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.intake.models import Matter, Registration
from xinfang.leaders import services
from xinfang.leaders.choices import (
    BookingStatus,
    LeaderTier,
    PackageStatus,
    ReceptionOutcome,
    SessionKind,
    SessionStatus,
)
from xinfang.leaders.models import (
    Leader,
    Package,
    PackageProgress,
    Reception,
    ReceptionSession,
)
from xinfang.organisation.models import UnitKind
from xinfang.organisation.services import unit_create

pytestmark = pytest.mark.django_db

TODAY = date(2026, 9, 28)
HELD = date(2026, 9, 30)
_real_localdate = timezone.localdate


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    def localdate(value: Any = None, timezone: Any = None) -> date:
        return TODAY if value is None else _real_localdate(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@pytest.fixture
def leaders(district: District) -> dict[str, Leader]:
    other = unit_create(code="320102", name="北湖区", kind=UnitKind.DISTRICT, parent=district.city)
    return {
        "secretary": Leader.objects.create(
            name="张书记",
            post="区委书记",
            tier=LeaderTier.PRINCIPAL,
            unit=district.district,
            user=district.users["leader"],
        ),
        "deputy": Leader.objects.create(
            name="李副区长", post="副区长", tier=LeaderTier.MEMBER, unit=district.district
        ),
        "elsewhere": Leader.objects.create(
            name="孙区长", post="区长", tier=LeaderTier.PRINCIPAL, unit=other
        ),
    }


def _session(
    district: District,
    leaders: list[Leader],
    *,
    unit: Any = None,
    kind: str = SessionKind.VISIT_DOWN,
    held_on: date = HELD,
) -> ReceptionSession:
    return services.session_create(
        actor=SYSTEM,
        data=services.SessionInput(
            kind=kind,
            unit=unit or district.district,
            held_on=held_on,
            leaders=leaders,
            starts_at=time(9, 0),
            ends_at=time(11, 30),
            place="东风社区党群服务中心",
            topics="征地拆迁、物业管理",
            capacity=10,
        ),
    )


def _published(district: District, leaders: list[Leader]) -> ReceptionSession:
    session = _session(district, leaders)
    return services.session_publish(actor=SYSTEM, session=session)


def _package(district: District, leader: Leader, matter: Matter, unit: Any = None) -> Package:
    return services.package_open(
        actor=SYSTEM,
        data=services.PackageInput(
            matters=[matter],
            leader=leader,
            deadline=date(2026, 12, 31),
            responsible_unit=unit or district.housing,
            responsible_person="周科长",
            supervising_unit=district.district,
            requirements="三个月内化解",
            started_on=date(2026, 8, 3),
        ),
    )


def _get(client: Client, url: str) -> int:
    return client.get(url).status_code


# --- access --------------------------------------------------------------------------------------


def test_every_page_per_role_in_and_out_of_scope(
    district: District, leaders: dict[str, Leader]
) -> None:
    mine = _session(district, [leaders["secretary"]])
    not_the_leaders = _session(district, [leaders["deputy"]])
    elsewhere = _session(district, [leaders["elsewhere"]], unit=leaders["elsewhere"].unit)
    matter = register(district, locality=district.street_b, responsible=district.housing)
    package = _package(district, leaders["secretary"], matter)
    deputy_package = _package(  # 责任单位: 西湖街道
        district,
        leaders["deputy"],
        register(district, locality=district.street_b),
        unit=district.street_b,
    )
    other_matter = register(district, locality=leaders["elsewhere"].unit, name="外区人")

    sessions = "/leaders/sessions/"
    packages = "/leaders/packages/"
    expected = {
        # who: (sessions, my session, deputy's session, other district's session,
        #       packages, package, deputy's package, new package form)
        "registrar": (200, 200, 200, 404, 200, 200, 200, 403),
        "officer": (200, 200, 200, 404, 200, 200, 200, 200),
        "leader": (200, 200, 404, 404, 200, 200, 404, 200),
        "supervisor": (200, 200, 200, 404, 200, 200, 200, 403),
        "admin": (403, 403, 403, 403, 403, 403, 403, 403),
        "housing_staff": (403, 403, 403, 403, 200, 200, 404, 403),
        "street_b_staff": (403, 403, 403, 403, 200, 404, 200, 403),
    }
    for who, codes in expected.items():
        client = client_for(district, who)
        got = (
            _get(client, sessions),
            _get(client, f"{sessions}{mine.pk}/"),
            _get(client, f"{sessions}{not_the_leaders.pk}/"),
            _get(client, f"{sessions}{elsewhere.pk}/"),
            _get(client, packages),
            _get(client, f"{packages}{package.pk}/"),
            _get(client, f"{packages}{deputy_package.pk}/"),
            _get(client, f"{packages}new/?matter={matter.pk}"),
        )
        assert got == codes, who
    officer = client_for(district, "officer")
    assert _get(officer, f"{packages}new/?matter={other_matter.pk}") == 404  # not in the area
    assert _get(client_for(district, "anonymous"), sessions) == 302  # to the login page

    # the nav shows 领导接访 to those who may see leader work only
    assert "领导接访" in client_for(district, "registrar").get("/intake/matters/").content.decode()
    assert (
        "领导接访"
        not in client_for(district, "housing_staff").get("/intake/matters/").content.decode()
    )

    # lists: a leader sees only their own sessions and packages
    page = client_for(district, "leader").get(sessions).content.decode()
    assert mine.number in page and not_the_leaders.number not in page
    assert elsewhere.number not in page
    page = client_for(district, "leader").get(packages).content.decode()
    assert package.number in page and deputy_package.number not in page


# --- sessions ------------------------------------------------------------------------------------


def test_create_and_publish_a_session(district: District, leaders: dict[str, Leader]) -> None:
    officer = client_for(district, "officer")
    form = {
        "s-kind": SessionKind.VISIT_DOWN,
        "s-held_on": "2026-09-30",
        "s-starts_at": "09:00",
        "s-ends_at": "11:30",
        "s-place": "西湖街道便民服务中心",
        "s-topics": "物业管理",
        "s-capacity": "15",
        "s-leaders": [str(leaders["secretary"].pk), str(leaders["deputy"].pk)],
        "s-units": [str(district.housing.pk)],
    }
    # a leader of another district is not offered, and not taken
    refused = officer.post(
        "/leaders/sessions/", {**form, "s-leaders": [str(leaders["elsewhere"].pk)]}
    )
    assert refused.status_code == 400
    assert "所选领导不在可选范围内" in refused.content.decode()
    assert ReceptionSession.objects.count() == 0

    response = officer.post("/leaders/sessions/", form)
    session = ReceptionSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/leaders/sessions/{session.pk}/"
    assert (session.kind, session.held_on, session.capacity) == ("visit_down", HELD, 15)
    assert set(session.leaders.all()) == {leaders["secretary"], leaders["deputy"]}
    assert list(session.units.all()) == [district.housing]
    assert session.status == SessionStatus.PLANNED

    # the registrar may not plan: 403, nothing written
    assert client_for(district, "registrar").post("/leaders/sessions/", form).status_code == 403
    assert ReceptionSession.objects.count() == 1

    stale = officer.post(f"/leaders/sessions/{session.pk}/publish/", {"version": "7"})
    assert stale.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED
    officer.post(f"/leaders/sessions/{session.pk}/publish/", {"version": str(session.version)})
    session.refresh_from_db()
    assert session.status == SessionStatus.PUBLISHED
    page = officer.get(f"/leaders/sessions/{session.pk}/").content.decode()
    assert "已公示" in page and "西湖街道便民服务中心" in page

    # cancelling needs a reason; then it is cancelled with the version it was shown with
    url = f"/leaders/sessions/{session.pk}/cancel/"
    officer.post(url, {"version": str(session.version), "reason": ""})
    session.refresh_from_db()
    assert session.status == SessionStatus.PUBLISHED
    officer.post(url, {"version": str(session.version), "reason": "领导临时公务，改期举行"})
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert AuditEvent.objects.filter(action="reception.session_cancel").count() == 1


def test_rota_generates_thursdays_in_turn(district: District, leaders: dict[str, Leader]) -> None:
    officer = client_for(district, "officer")
    response = officer.post(
        "/leaders/sessions/",
        {
            "rota": "1",
            "r-name": "班子成员周四接访",
            "r-kind": SessionKind.REGULAR,
            "r-weekday": "3",
            "r-starts_at": "09:00",
            "r-ends_at": "12:00",
            "r-place": "区信访局接待大厅",
            "r-capacity": "20",
            "r-leaders": [str(leaders["secretary"].pk), str(leaders["deputy"].pk)],
            "r-in_turn": "1",
            "r-start": "2026-09-21",
            "r-end": "2026-10-16",
        },
    )
    assert response.status_code == 302
    # Thursdays 09-24, 10-01 (国庆, off), 10-08, 10-15: three sessions, one leader each in turn
    made = list(ReceptionSession.objects.order_by("held_on"))
    assert [s.held_on for s in made] == [date(2026, 9, 24), date(2026, 10, 8), date(2026, 10, 15)]
    assert [s.leaders.count() for s in made] == [1, 1, 1]

    # neither a weekday nor days of the month: the error is on the field, nothing written
    bad = officer.post(
        "/leaders/sessions/",
        {
            "rota": "1",
            "r-name": "下访日",
            "r-kind": SessionKind.VISIT_DOWN,
            "r-starts_at": "09:00",
            "r-ends_at": "12:00",
            "r-place": "东风社区",
            "r-capacity": "20",
            "r-leaders": [str(leaders["deputy"].pk)],
            "r-start": "2026-10-12",
            "r-end": "2026-10-23",
        },
    )
    assert bad.status_code == 400
    assert "请选择每周星期，或填写每月的起止日期" in bad.content.decode()
    assert ReceptionSession.objects.count() == 3


def test_sheet_lists_booking_masked_and_reveal_is_audited(
    district: District, leaders: dict[str, Leader]
) -> None:
    session = _published(district, [leaders["secretary"]])
    booking = services.booking_create(
        session=session, name="陈大明", phone="13912345678", topic="反映东风社区拆迁安置房交付延期"
    )
    registrar = client_for(district, "registrar")
    page = registrar.get(f"/leaders/sessions/{session.pk}/").content.decode()
    assert "陈大明" in page
    assert "139****5678" in page and "13912345678" not in page
    assert f"/intake/register/?session={session.pk}&amp;booking={booking.pk}" in page

    url = f"/leaders/sessions/{session.pk}/bookings/{booking.pk}/reveal/"
    # 督查 may not reveal: refused, nothing written
    assert client_for(district, "supervisor").post(url).status_code == 403
    assert AuditEvent.objects.filter(action="personal_data.reveal").count() == 0
    shown = registrar.post(url)
    assert shown.status_code == 200
    assert "13912345678" in shown.content.decode()
    event = AuditEvent.objects.get(action="personal_data.reveal")
    assert (event.object_type, event.object_id) == ("leaders.booking", str(booking.pk))
    assert event.actor == district.users["registrar"]
    assert "13912345678" not in str(event.data)
    # a booking of another session is not found through this one
    other = _published(district, [leaders["deputy"]])
    assert (
        registrar.post(f"/leaders/sessions/{other.pk}/bookings/{booking.pk}/reveal/").status_code
        == 404
    )


def test_invite_a_matter_by_number(district: District, leaders: dict[str, Leader]) -> None:
    session = _session(district, [leaders["secretary"]], kind=SessionKind.INVITED)
    matter = register(district, locality=district.street_a, name="王小明")
    officer = client_for(district, "officer")
    missing = officer.post(f"/leaders/sessions/{session.pk}/", {"matter": "XF-NO-SUCH"})
    assert missing.status_code == 400
    assert "没有这个事项编号" in missing.content.decode()
    done = officer.post(f"/leaders/sessions/{session.pk}/", {"matter": matter.number})
    assert done.status_code == 302
    page = officer.get(f"/leaders/sessions/{session.pk}/").content.decode()
    assert matter.number in page and "王小明" in page
    assert f"/intake/register/?session={session.pk}&amp;matter={matter.pk}" in page


# --- the registrar's screen at a session ---------------------------------------------------------


def _reception_form(district: District, **overrides: Any) -> dict[str, Any]:
    data = {
        "petitioner_name": "陈大明",
        "petitioner_id_number": "",
        "petitioner_phone": "13912345678",
        "petitioner_address": "",
        "matter": "",
        "channel": "visit",
        "level": "local",
        "received_at": "2026-09-30 09:40",
        "people": "3",
        "form": "",
        "letter_kind": "",
        "content": "反映东风社区拆迁安置房交付延期",
        "category": "",
        "purpose": "request",
        "locality": str(district.street_a.pk),
        "responsible_unit": "",
        "attachment_kind": "",
        "rep-TOTAL_FORMS": "0",
        "rep-INITIAL_FORMS": "0",
        "rep-MIN_NUM_FORMS": "0",
        "rep-MAX_NUM_FORMS": "10",
        "reception_outcome": ReceptionOutcome.WITH_DEADLINE,
        "reception_leader_due": "2026-10-30",
        "reception_instruction": "",
    }
    data.update(overrides)
    return data


def test_registering_from_the_sheet_records_a_reception(
    district: District, leaders: dict[str, Leader]
) -> None:
    session = _published(district, [leaders["secretary"], leaders["deputy"]])
    booking = services.booking_create(
        session=session, name="陈大明", phone="13912345678", topic="反映东风社区拆迁安置房交付延期"
    )
    registrar = client_for(district, "registrar")
    url = f"/intake/register/?session={session.pk}&booking={booking.pk}"
    page = registrar.get(url).content.decode()
    assert 'value="陈大明"' in page and 'value="13912345678"' in page
    assert "接待领导" in page and "接访结果" in page and "领导接访登记" in page
    assert page.count('name="reception_leaders"') == 2
    for leader in (leaders["secretary"], leaders["deputy"]):  # all checked by default
        assert 'name="reception_leaders" id="id_reception_leaders_' in page
        assert f'value="{leader.pk}" checked>' in page

    # 限期解决 without its date: the error is on the field, nothing written
    form = _reception_form(
        district,
        reception_leaders=[str(leaders["secretary"].pk)],
        reception_leader_due="",
    )
    refused = registrar.post(url, form)
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "限期解决须填写领导限定的办结日期" in body
    assert 'id="id_reception_leader_due_error"' in body
    assert Registration.objects.count() == 0 and Reception.objects.count() == 0

    # another channel than 来访 is not taken at a session
    letter = registrar.post(
        url, {**form, "channel": "letter", "reception_leader_due": "2026-10-30"}
    )
    assert "领导接访的登记固定为来访、来区" in letter.content.decode()
    assert Registration.objects.count() == 0

    saved = registrar.post(url, {**form, "reception_leader_due": "2026-10-30"})
    assert saved.status_code == 302
    assert saved["Location"] == f"/leaders/sessions/{session.pk}/"
    reception = Reception.objects.get()
    reg = reception.registration
    assert (reg.channel, reg.level, reg.people) == ("visit", "local", 3)
    assert reception.outcome == ReceptionOutcome.WITH_DEADLINE
    assert reception.leader_due == date(2026, 10, 30)
    assert list(reception.leaders.all()) == [leaders["secretary"]]
    assert reception.booking == booking
    # 09-30 + 2 working days: 10-01 … 10-07 are off, then 10-08 and 10-09
    assert reception.route_due == date(2026, 10, 9)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.RECEIVED

    sheet = registrar.get(f"/leaders/sessions/{session.pk}/").content.decode()
    assert reg.number in sheet and "限期解决" in sheet and "2026-10-09" in sheet
    assert "接待记录（1批）" in sheet


def test_walk_in_with_all_leaders_on_the_spot(
    district: District, leaders: dict[str, Leader]
) -> None:
    session = _published(district, [leaders["secretary"], leaders["deputy"]])
    registrar = client_for(district, "registrar")
    both = [str(leaders["secretary"].pk), str(leaders["deputy"].pk)]
    saved = registrar.post(
        f"/intake/register/?session={session.pk}",
        _reception_form(
            district,
            petitioner_name="林小红",
            petitioner_phone="13900002222",
            people="1",
            content="反映楼道照明损坏无人维修",
            reception_leaders=both,
            reception_outcome=ReceptionOutcome.ON_THE_SPOT,
            reception_leader_due="",
        ),
    )
    assert saved.status_code == 302
    reception = Reception.objects.get()
    assert reception.outcome == ReceptionOutcome.ON_THE_SPOT
    assert set(reception.leaders.all()) == {leaders["secretary"], leaders["deputy"]}
    assert reception.route_due is None

    # out of scope: a session of another district, a booking of another session
    elsewhere = _session(district, [leaders["elsewhere"]], unit=leaders["elsewhere"].unit)
    assert registrar.get(f"/intake/register/?session={elsewhere.pk}").status_code == 404
    assert registrar.get(f"/intake/register/?session={session.pk}&booking=999").status_code == 404


# --- packages ------------------------------------------------------------------------------------


def _six(district: District, leaders: dict[str, Leader], **overrides: str) -> dict[str, str]:
    data = {
        "responsible_unit": str(district.housing.pk),
        "leader": str(leaders["secretary"].pk),
        "responsible_person": "周科长",
        "responsible_user": "",
        "supervising_unit": str(district.district.pk),
        "requirements": "三个月内化解，每月报告进展",
        "deadline": "2026-12-31",
        "related": "",
    }
    data.update(overrides)
    return data


def test_six_fixes_form(district: District, leaders: dict[str, Leader]) -> None:
    matter = register(district, locality=district.street_b, responsible=district.housing)
    related = register(district, locality=district.street_b, name="赵六", phone="13900002222")
    officer = client_for(district, "officer")
    url = f"/leaders/packages/new/?matter={matter.pk}"

    no_deadline = officer.post(url, _six(district, leaders, deadline=""))
    assert no_deadline.status_code == 400
    body = no_deadline.content.decode()
    assert "六定未填全：请填写定办结时限" in body
    assert 'id="id_deadline_error"' in body
    assert Package.objects.count() == 0

    done = officer.post(url, _six(district, leaders, related=related.number))
    package = Package.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/leaders/packages/{package.pk}/"
    assert set(package.matters.all()) == {matter, related}
    assert (package.deadline, package.responsible_person) == (date(2026, 12, 31), "周科长")

    second = officer.post(url, _six(district, leaders, leader=str(leaders["deputy"].pk)))
    assert second.status_code == 400
    assert "包案未化解前不能再次包案" in second.content.decode()
    assert Package.objects.count() == 1

    # the matter page shows its package
    page = officer.get(f"/intake/matters/{matter.pk}/").content.decode()
    assert f"/leaders/packages/{package.pk}/" in page and "张书记包案" in page


def test_progress_note_and_months_missing(district: District, leaders: dict[str, Leader]) -> None:
    matter = register(district, locality=district.street_b, responsible=district.housing)
    package = _package(district, leaders["secretary"], matter)  # begun 2026-08-03
    staff = client_for(district, "housing_staff")  # the 责任单位 writes the month's note
    page = staff.get(f"/leaders/packages/{package.pk}/").content.decode()
    # today is 2026-09-28: August has no note yet
    assert "缺少月度进展" in page and "2026年8月" in page

    too_short = staff.post(f"/leaders/packages/{package.pk}/", {"month": "2026-08", "note": "已"})
    assert too_short.status_code == 400
    assert "至少5个字" in too_short.content.decode()
    assert PackageProgress.objects.count() == 0

    saved = staff.post(
        f"/leaders/packages/{package.pk}/",
        {
            "month": "2026-08",
            "duties": ["know", "solve"],
            "note": "已走访信访人两次，补偿方案报区政府审定",
        },
    )
    assert saved.status_code == 302
    note = PackageProgress.objects.get()
    assert (note.month, note.duties, note.written_by) == (
        date(2026, 8, 1),
        ["know", "solve"],
        district.users["housing_staff"],
    )
    page = staff.get(f"/leaders/packages/{package.pk}/").content.decode()
    assert "缺少月度进展" not in page
    assert "包掌握情况" in page and "补偿方案报区政府审定" in page
    assert package.status == PackageStatus.OPEN

    # the list's filter of missing progress: none left
    listed = client_for(district, "officer").get("/leaders/packages/?missing=on").content.decode()
    assert package.number not in listed
    listed = client_for(district, "officer").get("/leaders/packages/").content.decode()
    assert package.number in listed


# --- /manage/ ------------------------------------------------------------------------------------


def test_admin_enters_a_leader_audited(district: District) -> None:
    admin = client_for(district, "admin")
    assert admin.get("/manage/leaders/leader/").status_code == 200
    response = admin.post(
        "/manage/leaders/leader/add/",
        {
            "name": "钱副书记",
            "post": "区委副书记",
            "tier": LeaderTier.MEMBER,
            "unit": str(district.district.pk),
            "user": "",
            "active": "on",
            "sort_order": "0",
        },
    )
    assert response.status_code == 302
    leader = Leader.objects.get(name="钱副书记")
    assert leader.tier == LeaderTier.MEMBER
    assert AuditEvent.objects.filter(action="leader.create", object_id=str(leader.pk)).count() == 1
    # a login that is not a leader's is refused on the field
    refused = admin.post(
        "/manage/leaders/leader/add/",
        {
            "name": "吴部长",
            "post": "",
            "tier": LeaderTier.DEPARTMENT,
            "unit": str(district.housing.pk),
            "user": str(district.users["officer"].pk),
            "active": "on",
            "sort_order": "0",
        },
    )
    assert refused.status_code == 200
    assert "只能关联角色为“领导”的账号" in refused.content.decode()
    assert not Leader.objects.filter(name="吴部长").exists()
    assert client_for(district, "officer").get("/manage/leaders/leader/").status_code == 302


def test_a_matter_that_came_back_is_not_shown_as_settled(
    district: District, leaders: dict[str, Leader]
) -> None:
    """After a 回流 the matter keeps its 化解日期 as history; its package page says it came back."""
    from datetime import datetime

    from tests.conftest import TZ
    from xinfang.workflow.supervision import matter_resolve

    matter = register(district, locality=district.street_b, responsible=district.housing)
    package = _package(district, leaders["secretary"], matter)
    matter.refresh_from_db()
    matter_resolve(actor=district.users["officer"], matter=matter, version=matter.version,
                   on=date(2026, 9, 1))  # fmt: skip
    officer = client_for(district, "officer")
    page = officer.get(f"/leaders/packages/{package.pk}/").content.decode()
    assert "2026-09-01化解</span>" in page and "再次登记" not in page
    register(district, locality=district.street_b, matter=matter,
             when=datetime(2026, 9, 10, 9, 0, tzinfo=TZ))  # fmt: skip
    page = officer.get(f"/leaders/packages/{package.pk}/").content.decode()
    assert "2026-09-01化解后再次登记，待重新化解" in page
    assert "回流1次" in page
