"""Leader work figures of the report (B2 `receptions` and `packages`), and the rows behind them.

Counted in the database (a few grouped queries over sessions, participations, receptions and
packages); the list pages that open a figure use the same querysets (`*_rows`), so a list holds
exactly what its figure counts. Decisions B2 leaves open, written down here:

- A session belongs to the report's node when its organising unit, or the unit of one of its
  leaders, lies in the node's subtree (as `permissions.visible_sessions` reads the bureau's
  area), and with it every group received at it (批次 = receptions, 人次 = the registrations'
  people). Leader participations (人次, one per leader and session, by SessionLeader.tier, the
  tier on the day) are those of the node's own leaders (a leader of a unit in the subtree): a
  city leader at a district's session is the city's 人次, so 区级领导干部 are the district's.
  Cancelled sessions, and sessions dated after today (not yet
  held), do not count. Sessions, participations and receptions count in the period of the
  session's date.
- 党政主要领导参与接待: receptions received by at least one leader whose tier at that session
  was 党政主要领导.
- 2日内交办 is a clock: its items are the receptions needing routing (not settled on the spot)
  whose deadline (Reception.route_due, the calendar's N working days after the session) falls in
  the period — the period their window ends, as B2 says of clock-like items; one is on time when
  it was routed on or before that deadline: the reception ledger's 交办日期, else the first
  assignment or decision of its matter on or after the session, stamped on the reception by the
  workflow when it routes (`services.stamp_routed`).
- A package belongs to the node when one of its matters does (问题属地 in the subtree, as contract
  B places matters: "涉及我区…领导包案" includes a city leader's package on a district
  matter). Begun in P: 包案日期 in P; of them resolved by the end of P
  (化解率 = resolved / begun: a 化解日期 on or before the end of P, contract B's existing rate —
  a later or earlier 回流 does not undo it, it is counted apart); open (一包到底) at the end of P:
  begun by then and not standing resolved then (a 回流 reopened it), whenever begun; 回流 in
  P: PackageReflow.on in P. "Standing resolved at a day" reads the history: 化解日期 on or
  before it, or a 回流 after it that reopened a resolution made on or before it — so a later
  回流 does not change a past report. By tier: the package leader's tier.
- A reader who may not see 检举控告 (领导, 督查) gets receptions of accusation registrations,
  and packages holding an accusation matter, left out (as the dashboard's other figures).
"""

from datetime import date
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from xinfang.analytics.counting.ranges import Ranges, bucketed
from xinfang.analytics.counting.scope import Scope
from xinfang.analytics.figures import change, pct
from xinfang.analytics.periods import Period
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Matter
from xinfang.leaders.choices import (
    LeaderTier,
    PackageStatus,
    ReceptionOutcome,
    SessionKind,
    SessionStatus,
)
from xinfang.leaders.models import (
    Package,
    PackageMatter,
    PackageReflow,
    Reception,
    ReceptionSession,
    SessionLeader,
)
from xinfang.organisation.models import OrgUnit

TIERS: list[str] = list(LeaderTier.values)
KINDS: list[str] = list(SessionKind.values)
OUTCOMES: list[str] = list(ReceptionOutcome.values)
# 区级领导干部 / 县各套班子领导: the district's (county's) own leaders
NODE_TIERS = (LeaderTier.PRINCIPAL, LeaderTier.MEMBER)


# --- what belongs to the node ---------------------------------------------------------------


def _subtree(node: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path__startswith=node.path)


def _whole_tree(scope: Scope) -> bool:
    return scope.node.parent_id is None and scope.single_root


def scoped_sessions(scope: Scope, *, today: date | None = None) -> QuerySet[ReceptionSession]:
    """The node's sessions that took place (not cancelled, not after today)."""
    today = today or timezone.localdate()
    qs = ReceptionSession.objects.exclude(status=SessionStatus.CANCELLED).filter(held_on__lte=today)
    if _whole_tree(scope):
        return qs
    units = _subtree(scope.node).values("id")
    led = SessionLeader.objects.filter(leader__unit_id__in=units).values("session_id")
    return qs.filter(Q(unit_id__in=units) | Q(pk__in=led))


def scoped_seats(scope: Scope) -> QuerySet[SessionLeader]:
    """Participations (人次) of the node's own leaders: a city leader at a district's session
    is the city's 人次, not the district's."""
    if _whole_tree(scope):
        return SessionLeader.objects.all()
    return SessionLeader.objects.filter(leader__unit_id__in=_subtree(scope.node).values("id"))


def principal_q() -> Q:
    """The reception was received by a leader seated at its session as 党政主要领导."""
    return Q(with_principal=True)


def routed_in_time_q() -> Q:
    """Routed (交办日期: the ledger's, or the workflow's stamped when it routed) on or before
    Reception.route_due."""
    return Q(routed_on__isnull=False, routed_on__lte=F("route_due"))


def scoped_receptions(scope: Scope, *, today: date | None = None) -> QuerySet[Reception]:
    qs = Reception.objects.filter(session__in=scoped_sessions(scope, today=today))
    if scope.hide_accusations:
        qs = qs.exclude(registration__purpose=Purpose.ACCUSATION)
    return qs


def scoped_packages(scope: Scope) -> QuerySet[Package]:
    """The packages about the node's matters (问题属地 in its subtree, as contract B places a
    matter): "涉及我区…领导包案" counts a city or province leader's package on a district matter."""
    qs = Package.objects.all()
    if not _whole_tree(scope):
        # a packaged matter carries 包案日期 (package_open writes it; ledger packages come from it)
        packaged = Matter.objects.filter(
            Q(package_started_on__isnull=False) & scope.locality_q("locality", whole=False)
        )
        items = PackageMatter.objects.filter(matter_id__in=packaged.values("id"))
        qs = qs.filter(pk__in=items.values("package_id"))
    if scope.hide_accusations:
        hidden = PackageMatter.objects.filter(matter__purpose=Purpose.ACCUSATION)
        qs = qs.exclude(pk__in=hidden.values("package_id"))
    return qs


def owned_packages(scope: Scope) -> QuerySet[Package]:
    """The packages the node answers for — its leaders' or its units' as 责任单位 (as
    `permissions.visible_packages`): what 月通报 and 季考评 rank, leader by leader and unit by
    unit, where the report counts the packages about its matters (`scoped_packages`)."""
    qs = Package.objects.all()
    if not _whole_tree(scope):
        units = _subtree(scope.node).values("id")
        qs = qs.filter(Q(leader__unit_id__in=units) | Q(responsible_unit_id__in=units))
    if scope.hide_accusations:
        hidden = PackageMatter.objects.filter(matter__purpose=Purpose.ACCUSATION)
        qs = qs.exclude(pk__in=hidden.values("package_id"))
    return qs


def resolved_by_q(day: date) -> Q:
    """化解 on or before `day` — contract B's "resolved on or before the end of P", the existing
    包案化解率: a 回流 afterwards is counted apart (reflows) and does not undo it."""
    resolved_before = PackageReflow.objects.filter(
        package_id=OuterRef("pk"), resolved_before__lte=day
    )
    return Q(resolved_on__lte=day) | Q(Exists(resolved_before))


def resolved_at_q(day: date) -> Q:
    """The package stood resolved at the end of `day` (its history, not today's status)."""
    reopened_later = PackageReflow.objects.filter(
        package_id=OuterRef("pk"), resolved_before__lte=day, on__gt=day
    )
    return Q(status=PackageStatus.RESOLVED, resolved_on__lte=day) | Q(Exists(reopened_later))


# --- the list pages' rows: exactly what a figure counts ----------------------------------------


def session_rows(
    scope: Scope, period: Period, *, kind: str = "", tier: str = ""
) -> QuerySet[ReceptionSession]:
    qs = scoped_sessions(scope).filter(held_on__range=(period.start, period.end))
    if kind:
        qs = qs.filter(kind=kind)
    if tier:
        seated = scoped_seats(scope).filter(tier=tier).values("session_id")
        qs = qs.filter(pk__in=seated)
    return qs


def reception_rows(
    scope: Scope,
    period: Period,
    *,
    outcome: str = "",
    principal: bool = False,
    routing: str = "",
) -> QuerySet[Reception]:
    """`routing`: "due" the clock's items (deadline in P), "met" those routed in time."""
    qs = scoped_receptions(scope)
    if routing:
        qs = qs.filter(route_due__range=(period.start, period.end))
        if routing == "met":
            qs = qs.filter(routed_in_time_q())
    else:
        qs = qs.filter(session__held_on__range=(period.start, period.end))
    if outcome:
        qs = qs.filter(outcome=outcome)
    if principal:
        qs = qs.filter(principal_q())
    return qs


PACKAGE_FIGURES = ("begun", "resolved", "open_at_end", "reflows")


def package_rows(
    scope: Scope, period: Period, *, figure: str = "begun", tier: str = ""
) -> QuerySet[Package]:
    qs = scoped_packages(scope)
    s, e = period.start, period.end
    if figure == "resolved":
        qs = qs.filter(Q(started_on__range=(s, e)) & resolved_by_q(e))
    elif figure == "open_at_end":
        qs = qs.filter(Q(started_on__lte=e) & ~resolved_at_q(e))
    elif figure == "reflows":
        qs = qs.filter(pk__in=PackageReflow.objects.filter(on__range=(s, e)).values("package_id"))
    else:
        qs = qs.filter(started_on__range=(s, e))
    if tier:
        qs = qs.filter(leader__tier=tier)
    return qs


# --- the figures --------------------------------------------------------------------------------


def _ratio(num: int, den: int) -> dict[str, Any]:
    return {"num": num, "den": den, "pct": pct(num, den)}


def _bp() -> dict[str, int]:
    return {"batches": 0, "people": 0}


def _reception_figures() -> dict[str, Any]:
    return {
        "sessions": 0,
        "sessions_by_kind": dict.fromkeys(KINDS, 0),
        "participations": 0,
        "participations_by_tier": dict.fromkeys(TIERS, 0),
        "node_leaders": 0,
        "received": _bp(),
        "with_principal": _bp(),
        "outcomes": {o: _bp() for o in OUTCOMES},
        "routed_in_time": _ratio(0, 0),
    }


def _package_counts() -> dict[str, Any]:
    return {"begun": 0, "resolved": 0, "open_at_end": 0, "reflows": 0}


class LeaderWork:
    """The `receptions` and `packages` keys of one report: the period and the compared one."""

    def __init__(
        self, scope: Scope, period: Period, previous: Period, *, today: date | None = None
    ) -> None:
        self.scope, self.period, self.previous = scope, period, previous
        self.today = today or timezone.localdate()
        self.periods = ((0, period), (1, previous))
        self.ranges: Ranges = [(b, p.start, p.end) for b, p in self.periods]

    def receptions(self) -> dict[str, Any]:
        found = {0: _reception_figures(), 1: _reception_figures()}
        sessions = scoped_sessions(self.scope, today=self.today)
        for g in (
            bucketed(sessions, "held_on", self.ranges)
            .values("bucket", "kind")
            .annotate(n=Count("id"))
            .order_by()
        ):
            f = found[g["bucket"]]
            f["sessions"] += g["n"]
            f["sessions_by_kind"][g["kind"]] = f["sessions_by_kind"].get(g["kind"], 0) + g["n"]
        seats = scoped_seats(self.scope).filter(session__in=sessions)
        for g in (
            bucketed(seats, "session__held_on", self.ranges)
            .values("bucket", "tier")
            .annotate(n=Count("id"))
            .order_by()
        ):
            f = found[g["bucket"]]
            f["participations"] += g["n"]
            f["participations_by_tier"][g["tier"]] += g["n"]
            if g["tier"] in NODE_TIERS:
                f["node_leaders"] += g["n"]
        # receptions of the sessions in either period, and those whose routing clock ends in
        # either: ONE grouped scan, each row with its held bucket and its due bucket
        receptions = scoped_receptions(self.scope, today=self.today)
        held, due = Q(), Q()
        for _, lo, hi in self.ranges:
            held |= Q(session__held_on__range=(lo, hi))
            due |= Q(route_due__range=(lo, hi))
        rows = (
            receptions.filter(held | due)
            .annotate(
                hb=_bucket("session__held_on", self.ranges),
                db=_bucket("route_due", self.ranges),
                principal=_as_bool(principal_q()),
                met=_as_bool(routed_in_time_q()),
            )
            .values("hb", "db", "outcome", "principal", "met")
            .annotate(batches=Count("id"), people=Sum("people"))
            .order_by()
        )
        for g in rows:
            b, p = g["batches"], g["people"] or 0
            if g["hb"] is not None:
                f = found[g["hb"]]
                for target in (f["received"], f["outcomes"][g["outcome"]]) + (
                    (f["with_principal"],) if g["principal"] else ()
                ):
                    target["batches"] += b
                    target["people"] += p
            if g["db"] is not None:
                r = found[g["db"]]["routed_in_time"]
                r["den"] += b
                r["num"] += b if g["met"] else 0
        for f in found.values():
            r = f["routed_in_time"]
            r["pct"] = pct(r["num"], r["den"])
        cur, prev = found[0], found[1]
        pairs = {
            "sessions": (cur["sessions"], prev["sessions"]),
            "participations": (cur["participations"], prev["participations"]),
            "node_leaders": (cur["node_leaders"], prev["node_leaders"]),
            "batches": (cur["received"]["batches"], prev["received"]["batches"]),
            "people": (cur["received"]["people"], prev["received"]["people"]),
        }
        return cur | {"previous": prev, "change": {k: change(*v) for k, v in pairs.items()}}

    def packages(self) -> dict[str, Any]:
        by_tier: dict[int, dict[str, dict[str, Any]]] = {
            b: {t: _package_counts() for t in TIERS} for b, _ in self.periods
        }
        last = max(self.period.end, self.previous.end)
        qs = scoped_packages(self.scope).filter(started_on__lte=last)
        counts: dict[str, Any] = {}
        flags: dict[str, Any] = {}
        for b, p in self.periods:
            flags[f"r{b}"] = resolved_at_q(p.end)
            flags[f"by{b}"] = resolved_by_q(p.end)
            begun = Q(started_on__range=(p.start, p.end))
            counts[f"begun{b}"] = Count("id", filter=begun)
            counts[f"resolved{b}"] = Count("id", filter=begun & Q(**{f"by{b}": True}))
            counts[f"open{b}"] = Count(
                "id", filter=Q(started_on__lte=p.end) & Q(**{f"r{b}": False})
            )
        # the history (回流) is read once per package and period
        annotated = qs.annotate(**{k: _as_bool(q) for k, q in flags.items()})
        for g in annotated.values(tier=F("leader__tier")).annotate(**counts).order_by():
            for b, _ in self.periods:
                t = by_tier[b][g["tier"]]
                t["begun"] += g[f"begun{b}"]
                t["resolved"] += g[f"resolved{b}"]
                t["open_at_end"] += g[f"open{b}"]
        reflows = PackageReflow.objects.filter(package__in=scoped_packages(self.scope))
        for g in (
            bucketed(reflows, "on", self.ranges)
            .values("bucket", tier=F("package__leader__tier"))
            .annotate(n=Count("id"))
            .order_by()
        ):
            by_tier[g["bucket"]][g["tier"]]["reflows"] += g["n"]
        out: dict[int, dict[str, Any]] = {}
        for b, _ in self.periods:
            total = _package_counts()
            for t in by_tier[b].values():
                for k in total:
                    total[k] += t[k]
                t["resolution"] = _ratio(t["resolved"], t["begun"])
            out[b] = total | {
                "resolution": _ratio(total["resolved"], total["begun"]),
                "by_tier": by_tier[b],
            }
        cur, prev = out[0], out[1]
        return cur | {
            "previous": prev,
            "change": {k: change(cur[k], prev[k]) for k in ("begun", "open_at_end", "reflows")},
        }

    def build(self) -> dict[str, Any]:
        return {"receptions": self.receptions(), "packages": self.packages()}


def _bucket(field: str, ranges: Ranges) -> Case:
    """0 when `field` lies in the period, 1 in the compared one, else NULL."""
    whens = [When(Q(**{f"{field}__range": (lo, hi)}), then=Value(b)) for b, lo, hi in ranges]
    return Case(*whens, default=Value(None), output_field=IntegerField())


def _as_bool(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())
