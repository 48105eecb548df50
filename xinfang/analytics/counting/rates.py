"""Rates (满意率, 参评率, 一次性化解率, 督办化解率, 及时受理率, 按期办结率, B2's 办结率, 息访率,
重复信访率, 依法分类占比, 网上信访占比), 复查/复核 counts and the 法治化 score with its rank.

Decisions B2 leaves open, written down here:
- 办结率 (`completion`): the handling clock's items (deadline in P, contract B); done = 答复日期
  on or before the end of P, late or not.
- 初信初访一次性化解率 (`first_time_resolution`): every matter is first-time by its first
  registration (contract A: the others are repeats), so its items are the handling clock's; done =
  replied by the deadline (the clock's rule) with no repeat registration (is_first False) and no
  复查申请 dated up to the end of P. A 复查申请 is one whatever became of it — accepted (the
  matter's 复查申请日期), refused (不予受理) or withdrawn (撤回) — dated by its 申请日期 (the matter
  keeps the earliest refused or withdrawn one, `review_dropped_on`): the petitioner asked for a
  review, so the matter was not settled at the first go. A 复核申请 follows a 复查 and adds nothing.
- 息访率 (`settled`): matters replied SETTLE_DAYS (90) calendar days before a day of P — the
  window is observed, not a deadline anyone must meet, so it is not moved to a working day;
  settled = no registration of the matter after the reply day up to the window's end.
- 重复信访率 (`repeat`): registrations in P that are not their matter's first / registrations in P;
  a matter's first registration belongs where the matter does, so the first ones in P are the
  first-time matters in P (no query of its own). 网上信访占比 (`online_share`): the channel row.
- 依法分类占比 (`legal_channel_share`): first-time matters in P whose 处理方式 is 依法分类 (with
  处理日期 empty or by the end of P) / first-time matters in P.
- B2's new rates give `pct` null when the denominator is 0 (there is nothing to divide; the text
  says 无到期事项); contract B's older rates keep "0.0" as the contract shows them.
- `reviews`: 复查/复核 requests per stage. `received`: requests received (申请日期) in P —
  accepted, declined (不予受理) or accepted and later withdrawn; `accepted` and `declined` split
  those same requests (a withdrawn one was accepted); `withdrawn` (撤回) and `decided` (答复) are
  acts dated in P, whenever the request came. A withdrawn request's date lives on its
  ReviewApplication (the matter's is cleared), so it still counts as received and accepted.
- `supervision_resolution.by_kind`: as `by_level`, by the kind (常规督办/集中督办) of the matter's
  first 督办单; a matter supervised without one (a ledger import) is 常规督办, the default kind.
- `rule_of_law.rank`: [place, of] by total score among the node's siblings of its kind (contract
  C's rank), each sibling's three clocks counted like the node's; absent without siblings.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
)

from xinfang.analytics.counting.clocks import AddDays, grouped_clock
from xinfang.analytics.counting.families import Family
from xinfang.analytics.counting.matters import (
    SATISFIED,
    MatterCounts,
    supervision_kind,
)
from xinfang.analytics.counting.ranks import competition_rank
from xinfang.analytics.counting.settings import domain_limit, rule_of_law_weights
from xinfang.analytics.figures import pct, weighted_score
from xinfang.intake.choices import Channel, HandlingMethod, SupervisionLevel
from xinfang.intake.models import Matter, Registration
from xinfang.workflow.models import ReviewApplication, ReviewResult, SupervisionNotice
from xinfang.workflow.supervision_rules import SupervisionKind

CLOCK_PARTS = ("acceptance", "handling", "supervision")
# the rates whose matters the dashboard lists (num and den; 重复信访率 its num: the den is every
# registration, the matter list's own figure)
RATE_LISTS = ("completion", "settled", "first_time_resolution", "legal_channel_share", "repeat")
REVIEW_STAGES = {"review": "review", "rereview": "rereview"}  # key -> Matter field prefix


def ratio(num: int, den: int) -> dict[str, Any]:
    """Contract B's rate: "0.0" when there is nothing to divide (as the contract shows it)."""
    return {"num": num, "den": den, "pct": pct(num, den)}


def share(num: int, den: int) -> dict[str, Any]:
    """B2's rate: `pct` None when there is nothing to divide (the text says 无到期事项)."""
    return {"num": num, "den": den, "pct": pct(num, den) if den else None}


class RateCounts(MatterCounts):
    """contract B's rates from the clocks and the matters' replies, packages, 督办; B2's rates."""

    _rates_found: dict[str, Any] | None = None

    def b2_flags(self) -> dict[str, Q]:
        """B2's matter figures as conditions on a matter annotated `h_raw` (its handling base),
        counted as FILTERs of one aggregate (`_b2_figures`) and listed by `figure_matters`."""
        flags = self._b2_plain()
        flags["sn"] = flags["sd"] & (self._not_returned() | ~Q(Exists(self._came_back())))
        flags["one"] = flags.pop("due") & self.one_shot()
        return flags

    def _b2_plain(self) -> dict[str, Q]:
        """B2's conditions that need no subquery (`due`: the handling clock's items)."""
        p = self.period
        b_lo, b_hi, _shift = self.base_range()
        _base, which, _action = self._bases()["handling"]
        due = which & Q(h_raw__range=(b_lo, b_hi))
        days = domain_limit("SETTLE_DAYS")
        flags: dict[str, Q] = {
            "due": due,
            "cmp": due & Q(replied_on__lte=p.end),
            "sd": Q(replied_on__range=(p.start - timedelta(days), p.end - timedelta(days))),
            "lgl": Q(first_received_on__range=(p.start, p.end))
            & Q(handling_method=HandlingMethod.LEGAL_CHANNEL)
            & (Q(decided_on__isnull=True) | Q(decided_on__lte=p.end)),
        }
        for key, field in REVIEW_STAGES.items():
            flags[f"{key}_req"] = Q(**{f"{field}_requested_on__range": (p.start, p.end)})
            flags[f"{key}_dec"] = Q(**{f"{field}_replied_on__range": (p.start, p.end)})
        return flags

    @staticmethod
    def _not_returned() -> Q:
        """息访: no registration after the reply at all (the matter's last one is before it)."""
        return Q(last_received_on__lte=F("replied_on"))

    @staticmethod
    def _came_back() -> QuerySet[Registration]:
        """息访's failing registration: one within SETTLE_DAYS after the reply."""
        return Registration.objects.filter(
            matter=OuterRef("pk"),
            received_on__gt=OuterRef("replied_on"),
            received_on__lte=AddDays(OuterRef("replied_on"), domain_limit("SETTLE_DAYS")),
        )

    def _repeated(self) -> QuerySet[Registration]:
        """一次性化解's failing registration: a repeat dated up to the end of P."""
        return Registration.objects.filter(
            matter=OuterRef("pk"), is_first=False, received_on__lte=self.period.end
        )

    def _no_review(self) -> Q:
        """No 复查申请 dated up to the end of P: accepted, refused or withdrawn."""
        end = self.period.end
        return ~Q(review_requested_on__lte=end) & ~Q(review_dropped_on__lte=end)

    def one_shot(self) -> Q:
        """No repeat registration and no 复查申请 dated up to the end of P (一次性化解)."""
        return (Q(registration_count__lte=1) | ~Q(Exists(self._repeated()))) & self._no_review()

    def b2_scan_families(self) -> list[Family]:
        """B2's figures for PostgreSQL's one scan, without subqueries (they would keep it from
        running in parallel workers). A matter's first and last registration dates and its
        count decide most matters alone (its registrations lie between the first and the last;
        with two, they are the first and the last):
        - 息访 (window `sd`, reply r): `sn_back` came back surely — its first or last
          registration falls in (r, r + SETTLE_DAYS]; `sn_ask` cannot tell — three or more
          registrations, the first by r, the last after the window: asked apart.
        - 一次性化解 (`h_`: counted among the handling clock's compliant items): `h_one` no
          复查申请; `h_rep` of those, a repeat surely by the end of P (two or more
          registrations, the last by the end); `h_ask` cannot tell — three or more, the first
          by the end and the last after it: asked apart (`_b2_figures`).
        (办结率's `cmp` is the handling clock's family: clocks.clock_family.)"""
        p = self.period
        flags = self._b2_plain()
        reply, window_end = F("replied_on"), AddDays(F("replied_on"), domain_limit("SETTLE_DAYS"))
        back = (Q(last_received_on__gt=reply) & Q(last_received_on__lte=window_end)) | (
            Q(first_received_on__gt=reply) & Q(first_received_on__lte=window_end)
        )
        return [
            Family.choice(
                [(("b2_sn_back",), back), (("b2_sn_ask",), self._unsure_return())],
                guard=(("b2_sd",), flags["sd"]),
            ),
            Family.choice(
                [
                    (("b2_h_rep",), Q(registration_count__gte=2, last_received_on__lte=p.end)),
                    (("b2_h_ask",), self._unsure_repeat()),
                ],
                guard=(("b2_h_one",), self._no_review()),
                on_time_only=True,
            ),
            *[
                Family.chain((f"b2_{key}", flags[key]))
                for key in ("lgl", "review_req", "review_dec", "rereview_req", "rereview_dec")
            ],
        ]

    @staticmethod
    def _unsure_return() -> Q:
        """Replied matters whose dates cannot tell whether one came back within the window."""
        window_end = AddDays(F("replied_on"), domain_limit("SETTLE_DAYS"))
        return (
            Q(registration_count__gte=3)
            & Q(first_received_on__lte=F("replied_on"))
            & Q(last_received_on__gt=window_end)
        )

    def _unsure_repeat(self) -> Q:
        """Matters whose dates cannot tell whether a repeat came by the end of P."""
        end = self.period.end
        return (
            Q(registration_count__gte=3)
            & Q(first_received_on__lte=end)
            & Q(last_received_on__gt=end)
        )

    def _rate_figures(self) -> dict[str, Any]:
        """SQLite: replies, package, supervision by level (PostgreSQL's scan counts them)."""
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
            for g in matters.filter(self.supervised_in_p())
            .values("supervision_level")
            .annotate(den=Count("id"), num=Count("id", filter=resolved))
            .order_by()
        }
        return {"replies": replies, "package": package, "by_level": by_level}

    def _b2_figures(self) -> dict[str, Any]:
        """B2's matter figures, once per report. SQLite: one aggregate of the flags, the
        one-shot handling clock, 督办 by kind — three queries. PostgreSQL: from the one scan,
        plus the few matters its flags leave to ask (a subquery in the scan would keep it from
        running in parallel workers): each asked only when there are any."""
        if self._rates_found is not None:
            return self._rates_found
        p, matters = self.period, self._node_matters()
        base, which, action = self._bases()["handling"]
        if connection.vendor == "postgresql":
            found = self._matter_scan()["b2"]
            b2 = {k: v for k, v in found.items() if not k.startswith(("h_", "sn_"))}
            b2["sn"] = b2["sd"] - found["sn_back"]
            if found["sn_ask"]:  # in the window, registered before and after it: within?
                days = domain_limit("SETTLE_DAYS")  # bounds the registrations to hash
                lo, hi = p.start - timedelta(days), p.end
                back = self._came_back().filter(received_on__range=(lo, hi))
                unsure = self._b2_plain()["sd"] & self._unsure_return()
                b2["sn"] -= matters.filter(unsure, Exists(back)).count()
            b2["one"] = found["h_one"] - found["h_rep"]
            if found["h_ask"]:  # compliant, no review, a repeat between the first and the last?
                b2["one"] -= grouped_clock(
                    # (the compliant ones only: replied by the end, no 复查申请)
                    matters.filter(which, self._unsure_repeat(), self._no_review())
                    .filter(replied_on__lte=p.end)
                    .filter(Exists(self._repeated())),
                    base=base,
                    action=action,
                    period=p,
                    calendar=self.calendar,
                    met=self._no_review(),
                ).get(None, {"num": 0})["num"]
        else:
            b2 = matters.annotate(h_raw=base).aggregate(
                **{k: Count("id", filter=q) for k, q in self.b2_flags().items() if k != "one"}
            )
            one = grouped_clock(
                matters.filter(which),
                base=base,
                action=action,
                period=p,
                calendar=self.calendar,
                met=self.one_shot(),
            ).get(None, {"num": 0})
            b2["one"] = one["num"]
        b2["by_kind"] = self._by_kind()
        self._rates_found = b2
        return b2

    def _by_kind(self) -> dict[str, dict[str, int]]:
        """督办 by kind: {kind: {"den", "num"}} of the matters supervised in P. PostgreSQL: the
        one scan counted them all (by level); the 督办单 read here, from their own small table
        (not a pass over the matters), name the kinds of those that have one — the rest,
        supervised without one (a ledger import), are 常规督办."""
        p, matters = self.period, self._node_matters()
        resolved = Q(resolved_on__isnull=False) & Q(resolved_on__lte=p.end)
        if connection.vendor != "postgresql":
            return {
                g["knd"]: {"den": g["den"], "num": g["num"]}
                for g in matters.filter(self.supervised_in_p())
                .annotate(knd=supervision_kind())
                .values("knd")
                .annotate(den=Count("id"), num=Count("id", filter=resolved))
                .order_by()
            }
        levels = self._matter_scan()["by_level"].values()
        routine = {"den": sum(g["den"] for g in levels), "num": sum(g["num"] for g in levels)}
        notices = SupervisionNotice.objects.filter(
            self.scope.locality_q("matter__locality", whole=False, purpose="matter__purpose"),
            matter__supervision_started_on__range=(p.start, p.end),
        ).order_by("matter_id", "raised_on", "id")
        first: dict[int, tuple[str, bool]] = {}
        rows = notices.values_list("matter_id", "kind", "matter__resolved_on")
        for matter_id, kind, resolved_on in rows:
            first.setdefault(matter_id, (kind, resolved_on is not None and resolved_on <= p.end))
        out = {SupervisionKind.ROUTINE.value: routine}
        for kind, done in first.values():
            if kind != SupervisionKind.ROUTINE:
                cell = out.setdefault(kind, {"den": 0, "num": 0})
                cell["den"], cell["num"] = cell["den"] + 1, cell["num"] + int(done)
                routine["den"], routine["num"] = routine["den"] - 1, routine["num"] - int(done)
        return out

    def rates(
        self,
        clocks: dict[str, dict[str, int]],
        totals: dict[str, Any] | None = None,
        channels: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Contract B's rates and, given the report's totals and channel rows, B2's."""
        pg = connection.vendor == "postgresql"
        found = self._matter_scan() if pg else self._rate_figures()
        replies, package, by_level = found["replies"], found["package"], found["by_level"]
        b2 = self._b2_figures()
        by_kind = b2["by_kind"]
        supervision = ratio(
            sum(g["num"] for g in by_level.values()), sum(g["den"] for g in by_level.values())
        )
        for name, groups, choices in (
            ("by_level", by_level, SupervisionLevel.choices),
            ("by_kind", by_kind, SupervisionKind.choices),
        ):
            supervision[name] = {
                label: ratio(groups.get(code, {}).get("num", 0), groups.get(code, {}).get("den", 0))
                for code, label in choices
            }
        handling = clocks["handling"]
        out: dict[str, Any] = {
            "timely_acceptance": ratio(**clocks["acceptance"]),
            "on_time_reply": ratio(**handling),
            "satisfaction": ratio(replies["satisfied"], replies["evaluated"]),
            "evaluation_participation": ratio(replies["evaluated"], replies["replied"]),
            "package_resolution": ratio(package["num"], package["den"]),
            "supervision_resolution": supervision,
            "completion": share(b2["cmp"], handling["den"]),
            "settled": share(b2["sn"], b2["sd"]),
            "first_time_resolution": share(b2["one"], handling["den"]),
        }
        if totals is not None:
            batches, firsts = totals["batches"], totals["first_matters"]
            out["repeat"] = share(batches - firsts, batches)
            out["legal_channel_share"] = share(b2["lgl"], firsts)
        if channels is not None and totals is not None:
            online = next((r for r in channels if r["channel"] == Channel.ONLINE), None)
            out["online_share"] = share(online["batches"] if online else 0, totals["batches"])
        return out

    def reviews(self) -> dict[str, Any]:
        """B2 `reviews` per stage (复查 `review`, 复核 `rereview`): the matters' own dates (from
        the same counts) and the declined or withdrawn requests (one aggregate)."""
        b2, p = self._b2_figures(), self.period
        in_p = (p.start, p.end)
        got_in_p = Q(received_on__range=in_p)
        declined, withdrawn = Q(result=ReviewResult.DECLINED), Q(result=ReviewResult.WITHDRAWN)
        # from the requests' own small table, joined to their matters (not a pass over these)
        mine = self.scope.locality_q("matter__locality", whole=False, purpose="matter__purpose")
        others = ReviewApplication.objects.filter(mine).aggregate(
            **{
                f"{key}_{what}": Count("id", filter=Q(stage=key) & q)
                for key in REVIEW_STAGES
                for what, q in (
                    ("dec_got", declined & got_in_p),
                    ("wd_got", withdrawn & got_in_p),
                    ("wd", withdrawn & Q(result_on__range=in_p)),
                )
            }
        )
        out = {}
        for key in REVIEW_STAGES:
            accepted = b2[f"{key}_req"] + others[f"{key}_wd_got"]
            out[key] = {
                "received": accepted + others[f"{key}_dec_got"],
                "accepted": accepted,
                "declined": others[f"{key}_dec_got"],
                "withdrawn": others[f"{key}_wd"],
                "decided": b2[f"{key}_dec"],
            }
        return out

    def _review_matters(self, key: str, figure: str) -> list[Matter]:
        """The matters behind a `reviews` figure, by the conditions `reviews` counts them."""
        p, matters = self.period, self._node_matters()
        field = REVIEW_STAGES[key]
        if figure == "decided":
            return list(matters.filter(**{f"{field}_replied_on__range": (p.start, p.end)}))
        apps = ReviewApplication.objects.filter(stage=key)
        if figure == "withdrawn":
            apps = apps.filter(result=ReviewResult.WITHDRAWN, result_on__range=(p.start, p.end))
            return list(matters.filter(pk__in=apps.values("matter_id")))
        apps = apps.filter(received_on__range=(p.start, p.end))
        if figure == "declined":
            return list(
                matters.filter(pk__in=apps.filter(result=ReviewResult.DECLINED).values("matter_id"))
            )
        if figure == "accepted":
            apps = apps.filter(result=ReviewResult.WITHDRAWN)
        own = Q(**{f"{field}_requested_on__range": (p.start, p.end)})
        return list(matters.filter(own | Q(pk__in=apps.values("matter_id"))))

    def figure_matters(self, key: str, figure: str, kind: str = "") -> list[Matter]:
        """The matters behind a figure of B2 (the dashboard's lists), by the very conditions that
        count it: `key` a rate of `RATE_LISTS` (figure "num" or "den"), `review`/`rereview`
        (a figure of `reviews`) or `supervision` of a `kind` (督办 by kind)."""
        p = self.period
        base, which, _action = self._bases()["handling"]
        matters = self._node_matters().annotate(h_raw=base)
        flags = self.b2_flags()
        num = figure == "num"
        if key in ("completion", "first_time_resolution"):
            b_lo, b_hi, _shift = self.base_range()
            due = matters.filter(which, h_raw__range=(b_lo, b_hi))
            if not num:
                return list(due)
            if key == "completion":
                return list(due.filter(replied_on__lte=p.end))
            met = due.filter(self.one_shot(), replied_on__lte=p.end)
            deadline = self.calendar.next_working_day
            return [m for m in met if m.replied_on and m.replied_on <= deadline(m.h_raw)]
        if key == "settled":
            return list(matters.filter(flags["sn" if num else "sd"]))
        if key == "legal_channel_share":
            firsts = matters.filter(first_received_on__range=(p.start, p.end))
            return list(firsts.filter(flags["lgl"]) if num else firsts)
        if key == "repeat":  # by the registrations' own 问题属地, as the count
            repeats = Registration.objects.filter(
                self.scope.locality_q("locality", whole=False),
                received_on__range=(p.start, p.end),
                is_first=False,
            )
            return list(Matter.objects.filter(pk__in=repeats.values("matter_id")))
        if key in REVIEW_STAGES:
            return self._review_matters(key, figure)
        if key == "supervision":
            supervised = matters.filter(self.supervised_in_p()).annotate(knd=supervision_kind())
            supervised = supervised.filter(knd=kind)
            if num:
                supervised = supervised.filter(resolved_on__lte=p.end)
            return list(supervised)
        raise ValueError(key)

    def rule_of_law(self, clocks: dict[str, dict[str, int]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        total = Decimal("0.000")
        for part, weight in zip(CLOCK_PARTS, rule_of_law_weights(), strict=True):
            num, den = clocks[part]["num"], clocks[part]["den"]
            score = weighted_score(num, den, weight)
            total += score
            out[part] = {"num": num, "den": den, "weight": float(weight), "score": str(score)}
            if den == 0:
                out[part]["zero_denominator"] = True
        out["total"] = str(total)
        if self.scope.siblings:
            scores = self._sibling_scores()
            mine = scores.get(self.node.pk, 0)
            out["rank"] = competition_rank(mine, (scores.get(s.pk, 0) for s in self.scope.siblings))
        return out

    def _sibling_scores(self) -> dict[int, int]:
        """Each sibling's 法治化 total in thousandths: the three clocks of the parent's matters
        by locality, folded into siblings (PostgreSQL: from the one scan; SQLite: three grouped
        queries)."""
        scope = self.scope
        if connection.vendor == "postgresql":  # the one scan read the parent's matters
            return self._scores(self._matter_scan()["siblings"])
        matters = Matter.objects.filter(scope.locality_q("locality", whole=True))
        parts: dict[int, dict[str, dict[str, int]]] = {}
        for part, (base, which, action) in self._bases().items():
            by_loc = grouped_clock(
                matters.filter(which),
                base=base,
                action=action,
                period=self.period,
                calendar=self.calendar,
                by="locality_id",
            )
            for loc, figures in by_loc.items():
                sib = scope.sibling_of(loc)
                if sib is None:
                    continue
                cell = parts.setdefault(sib, {}).setdefault(part, {"num": 0, "den": 0})
                cell["num"] += figures["num"]
                cell["den"] += figures["den"]
        return self._scores(parts)

    @staticmethod
    def _scores(parts: dict[int, dict[str, dict[str, int]]]) -> dict[int, int]:
        """Each sibling's 法治化 total in thousandths from its three clocks."""
        weights = dict(zip(CLOCK_PARTS, rule_of_law_weights(), strict=True))
        return {
            sib: int(
                1000
                * sum(
                    weighted_score(f.get(p, {}).get("num", 0), f.get(p, {}).get("den", 0), w)
                    for p, w in weights.items()
                )
            )
            for sib, f in parts.items()
        }


__all__ = ["RateCounts", "ratio", "share", "supervision_kind"]
