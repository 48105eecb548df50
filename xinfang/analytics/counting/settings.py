"""The domain settings counting reads, read in one place (clock lengths, weights)."""

from decimal import Decimal

from xinfang.core.config import domain_limit, domain_setting


def rule_of_law_weights() -> tuple[Decimal, Decimal, Decimal]:
    """XINFANG["RULE_OF_LAW_WEIGHTS"]: acceptance, handling, supervision (1.2, 0.5, 0.8)."""
    a, h, s = (Decimal(str(w)) for w in domain_setting("RULE_OF_LAW_WEIGHTS"))
    return a, h, s


__all__ = ["domain_limit", "domain_setting", "rule_of_law_weights"]
