"""The administrator's site: only the admin role, category and unit edits keep paths and audit."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD, District
from xinfang.core.models import AuditEvent
from xinfang.intake.models import Category
from xinfang.organisation.models import OrgUnit


def client_for(district: District, who: str) -> Client:
    client = Client()
    assert client.login(username=district.users[who].username, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    "who",
    [
        "registrar",
        "officer",
        "leader",
        "supervisor",
        "street_a_staff",
        "discipline_staff",
    ],
)
def test_only_admin_role_enters(district: District, who: str) -> None:
    response = client_for(district, who).get("/manage/")
    assert response.status_code == 302
    assert "/manage/login/" in response["Location"]


def test_admin_enters(district: District) -> None:
    response = client_for(district, "admin").get("/manage/")
    assert response.status_code == 200
    assert "组织机构、用户与分类" in response.content.decode()


def test_new_category_gets_its_path_and_an_audit_row(district: District) -> None:
    parent = Category.objects.get(name="城乡建设")
    response = client_for(district, "admin").post(
        "/manage/intake/category/add/",
        {"name": "老旧小区改造", "parent": parent.pk, "sort_order": 7, "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    category = Category.objects.get(name="老旧小区改造")
    assert category.path == "城乡建设/老旧小区改造"
    event = AuditEvent.objects.get(action="category.create")
    assert event.actor == district.users["admin"]


def test_renaming_a_parent_renames_the_paths_below(district: District) -> None:
    parent = Category.objects.get(name="城乡建设")
    response = client_for(district, "admin").post(
        f"/manage/intake/category/{parent.pk}/change/",
        {"name": "城乡建设管理", "parent": "", "sort_order": 0, "active": "on"},
    )
    assert response.status_code == 302
    assert Category.objects.get(name="征地拆迁").path == "城乡建设管理/征地拆迁"
    event = AuditEvent.objects.get(action="category.change")
    assert event.data["changes"]["name"] == ["城乡建设", "城乡建设管理"]


def test_a_slash_or_a_loop_in_a_category_is_a_form_error_not_a_500(district: District) -> None:
    parent = Category.objects.get(name="城乡建设")
    child = Category.objects.get(name="征地拆迁")
    admin = client_for(district, "admin")
    response = admin.post(
        f"/manage/intake/category/{parent.pk}/change/",
        {"name": "城乡/建设", "parent": "", "sort_order": 0, "active": "on"},
    )
    assert response.status_code == 200  # the form again, with the reason
    assert "分类名称不能为空，也不能含有“/”" in response.content.decode()
    looped = admin.post(
        f"/manage/intake/category/{parent.pk}/change/",
        {"name": "城乡建设", "parent": child.pk, "sort_order": 0, "active": "on"},
    )
    assert looped.status_code == 200
    assert "不能把分类放到它自己的下级之下" in looped.content.decode()
    assert Category.objects.get(pk=parent.pk).name == "城乡建设"
    assert Category.objects.get(pk=child.pk).path == "城乡建设/征地拆迁"
    assert not AuditEvent.objects.filter(action="category.change").exists()


def test_moving_a_unit_moves_its_branch(district: District) -> None:
    response = client_for(district, "admin").post(
        f"/manage/organisation/orgunit/{district.village_a.pk}/change/",
        {
            "code": district.village_a.code,
            "name": district.village_a.name,
            "short_name": "",
            "kind": "village",
            "parent": district.street_b.pk,
            "sort_order": 0,
            "active": "on",
        },
    )
    assert response.status_code == 302
    moved = OrgUnit.objects.get(pk=district.village_a.pk)
    assert moved.is_within(district.street_b)
    assert not moved.is_within(district.street_a)


def test_a_new_users_password_never_enters_the_history(district: District) -> None:
    response = client_for(district, "admin").post(
        "/manage/accounts/user/add/",
        {
            "username": "newclerk",
            "display_name": "新登记员",
            "role": "registrar",
            "org_unit": district.district.pk,
            "password1": "S3cret-Pass-987",
            "password2": "S3cret-Pass-987",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action="user.create")
    assert "S3cret-Pass-987" not in str(event.data)
    assert {"password1", "password2"} <= set(event.data["secret_fields_changed"])


def test_a_unit_cannot_move_below_itself(district: District) -> None:
    response = client_for(district, "admin").post(
        f"/manage/organisation/orgunit/{district.street_a.pk}/change/",
        {
            "code": district.street_a.code,
            "name": district.street_a.name,
            "short_name": "",
            "kind": "street",
            "parent": district.village_a.pk,
            "sort_order": 0,
            "active": "on",
        },
    )
    assert response.status_code == 200  # the form again, with the reason
    assert "不能把“东风街道”移到它自己或它的下级“东风社区”之下" in response.content.decode()
    assert OrgUnit.objects.get(pk=district.street_a.pk).parent == district.district


def test_bulk_delete_is_audited_one_by_one(district: District) -> None:
    spare = [Category.objects.create(name=f"临时{i}", path=f"临时{i}") for i in range(2)]
    response = client_for(district, "admin").post(
        "/manage/intake/category/",
        {"action": "delete_selected", "_selected_action": [c.pk for c in spare], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Category.objects.filter(name__startswith="临时").exists()
    assert AuditEvent.objects.filter(action="category.delete").count() == 2
