"""Reading for Open311: our categories as services, their definitions, and the public view of the
service requests that came through Open311 (never an accusation, never personal data)."""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from xinfang.core.models import AuditEvent
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Category, Matter
from xinfang.open311.models import Open311Request
from xinfang.open311.render import Open311Error
from xinfang.organisation.models import OrgUnit, UnitKind
from xinfang.workflow.states import MatterStatus

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# the date of this endpoint's last change of behaviour (discovery's changeset, at the least)
CHANGESET = "2026-12-07T00:00:00+08:00"
MAX_RESULTS = 1000  # the spec's default volume: 90 days or 1000 requests
DESCRIPTION_MAX = 4000  # the spec's limit of `description`

# What may be asked online: 信访目的 of the online form. An accusation is registered like any
# other petition but is never shown by the GET methods.
PURPOSE_CHOICES = [
    (Purpose.SUGGESTION.value, "建议意见"),
    (Purpose.REQUEST.value, "申诉求决"),
    (Purpose.ACCUSATION.value, "检举控告"),
]

# open: someone still has to act; closed: answered or decided (a request for review reopens it).
CLOSED = frozenset(
    {
        MatterStatus.DECLINED,
        MatterStatus.LEGAL_CHANNEL,
        MatterStatus.REPLIED,
        MatterStatus.REVIEWED,
        MatterStatus.FINAL,
    }
)
# The plain state a member of the public reads (status_notes); not the staff's working labels.
PUBLIC_NOTES = {
    MatterStatus.REGISTERED: "已登记，待处理",
    MatterStatus.ASSIGNED: "办理中",
    MatterStatus.RETURNED: "办理中",
    MatterStatus.IN_HANDLING: "办理中",
    MatterStatus.DECLINED: "不予受理",
    MatterStatus.LEGAL_CHANNEL: "已告知通过法定途径解决",
    MatterStatus.REPLIED: "已答复",
    MatterStatus.UNDER_REVIEW: "复查中",
    MatterStatus.REVIEWED: "已复查",
    MatterStatus.UNDER_REREVIEW: "复核中",
    MatterStatus.FINAL: "已办结",
}
# the handling clock runs in these states (its last day is the expected date)
HANDLING = frozenset({MatterStatus.ASSIGNED, MatterStatus.IN_HANDLING})


def changeset() -> str:
    """When services or their definitions last changed: the endpoint's own date or the last
    audited change of a category or a unit (the definitions list the localities), the later."""
    last = AuditEvent.objects.filter(
        object_type__in=[Category._meta.label_lower, OrgUnit._meta.label_lower]
    ).aggregate(last=Max("at"))["last"]
    since = datetime.fromisoformat(CHANGESET)
    if last is None or last <= since:
        return CHANGESET
    return timezone.localtime(last).isoformat(timespec="seconds")


def w3(value: datetime | None) -> str | None:
    """The spec's date-time: ISO 8601 with the offset, in the bureau's time zone."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def service_code(category: Category) -> str:
    """A category's id: stable when it is renamed or moved, never reused (categories are
    deactivated, not deleted, once used)."""
    return str(category.pk)


def active_categories() -> list[Category]:
    return list(Category.objects.filter(active=True).select_related("parent"))


def category_for(code: str) -> Category:
    """The active category of a service_code, or the spec's 404 naming the code."""
    if not code:
        raise Open311Error(400, "缺少 service_code：请先用 services 接口取得服务代码")
    category = None
    if code.isascii() and code.isdigit() and len(code) < 12:  # not "²": int() refuses it
        category = Category.objects.filter(pk=int(code), active=True).first()
    if category is None:
        raise Open311Error(
            404, f"服务代码“{code[:40]}”不存在或已停用，请用 services 接口查看可用的服务"
        )
    return category


def service_of(category: Category) -> dict[str, Any]:
    group = category.parent.name if category.parent is not None else category.name
    return {
        "service_code": service_code(category),
        "service_name": category.name,
        "description": f"内容分类：{category.path}。提交后登记为网上信访事项。",
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(category.path.split("/")),
        "group": group,
    }


def localities() -> QuerySet[OrgUnit]:
    """Where a problem can be (问题属地): the active areas of the tree, not departments."""
    return OrgUnit.objects.filter(active=True).exclude(kind=UnitKind.DEPARTMENT).order_by("path")


def definition_of(category: Category) -> dict[str, Any]:
    return {
        "service_code": service_code(category),
        "attributes": [
            {
                "variable": True,
                "code": "purpose",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": "信访目的，填写选项的 key",
                "order": 1,
                "description": "信访目的：建议意见、申诉求决或检举控告。申诉求决需要书面答复，"
                "须填写姓名（last_name、first_name）和联系电话（phone）",
                "values": [{"key": key, "name": name} for key, name in PURPOSE_CHOICES],
            },
            {
                "variable": True,
                "code": "locality",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "问题属地的单位编码",
                "order": 2,
                "description": "问题发生在哪个区县、街道乡镇或村社区（不是信访人的住址）；"
                "不填时先登记在提交账号所属单位，由该单位的信访部门确定属地",
                "values": [{"key": unit.code, "name": unit.name} for unit in localities()],
            },
        ],
    }


# --- the public view of service requests -------------------------------------------------------


def public_requests() -> QuerySet[Open311Request]:
    """Requests that came through Open311, without any accusation (by the matter's purpose now
    or by what was submitted): those are never listed, named or counted to the public."""
    return (
        Open311Request.objects.filter(submission__registration__isnull=False)
        .exclude(submission__registration__matter__purpose=Purpose.ACCUSATION)
        .exclude(submission__registration__purpose=Purpose.ACCUSATION)
        .select_related(
            "submission__registration__matter__category",
            "submission__registration__matter__responsible_unit",
        )
    )


@dataclass(frozen=True)
class RequestQuery:
    ids: list[str]
    codes: list[str]
    start: datetime
    end: datetime
    statuses: list[str]


def requests_find(query: RequestQuery) -> list[Open311Request]:
    found = public_requests()
    if query.ids:  # the spec: service_request_id overrides every other argument
        found = found.filter(submission__registration__matter__number__in=query.ids)
    else:
        found = found.filter(
            submission__registration__received_at__gte=query.start,
            submission__registration__received_at__lte=query.end,
        )
        if query.codes:
            found = found.filter(submission__registration__matter__category_id__in=query.codes)
        if query.statuses and set(query.statuses) != {"open", "closed"}:
            closed = Q(submission__registration__matter__status__in=CLOSED)
            found = found.filter(closed if query.statuses == ["closed"] else ~closed)
    return list(found.order_by("-submission__registration__received_at", "-id")[:MAX_RESULTS])


def request_find(number: str) -> Open311Request:
    found = public_requests().filter(submission__registration__matter__number=number).first()
    if found is None:
        raise Open311Error(404, f"未找到编号为“{number[:64]}”的公开服务请求")
    return found


def token_find(token: str) -> Open311Request:
    found = public_requests().filter(token=token).first() if len(token) <= 32 else None
    if found is None:
        raise Open311Error(404, "该令牌不存在")
    return found


def _expected(matter: Matter) -> datetime | None:
    """The handling clock's last day (办理期限, or the approved extension), at its end."""
    if matter.status not in HANDLING or matter.replied_on is not None:
        return None
    last_day: date | None = matter.extended_to or matter.handling_deadline
    if last_day is None:
        return None
    return datetime.combine(last_day, time(23, 59, 59), tzinfo=timezone.get_current_timezone())


def public_record(request: Open311Request) -> dict[str, Any]:
    """What the public may read of one request: its state and dates, never the content, the
    address or anything about the person (the petition's text is theirs and the staff's)."""
    registration = request.submission.registration
    assert registration is not None
    matter = registration.matter
    category = matter.category
    return {
        "service_request_id": matter.number,
        "status": "closed" if matter.status in CLOSED else "open",
        "status_notes": PUBLIC_NOTES.get(MatterStatus(matter.status), ""),
        "service_name": category.name if category is not None else None,
        "service_code": service_code(category) if category is not None else None,
        "description": None,
        "agency_responsible": (
            matter.responsible_unit.name if matter.responsible_unit is not None else None
        ),
        "service_notice": None,
        "requested_datetime": w3(registration.received_at),
        "updated_datetime": w3(matter.updated_at),
        "expected_datetime": w3(_expected(matter)),
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }
