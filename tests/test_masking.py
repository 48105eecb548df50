"""Personal numbers typed into free text: masked in documents, the timeline and the audit table."""

from datetime import date

import pytest
from django.urls import reverse

from xinfang.core.masking import mask_free_text, mask_id_number, mask_phone
from xinfang.core.models import AuditEvent
from xinfang.core.templatetags.xinfang_tags import audit_summary
from xinfang.intake.models import Matter
from xinfang.intake.selectors import matter_events, matter_registrations
from xinfang.workflow import services as wf
from xinfang.workflow.supervision import instruction_add
from xinfang.workflow.timeline import matter_timeline

from .conftest import District
from .views_support import client_for
from .workflow_support import fresh, new_matter, step

DAY = date(2025, 8, 5)
ID18 = "32010119600517123X"
ID15 = "320101600517123"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (f"身份证{ID18}。", f"身份证{mask_id_number(ID18)}。"),
        (f"身份证{ID18.lower()}", f"身份证{mask_id_number(ID18.lower())}"),
        (f"旧证{ID15}号", f"旧证{mask_id_number(ID15)}号"),
        ("手机13812345678", f"手机{mask_phone('13812345678')}"),
        ("手机+86 138 1234 5678", f"手机{mask_phone('13812345678')}"),
        ("手机+86-138-1234-5678", f"手机{mask_phone('13812345678')}"),
        ("手机008613812345678", f"手机{mask_phone('13812345678')}"),
        ("座机025-8888 8888", f"座机{mask_phone('02588888888')}"),
        ("座机(025)88888888", f"座机{mask_phone('02588888888')}"),
        ("座机（0571）8888-8888", f"座机{mask_phone('057188888888')}"),
        ("座机025 88886666转", f"座机{mask_phone('02588886666')}转"),
        # forms a hostile walk found shown whole (hand-typed masks: the form, not the code's output)
        ("证件ID320102199001011234号", "证件ID3201**********1234号"),
        ("身份证320102 19900202 2345。", "身份证3201**********2345。"),
        ("身份证320102-19900202-234X", "身份证3201**********234X"),
        ("身份证3 2 0 1 0 2 1 9 9 0 0 2 0 2 2 3 4 5", "身份证3201**********2345"),
        ("手机139.2222.3333，", "手机139****3333，"),
        ("手机1 3 7 4 4 4 4 5 5 5 5。", "手机137****5555。"),
        ("2026-12-07 手机139.2222.3333", "2026-12-07 手机139****3333"),
    ],
)
def test_personal_numbers_are_masked_as_everywhere_else(typed: str, shown: str) -> None:
    assert mask_free_text(typed) == shown


# Chinese input methods in full-width mode type ０-９ (U+FF10-FF19), Ｘ and －: the same numbers
# (the sealing's look-up hash folds them too), so they are masked the same; other full-width
# digits in the text are left as typed.
@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("全角手机１３９１２３４５６７８。", f"全角手机{mask_phone('13912345678')}。"),
        ("手机１３９－１２３４－５６７８", f"手机{mask_phone('13912345678')}"),
        ("手机＋８６ １３９ １２３４ ５６７８", f"手机{mask_phone('13912345678')}"),
        ("混排13９12345678", f"混排{mask_phone('13912345678')}"),
        ("身份证３２０１０１１９６００５１７１２３Ｘ", f"身份证{mask_id_number(ID18)}"),
        ("座机（０２５）８８８８８８８８", f"座机{mask_phone('02588888888')}"),
        ("手机１３９．２２２２．３３３３", "手机139****3333"),
        (
            "２０２５年８月５日，手机１３９１２３４５６７８",
            f"２０２５年８月５日，手机{mask_phone('13912345678')}",
        ),
    ],
)
def test_full_width_numbers_are_masked_too(typed: str, shown: str) -> None:
    assert mask_free_text(typed) == shown


@pytest.mark.parametrize(
    "text",
    [
        "补偿款12000元，2025-08-05到现场",
        "案号（2025）示0101民初1234号",
        "合同编号202508051234567890123",  # longer than an ID number: not one
        "2026年12月7日来访，2026-12-07复查，2026.12.07回访，2026 12 07",
        "补偿款12,000元，另付3.5万元，共1,234,567.89元",
        "编号777777，(2024)苏01民初123号，（2024）苏0102执12345号",
        "住3号楼2单元501室，1栋1单元1101室",
        "08:40到达，14:30:00离开，2026-12-07 13:45",
        "金额139.22元，1.3万元，第1 2 3 4 5项",
        "流水号 2026 1207 0845 0001",
        "",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_free_text(text) == text


TYPED = f"与信访人（身份证{ID18}，电话138-1234-5678）核实"


def _matter_with_free_texts(district: District) -> Matter:
    matter = new_matter(district)
    officer = district.users["officer"]
    step(wf.matter_accept, matter, officer, on=DAY)
    step(wf.handling_record, matter, officer, notes=TYPED, on=DAY)
    current = fresh(matter)
    instruction_add(
        actor=district.users["leader"],
        matter=current,
        version=current.version,
        text=f"请回访，{TYPED}",
        on=DAY,
    )
    return fresh(matter)


def _timeline_text(matter: Matter, *, may_reveal: bool | None) -> str:
    kwargs: dict[str, bool] = {} if may_reveal is None else {"may_reveal": may_reveal}
    entries = matter_timeline(
        matter_registrations(matter), matter_events(matter), may_view_audit=True, **kwargs
    )
    return "\n".join(value for e in entries for _, value in e.details)


def test_timeline_masks_free_texts_unless_the_viewer_may_reveal(district: District) -> None:
    matter = _matter_with_free_texts(district)
    for masked in (
        _timeline_text(matter, may_reveal=None),
        _timeline_text(matter, may_reveal=False),
    ):
        assert ID18 not in masked and "138-1234-5678" not in masked
        assert mask_free_text(TYPED) in masked  # 办理情况 and 批示内容, masked not dropped
        assert masked.count(mask_id_number(ID18)) == 2
    revealed = _timeline_text(matter, may_reveal=True)
    assert revealed.count(ID18) == 2 and "138-1234-5678" in revealed


@pytest.mark.parametrize("who", ["leader", "supervisor"])
def test_the_matter_page_timeline_and_audit_table_show_masked_texts(
    district: District, who: str
) -> None:
    matter = _matter_with_free_texts(district)
    response = client_for(district, who).get(reverse("intake:matter_detail", args=[matter.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "核实" in html
    assert ID18 not in html and "138-1234-5678" not in html


def test_audit_summary_masks_free_texts(district: District) -> None:
    matter = _matter_with_free_texts(district)
    event = AuditEvent.objects.get(matter=matter, action="workflow.record_handling")
    summary = audit_summary(event)
    assert mask_free_text(TYPED) in summary and ID18 not in summary
