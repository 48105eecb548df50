"""Rates (满意率, 参评率, 一次性化解率, 督办化解率, 及时受理率, 按期办结率) and 法治化 score."""

from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q

from xinfang.analytics.counting.matters import SATISFIED, MatterCounts
from xinfang.analytics.counting.settings import rule_of_law_weights
from xinfang.analytics.figures import pct, weighted_score
from xinfang.intake.choices import SupervisionLevel


class RateCounts(MatterCounts):
    """contract B's rates from the clocks and the matters' replies, packages, 督办."""

    def _rate_figures(self) -> dict[str, Any]:
        """replies (replied, evaluated, satisfied), package (den, num), supervision by level."""
        p, matters = self.period, self._node_matters()
        evaluated_q = ~Q(evaluation="") & (
            Q(evaluated_on__isnull=True) | Q(evaluated_on__lte=p.end)
        )
        replies = matters.filter(replied_on__range=(p.start, p.end)).aggregate(
            replied=Count("id"),
            evaluated=Count("id", filter=evaluated_q),
            satisfied=Count("id", filter=evaluated_q & Q(evaluation__in=SATISFIED)),
        )
        resolved = Q(resolved_on__isnull=False) & Q(resolved_on__lte=p.end)
        package = matters.filter(package_started_on__range=(p.start, p.end)).aggregate(
            den=Count("id"), num=Count("id", filter=resolved)
        )
        by_level = {
            g["supervision_level"]: g
            for g in matters.filter(supervision_started_on__range=(p.start, p.end))
            .values("supervision_level")
            .annotate(den=Count("id"), num=Count("id", filter=resolved))
            .order_by()
        }
        return {"replies": replies, "package": package, "by_level": by_level}

    def rates(self, clocks: dict[str, dict[str, int]]) -> dict[str, Any]:
        def ratio(num: int, den: int) -> dict[str, Any]:
            return {"num": num, "den": den, "pct": pct(num, den)}

        pg = connection.vendor == "postgresql"
        found = self._matter_scan() if pg else self._rate_figures()
        replies, package, by_level = found["replies"], found["package"], found["by_level"]
        sup_num = sum(g["num"] for g in by_level.values())
        sup_den = sum(g["den"] for g in by_level.values())
        supervision = ratio(sup_num, sup_den)
        supervision["by_level"] = {
            label: ratio(by_level.get(code, {}).get("num", 0), by_level.get(code, {}).get("den", 0))
            for code, label in SupervisionLevel.choices
        }
        return {
            "timely_acceptance": ratio(**clocks["acceptance"]),
            "on_time_reply": ratio(**clocks["handling"]),
            "satisfaction": ratio(replies["satisfied"], replies["evaluated"]),
            "evaluation_participation": ratio(replies["evaluated"], replies["replied"]),
            "package_resolution": ratio(package["num"], package["den"]),
            "supervision_resolution": supervision,
        }

    def rule_of_law(self, clocks: dict[str, dict[str, int]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        total = Decimal("0.000")
        for part, weight in zip(
            ("acceptance", "handling", "supervision"), rule_of_law_weights(), strict=True
        ):
            num, den = clocks[part]["num"], clocks[part]["den"]
            score = weighted_score(num, den, weight)
            total += score
            out[part] = {"num": num, "den": den, "weight": float(weight), "score": str(score)}
            if den == 0:
                out[part]["zero_denominator"] = True
        out["total"] = str(total)
        return out
