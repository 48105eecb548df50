"""Every form that takes text refuses the control, bidi and zero-width characters the ledger
importer refuses — casework, disputes, hearings, leaders, workflow steps, /manage/ — by one rule
(xinfang.core.formtext) with one message; a new form cannot forget it: the walk below fails."""

import importlib
import pkgutil
from datetime import date

import pytest
from django import forms
from django.test import RequestFactory

import xinfang
from xinfang.core.admin_site import admin_site
from xinfang.core.errors import InputError
from xinfang.core.formtext import SafeTextMixin

from .conftest import District
from .hearings_support import in_handling
from .views_support import client_for
from .workflow_support import fresh, new_matter

RLO = "\u202e"  # right-to-left override: 陈\u202e明大 reads 陈大明
SKIPPED = {"xinfang.__main__", "xinfang.wsgi"}  # they run the program when imported


def _xinfang_forms() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(xinfang.__path__, "xinfang."):
        if module.name not in SKIPPED:
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    todo = [forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("xinfang."):
                found.append(sub)
    return found


def test_every_form_of_xinfang_refuses_unsafe_text() -> None:
    found = _xinfang_forms()
    names = {f"{f.__module__}.{f.__qualname__}" for f in found}
    # the walk reaches the forms of every part that takes text
    for part in ("casework", "disputes", "leaders", "workflow", "intake", "portal", "analytics"):
        assert any(n.startswith(f"xinfang.{part}.") for n in names), part
    assert len(found) >= 50
    unsafe = sorted(
        f"{f.__module__}.{f.__qualname__}" for f in found if not issubclass(f, SafeTextMixin)
    )
    assert unsafe == []


@pytest.mark.django_db
def test_every_manage_form_refuses_unsafe_text(district: District) -> None:
    request = RequestFactory().get("/manage/")
    request.user = district.users["admin"]
    checked = 0
    for model, model_admin in admin_site._registry.items():
        obj = model._default_manager.first()
        for form in (
            model_admin.get_form(request, None),
            *([model_admin.get_form(request, obj, change=True)] if obj is not None else []),
        ):
            assert issubclass(form, SafeTextMixin), (model.__name__, form)
            checked += 1
    assert checked >= 15


@pytest.mark.django_db
def test_manage_refuses_a_category_named_with_a_bidi_override(district: District) -> None:
    from xinfang.intake.models import Category

    page = client_for(district, "admin").post(
        "/manage/intake/category/add/", {"name": f"征地{RLO}拆迁", "parent": "", "active": "on"}
    )
    assert page.status_code == 200
    assert "含有不可见的文字方向控制字符（U+202E），请删除后重新提交" in page.content.decode()
    assert not Category.objects.filter(name=f"征地{RLO}拆迁").exists()


@pytest.mark.django_db
def test_a_workflow_step_refuses_a_bidi_override_in_its_text(district: District) -> None:
    from xinfang.core.models import AuditEvent

    m = new_matter(district, received=date(2025, 8, 1))
    page = client_for(district, "officer").post(
        f"/workflow/matters/{m.pk}/act/decline/",
        {"version": m.version, "reason": f"不属于{RLO}信访事项", "on": ""},
    )
    assert page.status_code in (200, 400), page.status_code
    assert "含有不可见的文字方向控制字符（U+202E）" in page.content.decode()
    assert fresh(m).version == m.version
    assert not AuditEvent.objects.filter(matter=m, action="workflow.decline").exists()


@pytest.mark.django_db
def test_a_hearing_record_refuses_a_zero_width_space(district: District) -> None:
    from xinfang.hearings.models import Hearing

    m = in_handling(district)
    page = client_for(district, "street_a_staff").post(
        f"/hearings/matters/{m.pk}/new/",
        {"held": "1", "starts_on": "2025-08-20", "place": "街道会议室",
         "participants": "信访人 王小明", "record": "双方\u200b陈述", "conclusion": "限期整改"},
        follow=True,
    )  # fmt: skip
    assert "听证笔录含有不可见的零宽字符（U+200B），请删除后重新提交" in page.content.decode()
    assert not Hearing.objects.exists()


@pytest.mark.django_db
def test_a_booking_says_what_the_forms_say(district: District) -> None:
    """leaders.services had its own message, which called a zero-width space a 控制字符."""
    from xinfang.leaders.services import booking_create

    with pytest.raises(InputError) as refused:
        booking_create(session=None, name="陈\u200b大明", phone="13900001111", topic="反映交付延期")  # type: ignore[arg-type]
    assert refused.value.message == "姓名含有不可见的零宽字符（U+200B），请删除后重新提交"
    assert refused.value.field == "name"
