"""The matter list (filters, search, pages, query count), the detail, 一人一档 and the reveal."""

import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import LazySettings
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from tests.conftest import TZ, District, make_user, register
from tests.views_support import (
    ACCUSATION_TEXT,
    ID_A,
    ID_ACCUSER,
    PHONE_A,
    Matters,
    client_for,
    make_matters,
)
from xinfang.accounts.models import Role
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.intake import selectors, word_search
from xinfang.intake.choices import Channel, Form, HandlingMethod, Level
from xinfang.intake.forms import MatterFilterForm
from xinfang.intake.models import Category, Matter, Registration
from xinfang.intake.searches import person_number_kind
from xinfang.intake.services import PersonInput, RegistrationInput, registration_create
from xinfang.workflow.states import MatterStatus

LIST = "/intake/matters/"
NUMBER = re.compile(r"XF-\d{4}-\d{6}")


@pytest.fixture
def matters(district: District) -> Matters:
    return make_matters(district)


def listed(client: Client, **params: Any) -> list[str]:
    """The matter numbers of the list page, in the order shown. A search by ID number or phone
    is posted (never in an address) and followed to the list behind its token."""
    if person_number_kind(str(params.get("person", ""))):
        response = client.post(LIST, params, follow=True)
    else:
        response = client.get(LIST, params)
    assert response.status_code == 200
    return NUMBER.findall(response.content.decode().split("<tbody>")[-1])


def names(matters: Matters, *keys: str) -> list[str]:
    return [getattr(matters, key).number for key in keys]


def test_newest_first(district: District, matters: Matters) -> None:
    everything = listed(client_for(district, "officer"))
    assert everything == names(matters, "accusation", "unplaced", "housing", "street_b", "street_a")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"channel": "visit"}, ["accusation", "unplaced", "housing", "street_b", "street_a"]),
        ({"channel": "letter"}, []),
        ({"purpose": "accusation"}, ["accusation"]),
        ({"purpose": "suggestion"}, ["unplaced"]),
        ({"status": "registered"}, ["accusation", "unplaced", "housing", "street_b", "street_a"]),
        ({"status": "replied"}, []),
        ({"received_from": "2026-03-03", "received_to": "2026-03-04"}, ["housing", "street_b"]),
        ({"received_from": "2026-03-06"}, ["accusation"]),
        ({"person": "王小明"}, ["street_a"]),
        ({"person": ID_A}, ["street_a"]),
        ({"person": PHONE_A}, ["street_a"]),
        ({"person": "13900002222"}, ["housing"]),
        ({"words": "拆迁 补偿"}, ["housing"]),
        ({"words": "拆迁 电梯"}, []),
        ({"words": "反映"}, ["unplaced", "housing", "street_b", "street_a"]),
        ({"level": "city"}, []),
        ({"form": "collective"}, []),
    ],
)
def test_filters_and_search(
    district: District, matters: Matters, params: dict[str, str], expected: list[str]
) -> None:
    assert listed(client_for(district, "officer"), **params) == names(matters, *expected)


def test_tree_filters_include_what_lies_below(district: District, matters: Matters) -> None:
    client = client_for(district, "officer")
    city_building = Category.objects.get(name="城乡建设")  # parent of 物业管理 and 征地拆迁
    assert listed(client, category=city_building.pk) == names(matters, "housing", "street_a")
    assert listed(client, locality=district.street_a.pk) == names(matters, "accusation", "street_a")
    assert listed(client, locality=district.village_a.pk) == names(matters, "street_a")
    assert listed(client, responsible_unit=district.housing.pk) == names(matters, "housing")
    # A desk arrival nobody placed is the registering bureau's (the district's) own.
    assert matters.unplaced.number in listed(client, locality=district.district.pk)
    assert matters.unplaced.number not in listed(client, locality=district.street_a.pk)


def test_search_finds_the_day_s_snapshot_and_representatives(
    district: District, matters: Matters
) -> None:
    # The person later gives a new phone; the first registration keeps the old one.
    register(
        district,
        locality=district.village_a,
        name="王小明",
        id_number=ID_A,
        phone="13811112222",
        matter=matters.street_a,
    )
    collective = registration_create(
        actor=district.users["registrar"],
        data=RegistrationInput(
            channel=Channel.VISIT,
            received_at=datetime(2026, 3, 7, 9, tzinfo=TZ),
            people=9,
            locality=district.street_b,
            content="集体反映西湖街道某小区停车收费问题",
            petitioner=PersonInput(name="吴十"),
            representatives=[PersonInput(name="王小明", id_number=ID_A)],
        ),
    ).matter
    client = client_for(district, "officer")
    assert listed(client, person=PHONE_A) == [matters.street_a.number]
    assert listed(client, person=ID_A) == [collective.number, matters.street_a.number]


def test_search_never_reaches_beyond_the_scope(district: District, matters: Matters) -> None:
    street_a = client_for(district, "street_a_staff")
    assert listed(street_a, person="孙八") == []
    assert listed(street_a, words="检举") == []
    assert listed(street_a, purpose="accusation") == []
    assert listed(client_for(district, "discipline_staff"), words="检举") == [
        matters.accusation.number
    ]


def test_bad_filter_is_explained(district: District, matters: Matters) -> None:
    response = client_for(district, "officer").get(
        LIST, {"received_from": "2026-03-05", "received_to": "2026-03-01"}
    )
    assert "结束日期不能早于开始日期" in response.content.decode()
    response = client_for(district, "officer").get(LIST, {"received_from": "昨天"})
    assert "请按“年-月-日”填写日期" in response.content.decode()


def test_keyset_pages(district: District, settings: LazySettings) -> None:
    settings.XINFANG = {**settings.XINFANG, "MATTER_LIST_PAGE_SIZE": 3}
    day = datetime(2026, 4, 1, 9, tzinfo=TZ)
    # Seven matters, three of them on the same day: ties are ordered by id.
    whens = [day, day, day, *(day + timedelta(days=n) for n in range(1, 5))]
    made = [
        register(district, locality=district.street_a, name=f"人{i}", when=w)
        for i, w in enumerate(whens)
    ]
    expected = [
        m.number for m in sorted(made, key=lambda m: (m.first_received_on, m.pk), reverse=True)
    ]
    client = client_for(district, "officer")
    seen: list[str] = []
    response = client.get(LIST)
    pages = 0
    while True:
        html = response.content.decode()
        seen += NUMBER.findall(html.split("<tbody>")[-1])
        pages += 1
        link = re.search(r'rel="next" href="([^"]+)"', html)
        if not link:
            break
        response = client.get(LIST + link.group(1).replace("&amp;", "&"))
    assert seen == expected and pages == 3
    # And back again from the last page.
    prev = re.search(r'rel="prev" href="([^"]+)"', response.content.decode())
    assert prev is not None
    back = client.get(LIST + prev.group(1).replace("&amp;", "&")).content.decode()
    assert NUMBER.findall(back.split("<tbody>")[-1]) == expected[3:6]
    assert "共 7 件" in back


def test_pages_keep_the_filters(district: District, settings: LazySettings) -> None:
    settings.XINFANG = {**settings.XINFANG, "MATTER_LIST_PAGE_SIZE": 2}
    for n in range(3):
        register(district, locality=district.street_a, name=f"甲{n}", channel=Channel.LETTER)
        register(district, locality=district.street_a, name=f"乙{n}", channel=Channel.PHONE)
    html = client_for(district, "officer").get(LIST, {"channel": "letter"}).content.decode()
    link = re.search(r'rel="next" href="([^"]+)"', html)
    assert link is not None and "channel=letter" in link.group(1)


def test_count_is_capped(
    district: District, matters: Matters, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    html = client_for(district, "officer").get(LIST).content.decode()
    assert "符合条件的事项超过 3 件" in html


def test_list_queries_do_not_grow_per_row(
    district: District, matters: Matters, django_assert_max_num_queries: Any
) -> None:
    client = client_for(district, "officer")
    params = {
        "category": Category.objects.get(name="城乡建设").pk,
        "locality": district.district.pk,
    }
    # 16: the page, two for the navigation's unread 提醒 count, one for the session's second factor
    with django_assert_max_num_queries(16) as few:
        client.get(LIST, params)
    for n in range(40):
        register(district, locality=district.village_a, name=f"某{n}", content="反映" * 50)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST, params)
    assert len(NUMBER.findall(response.content.decode().split("<tbody>")[-1])) == 42


def test_list_masks_personal_data(district: District, matters: Matters) -> None:
    html = client_for(district, "registrar").get(LIST).content.decode()
    assert "王小明" in html and ID_A[:4] + "**********" + ID_A[-4:] in html
    assert ID_A not in html and ID_ACCUSER not in html


def test_detail_shows_every_registration_and_history(district: District, matters: Matters) -> None:
    register(
        district,
        locality=district.village_a,
        name="王小明",
        id_number=ID_A,
        channel=Channel.LETTER,
        content="再次来信反映电梯问题",
        when=datetime(2026, 3, 20, 9, tzinfo=TZ),
        matter=matters.street_a,
    )
    Matter.objects.filter(pk=matters.street_a.pk).update(
        handling_method=HandlingMethod.ASSIGN,
        decided_on=datetime(2026, 3, 9).date(),
        package_leader="区长张某",
        status=MatterStatus.IN_HANDLING,
    )
    url = reverse("intake:matter_detail", args=[matters.street_a.pk])
    html = client_for(district, "officer").get(url).content.decode()
    for text in ("反映东风社区小区电梯长期故障", "再次来信反映电梯问题", "初信初访", "重复信访"):
        assert text in html, text
    for text in ("处理方式", "交办", "2026-03-09", "包案领导", "区长张某", "办理中"):
        assert text in html, text
    assert 'id="h-events"' in html and "registrar" in html
    # The registrar may not read the audit history (VIEW_AUDIT), the officer may.
    assert 'id="h-events"' not in client_for(district, "registrar").get(url).content.decode()


def test_reveal_is_logged_and_shown(district: District, matters: Matters) -> None:
    assert matters.street_a.petitioner is not None
    person = matters.street_a.petitioner
    url = reverse("intake:reveal", args=[matters.street_a.pk, person.pk])
    response = client_for(district, "street_a_staff").post(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert ID_A in html and PHONE_A in html
    event = AuditEvent.objects.get(action="personal_data.reveal")
    assert event.actor == district.users["street_a_staff"]
    assert event.matter == matters.street_a
    assert event.data["fields"] == ["id_number", "phone"]
    assert event.data["petitioner"] == person.pk
    assert ID_A not in str(event.data) and PHONE_A not in str(event.data)
    # The officer sees the reveal in the matter's history, without the values.
    detail = client_for(district, "officer").get(
        reverse("intake:matter_detail", args=[matters.street_a.pk])
    )
    text = detail.content.decode()
    assert "查看完整个人信息" in text and "查看了身份证号、电话" in text
    assert ID_A not in text


@pytest.mark.parametrize("who", ["leader", "supervisor"])
def test_reveal_refused_for_leader_and_supervisor(
    district: District, matters: Matters, who: str
) -> None:
    assert matters.street_a.petitioner is not None
    client = client_for(district, who)
    detail = client.get(reverse("intake:matter_detail", args=[matters.street_a.pk]))
    assert "hx-post" not in detail.content.decode()
    url = reverse("intake:reveal", args=[matters.street_a.pk, matters.street_a.petitioner.pk])
    response = client.post(url)
    assert response.status_code == 403
    assert ID_A not in response.content.decode()
    assert not AuditEvent.objects.filter(action="personal_data.reveal").exists()


def test_petitioner_history_across_matters(district: District, matters: Matters) -> None:
    second = register(
        district,
        locality=district.street_b,
        name="王小明",
        id_number=ID_A,
        content="反映西湖街道菜场占道经营",
        when=datetime(2026, 3, 12, 9, tzinfo=TZ),
    )
    collective = registration_create(
        actor=district.users["registrar"],
        data=RegistrationInput(
            channel=Channel.VISIT,
            received_at=datetime(2026, 3, 14, 9, tzinfo=TZ),
            people=9,
            locality=district.street_b,
            content="集体反映停车收费",
            petitioner=PersonInput(name="吴十"),
            representatives=[PersonInput(name="王小明", id_number=ID_A)],
        ),
    ).matter
    assert matters.street_a.petitioner is not None
    url = reverse("intake:petitioner_detail", args=[matters.street_a.petitioner.pk])
    html = client_for(district, "officer").get(url).content.decode()
    for matter in (matters.street_a, second, collective):
        assert matter.number in html
    assert "代表人" in html and "一人一档" in html and ID_A not in html
    assert 'hx-post="/intake/matters/' in html  # the officer may reveal
    # A registrar of 西湖街道 sees only that street's part of the person's history.
    street_b = Client()
    street_b.force_login(make_user("street_b_registrar", Role.REGISTRAR, district.street_b))
    html = street_b.get(url).content.decode()
    assert second.number in html and collective.number in html
    assert matters.street_a.number not in html
    # ... and a person with nothing in its scope does not exist for it.
    assert matters.accusation.petitioner is not None
    other = reverse("intake:petitioner_detail", args=[matters.accusation.petitioner.pk])
    assert street_b.get(other).status_code == 404
    assert "hx-post" not in client_for(district, "leader").get(url).content.decode()


def test_nav_shows_what_the_role_may_use(district: District) -> None:
    registrar = client_for(district, "registrar").get("/").content.decode()
    assert 'href="/intake/register/"' in registrar and 'href="/intake/matters/"' in registrar
    leader = client_for(district, "leader").get("/").content.decode()
    assert 'href="/intake/register/"' not in leader and 'href="/intake/matters/"' in leader


def test_collective_and_levels_show_in_the_list(district: District) -> None:
    registration_create(
        actor=district.users["registrar"],
        data=RegistrationInput(
            channel=Channel.VISIT,
            level=Level.PROVINCIAL,
            received_at=datetime(2026, 3, 7, 9, tzinfo=TZ),
            people=20,
            locality=district.street_b,
            content="集体赴省反映拆迁安置问题",
        ),
    )
    html = client_for(district, "officer").get(LIST, {"form": Form.COLLECTIVE}).content.decode()
    assert "来访 · 赴省 · 集体访" in html and "集体赴省反映拆迁安置问题" in html
    assert ACCUSATION_TEXT not in html


def test_content_words_ignore_latin_case(district: District) -> None:
    matter = register(district, locality=district.street_a, content="反映小区ETC道闸收费问题")
    client = client_for(district, "officer")
    assert listed(client, words="etc") == [matter.number]
    assert listed(client, words="道闸 ETC") == [matter.number]
    assert listed(client, words="道闸收费站") == []


def test_broad_plan_gives_the_same_matters(
    district: District, matters: Matters, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = district.users["officer"]
    filters = selectors.MatterFilters(
        category=Category.objects.get(name="城乡建设"), locality=district.district
    )
    narrow = list(selectors.matters_filtered(officer, filters).order_by("id"))
    broad = list(selectors.matters_filtered(officer, filters, broad=True).order_by("id"))
    assert narrow == broad == sorted([matters.street_a, matters.housing], key=lambda m: m.pk)
    # With a tiny cap every list is "broad": the page still shows the same rows.
    monkeypatch.setattr(selectors, "COUNT_CAP", 1)
    client = client_for(district, "officer")
    assert listed(client, category=filters.category.pk) == names(matters, "housing", "street_a")


@pytest.mark.parametrize("probe", [True, False])
def test_both_ways_of_finding_words_agree(
    district: District, matters: Matters, probe: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = district.users["officer"]
    filters = selectors.MatterFilters(words="西湖街道 反映")
    found = selectors.matters_filtered(officer, filters, probe_words=probe).order_by("id")
    assert list(found) == [matters.street_b, matters.housing]
    # the page and its count walked one by one (a long walk) or asked of the index (none)
    walk = 10**6 if probe else 0
    monkeypatch.setattr(word_search, "WALK", walk)
    monkeypatch.setattr(word_search, "COUNT_WALK", walk)
    monkeypatch.setattr(word_search, "FEW", 0 if probe else 10**6)
    assert listed(client_for(district, "officer"), words="拆迁") == [matters.housing.number]


# --- the statistics' drill-down: the matters behind a figure of the report ---------------------


def test_registration_basis_filters_the_repeat_in_the_period(
    district: District, matters: Matters
) -> None:
    register(
        district,
        locality=district.village_a,
        matter=matters.street_a,
        channel=Channel.LETTER,
        name="王小明",
        id_number=ID_A,
        phone=PHONE_A,
        when=datetime(2026, 4, 10, 9, 0, tzinfo=TZ),
    )
    client = client_for(district, "officer")
    april = {"registered_from": "2026-04-01", "registered_to": "2026-04-30"}
    assert listed(client, basis="registration", channel="letter") == names(matters, "street_a")
    assert listed(client, channel="letter") == []  # the matter's own channel is its first one's
    assert listed(client, **april) == names(matters, "street_a")
    assert listed(client, received_from="2026-04-01", received_to="2026-04-30") == []
    march = {"registered_from": "2026-03-01", "registered_to": "2026-03-31"}
    assert listed(client, basis="registration", channel="letter", **march) == []
    assert listed(client, basis="registration", channel="visit", **april) == []
    assert listed(client, basis="registration", locality=district.street_a.pk, **april) == names(
        matters, "street_a"
    )


def test_only_and_empty(district: District, matters: Matters) -> None:
    client = client_for(district, "officer")
    parent = Category.objects.get(name="城乡建设").pk
    leaf = Category.objects.get(name="物业管理").pk
    assert listed(client, category=parent) == names(matters, "housing", "street_a")
    assert listed(client, category=parent, only="category") == []
    assert listed(client, category=leaf, only="category") == names(matters, "street_a")
    east = district.street_a.pk
    assert listed(client, locality=east) == names(matters, "accusation", "street_a")
    assert listed(client, locality=east, only="locality") == names(matters, "accusation")
    assert listed(client, responsible_unit=district.district.pk, only="responsible_unit") == []
    assert listed(client, responsible_unit=district.housing.pk, only="responsible_unit") == names(
        matters, "housing"
    )
    assert listed(client, empty="purpose") == []
    assert listed(client, empty="responsible_unit") == names(
        matters, "unplaced", "street_b", "street_a"
    )
    for basis in ("", "registration"):
        assert listed(client, basis=basis, empty="category") == []
    assert listed(client, empty="locality") == []  # the desk puts the registrar's unit
    Matter.objects.filter(pk=matters.unplaced.pk).update(locality=None)  # as an imported row
    unset = selectors.MatterFilters(empty=frozenset({"locality"}))
    assert list(selectors.matters_filtered(SYSTEM, unset)) == [matters.unplaced]


def test_a_root_takes_an_empty_locality_by_registration(
    district: District, matters: Matters
) -> None:
    # an imported row with an empty 问题属地
    Registration.objects.filter(matter=matters.unplaced).update(locality=None)
    Matter.objects.filter(pk=matters.unplaced.pk).update(locality=None)
    by_matter = selectors.MatterFilters(locality=district.city)
    by_registration = replace(by_matter, basis="registration")
    assert matters.unplaced not in selectors.matters_filtered(SYSTEM, by_matter)
    assert matters.unplaced in selectors.matters_filtered(SYSTEM, by_registration)
    only = replace(by_registration, only=frozenset({"locality"}))
    assert list(selectors.matters_filtered(SYSTEM, only)) == [matters.unplaced]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"empty": "category", "category": "1"}, "内容分类不能既选定又要求未填写"),
        ({"basis": "everything"}, "筛选依据只能是"),
        ({"only": "status"}, "“不含下级”只能选"),
        ({"registered_from": "2026-05-01", "registered_to": "2026-04-01"}, "结束日期不能早于"),
    ],
)
def test_bad_drill_down_is_explained(
    district: District, matters: Matters, params: dict[str, str], message: str
) -> None:
    form = MatterFilterForm(QueryDict(urlencode(params)), user=district.users["officer"])
    form.filters()
    assert message in str(form.errors)
    assert form.drilling == any(name in params for name in MatterFilterForm.DRILL_FIELDS)
    assert [f.name for f in form.drill_fields()] == list(MatterFilterForm.DRILL_FIELDS)
