"""Reading the hearing forms of the matter page: typed dates, participants one per line."""

from datetime import date

from django.http import QueryDict

from xinfang.core.errors import InputError
from xinfang.core.formtext import posted_text
from xinfang.hearings.services import HearingInput, ParticipantInput
from xinfang.organisation.models import OrgUnit


def typed_date(raw: str, what: str, *, required: bool = True) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise InputError(f"请填写{what}", field="starts_on")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InputError(f"{what}格式应为YYYY-MM-DD", field="starts_on") from exc


def participants(text: str) -> list[ParticipantInput]:
    """One per line: 身份 姓名 [所在单位或职务], e.g. “人大代表 李四 东风街道人大工委”."""
    out = []
    for line in (text or "").splitlines():
        parts = line.replace("\u3000", " ").split(maxsplit=2)
        if not parts:
            continue
        role, name = parts[0], parts[1] if len(parts) > 1 else ""
        out.append(ParticipantInput(role, name, parts[2] if len(parts) > 2 else ""))
    return out


def hearing_input(post: QueryDict, host: OrgUnit | None) -> HearingInput:
    starts_on = typed_date(post.get("starts_on", ""), "听证日期")
    assert starts_on is not None
    return HearingInput(
        starts_on=starts_on,
        ends_on=typed_date(post.get("ends_on", ""), "听证结束日期", required=False),
        place=posted_text(post, "place", "听证地点"),
        host_unit=host,
        public=post.get("public") == "1",
        participants=participants(posted_text(post, "participants", "参加人员")),
    )
