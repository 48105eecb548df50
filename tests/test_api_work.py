"""REST API v1 at work: registering (with Idempotency-Key), workflow steps with the version check,
documents, and the report equal to build_report's."""

from datetime import date, datetime
from typing import Any

import pytest

from tests.api_support import _fresh_throttle_counts, api_for, assert_error
from tests.conftest import TZ, District
from tests.test_documents_support import DAY, _default_templates, at_stage, issue
from tests.views_support import make_matters
from xinfang.analytics.counting import build_report
from xinfang.analytics.periods import Period
from xinfang.intake.choices import Source
from xinfang.intake.idcard import make_id_number
from xinfang.intake.models import Matter, Registration
from xinfang.workflow.states import MatterStatus

__all__ = ["_default_templates", "_fresh_throttle_counts"]

GOOD_ID = make_id_number("320101", date(1980, 1, 2), 77)


def arrival(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "visit",
        "received_at": "2026-03-02T09:30:00+08:00",
        "content": "反映小区供暖不达标",
        "category": "物业管理",
        "purpose": "request",
        "petitioner": {"name": "周九", "id_number": GOOD_ID, "phone": "13700001111"},
    }
    body.update(changes)
    return body


def test_registering_through_the_api(district: District) -> None:
    api = api_for(district, "registrar")
    status, body = api.post("/api/v1/registrations/", arrival(locality=district.street_a.code))
    assert status == 201, body
    registration = Registration.objects.get(pk=body["id"])
    assert registration.source == Source.API
    assert registration.registered_by == district.users["registrar"]
    assert registration.locality == district.street_a
    assert body["matter"]["id"] == registration.matter_id and body["is_first"] is True
    assert body["petitioner_phone"] == "137****1111"
    assert api.get(f"/api/v1/registrations/{registration.pk}/")[1]["number"] == body["number"]
    # joining the same person's matter as a repeat
    status, again = api.post("/api/v1/registrations/", arrival(matter=registration.matter_id))
    assert status == 201 and again["matter"]["id"] == registration.matter_id
    assert again["is_first"] is False and again["outcome"] == "joined"


def test_a_retry_with_the_same_key_returns_the_first_registration(district: District) -> None:
    api = api_for(district, "registrar")
    first = api.post("/api/v1/registrations/", arrival(), **{"Idempotency-Key": "abc-1"})
    again = api.post("/api/v1/registrations/", arrival(), **{"Idempotency-Key": "abc-1"})
    assert first[0] == 201 and again[0] == 200
    assert first[1] == again[1]
    assert Matter.objects.count() == 1
    status, body = api.post(
        "/api/v1/registrations/", arrival(content="别的内容"), **{"Idempotency-Key": "abc-1"}
    )
    assert status == 400 and "Idempotency-Key" in assert_error(body, "validation_error")["fields"]
    # the key is the account's own: another account's same key is another registration
    other = api_for(district, "officer")
    assert other.post("/api/v1/registrations/", arrival(), **{"Idempotency-Key": "abc-1"})[0] == 201
    assert Matter.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"content": ""}, "content", "不能为空"),
        ({"channel": "fax"}, "channel", "不是合法选项"),
        (
            {"petitioner": {"name": "周九", "id_number": "320101198001021234"}},
            "petitioner.id_number",
            "身份证",
        ),
        ({"petitioner": {"name": "", "phone": "13700001111"}}, "petitioner.name", "不能为空"),
        ({"received_at": "2999-01-01T00:00:00+08:00"}, "received_at", "不能晚于现在"),
        ({"received_at": "tomorrow"}, "received_at", "格式"),
        ({"people": 0}, "people", "1"),
        ({"form": "collective", "people": 1}, "people", "集体访"),
        ({"locality": "nowhere"}, "locality", "没有编码"),
        ({"category": "不存在的分类"}, "category", "没有名为"),
        ({"matter": 999999}, "matter", "原事项"),
        (
            {"people": 3, "form": "collective", "representatives": [{"name": "甲", "phone": "x!"}]},
            "representatives.0.phone",
            "电话",
        ),
    ],
)
def test_bad_input_is_told_per_field_in_chinese_and_nothing_is_written(
    district: District, changes: dict[str, Any], field: str, words: str
) -> None:
    api = api_for(district, "registrar")
    status, body = api.post("/api/v1/registrations/", arrival(**changes))
    assert status == 400, body
    error = assert_error(body, "validation_error")
    assert field in error["fields"], error
    assert words in "".join(error["fields"][field]), error
    assert not Registration.objects.exists()


def test_a_unit_outside_the_area_is_refused_like_on_the_web(district: District) -> None:
    # the registrar of 区 may not place a matter in another district
    from xinfang.organisation.models import UnitKind
    from xinfang.organisation.services import unit_create

    elsewhere = unit_create(
        code="320102", name="别区", kind=UnitKind.DISTRICT, parent=district.city
    )
    api = api_for(district, "registrar")
    status, body = api.post("/api/v1/registrations/", arrival(locality=elsewhere.code))
    assert status == 400 and "locality" in body["error"]["fields"]


def test_only_registering_roles_register(district: District) -> None:
    for who in ("street_a_staff", "leader"):
        status, body = api_for(district, who).post("/api/v1/registrations/", arrival())
        assert status == 403
        assert_error(body, "permission_denied")
    assert not Registration.objects.exists()


def test_steps_offered_and_taken_with_the_version(district: District) -> None:
    matter = at_stage(district, "registered")
    officer = api_for(district, "officer")
    status, offered = officer.get(f"/api/v1/matters/{matter.pk}/actions/")
    keys = {a["key"] for a in offered}
    assert {"accept", "assign", "decline"} <= keys
    assign = next(a for a in offered if a["key"] == "assign")
    unit = next(i for i in assign["inputs"] if i["name"] == "unit")
    assert [district.street_a.code, district.street_a.name] in unit["choices"]
    url = f"/api/v1/matters/{matter.pk}/actions/assign/"
    status, body = officer.post(
        url, {"version": matter.version, "unit": district.street_a.code, "on": DAY.isoformat()}
    )
    assert status == 200, body
    assert body["status"] == MatterStatus.ASSIGNED and body["version"] == matter.version + 1
    assert body["assignments"][0]["unit"]["code"] == district.street_a.code
    # the same form again with the version read before: someone else moved it first
    status, body = officer.post(
        f"/api/v1/matters/{matter.pk}/actions/accept/",
        {"version": matter.version, "on": DAY.isoformat()},
    )
    assert status == 409, body
    error = assert_error(body, "conflict")
    assert f"「{MatterStatus.ASSIGNED.label}」" in error["message"]
    # the unit signs for it: its own step, through its own token
    unit_api = api_for(district, "street_a_staff")
    assert "receive" in {a["key"] for a in unit_api.get(f"/api/v1/matters/{matter.pk}/actions/")[1]}
    status, body = unit_api.post(
        f"/api/v1/matters/{matter.pk}/actions/receive/",
        {"version": matter.version + 1, "on": DAY.isoformat()},
    )
    assert status == 200, body


def test_step_refusals_in_the_format(district: District) -> None:
    matter = at_stage(district, "registered")
    base = f"/api/v1/matters/{matter.pk}/actions/"
    leader = api_for(district, "leader")
    status, body = leader.post(base + "accept/", {"version": matter.version})
    assert status == 403 and "不是您的岗位" in assert_error(body, "permission_denied")["message"]
    officer = api_for(district, "officer")
    status, body = officer.post(base + "no-such-step/", {"version": 1})
    assert status == 404
    assert_error(body, "not_found")
    status, body = officer.post(base + "decline/", {"version": matter.version})
    assert status == 400 and "reason" in assert_error(body, "validation_error")["fields"]
    status, body = officer.post(base + "accept/", {})
    assert status == 400 and "version" in assert_error(body, "validation_error")["fields"]
    status, body = officer.post(base + "assign/", {"version": matter.version, "unit": "nowhere"})
    assert status == 400 and "unit" in body["error"]["fields"]
    status, body = officer.post(base + "accept/", {"version": matter.version, "on": "2999-01-01"})
    assert status == 400 and "on" in body["error"]["fields"]
    assert Matter.objects.get(pk=matter.pk).status == MatterStatus.REGISTERED


def test_documents_of_a_visible_matter(district: District) -> None:
    matter = at_stage(district, "accepted")
    document = issue(district, "officer", matter, "accept")
    api = api_for(district, "officer")
    listed = api.get(f"/api/v1/matters/{matter.pk}/documents/")[1]
    assert [d["number"] for d in listed] == [document.number]
    status, body = api.get(f"/api/v1/documents/{document.pk}/")
    assert status == 200 and body["title"] == document.title and body["body"] == document.body
    response = api.client.get(f"/api/v1/documents/{document.pk}/docx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"
    outsider = api_for(district, "street_b_staff")
    for url in (f"/api/v1/documents/{document.pk}/", f"/api/v1/documents/{document.pk}/docx"):
        status, body = outsider.get(url)
        assert status == 404
        assert_error(body, "not_found")


def test_the_report_is_build_reports_own_and_hides_accusations_from_leaders(
    district: District,
) -> None:
    make_matters(district)
    period = Period(date(2026, 3, 1), date(2026, 3, 31))
    params = {"start": "2026-03-01", "end": "2026-03-31", "org": district.district.code}
    officer = api_for(district, "officer")
    status, body = officer.get("/api/v1/reports/", **params)
    assert status == 200, body
    assert body == _json(build_report(org=district.district, period=period))
    leader = api_for(district, "leader")
    status, body = leader.get("/api/v1/reports/", **params, compare="pop")
    expected = build_report(
        org=district.district, period=period, comparison="pop", hide_accusations=True
    )
    assert body == _json(expected)
    assert body != _json(build_report(org=district.district, period=period, comparison="pop"))
    status, body = api_for(district, "housing_staff").get("/api/v1/reports/", **params)
    assert status == 403
    assert_error(body, "permission_denied")
    status, body = officer.get("/api/v1/reports/", start="2026-13-01", end="2026-03-31")
    assert status == 400 and "start" in assert_error(body, "validation_error")["fields"]
    status, body = officer.get("/api/v1/reports/", start="2026-03-31", end="2026-03-01")
    assert status == 400
    assert_error(body, "validation_error")
    status, body = officer.get("/api/v1/reports/", org="9999")
    assert status == 400 and "org" in body["error"]["fields"]


def _json(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))


def test_registered_at_is_kept_to_the_second(district: District) -> None:
    api = api_for(district, "registrar")
    status, body = api.post("/api/v1/registrations/", arrival(received_at="2026-03-02T01:02:03Z"))
    assert status == 201
    stored = Registration.objects.get(pk=body["id"]).received_at
    assert stored == datetime(2026, 3, 2, 9, 2, 3, tzinfo=TZ)
