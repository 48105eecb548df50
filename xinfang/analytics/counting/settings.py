"""The domain settings counting reads, read in one place (clock lengths, weights)."""

from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured

from xinfang.core.config import domain_limit, domain_setting


def rule_of_law_weights() -> tuple[Decimal, Decimal, Decimal]:
    """XINFANG["RULE_OF_LAW_WEIGHTS"]: acceptance, handling, supervision (1.2, 0.5, 0.8)."""
    a, h, s = (Decimal(str(w)) for w in domain_setting("RULE_OF_LAW_WEIGHTS"))
    return a, h, s


# 季考评's weights key by key: settings.XINFANG["ASSESSMENT_WEIGHTS"] may give some of them
DEFAULT_ASSESSMENT_WEIGHTS: dict[str, float] = {
    "on_time": 40,  # points for replying to every due matter on time
    "satisfaction": 30,  # points for every evaluated reply 满意 or 基本满意
    "supervision": 30,  # points for every due 督办单 settled by its deadline
    "return_fault": 2,  # points off per return the bureau did not accept
    "package_on_time": 100,  # points for resolving every package due by its 定办结时限
    "package_reflow": 5,  # points off a leader's / unit's packages per 回流
    "package_missing_note": 2,  # points off per month without a progress note
}


def assessment_weights() -> dict[str, Decimal]:
    """XINFANG["ASSESSMENT_WEIGHTS"], key by key over the defaults."""
    given = domain_setting("ASSESSMENT_WEIGHTS")
    unknown = sorted(set(given) - set(DEFAULT_ASSESSMENT_WEIGHTS))
    if unknown:  # a misspelt weight would otherwise be ignored without a word
        raise ImproperlyConfigured(
            f"XINFANG['ASSESSMENT_WEIGHTS'] 含未知项 {unknown}，"
            f"可设置的项为 {sorted(DEFAULT_ASSESSMENT_WEIGHTS)}"
        )
    merged = {**DEFAULT_ASSESSMENT_WEIGHTS, **dict(given)}
    return {k: Decimal(str(merged[k])) for k in DEFAULT_ASSESSMENT_WEIGHTS}


__all__ = [
    "DEFAULT_ASSESSMENT_WEIGHTS",
    "assessment_weights",
    "domain_limit",
    "domain_setting",
    "rule_of_law_weights",
]
