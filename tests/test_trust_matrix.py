"""The role × route × object matrix, generated from the URL configuration (issue 13, item 1).

Every route Django answers must have an entry in tests/route_expectations.EXPECTATIONS: a route
added without one fails `test_every_route_has_an_answer`, naming it. `test_the_matrix` builds one
set of objects (two districts, a matter of each kind, an accusation, documents, sessions, a
booking, rotas, packages, a notification) and asks every case of every route as every actor:
those listed get through (2xx, 3xx, or a 400/409 of a form they may post), everyone else is
refused (401, 403, 404, or a redirect to a login or to the portal's query page). Never a 500.
Each request runs in a savepoint that is rolled back, so a POST does not change the next case.
"""

import re
from datetime import date, time
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from tests.conftest import PASSWORD, District, make_user, register
from tests.route_expectations import EXPECTATIONS, STAFF, WHO, Case
from tests.test_documents_support import ensure_default_templates
from tests.views_support import attachment_dir, make_matters  # noqa: F401
from tests.workflow_support import step
from xinfang.accounts.models import Role
from xinfang.api.services import token_create
from xinfang.core.permissions import SYSTEM
from xinfang.documents.kinds import DocumentKind
from xinfang.documents.models import IssuedDocument
from xinfang.intake.attachments import attachment_add
from xinfang.intake.models import Category, Matter
from xinfang.leaders import services as leaders
from xinfang.leaders.choices import LeaderTier, SessionKind
from xinfang.leaders.models import Leader
from xinfang.notifications.models import Notification
from xinfang.organisation.models import UnitKind
from xinfang.organisation.services import unit_create
from xinfang.workflow import services as wf

# the matrix must not shrink unnoticed: routes × actors × cases asked at least this often
LOWER_BOUND = 1400
TODAY = date(2026, 9, 28)  # a Monday; the sessions are held on the Wednesday after
HELD = date(2026, 9, 30)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_real_localdate = timezone.localdate


# --- the routes --------------------------------------------------------------------------------


def routes(patterns: list[Any] | None = None, namespace: str = "") -> list[str]:
    """Every route's name (`namespace:name`, else its pattern), through every include.

    /manage/ is Django's admin site: its own pages are one route here (its index), since the
    admin site refuses every page to anyone but 管理员 in one place (admin_site.has_permission).
    """
    found: list[str] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.app_name == "admin":
                found.append(f"{inner}index")
                continue
            found += routes(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            found.append(
                f"{namespace}{entry.name}" if entry.name else f"{namespace}{entry.pattern}"
            )
    return found


def test_every_route_has_an_answer() -> None:
    found = routes()
    unanswered = [name for name in found if name not in EXPECTATIONS]
    assert not unanswered, (
        "routes with no answer in tests/route_expectations.py (who may GET / POST them, "
        f"on which objects): {unanswered}"
    )
    stale = sorted(set(EXPECTATIONS) - set(found))
    assert not stale, f"answers for routes that no longer exist: {stale}"
    assert all(EXPECTATIONS[name] for name in found), "a route with an empty list of cases"


# --- the objects -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    def localdate(value: Any = None, timezone: Any = None) -> date:
        return TODAY if value is None else _real_localdate(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


def objects(d: District) -> dict[str, int | str]:
    ensure_default_templates()
    north = unit_create(code="320102", name="北湖区", kind=UnitKind.DISTRICT, parent=d.city)
    d.users["north_officer"] = make_user("north_officer", Role.OFFICER, north)
    d.users["other_leader"] = make_user("other_leader", Role.LEADER, d.district)
    matters = make_matters(d).all()
    matters["north"] = register(d, locality=north, name="周九", content="反映北湖区道路积水")
    officer = d.users["officer"]
    for name in ("street_a", "accusation"):
        matters[name] = step(wf.matter_accept, matters[name], officer, on=date(2026, 3, 9))
    # each 受理 issued its 受理告知书
    doc_a = IssuedDocument.objects.get(matter=matters["street_a"], kind=DocumentKind.ACCEPT)
    doc_acc = IssuedDocument.objects.get(matter=matters["accusation"], kind=DocumentKind.ACCEPT)
    attachment = attachment_add(
        actor=d.users["registrar"],
        registration=matters["street_a"].registrations.get(),
        upload=SimpleUploadedFile("来信.pdf", PDF, content_type="application/pdf"),
    )

    def leader(name: str, unit: Any, user: Any = None) -> Leader:
        tier = LeaderTier.PRINCIPAL
        return Leader.objects.create(name=name, post="区长", tier=tier, unit=unit, user=user)

    own = leader("张书记", d.district, d.users["leader"])
    other = leader("李副区长", d.district, d.users["other_leader"])
    elsewhere = leader("孙区长", north)

    def session(unit: Any, who: Leader) -> Any:
        return leaders.session_create(
            actor=SYSTEM,
            data=leaders.SessionInput(
                kind=SessionKind.VISIT_DOWN,
                unit=unit,
                held_on=HELD,
                leaders=[who],
                starts_at=time(9, 0),
                ends_at=time(11, 30),
                place="党群服务中心",
                topics="征地拆迁",
                capacity=10,
            ),
        )

    own_session = leaders.session_publish(actor=SYSTEM, session=session(d.district, own))
    booking = leaders.booking_create(
        session=own_session,
        name="王小明",
        phone="13812345678",
        topic="反映小区电梯故障",
        today=TODAY,
    )

    def rota(unit: Any, who: Leader) -> Any:
        return leaders.rota_create(
            actor=SYSTEM,
            data=leaders.RotaInput(
                name="主要领导接访日",
                kind=SessionKind.REGULAR,
                unit=unit,
                leaders=[who],
                starts_at=time(9, 0),
                ends_at=time(11, 30),
                place="区信访局接待大厅",
                weekday=0,
            ),
        )

    def package(who: Leader, matter: Matter, unit: Any) -> Any:
        return leaders.package_open(
            actor=SYSTEM,
            data=leaders.PackageInput(
                matters=[matter],
                leader=who,
                deadline=date(2026, 12, 31),
                responsible_unit=unit,
                responsible_person="周科长",
                supervising_unit=unit.parent or unit,
                requirements="三个月内化解",
                started_on=date(2026, 8, 3),
            ),
        )

    from xinfang.hearings import services as hs
    from xinfang.hearings.documents import hearing_document_issue

    matters["street_a"].refresh_from_db()
    hearing = hs.hearing_record(
        actor=officer,
        matter=matters["street_a"],
        data=hs.HearingInput(
            starts_on=date(2026, 3, 20),
            place="区信访局听证室",
            host_unit=d.district,
            participants=[hs.ParticipantInput("信访人", "王小明")],
        ),
        record="听证笔录：各方陈述了意见。",
        conclusion="维持原处理意见。",
    )
    hearing_doc = hearing_document_issue(actor=officer, hearing=hearing, kind="report")
    casework = casework_objects(d, matters)
    disputes = dispute_objects(d, north)
    notification = Notification.objects.create(
        recipient=officer,
        matter=matters["street_a"],
        kind="warning",
        text="临近期限",
        created_at=timezone.now(),
    )
    ids: dict[str, int | str] = {name: m.pk for name, m in matters.items()}
    ids.update({f"reg_{name}": m.registrations.first().pk for name, m in matters.items()})  # type: ignore[union-attr]
    ids.update(
        person_a=matters["street_a"].registrations.get().petitioner.pk,
        person_acc=matters["accusation"].registrations.get().petitioner.pk,
        attachment=attachment.pk,
        doc_a=doc_a.pk,
        doc_acc=doc_acc.pk,
        session=own_session.pk,
        booking=booking.pk,
        session_other=session(d.district, other).pk,
        session_north=session(north, elsewhere).pk,
        rota=rota(d.district, own).pk,
        rota_north=rota(north, elsewhere).pk,
        package=package(own, matters["street_a"], d.housing).pk,
        package_other=package(other, matters["street_b"], d.street_b).pk,
        package_acc=package(own, matters["accusation"], d.discipline).pk,
        package_north=package(elsewhere, matters["north"], north).pk,
        notification=notification.pk,
        hearing=hearing.pk,
        hearing_doc=hearing_doc.pk,
        category=Category.objects.get(name="物业管理").pk,
        accusation_number=matters["accusation"].number,
        **casework,
        **disputes,
    )
    return ids


def dispute_objects(d: District, north: Any) -> dict[str, int | str]:
    """A dispute at 东风社区 (held by the village, a mediation under way) in its month's report, one
    at 北湖区, and a campaign of each district."""
    from xinfang.disputes import services as ds
    from xinfang.disputes.choices import DisputeLevel, DisputeSource, MediationKind, Risk

    officer, north_officer = d.users["officer"], d.users["north_officer"]

    def dispute(actor: Any, place: Any, level: str) -> Any:
        return ds.record_dispute(
            actor=actor,
            data=ds.DisputeInput(
                found_on=date(2026, 9, 10),
                source=DisputeSource.ROUTINE,
                place=place,
                parties=2,
                description="相邻两户因排水沟渠发生争执",
                risk=Risk.LOW,
                level=level,
            ),
        )

    village = dispute(officer, d.village_a, DisputeLevel.VILLAGE)
    mediation = ds.mediation_start(
        actor=officer,
        dispute=village,
        kind=MediationKind.PEOPLE,
        mediator="东风社区人民调解委员会",
        started_on=date(2026, 9, 11),
    )
    report = ds.report_submit(
        actor=officer, unit=d.village_a, month=date(2026, 9, 1), disputes=[village], on=TODAY
    )
    # a second one settled by 调解成功: its 调解协议书 (disputes:agreement)
    settled = dispute(officer, d.village_a, DisputeLevel.VILLAGE)
    done = ds.mediation_start(
        actor=officer,
        dispute=settled,
        kind=MediationKind.PEOPLE,
        mediator="东风社区人民调解委员会",
        started_on=date(2026, 9, 11),
        organisation=d.village_a,
    )
    ds.mediation_session_add(
        actor=officer,
        mediation=done,
        held_on=date(2026, 9, 12),
        parties_present=2,
        positions="同意协商",
    )
    ds.mediation_conclude(
        actor=officer,
        mediation=done,
        result="success",
        on=date(2026, 9, 12),
        agreement="疏通沟渠。",
    )

    def campaign(actor: Any, unit: Any) -> Any:
        return ds.campaign_create(
            actor=actor,
            name="国庆节前专项排查",
            unit=unit,
            starts_on=date(2026, 9, 1),
            ends_on=date(2026, 9, 30),
        )

    return {
        "dispute": village.pk,
        "dispute_north": dispute(north_officer, north, DisputeLevel.DISTRICT).pk,
        "mediation": mediation.pk,
        "agreement": done.pk,
        "report": report.pk,
        "campaign": campaign(officer, d.district).pk,
        "campaign_north": campaign(north_officer, north).pk,
    }


def casework_objects(d: District, matters: dict[str, Matter]) -> dict[str, int | str]:
    """A joint body led by the district, its 会办会 whose decision 交办 a new matter at 西湖街道 to
    西湖街道, and a batch handed down holding street_a and the accusation."""
    from xinfang.casework import services as cs
    from xinfang.casework.choices import BatchSource, BodyKind, MeetingKind

    officer = d.users["officer"]
    body = cs.body_create(actor=officer, name="联席会议", kind=BodyKind.JOINT, unit=d.district)
    meeting = cs.meeting_record(
        actor=officer, body=body, kind=MeetingKind.COORDINATION, held_on=date(2026, 9, 20)
    )
    assigned = register(d, locality=d.street_b, name="钱七", content="反映西湖街道征地补偿问题")
    cs.decision_make(
        actor=officer,
        meeting=meeting,
        text="限期办结",
        on=date(2026, 9, 21),
        assignments=[cs.DecisionAssignment(assigned, d.street_b, date(2026, 10, 31))],
    )
    batch = cs.batch_create(
        actor=officer,
        source=BatchSource.CITY,
        name="第一批",
        unit=d.district,
        handed_on=date(2026, 9, 1),
        deadline=date(2026, 12, 31),
        numbers=[matters["street_a"].number, matters["accusation"].number],
    )
    return {"body": body.pk, "meeting": meeting.pk, "batch": batch.pk}


# --- asking ------------------------------------------------------------------------------------


def refused(response: Any) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    if response.status_code in (301, 302, 303):
        where = urlsplit(response["Location"]).path
        return where.endswith("/login/") or where == "/portal/query/"
    return False


def passed(response: Any) -> bool:
    # a form or call the actor may make, sent empty here: 400 / 409 / 405 say it got through
    return not refused(response) and response.status_code < 500


def ask(
    case: Case,
    url: str,
    data: dict[str, Any],
    who: str,
    cookies: dict[str, str],
    keys: dict[str, str],
) -> Any:
    api = url.startswith(("/api/", "/open311/"))
    client = Client()
    if api and keys.get(who):
        if url.startswith("/api/"):
            client = Client(headers={"Authorization": f"Token {keys[who]}"})
        else:
            data["api_key"] = keys[who]
    elif not api and who in cookies:
        client.cookies[settings.SESSION_COOKIE_NAME] = cookies[who]
    with transaction.atomic():
        if case.method == "GET":
            response = client.get(url)
        elif url.startswith("/api/"):
            response = client.post(url, data or {}, content_type="application/json")
        else:
            response = client.post(url, data)
        transaction.set_rollback(True)
    return response


def test_the_matrix(district: District, attachment_dir: Any, capsys: Any) -> None:  # noqa: F811
    cache.clear()
    ids = objects(district)
    cookies: dict[str, str] = {}
    keys: dict[str, str] = {}
    for who in STAFF:
        client = Client()
        assert client.login(username=district.users[who].username, password=PASSWORD)
        cookies[who] = client.cookies[settings.SESSION_COOKIE_NAME].value
        if who != "admin":
            keys[who] = token_create(
                actor=district.users["admin"], user=district.users[who], name=who
            )[1]
    wrong: list[str] = []
    asked = 0

    for name, cases in EXPECTATIONS.items():
        for case in cases:
            url = case.url.format(**ids)
            data = {key: value.format(**ids) for key, value in case.data.items()}
            match = resolve(urlsplit(url).path)
            assert (
                match.view_name == name
                or re.sub(r"^admin:.*", "admin:index", match.view_name) == name
            ), (name, url)
            for who in WHO:
                response = ask(case, url, data, who, cookies, keys)
                asked += 1
                expected = who in case.allowed
                if expected and case.status is not None:
                    got = response.status_code == case.status
                else:
                    got = passed(response) if expected else refused(response)
                if not got or response.status_code >= 500:
                    wrong.append(
                        f"{case.method} {url} ({name}{', ' + case.note if case.note else ''}) as "
                        f"{who}: {response.status_code} {response.get('Location', '')}, expected "
                        f"{'through' if expected else 'refused'}"
                    )
    with capsys.disabled():
        print(
            f"\nmatrix: {len(EXPECTATIONS)} routes, {sum(map(len, EXPECTATIONS.values()))} cases, "
            f"{len(WHO)} actors: {asked} requests"
        )
    assert not wrong, "\n" + "\n".join(wrong)
    assert asked >= LOWER_BOUND
