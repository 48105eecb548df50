"""The GeoReport v2 methods. Plain views: each parses its arguments, asks the selectors or the
service, and answers in the format of its suffix (.json or .xml); every refusal is the spec's
error list with a Chinese description. GET methods are public (the spec's), POST needs api_key."""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from xinfang.api.auth import token_for_key, token_touch
from xinfang.api.models import ApiToken
from xinfang.api.throttling import TokenRateThrottle
from xinfang.core.spreadsheets import UNSAFE_CHARS, unsafe_char, unsafe_char_message
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Category
from xinfang.open311 import selectors
from xinfang.open311.render import FORMATS, Open311Error, error_response, respond
from xinfang.open311.services import PARAMETERS, RequestInput, open311_request_create
from xinfang.organisation.models import OrgUnit
from xinfang.portal.services import CONTENT_MIN, PetitionInput, display_code, petition_problems

SPAN = timedelta(days=90)  # the spec's longest (and default) date range
MAX_IDS = 1000
# dates a query may name: far enough for any real question, and ±90 days never leave the calendar
FIRST_YEAR, LAST_YEAR = 1900, 2999
ATTRIBUTES = ("purpose", "locality")
View = Callable[..., HttpResponse]


def open311(*methods: str) -> Callable[[View], View]:
    """Checks the format suffix and the method, and turns an Open311Error into the error list."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            fmt = fmt.lower()
            if fmt not in FORMATS:
                return error_response(
                    "xml", 400, f"不支持的格式“{fmt[:20]}”：请在地址末尾使用 .json 或 .xml"
                )
            if request.method not in methods and not (
                request.method == "HEAD" and "GET" in methods
            ):
                response = error_response(
                    fmt, 405, f"该地址不接受 {request.method} 请求，只接受 {'、'.join(methods)}"
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _refuse_unsafe(request, kwargs)
                return view(request, fmt, **kwargs)
            except RequestDataTooBig:
                limit = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) / 1024 / 1024
                return error_response(fmt, 413, f"请求正文过大：上限为{limit:.1f}MB")
            except SuspiciousOperation:  # too many fields, a malformed body: Django refused it
                return error_response(fmt, 400, "请求不合规范（例如参数过多），未处理")
            except Open311Error as exc:
                response = error_response(fmt, exc.http_status, *exc.descriptions)
                if exc.retry_after is not None:
                    response["Retry-After"] = str(exc.retry_after)
                return response

        return wrapper

    return decorate


def _refuse_unsafe(request: HttpRequest, kwargs: dict[str, Any]) -> None:
    """A control, bidi or zero-width character anywhere a value is read from (NUL included:
    PostgreSQL cannot even compare one): refused before any look-up, by the forms' one rule
    (core/spreadsheets.UNSAFE_CHARS), each parameter named."""
    path_names = {"number": "service_request_id", "code": "service_code", "token": "token"}
    named = [(path_names.get(name, name), str(value)) for name, value in kwargs.items()]
    named += [(name, value) for name, values in request.GET.lists() for value in [name, *values]]
    if request.method == "POST":
        named += [
            (name, value) for name, values in request.POST.lists() for value in [name, *values]
        ]
        named.append(("Idempotency-Key", request.headers.get("Idempotency-Key", "")))
    found: dict[str, str] = {}
    for name, value in named:
        ch = unsafe_char(value)
        if ch is not None:
            found.setdefault(UNSAFE_CHARS.sub("", name)[:60] or "参数名", ch)
    if found:
        raise Open311Error(
            400,
            *(
                f"{name} {unsafe_char_message(ch, then='重新提交')}"
                for name, ch in sorted(found.items())
            ),
        )


@open311("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    here = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    changeset = selectors.changeset()
    body = {
        "changeset": changeset,
        "contact": "信访局信息化管理员",
        "key_service": "提交服务请求需要 api_key：请向信访局系统管理员申请接口令牌",
        "endpoints": [
            {
                "specification": selectors.SPECIFICATION,
                "url": here.rsplit("/", 1)[0],
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", body)


@open311("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    services = [selectors.service_of(category) for category in selectors.active_categories()]
    return respond(fmt, "services", services)


@open311("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = selectors.category_for(code)
    return respond(fmt, "service_definition", selectors.definition_of(category))


@csrf_exempt  # a machine posts with its api_key; no cookie and no session is read here
@open311("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    query = _request_query(request)
    found = selectors.requests_find(query)
    return respond(fmt, "service_requests", [selectors.public_record(item) for item in found])


@open311("GET")
def request_detail(request: HttpRequest, fmt: str, number: str) -> HttpResponse:
    found = selectors.request_find(number)
    return respond(fmt, "service_requests", [selectors.public_record(found)])


@open311("GET")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    found = selectors.token_find(token)
    number = selectors.public_record(found)["service_request_id"]
    return respond(fmt, "service_requests", [{"service_request_id": number, "token": found.token}])


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /open311/v2/: the spec's 404, in JSON when .json was asked."""
    return error_response(
        "json" if rest.lower().endswith(".json") else "xml",
        404,
        "没有这个 Open311 地址。可用的有：discovery、services、services/服务代码、requests、"
        "requests/事项编号、tokens/令牌，末尾加 .json 或 .xml",
    )


# --- POST requests -----------------------------------------------------------------------------


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise Open311Error(
            400, "请以 application/x-www-form-urlencoded 表单格式提交（GeoReport v2 规定的格式）"
        )
    form = request.POST
    if "api_key" in request.GET:
        raise Open311Error(
            400,
            "api_key 须放在表单正文中提交，不能放在网址里（网址会写入访问日志）；"
            "如已这样发送过，请联系信访局吊销并重新签发该令牌",
        )
    raw_key = (form.get("api_key") or "").strip()
    if not raw_key:
        raise Open311Error(403, "缺少 api_key：提交服务请求须提供信访局签发的接口令牌")
    api_token = token_for_key(raw_key)
    if api_token is None:
        raise Open311Error(403, "api_key 无效、已吊销或其账号已停用，不能提交服务请求")
    token_touch(api_token)
    _throttle(request, api_token)
    idempotency_key = request.headers.get("Idempotency-Key", "").strip()
    data, category, locality = _request_input(form, api_token, idempotency_key)
    created = open311_request_create(
        actor=api_token.user,
        api_token=api_token,
        category=category,
        locality=locality,
        data=data,
        idempotency_key=idempotency_key,
    )
    registration = created.request.submission.registration
    assert registration is not None
    number = registration.matter.number
    # The spec: service_request_id, or a token when the id is not known yet. Ours is known at
    # once, so no token is given (GET tokens/ still answers for one given before).
    body = [
        {
            "service_request_id": number,
            "service_notice": _notice(number, created.query_code, created.secret, data.purpose),
            "account_id": None,
        }
    ]
    response = respond(fmt, "service_requests", body, status=201 if created.created else 200)
    response["Cache-Control"] = "no-store"  # the notice carries the petitioner's query secret
    return response


class _TokenWrites(TokenRateThrottle):
    """The API's write rate of this token, one budget for its REST and its Open311 POSTs."""

    def __init__(self, token: ApiToken) -> None:
        self.token = token
        super().__init__()

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return f"api-throttle:{self.scope}:token:{self.token.pk}"


def _throttle(request: HttpRequest, token: ApiToken) -> None:
    throttle = _TokenWrites(token)
    if not throttle.allow_request(request, None):
        wait = max(1, int(throttle.wait() or 1))
        raise Open311Error(429, f"提交过于频繁，请{wait}秒后再试", retry_after=wait)


def _request_input(
    form: Any, api_token: ApiToken, idempotency_key: str
) -> tuple[RequestInput, Category, OrgUnit]:
    """The posted fields, or one 400 listing every problem found (the spec's list allows it): a
    client fixes its request once, not once per problem. An unknown service_code alone is the
    spec's 404."""
    problems: list[str] = []
    if len(idempotency_key) > 128:
        problems.append("Idempotency-Key 不能超过128个字符")
    category: Category | None = None
    unknown_service: Open311Error | None = None
    try:
        category = selectors.category_for((form.get("service_code") or "").strip())
    except Open311Error as exc:
        problems.extend(exc.descriptions)
        unknown_service = exc
    unknown = sorted(
        key
        for key in form
        if key.startswith("attribute[") and key.split("[", 2)[1].rstrip("]") not in ATTRIBUTES
    )
    for key in unknown:
        problems.append(
            f"未知的属性 {key[:60]}：该服务只有 attribute[purpose] 和 attribute[locality]"
        )
    purpose = (form.get("attribute[purpose]") or "").strip()
    if not purpose:
        problems.append(
            "缺少必填属性 attribute[purpose]（信访目的）：suggestion、request 或 accusation"
        )
    elif purpose not in Purpose.values:
        problems.append(
            f"attribute[purpose] 的值“{purpose[:20]}”不正确：应为 suggestion（建议意见）、"
            "request（申诉求决）或 accusation（检举控告）"
        )
    locality_code = (form.get("attribute[locality]") or "").strip()
    locality = None
    if locality_code:
        locality = selectors.localities().filter(code=locality_code).first()
        if locality is None:
            problems.append(
                f"attribute[locality] 的值“{locality_code[:40]}”不是可选的问题属地编码，"
                "请用 services/服务代码 接口查看可选值"
            )
    description = (form.get("description") or "").strip()
    if not description:
        problems.append("缺少 description：请填写反映的问题和诉求")
    elif len(description) < CONTENT_MIN:
        problems.append(
            f"description 太短（{len(description)}字）：请至少写{CONTENT_MIN}个字，说明事实和诉求"
        )
    elif len(description) > selectors.DESCRIPTION_MAX:
        problems.append(
            f"description 为{len(description)}字，超过{selectors.DESCRIPTION_MAX}字上限"
            "（GeoReport v2 的规定）"
        )
    address = (form.get("address_string") or "").strip()
    if len(address) > 255:
        problems.append("address_string 不能超过255个字符")
    media_url = (form.get("media_url") or "").strip()
    if media_url and (
        not media_url.lower().startswith(("http://", "https://")) or len(media_url) > 500
    ):
        problems.append("media_url 应为以 http:// 或 https:// 开头、不超过500个字符的网址")
    # Chinese order: family name, then given name
    name = (form.get("last_name") or "").strip() + (form.get("first_name") or "").strip()
    phone = (form.get("phone") or "").strip()
    # what the portal's form would refuse too (a name and a phone for a 申诉求决 ...)
    named = " ".join(problems)
    for problem in petition_problems(
        PetitionInput(purpose=purpose, content=description, name=name, phone=phone)
    ):
        where = PARAMETERS.get(problem.field or "", "")
        if where and where not in named:
            problems.append(f"{where}：{problem.message}")
    # Without attribute[locality] the request is the filing account's unit's to place, as a
    # desk's registration is (intake.services): the account sees it and its bureau sorts it out.
    place = locality or api_token.user.org_unit
    if place is None:
        problems.append("该 api_key 所属账号没有所属单位，请填写 attribute[locality] 或联系管理员")
    if unknown_service is not None and len(problems) == 1:
        raise unknown_service  # alone, an unknown service is the spec's 404
    if problems or category is None or place is None:
        raise Open311Error(400, *problems)
    data = RequestInput(
        service_code=selectors.service_code(category),
        purpose=purpose,
        description=description,
        locality_code=locality_code,
        name=name,
        phone=phone,
        address_string=address,
        media_url=media_url,
    )
    return data, category, place


def _notice(number: str, code: str, secret: str, purpose: str) -> str:
    notice = (
        f"已登记为网上信访事项，编号{number}。请转告信访人：凭查询码{display_code(code)}和"
        f"查询密码{secret}可在网上信访平台查询办理进度、查看答复和评价，请妥善保管。"
    )
    if purpose == Purpose.ACCUSATION:
        notice += "检举控告事项不在公开接口中显示，只能凭查询码和查询密码查询。"
    return notice


# --- GET requests --------------------------------------------------------------------------------


def _values(request: HttpRequest, name: str) -> list[str]:
    """A comma-separated argument that may also be given several times."""
    return [
        part.strip()
        for value in request.GET.getlist(name)
        for part in value.split(",")
        if part.strip()
    ]


def _request_query(request: HttpRequest) -> selectors.RequestQuery:
    ids = _values(request, "service_request_id")
    if len(ids) > MAX_IDS:
        raise Open311Error(400, f"service_request_id 一次最多{MAX_IDS}个")
    codes = _values(request, "service_code")
    for code in codes:
        if (
            not (code.isascii() and code.isdigit())  # "²".isdigit() too, but int("²") fails
            or len(code) > 12
            or not Category.objects.filter(pk=int(code)).exists()
        ):
            raise Open311Error(
                400, f"service_code“{code[:40]}”不存在，请用 services 接口查看服务代码"
            )
    statuses = _values(request, "status")
    for status in statuses:
        if status not in ("open", "closed"):
            raise Open311Error(400, f"status 的值“{status[:20]}”不正确：应为 open 或 closed")
    start = _when(request, "start_date")
    end = _when(request, "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - SPAN
    if end is None:
        end = start + SPAN
    if start > end:
        raise Open311Error(400, "start_date 不能晚于 end_date")
    if end - start > SPAN:
        raise Open311Error(400, "start_date 与 end_date 相隔不能超过90天（GeoReport v2 的规定）")
    return selectors.RequestQuery(
        ids=ids, codes=codes, start=start, end=end, statuses=sorted(set(statuses))
    )


def _when(request: HttpRequest, name: str) -> datetime | None:
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return None
    wrong = Open311Error(
        400, f"{name} 的格式不正确：应为 W3C 日期时间，如 2026-01-01T00:00:00+08:00 或 2026-01-01"
    )
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            if day is None:
                raise wrong
            moment = datetime.combine(day, datetime.min.time())
    except ValueError as exc:
        raise wrong from exc
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise Open311Error(400, f"{name} 的日期超出范围：应在{FIRST_YEAR}年至{LAST_YEAR}年之间")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
