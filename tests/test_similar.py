"""Similar matters (issue 15): the one look-up of the desk, the API and `xinfang similar`."""

import io
import json
import random
from datetime import datetime

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import TZ, District, register
from xinfang.core.audit import AuditEvent
from xinfang.core.errors import PermissionRefusedError
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Category, SimilarGram
from xinfang.intake.similar.index import SKETCH_SIZE, Weights, kept_pairs, reindex, tie_hash
from xinfang.intake.similar.lookup import Probe, Scope, similar_matters
from xinfang.intake.similar.text import BASE, grams, shared_words

WAGES = "东风社区华美建筑公司拖欠农民工工资八万元，我们多次讨要未果，要求尽快支付。"
# the same problem re-worded: synonyms, another order, a clause added, 未→末, full-width 8
WAGES_AGAIN = "我们多次讨要末果：华美建筑公司欠农民工工钱８万元，年底了还不给，请尽快支付。"
OTHERS = [
    "小区物业不履行维修义务，电梯多次故障，要求更换电梯。",
    "征地补偿款未足额发放，要求补发。",
    "企业排放废气影响周边居民，要求整治。",
    "学校周边交通拥堵存在安全隐患，要求增设红绿灯。",
    "老旧小区改造进度缓慢，雨天漏水严重。",
]


@pytest.fixture
def wages(district: District) -> dict[str, int]:
    """Six matters, one of them the wage claim; returns their ids by name."""
    ids = {}
    for n, text in enumerate(OTHERS):
        ids[f"other{n}"] = register(
            district,
            locality=district.street_a,
            content=text,
            phone=f"1390000000{n}",
            name=f"路人{n}",
        ).pk
    ids["wages"] = register(
        district,
        locality=district.village_a,
        content=WAGES,
        name="张建国",
        phone="13812345678",
        category="劳动和社会保障"
        if Category.objects.filter(name="劳动和社会保障").exists()
        else "物业管理",
    ).pk
    return ids


def test_text_folds_full_width_and_look_alikes() -> None:
    assert grams("８万元") == grams("8万元")
    assert grams("未果") == grams("末果")
    assert grams("拖欠，工资") == grams("拖欠 工资")  # pairs never cross a break
    assert 0 < len(grams("拖欠工资")) == 3


def test_reworded_petition_finds_its_matter_first(
    district: District, wages: dict[str, int]
) -> None:
    found = similar_matters(
        actor=district.users["registrar"], probe=Probe(content=WAGES_AGAIN), top=3
    )
    assert found[0].matter.pk == wages["wages"]
    assert "内容相近" in found[0].reasons
    assert "华美建筑公司" in found[0].words
    assert "农民工" in "".join(found[0].words)
    assert any(mark and "华美建筑公司" in piece for piece, mark in found[0].pieces)
    assert 0 < found[0].score <= 1
    # nothing else shares enough to be shown
    assert [m.matter.pk for m in found] == [wages["wages"]]


def test_the_index_keeps_a_sketch_per_matter(district: District, wages: dict[str, int]) -> None:
    kept = min(SKETCH_SIZE, len(grams(WAGES)))
    assert SimilarGram.objects.filter(matter_id=wages["wages"]).count() == kept
    result = reindex()
    assert result.matters == 6
    # the re-index writes the posting lists and empties the desk's rows
    assert not SimilarGram.objects.exists()
    assert len({g for m, g in kept_pairs() if m == wages["wages"]}) == kept
    found = similar_matters(actor=district.users["registrar"], probe=Probe(content=WAGES_AGAIN))
    assert found[0].matter.pk == wages["wages"]


def test_same_phone_is_a_reason_and_the_search_is_logged(
    district: District, wages: dict[str, int]
) -> None:
    registrar = district.users["registrar"]
    before = AuditEvent.objects.filter(action="personal_data.search").count()
    found = similar_matters(
        actor=registrar, probe=Probe(content="电梯坏了", phone="138 1234 5678"), where="register"
    )
    assert found[0].matter.pk == wages["wages"]
    assert found[0].reasons == ["电话相同"]
    events = AuditEvent.objects.filter(action="personal_data.search").order_by("-id")
    assert events.count() == before + 1
    assert events[0].data["where"] == "register"
    assert "13812345678" not in json.dumps(events[0].data)
    logged: set[str] = set()
    for _ in range(3):  # the desk asks at every pause: one row per number and session
        similar_matters(actor=registrar, probe=Probe(phone="13812345678"), logged=logged)
    assert events.count() == before + 2


def test_a_number_needs_the_right_to_reveal(district: District, wages: dict[str, int]) -> None:
    with pytest.raises(PermissionRefusedError):
        similar_matters(actor=district.users["leader"], probe=Probe(phone="13812345678"))


def test_accusations_only_to_those_who_may_see_them(district: District) -> None:
    accused = register(
        district,
        locality=district.street_a,
        responsible=district.discipline,
        purpose=Purpose.ACCUSATION,
        content="检举东风街道某干部在拆迁项目审批中收受好处费十万元",
    )
    probe = Probe(content="举报东风街道干部拆迁审批收受好处费")
    for role, sees in (
        ("registrar", True),
        ("officer", True),
        ("leader", False),
        ("supervisor", False),
        ("street_a_staff", False),
        ("discipline_staff", True),
    ):
        found = similar_matters(actor=district.users[role], probe=probe)
        assert (accused.pk in [m.matter.pk for m in found]) is sees, role


def test_desk_shows_open_and_recent_the_history_everything(district: District) -> None:
    old = register(
        district,
        locality=district.street_a,
        content=WAGES,
        when=datetime(2019, 3, 2, 9, tzinfo=TZ),
    )
    old.status = "final"
    old.save()
    registrar = district.users["registrar"]
    assert similar_matters(actor=registrar, probe=Probe(content=WAGES_AGAIN)) == []
    found = similar_matters(actor=registrar, probe=Probe(content=WAGES_AGAIN), scope=Scope.ALL)
    assert [m.matter.pk for m in found] == [old.pk]


def test_command_reads_and_writes_json_lines(district: District, wages: dict[str, int]) -> None:
    lines = "\n".join(
        [
            json.dumps({"content": WAGES_AGAIN}, ensure_ascii=False),
            "not json",
            json.dumps({"content": "电梯故障", "place": "没有这个地方"}, ensure_ascii=False),
            json.dumps({"phone": "13812345678"}),
        ]
    )
    out = io.StringIO()
    import sys

    stdin = sys.stdin
    sys.stdin = io.StringIO(lines + "\n")
    try:
        call_command("similar", "--top", "2", stdout=out)
    finally:
        sys.stdin = stdin
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 4
    from xinfang.intake.models import Matter

    number = Matter.objects.get(pk=wages["wages"]).number
    assert rows[0]["matches"][0]["matter"] == number
    assert 0 < rows[0]["matches"][0]["score"] <= 1
    assert "华美建筑公司" in rows[0]["matches"][0]["shared_words"]
    assert len(rows[0]["matches"]) <= 2
    assert rows[1]["error"]
    assert "没有这个地方" in rows[2]["error"]
    assert rows[3]["matches"][0]["reasons"] == ["电话相同"]


def test_shared_words_are_runs_of_shared_pairs() -> None:
    shared = grams("华美建筑公司") & grams(WAGES)
    assert shared_words(WAGES, shared) == ["华美建筑公司"]


def test_desk_panel_marks_shared_words_and_offers_the_join(
    district: District, wages: dict[str, int], client: Client
) -> None:
    client.force_login(district.users["registrar"])
    response = client.post("/intake/register/similar/", {"content": WAGES_AGAIN})
    assert response.status_code == 200
    page = response.content.decode()
    from xinfang.intake.models import Matter

    number = Matter.objects.get(pk=wages["wages"]).number
    assert page.index(number) < page.index("并入此事项")
    assert "<mark>华美建筑公司</mark>" in page
    assert f'"matter": "{wages["wages"]}"' in page  # the join key asks the person look-up
    assert client.get("/intake/register/similar/?content=x").status_code == 405
    # the register page holds the panel
    assert 'id="similar-matters"' in client.get("/intake/register/").content.decode()


def test_joining_from_the_panel_registers_a_repeat(
    district: District, wages: dict[str, int], client: Client
) -> None:
    client.force_login(district.users["registrar"])
    # the join key: the person look-up with the matter chosen, as the form then posts it
    picked = client.post("/intake/register/lookup/", {"matter": str(wages["wages"])})
    assert f'id="match-{wages["wages"]}"' in picked.content.decode()
    assert "checked" in picked.content.decode().split(f'id="match-{wages["wages"]}"')[1][:40]


def test_api_asks_the_same_function(district: District, wages: dict[str, int]) -> None:
    from tests.api_support import api_for, assert_error
    from xinfang.intake.models import Matter

    number = Matter.objects.get(pk=wages["wages"]).number
    status, body = api_for(district, "officer").post(
        "/api/v1/matters/similar/", {"content": WAGES_AGAIN, "top": 2}
    )
    assert status == 200, body
    assert body["matches"][0]["matter"] == number
    assert body["matches"][0]["id"] == wages["wages"]
    assert "华美建筑公司" in body["matches"][0]["shared_words"]
    status, body = api_for(district, "leader").post(
        "/api/v1/matters/similar/", {"phone": "13812345678"}
    )
    assert status == 403
    assert_error(body, "permission_denied")
    status, body = api_for(district, "officer").post(
        "/api/v1/matters/similar/", {"content": "x", "place": "火星"}
    )
    assert status == 400
    assert "place" in assert_error(body, "validation_error")["fields"]


def test_heaviest_pairs_are_the_sorted_definition() -> None:
    """Weights.heaviest (no Python call per rare pair: a re-index asks it for every matter) picks
    what sorting by (weight descending, tie-break hash) picks, rare and counted pairs mixed."""
    rng = random.Random(15)
    for total in (0, 1, 40, 5000, 600000):
        universe = [rng.randrange(2, BASE * BASE) for _ in range(300)]
        common = {g: rng.randint(1, 2 * total + 2) for g in rng.sample(universe, 150)}
        table = Weights(total=total, token=2, common=common)
        for _ in range(40):
            found = set(rng.sample(universe, rng.randint(0, 120)))
            for count in (1, 24, 500):
                expected = sorted(found, key=lambda g: (-table.weight(g), tie_hash(g)))[:count]
                assert table.heaviest(found, count) == expected
