"""Issuing a document: the one write of this app (besides the administrator's templates).

`step_document` is called by each workflow step that has a document (受理, 不予受理, 转送,
交办, 延期 approved, 答复, 复查, 复核, 督办), inside the step's transaction: the step and its
document are one act. `document_issue` is 补出具 for a step recorded without one. Both run with
the matter locked; `_issue` reads the facts the document needs, takes the next number of
(printed 机关代字, kind, year) from xinfang.core.sequences in the same transaction — so a number
is never given twice, and a refused or rolled-back issue leaves no gap — renders
the template once and freezes the text, and writes ONE audit event `document.issue`.

The same document for the same step is issued once. A second request is refused and points to the
existing one, whose reprint is identical: two numbers for one decision would make two originals
of it, and a lost copy is reprinted, not re-numbered. Issuing changes no fact of the matter, so
it does not bump the matter's version (a pending step form stays valid).
"""

from datetime import date

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
from xinfang.documents.placeholders import STEP_TEXT, render
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
    """补出具: the document of a step recorded without one (a ledger import, or a step recorded
    before steps issued their documents); a step taken today issued its own (`step_document`)."""
    locked = Matter.objects.select_for_update().get(pk=matter.pk)
    issuer = check_issuer(actor, locked, kind)
    return _issue(actor=actor, matter=locked, kind=kind, issuer=issuer, notice=notice, text=note)


def step_document(
    *,
    actor: User,
    matter: Matter,
    kind: str,
    step: str,
    on: date,
    text: str = "",
    notice: SupervisionNotice | None = None,
) -> IssuedDocument:
    """The document a workflow step issues in its own transaction, after the step's event: one act,
    one document, numbered once. Call it inside the step's atomic block with `matter` locked; the
    step's own checks decided who may take it. When it cannot be issued (no template, an account
    without a unit) it raises, naming why, and the step is not saved either. It is dated `on`,
    the step's day: the 处理意见书 is dated its 答复日期, even when the reply is entered later."""
    label = DocumentKind(kind).label
    issuer = actor.org_unit
    if kind in HANDLER_KINDS:  # the handler's document: the unit the matter is assigned to
        assignment = active_assignment(matter)
        issuer = assignment.unit if assignment is not None else issuer
    try:
        if issuer is None:
            raise ConflictError("您的账号没有所属单位，不能出具文书")
        return _issue(
            actor=actor, matter=matter, kind=kind, issuer=issuer, notice=notice, text=text, on=on
        )
    except (ConflictError, InputError) as exc:
        raise ConflictError(f"{exc.message}；{label}未能出具，本次「{step}」未保存") from exc


def _issue(
    *,
    actor: User,
    matter: Matter,
    kind: str,
    issuer: OrgUnit,
    notice: SupervisionNotice | None,
    text: str,
    on: date | None = None,
) -> IssuedDocument:
    """Number it, fill its template from the matter's facts, freeze it, audit it once."""
    text = text.strip()
    named = STEP_TEXT.get(kind, "补充说明")
    if len(text) > NOTE_MAX_CHARS:
        raise InputError(f"{named}不能超过{NOTE_MAX_CHARS}字", field="note")
    locked = matter
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
    day = on or timezone.localdate()
    prefix = prefix_of(issuer)
    sequence = next_value(sequence_key(prefix, kind, day.year))
    number = serial_number(prefix, kind, day.year, sequence)
    organ = organ_name_of(issuer)
    values = {
        **common_values(locked),
        **facts.values,
        "文号": number,
        "成文日期": cn_date(day),
        "发文机关": organ,
        "补充说明": mask_free_text(text),
        named: mask_free_text(text),
    }
    try:
        body = render(template.body, values)
    except TemplateSyntaxError as exc:  # a template written around the admin's checks
        raise ConflictError(f"{template}有误，请系统管理员修改后再出具") from exc
    document = IssuedDocument.objects.create(
        matter=locked,
        kind=kind,
        issuer=issuer,
        year=day.year,
        sequence=sequence,
        number=number,
        step_key=facts.step_key,
        event=facts.event,
        notice=facts.notice,
        template=template,
        issued_by=actor,
        issued_on=day,
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
            "on": day.isoformat(),
            "step": facts.step_key,
            "template": template.pk,
            "notice": facts.notice.pk if facts.notice else None,
        },
    )
    return document
