"""Issuing a document: the one write of this app (besides the administrator's templates).

`document_issue` locks the matter, checks who may issue what, reads the facts the document needs,
takes the next number of (printed 机关代字, kind, year) from xinfang.core.sequences in the same
transaction — so a number is never given twice, and a refused or rolled-back issue leaves no gap —
renders the template once and freezes the text, and writes ONE audit event `document.issue`.

The same document for the same step is issued once. A second request is refused and points to the
existing one, whose reprint is identical: two numbers for one decision would make two originals
of it, and a lost copy is reprinted, not re-numbered. Issuing changes no fact of the matter, so
it does not bump the matter's version (a pending step form stays valid).
"""

from django.db import transaction
from django.template import TemplateSyntaxError
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.audit import audit_record
from xinfang.core.chinese import cn_date
from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError
from xinfang.core.masking import mask_free_text
from xinfang.core.permissions import (
    ISSUER_ROLES,
    Reach,
    assignment_reach,
    refuse_unless_role,
    visible_matters,
)
from xinfang.core.sequences import next_value
from xinfang.documents.facts import active_assignment, common_values, facts_for
from xinfang.documents.kinds import (
    HANDLER_KINDS,
    DocumentKind,
    sequence_key,
    serial_number,
)
from xinfang.documents.models import DocumentTemplate, IssuedDocument
from xinfang.documents.placeholders import render
from xinfang.documents.prefixes import organ_name_of, prefix_of
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.models import SupervisionNotice

NOTE_MAX_CHARS = 2000


def check_issuer(actor: User, matter: Matter, kind: str, *, seen: bool = False) -> OrgUnit:
    """The unit that issues `kind` for `matter` when `actor` does, or a refusal saying why not.

    `seen`: the caller has just asked visible_matters itself (the matter page, for every kind).
    """
    if kind not in DocumentKind.values:
        raise InputError("没有这种文书", field="kind")
    label = DocumentKind(kind).label
    refuse_unless_role(actor.role, ISSUER_ROLES[kind], f"出具{label}")
    if actor.org_unit is None:
        raise PermissionRefusedError("您的账号没有所属单位，不能出具文书")
    if not seen and not visible_matters(actor).filter(pk=matter.pk).exists():
        raise PermissionRefusedError("您无权处理该事项")
    if kind in HANDLER_KINDS:
        # the handler writes them: the unit the matter is assigned to, else the bureau itself
        assignment = active_assignment(matter)
        assigned = assignment.unit_id if assignment is not None else None
        reach = assignment_reach(actor, assigned, handler_only=True)
        if reach == Reach.NOT_ASSIGNED:
            raise PermissionRefusedError(f"该事项未交办本单位，不能出具{label}")
        if reach == Reach.HANDLED_ELSEWHERE:
            assert assignment is not None
            raise PermissionRefusedError(f"该事项由{assignment.unit}办理，{label}应由承办单位出具")
    return actor.org_unit


def template_for(kind: str, unit: OrgUnit) -> DocumentTemplate:
    """The unit's own template, else the nearest unit above it that has one, else the default."""
    ancestors = unit.ancestor_ids() or [unit.pk]
    candidates = DocumentTemplate.objects.filter(kind=kind).select_related("unit")
    own = [t for t in candidates if t.unit_id in ancestors]
    if own:
        return max(own, key=lambda t: ancestors.index(t.unit_id))  # type: ignore[arg-type]
    default = next((t for t in candidates if t.unit_id is None), None)
    if default is None:
        raise ConflictError(f"没有{DocumentKind(kind).label}的模板，请系统管理员在系统管理中添加")
    return default


@transaction.atomic
def document_issue(
    *,
    actor: User,
    matter: Matter,
    kind: str,
    notice: SupervisionNotice | None = None,
    note: str = "",
) -> IssuedDocument:
    """出具文书: number it, fill its template from the matter's facts, freeze it, audit it once."""
    note = note.strip()
    if len(note) > NOTE_MAX_CHARS:
        raise InputError(f"补充说明不能超过{NOTE_MAX_CHARS}字", field="note")
    locked = Matter.objects.select_for_update().get(pk=matter.pk)
    issuer = check_issuer(actor, locked, kind)
    label = DocumentKind(kind).label
    facts = facts_for(locked, kind, notice=notice)
    existing = IssuedDocument.objects.filter(
        matter=locked, kind=kind, step_key=facts.step_key
    ).first()
    if existing is not None:
        raise ConflictError(
            f"该步骤的{label}已于{cn_date(existing.issued_on)}出具（{existing.number}），"
            "请打印原件；同一文书不重复编号"
        )
    template = template_for(kind, issuer)
    today = timezone.localdate()
    prefix = prefix_of(issuer)
    sequence = next_value(sequence_key(prefix, kind, today.year))
    number = serial_number(prefix, kind, today.year, sequence)
    organ = organ_name_of(issuer)
    values = {
        **common_values(locked),
        **facts.values,
        "文号": number,
        "成文日期": cn_date(today),
        "发文机关": organ,
        "补充说明": mask_free_text(note),
    }
    try:
        body = render(template.body, values)
    except TemplateSyntaxError as exc:  # a template written around the admin's checks
        raise ConflictError(f"{template}有误，请系统管理员修改后再出具") from exc
    document = IssuedDocument.objects.create(
        matter=locked,
        kind=kind,
        issuer=issuer,
        year=today.year,
        sequence=sequence,
        number=number,
        step_key=facts.step_key,
        event=facts.event,
        notice=facts.notice,
        template=template,
        issued_by=actor,
        issued_on=today,
        issuer_name=organ,
        title=template.title,
        body=body,
        footer=template.footer,
    )
    audit_record(
        actor=actor,
        action="document.issue",
        obj=document,
        matter=locked,
        data={
            "kind": kind,
            "number": number,
            "on": today.isoformat(),
            "step": facts.step_key,
            "template": template.pk,
            "notice": facts.notice.pk if facts.notice else None,
        },
    )
    return document
