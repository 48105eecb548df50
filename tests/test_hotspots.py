"""热点: one company's wage arrears written by 20 different people over six weeks, in their own
words, is one hotspot of 20 petitioners — on the dashboard, in the 简报 and in a notification —
neither split nor merged with the unrelated matters beside it. Texts written by hand."""

from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, District, register
from xinfang.analytics.briefing import build_briefing
from xinfang.analytics.counting.hotspots import (
    core,
    find_hotspots,
    node_hotspots,
    scan_hotspots,
    subjects,
)
from xinfang.analytics.hotspot_alerts import raise_hotspot_alerts
from xinfang.analytics.models import HotspotCluster, HotspotScan
from xinfang.analytics.periods import Period
from xinfang.core.permissions import SYSTEM, hotspot_matters
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Matter
from xinfang.notifications.models import Notification, NotificationKind

# One company (恒盛建筑劳务有限公司), twenty people, each in their own words; three registrars
# filed theirs under 劳动保障 rather than 拖欠工资 (the same root).
HENGSHENG = [
    "我在恒盛建筑劳务有限公司做钢筋工，去年九月到今年一月的工资共一万二千元一直没发。",
    "恒盛劳务公司拖欠我们班组八个人的工钱，老板电话打不通。",
    "反映恒盛建筑公司欠薪问题，本人木工，被欠四个月工资。",
    "在恒盛干了半年泥瓦工，结账时老板说项目没回款，一分钱不给。",
    "恒盛公司承包的望江路工地停工了，工人工资没着落。",
    "我老公在恒盛建筑劳务有限公司打工摔伤了，医药费和工资都不给。",
    "请政府帮我们讨薪：恒盛劳务欠我们十几个农民工的血汗钱。",
    "恒盛建筑的包工头跑了，我们去公司要工资，公司说跟他们没关系。",
    "本人是恒盛公司的电焊工，三个月没拿到工资，家里孩子上学要交学费。",
    "恒盛建筑劳务公司说要等年底结算，可我们已经等了一年。",
    "老乡介绍我去恒盛的工地，干了七十天，工资八千四一分没给。",
    "恒盛公司的项目经理打了欠条，到期不认账。",
    "我父亲六十多岁在恒盛建筑劳务有限公司看工地，半年工资没发。",
    "听说恒盛劳务公司要破产了，我们的工钱怎么办？",
    "恒盛建筑拖欠农民工工资，我们二十多人去公司门口讨要没有结果。",
    "在恒盛公司做小工，老板说没活了让我们走，欠的工资不提。",
    "恒盛建筑劳务欠款不还，我干了三个月架子工。",
    "反映：恒盛公司拖欠工资，且没有签劳动合同。",
    "我是外地来的，在恒盛的工地干活被欠工资，现在连回家的路费都没有。",
    "恒盛建筑劳务有限公司至今未支付我和妻子两人的工资共两万六千元。",
]
LABOUR_FILED = {2, 9, 15}  # filed under 劳动保障
# Unrelated matters in the same weeks
XINDA = [  # another company's wages: its own hotspot of 4
    "鑫达物流公司三个月没发司机工资。",
    "我在鑫达物流做装卸，老板一直拖着工资不给。",
    "鑫达物流有限公司欠我两个月工资六千元。",
    "反映鑫达物流公司拖欠仓库工人工资。",
]
OTHERS = [  # wages with no company named, the same company's dust, an estate of two
    ("饭店老板欠了我三个月工资，去要就说下个月。", "拖欠工资"),
    ("一家装修公司欠我工钱四万多，找不到人。", "拖欠工资"),
    ("恒盛建筑公司的工地晚上施工噪音大、粉尘多。", "环境保护"),
    ("锦绣华庭小区物业乱收停车费。", "物业管理"),
    ("锦绣华庭物业不修电梯。", "物业管理"),
]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏"


def day(today: date, offset: int) -> datetime:
    return timezone.make_aware(datetime.combine(today + timedelta(days=offset), time(9, 30)))


@pytest.fixture
def spots(district: District) -> dict[str, list[Matter]]:
    d, today = district, timezone.localdate()
    made: dict[str, list[Matter]] = {"hengsheng": [], "xinda": [], "others": []}
    for i, text in enumerate(HENGSHENG):  # every other day from 45 days ago: six weeks
        made["hengsheng"].append(
            register(
                d,
                locality=d.street_a if i % 3 else d.street_b,
                name=f"{SURNAMES[i]}明{i}",
                phone=f"139000001{i:02d}",
                when=day(today, -45 + 2 * i),
                content=text,
                category="劳动保障" if i in LABOUR_FILED else "拖欠工资",
            )
        )
    # the first writes again about the same matter: 21 registrations, still 20 people
    register(
        d,
        locality=d.street_b,
        name=f"{SURNAMES[0]}明0",
        phone="13900000100",
        when=day(today, -3),
        content="恒盛公司的工资还是没有发，再次反映。",
        category="拖欠工资",
        matter=made["hengsheng"][0],
    )
    for i, text in enumerate(XINDA):
        made["xinda"].append(
            register(
                d,
                locality=d.street_a,
                name=f"鑫达{SURNAMES[i]}",
                phone=f"137000002{i:02d}",
                when=day(today, -20 + i),
                content=text,
                category="拖欠工资",
            )
        )
    # an accusation about the same company: the intake sees it, 领导 and 督查 never
    made["accusation"] = [
        register(
            d,
            locality=d.street_a,
            name="检举人",
            phone="13600000300",
            when=day(today, -10),
            content="检举某部门工作人员收受鑫达物流公司好处，对其拖欠工资问题不予查处。",
            category="拖欠工资",
            purpose=Purpose.ACCUSATION,
        )
    ]
    for i, (text, category) in enumerate(OTHERS):
        made["others"].append(
            register(
                d,
                locality=d.street_b,
                name=f"其他{SURNAMES[i]}",
                phone=f"135000004{i:02d}",
                when=day(today, -30 + i),
                content=text,
                category=category,
            )
        )
    return made


def test_subjects_and_their_core() -> None:
    assert subjects("我在恒盛建筑劳务有限公司打工，老板拖欠恒盛公司的工资") == [
        "恒盛建筑劳务有限公司",
        "恒盛公司",
    ]
    assert core("恒盛建筑劳务有限公司") == core("恒盛公司") == core("恒盛建筑") == "恒盛"
    assert core("装修公司") == ""  # a trade alone names nobody
    assert subjects("这家公司不给钱") == []  # 家 ends the name: nothing is left of it


def test_one_hotspot_of_twenty_petitioners(spots: dict[str, list[Matter]]) -> None:
    today = timezone.localdate()
    found = find_hotspots(matters=hotspot_matters(SYSTEM), as_of=today)
    by_core = {h.core: h for h in found}
    assert set(by_core) == {"恒盛", "鑫达"}  # 锦绣华庭 has two people, the dust one
    h = by_core["恒盛"]
    assert h.category == "劳动保障"
    assert h.petitioners == 20
    assert sorted(pk for pk, _ in h.matters) == sorted(m.pk for m in spots["hengsheng"])
    assert h.registrations == 21
    assert h.places == ["东风街道", "西湖街道"]
    assert h.first_on == today - timedelta(days=45)
    assert h.last_on == today - timedelta(days=3)
    # the last 30 days (from today-29): i >= 8 of -45+2i, 12 people; the 30 before: 8
    assert (h.recent, h.before, h.growing) == (12, 8, True)
    # the intake sees the accusation about 鑫达 too: 5 people
    assert by_core["鑫达"].petitioners == 5


def test_leaders_and_supervisors_never_see_the_accusation(
    district: District, spots: dict[str, list[Matter]]
) -> None:
    assert scan_hotspots(timezone.localdate()) == 2
    for who in ("leader", "supervisor"):
        found = node_hotspots(reader=district.users[who], node=district.district)
        xinda = next(h for h in found if h.core == "鑫达")
        assert xinda.petitioners == 4
        assert spots["accusation"][0].pk not in {pk for pk, _ in xinda.matters}
        # named by its core: the kept wording may be an accusation's (the scan reads them all)
        assert xinda.subject == "鑫达"
    officer = node_hotspots(reader=district.users["officer"], node=district.district)
    assert next(h for h in officer if h.core == "鑫达").subject != "鑫达"
    for who in ("street_a_staff", "housing_staff"):  # no figures for a handling unit
        assert node_hotspots(reader=district.users[who], node=district.district) == []


def login(district: District, who: str) -> Client:
    client = Client()
    assert client.login(username=district.users[who].username, password=PASSWORD)
    return client


def test_stored_by_the_scan(district: District, spots: dict[str, list[Matter]]) -> None:
    today = timezone.localdate()
    assert scan_hotspots(today) == 2  # over every matter: 恒盛 20, 鑫达 5 with the accusation
    kept = {h.core: h for h in HotspotCluster.objects.all()}
    assert (kept["恒盛"].petitioners, kept["鑫达"].petitioners) == (20, 5)
    assert set(kept["鑫达"].matters.all()) == {*spots["xinda"], *spots["accusation"]}
    scan = HotspotScan.objects.get()
    assert (scan.window_start, scan.window_end) == (today - timedelta(days=89), today)
    # the officer sees accusations: the same as counted without the table
    found = node_hotspots(reader=district.users["officer"], node=district.district)
    fresh = find_hotspots(matters=hotspot_matters(district.users["officer"]), as_of=today)
    assert [h.as_dict() for h in found] == [h.as_dict() for h in fresh]
    # street A's area: 恒盛's matters there (i % 3 != 0: 13 people) and 鑫达's
    found = node_hotspots(reader=district.users["officer"], node=district.street_a)
    assert [(h.core, h.petitioners) for h in found] == [("恒盛", 13), ("鑫达", 5)]
    assert scan_hotspots(today) == 2 and HotspotScan.objects.count() == 1  # replaced


def test_before_the_first_scan(district: District, spots: dict[str, list[Matter]]) -> None:
    html = login(district, "leader").get("/analytics/").content.decode()
    section = html[html.index('id="hotspots"') :]
    assert "尚未扫描" in section[: section.index("</section>")]
    assert "<tr data-hotspot=" not in html


def test_the_dashboard_shows_it(district: District, spots: dict[str, list[Matter]]) -> None:
    call_command("scan_clocks", stdout=StringIO())  # the daily scan keeps the hotspots
    scan = HotspotScan.objects.get()
    html = login(district, "leader").get("/analytics/").content.decode()
    when = timezone.localtime(scan.computed_at).strftime("%Y-%m-%d %H:%M")
    assert f"热点按{when}的扫描" in html
    section = html[html.index('id="hotspots"') :]
    section = section[: section.index("</section>")]
    assert section.count("<tr data-hotspot=") == 2
    row = section[section.index('data-hotspot="恒盛') :]
    row = row[: row.index("</tr>")]
    assert "20人" in row and "20件" in row and "21批" in row and "上升" in row
    assert all(m.number in row for m in spots["hengsheng"])
    assert "明0" not in section  # petitioners are counted, never named
    assert spots["accusation"][0].number not in html
    assert login(district, "street_a_staff").get("/analytics/").status_code == 403


def test_the_briefing_shows_it(district: District, spots: dict[str, list[Matter]]) -> None:
    today = timezone.localdate()
    scan_hotspots(today)
    period = Period(today.replace(day=1) - timedelta(days=60), today)
    b = build_briefing(node=district.district, period=period, reader=district.users["leader"],
                       today=today)  # fmt: skip
    clusters = b["hotspots"]["clusters"]
    assert clusters[0]["petitioners"] == 20 and "恒盛" in clusters[0]["subject"]
    assert len(clusters) == 2
    first = b["hotspots"]["text"][0]
    assert "20名不同信访人反映" in first and "涉及信访事项20件21批" in first
    assert "呈上升趋势" in first
    query = {"org": "320101", "span": "y", "year": str(today.year), "compare": "yoy"}
    html = login(district, "leader").get("/analytics/briefing/", query).content.decode()
    if today.timetuple().tm_yday > 46:  # the year's period holds all six weeks' first days
        section = html[html.index('id="s2"') :]
        assert "20名不同信访人反映" in section[: section.index("</section>")]


def test_the_bureau_is_notified_once(district: District, spots: dict[str, list[Matter]]) -> None:
    today = timezone.localdate()
    scan_hotspots(today)
    assert raise_hotspot_alerts(today) == 2  # 恒盛 (20 ≥ 10) to the officer and the supervisor
    rows = Notification.objects.filter(kind=NotificationKind.HOTSPOT)
    assert sorted(n.recipient.username for n in rows) == ["officer", "supervisor"]
    assert all("20名不同信访人" in n.text and "恒盛" in n.text for n in rows)
    assert raise_hotspot_alerts(today) == 0
