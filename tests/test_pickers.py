"""The type-ahead pickers' server side: pinyin on every option, categories in the bureau's order
with 其他 last, the same ids posted; and the registration's 信访人是代表人."""

import re
from datetime import datetime

from django.test import Client

from tests.conftest import District
from tests.test_views_register import URL, form_data, with_reps
from xinfang.core.pinyin import initials, readings
from xinfang.intake.categories import categories_in_order
from xinfang.intake.idcard import make_id_number
from xinfang.intake.models import Category, Registration


def test_pinyin_of_place_names() -> None:
    assert readings("新城街道")[0] == "xin cheng jie dao"
    assert initials("新城街道") == "xcjd"
    assert readings("重庆路社区")[0] == "chong qing lu she qu"  # a phrase read as a phrase
    assert readings("第1中学·城东区")[0] == "di 1 zhong xue cheng dong qu"
    # a polyphone outside a known phrase keeps its other readings too: 单 dan / shan
    assert {"dan xian", "shan xian"} <= set(readings("单县"))


def test_categories_in_the_bureau_s_order_with_other_last(district: District) -> None:
    city = Category.objects.get(name="城乡建设")
    Category.objects.create(name="其他城建", parent=city, path="城乡建设/其他城建", sort_order=-5)
    Category.objects.create(name="小区绿化", parent=city, path="城乡建设/小区绿化", sort_order=9)
    Category.objects.filter(name="其他", parent=None).update(sort_order=-1)
    names = [c.path for c in categories_in_order(Category.objects.order_by("path"))]
    assert names[:9] == [
        "城乡建设",
        "城乡建设/征地拆迁",
        "城乡建设/规划",
        "城乡建设/房地产开发",
        "城乡建设/房产纠纷",
        "城乡建设/物业管理",
        "城乡建设/小区绿化",
        "城乡建设/其他城建",
        "劳动保障",
    ]
    assert names[-2:] == ["交通", "其他"]


def _options(html: str, name: str) -> list[tuple[str, str, str]]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select is not None, name
    return re.findall(r'<option value="([^"]*)"([^>]*)>([^<]*)</option>', select.group(0))


def test_the_registration_form_s_pickers_carry_pinyin(district: District) -> None:
    client = Client()
    client.force_login(district.users["registrar"])
    html = client.get(URL).content.decode()
    assert re.search(r'<select name="locality"[^>]*data-picker="unit"', html)
    assert re.search(r'<select name="category"[^>]*data-picker="category"', html)
    assert "js/picker.js" in html
    units = {label.strip("\u3000"): attrs for _, attrs, label in _options(html, "locality")}
    assert 'data-py="dong feng jie dao"' in units["东风街道"]
    assert 'data-depth="2"' in units["东风社区"]  # under 东风街道, under the district
    categories = [label.strip("\u3000") for _, _, label in _options(html, "category")]
    assert categories[0] == "（未定）" and categories[-1] == "其他"
    assert categories.index("物业管理") < categories.index("劳动保障")


def test_the_picker_posts_the_same_id_and_is_checked_the_same(district: District) -> None:
    client = Client()
    client.force_login(district.users["registrar"])
    outside = Category.objects.count() + 1000
    response = client.post(URL, form_data(district, category=str(outside)))
    assert response.status_code == 400 or "所选分类不存在" in response.content.decode()
    assert not Registration.objects.exists()
    assert client.post(URL, form_data(district)).status_code == 302
    registration = Registration.objects.get()
    assert registration.category is not None and registration.category.name == "物业管理"
    assert registration.locality == district.village_a


def test_the_petitioner_as_first_of_the_representatives(district: District) -> None:
    client = Client()
    client.force_login(district.users["registrar"])
    reps = [
        (f"代表{n}", make_id_number("320101", datetime(1970, 1, n).date(), 10 + n), "")
        for n in range(1, 5)
    ]
    data = with_reps(form_data(district, people="6", petitioner_is_representative="on"), reps)
    assert client.post(URL, data).status_code == 302
    registration = Registration.objects.get()
    names = [r.petitioner.name for r in registration.representatives.order_by("position")]
    assert names == ["周九", "代表1", "代表2", "代表3", "代表4"]
    assert registration.representatives.first().petitioner == registration.petitioner


def test_the_flag_is_ignored_for_one_person(district: District) -> None:
    client = Client()
    client.force_login(district.users["registrar"])
    data = form_data(district, petitioner_is_representative="on")
    assert client.post(URL, data).status_code == 302
    assert not Registration.objects.get().representatives.exists()


def test_six_representatives_with_the_petitioner_are_too_many(district: District) -> None:
    client = Client()
    client.force_login(district.users["registrar"])
    reps = [(f"代表{n}", "", f"1360000000{n}") for n in range(1, 6)]
    data = with_reps(form_data(district, people="8", petitioner_is_representative="on"), reps)
    response = client.post(URL, data)
    assert "代表人最多5名" in response.content.decode()
    assert not Registration.objects.exists()
