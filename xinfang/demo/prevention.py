"""The demo's prevention work: a screening month, mediation, a hearing, a 会办会, a batch.

Made after the leader work (xinfang.demo.leaderwork) and in its manner: the demo users go through
the real services of xinfang.disputes, xinfang.hearings, xinfang.casework and intake with past
dates, and nothing is drawn at random. In 新城街道 (the 街道 login's street), last month's
screening (每月一排查): six disputes found in five of its villages and communities — one settled
by 人民调解 with its agreement, one 调解不成 and handed up to the street, one settled by the
community, three still open — the five units' monthly lists, 五里墩村's 零报告 and 张家湾村 not
submitted, and the street's feedback on the one it took over. The bureau holds a hearing (听证)
on a matter in handling, holds a 会办会 whose decision assigns two fresh registrations to 新城街道
and 区住建局, and receives the province's 第一批 of six long-standing matters: four 化解, two of
them 通过审核, and one of the 化解 registered again since — a 回流 through the real registration.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.casework import services as cw
from xinfang.casework.choices import BatchSource, BodyKind, MeetingKind
from xinfang.casework.models import BatchReflow
from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError
from xinfang.core.permissions import SYSTEM, visible_matters
from xinfang.demo.leaderwork import BUREAU_CODE, HOUSING_CODE, HRSS_CODE
from xinfang.demo.live import _cast, demo_years_enter
from xinfang.demo.org import DISTRICT_CODE
from xinfang.disputes import services as ds
from xinfang.disputes.choices import (
    DisputeSource,
    MediationKind,
    MediationResult,
    NextStep,
    Risk,
)
from xinfang.disputes.models import Dispute
from xinfang.hearings import services as hs
from xinfang.intake.choices import Channel, Purpose
from xinfang.intake.models import Category, Matter
from xinfang.intake.services import PersonInput, RegistrationInput, registration_create
from xinfang.leaders.models import PackageMatter
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.entry import recording_history
from xinfang.workflow.states import MatterStatus

MARKER = "demo.prevention"  # the audit action that says the prevention work is done
STREET = "新城街道"
# the street's villages and communities: five send a list, one a 零报告, one nothing
LISTS = ("沙湾村", "龙井村", "新城社区", "高铁站社区", "华府社区")
ZERO, SILENT = "五里墩村", "张家湾村"
BATCH_SIZE = 6


@dataclass(frozen=True)
class _Found:
    place: str
    day: int  # found on this day of last month
    source: DisputeSource
    category: str
    parties: int
    risk: Risk
    description: str
    plan: str


FOUND = (
    _Found(
        "沙湾村", 2, DisputeSource.ROUTINE, "村务管理", 2, Risk.LOW,
        "两户村民因宅基地界址发生争执，一方砌墙占用另一方约半米通道",
        "村调委会召集双方现场丈量，依据宅基地确权图调解",
    ),
    _Found(
        "沙湾村", 5, DisputeSource.GRID, "征地拆迁", 14, Risk.HIGH,
        "十余户承包户与流转企业因土地流转租金拖欠两季发生纠纷，群众情绪较大",
        "村调委会先行调解，调解不成及时上报街道",
    ),
    _Found(
        "龙井村", 9, DisputeSource.GRID, "环境保护", 6, Risk.MEDIUM,
        "村内养殖场异味扰民，周边六户多次向网格员反映",
        "网格员跟踪，村委会约谈养殖户限期整改",
    ),
    _Found(
        "新城社区", 12, DisputeSource.PUBLIC, "物业管理", 30, Risk.MEDIUM,
        "小区业主与物业公司因电梯维修费用分摊发生纠纷",
        "社区召集业委会、物业公司协商，必要时申请专项维修资金",
    ),
    _Found(
        "高铁站社区", 15, DisputeSource.ROUTINE, "城乡建设", 3, Risk.LOW,
        "商户占用消防通道停车，与相邻住户发生口角",
        "社区联合城管劝导，划定临时停车位",
    ),
    _Found(
        "华府社区", 20, DisputeSource.ROUTINE, "房产纠纷", 2, Risk.LOW,
        "楼上装修导致楼下渗水，双方就赔偿金额协商不成",
        "社区人民调解员组织双方协商，委托第三方鉴定",
    ),
)  # fmt: skip
AGREEMENT = (
    "经双方同意，以宅基地确权图为准，甲方于十日内拆除越界部分围墙，恢复通道原宽度；"
    "拆除费用由甲方承担；双方今后不再就此界址发生争执。"
)


def prevention_done() -> bool:
    from xinfang.core.models import AuditEvent

    return AuditEvent.objects.filter(action=MARKER).exists()


@dataclass
class PreventionResult:
    disputes: int = 0
    settled: int = 0
    escalated: int = 0
    lists: int = 0
    zero: int = 0
    silent: int = 0
    hearings: int = 0
    meetings: int = 0
    assigned: int = 0
    batch: int = 0
    resolved: int = 0
    verified: int = 0
    reflows: int = 0


@transaction.atomic
def prevention_work(*, end: date) -> PreventionResult:
    """Last month's screening in 新城街道, a hearing, a 会办会 and a batch; once (the marker)."""
    result = PreventionResult()
    if prevention_done():
        return result
    month = (end.replace(day=1) - timedelta(days=1)).replace(day=1)
    demo_years_enter(month - timedelta(days=120), end + timedelta(days=120))
    maker = _Maker(end, month, result)
    with recording_history("demo"):  # past dates as history: each event says `history: demo`
        maker.run()
    audit_record(
        actor=SYSTEM,
        action=MARKER,
        obj=maker.district,
        data={"end": end.isoformat(), **result.__dict__},
    )
    return result


def _at(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


class _Maker:
    def __init__(self, end: date, month: date, result: PreventionResult) -> None:
        self.end, self.month, self.result = end, month, result
        self.cast = _cast()
        self.district = OrgUnit.objects.get(code=DISTRICT_CODE)
        self.street = OrgUnit.objects.get(code=f"{DISTRICT_CODE}006", name=STREET)
        self.places = {
            u.name: u
            for u in OrgUnit.objects.filter(parent=self.street, name__in=[*LISTS, ZERO, SILENT])
        }
        self.staff = self.cast.staff[self.street.pk]  # 街道 login: its villages are within it

    @property
    def officer(self) -> User:
        return self.cast.officer

    def day(self, n: int) -> date:
        return min(self.month + timedelta(days=n - 1), self.end)

    def run(self) -> None:
        self.screening()
        self.hearing()
        self.meeting()
        self.batch()

    # -- 每月一排查 in 新城街道 ----------------------------------------------------------------

    def screening(self) -> None:
        found: list[Dispute] = []
        categories = {c.name: c for c in Category.objects.filter(parent__isnull=False)}
        for f in FOUND:
            found.append(
                ds.record_dispute(
                    actor=self.staff,
                    data=ds.DisputeInput(
                        found_on=self.day(f.day),
                        source=f.source,
                        place=self.places[f.place],
                        parties=f.parties,
                        description=f.description,
                        risk=f.risk,
                        category=categories.get(f.category),
                        plan=f.plan,
                    ),
                )
            )
        self.result.disputes = len(found)
        boundary, rent, _smell, _lift, parking, _leak = found
        # 人民调解: 调解成功 with the agreement (the dispute is settled at the village)
        self.mediate(boundary, "沙湾村人民调解委员会", MediationResult.SUCCESS, days=(2, 4, 6))
        # 调解不成: handed up to the street's mediation organisation
        self.mediate(rent, "沙湾村人民调解委员会", MediationResult.FAILURE, days=(1, 4, 8))
        self.result.escalated = 1
        # settled by the community's own work, without a mediation record
        ds.settle(actor=self.staff, dispute=parking, on=parking.found_on + timedelta(days=4))
        self.result.settled = 2
        submitted = min(self.end, self.month + timedelta(days=33))
        reports = {}
        for name in LISTS:
            unit = self.places[name]
            items = [d for d in found if d.place_id == unit.pk]
            reports[name] = ds.report_submit(
                actor=self.staff, unit=unit, month=self.month, disputes=items, on=submitted
            )
        ds.report_submit(
            actor=self.staff, unit=self.places[ZERO], month=self.month, disputes=[], on=submitted
        )
        self.result.lists, self.result.zero, self.result.silent = len(LISTS), 1, 1
        # 反馈 on the 通报's item the street took over
        ds.feedback_give(
            actor=self.staff,
            report=reports["沙湾村"],
            dispute=rent,
            text="已由街道调委会接手，联合农业农村部门核实流转合同，督促企业分期支付租金",
            on=min(self.end, submitted + timedelta(days=2)),
        )

    def mediate(self, dispute: Dispute, mediator: str, result: str, days: tuple[int, ...]) -> None:
        start, session, done = (dispute.found_on + timedelta(days=n) for n in days)
        mediation = ds.mediation_start(
            actor=self.staff,
            dispute=dispute,
            kind=MediationKind.PEOPLE,
            mediator=mediator,
            started_on=start,
        )
        ds.mediation_session_add(
            actor=self.staff,
            mediation=mediation,
            held_on=session,
            parties_present=2,
            positions="申请方要求依约履行；被申请方称确有困难，请求宽限",
        )
        success = result == MediationResult.SUCCESS
        ds.mediation_conclude(
            actor=self.staff,
            mediation=mediation,
            result=result,
            on=done,
            agreement=AGREEMENT if success else "",
            failure_reason="" if success else "企业资金链紧张，双方对支付期限分歧较大",
            next_step="" if success else NextStep.ESCALATE,
        )

    # -- 听证 on a matter in handling ----------------------------------------------------------

    def hearing(self) -> None:
        held = self.end - timedelta(days=7)
        matter = (
            visible_matters(self.officer)
            .filter(
                status=MatterStatus.IN_HANDLING,
                purpose=Purpose.REQUEST,
                decided_on__lte=held - timedelta(days=14),
                petitioner__isnull=False,
            )
            .select_related("petitioner")
            .order_by("decided_on", "pk")
            .first()
        )
        if matter is None:
            raise InputError("演示台账中没有可举行听证的办理中事项，请增加台账登记数")
        assert matter.petitioner is not None
        hs.hearing_record(
            actor=self.officer,
            matter=matter,
            data=hs.HearingInput(
                starts_on=held,
                place="区信访局听证室",
                host_unit=OrgUnit.objects.get(code=BUREAU_CODE),
                public=True,
                participants=[
                    hs.ParticipantInput("信访人", matter.petitioner.name),
                    hs.ParticipantInput("人大代表", "黄志明", "区人大代表"),
                    hs.ParticipantInput("政协委员", "钱丽华", "区政协委员"),
                    hs.ParticipantInput("律师", "方正", "青山律师事务所"),
                    hs.ParticipantInput("有关部门", "区住房和城乡建设局"),
                ],
            ),
            record="信访人陈述诉求及理由；承办单位说明办理情况和政策依据；听证员就事实询问双方。",
            conclusion="诉求部分合理：由承办单位依政策补办相关手续，其余诉求不予支持，向信访人解释说明。",
        )
        self.result.hearings = 1

    # -- 会办会 whose decision assigns two fresh registrations -------------------------------

    def meeting(self) -> None:
        held = self.end - timedelta(days=22)
        xincheng, housing = self.street, OrgUnit.objects.get(code=HOUSING_CODE)
        hrss = OrgUnit.objects.get(code=HRSS_CODE)
        fresh = [
            self.register(
                held - timedelta(days=3),
                "征地拆迁",
                "反映沙湾村土地流转租金被拖欠两季，村、街道调解未果，要求督促企业支付",
                "刘建华",
                "13907310016",
                place=self.places["沙湾村"],
            ),
            self.register(
                held - timedelta(days=2),
                "房产纠纷",
                "反映所购商品房延期交付一年，开发商拒不支付违约金",
                "许婷",
                "13907310027",
                place=self.places["华府社区"],
            ),
        ]
        body = cw.body_create(
            actor=self.officer,
            name="青山区信访工作联席会议",
            kind=BodyKind.JOINT,
            unit=self.district,
            members=[xincheng, housing, hrss],
            groups={"农村征用土地问题组": [xincheng], "房地产问题组": [housing]},
        )
        meeting = cw.meeting_record(
            actor=self.officer,
            body=body,
            kind=MeetingKind.COORDINATION,
            held_on=held,
            place="区信访局会议室",
            minutes="研究土地流转租金拖欠和商品房延期交付两件信访事项，明确责任单位和办结时限。",
        )
        cw.decision_make(
            actor=self.officer,
            meeting=meeting,
            text="土地流转租金问题由新城街道牵头限期化解；商品房延期交付问题由区住建局依法处理",
            on=held,
            assignments=[
                cw.DecisionAssignment(fresh[0], xincheng, held + timedelta(days=30)),
                cw.DecisionAssignment(fresh[1], housing, held + timedelta(days=45)),
            ],
        )
        self.result.meetings, self.result.assigned = 1, 2

    def register(
        self,
        day: date,
        category: str,
        content: str,
        name: str,
        phone: str,
        *,
        place: OrgUnit,
    ) -> Matter:
        registration = registration_create(
            actor=self.cast.desk,
            data=RegistrationInput(
                channel=Channel.VISIT,
                received_at=_at(day, time(9, 40)),
                content=content,
                category=Category.objects.filter(name=category).first(),
                purpose=Purpose.REQUEST,
                locality=place,
                petitioner=PersonInput(name=name, phone=phone),
            ),
        )
        return registration.matter

    # -- 省第一批 交办积案 ---------------------------------------------------------------------

    def batch(self) -> None:
        end, officer = self.end, self.officer
        picked = list(
            visible_matters(officer)
            .filter(
                purpose=Purpose.REQUEST,
                resolved_on__isnull=True,
                petitioner__isnull=False,
                first_received_on__lte=end - timedelta(days=200),
            )
            .exclude(status=MatterStatus.REGISTERED)
            .exclude(pk__in=PackageMatter.objects.values("matter_id"))
            .order_by("first_received_on", "pk")[:BATCH_SIZE]
        )
        if len(picked) < BATCH_SIZE:
            raise InputError("演示台账中没有足够的早期事项组成交办积案，请增加台账登记数")
        handed = end - timedelta(days=75)
        batch = cw.batch_create(
            actor=officer,
            source=BatchSource.PROVINCE,
            name="第一批",
            unit=self.district,
            handed_on=handed,
            deadline=end + timedelta(days=45),
            numbers=[m.number for m in picked],
            note="省信访联席会议办公室交办重复信访和信访积案",
        )
        self.result.batch = len(picked)
        resolved = (60, 50, 40, 30)  # days before the end; the first two 通过审核
        for m, ago in zip(picked, resolved, strict=False):
            cw.item_resolve(actor=officer, batch=batch, matter=m, on=end - timedelta(days=ago))
        for m, ago in zip(picked[:2], (45, 25), strict=True):
            cw.item_verify(
                actor=officer, batch=batch, matter=m, passed=True, on=end - timedelta(days=ago)
            )
        self.result.resolved, self.result.verified = len(resolved), 2
        # 回流: the third, 化解 forty days ago, is registered again a fortnight ago
        back = Matter.objects.select_related("petitioner", "category", "locality").get(
            pk=picked[2].pk
        )
        assert back.petitioner is not None
        registration_create(
            actor=self.cast.desk,
            data=RegistrationInput(
                channel=Channel.VISIT,
                received_at=_at(end - timedelta(days=14), time(10, 5)),
                content=f"{back.petitioner.name}再次来访，称化解协议约定的事项至今未落实。",
                category=back.category,
                purpose=back.purpose,
                locality=back.locality,
                petitioner=PersonInput(
                    name=back.petitioner.name,
                    id_number=back.petitioner.id_number or "",
                    phone=back.petitioner.phone,
                ),
            ),
            matter=back,
        )
        self.result.reflows = BatchReflow.objects.filter(item__batch=batch).count()
