"""Reads for the matter page: a matter's documents, and what the user may issue on it now."""

from dataclasses import dataclass

from xinfang.accounts.models import User
from xinfang.core.errors import XinfangError
from xinfang.core.permissions import may_issue, visible_matters
from xinfang.documents.facts import facts_for
from xinfang.documents.kinds import DocumentKind
from xinfang.documents.models import IssuedDocument
from xinfang.documents.placeholders import STEP_TEXT
from xinfang.documents.services import check_issuer
from xinfang.intake.choices import HandlingMethod
from xinfang.intake.models import Matter
from xinfang.workflow.models import SupervisionNotice


@dataclass(frozen=True)
class Issuable:
    kind: str
    label: str
    notice: SupervisionNotice | None = None  # for a 督办单: which notice it is for

    @property
    def button(self) -> str:
        """补出具: the step was recorded without its document (imported, or before steps issued
        theirs, or a 督办 the clock scan raised)."""
        if self.notice is None:
            return f"补出具{self.label}"
        return f"补出具{self.label}（{self.notice.get_level_display()}级督办）"

    @property
    def text_label(self) -> str:
        return STEP_TEXT.get(self.kind, "补充说明")


def documents_for(matter: Matter) -> list[IssuedDocument]:
    """The matter's documents, oldest first; the caller has checked the matter is visible."""
    return list(
        IssuedDocument.objects.filter(matter=matter)
        .select_related("issued_by")
        .order_by("issued_at", "id")
    )


def last_document_id(matter: Matter) -> int:
    """The newest document's id of `matter` (0 for none): what a step issues comes after it."""
    newest = IssuedDocument.objects.filter(matter=matter).order_by("-id").first()
    return newest.pk if newest is not None else 0


def documents_after(matter: Matter, after: int) -> list[IssuedDocument]:
    """The documents of `matter` issued after `after` (last_document_id before a step)."""
    return list(IssuedDocument.objects.filter(matter=matter, pk__gt=after).order_by("id"))


def _may_apply(matter: Matter, kind: str) -> bool:
    """False when the matter's own fields already rule `kind` out (saves facts_for's queries);
    True is only a maybe: facts_for decides."""
    method = matter.handling_method
    return {
        DocumentKind.ACCEPT: method == HandlingMethod.ACCEPT,
        DocumentKind.DECLINE: method == HandlingMethod.DECLINE,
        DocumentKind.FORWARD: method in ROUTED,
        DocumentKind.ASSIGN: method in ROUTED,
        DocumentKind.EXTENSION: matter.extended_to is not None,
        DocumentKind.REPLY: matter.replied_on is not None,
        DocumentKind.REVIEW: matter.review_replied_on is not None,
        DocumentKind.REREVIEW: matter.rereview_replied_on is not None,
    }.get(DocumentKind(kind), True)


ROUTED = (HandlingMethod.FORWARD, HandlingMethod.ASSIGN)


def issuable_kinds(user: User, matter: Matter) -> list[Issuable]:
    """The documents `user` could issue on `matter` now: allowed, supported by facts, not issued."""
    kinds = [kind for kind in DocumentKind if may_issue(user, kind)]
    if not kinds or not visible_matters(user).filter(pk=matter.pk).exists():
        return []
    issued = set(IssuedDocument.objects.filter(matter=matter).values_list("kind", "step_key"))
    out: list[Issuable] = []
    for kind in kinds:
        if not _may_apply(matter, kind):
            continue
        try:
            check_issuer(user, matter, kind, seen=True)
        except XinfangError:
            continue
        if kind == DocumentKind.SUPERVISION:
            notices = SupervisionNotice.objects.filter(matter=matter, closed_on__isnull=True)
            for notice in notices.order_by("id"):
                if (kind.value, f"notice:{notice.pk}") not in issued:
                    out.append(Issuable(kind, kind.label, notice))
            continue
        try:
            facts = facts_for(matter, kind)
        except XinfangError:
            continue
        if (kind.value, facts.step_key) not in issued:
            out.append(Issuable(kind, kind.label))
    return out
