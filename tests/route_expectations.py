"""Who may open each route, on which object: the one table the matrix test (test_trust_matrix.py)
holds every route of the URL configuration against. A route missing here fails that test.

Written out by hand from the rules (README, core/permissions.py), never computed from the code
under test. Each entry is a route's name (`namespace:name`) and its cases: an address (with
`{placeholders}` for the fixture's objects), the method, and the actors that get through; every
other actor must be refused (401, 403, 404, a redirect to a login or to the portal's query page).

The actors: the district's users (conftest.district), `north_officer` (经办人 of another district,
北湖区), `other_leader` (a second 领导 login of the district) and `anonymous`. The API and Open311
are called with each actor's API token instead of a login (the admin has none: tokens are not
issued to 管理员).

The objects (test_trust_matrix.objects): matters `street_a` (东风社区), `street_b`,
`housing` (西湖街道, 责任单位 区住建局), `unplaced`, `accusation` (accuses 东风街道; sent to
区纪委监委), `north` (北湖区); `person_a` (the petitioner of street_a) and `person_acc`;
`attachment` (on street_a);
documents `doc_a` (受理告知书 of street_a) and `doc_acc` (of the accusation); sessions `session`
(领导 sits, published, with `booking`), `session_other` (other_leader sits), `session_north`;
rotas `rota`, `rota_north`; packages `package` (领导's, 责任单位 区住建局, on street_a),
`package_other` (other_leader's, 责任单位 西湖街道, on street_b), `package_acc` (领导's, on the
accusation, 责任单位 区纪委监委), `package_north`; `notification` (the officer's); `hearing` (a held
听证 on street_a, recorded by the officer) and `hearing_doc` (its 听证报告); casework `body`
(示范区's 联席会议), its `meeting` (a 会办会 whose decision 交办 a new matter of 西湖街道 to
西湖街道) and `batch` (市第一批, holding street_a and the accusation); disputes `dispute`
(东风社区, held by the village, with `mediation` under way, in `report`: 东风社区's month), a
second one settled by `agreement` (a mediation concluded 调解成功) and
`dispute_north`; campaigns `campaign` (示范区's) and `campaign_north`.
"""

from dataclasses import dataclass, field

STAFF = (
    "registrar",
    "officer",
    "leader",
    "supervisor",
    "admin",
    "street_a_staff",
    "street_b_staff",
    "housing_staff",
    "discipline_staff",
    "north_officer",
    "other_leader",
)
WHO = (*STAFF, "anonymous")


def _set(*names: str) -> frozenset[str]:
    return frozenset(names)


EVERYONE = frozenset(WHO)
NOBODY: frozenset[str] = frozenset()
LOGGED_IN = frozenset(STAFF)
UNIT_STAFF = _set("street_a_staff", "street_b_staff", "housing_staff", "discipline_staff")
INTAKE = _set("registrar", "officer", "north_officer")
LEADERS = _set("leader", "other_leader")
BUREAU = INTAKE | LEADERS | {"supervisor"}
NOT_ADMIN = LOGGED_IN - {"admin"}
# 统计分析 and the leader work figures: the bureau, never a handling unit (they include accusations)
STATISTICS = BUREAU
LEADER_WORK = BUREAU
OWN_STATISTICS = STATISTICS - {"north_officer"}  # of the district (320101)
NORTH = _set("north_officer")  # of 北湖区 (320102)
PERIOD_2026 = "start=2026-01-01&end=2026-12-31"
# 会办交办 (casework): the bureau and the handling units; of the district's own objects
CASEWORK = BUREAU | UNIT_STAFF
OWN_CASEWORK = BUREAU - {"north_officer"}
# 矛盾纠纷: who may see disputes at all, who records them; the dispute at 东风社区 (the
# village holds it): seen by the district's readers and 东风街道, acted on by 经办人 and 东风街道
DISPUTES = _set("officer", "north_officer", "supervisor", *LEADERS) | UNIT_STAFF
DISPUTE_RECORDERS = _set("officer", "north_officer") | UNIT_STAFF
SEES_DISPUTE = _set("officer", "supervisor", *LEADERS, "street_a_staff")
HOLDS_DISPUTE = _set("officer", "street_a_staff")

# Who sees which matter (as in tests/views_support.VISIBLE, with the two extra actors)
SEES = {
    "street_a": _set("registrar", "officer", "leader", "other_leader", "supervisor")
    | {"street_a_staff"},
    "street_b": _set("registrar", "officer", *LEADERS, "supervisor", "street_b_staff"),
    "housing": _set(
        "registrar", "officer", *LEADERS, "supervisor", "street_b_staff", "housing_staff"
    ),
    "unplaced": _set("registrar", "officer", *LEADERS, "supervisor"),
    # 检举控告: the bureau's intake and the discipline organ it is sent to; never 领导, 督查 or
    # the accused unit (东风街道)
    "accusation": _set("registrar", "officer", "discipline_staff"),
    "north": _set("north_officer"),
}
# who may reveal an ID number or phone: 登记员, 经办人, the handling unit — of a matter they see
REVEALS = _set("registrar", "officer", "north_officer") | UNIT_STAFF


def reveals(matter: str) -> frozenset[str]:
    return SEES[matter] & REVEALS


@dataclass(frozen=True)
class Case:
    url: str
    allowed: frozenset[str]
    method: str = "GET"
    data: dict[str, str] = field(default_factory=dict)
    note: str = ""
    # the one status the allowed get, where theirs looks like a refusal (logout sends to login)
    status: int | None = None


def get(url: str, allowed: frozenset[str], note: str = "") -> Case:
    return Case(url, allowed, "GET", note=note)


def post(url: str, allowed: frozenset[str], note: str = "", **data: str) -> Case:
    return Case(url, allowed, "POST", data=dict(data), note=note)


def both(url: str, allowed: frozenset[str], note: str = "") -> tuple[Case, Case]:
    return get(url, allowed, note), post(url, allowed, note)


PORTAL_PUBLIC = EVERYONE
OPEN311_REQUEST = {
    "service_code": "{category}",
    "attribute[purpose]": "suggestion",
    "description": "建议在东风社区增设公交站点，方便老人出行",
}
API = frozenset(STAFF) - {"admin"}  # a token for every account but 管理员

EXPECTATIONS: dict[str, tuple[Case, ...]] = {
    # --- the site ------------------------------------------------------------------------------
    "home": (get("/", LOGGED_IN),),
    "login": (get("/login/", EVERYONE),),
    "logout": (Case("/logout/", EVERYONE, "POST", status=302),),
    "healthz": (get("/healthz", EVERYONE),),
    "favicon": (get("/favicon.ico", EVERYONE),),
    "accounts:password": both("/account/password/", LOGGED_IN),
    # two-factor sign-in: a login already confirmed (or a role not asked) is sent on to the page
    # it came for; the real flow is tested in test_trust_two_factor.py
    "accounts:two_factor": both("/account/two-factor/", LOGGED_IN),
    "accounts:two_factor_enrol": both("/account/two-factor/enrol/", LOGGED_IN),
    "admin:index": (get("/manage/", _set("admin")),),
    # --- intake --------------------------------------------------------------------------------
    "intake:register": both("/intake/register/", INTAKE),
    "intake:person_lookup": (post("/intake/register/lookup/", INTAKE, petitioner_name="王小明"),),
    "intake:suggestions": (
        post("/intake/register/suggestions/", INTAKE, content="小区物业乱收费"),
    ),
    # 相似事项 at the desk: those who register (each sees only the matters they may see)
    "intake:similar_lookup": (post("/intake/register/similar/", INTAKE, content="物业管理问题"),),
    "intake:matter_list": both("/intake/matters/", NOT_ADMIN),
    "intake:matter_detail": tuple(
        get(f"/intake/matters/{{{m}}}/", SEES[m], m)
        for m in ("street_a", "housing", "unplaced", "accusation", "north")
    ),
    "intake:reveal": (
        post("/intake/matters/{street_a}/people/{person_a}/reveal/", reveals("street_a")),
        post("/intake/matters/{accusation}/people/{person_acc}/reveal/", reveals("accusation")),
        # a person shown through a matter that is not theirs: nobody
        post("/intake/matters/{street_b}/people/{person_a}/reveal/", NOBODY, "wrong matter"),
    ),
    "intake:petitioner_detail": (
        get("/intake/people/{person_a}/", SEES["street_a"] - UNIT_STAFF),
        get("/intake/people/{person_acc}/", SEES["accusation"] - UNIT_STAFF),
    ),
    "intake:attachment_download": (get("/intake/attachments/{attachment}/", SEES["street_a"]),),
    # --- workflow ------------------------------------------------------------------------------
    "workflow:queues": (get("/workflow/queues/", NOT_ADMIN),),
    "workflow:matter_action": (
        # 督查 may raise supervision, but not on a 检举控告 it may not see
        get("/workflow/matters/{accusation}/act/supervision_raise/", _set("officer")),
        get("/workflow/matters/{north}/act/accept/", _set("north_officer")),
        get("/workflow/matters/{street_b}/act/instruction_add/", LEADERS),
        get("/workflow/matters/{street_b}/act/supervision_raise/", _set("officer", "supervisor")),
        post("/workflow/matters/{street_b}/act/accept/", _set("officer")),
        post("/workflow/matters/{accusation}/act/instruction_add/", NOBODY, "leader, accusation"),
        get("/workflow/matters/{street_b}/act/no-such-step/", NOBODY),
    ),
    # --- documents -----------------------------------------------------------------------------
    "documents:print": (
        get("/documents/{doc_a}/", SEES["street_a"]),
        get("/documents/{doc_acc}/", SEES["accusation"]),
    ),
    "documents:docx": (
        get("/documents/{doc_a}/docx", SEES["street_a"]),
        get("/documents/{doc_acc}/docx", SEES["accusation"]),
    ),
    "documents:issue": (
        post("/documents/matters/{street_a}/issue/accept/", _set("officer")),
        post("/documents/matters/{accusation}/issue/accept/", _set("officer")),
        post("/documents/matters/{north}/issue/accept/", _set("north_officer")),
    ),
    # --- notifications -------------------------------------------------------------------------
    "notifications:list": (get("/notifications/", LOGGED_IN),),
    "notifications:read": (post("/notifications/{notification}/read/", _set("officer")),),
    "notifications:read_all": (post("/notifications/read-all/", LOGGED_IN),),
    # --- analytics -----------------------------------------------------------------------------
    "analytics:dashboard": (get("/analytics/", STATISTICS),),
    "analytics:export": (get("/analytics/export.xlsx?table=cards", STATISTICS),),
    "analytics:briefing": (get("/analytics/briefing/", STATISTICS),),
    "analytics:briefing_docx": (get("/analytics/briefing/briefing.docx", STATISTICS),),
    "analytics:rate_matters": (
        get(f"/analytics/figures/rates/?org=320101&{PERIOD_2026}&rate=completion", OWN_STATISTICS),
        get(f"/analytics/figures/rates/?org=320102&{PERIOD_2026}&rate=settled", NORTH),
    ),
    "leader_figures:sessions": (
        get(
            "/leaders/figures/sessions/?org=320101&start=2026-01-01&end=2026-12-31", OWN_STATISTICS
        ),
        get("/leaders/figures/sessions/?org=320102&start=2026-01-01&end=2026-12-31", NORTH),
    ),
    "leader_figures:receptions": (
        get(
            "/leaders/figures/receptions/?org=320101&start=2026-01-01&end=2026-12-31",
            OWN_STATISTICS,
        ),
        get("/leaders/figures/receptions/?org=320102&start=2026-01-01&end=2026-12-31", NORTH),
    ),
    "leader_figures:packages": (
        get(
            "/leaders/figures/packages/?org=320101&start=2026-01-01&end=2026-12-31", OWN_STATISTICS
        ),
        get("/leaders/figures/packages/?org=320102&start=2026-01-01&end=2026-12-31", NORTH),
    ),
    # the lists behind the prevention figures: the statistics' readers; disputes also ask to see
    # disputes (not 登记员); a batch only of the node it was handed down to
    **{
        f"prevention_figures:{name}": (
            get(f"/prevention/figures/{name}/?org=320101&{PERIOD_2026}{extra}", OWN_STATISTICS),
            get(f"/prevention/figures/{name}/?org=320102&{PERIOD_2026}{extra}", NORTH),
        )
        for name, extra in (("hearings", "&stage=review"), ("meetings", ""), ("assigned", ""))
    },
    "prevention_figures:batch": (
        get(f"/prevention/figures/batch/?org=320101&{PERIOD_2026}&batch={{batch}}", OWN_STATISTICS),
        get(f"/prevention/figures/batch/?org=320102&{PERIOD_2026}&batch={{batch}}", NOBODY),
    ),
    "prevention_figures:disputes": (
        get(
            f"/prevention/figures/disputes/?org=320101&{PERIOD_2026}&figure=found",
            _set("officer", "supervisor", *LEADERS),
        ),
        get(f"/prevention/figures/disputes/?org=320102&{PERIOD_2026}", NORTH),
    ),
    # --- leader work ---------------------------------------------------------------------------
    "leaders:sessions": (get("/leaders/sessions/", LEADER_WORK),),
    "leaders:session": (
        get("/leaders/sessions/{session}/", _set("registrar", "officer", "supervisor", "leader")),
        get(
            "/leaders/sessions/{session_other}/",
            _set("registrar", "officer", "supervisor", "other_leader"),
        ),
        get("/leaders/sessions/{session_north}/", _set("north_officer")),
    ),
    "leaders:session_publish": (
        post("/leaders/sessions/{session_other}/publish/", _set("officer")),
        post("/leaders/sessions/{session_north}/publish/", _set("north_officer")),
    ),
    "leaders:session_cancel": (
        post("/leaders/sessions/{session}/cancel/", _set("officer")),
        post("/leaders/sessions/{session_north}/cancel/", _set("north_officer")),
    ),
    "leaders:booking_reveal": (
        post(
            "/leaders/sessions/{session}/bookings/{booking}/reveal/", _set("registrar", "officer")
        ),
        post("/leaders/sessions/{session_other}/bookings/{booking}/reveal/", NOBODY, "wrong"),
    ),
    "leaders:rota_generate": (
        post("/leaders/rotas/{rota}/generate/", _set("officer")),
        post("/leaders/rotas/{rota_north}/generate/", _set("north_officer")),
    ),
    "leaders:packages": (get("/leaders/packages/", LEADER_WORK | UNIT_STAFF),),
    "leaders:package_new": (
        get("/leaders/packages/new/?matter={street_b}", _set("officer") | LEADERS),
        get("/leaders/packages/new/?matter={accusation}", _set("officer")),
        get("/leaders/packages/new/?matter={north}", _set("north_officer")),
    ),
    # 听证: everyone who sees the matter reads its hearings and their documents; holding one
    # (recording, steps, documents) is the bureau's 经办人 (street_a is the bureau's own, 受理)
    "hearings:new": (post("/hearings/matters/{street_a}/new/", _set("officer")),),
    "hearings:detail": (get("/hearings/{hearing}/", SEES["street_a"]),),
    "hearings:step": (post("/hearings/{hearing}/notice/", _set("officer")),),
    "hearings:print": (get("/hearings/documents/{hearing_doc}/", SEES["street_a"]),),
    "hearings:docx": (get("/hearings/documents/{hearing_doc}/docx", SEES["street_a"]),),
    # 联席会议 / 会办会 and 交办积案: read by the bureau of the area and by the units they concern
    # (a meeting that 交办 a matter to them, a batch holding a matter they see); planned (bodies,
    # meetings, decisions, batches, 审核) by 经办人; 化解 by those the workflow lets record it
    "casework:meetings": (get("/casework/", CASEWORK),),
    "casework:meeting": (
        get("/casework/meetings/{meeting}/", OWN_CASEWORK | {"street_b_staff"}),
        post("/casework/meetings/{meeting}/", _set("officer"), "a decision"),
    ),
    "casework:bodies": (
        get("/casework/bodies/", CASEWORK),
        post("/casework/bodies/", INTAKE - {"registrar"}, "a body"),
    ),
    "casework:body": (
        get("/casework/bodies/{body}/", OWN_CASEWORK | {"street_b_staff"}),
        post("/casework/bodies/{body}/", _set("officer"), "a meeting"),
    ),
    "casework:matter_lookup": (get("/casework/matters/lookup/?q=XF", INTAKE - {"registrar"}),),
    "casework:batches": (
        get("/casework/batches/", CASEWORK),
        post("/casework/batches/", INTAKE - {"registrar"}, "a batch"),
    ),
    "casework:batch": (
        get("/casework/batches/{batch}/", OWN_CASEWORK | {"street_a_staff", "discipline_staff"}),
    ),
    "casework:item_resolve": (
        post("/casework/batches/{batch}/resolve/", _set("officer", *LEADERS)),
    ),
    "casework:item_verify": (post("/casework/batches/{batch}/verify/", _set("officer")),),
    # 矛盾纠纷: read by the roles that may see disputes, in their area (place or 责任单位);
    # recorded, mediated, settled by 经办人 and handling units — the unit holding it or above
    "disputes:list": (get("/disputes/", DISPUTES),),
    "disputes:new": both("/disputes/new/", DISPUTE_RECORDERS),
    "disputes:detail": (
        get("/disputes/{dispute}/", SEES_DISPUTE),
        get("/disputes/{dispute_north}/", NORTH),
    ),
    "disputes:rescreen": (get("/disputes/{dispute}/rescreen/", HOLDS_DISPUTE),),
    "disputes:step": (
        post("/disputes/{dispute}/act/settle/", HOLDS_DISPUTE),
        post("/disputes/{dispute_north}/act/escalate/", NORTH),
        post("/disputes/{dispute}/act/no-such-step/", NOBODY),
    ),
    "disputes:mediation_step": (
        post("/disputes/mediations/{mediation}/session/", HOLDS_DISPUTE),
        post("/disputes/mediations/{mediation}/conclude/", HOLDS_DISPUTE),
    ),
    "disputes:campaigns": (
        get("/disputes/campaigns/", DISPUTES),
        post("/disputes/campaigns/", DISPUTE_RECORDERS),
    ),
    "disputes:campaign": (
        # a district's campaign: its units and those above; never another district
        get("/disputes/campaigns/{campaign}/", DISPUTES - NORTH),
        get("/disputes/campaigns/{campaign_north}/", NORTH),
    ),
    "disputes:month": (get("/disputes/month/", DISPUTES),),
    "disputes:month_submit": (post("/disputes/month/submit/", DISPUTE_RECORDERS),),
    "disputes:reports": (get("/disputes/reports/", DISPUTES),),
    "disputes:report": (get("/disputes/reports/{report}/", SEES_DISPUTE),),
    "disputes:feedback": (post("/disputes/reports/{report}/feedback/{dispute}/", HOLDS_DISPUTE),),
    # 调解协议书 of a mediation concluded 调解成功: whoever sees its dispute; none for one under way
    "disputes:agreement": (
        get("/disputes/agreements/{agreement}/", SEES_DISPUTE),
        get("/disputes/agreements/{mediation}/", NOBODY),
    ),
    "disputes:agreement_docx": (get("/disputes/agreements/{agreement}/docx", SEES_DISPUTE),),
    # the month's 通报 of the reader's own unit: whoever may see disputes
    "disputes:circular": (get("/disputes/circular/?month=2026-09", DISPUTES),),
    "leaders:package": (
        get(
            "/leaders/packages/{package}/",
            _set("registrar", "officer", "supervisor", "leader", "housing_staff"),
        ),
        get(
            "/leaders/packages/{package_other}/",
            _set("registrar", "officer", "supervisor", "other_leader", "street_b_staff"),
        ),
        # a package holding a 检举控告 reaches no leader, not even its own
        get("/leaders/packages/{package_acc}/", _set("registrar", "officer", "discipline_staff")),
        get("/leaders/packages/{package_north}/", _set("north_officer")),
        post(
            "/leaders/packages/{package}/",
            _set("officer", "leader", "housing_staff"),
            "progress note",
        ),
    ),
    # --- the public portal (no login; a matter only through its code and secret) ---------------
    "portal:home": (get("/portal/", PORTAL_PUBLIC),),
    "portal:notice": (get("/portal/notice/", PORTAL_PUBLIC),),
    "portal:submit": both("/portal/submit/", PORTAL_PUBLIC),
    # shown once to whoever just submitted; without that, sent to the query page
    "portal:receipt": (get("/portal/receipt/", NOBODY),),
    "portal:query": both("/portal/query/", PORTAL_PUBLIC),
    "portal:leave": (post("/portal/leave/", PORTAL_PUBLIC),),
    # without a proved code: nobody, staff logins included
    "portal:progress": (get("/portal/progress/", NOBODY),),
    "portal:evaluate": (post("/portal/progress/evaluate/", NOBODY),),
    "portal:review": both("/portal/progress/review/", NOBODY),
    "portal:rereview": both("/portal/progress/rereview/", NOBODY),
    "portal:document": (get("/portal/progress/documents/{doc_a}/", NOBODY),),
    "portal:document_docx": (get("/portal/progress/documents/{doc_a}/docx", NOBODY),),
    "portal:document_receive": (post("/portal/progress/documents/{doc_a}/receive/", NOBODY),),
    "portal:receptions": (get("/portal/receptions/", PORTAL_PUBLIC),),
    "portal:reception_book": (
        get("/portal/receptions/{session}/book/", PORTAL_PUBLIC),
        get("/portal/receptions/{session_north}/book/", NOBODY, "not published"),
    ),
    "portal:reception_booked": (get("/portal/receptions/booked/", PORTAL_PUBLIC),),
    "portal:reception_cancel": both("/portal/receptions/cancel/", PORTAL_PUBLIC),
    # --- REST API v1 (a token per account) -----------------------------------------------------
    "api:schema": (get("/api/v1/schema/", EVERYONE),),
    "api:registrations": (
        get("/api/v1/registrations/", API),
        post("/api/v1/registrations/", INTAKE),
    ),
    "api:registration": tuple(
        get(f"/api/v1/registrations/{{reg_{m}}}/", SEES[m], m)
        for m in ("street_a", "accusation", "north")
    ),
    "api:matters": (get("/api/v1/matters/", API),),
    # a name search is open to every reader; a number is refused to 领导 and 督查
    # (test_trust_personal)
    "api:matter_search": (post("/api/v1/matters/search/", API),),
    # 相似事项: every reader of matters, each among the matters they may see (test_similar)
    "api:matter_similar": (post("/api/v1/matters/similar/", API, content="物业管理问题"),),
    "api:matter": tuple(
        get(f"/api/v1/matters/{{{m}}}/", SEES[m], m) for m in ("street_a", "accusation", "north")
    ),
    "api:matter_timeline": tuple(
        get(f"/api/v1/matters/{{{m}}}/timeline/", SEES[m], m) for m in ("street_a", "accusation")
    ),
    "api:person_reveal": (
        post("/api/v1/matters/{street_a}/people/{person_a}/reveal/", reveals("street_a")),
        post("/api/v1/matters/{accusation}/people/{person_acc}/reveal/", reveals("accusation")),
    ),
    "api:matter_actions": tuple(
        get(f"/api/v1/matters/{{{m}}}/actions/", SEES[m], m) for m in ("street_b", "accusation")
    ),
    "api:matter_action": (
        post("/api/v1/matters/{street_b}/actions/accept/", _set("officer")),
        post("/api/v1/matters/{accusation}/actions/accept/", _set("officer")),
        post("/api/v1/matters/{north}/actions/accept/", _set("north_officer")),
    ),
    "api:matter_documents": tuple(
        get(f"/api/v1/matters/{{{m}}}/documents/", SEES[m], m) for m in ("street_a", "accusation")
    ),
    "api:document": (
        get("/api/v1/documents/{doc_a}/", SEES["street_a"]),
        get("/api/v1/documents/{doc_acc}/", SEES["accusation"]),
    ),
    "api:document_docx": (
        get("/api/v1/documents/{doc_a}/docx", SEES["street_a"]),
        get("/api/v1/documents/{doc_acc}/docx", SEES["accusation"]),
    ),
    "api:report": (get("/api/v1/reports/?start=2026-01-01&end=2026-03-31", STATISTICS),),
    "api:not_found": (get("/api/v1/no-such-thing/", NOBODY),),
    # --- Open311 GeoReport v2 (public reads; a POST needs an 登记员 or 经办人 key) ---------------
    "open311:discovery": (get("/open311/v2/discovery.json", EVERYONE),),
    "open311:services": (get("/open311/v2/services.json", EVERYONE),),
    "open311:service": (get("/open311/v2/services/{category}.json", EVERYONE),),
    "open311:requests": (
        get("/open311/v2/requests.json", EVERYONE),
        post("/open311/v2/requests.json", INTAKE, **OPEN311_REQUEST),
    ),
    "open311:request": (
        get("/open311/v2/requests/{accusation_number}.json", NOBODY, "accusation"),
    ),
    "open311:token": (get("/open311/v2/tokens/no-such-token.json", NOBODY),),
    "open311:not_found": (get("/open311/v2/nothing.json", NOBODY),),
}
