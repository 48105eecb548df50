"""The nine documents (文书), the 代字 each puts in its serial number, and who issues it.

A serial number (文号) reads 〈机关代字〉〈文种代字〉〔〈year〉〕〈n〉号, e.g. 示信交〔2026〕12号:
机关代字 per issuing unit (IssuerPrefix, admin-editable), 文种代字 per kind (below, fixed so
numbers of one kind stay comparable across units), n counted per printed 机关代字, kind and year.

文种代字 chosen (the first character of the document's own verb, two characters where one would be
ambiguous): 受 受理告知书 · 不受 不予受理告知书 · 转 转送告知书 · 交 交办单 · 延 延期告知书 ·
处 处理意见书 · 复查 复查意见书 · 复核 复核意见书 · 督 督办单.
"""

from django.db import models


class DocumentKind(models.TextChoices):
    ACCEPT = "accept", "受理告知书"
    DECLINE = "decline", "不予受理告知书"
    FORWARD = "forward", "转送告知书"
    ASSIGN = "assign", "交办单"
    EXTENSION = "extension", "延期告知书"
    REPLY = "reply", "处理意见书"
    REVIEW = "review", "复查意见书"
    REREVIEW = "rereview", "复核意见书"
    SUPERVISION = "supervision", "督办单"


KIND_CODES: dict[str, str] = {
    DocumentKind.ACCEPT: "受",
    DocumentKind.DECLINE: "不受",
    DocumentKind.FORWARD: "转",
    DocumentKind.ASSIGN: "交",
    DocumentKind.EXTENSION: "延",
    DocumentKind.REPLY: "处",
    DocumentKind.REVIEW: "复查",
    DocumentKind.REREVIEW: "复核",
    DocumentKind.SUPERVISION: "督",
}

# Documents the handler writes: the unit a matter is assigned to, or the bureau for its own matter.
HANDLER_KINDS = frozenset({DocumentKind.EXTENSION, DocumentKind.REPLY})

# Who may issue each kind is core.permissions.ISSUER_ROLES.


def serial_number(prefix: str, kind: str, year: int, sequence: int) -> str:
    """示信交〔2026〕12号: 〔〕 are the GB/T 9704 brackets, the number carries no leading zeros."""
    return f"{prefix}{KIND_CODES[kind]}〔{year}〕{sequence}号"


def sequence_key(prefix: str, kind: str, year: int) -> str:
    """Counted per printed 代字, not per unit: two units that ever print one 代字 (an entered one
    moved, a derived one that changed) share its count, so a 文号 is never printed twice."""
    return f"document:{prefix}:{kind}:{year}"
